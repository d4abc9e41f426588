//! `threatstat changepoint ...`

use crate::args;
use crate::outputs::prepare;
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_changepoint::baseline::{Baseline, BaselineKind};
use threatstat_changepoint::batch::{
    Method, ModelFit, ModelKind, ModelSpec, SeriesFit, fit_all, fit_models,
};
use threatstat_changepoint::io::{format_day, read_count_series};
use threatstat_changepoint::{
    Direction, ExactPosterior, McmcParams, McmcPosterior, Sampler, Switchpoint, SwitchpointParams,
};
use threatstat_core::BadRowPolicy;
use threatstat_datasets::cert::{HourWindow, LogonGenerator, LogonLoader, Span};

mod rows;
use rows::{write_change_rows, write_segment_rows};

type Res = Result<(), Box<dyn Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum ChangepointCmd {
    /// Fit one daily count series (exact posterior or MCMC); writes posterior.json.
    Fit(FitArgs),
    /// Fit every user of a CERT logon.csv in parallel; writes one row per user.
    Logons(LogonsArgs),
    /// Write a CERT-format logon.csv with planted after-hours changes, and its ground truth.
    Generate(GenerateArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Exact posterior (λ1, λ2 integrated out).
    Exact,
    /// Gibbs sampler.
    Gibbs,
    /// Random-walk Metropolis (PyMC-like).
    Metropolis,
}

#[derive(Args)]
pub struct ModelArgs {
    /// Exact posterior or an MCMC sampler.
    #[arg(long, value_enum, default_value = "exact")]
    method: MethodArg,
    /// Rate of the Exponential prior of λ1 and λ2 (default 1/mean of each series).
    #[arg(long, value_parser = args::positive())]
    alpha: Option<f64>,
    /// MCMC chains.
    #[arg(long, default_value_t = 4, value_parser = args::int::<usize>(1, 1024))]
    chains: usize,
    /// MCMC draws kept per chain.
    #[arg(long, default_value_t = 2000, value_parser = args::int::<usize>(4, 10_000_000))]
    draws: usize,
    /// MCMC warm-up steps per chain.
    #[arg(long, default_value_t = 1000, value_parser = args::int::<usize>(0, 10_000_000))]
    tune: usize,
    /// MCMC seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl ModelArgs {
    fn params(&self) -> SwitchpointParams {
        match self.alpha {
            Some(a) => Switchpoint::params().alpha(a),
            None => Switchpoint::params(),
        }
    }
    /// The MCMC settings checked together (chains × draws is capped in
    /// the library), the flags named in the error.
    fn check_mcmc(&self) -> Res {
        if let Some(p) = self.mcmc() {
            p.check()
                .map_err(|e| format!("--chains, --draws, --tune: {e}"))?;
        }
        Ok(())
    }
    fn mcmc(&self) -> Option<McmcParams> {
        let s = match self.method {
            MethodArg::Exact => return None,
            MethodArg::Gibbs => Sampler::Gibbs,
            MethodArg::Metropolis => Sampler::Metropolis,
        };
        Some(
            McmcParams::default()
                .sampler(s)
                .chains(self.chains)
                .draws(self.draws)
                .tune(self.tune)
                .seed(self.seed),
        )
    }
}

#[derive(Args)]
pub struct FitArgs {
    /// CSV with one count per day (header optional; optional date column).
    #[arg(long)]
    counts: PathBuf,
    /// Name of the counts column.
    #[arg(long)]
    column: Option<String>,
    #[command(flatten)]
    model: ModelArgs,
    /// Output JSON.
    #[arg(long)]
    out: PathBuf,
    /// Also draw the counts, the expected rate and the posterior of τ (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// One change (switchpoint), an interval at another rate (episode), or any number of changes (segments).
    #[arg(long = "model", value_enum, default_value = "switchpoint")]
    model_kind: ModelArg,
    /// Only increases (up), only decreases (down), or any change (switchpoint and episode).
    #[arg(long, value_enum, default_value = "any")]
    direction: DirectionArg,
}

#[derive(Args)]
pub struct LogonsArgs {
    /// CERT logon.csv (gzip allowed; with or without the id column).
    #[arg(long)]
    logon: PathBuf,
    /// Count only logons in this hour window, e.g. 18-7 (after hours) or 9-17.
    #[arg(long)]
    hours: Option<String>,
    /// Each user's days run from their own first to last activity (user) or over the whole file (global).
    #[arg(long, value_enum, default_value = "user")]
    span: SpanArg,
    #[command(flatten)]
    model: ModelArgs,
    /// Output CSV, one row per user, most likely change first.
    #[arg(long)]
    out: PathBuf,
    /// Skip bad rows (counted and reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Draw the top-ranked user (largest Bayes factor) to this file (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Write the figure of the top users (by Bayes factor) into this directory.
    #[arg(long)]
    plot_dir: Option<PathBuf>,
    /// How many users to draw with --plot-dir.
    #[arg(long, default_value_t = 5, value_parser = args::int::<usize>(1, 1000))]
    plot_top: usize,
    /// One change (switchpoint), an interval at another rate (episode), or any number of changes (segments).
    #[arg(long = "model", value_enum, default_value = "switchpoint")]
    model_kind: ModelArg,
    /// Only increases (up: the new or episode rate above the old), only decreases (down), or any change.
    #[arg(long, value_enum, default_value = "any")]
    direction: DirectionArg,
    /// Score each user relative to the population's counts on the same days (population: per day;
    /// day-of-week or weekday-weekend: pooled by weekday), or on raw counts (none).
    #[arg(long, value_enum, default_value = "none")]
    baseline: BaselineArg,
    /// Episode model: prune intervals, leaving out at most this posterior mass (default exact).
    #[arg(long, value_parser = args::open_unit())]
    tolerance: Option<f64>,
    /// Episode model: bounded-error approximation for long series (1,000 days or more): the
    /// posterior's total-variation error and the evidence's relative error are at most this
    /// (e.g. 0.01); much faster when a user has a clear episode (default exact).
    #[arg(long, conflicts_with = "tolerance", value_parser = args::open_unit())]
    approximate: Option<f64>,
    /// Segments model: prior probability of a change on a day (default 1/number of days).
    #[arg(long, value_parser = args::open_unit())]
    change_prob: Option<f64>,
    /// Episode model: score against "no change or stopped" (a downward switchpoint), so that
    /// users who simply stop (leavers) do not rank as episodes; use with --direction up.
    #[arg(long)]
    against_stop: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelArg {
    /// One change of rate.
    Switchpoint,
    /// A rate inside an interval of days and another outside it.
    Episode,
    /// Any number of changes (exact Bayesian segmentation).
    Segments,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// Any change.
    Any,
    /// Only increases.
    Up,
    /// Only decreases.
    Down,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// Raw counts.
    None,
    /// Relative to the population, day by day.
    Population,
    /// Relative to the population's weekly pattern (seven factors).
    DayOfWeek,
    /// Relative to the population's weekday and weekend levels.
    WeekdayWeekend,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpanArg {
    /// From the user's first to last day of activity.
    User,
    /// The whole file's period.
    Global,
}

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
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output logon.csv.
    #[arg(long)]
    out: PathBuf,
    /// Output ground truth (JSON).
    #[arg(long)]
    truth: PathBuf,
}

pub fn run(cmd: ChangepointCmd) -> Res {
    match cmd {
        ChangepointCmd::Fit(a) => fit(&a),
        ChangepointCmd::Logons(a) => logons(&a),
        ChangepointCmd::Generate(a) => {
            prepare(&[], &[Some(a.out.as_path()), Some(a.truth.as_path())], &[])?;
            let truth = LogonGenerator::new()
                .users(a.users)
                .days(a.days)
                .planted(a.planted)
                .seed(a.seed)
                .write_files(&a.out, &a.truth)?;
            eprintln!(
                "wrote {} rows ({} users, {} planted) -> {}, truth -> {}",
                truth.rows,
                a.users,
                truth.planted.len(),
                a.out.display(),
                a.truth.display()
            );
            Ok(())
        }
    }
}

fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// posterior.json for one series.
fn posterior_json(
    exact: &ExactPosterior,
    mcmc: Option<&McmcPosterior>,
    days: Option<&[i64]>,
    method: &str,
) -> Result<Value, Box<dyn Error + Send + Sync>> {
    let date = |k: usize| days.map(|d| format_day(d[k]));
    let (i1, i2) = (
        exact.lambda_1_interval(0.94)?,
        exact.lambda_2_interval(0.94)?,
    );
    let mut v = json!({
        "method": method,
        "n_days": exact.n_days(),
        "alpha": exact.alpha(),
        "log_marginal_likelihood": exact.log_marginal_likelihood(),
        "log_marginal_likelihood_no_change": exact.log_marginal_likelihood_no_change(),
        "log_bayes_factor": exact.log_bayes_factor(),
        "exact": {
            "tau_posterior": exact.tau_posterior(),
            "map_tau": exact.map_tau(),
            "map_tau_date": date(exact.map_tau()),
            "p_map": exact.map_probability(),
            "lambda_1_mean": exact.lambda_1_mean(),
            "lambda_2_mean": exact.lambda_2_mean(),
            "lambda_1_eti94": [i1.low, i1.high],
            "lambda_2_eti94": [i2.low, i2.high],
        },
    });
    let o = v.as_object_mut().expect("object");
    match mcmc {
        None => {
            o.insert("tau_posterior".into(), json!(exact.tau_posterior()));
            o.insert("map_tau".into(), json!(exact.map_tau()));
            o.insert("map_tau_date".into(), json!(date(exact.map_tau())));
            o.insert("p_map".into(), json!(exact.map_probability()));
            o.insert("lambda_1_mean".into(), json!(exact.lambda_1_mean()));
            o.insert("lambda_2_mean".into(), json!(exact.lambda_2_mean()));
        }
        Some(m) => {
            let tp = m.tau_posterior();
            let map = m.map_tau();
            o.insert("tau_posterior".into(), json!(tp));
            o.insert("map_tau".into(), json!(map));
            o.insert("map_tau_date".into(), json!(date(map)));
            o.insert("p_map".into(), json!(tp[map]));
            o.insert("lambda_1_mean".into(), json!(m.lambda_1.mean));
            o.insert("lambda_2_mean".into(), json!(m.lambda_2.mean));
            o.insert("rhat".into(), finite(m.max_rhat()));
            o.insert("ess_bulk".into(), finite(m.min_ess_bulk()));
            o.insert("ess_tail".into(), finite(m.min_ess_tail()));
            o.insert(
                "tv_distance_to_exact".into(),
                json!(exact.tau_total_variation(&tp)),
            );
            o.insert(
                "summary".into(),
                json!({"lambda_1": m.lambda_1, "lambda_2": m.lambda_2, "tau": m.tau}),
            );
            o.insert("warnings".into(), json!(m.warnings));
            o.insert(
                "mcmc".into(),
                json!({"chains": m.params.chains, "draws": m.params.draws, "tune": m.params.tune, "seed": m.params.seed,
                       "acceptance": m.chains.iter().map(|c| c.acceptance).collect::<Vec<_>>()}),
            );
        }
    }
    Ok(v)
}

fn figure(
    path: &Path,
    title: String,
    counts: &[u32],
    exact: &ExactPosterior,
    days: Option<Vec<String>>,
    label: &str,
    true_tau: Option<usize>,
) -> Res {
    let c: Vec<f64> = counts.iter().map(|&x| f64::from(x)).collect();
    let rate = exact.expected_rate();
    let fig = threatstat_plot::ChangepointFigure {
        title,
        day_labels: days.as_deref(),
        true_tau,
        count_label: label.to_string(),
        ..threatstat_plot::ChangepointFigure::new(&c, exact.tau_posterior(), &rate)
    };
    threatstat_plot::changepoint_figure(&fig, path)?;
    Ok(())
}

/// The model settings of the command line.
fn model_spec(
    model: ModelArg,
    direction: DirectionArg,
    alpha: Option<f64>,
    tolerance: Option<f64>,
    change_prob: Option<f64>,
) -> ModelSpec {
    ModelSpec {
        model: match model {
            ModelArg::Switchpoint => ModelKind::Switchpoint,
            ModelArg::Episode => ModelKind::Episode,
            ModelArg::Segments => ModelKind::Segments,
        },
        direction: match direction {
            DirectionArg::Any => Direction::Any,
            DirectionArg::Up => Direction::Up,
            DirectionArg::Down => Direction::Down,
        },
        alpha,
        tolerance,
        approximate: None,
        change_prob,
        against_stop: false,
        // Segments: the posterior of the number of changes, as far as it has mass.
        segment_counts: model == ModelArg::Segments,
    }
}

/// `fit --model episode|segments`: the posterior as JSON (and a figure).
fn fit_other(a: &FitArgs, s: &threatstat_changepoint::io::CountSeries, spec: &ModelSpec) -> Res {
    if a.model.mcmc().is_some() {
        return Err(
            "MCMC (--method gibbs|metropolis) samples the switchpoint only; use --method exact"
                .into(),
        );
    }
    let date = |k: usize| s.days.as_deref().map(|d| format_day(d[k]));
    let (name, mut v, summary) = match spec.model {
        ModelKind::Episode => {
            let post = spec.episode_params().fit(&s.counts)?;
            let (start, end) = post.map_interval();
            let mut v = serde_json::to_value(&post)?;
            v["map_start_date"] = json!(date(start));
            v["map_end_date"] = json!(date(end - 1));
            v["log_bayes_factor"] = json!(post.log_bayes_factor());
            let summary = format!(
                "MAP episode days {start}..={} (P = {:.3}), E[λ0] = {:.3}, E[λ1] = {:.3}, log Bayes factor {:.2}",
                end - 1,
                post.map_probability(),
                post.lambda_0_mean(),
                post.lambda_1_mean(),
                post.log_bayes_factor()
            );
            ("episode", v, summary)
        }
        _ => {
            // max_segments(1): the posterior of the number of segments grows
            // until the mass beyond is below COUNT_TAIL_MASS (never cut).
            let post = spec.segmentation_params().max_segments(1).fit(&s.counts)?;
            let mut v = serde_json::to_value(&post)?;
            v["map_change_dates"] = json!(
                post.map_changes()
                    .iter()
                    .map(|&k| date(k))
                    .collect::<Vec<_>>()
            );
            v["log_bayes_factor"] = json!(post.log_bayes_factor());
            v["expected_changes"] = json!(post.expected_changes());
            v["map_n_changes"] = json!(post.map_changes().len());
            let tail = post.segment_count_tail_mass().unwrap_or(0.0);
            let summary = format!(
                "MAP changes on days {:?} ({} changes), expected number of changes {:.2}, \
                 posterior of the count over 0..={} changes (mass beyond {tail:.1e}), log Bayes factor {:.2}",
                post.map_changes(),
                post.map_changes().len(),
                post.expected_changes(),
                post.segment_count_posterior().map_or(0, |k| k.len()) - 1,
                post.log_bayes_factor()
            );
            ("segments", v, summary)
        }
    };
    v["model"] = json!(name);
    v["direction"] = json!(spec.direction.name());
    let json = finished_json(&a.out, &v)?;
    if let Some(p) = &a.plot {
        let (bars, rate) = model_curves(spec, false, &a.model.params(), &s.counts, None)?;
        let c: Vec<f64> = s.counts.iter().map(|&x| f64::from(x)).collect();
        let labels: Option<Vec<String>> = s
            .days
            .as_ref()
            .map(|d| d.iter().map(|&x| format_day(x)).collect());
        let fig = threatstat_plot::ChangepointFigure {
            title: format!("{name} posterior of {}", a.counts.display()),
            day_labels: labels.as_deref(),
            count_label: s.column.clone(),
            ..threatstat_plot::ChangepointFigure::new(&c, &bars, &rate)
        };
        threatstat_plot::changepoint_figure(&fig, p)?;
    }
    json.commit()?;
    eprintln!("{} days: {summary} -> {}", s.counts.len(), a.out.display());
    Ok(())
}

/// `v` as pretty JSON in a finished (not yet visible) output: the JSON
/// appears only after the figure, if any, was drawn.
fn finished_json(
    out: &Path,
    v: &Value,
) -> Result<threatstat_core::atomic::Finished, Box<dyn Error + Send + Sync>> {
    let mut f = threatstat_core::atomic::AtomicFile::create(out)?;
    serde_json::to_writer_pretty(&mut f, v)?;
    f.write_all(b"\n")?;
    Ok(f.finish()?)
}

fn fit(a: &FitArgs) -> Res {
    a.model.check_mcmc()?;
    prepare(
        &[Some(a.counts.as_path())],
        &[Some(a.out.as_path())],
        &[a.plot.as_deref()],
    )?;
    let s = read_count_series(&a.counts, a.column.as_deref())?;
    let spec = model_spec(a.model_kind, a.direction, a.model.alpha, None, None);
    if spec.model != ModelKind::Switchpoint {
        return fit_other(a, &s, &spec);
    }
    let params = a.model.params().direction(spec.direction);
    let exact = params.fit(&s.counts)?;
    let method = match a.model.method {
        MethodArg::Exact => "exact",
        MethodArg::Gibbs => "gibbs",
        MethodArg::Metropolis => "metropolis",
    };
    let mcmc = a
        .model
        .mcmc()
        .map(|p| params.sample(&s.counts, &p))
        .transpose()?;
    let v = posterior_json(&exact, mcmc.as_ref(), s.days.as_deref(), method)?;
    let json = finished_json(&a.out, &v)?;
    if let Some(m) = &mcmc {
        for w in &m.warnings {
            eprintln!("warning: {w}");
        }
    }
    if let Some(p) = &a.plot {
        let labels = s
            .days
            .as_ref()
            .map(|d| d.iter().map(|&x| format_day(x)).collect());
        figure(
            p,
            format!("Switchpoint posterior of {}", a.counts.display()),
            &s.counts,
            &exact,
            labels,
            &s.column,
            None,
        )?;
    }
    json.commit()?;
    eprintln!(
        "{} days: MAP change on day {} (P = {:.3}), E[λ1] = {:.3}, E[λ2] = {:.3}, log Bayes factor {:.2} -> {}",
        s.counts.len(),
        v["map_tau"],
        v["p_map"].as_f64().unwrap_or(f64::NAN),
        v["lambda_1_mean"].as_f64().unwrap_or(f64::NAN),
        v["lambda_2_mean"].as_f64().unwrap_or(f64::NAN),
        exact.log_bayes_factor(),
        a.out.display()
    );
    Ok(())
}

fn logons(a: &LogonsArgs) -> Res {
    // Settings first: a bad one fails here, not once per user.
    let spec = ModelSpec {
        against_stop: a.against_stop,
        approximate: a.approximate,
        ..model_spec(
            a.model_kind,
            a.direction,
            a.model.alpha,
            a.tolerance,
            a.change_prob,
        )
    };
    spec.check()?;
    a.model.check_mcmc()?;
    prepare(
        &[Some(a.logon.as_path())],
        &[Some(a.out.as_path())],
        &[a.plot.as_deref()],
    )?;
    let window = a
        .hours
        .as_deref()
        .map(str::parse::<HourWindow>)
        .transpose()?;
    let policy = if a.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    };
    let counts = LogonLoader::new()
        .bad_rows(policy)
        .hour_window(window)
        .load(&a.logon)?;
    let summary = counts.summary();
    if counts.skip_report().skipped > 0 {
        eprintln!("{}: {}", a.logon.display(), counts.skip_report());
    }
    // A header and nothing usable is a wrong file, not an empty result.
    if summary.rows == 0 {
        return Err(format!("{}: no data rows", a.logon.display()).into());
    }
    if summary.days() > 3_660 {
        // Dates are bounded (1970..=2099), but a decade of days per user
        // already makes the episode and segments models slow.
        eprintln!(
            "warning: {}: the rows span {} days ({} to {}): check for outlying dates; \
             the episode and segments models take time quadratic in a user's days",
            a.logon.display(),
            summary.days(),
            summary.first_day.map(format_day).unwrap_or_default(),
            summary.last_day.map(format_day).unwrap_or_default()
        );
    }
    let span = match a.span {
        SpanArg::User => Span::User,
        SpanArg::Global => Span::Global,
    };
    let daily = counts.daily(span);
    eprintln!(
        "{}: {} rows, {} logons ({} counted{}), {} users",
        a.logon.display(),
        summary.rows,
        summary.logons,
        summary.counted_logons,
        window.map(|w| format!(" in hours {w}")).unwrap_or_default(),
        daily.len()
    );
    let series: Vec<Vec<u32>> = daily.iter().map(|d| d.counts.clone()).collect();
    // The published model on raw counts keeps its own path (and MCMC).
    let classic = spec.model == ModelKind::Switchpoint
        && spec.direction == Direction::Any
        && a.baseline == BaselineArg::None;
    let method = match a.model.mcmc() {
        Some(p) if classic => Method::Mcmc(p),
        Some(_) => {
            return Err("MCMC (--method gibbs|metropolis) samples the unrestricted switchpoint on raw counts; \
                 use --method exact with --model episode|segments, --direction or --baseline"
                .into());
        }
        None => Method::Exact,
    };
    let exposures = population_exposures(&daily, a.baseline)?;
    let bar = indicatif::ProgressBar::new(series.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} users {elapsed} (eta {eta})")
            .expect("valid template"),
    );
    let t0 = std::time::Instant::now();
    // Every fit as a ModelFit, with the switchpoint's MCMC columns beside it.
    let fits: Vec<Result<(ModelFit, Option<SeriesFit>), String>> = if classic {
        fit_all(&series, &a.model.params(), method, &|| bar.inc(1))
            .into_iter()
            .map(|r| {
                r.map(|f| {
                    let m = ModelFit {
                        index: f.index,
                        n_days: f.n_days,
                        start: Some(f.map_tau),
                        end: None,
                        map_probability: f.map_probability,
                        rate_before: f.lambda_1_mean,
                        rate_after: f.lambda_2_mean,
                        log_bayes_factor: f.log_bayes_factor,
                        n_changes: None,
                        changes: Vec::new(),
                        expected_changes: None,
                        change_count_posterior: None,
                        change_count_tail_mass: None,
                    };
                    (m, Some(f))
                })
                .map_err(|e| e.to_string())
            })
            .collect()
    } else {
        fit_models(&series, exposures.as_deref(), &spec, &|| bar.inc(1))
            .into_iter()
            .map(|r| r.map(|f| (f, None)).map_err(|e| e.to_string()))
            .collect()
    };
    bar.finish_and_clear();
    let mut rows: Vec<(usize, ModelFit, Option<SeriesFit>)> = Vec::new();
    let mut failed: Vec<(usize, String)> = Vec::new();
    for (i, f) in fits.into_iter().enumerate() {
        match f {
            Ok((f, s)) => rows.push((i, f, s)),
            Err(e) => failed.push((i, e)),
        }
    }
    if rows.is_empty()
        && let Some((_, why)) = failed.first()
    {
        return Err(format!(
            "no user could be fitted ({} users; the first: {why})",
            failed.len()
        )
        .into());
    }
    rows.sort_by(|x, y| {
        y.1.log_bayes_factor
            .total_cmp(&x.1.log_bayes_factor)
            .then(x.0.cmp(&y.0))
    });
    let mcmc = matches!(method, Method::Mcmc(_));
    // The table appears after the figures were drawn (a failed figure
    // leaves no table).
    let table = if spec.model == ModelKind::Segments {
        write_segment_rows(&a.out, &daily, &rows, &failed)?
    } else {
        write_change_rows(&a.out, &daily, &rows, &failed, mcmc)?
    };
    eprintln!(
        "fitted {} users in {:.2} s{} -> {}",
        rows.len(),
        t0.elapsed().as_secs_f64(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(
                " ({} could not be fitted; listed last with the reason)",
                failed.len()
            )
        },
        a.out.display()
    );
    let label = if window.is_some() {
        "logons in the hour window per day"
    } else {
        "logons per day"
    };
    let draw = |i: usize, r: &ModelFit, path: &Path| -> Res {
        let d = &daily[i];
        let m = exposures.as_ref().map(|e| e[i].as_slice());
        let day = |k: usize| format_day(d.first_day + k as i64);
        let what = match (spec.model, r.start, r.end) {
            (ModelKind::Episode, Some(s), Some(e)) => format!("episode {} to {}", day(s), day(e)),
            (ModelKind::Segments, Some(s), _) => {
                format!("{} change(s), first on {}", r.changes.len(), day(s))
            }
            (_, Some(s), _) => format!("change on {}", day(s)),
            _ => "no change".to_string(),
        };
        let title = format!(
            "{}: log Bayes factor {:.1}, {what}",
            d.user, r.log_bayes_factor
        );
        let (bars, rate) = model_curves(&spec, classic, &a.model.params(), &d.counts, m)?;
        let c: Vec<f64> = d.counts.iter().map(|&x| f64::from(x)).collect();
        let dates = d.dates();
        let fig = threatstat_plot::ChangepointFigure {
            title,
            day_labels: Some(&dates),
            count_label: label.to_string(),
            ..threatstat_plot::ChangepointFigure::new(&c, &bars, &rate)
        };
        threatstat_plot::changepoint_figure(&fig, path)?;
        Ok(())
    };
    if let (Some(path), Some((i, r, _))) = (&a.plot, rows.first()) {
        draw(*i, r, path)?;
    }
    if let Some(dir) = &a.plot_dir {
        let run = threatstat_core::manifest::Run::begin(dir)?;
        for (i, r, _) in rows.iter().take(a.plot_top) {
            draw(*i, r, &dir.join(format!("{}.png", daily[*i].user)))?;
        }
        run.finish()?;
    }
    table.commit()?;
    Ok(())
}

