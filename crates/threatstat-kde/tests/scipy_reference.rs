//! Exact-sum Gaussian KDE against scipy.stats.gaussian_kde 1.17.1
//! (`tools/reference/kde_reference.py`): factor, neff, covariances, pdf,
//! logpdf, and leave-one-out densities from direct NumPy sums.

mod common;

use common::{f, fv, json, opt_fv, rel};
use ndarray::Array2;
use serde_json::Value;
use threatstat_kde::{Bandwidth, GaussianKde, KdeError};
use threatstat_kde::{Fit, ModelFile};

/// `values` as points of dimension `d` (rows are points).
fn as_points(d: usize, values: Vec<f64>) -> Array2<f64> {
    Array2::from_shape_vec((values.len() / d, d), values).unwrap()
}

/// Points from rows of equal length.
fn from_rows(rows: &[Vec<f64>]) -> Array2<f64> {
    as_points(rows[0].len(), rows.concat())
}

fn bandwidth_of(c: &Value) -> Bandwidth {
    if let Some(label) = c.get("bandwidth").and_then(|b| b.as_str()) {
        let h = f(&c["kernel_std"]);
        return match label {
            "std_dev_0.4" => Bandwidth::StdDev(h),
            "normal_reference" => Bandwidth::NormalReference,
            "isj" => Bandwidth::Isj,
            other => panic!("unknown label {other}"),
        };
    }
    match &c["bw_method"] {
        Value::String(s) if s == "scott" => Bandwidth::Scott,
        Value::String(s) if s == "silverman" => Bandwidth::Silverman,
        v => Bandwidth::Factor(f(v)),
    }
}

fn fit(c: &Value) -> (GaussianKde, Array2<f64>) {
    let d = c["d"].as_u64().unwrap() as usize;
    let data = as_points(d, fv(&c["data"]));
    let points = as_points(d, fv(&c["points"]));
    let mut params = GaussianKde::params().bandwidth(bandwidth_of(c));
    if let Some(w) = opt_fv(&c["weights"]) {
        params = params.weights(w);
    }
    (params.fit(&data).unwrap(), points)
}

fn cases() -> Vec<Value> {
    json("scipy_gaussian_kde.json")["cases"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn factors_neff_and_covariances_match_scipy() {
    let cases = cases();
    assert!(cases.len() >= 20);
    for c in &cases {
        let name = c["name"].as_str().unwrap();
        let (kde, _) = fit(c);
        // factor: exact for Scott/Silverman/scalar; h / sqrt(cov) for 1-D rules.
        assert!(rel(kde.factor(), f(&c["factor"])) < 1e-14, "{name}: factor");
        assert!(rel(kde.neff(), f(&c["neff"])) < 1e-14, "{name}: neff");
        for (what, ours, want) in [
            (
                "data covariance",
                kde.data_covariance(),
                fv(&c["data_covariance"]),
            ),
            (
                "kernel covariance",
                kde.kernel_covariance(),
                fv(&c["kernel_covariance"]),
            ),
        ] {
            assert_eq!(ours.len(), want.len());
            for (a, b) in ours.iter().zip(&want) {
                // SciPy's covariance comes from BLAS (other summation order).
                assert!(
                    rel(*a, *b) < 1e-13 || (a - b).abs() < 1e-15,
                    "{name}: {what} {a} vs {b}"
                );
            }
        }
    }
}

#[test]
fn scott_and_silverman_factors_agree_to_the_last_bits() {
    // SciPy's neff = 1 / np.vecdot(w, w) is an OpenBLAS ddot (FMA, several
    // accumulators); ours is NumPy's pairwise sum: a few ulp apart at most.
    for c in cases() {
        if matches!(c["bw_method"].as_str(), Some("scott" | "silverman")) {
            let (kde, _) = fit(&c);
            assert!(
                rel(kde.factor(), f(&c["factor"])) < 4.0 * f64::EPSILON,
                "{}",
                c["name"]
            );
            assert!(
                rel(kde.neff(), f(&c["neff"])) < 8.0 * f64::EPSILON,
                "{}",
                c["name"]
            );
        }
    }
}

#[test]
fn densities_match_scipy_to_1e_10() {
    let mut worst = 0.0f64;
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let (kde, points) = fit(&c);
        let ours = kde.evaluate(points.view()).unwrap();
        let want = fv(&c["pdf"]);
        for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
            if *b < 1e-300 {
                // SciPy underflows (to 0 or subnormal); so must we.
                assert!(*a < 1e-290, "{name}[{i}]: {a} vs {b}");
                continue;
            }
            let r = rel(*a, *b);
            worst = worst.max(r);
            assert!(r < 1e-10, "{name}[{i}]: {a} vs {b} (rel {r:e})");
        }
    }
    eprintln!("worst relative difference of pdf vs SciPy: {worst:e}");
    assert!(worst < 1e-12);
}

