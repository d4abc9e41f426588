//! `threatstat changepoint generate`: a CERT-format logon.csv with planted changes.

use super::Res;
use crate::args;
use crate::outputs::prepare;
use clap::Args;
use std::path::PathBuf;
use threatstat_datasets::cert::LogonGenerator;

pub const EXAMPLES: &str = "Examples:
  threatstat changepoint generate --users 200 --days 365 --planted 10 --out logon.csv --truth truth.json
  threatstat changepoint logons --input logon.csv --hours 18-7 --out users.csv";

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of users.
    #[arg(long, default_value_t = 200, value_parser = args::int::<usize>(1, 1_000_000))]
    users: usize,
    /// Number of days.
    #[arg(long, default_value_t = 500, value_parser = args::int::<u32>(1, 36_500))]
    days: u32,
    /// Users with a planted after-hours change.
    #[arg(long, default_value_t = 10, value_parser = args::int::<usize>(0, 1_000_000))]
    planted: usize,
    /// Seed (same seed, same file).
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Output logon.csv (a file).
    #[arg(long)]
    out: PathBuf,
    /// Output ground truth (a JSON file).
    #[arg(long)]
    truth: PathBuf,
    /// No summary line on stderr.
    #[arg(long)]
    pub(super) quiet: bool,
}

pub fn run(a: &GenerateArgs) -> Res {
    prepare(&[], &[Some(a.out.as_path()), Some(a.truth.as_path())], &[])?;
    let truth = LogonGenerator::new()
        .users(a.users)
        .days(a.days)
        .planted(a.planted)
        .seed(a.seed)
        .write_files(&a.out, &a.truth)?;
    if !a.quiet {
        eprintln!(
            "wrote {} rows ({} users, {} planted) -> {}, truth -> {}",
            truth.rows,
            a.users,
            truth.planted.len(),
            a.out.display(),
            a.truth.display()
        );
    }
    Ok(())
}
