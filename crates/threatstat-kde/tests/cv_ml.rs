//! The likelihood cross-validated bandwidth against statsmodels 0.15.0
//! `KDEMultivariate(data, var_type='c'*d, bw='cv_ml')`
//! (`tools/reference/kde_cv_ml.py`, fixture `statsmodels_cv_ml.json`).

mod common;

use common::{f, fv, json};
use ndarray::Array2;
use threatstat_kde::cv_ml::{cv_ml_bandwidths, loo_log_likelihood};

fn points(c: &serde_json::Value) -> Array2<f64> {
    let rows = c["data"].as_array().unwrap();
    let d = c["d"].as_u64().unwrap() as usize;
    let flat: Vec<f64> = rows.iter().flat_map(fv).collect();
    Array2::from_shape_vec((rows.len(), d), flat).unwrap()
}

#[test]
fn statsmodels_cv_ml_parity() {
    let v = json("statsmodels_cv_ml.json");
    let sets = v["sets"].as_array().unwrap();
    assert!(sets.len() >= 4);
    for c in sets {
        let name = c["name"].as_str().unwrap();
        let x = points(c);
        let theirs = fv(&c["bw"]);
        let cv = cv_ml_bandwidths(x.view()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same start.
        for (a, b) in cv.start.iter().zip(fv(&c["start"])) {
            assert!((a - b).abs() <= 1e-12 * b, "{name}: start {a} vs {b}");
        }
        for (s, (h, t)) in cv.bandwidths.iter().zip(&theirs).enumerate() {
            assert!(
                (h - t).abs() <= 0.01 * t,
                "{name}: bandwidth {s} is {h}, statsmodels {t}"
            );
        }
        // Our likelihood at statsmodels' bandwidths is theirs (same objective) ...
        let at_theirs = loo_log_likelihood(x.view(), &theirs).unwrap();
        let l_sm = f(&c["loo_log_likelihood"]);
        assert!(
            (at_theirs - l_sm).abs() <= 1e-9 * l_sm.abs().max(1.0),
            "{name}: L at statsmodels' bandwidths {at_theirs} vs {l_sm}"
        );
        // ... and ours is at least as high.
        assert!(
            cv.loo_log_likelihood >= l_sm - 1e-9,
            "{name}: L {} below statsmodels' {l_sm}",
            cv.loo_log_likelihood
        );
        println!(
            "{name}: h {:?} (statsmodels {theirs:?}), L {} (statsmodels {l_sm}), {} iterations, \
             {} evaluations, |grad| {:.1e}",
            cv.bandwidths, cv.loo_log_likelihood, cv.iterations, cv.evaluations, cv.gradient_norm
        );
        assert_eq!(cv.termination, "Solver converged", "{name}");
        assert!(cv.gradient_norm <= 1e-7 * x.nrows() as f64, "{name}");
    }
}
