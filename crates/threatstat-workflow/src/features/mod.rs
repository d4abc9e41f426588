//! The `features` analyses: evaluate the cutoff-time label, DFS and random
//! forest pipeline on an authentication log (its files, figures and fitted
//! model), and score a log with a saved fitted pipeline. The CLI's
//! `features run` and `features score`, the `lanl_auth_features`
//! experiment and its notebook call these.

mod figures;
mod score;

pub use figures::{TOP_FEATURES, write_figures};
pub use score::{ScoreRun, score};

use crate::Error;
use std::path::Path;
use threatstat_core::{BadRowPolicy, ModelFile, SkipReport};
use threatstat_features::entity::EntitySet;
use threatstat_features::log::AuthLog;
use threatstat_features::pipeline::{Outcome, Pipeline};

/// The files [`evaluate`] writes into its directory (besides figures).
pub const RUN_FILES: [&str; 6] = [
    "feature_matrix.csv",
    "cutoffs.csv",
    "features.csv",
    "predictions.csv",
    "test_scores.csv",
    "metrics.json",
];

/// Runs `pipeline` on `es` and writes its files ([`Outcome::write`]) and,
/// with `figures`, its figures ([`write_figures`]) into `out_dir`; returns
/// the outcome and the figure file names.
pub fn evaluate(
    es: &EntitySet,
    pipeline: &Pipeline,
    out_dir: &Path,
    figures: bool,
) -> Result<(Outcome, Vec<String>), Error> {
    let outcome = pipeline.run(es)?;
    outcome.write(out_dir)?;
    let files = if figures {
        write_figures(&outcome, out_dir)?
    } else {
        Vec::new()
    };
    Ok((outcome, files))
}

/// `features run`: reads the `CyberFLTenDays.csv`-format log `input`
/// (bad rows as `bad_rows` says), evaluates `pipeline` on it into `out_dir`
/// ([`evaluate`], with figures and a `manifest.json` written last) and,
/// with `save_model`, saves the pipeline fitted on the training rows there
/// (a `threatstat-features` model file that [`score`] applies). Outputs
/// that are the input are refused before any work; an error of the run
/// names the input.
pub fn run(
    input: &Path,
    bad_rows: BadRowPolicy,
    pipeline: &Pipeline,
    out_dir: &Path,
    save_model: Option<&Path>,
) -> Result<(Outcome, SkipReport), Error> {
    let mut outputs: Vec<_> = RUN_FILES.iter().map(|n| out_dir.join(n)).collect();
    outputs.extend(save_model.map(Path::to_path_buf));
    threatstat_core::output::ensure_distinct(
        &[input],
        &outputs.iter().map(|p| p.as_path()).collect::<Vec<_>>(),
    )?;
    let (log, skipped) = AuthLog::read(input, bad_rows)?;
    let es = EntitySet::new(log);
    // Too few sessions or cutoffs: a property of the input file.
    let mut outcome = pipeline
        .run(&es)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    if bad_rows == BadRowPolicy::Skip {
        outcome.metrics.skipped_rows = Some(skipped.skipped);
    }
    // manifest.json, written last, lists this run's files.
    let manifest = threatstat_core::manifest::Run::begin(out_dir)?;
    outcome.write(out_dir)?;
    write_figures(&outcome, out_dir)?;
    if let Some(path) = save_model {
        outcome.model.save(path)?;
    }
    manifest.finish()?;
    Ok((outcome, skipped))
}
