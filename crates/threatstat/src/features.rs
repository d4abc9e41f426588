//! `threatstat features ...`: cutoff-time labels, DFS features and a random
//! forest on authentication sessions (the featuretools "predict malicious
//! cyber connections" demo), scoring a log with a saved fitted pipeline,
//! and a generator of its input format.

use crate::args;
use crate::summary::{Summary, Table, clip, num};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{CyberFlOptions, LanlGenerator};
use threatstat_features::pipeline::{Outcome, Pipeline, Prediction, Split};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const RUN_EXAMPLES: &str = "Examples:
  threatstat features generate --users 500 --days 5 --out /tmp/cyberfl.csv
  threatstat features run --input /tmp/cyberfl.csv --trees 20 --folds 2 --out /tmp/features
  threatstat features run --input /tmp/cyberfl.csv --trees 20 --folds 2 --seed 7 --save-model /tmp/features-model.json --out /tmp/features-7";

const SCORE_EXAMPLES: &str = "Examples:
  threatstat features generate --users 500 --days 5 --out /tmp/cyberfl.csv
  threatstat features run --input /tmp/cyberfl.csv --trees 20 --folds 2 --save-model /tmp/features-model.json --out /tmp/features
  threatstat features generate --users 300 --days 3 --seed 9 --out /tmp/cyberfl-new.csv
  threatstat features score --model /tmp/features-model.json --input /tmp/cyberfl-new.csv --out /tmp/scores.csv
  threatstat features score --model /tmp/features-model.json --input /tmp/cyberfl-new.csv --threshold 0.5 --quiet --out - | head";

const GENERATE_EXAMPLES: &str = "Examples:
  threatstat features generate --out /tmp/cyberfl.csv
  threatstat features generate --users 500 --days 5 --seed 7 --out - | head";

#[derive(Subcommand)]
pub enum FeaturesCmd {
    /// Labels, features, forest, ROC/PR AUC; writes feature_matrix.csv,
    /// cutoffs.csv, features.csv, predictions.csv (out-of-fold scores),
    /// test_scores.csv (the test sessions' scores), metrics.json and figures
    /// into --out.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Score the sessions of a log with a pipeline saved by `features run
    /// --save-model`; writes session_id,time,label,score,flagged.
    #[command(after_help = SCORE_EXAMPLES)]
    Score(ScoreArgs),
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
    /// Print only the metrics (no summary on stderr).
    #[arg(long)]
    quiet: bool,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    columnar: crate::tables::ColumnarArgs,
    /// Also save the pipeline fitted on the training rows to this file (a
    /// `threatstat-features` model file: label and DFS settings, the fitted
    /// one-hot encoder, the forest and the alert threshold), which
    /// `features score` applies to new logs.
    #[arg(long, value_name = "PATH")]
    save_model: Option<PathBuf>,
}

