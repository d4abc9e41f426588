//! Automated-role detection in CloudTrail logs, end to end: the analysis
//! behind `threatstat cloudtrail automation`, `reproduce`'s
//! `cloudtrail_automation` and the CloudTrail notebook.
//!
//! [`run`] walks the inputs ([`input_files`]), loads every (principal, API)
//! pair's zero-filled calls per day (or hour), checks the rule against the
//! series' length, scores all pairs at once over a pairs × periods matrix
//! ([`detect_pairs`], the batch form of
//! [`threatstat_acf::automation::detect_rows`]), draws the top flagged
//! pairs ([`figure`]), scores the flags against a generator's truth
//! ([`evaluate`]) and writes `pairs.csv` (ranked), `figures/` and
//! `summary.json` (its schema is built here, once) into the output
//! directory, with a manifest.
//!
//! ```no_run
//! use threatstat_acf::automation::Rule;
//! use threatstat_workflow::automation::{AutomationParams, run};
//! let params = AutomationParams { rule: Rule::ljung_box(), ..Default::default() };
//! let report = run(&["logs/".into()], &params, "out".as_ref()).unwrap();
//! println!("{} pairs, {} flagged", report.detections.len(), report.flagged());
//! ```

use ndarray::Array2;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use threatstat_acf::autocorr::autocorrs;
use threatstat_acf::automation::{Detection, PValues, PairSeries, Rule, detect_rows};
use threatstat_core::BadRowPolicy;
use threatstat_core::atomic::{AtomicFile, write_atomically};
use threatstat_core::model::ParamGuard;
use threatstat_datasets::TruthFile;
use threatstat_datasets::cloudtrail::{
    ApiKey, Bucket, CloudTrailLoader, CloudTrailTruth, InputFormat, PairCounts, PrincipalKey,
    TimeZones, Window,
};

