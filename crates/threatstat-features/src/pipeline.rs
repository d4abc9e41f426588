//! The whole analysis as the CLI and the experiment run it: labels,
//! features, encoding, a train/test split, a forest, ROC AUC with a
//! bootstrap interval, PR AUC (average precision), cross-validated ROC AUC,
//! out-of-fold scores, an alert-threshold report and permutation
//! importances; and the output files.
//!
//! Two splits ([`Split`]):
//!
//! - `Random` (the default, the demo's): a stratified shuffled 80/20 split
//!   and stratified k-fold cross-validation over the whole period. Sessions
//!   of every day are in both sets, and features that encode absolute time
//!   ([`crate::dfs::encodes_absolute_time`]) are kept as the demo kept
//!   them: the score says how well the forest interpolates within the ten
//!   days, not how it would do next week.
//! - `Time`: the last 20 % of cutoffs (by time) are the test set, training
//!   uses earlier cutoffs whose labels were known before the test period
//!   ([`crate::time_split`]; with `purge: false`, every earlier cutoff);
//!   cross-validation is forward chaining; the absolute-time features are
//!   left out. With a label window of 10 observations of thinned logs most
//!   sessions' labels are determined days after their cutoff, so purging
//!   can leave few training rows: the metrics count them (`n_purged`).
//!
//! Under both, the one-hot levels and the low-information filter are fitted
//! on the training rows of each split and fold
//! ([`crate::encode::fit_design`]); featuretools' demo fitted them on all
//! rows.
//!
//! The bootstrap interval of the test ROC AUC is given only with at least
//! [`MIN_CI_CLASS`] test positives and negatives: with fewer, resampling a
//! handful of positives describes those few sessions, not the model.
//!
//! The threshold report flags a test session when its score is at least the
//! threshold: the one given, or else the threshold that maximises F1 on the
//! out-of-fold scores of the training rows (an inner cross-validation on
//! the training rows, of the split's kind), 0.5 when there is none.

use crate::FeaturesError;
use crate::dfs::{Dfs, FeatureKind, FeatureMatrix};
use crate::encode::{Design, Encoder, fit_encoder};
use crate::entity::{EntitySet, LabelParams, LabelTimes};
use crate::fitted::{FittedPipeline, Scores};
use crate::forest::{ForestParams, RandomForest};
use crate::metrics::{average_precision, bootstrap_ci, roc_auc, roc_curve};
use crate::split::{stratified_kfold, stratified_split};
use crate::threshold::{ThresholdReport, max_f1_threshold};
use crate::time_split::{forward_chaining, time_split};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use threatstat_core::atomic::{AtomicFile, write_atomically};

/// Fewest test positives (and negatives) for a bootstrap interval of the
/// test ROC AUC.
pub const MIN_CI_CLASS: usize = 20;

/// How sessions are split into training and test sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Stratified, shuffled over the whole period (the demo's).
    #[default]
    Random,
    /// Earlier cutoffs train, later ones test; forward-chaining folds.
    Time,
}

/// The pipeline's parameters (defaults as the demo: N = 2, L = 2, W = 10,
/// depth 3, 100 trees, 20 % test set, random split; 5 folds, 1,000
/// bootstrap resamples).
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
    /// Random (the demo's) or time split.
    pub split: Split,
    /// Alert threshold of the threshold report (`None`: maximise F1 on the
    /// training rows' out-of-fold scores).
    pub threshold: Option<f64>,
    /// Under the time split, train only on rows whose label was determined
    /// before the first test cutoff (default `true`). `false` trains on
    /// every earlier cutoff, with labels that may come from the test
    /// period.
    pub purge: bool,
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
            split: Split::Random,
            threshold: None,
            purge: true,
        }
    }
}

