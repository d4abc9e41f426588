//! The exact posterior of the switchpoint model.

use crate::ChangepointError;
use crate::mcmc::{McmcParams, McmcPosterior};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Gamma};
use statrs::function::gamma::ln_gamma;
use std::sync::OnceLock;

/// `ln k!` for small k from a table (most daily-count sums are small), else
/// from `ln Γ(k+1)`.
pub(crate) fn ln_factorial(k: u64) -> f64 {
    const N: usize = 1 << 16;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let t = TABLE.get_or_init(|| (0..N).map(|i| ln_gamma(i as f64 + 1.0)).collect());
    match t.get(k as usize) {
        Some(&v) => v,
        None => ln_gamma(k as f64 + 1.0),
    }
}

/// Entry point of the model (linfa style): `Switchpoint::params()`.
pub struct Switchpoint;

impl Switchpoint {
    /// Parameters with defaults (α = 1 / mean of the series).
    pub fn params() -> SwitchpointParams {
        SwitchpointParams::default()
    }
}

/// Parameters of the switchpoint model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SwitchpointParams {
    alpha: Option<f64>,
}

impl SwitchpointParams {
    /// Rate α of the Exponential prior of λ1 and λ2 (default 1 / mean of the
    /// counts, as in the published analysis).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// The α used for `counts`, validated.
    pub fn resolve_alpha(&self, counts: &[u32]) -> Result<f64, ChangepointError> {
        if counts.is_empty() {
            return Err(ChangepointError::Invalid("the series is empty".into()));
        }
        let alpha = match self.alpha {
            Some(a) => a,
            None => {
                let sum: u64 = counts.iter().map(|&c| u64::from(c)).sum();
                if sum == 0 {
                    return Err(ChangepointError::Invalid(
                        "all counts are zero, so the default α = 1/mean is undefined; set α explicitly".into(),
                    ));
                }
                counts.len() as f64 / sum as f64
            }
        };
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(ChangepointError::Invalid(format!(
                "α must be finite and > 0, found {alpha}"
            )));
        }
        Ok(alpha)
    }

    /// The exact posterior (λ1 and λ2 integrated out).
    pub fn fit(&self, counts: &[u32]) -> Result<ExactPosterior, ChangepointError> {
        let alpha = self.resolve_alpha(counts)?;
        Ok(ExactPosterior::compute(counts, alpha))
    }

    /// MCMC samples of (λ1, λ2, τ) with diagnostics.
    pub fn sample(
        &self,
        counts: &[u32],
        mcmc: &McmcParams,
    ) -> Result<McmcPosterior, ChangepointError> {
        let alpha = self.resolve_alpha(counts)?;
        crate::mcmc::sample(counts, alpha, mcmc)
    }
}

/// A credible interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// The exact posterior of the switchpoint model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactPosterior {
    alpha: f64,
    n: usize,
    /// `prefix[k]` = sum of the counts of days `0..k`.
    #[serde(skip)]
    prefix: Vec<u64>,
    tau_posterior: Vec<f64>,
    log_marginal: f64,
    log_marginal_no_change: f64,
}

impl ExactPosterior {
    fn compute(counts: &[u32], alpha: f64) -> Self {
        let n = counts.len();
        let mut prefix = Vec::with_capacity(n + 1);
        let mut s = 0u64;
        prefix.push(0);
        let mut log_fact_sum = 0.0;
        for &c in counts {
            s += u64::from(c);
            prefix.push(s);
            log_fact_sum += ln_factorial(u64::from(c));
        }
        let total = s;
        let ln_alpha = alpha.ln();
        // log p(y | τ = k) up to the common term -Σ ln y_t! + 2 ln α.
        let mut logp: Vec<f64> = (0..n)
            .map(|k| {
                let (s1, s2) = (prefix[k], total - prefix[k]);
                ln_factorial(s1) - (s1 + 1) as f64 * (k as f64 + alpha).ln() + ln_factorial(s2)
                    - (s2 + 1) as f64 * ((n - k) as f64 + alpha).ln()
            })
            .collect();
        let max = logp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut z = 0.0;
        for l in &mut logp {
            *l = (*l - max).exp();
            z += *l;
        }
        for p in &mut logp {
            *p /= z;
        }
        let log_marginal = max + z.ln() - (n as f64).ln() + 2.0 * ln_alpha - log_fact_sum;
        let log_marginal_no_change = ln_alpha + ln_factorial(total)
            - (total + 1) as f64 * (n as f64 + alpha).ln()
            - log_fact_sum;
        ExactPosterior {
            alpha,
            n,
            prefix,
            tau_posterior: logp,
            log_marginal,
            log_marginal_no_change,
        }
    }

    /// The α of the prior that was used.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Number of days.
    pub fn n_days(&self) -> usize {
        self.n
    }

    /// `P(τ = k | y)` for `k = 0..n` (τ is the first day of the second rate).
    pub fn tau_posterior(&self) -> &[f64] {
        &self.tau_posterior
    }

    /// The most probable τ (the first one if tied).
    pub fn map_tau(&self) -> usize {
        let mut best = 0;
        for (k, &p) in self.tau_posterior.iter().enumerate() {
            if p > self.tau_posterior[best] {
                best = k;
            }
        }
        best
    }

