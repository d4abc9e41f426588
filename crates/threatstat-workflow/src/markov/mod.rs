//! Markov session scoring end to end: each `threatstat markov` command is
//! one function here, taking a plain request (paths and options) and
//! returning what the command reports. The `exchange_sequences` experiment
//! and the notebook call the same functions.
//!
//! | command | function |
//! |---|---|
//! | `markov sessionize` | [`sessionize_file`] |
//! | `markov fit` | [`fit_file`] |
//! | `markov score` | [`score_file`] |
//! | `markov likelihood` | [`likelihood_file`] |
//! | `markov explain` | [`explain_session`] |
//! | `markov plot` | [`plot_timeline`] |
//!
//! Every reader of sessions takes a [`BadRowPolicy`](threatstat_core::BadRowPolicy):
//! bad lines stop the run naming file, line and field, or are skipped and
//! counted in the outcome's `skipped`.

mod explain;
mod fit;
mod likelihood;
mod score;
mod sessionize;
mod source;
mod timeline;

pub use explain::{ExplainOutcome, ExplainRequest, explain_session};
pub use fit::{FitOutcome, FitRequest, fit_file};
pub use likelihood::{LikelihoodOutcome, LikelihoodRequest, likelihood_file};
pub use score::{ScoreOutcome, ScoreRequest, ScoresFormat, score_file, score_file_as};
pub use sessionize::{SessionizeOutcome, SessionizeRequest, sessionize_file};
pub use source::{FitOptions, ModelSource, load_sessions, load_sessions_for};
pub use timeline::{plot_timeline, timeline_point};

use threatstat_core::Error;
use threatstat_markov::{MarkovError, SessionType};
use threatstat_plot::PlotError;

/// Why a Markov workflow failed.
#[derive(Debug, thiserror::Error)]
pub enum MarkovWorkflowError {
    /// Reading sessions or fitting failed.
    #[error(transparent)]
    Markov(#[from] MarkovError),
    /// Reading a file failed (the message names file, line and field).
    #[error(transparent)]
    Core(#[from] Error),
    /// The figure could not be written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A saved model was asked to score as another session type than it
    /// was fitted for.
    #[error(
        "session type {} does not match the model's type {}",
        .asked.msticpy_name(),
        .model.msticpy_name()
    )]
    SessionTypeMismatch {
        /// The session type asked for.
        asked: SessionType,
        /// The saved model's session type.
        model: SessionType,
    },
}
