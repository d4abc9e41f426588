//! Low-density flagging: thresholds from np.quantile (bit for bit) and the
//! flags they give.

mod common;

use common::{fv, json};
use ndarray::Array2;
use threatstat_kde::Fit;
use threatstat_kde::{
    Bandwidth, GaussianKde, Threshold, flag_low_density, numeric::np_quantile_sorted,
};

/// `values` as points of dimension `d` (rows are points).
fn as_points(d: usize, values: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / d, d), values).unwrap()
}

/// Points from rows of equal length.
fn from_rows(rows: &[Vec<f64>]) -> Array2<f64> {
    as_points(rows[0].len(), rows.concat())
}

#[test]
fn contamination_thresholds_are_numpy_quantiles() {
    let v = json("numpy_quantile.json");
    for c in v["cases"].as_array().unwrap() {
        let d = fv(&c["densities"]);
        for (q, want) in fv(&c["q"]).into_iter().zip(fv(&c["quantile"])) {
            let f = flag_low_density(&d, Threshold::Contamination(q));
            assert_eq!(f.threshold, want, "n={} q={q}", d.len());
            let below = d.iter().filter(|x| **x < want).count();
            assert_eq!(f.count(), below);
            let mut s = d.clone();
            s.sort_by(f64::total_cmp);
            assert_eq!(np_quantile_sorted(&s, q), want);
        }
    }
}

#[test]
fn value_thresholds_flag_strictly_below() {
    let f = flag_low_density(&[0.1, 0.2, 0.2, 0.3], Threshold::Value(0.2));
    assert_eq!(f.flags, vec![true, false, false, false]);
    assert_eq!(f.threshold, 0.2);
    assert_eq!(f.indices(), vec![0]);
    let f = flag_low_density(&[], Threshold::Contamination(0.1));
    assert!(f.flags.is_empty() && f.threshold.is_nan());
}

#[test]
#[should_panic(expected = "contamination must lie in [0, 1]")]
fn contamination_out_of_range_panics() {
    flag_low_density(&[1.0, 2.0], Threshold::Contamination(1.5));
}

#[test]
fn planted_outliers_are_flagged_by_leave_one_out_density() {
    // A 2-D cloud of "normal" (hour, log-bytes) events and three far ones.
    let mut rows: Vec<Vec<f64>> = (0..400)
        .map(|i| {
            let t = i as f64;
            vec![
                9.0 + 4.0 * (t * 0.618).fract(),
                6.0 + (t * 0.414).fract() + 0.5 * (t * 0.732).fract(),
            ]
        })
        .collect();
    rows.push(vec![3.0, 12.0]);
    rows.push(vec![23.0, 2.0]);
    rows.push(vec![2.5, 11.5]);
    let pts = from_rows(&rows);
    let kde = GaussianKde::params()
        .bandwidth(Bandwidth::Silverman)
        .fit(&pts)
        .unwrap();
    let flags = kde.flag_low_density(Threshold::Contamination(3.0 / 402.0));
    assert_eq!(flags.indices(), vec![400, 401, 402]);
    // In-sample densities keep each point's own kernel: the isolated points
    // look less unusual than they are.
    let loo = kde.loo_density();
    let full = kde.evaluate(pts.view()).unwrap();
    assert!(full[401] > 100.0 * loo[401]);
}
