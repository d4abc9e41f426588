//! What an alert rule "score ≥ threshold" does on a test set: the
//! confusion matrix, precision and recall; and the threshold that
//! maximises F1 on scores not from the test set.

use serde::Serialize;

/// The confusion matrix and its rates at one threshold (a session is
/// flagged when its score is at least the threshold).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdReport {
    /// The threshold.
    pub threshold: f64,
    /// How it was chosen.
    pub chosen_by: String,
    /// Flagged positives.
    pub true_positives: usize,
    /// Flagged negatives.
    pub false_positives: usize,
    /// Unflagged negatives.
    pub true_negatives: usize,
    /// Unflagged positives.
    pub false_negatives: usize,
    /// TP / (TP + FP); absent when nothing is flagged.
    pub precision: Option<f64>,
    /// TP / (TP + FN); absent without positives.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall; absent when either is.
    pub f1: Option<f64>,
}

impl ThresholdReport {
    /// The report of `scores` against `labels` at `threshold`.
    ///
    /// ```
    /// use threatstat_features::threshold::ThresholdReport;
    /// let r = ThresholdReport::at(&[0.9, 0.6, 0.2, 0.7], &[true, false, true, false], 0.65, "given");
    /// assert_eq!((r.true_positives, r.false_positives, r.true_negatives, r.false_negatives), (1, 1, 1, 1));
    /// assert_eq!((r.precision, r.recall), (Some(0.5), Some(0.5)));
    /// let none = ThresholdReport::at(&[0.1], &[true], 0.5, "given");
    /// assert_eq!((none.precision, none.recall), (None, Some(0.0)));
    /// ```
    pub fn at(scores: &[f64], labels: &[bool], threshold: f64, chosen_by: &str) -> Self {
        let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        let ratio = |a: usize, b: usize| (a + b > 0).then(|| a as f64 / (a + b) as f64);
        let precision = ratio(tp, fp);
        let recall = ratio(tp, fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        ThresholdReport {
            threshold,
            chosen_by: chosen_by.into(),
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// The threshold among the distinct `scores` that maximises F1 on
/// `labels` (the highest such one on ties: fewest alerts), or `None` when
/// no threshold flags a positive.
///
/// ```
/// use threatstat_features::threshold::max_f1_threshold;
/// let t = max_f1_threshold(&[0.9, 0.8, 0.3, 0.2, 0.1], &[true, true, false, false, true]);
/// assert_eq!(t, Some(0.8));
/// assert_eq!(max_f1_threshold(&[0.5, 0.1], &[false, false]), None);
/// ```
pub fn max_f1_threshold(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len().min(labels.len()))
        .filter(|&i| scores[i].is_finite())
        .collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let pos = idx.iter().filter(|&&i| labels[i]).count();
    let (mut tp, mut flagged) = (0usize, 0usize);
    let mut best: Option<(f64, f64)> = None;
    for (k, &i) in idx.iter().enumerate() {
        flagged += 1;
        tp += usize::from(labels[i]);
        let last_of_tie = k + 1 == idx.len() || scores[idx[k + 1]] != scores[i];
        if last_of_tie && tp > 0 {
            let f1 = 2.0 * tp as f64 / (flagged + pos) as f64;
            if best.is_none_or(|(b, _)| f1 > b) {
                best = Some((f1, scores[i]));
            }
        }
    }
    best.map(|(_, t)| t)
}
