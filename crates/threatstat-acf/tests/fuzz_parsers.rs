//! Fuzz target (proptest) for the series reader: no input may panic, and a
//! series written one number a line reads back the same.
//! `PROPTEST_CASES=100000 cargo test -p threatstat-acf --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use threatstat_acf::io::read_series;
use threatstat_core::fuzz::{config, temp_file};

const TOKENS: &[&str] = &[
    "1",
    "-2.5",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e400",
    "1e-400",
    "x",
    "",
    " 3 ",
    "\u{feff}4",
    "\"5",
    "6,7",
    "\r",
    "0x10",
    "+1",
    ".5",
    "5.",
];

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn read_series_never_panics(lines in proptest::collection::vec(prop_oneof![4 => proptest::sample::select(TOKENS).prop_map(str::to_string), 1 => "[ -~]{0,6}".prop_map(|s| s)], 0..8)) {
        let p = temp_file("acf-soup");
        std::fs::write(&p, lines.join("\n")).unwrap();
        let _ = read_series(&p);
    }

    #[test]
    fn read_series_never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        let p = temp_file("acf-bytes");
        std::fs::write(&p, b).unwrap();
        let _ = read_series(&p);
    }

    #[test]
    fn a_written_series_reads_back(v in proptest::collection::vec(-1e300f64..1e300, 1..20)) {
        let p = temp_file("acf-round");
        let text: String = v.iter().map(|x| format!("{x}\n")).collect();
        std::fs::write(&p, text).unwrap();
        prop_assert_eq!(read_series(&p).unwrap(), v);
    }
}
