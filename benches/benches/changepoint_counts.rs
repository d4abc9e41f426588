//! The count-series reader of `changepoint fit`: 10^5 days as one count a
//! line and as `date,count`, in memory (no disk), through the fast path
//! (`parse_count_series`: one pass over the bytes) and through the general
//! CSV reader it falls back to (`parse_count_series_general`: a csv record
//! per row), which reads every file the same way.
//!
//! Measured with `--quick` on the shared 2-core machine (load ~6): one
//! column 0.45 ms fast against 15.0 ms general (222 against 6.7 M days/s);
//! `date,count` 5.2 ms against 23.2 ms (the fast path's time there is the
//! ISO-8601 date parser).
//!
//! `cargo bench -p threatstat-benches --bench changepoint_counts`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;
use threatstat_changepoint::io::{parse_count_series, parse_count_series_general};

const DAYS: usize = 100_000;

/// Counts near 10 then 13 (as benches/peers/compare.py's series), without
/// and with a date column.
fn texts() -> [(&'static str, String); 2] {
    let count = |t: usize| 7 + (t * 7919) % 7 + 3 * usize::from(t >= DAYS * 6 / 10);
    let plain: String = (0..DAYS).map(|t| format!("{}\n", count(t))).collect();
    let mut dated = String::from("date,count\n");
    for t in 0..DAYS {
        let day = threatstat_core::time::format_day(t as i64);
        writeln!(dated, "{day},{}", count(t)).expect("a String takes any text");
    }
    [("one_column", plain), ("date_count", dated)]
}

fn counts(c: &mut Criterion) {
    let mut g = c.benchmark_group("changepoint_counts_100000_days");
    g.throughput(Throughput::Elements(DAYS as u64));
    let p = Path::new("bench.csv");
    for (name, text) in texts() {
        let b = text.as_bytes();
        assert_eq!(
            parse_count_series(b, p, None).unwrap(),
            parse_count_series_general(b, p, None).unwrap()
        );
        g.bench_function(format!("{name}_fast"), |bch| {
            bch.iter(|| parse_count_series(black_box(b), p, None).unwrap())
        });
        g.bench_function(format!("{name}_general"), |bch| {
            bch.iter(|| parse_count_series_general(black_box(b), p, None).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, counts);
criterion_main!(benches);
