//! `threatstat changepoint fit`: one daily count series.

use super::{ModelArgs, Res, draw};
use crate::outputs::prepare;
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_changepoint::batch::ModelKind;
use threatstat_changepoint::file::{PosteriorFile, SwitchpointFile};
use threatstat_changepoint::io::{CountSeries, format_day, read_count_series};
use threatstat_changepoint::ppc::{self, Ppc, PpcParams};
use threatstat_changepoint::prior_eb::EbPrior;
use threatstat_changepoint::{ChangePosterior, PriorRate};
use threatstat_core::atomic::Finished;
use threatstat_core::{ModelFile, ParamGuard};

pub const EXAMPLES: &str = "Examples:
  threatstat changepoint fit --input data/bmh/txtdata.csv --out posterior.json --plot switchpoint.png
  threatstat changepoint fit --input data/bmh/txtdata.csv --method gibbs --chains 4 --draws 2000 --out -
  threatstat changepoint fit --input data/bmh/txtdata.csv --method gibbs --out posterior.json \
      --draws-out draws.csv --ppc ppc.png
  threatstat changepoint fit --input data/bmh/txtdata.csv --kind episode --direction up --out episode.json
  threatstat changepoint fit --input data/bmh/txtdata.csv --prior-rate eb --out -";

#[derive(Args)]
pub struct FitArgs {
    /// CSV with one count per day (header optional; optional date column),
    /// or a `.parquet`/`.arrow` file with an integer counts column and an
    /// optional date (or timestamp) column.
    #[arg(long, alias = "counts")]
    input: PathBuf,
    /// Name of the counts column.
    #[arg(long)]
    column: Option<String>,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    /// Output posterior file (JSON; `-` for standard output).
    #[arg(long)]
    out: PathBuf,
    /// Also draw the counts, the expected rate and the posterior of the change (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Switchpoint only: write the posterior draws as a tidy CSV table `chain,draw,lambda_1,
    /// lambda_2,tau` (ArviZ loads it, see README). With --method exact: independent draws from
    /// the exact posterior (--chains × --draws, --seed).
    #[arg(long)]
    draws_out: Option<PathBuf>,
    /// Switchpoint only: posterior predictive check; draws the observed counts over the band of
    /// replicated ones (.png or .svg) and adds a `ppc` block (dispersion check) to the JSON.
    #[arg(long)]
    ppc: Option<PathBuf>,
    /// Switchpoint only: trace and rank plots of the draws of λ1, λ2 and τ per chain (.png or
    /// .svg; as ArviZ's plot_trace and plot_rank).
    #[arg(long)]
    trace_plot: Option<PathBuf>,
}

