//! Bad input, options and edge cases of the public API.

use threatstat_core::Error;
use threatstat_ranktest::{
    Alternative, CiMethod, MannWhitney, Method, NanPolicy, RankTestError, exact_supported,
};

#[test]
fn nan_is_an_error_naming_the_sample_and_index_unless_dropped() {
    let x = [1.0, f64::NAN, 3.0, f64::NAN];
    let y = [2.0, 4.0];
    let e = MannWhitney::params().test(&x, &y).unwrap_err();
    assert!(matches!(
        e,
        RankTestError::NonFinite {
            sample: "x",
            index: 1,
            ..
        }
    ));
    let msg = e.to_string();
    assert!(msg.starts_with("x[1] is NaN"), "{msg}");
    assert!(
        msg.contains("2 NaN value(s)") && msg.contains("NanPolicy::Omit"),
        "{msg}"
    );

    let r = MannWhitney::params()
        .nan_policy(NanPolicy::Omit)
        .test(&x, &y)
        .unwrap();
    assert_eq!((r.n_x, r.nan_dropped_x, r.nan_dropped_y), (2, 2, 0));
    let clean = MannWhitney::params().test(&[1.0, 3.0], &y).unwrap();
    assert_eq!(r.u, clean.u);
    assert_eq!(r.p_value, clean.p_value);
}

#[test]
fn infinities_and_empty_samples_are_errors() {
    let e = MannWhitney::params()
        .test(&[1.0], &[2.0, f64::NEG_INFINITY])
        .unwrap_err();
    assert!(
        e.to_string().starts_with("y[1] is -inf: infinite values"),
        "{e}"
    );
    let e = MannWhitney::params().test(&[], &[1.0]).unwrap_err();
    assert_eq!(e.to_string(), "sample x is empty");
    let e = MannWhitney::params()
        .nan_policy(NanPolicy::Omit)
        .test(&[1.0], &[f64::NAN, f64::NAN])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "sample y is empty after dropping 2 NaN value(s)"
    );
}

#[test]
fn invalid_parameters_are_errors() {
    for c in [0.0, 1.0, -0.5, f64::NAN] {
        let e = MannWhitney::params()
            .confidence(c)
            .test(&[1.0], &[2.0])
            .unwrap_err();
        assert!(
            matches!(
                e,
                RankTestError::Core(Error::Param {
                    name: "confidence",
                    ..
                })
            ),
            "{e}"
        );
    }
    let e = MannWhitney::params()
        .method(Method::Permutation {
            n_resamples: 0,
            seed: 1,
        })
        .test(&[1.0], &[2.0])
        .unwrap_err();
    assert!(
        matches!(
            e,
            RankTestError::Core(Error::Param {
                name: "n_resamples",
                ..
            })
        ),
        "{e}"
    );
    assert!(matches!(
        "sideways".parse::<Alternative>(),
        Err(RankTestError::Core(Error::Param {
            name: "alternative",
            ..
        }))
    ));
    assert_eq!(
        "Two-Sided".parse::<Alternative>().unwrap(),
        Alternative::TwoSided
    );
    assert!(matches!(
        "permutation".parse::<Method>(),
        Err(RankTestError::Core(Error::Param { name: "method", .. }))
    ));
}

#[test]
fn exact_beyond_the_limit_is_an_error_and_auto_falls_back() {
    assert!(exact_supported(1000, 1000));
    assert!(!exact_supported(1001, 1001));
    assert!(exact_supported(8, 300_000));
    assert!(!exact_supported(8, 700_000));
    let x: Vec<f64> = (0..1001).map(f64::from).collect();
    let e = MannWhitney::params()
        .method(Method::Exact)
        .test(&x, &x)
        .unwrap_err();
    assert!(
        matches!(
            e,
            RankTestError::ExactTooLarge {
                n_x: 1001,
                n_y: 1001
            }
        ),
        "{e}"
    );
    // SciPy's auto rule picks exact for 3 values without ties, whatever the
    // other size; beyond our limit we use the normal approximation.
    let y: Vec<f64> = (0..2_000_000).map(|i| f64::from(i) + 0.5).collect();
    let r = MannWhitney::params()
        .hodges_lehmann(false)
        .test(&[1.0, 2.0, 3.0], &y)
        .unwrap();
    assert_eq!(r.method, Method::Asymptotic);
    let r = MannWhitney::params()
        .hodges_lehmann(false)
        .test(&[1.0, 2.0, 3.0], &y[..300_000])
        .unwrap();
    assert_eq!(r.method, Method::Exact);
}

#[test]
fn all_values_equal() {
    let x = [7.0; 6];
    let y = [7.0; 4];
    for m in [Method::Auto, Method::Asymptotic, Method::Exact] {
        for cont in [true, false] {
            let r = MannWhitney::params()
                .method(m)
                .continuity(cont)
                .test(&x, &y)
                .unwrap();
            assert_eq!(r.u, 12.0);
            assert_eq!(r.p_value, 1.0, "{m:?} {cont}");
            assert_eq!(r.rank_biserial, 0.0);
            assert_eq!((r.hodges_lehmann, r.ci_low, r.ci_high), (0.0, 0.0, 0.0));
            assert!(r.z.is_nan());
        }
    }
}

