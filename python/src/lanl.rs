//! The LANL upload-bytes analysis (`threatstat_workflow::uploads::run`),
//! the function `threatstat lanl uploads` calls: owners from `auth.txt`,
//! upload bytes per user and interval from `flows.txt`, Mann-Whitney U of
//! the red team's user-intervals against all, KDE flags of unusual users.

use crate::errors::{boxed_to_py, to_py};
use pyo3::prelude::*;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_workflow::uploads::{UploadInputs, UploadParams, run};

/// Runs the analysis as `threatstat lanl uploads --out out_dir` (files
/// written there: summary.json, users.csv, figures when `figures`) and
/// returns the summary as JSON text.
#[pyfunction]
#[pyo3(signature = (auth, flows, redteam, out_dir, interval_s, alpha, contamination, skip_bad_rows, figures))]
#[allow(clippy::too_many_arguments)]
fn lanl_uploads(
    py: Python<'_>,
    auth: PathBuf,
    flows: PathBuf,
    redteam: PathBuf,
    out_dir: PathBuf,
    interval_s: u64,
    alpha: f64,
    contamination: f64,
    skip_bad_rows: bool,
    figures: bool,
) -> PyResult<String> {
    let inputs = UploadInputs {
        auth,
        flows,
        redteam,
    };
    let params = UploadParams {
        interval_s,
        alpha,
        contamination,
        bad_rows: if skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Error
        },
        figures,
        progress: false,
    };
    let summary = py
        .detach(|| run(&inputs, &out_dir, &params))
        .map_err(boxed_to_py)?;
    serde_json::to_string(&summary).map_err(to_py)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lanl_uploads, m)?)?;
    Ok(())
}
