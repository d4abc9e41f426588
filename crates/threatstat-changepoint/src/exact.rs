//! The exact posterior of the switchpoint model.

use crate::ChangepointError;
use crate::Direction;
use crate::gamma_cdf::{DECISION_MARGIN, statrs_gamma_cdf};
use crate::mcmc::{McmcParams, McmcPosterior};
use crate::model::{ChangeModel, ChangePosterior, Evidence};
use crate::numerics::{Prefix, alpha_for, integrate, ln_segment, ln_segment_at, resolve_alpha};
use crate::params::Checked;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, ContinuousCDF, Gamma};
use statrs::function::gamma::ln_gamma;
use std::sync::{Arc, OnceLock};
use threatstat_core::Error;

/// `ln k!`: for k < 1,024 statrs' `ln Γ(k+1)` from a small table (daily
/// counts), above it Stirling's series ([`ln_factorial_stirling`]), from a
/// table of 65,536 once the process has asked for that many values below
/// 65,536 (the sums of many users' series). The table holds the series'
/// values, so every path gives the same number.
///
/// Why not statrs above 1,024: a series of 10^5 days needs 2·10^5 values
/// of `ln k!` with k up to 10^6, and statrs' Lanczos sum (15 divisions and
/// two logarithms) was the largest cost of the exact posterior; the series
/// needs one logarithm and one division, and at these arguments it is at
/// least as accurate (the truncation error is below 1e-24, the rest is
/// rounding of a few ulp, as statrs').
pub(crate) fn ln_factorial(k: u64) -> f64 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const N: usize = 1 << 16;
    static SMALL_TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    static MISSES: AtomicUsize = AtomicUsize::new(0);
    let build = |n: usize| {
        (0..n as u64)
            .map(ln_factorial_uncached)
            .collect::<Vec<f64>>()
    };
    let i = k as usize;
    if i < SMALL_FACTORIALS {
        return SMALL_TABLE.get_or_init(|| build(SMALL_FACTORIALS))[i];
    }
    if i < N {
        if let Some(t) = TABLE.get() {
            return t[i];
        }
        if MISSES.fetch_add(1, Ordering::Relaxed) >= N {
            return TABLE.get_or_init(|| build(N))[i];
        }
    }
    ln_factorial_uncached(k)
}

/// `ln k!` without the tables: statrs' `ln Γ(k+1)` below
/// [`SMALL_FACTORIALS`], Stirling's series from there.
fn ln_factorial_uncached(k: u64) -> f64 {
    if k < SMALL_FACTORIALS as u64 {
        ln_gamma(k as f64 + 1.0)
    } else {
        ln_factorial_stirling(k)
    }
}

/// Below this `ln k!` is statrs' `ln Γ(k+1)` (a table).
const SMALL_FACTORIALS: usize = 1 << 10;

/// `ln k! = ln Γ(x)`, `x = k + 1 >= 1,025`, by Stirling's series
/// `(x − ½) ln x − x + ½ ln 2π + 1/(12x) − 1/(360x³) + 1/(1260x⁵)`; the
/// next term, `1/(1680x⁷)`, is below 1e-24.
#[inline]
pub(crate) fn ln_factorial_stirling(k: u64) -> f64 {
    const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
    let x = k as f64 + 1.0;
    (x - 0.5) * x.ln() - x + (HALF_LN_2PI + stirling_correction(x))
}

/// Stirling's correction `μ(x) = ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π)`
/// to three terms, `1/(12x) − 1/(360x³) + 1/(1260x⁵)`: the next term is
/// below 1e-24 for `x >= 1,024`.
#[inline]
fn stirling_correction(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0)))
}

/// Series at least this long compute the terms of the posterior of τ on
/// rayon's threads (shorter ones: not worth starting the pool).
pub(crate) const PARALLEL_DAYS: usize = 1 << 15;

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
    pub(crate) alpha: Option<f64>,
    pub(crate) direction: Direction,
}

