//! `threatstat markov sessionize`.

use super::{Res, sessionize_example};
use crate::args;
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, ParamGuard};
use threatstat_markov::io::{EventColumns, read_events_csv, write_sessions_jsonl};
use threatstat_markov::sessionize::SessionizeParams;

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
    /// Output sessions file (JSON Lines; `-` for standard output).
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
    let cols = EventColumns {
        user_cols: a
            .user_cols
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        time_col: a.time_col,
        event_col: a.event_col,
        params_col: a.params_col,
    };
    let policy = if a.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    };
    let params = SessionizeParams::new(a.max_session_mins, a.max_gap_mins).check()?;
    prepare(&[Some(a.input.as_path())], &[Some(a.out.as_path())], &[])?;
    let (log, skipped) = read_events_csv(&a.input, &cols, policy)?;
    if skipped.skipped > 0 {
        eprintln!("{}: {skipped}", a.input.display());
    }
    // A header and nothing usable is a wrong file, not an empty result.
    if log.times.is_empty() {
        let why = if skipped.skipped > 0 {
            " left (every row was skipped)"
        } else {
            ""
        };
        return Err(format!("{}: no data rows{why}", a.input.display()).into());
    }
    // Written straight from the events and the split: no session set or
    // metadata of the whole file in memory.
    let sessions = params.split(&log.users, &log.times)?;
    write_sessions_jsonl(&a.out, &log, &sessions)?;
    if !a.quiet {
        eprintln!(
            "{} events -> {} sessions -> {}",
            log.times.len(),
            sessions.len(),
            a.out.display()
        );
    }
    Ok(())
}
