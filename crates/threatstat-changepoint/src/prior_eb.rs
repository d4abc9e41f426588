//! Empirical-Bayes (type-II maximum-likelihood) prior rate α of the
//! switchpoint model.
//!
//! The model is the crate's ([`crate::Switchpoint`]): λ1 and λ2 share the
//! prior Exponential(α), τ is uniform on the n days `0..n` (τ = 0: every
//! day at λ2), `y_t ~ Poisson(λ m_t)` with exposures `m_t` (1 without).
//! Integrating the rates and τ out,
//!
//! ```text
//! ln p(y | α) = ln Σ_τ exp( Σ_{segments} [ln α + ln S! − (S+1) ln(E + α)] ) − ln n
//!               + Σ_t (y_t ln m_t − ln y_t!)
//! ```
//!
//! (S, E the count and exposure of a segment; an empty segment adds 0), the
//! `log_marginal` that [`crate::ExactPosterior`] reports. With `u = ln α`
//! its slope is the posterior mean over τ of `Σ_seg (1 − (S+1) α/(E+α))`.
//! As α → 0 the marginal falls like `ln α`; as α → ∞ like `−S ln α`, so a
//! series with at least one count has an interior maximum, and a series of
//! zeros has none (the marginal grows with α): that is an error naming the
//! series, never a clamped α. (For the "no change" model alone the maximum
//! is α = E/S, the published 1/mean rule.)
//!
//! The search is on `u = ln α`: the bracket starts at the 1/mean rule ± 2
//! and widens by 2 until the slope is positive at its low end and negative
//! at its high end (at most ± 40, else the optimum is at the boundary:
//! an error); a scan of 33 points picks the best cell (against a second
//! local maximum), and argmin's Brent minimiser (of `−ln p(y | α)`)
//! refines it to `|Δu| ≈ 1e-9`. The result reports the α, the log marginal,
//! its slope, the iterations, argmin's termination reason and the final
//! bracket; a solver that does not converge is an error.
//!
//! The same α goes to every model that takes one ([`crate::Episode`],
//! [`crate::Segmentation`], the switchpoint with a direction, MCMC): it is
//! estimated under the unrestricted switchpoint, the model of the
//! published analysis, and then held fixed.
//!
//! ```
//! use threatstat_changepoint::prior_eb::{eb_prior_rate, log_marginal};
//! let y = [3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14];
//! let eb = eb_prior_rate(&y, None).unwrap();
//! assert_eq!(eb.termination, "Solver converged");
//! // No α does better, the 1/mean rule included.
//! for a in [0.01, 0.05, 0.1, 0.2, 1.0 / 7.75, 0.5, 2.0] {
//!     assert!(log_marginal(&y, None, a).unwrap() <= eb.log_marginal + 1e-9);
//! }
//! ```

use crate::ChangepointError;
use crate::numerics::{Prefix, log_sum_exp};
use argmin::core::{CostFunction, Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::brent::BrentOpt;
use serde::Serialize;
use threatstat_core::Error;

/// Half-width of the first bracket around the 1/mean rule (in ln α).
const FIRST_HALF_WIDTH: f64 = 2.0;
/// How far the bracket may widen (in ln α on each side).
const MAX_HALF_WIDTH: f64 = 40.0;
/// Points of the scan of the bracket.
const SCAN: usize = 33;
/// Brent's absolute tolerance on ln α.
const U_TOL: f64 = 1e-9;
/// The most Brent iterations.
const MAX_ITERS: u64 = 200;

/// An empirical-Bayes prior rate and how the optimiser reached it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EbPrior {
    /// The α maximising the (summed) log marginal likelihood.
    pub alpha: f64,
    /// Its natural log.
    pub ln_alpha: f64,
    /// The (summed) `ln p(y | α)` at the optimum.
    pub log_marginal: f64,
    /// The slope `d ln p(y | α) / d ln α` at the optimum (≈ 0).
    pub slope: f64,
    /// The 1/mean rule's α (pooled: total exposure / total count).
    pub mean_rule_alpha: f64,
    /// `ln p(y | α)` at the 1/mean rule (≤ `log_marginal`).
    pub log_marginal_mean_rule: f64,
    /// Series pooled (1 per series).
    pub series: usize,
    /// The final bracket `[α_low, α_high]` Brent refined.
    pub bracket: (f64, f64),
    /// Brent iterations.
    pub iterations: u64,
    /// argmin's termination reason.
    pub termination: String,
    /// Evaluations of the log marginal (bracket, scan and Brent).
    pub evaluations: u64,
}