impl SwitchpointParams {
    /// Rate α of the Exponential prior of λ1 and λ2 (default 1 / mean of the
    /// counts, as in the published analysis).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// Which changes to consider (default [`Direction::Any`]): with `Up`
    /// only λ2 > λ1, with `Down` only λ2 < λ1 (see [`Direction`]).
    ///
    /// ```
    /// use threatstat_changepoint::{Direction, Switchpoint};
    /// let p = Switchpoint::params().direction(Direction::Up).fit(&[1, 0, 1, 6, 5, 7]).unwrap();
    /// assert_eq!(p.direction(), Direction::Up);
    /// assert_eq!(p.map_tau(), 3);
    /// ```
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// The exact posterior with an exposure per day: `y_t ~ Poisson(λ · m_t)`
    /// (e.g. `m_t` the population's activity on day t relative to its mean,
    /// see [`crate::baseline`]), so that λ1 and λ2 are rates per unit of
    /// exposure. With all `m_t = 1` it equals [`fit`](Self::fit). The
    /// default α is total exposure / total count.
    ///
    /// ```
    /// use threatstat_changepoint::{ChangePosterior, Switchpoint};
    /// // Everyone doubled their activity from day 4: relative to the
    /// // population this user did not change.
    /// let counts = [2, 3, 2, 3, 6, 5, 6, 7];
    /// let m = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0];
    /// let raw = Switchpoint::params().fit(&counts).unwrap();
    /// let rel = Switchpoint::params().fit_with_exposures(&counts, &m).unwrap();
    /// assert!(raw.log_bayes_factor() > 0.0 && rel.log_bayes_factor() < 0.0);
    /// ```
    pub fn fit_with_exposures(
        &self,
        counts: &[u32],
        exposures: &[f64],
    ) -> Result<ExactPosterior, ChangepointError> {
        self.fit_series(counts, Some(exposures))
    }

    /// The α used for `counts`, validated.
    pub fn resolve_alpha(&self, counts: &[u32]) -> Result<f64, ChangepointError> {
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        alpha_for(self.alpha, counts.len(), counts.len() as f64, total)
    }

    /// The exact posterior (λ1 and λ2 integrated out).
    pub fn fit(&self, counts: &[u32]) -> Result<ExactPosterior, ChangepointError> {
        self.fit_series(counts, None)
    }

    /// MCMC samples of (λ1, λ2, τ) with diagnostics (unrestricted model
    /// only: with a direction other than `Any` this is an error).
    pub fn sample(
        &self,
        counts: &[u32],
        mcmc: &McmcParams,
    ) -> Result<McmcPosterior, ChangepointError> {
        if self.direction != Direction::Any {
            return Err(Error::param(
                "direction",
                self.direction.name(),
                "any (MCMC samples the unrestricted model; use the exact posterior with a \
                 direction)",
            )
            .into());
        }
        let alpha = self.resolve_alpha(counts)?;
        crate::mcmc::sample(counts, alpha, mcmc)
    }
}

impl ChangeModel for Checked<SwitchpointParams> {
    type Posterior = ExactPosterior;
    /// The exact posterior; the default α is 1/mean of the counts, or
    /// total exposure / total count with exposures.
    fn fit_series(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<ExactPosterior, ChangepointError> {
        let params = self.params();
        let prefix = Prefix::new(counts, exposures)?;
        // Without exposures the default is n / Σy, as `resolve_alpha`.
        let alpha = resolve_alpha(params.alpha, &prefix)?;
        Ok(ExactPosterior::compute(prefix, alpha, params.direction))
    }
}

/// One τ's share of the posterior of a rate: Gamma `this`, restricted (if
/// a direction is set) to be above (or below) the other rate, Gamma `other`,
/// which holds with probability `p_order`.
pub(crate) struct Component {
    pub(crate) weight: f64,
    this: Gamma,
    restriction: Option<(Gamma, bool, f64)>,
}

impl Component {
    fn support(&self) -> (f64, f64) {
        use statrs::statistics::Distribution;
        let (m, s) = (
            self.this.mean().unwrap_or(1.0),
            self.this.std_dev().unwrap_or(1.0),
        );
        ((m - 40.0 * s).max(0.0), m + 40.0 * s)
    }

    fn upper(&self) -> f64 {
        use statrs::statistics::Distribution;
        self.this.mean().unwrap_or(1.0) + 12.0 * self.this.std_dev().unwrap_or(1.0)
    }

