//! The accuracy `fft_kde_at_points` promises (binned FFT estimate read off
//! by linear interpolation at any points, as statsmodels' `fft=True` +
//! `np.interp`): relative error below its bound, 4e-4, wherever the
//! density is at least 1e-3 of its peak, at every scale, with ties and
//! weights, against exact sums written out here.

use threatstat_kde::{binned_points_error_bound, bw_isj, bw_silverman, fft_kde_at_points};

mod common;
use common::{exact_kde_1d as exact, range};

/// Largest relative error where the exact density is >= 1e-3 of its peak,
/// at `m` points drawn uniformly (unsorted) around the data.
fn worst(data: &[f64], w: Option<&[f64]>, h: f64, m: usize, r: &mut common::SplitMix64) -> f64 {
    let (a, b) = range(data);
    let at: Vec<f64> = (0..m)
        .map(|_| a - 10.0 * h + (b - a + 20.0 * h) * common::uniform(r))
        .collect();
    let e = fft_kde_at_points(data, w, h, &at).unwrap();
    assert!(
        e.relative_error_bound <= 4e-4 + 1e-15,
        "{}",
        e.relative_error_bound
    );
    assert_eq!(e.relative_error_bound, binned_points_error_bound(a, b, h));
    let want: Vec<f64> = at.iter().map(|&x| exact(data, w, h, x)).collect();
    let peak = want.iter().copied().fold(0.0, f64::max);
    e.density
        .iter()
        .zip(&want)
        .filter(|(_, b)| **b >= 1e-3 * peak)
        .map(|(a, b)| (a - b).abs() / b)
        .fold(0.0, f64::max)
}

#[test]
fn relative_error_below_the_bound_at_every_scale_at_any_points() {
    let mut r = common::SplitMix64::new(0x5eed_0ff7_9011);
    for scale in [1.0, 1e3, 1e6, 1e9] {
        let data: Vec<f64> = (0..3000)
            .map(|i| {
                let z = (0..12).map(|_| common::uniform(&mut r)).sum::<f64>() - 6.0;
                scale * (10.0 + if i % 3 == 0 { 5.0 + 0.5 * z } else { z })
            })
            .collect();
        for h in [
            bw_silverman(&data),
            bw_isj(&data).unwrap(),
            bw_silverman(&data) / 10.0,
        ] {
            let w = worst(&data, None, h, 1500, &mut r);
            eprintln!("scale {scale:e}, h {h:e}: worst {w:.2e}");
            assert!(w < 4e-4, "scale {scale:e}, h {h:e}: {w:e}");
        }
    }
}

#[test]
fn tie_heavy_counts_with_weights() {
    let mut r = common::SplitMix64::new(42);
    // Daily event counts: a few values repeated hundreds of times.
    let data: Vec<f64> = (0..4000)
        .map(|_| (common::uniform(&mut r) * 12.0).floor().powi(2))
        .collect();
    let w: Vec<f64> = (0..4000).map(|_| 0.5 + common::uniform(&mut r)).collect();
    for h in [0.3, 2.0, 15.0] {
        let unweighted = worst(&data, None, h, 1500, &mut r);
        let weighted = worst(&data, Some(&w), h, 1500, &mut r);
        eprintln!("h {h}: worst {unweighted:.2e}, weighted {weighted:.2e}");
        assert!(unweighted < 4e-4 && weighted < 4e-4, "h {h}");
    }
}

#[test]
fn far_points_are_zero_and_bad_input_is_an_error() {
    let data = [1.0, 2.0, 4.0];
    let e = fft_kde_at_points(&data, None, 0.5, &[-100.0, 2.0, 1e9]).unwrap();
    assert_eq!((e.density[0], e.density[2]), (0.0, 0.0));
    assert!(e.density[1] > 0.2);
    assert!(fft_kde_at_points(&data, None, 0.0, &[1.0]).is_err());
    assert!(fft_kde_at_points(&[], None, 1.0, &[1.0]).is_err());
    assert!(fft_kde_at_points(&data, None, 1.0, &[f64::NAN]).is_err());
    assert!(fft_kde_at_points(&[1.0, f64::INFINITY], None, 1.0, &[1.0]).is_err());
    // Spread over 10^9 bandwidths: the grid is capped and says so.
    assert!(binned_points_error_bound(0.0, 1e9, 1.0) > 1e-3);
}