    /// `P(τ = MAP)`.
    pub fn map_probability(&self) -> f64 {
        self.tau_posterior[self.map_tau()]
    }

    /// log p(y) under the switchpoint model (λs and τ integrated out).
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.log_marginal
    }

    /// log p(y) under the model without a change (one λ ~ Exponential(α)).
    pub fn log_marginal_likelihood_no_change(&self) -> f64 {
        self.log_marginal_no_change
    }

    /// log Bayes factor of "one change" against "no change"; > 0 favours a change.
    pub fn log_bayes_factor(&self) -> f64 {
        self.log_marginal - self.log_marginal_no_change
    }

    fn shape_rate(&self, k: usize, which: u8) -> (f64, f64) {
        let total = self.prefix[self.n];
        if which == 1 {
            ((self.prefix[k] + 1) as f64, k as f64 + self.alpha)
        } else {
            (
                (total - self.prefix[k] + 1) as f64,
                (self.n - k) as f64 + self.alpha,
            )
        }
    }

    fn mean_of(&self, which: u8) -> f64 {
        (0..self.n)
            .map(|k| {
                let (a, b) = self.shape_rate(k, which);
                self.tau_posterior[k] * a / b
            })
            .sum()
    }

    /// E[λ1 | y].
    pub fn lambda_1_mean(&self) -> f64 {
        self.mean_of(1)
    }

    /// E[λ2 | y].
    pub fn lambda_2_mean(&self) -> f64 {
        self.mean_of(2)
    }

    /// E[λ_t | y] for every day t: the expected rate over time.
    pub fn expected_rate(&self) -> Vec<f64> {
        // E[λ_t] = Σ_{k > t} P(k) E[λ1 | k] + Σ_{k <= t} P(k) E[λ2 | k].
        let n = self.n;
        let m1: Vec<f64> = (0..n)
            .map(|k| {
                let (a, b) = self.shape_rate(k, 1);
                self.tau_posterior[k] * a / b
            })
            .collect();
        let m2: Vec<f64> = (0..n)
            .map(|k| {
                let (a, b) = self.shape_rate(k, 2);
                self.tau_posterior[k] * a / b
            })
            .collect();
        let mut suffix1 = vec![0.0; n + 1];
        for k in (0..n).rev() {
            suffix1[k] = suffix1[k + 1] + m1[k];
        }
        let mut prefix2 = 0.0;
        (0..n)
            .map(|t| {
                prefix2 += m2[t];
                suffix1[t + 1] + prefix2
            })
            .collect()
    }

    /// Components of the posterior of λ1 or λ2: a mixture over τ of
    /// Gamma(shape, rate), dropping weights below 1e-14.
    fn mixture(&self, which: u8) -> Vec<(f64, Gamma)> {
        (0..self.n)
            .filter(|&k| self.tau_posterior[k] > 1e-14)
            .map(|k| {
                let (a, b) = self.shape_rate(k, which);
                (
                    self.tau_posterior[k],
                    Gamma::new(a, b).expect("shape and rate are positive"),
                )
            })
            .collect()
    }

    fn quantile(mix: &[(f64, Gamma)], p: f64) -> f64 {
        let cdf = |x: f64| mix.iter().map(|(w, g)| w * g.cdf(x)).sum::<f64>();
        let mut hi = mix
            .iter()
            .map(|(_, g)| {
                use statrs::statistics::Distribution;
                g.mean().unwrap_or(1.0) + 12.0 * g.std_dev().unwrap_or(1.0)
            })
            .fold(0.0, f64::max);
        while cdf(hi) < p {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if cdf(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
        }
        0.5 * (lo + hi)
    }

    fn interval(&self, which: u8, prob: f64) -> Result<Interval, ChangepointError> {
        if !(prob > 0.0 && prob < 1.0) {
            return Err(ChangepointError::Invalid(format!(
                "interval probability must be in (0, 1), found {prob}"
            )));
        }
        let mix = self.mixture(which);
        let tail = (1.0 - prob) / 2.0;
        Ok(Interval {
            low: Self::quantile(&mix, tail),
            high: Self::quantile(&mix, 1.0 - tail),
        })
    }

    /// Equal-tailed credible interval of λ1 (e.g. `prob = 0.94`), from the
    /// exact posterior (a mixture of Gamma distributions).
    pub fn lambda_1_interval(&self, prob: f64) -> Result<Interval, ChangepointError> {
        self.interval(1, prob)
    }

    /// Equal-tailed credible interval of λ2.
    pub fn lambda_2_interval(&self, prob: f64) -> Result<Interval, ChangepointError> {
        self.interval(2, prob)
    }

    /// Posterior CDF of λ1 at `x`.
    pub fn lambda_1_cdf(&self, x: f64) -> f64 {
        self.mixture(1).iter().map(|(w, g)| w * g.cdf(x)).sum()
    }

    /// Posterior CDF of λ2 at `x`.
    pub fn lambda_2_cdf(&self, x: f64) -> f64 {
        self.mixture(2).iter().map(|(w, g)| w * g.cdf(x)).sum()
    }

    /// Total-variation distance between this posterior of τ and another
    /// distribution over the same days (e.g. an MCMC estimate).
    pub fn tau_total_variation(&self, other: &[f64]) -> f64 {
        0.5 * self
            .tau_posterior
            .iter()
            .zip(other)
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
    }
}