    /// Mean ± 12 sd of the unrestricted Gamma (clipped at 0): where the
    /// component's mass lies, restricted or not.
    pub(crate) fn range(&self) -> (f64, f64) {
        use statrs::statistics::Distribution;
        let s = self.this.std_dev().unwrap_or(1.0);
        ((self.upper() - 24.0 * s).max(0.0), self.upper())
    }

    /// The (restricted) density at `x`.
    pub(crate) fn pdf(&self, x: f64) -> f64 {
        match &self.restriction {
            None => gamma_pdf(&self.this, x),
            Some((other, this_greater, p_order)) => {
                let o = other.cdf(x);
                gamma_pdf(&self.this, x) * if *this_greater { o } else { 1.0 - o } / p_order
            }
        }
    }

    /// The weighted CDF at `x`: O(1) where [`Self::fast_cdf`] applies.
    pub(crate) fn weighted_cdf(&self, x: f64) -> f64 {
        self.weight * self.fast_cdf(x).unwrap_or_else(|| self.cdf(x))
    }

    /// The unrestricted density at `x` and its derivative, together (the
    /// HDI's Newton steps need both at each end). For shapes of at least
    /// 1,024 the density is [`gamma_pdf_large`], else statrs'.
    pub(crate) fn pdf_and_slope(&self, x: f64) -> (f64, f64) {
        let (a, b) = (self.this.shape(), self.this.rate());
        let f = if a >= SMALL_FACTORIALS as f64 {
            gamma_pdf_large(a, b, x)
        } else {
            gamma_pdf(&self.this, x)
        };
        (f, f * ((a - 1.0) / x - b))
    }

    /// Whether the component is restricted to an order of the rates.
    pub(crate) fn restricted(&self) -> bool {
        self.restriction.is_some()
    }

    /// [`Self::cdf`] up to statrs' rounding ([`statrs_gamma_cdf`]) in
    /// O(1), where that applies (unrestricted, large shape).
    fn fast_cdf(&self, x: f64) -> Option<f64> {
        if self.restriction.is_some() {
            return None;
        }
        statrs_gamma_cdf(self.this.shape(), self.this.rate(), x)
    }

    fn cdf(&self, x: f64) -> f64 {
        match &self.restriction {
            None => self.this.cdf(x),
            Some((other, this_greater, p_order)) => {
                let (lo, hi) = self.support();
                let f = |l: f64| {
                    let o = other.cdf(l);
                    gamma_pdf(&self.this, l) * if *this_greater { o } else { 1.0 - o }
                };
                (integrate(f, lo, x.min(hi)) / p_order).clamp(0.0, 1.0)
            }
        }
    }
}

/// The Gamma density at `x`: statrs' where it is finite, else from its
/// logarithm. statrs 0.19 multiplies `rate^shape · x^(shape−1)` directly
/// for shapes up to 160, which overflows to ∞ (or NaN) where the density is
/// an ordinary number (shape 146, rate 14 at x = 10: a component of a
/// 100-day series of ~10 a day); the HDI's Newton steps then failed and
/// the slow search ran (270 ms instead of 1 ms at 100 days), and the grid
/// HDI of a restricted posterior summed infinities.
pub(crate) fn gamma_pdf(g: &Gamma, x: f64) -> f64 {
    let p = g.pdf(x);
    if p.is_finite() { p } else { g.ln_pdf(x).exp() }
}

/// The Gamma(a, rate b) density at `x` for shapes `a >= 1,024` without
/// the cancellation of `a ln b + (a−1) ln x − b x − ln Γ(a)` (terms near
/// 10^7 at 10^5 days, whose difference statrs rounds to about 1e-9
/// relative): with `u = b x / a − 1` and Stirling's series for `ln Γ(a)`,
/// `ln f = ln b − ½ ln(2π a) − a (u − ln(1+u)) − ln(1+u) − μ(a)`
/// ([`stirling_correction`]).
pub(crate) fn gamma_pdf_large(a: f64, b: f64, x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    let u = b * x / a - 1.0;
    let phi = if u.abs() <= 0.05 {
        crate::gamma_cdf::t_minus_ln1p(u)
    } else {
        u - u.ln_1p()
    };
    let mu = stirling_correction(a);
    let ln_f = b.ln() - 0.5 * (std::f64::consts::TAU * a).ln() - a * phi - u.ln_1p() - mu;
    ln_f.exp()
}

/// A credible interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    pub low: f64,
    /// Upper end.
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    pub high: f64,
}

