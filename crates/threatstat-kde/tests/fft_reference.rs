//! Binned FFT KDE against KDEpy 1.1.12's FFTKDE on the same grids
//! (`tools/reference/kde_reference.py`), and against the exact KDE.

mod common;

use common::{f, fv, generated_from, generated_weights, json};
use ndarray::Array2;
use serde_json::Value;
use threatstat_core::Error;
use threatstat_kde::Fit;
use threatstat_kde::{
    Bandwidth, FftOptions, GaussianKde, KdeError, KernelSupport, fft_kde_1d, fft_kde_1d_with,
    fft_kde_2d, fft_kde_2d_with,
};

/// `values` as points of dimension `d` (rows are points).
fn as_points(d: usize, values: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / d, d), values).unwrap()
}

/// Points from rows of equal length.
fn from_rows(rows: &[Vec<f64>]) -> Array2<f64> {
    as_points(rows[0].len(), rows.concat())
}

fn data_of(c: &Value) -> Vec<f64> {
    match c.get("generated") {
        Some(g) => generated_from(g),
        None => fv(&c["x"]),
    }
}

fn check_axis(name: &str, ours: &[f64], want: &Value) {
    assert_eq!(ours[0], f(&want["first"]), "{name}: first grid point");
    assert_eq!(
        *ours.last().unwrap(),
        f(&want["last"]),
        "{name}: last grid point"
    );
    let every = fv(&want["every_17th"]);
    for (k, w) in every.iter().enumerate() {
        assert_eq!(ours[17 * k], *w, "{name}: grid point {}", 17 * k);
    }
}

