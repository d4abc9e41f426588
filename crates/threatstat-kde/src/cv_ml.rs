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
//! **Sums and cost.** Up to [`EXACT_MAX_POINTS`] points (and above 3
//! dimensions) the sums are exact, O(n² d) per evaluation (each pair's
//! kernel computed once; a row whose sum underflows is recomputed with its
//! largest term factored out), 30–90 evaluations: about 0.2–0.3 s of CPU
//! time at n = 10³, 16 s (d = 1) and 34 s (d = 2) at n = 10⁴. Above, they
//! are binned ([`CvSums`]; `crate::cv_binned`): linear binning on a grid of
//! `h/16` (d = 1), `h/8` (d = 2) or `h/3` (d = 3) at most 2²² nodes,
//! separable direct convolution with the kernel narrowed by the binning's
//! variance (`σ² = h² − δ²/3`), the point's own binned mass removed exactly,
//! isolated points (binned sum below 1e-11) summed exactly; the gradient is
//! the binned objective's own, so L-BFGS and Nelder–Mead run on it as on the
//! exact one. The grid is fixed during a search (bandwidths held within
//! `[1.5 δ, 8 h]`) and remade for the optimum until it settles. The reported
//! [`CvMl::loo_error_bound`] bounds `|L̃ − L|` to leading order in `δ/h`
//! (per point `Σ_s (δ_s/σ_s)²/6 · (1 + T_is/S_i)`, a worst case: at
//! n = 10⁴ the measured differences were 1e-3 (d = 1) and 7e-3 (d = 2)
//! against bounds of 13 and 105, and the bandwidths within 1e-4 of the
//! exact sums'). CPU time of the whole search on the generated mixture
//! (`cargo run --release -p threatstat-kde --example cv_ml_timing 10000
//! 100000`): n = 10⁴: 0.1 s (d = 1), 0.5 s (d = 2), 3 s (d = 3); n = 10⁵:
//! 0.6 s, 2.7 s and 18 s.
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
use crate::cv_binned::BinnedSums;
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
pub(crate) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
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
    /// The sums the search ran on: `exact` (every pair) or `binned` (see
    /// [`CvSums`]).
    #[serde(default = "exact_name")]
    pub sums: String,
    /// Nodes per coordinate of the final grid of binned sums (empty for
    /// exact sums).
    #[serde(default)]
    pub grid_nodes: Vec<usize>,
    /// A bound (to leading order in the grid spacing) on the difference
    /// between the reported `loo_log_likelihood` and the exact `L(h)`: 0
    /// for exact sums.
    #[serde(default)]
    pub loo_error_bound: f64,
}

fn exact_name() -> String {
    "exact".into()
}

/// Which sums [`cv_ml_bandwidths_with`] evaluates the likelihood with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CvSums {
    /// Exact sums up to [`EXACT_MAX_POINTS`] points or above 3 dimensions,
    /// binned sums otherwise.
    #[default]
    Auto,
    /// Every pair, O(n² d) per evaluation.
    Exact,
    /// Binned sums (1 to 3 dimensions), O(n·2^d + grid · taps) per
    /// evaluation, with the error bound of the module documentation.
    Binned,
}

/// Up to this many points, [`CvSums::Auto`] sums every pair (about 0.3 to 1
/// s of CPU time at this size); above it, binned sums.
pub const EXACT_MAX_POINTS: usize = 2000;
/// Grid nodes per bandwidth of the binned sums, by dimension (1, 2, 3).
const NODES_PER_BW: [f64; 3] = [16.0, 8.0, 3.0];
/// The most grid nodes of the binned sums (coarser spacing beyond).
const MAX_NODES: usize = 1 << 22;
/// The most grids the binned search is rerun on as the bandwidth moves.
const MAX_ROUNDS: usize = 8;

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
pub(crate) fn shifted_row(z: &[f64], n: usize, d: usize, i: usize) -> (f64, Vec<f64>) {
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

/// The last evaluation: the log-bandwidths, `−L` and its gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// An objective: `−L` and its gradient with respect to `ln h`.
type Objective<'a> = &'a (dyn Fn(&[f64]) -> (f64, Vec<f64>) + Sync);

/// The optimisation problem for argmin; the last evaluation is cached since
/// argmin asks for the cost and the gradient at the same point separately.
struct Problem<'a> {
    f: Objective<'a>,
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
        let (c, g) = (self.f)(&clamped);
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
    cv_ml_bandwidths_with(points, CvSums::Auto)
}

