//! The number reader of `kde`, `mwu` and `acf` (`threatstat_core::numbers`):
//! 10^6 values one a line as NumPy's `savetxt(fmt="%.17g")` writes them
//! (about 19 MB), read from the page cache.
//!
//! * `read_numbers/plain`: the fast path (blocks parsed in parallel over
//!   newline-aligned chunks; all cores).
//! * `read_numbers/fallback`: the same file with a trailing blank line, which
//!   the fast path leaves to the general line-by-line reader: the cost of a
//!   file that is not plain (the fast attempt, then the general reader).
//! * `read_points/plain_2_columns`: rows of two values.
//! * `std_lines_parse`: `BufRead::lines` + `str::parse`, one thread (what a
//!   simple reader costs).
//! * `read_f64le`: the same values as raw little-endian f64 (8 MB; `kde
//!   --f64le`, `mwu --f64le`).
//!
//! `cargo bench -p threatstat-benches --bench numbers`
//! (`THREATSTAT_BENCH_NUMBERS`, default 1,000,000 values.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::BufRead;
use std::time::Duration;
use threatstat_core::numbers::{Header, read_f64le, read_numbers, read_points};

fn values(n: usize) -> Vec<f64> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            if i % 10 < 7 { (u - 0.5) * 6.0 } else { 4.0 + u }
        })
        .collect()
}

fn numbers(c: &mut Criterion) {
    let n: usize = std::env::var("THREATSTAT_BENCH_NUMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join("threatstat-bench-numbers");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let v = values(n);
    // `{:e}` with 17 significant digits, as "%.17g" (round-trips).
    let text: String = v.iter().map(|x| format!("{x:.16e}\n")).collect();
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, &text).expect("write");
    let fallback = dir.join("fallback.txt");
    std::fs::write(&fallback, text.clone() + "\n").expect("write");
    let rows: String = v
        .chunks(2)
        .map(|r| format!("{:.16e},{:.16e}\n", r[0], r[r.len() - 1]))
        .collect();
    let points = dir.join("points.csv");
    std::fs::write(&points, rows).expect("write");
    assert_eq!(read_numbers(&plain, &Default::default()).unwrap(), v);
    let raw = dir.join("values.f64");
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(&raw, bytes).expect("write");
    assert_eq!(read_f64le(&raw).unwrap(), v);

    let mut g = c.benchmark_group("numbers");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(6));
    g.bench_function("read_numbers/plain", |b| {
        b.iter(|| black_box(read_numbers(&plain, &Default::default()).unwrap()))
    });
    g.bench_function("read_numbers/fallback", |b| {
        b.iter(|| black_box(read_numbers(&fallback, &Default::default()).unwrap()))
    });
    g.bench_function("read_points/plain_2_columns", |b| {
        b.iter(|| black_box(read_points(&points, Header::Auto).unwrap()))
    });
    g.bench_function("std_lines_parse", |b| {
        b.iter(|| {
            let f = std::io::BufReader::new(std::fs::File::open(&plain).unwrap());
            let v: Vec<f64> = f
                .lines()
                .map(|l| l.unwrap().trim().parse::<f64>().unwrap())
                .collect();
            black_box(v)
        })
    });
    g.bench_function("read_f64le", |b| {
        b.iter(|| black_box(read_f64le(&raw).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, numbers);
criterion_main!(benches);