#[test]
fn fft_densities_match_kdepy_on_the_same_grid() {
    let v = json("kdepy_fftkde.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    let mut worst = 0.0f64;
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let bw = f(&c["bw"]);
        let eps = f(&c["eps_added"]);
        let gp: Vec<usize> = c["grid_points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_u64().unwrap() as usize)
            .collect();
        let x = data_of(c);
        let d = c["d"].as_u64().unwrap() as usize;
        let n = x.len() / d;
        let w = c["weights_seed"].as_u64().map(|s| generated_weights(n, s));
        let mut options = FftOptions::default();
        if let Some(b) = c["bounds"].as_array() {
            options = options.bounds(b.iter().map(|p| (f(&p[0]), f(&p[1]))).collect());
        }
        let want = fv(&c["density"]);
        let density = if d == 1 {
            let (grid, y) = fft_kde_1d_with(&x, w.as_deref(), bw, gp[0], &options).unwrap();
            check_axis(name, &grid, &c["axes"][0]);
            y
        } else {
            let pts = as_points(2, x);
            let (grid, y) =
                fft_kde_2d_with(pts.view(), w.as_deref(), bw, [gp[0], gp[1]], &options).unwrap();
            let ax: Vec<f64> = (0..gp[0]).map(|i| grid.row(i * gp[1])[0]).collect();
            let ay: Vec<f64> = (0..gp[1]).map(|j| grid.row(j)[1]).collect();
            check_axis(name, &ax, &c["axes"][0]);
            check_axis(name, &ay, &c["axes"][1]);
            y
        };
        assert_eq!(density.len(), want.len(), "{name}");
        let peak = want.iter().cloned().fold(0.0, f64::max);
        for (i, (a, b)) in density.iter().zip(&want).enumerate() {
            // KDEpy adds eps to every value; both sides carry FFT round-off
            // of ~1e-16 of the peak.
            let diff = (a + eps - b).abs();
            worst = worst.max(diff / peak);
            assert!(diff <= 1e-13 * peak, "{name}[{i}]: {a} + eps vs {b}");
            if *b > 1e-4 * peak {
                assert!(diff <= 1e-10 * b, "{name}[{i}]: {a} + eps vs {b}");
            }
        }
    }
    eprintln!("worst |ours + eps - KDEpy| / peak: {worst:e}");
    // The crate docs: within 1e-14 of the peak (1.8e-15 measured).
    assert!(worst <= 1e-14, "{worst:e}");
}

#[test]
fn fft_is_close_to_the_exact_kde_with_a_wide_support() {
    // Linear binning errs by O(dx²); with 8 sd of support nothing is cut.
    let x = common::generated(20_000, 1, 7);
    let h = 0.25;
    let opts = FftOptions::default().support(KernelSupport::StdDevs(8.0));
    let (grid, y) = fft_kde_1d_with(&x, None, h, 2048, &opts).unwrap();
    let kde = GaussianKde::params()
        .bandwidth(Bandwidth::StdDev(h))
        .fit(&as_points(1, x))
        .unwrap();
    let exact = kde.evaluate(as_points(1, grid.clone()).view()).unwrap();
    let peak = exact.iter().cloned().fold(0.0, f64::max);
    for (a, b) in y.iter().zip(&exact) {
        assert!((a - b).abs() < 2e-4 * peak, "{a} vs {b}");
    }
    let dx = grid[1] - grid[0];
    assert!((y.iter().sum::<f64>() * dx - 1.0).abs() < 1e-9);
}

#[test]
fn fft_2d_integrates_to_one() {
    let xy = as_points(2, common::generated(5_000, 2, 9));
    let (grid, y) = fft_kde_2d(xy.view(), None, 0.3, [80, 60]).unwrap();
    let dx = grid.row(60)[0] - grid.row(0)[0];
    let dy = grid.row(1)[1] - grid.row(0)[1];
    let mass = y.iter().sum::<f64>() * dx * dy;
    assert!((mass - 1.0).abs() < 1e-3, "{mass}");
    assert!(y.iter().all(|v| *v >= 0.0));
}

#[test]
fn fft_errors() {
    let x = [1.0, 2.0, 3.0];
    assert!(matches!(
        fft_kde_1d(&[], None, 1.0, 16),
        Err(KdeError::Empty(_))
    ));
    let param = |r: Result<(Vec<f64>, Vec<f64>), KdeError>| match r {
        Err(KdeError::Core(Error::Param { name, .. })) => name,
        other => panic!("not a parameter error: {other:?}"),
    };
    assert_eq!(param(fft_kde_1d(&x, None, 0.0, 16)), "bw");
    assert_eq!(param(fft_kde_1d(&x, None, 1.0, 1)), "grid_points");
    assert!(matches!(
        fft_kde_1d(&[1.0, f64::INFINITY], None, 1.0, 16),
        Err(KdeError::Core(Error::Data { .. }))
    ));
    assert!(matches!(
        fft_kde_1d(&x, Some(&[1.0, 1.0]), 1.0, 16),
        Err(KdeError::Core(Error::Shape { .. }))
    ));
    assert!(matches!(
        fft_kde_1d(&x, Some(&[1.0, -1.0, 1.0]), 1.0, 16),
        Err(KdeError::Weights { index: Some(1), .. })
    ));
    assert!(matches!(
        fft_kde_1d(&x, Some(&[0.0, 0.0, 0.0]), 1.0, 16),
        Err(KdeError::Weights { index: None, .. })
    ));
    // KDEpy's practical support has no solution for bw > 3989.4.
    let e = fft_kde_1d(&x, None, 5000.0, 16).unwrap_err();
    assert!(e.to_string().contains("KernelSupport::StdDevs"), "{e}");
    assert_eq!(param(Err(e)), "bw");
    let opts = FftOptions::default().support(KernelSupport::StdDevs(8.0));
    assert!(fft_kde_1d_with(&x, None, 5000.0, 16, &opts).is_ok());
    let opts = FftOptions::default().support(KernelSupport::StdDevs(0.0));
    assert_eq!(param(fft_kde_1d_with(&x, None, 1.0, 16, &opts)), "support");
    // A user grid must contain the data strictly.
    let opts = FftOptions::default().bounds(vec![(1.0, 10.0)]);
    assert_eq!(param(fft_kde_1d_with(&x, None, 1.0, 16, &opts)), "bounds");
    let xy = from_rows(&[vec![0.0, 1.0], vec![1.0, 0.0]]);
    assert!(matches!(
        fft_kde_2d(as_points(1, x.to_vec()).view(), None, 1.0, [8, 8]),
        Err(KdeError::DimensionMismatch { .. })
    ));
    assert!(fft_kde_2d(xy.view(), None, 1.0, [8, 8]).is_ok());
}
