//! The episode model: a rate λ1 inside an interval of days `[a, b)` and a
//! baseline rate λ0 outside it.
//!
//! ```text
//! λ0, λ1 ~ Exponential(α)                      α = 1 / mean by default
//! (a, b) ~ uniform over intervals 0 <= a < b <= n, (a, b) ≠ (0, n),
//!          min_len <= b − a <= max_len
//! y_t    ~ Poisson(m_t · (λ1 if a <= t < b else λ0))     m_t = 1 unless exposures are given
//! ```
//!
//! A user who starts doing something and stops (or leaves) is an episode;
//! an episode that runs to the last day is a single switchpoint, and one
//! that starts on day 0 is a switchpoint the other way. As in the
//! switchpoint model the rates integrate out in closed form, so the
//! posterior of `(a, b)` is exact: each interval costs two segment marginals
//! from prefix sums, `O(n²)` in all, in log space and without storing the
//! `n²` table. [`Direction::Up`] restricts the model to an episode rate
//! above the baseline (exactly, see [`Direction`]).
//!
//! For long series, [`EpisodeParams::tolerance`] switches to a pruned
//! computation with a proven bound: the (start, end) plane is split
//! recursively into blocks, an upper bound of the marginal likelihood over
//! a block is computed from the ranges of the counts and exposures (the
//! segment marginal is convex in the count and decreasing in the exposure),
//! and a block is skipped when its bound is below `tolerance / N` times a
//! lower bound of the largest interval's (N the number of intervals), or
//! else split until it is small and evaluated. The mass left out is then at most
//! `tolerance` of the total: the total-variation distance to the exact
//! posterior and the relative error of the marginal likelihood are at most
//! [`EpisodePosterior::error_bound`] (<= `tolerance`). It is fast when the
//! posterior is concentrated (a clear episode) and falls back to nearly all
//! pairs when it is diffuse. [`EpisodeParams::approximate`] adds a
//! closed-form sum over blocks whose log weights are close to a linear
//! function of the inside count and exposure (that function separates into
//! a start term and an end term), with a proven bound on the
//! total-variation and marginal-likelihood errors: about `n log n / ε`
//! work also on diffuse posteriors.
//!
//! ```
//! use threatstat_changepoint::{ChangePosterior, Direction, Episode};
//! let counts = [1, 0, 1, 1, 0, 1, 6, 7, 5, 6, 1, 0, 1, 1, 0];
//! let post = Episode::params().direction(Direction::Up).fit(&counts).unwrap();
//! assert_eq!(post.map_interval(), (6, 10));       // days 6..=9
//! assert!(post.log_bayes_factor() > 5.0);
//! assert!((post.start_posterior().iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! assert!(post.rate_inside_mean() > 4.0 && post.rate_outside_mean() < 1.0);
//! ```

mod approx;

use crate::model::{ChangeModel, ChangePosterior, Evidence};
use crate::numerics::{Prefix, ln_segment, resolve_alpha};
use crate::params::Checked;
use crate::{ChangepointError, Direction};
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// Entry point of the episode model: `Episode::params()`.
pub struct Episode;

impl Episode {
    /// Parameters with defaults.
    ///
    /// ```
    /// let p = threatstat_changepoint::Episode::params();
    /// assert!(p.fit(&[0, 0, 5, 5, 0]).is_ok());
    /// ```
    pub fn params() -> EpisodeParams {
        EpisodeParams::default()
    }
}

/// Parameters of the episode model.
///
/// ```
/// use threatstat_changepoint::{Direction, Episode};
/// let p = Episode::params().alpha(0.5).direction(Direction::Up).min_len(2).max_len(30);
/// assert!(p.fit(&[1, 2, 1, 9, 8, 1]).is_ok());
/// assert!(Episode::params().min_len(0).fit(&[1, 2]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpisodeParams {
    pub(crate) alpha: Option<f64>,
    pub(crate) direction: Direction,
    pub(crate) min_len: usize,
    pub(crate) max_len: Option<usize>,
    pub(crate) tolerance: Option<f64>,
    pub(crate) approximate: Option<f64>,
    pub(crate) approximate_from: usize,
}

