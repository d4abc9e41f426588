//! `threatstat changepoint ...`: one file per subcommand; the arguments
//! they share are here.

use crate::args;
use clap::{Args, Subcommand, ValueEnum};
use std::error::Error;
use threatstat_changepoint::baseline::BaselineKind;
use threatstat_changepoint::batch::{ModelKind, ModelSpec};
use threatstat_changepoint::{ChangepointError, Direction, McmcParams, PriorRate, Sampler};
use threatstat_core::ParamGuard;

mod fit;
mod generate;
mod logons;

type Res = Result<(), Box<dyn Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum ChangepointCmd {
    /// Fit one daily count series (exact posterior or MCMC); writes posterior.json.
    #[command(after_help = fit::EXAMPLES)]
    Fit(fit::FitArgs),
    /// Fit every user of a CERT logon.csv in parallel; writes one row per user.
    #[command(after_help = logons::EXAMPLES)]
    Logons(logons::LogonsArgs),
    /// Write a CERT-format logon.csv with planted after-hours changes, and its ground truth.
    #[command(after_help = generate::EXAMPLES)]
    Generate(generate::GenerateArgs),
}

pub fn run(cmd: ChangepointCmd) -> Res {
    match cmd {
        ChangepointCmd::Fit(a) => fit::run(&a),
        ChangepointCmd::Logons(a) => logons::run(&a),
        ChangepointCmd::Generate(a) => generate::run(&a),
    }
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

/// The model settings `fit` and `logons` share.
#[derive(Args)]
pub struct ModelArgs {
    /// One change (switchpoint), an interval at another rate (episode), or any number of changes (segments).
    #[arg(long, alias = "model", value_enum, default_value = "switchpoint")]
    kind: KindArg,
    /// Only increases (up: the new or episode rate above the old), only decreases (down), or any change.
    #[arg(long, value_enum, default_value = "any")]
    direction: DirectionArg,
    /// Exact posterior or an MCMC sampler.
    #[arg(long, value_enum, default_value = "exact")]
    method: MethodArg,
    /// Rate α of the Exponential prior of the Poisson rates: mean (1/mean of each series), a
    /// number, eb (per series, maximising the switchpoint's marginal likelihood) or eb-pooled
    /// (one α for all users of `logons`).
    #[arg(long = "prior-rate", alias = "alpha", default_value = "mean", value_parser = prior_rate)]
    prior_rate: PriorRate,
    /// MCMC chains.
    #[arg(long, default_value_t = 4, value_parser = args::int::<usize>(1, 1024))]
    chains: usize,
    /// MCMC draws kept per chain.
    #[arg(long, default_value_t = 2000, value_parser = args::int::<usize>(4, 10_000_000))]
    draws: usize,
    /// MCMC warm-up steps per chain.
    #[arg(long, default_value_t = 1000, value_parser = args::int::<usize>(0, 10_000_000))]
    tune: usize,
    /// MCMC seed (same seed, same draws, any thread count).
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// No progress bar or summary lines on stderr.
    #[arg(long)]
    quiet: bool,
}

impl ModelArgs {
    /// The model settings of the command line.
    fn spec(&self) -> ModelSpec {
        ModelSpec {
            model: match self.kind {
                KindArg::Switchpoint => ModelKind::Switchpoint,
                KindArg::Episode => ModelKind::Episode,
                KindArg::Segments => ModelKind::Segments,
            },
            direction: match self.direction {
                DirectionArg::Any => Direction::Any,
                DirectionArg::Up => Direction::Up,
                DirectionArg::Down => Direction::Down,
            },
            prior_rate: self.prior_rate,
            // Segments: the posterior of the number of changes, as far as it has mass.
            segment_counts: self.kind == KindArg::Segments,
            ..ModelSpec::default()
        }
    }

    /// The MCMC settings checked together (chains × draws is capped in
    /// the library), the flag of the parameter named in the error.
    fn check_mcmc(&self) -> Res {
        if let Some(p) = self.mcmc() {
            p.check().map_err(|e| match &e {
                ChangepointError::Core(threatstat_core::Error::Param { name, .. }) => {
                    format!("--{name}: {e}")
                }
                _ => format!("--chains, --draws, --tune: {e}"),
            })?;
        }
        Ok(())
    }

    /// Chains, draws and seed of the command line (with any method: the
    /// exact method's independent draws use them too).
    fn mcmc_settings(&self) -> McmcParams {
        McmcParams::default()
            .chains(self.chains)
            .draws(self.draws)
            .tune(self.tune)
            .seed(self.seed)
    }

    fn mcmc(&self) -> Option<McmcParams> {
        let s = match self.method {
            MethodArg::Exact => return None,
            MethodArg::Gibbs => Sampler::Gibbs,
            MethodArg::Metropolis => Sampler::Metropolis,
        };
        Some(self.mcmc_settings().sampler(s))
    }
}

/// `--prior-rate`: `mean`, `eb`, `eb-pooled` or a finite number > 0.
fn prior_rate(s: &str) -> Result<PriorRate, String> {
    s.parse()
        .map_err(|_| "must be a finite number > 0, or mean, eb or eb-pooled".to_string())
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
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

impl BaselineArg {
    fn kind(self) -> Option<BaselineKind> {
        match self {
            BaselineArg::None => None,
            BaselineArg::Population => Some(BaselineKind::Population),
            BaselineArg::DayOfWeek => Some(BaselineKind::DayOfWeek),
            BaselineArg::WeekdayWeekend => Some(BaselineKind::WeekdayWeekend),
        }
    }
}

/// A figure of one series: the counts, the model's bars and expected counts.
fn draw(
    path: &std::path::Path,
    title: String,
    counts: &[u32],
    (bars, rate): (Vec<f64>, Vec<f64>),
    day_labels: Option<&[String]>,
    count_label: &str,
) -> Res {
    let c: Vec<f64> = counts.iter().map(|&x| f64::from(x)).collect();
    let fig = threatstat_plot::ChangepointFigure {
        title,
        day_labels,
        count_label: count_label.to_string(),
        ..threatstat_plot::ChangepointFigure::new(&c, &bars, &rate)
    };
    threatstat_plot::changepoint_figure(&fig, path)?;
    Ok(())
}
