//! `markov explain`: one session's rarest window, step by step.

use super::{MarkovWorkflowError, ModelSource, load_sessions};
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, Error, SkipReport};
use threatstat_markov::{Explanation, WindowOptions};

/// Which session to explain, with which model and window.
#[derive(Debug, Clone)]
pub struct ExplainRequest {
    /// The sessions file (JSON Lines).
    pub input: PathBuf,
    /// The model: fitted on the sessions or a saved one.
    pub model: ModelSource,
    /// The window.
    pub window: WindowOptions,
    /// The session to explain (its `session_id`).
    pub session_id: u64,
    /// What to do with bad lines of `input`.
    pub bad_rows: BadRowPolicy,
}

/// What [`explain_session`] found.
#[derive(Debug, Clone)]
pub struct ExplainOutcome {
    /// The explanation of the session's rarest window.
    pub explanation: Explanation,
    /// Bad lines skipped.
    pub skipped: SkipReport,
}

/// Explains the rarest window of session `r.session_id` of `r.input`: each
/// factor of its likelihood and the least likely step. A `session_id` not
/// in the file is an error naming the file.
///
/// ```
/// use threatstat_markov::{SessionType, WindowOptions};
/// use threatstat_workflow::markov::{ExplainRequest, FitOptions, ModelSource, explain_session};
/// let input = std::env::temp_dir().join("threatstat-wf-doc-explain.jsonl");
/// std::fs::write(&input, "{\"session_id\": 7, \"cmds\": [\"A\", \"B\"]}\n").unwrap();
/// let r = ExplainRequest {
///     input,
///     model: ModelSource::Fit(FitOptions::new(SessionType::Cmds)),
///     window: WindowOptions::new(2),
///     session_id: 7,
///     bad_rows: Default::default(),
/// };
/// assert_eq!(explain_session(&r).unwrap().explanation.steps.len(), 2);
/// ```
pub fn explain_session(r: &ExplainRequest) -> Result<ExplainOutcome, MarkovWorkflowError> {
    let (file, skipped) = load_sessions(&r.input, r.bad_rows)?;
    let model = r.model.model_for(&file)?;
    let i = file
        .meta
        .iter()
        .position(|m| m.session_id == r.session_id)
        .ok_or_else(|| {
            Error::data(
                r.input.display().to_string(),
                format!("no session with session_id {}", r.session_id),
            )
        })?;
    let explanation = model.explain(&file.sessions, i, &r.window)?;
    Ok(ExplainOutcome {
        explanation,
        skipped,
    })
}
