//! Fuzz target (proptest) for the count-series reader: no input may panic,
//! counts written one a line read back the same, and the fast path reads
//! every file as the general CSV reader does (same series, same error).
//! `PROPTEST_CASES=100000 cargo test -p threatstat-changepoint --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use std::path::Path;
use threatstat_changepoint::io::{
    parse_count_series, parse_count_series_general, read_count_series,
};
use threatstat_core::fuzz::{config, temp_file};

const TOKENS: &[&str] = &[
    "3",
    "0",
    "-1",
    "2.5",
    "4294967296",
    "18446744073709551616",
    "nan",
    "inf",
    "1e400",
    "count",
    "date",
    "2020-01-01",
    "2020-13-01",
    "",
    "\"",
    "\u{feff}",
    "\r",
    "x",
];

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn count_series_never_panics(
        lines in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![4 => proptest::sample::select(TOKENS).prop_map(str::to_string), 1 => "[ -~]{0,5}".prop_map(|s| s)], 0..4)
                .prop_map(|v| v.join(",")),
            0..8),
        column in proptest::option::of(proptest::sample::select(&["count", "date", "x"][..])),
    ) {
        let p = temp_file("cp-soup");
        std::fs::write(&p, lines.join("\n")).unwrap();
        let _ = read_count_series(&p, column);
    }

    #[test]
    fn the_fast_path_reads_as_the_general_reader(
        lines in proptest::collection::vec(
            proptest::collection::vec(prop_oneof![
                6 => proptest::sample::select(TOKENS).prop_map(str::to_string),
                3 => (0u32..40).prop_map(|x| x.to_string()),
                2 => (0i64..5).prop_map(|d| format!("2020-01-0{}", d + 1)),
                1 => "[ -~]{0,5}".prop_map(|s| s)], 1..3)
                .prop_map(|v| v.join(",")),
            0..10),
        crlf in any::<bool>(),
        column in proptest::option::of(proptest::sample::select(&["count", "date", "1", "2"][..])),
    ) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        let p = Path::new("soup.csv");
        let both = |r: Result<_, threatstat_changepoint::ChangepointError>| r.map_err(|e| e.to_string());
        prop_assert_eq!(
            both(parse_count_series(text.as_bytes(), p, column)),
            both(parse_count_series_general(text.as_bytes(), p, column))
        );
    }

    #[test]
    fn count_series_never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        let p = temp_file("cp-bytes");
        std::fs::write(&p, b).unwrap();
        let _ = read_count_series(&p, None);
    }

    #[test]
    fn written_counts_read_back(v in proptest::collection::vec(0u32..1_000_000, 1..20)) {
        let p = temp_file("cp-round");
        let text: String = v.iter().map(|x| format!("{x}\n")).collect();
        std::fs::write(&p, format!("count\n{text}")).unwrap();
        prop_assert_eq!(read_count_series(&p, None).unwrap().counts, v);
    }
}
