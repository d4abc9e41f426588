//! The smoothing strength α that maximises the leave-one-flow-out
//! log-likelihood, found by argmin over a continuous range
//! ([`ChainParams::optimise_smoothing`], [`optimise_smoothing`]).
//!
//! # Why a file of its own
//!
//! It is model selection by a continuous search (a solver, its state, the
//! boundary and interval rules); `select` holds the objective and the grid.

use super::fitted::TacticChainModel;
use super::loo_curve::LooCurve;
use super::params::ChainParams;
use super::select::flow_counts;
use crate::AttackError;
use crate::counts::ChainCounts;
use crate::flows::TacticFlows;
use argmin::core::{CostFunction, Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::brent::BrentOpt;
use serde::Serialize;
use std::cell::Cell;
use threatstat_core::{Error, Fit, ParamGuard};

/// Half the 95% point of χ²₁: the drop in log-likelihood that ends the interval.
const DROP: f64 = 1.92;
/// The 97.5% point of the standard normal (the Laplace interval).
const Z95: f64 = 1.959_963_984_540_054;
/// An optimum closer than this (in `ln α`) to an end of the range is a boundary optimum.
const AT_BOUND: f64 = 1e-3;
/// The step of the central second difference (in `ln α`).
const CURVATURE_STEP: f64 = 1e-2;
/// The most Brent iterations.
const MAX_ITERS: u64 = 500;

/// The range and resolution of the search for α (defaults: α in `[1e-4,
/// 1e6]`, 41 scan points, tolerance 1e-6 in `ln α`).
///
/// ```
/// use threatstat_attack::SmoothingSearch;
/// let s = SmoothingSearch::default().range(0.1, 100.0);
/// assert_eq!((s.min_alpha, s.max_alpha, s.scan), (0.1, 100.0, 41));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SmoothingSearch {
    /// The smallest α searched (> 0).
    pub min_alpha: f64,
    /// The largest α searched (> `min_alpha`, finite).
    pub max_alpha: f64,
    /// Scan points, evenly spaced in `ln α`, ends included (3 to 10 000).
    pub scan: usize,
    /// Brent's absolute tolerance in `ln α` (in `(0, 0.1]`).
    pub tolerance: f64,
}

impl Default for SmoothingSearch {
    fn default() -> Self {
        SmoothingSearch {
            min_alpha: 1e-4,
            max_alpha: 1e6,
            scan: 41,
            tolerance: 1e-6,
        }
    }
}

impl SmoothingSearch {
    /// The range of α searched.
    pub fn range(mut self, min_alpha: f64, max_alpha: f64) -> Self {
        self.min_alpha = min_alpha;
        self.max_alpha = max_alpha;
        self
    }

    /// The number of scan points.
    pub fn scan(mut self, points: usize) -> Self {
        self.scan = points;
        self
    }

    /// Checks the settings; errors are [`Error::Param`] naming the field.
    fn check(&self) -> Result<(), AttackError> {
        if !(self.min_alpha.is_finite() && self.min_alpha > 0.0) {
            return Err(Error::param("min_alpha", self.min_alpha, "finite and > 0").into());
        }
        if !(self.max_alpha.is_finite() && self.max_alpha > self.min_alpha) {
            return Err(Error::param(
                "max_alpha",
                self.max_alpha,
                format!("finite and > min_alpha ({})", self.min_alpha),
            )
            .into());
        }
        if !(3..=10_000).contains(&self.scan) {
            return Err(Error::param("scan", self.scan, "3 to 10000 points").into());
        }
        if !(self.tolerance > 0.0 && self.tolerance <= 0.1) {
            return Err(Error::param("tolerance", self.tolerance, "in (0, 0.1]").into());
        }
        Ok(())
    }
}

/// Which end of the search range an optimum sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// `min_alpha`: the likelihood still rises as α decreases (towards α → 0
    /// when `min_alpha` is small).
    Lower,
    /// `max_alpha`: the likelihood still rises as α increases (towards the
    /// uniform chain, α → ∞, when `max_alpha` is large).
    Upper,
}

