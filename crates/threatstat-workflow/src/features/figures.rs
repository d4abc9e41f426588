//! The figures of a `features run` (ROC curves, permutation importances),
//! drawn from a [`Pipeline`](threatstat_features::pipeline::Pipeline)'s
//! outcome.

use crate::Error;
use std::path::Path;
use threatstat_features::pipeline::{Outcome, Split};
use threatstat_plot::{ImportanceFigure, RocFigure, importance_figure, roc_figure};

/// Features shown in the importance figure.
pub const TOP_FEATURES: usize = 15;

/// Writes `roc.png`/`.svg` and `importances.png`/`.svg` of `outcome` into
/// `out_dir` and returns their file names, PNG first.
pub fn write_figures(outcome: &Outcome, out_dir: &Path) -> Result<Vec<String>, Error> {
    std::fs::create_dir_all(out_dir)?;
    let m = &outcome.metrics;
    let (split, cv) = match m.split {
        Split::Random => ("one random 80/20 split", "-fold CV"),
        Split::Time => ("the last 20% by time", " forward-chaining folds"),
    };
    // Each curve's legend entry gives its own sessions and positives: the
    // test curve rests on the test set only, the out-of-fold one on every
    // scored session.
    let test_counts = format!("{} sessions, {} positive", m.n_test, m.n_test_pos);
    let label = match m.roc_auc_ci {
        Some([lo, hi]) => format!(
            "{split}, test set of {test_counts} (AUC {:.3}, 95% CI {lo:.2}–{hi:.2})",
            m.roc_auc
        ),
        None => format!(
            "{split}, test set of {test_counts} (AUC {:.3}; no CI)",
            m.roc_auc
        ),
    };
    let mut roc = RocFigure {
        title: format!(
            "Malicious-session prediction: ROC ({} test sessions, {} positive)",
            m.n_test, m.n_test_pos
        ),
        ..RocFigure::new(label, &outcome.roc)
    };
    if let (Some(pooled), false) = (m.cv_pooled_roc_auc, outcome.cv_roc.is_empty()) {
        // The out-of-fold curve rests on every positive, not the test set's few.
        // Under forward chaining the first time block is never scored.
        let scored = outcome.predictions.len();
        let scored_pos = outcome
            .predictions
            .iter()
            .filter(|p| outcome.labels.cutoffs[p.row].label)
            .count();
        roc.title = format!(
            "Malicious-session prediction{}: ROC, out-of-fold and test set",
            if m.split == Split::Time {
                " by time"
            } else {
                ""
            },
        );
        roc.curves.insert(
            0,
            (
                format!(
                    "{}{cv}, pooled out-of-fold scores of {scored} sessions, {scored_pos} positive (AUC {pooled:.3})",
                    m.cv_roc_auc.len()
                ),
                &outcome.cv_roc,
            ),
        );
    }
    let top: Vec<(String, f64)> = outcome
        .importances
        .iter()
        .take(TOP_FEATURES)
        .cloned()
        .collect();
    let mut files = Vec::new();
    for ext in ["png", "svg"] {
        let f = format!("roc.{ext}");
        roc_figure(&roc, &out_dir.join(&f))?;
        files.push(f);
    }
    if !top.is_empty() {
        let imp = ImportanceFigure {
            title: format!("Top {} features by permutation importance", top.len()),
            x_label: "mean drop of test ROC AUC when the feature is shuffled".into(),
            ..ImportanceFigure::new(&top)
        };
        for ext in ["png", "svg"] {
            let f = format!("importances.{ext}");
            importance_figure(&imp, &out_dir.join(&f))?;
            files.push(f);
        }
    }
    files.sort_by_key(|f| !f.ends_with(".png"));
    Ok(files)
}
