//! The whole analysis as the CLI and the experiment run it: labels,
//! features, encoding, a stratified train/test split, a forest, ROC AUC with
//! a bootstrap interval, PR AUC (average precision), stratified k-fold
//! cross-validated ROC AUC and permutation importances; and the output
//! files.

use crate::FeaturesError;
use crate::dfs::{Dfs, FeatureMatrix};
use crate::encode::{Design, one_hot};
use crate::entity::{EntitySet, LabelTimes};
use crate::forest::RandomForest;
use crate::metrics::{average_precision, bootstrap_ci, roc_auc, roc_curve};
use crate::split::{stratified_kfold, stratified_split};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use threatstat_core::atomic::{AtomicFile, write_atomically};

/// The pipeline's parameters (defaults as the demo: N = 2, L = 2, W = 10,
/// depth 3, 100 trees, 20 % test set; 5 folds, 1,000 bootstrap resamples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pipeline {
    /// N.
    pub after_n: usize,
    /// L.
    pub lead: usize,
    /// W.
    pub window: usize,
    /// DFS depth.
    pub depth: usize,
    /// Seed of split, forest, bootstrap and permutations.
    pub seed: u64,
    /// Trees in the forest.
    pub n_trees: usize,
    /// Fraction of sessions in the test set.
    pub test_fraction: f64,
    /// Cross-validation folds (0: none).
    pub folds: usize,
    /// Bootstrap resamples of the test set.
    pub bootstrap: usize,
    /// Shuffles per feature for permutation importance (0: none).
    pub importance_repeats: usize,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            after_n: 2,
            lead: 2,
            window: 10,
            depth: 3,
            seed: 0,
            n_trees: 100,
            test_fraction: 0.2,
            folds: 5,
            bootstrap: 1000,
            importance_repeats: 3,
        }
    }
}

/// The numbers of a run (written as `metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Test-set ROC AUC.
    pub roc_auc: f64,
    /// 95 % percentile bootstrap interval of `roc_auc`.
    pub roc_auc_ci: [f64; 2],
    /// Test-set average precision (PR AUC).
    pub pr_auc: f64,
    /// Positive cutoffs (all sessions with enough observations).
    pub n_pos: usize,
    /// Negative cutoffs.
    pub n_neg: usize,
    /// Features after encoding and low-information removal.
    pub n_features: usize,
    /// Features built by DFS before encoding.
    pub n_dfs_features: usize,
    /// Sessions in the log.
    pub n_sessions: usize,
    /// Sessions with too few observations for a cutoff (not used).
    pub n_too_few: usize,
    /// Test-set size.
    pub n_test: usize,
    /// Test-set positives.
    pub n_test_pos: usize,
    /// ROC AUC of each cross-validation fold.
    pub cv_roc_auc: Vec<f64>,
    /// Mean of `cv_roc_auc` (NaN-free: absent without folds).
    pub cv_roc_auc_mean: Option<f64>,
    /// ROC AUC of the pooled out-of-fold scores: every cutoff scored once,
    /// by the forest of the fold that held it out (absent without folds).
    /// It rests on all positives rather than the test set's few.
    pub cv_pooled_roc_auc: Option<f64>,
    /// Seconds spent on features (entity set to design matrix).
    pub feature_seconds: f64,
    /// Seconds spent fitting and scoring.
    pub model_seconds: f64,
    /// Bad rows of the input skipped (set by the caller that read it under
    /// `BadRowPolicy::Skip`; absent otherwise: bad rows stopped the read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_rows: Option<u64>,
}

/// Everything a run produces.
#[derive(Debug)]
pub struct Outcome {
    /// Cutoffs and labels.
    pub labels: LabelTimes,
    /// The DFS feature matrix (before encoding).
    pub features: FeatureMatrix,
    /// The encoded, reduced design matrix.
    pub design: Design,
    /// The numbers.
    pub metrics: Metrics,
    /// ROC curve on the test set.
    pub roc: Vec<(f64, f64)>,
    /// ROC curve of the pooled out-of-fold scores (empty without folds).
    pub cv_roc: Vec<(f64, f64)>,
    /// Features by decreasing permutation importance.
    pub importances: Vec<(String, f64)>,
}

fn rows(d: &Design, idx: &[usize]) -> Design {
    let mut x = Vec::with_capacity(idx.len() * d.n_cols());
    for &i in idx {
        x.extend_from_slice(&d.x[i * d.n_cols()..(i + 1) * d.n_cols()]);
    }
    Design {
        names: d.names.clone(),
        x,
        n_rows: idx.len(),
    }
}

