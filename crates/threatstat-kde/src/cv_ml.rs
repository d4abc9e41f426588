//! Likelihood cross-validated bandwidths (statsmodels' `bw='cv_ml'`).
//!
//! The estimate is statsmodels' `KDEMultivariate(data, var_type='c'*d,
//! bw='cv_ml')`: a product Gaussian kernel with one bandwidth (kernel
//! standard deviation) `h_s` per coordinate, the kernel covariance being
//! `diag(h_s²)`, and `h` maximising the leave-one-out log likelihood
//!
//! ```text
//! L(h) = Σᵢ ln( Σ_{j≠i} Π_s φ((x_is − x_js)/h_s) / Π_s h_s )
//! ```
//!
//! (φ the standard normal density). This is statsmodels' `loo_likelihood`
//! convention, which leaves out the factor `1/(n−1)` of a leave-one-out
//! density: the reported [`CvMl::loo_log_likelihood`] is `L(h)`, and the
//! mean log leave-one-out density is `L(h)/n − ln(n−1)`; the optimum is the
//! same.
//!
//! statsmodels runs Nelder–Mead (`scipy.optimize.fmin`, xtol 1e-3) on `h`
//! from the normal-reference start `1.06 · std_s · n^(−1/(4+d))` (std with
//! ddof 0). Here argmin runs on `u = ln h` (so `h > 0`), from the same start:
//! L-BFGS (More–Thuente line search) with the analytic gradient, and
//! Nelder–Mead (statsmodels' search; simplex steps of 5%, as `fmin`'s) whose
//! end point L-BFGS polishes; the better of the two optima is reported. The
//! likelihood can have several local optima and the two searches do not
//! always find the same one (a seeded 2-D case in the tests: L-BFGS alone
//! stops at a worse optimum than statsmodels'). The gradient:
//!
//! ```text
//! ∂(−L)/∂u_s = n − Σᵢ (Σ_{j≠i} K_ij r_ijs²) / (Σ_{j≠i} K_ij),
//! r_ijs = (x_is − x_js)/h_s,  K_ij = exp(−½ Σ_s r_ijs²),
//! ```
//!
//! The optimum is located to a gradient norm of `1e-7 · n` rather than to
//! statsmodels' 1e-3 absolute step in `h`.
//!
//! **Cost**: exact sums, O(n² d) per evaluation (each pair's kernel computed
//! once; a row whose sum underflows is recomputed with its largest term
//! factored out), 30–90 evaluations: about 0.2–0.3 s of CPU time at n = 10³
//! and 14 s (d = 1) to 29 s (d = 2) at n = 10⁴
//! (`cargo run --release -p threatstat-kde --example cv_ml_timing`). Binned or
//! tree-based sums for 10⁵ points are not done yet.
//!
//! **Ties**: a tie (`x_is = x_js`) keeps the term of `j` in `f₋ᵢ` at
//! `φ(0)/h_s` in that coordinate as `h_s → 0`, while terms of points without
//! a tie in `s` vanish faster than any power of `h_s`. Shrinking `h_s` alone
//! therefore drives `L` to +∞ exactly when *every* value of coordinate `s`
//! occurs at least twice (a discrete or heavily rounded coordinate, a
//! constant one included): [`cv_ml_bandwidths`] refuses such data with
//! [`threatstat_core::Error::Data`]. A few ties leave `L` bounded (the points
//! without a tie pull it to −∞) and are handled as any data. An optimum
//! whose bandwidth falls below 1e-6 of its start in some coordinate (near
//! ties of rounded data) is refused the same way rather than reported.

use crate::KdeError;
use crate::numeric::np_sum;
use crate::points::{checked_rows, row_major};
use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::neldermead::NelderMead;
use argmin::solver::quasinewton::LBFGS;
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// The most L-BFGS iterations.
const MAX_ITERS: u64 = 200;
/// The most Nelder–Mead iterations (the fallback).
const NELDER_MEAD_MAX_ITERS: u64 = 2000;
/// The gradient-norm tolerance per point.
const GRAD_TOL_PER_POINT: f64 = 1e-7;
/// A bandwidth below this fraction of its start is a degenerate optimum.
const COLLAPSE: f64 = 1e-6;
/// Log-bandwidths are evaluated within this distance of their start (the
/// line search may try wild steps; `e^±60` keeps every term finite).
const U_RANGE: f64 = 60.0;

