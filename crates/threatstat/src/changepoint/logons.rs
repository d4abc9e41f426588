//! `threatstat changepoint logons`: every user of a CERT logon.csv, ranked.

use super::{BaselineArg, ModelArgs, Res, draw};
use crate::args;
use crate::outputs::prepare;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use threatstat_changepoint::batch::{ModelFit, ModelKind, ModelSpec};
use threatstat_changepoint::io::format_day;
use threatstat_core::{BadRowPolicy, ParamGuard};
use threatstat_datasets::cert::{HourWindow, LogonLoader, Span};
use threatstat_workflow::changepoint::{RankParams, rank_users_with_progress};

pub const EXAMPLES: &str = "Examples:
  threatstat changepoint generate --users 200 --days 365 --planted 10 --out logon.csv --truth truth.json
  threatstat changepoint logons --input logon.csv --hours 18-7 --out users.csv --plot-dir top_users/
  threatstat changepoint logons --input logon.csv --hours 18-7 --kind episode --direction up --against-stop \\
      --baseline day-of-week --out episodes.csv
  threatstat changepoint logons --input logon.csv --hours 18-7 --prior-rate eb-pooled --out users.csv";

#[derive(Args)]
pub struct LogonsArgs {
    /// CERT logon.csv (gzip allowed; with or without the id column).
    #[arg(long, alias = "logon")]
    input: PathBuf,
    /// Count only logons in this hour window, e.g. 18-7 (after hours) or 9-17.
    #[arg(long)]
    hours: Option<String>,
    /// Each user's days run from their own first to last activity (user) or over the whole file (global).
    #[arg(long, value_enum, default_value = "user")]
    span: SpanArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    /// Output table, one row per user, most likely change first: CSV, or
    /// Parquet / Arrow IPC by the extension (`.parquet`, `.arrow`); `-` for
    /// standard output (CSV).
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
pub enum SpanArg {
    /// From the user's first to last day of activity.
    User,
    /// The whole file's period.
    Global,
}

pub fn run(a: &LogonsArgs) -> Res {
    // Settings first: a bad one fails here, not once per user.
    let params = RankParams {
        spec: ModelSpec {
            against_stop: a.against_stop,
            approximate: a.approximate,
            tolerance: a.tolerance,
            change_prob: a.change_prob,
            ..a.model.spec()
        },
        mcmc: a.model.mcmc(),
        baseline: a.baseline.kind(),
    };
    a.model.check_mcmc()?;
    let published = params.spec.model == ModelKind::Switchpoint
        && params.spec.direction == threatstat_changepoint::Direction::Any
        && params.baseline.is_none();
    if params.mcmc.is_some() && !published {
        return Err(
            "MCMC (--method gibbs|metropolis) samples the unrestricted switchpoint on raw counts; \
             use --method exact with --kind episode|segments, --direction or --baseline"
                .into(),
        );
    }
    params.check()?;
    prepare(
        &[Some(a.input.as_path())],
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
        .load(&a.input)?;
    let summary = counts.summary();
    if counts.skip_report().skipped > 0 {
        eprintln!("{}: {}", a.input.display(), counts.skip_report());
    }
    // A header and nothing usable is a wrong file, not an empty result.
    if summary.rows == 0 {
        return Err(format!("{}: no data rows", a.input.display()).into());
    }
    if summary.days() > 3_660 {
        // Dates are bounded (1970..=2099), but a decade of days per user
        // already makes the episode and segments models slow.
        eprintln!(
            "warning: {}: the rows span {} days ({} to {}): check for outlying dates; \
             the episode and segments models take time quadratic in a user's days",
            a.input.display(),
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
    let quiet = a.model.quiet;
    if !quiet {
        eprintln!(
            "{}: {} rows, {} logons ({} counted{}), {} users",
            a.input.display(),
            summary.rows,
            summary.logons,
            summary.counted_logons,
            window.map(|w| format!(" in hours {w}")).unwrap_or_default(),
            daily.len()
        );
    }
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(daily.len() as u64)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} users {elapsed} (eta {eta})")
            .expect("valid template"),
    );
    let t0 = std::time::Instant::now();
    let ranking = rank_users_with_progress(&daily, &params, &|| bar.inc(1))?;
    bar.finish_and_clear();
    if let (Some(p), false) = (&ranking.prior, quiet) {
        eprintln!(
            "pooled empirical-Bayes prior rate α = {:.6} over {} users (pooled 1/mean {:.6}; \
             summed log marginal {:.3} vs {:.3}; {} Brent iterations: {})",
            p.alpha,
            p.series,
            p.mean_rule_alpha,
            p.log_marginal,
            p.log_marginal_mean_rule,
            p.iterations,
            p.termination
        );
    }
    // The table appears after the figures were drawn (a failed figure
    // leaves no table).
    let columnar = threatstat_table::Format::of(&a.out).is_columnar();
    let table = if columnar {
        None
    } else {
        Some(ranking.write_csv(&daily, &a.out)?)
    };
    if !quiet {
        eprintln!(
            "fitted {} users in {:.2} s{} -> {}",
            ranking.rows.len(),
            t0.elapsed().as_secs_f64(),
            if ranking.failed.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} could not be fitted; listed last with the reason)",
                    ranking.failed.len()
                )
            },
            a.out.display()
        );
    }
    crate::summary::Summary::new(quiet).table(&top_users(&ranking, &daily, params.spec.model));
    let label = if window.is_some() {
        "logons in the hour window per day"
    } else {
        "logons per day"
    };
    let figure = |i: usize, r: &ModelFit, path: &std::path::Path| -> Res {
        let d = &daily[i];
        let dates = d.dates();
        let what = match (params.spec.model, r.start, r.end) {
            (ModelKind::Episode, Some(s), Some(e)) => {
                format!("episode {} to {}", dates[s], dates[e])
            }
            (ModelKind::Segments, Some(s), _) => {
                format!("{} change(s), first on {}", r.changes.len(), dates[s])
            }
            (_, Some(s), _) => format!("change on {}", dates[s]),
            _ => "no change".to_string(),
        };
        let title = format!(
            "{}: log Bayes factor {:.1}, {what}",
            d.user, r.log_bayes_factor
        );
        let curves = ranking.curves(&daily, i)?;
        draw(path, title, &d.counts, curves, Some(&dates), label)
    };
    if let (Some(path), Some(r)) = (&a.plot, ranking.rows.first()) {
        figure(r.index, &r.fit, path)?;
    }
    if let Some(dir) = &a.plot_dir {
        let run = threatstat_core::manifest::Run::begin(dir)?;
        for r in ranking.rows.iter().take(a.plot_top) {
            figure(
                r.index,
                &r.fit,
                &dir.join(format!("{}.png", daily[r.index].user)),
            )?;
        }
        run.finish()?;
    }
    match table {
        Some(t) => t.commit()?,
        None => threatstat_table::write_csv_as(&a.out, &crate::tables::changepoint_users(), |p| {
            ranking.write_csv(&daily, p)?.commit()
        })?,
    }
    Ok(())
}

