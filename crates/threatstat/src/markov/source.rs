//! The arguments the model commands share: the sessions read, the model
//! fitted on them or loaded from `--model`, the window options; each turned
//! into the request fields of `threatstat_workflow::markov`.

use super::BoxError;
use crate::args;
use clap::Args;
use std::path::{Path, PathBuf};
use threatstat_core::BadRowPolicy;
use threatstat_markov::{SessionType, WindowOptions};
use threatstat_workflow::markov::{FitOptions, ModelSource};

/// The sessions file read (`markov convert`, and every model command).
#[derive(Args)]
pub struct SessionsInput {
    /// Sessions file: JSON Lines as written by `sessionize`, or Parquet/Arrow
    /// IPC (.parquet, .arrow) as written by `convert`.
    #[arg(long = "input", alias = "sessions", value_name = "SESSIONS")]
    pub input: PathBuf,
    /// Skip bad lines of a JSON Lines sessions file (counted and reported) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl SessionsInput {
    /// `--skip-bad-rows` as a policy.
    pub fn bad_rows(&self) -> BadRowPolicy {
        if self.skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Error
        }
    }
}

/// The sessions and how to fit a model on them (`markov fit`).
#[derive(Args)]
pub struct SessionsArgs {
    #[command(flatten)]
    pub file: SessionsInput,
    /// Session type: cmds, params or values (msticpy names also accepted).
    #[arg(long, value_parser = session_type)]
    pub session_type: Option<SessionType>,
    /// Parameters whose values are modelled (values type; overrides msticpy's heuristic).
    #[arg(long, value_delimiter = ',')]
    pub modellable_params: Option<Vec<String>>,
}

impl SessionsArgs {
    /// The sessions file.
    pub fn input(&self) -> &Path {
        &self.file.input
    }

    /// `--skip-bad-rows` as a policy.
    pub fn bad_rows(&self) -> BadRowPolicy {
        self.file.bad_rows()
    }

    /// The model to fit; `missing` is the error when `--session-type` is absent.
    pub fn fit_options(&self, missing: &str) -> Result<FitOptions, BoxError> {
        let Some(session_type) = self.session_type else {
            return Err(missing.into());
        };
        Ok(FitOptions {
            session_type,
            modellable_params: self.modellable_params.clone(),
        })
    }
}

/// The sessions to score and the model to score them with: a saved model
/// (`--model`) or one fitted on the sessions (`--session-type`).
#[derive(Args)]
pub struct ModelArgs {
    #[command(flatten)]
    pub sessions: SessionsArgs,
    /// Score with this saved model (from `markov fit`) instead of fitting on the sessions.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// No summary line on stderr (errors and the skipped-rows count still print).
    #[arg(long)]
    pub quiet: bool,
}

impl ModelArgs {
    /// The files read: the sessions and the model, if any.
    pub fn inputs(&self) -> [Option<&Path>; 2] {
        [Some(self.sessions.input()), self.model.as_deref()]
    }

    /// The model source the flags ask for.
    pub fn source(&self) -> Result<ModelSource, BoxError> {
        let s = &self.sessions;
        match &self.model {
            Some(_) if s.modellable_params.is_some() => {
                Err("--modellable-params applies when fitting, not with --model".into())
            }
            Some(path) => Ok(ModelSource::Saved {
                path: path.clone(),
                session_type: s.session_type,
            }),
            None => Ok(ModelSource::Fit(s.fit_options(
                "give --session-type (to fit on the sessions) or --model",
            )?)),
        }
    }
}

#[derive(Args)]
pub struct WindowArgs {
    /// Rarest-window length (events per window).
    #[arg(long, default_value_t = 3, value_parser = args::int::<usize>(1, 10_000))]
    pub window: usize,
    /// Do not use the start and end tokens.
    #[arg(long)]
    pub no_start_end_tokens: bool,
    /// Report window likelihoods to the power 1/window.
    #[arg(long)]
    pub geo_mean: bool,
}

impl WindowArgs {
    pub fn options(&self) -> WindowOptions {
        WindowOptions::new(self.window)
            .start_end_tokens(!self.no_start_end_tokens)
            .geo_mean(self.geo_mean)
    }
}

/// `--session-type`, checked when the arguments are parsed.
fn session_type(s: &str) -> Result<SessionType, String> {
    s.parse::<SessionType>().map_err(|_| {
        format!(
            "expected cmds, params or values (or msticpy's cmds_only, cmds_params_only, \
             cmds_params_values), found `{s}`"
        )
    })
}