/// Why the analysis stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AutomationError {
    /// Reading, a parameter (typed) or an output file.
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// Loading the CloudTrail files or the truth.
    #[error(transparent)]
    Dataset(#[from] threatstat_datasets::DatasetError),
    /// The rule's parameters.
    #[error(transparent)]
    Acf(#[from] threatstat_acf::AcfError),
    /// A figure.
    #[error(transparent)]
    Plot(#[from] threatstat_plot::PlotError),
    /// Writing `pairs.csv`.
    #[error("pairs.csv: {0}")]
    Csv(#[from] csv::Error),
    /// The rule's lags do not fit the series' length.
    #[error("{source} (the series have {periods} {unit})")]
    TooFewPeriods {
        /// The parameter error (`lags`).
        source: Box<threatstat_acf::AcfError>,
        /// The series' length.
        periods: usize,
        /// `days` or `hours`.
        unit: &'static str,
    },
}

/// The settings of [`run`]; [`Default`] is the CLI's defaults (the
/// notebook's rule by day, role principals, event names, figures as PNG).
#[derive(Debug, Clone)]
pub struct AutomationParams {
    /// The decision rule (its lags in units of `bucket`).
    pub rule: Rule,
    /// Calls per day or per hour.
    pub bucket: Bucket,
    /// Which identity is the principal of a JSON record.
    pub principal: PrincipalKey,
    /// What names the API.
    pub api: ApiKey,
    /// Input format.
    pub format: InputFormat,
    /// The observation dates (default: first to last day with a record).
    pub dates: Option<Window>,
    /// Event times that are not UTC: converted, or an error.
    pub time_zones: TimeZones,
    /// Bad records: an error, or skipped and counted.
    pub bad_rows: BadRowPolicy,
    /// Figure formats of the flagged pairs (`png`, `svg`; empty: none).
    pub figure_formats: Vec<&'static str>,
    /// Draw at most this many flagged pairs (the top-ranked).
    pub max_figures: usize,
    /// A generator's ground truth: adds precision and recall.
    pub truth: Option<PathBuf>,
}

impl Default for AutomationParams {
    fn default() -> Self {
        AutomationParams {
            rule: Rule::notebook(),
            bucket: Bucket::Day,
            principal: PrincipalKey::Role,
            api: ApiKey::EventName,
            format: InputFormat::Auto,
            dates: None,
            time_zones: TimeZones::Convert,
            bad_rows: BadRowPolicy::Error,
            figure_formats: vec!["png"],
            max_figures: 50,
            truth: None,
        }
    }
}

/// What [`run`] found and wrote.
#[derive(Debug, Clone)]
pub struct AutomationReport {
    /// Every pair, ranked (flagged first).
    pub detections: Vec<Detection>,
    /// `summary.json`.
    pub summary: Value,
    /// Lines for the user (load summary, skipped rows, evaluation, result).
    pub notes: Vec<String>,
}

impl AutomationReport {
    /// How many pairs are flagged.
    pub fn flagged(&self) -> usize {
        self.detections.iter().filter(|d| d.flagged).count()
    }
}

/// The unit of lags and periods: `days` or `hours`.
fn unit(bucket: Bucket) -> &'static str {
    if bucket == Bucket::Hour {
        "hours"
    } else {
        "days"
    }
}

/// Runs the analysis on `inputs` (files or directories) and writes `out`
/// (created if needed): `pairs.csv`, `figures/`, `summary.json`,
/// `manifest.json`.
///
/// Errors: rule parameters out of range ([`threatstat_core::Error::Param`]
/// inside [`AutomationError::Acf`], `lags` when the series are too short
/// for it), a directory without CloudTrail files, no valid record, and any
/// read or write error (naming the file).
pub fn run(
    inputs: &[PathBuf],
    params: &AutomationParams,
    out: &Path,
) -> Result<AutomationReport, AutomationError> {
    let t0 = std::time::Instant::now();
    let rule = params.rule;
    ParamGuard::check(&rule)?;
    let loader = CloudTrailLoader::new()
        .bucket(params.bucket)
        .window(params.dates)
        .principal(params.principal)
        .api(params.api)
        .format(params.format)
        .time_zones(params.time_zones)
        .bad_rows(params.bad_rows);
    let truth = params
        .truth
        .as_ref()
        .map(CloudTrailTruth::read)
        .transpose()?;
    let files = input_files(inputs)?;
    // Files are read on all cores and merged in input order (the same
    // table as reading them one by one).
    let table = loader.load_parallel(&files, 0)?;
    let load = table.summary();
    let mut notes = Vec::new();
    if table.skip_report().skipped > 0 {
        notes.push(table.skip_report().to_string());
    }
    notes.push(load.to_string());
    let series: Vec<PairCounts> = table.series();
    if series.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(threatstat_core::Error::data(
            names.join(", "),
            "no valid CloudTrail record (nothing to score)",
        )
        .into());
    }
    let periods = series.iter().map(|p| p.counts.len()).max().unwrap_or(0);
    rule.check_for(periods)
        .map_err(|source| AutomationError::TooFewPeriods {
            source: Box::new(source),
            periods,
            unit: unit(params.bucket),
        })?;
    let detections = detect_pairs(&series, &rule)?;
    let window = load.window.expect("series exist, so a window");

    // manifest.json, written last, lists this run's files.
    let manifest = threatstat_core::manifest::Run::begin(out)?;
    let figures = draw_flagged(&series, &detections, &rule, params, out)?;
    write_pairs_csv(&out.join("pairs.csv"), &detections, &figures, window.days())?;

    let u = unit(params.bucket);
    let mut summary = json!({
        "command": "threatstat cloudtrail automation",
        "inputs": files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "load": {
            "files": load.files,
            "csv_files": load.csv_files,
            "json_files": load.json_files,
            "records": load.records,
            "counted": load.counted,
            "skipped": load.skipped,
            "skipped_examples": table.skip_report().examples,
            "outside_window": load.outside_window,
            "offset_times_converted": load.offset_times,
            "naive_times_as_utc": load.naive_times,
            "principals": load.principals,
            "arns": load.arns,
            "apis": load.apis,
            "principal_key": params.principal.to_string(),
            "api_key": match params.api { ApiKey::EventName => "eventName", _ => "eventSource:eventName" },
        },
        "bucket": params.bucket.name(),
        "window": {
            "first_day": threatstat_datasets::cert::format_day(window.first_day),
            "last_day": threatstat_datasets::cert::format_day(window.last_day),
            "days": window.days(),
            "buckets": window.days() * params.bucket.per_day(),
        },
        "rule": rule_json(&rule, &detections),
        "lag_unit": u,
        "dominant_period_unit": u,
        "pairs": detections.len(),
        "flagged": detections.iter().filter(|d| d.flagged).count(),
        "figures": figures.iter().filter(|f| f.is_some()).count(),
        "top": detections.iter().filter(|d| d.flagged).take(20).map(|d| json!({
            "principal": d.principal, "api": d.api, "score": finite(d.score),
            "max_abs_acf": finite(d.max_abs_acf), "best_lag": d.best_lag,
            "q_value": finite(d.q_value), "dominant_period": d.dominant_period,
            "total": d.total,
        })).collect::<Vec<_>>(),
    });
    if let Some(t) = &truth {
        let path = params.truth.as_deref().unwrap_or(Path::new(""));
        let (ev, line) = evaluate(&detections, t, params.bucket, path);
        summary["evaluation"] = ev;
        notes.push(line);
    }
    summary["seconds"] = json!(t0.elapsed().as_secs_f64());
    let text = serde_json::to_string_pretty(&summary).expect("JSON values serialise") + "\n";
    write_atomically(out.join("summary.json"), |w| {
        std::io::Write::write_all(w, text.as_bytes())
    })?;
    manifest.finish()?;
    notes.push(format!(
        "{} pairs, {} flagged ({} rule, {} lags by {}) -> {} ({} figures)",
        detections.len(),
        summary["flagged"],
        match rule {
            Rule::Notebook { .. } => "notebook",
            Rule::LjungBox { .. } => "ljung-box",
        },
        rule.lags(),
        params.bucket.name(),
        out.display(),
        summary["figures"]
    ));
    Ok(AutomationReport {
        detections,
        summary,
        notes,
    })
}

/// Scores every pair with `rule`, all at once over the pairs × periods
/// matrix of their counts ([`detect_rows`]); the same detections as
/// [`threatstat_acf::automation::detect`] on [`pair_series`].
///
/// Errors: series of different lengths (they come zero-filled over one
/// window from the loader, so this is a caller's mistake).
pub fn detect_pairs(series: &[PairCounts], rule: &Rule) -> Result<Vec<Detection>, AutomationError> {
    let periods = series.first().map_or(0, |p| p.counts.len());
    if let Some(p) = series.iter().find(|p| p.counts.len() != periods) {
        return Err(threatstat_core::Error::shape(
            format!("counts of ({}, {})", p.principal, p.api),
            format!("{periods} periods (as every pair)"),
            format!("{} periods", p.counts.len()),
        )
        .into());
    }
    let mut counts = Array2::<f64>::zeros((series.len(), periods));
    for (mut row, p) in counts.rows_mut().into_iter().zip(series) {
        for (c, &v) in row.iter_mut().zip(&p.counts) {
            *c = v as f64;
        }
    }
    let names: Vec<(String, String)> = series
        .iter()
        .map(|p| (p.principal.clone(), p.api.clone()))
        .collect();
    Ok(detect_rows(&names, counts.view(), rule)?)
}

/// The `rule` object of `summary.json`.
fn rule_json(rule: &Rule, detections: &[Detection]) -> Value {
    match *rule {
        Rule::Notebook { lags, threshold } => {
            json!({"name": "notebook", "lags": lags, "threshold": threshold,
            "definition": "flagged when max over lags 1..=lags of |pandas Series.autocorr(k)| >= threshold; score = that maximum"})
        }
        Rule::LjungBox {
            lags,
            fdr,
            p_values: PValues::Permutation { seed },
        } => json!({"name": "ljung-box", "lags": lags, "fdr": fdr,
            "p_values": "permutation", "seed": seed,
            "permutations": detections.iter().map(|d| d.permutations).sum::<u64>(),
            "definition": "flagged when the Benjamini-Hochberg q-value of the permutation p-value of the Ljung-Box Q at lags (sequential Besag-Clifford p-value, sampled until BH's decision is settled; p_value is then the upper end of the interval [p_low, p_value] that holds it) <= fdr; score = -log10(chi-square p)"}),
        Rule::LjungBox {
            lags,
            fdr,
            p_values: PValues::ChiSquare,
        } => json!({"name": "ljung-box", "lags": lags, "fdr": fdr,
            "p_values": "chi2",
            "definition": "flagged when the Benjamini-Hochberg q-value of the chi-square Ljung-Box p-value at lags (statsmodels acorr_ljungbox) <= fdr; score = -log10(p); not valid on sparse pairs"}),
    }
}

/// Figures of the top flagged pairs under `out/figures/`; the relative
/// path of each detection's figure (first format), if drawn.
fn draw_flagged(
    series: &[PairCounts],
    detections: &[Detection],
    rule: &Rule,
    params: &AutomationParams,
    out: &Path,
) -> Result<Vec<Option<String>>, AutomationError> {
    let mut figures: Vec<Option<String>> = vec![None; detections.len()];
    let exts = &params.figure_formats;
    let flagged: Vec<usize> = (0..detections.len())
        .filter(|&i| detections[i].flagged)
        .collect();
    if exts.is_empty() || flagged.is_empty() {
        return Ok(figures);
    }
    let index: HashMap<(&str, &str), usize> = series
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.principal.as_str(), p.api.as_str()), i))
        .collect();
    let dir = out.join("figures");
    std::fs::create_dir_all(&dir).map_err(|e| threatstat_core::Error::io(&dir, e))?;
    for (rank, &i) in flagged.iter().take(params.max_figures).enumerate() {
        let d = &detections[i];
        let p = &series[index[&(d.principal.as_str(), d.api.as_str())]];
        let name = format!("{:03}-{}", rank + 1, slug(&d.principal, &d.api));
        for ext in exts {
            figure(&dir.join(format!("{name}.{ext}")), p, d, rule, rule.lags())?;
        }
        figures[i] = Some(format!("figures/{name}.{}", exts[0]));
    }
    Ok(figures)
}