pub fn run(a: &FitArgs) -> Res {
    a.model.check_mcmc()?;
    prepare(
        &[Some(a.input.as_path())],
        &[Some(a.out.as_path()), a.draws_out.as_deref()],
        &[a.plot.as_deref(), a.ppc.as_deref(), a.trace_plot.as_deref()],
    )?;
    if a.model.spec().prior_rate == PriorRate::EmpiricalBayesPooled {
        return Err(
            "--prior-rate eb-pooled pools over the users of `changepoint logons`; \
                    for one series use --prior-rate eb"
                .into(),
        );
    }
    // CSV, or Parquet / Arrow IPC by the extension (the library's reader).
    let s = read_count_series(&a.input, a.column.as_deref())?;
    // An empirical-Bayes α is found here (its solver state goes to the file).
    let (spec, prior) = a.model.spec().resolve(&s.counts, None)?;
    let prior = prior.as_ref();
    let days = s.days.as_deref();
    let wants_draws = a.draws_out.is_some() || a.ppc.is_some() || a.trace_plot.is_some();
    if spec.model != ModelKind::Switchpoint && wants_draws {
        return Err(
            "--draws-out, --ppc and --trace-plot need --kind switchpoint (the model with draws)"
                .into(),
        );
    }
    // The switchpoint's summary table and check, printed after the file.
    let mut extra = None;
    let (file, summary) = match spec.model {
        ModelKind::Switchpoint => {
            let params = spec.switchpoint_params()?;
            let exact = params.fit(&s.counts)?;
            let mcmc = a
                .model
                .mcmc()
                .map(|p| params.sample(&s.counts, &p))
                .transpose()?;
            let mut sp = SwitchpointFile::new(&exact, mcmc.as_ref(), days)?;
            if let Some(m) = &mcmc {
                for w in &m.warnings {
                    eprintln!("warning: {w}");
                }
            }
            // Draws for the tidy table and the check: the sampler's, or
            // independent draws of the exact posterior.
            let exact_draws;
            let draws = match &mcmc {
                Some(m) => Some(m.chains.as_slice()),
                None if wants_draws => {
                    let m = a.model.mcmc_settings();
                    m.check().map_err(|e| format!("--chains, --draws: {e}"))?;
                    exact_draws = exact.draws(m.chains, m.draws, m.seed)?;
                    Some(exact_draws.as_slice())
                }
                None => None,
            };
            if let (Some(path), Some(d)) = (&a.ppc, draws) {
                let ppc = ppc::check(
                    &s.counts,
                    d,
                    &PpcParams {
                        seed: a.model.mcmc_settings().seed,
                        ..PpcParams::default()
                    },
                )?;
                ppc_figure(a, path, &s, &ppc)?;
                sp.ppc = Some(ppc);
            }
            if let (Some(path), Some(d)) = (&a.trace_plot, draws) {
                let var = |n| threatstat_changepoint::draws::variable(d, n).unwrap_or_default();
                let (l1, l2, tau) = (var("lambda_1"), var("lambda_2"), var("tau"));
                let name = a.input.file_name().unwrap_or(a.input.as_os_str());
                let fig = threatstat_plot::TraceFigure {
                    title: format!("{} draws of {}", sp.method, name.display()),
                    ..threatstat_plot::TraceFigure::new(vec![
                        ("λ1".into(), &l1[..]),
                        ("λ2".into(), &l2[..]),
                        ("τ".into(), &tau[..]),
                    ])
                };
                threatstat_plot::trace_figure(&fig, path)?;
            }
            let table = (sp.interval.clone(), sp.summary.table());
            let ppc_line = sp.ppc.as_ref().map(|p| {
                let ps: Vec<String> = p
                    .regimes
                    .iter()
                    .map(|r| {
                        format!(
                            "{} p = {:.3} (D = {:.2})",
                            r.regime, r.p_value, r.observed_dispersion
                        )
                    })
                    .collect();
                format!(
                    "posterior predictive check of variance/mean: {}; {}",
                    ps.join(", "),
                    p.verdict
                )
            });
            let summary = format!(
                "MAP change on day {} (P = {:.3}), E[λ1] = {:.3}, E[λ2] = {:.3}, log Bayes factor {:.2}",
                sp.map_tau,
                sp.p_map,
                sp.lambda_1_mean,
                sp.lambda_2_mean,
                exact.log_bayes_factor(),
            );
            let draws_file = match (&a.draws_out, draws) {
                (Some(path), Some(d)) => {
                    let mut f = threatstat_core::atomic::AtomicFile::create(path)?;
                    threatstat_changepoint::draws::write_csv(d, &mut f)?;
                    Some(f.finish()?)
                }
                _ => None,
            };
            let json = finished(&a.out, &PosteriorFile::Switchpoint(sp), prior)?;
            figure(a, &s, "Switchpoint", &exact)?;
            if let Some(f) = draws_file {
                f.commit()?;
            }
            extra = Some((table, ppc_line));
            (json, summary)
        }
        _ if a.model.mcmc().is_some() => {
            return Err(
                "MCMC (--method gibbs|metropolis) samples the switchpoint only; use --method exact"
                    .into(),
            );
        }
        ModelKind::Episode => {
            let post = spec.episode_params()?.fit(&s.counts)?;
            let (start, end) = post.map_interval();
            let summary = format!(
                "MAP episode days {start}..={} (P = {:.3}), E[λ outside] = {:.3}, E[λ inside] = {:.3}, log Bayes factor {:.2}",
                end - 1,
                post.map_probability(),
                post.rate_outside_mean(),
                post.rate_inside_mean(),
                post.log_bayes_factor()
            );
            figure(a, &s, "episode", &post)?;
            (
                finished(&a.out, &PosteriorFile::episode(post, days), prior)?,
                summary,
            )
        }
        ModelKind::Segments => {
            // max_segments(1): the posterior of the number of segments grows
            // until the mass beyond is below COUNT_TAIL_MASS (never cut).
            let post = spec.segmentation_params()?.max_segments(1).fit(&s.counts)?;
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
            figure(a, &s, "segments", &post)?;
            let mut file = PosteriorFile::segments(post, days);
            if let PosteriorFile::Segments(f) = &mut file {
                f.direction = spec.direction;
            }
            (finished(&a.out, &file, prior)?, summary)
        }
    };
    // The file appears only after the figure, if any, was drawn.
    file.commit()?;
    if !a.model.quiet {
        if let Some(p) = prior {
            eprintln!(
                "empirical-Bayes prior rate α = {:.6} (1/mean {:.6}; log marginal {:.3} vs {:.3}; \
                 {} Brent iterations: {})",
                p.alpha,
                p.mean_rule_alpha,
                p.log_marginal,
                p.log_marginal_mean_rule,
                p.iterations,
                p.termination
            );
        }
        eprintln!("{} days: {summary} -> {}", s.counts.len(), a.out.display());
        if let Some(((interval, table), ppc_line)) = &extra {
            eprint!("interval: {interval}\n{table}");
            if let Some(l) = ppc_line {
                eprintln!("{l}");
            }
        }
    }
    Ok(())
}