/// How argmin's Brent search ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SolverState {
    /// The solver: `Brent (argmin BrentOpt) on ln alpha`.
    pub solver: String,
    /// The bracket (in α) Brent started from: the best scan point's neighbours.
    pub bracket: [f64; 2],
    /// Brent iterations.
    pub iterations: u64,
    /// argmin's termination reason (`Solver converged`).
    pub termination: String,
    /// The final tolerance in `ln α`; the final bracket is at most four of it wide.
    pub tolerance: f64,
    /// Evaluations of the leave-one-flow-out log-likelihood in all
    /// (scan, Brent, curvature and interval).
    pub evaluations: u64,
}

/// The α of one order that maximises the leave-one-flow-out log-likelihood,
/// with a rough interval and argmin's solver state.
///
/// # The search
///
/// The objective is `L(α)`, the leave-one-flow-out log-likelihood of
/// [`ChainParams::leave_one_flow_out`] (the same numbers as
/// [`crate::loo_grid`]), as a function of `u = ln α` over `[ln α_min, ln
/// α_max]` (default `[ln 1e-4, ln 1e6]`). The model has one strength: the
/// second order's back-off to the first order uses the same α, so there is
/// no separate back-off weight and the search is one-dimensional.
///
/// 1. A scan of `L` at [`SmoothingSearch::scan`] points evenly spaced in
///    `ln α` (41 by default: a step of 0.58 in `ln α`, a factor 1.78 in α)
///    finds the best scan point; its two neighbours bracket the optimum.
/// 2. argmin's Brent minimiser (`BrentOpt`: golden section and parabolic
///    steps) runs on `−L(u)` inside that bracket to an absolute tolerance
///    of [`SmoothingSearch::tolerance`] in `ln α` (its stopping rule leaves
///    a bracket at most four tolerances wide). It must report convergence
///    and end at least as high as the best scan point, otherwise the
///    search is an error ([`AttackError::NoConvergence`]), never a silent
///    default.
/// 3. An optimum within 1e-3 of an end of the range is a **boundary
///    optimum** ([`Bound::Lower`]: `L` still rises as α → 0, the held-out
///    flows repeat the training flows; [`Bound::Upper`]: it still rises as
///    α → ∞, towards the uniform chain). It is reported at the end of the
///    range, with no curvature.
///
/// # The rough interval
///
/// Two descriptions of how sharply `L` peaks, both on `ln α`:
///
/// * [`SmoothingOptimum::interval`] (the one printed): the α where `L` is
///   within 1.92 (= χ²₁(0.95)/2) of its maximum, found by stepping out from
///   the optimum and bisecting; an end that reaches the search range is
///   flagged in [`SmoothingOptimum::interval_at_bound`].
/// * [`SmoothingOptimum::curvature`] `c = −d²L/d(ln α)²` at the optimum (a
///   central difference with step 0.01) and the Laplace interval
///   `α · exp(±1.96/√c)`.
///
/// The leave-one-out log-likelihood is not a likelihood of α, so neither
/// is a calibrated confidence interval: they say how much α can change
/// before held-out prediction gets noticeably worse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmoothingOptimum {
    /// Markov order.
    pub order: usize,
    /// Whether repeats were collapsed.
    pub collapse_repeats: bool,
    /// The optimal smoothing strength (the range end for a boundary optimum).
    pub alpha: f64,
    /// `ln alpha`.
    pub ln_alpha: f64,
    /// `None`, or the end of the range the optimum sits on.
    pub boundary: Option<Bound>,
    /// Number of held-out flows.
    pub flows: usize,
    /// The leave-one-flow-out log-likelihood at `alpha` (nats; as [`crate::LooResult::log_likelihood`]).
    pub log_likelihood: f64,
    /// Expected transitions in all held-out flows.
    pub steps: f64,
    /// `log_likelihood / steps`.
    pub per_step: f64,
    /// `exp(-per_step)`.
    pub perplexity: f64,
    /// `−d²L/d(ln α)²` at the optimum (`None` at a boundary).
    pub curvature: Option<f64>,
    /// The α where `L` is within 1.92 of its maximum (the printed interval).
    pub interval: [f64; 2],
    /// Whether each end of `interval` is the end of the search range (the
    /// likelihood had not dropped by 1.92 there).
    pub interval_at_bound: [bool; 2],
    /// `alpha · exp(±1.96/√curvature)` (`None` without a positive curvature).
    pub laplace_interval: Option<[f64; 2]>,
    /// The search settings.
    pub search: SmoothingSearch,
    /// How the solver ended.
    pub solver: SolverState,
}