#[derive(Args)]
pub struct ScoreArgs {
    /// A `threatstat-features` model file (from `features run --save-model`).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// CyberFLTenDays.csv-format file to score (gzip allowed). Sessions get
    /// the cutoffs the fit used (at least N+L+2 observations); categories
    /// not among the fitted levels, also unseen ones, count as `is unknown`.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Output CSV file (session_id,time,label,score,flagged); `-` for
    /// standard output.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Alert threshold in [0, 1] for the `flagged` column (default: the
    /// one saved with the model).
    #[arg(long, value_parser = args::float(0.0, false, 1.0, false))]
    threshold: Option<f64>,
    /// Skip (and count) bad rows instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Print nothing on standard error.
    #[arg(long)]
    quiet: bool,
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
            let (outcome, skipped) = a.columnar.around(
                &a.out,
                || {
                    threatstat_workflow::features::run(
                        &a.auth,
                        policy(a.skip_bad_rows),
                        &p,
                        &a.out,
                        a.save_model.as_deref(),
                    )
                },
                |c| {
                    let matrix = crate::tables::feature_matrix(&a.out)?;
                    c.convert(&a.out, "feature_matrix", &matrix)?;
                    c.convert(&a.out, "cutoffs", &crate::tables::feature_cutoffs())?;
                    c.convert(&a.out, "predictions", &crate::tables::feature_predictions())?;
                    c.convert(&a.out, "test_scores", &crate::tables::feature_test_scores())
                },
            )?;
            if skipped.skipped > 0 && !a.quiet {
                eprintln!("{}: {skipped}", a.auth.display());
            }
            summarise_run(&outcome, Summary::new(a.quiet));
            crate::print::print_json(&outcome.metrics)
        }
        FeaturesCmd::Score(a) => {
            let r = threatstat_workflow::features::score(
                &a.model,
                &a.input,
                policy(a.skip_bad_rows),
                a.threshold,
                &a.out,
            )?;
            if !a.quiet {
                if r.skipped.skipped > 0 {
                    eprintln!("{}: {}", a.input.display(), r.skipped);
                }
                let s = &r.scores;
                eprintln!(
                    "{} of {} sessions scored ({} with too few observations); {} flagged at \
                     threshold {}",
                    s.len(),
                    s.n_sessions,
                    s.n_too_few,
                    s.n_flagged(),
                    s.threshold
                );
            }
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

/// The terminal summary of `features run`: counts, split, the metrics as
/// a table, the highest out-of-fold scores, the notes.
fn summarise_run(o: &Outcome, s: Summary) {
    let m = &o.metrics;
    s.line(&format!(
        "{} sessions, {} with too few observations; {} positive / {} negative cutoffs; {} features",
        m.n_sessions, m.n_too_few, m.n_pos, m.n_neg, m.n_features
    ));
    s.line(&format!("split: {}", m.split_description));
    let opt = |x: Option<f64>| x.map_or_else(|| "-".to_string(), num);
    let mut t = Table::new(&["metric", "value", "on"]);
    let ci = m
        .roc_auc_ci
        .map(|[lo, hi]| format!(" [{}, {}]", num(lo), num(hi)))
        .unwrap_or_default();
    let test = format!("{} test cutoffs ({} positive)", m.n_test, m.n_test_pos);
    t.row(vec![
        "ROC AUC".into(),
        format!("{}{ci}", num(m.roc_auc)),
        test.clone(),
    ]);
    t.row(vec!["PR AUC".into(), num(m.pr_auc), test]);
    let oof = format!(
        "{} out-of-fold scores ({})",
        o.predictions.len(),
        m.cv_scheme
    );
    t.row(vec![
        "CV ROC AUC, pooled".into(),
        opt(m.cv_pooled_roc_auc),
        oof.clone(),
    ]);
    t.row(vec![
        "CV ROC AUC, fold mean".into(),
        opt(m.cv_roc_auc_mean),
        oof,
    ]);
    let th = &m.threshold;
    t.row(vec![
        format!("precision / recall at {}", num(th.threshold)),
        format!("{} / {}", opt(th.precision), opt(th.recall)),
        format!(
            "{} alerts, {} true ({})",
            th.true_positives + th.false_positives,
            th.true_positives,
            th.chosen_by
        ),
    ]);
    s.table(&t);
    let mut order: Vec<&Prediction> = o.predictions.iter().collect();
    order.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.row.cmp(&y.row)));
    let mut top = Table::new(&[
        "rank",
        "session_id",
        "user",
        "cutoff_time",
        "label",
        "score",
        "fold",
    ]);
    for (rank, p) in order.iter().take(5).enumerate() {
        let c = &o.labels.cutoffs[p.row];
        top.row(vec![
            (rank + 1).to_string(),
            clip(&o.features.row_ids[p.row], 40),
            clip(&o.users[p.row], 24),
            c.time.to_string(),
            c.label.to_string(),
            num(p.score),
            p.fold.clone(),
        ]);
    }
    if !top.is_empty() {
        s.line("highest out-of-fold scores (predictions.csv):");
        s.table(&top);
    }
    if let Some(note) = &m.roc_auc_ci_note {
        s.line(note);
    }
    for note in &m.cv_notes {
        s.line(note);
    }
}

fn policy(skip_bad_rows: bool) -> BadRowPolicy {
    if skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    }
}
