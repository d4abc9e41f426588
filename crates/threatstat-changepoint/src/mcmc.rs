//! MCMC samplers of the switchpoint model and their summaries.

use crate::ChangepointError;
use crate::diagnostics;
use crate::exact::Interval;
use rand::RngExt;
use rand_distr::{Distribution, Gamma, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;
use threatstat_core::ParamGuard;
use threatstat_core::rng::SeededRng;

/// Which MCMC algorithm to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    /// Gibbs: λ1, λ2 from their Gamma full conditionals, τ from its discrete
    /// full conditional (O(n) per sweep with prefix sums).
    Gibbs,
    /// Random-walk Metropolis on (log λ1, log λ2, τ), one variable at a time,
    /// with PyMC's step-size tuning during warm-up. τ moves by a rounded
    /// normal step as in PyMC, and with probability
    /// [`McmcParams::tau_jump_prob`] by a uniform jump anywhere in the
    /// series, so that chains can leave a local mode (a pure local walk, as
    /// in PyMC, can stay stuck: set the probability to 0 to reproduce that).
    Metropolis,
}

impl std::str::FromStr for Sampler {
    type Err = ChangepointError;
    fn from_str(s: &str) -> Result<Self, ChangepointError> {
        match s {
            "gibbs" => Ok(Sampler::Gibbs),
            "metropolis" => Ok(Sampler::Metropolis),
            _ => Err(Error::param("sampler", format!("`{s}`"), "gibbs or metropolis").into()),
        }
    }
}

/// MCMC settings (defaults: Gibbs, 4 chains, 2,000 draws, 1,000 tuning
/// steps, seed 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McmcParams {
    /// The sampler.
    pub sampler: Sampler,
    /// Number of chains (run in parallel).
    pub chains: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Warm-up steps per chain (discarded; Metropolis tunes its steps here).
    pub tune: usize,
    /// Seed; chain `c` uses a stream derived from (seed, c), so results do
    /// not depend on the number of threads.
    pub seed: u64,
    /// Metropolis only: probability of proposing τ uniformly over all days
    /// instead of a local step (default 0.1; 0 is PyMC's local walk).
    pub tau_jump_prob: f64,
}

impl Default for McmcParams {
    fn default() -> Self {
        McmcParams {
            sampler: Sampler::Gibbs,
            chains: 4,
            draws: 2000,
            tune: 1000,
            seed: 0,
            tau_jump_prob: 0.1,
        }
    }
}

impl McmcParams {
    /// Sets the sampler.
    pub fn sampler(mut self, s: Sampler) -> Self {
        self.sampler = s;
        self
    }
    /// Sets the number of chains.
    pub fn chains(mut self, n: usize) -> Self {
        self.chains = n;
        self
    }
    /// Sets the number of kept draws per chain.
    pub fn draws(mut self, n: usize) -> Self {
        self.draws = n;
        self
    }
    /// Sets the number of warm-up steps per chain.
    pub fn tune(mut self, n: usize) -> Self {
        self.tune = n;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Sets [`McmcParams::tau_jump_prob`].
    pub fn tau_jump_prob(mut self, p: f64) -> Self {
        self.tau_jump_prob = p;
        self
    }
    /// The largest number of chains [`McmcParams::check`] accepts.
    pub const MAX_CHAINS: usize = 1024;
    /// The largest chains × draws [`McmcParams::check`] accepts (about
    /// 0.6 GB of draws and summaries).
    pub const MAX_TOTAL_DRAWS: usize = 10_000_000;
    /// The largest tune + draws per chain [`McmcParams::check`] accepts.
    pub const MAX_STEPS: usize = 1_000_000_000;
}

/// The draws of one chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainDraws {
    /// λ1 draws.
    pub lambda_1: Vec<f64>,
    /// λ2 draws.
    pub lambda_2: Vec<f64>,
    /// τ draws.
    pub tau: Vec<u32>,
    /// Metropolis acceptance rates of λ1, λ2, τ over the kept draws (1 for Gibbs).
    pub acceptance: [f64; 3],
}

impl ChainDraws {
    fn with_capacity(draws: usize, acceptance: [f64; 3]) -> Self {
        ChainDraws {
            lambda_1: Vec::with_capacity(draws),
            lambda_2: Vec::with_capacity(draws),
            tau: Vec::with_capacity(draws),
            acceptance,
        }
    }
}

