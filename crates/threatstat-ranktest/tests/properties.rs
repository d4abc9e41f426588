//! Invariants of the Mann-Whitney U test, for random samples (with ties,
//! signed zeros and duplicates).

use proptest::prelude::*;
use threatstat_ranktest::{Alternative, MannWhitney, Method, MwuResult};

/// Samples of 1..40 values from a small grid, so ties are common; the grid
/// holds both zeros.
fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            (-20i32..20).prop_map(|v| f64::from(v) / 4.0),
            Just(-0.0),
            Just(0.0),
            (-1e3f64..1e3),
        ],
        1..40,
    )
}

fn test(x: &[f64], y: &[f64], a: Alternative, m: Method) -> MwuResult {
    MannWhitney::params()
        .alternative(a)
        .method(m)
        .test(x, y)
        .unwrap()
}

const METHODS: [Method; 3] = [Method::Auto, Method::Asymptotic, Method::Exact];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn u_of_swapped_samples_adds_up(x in sample(), y in sample()) {
        let a = test(&x, &y, Alternative::TwoSided, Method::Asymptotic);
        let b = test(&y, &x, Alternative::TwoSided, Method::Asymptotic);
        prop_assert_eq!(a.u + b.u, (x.len() * y.len()) as f64);
        prop_assert!((a.rank_biserial + b.rank_biserial).abs() < 1e-12);
        prop_assert!((a.cles + b.cles - 1.0).abs() < 1e-12);
        // The shift of y against x is minus the shift of x against y.
        prop_assert_eq!(a.hodges_lehmann, -b.hodges_lehmann);
        prop_assert_eq!(a.ci_low, -b.ci_high);
        prop_assert_eq!(a.ci_high, -b.ci_low);
    }

    #[test]
    fn p_values_are_probabilities(x in sample(), y in sample()) {
        for m in METHODS {
            for a in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
                let r = test(&x, &y, a, m);
                prop_assert!((0.0..=1.0).contains(&r.p_value), "{:?} {:?}: {}", m, a, r.p_value);
                prop_assert!(r.ln_p_value <= 0.0);
                prop_assert!((r.ln_p_value.exp() - r.p_value).abs() <= 1e-12 * r.p_value.max(1e-300) + 1e-300);
                prop_assert!(r.ci_low <= r.hodges_lehmann && r.hodges_lehmann <= r.ci_high);
            }
        }
    }

    #[test]
    fn swapping_samples_swaps_less_and_greater(x in sample(), y in sample()) {
        for m in METHODS {
            for a in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
                let r = test(&x, &y, a, m);
                let s = test(&y, &x, a.swapped(), m);
                prop_assert_eq!(r.method, s.method);
                prop_assert!((r.p_value - s.p_value).abs() <= 1e-14, "{:?} {:?}: {} vs {}", m, a, r.p_value, s.p_value);
            }
        }
    }

    #[test]
    fn one_sided_p_values_are_consistent(x in sample(), y in sample()) {
        // Two-sided = 2·min(less, greater), clipped (asymptotic and exact).
        for m in [Method::Asymptotic, Method::Exact] {
            let t = test(&x, &y, Alternative::TwoSided, m).p_value;
            let l = test(&x, &y, Alternative::Less, m).p_value;
            let g = test(&x, &y, Alternative::Greater, m).p_value;
            prop_assert!((t - (2.0 * l.min(g)).min(1.0)).abs() <= 1e-14, "{:?}: {} {} {}", m, t, l, g);
        }
    }

    #[test]
    fn order_and_signed_zeros_do_not_matter(x in sample(), y in sample()) {
        let mut xr: Vec<f64> = x.iter().rev().map(|&v| if v == 0.0 { -v } else { v }).collect();
        xr.rotate_left(x.len() / 2);
        let a = test(&x, &y, Alternative::TwoSided, Method::Auto);
        let b = test(&xr, &y, Alternative::TwoSided, Method::Auto);
        prop_assert_eq!(a.u, b.u);
        prop_assert_eq!(a.p_value, b.p_value);
        prop_assert_eq!(a.hodges_lehmann, b.hodges_lehmann);
        prop_assert_eq!((a.ci_low, a.ci_high), (b.ci_low, b.ci_high));
    }

    #[test]
    fn exhaustive_permutation_equals_exact_without_ties(
        x in prop::collection::btree_set(-500i32..500, 1..7),
        y in prop::collection::btree_set(500i32..1500, 1..7),
        shift in -1200i32..1200,
    ) {
        // Distinct values (ties are impossible after shifting y by a value
        // that keeps the two sets disjoint is not guaranteed, so skip ties).
        let x: Vec<f64> = x.into_iter().map(f64::from).collect();
        let y: Vec<f64> = y.into_iter().map(|v| f64::from(v + shift)).collect();
        prop_assume!(x.iter().all(|v| !y.contains(v)));
        for a in [Alternative::TwoSided, Alternative::Less, Alternative::Greater] {
            let e = test(&x, &y, a, Method::Exact);
            let p = test(&x, &y, a, Method::Permutation { n_resamples: 10_000, seed: 0 });
            prop_assert!(p.permutation_exhaustive);
            prop_assert!((e.p_value - p.p_value).abs() < 1e-12, "{:?}: {} vs {}", a, e.p_value, p.p_value);
        }
    }
}