impl Default for EpisodeParams {
    fn default() -> Self {
        EpisodeParams {
            alpha: None,
            direction: Direction::Any,
            min_len: 1,
            max_len: None,
            tolerance: None,
            approximate: None,
            approximate_from: 1000,
        }
    }
}

impl EpisodeParams {
    /// Rate α of the Exponential prior of λ0 and λ1 (default: total
    /// exposure / total count, i.e. 1/mean without exposures).
    ///
    /// ```
    /// let p = threatstat_changepoint::Episode::params().alpha(0.2).fit(&[0, 3, 0]).unwrap();
    /// assert_eq!(p.alpha(), 0.2);
    /// ```
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// Direction (default any): `Up` means the episode rate is above the
    /// baseline.
    ///
    /// ```
    /// use threatstat_changepoint::{Direction, Episode};
    /// let p = Episode::params().direction(Direction::Down).fit(&[4, 5, 0, 0, 4, 5]).unwrap();
    /// assert_eq!(p.map_interval(), (2, 4));
    /// ```
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// Shortest episode in days (default 1).
    ///
    /// ```
    /// let p = threatstat_changepoint::Episode::params().min_len(3).fit(&[0, 9, 0, 0, 0]).unwrap();
    /// assert!(p.map_interval().1 - p.map_interval().0 >= 3);
    /// ```
    pub fn min_len(mut self, days: usize) -> Self {
        self.min_len = days;
        self
    }

    /// Longest episode in days (default: no limit). A prior choice that
    /// also makes the computation `O(n · max_len)`.
    ///
    /// ```
    /// let p = threatstat_changepoint::Episode::params().max_len(2).fit(&[0, 5, 5, 5, 0]).unwrap();
    /// assert!(p.map_interval().1 - p.map_interval().0 <= 2);
    /// ```
    pub fn max_len(mut self, days: usize) -> Self {
        self.max_len = Some(days);
        self
    }