/// The numbers of a run (written as `metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// The split used: `random` or `time`.
    pub split: Split,
    /// What the split and the cross-validation were, in words.
    pub split_description: String,
    /// Test-set ROC AUC.
    pub roc_auc: f64,
    /// 95 % percentile bootstrap interval of `roc_auc`; absent with fewer
    /// than [`MIN_CI_CLASS`] test positives or negatives.
    pub roc_auc_ci: Option<[f64; 2]>,
    /// Why `roc_auc_ci` is absent.
    pub roc_auc_ci_note: Option<String>,
    /// Test-set average precision (PR AUC).
    pub pr_auc: f64,
    /// Positive cutoffs (all sessions with enough observations).
    pub n_pos: usize,
    /// Negative cutoffs.
    pub n_neg: usize,
    /// Features after encoding and low-information removal (fitted on the
    /// training rows).
    pub n_features: usize,
    /// Features built by DFS before encoding.
    pub n_dfs_features: usize,
    /// DFS features that encode absolute time.
    pub n_absolute_time_features: usize,
    /// Whether those were left out of the model (under the time split).
    pub absolute_time_features_excluded: bool,
    /// Sessions in the log.
    pub n_sessions: usize,
    /// Sessions with too few observations for a cutoff (not used).
    pub n_too_few: usize,
    /// Training-set size.
    pub n_train: usize,
    /// Training-set positives.
    pub n_train_pos: usize,
    /// Whether training under the time split used only labels determined
    /// before the test period (always `false` under the random split).
    pub purge: bool,
    /// Earlier cutoffs left out of training because their label was not
    /// known before the test period (time split with `purge`; 0 otherwise).
    pub n_purged: usize,
    /// Earliest and latest training cutoff time.
    pub train_cutoffs: [i64; 2],
    /// Earliest and latest test cutoff time.
    pub test_cutoffs: [i64; 2],
    /// Test-set size.
    pub n_test: usize,
    /// Test-set positives.
    pub n_test_pos: usize,
    /// Cross-validation scheme (`stratified k-fold` or `forward chaining`).
    pub cv_scheme: String,
    /// ROC AUC of each cross-validation fold (`null` when the fold's test
    /// block has one class only or the fold could not be fitted).
    pub cv_roc_auc: Vec<Option<f64>>,
    /// Mean of the defined `cv_roc_auc` (absent without any).
    pub cv_roc_auc_mean: Option<f64>,
    /// ROC AUC of the pooled out-of-fold scores: every scored cutoff scored
    /// once, by the forest of the fold that held it out (absent without
    /// folds). Under forward chaining the first time block is never scored.
    pub cv_pooled_roc_auc: Option<f64>,
    /// Folds that were skipped or have no AUC, and why.
    pub cv_notes: Vec<String>,
    /// Alerts at a threshold on the test set.
    pub threshold: ThresholdReport,
    /// Seconds spent on features (entity set to DFS matrix).
    pub feature_seconds: f64,
    /// Seconds spent encoding, fitting and scoring.
    pub model_seconds: f64,
    /// Bad rows of the input skipped (set by the caller that read it under
    /// `BadRowPolicy::Skip`; absent otherwise: bad rows stopped the read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_rows: Option<u64>,
}

/// One scored cutoff.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Row (cutoff index).
    pub row: usize,
    /// Forest score (fraction of trees voting positive).
    pub score: f64,
    /// Cross-validation fold that held it out (0-based), or `holdout` for
    /// the test set of a run without folds.
    pub fold: String,
}

/// Everything a run produces.
#[derive(Debug)]
pub struct Outcome {
    /// Cutoffs and labels.
    pub labels: LabelTimes,
    /// The DFS feature matrix (before encoding).
    pub features: FeatureMatrix,
    /// The encoded, reduced design matrix of all rows, fitted on the
    /// training rows.
    pub design: Design,
    /// The numbers.
    pub metrics: Metrics,
    /// ROC curve on the test set.
    pub roc: Vec<(f64, f64)>,
    /// ROC curve of the pooled out-of-fold scores (empty without folds).
    pub cv_roc: Vec<(f64, f64)>,
    /// Out-of-fold scores (the test set's when there are no folds), in row
    /// order.
    pub predictions: Vec<Prediction>,
    /// The user of each row's session (its `src_name`), by row.
    pub users: Vec<String>,
    /// Features by decreasing permutation importance.
    pub importances: Vec<(String, f64)>,
    /// The test rows scored by `model` (session, cutoff time, label,
    /// score), in row order.
    pub test_scores: Scores,
    /// The pipeline fitted on the training rows: encoder, forest and
    /// threshold (saveable with [`threatstat_core::ModelFile`]; scores a
    /// new log with [`FittedPipeline::score`]).
    pub model: FittedPipeline,
}

