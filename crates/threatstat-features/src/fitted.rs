//! A fitted feature pipeline: everything that turns an authentication log
//! into session scores, saved and loaded as one model file.
//!
//! A forest alone cannot score a new log: its columns are one-hot levels
//! and DFS features whose definitions (label cutoffs, DFS depth) and fitted
//! encoders (which categories have a column) live outside it.
//! [`FittedPipeline`] holds all of them: the cutoff parameters, the DFS
//! depth, the fitted [`Encoder`] (levels as strings, columns in the
//! forest's order), the [`FittedForest`] and the alert threshold. It is
//! made by [`Pipeline::run`](crate::pipeline::Pipeline::run) (fitted on the
//! training rows of its split) or
//! [`Pipeline::fit`](crate::pipeline::Pipeline::fit) (fitted on every
//! cutoff), and applied with [`FittedPipeline::score`].
//!
//! Scoring a log makes the cutoffs the fit would have made (sessions with
//! at least `min_observations` observations, features from rows strictly
//! before each cutoff) and encodes them with the fitted encoder:
//!
//! * a category that was not among a feature's top levels on the training
//!   rows, including one never seen there (a new user or host), counts as
//!   the feature's `is unknown` column, as a missing value does;
//! * a missing numeric feature is imputed with the forest's training mean.
//!
//! The file is `{"format": "threatstat-features", "version": 1, "labels":
//! {...}, "dfs_depth": d, "columns": [...], "threshold": t,
//! "threshold_chosen_by": "...", "forest": {names, means, trees}}`; loading
//! checks that the columns are built by DFS at that depth and that their
//! names are the forest's feature names, in order.

use crate::FeaturesError;
use crate::dfs::Dfs;
use crate::encode::{EncodedColumn, Encoder};
use crate::entity::{EntitySet, LabelParams};
use crate::forest::FittedForest;
use crate::log::AuthLog;
use serde::{Deserialize, Serialize};
use std::path::Path;
use threatstat_core::atomic::AtomicFile;
use threatstat_core::{Error, ModelFile};

/// A fitted feature pipeline; see the [module docs](self).
///
/// ```
/// use threatstat_core::ModelFile;
/// use threatstat_features::entity::EntitySet;
/// use threatstat_features::fitted::FittedPipeline;
/// use threatstat_features::log::{AuthLog, AuthRow};
/// use threatstat_features::pipeline::Pipeline;
/// let log = |users: usize, bad_kind: &str| {
///     let names: Vec<String> = (0..users).map(|u| format!("U{u}")).collect();
///     let mut log = AuthLog::default();
///     for (u, name) in names.iter().enumerate() {
///         let bad = u % 6 == 0;
///         for t in 0..8 {
///             let kind = if bad { bad_kind } else { "Kerberos" };
///             log.push(&AuthRow { secs: t * 100 + u as i64, malicious: bad && t >= 4,
///                 fields: [name, name, "C1", "C2", kind, "Network", "LogOn", "Success"] });
///         }
///     }
///     EntitySet::new(log)
/// };
/// let p = Pipeline { n_trees: 10, folds: 0, importance_repeats: 0, ..Pipeline::default() };
/// let model = p.fit(&log(60, "NTLM")).unwrap();
/// let back = FittedPipeline::from_json(&model.to_json().unwrap()).unwrap();
/// let s = back.score(&log(30, "NTLM")).unwrap();
/// assert_eq!(s.score, model.score(&log(30, "NTLM")).unwrap().score);
/// assert_eq!((s.len(), s.label.iter().filter(|&&l| l).count()), (30, 5));
/// // An auth type never seen at fit time is `is unknown`: scored, no error.
/// assert_eq!(back.score(&log(30, "Negotiate")).unwrap().len(), 30);
/// ```
#[derive(Debug)]
pub struct FittedPipeline {
    labels: LabelParams,
    depth: usize,
    encoder: Encoder,
    forest: FittedForest,
    threshold: f64,
    threshold_chosen_by: String,
}

/// The scores of a log's cutoffs, one row per scored session, in cutoff
/// order (by time, then session).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    /// `src_name / dest_name` of each scored session.
    pub session_id: Vec<String>,
    /// Cutoff time (`secs`) of each.
    pub time: Vec<i64>,
    /// The label the log gives each cutoff (as at fit time).
    pub label: Vec<bool>,
    /// The forest's score (fraction of trees voting positive).
    pub score: Vec<f64>,
    /// The alert threshold: a session is flagged when its score is at
    /// least this.
    pub threshold: f64,
    /// Sessions in the log.
    pub n_sessions: usize,
    /// Sessions with too few observations for a cutoff (not scored).
    pub n_too_few: usize,
}

impl Scores {
    /// Number of scored sessions.
    pub fn len(&self) -> usize {
        self.score.len()
    }

    /// `true` when no session was scored.
    pub fn is_empty(&self) -> bool {
        self.score.is_empty()
    }

    /// Sessions whose score is at least the threshold.
    pub fn n_flagged(&self) -> usize {
        self.score.iter().filter(|&&s| s >= self.threshold).count()
    }

    /// Writes the tidy CSV `session_id,time,label,score,flagged` (labels
    /// and flags `True`/`False`, scores as Python prints them) to `path`
    /// (`-` for standard output), whole or not at all.
    pub fn write_csv(&self, path: &Path) -> Result<(), FeaturesError> {
        let err = |e: csv::Error| Error::io(path, std::io::Error::other(e));
        let flag = |b: bool| if b { "True" } else { "False" };
        let mut w = csv::Writer::from_writer(AtomicFile::create(path)?);
        w.write_record(["session_id", "time", "label", "score", "flagged"])
            .map_err(err)?;
        for i in 0..self.len() {
            w.write_record([
                self.session_id[i].as_str(),
                &self.time[i].to_string(),
                flag(self.label[i]),
                &threatstat_core::pyfmt::py_repr(self.score[i]),
                flag(self.score[i] >= self.threshold),
            ])
            .map_err(err)?;
        }
        let f = w
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        Ok(f.commit()?)
    }
}

