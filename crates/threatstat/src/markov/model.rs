//! `threatstat markov fit | score | likelihood | explain`.

use super::source::{ModelArgs, SessionsArgs, WindowArgs};
use super::{Res, report_skipped, sessionize_example, skipped_note};
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_workflow::markov::{
    ExplainRequest, FitRequest, LikelihoodRequest, ScoreRequest, explain_session, fit_file,
    likelihood_file, score_file,
};

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
    src: SessionsArgs,
    /// Where to write the model (JSON file; `-` for standard output).
    #[arg(long = "out", alias = "model-out", value_name = "MODEL")]
    out: PathBuf,
    /// No summary line on stderr (errors and the skipped-rows count still print).
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    src: ModelArgs,
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
    src: ModelArgs,
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
    src: ModelArgs,
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
    let r = FitRequest {
        fit: a
            .src
            .fit_options("give --session-type (cmds, params or values) to fit a model")?,
        input: a.src.input.clone(),
        out: a.out.clone(),
        bad_rows: a.src.bad_rows(),
    };
    let o = fit_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.quiet {
        eprintln!(
            "fitted a {} model on {} sessions ({} events, {} commands{}) -> {}",
            o.model.session_type().msticpy_name(),
            o.sessions,
            o.events,
            o.model.counts().cmds.len(),
            skipped_note(&o.skipped),
            a.out.display()
        );
    }
    Ok(())
}

pub fn score(a: ScoreArgs) -> Res {
    prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
    let r = ScoreRequest {
        input: a.src.sessions.input.clone(),
        model: a.src.source()?,
        window: a.window.options(),
        log: a.log,
        out: a.out.clone(),
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = score_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.src.quiet {
        eprintln!(
            "scored {} sessions ({} without a full window of {}{}) -> {}",
            o.scores.len(),
            o.without_window,
            a.window.window,
            skipped_note(&o.skipped),
            a.out.display()
        );
    }
    Ok(())
}

pub fn likelihood(a: LikelihoodArgs) -> Res {
    prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
    let r = LikelihoodRequest {
        input: a.src.sessions.input.clone(),
        model: a.src.source()?,
        start_end_tokens: !a.no_start_end_tokens,
        out: a.out.clone(),
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = likelihood_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.src.quiet {
        eprintln!(
            "wrote likelihoods of {} sessions{} -> {}",
            o.sessions,
            skipped_note(&o.skipped),
            a.out.display()
        );
    }
    Ok(())
}

pub fn explain(a: ExplainArgs) -> Res {
    let r = ExplainRequest {
        input: a.src.sessions.input.clone(),
        model: a.src.source()?,
        window: a.window.options(),
        session_id: a.session_id,
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = explain_session(&r)?;
    report_skipped(&r.input, &o.skipped);
    crate::print::print_json(&o.explanation)
}
