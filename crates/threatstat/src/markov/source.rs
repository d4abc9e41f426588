//! What the model commands share: the sessions read, the model fitted on
//! them or loaded from `--model`, the window options.

use super::BoxError;
use crate::args;
use clap::Args;
use std::path::{Path, PathBuf};
use threatstat_core::{Fit, ModelFile};
use threatstat_markov::io::read_sessions_jsonl;
use threatstat_markov::{MarkovModel, SessionFile, SessionType, WindowOptions};

/// The sessions and how to fit a model on them (`markov fit`).
#[derive(Args)]
pub struct FitSource {
    /// Sessions file (JSON Lines, as written by `sessionize`).
    #[arg(long = "input", alias = "sessions", value_name = "SESSIONS")]
    pub input: PathBuf,
    /// Session type: cmds, params or values (msticpy names also accepted).
    #[arg(long, value_parser = session_type)]
    pub session_type: Option<SessionType>,
    /// Parameters whose values are modelled (values type; overrides msticpy's heuristic).
    #[arg(long, value_delimiter = ',')]
    pub modellable_params: Option<Vec<String>>,
}

/// The sessions to score and the model to score them with: a saved model
/// (`--model`) or one fitted on the sessions (`--session-type`).
#[derive(Args)]
pub struct ModelSource {
    #[command(flatten)]
    pub fit: FitSource,
    /// Score with this saved model (from `markov fit`) instead of fitting on the sessions.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// No summary line on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
}

impl ModelSource {
    /// The files read: the sessions and the model, if any.
    pub fn inputs(&self) -> [Option<&Path>; 2] {
        [Some(&self.fit.input), self.model.as_deref()]
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

/// The sessions of `path` (at least one).
pub fn read_sessions(path: &Path) -> Result<SessionFile, BoxError> {
    let file = read_sessions_jsonl(path)?;
    if file.sessions.is_empty() {
        return Err(format!("{}: no sessions", path.display()).into());
    }
    Ok(file)
}

/// The model `src.fit` asks for, fitted on `file`.
pub fn fit_on(src: &FitSource, file: &SessionFile) -> Result<MarkovModel, BoxError> {
    let Some(t) = src.session_type else {
        return Err("give --session-type (cmds, params or values) to fit a model".into());
    };
    let mut p = MarkovModel::params().session_type(t);
    if let Some(mp) = &src.modellable_params {
        p = p.modellable_params(mp.iter().cloned());
    }
    Ok(p.fit(&file.sessions)?)
}

/// The sessions and the model: loaded from `--model`, or fitted.
pub fn load_and_model(src: &ModelSource) -> Result<(SessionFile, MarkovModel), BoxError> {
    let file = read_sessions(&src.fit.input)?;
    let Some(path) = &src.model else {
        if src.fit.session_type.is_none() {
            return Err("give --session-type (to fit on the sessions) or --model".into());
        }
        let model = fit_on(&src.fit, &file)?;
        return Ok((file, model));
    };
    let m = MarkovModel::load(path)?;
    if let Some(t) = src.fit.session_type.filter(|&t| t != m.session_type()) {
        return Err(format!(
            "--session-type {} does not match the model's type {}",
            t.msticpy_name(),
            m.session_type().msticpy_name()
        )
        .into());
    }
    if src.fit.modellable_params.is_some() {
        return Err("--modellable-params applies when fitting, not with --model".into());
    }
    Ok((file, m))
}