/// Posterior summary of one variable: one row of ArviZ's `az.summary`
/// (same columns, same order, same definitions; the interval is the 94%
/// highest density interval, `hdi_3%` and `hdi_97%` in files, see
/// [`crate::summary`]).
///
/// For the exact posterior ([`crate::ExactPosterior::summary`]) mean, sd
/// and HDI are exact and the Monte Carlo columns (`mcse_*`, `ess_*`,
/// `r_hat`) are NaN (null in JSON): nothing was sampled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(
    into = "crate::summary::SummaryRow",
    from = "crate::summary::SummaryRow"
)]
pub struct VariableSummary {
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation (of the draws: ddof = 1, as ArviZ).
    pub sd: f64,
    /// 94% highest density interval (`hdi_3%`, `hdi_97%`).
    pub hdi_94: Interval,
    /// Monte Carlo standard error of the mean.
    pub mcse_mean: f64,
    /// Monte Carlo standard error of the standard deviation.
    pub mcse_sd: f64,
    /// Bulk effective sample size.
    pub ess_bulk: f64,
    /// Tail effective sample size.
    pub ess_tail: f64,
    /// Rank-normalised split R-hat.
    pub r_hat: f64,
}

impl VariableSummary {
    /// Summarises draws given per chain, as `az.summary` does.
    ///
    /// ```
    /// use threatstat_changepoint::VariableSummary;
    /// let chains: Vec<Vec<f64>> = (0..4)
    ///     .map(|c| (0..200).map(|i| ((i * 37 + c * 11) % 101) as f64).collect())
    ///     .collect();
    /// let s = VariableSummary::of(&chains);
    /// assert!((s.mean - 50.0).abs() < 1.0);
    /// assert!(s.hdi_94.low < s.mean && s.mean < s.hdi_94.high);
    /// assert!(s.r_hat < 1.05 && s.mcse_sd > 0.0);
    /// ```
    pub fn of(chains: &[Vec<f64>]) -> Self {
        let (mean, sd) = diagnostics::mean_sd(chains);
        let flat: Vec<f64> = chains.iter().flatten().copied().collect();
        VariableSummary {
            mean,
            sd,
            hdi_94: diagnostics::hdi(&flat, crate::summary::HDI_PROB),
            mcse_mean: diagnostics::mcse_mean(chains),
            mcse_sd: diagnostics::mcse_sd(chains),
            ess_bulk: diagnostics::ess_bulk(chains),
            ess_tail: diagnostics::ess_tail(chains),
            r_hat: diagnostics::rhat(chains),
        }
    }

    /// A summary without Monte Carlo error (an exact posterior's).
    pub fn exact(mean: f64, sd: f64, hdi_94: Interval) -> Self {
        VariableSummary {
            mean,
            sd,
            hdi_94,
            mcse_mean: f64::NAN,
            mcse_sd: f64::NAN,
            ess_bulk: f64::NAN,
            ess_tail: f64::NAN,
            r_hat: f64::NAN,
        }
    }
}

/// MCMC samples of the switchpoint model with diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McmcPosterior {
    /// The settings used.
    #[serde(skip)]
    pub params: McmcParams,
    /// α of the prior.
    pub alpha: f64,
    /// Number of days.
    pub n_days: usize,
    /// Draws per chain.
    pub chains: Vec<ChainDraws>,
    /// Summary of λ1.
    pub lambda_1: VariableSummary,
    /// Summary of λ2.
    pub lambda_2: VariableSummary,
    /// Summary of τ.
    pub tau: VariableSummary,
    /// Convergence warnings (R-hat > 1.01, ESS below 100 per chain).
    pub warnings: Vec<String>,
}

impl McmcPosterior {
    /// The share of draws with τ = k, for k = 0..n.
    pub fn tau_posterior(&self) -> Vec<f64> {
        let mut p = vec![0.0; self.n_days];
        let mut total = 0usize;
        for c in &self.chains {
            for &t in &c.tau {
                p[t as usize] += 1.0;
            }
            total += c.tau.len();
        }
        p.iter_mut().for_each(|x| *x /= total as f64);
        p
    }

    /// The most frequent τ.
    pub fn map_tau(&self) -> usize {
        let p = self.tau_posterior();
        (0..p.len()).fold(0, |b, k| if p[k] > p[b] { k } else { b })
    }

    /// The summary table of the draws (`az.summary`'s columns).
    pub fn summary(&self) -> crate::summary::PosteriorSummary {
        crate::summary::PosteriorSummary {
            lambda_1: self.lambda_1,
            lambda_2: self.lambda_2,
            tau: self.tau,
        }
    }

    /// The largest R-hat of λ1, λ2 and τ (NaN-aware: NaN only if all are NaN).
    pub fn max_rhat(&self) -> f64 {
        [self.lambda_1.r_hat, self.lambda_2.r_hat, self.tau.r_hat]
            .into_iter()
            .fold(f64::NAN, f64::max)
    }

    /// The smallest bulk ESS of λ1, λ2 and τ.
    pub fn min_ess_bulk(&self) -> f64 {
        [
            self.lambda_1.ess_bulk,
            self.lambda_2.ess_bulk,
            self.tau.ess_bulk,
        ]
        .into_iter()
        .fold(f64::NAN, f64::min)
    }