fn rows(d: &Design, idx: &[usize]) -> Design {
    d.rows(idx)
}

/// A fold as global row indices.
struct Fold {
    train: Vec<usize>,
    test: Vec<usize>,
}

/// Out-of-fold results of a set of folds.
#[derive(Default)]
struct FoldScores {
    auc: Vec<Option<f64>>,
    /// (row, score, fold).
    oof: Vec<(usize, f64, usize)>,
    notes: Vec<String>,
}

fn count_pos(y: &[bool], idx: &[usize]) -> usize {
    idx.iter().filter(|&&i| y[i]).count()
}

/// What [`Data`] borrows: the features and per-cutoff vectors of a log.
struct Prepared {
    features: FeatureMatrix,
    y: Vec<bool>,
    times: Vec<i64>,
    known_at: Vec<i64>,
}

impl Prepared {
    fn data(&self, split: Split) -> Data<'_> {
        Data {
            features: &self.features,
            y: &self.y,
            times: &self.times,
            known_at: &self.known_at,
            drop_time: split == Split::Time,
        }
    }
}

/// The evaluation data shared by the splits and folds.
struct Data<'a> {
    features: &'a FeatureMatrix,
    y: &'a [bool],
    times: &'a [i64],
    known_at: &'a [i64],
    drop_time: bool,
}

impl Data<'_> {
    fn design(&self, train: &[usize]) -> Design {
        self.encoder(train).1
    }

    /// The encoder fitted on `train` and the design of all rows.
    fn encoder(&self, train: &[usize]) -> (Encoder, Design) {
        let fm = self.features;
        fit_encoder(fm, train, |j| self.drop_time && fm.absolute_time(j))
    }
}

impl Pipeline {
    /// The split, the forest and the folds need positive and negative
    /// cutoffs; say which are missing and why before any work is done.
    fn check_classes(&self, labels: &LabelTimes) -> Result<(), FeaturesError> {
        let folds = self.split == Split::Random && self.folds >= 2;
        let need = 2.max(if folds { self.folds } else { 0 });
        let (pos, neg) = (labels.n_pos(), labels.n_neg());
        if pos >= need && neg >= need {
            return Ok(());
        }
        let (first, last) = (
            self.after_n + self.lead + 1,
            self.after_n + self.lead + self.window,
        );
        Err(threatstat_core::Error::data("cutoffs", format!(
            "{pos} positive and {neg} negative cutoffs among {} sessions ({} with fewer than {} \
             observations); at least {need} of each are needed for the train/test split{}. A cutoff is \
             positive when one of its session's observations {first}..={last} is malicious: \
             when sessions have long benign histories the malicious rows fall after that \
             window (the demo kept a sample of the benign lines; `features generate \
             --benign-keep`), or widen --label-window",
            labels.sessions,
            labels.too_few,
            labels.min_observations,
            if folds {
                format!(" and {} folds", self.folds)
            } else {
                String::new()
            },
        ))
        .into())
    }

    /// `k` folds of the split's kind over `subset` (global row indices).
    fn folds(
        &self,
        data: &Data<'_>,
        subset: &[usize],
        k: usize,
        seed: u64,
    ) -> Result<Vec<Fold>, FeaturesError> {
        let back = |v: Vec<usize>| v.into_iter().map(|i| subset[i]).collect::<Vec<_>>();
        Ok(match self.split {
            Split::Random => {
                let y: Vec<bool> = subset.iter().map(|&i| data.y[i]).collect();
                stratified_kfold(&y, k, seed)?
                    .into_iter()
                    .map(|(tr, te)| Fold {
                        train: back(tr),
                        test: back(te),
                    })
                    .collect()
            }
            Split::Time => {
                let t: Vec<i64> = subset.iter().map(|&i| data.times[i]).collect();
                let known: Vec<i64> = subset.iter().map(|&i| data.known_at[i]).collect();
                forward_chaining(&t, &known, k)?
                    .into_iter()
                    .map(|f| Fold {
                        train: back(f.train),
                        test: back(f.test),
                    })
                    .collect()
            }
        })
    }

