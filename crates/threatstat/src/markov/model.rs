//! `threatstat markov fit | score | likelihood | explain`.

use super::source::{FitSource, ModelSource, WindowArgs, fit_on, load_and_model, read_sessions};
use super::{Res, sessionize_example};
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_core::ModelFile;
use threatstat_markov::io::{write_likelihoods_csv, write_scores_csv};

pub const FIT_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov fit --input /tmp/sessions.jsonl --session-type values --out /tmp/model.json\n",
);
pub const SCORE_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov score --input /tmp/sessions.jsonl --session-type values --window 3 \
--out /tmp/scores.csv\n",
    "  threatstat markov fit --input /tmp/sessions.jsonl --session-type cmds --out /tmp/model.json\n",
    "  threatstat markov score --input /tmp/sessions.jsonl --model /tmp/model.json --log --out -\n",
);
pub const LIKELIHOOD_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov likelihood --input /tmp/sessions.jsonl --session-type cmds --out /tmp/lik.csv\n",
);
pub const EXPLAIN_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov explain --input /tmp/sessions.jsonl --session-type cmds --window 3 \
--session-id 157\n",
);

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    src: FitSource,
    /// Where to write the model (JSON file; `-` for standard output).
    #[arg(long = "out", alias = "model-out", value_name = "MODEL")]
    out: PathBuf,
    /// No summary line on stderr (errors still print).
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    src: ModelSource,
    #[command(flatten)]
    window: WindowArgs,
    /// Report natural-log likelihoods (no underflow on long sessions).
    #[arg(long)]
    log: bool,
    /// Output CSV file (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct LikelihoodArgs {
    #[command(flatten)]
    src: ModelSource,
    /// Do not use the start and end tokens.
    #[arg(long)]
    no_start_end_tokens: bool,
    /// Output CSV file (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    src: ModelSource,
    #[command(flatten)]
    window: WindowArgs,
    /// The session to explain (its session_id).
    #[arg(long)]
    session_id: u64,
}

pub fn fit(a: FitArgs) -> Res {
    prepare(
        &[Some(a.src.input.as_path())],
        &[Some(a.out.as_path())],
        &[],
    )?;
    let file = read_sessions(&a.src.input)?;
    let model = fit_on(&a.src, &file)?;
    model.save(&a.out)?;
    if !a.quiet {
        eprintln!(
            "fitted a {} model on {} sessions ({} events, {} commands) -> {}",
            model.session_type().msticpy_name(),
            file.sessions.len(),
            file.sessions.n_events(),
            model.counts().cmds.len(),
            a.out.display()
        );
    }
    Ok(())
}

pub fn score(a: ScoreArgs) -> Res {
    prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
    let (file, model) = load_and_model(&a.src)?;
    let o = a.window.options().keep_window_likelihoods(true);
    let scores = if a.log {
        model.rarest_windows_log(&file.sessions, &o)?
    } else {
        model.rarest_windows(&file.sessions, &o)?
    };
    write_scores_csv(&a.out, &file, &scores)?;
    if !a.src.quiet {
        let nan = scores.iter().filter(|s| s.likelihood.is_nan()).count();
        eprintln!(
            "scored {} sessions ({} without a full window of {}) -> {}",
            scores.len(),
            nan,
            a.window.window,
            a.out.display()
        );
    }
    Ok(())
}

pub fn likelihood(a: LikelihoodArgs) -> Res {
    prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
    let (file, model) = load_and_model(&a.src)?;
    let tokens = !a.no_start_end_tokens;
    let lik = model.session_likelihoods(&file.sessions, tokens)?;
    let geo = model.geomean_likelihoods(&file.sessions, tokens)?;
    let log = model.session_log_likelihoods(&file.sessions, tokens)?;
    write_likelihoods_csv(&a.out, &file, &lik, &geo, &log)?;
    if !a.src.quiet {
        eprintln!(
            "wrote likelihoods of {} sessions -> {}",
            lik.len(),
            a.out.display()
        );
    }
    Ok(())
}

pub fn explain(a: ExplainArgs) -> Res {
    let (file, model) = load_and_model(&a.src)?;
    let i = file
        .meta
        .iter()
        .position(|m| m.session_id == a.session_id)
        .ok_or_else(|| {
            format!(
                "no session with session_id {} in {}",
                a.session_id,
                a.src.fit.input.display()
            )
        })?;
    let e = model.explain(&file.sessions, i, &a.window.options())?;
    crate::print::print_json(&e)
}
