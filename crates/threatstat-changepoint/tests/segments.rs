//! Exact segmentation against enumeration of every segmentation, and the
//! online detector against the exact segmentation.

use proptest::prelude::*;
use threatstat_changepoint::ChangePosterior;
use threatstat_changepoint::{OnlineDetector, Segmentation};

fn ln_fact(k: u64) -> f64 {
    (1..=k).map(|i| (i as f64).ln()).sum()
}

/// ln p(y_s..y_t | one segment) with exposures, by its closed form written
/// out independently: α Γ(S+1) / (E+α)^(S+1) · Π m^y / y!.
fn seg(y: &[u32], m: &[f64], s: usize, t: usize, alpha: f64) -> f64 {
    let sum: u64 = y[s..t].iter().map(|&c| u64::from(c)).sum();
    let e: f64 = m[s..t].iter().sum();
    let rest: f64 = (s..t)
        .map(|i| f64::from(y[i]) * m[i].ln() - ln_fact(u64::from(y[i])))
        .sum();
    alpha.ln() + ln_fact(sum) - (sum + 1) as f64 * (e + alpha).ln() + rest
}

#[test]
fn segmentation_matches_enumeration() {
    let y = [2u32, 0, 1, 5, 6, 4, 1, 0, 2];
    let m = [1.0, 0.7, 1.2, 1.0, 1.5, 0.9, 1.0, 1.1, 0.8];
    let (alpha, p) = (0.5, 0.2);
    let n = y.len();
    let post = Segmentation::params()
        .alpha(alpha)
        .change_prob(p)
        .max_segments(4)
        .fit_with_exposures(&y, &m)
        .unwrap();
    let mut z = 0.0;
    let mut change = vec![0.0; n];
    let mut count = vec![0.0; n];
    let mut best = (f64::NEG_INFINITY, Vec::new());
    for mask in 0u32..(1 << (n - 1)) {
        let starts: Vec<usize> = (1..n).filter(|&t| mask >> (t - 1) & 1 == 1).collect();
        let bounds: Vec<usize> = std::iter::once(0)
            .chain(starts.iter().copied())
            .chain([n])
            .collect();
        let k = starts.len();
        let ln_prior = k as f64 * p.ln() + (n - 1 - k) as f64 * (1.0 - p).ln();
        let l: f64 = ln_prior
            + bounds
                .windows(2)
                .map(|w| seg(&y, &m, w[0], w[1], alpha))
                .sum::<f64>();
        let w = l.exp();
        z += w;
        for &s in &starts {
            change[s] += w;
        }
        count[k] += w;
        if l > best.0 {
            best = (l, starts);
        }
    }
    assert!((post.log_marginal_likelihood() - z.ln()).abs() < 1e-10);
    for (t, (got, w)) in post.change_probability().iter().zip(&change).enumerate() {
        assert!((got - w / z).abs() < 1e-10, "day {t}");
    }
    let kp = post.segment_count_posterior().unwrap();
    for (k, (got, w)) in kp.iter().zip(&count).enumerate() {
        assert!((got - w / z).abs() < 1e-10, "K = {}", k + 1);
    }
    assert_eq!(post.map_changes(), best.1.as_slice());
    assert!((post.log_marginal_likelihood_no_change() - seg(&y, &m, 0, n, alpha)).abs() < 1e-10);
}

/// Counts with clear changes: rates `rates[i]` on segment i (deterministic
/// jitter of ±1).
fn staircase(lengths: &[usize], rates: &[u32]) -> Vec<u32> {
    let mut y = Vec::new();
    for (&len, &r) in lengths.iter().zip(rates) {
        for i in 0..len {
            y.push((r + (i as u32 * 37 % 3)).saturating_sub(1));
        }
    }
    y
}

