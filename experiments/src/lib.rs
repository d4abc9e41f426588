//! End-to-end reproductions of published security-log analyses.
//!
//! Each analysis is a module with a `run` function that reads bundled data,
//! calls the library crates, and writes figures and a `summary.json` into
//! `results/<name>/`; a binary of the same name and `threatstat reproduce`
//! are thin wrappers around it. [`report`] turns the summaries into
//! `results/index.html`.

pub mod cert_logon_changepoint;
pub mod exchange_sequences;
pub mod lanl_auth_features;
pub mod lanl_upload;
pub mod report;

use serde::Serialize;

/// A number of ours beside the published one.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What is compared.
    pub quantity: String,
    /// The published value (as text).
    pub published: String,
    /// Our value (as text).
    pub ours: String,
    /// Whether they agree.
    pub agrees: bool,
}

/// What an analysis produced, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Directory name under `results/`.
    pub name: String,
    /// Section title.
    pub title: String,
    /// One or two sentences on what the results show.
    pub finding: String,
    /// Figures (paths relative to `results/`), PNG first.
    pub figures: Vec<String>,
    /// Interactive figures (HTML, relative paths).
    pub interactive: Vec<String>,
    /// Key numbers as (label, value).
    pub key_numbers: Vec<(String, String)>,
    /// Our numbers beside the published ones.
    pub comparisons: Vec<Comparison>,
    /// Wall time of the analysis in seconds.
    pub seconds: f64,
}

/// Errors of an experiment.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