/// The exact posterior of the switchpoint model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactPosterior {
    alpha: f64,
    n: usize,
    direction: Direction,
    /// Prefix sums of counts (and exposures).
    #[serde(skip)]
    prefix: Prefix,
    /// Shared with the posterior file (no copy of n floats).
    #[serde(serialize_with = "crate::file::slice")]
    tau_posterior: Arc<Vec<f64>>,
    #[serde(flatten)]
    evidence: Evidence,
    /// `Σ_k P(τ = k) E[λ1 | τ = k]` and the same of λ2: E\[λ1\], E\[λ2\].
    #[serde(skip)]
    weighted_sums: (f64, f64),
    /// `E[λ_t | y]` per day, computed when first asked for (plots and
    /// notebooks ask; the posterior file does not).
    #[serde(skip)]
    rate_curve: OnceLock<Vec<f64>>,
}

impl ExactPosterior {
    fn compute(prefix: Prefix, alpha: f64, direction: Direction) -> Self {
        let n = prefix.n();
        let ln_alpha = alpha.ln();
        let e_n = prefix.exp_to(n);
        let total = prefix.total();
        // log p(y | τ = k) up to the common term Σ (y_t ln m_t − ln y_t!).
        let parallel = n >= PARALLEL_DAYS;
        // Without exposures the segments' exposures are k and n − k days:
        // `ln(j + α)` for j = 0..=n serves both (n + 1 logarithms instead
        // of 2n; the same values as `ln_segment` computes).
        let ln_days: Option<Vec<f64>> = prefix.e.is_none().then(|| {
            let f = |j: usize| (j as f64 + alpha).ln();
            if parallel {
                (0..=n).into_par_iter().map(f).collect()
            } else {
                (0..=n).map(f).collect()
            }
        });
        let ln_p = |k: usize| {
            let (s1, e1) = prefix.seg(0, k);
            let (s2, e2) = (total - s1, e_n - e1);
            let (l1, l2) = match &ln_days {
                Some(l) => (l[k], l[n - k]),
                None => ((e1 + alpha).ln(), (e2 + alpha).ln()),
            };
            ln_segment_at(s1, ln_alpha, l1)
                + ln_segment_at(s2, ln_alpha, l2)
                + direction.ln_factor(s1 + 1, e1 + alpha, s2 + 1, e2 + alpha)
        };
        // Each k on its own (same values on any number of threads); the
        // sums below stay sequential.
        let mut logp: Vec<f64> = if parallel {
            (0..n).into_par_iter().map(ln_p).collect()
        } else {
            (0..n).map(ln_p).collect()
        };
        let max = logp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut z = 0.0;
        for l in &mut logp {
            // exp is 0 below −745.2 (its slow underflow path, skipped).
            let d = *l - max;
            *l = if d < -745.2 { 0.0 } else { d.exp() };
            z += *l;
        }
        for p in &mut logp {
            *p /= z;
        }
        let log_marginal = max + z.ln() - (n as f64).ln() + prefix.common;
        let log_marginal_no_change = ln_segment(total, e_n, alpha, ln_alpha) + prefix.common;
        let mut post = ExactPosterior {
            alpha,
            n,
            direction,
            prefix,
            tau_posterior: Arc::new(logp),
            evidence: Evidence {
                log_marginal,
                log_marginal_no_change,
            },
            weighted_sums: (0.0, 0.0),
            rate_curve: OnceLock::new(),
        };
        // Summed in the order of k (the zero terms change nothing).
        let (mut m1, mut m2) = (0.0, 0.0);
        for k in 0..n {
            let (w1, w2) = post.weighted(k);
            m1 += w1;
            m2 += w2;
        }
        post.weighted_sums = (m1, m2);
        post
    }