    /// Fits a forest per fold (encoder and filter on the fold's training
    /// rows) and scores its test rows.
    fn score_folds(
        &self,
        data: &Data<'_>,
        folds: &[Fold],
        forest: &ForestParams,
    ) -> Result<FoldScores, FeaturesError> {
        let pick = |idx: &[usize]| idx.iter().map(|&i| data.y[i]).collect::<Vec<bool>>();
        let mut out = FoldScores::default();
        for (f, fold) in folds.iter().enumerate() {
            let tp = count_pos(data.y, &fold.train);
            if tp == 0 || tp == fold.train.len() {
                out.notes.push(format!(
                    "fold {f}: not fitted, its {} training rows have {tp} positives",
                    fold.train.len()
                ));
                out.auc.push(None);
                continue;
            }
            let design = data.design(&fold.train);
            if design.n_cols() == 0 {
                out.notes.push(format!(
                    "fold {f}: not fitted, no feature varies on its training rows"
                ));
                out.auc.push(None);
                continue;
            }
            let m = forest.fit(&rows(&design, &fold.train), &pick(&fold.train))?;
            let p = m.predict_proba(&rows(&design, &fold.test))?;
            let yte = pick(&fold.test);
            let pos = yte.iter().filter(|&&v| v).count();
            if pos == 0 || pos == yte.len() {
                out.notes.push(format!(
                    "fold {f}: no ROC AUC, its {} test rows have {pos} positives",
                    yte.len()
                ));
                out.auc.push(None);
            } else {
                out.auc.push(Some(roc_auc(&p, &yte)?));
            }
            out.oof
                .extend(fold.test.iter().zip(p).map(|(&i, s)| (i, s, f)));
        }
        out.oof.sort_by_key(|o| o.0);
        Ok(out)
    }

    /// The threshold of the report and how it was chosen.
    fn choose_threshold(
        &self,
        data: &Data<'_>,
        train: &[usize],
        forest: &ForestParams,
    ) -> Result<(f64, String), FeaturesError> {
        if let Some(t) = self.threshold {
            return Ok((t, "given (--threshold)".into()));
        }
        let fallback = |why: &str| Ok((0.5, format!("0.5, the default: {why}")));
        if self.folds < 2 {
            return fallback("no folds to choose a threshold on");
        }
        let folds = match self.folds(data, train, self.folds, self.seed.wrapping_add(1)) {
            Ok(f) => f,
            Err(e) => return fallback(&format!("no inner folds on the training rows ({e})")),
        };
        let s = self.score_folds(data, &folds, forest)?;
        let scores: Vec<f64> = s.oof.iter().map(|o| o.1).collect();
        let labels: Vec<bool> = s.oof.iter().map(|o| data.y[o.0]).collect();
        match max_f1_threshold(&scores, &labels) {
            Some(t) => Ok((
                t,
                format!(
                    "maximum F1 on the out-of-fold scores of {} training rows ({} inner folds, {})",
                    scores.len(),
                    folds.len(),
                    self.cv_scheme()
                ),
            )),
            None => fallback("no inner out-of-fold score flags a training positive"),
        }
    }

