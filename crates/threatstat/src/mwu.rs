//! `threatstat mwu`: Mann-Whitney U test (SciPy conventions).

use clap::Args;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use threatstat_core::{Error as CoreError, Location};
use threatstat_ranktest::{Alternative, MannWhitney, Method};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Args)]
pub struct MwuArgs {
    /// First sample: one number a line (or raw f64 with --f64le).
    #[arg(long)]
    pub x: PathBuf,
    /// Second sample.
    #[arg(long)]
    pub y: PathBuf,
    /// two-sided, less or greater.
    #[arg(long, default_value = "two-sided")]
    pub alternative: String,
    /// auto, exact or asymptotic.
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// No continuity correction (asymptotic method).
    #[arg(long)]
    pub no_continuity: bool,
    /// Samples are raw little-endian f64 (gzip allowed).
    #[arg(long)]
    pub f64le: bool,
}

pub fn run(a: MwuArgs) -> Res {
    let alternative: Alternative = a.alternative.parse()?;
    let method: Method = a.method.parse()?;
    let read = |p: &Path| {
        if a.f64le { read_f64le(p) } else { read_text(p) }
    };
    let x = read(&a.x)?;
    let y = read(&a.y)?;
    let r = MannWhitney::params()
        .alternative(alternative)
        .method(method)
        .continuity(!a.no_continuity)
        .test(&x, &y)?;
    crate::print::print_json(&r)
}

/// Why a value is refused: NaN and infinities have no place in the test.
fn non_finite(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN is not accepted (remove the value)")
    } else if v.is_infinite() {
        Some("infinite values are not accepted (remove or replace the value)")
    } else {
        None
    }
}

/// One number a line (blank lines are skipped), gzip detected from the
/// content; an unreadable line is an error naming the file and line.
fn read_text(path: &Path) -> Result<Vec<f64>, CoreError> {
    let mut r = threatstat_core::reader::open(path)?;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| CoreError::io(path, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        let at = || Location::file(path).at_line(line);
        let text = std::str::from_utf8(&buf)
            .map_err(|_| CoreError::parse(at(), "the line is not valid UTF-8"))?
            .trim();
        if text.is_empty() {
            continue;
        }
        let v: f64 = text.parse().map_err(|_| {
            CoreError::parse(
                at(),
                format!("expected a number, found `{}`", shorten(text)),
            )
        })?;
        if let Some(why) = non_finite(v) {
            return Err(CoreError::parse(at(), format!("`{text}`: {why}")));
        }
        out.push(v);
    }
    if out.is_empty() {
        return Err(CoreError::parse(
            Location::file(path),
            "no numbers in the file",
        ));
    }
    Ok(out)
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Raw little-endian f64 values (gzip detected from the content).
fn read_f64le(path: &Path) -> Result<Vec<f64>, CoreError> {
    let mut r = threatstat_core::reader::open_bytes(path)?;
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)
        .map_err(|e| CoreError::io(path, e))?;
    if bytes.len() % 8 != 0 {
        return Err(CoreError::parse(
            Location::file(path),
            format!(
                "{} bytes is not a whole number of little-endian f64 values (8 bytes each)",
                bytes.len()
            ),
        ));
    }
    let out: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    if let Some((i, why)) = out
        .iter()
        .enumerate()
        .find_map(|(i, &v)| non_finite(v).map(|w| (i, w)))
    {
        return Err(CoreError::parse(
            Location::file(path),
            format!("value #{} (byte offset {}): {why}", i + 1, 8 * i),
        ));
    }
    if out.is_empty() {
        return Err(CoreError::parse(
            Location::file(path),
            "the file holds no values",
        ));
    }
    Ok(out)
}