/// `−L(u)` for argmin, counting evaluations.
struct Objective {
    curve: LooCurve,
    evaluations: Cell<u64>,
}

impl Objective {
    /// `L` at `u = ln α`; a non-finite value is an error.
    fn ll(&self, u: f64) -> Result<f64, AttackError> {
        self.evaluations.set(self.evaluations.get() + 1);
        let l = self.curve.log_likelihood(u.exp());
        if !l.is_finite() {
            return Err(Error::data(
                "flows",
                format!(
                    "the leave-one-flow-out log-likelihood at alpha {} is {l}",
                    u.exp()
                ),
            )
            .into());
        }
        Ok(l)
    }
}

impl CostFunction for &Objective {
    type Param = f64;
    type Output = f64;
    fn cost(&self, u: &f64) -> Result<f64, argmin::core::Error> {
        self.ll(*u)
            .map(|l| -l)
            .map_err(|e| argmin::core::Error::msg(e.to_string()))
    }
}

impl ChainParams {
    /// The α (for this order and collapse setting; the α set here is
    /// ignored) that maximises the leave-one-flow-out log-likelihood over
    /// `search`'s range, with its rough interval and argmin's solver state
    /// (see [`SmoothingOptimum`] for the search and the interval).
    ///
    /// ```
    /// use threatstat_attack::{AttackFlow, Catalogue, FlowAction, FlowCorpus, SmoothingSearch, TacticChain};
    /// let f = |a: &str, b: &str| AttackFlow::new("f", vec![FlowAction::tactic(a), FlowAction::tactic(b)], &[(0, 1)]);
    /// let corpus = FlowCorpus::from_flows(vec![
    ///     f("TA0001", "TA0002"), f("TA0001", "TA0002"), f("TA0001", "TA0007"), f("TA0001", "TA0002")]);
    /// let flows = corpus.extract(Catalogue::bundled());
    /// let opt = TacticChain::params().order(1).optimise_smoothing(&flows, &SmoothingSearch::default()).unwrap();
    /// assert_eq!(opt.solver.termination, "Solver converged");
    /// assert!(opt.boundary.is_none() && opt.interval[0] < opt.alpha && opt.alpha < opt.interval[1]);
    /// // No α on the range does better.
    /// for a in [0.01, 0.1, 1.0, 10.0, 100.0] {
    ///     let l = TacticChain::params().order(1).alpha(a).leave_one_flow_out(&flows).unwrap();
    ///     assert!(l.log_likelihood <= opt.log_likelihood);
    /// }
    /// ```
    pub fn optimise_smoothing(
        &self,
        flows: &TacticFlows,
        search: &SmoothingSearch,
    ) -> Result<SmoothingOptimum, AttackError> {
        let per_flow = flow_counts(flows, self.collapse_repeats)?;
        self.optimum_from_counts(flows, &per_flow, search)
    }

    /// Fits on `flows` with the α of [`ChainParams::optimise_smoothing`]
    /// (this order and collapse setting; a boundary optimum fits with the
    /// end of the range): the model and the search that chose its α.
    ///
    /// ```
    /// use threatstat_attack::{AttackFlow, Catalogue, FlowAction, FlowCorpus, SmoothingSearch, TacticChain};
    /// let f = |a: &str, b: &str| AttackFlow::new("f", vec![FlowAction::tactic(a), FlowAction::tactic(b)], &[(0, 1)]);
    /// let corpus = FlowCorpus::from_flows(vec![f("TA0001", "TA0002"), f("TA0001", "TA0002"), f("TA0001", "TA0007")]);
    /// let flows = corpus.extract(Catalogue::bundled());
    /// let (model, opt) = TacticChain::params().order(1).fit_optimised(&flows, &SmoothingSearch::default()).unwrap();
    /// assert_eq!(model.alpha(), opt.alpha);
    /// ```
    pub fn fit_optimised(
        &self,
        flows: &TacticFlows,
        search: &SmoothingSearch,
    ) -> Result<(TacticChainModel, SmoothingOptimum), AttackError> {
        let opt = self.optimise_smoothing(flows, search)?;
        let model = self.alpha(opt.alpha).fit(flows)?;
        Ok((model, opt))
    }