    /// The smallest tail ESS of λ1, λ2 and τ.
    pub fn min_ess_tail(&self) -> f64 {
        [
            self.lambda_1.ess_tail,
            self.lambda_2.ess_tail,
            self.tau.ess_tail,
        ]
        .into_iter()
        .fold(f64::NAN, f64::min)
    }
}

/// SplitMix64's step: decorrelates per-chain seeds derived from one seed.
pub(crate) use threatstat_core::rng::splitmix;

/// Data shared by the samplers.
struct Data<'a> {
    prefix: &'a [u64],
    n: usize,
    total: u64,
    alpha: f64,
}

impl Data<'_> {
    fn s1(&self, tau: usize) -> f64 {
        self.prefix[tau] as f64
    }
    fn s2(&self, tau: usize) -> f64 {
        (self.total - self.prefix[tau]) as f64
    }
}

fn gamma(rng: &mut SeededRng, shape: f64, rate: f64) -> f64 {
    Gamma::new(shape, 1.0 / rate)
        .expect("positive shape and rate")
        .sample(rng)
}

/// Draws τ from p(τ = k) ∝ (λ1/λ2)^S1(k) · exp(−k (λ1 − λ2)).
fn draw_tau(d: &Data, l1: f64, l2: f64, rng: &mut SeededRng, w: &mut Vec<f64>) -> usize {
    let a = (l1 / l2).ln();
    let b = l1 - l2;
    w.clear();
    let mut max = f64::NEG_INFINITY;
    for k in 0..d.n {
        let l = d.prefix[k] as f64 * a - k as f64 * b;
        max = max.max(l);
        w.push(l);
    }
    // Terms more than e^-40 below the largest add less than 4e-18 of the
    // total each: skip their exp (most of a concentrated posterior's days).
    let cut = max - 40.0;
    let mut total = 0.0;
    for x in w.iter_mut() {
        if *x > cut {
            total += (*x - max).exp();
        }
        *x = total;
    }
    let u = rng.random::<f64>() * total;
    w.partition_point(|&c| c <= u).min(d.n - 1)
}

fn gibbs_chain(d: &Data, p: &McmcParams, seed: u64) -> ChainDraws {
    let mut rng = threatstat_core::rng::seeded(seed);
    let mut tau = rng.random_range(0..d.n);
    let mut w = Vec::with_capacity(d.n);
    let mut out = ChainDraws::with_capacity(p.draws, [1.0; 3]);
    for it in 0..p.tune + p.draws {
        let l1 = gamma(&mut rng, d.s1(tau) + 1.0, tau as f64 + d.alpha);
        let l2 = gamma(&mut rng, d.s2(tau) + 1.0, (d.n - tau) as f64 + d.alpha);
        tau = draw_tau(d, l1, l2, &mut rng, &mut w);
        if it >= p.tune {
            out.lambda_1.push(l1);
            out.lambda_2.push(l2);
            out.tau.push(tau as u32);
        }
    }
    out
}

/// PyMC's Metropolis step-size tuning (`pymc.step_methods.metropolis.tune`).
fn pymc_tune(scale: f64, acc_rate: f64) -> f64 {
    if acc_rate < 0.001 {
        scale * 0.1
    } else if acc_rate < 0.05 {
        scale * 0.5
    } else if acc_rate < 0.2 {
        scale * 0.9
    } else if acc_rate > 0.95 {
        scale * 10.0
    } else if acc_rate > 0.75 {
        scale * 2.0
    } else if acc_rate > 0.5 {
        scale * 1.1
    } else {
        scale
    }
}

