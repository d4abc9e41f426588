//! `threatstat markov plot`.

use super::{Res, sessionize_example};
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;

pub const EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov score --input /tmp/sessions.jsonl --session-type cmds --out /tmp/scores.csv\n",
    "  threatstat markov plot --input /tmp/scores.csv --sessions /tmp/sessions.jsonl \
--out /tmp/timeline.html\n",
);

#[derive(Args)]
pub struct PlotArgs {
    /// Scores CSV written by `markov score`.
    #[arg(long = "input", alias = "scores", value_name = "SCORES")]
    input: PathBuf,
    /// The sessions file that was scored (JSON Lines, or Parquet/Arrow IPC by the extension).
    #[arg(long)]
    sessions: PathBuf,
    /// Output figure file: .png, .svg or .html.
    #[arg(long)]
    out: PathBuf,
    /// Figure title.
    #[arg(long, default_value = "Rarest-window likelihood of each session")]
    title: String,
    /// No summary line on stderr (errors still print).
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: &PlotArgs) -> Res {
    threatstat_plot::check_output(&a.out, true)?;
    prepare(
        &[Some(a.input.as_path()), Some(a.sessions.as_path())],
        &[Some(a.out.as_path())],
        &[],
    )?;
    let r = threatstat_workflow::markov::plot_timeline(&a.input, &a.sessions, &a.title, &a.out)?;
    if !a.quiet {
        eprintln!(
            "plotted {} sessions ({} without a likelihood not drawn) -> {}",
            r.drawn,
            r.skipped,
            a.out.display()
        );
    }
    Ok(())
}