#[test]
fn log_densities_match_scipy() {
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let (kde, points) = fit(&c);
        let ours = kde.log_density(points.view()).unwrap();
        let pdf = fv(&c["pdf"]);
        for (i, (a, b)) in ours.iter().zip(fv(&c["logpdf"])).enumerate() {
            // SciPy's logpdf is NaN when a weight is 0 (log 0 in its running
            // logsumexp); ours is the log of the density.
            let b = if b.is_nan() { pdf[i].ln() } else { b };
            assert!(a.is_finite(), "{name}[{i}]: {a}");
            // The crate docs: log-densities agree with SciPy to 1e-12.
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{name}[{i}]: {a} vs {b}"
            );
        }
    }
}

#[test]
fn leave_one_out_densities_match_direct_sums() {
    for c in cases() {
        let name = c["name"].as_str().unwrap();
        let (kde, _) = fit(&c);
        let ours = kde.loo_density();
        let logs = kde.loo_log_density();
        for (i, (a, b)) in ours.iter().zip(fv(&c["loo"])).enumerate() {
            if b < 1e-300 {
                assert!(*a < 1e-290, "{name}[{i}]");
                continue;
            }
            assert!(rel(*a, b) < 1e-10, "{name}[{i}]: {a} vs {b}");
            assert!((logs[i] - b.ln()).abs() < 1e-10 * b.ln().abs().max(1.0));
        }
    }
}

#[test]
fn one_dimensional_bandwidth_rules_set_the_kernel_std() {
    let mut seen = 0;
    for c in cases() {
        if c.get("kernel_std").is_none() {
            continue;
        }
        seen += 1;
        let (kde, _) = fit(&c);
        let h = f(&c["kernel_std"]);
        assert!(
            rel(kde.kernel_covariance()[[0, 0]].sqrt(), h) < 1e-12,
            "{}",
            c["name"]
        );
    }
    assert_eq!(seen, 6);
}

#[test]
fn offset_data_stay_accurate() {
    // The reference is SciPy on data - 1e6: we centre before whitening.
    let c = cases()
        .into_iter()
        .find(|c| c["name"] == "d1_offset_1e6")
        .unwrap();
    let (kde, points) = fit(&c);
    for (a, b) in kde
        .evaluate(points.view())
        .unwrap()
        .iter()
        .zip(fv(&c["pdf"]))
    {
        assert!(rel(*a, b) < 1e-9, "{a} vs {b}");
    }
}

