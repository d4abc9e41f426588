//! `threatstat cloudtrail ...`: automated-role detection in CloudTrail logs.
//!
//! `automation` reads CloudTrail files (the workshop notebook's CSV or
//! CloudTrail JSON, gzip allowed, directories walked), builds each
//! (principal, API) pair's zero-filled series of calls per day (or hour),
//! scores every pair with the notebook's rule or the Ljung–Box test
//! (permutation p-values, valid on sparse pairs) with Benjamini–Hochberg
//! control, and writes `pairs.csv` (ranked), a figure per
//! flagged pair and `summary.json`. With `--truth` (from `generate`) it
//! also reports precision and recall.
//!
//! `generate` writes a seeded multi-week log (CloudTrail JSON, one file per
//! day, and the notebook CSV) with human and automated principals, and its
//! ground truth.

use crate::args;
use crate::summary::{Summary, Table, clip, clip_start, num};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use threatstat_acf::automation::{PValues, Rule};
use threatstat_core::BadRowPolicy;
use threatstat_datasets::cert::parse_day;
use threatstat_datasets::cloudtrail::{
    ApiKey, Bucket, CloudTrailGenerator, InputFormat, PrincipalKey, TimeZones, Window,
};
use threatstat_workflow::automation::{self, AutomationError, AutomationParams};

const AUTOMATION_EXAMPLES: &str = "Examples:
  # A generated 8-week log, then the Ljung-Box rule (FDR 5%) scored against its truth
  threatstat cloudtrail generate --out ct-log
  threatstat cloudtrail automation --input ct-log/cloudtrail --rule ljung-box --truth ct-log/truth.json --out ct-out
  # The notebook's rule on the notebook CSV, two weeks only, no figures
  threatstat cloudtrail automation --input ct-log/cloudtrail.csv --dates 2024-01-08..2024-01-21 --figures none --out ct-out";