    /// Use the pruned computation with this bound on the probability mass
    /// left out (e.g. 1e-9; default: exact).
    ///
    /// ```
    /// use threatstat_changepoint::{ChangePosterior, Episode};
    /// let mut y = vec![1u32; 400];
    /// for t in 200..230 { y[t] = 8; }
    /// let exact = Episode::params().fit(&y).unwrap();
    /// let fast = Episode::params().tolerance(1e-9).fit(&y).unwrap();
    /// assert!(fast.error_bound() <= 1e-9);
    /// assert!(fast.intervals_evaluated() < exact.intervals_evaluated() / 2);
    /// assert!((fast.log_marginal_likelihood() - exact.log_marginal_likelihood()).abs() < 1e-8);
    /// ```
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Use the bounded-error approximation for long series, with error
    /// bound `epsilon` in `(0, 1)` (e.g. 0.01): the reported
    /// [`EpisodePosterior::error_bound`] is at most `epsilon` and bounds both
    /// the total-variation distance to the exact posterior of `(a, b)` (so
    /// the errors of the start, end and inside probabilities) and the
    /// relative error of the marginal likelihood.
    ///
    /// Over a block of (start, end) pairs the log weight of an interval is
    /// replaced by a model that separates into start and end terms (for the
    /// unrestricted model its second-order Taylor polynomial, for
    /// increase-/decrease-only a linear function), with the model's error
    /// over the block bounded, so the block's total and marginals cost
    /// `O(side)` instead of `O(side²)`. Blocks are summed that way when
    /// their error fits the budget, pruned when their mass is negligible,
    /// and otherwise split (down to exact evaluation); the proof is in the
    /// source of the module `episode::approx`.
    ///
    /// Cost, unrestricted: `O(n log n)` on a diffuse posterior, far less on
    /// a concentrated one. Measured on 2 shared cores (`cargo run --release
    /// -p threatstat-changepoint --example episode_scaling 0.01`, rate
    /// 2/day, ε = 0.01): with no change, 10,000 days take 0.16 s instead of
    /// 1.1 s, 50,000 days 1.3 s instead of about 28 s (n² from 10,000
    /// days), 200,000 days 5.7 s;
    /// with a clear episode, 10,000 days take 0.01 s. Increase-/decrease-only
    /// keep the first-order model: fast with a clear episode (10,000 days:
    /// 0.03 s instead of 24 s), but on a diffuse posterior the work grows
    /// about as `n^1.5` (10,000 days: 32 s instead of 41 s).
    ///
    /// Within a summed block the conditional rate means are those
    /// of its middle interval, so [`EpisodePosterior::rate_outside_mean`],
    /// `rate_inside_mean` and `expected_rate` are close but not covered by the
    /// bound. The MAP interval's weight is within a factor `1 + ε` of the
    /// exact MAP interval's (a branch-and-bound search of the summed
    /// blocks whose upper bound is above the best weight found), and
    /// [`EpisodePosterior::map_probability`] is its weight over the
    /// computed evidence, so it is between `p / ((1 + ε)(1 + δ))` and
    /// `p / (1 − δ)`, `p` the exact MAP probability and `δ` the reported
    /// bound (the total-variation bound alone gives only `p ± δ`, and
    /// nothing about the interval chosen). Series shorter than
    /// [`EpisodeParams::approximate_from`] (1,000 days) are computed exactly.
    /// Cannot be combined with [`EpisodeParams::tolerance`] (it prunes
    /// already).
    ///
    /// ```
    /// use threatstat_changepoint::{ChangePosterior, Episode};
    /// let y: Vec<u32> = (0..2000)
    ///     .map(|t| [1, 2, 0, 1, 3][t % 5] + if (1200..1300).contains(&t) { 3 } else { 0 })
    ///     .collect();
    /// let exact = Episode::params().fit(&y).unwrap();
    /// let fast = Episode::params().approximate(0.01).fit(&y).unwrap();
    /// assert!(fast.error_bound() <= 0.01);
    /// let tv: f64 = exact.start_posterior().iter().zip(fast.start_posterior())
    ///     .map(|(p, q)| (p - q).abs()).sum::<f64>() / 2.0;
    /// assert!(tv <= fast.error_bound());
    /// let rel = (fast.log_marginal_likelihood() - exact.log_marginal_likelihood()).exp_m1();
    /// assert!(rel.abs() <= fast.error_bound());
    /// assert!(fast.intervals_evaluated() < exact.intervals_evaluated() / 10);
    /// ```
    pub fn approximate(mut self, epsilon: f64) -> Self {
        self.approximate = Some(epsilon);
        self
    }

    /// With [`EpisodeParams::approximate`], the shortest series that is
    /// approximated (default 1,000 days): shorter ones are computed exactly
    /// (error bound 0), which is faster there.
    ///
    /// ```
    /// use threatstat_changepoint::Episode;
    /// let y: Vec<u32> = (0..300).map(|t| (t % 4) as u32).collect();
    /// let exact = Episode::params().approximate(0.05).fit(&y).unwrap();
    /// assert_eq!(exact.error_bound(), 0.0);
    /// let forced = Episode::params().approximate(0.05).approximate_from(0).fit(&y).unwrap();
    /// assert!(forced.error_bound() > 0.0 && forced.error_bound() <= 0.05);
    /// ```
    pub fn approximate_from(mut self, days: usize) -> Self {
        self.approximate_from = days;
        self
    }

    /// The limits of the episode length in `n` days (the settings alone
    /// were checked by [`ParamGuard::check`](threatstat_core::ParamGuard::check)).
    fn validate(&self, n: usize) -> Result<(usize, usize), ChangepointError> {
        if n < 2 {
            return Err(Error::shape(
                "the series",
                "at least 2 days (an episode model)",
                crate::numerics::days(n),
            )
            .into());
        }
        let max_len = self.max_len.unwrap_or(n).min(n);
        if max_len < self.min_len || self.min_len >= n {
            return Err(Error::shape(
                "the series",
                format!(
                    "more than min_len = {} days (an episode of {}..={} days inside a series \
                     that is \"no change\" around it)",
                    self.min_len, self.min_len, max_len
                ),
                crate::numerics::days(n),
            )
            .into());
        }
        Ok((self.min_len, max_len))
    }

