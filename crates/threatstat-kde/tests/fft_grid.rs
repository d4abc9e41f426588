//! The accuracy `fft_kde_on_grid` promises: relative error below 1e-3
//! wherever the density is at least 1e-3 of its peak, on coarse grids and
//! at every scale from 1 to 10^9, against exact sums written out here.

use threatstat_kde::{bw_silverman, fft_kde_on_grid};

mod common;
use common::{exact_kde_1d as exact, range};

/// The tests' splitmix64 uniforms, and approximately standard normal draws
/// (sums of 12 uniforms).
struct Rng(common::SplitMix64);
impl Rng {
    fn u(&mut self) -> f64 {
        common::uniform(&mut self.0)
    }
    fn z(&mut self) -> f64 {
        (0..12).map(|_| self.u()).sum::<f64>() - 6.0
    }
}

/// Largest relative error where the exact density is >= 1e-3 of its peak
/// on the grid, and the estimate's mass on the grid.
fn check(data: &[f64], w: Option<&[f64]>, h: f64, lo: f64, hi: f64, points: usize) -> (f64, f64) {
    let e = fft_kde_on_grid(data, w, h, lo, hi, points).unwrap();
    assert!(e.relative_error_bound <= 1.6 / 2500.0 + 1e-15);
    let step = (hi - lo) / (points - 1) as f64;
    let want: Vec<f64> = (0..points)
        .map(|k| exact(data, w, h, lo + k as f64 * step))
        .collect();
    let peak = want.iter().copied().fold(0.0, f64::max);
    let worst = e
        .density
        .iter()
        .zip(&want)
        .filter(|(_, b)| **b >= 1e-3 * peak)
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max);
    (worst, e.mass_on_grid)
}

#[test]
fn relative_error_below_1e3_in_the_bulk_at_every_scale_on_64_points() {
    let mut r = Rng(common::SplitMix64::new(0x9e37_79b9_7f4a_7c15));
    for scale in [1.0, 1e3, 1e6, 1e9] {
        let data: Vec<f64> = (0..3000)
            .map(|i| scale * (10.0 + if i % 3 == 0 { 5.0 + 0.5 * r.z() } else { r.z() }))
            .collect();
        let h = bw_silverman(&data);
        let (a, b) = range(&data);
        for points in [64, 512] {
            let (worst, mass) = check(&data, None, h, a - 9.0 * h, b + 9.0 * h, points);
            eprintln!("scale {scale:e}, {points} points: worst {worst:.2e}, mass {mass}");
            assert!(worst < 1e-3, "scale {scale:e}, {points} points: {worst:e}");
            assert!((mass - 1.0).abs() < 1e-6, "scale {scale:e}: mass {mass}");
        }
    }
}

#[test]
fn tie_heavy_byte_counts_and_weights() {
    // Packet sizes: a few values repeated thousands of times, and a tail.
    let mut r = Rng(common::SplitMix64::new(7));
    let sizes = [40.0, 52.0, 576.0, 1500.0, 1500.0, 1500.0];
    let data: Vec<f64> = (0..5000)
        .map(|i| {
            if i % 10 == 0 {
                (2000.0 + 8000.0 * r.u()).round()
            } else {
                sizes[i % sizes.len()]
            }
        })
        .collect();
    let w: Vec<f64> = (0..data.len()).map(|_| 0.5 + r.u()).collect();
    let (a, b) = range(&data);
    for h in [5.0, bw_silverman(&data)] {
        for weights in [None, Some(w.as_slice())] {
            let (worst, mass) = check(&data, weights, h, a - 9.0 * h, b + 9.0 * h, 64);
            eprintln!("ties, h {h}: worst {worst:.2e}, mass {mass}");
            assert!(worst < 1e-3, "h {h}: {worst:e}");
            assert!((mass - 1.0).abs() < 1e-6, "h {h}: mass {mass}");
        }
    }
}

#[test]
fn mass_outside_the_grid_is_reported() {
    let data: Vec<f64> = (0..100).map(|i| f64::from(i) / 10.0).collect();
    // A grid that just contains the data: the kernels' outer halves at both
    // ends are off the grid.
    let e = fft_kde_on_grid(&data, None, 2.0, -0.01, 9.91, 100).unwrap();
    assert!(e.mass_on_grid < 0.9, "{}", e.mass_on_grid);
}
