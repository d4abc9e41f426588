//! `threatstat`: statistical tools for security-log analytics, from the
//! command line. Each subcommand is a thin layer over a library crate.
//!
//! Nothing here prints to standard output with `print!`/`println!` (they
//! panic on a closed pipe or a full disk): results go through
//! `threatstat_core::stdout` or an `AtomicFile` on `-`.
#![deny(clippy::print_stdout)]

mod acf;
mod args;
mod attack;
mod changepoint;
mod cloudtrail;
mod deprecated;
mod features;
mod kde;
mod kde_method;
mod lanl;
mod markov;
mod mwu;
mod numbers_args;
mod outputs;
mod print;
mod reading;
mod summary;
mod tables;

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
        /// Run only these analyses (comma-separated names; default: all).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

impl Command {
    /// Whether main draws the reading bar: not for `lanl uploads` and
    /// `reproduce`, which draw their own bars, nor with `--quiet`. Every
    /// command spells it `--quiet` (README, "One CLI vocabulary"), so it is
    /// read once here from the parsed arguments (clap has already refused a
    /// `--quiet` where a command has none) instead of per command.
    fn reading_bar(&self, args: &[String]) -> bool {
        let quiet = args
            .iter()
            .take_while(|a| a.as_str() != "--")
            .any(|a| a == "--quiet");
        !quiet
            && !matches!(
                self,
                Command::Lanl(lanl::LanlCmd::Uploads(_)) | Command::Reproduce { .. }
            )
    }
}

/// On SIGINT or SIGTERM, removes the temporary files of outputs not yet
/// committed (a `lanl generate` can have hundreds of megabytes of them) and
/// exits with 128 + the signal number, as a shell reports a killed process.
///
/// signal-hook rather than ctrlc: its iterator tells which signal came (so
/// 130 for SIGINT, 143 for SIGTERM), and it runs the handler on an
/// ordinary thread, where removing files and taking a lock are safe.
#[cfg(unix)]
fn install_signal_handler() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    threatstat_core::cleanup::remove_all_and_exit(128 + sig);
                }
            });
        }
        Err(e) => eprintln!("warning: no signal handler ({e}); Ctrl-C may leave temporary files"),
    }
}

/// Elsewhere the temporary files of an interrupted run may stay.
#[cfg(not(unix))]
fn install_signal_handler() {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for note in deprecated::notes(&args, deprecated::RENAMED) {
        eprintln!("{note}");
    }
    install_signal_handler();
    let bar = if cli.command.reading_bar(&args) {
        reading::ReadingBar::start()
    } else {
        None
    };
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
        Command::Reproduce {
            out,
            data,
            only,
            quiet,
        } => reproduce(&out, &data, &only, quiet),
    };
    if let Some(b) = bar {
        b.finish();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of a pipe went away (`| head`): it wanted no more.
        Err(e) if threatstat_core::stdout::closed() || is_broken_pipe(e.as_ref()) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    threatstat_core::stdout::is_broken_pipe(e)
}

/// Runs every analysis (or those in `only`), writes `out/index.html`, and
/// fails when any analysis failed (the others still run and are reported).
fn reproduce(
    out: &std::path::Path,
    data: &std::path::Path,
    only: &[String],
    quiet: bool,
) -> Result<(), threatstat_experiments::Error> {
    use threatstat_experiments::{report, suite};
    let t0 = std::time::Instant::now();
    if !data.is_dir() {
        return Err(format!(
            "{}: no such directory (run from the repository root, or pass --data DIR)",
            data.display()
        )
        .into());
    }
    let outcomes = suite::run(&suite::analyses(), only, data, out, !quiet)?;
    let mut summaries = Vec::new();
    let mut failures = Vec::new();
    for o in outcomes {
        match o.result {
            Ok(s) => summaries.push(s),
            Err(error) => failures.push(report::Failure {
                name: o.name.to_string(),
                error,
            }),
        }
    }
    report::write_index(out, &summaries, &failures)?;
    eprintln!(
        "reproduce: {} of {} analyses succeeded in {:.1} s; open {} in a browser",
        summaries.len(),
        summaries.len() + failures.len(),
        t0.elapsed().as_secs_f64(),
        out.join("index.html").display()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        let names: Vec<_> = failures.iter().map(|f| f.name.as_str()).collect();
        Err(format!("failed: {}", names.join(", ")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether main would draw the reading bar for `args`.
    fn bar(args: &str) -> bool {
        let argv: Vec<String> = args.split_whitespace().map(String::from).collect();
        let cli =
            Cli::try_parse_from(std::iter::once("threatstat".to_string()).chain(argv.clone()))
                .unwrap_or_else(|e| panic!("{args}: {e}"));
        cli.command.reading_bar(&argv)
    }

    #[test]
    fn quiet_hides_the_reading_bar() {
        for cmd in [
            "changepoint fit --input c.csv --out p.json",
            "changepoint logons --input logon.csv --out u.csv",
            "acf --input s.txt",
            "kde --input x.txt --at 1",
            "mwu --x a.txt --y b.txt",
            "markov score --input s.jsonl --session-type cmds --out x.csv",
            "features run --input auth.txt --out d",
            "cloudtrail automation --input logs --out d",
        ] {
            assert!(bar(cmd), "{cmd}");
            assert!(!bar(&format!("{cmd} --quiet")), "{cmd} --quiet");
        }
        assert!(!bar("reproduce"));
    }
}