    /// The exact (or, with a tolerance, bounded-error) posterior.
    pub fn fit(&self, counts: &[u32]) -> Result<EpisodePosterior, ChangepointError> {
        self.fit_series(counts, None)
    }

    /// The posterior with an exposure per day, `y_t ~ Poisson(λ · m_t)`
    /// (see [`crate::SwitchpointParams::fit_with_exposures`]).
    ///
    /// ```
    /// use threatstat_changepoint::{ChangePosterior, Episode};
    /// let counts = [2, 2, 8, 8, 2, 2];
    /// let holiday_crunch = [1.0, 1.0, 4.0, 4.0, 1.0, 1.0];
    /// let p = Episode::params().fit_with_exposures(&counts, &holiday_crunch).unwrap();
    /// assert!(p.log_bayes_factor() < 0.0);
    /// ```
    pub fn fit_with_exposures(
        &self,
        counts: &[u32],
        exposures: &[f64],
    ) -> Result<EpisodePosterior, ChangepointError> {
        self.fit_series(counts, Some(exposures))
    }

    fn fit_prefix(&self, prefix: Prefix) -> Result<EpisodePosterior, ChangepointError> {
        let n = prefix.n();
        let (min_len, max_len) = self.validate(n)?;
        let alpha = resolve_alpha(self.alpha, &prefix)?;
        let model = Model {
            prefix: &prefix,
            alpha,
            ln_alpha: alpha.ln(),
            direction: self.direction,
            min_len,
            max_len,
        };
        let n_intervals = model.count_intervals();
        let mut acc = Acc::new(n);
        let error = match (self.tolerance, self.approximate) {
            (_, Some(eps)) if n >= self.approximate_from => {
                Some(model.approximate(eps, n_intervals, &mut acc))
            }
            (Some(tol), None) => Some(approx::Outcome {
                ln_skipped: model.pruned(tol, n_intervals, &mut acc),
                ln_approx: f64::NEG_INFINITY,
                blocks: 0,
            }),
            _ => {
                let mut buf = RowBuf::default();
                for a in 0..n {
                    let (lo, hi) = model.b_range(a);
                    model.row(a, lo, hi, &mut buf, &mut acc);
                }
                None
            }
        };
        Ok(acc.finish(&model, n_intervals, error))
    }
}

impl ChangeModel for Checked<EpisodeParams> {
    type Posterior = EpisodePosterior;
    fn fit_series(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<EpisodePosterior, ChangepointError> {
        let params = self.params();
        params.fit_prefix(Prefix::new(counts, exposures)?)
    }
}

/// What the fit loops share.
struct Model<'a> {
    prefix: &'a Prefix,
    alpha: f64,
    ln_alpha: f64,
    direction: Direction,
    min_len: usize,
    max_len: usize,
}

/// Blocks of the pruned computation narrower than this are evaluated.
const PRUNE_LEAF: usize = 8;

/// A log weight below the running maximum by more than this is dropped
/// (its share is below e^-50 per interval).
const NEGLIGIBLE: f64 = 50.0;