/// Exposures of every user relative to the population (leave-one-out), or
/// none for raw counts.
fn population_exposures(
    daily: &[threatstat_datasets::cert::DailyCounts],
    baseline: BaselineArg,
) -> Result<Option<Vec<Vec<f64>>>, Box<dyn Error + Send + Sync>> {
    let kind = match baseline {
        BaselineArg::None => return Ok(None),
        BaselineArg::Population => BaselineKind::Population,
        BaselineArg::DayOfWeek => BaselineKind::DayOfWeek,
        BaselineArg::WeekdayWeekend => BaselineKind::WeekdayWeekend,
    };
    let series: Vec<(i64, &[u32])> = daily
        .iter()
        .map(|d| (d.first_day, d.counts.as_slice()))
        .collect();
    let base = Baseline::params().kind(kind).fit(&series)?;
    let m = daily
        .iter()
        .map(|d| base.exposures_leave_one_out(d.first_day, &d.counts))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(m))
}

/// The bars (posterior of the change day, of the episode start, or the
/// change probability per day) and the expected count per day of a model,
/// for the figure.
fn model_curves(
    spec: &ModelSpec,
    classic: bool,
    params: &SwitchpointParams,
    counts: &[u32],
    m: Option<&[f64]>,
) -> Result<(Vec<f64>, Vec<f64>), Box<dyn Error + Send + Sync>> {
    let scale = |rate: Vec<f64>| -> Vec<f64> {
        match m {
            Some(m) => rate.iter().zip(m).map(|(r, x)| r * x).collect(),
            None => rate,
        }
    };
    Ok(match spec.model {
        ModelKind::Switchpoint => {
            let p = if classic {
                *params
            } else {
                spec.switchpoint_params()
            };
            let post = match m {
                Some(m) => p.fit_with_exposures(counts, m)?,
                None => p.fit(counts)?,
            };
            (post.tau_posterior().to_vec(), scale(post.expected_rate()))
        }
        ModelKind::Episode => {
            let p = spec.episode_params();
            let post = match m {
                Some(m) => p.fit_with_exposures(counts, m)?,
                None => p.fit(counts)?,
            };
            (
                post.start_posterior().to_vec(),
                scale(post.expected_rate().to_vec()),
            )
        }
        ModelKind::Segments => {
            let p = spec.segmentation_params();
            let post = match m {
                Some(m) => p.fit_with_exposures(counts, m)?,
                None => p.fit(counts)?,
            };
            let mut rate = Vec::with_capacity(counts.len());
            let bounds: Vec<usize> = post
                .map_changes()
                .iter()
                .copied()
                .chain([counts.len()])
                .collect();
            let mut from = 0;
            for (&to, &r) in bounds.iter().zip(post.map_segment_rates()) {
                rate.extend(std::iter::repeat_n(r, to - from));
                from = to;
            }
            (post.change_probability().to_vec(), scale(rate))
        }
    })
}