/// The switchpoint's `ln p(y | α)` (rates and τ integrated out; see the
/// module documentation), with optional exposures.
///
/// ```
/// use threatstat_changepoint::Switchpoint;
/// use threatstat_changepoint::ChangePosterior;
/// use threatstat_changepoint::prior_eb::log_marginal;
/// let y = [1, 0, 2, 6, 7, 5];
/// let post = Switchpoint::params().alpha(0.3).fit(&y).unwrap();
/// assert!((log_marginal(&y, None, 0.3).unwrap() - post.log_marginal_likelihood()).abs() < 1e-12);
/// ```
pub fn log_marginal(
    counts: &[u32],
    exposures: Option<&[f64]>,
    alpha: f64,
) -> Result<f64, ChangepointError> {
    crate::params::check_alpha(Some(alpha))?;
    let p = Prefix::new(counts, exposures)?;
    Ok(value_slope(&p, alpha.ln()).0)
}

/// `(ln p(y | α), d ln p / d ln α)` at `u = ln α`.
fn value_slope(p: &Prefix, u: f64) -> (f64, f64) {
    let n = p.n();
    let alpha = u.exp();
    let e_n = p.exp_to(n);
    let total = p.total();
    let seg = |s: u64, e: f64| -> (f64, f64) {
        if s == 0 && e == 0.0 {
            return (0.0, 0.0);
        }
        let ln_e = (e + alpha).ln();
        (
            u + crate::exact::ln_factorial(s) - (s + 1) as f64 * ln_e,
            1.0 - (s + 1) as f64 * alpha / (e + alpha),
        )
    };
    let mut logs = Vec::with_capacity(n);
    let mut slopes = Vec::with_capacity(n);
    for k in 0..n {
        let (s1, e1) = p.seg(0, k);
        let (a, da) = seg(s1, e1);
        let (b, db) = seg(total - s1, e_n - e1);
        logs.push(a + b);
        slopes.push(da + db);
    }
    let lse = log_sum_exp(&logs);
    let slope = logs
        .iter()
        .zip(&slopes)
        .map(|(l, d)| (l - lse).exp() * d)
        .sum();
    (lse - (n as f64).ln() + p.common, slope)
}

/// The summed log marginal of a population, as argmin's cost (negated).
struct Pooled<'a> {
    prefixes: &'a [Prefix],
}

impl Pooled<'_> {
    fn value_slope(&self, u: f64) -> (f64, f64) {
        self.prefixes.iter().fold((0.0, 0.0), |(v, d), p| {
            let (a, b) = value_slope(p, u);
            (v + a, d + b)
        })
    }
}

impl CostFunction for Pooled<'_> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, u: &f64) -> Result<f64, argmin::core::Error> {
        Ok(-self.value_slope(*u).0)
    }
}

/// The empirical-Bayes α of one series (with optional exposures).
///
/// Errors: an empty series or bad exposures (`Shape`, `Data`), a series
/// of zeros (no maximum: the marginal grows with α; `Data`), an optimum
/// beyond e^±40 of the 1/mean rule, or Brent not converging (`Data`).
pub fn eb_prior_rate(
    counts: &[u32],
    exposures: Option<&[f64]>,
) -> Result<EbPrior, ChangepointError> {
    let p = Prefix::new(counts, exposures)?;
    optimise(std::slice::from_ref(&p), "the series")
}