impl Model<'_> {
    fn n(&self) -> usize {
        self.prefix.n()
    }

    /// The ends `b` (exclusive) allowed for start `a`: `lo..=hi`, possibly empty.
    fn b_range(&self, a: usize) -> (usize, usize) {
        let n = self.n();
        let lo = a + self.min_len;
        let mut hi = (a + self.max_len).min(n);
        if a == 0 && hi == n {
            hi = n - 1;
        }
        (lo, hi)
    }

    fn count_intervals(&self) -> u64 {
        (0..self.n())
            .map(|a| {
                let (lo, hi) = self.b_range(a);
                (hi + 1).saturating_sub(lo) as u64
            })
            .sum()
    }

    /// Shapes and rates of the Gamma posteriors of λ0 (outside) and λ1
    /// (inside) for interval `[a, b)`.
    #[inline]
    fn posteriors(&self, a: usize, b: usize) -> (u64, f64, u64, f64) {
        let (s_in, e_in) = self.prefix.seg(a, b);
        let n = self.n();
        let s_out = self.prefix.total() - s_in;
        let e_out = self.prefix.exp_to(n) - e_in;
        (s_out + 1, e_out + self.alpha, s_in + 1, e_in + self.alpha)
    }

    /// Unrestricted log marginal of `[a, b)` (without the common term).
    #[inline]
    fn ln_any(&self, a: usize, b: usize) -> f64 {
        let (a0, b0, a1, b1) = self.posteriors(a, b);
        ln_segment(a0 - 1, b0 - self.alpha, self.alpha, self.ln_alpha)
            + ln_segment(a1 - 1, b1 - self.alpha, self.alpha, self.ln_alpha)
    }

    /// Evaluates the intervals `[a, b)` for `b` in `lo..=hi` and adds them.
    fn row(&self, a: usize, lo: usize, hi: usize, buf: &mut RowBuf, acc: &mut Acc) {
        if lo > hi {
            return;
        }
        buf.l.clear();
        buf.m0.clear();
        buf.m1.clear();
        for b in lo..=hi {
            let (a0, b0, a1, b1) = self.posteriors(a, b);
            buf.l.push(
                ln_segment(a0 - 1, b0 - self.alpha, self.alpha, self.ln_alpha)
                    + ln_segment(a1 - 1, b1 - self.alpha, self.alpha, self.ln_alpha),
            );
            buf.m0.push(a0 as f64 / b0);
            buf.m1.push(a1 as f64 / b1);
        }
        if self.direction != Direction::Any {
            // Relative to the largest *restricted* weight so far: the
            // unrestricted maximum of the row can be far above every
            // restricted weight (an increase scored as a decrease), and a
            // floor relative to it dropped intervals that mattered.
            let floor = acc.best.0 - NEGLIGIBLE - std::f64::consts::LN_2;
            for (i, l) in buf.l.iter_mut().enumerate() {
                if *l < floor {
                    *l = f64::NEG_INFINITY;
                } else {
                    let (a0, b0, a1, b1) = self.posteriors(a, lo + i);
                    let (f, m0, m1) = self.direction.factor_and_means(a0, b0, a1, b1);
                    *l += f;
                    buf.m0[i] = m0;
                    buf.m1[i] = m1;
                }
            }
        }
        acc.add_row(a, lo, buf);
        acc.evaluated += buf.l.len() as u64;
    }

    /// The pruned computation; returns `ln` of the bound on the skipped
    /// mass (the sum over skipped blocks of their size times their bound).
    fn pruned(&self, tol: f64, n_intervals: u64, acc: &mut Acc) -> f64 {
        let n = self.n();
        let m_low = self.grid_max();
        // Every skipped interval's bound is below tol / N of the maximum,
        // so the skipped mass is below tol of the total.
        let threshold = m_low + tol.ln() - (n_intervals as f64).ln();
        let mut skipped = f64::NEG_INFINITY;
        let mut buf = RowBuf::default();
        // Blocks: starts a in a_lo..=a_hi, exclusive ends b in b_lo..=b_hi.
        let mut stack = vec![(0, n - 1, 1, n)];
        while let Some((a_lo, a_hi, b_lo, b_hi)) = stack.pop() {
            let count: usize = (a_lo..=a_hi)
                .map(|a| {
                    let (lo, hi) = self.b_range(a);
                    (hi.min(b_hi) + 1).saturating_sub(lo.max(b_lo))
                })
                .sum();
            if count == 0 {
                continue;
            }
            let ub = self.block_bound(a_lo, a_hi, b_lo, b_hi);
            if ub < threshold {
                skipped = crate::numerics::log_add(skipped, ub + (count as f64).ln());
                continue;
            }
            if a_hi - a_lo < PRUNE_LEAF && b_hi - b_lo < PRUNE_LEAF {
                for a in a_lo..=a_hi {
                    let (lo, hi) = self.b_range(a);
                    self.row(a, lo.max(b_lo), hi.min(b_hi), &mut buf, acc);
                }
                continue;
            }
            let split = |lo: usize, hi: usize| {
                if hi - lo < PRUNE_LEAF {
                    vec![(lo, hi)]
                } else {
                    let mid = (lo + hi) / 2;
                    vec![(lo, mid), (mid + 1, hi)]
                }
            };
            for (al, ah) in split(a_lo, a_hi) {
                for &(bl, bh) in &split(b_lo, b_hi) {
                    stack.push((al, ah, bl, bh));
                }
            }
        }
        skipped
    }

    /// A lower bound of the largest log marginal (with the direction
    /// factor) from a coarse grid of about `n` intervals.
    fn grid_max(&self) -> f64 {
        let n = self.n();
        let step = ((n as f64).sqrt().ceil() as usize).max(1);
        let mut m_low = f64::NEG_INFINITY;
        for a in (0..n).step_by(step) {
            let (lo, hi) = self.b_range(a);
            for b in (lo..=hi).step_by(step).chain((lo <= hi).then_some(hi)) {
                let (a0, b0, a1, b1) = self.posteriors(a, b);
                m_low = m_low.max(self.ln_any(a, b) + self.direction.ln_factor(a0, b0, a1, b1));
            }
        }
        m_low
    }

    /// An upper bound of the log marginal (with the direction factor) of
    /// every interval with `a` in `a_lo..=a_hi` and `b` in `b_lo..=b_hi`.
    fn block_bound(&self, a_lo: usize, a_hi: usize, b_lo: usize, b_hi: usize) -> f64 {
        let p = self.prefix;
        let n = self.n();
        let (total, e_n) = (p.total(), p.exp_to(n));
        let s_in_lo = p.s[b_lo].saturating_sub(p.s[a_hi]);
        let s_in_hi = p.s[b_hi] - p.s[a_lo];
        let e_in_lo = (p.exp_to(b_lo) - p.exp_to(a_hi)).max(0.0);
        let e_in_hi = p.exp_to(b_hi) - p.exp_to(a_lo);
        let (s_out_lo, s_out_hi) = (total - s_in_hi, total - s_in_lo);
        let e_out_lo = (e_n - e_in_hi).max(0.0);
        let e_out_hi = e_n - e_in_lo;
        let f = |s: u64, e: f64| ln_segment(s, e, self.alpha, self.ln_alpha);
        // Convex in s, decreasing in e.
        let inside = f(s_in_lo, e_in_lo).max(f(s_in_hi, e_in_lo));
        let outside = f(s_out_lo, e_out_lo).max(f(s_out_hi, e_out_lo));
        let al = self.alpha;
        // P(λ1 > λ0) grows with the inside count and the outside exposure.
        let dir = match self.direction {
            Direction::Any => 0.0,
            Direction::Up => {
                self.direction
                    .ln_factor(s_out_lo + 1, e_out_hi + al, s_in_hi + 1, e_in_lo + al)
            }
            Direction::Down => {
                self.direction
                    .ln_factor(s_out_hi + 1, e_out_lo + al, s_in_lo + 1, e_in_hi + al)
            }
        };
        inside + outside + dir
    }
}