impl Pipeline {
    /// The split, the forest and the folds need positive and negative
    /// cutoffs; say which are missing and why before any work is done.
    fn check_classes(&self, labels: &LabelTimes) -> Result<(), FeaturesError> {
        let need = 2.max(if self.folds >= 2 { self.folds } else { 0 });
        let (pos, neg) = (labels.n_pos(), labels.n_neg());
        if pos >= need && neg >= need {
            return Ok(());
        }
        let (first, last) = (
            self.after_n + self.lead + 1,
            self.after_n + self.lead + self.window,
        );
        Err(FeaturesError::Invalid(format!(
            "{pos} positive and {neg} negative cutoffs among {} sessions ({} with fewer than {} \
             observations); at least {need} of each are needed for the train/test split{}. A cutoff is \
             positive when one of its session's observations {first}..={last} is malicious: \
             when sessions have long benign histories the malicious rows fall after that \
             window (the demo kept a sample of the benign lines; `features generate \
             --benign-keep`), or widen --window",
            labels.sessions,
            labels.too_few,
            labels.min_observations,
            if self.folds >= 2 {
                format!(" and {} folds", self.folds)
            } else {
                String::new()
            },
        )))
    }

    /// Runs the pipeline on `es`.
    ///
    /// ```
    /// use threatstat_features::entity::EntitySet;
    /// use threatstat_features::log::{AuthLog, AuthRow};
    /// use threatstat_features::pipeline::Pipeline;
    /// let names: Vec<String> = (0..60).map(|u| format!("U{u}")).collect();
    /// let mut log = AuthLog::default();
    /// for (u, name) in names.iter().enumerate() {
    ///     let bad = u % 6 == 0;
    ///     for t in 0..8 {
    ///         let kind = if bad { "NTLM" } else { "Kerberos" };
    ///         log.push(&AuthRow { secs: t * 100 + u as i64, malicious: bad && t >= 4,
    ///             fields: [name, name, "C1", "C2", kind, "Network", "LogOn", "Success"] });
    ///     }
    /// }
    /// let p = Pipeline { n_trees: 20, folds: 3, bootstrap: 50, ..Pipeline::default() };
    /// let out = p.run(&EntitySet::new(log)).unwrap();
    /// assert_eq!((out.metrics.n_pos, out.metrics.n_neg), (10, 50));
    /// assert_eq!(out.metrics.roc_auc, 1.0);
    /// // Every cutoff scored once out of fold: all 10 positives, not 2.
    /// assert_eq!(out.metrics.cv_pooled_roc_auc, Some(1.0));
    /// assert_eq!(out.cv_roc.last(), Some(&(1.0, 1.0)));
    /// ```
    pub fn run(&self, es: &EntitySet) -> Result<Outcome, FeaturesError> {
        let t0 = Instant::now();
        let labels = LabelTimes::params()
            .after_n(self.after_n)
            .lead(self.lead)
            .window(self.window)
            .generate(es)?;
        self.check_classes(&labels)?;
        let features = Dfs::params().depth(self.depth).compute(es, &labels)?;
        let design = one_hot(&features).remove_low_information();
        let feature_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let y: Vec<bool> = labels.cutoffs.iter().map(|c| c.label).collect();
        if design.n_cols() == 0 {
            return Err(FeaturesError::Invalid(
                "no informative features: every feature is constant or missing".into(),
            ));
        }
        let forest = RandomForest::params().n_trees(self.n_trees).seed(self.seed);
        let (train, test) = stratified_split(&y, self.test_fraction, self.seed)?;
        let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<bool>>();
        let (xtr, xte) = (rows(&design, &train), rows(&design, &test));
        let (ytr, yte) = (pick(&train), pick(&test));
        let model = forest.fit(&xtr, &ytr)?;
        let p = model.predict_proba(&xte)?;
        let auc = roc_auc(&p, &yte)?;
        let (lo, hi) = bootstrap_ci(&p, &yte, roc_auc, self.bootstrap.max(1), 0.05, self.seed)?;
        let pr = average_precision(&p, &yte)?;
        let roc = roc_curve(&p, &yte)?;
        let mut cv = Vec::new();
        let (mut cv_pooled, mut cv_roc) = (None, Vec::new());
        if self.folds >= 2 {
            let mut oof = vec![f64::NAN; y.len()];
            for (tr, te) in stratified_kfold(&y, self.folds, self.seed)? {
                let m = forest.fit(&rows(&design, &tr), &pick(&tr))?;
                let p = m.predict_proba(&rows(&design, &te))?;
                cv.push(roc_auc(&p, &pick(&te))?);
                for (&i, v) in te.iter().zip(p) {
                    oof[i] = v;
                }
            }
            cv_pooled = Some(roc_auc(&oof, &y)?);
            cv_roc = roc_curve(&oof, &y)?;
        }
        let mut importances: Vec<(String, f64)> = if self.importance_repeats > 0 {
            design
                .names
                .iter()
                .cloned()
                .zip(model.permutation_importance(
                    &xte,
                    &yte,
                    self.importance_repeats,
                    self.seed,
                )?)
                .collect()
        } else {
            Vec::new()
        };
        importances.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let metrics = Metrics {
            roc_auc: auc,
            roc_auc_ci: [lo, hi],
            pr_auc: pr,
            n_pos: labels.n_pos(),
            n_neg: labels.n_neg(),
            n_features: design.n_cols(),
            n_dfs_features: features.n_features(),
            n_sessions: labels.sessions,
            n_too_few: labels.too_few,
            n_test: test.len(),
            n_test_pos: yte.iter().filter(|&&v| v).count(),
            cv_roc_auc_mean: (!cv.is_empty()).then(|| cv.iter().sum::<f64>() / cv.len() as f64),
            cv_roc_auc: cv,
            cv_pooled_roc_auc: cv_pooled,
            feature_seconds,
            model_seconds: t1.elapsed().as_secs_f64(),
            skipped_rows: None,
        };
        Ok(Outcome {
            labels,
            features,
            design,
            metrics,
            roc,
            cv_roc,
            importances,
        })
    }
}