/// [`cv_ml_bandwidths`] with the choice of sums: exact, binned (1 to 3
/// dimensions; an error above), or by size ([`CvSums::Auto`]). (Not run
/// as a doc test: slow unoptimised; `tests/cv_ml.rs` checks the same.)
///
/// ```no_run
/// use ndarray::Array2;
/// use threatstat_kde::cv_ml::{CvSums, cv_ml_bandwidths_with};
/// let xs: Vec<f64> = (0..400).map(|i| (i % 2) as f64 * 10.0 + (i as f64 * 0.618).fract()).collect();
/// let x = Array2::from_shape_vec((400, 1), xs).unwrap();
/// let exact = cv_ml_bandwidths_with(x.view(), CvSums::Exact).unwrap();
/// let binned = cv_ml_bandwidths_with(x.view(), CvSums::Binned).unwrap();
/// assert_eq!(binned.sums, "binned");
/// assert!((binned.bandwidths[0] / exact.bandwidths[0] - 1.0).abs() < 0.01);
/// assert!((binned.loo_log_likelihood - exact.loo_log_likelihood).abs() <= binned.loo_error_bound);
/// ```
pub fn cv_ml_bandwidths_with(points: ArrayView2<'_, f64>, sums: CvSums) -> Result<CvMl, KdeError> {
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
    let binned = match sums {
        CvSums::Exact => false,
        CvSums::Binned if d > 3 => {
            return Err(threatstat_core::Error::param(
                "sums",
                "binned",
                "exact sums above 3 dimensions (binned sums take 1 to 3)",
            )
            .into());
        }
        CvSums::Binned => true,
        CvSums::Auto => n > EXACT_MAX_POINTS && d <= 3,
    };
    let x = row_major(&points);
    check_ties(x, n, d)?;
    let start = normal_reference(x, n, d);
    let u0: Vec<f64> = start.iter().map(|h| h.ln()).collect();
    let found = if binned {
        binned_search(x, n, d, &u0)?
    } else {
        let f = |u: &[f64]| objective(x, n, d, u);
        let (cost, grad, outcome, evaluations) = search(&f, n, &u0)?;
        Found {
            cost,
            grad,
            outcome,
            evaluations,
            grid_nodes: Vec::new(),
            error_bound: 0.0,
        }
    };
    let Found {
        cost,
        grad,
        outcome,
        evaluations,
        grid_nodes,
        error_bound,
    } = found;
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
        return Err(KdeError::NoConvergence(format!(
            "cv-ml bandwidth: {} stopped after {} iterations ({}); gradient norm \
             {gradient_norm:.3e}",
            outcome.solver, outcome.iterations, outcome.termination
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
        sums: if binned { "binned" } else { "exact" }.into(),
        grid_nodes,
        loo_error_bound: error_bound,
    })
}

/// The optimum a search found and what it rests on.
struct Found {
    cost: f64,
    grad: Vec<f64>,
    outcome: Outcome,
    evaluations: u64,
    grid_nodes: Vec<usize>,
    error_bound: f64,
}

/// L-BFGS from the start, and Nelder–Mead from the start (statsmodels'
/// search, on ln h) polished by L-BFGS: their basins can differ. Returns the
/// better optimum (converged first) with `−L`, its gradient and the
/// evaluations of all runs; an error when no run ends.
fn search(
    f: Objective<'_>,
    n: usize,
    u0: &[f64],
) -> Result<(f64, Vec<f64>, Outcome, u64), KdeError> {
    let direct = run_lbfgs(f, n, u0);
    let nm = run_nelder_mead(f, n, u0);
    let polished = match &nm {
        Ok(o) => run_lbfgs(f, n, &o.u).map(|mut p| {
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
                let (cost, grad) = f(&o.u);
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
    match best {
        Some((cost, grad, outcome)) => Ok((cost, grad, outcome, evaluations)),
        None => Err(KdeError::NoConvergence(format!(
            "cv-ml bandwidth: {}",
            reasons.join("; ")
        ))),
    }
}

/// Grid spacing of the binned sums at bandwidths `h`: `h_s` over
/// [`NODES_PER_BW`], coarser (by one factor in all coordinates) where the
/// grid would exceed [`MAX_NODES`].
fn grid_spacing(x: &[f64], n: usize, d: usize, h: &[f64]) -> Vec<f64> {
    let range: Vec<f64> = (0..d)
        .map(|s| {
            let (lo, hi) = (0..n).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), i| {
                (a.min(x[i * d + s]), b.max(x[i * d + s]))
            });
            hi - lo
        })
        .collect();
    let mut delta: Vec<f64> = h.iter().map(|v| v / NODES_PER_BW[d - 1]).collect();
    loop {
        let nodes: f64 = (0..d)
            .map(|s| (range[s] / delta[s]).floor() + 2.0)
            .product();
        if nodes <= MAX_NODES as f64 {
            return delta;
        }
        let grow = (nodes / MAX_NODES as f64).powf(1.0 / d as f64).max(1.01);
        delta.iter_mut().for_each(|v| *v *= grow);
    }
}

/// The search on binned sums: the full search on a grid made for the
/// start, then L-BFGS again on a grid made for its optimum, until the grid
/// is within a factor 0.5–1.25 of the one the optimum asks for (at most
/// [`MAX_ROUNDS`] grids). On each grid the bandwidths are held within
/// `[1.5 δ_s, 8 h_s]` (`h` the bandwidths the grid was made for): below, the
/// grid is too coarse for the kernel; a search that ends at a limit goes on
/// on the next grid.
fn binned_search(x: &[f64], n: usize, d: usize, u0: &[f64]) -> Result<Found, KdeError> {
    let mut u = u0.to_vec();
    let mut total = 0;
    for round in 0..MAX_ROUNDS {
        let h: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let grid = BinnedSums::new(x, n, d, grid_spacing(x, n, d, &h));
        let lo: Vec<f64> = grid.delta.iter().map(|v| (1.5 * v).ln()).collect();
        let hi: Vec<f64> = u.iter().map(|v| v + 8f64.ln()).collect();
        let clamp = |v: &[f64]| -> Vec<f64> {
            (0..d)
                .map(|s| v[s].clamp(lo[s], hi[s].max(lo[s])))
                .collect()
        };
        let f = |v: &[f64]| {
            let b = grid.objective(&clamp(v));
            (b.cost, b.grad)
        };
        let mut outcome = if round == 0 {
            let (_, _, o, e) = search(&f, n, &u)?;
            total += e;
            o
        } else {
            let o = run_lbfgs(&f, n, &u)
                .map_err(|e| KdeError::NoConvergence(format!("cv-ml bandwidth: {e}")))?;
            total += o.evaluations;
            o
        };
        outcome.u = clamp(&outcome.u);
        let at_limit = (0..d).any(|s| outcome.u[s] <= lo[s] + 1e-9 || outcome.u[s] >= hi[s] - 1e-9);
        let h_new: Vec<f64> = outcome.u.iter().map(|v| v.exp()).collect();
        let wanted = grid_spacing(x, n, d, &h_new);
        let settled = !at_limit
            && (0..d)
                .all(|s| grid.delta[s] <= 1.25 * wanted[s] && grid.delta[s] >= 0.5 * wanted[s]);
        let go_on = at_limit || (outcome.converged && !settled);
        if !go_on || round + 1 == MAX_ROUNDS {
            if at_limit {
                outcome.converged = false;
                outcome.termination = format!(
                    "{} at the limit of the binned grid's bandwidths",
                    outcome.termination
                );
            }
            let value = grid.objective(&outcome.u);
            return Ok(Found {
                cost: value.cost,
                grad: value.grad,
                outcome,
                evaluations: total,
                grid_nodes: grid.dims.clone(),
                error_bound: value.error_bound,
            });
        }
        u = outcome.u;
    }
    unreachable!("the last round returns")
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

fn new_problem<'a>(f: Objective<'a>, u0: &[f64]) -> Problem<'a> {
    Problem {
        f,
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
fn run_lbfgs(f: Objective<'_>, n: usize, u0: &[f64]) -> Result<Outcome, String> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(GRAD_TOL_PER_POINT * n as f64)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| e.to_string())?;
    let result = Executor::new(new_problem(f, u0), solver)
        .configure(|state| state.param(u0.to_vec()).max_iters(MAX_ITERS))
        .run()
        .map_err(|e| e.to_string())?;
    outcome("L-BFGS", result.state(), result.problem.problem.as_ref())
}

/// Nelder–Mead on `u = ln h`: initial simplex the start and the start with
/// each `h_s` 5% larger (as `scipy.optimize.fmin`); stops when the costs on
/// the simplex have a standard deviation below `1e-7 · n` (L-BFGS polishes).
fn run_nelder_mead(f: Objective<'_>, n: usize, u0: &[f64]) -> Result<Outcome, String> {
    let d = u0.len();
    let mut simplex = vec![u0.to_vec()];
    for s in 0..d {
        let mut v = u0.to_vec();
        v[s] += 1.05f64.ln();
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-7 * n as f64)
        .map_err(|e| e.to_string())?;
    let result = Executor::new(new_problem(f, u0), solver)
        .configure(|state| state.max_iters(NELDER_MEAD_MAX_ITERS))
        .run()
        .map_err(|e| e.to_string())?;
    outcome(
        "Nelder-Mead",
        result.state(),
        result.problem.problem.as_ref(),
    )
}

/// Asserts that the gradient of `f` at `u` matches central finite
/// differences (step 1e-5) to 1e-6 relative.
#[cfg(test)]
pub(crate) fn check_gradient(f: Objective<'_>, u: &[f64], what: &str) {
    let g = f(u).1;
    for s in 0..u.len() {
        let eps = 1e-5;
        let mut up = u.to_vec();
        up[s] += eps;
        let mut dn = u.to_vec();
        dn[s] -= eps;
        let fd = (f(&up).0 - f(&dn).0) / (2.0 * eps);
        assert!(
            (fd - g[s]).abs() < 1e-6 * (1.0 + g[s].abs()),
            "{what}, s={s}: analytic {} vs finite difference {fd}",
            g[s]
        );
    }
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
            check_gradient(&|v| objective(&x, n, d, v), &u, &format!("d={d}"));
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
        let f = |u: &[f64]| objective(&x, n, d, u);
        let direct = run_lbfgs(&f, n, &u0).unwrap();
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