/// The columns of `pairs.csv`, in order (its schema: the CLI's tests and
/// readers of the file check against this).
pub const PAIRS_CSV_COLUMNS: [&str; 17] = [
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
];

/// `pairs.csv`: every detection, ranked.
fn write_pairs_csv(
    path: &Path,
    detections: &[Detection],
    figures: &[Option<String>],
    days: i64,
) -> Result<(), AutomationError> {
    let mut w = csv::Writer::from_writer(AtomicFile::create(path)?);
    w.write_record(PAIRS_CSV_COLUMNS)?;
    for (d, fig) in detections.iter().zip(figures) {
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
            days.to_string(),
            format!("{:.0}", d.total),
            d.n.to_string(),
            fig.clone().unwrap_or_default(),
            num(d.p_value),
            num(d.p_low),
            d.permutations.to_string(),
        ])?;
    }
    w.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?
        .commit()?;
    Ok(())
}

/// A CSV cell of a float: shortest round-trip text, `NaN` for NaN.
fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else {
        format!("{x:?}")
    }
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

/// The files to read: each file as given, each directory walked
/// recursively for `*.json`, `*.jsonl`, `*.csv` (optionally `.gz`; hidden
/// entries skipped), sorted. A directory without such files is an error.
pub fn input_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, AutomationError> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let before = files.len();
            walk(p, &mut files)?;
            if files.len() == before {
                return Err(threatstat_core::Error::data(
                    p.display().to_string(),
                    "no *.json, *.jsonl or *.csv files (optionally .gz) in this directory",
                )
                .into());
            }
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// `x` as JSON, or `null` when it is not finite.
pub fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// A file-name-safe short name of a pair: the principal's name (an
/// assumed-role session's role and session) and the API.
pub fn slug(principal: &str, api: &str) -> String {
    let name = short_principal(principal);
    let short = match name.strip_prefix("assumed-role/") {
        Some(rs) => rs,
        None => name.rsplit('/').next().unwrap_or(name),
    };
    let mut s: String = format!("{short}-{api}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.truncate(80);
    s
}

/// Precision and recall against a generator's truth. A pair is automated if
/// the truth lists it under the role key or under the session ARN (the CSV
/// and `--principal arn`); both kinds of key are ARNs no person has.
pub fn evaluate(
    d: &[Detection],
    t: &CloudTrailTruth,
    bucket: Bucket,
    path: &Path,
) -> (Value, String) {
    let (mut tp, mut fp, mut fneg, mut pattern, mut pattern_found) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut missed = Vec::new();
    let mut false_alarms = Vec::new();
    for x in d {
        let auto = t
            .automated_pair(&x.principal, &x.api, PrincipalKey::Role)
            .or_else(|| t.automated_pair(&x.principal, &x.api, PrincipalKey::Arn));
        if let Some(a) = auto
            && a.has_pattern(bucket)
        {
            pattern += 1;
            pattern_found += u64::from(x.flagged);
        }
        match (x.flagged, auto) {
            (true, Some(_)) => tp += 1,
            (true, None) => {
                fp += 1;
                false_alarms.push(
                    json!({"principal": x.principal, "api": x.api, "score": finite(x.score)}),
                );
            }
            (false, Some(a)) => {
                fneg += 1;
                missed.push(json!({"principal": x.principal, "api": x.api, "job": a.job,
                    "schedule": a.schedule, "has_pattern": a.has_pattern(bucket), "score": finite(x.score)}));
            }
            (false, None) => {}
        }
    }
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            Value::Null
        } else {
            json!(a as f64 / b as f64)
        }
    };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    let line = format!(
        "against {}: {} automated pairs, {} flagged; precision {} recall {} (recall {} among the {} automated pairs whose counts have a pattern)",
        path.display(),
        tp + fneg,
        tp + fp,
        precision,
        recall,
        ratio(pattern_found, pattern),
        pattern
    );
    (
        json!({
            "truth": path.display().to_string(),
            "automated_pairs": tp + fneg,
            "human_pairs": d.len() as u64 - tp - fneg,
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fneg,
            "precision": precision,
            "recall": recall,
            "automated_pairs_with_pattern": pattern,
            "recall_with_pattern": ratio(pattern_found, pattern),
            "missed": missed,
            "false_alarms": false_alarms,
            "note": "an automated pair whose job runs in every bucket with a fixed number of calls has constant counts: no autocorrelation to find (has_pattern = false)",
        }),
        line,
    )
}

