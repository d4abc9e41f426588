//! `threatstat`: statistical tools for security-log analytics, from the
//! command line. Each subcommand is a thin layer over a library crate.

mod acf;
mod attack;
mod changepoint;
mod cloudtrail;
mod features;
mod kde;
mod lanl;
mod markov;
mod mwu;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Statistical tools for security-log analytics.
#[derive(Parser)]
#[command(name = "threatstat", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Markov-chain scoring of sessions (msticpy anomalous_sequence parity).
    #[command(subcommand)]
    Markov(markov::MarkovCmd),
    /// Bayesian Poisson changepoint of daily counts (exact posterior, MCMC, CERT logons).
    #[command(subcommand)]
    Changepoint(changepoint::ChangepointCmd),
    /// Mann-Whitney U test of two samples (SciPy conventions), effect sizes, Hodges-Lehmann.
    Mwu(mwu::MwuArgs),
    /// Gaussian kernel density estimate at given points.
    Kde(kde::KdeArgs),
    /// Autocorrelation and Ljung-Box test of one series.
    Acf(acf::AcfArgs),
    /// CloudTrail: automated-role detection.
    #[command(subcommand)]
    Cloudtrail(cloudtrail::CloudtrailCmd),
    /// MITRE ATT&CK tactic-chain models.
    #[command(subcommand)]
    Attack(attack::AttackCmd),
    /// LANL analyses.
    #[command(subcommand)]
    Lanl(lanl::LanlCmd),
    /// Session features (cutoff labels, DFS, random forest, ROC AUC).
    #[command(subcommand)]
    Features(features::FeaturesCmd),
    /// Run every analysis on the bundled data and write results/.
    Reproduce {
        /// Output directory.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Directory of the bundled data sets.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Markov(cmd) => markov::run(cmd),
        Command::Changepoint(cmd) => changepoint::run(cmd),
        Command::Mwu(a) => mwu::run(a),
        Command::Kde(a) => kde::run(a),
        Command::Acf(a) => acf::run(a),
        Command::Cloudtrail(c) => cloudtrail::run(c),
        Command::Attack(c) => attack::run(c),
        Command::Lanl(c) => lanl::run(c),
        Command::Features(c) => features::run(c),
        Command::Reproduce { out, data } => reproduce(&out, &data),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn reproduce(
    out: &std::path::Path,
    data: &std::path::Path,
) -> Result<(), threatstat_experiments::Error> {
    let t0 = std::time::Instant::now();
    let summary =
        threatstat_experiments::exchange_sequences::run(data, &out.join("exchange_sequences"))?;
    threatstat_experiments::report::write_index(out, &[summary])?;
    eprintln!(
        "reproduce: wrote {} in {:.2} s (open {} in a browser)",
        out.display(),
        t0.elapsed().as_secs_f64(),
        out.join("index.html").display()
    );
    Ok(())
}
