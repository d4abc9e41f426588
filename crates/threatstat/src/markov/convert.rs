//! `threatstat markov convert`: a sessions file as Parquet or Arrow IPC.

use super::source::SessionsInput;
use super::{Res, report_skipped, sessionize_example};
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_markov::columnar;
use threatstat_workflow::markov::load_sessions;

pub const EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov convert --input /tmp/sessions.jsonl --out /tmp/sessions.parquet\n",
    "  threatstat markov score --input /tmp/sessions.parquet --session-type cmds --out /tmp/scores.parquet\n",
);

#[derive(Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    src: SessionsInput,
    /// Output sessions file: .parquet (or .pq) for Parquet, .arrow (.feather,
    /// .ipc) for Arrow IPC; one row per event (README, "Columnar formats").
    #[arg(long)]
    out: PathBuf,
    /// No summary line on stderr (errors and the skipped-rows count still print).
    #[arg(long)]
    quiet: bool,
}

pub fn run(a: ConvertArgs) -> Res {
    if !columnar::is_columnar(&a.out) {
        return Err(format!(
            "--out {}: expected a .parquet, .pq, .arrow, .feather or .ipc file",
            a.out.display()
        )
        .into());
    }
    prepare(
        &[Some(a.src.input.as_path())],
        &[Some(a.out.as_path())],
        &[],
    )?;
    let (file, skipped) = load_sessions(&a.src.input, a.src.bad_rows())?;
    columnar::write_sessions(&a.out, &file)?;
    report_skipped(&a.src.input, &skipped);
    if !a.quiet {
        eprintln!(
            "{} sessions ({} events) -> {}",
            file.sessions.len(),
            file.sessions.n_events(),
            a.out.display()
        );
    }
    Ok(())
}
