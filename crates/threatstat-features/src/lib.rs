//! Time-correct labels, aggregation features and a random forest on
//! authentication sessions: the featuretools "predict malicious cyber
//! connections" demo, in Rust.
//!
//! ```text
//! CyberFLTenDays.csv --(log::AuthLog::read)--> AuthLog
//!   --(entity::EntitySet::new)--> log → name_host_pairs → sessions
//!   --(entity::LabelTimes)--> one cutoff time and label per session
//!   --(dfs::Dfs)--> feature matrix from rows strictly before each cutoff
//!   --(encode)--> one-hot, low-information features removed (fitted on
//!                 training rows only)
//!   --(forest::RandomForest, split | time_split, metrics, threshold)-->
//!      ROC AUC, PR AUC, importances, out-of-fold scores, alert counts
//! ```
//!
//! [`pipeline::Pipeline`] chains the steps as the CLI and the experiment
//! run them; its fitted form, [`fitted::FittedPipeline`] (encoder, forest
//! and threshold, saved as one model file), scores new logs.

pub mod agg;
pub mod dfs;
pub mod encode;
pub mod entity;
pub mod fitted;
pub mod forest;
pub mod log;
pub mod metrics;
pub mod pipeline;
pub mod split;
pub mod threshold;
pub mod time_split;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum FeaturesError {
    /// Reading or parsing input failed (names file, line, field).
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// The model library failed.
    #[error("random forest: {0}")]
    Model(String),
}