/// One row's log marginals and conditional rate means.
#[derive(Default)]
struct RowBuf {
    l: Vec<f64>,
    m0: Vec<f64>,
    m1: Vec<f64>,
}

/// Running sums of the posterior, scaled by `exp(-scale)`.
struct Acc {
    scale: f64,
    z: f64,
    start: Vec<f64>,
    /// Weight by exclusive end `b` (index 0..=n).
    end: Vec<f64>,
    /// Difference arrays over days: inside probability, E[λ1]·w inside,
    /// E[λ0]·w inside.
    d_in: Vec<f64>,
    d_rate_in: Vec<f64>,
    d_rate_out: Vec<f64>,
    mean_0: f64,
    mean_1: f64,
    best: (f64, usize, usize),
    evaluated: u64,
}

impl Acc {
    fn new(n: usize) -> Self {
        Acc {
            scale: f64::NEG_INFINITY,
            z: 0.0,
            start: vec![0.0; n],
            end: vec![0.0; n + 1],
            d_in: vec![0.0; n + 1],
            d_rate_in: vec![0.0; n + 1],
            d_rate_out: vec![0.0; n + 1],
            mean_0: 0.0,
            mean_1: 0.0,
            best: (f64::NEG_INFINITY, 0, 1),
            evaluated: 0,
        }
    }