    fn optimum_from_counts(
        &self,
        flows: &TacticFlows,
        per_flow: &[(String, ChainCounts)],
        search: &SmoothingSearch,
    ) -> Result<SmoothingOptimum, AttackError> {
        search.check()?;
        // Order and collapse are checked here, α on each evaluation.
        let params = self.alpha(search.min_alpha);
        params.check()?;
        let f = Objective {
            curve: LooCurve::new(&params, flows.tactics.len(), per_flow)?,
            evaluations: Cell::new(0),
        };
        let (lo, hi) = (search.min_alpha.ln(), search.max_alpha.ln());
        let n = search.scan;
        let grid: Vec<f64> = (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect();
        let mut values = Vec::with_capacity(n);
        for &u in &grid {
            values.push(f.ll(u)?);
        }
        let best = (0..n)
            .max_by(|&i, &j| values[i].total_cmp(&values[j]).then(j.cmp(&i)))
            .unwrap_or(0);
        let (a, b) = (grid[best.saturating_sub(1)], grid[(best + 1).min(n - 1)]);
        let failed = |why: String| {
            AttackError::NoConvergence(format!("smoothing search (order {}): {why}", self.order))
        };
        let solver = BrentOpt::new(a, b).set_tolerance(f64::EPSILON.sqrt(), search.tolerance);
        let result = Executor::new(&f, solver)
            .configure(|s| s.max_iters(MAX_ITERS))
            .run()
            .map_err(|e| failed(e.to_string()))?;
        let state = result.state();
        let reason = match state.get_termination_status() {
            TerminationStatus::Terminated(r) => r.clone(),
            TerminationStatus::NotTerminated => {
                TerminationReason::SolverExit("not terminated".into())
            }
        };
        let iterations = state.get_iter();
        let Some(&u_brent) = state.get_best_param() else {
            return Err(failed("Brent returned no parameter".into()));
        };
        if reason != TerminationReason::SolverConverged {
            return Err(failed(format!(
                "Brent stopped after {iterations} iterations ({}) at alpha {}",
                reason.text(),
                u_brent.exp()
            )));
        }
        let boundary = if u_brent - lo < AT_BOUND {
            Some(Bound::Lower)
        } else if hi - u_brent < AT_BOUND {
            Some(Bound::Upper)
        } else {
            None
        };
        // Inside the range, Brent must end at least as high as the best
        // scan point (at a boundary the end of the range itself is reported).
        let l_brent = f.ll(u_brent)?;
        if boundary.is_none() && l_brent < values[best] - 1e-9 * values[best].abs().max(1.0) {
            return Err(failed(format!(
                "Brent ended at alpha {} (log-likelihood {l_brent}) below the best scan point \
                 alpha {} ({}): the curve is not unimodal near its maximum",
                u_brent.exp(),
                grid[best].exp(),
                values[best]
            )));
        }
        let (alpha, u) = match boundary {
            Some(Bound::Lower) => (search.min_alpha, lo),
            Some(Bound::Upper) => (search.max_alpha, hi),
            None => (u_brent.exp(), u_brent),
        };
        // The reported numbers: `leave_one_flow_out` at the optimum (the
        // curve's value, bit for bit, with the per-step figures).
        let at = params.alpha(alpha).loo_from_counts(flows, per_flow)?;
        let curvature = match boundary {
            Some(_) => None,
            None => {
                let h = CURVATURE_STEP;
                Some(-(f.ll(u + h)? - 2.0 * at.log_likelihood + f.ll(u - h)?) / (h * h))
            }
        };
        let target = at.log_likelihood - DROP;
        let (left, left_open) = drop_point(&f, u, lo, target)?;
        let (right, right_open) = drop_point(&f, u, hi, target)?;
        Ok(SmoothingOptimum {
            order: self.order,
            collapse_repeats: self.collapse_repeats,
            alpha,
            ln_alpha: u,
            boundary,
            flows: at.flows,
            log_likelihood: at.log_likelihood,
            steps: at.steps,
            per_step: at.per_step,
            perplexity: at.perplexity,
            curvature,
            interval: [
                if left_open {
                    search.min_alpha
                } else {
                    left.exp()
                },
                if right_open {
                    search.max_alpha
                } else {
                    right.exp()
                },
            ],
            interval_at_bound: [left_open, right_open],
            laplace_interval: curvature
                .filter(|c| *c > 0.0)
                .map(|c| [(u - Z95 / c.sqrt()).exp(), (u + Z95 / c.sqrt()).exp()]),
            search: *search,
            solver: SolverState {
                solver: "Brent (argmin BrentOpt) on ln alpha".into(),
                bracket: [a.exp(), b.exp()],
                iterations,
                termination: reason.text().to_string(),
                tolerance: f64::EPSILON.sqrt() * u_brent.abs() + search.tolerance,
                evaluations: f.evaluations.get(),
            },
        })
    }
}

/// From the optimum `u` towards `end` (an end of the range): the first
/// `ln α` where the log-likelihood falls to `target`, stepping out by
/// doubling steps from 0.25 and bisecting to 1e-4; `(end, true)` when it
/// stays above `target` up to `end`.
fn drop_point(f: &Objective, u: f64, end: f64, target: f64) -> Result<(f64, bool), AttackError> {
    let dir = if end >= u { 1.0 } else { -1.0 };
    let (mut inside, mut step) = (u, 0.25);
    let outside = loop {
        let next = u + dir * step;
        if dir * (next - end) >= 0.0 {
            if (end - u).abs() < f64::EPSILON || f.ll(end)? >= target {
                return Ok((end, true));
            }
            break end;
        }
        if f.ll(next)? < target {
            break next;
        }
        inside = next;
        step *= 2.0;
    };
    let (mut a, mut b) = (inside, outside);
    while (b - a).abs() > 1e-4 {
        let m = 0.5 * (a + b);
        if f.ll(m)? >= target {
            a = m;
        } else {
            b = m;
        }
    }
    Ok((0.5 * (a + b), false))
}

/// [`ChainParams::optimise_smoothing`] for every order (same flows, same
/// collapse setting), the per-flow counts made once.
pub fn optimise_smoothing(
    flows: &TacticFlows,
    orders: &[usize],
    collapse_repeats: bool,
    search: &SmoothingSearch,
) -> Result<Vec<SmoothingOptimum>, AttackError> {
    let per_flow = flow_counts(flows, collapse_repeats)?;
    orders
        .iter()
        .map(|&o| {
            ChainParams::default()
                .order(o)
                .collapse_repeats(collapse_repeats)
                .optimum_from_counts(flows, &per_flow, search)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::flows::FlowCorpus;

    /// On the bundled corpus, the argmin optimum of each order against a
    /// dense grid of the whole search range (20 001 points, a step of
    /// 0.0012 in ln α) of the same curve: within a step of the grid's best
    /// and at least as high as its maximum.
    #[test]
    fn optimum_against_a_dense_grid_of_the_whole_range() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/attack-flow/flows.jsonl");
        let tf = FlowCorpus::read_jsonl(&path)
            .unwrap()
            .extract(Catalogue::bundled());
        let search = SmoothingSearch::default();
        let per_flow = flow_counts(&tf, true).unwrap();
        let (lo, hi) = (search.min_alpha.ln(), search.max_alpha.ln());
        let n = 20_001;
        let step = (hi - lo) / (n - 1) as f64;
        for order in [1, 2] {
            let p = ChainParams::default().order(order);
            let opt = p.optimum_from_counts(&tf, &per_flow, &search).unwrap();
            let curve = LooCurve::new(&p, tf.tactics.len(), &per_flow).unwrap();
            let (best_u, best_l) = (0..n)
                .map(|i| lo + step * i as f64)
                .map(|u| (u, curve.log_likelihood(u.exp())))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            assert!(
                (opt.ln_alpha - best_u).abs() <= step,
                "order {order}: {} vs {best_u}",
                opt.ln_alpha
            );
            assert!(opt.log_likelihood >= best_l - 1e-9, "order {order}");
        }
    }
}
