//! What the model commands share: the sessions they read and the model they
//! score them with (fitted on the sessions, or a saved one).

use super::MarkovWorkflowError;
use std::path::{Path, PathBuf};
use threatstat_core::{BadRowPolicy, Error, Fit, ModelFile, SkipReport};
use threatstat_markov::columnar;
use threatstat_markov::io::{read_sessions_jsonl_for, read_sessions_jsonl_with};
use threatstat_markov::{MarkovError, MarkovModel, SessionFile, SessionSet, SessionType};

/// How to fit a model: the session type and, for `values` models, the
/// parameters whose values are modelled (msticpy's heuristic when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitOptions {
    /// The session type modelled.
    pub session_type: SessionType,
    /// Overrides msticpy's choice of modellable parameters.
    pub modellable_params: Option<Vec<String>>,
}

impl FitOptions {
    /// A model of `session_type` with msticpy's modellable parameters.
    pub fn new(session_type: SessionType) -> Self {
        FitOptions {
            session_type,
            modellable_params: None,
        }
    }

    /// The model these options describe, fitted on `sessions`.
    pub fn fit(&self, sessions: &SessionSet) -> Result<MarkovModel, MarkovError> {
        let mut p = MarkovModel::params().session_type(self.session_type);
        if let Some(mp) = &self.modellable_params {
            p = p.modellable_params(mp.iter().cloned());
        }
        p.fit(sessions)
    }
}

/// The model a command scores with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// Fitted on the sessions being scored (in-sample, as msticpy scores).
    Fit(FitOptions),
    /// A model saved by [`fit_file`](super::fit_file); when `session_type`
    /// is given it must be the model's.
    Saved {
        /// The model file.
        path: PathBuf,
        /// The session type the caller expects, if any.
        session_type: Option<SessionType>,
    },
}

impl ModelSource {
    /// The model file read, if any (to check it is not also an output).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ModelSource::Fit(_) => None,
            ModelSource::Saved { path, .. } => Some(path),
        }
    }

    /// The session type of the model, when it is known before the model
    /// is fitted or loaded: what the sessions must be read for.
    pub fn session_type(&self) -> Option<SessionType> {
        match self {
            ModelSource::Fit(o) => Some(o.session_type),
            ModelSource::Saved { session_type, .. } => *session_type,
        }
    }

    /// The model for `file`: fitted on its sessions, or loaded (and its
    /// session type checked).
    pub fn model_for(&self, file: &SessionFile) -> Result<MarkovModel, MarkovWorkflowError> {
        match self {
            ModelSource::Fit(o) => Ok(o.fit(&file.sessions)?),
            ModelSource::Saved { path, session_type } => {
                let m = MarkovModel::load(path)?;
                match session_type {
                    Some(asked) if *asked != m.session_type() => {
                        Err(MarkovWorkflowError::SessionTypeMismatch {
                            asked: *asked,
                            model: m.session_type(),
                        })
                    }
                    _ => Ok(m),
                }
            }
        }
    }
}

/// The sessions of a sessions file (JSON Lines, as `sessionize` writes it,
/// or Parquet/Arrow IPC by the extension, as `convert` writes it:
/// [`threatstat_markov::columnar`]),
/// at least one, with the count of bad lines skipped under
/// [`BadRowPolicy::Skip`].
pub fn load_sessions(
    path: &Path,
    policy: BadRowPolicy,
) -> Result<(SessionFile, SkipReport), MarkovWorkflowError> {
    load_sessions_for(path, policy, None)
}

/// [`load_sessions`] reading only what a model of `session_type` uses
/// (everything when `None`): see
/// [`read_sessions_jsonl_for`](threatstat_markov::io::read_sessions_jsonl_for).
pub fn load_sessions_for(
    path: &Path,
    policy: BadRowPolicy,
    session_type: Option<SessionType>,
) -> Result<(SessionFile, SkipReport), MarkovWorkflowError> {
    let (file, skipped) = match session_type {
        // A columnar file has no lines to skip: its errors are the file's.
        _ if columnar::is_columnar(path) => (
            columnar::read_sessions(path, session_type)?,
            SkipReport::default(),
        ),
        Some(t) => read_sessions_jsonl_for(path, policy, t)?,
        None => read_sessions_jsonl_with(path, policy)?,
    };
    if file.sessions.is_empty() {
        let what = path.display().to_string();
        // When every line was skipped, the report's examples say why.
        return Err(if skipped.skipped > 0 {
            Error::data(
                what,
                format!("no sessions left (every line was skipped; {skipped})"),
            )
        } else {
            Error::data(what, "no sessions")
        }
        .into());
    }
    Ok((file, skipped))
}
