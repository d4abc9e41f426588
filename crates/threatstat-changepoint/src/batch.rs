//! Fitting many series (one per user) in parallel.

use crate::{ChangepointError, McmcParams, SwitchpointParams};
use rayon::prelude::*;
use serde::Serialize;

/// How each series is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The exact posterior only.
    Exact,
    /// The exact posterior plus MCMC (for diagnostics and comparison).
    Mcmc(McmcParams),
}

/// One fitted series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesFit {
    /// Index of the series in the input.
    pub index: usize,
    /// Number of days.
    pub n_days: usize,
    /// MAP τ (day index of the first day of the new rate).
    pub map_tau: usize,
    /// P(τ = MAP).
    pub map_probability: f64,
    /// E[λ1].
    pub lambda_1_mean: f64,
    /// E[λ2].
    pub lambda_2_mean: f64,
    /// log Bayes factor of a change against no change.
    pub log_bayes_factor: f64,
    /// Largest R-hat (MCMC only).
    pub r_hat: Option<f64>,
    /// Smallest bulk ESS (MCMC only).
    pub ess_bulk: Option<f64>,
    /// Smallest tail ESS (MCMC only).
    pub ess_tail: Option<f64>,
    /// MCMC MAP τ (MCMC only).
    pub mcmc_map_tau: Option<usize>,
}

/// Fits every series in parallel; results are in input order, and MCMC
/// seeds are derived from (seed, series index), so results do not depend on
/// the thread count. `progress` is called once per finished series.
pub fn fit_all(
    series: &[Vec<u32>],
    params: &SwitchpointParams,
    method: Method,
    progress: &(dyn Fn() + Sync),
) -> Vec<Result<SeriesFit, ChangepointError>> {
    series
        .par_iter()
        .enumerate()
        .map(|(index, counts)| {
            let r = fit_one(index, counts, params, method);
            progress();
            r
        })
        .collect()
}

fn fit_one(
    index: usize,
    counts: &[u32],
    params: &SwitchpointParams,
    method: Method,
) -> Result<SeriesFit, ChangepointError> {
    let post = params.fit(counts)?;
    let mut fit = SeriesFit {
        index,
        n_days: counts.len(),
        map_tau: post.map_tau(),
        map_probability: post.map_probability(),
        lambda_1_mean: post.lambda_1_mean(),
        lambda_2_mean: post.lambda_2_mean(),
        log_bayes_factor: post.log_bayes_factor(),
        r_hat: None,
        ess_bulk: None,
        ess_tail: None,
        mcmc_map_tau: None,
    };
    if let Method::Mcmc(p) = method {
        let p = p.seed(crate::mcmc::splitmix(
            p.seed ^ (index as u64).wrapping_mul(0x9E37_79B9),
        ));
        let m = params.sample(counts, &p)?;
        fit.r_hat = Some(m.max_rhat());
        fit.ess_bulk = Some(m.min_ess_bulk());
        fit.ess_tail = Some(m.min_ess_tail());
        fit.mcmc_map_tau = Some(m.map_tau());
    }
    Ok(fit)
}
