//! Wall-clock and CPU time of the likelihood cross-validated bandwidth
//! (`cv_ml_bandwidths`: exact O(n² d) sums per evaluation up to
//! `EXACT_MAX_POINTS` points, binned sums above) on the tests' generated
//! mixture.
//!
//! `cargo run --release -p threatstat-kde --example cv_ml_timing [n ...]
//! [--d D ...] [--exact]` (default n = 1000, 10000 and 100000; d = 1, 2, 3;
//! `--exact` forces exact sums).

use ndarray::Array2;
use std::time::Instant;
use threatstat_kde::{CvSums, cv_ml_bandwidths_with};

#[path = "../tests/common/mod.rs"]
mod common;
use common::cpu_seconds;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sums = if args.iter().any(|a| a == "--exact") {
        CvSums::Exact
    } else {
        CvSums::Auto
    };
    let mut ns = Vec::new();
    let mut ds = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--d" {
            ds.extend(it.next().and_then(|v| v.parse::<usize>().ok()));
        } else if let Ok(n) = a.parse() {
            ns.push(n);
        }
    }
    if ns.is_empty() {
        ns = vec![1000, 10_000, 100_000];
    }
    if ds.is_empty() {
        ds = vec![1, 2, 3];
    }
    for &n in &ns {
        for &d in &ds {
            let x = Array2::from_shape_vec((n, d), common::generated(n, d, 11)).unwrap();
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let cv = cv_ml_bandwidths_with(x.view(), sums).expect("cv-ml");
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            println!(
                "n={n} d={d}: {wall:.3} s wall, {cpu:.2} s CPU, {} sums (grid {:?}, bound on L \
                 {:.2e}), {} iterations, {} evaluations ({:.3} s wall each), h = {:?}, L = {}",
                cv.sums,
                cv.grid_nodes,
                cv.loo_error_bound,
                cv.iterations,
                cv.evaluations,
                wall / cv.evaluations as f64,
                cv.bandwidths,
                cv.loo_log_likelihood
            );
        }
    }
}
