//! Invariants of the exact posterior.

use proptest::prelude::*;
use threatstat_changepoint::ChangePosterior;
use threatstat_changepoint::Switchpoint;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn exact_posterior_is_a_distribution(counts in proptest::collection::vec(0u32..60, 1..120), alpha in 0.01f64..5.0) {
        let p = Switchpoint::params().alpha(alpha).fit(&counts).unwrap();
        let t = p.tau_posterior();
        prop_assert_eq!(t.len(), counts.len());
        prop_assert!(t.iter().all(|x| x.is_finite() && *x >= 0.0));
        prop_assert!((t.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        prop_assert!(p.log_bayes_factor().is_finite());
        prop_assert!(p.map_probability() >= 1.0 / counts.len() as f64 - 1e-12);
        let rate = p.expected_rate();
        prop_assert!(rate.iter().all(|r| r.is_finite() && *r > 0.0));
        // Day 0 is always in the first segment unless τ = 0, and the last day
        // always in the second: their expected rates are those mixtures.
        prop_assert!((rate[counts.len() - 1] - p.lambda_2_mean()).abs() <= 1e-9 * rate[counts.len() - 1]);
    }

    #[test]
    fn reversing_the_series_mirrors_the_change(counts in proptest::collection::vec(0u32..40, 2..80)) {
        // A change before day k of y is a change before day n-k of reversed y
        // (τ = 0, "all days at the second rate", has no mirror in 0..n).
        let alpha = 0.3;
        let p = Switchpoint::params().alpha(alpha).fit(&counts).unwrap();
        let rev: Vec<u32> = counts.iter().rev().copied().collect();
        let q = Switchpoint::params().alpha(alpha).fit(&rev).unwrap();
        let n = counts.len();
        for k in 1..n {
            prop_assert!((p.tau_posterior()[k] - q.tau_posterior()[n - k]).abs() < 1e-9);
        }
    }

    #[test]
    fn credible_intervals_contain_the_mean(counts in proptest::collection::vec(0u32..30, 2..50)) {
        prop_assume!(counts.iter().any(|&c| c > 0));
        let p = Switchpoint::params().fit(&counts).unwrap();
        let i1 = p.lambda_1_interval(0.94).unwrap();
        let i2 = p.lambda_2_interval(0.94).unwrap();
        prop_assert!(i1.low <= p.lambda_1_mean() && p.lambda_1_mean() <= i1.high);
        prop_assert!(i2.low <= p.lambda_2_mean() && p.lambda_2_mean() <= i2.high);
        prop_assert!((p.lambda_1_cdf(i1.high) - p.lambda_1_cdf(i1.low) - 0.94).abs() < 1e-6);
    }
}
