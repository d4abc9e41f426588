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

#[test]
fn gaussian_kde_with_cv_ml_has_the_diagonal_kernel_covariance() {
    use threatstat_kde::{Bandwidth, Fit, GaussianKde, ModelFile};
    let v = json("statsmodels_cv_ml.json");
    let c = &v["sets"].as_array().unwrap()[1]; // d2_correlated
    let x = points(c);
    let kde = GaussianKde::params()
        .bandwidth(Bandwidth::CvMl)
        .fit(&x)
        .unwrap();
    let cv = kde.cv_ml().unwrap().clone();
    let cov = kde.kernel_covariance();
    assert_eq!(cov[[0, 0]], cv.bandwidths[0] * cv.bandwidths[0]);
    assert_eq!(cov[[1, 1]], cv.bandwidths[1] * cv.bandwidths[1]);
    assert_eq!((cov[[0, 1]], cov[[1, 0]]), (0.0, 0.0));
    // The mean log leave-one-out density is statsmodels' L/n − ln(n−1).
    let n = x.nrows() as f64;
    let mean_loo = kde.loo_log_density().iter().sum::<f64>() / n;
    assert!((mean_loo - (cv.loo_log_likelihood / n - (n - 1.0).ln())).abs() < 1e-10);
    // The model file keeps the bandwidths and the optimiser's state.
    let back = GaussianKde::from_json(&kde.to_json().unwrap()).unwrap();
    assert_eq!(back.kernel_covariance(), cov);
    assert_eq!(back.cv_ml(), Some(&cv));
    assert_eq!(back.bandwidth(), Bandwidth::CvMl);
    // statsmodels' cv_ml has no weights.
    let weighted = GaussianKde::params()
        .bandwidth(Bandwidth::CvMl)
        .weights(vec![1.0; x.nrows()])
        .fit(&x);
    assert!(matches!(
        weighted,
        Err(threatstat_kde::KdeError::Core(
            threatstat_core::Error::Param {
                name: "bandwidth",
                ..
            }
        ))
    ));
}

/// Binned sums (what `cv_ml_bandwidths` uses above `EXACT_MAX_POINTS`
/// points) on the statsmodels sets: bandwidths within 1% of statsmodels',
/// the reported likelihood within its error bound of the exact one at the
/// same bandwidths, and that exact likelihood within 1e-4 relative of
/// statsmodels' optimum.
#[test]
fn binned_sums_agree_with_statsmodels_and_the_exact_likelihood() {
    use threatstat_kde::cv_ml::{CvSums, cv_ml_bandwidths_with};
    let v = json("statsmodels_cv_ml.json");
    for c in v["sets"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let x = points(c);
        let theirs = fv(&c["bw"]);
        let cv = cv_ml_bandwidths_with(x.view(), CvSums::Binned)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(cv.sums, "binned");
        assert_eq!(cv.grid_nodes.len(), x.ncols());
        for (s, (h, t)) in cv.bandwidths.iter().zip(&theirs).enumerate() {
            assert!(
                (h - t).abs() <= 0.01 * t,
                "{name}: bandwidth {s} is {h}, statsmodels {t}"
            );
        }
        let exact = loo_log_likelihood(x.view(), &cv.bandwidths).unwrap();
        let l_sm = f(&c["loo_log_likelihood"]);
        println!(
            "{name}: binned h {:?} (statsmodels {theirs:?}), L binned {} exact {exact} \
             (bound {:.2e}), statsmodels {l_sm}",
            cv.bandwidths, cv.loo_log_likelihood, cv.loo_error_bound
        );
        assert!(
            (cv.loo_log_likelihood - exact).abs() <= cv.loo_error_bound,
            "{name}: binned L {} vs exact {exact}, bound {}",
            cv.loo_log_likelihood,
            cv.loo_error_bound
        );
        assert!(
            exact >= l_sm - 1e-4 * l_sm.abs(),
            "{name}: {exact} vs {l_sm}"
        );
        assert_eq!(cv.termination, "Solver converged", "{name}");
    }
}
