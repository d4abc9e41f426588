//! Splits by time: train on earlier cutoffs, test on later ones, as a model
//! would be used on next week's sessions.
//!
//! Two things keep a training row from knowing the test period:
//!
//! - every training cutoff is strictly earlier than every test cutoff
//!   (cutoffs at the same second go to the same side);
//! - a training row's label must be known before the test period starts
//!   (`label_known_at`: at the first malicious observation of its window,
//!   or when the window closes without one; see
//!   [`crate::entity::LabelParams::label_known_at`]), so training rows whose
//!   label is determined at or after the first test cutoff are left out
//!   ("purged"). A session still open at that time without a malicious
//!   observation yet is unknown to a model trained then, and is not used.
//!
//! Cross-validation is forward chaining: the cutoffs, in time order, are
//! cut into `k + 1` blocks of about equal size; fold `f` (1..=k) tests on
//! block `f` and trains on the earlier blocks (purged likewise). Block 0 is
//! never tested.

use crate::FeaturesError;
use threatstat_core::Error;

/// A (train, test) pair of row indices, with the number of rows left out of
/// the training set because their label was not yet known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeFold {
    /// Training rows (cutoff earlier than the test period, label known).
    pub train: Vec<usize>,
    /// Test rows.
    pub test: Vec<usize>,
    /// Earlier rows left out because their label window closes at or after
    /// the first test cutoff.
    pub purged: usize,
}

fn check(times: &[i64], known_at: &[i64]) -> Result<Vec<usize>, FeaturesError> {
    if times.len() != known_at.len() {
        return Err(Error::shape(
            "label times",
            format!("one per cutoff time ({})", times.len()),
            known_at.len().to_string(),
        )
        .into());
    }
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| (times[i], i));
    Ok(order)
}

/// Moves the block start `pos` back to the first cutoff at the time of
/// `order[pos]`, so that equal times fall in the later block.
fn tie_safe(order: &[usize], times: &[i64], mut pos: usize) -> usize {
    while pos > 0 && pos < order.len() && times[order[pos]] == times[order[pos - 1]] {
        pos -= 1;
    }
    pos
}

fn fold(order: &[usize], times: &[i64], known_at: &[i64], from: usize, to: usize) -> TimeFold {
    let start = times[order[from]];
    let earlier = &order[..from];
    let mut train: Vec<usize> = earlier
        .iter()
        .copied()
        .filter(|&i| known_at[i] < start)
        .collect();
    train.sort_unstable();
    let mut test = order[from..to].to_vec();
    test.sort_unstable();
    TimeFold {
        purged: earlier.len() - train.len(),
        train,
        test,
    }
}

/// The last `test_fraction` of the cutoffs (by time, rounded, ties moved to
/// the test set) as the test set; the earlier rows whose label is known
/// before the first test cutoff as the training set.
///
/// ```
/// use threatstat_features::time_split::time_split;
/// let times = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90];
/// let known = [5, 15, 25, 35, 45, 55, 65, 85, 85, 95];
/// let f = time_split(&times, &known, 0.2).unwrap();
/// assert_eq!(f.test, [8, 9]);
/// // Row 7's label is known at 85, after the test starts at 80.
/// assert_eq!((f.train.len(), f.purged), (7, 1));
/// ```
pub fn time_split(
    times: &[i64],
    known_at: &[i64],
    test_fraction: f64,
) -> Result<TimeFold, FeaturesError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::param("test_fraction", test_fraction, "a number in (0, 1)").into());
    }
    let order = check(times, known_at)?;
    let n = order.len();
    let n_test = (test_fraction * n as f64).round() as usize;
    let from = tie_safe(&order, times, n.saturating_sub(n_test.max(1)));
    if from == 0 || from >= n {
        return Err(Error::data(
            "cutoffs",
            format!(
                "a time split of {n} cutoffs with test fraction {test_fraction} leaves no \
                 earlier cutoff to train on or no later one to test on"
            ),
        )
        .into());
    }
    Ok(fold(&order, times, known_at, from, n))
}

