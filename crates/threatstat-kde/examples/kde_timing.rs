//! Wall-clock and CPU time of the KDE hot paths on the inputs of
//! `benches/benches/kde.rs` (and of `tools/reference/kde_reference.py
//! timing`), for machines where other work makes wall-clock benches noisy:
//! CPU seconds are what the work costs, whatever else runs.
//!
//! `cargo run --release -p threatstat-kde --example kde_timing [pairs_n]`

use ndarray::Array2;
use std::time::Instant;
use threatstat_kde::{Fit, GaussianKde, bw_isj, fft_kde_1d, fft_kde_2d};

/// The integration tests' data generator (the splitmix64 mixture of
/// `tools/reference/kde_reference.py`), also the bench's.
#[path = "../tests/common/mod.rs"]
mod common;
use common::cpu_seconds;
use common::generated as sample;

/// Best wall time and the CPU time of that repetition.
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut best = (f64::INFINITY, f64::NAN);
    for _ in 0..reps {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        std::hint::black_box(f());
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        if wall < best.0 {
            best = (wall, cpu);
        }
    }
    best
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let threads = rayon::current_num_threads();
    println!("rayon threads: {threads}");
    for d in [1, 2, 3] {
        let data = Array2::from_shape_vec((n, d), sample(n, d, 1)).unwrap();
        let at = Array2::from_shape_vec((n, d), sample(n, d, 2)).unwrap();
        let kde = GaussianKde::params().fit(&data).unwrap();
        let (wall, cpu) = time(3, || kde.evaluate(at.view()).unwrap());
        let pairs = (n * n) as f64;
        println!(
            "exact evaluate d={d}: {n}x{n} pairs in {wall:.3} s wall ({:.0} M pairs/s), \
             {cpu:.2} CPU s ({:.0} M pairs per CPU-second)",
            pairs / wall / 1e6,
            pairs / cpu / 1e6
        );
    }
    let x = sample(1_000_000, 1, 3);
    let (wall, cpu) = time(10, || fft_kde_1d(&x, None, 0.1, 4096).unwrap());
    println!(
        "fft_kde_1d 10^6 points, 4096 grid: {:.1} ms wall, {:.1} ms CPU",
        wall * 1e3,
        cpu * 1e3
    );
    let xy = Array2::from_shape_vec((1_000_000, 2), sample(1_000_000, 2, 4)).unwrap();
    let (wall, cpu) = time(10, || fft_kde_2d(xy.view(), None, 0.2, [64, 64]).unwrap());
    println!(
        "fft_kde_2d 10^6 points, 64x64 grid: {:.1} ms wall, {:.1} ms CPU",
        wall * 1e3,
        cpu * 1e3
    );
    let xi = sample(100_000, 1, 5);
    let (wall, cpu) = time(10, || bw_isj(&xi).unwrap());
    println!(
        "bw_isj 10^5 points: {:.1} ms wall, {:.1} ms CPU",
        wall * 1e3,
        cpu * 1e3
    );
}