/// A likelihood cross-validated bandwidth and how the optimiser reached it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvMl {
    /// The bandwidths `h_s` (kernel standard deviations), one per coordinate.
    pub bandwidths: Vec<f64>,
    /// statsmodels' leave-one-out log likelihood `L(h)` at the bandwidths
    /// (without the `1/(n−1)` factor; see the module documentation).
    pub loo_log_likelihood: f64,
    /// The normal-reference start `1.06 · std_s · n^(−1/(4+d))`.
    pub start: Vec<f64>,
    /// The search that found the reported optimum: `L-BFGS` (from the
    /// start) or `Nelder-Mead, then L-BFGS` (on log-bandwidths).
    pub solver: String,
    /// Iterations of the final L-BFGS run.
    pub iterations: u64,
    /// Why it stopped (argmin's termination reason).
    pub termination: String,
    /// The norm of the gradient of `−L` with respect to `ln h` at the end.
    pub gradient_norm: f64,
    /// Evaluations of the objective (cost and gradient together) over all
    /// runs.
    pub evaluations: u64,
}

/// The normal-reference start of each coordinate: `1.06 · std_s (ddof 0) ·
/// n^(−1/(4+d))`, statsmodels' `_normal_reference`.
fn normal_reference(x: &[f64], n: usize, d: usize) -> Vec<f64> {
    let scale = 1.06 * (n as f64).powf(-1.0 / (4.0 + d as f64));
    (0..d)
        .map(|s| {
            let col: Vec<f64> = (0..n).map(|i| x[i * d + s]).collect();
            let mean = np_sum(&col) / n as f64;
            let dev: Vec<f64> = col.iter().map(|v| (v - mean) * (v - mean)).collect();
            scale * (np_sum(&dev) / n as f64).sqrt()
        })
        .collect()
}

/// The pairs of the symmetric pass are split into this many blocks of
/// about equal work (a constant, so sums do not depend on the thread count).
const BLOCKS: usize = 16;
/// A row whose kernel sum falls below this is recomputed with its largest
/// term factored out (the plain sum may have underflowed).
const TINY_SUM: f64 = 1e-250;
/// `exp(−q/2)` underflows to 0 beyond this squared distance.
const MAX_Q: f64 = 1490.0;