fn metropolis_chain(d: &Data, p: &McmcParams, seed: u64) -> ChainDraws {
    let mut rng = threatstat_core::rng::seeded(seed);
    let n = d.n;
    let mean = 1.0 / d.alpha;
    // Log target of one rate in log space (Jacobian included).
    let lp_rate = |z: f64, s: f64, exposure: f64| s * z - exposure * z.exp() + z;
    let lp_tau = |t: usize, l1: f64, l2: f64| {
        d.s1(t) * l1.ln() - t as f64 * l1 + d.s2(t) * l2.ln() - (n - t) as f64 * l2
    };
    // Start near PyMC's initial point (τ mid-series, rates at the prior
    // mean), jittered per chain. A random-walk chain started at an end of the
    // series can lock onto a spurious short segment there.
    let mut z1 = (mean * rng.random_range(0.8..1.2)).ln();
    let mut z2 = (mean * rng.random_range(0.8..1.2)).ln();
    let spread = (n / 10).max(1) as i64;
    let mut tau =
        (n as i64 / 2 + rng.random_range(-spread..=spread)).clamp(0, n as i64 - 1) as usize;
    let mut scale = [1.0f64; 3];
    let mut accepted = [0usize; 3];
    let mut window = [0usize; 3];
    let mut tried = [0usize; 3];
    let tune_interval = 100;
    let mut out = ChainDraws::with_capacity(p.draws, [0.0; 3]);
    for it in 0..p.tune + p.draws {
        if it < p.tune && it > 0 && it % tune_interval == 0 {
            for v in 0..3 {
                if tried[v] > 0 {
                    scale[v] = pymc_tune(scale[v], window[v] as f64 / tried[v] as f64);
                }
                window[v] = 0;
                tried[v] = 0;
            }
        }
        if it == p.tune {
            accepted = [0; 3];
        }
        // λ1 | τ, then λ2 | τ: random-walk steps in log space.
        for v in 0..2 {
            let (z, succ, exposure) = if v == 0 {
                (&mut z1, d.s1(tau), tau as f64 + d.alpha)
            } else {
                (&mut z2, d.s2(tau), (n - tau) as f64 + d.alpha)
            };
            let step: f64 = rng.sample(StandardNormal);
            let prop = *z + scale[v] * step;
            tried[v] += 1;
            if rng.random::<f64>().ln()
                < lp_rate(prop, succ, exposure) - lp_rate(*z, succ, exposure)
            {
                *z = prop;
                accepted[v] += 1;
                window[v] += 1;
            }
        }
        // τ | λ1, λ2: a rounded normal step, as PyMC proposes for discrete
        // variables, or (symmetric too) a uniform jump.
        let jump = p.tau_jump_prob > 0.0 && rng.random::<f64>() < p.tau_jump_prob;
        let prop = if jump {
            rng.random_range(0..n) as f64
        } else {
            tried[2] += 1;
            let step: f64 = rng.sample(StandardNormal);
            tau as f64 + (scale[2] * step).round()
        };
        if prop >= 0.0 && prop < n as f64 {
            let prop = prop as usize;
            let (l1, l2) = (z1.exp(), z2.exp());
            if rng.random::<f64>().ln() < lp_tau(prop, l1, l2) - lp_tau(tau, l1, l2) {
                tau = prop;
                accepted[2] += 1;
                if !jump {
                    window[2] += 1;
                }
            }
        }
        if it >= p.tune {
            out.lambda_1.push(z1.exp());
            out.lambda_2.push(z2.exp());
            out.tau.push(tau as u32);
        }
    }
    out.acceptance = accepted.map(|a| a as f64 / p.draws as f64);
    out
}

pub(crate) fn sample(
    counts: &[u32],
    alpha: f64,
    p: &McmcParams,
) -> Result<McmcPosterior, ChangepointError> {
    let checked = p.check()?;
    let p = checked.params();
    let mut prefix = Vec::with_capacity(counts.len() + 1);
    prefix.push(0u64);
    for &c in counts {
        prefix.push(prefix.last().expect("non-empty") + u64::from(c));
    }
    let d = Data {
        prefix: &prefix,
        n: counts.len(),
        total: prefix[counts.len()],
        alpha,
    };
    let run = |c: usize| {
        let seed = splitmix(p.seed ^ splitmix(c as u64 + 1));
        match p.sampler {
            Sampler::Gibbs => gibbs_chain(&d, p, seed),
            Sampler::Metropolis => metropolis_chain(&d, p, seed),
        }
    };
    let chains: Vec<ChainDraws> = (0..p.chains).into_par_iter().map(run).collect();
    Ok(summarise(chains, *p, alpha, counts.len()))
}

fn summarise(
    chains: Vec<ChainDraws>,
    params: McmcParams,
    alpha: f64,
    n_days: usize,
) -> McmcPosterior {
    let var = |name| crate::draws::variable(&chains, name).expect("a variable of the model");
    let (l1, l2, tau) = (var("lambda_1"), var("lambda_2"), var("tau"));
    let (s1, s2, st) = (
        VariableSummary::of(&l1),
        VariableSummary::of(&l2),
        VariableSummary::of(&tau),
    );
    let mut warnings = Vec::new();
    for (name, s) in [("lambda_1", &s1), ("lambda_2", &s2), ("tau", &st)] {
        if s.r_hat > 1.01 {
            warnings.push(format!(
                "R-hat of {name} is {:.3} > 1.01: the chains have not converged to one distribution",
                s.r_hat
            ));
        }
        let low = 100.0 * params.chains as f64;
        if s.ess_bulk < low || s.ess_tail < low {
            warnings.push(format!(
                "effective sample size of {name} is low (bulk {:.0}, tail {:.0}; want >= 100 per chain)",
                s.ess_bulk, s.ess_tail
            ));
        }
    }
    McmcPosterior {
        params,
        alpha,
        n_days,
        chains,
        lambda_1: s1,
        lambda_2: s2,
        tau: st,
        warnings,
    }
}
