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
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use threatstat_acf::automation::{PValues, Rule, detect};
use threatstat_core::BadRowPolicy;
use threatstat_core::atomic::{AtomicFile, write_atomically};
use threatstat_datasets::cert::parse_day;
use threatstat_datasets::cloudtrail::{
    ApiKey, Bucket, CloudTrailGenerator, CloudTrailLoader, CloudTrailTruth, InputFormat,
    PairCounts, PrincipalKey, TimeZones, Window,
};

use threatstat_experiments::cloudtrail_automation as ct;

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum CloudtrailCmd {
    /// Rank (principal, API) pairs by evidence of automation.
    Automation(AutomationArgs),
    /// Write a generated multi-week CloudTrail log (JSON per day + notebook CSV) and its truth.
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
    #[arg(long, default_value_t = threatstat_acf::permutation::DEFAULT_SEED)]
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
    /// Observation window FIRST..LAST (UTC days, inclusive) [default: first to last day with a record].
    #[arg(long)]
    pub window: Option<String>,
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
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
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
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Gzip the JSON files (as CloudTrail delivers them).
    #[arg(long)]
    pub gzip: bool,
    /// Output directory: cloudtrail/ (JSON per day), cloudtrail.csv, truth.json.
    #[arg(long)]
    pub out: PathBuf,
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

/// The CloudTrail-looking files under `dir`, sorted, recursively.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), threatstat_core::Error> {
    let io = |e| threatstat_core::Error::io(dir, e);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            let base = name.strip_suffix(".gz").unwrap_or(&name);
            if [".json", ".jsonl", ".csv"]
                .iter()
                .any(|s| base.ends_with(s))
            {
                out.push(p);
            }
        }
    }
    Ok(())
}

