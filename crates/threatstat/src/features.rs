//! `threatstat features ...`: cutoff-time labels, DFS features and a random
//! forest on authentication sessions (the featuretools "predict malicious
//! cyber connections" demo), and a generator of its input format.

use crate::args;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, ModelFile};
use threatstat_datasets::lanl::{CyberFlOptions, LanlGenerator};
use threatstat_features::entity::EntitySet;
use threatstat_features::log::AuthLog;
use threatstat_features::pipeline::{Pipeline, Split};
use threatstat_workflow::features::write_figures;

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const RUN_EXAMPLES: &str = "Examples:
  threatstat features generate --users 500 --days 5 --out /tmp/cyberfl.csv
  threatstat features run --input /tmp/cyberfl.csv --trees 20 --folds 2 --out /tmp/features
  threatstat features run --input /tmp/cyberfl.csv --trees 20 --folds 2 --seed 7 --save-model /tmp/forest.json --out /tmp/features-7";

const GENERATE_EXAMPLES: &str = "Examples:
  threatstat features generate --out /tmp/cyberfl.csv
  threatstat features generate --users 500 --days 5 --seed 7 --out - | head";

#[derive(Subcommand)]
pub enum FeaturesCmd {
    /// Labels, features, forest, ROC/PR AUC; writes feature_matrix.csv,
    /// cutoffs.csv, features.csv, predictions.csv, metrics.json and figures
    /// into --out.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Write generated auth lines in the CyberFLTenDays.csv format.
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// CyberFLTenDays.csv-format file (gzip allowed).
    #[arg(long = "input", alias = "auth", value_name = "FILE")]
    auth: PathBuf,
    /// N: observations of a session before its cutoff.
    #[arg(long, default_value_t = 2, value_parser = args::int::<usize>(0, 1_000_000))]
    after_n: usize,
    /// L: observations between the cutoff and the label window.
    #[arg(long, default_value_t = 2, value_parser = args::int::<usize>(0, 1_000_000))]
    lead: usize,
    /// W: observations in the label window.
    #[arg(long = "label-window", alias = "window", default_value_t = 10, value_parser = args::int::<usize>(1, 1_000_000))]
    window: usize,
    /// DFS depth (1, 2 or 3).
    #[arg(long, default_value_t = 3, value_parser = args::int::<usize>(1, 3))]
    depth: usize,
    /// Seed of the split, forest, bootstrap and permutations.
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Trees in the forest.
    #[arg(long, default_value_t = 100, value_parser = args::int::<usize>(1, 100_000))]
    trees: usize,
    /// Cross-validation folds (0: none).
    #[arg(long, default_value_t = 5, value_parser = args::int::<usize>(0, 1000))]
    folds: usize,
    /// How sessions are split: `random` (the demo's: shuffled over the whole
    /// period, stratified folds, absolute-time features kept) or `time`
    /// (train on earlier cutoffs whose labels were known, test on the last
    /// --test-fraction; forward-chaining folds; absolute-time features left
    /// out). metrics.json says which was used.
    #[arg(long, value_enum, default_value_t = SplitArg::Random)]
    split: SplitArg,
    /// Fraction of cutoffs in the test set, in (0, 1).
    #[arg(long, default_value_t = 0.2, value_parser = args::open_unit())]
    test_fraction: f64,
    /// Alert threshold of the threshold report (score >= threshold flags a
    /// test session), in [0, 1]. Default: the threshold maximising F1 on
    /// out-of-fold scores of the training rows (inner folds of the same
    /// kind); 0.5 when there are no folds.
    #[arg(long, value_parser = args::float(0.0, false, 1.0, false))]
    threshold: Option<f64>,
    /// With --split time, train on every earlier cutoff, also those whose
    /// label is determined only in the test period (by default they are
    /// left out: a model trained at the start of the test period could not
    /// know those labels).
    #[arg(long)]
    no_purge: bool,
    /// Shuffles per feature for permutation importances (0: none, and no
    /// importance figure).
    #[arg(long, default_value_t = 3, value_parser = args::int::<usize>(0, 1000))]
    importance_repeats: usize,
    /// Skip (and count) bad rows instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Print only the metrics (no summary lines on stderr).
    #[arg(long)]
    quiet: bool,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Also save the forest fitted on the training rows to this file (a
    /// `threatstat-forest` model file: trees, imputation means, column names).
    #[arg(long, value_name = "PATH")]
    save_model: Option<PathBuf>,
}

/// The `--split` values.
#[derive(Clone, Copy, ValueEnum)]
pub enum SplitArg {
    /// Stratified, shuffled over the whole period (the demo's).
    Random,
    /// Earlier cutoffs train, later ones test.
    Time,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Output file.
    #[arg(long)]
    out: PathBuf,
    /// Users besides the red-team users.
    #[arg(long, default_value_t = 4000, value_parser = args::int::<usize>(0, 1_000_000))]
    users: usize,
    /// Days (1 to 3650).
    #[arg(long, default_value_t = 10, value_parser = args::int::<u32>(1, 3650))]
    days: u32,
    /// Probability of keeping a benign line.
    #[arg(long, default_value_t = 0.05, value_parser = args::float(0.0, false, 1.0, false))]
    benign_keep: f64,
    /// Failed-logon precursors per compromised user.
    #[arg(long, default_value_t = 2, value_parser = args::int::<u32>(0, 1000))]
    precursors: u32,
    /// Seed.
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// No summary on stderr (with `--out -`; errors still print).
    #[arg(long)]
    quiet: bool,
}

pub fn run(c: FeaturesCmd) -> Res {
    match c {
        FeaturesCmd::Run(a) => {
            let mut names = [
                "feature_matrix.csv",
                "cutoffs.csv",
                "features.csv",
                "predictions.csv",
                "metrics.json",
            ]
            .map(|n| a.out.join(n))
            .to_vec();
            names.extend(a.save_model.clone());
            threatstat_core::output::ensure_distinct(
                &[a.auth.as_path()],
                &names.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            )?;
            let policy = if a.skip_bad_rows {
                BadRowPolicy::Skip
            } else {
                BadRowPolicy::Error
            };
            let (log, skipped) = AuthLog::read(&a.auth, policy)?;
            if skipped.skipped > 0 && !a.quiet {
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
                split: match a.split {
                    SplitArg::Random => Split::Random,
                    SplitArg::Time => Split::Time,
                },
                test_fraction: a.test_fraction,
                threshold: a.threshold,
                purge: !a.no_purge,
                ..Pipeline::default()
            };
            // Too few sessions or cutoffs: a property of the input file.
            let mut outcome = p
                .run(&es)
                .map_err(|e| format!("{}: {e}", a.auth.display()))?;
            if policy == BadRowPolicy::Skip {
                outcome.metrics.skipped_rows = Some(skipped.skipped);
            }
            // manifest.json, written last, lists this run's files.
            let run = threatstat_core::manifest::Run::begin(&a.out)?;
            outcome.write(&a.out)?;
            write_figures(&outcome, &a.out)?;
            if let Some(path) = &a.save_model {
                outcome.model.save(path)?;
            }
            run.finish()?;
            let m = &outcome.metrics;
            if a.quiet {
                return crate::print::print_json(m);
            }
            eprintln!(
                "{} sessions, {} with too few observations; {} positive / {} negative cutoffs; {} features",
                m.n_sessions, m.n_too_few, m.n_pos, m.n_neg, m.n_features
            );
            eprintln!("split: {}", m.split_description);
            if let Some(note) = &m.roc_auc_ci_note {
                eprintln!("{note}");
            }
            for note in &m.cv_notes {
                eprintln!("{note}");
            }
            crate::print::print_json(m)?;
            Ok(())
        }
        FeaturesCmd::Generate(a) => {
            crate::outputs::prepare(&[], &[Some(a.out.as_path())], &[])?;
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
            let summary = serde_json::json!({
                "generated": s.generated, "written": s.written,
                "malicious": s.malicious, "precursors": s.precursors,
            });
            // With --out - the lines went to standard output: the summary
            // goes to standard error then, not into the data.
            if threatstat_core::output::resolve(&a.out)? == threatstat_core::output::Target::Stdout
            {
                if !a.quiet {
                    eprintln!("{summary}");
                }
                Ok(())
            } else {
                crate::print::print_line(&summary.to_string())
            }
        }
    }
}