/// `−L` and its gradient with respect to `u = ln h` (row-major data `x`,
/// `n × d`). Each pair's kernel is computed once and added to both rows;
/// a row whose sum underflows is recomputed with its largest term factored
/// out, so far points and small bandwidths keep full precision.
fn objective(x: &[f64], n: usize, d: usize, u: &[f64]) -> (f64, Vec<f64>) {
    let inv_h: Vec<f64> = u.iter().map(|v| (-v).exp()).collect();
    let log_norm = u.iter().sum::<f64>() + d as f64 * LN_SQRT_2PI;
    // Centred, scaled coordinates: the pair's exponent is −½|zᵢ − zⱼ|².
    let mean: Vec<f64> = (0..d)
        .map(|s| np_sum(&(0..n).map(|i| x[i * d + s]).collect::<Vec<_>>()) / n as f64)
        .collect();
    let z: Vec<f64> = (0..n * d)
        .map(|k| (x[k] - mean[k % d]) * inv_h[k % d])
        .collect();
    // Row boundaries that split the n(n−1)/2 pairs into equal blocks.
    let total = n * n.saturating_sub(1) / 2;
    let mut bounds = vec![0usize];
    let mut done = 0usize;
    for i in 0..n {
        done += n - 1 - i;
        if done * BLOCKS >= total * bounds.len() && bounds.len() < BLOCKS {
            bounds.push(i + 1);
        }
    }
    bounds.push(n);
    bounds.dedup();
    let partial: Vec<(Vec<f64>, Vec<f64>)> = bounds
        .par_windows(2)
        .map(|w| {
            let (mut sum, mut t) = (vec![0.0f64; n], vec![0.0f64; n * d]);
            let mut sq = vec![0.0f64; d];
            for i in w[0]..w[1] {
                let zi = &z[i * d..(i + 1) * d];
                for j in i + 1..n {
                    let zj = &z[j * d..(j + 1) * d];
                    let mut q = 0.0;
                    for s in 0..d {
                        let r = zi[s] - zj[s];
                        sq[s] = r * r;
                        q += sq[s];
                    }
                    if q > MAX_Q {
                        continue;
                    }
                    let k = (-0.5 * q).exp();
                    sum[i] += k;
                    sum[j] += k;
                    for s in 0..d {
                        t[i * d + s] += k * sq[s];
                        t[j * d + s] += k * sq[s];
                    }
                }
            }
            (sum, t)
        })
        .collect();
    let (mut sum, mut t) = (vec![0.0f64; n], vec![0.0f64; n * d]);
    for (ps, pt) in &partial {
        sum.iter_mut().zip(ps).for_each(|(a, b)| *a += b);
        t.iter_mut().zip(pt).for_each(|(a, b)| *a += b);
    }
    // Per point: ln of the kernel sum and Σ_j K r² / Σ_j K per coordinate.
    let rows: Vec<(f64, Vec<f64>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            if sum[i] < TINY_SUM {
                shifted_row(&z, n, d, i)
            } else {
                let ti = &t[i * d..(i + 1) * d];
                (sum[i].ln(), ti.iter().map(|v| v / sum[i]).collect())
            }
        })
        .collect();
    let log_f: Vec<f64> = rows.iter().map(|r| r.0 - log_norm).collect();
    let grad = (0..d)
        .map(|s| n as f64 - np_sum(&rows.iter().map(|r| r.1[s]).collect::<Vec<_>>()))
        .collect();
    (-np_sum(&log_f), grad)
}

/// Row `i` of [`objective`] with its largest term factored out: `ln Σ_{j≠i}
/// K_ij` and `Σ_j K_ij r_ijs² / Σ_j K_ij` (scaled coordinates `z`).
fn shifted_row(z: &[f64], n: usize, d: usize, i: usize) -> (f64, Vec<f64>) {
    let zi = &z[i * d..(i + 1) * d];
    let q = |j: usize| -> f64 {
        let zj = &z[j * d..(j + 1) * d];
        (0..d).map(|s| (zi[s] - zj[s]) * (zi[s] - zj[s])).sum()
    };
    let m = (0..n)
        .filter(|&j| j != i)
        .map(|j| -0.5 * q(j))
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut sum, mut t) = (0.0, vec![0.0f64; d]);
    for j in (0..n).filter(|&j| j != i) {
        let k = (-0.5 * q(j) - m).exp();
        sum += k;
        let zj = &z[j * d..(j + 1) * d];
        for s in 0..d {
            t[s] += k * (zi[s] - zj[s]) * (zi[s] - zj[s]);
        }
    }
    (m + sum.ln(), t.iter().map(|v| v / sum).collect())
}

/// statsmodels' leave-one-out log likelihood `L(h)` (its `loo_likelihood`
/// with `np.log`, negated back) of the points (`n × d`, rows are points) at
/// the bandwidths `h` (one per column, each finite and > 0).
///
/// ```
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [3.0]];
/// let l = threatstat_kde::cv_ml::loo_log_likelihood(x.view(), &[1.0]).unwrap();
/// // f₋₀ = φ(1) + φ(3), f₋₁ = φ(1) + φ(2), f₋₂ = φ(3) + φ(2)
/// let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
/// let want = (phi(1.0) + phi(3.0)).ln() + (phi(1.0) + phi(2.0)).ln() + (phi(3.0) + phi(2.0)).ln();
/// assert!((l - want).abs() < 1e-12);
/// ```
pub fn loo_log_likelihood(points: ArrayView2<'_, f64>, h: &[f64]) -> Result<f64, KdeError> {
    let points = checked_rows(points, "data")?;
    let (n, d) = points.dim();
    if h.len() != d {
        return Err(threatstat_core::Error::shape(
            "bandwidths",
            format!("{d} values"),
            h.len().to_string(),
        )
        .into());
    }
    if let Some(&v) = h.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        return Err(threatstat_core::Error::param("bandwidth", v, "finite and > 0").into());
    }
    if n < 2 {
        return Err(
            threatstat_core::Error::shape("data", "at least 2 points", n.to_string()).into(),
        );
    }
    let u: Vec<f64> = h.iter().map(|v| v.ln()).collect();
    Ok(-objective(row_major(&points), n, d, &u).0)
}