const GENERATE_EXAMPLES: &str = "Examples:
  # 8 weeks, 12 people, 6 scheduled jobs (seed 1)
  threatstat cloudtrail generate --out ct-log
  # 4 weeks, gzipped JSON as CloudTrail delivers it, another seed
  threatstat cloudtrail generate --days 28 --gzip --seed 7 --out ct-log";

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum CloudtrailCmd {
    /// Rank (principal, API) pairs by evidence of automation.
    #[command(after_help = AUTOMATION_EXAMPLES)]
    Automation(AutomationArgs),
    /// Write a generated multi-week CloudTrail log (JSON per day + notebook CSV) and its truth.
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuleArg {
    /// max |pandas autocorr| over lags 1..=LAGS >= THRESHOLD (the notebook's rule).
    Notebook,
    /// Ljung-Box test at LAGS, Benjamini-Hochberg q-value <= FDR.
    LjungBox,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PValuesArg {
    /// Permutation p-values of Q: valid at any count (sparse pairs included).
    Permutation,
    /// statsmodels' chi-square p-values: fast, but far too small on sparse pairs.
    Chi2,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrincipalArg {
    /// The issuing role for AssumedRole records, userIdentity.arn otherwise.
    Role,
    /// userIdentity.arn as is (the CSV's arn column is always this).
    Arn,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiArg {
    /// eventName.
    Name,
    /// eventSource:eventName.
    SourceName,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// JSON if a file starts with `{` or `[`, CSV otherwise.
    Auto,
    /// The notebook's CSV (eventtime, arn, eventname).
    Csv,
    /// CloudTrail JSON ({"Records": [...]}, an array, or JSON Lines).
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FigureArg {
    /// PNG.
    Png,
    /// SVG.
    Svg,
    /// Both.
    Both,
    /// No figures.
    None,
}

#[derive(Args)]
pub struct AutomationArgs {
    /// CloudTrail files (notebook CSV or JSON, gzip allowed) or directories
    /// (walked recursively for *.json, *.jsonl, *.csv, optionally .gz).
    #[arg(long, num_args = 1.., required = true)]
    pub input: Vec<PathBuf>,
    /// notebook (max |acf| over lags 1-LAGS >= THRESHOLD) or ljung-box (with Benjamini-Hochberg).
    #[arg(long, value_enum, default_value = "notebook")]
    pub rule: RuleArg,
    /// Lags of the rule [default: 7 by day, 168 (a week) by hour].
    #[arg(long, value_parser = args::int::<usize>(1, 100_000))]
    pub lags: Option<usize>,
    /// Threshold on max |autocorrelation| of the notebook rule.
    #[arg(long, default_value_t = 0.5, value_parser = args::float(0.0, false, 1.0, false))]
    pub threshold: f64,
    /// False discovery rate of the Ljung-Box rule: with permutation p-values the
    /// expected share of flagged pairs with no autocorrelation is at most FDR
    /// (on simulated sparse pairs with no automation at all, 22 of 400 runs flagged anything at 0.05).
    #[arg(long, default_value_t = 0.05, value_parser = args::float(0.0, true, 1.0, false))]
    pub fdr: f64,
    /// p-values of the Ljung-Box rule: permutation (valid on sparse counts) or chi2
    /// (statsmodels; on sparse pairs its tail is orders of magnitude too small and
    /// FDR control fails).
    #[arg(long, value_enum, default_value = "permutation")]
    pub p_values: PValuesArg,
    /// Seed of the permutations (same seed and input, same flags).
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    pub seed: u64,
    /// Count calls per hour instead of per day.
    #[arg(long)]
    pub hourly: bool,
    /// Which identity is the principal of a JSON record.
    #[arg(long, value_enum, default_value = "role")]
    pub principal: PrincipalArg,
    /// What names the API.
    #[arg(long, value_enum, default_value = "name")]
    pub api: ApiArg,
    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Observation dates FIRST..LAST (UTC days, inclusive) [default: first to last day with a record].
    #[arg(long, alias = "window", value_name = "FIRST..LAST")]
    pub dates: Option<String>,
    /// Reject event times that are not UTC instead of converting them.
    #[arg(long)]
    pub require_utc: bool,
    /// Skip bad records (counted and reported) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Figures of flagged pairs: png, svg, both or none.
    #[arg(long, value_enum, default_value = "png")]
    pub figures: FigureArg,
    /// Draw at most this many flagged pairs (the top-ranked).
    #[arg(long, default_value_t = 50, value_parser = args::int::<usize>(0, 100_000))]
    pub max_figures: usize,
    /// Ground truth of a generated log: adds precision and recall to summary.json.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Output directory (created if needed): pairs.csv, figures/, summary.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub columnar: crate::tables::ColumnarArgs,
    /// No summary lines on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of days.
    #[arg(long, default_value_t = 56, value_parser = args::int::<u32>(1, 3650))]
    pub days: u32,
    /// First day (YYYY-MM-DD).
    #[arg(long, default_value = "2024-01-01")]
    pub start: String,
    /// Number of people (at most 26).
    #[arg(long, default_value_t = 12, value_parser = args::int::<usize>(0, 26))]
    pub humans: usize,
    /// Number of scheduled jobs (automated roles).
    #[arg(long, default_value_t = 6, value_parser = args::int::<usize>(0, 1000))]
    pub automated: usize,
    /// Seed (same seed, same files).
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    pub seed: u64,
    /// Gzip the JSON files (as CloudTrail delivers them).
    #[arg(long)]
    pub gzip: bool,
    /// Output directory: cloudtrail/ (JSON per day), cloudtrail.csv, truth.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No summary line on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(c: CloudtrailCmd) -> Res {
    match c {
        CloudtrailCmd::Automation(a) => automation(&a),
        CloudtrailCmd::Generate(a) => generate(&a),
    }
}

fn generate(a: &GenerateArgs) -> Res {
    let log = CloudTrailGenerator::new()
        .start_day(parse_day(&a.start)?)
        .days(a.days)
        .humans(a.humans)
        .automated(a.automated)
        .seed(a.seed)
        .gzip(a.gzip)
        .generate()?;
    let run = threatstat_core::manifest::Run::begin(&a.out)?;
    let files = log.write_dir(&a.out)?;
    run.finish()?;
    let t = log.truth();
    if a.quiet {
        return Ok(());
    }
    eprintln!(
        "wrote {} records ({} to {}, {} people, {} automated pairs) -> {} ({} JSON files in cloudtrail/, cloudtrail.csv, truth.json)",
        t.records,
        t.first_date,
        t.last_date,
        t.humans.len(),
        t.automated.len(),
        a.out.display(),
        files.len()
    );
    Ok(())
}

/// The workflow's settings from the arguments.
fn params(
    a: &AutomationArgs,
) -> Result<AutomationParams, Box<dyn std::error::Error + Send + Sync>> {
    let lags = a.lags.unwrap_or(if a.hourly { 168 } else { 7 });
    let rule = match a.rule {
        RuleArg::Notebook => Rule::Notebook {
            lags,
            threshold: a.threshold,
        },
        RuleArg::LjungBox => Rule::LjungBox {
            lags,
            fdr: a.fdr,
            p_values: match a.p_values {
                PValuesArg::Permutation => PValues::Permutation { seed: a.seed },
                PValuesArg::Chi2 => PValues::ChiSquare,
            },
        },
    };
    let dates = a
        .dates
        .as_deref()
        .map(str::parse::<Window>)
        .transpose()
        .map_err(|e| format!("--dates: {e}"))?;
    Ok(AutomationParams {
        rule,
        bucket: if a.hourly { Bucket::Hour } else { Bucket::Day },
        principal: match a.principal {
            PrincipalArg::Role => PrincipalKey::Role,
            PrincipalArg::Arn => PrincipalKey::Arn,
        },
        api: match a.api {
            ApiArg::Name => ApiKey::EventName,
            ApiArg::SourceName => ApiKey::SourceAndName,
        },
        format: match a.format {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Csv => InputFormat::Csv,
            FormatArg::Json => InputFormat::Json,
        },
        dates,
        time_zones: if a.require_utc {
            TimeZones::RequireUtc
        } else {
            TimeZones::Convert
        },
        bad_rows: if a.skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Error
        },
        figure_formats: match a.figures {
            FigureArg::Png => vec!["png"],
            FigureArg::Svg => vec!["svg"],
            FigureArg::Both => vec!["png", "svg"],
            FigureArg::None => vec![],
        },
        max_figures: a.max_figures,
        truth: a.truth.clone(),
    })
}

fn automation(a: &AutomationArgs) -> Res {
    let params = params(a)?;
    let done = a.columnar.around(
        &a.out,
        || automation::run(&a.input, &params, &a.out),
        |c| c.convert(&a.out, "pairs", &crate::tables::cloudtrail_pairs()),
    );
    match done {
        Ok(report) => {
            let s = Summary::new(a.quiet);
            for note in &report.notes {
                s.line(note);
            }
            s.table(&top_pairs(&report));
            Ok(())
        }
        // Threshold and FDR are range-checked by clap; what is left is --lags.
        Err(e) => match e.downcast::<AutomationError>() {
            Ok(e) if matches!(*e, AutomationError::TooFewPeriods { .. }) => {
                Err(format!("--lags: {e}").into())
            }
            Ok(e) => Err(e),
            Err(e) => Err(e),
        },
    }
}

/// The ten pairs ranked first (flagged first, then by score), as pairs.csv
/// ranks them.
fn top_pairs(r: &automation::AutomationReport) -> Table {
    let mut t = Table::new(&[
        "rank",
        "principal",
        "api",
        "flagged",
        "score",
        "max_abs_acf",
        "best_lag",
        "p_value",
    ]);
    for (k, d) in r.detections.iter().take(10).enumerate() {
        t.row(vec![
            (k + 1).to_string(),
            clip_start(&d.principal, 40),
            clip(&d.api, 32),
            d.flagged.to_string(),
            num(d.score),
            num(d.max_abs_acf),
            d.best_lag.to_string(),
            num(d.p_value),
        ]);
    }
    t
}
