//! KDE hot paths: exact Gaussian KDE evaluation (pairs per second, d = 1, 2,
//! 3, and leave-one-out), binned FFT KDE of 10^6 points on 4,096 grid points
//! (1-D, and 64×64 in 2-D) and at 2,048 points (`kde --method auto`: the
//! estimate alone, and the ISJ or normal-reference fit plus the estimate),
//! the ISJ bandwidth of 10^5 points, and the
//! likelihood cross-validated bandwidth (cv-ml: the whole search) of 10^3
//! points with exact sums and of 2·10^4 points with binned sums (d = 1, 2).
//!
//! `cargo bench -p threatstat-benches --bench kde`
//! (`THREATSTAT_BENCH_KDE_PAIRS_N`, `THREATSTAT_BENCH_KDE_FFT_N`,
//! `THREATSTAT_BENCH_KDE_ISJ_N`, `THREATSTAT_BENCH_KDE_CV_N` change the
//! sizes.)
//!
//! The inputs come from a seeded splitmix64 generator (a two-component
//! mixture of Irwin–Hall "normals"), the same one `tools/reference/
//! kde_reference.py timing` implements, so SciPy and KDEpy are timed on
//! identical data.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use std::hint::black_box;
use std::time::Duration;
use threatstat_core::rng::SplitMix64;
use threatstat_kde::{
    Bandwidth, CvSums, Fit, GaussianKde, bw_isj, cv_ml_bandwidths_with, fft_kde_1d, fft_kde_2d,
    fft_kde_at_points,
};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A uniform on [0, 1) from splitmix64, `(x >> 11) * 2**-53` as the Python
/// peer draws it (core's `open01` adds half a step: other inputs).
fn uniform(g: &mut SplitMix64) -> f64 {
    (g.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// 70% Irwin–Hall(12) − 6 (mean 0, variance 1, exact in binary floating
/// point), 30% the same shifted by 3.
fn mixture(g: &mut SplitMix64) -> f64 {
    let mut s = 0.0;
    for _ in 0..12 {
        s += uniform(g);
    }
    let z = s - 6.0;
    if uniform(g) < 0.3 { z + 3.0 } else { z }
}

/// `n` points in `d` dimensions, coordinates from [`mixture`].
fn sample(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut g = SplitMix64::new(seed);
    (0..n * d).map(|_| mixture(&mut g)).collect()
}

/// [`sample`] as an `n × d` array (rows are points).
fn points(n: usize, d: usize, seed: u64) -> Array2<f64> {
    Array2::from_shape_vec((n, d), sample(n, d, seed)).expect("n × d values")
}

fn exact(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_KDE_PAIRS_N", 20_000);
    let mut g = c.benchmark_group(format!("kde_exact_{n}x{n}_pairs"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements((n * n) as u64));
    for d in [1, 2, 3] {
        let data = points(n, d, 1);
        let at = points(n, d, 2);
        let kde = GaussianKde::params().fit(&data).unwrap();
        g.bench_function(format!("evaluate_d{d}"), |b| {
            b.iter(|| kde.evaluate(black_box(at.view())).unwrap())
        });
    }
    let data = points(n, 1, 1);
    let kde = GaussianKde::params().fit(&data).unwrap();
    g.bench_function("loo_density_d1", |b| {
        b.iter(|| black_box(&kde).loo_density())
    });
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
    let kde = GaussianKde::params().weights(w).fit(&data).unwrap();
    let at = points(n, 1, 2);
    g.bench_function("evaluate_d1_weighted", |b| {
        b.iter(|| kde.evaluate(black_box(at.view())).unwrap())
    });
    g.finish();
}

fn fft(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_KDE_FFT_N", 1_000_000);
    let x = sample(n, 1, 3);
    let xy = points(n, 2, 4);
    let mut g = c.benchmark_group(format!("kde_fft_{n}_points"));
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("1d_4096_grid_bw0.1", |b| {
        b.iter(|| fft_kde_1d(black_box(&x), None, 0.1, 4096).unwrap())
    });
    g.bench_function("2d_64x64_grid_bw0.2", |b| {
        b.iter(|| fft_kde_2d(black_box(xy.view()), None, 0.2, [64, 64]).unwrap())
    });
    // `kde --method auto`'s binned path at 2,048 points (the CLI's work
    // after reading): the estimate alone, and with the ISJ or
    // normal-reference fit before it (the data moved into the fit, as the
    // CLI does; the copy made for each iteration is outside the timing).
    let at: Vec<f64> = (0..2048).map(|i| -6.0 + 14.0 * i as f64 / 2047.0).collect();
    g.bench_function("at_2048_points_bw0.1", |b| {
        b.iter(|| fft_kde_at_points(black_box(&x), None, 0.1, &at).unwrap())
    });
    let column = Array2::from_shape_vec((n, 1), x.clone()).expect("n × 1");
    for (name, bw) in [
        ("auto_isj_fit_and_2048_points", Bandwidth::Isj),
        (
            "auto_normal_reference_fit_and_2048_points",
            Bandwidth::NormalReference,
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || column.clone(),
                |data| {
                    let kde = GaussianKde::params().bandwidth(bw).fit_owned(data).unwrap();
                    let h = kde.kernel_covariance()[[0, 0]].sqrt();
                    let x = kde.data().to_slice().expect("row-major");
                    fft_kde_at_points(x, None, h, &at).unwrap()
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn isj(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_KDE_ISJ_N", 100_000);
    let x = sample(n, 1, 5);
    let mut g = c.benchmark_group(format!("kde_isj_{n}_points"));
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("bw_isj", |b| b.iter(|| bw_isj(black_box(&x)).unwrap()));
    g.finish();
}

fn cv_ml(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_KDE_CV_N", 20_000);
    let mut g = c.benchmark_group("kde_cv_ml");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let small = points(1000, 1, 6);
    g.bench_function("exact_1000_d1", |b| {
        b.iter(|| cv_ml_bandwidths_with(black_box(small.view()), CvSums::Exact).unwrap())
    });
    for d in [1, 2] {
        let x = points(n, d, 7);
        g.bench_function(format!("binned_{n}_d{d}"), |b| {
            b.iter(|| cv_ml_bandwidths_with(black_box(x.view()), CvSums::Binned).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, exact, fft, isj, cv_ml);
criterion_main!(benches);