impl FittedPipeline {
    /// A fitted pipeline of its parts; a model-file error when the
    /// encoder's columns are not the forest's features (names and order),
    /// a column reads a feature DFS does not build at `depth`, the label
    /// parameters are invalid or the threshold is not in [0, 1].
    pub fn new(
        labels: LabelParams,
        depth: usize,
        encoder: Encoder,
        forest: FittedForest,
        threshold: f64,
        threshold_chosen_by: String,
    ) -> Result<FittedPipeline, FeaturesError> {
        let bad = |problem: String| FeaturesError::from(Error::model_file(None::<&Path>, problem));
        let names = encoder.names();
        if names != forest.feature_names() {
            let k = names
                .iter()
                .zip(forest.feature_names())
                .position(|(a, b)| a != b)
                .unwrap_or(names.len().min(forest.feature_names().len()));
            return Err(bad(format!(
                "the encoder's {} columns are not the forest's {} features: column {} is `{}` \
                 in the encoder, `{}` in the forest",
                names.len(),
                forest.feature_names().len(),
                k + 1,
                names.get(k).map_or("(none)", String::as_str),
                forest
                    .feature_names()
                    .get(k)
                    .map_or("(none)", String::as_str),
            )));
        }
        let built = Dfs::params()
            .depth(depth)
            .features()
            .map_err(|e| bad(format!("dfs_depth: {e}")))?;
        for c in encoder.columns() {
            if !built
                .iter()
                .any(|(n, k)| n == c.feature() && *k == c.input_kind())
            {
                return Err(bad(format!(
                    "column `{}` reads feature `{}`, which DFS at depth {depth} does not build \
                     with that kind",
                    c.name(),
                    c.feature()
                )));
            }
        }
        labels
            .generate(&EntitySet::new(AuthLog::default()))
            .map_err(|e| bad(format!("labels: {e}")))?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(bad(format!(
                "threshold must be in [0, 1], found {threshold}"
            )));
        }
        Ok(FittedPipeline {
            labels,
            depth,
            encoder,
            forest,
            threshold,
            threshold_chosen_by,
        })
    }

    /// The cutoff and label parameters.
    pub fn labels(&self) -> &LabelParams {
        &self.labels
    }

    /// The DFS depth.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The fitted encoder (its columns are the forest's features).
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The forest.
    pub fn forest(&self) -> &FittedForest {
        &self.forest
    }

    /// The alert threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// How the threshold was chosen.
    pub fn threshold_chosen_by(&self) -> &str {
        &self.threshold_chosen_by
    }

    /// Scores the cutoffs of `es`; see the [module docs](self) for the
    /// rows scored and for categories unseen at fit time. A log without a
    /// session of enough observations gives empty scores.
    pub fn score(&self, es: &EntitySet) -> Result<Scores, FeaturesError> {
        let labels = self.labels.generate(es)?;
        let mut s = Scores {
            threshold: self.threshold,
            n_sessions: labels.sessions,
            n_too_few: labels.too_few,
            ..Scores::default()
        };
        if labels.cutoffs.is_empty() {
            return Ok(s);
        }
        let fm = Dfs::params().depth(self.depth).compute(es, &labels)?;
        let x = self.encoder.transform(&fm)?;
        s.score = self.forest.predict_proba(&x)?;
        s.session_id = fm.row_ids;
        s.time = fm.row_times;
        s.label = labels.cutoffs.iter().map(|c| c.label).collect();
        Ok(s)
    }
}

/// The body of a `threatstat-features` file.
#[derive(Serialize, Deserialize)]
struct PipelineFile {
    labels: LabelParams,
    dfs_depth: usize,
    columns: Vec<EncodedColumn>,
    threshold: f64,
    threshold_chosen_by: String,
    forest: serde_json::Value,
}

impl ModelFile for FittedPipeline {
    const FORMAT: &'static str = "threatstat-features";
    const VERSION: u32 = 1;
    type Error = FeaturesError;
    type File = serde_json::Value;

    fn to_file(&self) -> Result<serde_json::Value, FeaturesError> {
        let body = PipelineFile {
            labels: self.labels,
            dfs_depth: self.depth,
            columns: self.encoder.columns().to_vec(),
            threshold: self.threshold,
            threshold_chosen_by: self.threshold_chosen_by.clone(),
            forest: self.forest.to_file()?,
        };
        serde_json::to_value(body).map_err(|e| {
            Error::model_file(None::<&Path>, format!("serialising the pipeline: {e}")).into()
        })
    }

    fn from_file(file: serde_json::Value) -> Result<Self, FeaturesError> {
        let f: PipelineFile = serde_json::from_value(file).map_err(|e| {
            Error::model_file(None::<&Path>, format!("invalid features model file: {e}"))
        })?;
        FittedPipeline::new(
            f.labels,
            f.dfs_depth,
            Encoder::from_columns(f.columns),
            FittedForest::from_file(f.forest)?,
            f.threshold,
            f.threshold_chosen_by,
        )
    }

    /// Loads a pipeline from `path`; every model-file error names the file.
    fn load(path: &Path) -> Result<Self, FeaturesError> {
        let s = threatstat_core::reader::read_to_string(path)?;
        Self::from_json(&s).map_err(|e| match e {
            FeaturesError::Core(c) => FeaturesError::Core(c.in_file(path)),
            e => e,
        })
    }
}
