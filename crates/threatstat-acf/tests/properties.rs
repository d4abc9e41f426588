//! Invariants of the estimators on random series.

use proptest::prelude::*;
use threatstat_acf::autocorr::autocorr;
use threatstat_acf::automation::{PairSeries, Rule, detect};
use threatstat_acf::fdr::benjamini_hochberg;
use threatstat_acf::periodogram::periodogram;
use threatstat_acf::{Acf, AcfMethod, Missing, Pacf, PacfMethod, ljung_box};

/// Real-valued series or counts, 2..300 values, not constant.
fn series() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec(-1e3f64..1e3, 2..300),
        prop::collection::vec((0u32..20).prop_map(f64::from), 2..300),
        prop::collection::vec(1e6f64..1e6 + 1.0, 2..300),
    ]
    .prop_filter("not constant", |x| x.iter().any(|&v| v != x[0]))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn statsmodels_acf_is_bounded_and_starts_at_one(x in series()) {
        let nlags = (x.len() - 1).min(40);
        let r = Acf::params().nlags(nlags).fit(&x).unwrap();
        prop_assert_eq!(r.acf()[0], 1.0);
        for (k, v) in r.acf().iter().enumerate() {
            prop_assert!(v.abs() <= 1.0 + 1e-12, "lag {} = {}", k, v);
        }
    }

    #[test]
    fn fft_equals_direct(x in series(), adjusted in any::<bool>(), frac in 0.0f64..=1.0) {
        let nlags = ((x.len() - 1) as f64 * frac) as usize;
        let p = Acf::params().nlags(nlags).adjusted(adjusted);
        let d = p.method(AcfMethod::Direct).fit(&x).unwrap();
        let f = p.method(AcfMethod::Fft).fit(&x).unwrap();
        for k in 0..=nlags {
            prop_assert!((d.acf()[k] - f.acf()[k]).abs() <= 1e-12, "lag {}: {} vs {}", k, d.acf()[k], f.acf()[k]);
        }
    }

    #[test]
    fn missing_options_agree_without_nan(x in series()) {
        let nlags = (x.len() - 1).min(10);
        let base = Acf::params().nlags(nlags).fit(&x).unwrap();
        for m in [Missing::Raise, Missing::Conservative, Missing::Drop] {
            let r = Acf::params().nlags(nlags).missing(m).fit(&x).unwrap();
            prop_assert_eq!(r.acf(), base.acf());
        }
    }

    #[test]
    fn pandas_autocorr_is_a_correlation(x in series(), lag in 0usize..10) {
        let r = autocorr(&x, lag);
        prop_assert!(r.is_nan() || (-1.0..=1.0).contains(&r));
        if lag == 0 {
            prop_assert!((r - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn biased_pacf_starts_with_the_acf(x in series()) {
        prop_assume!(x.len() >= 4);
        let nlags = (x.len() / 2).min(10);
        let p = Pacf::params().nlags(nlags).method(PacfMethod::LevinsonDurbinBiased).fit(&x).unwrap();
        let a = Acf::params().nlags(1).fit(&x).unwrap();
        prop_assert_eq!(p[0], 1.0);
        prop_assert!((p[1] - a.acf()[1]).abs() < 1e-14);
        // Biased autocovariances are positive semi-definite: |pacf| ≤ 1.
        for v in &p {
            prop_assert!(v.is_nan() || v.abs() <= 1.0 + 1e-9, "{}", v);
        }
    }

    #[test]
    fn ljung_box_is_cumulative(x in series()) {
        let lags = (x.len() - 1).min(20);
        let lb = ljung_box(&x, lags).unwrap();
        for k in 0..lags {
            prop_assert!(lb.lb_stat[k] >= lb.bp_stat[k] * (1.0 - 1e-12));
            prop_assert!((0.0..=1.0).contains(&lb.lb_pvalue[k]));
            if k > 0 {
                prop_assert!(lb.lb_stat[k] >= lb.lb_stat[k - 1]);
            }
        }
    }

    #[test]
    fn periodogram_keeps_the_energy(x in series()) {
        let p = periodogram(&x);
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let energy: f64 = x.iter().map(|v| (v - m) * (v - m)).sum();
        let total: f64 = p.power.iter().sum();
        prop_assert!((total - energy).abs() <= 1e-9 * energy.max(1e-300), "{} vs {}", total, energy);
    }

    #[test]
    fn bh_q_values_are_monotone_and_at_least_p(p in prop::collection::vec(0.0f64..=1.0, 0..100)) {
        let q = benjamini_hochberg(&p);
        for i in 0..p.len() {
            prop_assert!(q[i] >= p[i] && q[i] <= 1.0);
            for j in 0..p.len() {
                if p[i] < p[j] {
                    prop_assert!(q[i] <= q[j]);
                }
            }
        }
    }

    #[test]
    fn detection_does_not_depend_on_input_order(
        xs in prop::collection::vec(prop::collection::vec((0u32..6).prop_map(f64::from), 1..40), 1..30),
        rot in 0usize..30,
    ) {
        let pairs: Vec<PairSeries> = xs.iter().enumerate().map(|(i, x)| PairSeries {
            principal: format!("p{}", i % 4), api: format!("api{i}"), counts: x.clone(),
        }).collect();
        let mut rotated = pairs.clone();
        rotated.rotate_left(rot % pairs.len());
        for rule in [Rule::notebook(), Rule::ljung_box()] {
            let a = detect(&pairs, &rule);
            let b = detect(&rotated, &rule);
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
            // Flagged pairs come first.
            let first_unflagged = a.iter().position(|d| !d.flagged).unwrap_or(a.len());
            prop_assert!(a[first_unflagged..].iter().all(|d| !d.flagged));
        }
    }
}
