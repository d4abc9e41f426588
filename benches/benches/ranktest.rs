//! Mann-Whitney U hot paths:
//!
//! * 10^6 against 10^6 byte counts with many ties (floor of a log-normal,
//!   about 50,000 distinct values), asymptotic method: the whole test
//!   (ranks, p-value, effect sizes, Hodges–Lehmann shift and interval) and
//!   the test without the shift;
//! * the exact null distribution at n_x = n_y = 500 (continuous data);
//! * the Hodges–Lehmann shift and its interval at 10^5 against 10^5
//!   continuous values (every pairwise difference distinct: 10^10 of them);
//! * the Hodges–Lehmann selection alone (the whole test with the shift minus
//!   the test without it) on the data of `benches/peers/inprocess.py`'s
//!   Mann–Whitney rows: log-normal(8, 1.5) against log-normal(8.1, 1.5) at
//!   10^4, 10^5 and 10^6 values per sample (10^8 to 10^12 differences; the
//!   median and both interval ends are selected together).
//!
//! `cargo bench -p threatstat-benches --bench ranktest`
//! (`THREATSTAT_BENCH_MWU_N` changes the size of the first group;
//! `THREATSTAT_BENCH_DUMP=dir` writes its two samples to `dir/x.f64` and
//! `dir/y.f64` as raw little-endian f64, the input of SciPy's timing:
//! `tools/reference/ranktest_reference.py --time-scipy dir/x.f64 dir/y.f64`.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_distr::{Distribution, LogNormal, Normal};
use std::hint::black_box;
use std::time::Duration;
use threatstat_ranktest::{MannWhitney, Method};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` byte counts: ⌊LogNormal(μ, 2)⌋, heavy-tailed with many repeats.
fn byte_counts(n: usize, mu: f64, seed: u64) -> Vec<f64> {
    let mut rng = threatstat_core::rng::seeded(seed);
    let d = LogNormal::new(mu, 2.0).expect("valid log-normal");
    (0..n).map(|_| d.sample(&mut rng).floor()).collect()
}

fn normals(n: usize, mean: f64, seed: u64) -> Vec<f64> {
    let mut rng = threatstat_core::rng::seeded(seed);
    let d = Normal::new(mean, 1.0).expect("valid normal");
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

fn dump(x: &[f64], y: &[f64]) {
    if let Ok(dir) = std::env::var("THREATSTAT_BENCH_DUMP") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("dump directory");
        for (name, v) in [("x.f64", x), ("y.f64", y)] {
            let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
            std::fs::write(dir.join(name), bytes).expect("dump file");
        }
    }
}

fn asymptotic_bytes(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_MWU_N", 1_000_000);
    let x = byte_counts(n, 6.0, 1);
    let y = byte_counts(n, 6.01, 2);
    dump(&x, &y);
    let mut g = c.benchmark_group(format!("mwu_asymptotic_{n}x{n}_byte_counts"));
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(2 * n as u64));
    let p = MannWhitney::params().method(Method::Asymptotic);
    g.bench_function("test_with_shift", |b| {
        b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
    });
    let p = p.hodges_lehmann(false);
    g.bench_function("test_without_shift", |b| {
        b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
    });
    g.finish();
}

fn exact_500(c: &mut Criterion) {
    let x = normals(500, 0.0, 3);
    let y = normals(500, 0.1, 4);
    let mut g = c.benchmark_group("mwu_exact_500x500");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let p = MannWhitney::params()
        .method(Method::Exact)
        .hodges_lehmann(false);
    g.bench_function("exact_p", |b| {
        b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
    });
    g.finish();
}

fn hodges_lehmann(c: &mut Criterion) {
    let n = 100_000;
    let x = normals(n, 0.0, 5);
    let y = normals(n, 0.05, 6);
    let mut g = c.benchmark_group(format!("mwu_hodges_lehmann_{n}x{n}"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(2 * n as u64));
    let p = MannWhitney::params().method(Method::Asymptotic);
    g.bench_function("test_with_shift", |b| {
        b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
    });
    let p = p.hodges_lehmann(false);
    g.bench_function("test_without_shift", |b| {
        b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
    });
    g.finish();
}

fn lognormals(n: usize, mu: f64, seed: u64) -> Vec<f64> {
    let mut rng = threatstat_core::rng::seeded(seed);
    let d = LogNormal::new(mu, 1.5).expect("valid log-normal");
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

fn hodges_lehmann_selection(c: &mut Criterion) {
    for n in [10_000, 100_000, 1_000_000] {
        let x = lognormals(n, 8.0, 7);
        let y = lognormals(n, 8.1, 8);
        let mut g = c.benchmark_group(format!("mwu_hl_selection_{n}x{n}_lognormal"));
        g.sample_size(10).measurement_time(Duration::from_secs(5));
        g.throughput(Throughput::Elements(2 * n as u64));
        let p = MannWhitney::params();
        g.bench_function("default_with_shift", |b| {
            b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
        });
        let p = p.hodges_lehmann(false);
        g.bench_function("without_shift", |b| {
            b.iter(|| p.test(black_box(&x), black_box(&y)).unwrap())
        });
        g.finish();
    }
}

criterion_group!(
    benches,
    asymptotic_bytes,
    exact_500,
    hodges_lehmann,
    hodges_lehmann_selection
);
criterion_main!(benches);