#[test]
fn online_detector_finds_the_exact_segmentation_on_clear_changes() {
    let cases: [(&[usize], &[u32]); 4] = [
        (&[40, 30, 50], &[2, 12, 4]),
        (&[60, 25, 25, 40], &[1, 9, 1, 15]),
        (&[100], &[5]),
        (&[30, 30, 30, 30, 30], &[3, 20, 3, 20, 3]),
    ];
    for (lengths, rates) in cases {
        let y = staircase(lengths, rates);
        let hazard = 0.01;
        let exact = Segmentation::params()
            .alpha(0.2)
            .change_prob(hazard)
            .fit(&y)
            .unwrap();
        let truth: Vec<usize> = lengths
            .iter()
            .scan(0, |s, &l| {
                *s += l;
                Some(*s)
            })
            .take(lengths.len() - 1)
            .collect();
        assert_eq!(exact.map_changes(), truth.as_slice(), "{lengths:?}");
        let online = OnlineDetector::params()
            .alpha(0.2)
            .hazard(hazard)
            .run(&y)
            .unwrap();
        assert_eq!(online.detected_changes, exact.map_changes(), "{lengths:?}");
        let capped = OnlineDetector::params()
            .alpha(0.2)
            .hazard(hazard)
            .max_runs(30)
            .run(&y)
            .unwrap();
        assert_eq!(
            capped.detected_changes,
            exact.map_changes(),
            "{lengths:?} capped"
        );
        assert!(capped.max_runs_kept <= 30);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn online_evidence_without_pruning_is_the_segmentation_evidence(
        y in proptest::collection::vec(0u32..20, 1..80),
        alpha in 0.05f64..3.0,
        hazard in 0.001f64..0.5,
    ) {
        let exact = Segmentation::params().alpha(alpha).change_prob(hazard).fit(&y).unwrap();
        let online = OnlineDetector::params().alpha(alpha).hazard(hazard).prune(0.0).run(&y).unwrap();
        let (a, b) = (exact.log_marginal_likelihood(), online.log_evidence);
        prop_assert!((a - b).abs() < 1e-9 * a.abs().max(1.0), "{} {}", a, b);
    }

    #[test]
    fn change_probabilities_are_probabilities(
        y in proptest::collection::vec(0u32..30, 1..90),
        hazard in 0.001f64..0.5,
    ) {
        prop_assume!(y.iter().any(|&c| c > 0));
        let s = Segmentation::params().change_prob(hazard).max_segments(3).fit(&y).unwrap();
        prop_assert!(s.change_probability().iter().all(|p| (0.0..=1.0).contains(p)));
        prop_assert_eq!(s.change_probability()[0], 0.0);
        let k = s.segment_count_posterior().unwrap();
        prop_assert!(k.iter().sum::<f64>() <= 1.0 + 1e-9);
        // E[K] - 1 = expected changes, and P(K = 1) = p(no change) share.
        let p1 = (s.log_marginal_likelihood_no_change() + (y.len() - 1) as f64 * (-hazard).ln_1p() - s.log_marginal_likelihood()).exp();
        prop_assert!((k[0] - p1).abs() < 1e-9);
        prop_assert!(s.map_segment_rates().len() == s.map_changes().len() + 1);
    }
}

/// The text-message series of "Bayesian Methods for Hackers" (74 days).
fn txtdata() -> Vec<u32> {
    let text = include_str!("../../../data/bmh/txtdata.csv");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse::<f64>().unwrap() as u32)
        .collect()
}

/// The text-message series has about 15 changes (MAP 14) under the default
/// prior; `max_segments(10)` used to cut the posterior of the
/// count at 10 segments, where it held 4e-12 of the mass, without a word.
/// The count posterior now grows until the mass beyond is below 1e-9, and
/// its mean equals the expected number of changes (Σ_t P(change at t)),
/// which is computed by another recursion.
#[test]
fn segment_count_posterior_is_never_cut_where_it_has_mass() {
    let y = txtdata();
    assert_eq!(y.len(), 74);
    // The CLI's default prior (one change expected over the series).
    let s = Segmentation::params().max_segments(10).fit(&y).unwrap();
    let k = s.segment_count_posterior().unwrap();
    let tail = s.segment_count_tail_mass().unwrap();
    assert!(k.len() > 10, "{}", k.len());
    assert!(tail < threatstat_changepoint::COUNT_TAIL_MASS, "{tail}");
    assert!((k.iter().sum::<f64>() + tail - 1.0).abs() < 1e-12);
    let mean = s.mean_changes_from_counts().unwrap();
    assert!(
        (mean - s.expected_changes()).abs() < 1e-6,
        "{mean} vs {}",
        s.expected_changes()
    );
    // The MAP number of changes lies within the listed counts.
    assert!(s.map_changes().len() < k.len());
}