/// The gradient of `−L` with respect to `ln h` at the bandwidths `h` (for
/// checks; see the module documentation for the formula).
pub fn loo_gradient_log_h(points: ArrayView2<'_, f64>, h: &[f64]) -> Result<Vec<f64>, KdeError> {
    let points = checked_rows(points, "data")?;
    let (n, d) = points.dim();
    let u: Vec<f64> = h.iter().map(|v| v.ln()).collect();
    if u.len() != d || n < 2 {
        return Err(threatstat_core::Error::shape(
            "bandwidths and data",
            format!("{d} bandwidths and at least 2 points"),
            format!("{} bandwidths, {n} points", u.len()),
        )
        .into());
    }
    Ok(objective(row_major(&points), n, d, &u).1)
}

/// The optimisation problem for argmin; the last evaluation is cached since
/// argmin asks for the cost and the gradient at the same point separately.
/// The last evaluation: the log-bandwidths, `−L` and its gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

struct Problem<'a> {
    x: &'a [f64],
    n: usize,
    d: usize,
    start: Vec<f64>,
    last: Mutex<Option<Evaluation>>,
    evaluations: Mutex<u64>,
}

impl Problem<'_> {
    fn eval(&self, u: &[f64]) -> (f64, Vec<f64>) {
        let mut last = self.last.lock().expect("not poisoned");
        if let Some((p, c, g)) = last.as_ref()
            && p == u
        {
            return (*c, g.clone());
        }
        // Wild line-search steps are evaluated at the edge of the range.
        let clamped: Vec<f64> = u
            .iter()
            .zip(&self.start)
            .map(|(v, s)| v.clamp(s - U_RANGE, s + U_RANGE))
            .collect();
        let (c, g) = objective(self.x, self.n, self.d, &clamped);
        *self.evaluations.lock().expect("not poisoned") += 1;
        *last = Some((u.to_vec(), c, g.clone()));
        (c, g)
    }
}

impl CostFunction for Problem<'_> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, u: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(u).0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, u: &Vec<f64>) -> Result<Vec<f64>, argmin::core::Error> {
        Ok(self.eval(u).1)
    }
}

/// Refuses a coordinate whose every value occurs at least twice (the
/// likelihood is unbounded as its bandwidth shrinks) or that is constant.
fn check_ties(x: &[f64], n: usize, d: usize) -> Result<(), KdeError> {
    for s in 0..d {
        let mut col: Vec<f64> = (0..n).map(|i| x[i * d + s]).collect();
        col.sort_unstable_by(f64::total_cmp);
        let all_tied =
            (0..n).all(|i| (i > 0 && col[i - 1] == col[i]) || (i + 1 < n && col[i + 1] == col[i]));
        if all_tied {
            return Err(threatstat_core::Error::data(
                format!("data column {}", s + 1),
                "every value occurs at least twice (a discrete, rounded or constant \
                 coordinate): the leave-one-out likelihood grows without bound as its \
                 bandwidth shrinks, so cv-ml has no optimum (add jitter below the rounding \
                 unit or use another bandwidth)",
            )
            .into());
        }
    }
    Ok(())
}