fn inputs(args: &[PathBuf]) -> Result<Vec<PathBuf>, Box<dyn std::error::Error + Send + Sync>> {
    let mut files = Vec::new();
    for p in args {
        if p.is_dir() {
            let before = files.len();
            walk(p, &mut files)?;
            if files.len() == before {
                return Err(format!(
                    "{}: no *.json, *.jsonl or *.csv files (optionally .gz) in this directory",
                    p.display()
                )
                .into());
            }
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// A CSV cell of a float: shortest round-trip text, `NaN` for NaN.
fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else {
        format!("{x:?}")
    }
}

fn automation(a: &AutomationArgs) -> Res {
    let t0 = std::time::Instant::now();
    let bucket = if a.hourly { Bucket::Hour } else { Bucket::Day };
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
    let window = a.window.as_deref().map(str::parse::<Window>).transpose()?;
    let principal = match a.principal {
        PrincipalArg::Role => PrincipalKey::Role,
        PrincipalArg::Arn => PrincipalKey::Arn,
    };
    let loader = CloudTrailLoader::new()
        .bucket(bucket)
        .window(window)
        .principal(principal)
        .api(match a.api {
            ApiArg::Name => ApiKey::EventName,
            ApiArg::SourceName => ApiKey::SourceAndName,
        })
        .format(match a.format {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Csv => InputFormat::Csv,
            FormatArg::Json => InputFormat::Json,
        })
        .time_zones(if a.require_utc {
            TimeZones::RequireUtc
        } else {
            TimeZones::Convert
        })
        .bad_rows(if a.skip_bad_rows {
            BadRowPolicy::Skip
        } else {
            BadRowPolicy::Error
        });
    let truth = a.truth.as_ref().map(CloudTrailTruth::read).transpose()?;
    let files = inputs(&a.input)?;
    // Files are read on all cores and merged in input order (the same
    // table as reading them one by one).
    let table = loader.load_parallel(&files, 0)?;
    let summary = table.summary();
    if table.skip_report().skipped > 0 {
        eprintln!("{}", table.skip_report());
    }
    eprintln!("{summary}");
    let series: Vec<PairCounts> = table.series();
    if series.is_empty() {
        let inputs: Vec<String> = a.input.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "{}: no valid CloudTrail record (nothing to score)",
            inputs.join(", ")
        )
        .into());
    }
    let input = ct::pair_series(&series);
    let periods = input.iter().map(|p| p.counts.len()).max().unwrap_or(0);
    // Threshold and FDR are range-checked by clap; what is left is --lags.
    let unit = if a.hourly { "hours" } else { "days" };
    rule.check(periods)
        .map_err(|e| format!("--lags: {e} (the series have {periods} {unit})"))?;
    let detections = detect(&input, &rule);
    let index: std::collections::HashMap<(&str, &str), usize> = series
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.principal.as_str(), p.api.as_str()), i))
        .collect();
    let window = summary.window.expect("series exist, so a window");

    // manifest.json, written last, lists this run's files.
    let run = threatstat_core::manifest::Run::begin(&a.out)?;
    // Figures of the top flagged pairs.
    let mut figures: Vec<Option<String>> = vec![None; detections.len()];
    let exts: &[&str] = match a.figures {
        FigureArg::Png => &["png"],
        FigureArg::Svg => &["svg"],
        FigureArg::Both => &["png", "svg"],
        FigureArg::None => &[],
    };
    let flagged: Vec<usize> = (0..detections.len())
        .filter(|&i| detections[i].flagged)
        .collect();
    if !exts.is_empty() && !flagged.is_empty() {
        let dir = a.out.join("figures");
        std::fs::create_dir_all(&dir).map_err(|e| threatstat_core::Error::io(&dir, e))?;
        for (rank, &i) in flagged.iter().take(a.max_figures).enumerate() {
            let d = &detections[i];
            let p = &series[index[&(d.principal.as_str(), d.api.as_str())]];
            let name = format!("{:03}-{}", rank + 1, ct::slug(&d.principal, &d.api));
            for ext in exts {
                let path = dir.join(format!("{name}.{ext}"));
                ct::figure(&path, p, d, &rule, lags)?;
            }
            figures[i] = Some(format!("figures/{name}.{}", exts[0]));
        }
    }

    // pairs.csv, ranked.
    let pairs_path = a.out.join("pairs.csv");
    let mut w = csv::Writer::from_writer(AtomicFile::create(&pairs_path)?);
    w.write_record([
        "principal",
        "api",
        "flagged",
        "score",
        "max_abs_acf",
        "best_lag",
        "ljung_box_q",
        "ljung_box_p",
        "q_value",
        "dominant_period",
        "n_days",
        "total",
        "n_buckets",
        "figure",
        "p_value",
        "p_low",
        "permutations",
    ])?;
    for (d, fig) in detections.iter().zip(&figures) {
        w.write_record([
            d.principal.clone(),
            d.api.clone(),
            d.flagged.to_string(),
            num(d.score),
            num(d.max_abs_acf),
            d.best_lag.to_string(),
            num(d.ljung_box_q),
            num(d.ljung_box_p),
            num(d.q_value),
            d.dominant_period.map(num).unwrap_or_default(),
            window.days().to_string(),
            format!("{:.0}", d.total),
            d.n.to_string(),
            fig.clone().unwrap_or_default(),
            num(d.p_value),
            num(d.p_low),
            d.permutations.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error())?.commit()?;

    let n_flagged = flagged.len();
    let unit = if a.hourly { "hours" } else { "days" };
    let mut out = json!({
        "command": "threatstat cloudtrail automation",
        "inputs": files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "load": {
            "files": summary.files,
            "csv_files": summary.csv_files,
            "json_files": summary.json_files,
            "records": summary.records,
            "counted": summary.counted,
            "skipped": summary.skipped,
            "skipped_examples": table.skip_report().examples,
            "outside_window": summary.outside_window,
            "offset_times_converted": summary.offset_times,
            "naive_times_as_utc": summary.naive_times,
            "principals": summary.principals,
            "arns": summary.arns,
            "apis": summary.apis,
            "principal_key": principal.to_string(),
            "api_key": match a.api { ApiArg::Name => "eventName", ApiArg::SourceName => "eventSource:eventName" },
        },
        "bucket": bucket.name(),
        "window": {
            "first_day": threatstat_datasets::cert::format_day(window.first_day),
            "last_day": threatstat_datasets::cert::format_day(window.last_day),
            "days": window.days(),
            "buckets": window.days() * bucket.per_day(),
        },
        "rule": match rule {
            Rule::Notebook { lags, threshold } => json!({"name": "notebook", "lags": lags, "threshold": threshold,
                "definition": "flagged when max over lags 1..=lags of |pandas Series.autocorr(k)| >= threshold; score = that maximum"}),
            Rule::LjungBox { lags, fdr, p_values: PValues::Permutation { seed } } => json!({"name": "ljung-box", "lags": lags, "fdr": fdr,
                "p_values": "permutation", "seed": seed,
                "permutations": detections.iter().map(|d| d.permutations).sum::<u64>(),
                "definition": "flagged when the Benjamini-Hochberg q-value of the permutation p-value of the Ljung-Box Q at lags (sequential Besag-Clifford p-value, sampled until BH's decision is settled; p_value is then the upper end of the interval [p_low, p_value] that holds it) <= fdr; score = -log10(chi-square p)"}),
            Rule::LjungBox { lags, fdr, p_values: PValues::ChiSquare } => json!({"name": "ljung-box", "lags": lags, "fdr": fdr,
                "p_values": "chi2",
                "definition": "flagged when the Benjamini-Hochberg q-value of the chi-square Ljung-Box p-value at lags (statsmodels acorr_ljungbox) <= fdr; score = -log10(p); not valid on sparse pairs"}),
        },
        "lag_unit": unit,
        "dominant_period_unit": unit,
        "pairs": detections.len(),
        "flagged": n_flagged,
        "figures": figures.iter().filter(|f| f.is_some()).count(),
        "top": detections.iter().filter(|d| d.flagged).take(20).map(|d| json!({
            "principal": d.principal, "api": d.api, "score": ct::finite(d.score),
            "max_abs_acf": ct::finite(d.max_abs_acf), "best_lag": d.best_lag,
            "q_value": ct::finite(d.q_value), "dominant_period": d.dominant_period,
            "total": d.total,
        })).collect::<Vec<_>>(),
    });
    if let Some(t) = &truth {
        let (ev, line) = ct::evaluate(
            &detections,
            t,
            bucket,
            a.truth.as_deref().unwrap_or(Path::new("")),
        );
        out["evaluation"] = ev;
        eprintln!("{line}");
    }
    out["seconds"] = json!(t0.elapsed().as_secs_f64());
    let summary_path = a.out.join("summary.json");
    let json = serde_json::to_string_pretty(&out)? + "\n";
    write_atomically(&summary_path, |w| {
        std::io::Write::write_all(w, json.as_bytes())
    })?;
    run.finish()?;
    eprintln!(
        "{} pairs, {} flagged ({} rule, {} lags by {}) -> {} ({} figures)",
        detections.len(),
        n_flagged,
        match a.rule {
            RuleArg::Notebook => "notebook",
            RuleArg::LjungBox => "ljung-box",
        },
        lags,
        bucket.name(),
        a.out.display(),
        out["figures"]
    );
    Ok(())
}