/// The empirical-Bayes α of a population: the one α maximising the sum
/// of the series' log marginal likelihoods (with optional exposures, one
/// vector per series). Series of zeros take part (they pull α up); the
/// population must have at least one count.
///
/// ```
/// use threatstat_changepoint::prior_eb::{eb_prior_rate_pooled, log_marginal};
/// let series = vec![vec![1, 0, 1, 5, 6], vec![2, 3, 2, 2, 3], vec![0, 0, 0, 0, 1]];
/// let eb = eb_prior_rate_pooled(&series, None).unwrap();
/// assert_eq!(eb.series, 3);
/// let sum = |a: f64| series.iter().map(|y| log_marginal(y, None, a).unwrap()).sum::<f64>();
/// assert!((sum(eb.alpha) - eb.log_marginal).abs() < 1e-9);
/// assert!(sum(eb.alpha * 1.01) < eb.log_marginal && sum(eb.alpha / 1.01) < eb.log_marginal);
/// ```
pub fn eb_prior_rate_pooled(
    series: &[Vec<u32>],
    exposures: Option<&[Vec<f64>]>,
) -> Result<EbPrior, ChangepointError> {
    if series.is_empty() {
        return Err(Error::shape("series", "at least 1 series", "0 series").into());
    }
    if let Some(m) = exposures
        && m.len() != series.len()
    {
        return Err(Error::shape(
            "exposures",
            format!("{} vectors (one per series)", series.len()),
            format!("{} vectors", m.len()),
        )
        .into());
    }
    let prefixes = series
        .iter()
        .enumerate()
        .map(|(i, y)| {
            Prefix::new(y, exposures.map(|m| m[i].as_slice()))
                .map_err(|e| Error::data(format!("series {i}"), e.to_string()).into())
        })
        .collect::<Result<Vec<_>, ChangepointError>>()?;
    optimise(&prefixes, "every series")
}

fn optimise(prefixes: &[Prefix], what: &str) -> Result<EbPrior, ChangepointError> {
    let total: u64 = prefixes.iter().map(Prefix::total).sum();
    if total == 0 {
        return Err(Error::data(
            what,
            "all counts are zero: the marginal likelihood grows with α without bound, so \
             the empirical-Bayes α is infinite (set α, or pool over series with counts)",
        )
        .into());
    }
    let exposure: f64 = prefixes.iter().map(|p| p.exp_to(p.n())).sum();
    let mean_rule_alpha = exposure / total as f64;
    let u_c = mean_rule_alpha.ln();
    let problem = Pooled { prefixes };
    let mut evaluations = 0u64;
    let mut slope_at = |u: f64| {
        evaluations += 1;
        problem.value_slope(u).1
    };
    // Widen the bracket until the slope changes sign inside it.
    let (mut lo, mut hi) = (u_c - FIRST_HALF_WIDTH, u_c + FIRST_HALF_WIDTH);
    while slope_at(lo) <= 0.0 {
        if lo <= u_c - MAX_HALF_WIDTH {
            return Err(boundary(what, lo, "falls", "lowest"));
        }
        lo -= FIRST_HALF_WIDTH;
    }
    while slope_at(hi) >= 0.0 {
        if hi >= u_c + MAX_HALF_WIDTH {
            return Err(boundary(what, hi, "still grows", "highest"));
        }
        hi += FIRST_HALF_WIDTH;
    }
    // Scan, then Brent on the best cell.
    let grid: Vec<f64> = (0..SCAN)
        .map(|i| lo + (hi - lo) * i as f64 / (SCAN - 1) as f64)
        .collect();
    let values: Vec<f64> = grid.iter().map(|&u| problem.value_slope(u).0).collect();
    evaluations += SCAN as u64;
    let best = (0..SCAN)
        .max_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    let (a, b) = (grid[best.saturating_sub(1)], grid[(best + 1).min(SCAN - 1)]);
    let solver = BrentOpt::new(a, b).set_tolerance(f64::EPSILON.sqrt(), U_TOL);
    let result = Executor::new(Pooled { prefixes }, solver)
        .configure(|s| s.max_iters(MAX_ITERS))
        .run()
        .map_err(|e| Error::data(what, format!("the empirical-Bayes search failed: {e}")))?;
    let state = result.state();
    let reason = match state.get_termination_status() {
        TerminationStatus::Terminated(r) => r.clone(),
        TerminationStatus::NotTerminated => TerminationReason::SolverExit("not terminated".into()),
    };
    let iterations = state.get_iter();
    evaluations += iterations + 1;
    let u = state.get_best_param().copied().unwrap_or(f64::NAN);
    if reason != TerminationReason::SolverConverged || !u.is_finite() {
        return Err(Error::data(
            what,
            format!(
                "the empirical-Bayes search (Brent on ln α in [{a:.4}, {b:.4}]) stopped after \
                 {iterations} iterations without converging: {}",
                reason.text()
            ),
        )
        .into());
    }
    let (log_marginal, slope) = problem.value_slope(u);
    Ok(EbPrior {
        alpha: u.exp(),
        ln_alpha: u,
        log_marginal,
        slope,
        mean_rule_alpha,
        log_marginal_mean_rule: problem.value_slope(u_c).0,
        series: prefixes.len(),
        bracket: (a.exp(), b.exp()),
        iterations,
        termination: reason.text().to_string(),
        evaluations: evaluations + 2,
    })
}