/// The likelihood cross-validated bandwidths of the points (`n × d`, rows
/// are points), statsmodels' `KDEMultivariate(data, var_type='c'*d,
/// bw='cv_ml').bw` (see the module documentation).
///
/// Errors: fewer than 3 points or a non-finite coordinate
/// ([`threatstat_core::Error::Shape`], `Parse`); a coordinate whose every
/// value is tied, or an optimum whose bandwidth collapses
/// ([`threatstat_core::Error::Data`]); the optimiser failing or stopping
/// without converging ([`KdeError::NoConvergence`]).
///
/// ```
/// use ndarray::Array2;
/// use threatstat_kde::cv_ml::cv_ml_bandwidths;
/// // Two clusters: the likelihood picks a bandwidth near the clusters'
/// // spread, far below the normal-reference start.
/// let xs: Vec<f64> = (0..60).map(|i| (i % 2) as f64 * 10.0 + (i as f64 * 0.618).fract()).collect();
/// let x = Array2::from_shape_vec((60, 1), xs).unwrap();
/// let cv = cv_ml_bandwidths(x.view()).unwrap();
/// assert!(cv.bandwidths[0] < 0.5 * cv.start[0]);
/// assert_eq!(cv.termination, "Solver converged");
/// ```
pub fn cv_ml_bandwidths(points: ArrayView2<'_, f64>) -> Result<CvMl, KdeError> {
    let points = checked_rows(points, "data")?;
    let (n, d) = points.dim();
    if n < 3 || d == 0 {
        return Err(threatstat_core::Error::shape(
            "data",
            "at least 3 points of at least 1 coordinate for a cross-validated bandwidth",
            format!("{n} points of {d} coordinates"),
        )
        .into());
    }
    let x = row_major(&points);
    check_ties(x, n, d)?;
    let start = normal_reference(x, n, d);
    let u0: Vec<f64> = start.iter().map(|h| h.ln()).collect();
    let failed = |why: String| KdeError::NoConvergence(format!("cv-ml bandwidth: {why}"));
    // L-BFGS from the start, and Nelder–Mead from the start (statsmodels'
    // search, on ln h) polished by L-BFGS: their basins can differ.
    let direct = run_lbfgs(x, n, d, &u0);
    let nm = run_nelder_mead(x, n, d, &u0);
    let polished = match &nm {
        Ok(o) => run_lbfgs(x, n, d, &o.u).map(|mut p| {
            p.solver = "Nelder-Mead, then L-BFGS".into();
            p
        }),
        Err(e) => Err(e.clone()),
    };
    let evaluations: u64 = [&direct, &nm, &polished]
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|o| o.evaluations)
        .sum();
    let mut best: Option<(f64, Vec<f64>, Outcome)> = None;
    let mut reasons = Vec::new();
    for candidate in [direct, polished] {
        match candidate {
            Ok(o) => {
                let (cost, grad) = objective(x, n, d, &o.u);
                if !o.converged {
                    reasons.push(format!(
                        "{} stopped after {} iterations ({})",
                        o.solver, o.iterations, o.termination
                    ));
                }
                let better = best.as_ref().is_none_or(|(c, _, b)| {
                    (o.converged && !b.converged) || (o.converged == b.converged && cost < *c)
                });
                if better {
                    best = Some((cost, grad, o));
                }
            }
            Err(e) => reasons.push(e),
        }
    }
    let Some((cost, grad, outcome)) = best else {
        return Err(failed(reasons.join("; ")));
    };
    let gradient_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    let bandwidths: Vec<f64> = outcome.u.iter().map(|v| v.exp()).collect();
    for s in 0..d {
        if bandwidths[s].is_nan() || bandwidths[s] <= COLLAPSE * start[s] || !cost.is_finite() {
            return Err(threatstat_core::Error::data(
                format!("data column {}", s + 1),
                format!(
                    "the cv-ml bandwidth collapses ({:.3e}, start {:.3e}): the leave-one-out \
                     likelihood grows as it shrinks (near ties of rounded values)",
                    bandwidths[s], start[s]
                ),
            )
            .into());
        }
    }
    if !outcome.converged {
        return Err(failed(format!(
            "{}; gradient norm {gradient_norm:.3e}",
            reasons.join("; ")
        )));
    }
    Ok(CvMl {
        bandwidths,
        loo_log_likelihood: -cost,
        start,
        solver: outcome.solver,
        iterations: outcome.iterations,
        termination: outcome.termination,
        gradient_norm,
        evaluations,
    })
}