impl Outcome {
    /// Writes `feature_matrix.csv` (session_id, time, the DFS features,
    /// label), `cutoffs.csv` (session_id, time, label) and `metrics.json`
    /// into `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), FeaturesError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e: std::io::Error| FeaturesError::Core(threatstat_core::Error::io(&p, e))
        };
        let csv_err = |p: &Path| {
            let p = p.to_path_buf();
            move |e: csv::Error| {
                FeaturesError::Core(threatstat_core::Error::io(&p, std::io::Error::other(e)))
            }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let fm = &self.features;
        let p = dir.join("feature_matrix.csv");
        let mut w = csv::Writer::from_writer(AtomicFile::create(&p)?);
        let mut head = vec!["session_id".to_string(), "time".to_string()];
        head.extend(fm.names.iter().cloned());
        head.push("label".into());
        w.write_record(&head).map_err(csv_err(&p))?;
        for (i, c) in self.labels.cutoffs.iter().enumerate() {
            let mut r = vec![fm.row_ids[i].clone(), fm.row_times[i].to_string()];
            r.extend((0..fm.n_features()).map(|j| fm.text(i, j)));
            r.push(if c.label { "True" } else { "False" }.into());
            w.write_record(&r).map_err(csv_err(&p))?;
        }
        commit(w, &p)?;
        let p = dir.join("cutoffs.csv");
        let mut w = csv::Writer::from_writer(AtomicFile::create(&p)?);
        w.write_record(["session_id", "time", "label"])
            .map_err(csv_err(&p))?;
        for (i, c) in self.labels.cutoffs.iter().enumerate() {
            w.write_record([
                fm.row_ids[i].as_str(),
                &c.time.to_string(),
                if c.label { "True" } else { "False" },
            ])
            .map_err(csv_err(&p))?;
        }
        commit(w, &p)?;
        let p = dir.join("metrics.json");
        let json = serde_json::to_string_pretty(&self.metrics)
            .map_err(|e| FeaturesError::Invalid(e.to_string()))?
            + "\n";
        write_atomically(&p, |w| w.write_all(json.as_bytes()))?;
        Ok(())
    }
}

/// Flushes a CSV writer and renames its file into place.
fn commit(w: csv::Writer<AtomicFile>, p: &Path) -> Result<(), FeaturesError> {
    let f = w
        .into_inner()
        .map_err(|e| threatstat_core::Error::io(p, e.into_error()))?;
    Ok(f.commit()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{AuthLog, AuthRow};

    /// Sessions whose malicious rows all come after the label window: the
    /// run stops before DFS with counts and the window it looked at.
    #[test]
    fn no_positive_cutoff_is_explained() {
        let mut log = AuthLog::default();
        let names: Vec<String> = (0..20).map(|u| format!("U{u}")).collect();
        for (u, name) in names.iter().enumerate() {
            for t in 0..30 {
                log.push(&AuthRow {
                    secs: t * 100 + u as i64,
                    malicious: u % 4 == 0 && t >= 20,
                    fields: [
                        name, name, "C1", "C2", "NTLM", "Network", "LogOn", "Success",
                    ],
                });
            }
        }
        let es = EntitySet::new(log);
        let err = Pipeline::default().run(&es).unwrap_err().to_string();
        assert!(
            err.contains("0 positive and 20 negative cutoffs among 20 sessions"),
            "{err}"
        );
        assert!(err.contains("observations 5..=14"), "{err}");
        assert!(err.contains("5 folds"), "{err}");
        // A window reaching the malicious rows gives positives.
        let wide = Pipeline {
            window: 20,
            folds: 0,
            bootstrap: 20,
            n_trees: 5,
            importance_repeats: 0,
            ..Pipeline::default()
        };
        let m = wide.run(&es).unwrap().metrics;
        assert_eq!((m.n_pos, m.n_neg), (5, 15));
    }
}
