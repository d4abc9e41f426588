//! Markov-chain scoring of sessions of log events, with msticpy
//! `anomalous_sequence` parity.
//!
//! Security analysts model sessions (Exchange cmdlets, CloudTrail calls,
//! process launches) as first-order Markov chains and flag sessions whose
//! rarest sliding window is unlikely. This crate reproduces msticpy 3.0.2's
//! numbers (likelihoods to 1e-15 relative, mostly bit for bit;
//! see `shared/specs/msticpy_anomalous_sequence.md` in the repository) and
//! goes beyond it:
//!
//! * fit once, score any sessions (unseen commands, parameters and values
//!   fall back to the unknown token) — msticpy scores only its training set;
//! * save and load fitted models (the shared `threatstat_core::ModelFile`:
//!   versioned JSON, format `threatstat-markov-model`);
//! * merge models fitted on disjoint parts of a log (`threatstat_core::Merge`),
//!   equal to a fit on the union;
//! * log-likelihoods that do not underflow on long sessions;
//! * parallel fitting and scoring (rayon) with output in input order;
//! * an explanation of a session's rarest window ([`MarkovModel::explain`]).
//!
//! ```
//! use threatstat_markov::prelude::*; // the types and the Fit/Merge/ModelFile traits
//! let mut sessions = SessionSet::new();
//! sessions.push_session([
//!     ("Set-User", vec![("Identity", Some("bob"))]),
//!     ("New-Mailbox", vec![("Name", Some("x")), ("Force", Some(""))]),
//! ]).unwrap();
//! sessions.push_session([("Set-User", vec![("Identity", Some("alice"))])]).unwrap();
//! let model = MarkovModel::params()
//!     .session_type(SessionType::CmdsParamsValues)
//!     .fit(&sessions)
//!     .unwrap();
//! let scores = model.rarest_windows(&sessions, &WindowOptions::new(2)).unwrap();
//! assert!(scores.iter().all(|s| s.likelihood > 0.0 && s.likelihood <= 1.0));
//! ```
//!
//! Differences from msticpy, all deliberate: a command, parameter or value
//! literally named `##START##`, `##END##` or `##UNK##` does not collide with
//! the tokens (msticpy quirk Q3); models can score sessions they were not
//! trained on.
//!
//! The crate speaks the toolkit's shared vocabulary (`threatstat_core::model`):
//! [`MarkovParams`] and [`sessionize::SessionizeParams`] are checked
//! (`ParamGuard`) before they fit or split, parameter errors are typed
//! (`threatstat_core::Error::Param`), fitted models and their [`Counts`]
//! merge (`Merge`), models save and load (`ModelFile`).

pub mod columnar;
mod counts;
mod file;
mod fit;
pub mod io;
mod model;
mod params;
mod scan;
mod score;
pub mod score_columns;
pub mod score_table;
mod session;
pub mod sessionize;
mod sessions_reader;
mod strpool;
mod tables;

pub use counts::Counts;
pub use file::{MODEL_FORMAT, MODEL_FORMAT_VERSION, MarkovFile};
pub use fit::{CheckedMarkovParams, MarkovParams};
pub use io::{SessionFile, SessionMeta};
pub use model::{END_TOKEN, MarkovModel, START_TOKEN, SessionType, UNK_TOKEN};
pub use score::{Explanation, RarestWindow, Step, WindowOptions};
pub use session::{EventRef, NO_VALUE, SessionSet};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum MarkovError {
    /// Reading or parsing input failed (the message names file, line, field).
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// A session with no events.
    #[error("session {index} has no events (sessions must be non-empty)")]
    EmptySession {
        /// 0-based index of the session.
        index: usize,
    },
}

/// `use threatstat_markov::prelude::*;`: the types a notebook needs and the
/// shared traits their methods come from (`fit`, `check`, `merge`,
/// `to_json`/`save`/`load`).
pub mod prelude {
    pub use crate::{
        Counts, MarkovError, MarkovModel, MarkovParams, RarestWindow, SessionSet, SessionType,
        WindowOptions,
    };
    pub use threatstat_core::{Fit, Merge, ModelFile, ParamGuard};
}
