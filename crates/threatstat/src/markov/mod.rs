//! `threatstat markov ...`: one file per subcommand group.

mod convert;
mod model;
mod plot;
mod sessionize;
mod source;

use clap::Subcommand;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res = Result<(), BoxError>;

/// The first step of every example: the bundled msticpy demo log made
/// into sessions (the examples run from the repository root).
macro_rules! sessionize_example {
    () => {
        "  threatstat markov sessionize --input data/msticpy/demo_exchange_data.csv \\\n      \
--user-cols UserId,ClientIP --time-col TimeGenerated --event-col Operation \\\n      \
--params-col Parameters --out /tmp/sessions.jsonl\n"
    };
}
pub(crate) use sessionize_example;

/// Prints how many bad rows of `input` were skipped (with examples), when
/// any were: on stderr, even with `--quiet`.
fn report_skipped(input: &std::path::Path, skipped: &threatstat_core::SkipReport) {
    if skipped.skipped > 0 {
        eprintln!("{}: {skipped}", input.display());
    }
}

/// The summary line's note of skipped rows (empty when none were).
fn skipped_note(skipped: &threatstat_core::SkipReport) -> String {
    match skipped.skipped {
        0 => String::new(),
        n => format!("; {n} bad row(s) skipped"),
    }
}

#[derive(Subcommand)]
pub enum MarkovCmd {
    /// Split events of a CSV file into sessions (msticpy sessionize_data).
    #[command(after_help = sessionize::EXAMPLES)]
    Sessionize(sessionize::SessionizeArgs),
    /// Write a sessions file as Parquet or Arrow IPC (one row per event), which
    /// the model commands read faster than JSON Lines.
    #[command(after_help = convert::EXAMPLES)]
    Convert(convert::ConvertArgs),
    /// Fit a model on sessions and save it as JSON.
    #[command(after_help = model::FIT_EXAMPLES)]
    Fit(model::FitArgs),
    /// Score the rarest window of each session (msticpy compute_rarest_windows).
    #[command(after_help = model::SCORE_EXAMPLES)]
    Score(model::ScoreArgs),
    /// Likelihood, geometric mean and log-likelihood of each whole session.
    #[command(after_help = model::LIKELIHOOD_EXAMPLES)]
    Likelihood(model::LikelihoodArgs),
    /// Explain one session's rarest window step by step (JSON on stdout).
    #[command(after_help = model::EXPLAIN_EXAMPLES)]
    Explain(model::ExplainArgs),
    /// Timeline of rarest-window likelihoods (PNG, SVG or interactive HTML).
    #[command(after_help = plot::EXAMPLES)]
    Plot(plot::PlotArgs),
}

pub fn run(cmd: MarkovCmd) -> Res {
    match cmd {
        MarkovCmd::Sessionize(a) => sessionize::run(a),
        MarkovCmd::Convert(a) => convert::run(a),
        MarkovCmd::Fit(a) => model::fit(a),
        MarkovCmd::Score(a) => model::score(a),
        MarkovCmd::Likelihood(a) => model::likelihood(a),
        MarkovCmd::Explain(a) => model::explain(a),
        MarkovCmd::Plot(a) => plot::run(&a),
    }
}
