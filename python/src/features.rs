//! The session-feature pipeline (`threatstat_workflow::features::run`),
//! the function `threatstat features run` calls: cutoff-time labels, DFS
//! features, a random forest, ROC/PR AUC, files written into an output
//! directory.

use crate::errors::{boxed_to_py, to_py};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_features::pipeline::{Pipeline, Split};

/// Runs the pipeline on a CyberFLTenDays.csv-format file as `threatstat
/// features run --out out_dir` and returns the metrics as JSON text.
#[pyfunction]
#[pyo3(signature = (input, out_dir, after_n, lead, window, depth, seed, trees, folds, importance_repeats, split, test_fraction, threshold, purge, skip_bad_rows, save_model))]
#[allow(clippy::too_many_arguments)]
fn features_run(
    py: Python<'_>,
    input: PathBuf,
    out_dir: PathBuf,
    after_n: usize,
    lead: usize,
    window: usize,
    depth: usize,
    seed: u64,
    trees: usize,
    folds: usize,
    importance_repeats: usize,
    split: &str,
    test_fraction: f64,
    threshold: Option<f64>,
    purge: bool,
    skip_bad_rows: bool,
    save_model: Option<PathBuf>,
) -> PyResult<String> {
    let split = match split {
        "random" => Split::Random,
        "time" => Split::Time,
        other => {
            return Err(PyValueError::new_err(format!(
                "split = `{other}`: expected random or time"
            )));
        }
    };
    let p = Pipeline {
        after_n,
        lead,
        window,
        depth,
        seed,
        n_trees: trees,
        folds,
        importance_repeats,
        split,
        test_fraction,
        threshold,
        purge,
        ..Pipeline::default()
    };
    let policy = if skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    };
    let (outcome, _) = py
        .detach(|| {
            threatstat_workflow::features::run(&input, policy, &p, &out_dir, save_model.as_deref())
        })
        .map_err(boxed_to_py)?;
    serde_json::to_string(&outcome.metrics).map_err(to_py)
}

/// Registers this module's functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(features_run, m)?)?;
    Ok(())
}