    fn rescale(&mut self, new_scale: f64) {
        if self.scale > f64::NEG_INFINITY {
            let f = (self.scale - new_scale).exp();
            for v in [
                &mut self.start,
                &mut self.end,
                &mut self.d_in,
                &mut self.d_rate_in,
                &mut self.d_rate_out,
            ] {
                v.iter_mut().for_each(|x| *x *= f);
            }
            for x in [&mut self.z, &mut self.mean_0, &mut self.mean_1] {
                *x *= f;
            }
        }
        self.scale = new_scale;
    }

    fn add_row(&mut self, a: usize, lo: usize, buf: &RowBuf) {
        let row = &buf.l;
        let row_max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if row_max == f64::NEG_INFINITY {
            return;
        }
        if row_max > self.scale {
            self.rescale(row_max);
        }
        // Relative to the largest weight so far (the scale, unless blocks
        // of the approximation raised it).
        let floor = self.best.0.max(row_max) - NEGLIGIBLE;
        let mut row_sum = 0.0;
        for (i, &l) in row.iter().enumerate() {
            let b = lo + i;
            if l > self.best.0 {
                self.best = (l, a, b);
            }
            if l < floor {
                continue;
            }
            let w = (l - self.scale).exp();
            row_sum += w;
            self.end[b] += w;
            self.d_in[a] += w;
            self.d_in[b] -= w;
            let (m0, m1) = (w * buf.m0[i], w * buf.m1[i]);
            self.mean_0 += m0;
            self.mean_1 += m1;
            self.d_rate_in[a] += m1;
            self.d_rate_in[b] -= m1;
            self.d_rate_out[a] += m0;
            self.d_rate_out[b] -= m0;
        }
        self.start[a] += row_sum;
        self.z += row_sum;
    }

    fn finish(
        self,
        m: &Model,
        n_intervals: u64,
        error: Option<approx::Outcome>,
    ) -> EpisodePosterior {
        let n = m.n();
        let z = self.z;
        let ln_z = self.scale + z.ln();
        let common = m.prefix.common;
        let log_marginal = ln_z - (n_intervals as f64).ln() + common;
        let total = m.prefix.total();
        let log_marginal_no_change =
            ln_segment(total, m.prefix.exp_to(n), m.alpha, m.ln_alpha) + common;
        let cum = |d: &[f64]| -> Vec<f64> {
            let mut acc = 0.0;
            (0..n)
                .map(|t| {
                    acc += d[t];
                    acc / z
                })
                .collect()
        };
        let inside = cum(&self.d_in);
        let r_in = cum(&self.d_rate_in);
        let r_out = cum(&self.d_rate_out);
        let expected_rate = (0..n)
            .map(|t| r_in[t] + self.mean_0 / z - r_out[t])
            .collect();
        let (best_l, ma, mb) = self.best;
        EpisodePosterior {
            alpha: m.alpha,
            n,
            direction: m.direction,
            start_posterior: self.start.iter().map(|w| w / z).collect(),
            end_posterior: self.end[1..].iter().map(|w| w / z).collect(),
            inside_probability: inside.into_iter().map(|p| p.clamp(0.0, 1.0)).collect(),
            expected_rate,
            map_interval: (ma, mb),
            map_probability: (best_l - ln_z).exp(),
            evidence: Evidence {
                log_marginal,
                log_marginal_no_change,
            },
            rate_outside_mean: self.mean_0 / z,
            rate_inside_mean: self.mean_1 / z,
            n_intervals,
            evaluated: self.evaluated,
            error_bound: error.as_ref().map_or(0.0, |o| o.bound(ln_z)),
            approximated_blocks: error.map_or(0, |o| o.blocks),
        }
    }
}