/// Draws a pair's daily (or hourly) counts and their autocorrelation bars,
/// marking the best lag and the rule's threshold (PNG or SVG by extension).
pub fn figure(
    path: &Path,
    p: &PairCounts,
    d: &Detection,
    rule: &Rule,
    lags: usize,
) -> Result<(), AutomationError> {
    let counts = p.to_f64();
    let acf = autocorrs(&counts, lags.min(counts.len().saturating_sub(1)).max(1));
    let hourly = p.bucket == Bucket::Hour;
    // Hourly ticks fall on midnights: label those with the date alone.
    let labels: Vec<String> = if hourly {
        p.labels()
            .into_iter()
            .map(|l| match l.strip_suffix("T00:00Z") {
                Some(day) => day.to_string(),
                None => l.replacen('T', " ", 1).trim_end_matches('Z').to_string(),
            })
            .collect()
    } else {
        p.labels()
    };
    let unit = if hourly { "hour" } else { "day" };
    let verdict = match rule {
        Rule::Notebook { .. } => format!("max |r| = {:.2} at lag {}", d.max_abs_acf, d.best_lag),
        Rule::LjungBox { .. } => format!("Ljung–Box q-value {:.1e}", d.q_value),
    };
    let fig = threatstat_plot::AcfFigure {
        title: format!("{} {}: {verdict}", short_principal(&p.principal), p.api),
        labels: Some(&labels),
        count_label: format!("calls per {unit}"),
        time_label: format!("{unit} (UTC)"),
        lag_unit: format!("{unit}s"),
        tick_every: if hourly { 24 } else { 1 },
        highlight_lag: (d.best_lag >= 1 && d.best_lag <= acf.len()).then_some(d.best_lag),
        threshold: match rule {
            Rule::Notebook { threshold, .. } => Some(*threshold),
            Rule::LjungBox { .. } => None,
        },
        ..threatstat_plot::AcfFigure::new(&counts, &acf)
    };
    threatstat_plot::acf_figure(&fig, path)?;
    Ok(())
}