/// The ten users most likely to have changed: rank, user, log Bayes
/// factor, where the change is, the rates before and after.
fn top_users(
    ranking: &threatstat_workflow::changepoint::Ranking,
    daily: &[threatstat_datasets::cert::DailyCounts],
    model: ModelKind,
) -> crate::summary::Table {
    use crate::summary::{Table, clip, num};
    let change = match model {
        ModelKind::Episode => "episode",
        ModelKind::Segments => "first_change",
        _ => "change_day",
    };
    let mut t = Table::new(&[
        "rank",
        "user",
        "log_bayes_factor",
        change,
        "rate_before",
        "rate_after",
    ]);
    for (k, r) in ranking.rows.iter().take(10).enumerate() {
        let d = &daily[r.index];
        let dates = d.dates();
        let f = &r.fit;
        let day = |i: Option<usize>| i.and_then(|i| dates.get(i).cloned());
        let at = match (model, day(f.start), day(f.end)) {
            (ModelKind::Episode, Some(s), Some(e)) => format!("{s} to {e}"),
            (_, Some(s), _) => s,
            _ => "-".into(),
        };
        t.row(vec![
            (k + 1).to_string(),
            clip(&d.user, 24),
            num(f.log_bayes_factor),
            at,
            num(f.rate_before),
            num(f.rate_after),
        ]);
    }
    t
}