    /// The direction of change the posterior is restricted to.
    pub fn direction(&self) -> Direction {
        self.direction
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

    /// [`Self::tau_posterior`] shared, without a copy (the posterior file
    /// holds it twice, as the method's and as the exact one).
    pub fn tau_posterior_shared(&self) -> Arc<Vec<f64>> {
        Arc::clone(&self.tau_posterior)
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

    /// Posterior (shape, rate) of λ1 and λ2 given τ = k, unrestricted.
    pub(crate) fn shapes_rates(&self, k: usize) -> (u64, f64, u64, f64) {
        let (s1, e1) = self.prefix.seg(0, k);
        let (s2, e2) = self.prefix.seg(k, self.n);
        (s1 + 1, e1 + self.alpha, s2 + 1, e2 + self.alpha)
    }

    /// `P(τ = k)` times (E[λ1 | y, τ = k], E[λ2 | y, τ = k]). Most τ of a
    /// long series have probability 0 (below e^−745 of the MAP): their
    /// terms are 0 without the means (a restricted mean needs an
    /// incomplete beta function).
    fn weighted(&self, k: usize) -> (f64, f64) {
        let p = self.tau_posterior[k];
        if p == 0.0 {
            return (0.0, 0.0);
        }
        let (c1, c2) = self.conditional_means(k);
        (p * c1, p * c2)
    }

    /// (E[λ1 | y, τ = k], E[λ2 | y, τ = k]) (restricted to the direction).
    fn conditional_means(&self, k: usize) -> (f64, f64) {
        let (a1, b1, a2, b2) = self.shapes_rates(k);
        self.direction.means(a1, b1, a2, b2)
    }

    /// E[λ1 | y].
    pub fn lambda_1_mean(&self) -> f64 {
        self.weighted_sums.0
    }

    /// E[λ2 | y].
    pub fn lambda_2_mean(&self) -> f64 {
        self.weighted_sums.1
    }

    /// E[λ_t | y] for every day t: the expected rate over time (also
    /// [`ChangePosterior::rate_curve`]).
    pub fn expected_rate(&self) -> &[f64] {
        self.rate_curve
            .get_or_init(|| rate_curve(self.n, |k| self.weighted(k)))
    }

    /// Components of the posterior of λ1 or λ2: a mixture over τ of
    /// Gamma(shape, rate) (restricted to the direction's order),
    /// dropping weights below 1e-14.
    pub(crate) fn mixture(&self, which: u8) -> Vec<Component> {
        (0..self.n)
            .filter(|&k| self.tau_posterior[k] > 1e-14)
            .map(|k| {
                let (a1, b1, a2, b2) = self.shapes_rates(k);
                let g1 = Gamma::new(a1 as f64, b1).expect("shape and rate are positive");
                let g2 = Gamma::new(a2 as f64, b2).expect("shape and rate are positive");
                let (this, other) = if which == 1 { (g1, g2) } else { (g2, g1) };
                let restriction = match self.direction {
                    Direction::Any => None,
                    d => {
                        // Is `this` the larger rate under the restriction?
                        let this_greater = (d == Direction::Up) == (which == 2);
                        let p_order = (d.ln_factor(a1, b1, a2, b2) - std::f64::consts::LN_2).exp();
                        Some((other, this_greater, p_order))
                    }
                };
                Component {
                    weight: self.tau_posterior[k],
                    this,
                    restriction,
                }
            })
            .collect()
    }

    /// The `p` quantile of the mixture by bisection on its CDF (to 1e-12
    /// relative). Each step asks only on which side of `p` the CDF lies:
    /// [`Component::fast_cdf`] answers in O(1) per component, and statrs
    /// decides when the answer is within [`DECISION_MARGIN`] of `p`, so the
    /// steps (and the result, bit for bit) are those of bisection on
    /// statrs' CDF.
    pub(crate) fn quantile(mix: &[Component], p: f64) -> f64 {
        let cdf = |x: f64| mix.iter().map(|c| c.weight * c.cdf(x)).sum::<f64>();
        let below = |x: f64| {
            let mut fast = false;
            let approx = mix
                .iter()
                .map(|c| {
                    c.weight
                        * match c.fast_cdf(x) {
                            Some(f) => {
                                fast = true;
                                f
                            }
                            None => c.cdf(x),
                        }
                })
                .sum::<f64>();
            if !fast || (approx - p).abs() > DECISION_MARGIN {
                approx < p
            } else {
                cdf(x) < p
            }
        };
        Self::bisect(mix, below)
    }

    /// The point where `below` turns false, by bisection to 1e-12
    /// relative from `[0, hi]`, `hi` the largest [`Component::upper`]
    /// (doubled while still below).
    fn bisect(mix: &[Component], below: impl Fn(f64) -> bool) -> f64 {
        let mut hi = mix.iter().map(|c| c.upper()).fold(0.0, f64::max);
        while below(hi) {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if below(mid) {
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
            return Err(Error::param("prob", prob, "a number in (0, 1)").into());
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

    /// Posterior CDF of λ1 at `x` (with a direction, by 768-point
    /// Gauss–Legendre quadrature of the restricted density per τ).
    pub fn lambda_1_cdf(&self, x: f64) -> f64 {
        self.mixture(1).iter().map(|c| c.weight * c.cdf(x)).sum()
    }

    /// Posterior CDF of λ2 at `x`.
    pub fn lambda_2_cdf(&self, x: f64) -> f64 {
        self.mixture(2).iter().map(|c| c.weight * c.cdf(x)).sum()
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

/// `E[λ_t] = Σ_{k > t} P(k) E[λ1 | k] + Σ_{k <= t} P(k) E[λ2 | k]` from the
/// weighted conditional means `(m1, m2)` of each k.
fn rate_curve(n: usize, weighted: impl Fn(usize) -> (f64, f64)) -> Vec<f64> {
    let (m1, m2): (Vec<f64>, Vec<f64>) = (0..n).map(weighted).unzip();
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

impl ChangePosterior for ExactPosterior {
    fn evidence(&self) -> Evidence {
        self.evidence
    }
    fn n_days(&self) -> usize {
        self.n
    }
    fn rate_curve(&self) -> &[f64] {
        self.expected_rate()
    }
    fn change_marginal(&self) -> &[f64] {
        &self.tau_posterior
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Poisson};

    /// The quantile as computed before the fast CDF: bisection on statrs'
    /// CDF at every step.
    fn quantile_by_statrs(mix: &[Component], p: f64) -> f64 {
        let cdf = |x: f64| mix.iter().map(|c| c.weight * c.cdf(x)).sum::<f64>();
        ExactPosterior::bisect(mix, |x| cdf(x) < p)
    }

    /// Series with shapes of 10^4 to 10^5 (the fast path), with and
    /// without a clear change: every interval end must be the old
    /// bisection's, bit for bit.
    #[test]
    fn intervals_are_bisection_on_statrs_bit_for_bit() {
        let mut rng = threatstat_core::rng::seeded(17);
        let mut fast = 0;
        for case in 0..4u32 {
            let n = 1000 + 200 * case as usize;
            let tau = n * (4 + case as usize % 3) / 10;
            let l1 = 25.0 + case as f64;
            let l2 = l1 * (1.0 + 0.02 * (case % 3) as f64);
            let counts: Vec<u32> = (0..n)
                .map(|t| {
                    let l = if t < tau { l1 } else { l2 };
                    Poisson::new(l).unwrap().sample(&mut rng) as u32
                })
                .collect();
            let post = Switchpoint::params().fit(&counts).unwrap();
            for which in [1, 2] {
                let mix = post.mixture(which);
                fast += mix
                    .iter()
                    .filter(|c| c.fast_cdf(c.this.shape() / c.this.rate()).is_some())
                    .count();
                for p in [0.03, 0.97] {
                    let (got, want) = (
                        ExactPosterior::quantile(&mix, p),
                        quantile_by_statrs(&mix, p),
                    );
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "case {case}, λ{which}, p = {p}: {got} vs {want}"
                    );
                }
            }
        }
        assert!(
            fast > 100,
            "the fast path was used for {fast} components only"
        );
    }
}

#[cfg(test)]
mod ln_factorial_tests {
    use super::*;

    /// `ln k!` against mpmath's `loggamma(k + 1)` at 50 digits (values from
    /// `tools/reference/switchpoint_numerics.py`): within 2e-16 relative from
    /// 1,024 up, and statrs' value bit for bit below.
    #[test]
    fn matches_mpmath() {
        let want: [(u64, f64); 9] = [
            (1_024, 6_078.211_884_750_051),
            (1_025, 6_085.144_332_641_623),
            (5_000, 37_591.143_508_876_77),
            (65_535, 661_276.871_765_185_5),
            (65_536, 661_287.962_120_074_4),
            (1_200_000, 15_597_406.455_564_534),
            (10_000_000, 151_180_965.487_569_57),
            (123_456_789, 2_176_716_257.854_672),
            (4_000_000_000, 84_438_240_804.238_92),
        ];
        for _ in 0..2 {
            for (k, v) in want {
                let got = ln_factorial(k);
                assert!(
                    (got - v).abs() <= 2e-16 * v,
                    "ln {k}! = {got}, mpmath {v}: rel err {:e}",
                    (got - v).abs() / v
                );
            }
            for k in [0u64, 1, 2, 17, 1_023] {
                assert_eq!(
                    ln_factorial(k).to_bits(),
                    ln_gamma(k as f64 + 1.0).to_bits()
                );
            }
            // Enough misses below 65,536 to build the big table: the
            // second round reads it and must give the same numbers.
            for k in 0..70_000u64 {
                ln_factorial(1024 + k % 60_000);
            }
        }
    }

    /// Every path (series, table) gives the same number, and successive
    /// values differ by `ln k` (the recurrence `ln k! = ln (k−1)! + ln k`).
    #[test]
    fn table_and_series_agree_and_recur() {
        for k in (1_024u64..65_536).step_by(97) {
            assert_eq!(
                ln_factorial(k).to_bits(),
                ln_factorial_stirling(k).to_bits()
            );
            let step = ln_factorial_stirling(k + 1) - ln_factorial_stirling(k);
            let ulp = ln_factorial_stirling(k + 1) * f64::EPSILON;
            assert!((step - ((k + 1) as f64).ln()).abs() <= 4.0 * ulp, "{k}");
        }
    }
}

#[cfg(test)]
mod gamma_pdf_tests {
    use super::*;

    /// [`gamma_pdf_large`] against mpmath at 50 digits
    /// (`tools/reference/switchpoint_numerics.py`): within 1e-13 relative
    /// at the shapes of a 10^5-day series in the bulk and at a shape of
    /// 1,024, within 1e-11 far in a tail (density 1e-52: the rounding of
    /// `u = bx/a − 1`, times `a·u`); statrs, for comparison, is off by
    /// up to about 1e-9 at the large shape (its exponent is a difference
    /// of terms near 10^7).
    #[test]
    fn large_shapes_match_mpmath() {
        let cases: [(f64, f64, f64, f64); 6] = [
            (600_001.0, 60_000.089, 10.0, 30.901_957_309_931_944),
            (600_001.0, 60_000.089, 10.0129, 18.743_937_149_589_183),
            (600_001.0, 60_000.089, 9.9613, 0.342_860_353_978_540_1),
            (600_001.0, 60_000.089, 9.8, 4.752_419_464_355_579e-52),
            (1024.0, 100.5, 10.19, 1.252_704_401_771_196_1),
            (1024.0, 100.5, 12.0, 5.466_827_129_789_621e-7),
        ];
        for (a, b, x, want) in cases {
            let got = gamma_pdf_large(a, b, x);
            let rel = (got - want).abs() / want;
            let tol = if want < 1e-40 { 1e-11 } else { 1e-13 };
            assert!(
                rel < tol,
                "Gamma({a}, {b}) at {x}: {got} vs {want} (rel {rel:e})"
            );
            let statrs = gamma_pdf(&Gamma::new(a, b).unwrap(), x);
            assert!((statrs - want).abs() / want < 1e-7, "statrs {statrs}");
        }
        assert_eq!(gamma_pdf_large(2000.0, 1.0, 0.0), 0.0);
    }
}

#[cfg(test)]
mod parallel_tests {
    use super::*;

    /// A series long enough for the threads gives the same posterior, bit
    /// for bit, on one thread and on four.
    #[test]
    fn the_posterior_does_not_depend_on_the_threads() {
        let n = PARALLEL_DAYS + 1_000;
        let y: Vec<u32> = (0..n as u32)
            .map(|t| 10 + (t * 7919) % 7 + u32::from(t > 20_000))
            .collect();
        let on = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| Switchpoint::params().fit(&y).unwrap())
        };
        let (one, four) = (on(1), on(4));
        assert!(
            one.tau_posterior()
                .iter()
                .zip(four.tau_posterior())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert_eq!(
            one.lambda_1_mean().to_bits(),
            four.lambda_1_mean().to_bits()
        );
        assert_eq!(one.expected_rate(), four.expected_rate());
    }
}