#[test]
fn degenerate_inputs_are_rejected_with_reasons() {
    let one = as_points(1, vec![1.0]);
    assert!(matches!(
        GaussianKde::params().fit(&one),
        Err(KdeError::Core(threatstat_core::Error::Shape { ref what, .. })) if what == "data"
    ));
    let empty = as_points(2, vec![]);
    assert!(matches!(
        GaussianKde::params().fit(&empty),
        Err(KdeError::Empty(_))
    ));
    let constant = as_points(1, vec![2.0; 10]);
    let e = GaussianKde::params().fit(&constant).unwrap_err();
    assert!(matches!(e, KdeError::SingularCovariance(_)), "{e}");
    assert!(e.to_string().contains("all values are equal"));
    let collinear = from_rows(&[
        vec![0.0, 0.0],
        vec![1.0, 2.0],
        vec![2.0, 4.0],
        vec![3.0, 6.0],
    ]);
    assert!(matches!(
        GaussianKde::params().fit(&collinear),
        Err(KdeError::SingularCovariance(_))
    ));
    let x = as_points(1, vec![0.0, 1.0, 3.0]);
    assert!(matches!(
        GaussianKde::params().weights(vec![1.0, 2.0]).fit(&x),
        Err(KdeError::Core(threatstat_core::Error::Shape { ref what, .. })) if what == "weights"
    ));
    // Unusable weights are told apart from bad data, with the weight to
    // blame where there is one (all weight on one point: the covariance is
    // undefined, the heaviest weight is blamed).
    for (w, blamed) in [
        (vec![1.0, -1.0, 1.0], Some(1)),
        (vec![0.0, 0.0, 0.0], None),
        (vec![1.0, f64::NAN, 1.0], Some(1)),
        (vec![0.0, 1.0, 0.0], Some(1)),
        (vec![1.0, 1e23, 1.0], Some(1)),
    ] {
        match GaussianKde::params().weights(w.clone()).fit(&x) {
            Err(KdeError::Weights { index, .. }) => assert_eq!(index, blamed, "{w:?}"),
            other => panic!("{w:?}: {other:?}"),
        }
    }
    for b in [
        Bandwidth::Factor(0.0),
        Bandwidth::Factor(f64::NAN),
        Bandwidth::StdDev(-1.0),
    ] {
        let e = GaussianKde::params().bandwidth(b).fit(&x).unwrap_err();
        assert!(
            matches!(
                e,
                KdeError::Core(threatstat_core::Error::Param {
                    name: "bandwidth",
                    ..
                })
            ),
            "{e}"
        );
    }
    let nan = as_points(1, vec![0.0, f64::NAN, 3.0]);
    let e = GaussianKde::params().fit(&nan).unwrap_err();
    assert!(
        matches!(&e, KdeError::Core(threatstat_core::Error::Data { problem, .. })
            if problem.starts_with("row 2, column 1")),
        "{e}"
    );
    let xy = from_rows(&[vec![0.0, 1.0], vec![1.0, 0.0], vec![2.0, 2.5]]);
    for b in [
        Bandwidth::StdDev(0.5),
        Bandwidth::Isj,
        Bandwidth::NormalReference,
    ] {
        let e = GaussianKde::params().bandwidth(b).fit(&xy).unwrap_err();
        assert!(
            matches!(
                e,
                KdeError::Core(threatstat_core::Error::Param {
                    name: "bandwidth",
                    ..
                })
            ),
            "{e}"
        );
        assert!(e.to_string().contains("1-D"), "{e}");
    }
    let kde = GaussianKde::params().fit(&xy).unwrap();
    let e = kde.evaluate(x.view()).unwrap_err();
    assert!(matches!(
        e,
        KdeError::DimensionMismatch {
            expected: 2,
            found: 1
        }
    ));
    assert!(
        kde.evaluate(as_points(2, vec![]).view())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn far_points_have_finite_log_density_and_exact_tiny_density() {
    let x = as_points(1, vec![0.0, 0.5, 1.0, 1.5]);
    let kde = GaussianKde::params()
        .bandwidth(Bandwidth::StdDev(0.5))
        .fit(&x)
        .unwrap();
    let far = as_points(1, vec![19.0, 1e3]);
    let l = kde.log_density(far.view()).unwrap();
    // Nearest point 1.5 at 17.5 = 35 kernel sd: log N = -612.5 - ln(0.5 √(2π)) - ln 4 + ...
    let want: f64 = {
        let terms: Vec<f64> = [0.0f64, 0.5, 1.0, 1.5]
            .iter()
            .map(|c| -0.5 * ((19.0 - c) / 0.5f64).powi(2))
            .collect();
        let m = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
            - 4f64.ln()
            - (0.5 * (2.0 * std::f64::consts::PI).sqrt()).ln()
    };
    assert!(
        (l[0] - want).abs() < 1e-12 * want.abs(),
        "{} vs {want}",
        l[0]
    );
    assert!(l[1] < -1e6 && l[1].is_finite());
    let p = kde.evaluate(far.view()).unwrap();
    assert!(p[0] > 0.0 && p[0] < 1e-260, "{}", p[0]); // subnormal-free but tiny
    assert!((p[0].ln() - l[0]).abs() < 1e-9 * l[0].abs());
    assert_eq!(p[1], 0.0);
}

#[test]
fn model_file_round_trip_reproduces_the_fit() {
    let c = &cases()[4]; // weighted 1-D
    let (kde, points) = fit(c);
    let s = kde.to_json().unwrap();
    assert!(
        s.starts_with(r#"{"format":"threatstat-kde","version":1,"bandwidth":"#),
        "{s}"
    );
    for field in [
        r#""factor":"#,
        r#""points":{"d":1,"data":["#,
        r#""weights":["#,
    ] {
        assert!(s.contains(field), "{field} in {s}");
    }
    let back = GaussianKde::from_json(&s).unwrap();
    assert_eq!(back.factor(), kde.factor());
    assert_eq!(back.bandwidth(), kde.bandwidth());
    assert_eq!(back.kernel_covariance(), kde.kernel_covariance());
    assert_eq!(
        back.evaluate(points.view()).unwrap(),
        kde.evaluate(points.view()).unwrap()
    );
    let bad = s.replace("\"version\":1", "\"version\":99");
    assert!(GaussianKde::from_json(&bad).is_err());
    let ragged = s.replace("\"d\":1", "\"d\":0");
    assert!(matches!(
        GaussianKde::from_json(&ragged),
        Err(KdeError::Core(threatstat_core::Error::Shape { .. }))
    ));
}