#[test]
fn negative_zero_ties_with_zero() {
    let a = MannWhitney::params()
        .test(&[-0.0, 1.0], &[0.0, 2.0])
        .unwrap();
    let b = MannWhitney::params()
        .test(&[0.0, 1.0], &[0.0, 2.0])
        .unwrap();
    assert_eq!(a.u, 1.5);
    assert!(a.ties);
    assert_eq!(a.p_value, b.p_value);
}

#[test]
fn tiny_tail_p_values_keep_their_logarithm() {
    // 2000 values entirely above 2000 others: z ≈ 54.8, p underflows.
    let x: Vec<f64> = (0..2000).map(|i| 5000.0 + f64::from(i)).collect();
    let y: Vec<f64> = (0..2000).map(f64::from).collect();
    let r = MannWhitney::params()
        .alternative(Alternative::Greater)
        .hodges_lehmann(false)
        .test(&x, &y)
        .unwrap();
    assert_eq!(r.p_value, 0.0);
    // scipy.special.log_ndtr(-z) with SciPy's z (continuity corrected)
    assert!(
        r.ln_p_value < -1500.0 && r.ln_p_value.is_finite(),
        "{}",
        r.ln_p_value
    );
    assert_eq!(r.rank_biserial, 1.0);
    assert_eq!(r.cles, 1.0);
    // Exact method: P(U >= 60·70) = 1/C(130, 60) ≈ 1e-38.
    let x: Vec<f64> = (0..60).map(|i| 100.0 + f64::from(i)).collect();
    let y: Vec<f64> = (0..70).map(f64::from).collect();
    let r = MannWhitney::params()
        .alternative(Alternative::Greater)
        .method(Method::Exact)
        .test(&x, &y)
        .unwrap();
    let ln_c: f64 = (1..=60)
        .map(|i| (f64::from(70 + i) / f64::from(i)).ln())
        .sum();
    assert!(
        (r.ln_p_value + ln_c).abs() < 1e-10,
        "{} vs {}",
        r.ln_p_value,
        -ln_c
    );
    assert!((r.p_value / (-ln_c).exp() - 1.0).abs() < 1e-10);
}

#[test]
fn random_permutations_estimate_the_exact_p_value() {
    // 30 vs 30 with ties: the exhaustive split count is C(60, 30) ≈ 1e17, so
    // the p-value is estimated from random splits.
    let x: Vec<f64> = (0..30).map(|i| f64::from(i % 10)).collect();
    let y: Vec<f64> = (0..30).map(|i| f64::from(i % 10) + 1.5).collect();
    let n = 20_000;
    let r = MannWhitney::params()
        .method(Method::Permutation {
            n_resamples: n,
            seed: 42,
        })
        .test(&x, &y)
        .unwrap();
    assert!(!r.permutation_exhaustive);
    assert_eq!(r.permutations, Some(n));
    // The asymptotic p-value with tie correction is a good proxy here.
    let a = MannWhitney::params()
        .method(Method::Asymptotic)
        .test(&x, &y)
        .unwrap();
    let se = (a.p_value * (1.0 - a.p_value) / n as f64).sqrt();
    assert!(
        (r.p_value - a.p_value).abs() < 6.0 * se + 0.005,
        "{} vs {}",
        r.p_value,
        a.p_value
    );
    // Same seed, same answer, any thread count.
    let pool = rayon_pool(1);
    let again = pool.install(|| {
        MannWhitney::params()
            .method(Method::Permutation {
                n_resamples: n,
                seed: 42,
            })
            .test(&x, &y)
            .unwrap()
    });
    assert_eq!(again.p_value, r.p_value);
}

fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

#[test]
fn ci_method_can_be_forced() {
    let x = [1.1, 2.3, 3.2, 4.8, 5.0, 6.7];
    let y = [0.5, 1.9, 2.2, 3.0];
    let auto = MannWhitney::params().test(&x, &y).unwrap();
    assert_eq!(auto.ci_method, Some(CiMethod::Exact));
    let asy = MannWhitney::params()
        .ci_method(CiMethod::Asymptotic)
        .test(&x, &y)
        .unwrap();
    assert_eq!(asy.ci_method, Some(CiMethod::Asymptotic));
    assert_eq!(auto.hodges_lehmann, asy.hodges_lehmann);
    // With ties the exact interval falls back to the asymptotic one (as R).
    let t = MannWhitney::params()
        .ci_method(CiMethod::Exact)
        .test(&[1.0, 2.0, 2.0], &[2.0, 3.0])
        .unwrap();
    assert_eq!(t.ci_method, Some(CiMethod::Asymptotic));
    let off = MannWhitney::params()
        .hodges_lehmann(false)
        .test(&x, &y)
        .unwrap();
    assert!(off.hodges_lehmann.is_nan() && off.ci_method.is_none());
    assert_eq!(off.p_value, auto.p_value);
}

#[test]
fn result_serializes_to_json() {
    let r = MannWhitney::params()
        .alternative(Alternative::Less)
        .test(&[1.0, 2.0, 3.0], &[4.0, 5.0])
        .unwrap();
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["method"], "exact");
    assert_eq!(v["alternative"], "less");
    assert_eq!(v["u"], 0.0);
    assert!(v["ci_low"].is_null()); // −∞
    let p = MannWhitney::params()
        .method(Method::Permutation {
            n_resamples: 99,
            seed: 3,
        })
        .test(&[1.0, 2.0, 3.0], &[4.0, 5.0])
        .unwrap();
    let v: serde_json::Value = serde_json::to_value(&p).unwrap();
    assert_eq!(v["method"]["permutation"]["n_resamples"], 99);
}
