//! Autocorrelation hot paths: the statsmodels ACF at 30 lags of 10^6 points
//! (direct sums, FFT, automatic choice) and pandas' autocorr at the same
//! lags; Ljung–Box at 30 lags of 10^5 points; automated-role detection over
//! 10^5 (principal, API) series of 90 days with both rules.
//!
//! `cargo bench -p threatstat-benches --bench acf`
//! (`THREATSTAT_BENCH_ACF_POINTS`, `THREATSTAT_BENCH_LB_POINTS` and
//! `THREATSTAT_BENCH_SERIES` change the sizes.) The Python side:
//! `python tools/reference/acf_reference.py --bench`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};
use std::hint::black_box;
use std::time::Duration;
use threatstat_acf::autocorr::autocorrs;
use threatstat_acf::automation::{PairSeries, Rule, detect};
use threatstat_acf::{Acf, AcfMethod, ljung_box};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn normal(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = threatstat_core::rng::seeded(seed);
    (0..n).map(|_| StandardNormal.sample(&mut rng)).collect()
}

/// 90-day count series: 80% irregular (Poisson with a per-pair rate), 10%
/// weekly jobs, 10% weekday jobs.
fn pair_series(m: usize, days: usize, seed: u64) -> Vec<PairSeries> {
    let mut rng = threatstat_core::rng::seeded(seed);
    (0..m)
        .map(|i| {
            let counts: Vec<f64> = match i % 10 {
                0 => {
                    let day = rng.random_range(0..7);
                    let calls: f64 = rng.random_range(5.0..50.0);
                    (0..days)
                        .map(|d| if d % 7 == day { calls.round() } else { 0.0 })
                        .collect()
                }
                1 => {
                    let (hi, lo) = (Poisson::new(30.0).unwrap(), Poisson::new(2.0).unwrap());
                    (0..days)
                        .map(|d| {
                            if d % 7 < 5 {
                                hi.sample(&mut rng)
                            } else {
                                lo.sample(&mut rng)
                            }
                        })
                        .collect()
                }
                _ => {
                    let p = Poisson::new(rng.random_range(0.5..20.0)).unwrap();
                    (0..days).map(|_| p.sample(&mut rng)).collect()
                }
            };
            PairSeries {
                principal: format!("role-{:05}", i % 5000),
                api: format!("Api{i:06}"),
                counts,
            }
        })
        .collect()
}

fn acf_long(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_ACF_POINTS", 1_000_000);
    let x = normal(n, 1);
    let mut g = c.benchmark_group(format!("acf_30_lags_{n}_points"));
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n as u64));
    for (name, method) in [
        ("statsmodels_direct", AcfMethod::Direct),
        ("statsmodels_fft", AcfMethod::Fft),
        ("statsmodels_auto", AcfMethod::Auto),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                Acf::params()
                    .nlags(30)
                    .method(method)
                    .fit(black_box(&x))
                    .unwrap()
            })
        });
    }
    g.bench_function("pandas_autocorr", |b| {
        b.iter(|| autocorrs(black_box(&x), 30))
    });
    g.finish();
}

fn ljung_box_long(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_LB_POINTS", 100_000);
    let x = normal(n, 2);
    let mut g = c.benchmark_group(format!("ljung_box_{n}_points"));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("lags_30", |b| {
        b.iter(|| ljung_box(black_box(&x), 30).unwrap())
    });
    g.finish();
}

fn detection(c: &mut Criterion) {
    let m = size("THREATSTAT_BENCH_SERIES", 100_000);
    let series = pair_series(m, 90, 3);
    let mut g = c.benchmark_group(format!("detect_{m}_series_90_days"));
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(m as u64));
    for (name, rule) in [
        ("notebook", Rule::notebook()),
        ("ljung_box", Rule::ljung_box()),
    ] {
        g.bench_function(name, |b| b.iter(|| detect(black_box(&series), &rule)));
    }
    g.finish();
}

criterion_group!(benches, acf_long, ljung_box_long, detection);
criterion_main!(benches);