/// The figure of `--plot`: the counts, the posterior of the change and the
/// expected rate, from the posterior fitted (no refit).
fn figure<P: ChangePosterior>(a: &FitArgs, s: &CountSeries, name: &str, post: &P) -> Res {
    let Some(path) = &a.plot else {
        return Ok(());
    };
    let labels: Option<Vec<String>> = s
        .days
        .as_ref()
        .map(|d| d.iter().map(|&x| format_day(x)).collect());
    // The file's name, not its path; a headerless file's column is a
    // number, not a label.
    let file = a.input.file_name().map_or_else(
        || a.input.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let count_label = if s.header { s.column.as_str() } else { "count" };
    draw(
        path,
        format!("{name} posterior of {file}"),
        &s.counts,
        (post.change_marginal().to_vec(), post.rate_curve().to_vec()),
        labels.as_deref(),
        count_label,
    )
}

/// The figure of `--ppc`: the observed counts over the 5–95% band and
/// median of the replicated counts.
fn ppc_figure(a: &FitArgs, path: &Path, s: &CountSeries, ppc: &Ppc) -> Res {
    let counts: Vec<f64> = s.counts.iter().map(|&x| f64::from(x)).collect();
    let name = a.input.file_name().unwrap_or(a.input.as_os_str());
    let regimes: Vec<String> = ppc
        .regimes
        .iter()
        .map(|r| format!("{} p = {:.3}", r.regime.replace('_', " "), r.p_value))
        .collect();
    let labels: Option<Vec<String>> = s
        .days
        .as_ref()
        .map(|d| d.iter().map(|&x| format_day(x)).collect());
    let fig = threatstat_plot::PpcFigure {
        title: format!("Posterior predictive check of {}", name.display()),
        // A headerless file's column is named by its number: no label.
        count_label: if s.column.chars().all(|c| c.is_ascii_digit()) {
            "count per day".into()
        } else {
            s.column.clone()
        },
        day_labels: labels.as_deref(),
        verdict: format!(
            "variance/mean within each regime: {}: {}",
            regimes.join(", "),
            if ppc.flagged {
                "Poisson does not fit"
            } else {
                "consistent with Poisson"
            }
        ),
        ..threatstat_plot::PpcFigure::new(&counts, &ppc.bands)
    };
    threatstat_plot::ppc_figure(&fig, path)?;
    Ok(())
}

/// The posterior file written but not yet visible; with an empirical-Bayes
/// prior rate its solver state is the last field, `empirical_bayes_prior`
/// (files without it are unchanged).
fn finished(
    out: &Path,
    file: &PosteriorFile,
    prior: Option<&EbPrior>,
) -> Result<Finished, Box<dyn std::error::Error + Send + Sync>> {
    let mut f = threatstat_core::atomic::AtomicFile::create(out)?;
    match prior {
        // Streamed: a 10^5-day posterior is half a megabyte of text.
        None => file.write_json(&mut f)?,
        Some(p) => {
            let json = file.to_json()?;
            let body = json.trim_end().strip_suffix('}').ok_or("a JSON object")?;
            let eb = serde_json::to_string_pretty(p)?.replace('\n', "\n  ");
            write!(
                f,
                "{},\n  \"empirical_bayes_prior\": {eb}\n}}",
                body.trim_end()
            )?;
        }
    }
    f.write_all(b"\n")?;
    Ok(f.finish()?)
}