/// The principal without `arn:aws:iam::ACCOUNT:` (titles stay readable).
pub fn short_principal(p: &str) -> &str {
    match p.strip_prefix("arn:aws:") {
        Some(rest) => rest.splitn(4, ':').nth(3).unwrap_or(p),
        None => p,
    }
}

/// The detector's input: each pair's counts as `f64`.
pub fn pair_series(series: &[PairCounts]) -> Vec<PairSeries> {
    series
        .iter()
        .map(|p| PairSeries {
            principal: p.principal.clone(),
            api: p.api.clone(),
            counts: p.to_f64(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_acf::automation::detect;

    fn pair(principal: &str, counts: Vec<u32>) -> PairCounts {
        PairCounts {
            principal: principal.into(),
            api: "GetObject".into(),
            bucket: Bucket::Day,
            first_bucket: 19_723,
            counts,
        }
    }

    #[test]
    fn detect_pairs_is_detect_on_the_pair_series_and_checks_lengths() {
        let series: Vec<PairCounts> = (0..12u32)
            .map(|i| {
                let counts = (0..28u32)
                    .map(|d| if d % 7 == i % 7 { 9 } else { (d * 5 + i) % 3 })
                    .collect();
                pair(&format!("p{i}"), counts)
            })
            .collect();
        for rule in [Rule::notebook(), Rule::ljung_box()] {
            let want = detect(&pair_series(&series), &rule);
            assert_eq!(detect_pairs(&series, &rule).unwrap(), want);
        }
        let mut ragged = series.clone();
        ragged[3].counts.pop();
        assert!(matches!(
            detect_pairs(&ragged, &Rule::notebook()),
            Err(AutomationError::Core(threatstat_core::Error::Shape { .. }))
        ));
    }

    #[test]
    fn a_directory_without_cloudtrail_files_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("ts-wf-auto-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/notes.txt"), "x").unwrap();
        let e = input_files(std::slice::from_ref(&dir)).unwrap_err();
        assert!(
            matches!(&e, AutomationError::Core(threatstat_core::Error::Data { what, .. })
                if what == dir.to_str().unwrap()),
            "{e}"
        );
        std::fs::write(dir.join("sub/a.json.gz"), "x").unwrap();
        assert_eq!(
            input_files(std::slice::from_ref(&dir)).unwrap(),
            [dir.join("sub/a.json.gz")]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
