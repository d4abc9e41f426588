//! `threatstat features ...`: cutoff-time labels, DFS features and a random
//! forest on authentication sessions (the featuretools "predict malicious
//! cyber connections" demo), and a generator of its input format.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{CyberFlOptions, LanlGenerator};
use threatstat_experiments::lanl_auth_features::write_figures;
use threatstat_features::entity::EntitySet;
use threatstat_features::log::AuthLog;
use threatstat_features::pipeline::Pipeline;

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum FeaturesCmd {
    /// Labels, features, forest, ROC/PR AUC; writes feature_matrix.csv,
    /// cutoffs.csv, metrics.json and figures into --out.
    Run(RunArgs),
    /// Write generated auth lines in the CyberFLTenDays.csv format.
    Generate(GenerateArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// CyberFLTenDays.csv-format file (gzip allowed).
    #[arg(long)]
    auth: PathBuf,
    /// N: observations of a session before its cutoff.
    #[arg(long, default_value_t = 2)]
    after_n: usize,
    /// L: observations between the cutoff and the label window.
    #[arg(long, default_value_t = 2)]
    lead: usize,
    /// W: observations in the label window.
    #[arg(long, default_value_t = 10)]
    window: usize,
    /// DFS depth (1, 2 or 3).
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Seed of the split, forest, bootstrap and permutations.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Trees in the forest.
    #[arg(long, default_value_t = 100)]
    trees: usize,
    /// Cross-validation folds (0: none).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Shuffles per feature for permutation importances (0: none, and no
    /// importance figure).
    #[arg(long, default_value_t = 3)]
    importance_repeats: usize,
    /// Skip (and count) bad rows instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Users besides the red-team users.
    #[arg(long, default_value_t = 4000)]
    users: usize,
    /// Days.
    #[arg(long, default_value_t = 10)]
    days: u32,
    /// Probability of keeping a benign line.
    #[arg(long, default_value_t = 0.05)]
    benign_keep: f64,
    /// Failed-logon precursors per compromised user.
    #[arg(long, default_value_t = 2)]
    precursors: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(c: FeaturesCmd) -> Res {
    match c {
        FeaturesCmd::Run(a) => {
            let policy = if a.skip_bad_rows {
                BadRowPolicy::Skip
            } else {
                BadRowPolicy::Error
            };
            let (log, skipped) = AuthLog::read(&a.auth, policy)?;
            if skipped.skipped > 0 {
                eprintln!("{}: {skipped}", a.auth.display());
            }
            let es = EntitySet::new(log);
            let p = Pipeline {
                after_n: a.after_n,
                lead: a.lead,
                window: a.window,
                depth: a.depth,
                seed: a.seed,
                n_trees: a.trees,
                folds: a.folds,
                importance_repeats: a.importance_repeats,
                ..Pipeline::default()
            };
            let mut outcome = p.run(&es)?;
            if policy == BadRowPolicy::Skip {
                outcome.metrics.skipped_rows = Some(skipped.skipped);
            }
            outcome.write(&a.out)?;
            write_figures(&outcome, &a.out)?;
            let m = &outcome.metrics;
            eprintln!(
                "{} sessions, {} with too few observations; {} positive / {} negative cutoffs; {} features",
                m.n_sessions, m.n_too_few, m.n_pos, m.n_neg, m.n_features
            );
            println!("{}", serde_json::to_string_pretty(m)?);
            Ok(())
        }
        FeaturesCmd::Generate(a) => {
            let mut file = threatstat_core::atomic::AtomicFile::create(&a.out)?;
            let s = LanlGenerator::new()
                .users(a.users)
                .days(a.days)
                .seed(a.seed)
                .write_cyberfl(
                    &mut file,
                    CyberFlOptions {
                        benign_keep: a.benign_keep,
                        seed: a.seed,
                        precursors: a.precursors,
                        ..CyberFlOptions::default()
                    },
                )?;
            file.commit()?;
            println!(
                "{}",
                serde_json::json!({
                    "generated": s.generated, "written": s.written,
                    "malicious": s.malicious, "precursors": s.precursors,
                })
            );
            Ok(())
        }
    }
}