    fn cv_scheme(&self) -> &'static str {
        match self.split {
            Split::Random => "stratified k-fold",
            Split::Time => "forward chaining",
        }
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
    /// assert_eq!(out.predictions.len(), 60);
    /// // 2 test positives: no bootstrap interval.
    /// assert!(out.metrics.roc_auc_ci.is_none());
    /// ```
    pub fn run(&self, es: &EntitySet) -> Result<Outcome, FeaturesError> {
        self.check_threshold()?;
        let t0 = Instant::now();
        let params = self.label_params();
        let labels = params.generate(es)?;
        self.check_classes(&labels)?;
        let prep = self.prepare(es, &params, &labels)?;
        let feature_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let data = prep.data(self.split);
        let (features, y, times) = (&prep.features, &prep.y, &prep.times);
        let (train, test, purged) = match self.split {
            Split::Random => {
                let (tr, te) = stratified_split(y, self.test_fraction, self.seed)?;
                (tr, te, 0)
            }
            Split::Time => {
                let f = time_split(times, &prep.known_at, self.test_fraction)?;
                (f.train, f.test, f.purged)
            }
        };
        for (name, idx) in [("training", &train), ("test", &test)] {
            let pos = count_pos(y, idx);
            if pos == 0 || pos == idx.len() {
                return Err(threatstat_core::Error::data(
                    format!("the {} split's {name} set", self.cv_scheme_name()),
                    format!(
                        "has {} cutoffs, {pos} of them positive: both classes are needed{}",
                        idx.len(),
                        if self.split == Split::Time {
                            " (positives are concentrated in time; try another --test-fraction)"
                        } else {
                            ""
                        }
                    ),
                )
                .into());
            }
        }
        let (encoder, design) = data.encoder(&train);
        if design.n_cols() == 0 {
            return Err(no_informative_features());
        }
        let forest = RandomForest::params().n_trees(self.n_trees).seed(self.seed);
        let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<bool>>();
        let (xtr, xte) = (rows(&design, &train), rows(&design, &test));
        let (ytr, yte) = (pick(&train), pick(&test));
        let fitted_forest = forest.fit(&xtr, &ytr)?;
        let p = fitted_forest.predict_proba(&xte)?;
        let auc = roc_auc(&p, &yte)?;
        let n_test_pos = count_pos(y, &test);
        let n_test_neg = test.len() - n_test_pos;
        let (roc_auc_ci, roc_auc_ci_note) = if n_test_pos.min(n_test_neg) < MIN_CI_CLASS {
            (
                None,
                Some(format!(
                    "no bootstrap interval: the test set has {n_test_pos} positive and \
                     {n_test_neg} negative cutoffs, fewer than {MIN_CI_CLASS} of a class; \
                     resampling so few sessions describes them, not the model (see the \
                     cross-validated AUCs)"
                )),
            )
        } else {
            let (lo, hi) = bootstrap_ci(&p, &yte, roc_auc, self.bootstrap.max(1), 0.05, self.seed)?;
            (Some([lo, hi]), None)
        };
        let pr = average_precision(&p, &yte)?;
        let roc = roc_curve(&p, &yte)?;
        let (threshold, chosen_by) = self.choose_threshold(&data, &train, &forest)?;
        let test_scores = Scores {
            session_id: test.iter().map(|&i| features.row_ids[i].clone()).collect(),
            time: test.iter().map(|&i| times[i]).collect(),
            label: yte.clone(),
            score: p.clone(),
            threshold,
            n_sessions: labels.sessions,
            n_too_few: labels.too_few,
        };
        let threshold_report = ThresholdReport::at(&p, &yte, threshold, &chosen_by);
        let model = FittedPipeline::new(
            params,
            self.depth,
            encoder,
            fitted_forest,
            threshold,
            chosen_by,
        )?;
        let (mut cv_pooled, mut cv_roc) = (None, Vec::new());
        let mut cv = FoldScores::default();
        let all: Vec<usize> = (0..y.len()).collect();
        if self.folds >= 2 {
            let folds = self.folds(&data, &all, self.folds, self.seed)?;
            cv = self.score_folds(&data, &folds, &forest)?;
            let s: Vec<f64> = cv.oof.iter().map(|o| o.1).collect();
            let l: Vec<bool> = cv.oof.iter().map(|o| y[o.0]).collect();
            let pos = l.iter().filter(|&&v| v).count();
            if pos > 0 && pos < l.len() {
                cv_pooled = Some(roc_auc(&s, &l)?);
                cv_roc = roc_curve(&s, &l)?;
            }
        }
        let predictions: Vec<Prediction> = if self.folds >= 2 {
            cv.oof
                .iter()
                .map(|&(row, score, f)| Prediction {
                    row,
                    score,
                    fold: f.to_string(),
                })
                .collect()
        } else {
            test.iter()
                .zip(&p)
                .map(|(&row, &score)| Prediction {
                    row,
                    score,
                    fold: "holdout".into(),
                })
                .collect()
        };
        let mut importances: Vec<(String, f64)> = if self.importance_repeats > 0 {
            design
                .names()
                .iter()
                .cloned()
                .zip(model.forest().permutation_importance(
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
        let span = |idx: &[usize]| {
            [
                idx.iter().map(|&i| times[i]).min().unwrap_or(0),
                idx.iter().map(|&i| times[i]).max().unwrap_or(0),
            ]
        };
        let defined: Vec<f64> = cv.auc.iter().flatten().copied().collect();
        let n_absolute = (0..features.n_features())
            .filter(|&j| features.absolute_time(j))
            .count();
        let metrics = Metrics {
            split: self.split,
            split_description: self.describe(),
            roc_auc: auc,
            roc_auc_ci,
            roc_auc_ci_note,
            pr_auc: pr,
            n_pos: labels.n_pos(),
            n_neg: labels.n_neg(),
            n_features: design.n_cols(),
            n_dfs_features: features.n_features(),
            n_absolute_time_features: n_absolute,
            absolute_time_features_excluded: data.drop_time,
            n_sessions: labels.sessions,
            n_too_few: labels.too_few,
            n_train: train.len(),
            n_train_pos: count_pos(y, &train),
            purge: self.purge && self.split == Split::Time,
            n_purged: purged,
            train_cutoffs: span(&train),
            test_cutoffs: span(&test),
            n_test: test.len(),
            n_test_pos,
            cv_scheme: if self.folds >= 2 {
                self.cv_scheme().into()
            } else {
                "none".into()
            },
            cv_roc_auc_mean: (!defined.is_empty())
                .then(|| defined.iter().sum::<f64>() / defined.len() as f64),
            cv_roc_auc: cv.auc,
            cv_pooled_roc_auc: cv_pooled,
            cv_notes: cv.notes,
            threshold: threshold_report,
            feature_seconds,
            model_seconds: t1.elapsed().as_secs_f64(),
            skipped_rows: None,
        };
        let users = labels
            .cutoffs
            .iter()
            .map(|c| {
                let [src, _] = es.session_names[c.session as usize];
                es.log.names.resolve(src).to_string()
            })
            .collect();
        Ok(Outcome {
            users,
            labels,
            features: prep.features,
            design,
            metrics,
            roc,
            cv_roc,
            predictions,
            importances,
            test_scores,
            model,
        })
    }

    /// Fits the pipeline on every cutoff of `es` (no test set): the
    /// encoder, the low-information filter and the forest on all rows, the
    /// threshold as [`Pipeline::run`] chooses it (given, or maximum F1 on
    /// out-of-fold scores of folds of the split's kind over all rows). Only
    /// the label, DFS, forest, fold, split and threshold settings are used.
    /// The result scores new logs ([`FittedPipeline::score`]); see the
    /// example there.
    pub fn fit(&self, es: &EntitySet) -> Result<FittedPipeline, FeaturesError> {
        self.check_threshold()?;
        let params = self.label_params();
        let labels = params.generate(es)?;
        let (pos, neg) = (labels.n_pos(), labels.n_neg());
        if pos == 0 || neg == 0 {
            return Err(threatstat_core::Error::data(
                "cutoffs",
                format!(
                    "{pos} positive and {neg} negative cutoffs among {} sessions: a classifier \
                     needs both",
                    labels.sessions
                ),
            )
            .into());
        }
        let prep = self.prepare(es, &params, &labels)?;
        let data = prep.data(self.split);
        let y = &prep.y;
        let all: Vec<usize> = (0..y.len()).collect();
        let (encoder, design) = data.encoder(&all);
        if design.n_cols() == 0 {
            return Err(no_informative_features());
        }
        let forest = RandomForest::params().n_trees(self.n_trees).seed(self.seed);
        let fitted = forest.fit(&design, y)?;
        let (threshold, chosen_by) = self.choose_threshold(&data, &all, &forest)?;
        FittedPipeline::new(params, self.depth, encoder, fitted, threshold, chosen_by)
    }

    /// The DFS features, labels, cutoff times and label-known times of the
    /// cutoffs `labels` of `es`.
    fn prepare(
        &self,
        es: &EntitySet,
        params: &LabelParams,
        labels: &LabelTimes,
    ) -> Result<Prepared, FeaturesError> {
        let features = Dfs::params().depth(self.depth).compute(es, labels)?;
        let y: Vec<bool> = labels.cutoffs.iter().map(|c| c.label).collect();
        let times: Vec<i64> = labels.cutoffs.iter().map(|c| c.time).collect();
        let known_at = if self.purge {
            params.label_known_at(es, labels)
        } else {
            // Every earlier cutoff counts as known.
            times.clone()
        };
        Ok(Prepared {
            features,
            y,
            times,
            known_at,
        })
    }

    fn label_params(&self) -> LabelParams {
        LabelTimes::params()
            .after_n(self.after_n)
            .lead(self.lead)
            .window(self.window)
    }

    fn check_threshold(&self) -> Result<(), FeaturesError> {
        match self.threshold {
            Some(t) if !(0.0..=1.0).contains(&t) => {
                Err(threatstat_core::Error::param("threshold", t, "a number in [0, 1]").into())
            }
            _ => Ok(()),
        }
    }

    fn cv_scheme_name(&self) -> &'static str {
        match self.split {
            Split::Random => "random",
            Split::Time => "time",
        }
    }

    fn describe(&self) -> String {
        let pct = self.test_fraction * 100.0;
        match self.split {
            Split::Random => format!(
                "random: stratified shuffled split, {pct:.0}% of cutoffs from the whole period in \
                 the test set; {} stratified folds; absolute-time features kept (the demo's \
                 evaluation)",
                self.folds
            ),
            Split::Time => format!(
                "time: the last {pct:.0}% of cutoffs in the test set, trained on earlier cutoffs{}; \
                 {} forward-chaining folds; absolute-time features left out",
                if self.purge {
                    " whose label was determined before the first test cutoff"
                } else {
                    " (all of them: labels determined in the test period included, --no-purge)"
                },
                self.folds
            ),
        }
    }
}

impl Outcome {
    /// Writes `feature_matrix.csv` (session_id, time, the DFS features,
    /// label), `cutoffs.csv` (session_id, time, label), `features.csv`
    /// (feature, kind, absolute_time, excluded: the DFS feature list),
    /// `predictions.csv` (session_id, user, cutoff_time, label, score, fold:
    /// the out-of-fold scores the cross-validated AUCs are computed from,
    /// or the test set's with fold `holdout` when there are no folds; under
    /// forward chaining the first time block has no row), `test_scores.csv` (session_id, time, label, score,
    /// flagged: the test rows scored by the fitted model,
    /// [`Scores::write_csv`]) and `metrics.json` into `dir` (created if
    /// missing).
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
        let p = dir.join("features.csv");
        let mut w = csv::Writer::from_writer(AtomicFile::create(&p)?);
        w.write_record(["feature", "kind", "absolute_time", "excluded"])
            .map_err(csv_err(&p))?;
        let flag = |b: bool| if b { "True" } else { "False" };
        for j in 0..fm.n_features() {
            let abs = fm.absolute_time(j);
            let kind = match fm.kinds[j] {
                FeatureKind::Numeric => "numeric",
                FeatureKind::Categorical => "categorical",
            };
            w.write_record([
                fm.names[j].as_str(),
                kind,
                flag(abs),
                flag(abs && self.metrics.absolute_time_features_excluded),
            ])
            .map_err(csv_err(&p))?;
        }
        commit(w, &p)?;
        let p = dir.join("predictions.csv");
        let mut w = csv::Writer::from_writer(AtomicFile::create(&p)?);
        w.write_record([
            "session_id",
            "user",
            "cutoff_time",
            "label",
            "score",
            "fold",
        ])
        .map_err(csv_err(&p))?;
        for pr in &self.predictions {
            let c = &self.labels.cutoffs[pr.row];
            w.write_record([
                fm.row_ids[pr.row].as_str(),
                self.users[pr.row].as_str(),
                &c.time.to_string(),
                flag(c.label),
                &threatstat_core::pyfmt::py_repr(pr.score),
                &pr.fold,
            ])
            .map_err(csv_err(&p))?;
        }
        commit(w, &p)?;
        self.test_scores.write_csv(&dir.join("test_scores.csv"))?;
        let p = dir.join("metrics.json");
        let json = serde_json::to_string_pretty(&self.metrics)
            .map_err(|e| threatstat_core::Error::io(&p, std::io::Error::other(e)))?
            + "\n";
        write_atomically(&p, |w| w.write_all(json.as_bytes()))?;
        Ok(())
    }
}

fn no_informative_features() -> FeaturesError {
    threatstat_core::Error::data(
        "features",
        "no informative features: every feature is constant or missing on the training rows",
    )
    .into()
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
