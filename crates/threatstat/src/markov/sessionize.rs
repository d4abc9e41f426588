//! `threatstat markov sessionize`.

use super::{Res, report_skipped, sessionize_example};
use crate::args;
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_markov::io::EventColumns;
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_workflow::markov::{SessionizeRequest, sessionize_file};

pub const EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov sessionize --input data/msticpy/demo_exchange_data.csv \\\n      \
--user-cols UserId --time-col TimeGenerated --event-col Operation \\\n      \
--max-session-mins 60 --max-gap-mins 5 --skip-bad-rows --out - | head -3\n",
);

#[derive(Args)]
pub struct SessionizeArgs {
    /// Event CSV (gzip allowed).
    #[arg(long)]
    input: PathBuf,
    /// Comma-separated user-identifier columns (may be empty).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    user_cols: Vec<String>,
    /// Time column (ISO-8601).
    #[arg(long)]
    time_col: String,
    /// Command column.
    #[arg(long)]
    event_col: String,
    /// Parameters column (JSON).
    #[arg(long)]
    params_col: Option<String>,
    /// Maximum session length in minutes.
    #[arg(long, default_value_t = 20.0, value_parser = args::float(0.0, false, 1.5e8, false))]
    max_session_mins: f64,
    /// Maximum gap between consecutive events in minutes.
    #[arg(long, default_value_t = 2.0, value_parser = args::float(0.0, false, 1.5e8, false))]
    max_gap_mins: f64,
    /// Output sessions file (JSON Lines; `-` for standard output; .parquet or
    /// .arrow for the columnar layout of `markov convert`).
    #[arg(long)]
    out: PathBuf,
    /// Skip bad rows (counted and reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// No summary line on stderr (errors and the skipped-rows count still print).
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: SessionizeArgs) -> Res {
    prepare(&[Some(a.input.as_path())], &[Some(a.out.as_path())], &[])?;
    let r = SessionizeRequest {
        input: a.input.clone(),
        columns: EventColumns {
            user_cols: a.user_cols.into_iter().filter(|c| !c.is_empty()).collect(),
            time_col: a.time_col,
            event_col: a.event_col,
            params_col: a.params_col,
        },
        params: SessionizeParams::new(a.max_session_mins, a.max_gap_mins),
        out: a.out.clone(),
        bad_rows: if a.skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Error
        },
    };
    let o = sessionize_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.quiet {
        eprintln!(
            "{} events -> {} sessions -> {}",
            o.events,
            o.sessions,
            a.out.display()
        );
    }
    Ok(())
}
