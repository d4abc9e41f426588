//! Simulation-based calibration (Talts et al. 2018) of the MCMC samplers.
//!
//! Draw (λ1, λ2, τ) from the prior, simulate a series, sample the
//! posterior, and record the rank of the true value among the (thinned)
//! draws. For a correct sampler the ranks are uniform; a sampler that is
//! biased, too narrow or too wide leaves a slope, a ∪ or a ∩ in the rank
//! histogram. The prior's α is fixed (the default α = 1/mean(data) depends
//! on the data and would break the identity SBC relies on).
//!
//! ```
//! use threatstat_changepoint::Sampler;
//! use threatstat_changepoint::sbc::{SbcParams, simulation_based_calibration};
//! let p = SbcParams { replications: 20, ..SbcParams::new(Sampler::Gibbs) };
//! let r = simulation_based_calibration(&p).unwrap();
//! assert_eq!(r.histograms[2].iter().sum::<usize>(), 20);
//! ```

use crate::{ChangepointError, McmcParams, Sampler, Switchpoint};
use rand::RngExt;
use rand_distr::{Distribution, Exp, Poisson};
use serde::Serialize;
use threatstat_core::Error;
use threatstat_core::rng::SeededRng;

/// Settings of [`simulation_based_calibration`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SbcParams {
    /// The sampler checked.
    pub sampler: Sampler,
    /// Keep every `thin`-th draw (ranks need nearly independent draws).
    pub thin: usize,
    /// Tuning (burn-in) iterations of the one chain per replication.
    pub tune: usize,
    /// The fixed α of the Exponential(α) prior of λ1 and λ2.
    pub alpha: f64,
    /// Days per simulated series.
    pub n_days: usize,
    /// Number of simulated series.
    pub replications: usize,
    /// Thinned draws per replication (ranks run over 0..=draws).
    pub draws: usize,
    /// Rank bins; `draws + 1` must be a multiple of it.
    pub bins: usize,
    /// Seed of the simulation (replication r's chain has seed r).
    pub seed: u64,
}

impl SbcParams {
    /// The settings of the crate's tests for `sampler`: α = 0.2, 30 days,
    /// 300 replications of 99 thinned draws in 10 bins, seed 2026; Gibbs
    /// thinned by 2 after 200 tuning iterations, Metropolis by 10 after 1000.
    pub fn new(sampler: Sampler) -> SbcParams {
        let (thin, tune) = match sampler {
            Sampler::Gibbs => (2, 200),
            Sampler::Metropolis => (10, 1000),
        };
        SbcParams {
            sampler,
            thin,
            tune,
            alpha: 0.2,
            n_days: 30,
            replications: 300,
            draws: 99,
            bins: 10,
            seed: 2026,
        }
    }
}

/// Rates, change day and counts drawn from the switchpoint model's prior.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorDraw {
    /// λ1 ~ Exponential(α).
    pub lambda_1: f64,
    /// λ2 ~ Exponential(α).
    pub lambda_2: f64,
    /// τ ~ DiscreteUniform(0, n − 1): the first day of λ2.
    pub tau: usize,
    /// count_t ~ Poisson(λ1 if t < τ else λ2), `n` days.
    pub counts: Vec<u32>,
}

/// Draws (λ1, λ2, τ) from the prior (`prior` = Exponential(α)) and `n`
/// days of counts from the model, in that order from `rng`.
pub fn draw_from_prior(rng: &mut SeededRng, prior: &Exp<f64>, n: usize) -> PriorDraw {
    let (l1, l2): (f64, f64) = (prior.sample(rng), prior.sample(rng));
    let tau = rng.random_range(0..n.max(1));
    let counts = (0..n)
        .map(|t| {
            Poisson::new(if t < tau { l1 } else { l2 }.max(1e-12))
                .expect("a positive finite rate")
                .sample(rng) as u32
        })
        .collect();
    PriorDraw {
        lambda_1: l1,
        lambda_2: l2,
        tau,
        counts,
    }
}

/// Rank histograms of λ1, λ2 and τ (in that order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SbcResult {
    /// Count of replications per rank bin, for λ1, λ2, τ.
    pub histograms: [Vec<usize>; 3],
    /// Pearson χ² statistic of each histogram against uniform ranks
    /// (`bins − 1` degrees of freedom).
    pub chi2: [f64; 3],
}

/// Runs simulation-based calibration of `p.sampler` (see the module docs).
/// Ties of the discrete τ with draws are broken uniformly at random.
///
/// # Errors
///
/// [`Error::Param`] (wrapped in [`ChangepointError::Core`]) for `thin`,
/// `replications`, `n_days` or `bins` of 0, `draws + 1` not a multiple of
/// `bins`, or an α that is not positive and finite.
pub fn simulation_based_calibration(p: &SbcParams) -> Result<SbcResult, ChangepointError> {
    for (name, value) in [
        ("thin", p.thin),
        ("replications", p.replications),
        ("n_days", p.n_days),
        ("bins", p.bins),
    ] {
        if value == 0 {
            return Err(Error::param(name, 0, "at least 1").into());
        }
    }
    if !(p.draws + 1).is_multiple_of(p.bins) {
        return Err(Error::param(
            "draws",
            p.draws,
            format!("draws + 1 a multiple of bins ({})", p.bins),
        )
        .into());
    }
    let prior = Exp::new(p.alpha)
        .map_err(|_| Error::param("alpha", p.alpha, "a positive finite number"))?;
    let (n, draws, bins) = (p.n_days, p.draws, p.bins);
    let mut rng = threatstat_core::rng::seeded(p.seed);
    let mut hist = [vec![0usize; bins], vec![0usize; bins], vec![0usize; bins]];
    for r in 0..p.replications {
        let PriorDraw {
            lambda_1: l1,
            lambda_2: l2,
            tau,
            counts,
        } = draw_from_prior(&mut rng, &prior, n);
        let mp = McmcParams::default()
            .sampler(p.sampler)
            .chains(1)
            .draws(draws * p.thin)
            .tune(p.tune)
            .seed(r as u64);
        let m = Switchpoint::params().alpha(p.alpha).sample(&counts, &mp)?;
        let c = &m.chains[0];
        let truth = [l1, l2, tau as f64];
        let series: [Vec<f64>; 3] = [
            c.lambda_1.iter().step_by(p.thin).copied().collect(),
            c.lambda_2.iter().step_by(p.thin).copied().collect(),
            c.tau
                .iter()
                .step_by(p.thin)
                .map(|&t| f64::from(t))
                .collect(),
        ];
        for v in 0..3 {
            let below = series[v].iter().filter(|&&x| x < truth[v]).count();
            let ties = series[v].iter().filter(|&&x| x == truth[v]).count();
            let rank = below + rng.random_range(0..=ties);
            hist[v][rank * bins / (draws + 1)] += 1;
        }
    }
    let e = p.replications as f64 / bins as f64;
    let chi2 = [0, 1, 2].map(|v| {
        hist[v]
            .iter()
            .map(|&o| (o as f64 - e).powi(2) / e)
            .sum::<f64>()
    });
    Ok(SbcResult {
        histograms: hist,
        chi2,
    })
}