/// Where a solver ended.
struct Outcome {
    u: Vec<f64>,
    solver: String,
    iterations: u64,
    termination: String,
    converged: bool,
    evaluations: u64,
}

fn new_problem<'a>(x: &'a [f64], n: usize, d: usize, u0: &[f64]) -> Problem<'a> {
    Problem {
        x,
        n,
        d,
        start: u0.to_vec(),
        last: Mutex::new(None),
        evaluations: Mutex::new(0),
    }
}

/// The outcome from argmin's final state and problem.
fn outcome<S: State<Param = Vec<f64>>>(
    solver: &str,
    state: &S,
    problem: Option<&Problem<'_>>,
) -> Result<Outcome, String> {
    let reason = match state.get_termination_status() {
        TerminationStatus::Terminated(r) => r.clone(),
        TerminationStatus::NotTerminated => TerminationReason::SolverExit("not terminated".into()),
    };
    Ok(Outcome {
        u: state
            .get_best_param()
            .cloned()
            .ok_or_else(|| format!("{solver} returned no parameters"))?,
        solver: solver.into(),
        iterations: state.get_iter(),
        termination: reason.text().to_string(),
        converged: reason == TerminationReason::SolverConverged,
        evaluations: problem.map_or(0, |p| *p.evaluations.lock().expect("not poisoned")),
    })
}

/// L-BFGS (More–Thuente line search, 7 corrections) on `u = ln h`.
fn run_lbfgs(x: &[f64], n: usize, d: usize, u0: &[f64]) -> Result<Outcome, String> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(GRAD_TOL_PER_POINT * n as f64)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| e.to_string())?;
    let result = Executor::new(new_problem(x, n, d, u0), solver)
        .configure(|state| state.param(u0.to_vec()).max_iters(MAX_ITERS))
        .run()
        .map_err(|e| e.to_string())?;
    outcome("L-BFGS", result.state(), result.problem.problem.as_ref())
}