/// `k` forward-chaining folds over `k + 1` time blocks; see the
/// [module docs](self). Blocks emptied by ties are skipped, so fewer than
/// `k` folds can come back; at least one always does.
///
/// ```
/// use threatstat_features::time_split::forward_chaining;
/// let times: Vec<i64> = (0..12).collect();
/// let folds = forward_chaining(&times, &times, 3).unwrap();
/// assert_eq!(folds.len(), 3);
/// assert_eq!(folds[0].train, [0, 1, 2]);
/// assert_eq!(folds[0].test, [3, 4, 5]);
/// assert_eq!(folds[2].test, [9, 10, 11]);
/// ```
pub fn forward_chaining(
    times: &[i64],
    known_at: &[i64],
    k: usize,
) -> Result<Vec<TimeFold>, FeaturesError> {
    if k < 1 {
        return Err(Error::param("k", k, "at least 1 (forward-chaining folds)").into());
    }
    let order = check(times, known_at)?;
    let n = order.len();
    if n < k + 1 {
        return Err(Error::data(
            "cutoffs",
            format!(
                "{n} cutoffs cannot make {} time blocks for {k} forward-chaining folds",
                k + 1
            ),
        )
        .into());
    }
    let mut bounds: Vec<usize> = (0..=k + 1)
        .map(|b| tie_safe(&order, times, (b * n).div_ceil(k + 1)))
        .collect();
    bounds.dedup();
    let folds: Vec<TimeFold> = bounds
        .windows(2)
        .skip(1)
        .filter(|w| w[0] < w[1] && w[0] > 0)
        .map(|w| fold(&order, times, known_at, w[0], w[1]))
        .collect();
    if folds.is_empty() {
        return Err(Error::data(
            "cutoffs",
            format!("all {n} cutoffs are at the same time: no forward-chaining fold"),
        )
        .into());
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn honest(f: &TimeFold, times: &[i64], known: &[i64]) -> Result<(), TestCaseError> {
        prop_assert!(!f.test.is_empty());
        let first_test = f.test.iter().map(|&i| times[i]).min().unwrap();
        for &i in &f.train {
            prop_assert!(
                times[i] < first_test,
                "train cutoff {} >= test {}",
                times[i],
                first_test
            );
            prop_assert!(
                known[i] < first_test,
                "label known at {} >= test {}",
                known[i],
                first_test
            );
            prop_assert!(!f.test.contains(&i));
        }
        Ok(())
    }

    proptest! {
        /// No training cutoff (or label) is later than any test cutoff, in
        /// the holdout and in every forward-chaining fold; every row is
        /// tested at most once and the folds move forward.
        #[test]
        fn never_trains_on_the_future(
            raw in proptest::collection::vec((0i64..50, 0i64..30), 2..120),
            frac in 0.05f64..0.95,
            k in 1usize..8,
        ) {
            let times: Vec<i64> = raw.iter().map(|r| r.0).collect();
            let known: Vec<i64> = raw.iter().map(|r| r.0 + r.1).collect();
            if let Ok(f) = time_split(&times, &known, frac) {
                honest(&f, &times, &known)?;
                prop_assert_eq!(f.train.len() + f.purged + f.test.len(), times.len());
            }
            if let Ok(folds) = forward_chaining(&times, &known, k) {
                prop_assert!(folds.len() <= k);
                let mut seen = vec![false; times.len()];
                let mut last = i64::MIN;
                for f in &folds {
                    honest(f, &times, &known)?;
                    let lo = f.test.iter().map(|&i| times[i]).min().unwrap();
                    prop_assert!(lo > last);
                    last = f.test.iter().map(|&i| times[i]).max().unwrap();
                    for &i in &f.test {
                        prop_assert!(!seen[i]);
                        seen[i] = true;
                    }
                }
            }
        }
    }

    #[test]
    fn ties_stay_on_one_side() {
        let times = [0, 1, 1, 1, 1];
        let f = time_split(&times, &times, 0.4).unwrap();
        assert_eq!(f.test, [1, 2, 3, 4]);
        assert!(time_split(&[3, 3, 3], &[3, 3, 3], 0.5).is_err());
        let folds = forward_chaining(&[0, 1, 1, 1, 2, 3], &[0, 1, 1, 1, 2, 3], 2).unwrap();
        assert_eq!(folds[0].test, [1, 2, 3]);
        assert_eq!(folds[1].test, [4, 5]);
    }
}
