//! `markov fit`: sessions in, a saved model out.

use super::{FitOptions, MarkovWorkflowError, load_sessions_for};
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, ModelFile, SkipReport};
use threatstat_markov::MarkovModel;

/// What to fit and where to save it.
#[derive(Debug, Clone)]
pub struct FitRequest {
    /// The sessions file (JSON Lines).
    pub input: PathBuf,
    /// The model to fit.
    pub fit: FitOptions,
    /// The model file to write (`-` for standard output).
    pub out: PathBuf,
    /// What to do with bad lines of `input`.
    pub bad_rows: BadRowPolicy,
}

/// What [`fit_file`] did.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    /// The fitted model (as saved).
    pub model: MarkovModel,
    /// Sessions fitted on.
    pub sessions: usize,
    /// Events in those sessions.
    pub events: usize,
    /// Bad lines skipped.
    pub skipped: SkipReport,
}

/// Fits a model on the sessions of `r.input` and saves it to `r.out`.
///
/// ```
/// use threatstat_markov::SessionType;
/// use threatstat_workflow::markov::{FitOptions, FitRequest, fit_file};
/// let dir = std::env::temp_dir();
/// let input = dir.join("threatstat-wf-doc-fit.jsonl");
/// std::fs::write(&input, "{\"cmds\": [\"A\", \"B\"]}\n{\"cmds\": [\"B\"]}\n").unwrap();
/// let r = FitRequest {
///     input,
///     fit: FitOptions::new(SessionType::Cmds),
///     out: dir.join("threatstat-wf-doc-model.json"),
///     bad_rows: Default::default(),
/// };
/// let o = fit_file(&r).unwrap();
/// assert_eq!((o.sessions, o.events, o.model.counts().cmds.len()), (2, 3, 2));
/// ```
pub fn fit_file(r: &FitRequest) -> Result<FitOutcome, MarkovWorkflowError> {
    let (file, skipped) = load_sessions_for(&r.input, r.bad_rows, Some(r.fit.session_type))?;
    let model = r.fit.fit(&file.sessions)?;
    model.save(&r.out)?;
    Ok(FitOutcome {
        model,
        sessions: file.sessions.len(),
        events: file.sessions.n_events(),
        skipped,
    })
}
