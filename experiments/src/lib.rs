//! End-to-end reproductions of published security-log analyses.
//!
//! Each analysis is a module with a `run` function that reads bundled data,
//! calls the library crates, and writes figures and a `summary.json` into
//! `results/<name>/`; a binary of the same name and `threatstat reproduce`
//! are thin wrappers around it. [`report`] turns the summaries into
//! `results/index.html`.

pub mod attack_tactic_chains;
pub mod calibration;
pub mod cert_logon_changepoint;
pub mod cloudtrail_automation;
pub mod exchange_sequences;
pub mod lanl_auth_features;
/// The LANL upload analysis (now in `threatstat-workflow`, where the CLI calls it).
pub use threatstat_workflow::uploads as lanl_upload;
pub mod lanl_upload_mwu_kde;
pub mod report;
pub mod suite;

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

/// Writes `data` to `path` through a temporary file renamed over it, so an
/// interrupted run leaves the previous file or none, never a truncated one
/// (every output of the experiments goes through this or an `AtomicFile`).
pub use threatstat_workflow::files::write_file;

/// Writes `summary` (and, under `"details"`, an analysis's own record) as
/// `out_dir/summary.json`.
pub fn write_summary(
    out_dir: &std::path::Path,
    summary: &Summary,
    details: Option<serde_json::Value>,
) -> Result<(), Error> {
    let mut json = serde_json::to_value(summary)?;
    if let Some(d) = details {
        json["details"] = d;
    }
    std::fs::create_dir_all(out_dir)?;
    crate::write_file(
        out_dir.join("summary.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    Ok(())
}

/// A scratch directory for generated inputs, removed when dropped.
#[derive(Debug)]
pub struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    /// Its path.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates an empty scratch directory under the system temporary directory,
/// named after the analysis and the process.
pub fn scratch_dir(name: &str) -> Result<ScratchDir, Error> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let p = std::env::temp_dir().join(format!("threatstat-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&p)?;
    Ok(ScratchDir(p))
}