/// Nelder–Mead on `u = ln h`: initial simplex the start and the start with
/// each `h_s` 5% larger (as `scipy.optimize.fmin`); stops when the costs on
/// the simplex have a standard deviation below `1e-7 · n` (L-BFGS polishes).
fn run_nelder_mead(x: &[f64], n: usize, d: usize, u0: &[f64]) -> Result<Outcome, String> {
    let mut simplex = vec![u0.to_vec()];
    for s in 0..d {
        let mut v = u0.to_vec();
        v[s] += 1.05f64.ln();
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-7 * n as f64)
        .map_err(|e| e.to_string())?;
    let result = Executor::new(new_problem(x, n, d, u0), solver)
        .configure(|state| state.max_iters(NELDER_MEAD_MAX_ITERS))
        .run()
        .map_err(|e| e.to_string())?;
    outcome(
        "Nelder-Mead",
        result.state(),
        result.problem.problem.as_ref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn data(n: usize, d: usize) -> Vec<f64> {
        let mut rng = threatstat_core::rng::SplitMix64::new(7);
        (0..n * d)
            .map(|k| {
                let v = rng.open01() * 4.0 - 2.0;
                if k % d == 0 {
                    v + (k % 3) as f64
                } else {
                    v * v
                }
            })
            .collect()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for d in 1..=3 {
            let n = 40;
            let x = data(n, d);
            let u: Vec<f64> = (0..d).map(|s| -0.7 + 0.3 * s as f64).collect();
            let (_, g) = objective(&x, n, d, &u);
            for s in 0..d {
                let eps = 1e-5;
                let mut up = u.clone();
                up[s] += eps;
                let mut dn = u.clone();
                dn[s] -= eps;
                let fd = (objective(&x, n, d, &up).0 - objective(&x, n, d, &dn).0) / (2.0 * eps);
                assert!(
                    (fd - g[s]).abs() < 1e-6 * (1.0 + g[s].abs()),
                    "d={d} s={s}: analytic {} vs finite difference {fd}",
                    g[s]
                );
            }
        }
    }

    #[test]
    fn symmetric_sums_match_per_row_sums_with_an_underflowing_row() {
        // The last point is 500 bandwidths away: its plain sum underflows.
        let (n, d) = (41, 2);
        let mut x = data(n, d);
        x[80] = 250.0;
        let u = [-0.7, -0.4];
        let (cost, grad) = objective(&x, n, d, &u);
        assert!(cost.is_finite() && cost > 1e4);
        let inv_h: Vec<f64> = u.iter().map(|v| (-v).exp()).collect();
        let z: Vec<f64> = (0..n * d).map(|k| x[k] * inv_h[k % d]).collect();
        let log_norm = u.iter().sum::<f64>() + d as f64 * LN_SQRT_2PI;
        let rows: Vec<(f64, Vec<f64>)> = (0..n).map(|i| shifted_row(&z, n, d, i)).collect();
        let want = -rows.iter().map(|r| r.0 - log_norm).sum::<f64>();
        assert!((cost - want).abs() < 1e-9 * want.abs(), "{cost} vs {want}");
        for s in 0..d {
            let g = n as f64 - rows.iter().map(|r| r.1[s]).sum::<f64>();
            assert!(
                (grad[s] - g).abs() < 1e-9 * (1.0 + g.abs()),
                "{grad:?} vs {g}"
            );
        }
    }

    #[test]
    fn all_tied_coordinate_is_refused() {
        // Second coordinate takes 4 values, each several times.
        let x = Array2::from_shape_fn((40, 2), |(i, s)| {
            if s == 0 {
                i as f64 * 0.37 % 5.0
            } else {
                (i % 4) as f64
            }
        });
        match cv_ml_bandwidths(x.view()) {
            Err(KdeError::Core(threatstat_core::Error::Data { what, .. })) => {
                assert_eq!(what, "data column 2")
            }
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn near_ties_everywhere_collapse_and_are_refused() {
        // Every value has a twin 1e-9 away: L grows as h shrinks to that scale.
        let x = Array2::from_shape_fn((60, 1), |(i, _)| (i / 2) as f64 + (i % 2) as f64 * 1e-9);
        match cv_ml_bandwidths(x.view()) {
            Err(KdeError::Core(threatstat_core::Error::Data { what, problem })) => {
                assert_eq!(what, "data column 1");
                assert!(problem.contains("collapses"), "{problem}");
            }
            other => panic!("expected a data error, got {other:?}"),
        }
    }

    #[test]
    fn the_better_of_two_local_optima_is_reported() {
        // L-BFGS from the start stops at a local optimum (u ≈ [−0.87, −1.32],
        // −L = −194.29); Nelder–Mead from the start, as statsmodels (which
        // finds u = [−0.0212, −2.0798] here), reaches a better one.
        let (n, d) = (120, 2);
        let x = data(n, d);
        let u0: Vec<f64> = normal_reference(&x, n, d).iter().map(|h| h.ln()).collect();
        let direct = run_lbfgs(&x, n, d, &u0).unwrap();
        let cv =
            cv_ml_bandwidths(Array2::from_shape_vec((n, d), x.clone()).unwrap().view()).unwrap();
        assert!(-cv.loo_log_likelihood < objective(&x, n, d, &direct.u).0 - 0.5);
        assert!((cv.bandwidths[0].ln() - -0.0212).abs() < 1e-3, "{cv:?}");
        assert!((cv.bandwidths[1].ln() - -2.0798).abs() < 1e-3, "{cv:?}");
        assert_eq!(cv.solver, "Nelder-Mead, then L-BFGS");
    }

    #[test]
    fn a_few_ties_are_fine() {
        let mut x = data(80, 1);
        x[1] = x[0];
        x[3] = x[2];
        let x = Array2::from_shape_vec((80, 1), x).unwrap();
        let cv = cv_ml_bandwidths(x.view()).unwrap();
        assert!(cv.bandwidths[0] > 0.05 * cv.start[0]);
    }
}