/// The error of an optimum at the edge of the search range.
fn boundary(what: &str, u: f64, trend: &str, edge: &str) -> ChangepointError {
    Error::data(
        what,
        format!(
            "the marginal likelihood {trend} at α = {:.3e}, the {edge} α searched (e^±{} of \
             1/mean): the empirical-Bayes optimum is at the boundary, not reported",
            u.exp(),
            MAX_HALF_WIDTH
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerics::integrate;

    fn series(seed: u64, n: usize, r1: f64, r2: f64) -> Vec<u32> {
        use rand_distr::{Distribution, Poisson};
        let mut rng = threatstat_core::rng::seeded(seed);
        (0..n)
            .map(|t| {
                let r = if t < n / 2 { r1 } else { r2 };
                Poisson::new(r).unwrap().sample(&mut rng) as u32
            })
            .collect()
    }

    #[test]
    fn slope_matches_finite_differences() {
        let y = series(3, 40, 2.0, 5.0);
        let m: Vec<f64> = (0..40).map(|t| 0.5 + (t % 7) as f64 / 5.0).collect();
        for ex in [None, Some(m.as_slice())] {
            let p = Prefix::new(&y, ex).unwrap();
            for u in [-4.0, -1.5, 0.0, 2.0] {
                let h = 1e-5;
                let fd = (value_slope(&p, u + h).0 - value_slope(&p, u - h).0) / (2.0 * h);
                let d = value_slope(&p, u).1;
                assert!(
                    (fd - d).abs() < 1e-6 * (1.0 + d.abs()),
                    "u={u}: {fd} vs {d}"
                );
            }
        }
    }

    #[test]
    fn marginal_matches_numerical_integration_over_the_rates() {
        // p(y | α) = (1/n) Σ_τ ∫∫ Π Poisson · α e^{−α λ1} α e^{−α λ2} dλ1 dλ2.
        let y = [2u32, 0, 3, 1, 6, 4, 7];
        let n = y.len();
        for alpha in [0.05, 0.4, 2.0] {
            let seg_lik = |days: &[u32]| {
                // ∫ Π_t Poisson(y_t; λ) α e^{−α λ} dλ, on [0, 60].
                integrate(
                    |l: f64| {
                        let lp: f64 = days
                            .iter()
                            .map(|&c| {
                                f64::from(c) * l.ln()
                                    - l
                                    - statrs::function::gamma::ln_gamma(f64::from(c) + 1.0)
                            })
                            .sum::<f64>();
                        alpha * (lp - alpha * l).exp()
                    },
                    0.0,
                    60.0,
                )
            };
            let p: f64 = (0..n)
                .map(|k| {
                    let a = if k == 0 { 1.0 } else { seg_lik(&y[..k]) };
                    a * seg_lik(&y[k..])
                })
                .sum::<f64>()
                / n as f64;
            let got = log_marginal(&y, None, alpha).unwrap();
            assert!(
                (got - p.ln()).abs() < 1e-9,
                "α={alpha}: {got} vs {}",
                p.ln()
            );
        }
    }

    /// The optimum against a dense grid of ln α.
    fn check_against_grid(eb: &EbPrior, f: impl Fn(f64) -> f64) {
        let (lo, hi, m) = (
            eb.mean_rule_alpha.ln() - 8.0,
            eb.mean_rule_alpha.ln() + 8.0,
            4001,
        );
        let step = (hi - lo) / (m - 1) as f64;
        let (mut best_u, mut best) = (f64::NAN, f64::NEG_INFINITY);
        for i in 0..m {
            let u = lo + step * i as f64;
            let v = f(u.exp());
            if v > best {
                (best_u, best) = (u, v);
            }
        }
        assert!(
            (eb.ln_alpha - best_u).abs() <= step,
            "{} vs grid {best_u}",
            eb.ln_alpha
        );
        assert!(
            eb.log_marginal >= best - 1e-10,
            "{} < {best}",
            eb.log_marginal
        );
        assert!(eb.slope.abs() < 1e-5, "slope {}", eb.slope);
    }

    #[test]
    fn per_series_optimum_matches_a_dense_grid() {
        for (seed, r1, r2) in [(1, 1.0, 4.0), (2, 0.2, 0.2), (3, 10.0, 3.0), (4, 0.05, 1.5)] {
            let y = series(seed, 120, r1, r2);
            let m: Vec<f64> = (0..120).map(|t| 1.0 + (t % 5) as f64 / 4.0).collect();
            for ex in [None, Some(m.as_slice())] {
                let eb = eb_prior_rate(&y, ex).unwrap();
                assert_eq!(eb.termination, "Solver converged");
                check_against_grid(&eb, |a| log_marginal(&y, ex, a).unwrap());
                assert!(eb.log_marginal >= eb.log_marginal_mean_rule);
            }
        }
    }

    #[test]
    fn pooled_is_the_argmax_of_the_summed_marginals() {
        let pop: Vec<Vec<u32>> = (0..12)
            .map(|i| series(10 + i, 60, 0.5 + i as f64 * 0.3, 1.0 + (i % 3) as f64))
            .collect();
        let eb = eb_prior_rate_pooled(&pop, None).unwrap();
        assert_eq!(eb.series, 12);
        check_against_grid(&eb, |a| {
            pop.iter().map(|y| log_marginal(y, None, a).unwrap()).sum()
        });
        // Not the per-series optima.
        let own: Vec<f64> = pop
            .iter()
            .map(|y| eb_prior_rate(y, None).unwrap().alpha)
            .collect();
        assert!(own.iter().any(|a| (a / eb.alpha - 1.0).abs() > 0.05));
    }

    #[test]
    fn zeros_have_no_optimum_and_say_so() {
        let e = eb_prior_rate(&[0, 0, 0, 0], None).unwrap_err();
        assert!(matches!(
            e,
            ChangepointError::Core(Error::Data { ref what, .. }) if what == "the series"
        ));
        let e = eb_prior_rate_pooled(&[vec![0, 0], vec![0]], None).unwrap_err();
        assert!(e.to_string().contains("infinite"), "{e}");
        // A population with one count somewhere has an optimum.
        assert!(eb_prior_rate_pooled(&[vec![0, 0], vec![0, 1]], None).is_ok());
        // A bad series is named.
        let e = eb_prior_rate_pooled(&[vec![1, 2], vec![]], None).unwrap_err();
        assert!(e.to_string().contains("series 1"), "{e}");
    }

    #[test]
    fn a_single_day_series_has_its_optimum() {
        // n = 1: only τ = 0, the no-change model: α = E/S exactly.
        let eb = eb_prior_rate(&[4], None).unwrap();
        assert!((eb.alpha - 0.25).abs() < 1e-7, "{}", eb.alpha);
    }
}
