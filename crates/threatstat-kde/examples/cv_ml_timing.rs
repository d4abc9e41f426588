//! Wall-clock and CPU time of the likelihood cross-validated bandwidth
//! (`cv_ml_bandwidths`, exact O(n² d) sums per evaluation) on the tests'
//! generated mixture.
//!
//! `cargo run --release -p threatstat-kde --example cv_ml_timing [n ...]`
//! (default n = 1000 and 10000, d = 1 and 2).

use ndarray::Array2;
use std::time::Instant;
use threatstat_kde::cv_ml_bandwidths;

#[path = "../tests/common/mod.rs"]
mod common;
use common::cpu_seconds;

fn main() {
    let ns: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let ns = if ns.is_empty() {
        vec![1000, 10_000]
    } else {
        ns
    };
    for &n in &ns {
        for d in [1, 2] {
            let x = Array2::from_shape_vec((n, d), common::generated(n, d, 11)).unwrap();
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let cv = cv_ml_bandwidths(x.view()).expect("cv-ml");
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            println!(
                "n={n} d={d}: {wall:.3} s wall, {cpu:.2} s CPU, {} iterations, {} evaluations \
                 ({:.3} s wall each), h = {:?}",
                cv.iterations,
                cv.evaluations,
                wall / cv.evaluations as f64,
                cv.bandwidths
            );
        }
    }
}
