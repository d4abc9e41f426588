//! Fuzz targets (proptest) for the core parsers: ISO-8601 timestamps, the
//! CSV table reader and the gzip-sniffing opener. No input may panic.
//! `PROPTEST_CASES=100000 cargo test -p threatstat-core --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use std::io::Cursor;
use std::path::Path;
use threatstat_core::reader::CsvTable;
use threatstat_core::time::{days_from_civil, parse_timestamp};

// The shared strategies, compiled in here (the crate's own tests cannot
// turn on its `fuzz` feature).
#[path = "../src/fuzz.rs"]
#[allow(dead_code)]
mod fuzz;
use fuzz::{config, temp_file, token_lines};

/// Timestamp-shaped strings: each part valid, edge or garbage.
/// Years stay in 1678..=2261 until issue 20 item 1 (years outside the i64
/// nanosecond range overflow) is fixed; then widen to 0..=9999.
fn timestamp_like() -> impl Strategy<Value = String> {
    let year = prop_oneof![1678..=2261i64, Just(1970), Just(2000)].prop_map(|y| format!("{y:04}"));
    let two = prop_oneof![0..=99u32, Just(0), Just(12), Just(31), Just(60)]
        .prop_map(|v| format!("{v:02}"));
    let sep = prop_oneof![Just("-"), Just("/"), Just("."), Just("")];
    let t = prop_oneof![Just("T"), Just(" "), Just("t"), Just("")];
    let frac = prop_oneof![
        Just(String::new()),
        "\\.[0-9]{1,12}".prop_map(|s| s),
        Just(".".to_string())
    ];
    let zone = prop_oneof![
        Just("Z".to_string()),
        Just(String::new()),
        "[+-][0-9]{2}:?[0-9]{2}".prop_map(|s| s),
        "[ -~]{0,3}".prop_map(|s| s),
    ];
    (
        year,
        sep.clone(),
        two.clone(),
        sep,
        two.clone(),
        t,
        two.clone(),
        two.clone(),
        two,
        frac,
        zone,
    )
        .prop_map(|(y, s1, mo, s2, d, t, h, mi, se, f, z)| {
            format!("{y}{s1}{mo}{s2}{d}{t}{h}:{mi}:{se}{f}{z}")
        })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn parse_timestamp_never_panics_on_any_string(s in "\\PC{0,40}") {
        let _ = parse_timestamp(&s);
    }

    #[test]
    fn parse_timestamp_never_panics_on_timestamp_like_strings(s in timestamp_like()) {
        let _ = parse_timestamp(&s);
    }

    #[test]
    fn parse_timestamp_round_trips_the_calendar(
        y in 1678i64..=2261, m in 1u32..=12, d in 1u32..=28,
        h in 0i64..24, mi in 0i64..60, s in 0i64..60,
    ) {
        let text = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
        let want = ((days_from_civil(y, m, d) * 86_400) + h * 3600 + mi * 60 + s)
            .checked_mul(1_000_000_000);
        // Inside the i64 nanosecond range the value is exact.
        if let Some(want) = want {
            prop_assert_eq!(parse_timestamp(&text), Ok(want));
        }
    }
}

/// Troublesome CSV fields.
const CSV_TOKENS: &[&str] = &[
    "a",
    "",
    "\"",
    "\"x\"\"y\"",
    "\u{feff}",
    "\r",
    "1e400",
    "a,b",
];

/// Reads every record and field of `bytes` as a CSV table.
fn read_all(bytes: Vec<u8>) {
    let Ok(mut t) = CsvTable::from_reader(Path::new("fuzz.csv"), Box::new(Cursor::new(bytes)))
    else {
        return;
    };
    let n = t.headers().len();
    let mut rec = csv::ByteRecord::new();
    while let Ok(Some(line)) = t.next_record(&mut rec) {
        for i in 0..n + 1 {
            let _ = t.field(&rec, i, line);
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn csv_table_never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        read_all(b);
    }

    #[test]
    fn csv_table_never_panics_on_csv_like_bytes(text in token_lines(CSV_TOKENS, ",", 4)) {
        read_all(text.into_bytes());
    }

    #[test]
    fn open_never_panics_on_gzip_like_files(b in proptest::collection::vec(any::<u8>(), 0..200), gz in any::<bool>()) {
        use std::io::Read;
        // gzip magic in front of junk, or junk alone.
        let mut bytes = if gz { vec![0x1f, 0x8b, 8, 0] } else { Vec::new() };
        bytes.extend(b);
        let p = temp_file("open");
        std::fs::write(&p, &bytes).unwrap();
        if let Ok(mut r) = threatstat_core::reader::open(&p) {
            let mut out = Vec::new();
            let _ = r.read_to_end(&mut out);
        }
    }
}

/// Found by `csv_table_never_panics_on_arbitrary_bytes`: asking for a field
/// past the header panicked while naming the column of the error.
#[test]
fn a_field_past_the_header_is_an_error_not_a_panic() {
    let mut t = CsvTable::from_reader(Path::new("x.csv"), Box::new(Cursor::new("a\n1\n"))).unwrap();
    let mut rec = csv::ByteRecord::new();
    let line = t.next_record(&mut rec).unwrap().unwrap();
    let e = t.field(&rec, 1, line).unwrap_err().to_string();
    assert!(e.contains("x.csv:2") && e.contains("column 2"), "{e}");
}
