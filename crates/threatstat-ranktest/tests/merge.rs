//! The test on merged partitions ([`RankSample`]) equals the test on the
//! concatenated values, field for field, for every method.

use proptest::prelude::*;
use threatstat_core::model::check_merge_law;
use threatstat_ranktest::{Alternative, MannWhitney, Merge, Method, NanPolicy, RankSample};

/// The samples of `v`'s parts, split at the cut points.
fn parts(v: &[f64], cuts: &[usize]) -> Vec<RankSample> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (v.len() + 1)).collect();
    cuts.push(0);
    cuts.push(v.len());
    cuts.sort_unstable();
    cuts.windows(2)
        .map(|w| RankSample::from_values(&v[w[0]..w[1]]).unwrap())
        .collect()
}

/// Splits `v` at the cut points and merges the parts' samples.
fn merged(v: &[f64], cuts: &[usize]) -> RankSample {
    let mut s = RankSample::new();
    for p in parts(v, cuts) {
        s.merge(&p).unwrap();
    }
    s
}

fn values() -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(
        prop_oneof![
            8 => (0i32..12).prop_map(f64::from),
            1 => Just(f64::NAN),
            1 => Just(-0.0),
            1 => -1e6f64..1e6,
        ],
        1..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn merge_law(v in values(), cuts in proptest::collection::vec(0usize..50, 0..6)) {
        let whole = RankSample::from_values(&v).unwrap();
        if let Err(e) = check_merge_law(&whole, &parts(&v, &cuts)) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn merged_partitions_equal_the_whole(
        x in values(),
        y in values(),
        cx in proptest::collection::vec(0usize..50, 0..4),
        cy in proptest::collection::vec(0usize..50, 0..4),
        alt in 0usize..3,
        method in 0usize..4,
    ) {
        let (sx, sy) = (merged(&x, &cx), merged(&y, &cy));
        let alternative = [Alternative::TwoSided, Alternative::Less, Alternative::Greater][alt];
        let method = [
            Method::Auto,
            Method::Asymptotic,
            Method::Exact,
            Method::Permutation { n_resamples: 500, seed: 7 },
        ][method];
        for policy in [NanPolicy::Omit, NanPolicy::Raise] {
            let p = MannWhitney::params()
                .alternative(alternative)
                .method(method)
                .hodges_lehmann(true)
                .nan_policy(policy);
            match (p.test(&x, &y), p.test_samples(&sx, &sy)) {
                (Ok(a), Ok(b)) => {
                    // NaN fields (z when all values tie) compare unequal.
                    prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
                }
                (Err(a), Err(b)) => {
                    let (a, b) = (a.to_string(), b.to_string());
                    // The NaN error of a merged sample cannot name an index.
                    let strip = |s: &str| s.split_once(" is ").map_or(s.to_string(), |p| p.1.to_string());
                    prop_assert_eq!(strip(&a), strip(&b));
                }
                (a, b) => prop_assert!(false, "values {:?}, samples {:?}", a, b),
            }
        }
    }
}

#[test]
fn counts_and_repeats() {
    let mut s = RankSample::new();
    s.push_n(3.0, 4).unwrap();
    s.push(1.0).unwrap();
    s.push_n(f64::NAN, 2).unwrap();
    let want = RankSample::from_values(&[3.0, 3.0, 1.0, 3.0, f64::NAN, 3.0, f64::NAN]).unwrap();
    assert_eq!(s, want);
    assert!(s.push(f64::NEG_INFINITY).is_err());
    let empty = RankSample::from_values(&[f64::NAN]).unwrap();
    let e = MannWhitney::params()
        .nan_policy(NanPolicy::Omit)
        .test_samples(&empty, &s)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "sample x is empty after dropping 1 NaN value(s)"
    );
}