/// The posterior of the episode model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodePosterior {
    alpha: f64,
    n: usize,
    direction: Direction,
    start_posterior: Vec<f64>,
    end_posterior: Vec<f64>,
    inside_probability: Vec<f64>,
    expected_rate: Vec<f64>,
    map_interval: (usize, usize),
    map_probability: f64,
    #[serde(flatten)]
    evidence: Evidence,
    rate_outside_mean: f64,
    rate_inside_mean: f64,
    n_intervals: u64,
    evaluated: u64,
    error_bound: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    approximated_blocks: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

impl EpisodePosterior {
    /// The α of the prior that was used.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Number of days.
    pub fn n_days(&self) -> usize {
        self.n
    }

    /// The direction the model was restricted to.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// `P(a = k | y)`: the first day of the episode, `k = 0..n`.
    pub fn start_posterior(&self) -> &[f64] {
        &self.start_posterior
    }

    /// `P(b − 1 = k | y)`: the last day of the episode (inclusive), `k = 0..n`.
    pub fn end_posterior(&self) -> &[f64] {
        &self.end_posterior
    }

    /// `P(a <= t < b | y)` for every day t.
    pub fn inside_probability(&self) -> &[f64] {
        &self.inside_probability
    }

    /// `E[rate on day t | y]` per unit exposure.
    pub fn expected_rate(&self) -> &[f64] {
        &self.expected_rate
    }

    /// The most probable interval `(a, b)`: days `a..b`, `b` exclusive.
    pub fn map_interval(&self) -> (usize, usize) {
        self.map_interval
    }

    /// `P((a, b) = MAP | y)`.
    pub fn map_probability(&self) -> f64 {
        self.map_probability
    }

    /// The most probable first day (marginally).
    pub fn map_start(&self) -> usize {
        argmax(&self.start_posterior)
    }

    /// The most probable last day (marginally, inclusive).
    pub fn map_end(&self) -> usize {
        argmax(&self.end_posterior)
    }

    /// E[λ0 | y], the baseline rate outside the episode (per unit of
    /// exposure).
    pub fn rate_outside_mean(&self) -> f64 {
        self.rate_outside_mean
    }

    /// E[λ1 | y], the rate inside the episode (per unit of exposure).
    pub fn rate_inside_mean(&self) -> f64 {
        self.rate_inside_mean
    }

    /// Number of intervals the prior allows.
    pub fn n_intervals(&self) -> u64 {
        self.n_intervals
    }

    /// Number of intervals evaluated (all of them unless pruned).
    pub fn intervals_evaluated(&self) -> u64 {
        self.evaluated
    }

    /// A proven bound on the error (0 when exact): the total-variation
    /// distance to the exact posterior of `(a, b)` (so of the start, end and
    /// inside probabilities) and the relative error of the marginal
    /// likelihood are at most this. With [`EpisodeParams::tolerance`] it is
    /// the probability mass left out by pruning.
    pub fn error_bound(&self) -> f64 {
        self.error_bound
    }

    /// Number of blocks of intervals summed in closed form by
    /// [`EpisodeParams::approximate`] (0 otherwise); with
    /// [`Self::intervals_evaluated`] a measure of the work done.
    ///
    /// ```
    /// use threatstat_changepoint::Episode;
    /// let y: Vec<u32> = (0..2000).map(|t| (t % 3) as u32).collect();
    /// let p = Episode::params().approximate(0.05).fit(&y).unwrap();
    /// assert!(p.approximated_blocks() > 0);
    /// assert!(p.intervals_evaluated() < p.n_intervals() / 5);
    /// ```
    pub fn approximated_blocks(&self) -> u64 {
        self.approximated_blocks
    }
}

impl ChangePosterior for EpisodePosterior {
    fn evidence(&self) -> Evidence {
        self.evidence
    }
    fn n_days(&self) -> usize {
        self.n
    }
    fn rate_curve(&self) -> &[f64] {
        &self.expected_rate
    }
    fn change_marginal(&self) -> &[f64] {
        &self.start_posterior
    }
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (k, &p) in v.iter().enumerate() {
        if p > v[best] {
            best = k;
        }
    }
    best
}
