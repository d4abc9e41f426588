//! `features score`: a saved fitted pipeline applied to a log.

use crate::Error;
use std::path::Path;
use threatstat_core::{BadRowPolicy, ModelFile, SkipReport};
use threatstat_features::entity::EntitySet;
use threatstat_features::fitted::{FittedPipeline, Scores};
use threatstat_features::log::AuthLog;

/// What [`score`] did.
#[derive(Debug)]
pub struct ScoreRun {
    /// The scores written.
    pub scores: Scores,
    /// Bad rows of the input skipped.
    pub skipped: SkipReport,
}

/// Loads the `threatstat-features` model file `model`, reads the
/// `CyberFLTenDays.csv`-format log `input` (bad rows as `bad_rows` says),
/// scores every session with enough observations
/// ([`FittedPipeline::score`]; `threshold` replaces the saved alert
/// threshold, in [0, 1]) and writes the tidy CSV
/// `session_id,time,label,score,flagged` to `out` (`-`: standard output).
/// An output that is the model or the input is refused before any work.
///
/// ```no_run
/// use std::path::Path;
/// use threatstat_core::BadRowPolicy;
/// let run = threatstat_workflow::features::score(
///     Path::new("model.json"), Path::new("events.csv"), BadRowPolicy::Error, None,
///     Path::new("scores.csv"),
/// ).unwrap();
/// println!("{} sessions scored, {} flagged", run.scores.len(), run.scores.n_flagged());
/// ```
pub fn score(
    model: &Path,
    input: &Path,
    bad_rows: BadRowPolicy,
    threshold: Option<f64>,
    out: &Path,
) -> Result<ScoreRun, Error> {
    if let Some(t) = threshold
        && !(0.0..=1.0).contains(&t)
    {
        return Err(threatstat_core::Error::param("threshold", t, "a number in [0, 1]").into());
    }
    threatstat_core::output::check(out)?;
    threatstat_core::output::ensure_distinct(&[model, input], &[out])?;
    let pipeline = FittedPipeline::load(model)?;
    let (log, skipped) = AuthLog::read(input, bad_rows)?;
    let mut scores = pipeline
        .score(&EntitySet::new(log))
        .map_err(|e| format!("{}: {e}", input.display()))?;
    if let Some(t) = threshold {
        scores.threshold = t;
    }
    scores.write_csv(out)?;
    Ok(ScoreRun { scores, skipped })
}
