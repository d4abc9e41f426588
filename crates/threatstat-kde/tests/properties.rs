//! Invariants: densities are non-negative, the 1-D density integrates to 1,
//! weights are scale-free, log-density and leave-one-out agree with the
//! density, and the binned estimate integrates to 1.

use ndarray::Array2;
use proptest::prelude::*;
use threatstat_kde::Fit;
use threatstat_kde::{Bandwidth, GaussianKde, fft_kde_1d};

/// `values` as points of dimension `d` (rows are points).
fn as_points(d: usize, values: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / d, d), values).unwrap()
}

fn sample_1d() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-50.0f64..50.0, 3..60).prop_filter("not constant", |v| {
        v.iter().any(|x| (x - v[0]).abs() > 1e-3)
    })
}

fn trapezoid(y: &[f64], dx: f64) -> f64 {
    let inner: f64 = y[1..y.len() - 1].iter().sum();
    dx * (inner + 0.5 * (y[0] + y[y.len() - 1]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn one_d_density_is_nonnegative_and_integrates_to_one(x in sample_1d(), silverman in any::<bool>()) {
        let bw = if silverman { Bandwidth::Silverman } else { Bandwidth::Scott };
        let kde = GaussianKde::params().bandwidth(bw).fit(&as_points(1, x.clone())).unwrap();
        let h = kde.kernel_covariance()[[0, 0]].sqrt();
        let lo = x.iter().cloned().fold(f64::INFINITY, f64::min) - 10.0 * h;
        let hi = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max) + 10.0 * h;
        // ≥ 20 grid points per kernel sd: the trapezoid rule is then exact to ~1e-10.
        let m = (((hi - lo) / h) * 20.0).ceil() as usize + 1;
        let dx = (hi - lo) / (m - 1) as f64;
        let grid: Vec<f64> = (0..m).map(|i| lo + i as f64 * dx).collect();
        let y = kde.evaluate(as_points(1, grid).view()).unwrap();
        prop_assert!(y.iter().all(|v| *v >= 0.0));
        let mass = trapezoid(&y, dx);
        prop_assert!((mass - 1.0).abs() < 1e-6, "mass {}", mass);
    }

    #[test]
    fn weights_are_scale_invariant(
        x in sample_1d(),
        seed in 0u64..1000,
        scale in prop_oneof![Just(1e-6), Just(3.0), Just(1e9)],
    ) {
        let n = x.len();
        let w: Vec<f64> = (0..n).map(|i| 0.1 + ((i as u64 * 7919 + seed) % 13) as f64).collect();
        let ws: Vec<f64> = w.iter().map(|v| v * scale).collect();
        let pts = as_points(1, x.clone());
        let a = GaussianKde::params().weights(w).fit(&pts).unwrap();
        let b = GaussianKde::params().weights(ws).fit(&pts).unwrap();
        prop_assert!((a.factor() - b.factor()).abs() <= 1e-13 * a.factor());
        prop_assert!((a.neff() - b.neff()).abs() <= 1e-12 * a.neff());
        let at = as_points(1, (0..25).map(|i| -60.0 + 5.0 * i as f64).collect());
        for (p, q) in a.evaluate(at.view()).unwrap().iter().zip(b.evaluate(at.view()).unwrap()) {
            prop_assert!((p - q).abs() <= 1e-11 * p.max(q) + 1e-300, "{} vs {}", p, q);
        }
        for (p, q) in a.loo_density().iter().zip(b.loo_density()) {
            prop_assert!((p - q).abs() <= 1e-11 * p.max(q) + 1e-300);
        }
    }

    #[test]
    fn equal_weights_equal_no_weights(x in sample_1d()) {
        let pts = as_points(1, x.clone());
        let a = GaussianKde::params().fit(&pts).unwrap();
        let b = GaussianKde::params().weights(vec![2.5; x.len()]).fit(&pts).unwrap();
        for (p, q) in a.evaluate(pts.view()).unwrap().iter().zip(b.evaluate(pts.view()).unwrap()) {
            prop_assert!((p - q).abs() <= 1e-12 * p.max(q));
        }
    }

    #[test]
    fn multivariate_densities_are_nonnegative_and_logs_agree(
        d in 2usize..5,
        raw in prop::collection::vec(-5.0f64..5.0, 60..120),
    ) {
        let n = raw.len() / d;
        prop_assume!(n > d + 1);
        let data: Vec<f64> = raw[..n * d].iter().enumerate()
            .map(|(i, v)| v + 0.01 * ((i * 31 % 17) as f64)).collect();
        let pts = as_points(d, data);
        let Ok(kde) = GaussianKde::params().fit(&pts) else { return Ok(()) };
        let at = as_points(d, raw.iter().take(10 * d).map(|v| v * 1.7).collect());
        let f = kde.evaluate(at.view()).unwrap();
        let l = kde.log_density(at.view()).unwrap();
        for (p, q) in f.iter().zip(&l) {
            prop_assert!(*p >= 0.0);
            if *p > 1e-280 {
                prop_assert!((p.ln() - q).abs() <= 1e-10 * q.abs().max(1.0));
            }
        }
        let loo = kde.loo_density();
        let full = kde.evaluate(pts.view()).unwrap();
        for (i, (o, a)) in loo.iter().zip(&full).enumerate() {
            // f(x_i) = (1/n) K(0) + ((n-1)/n) f_{-i}(x_i)
            let k0 = 1.0 / ((2.0 * std::f64::consts::PI).powf(d as f64 / 2.0)
                * (0..d).map(|k| kde.kernel_cholesky()[[k, k]]).product::<f64>());
            let rebuilt = k0 / n as f64 + (n - 1) as f64 / n as f64 * o;
            prop_assert!((rebuilt - a).abs() <= 1e-10 * a, "point {}: {} vs {}", i, rebuilt, a);
        }
    }

    #[test]
    fn fft_estimate_integrates_to_one(x in sample_1d(), bw in 0.05f64..5.0) {
        let (grid, y) = fft_kde_1d(&x, None, bw, 1024).unwrap();
        prop_assert!(y.iter().all(|v| *v >= 0.0));
        let dx = grid[1] - grid[0];
        // A grid coarser than the kernel makes the Riemann sum itself wrong
        // (by ~exp(-2π² bw²/dx²)): not what this property is about.
        prop_assume!(dx <= bw);
        let mass: f64 = y.iter().sum::<f64>() * dx;
        // KDEpy's kernel is cut where its density is 1e-4: up to ~1e-3 of the
        // mass can be missing for bandwidths of a few units.
        prop_assert!((mass - 1.0).abs() < 2e-3, "mass {}", mass);
    }
}
