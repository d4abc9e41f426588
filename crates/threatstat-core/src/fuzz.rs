//! Strategies shared by the crates' fuzz targets (`tests/fuzz_*.rs`, issue
//! 20): inputs made of a format's own tokens, valid files changed in a few
//! places, and the case count (`PROPTEST_CASES` overrides it). Built only
//! with the `fuzz` feature, which the crates enable for their tests.

use proptest::prelude::*;
use std::path::PathBuf;

/// Cases per target: `PROPTEST_CASES` when set (longer runs, e.g. in CI),
/// else `default`, chosen to keep a target well under 5 s in a debug build.
///
/// ```
/// let c = threatstat_core::fuzz::config(100);
/// assert!(c.cases > 0);
/// ```
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

/// Up to 6 lines, each up to `max_fields` items joined by `sep`: mostly
/// tokens of the format (`tokens`), sometimes random printable text or
/// nothing; lines end in LF, CRLF or (last) nothing.
pub fn token_lines(
    tokens: &'static [&'static str],
    sep: &'static str,
    max_fields: usize,
) -> impl Strategy<Value = String> {
    let item = prop_oneof![
        4 => proptest::sample::select(tokens).prop_map(str::to_string),
        1 => "[ -~]{0,8}",
        1 => Just(String::new()),
    ];
    let line = proptest::collection::vec(item, 0..max_fields + 1).prop_map(move |v| v.join(sep));
    let eol = prop_oneof![Just("\n"), Just("\r\n"), Just("")];
    proptest::collection::vec((line, eol), 0..6)
        .prop_map(|v| v.into_iter().map(|(l, e)| l + e).collect())
}

/// `valid` changed in 1 to 3 places: a token inserted, up to 11 bytes
/// deleted, or up to 11 bytes replaced by a token. Most results still
/// parse, so the checks after parsing are reached too.
pub fn mutated(valid: String, tokens: &'static [&'static str]) -> impl Strategy<Value = String> {
    let edit = (
        any::<proptest::sample::Index>(),
        0..12usize,
        0..3u8,
        proptest::sample::select(tokens),
    );
    proptest::collection::vec(edit, 1..4).prop_map(move |edits| {
        let mut s = valid.clone();
        for (at, len, op, token) in edits {
            let floor = |s: &str, mut i: usize| {
                while !s.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let i = floor(&s, at.index(s.len() + 1));
            let j = floor(&s, (i + len).min(s.len()));
            match op {
                0 => s.insert_str(i, token),
                1 => s.replace_range(i..j, ""),
                _ => s.replace_range(i..j, token),
            }
        }
        s
    })
}

/// A temporary file path private to this process and `tag` (for readers
/// that take a path).
pub fn temp_file(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("threatstat-fuzz-{tag}-{}", std::process::id()))
}
