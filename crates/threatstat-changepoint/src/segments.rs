//! Multiple changepoints: exact Bayesian segmentation (Fearnhead 2006).
//!
//! ```text
//! a new segment starts on each day after day 0 with probability p (geometric lengths)
//! λ_j ~ Exponential(α) independently for each segment j
//! y_t ~ Poisson(m_t · λ_{segment of t})
//! ```
//!
//! The rates integrate out per segment (the same closed form as the
//! switchpoint), and Fearnhead's recursions sum over all `2^(n−1)`
//! segmentations in `O(n²)`: a forward pass `F(t) = p(y_{<t}, a segment
//! starts at t)`, a backward pass `Q(t) = p(y_{≥t} | a segment starts at t)`,
//! so that `p(y) = Q(0)` and `P(a segment starts at t | y) = F(t) Q(t) / Q(0)`.
//! A Viterbi pass gives the most probable segmentation, and an optional
//! count-indexed forward pass (`O(K n²)`) the posterior of the number of
//! segments up to K.
//!
//! ```
//! use threatstat_changepoint::{ChangePosterior, Segmentation};
//! let counts = [1, 0, 2, 1, 1, 9, 8, 10, 9, 3, 2, 3, 3, 2];
//! let s = Segmentation::params().change_prob(0.05).max_segments(5).fit(&counts).unwrap();
//! assert_eq!(s.map_changes(), &[5, 9]);
//! assert!(s.change_probability()[5] > 0.5);
//! let k = s.segment_count_posterior().unwrap();
//! assert!(k[2] > 0.5);                        // three segments (index = count − 1)
//! assert!(s.log_bayes_factor() > 5.0);
//! ```

use crate::ChangepointError;
use crate::model::{ChangeModel, ChangePosterior, Evidence};
use crate::numerics::{Prefix, ln_segment, log_add, log_sum_exp as lse, resolve_alpha};
use crate::params::Checked;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// Entry point: `Segmentation::params()`.
pub struct Segmentation;

impl Segmentation {
    /// Parameters with defaults (α = 1/mean, change probability 1/n per
    /// day, i.e. about one change expected over the series; no segment
    /// count posterior).
    ///
    /// ```
    /// let s = threatstat_changepoint::Segmentation::params().fit(&[2, 3, 2, 9, 9, 8]).unwrap();
    /// assert_eq!(s.map_changes(), &[3]);
    /// ```
    pub fn params() -> SegmentationParams {
        SegmentationParams::default()
    }
}

/// Parameters of the segmentation model.
///
/// ```
/// use threatstat_changepoint::Segmentation;
/// assert!(Segmentation::params().change_prob(1.5).fit(&[1, 2]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SegmentationParams {
    pub(crate) alpha: Option<f64>,
    pub(crate) change_prob: Option<f64>,
    pub(crate) max_segments: usize,
}

impl SegmentationParams {
    /// Rate α of the Exponential prior of every segment's rate (default
    /// total exposure / total count).
    ///
    /// ```
    /// let s = threatstat_changepoint::Segmentation::params().alpha(0.5).fit(&[0, 0]).unwrap();
    /// assert_eq!(s.alpha(), 0.5);
    /// ```
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// Prior probability that a new segment starts on a given day (default
    /// 1/n); segment lengths are geometric.
    ///
    /// ```
    /// let s = threatstat_changepoint::Segmentation::params().change_prob(0.2).fit(&[1, 2, 1]).unwrap();
    /// assert_eq!(s.change_prob(), 0.2);
    /// ```
    pub fn change_prob(mut self, p: f64) -> Self {
        self.change_prob = Some(p);
        self
    }

    /// Also compute the posterior of the number of segments K, for
    /// K = 1..=k at least, and beyond until the posterior mass on more
    /// segments is below [`COUNT_TAIL_MASS`] (1e-9): the posterior is never
    /// cut where it still has mass. The mass left beyond the last K
    /// computed is [`SegmentationPosterior::segment_count_tail_mass`]. Each
    /// K costs about one segmentation (default 0: not computed; 1 computes
    /// as many as the data need).
    ///
    /// ```
    /// use threatstat_changepoint::Segmentation;
    /// let s = Segmentation::params().max_segments(3).fit(&[1, 2, 1]).unwrap();
    /// assert_eq!(s.segment_count_posterior().unwrap().len(), 3);
    /// // Eight clear segments: the posterior grows past the 2 asked for.
    /// let y: Vec<u32> = (0..80).map(|t| [1, 30][t / 10 % 2]).collect();
    /// let s = Segmentation::params().change_prob(0.05).max_segments(2).fit(&y).unwrap();
    /// let k = s.segment_count_posterior().unwrap();
    /// let most = (0..k.len()).max_by(|&a, &b| k[a].total_cmp(&k[b])).unwrap();
    /// assert_eq!(most + 1, 8);
    /// assert!(s.segment_count_tail_mass().unwrap() < 1e-9);
    /// ```
    pub fn max_segments(mut self, k: usize) -> Self {
        self.max_segments = k;
        self
    }

    /// The exact posterior.
    pub fn fit(&self, counts: &[u32]) -> Result<SegmentationPosterior, ChangepointError> {
        self.fit_series(counts, None)
    }

    /// The exact posterior with an exposure per day (see
    /// [`crate::SwitchpointParams::fit_with_exposures`]).
    ///
    /// ```
    /// use threatstat_changepoint::Segmentation;
    /// let s = Segmentation::params().fit_with_exposures(&[2, 2, 6, 6], &[1.0, 1.0, 3.0, 3.0]).unwrap();
    /// assert!(s.map_changes().is_empty());
    /// ```
    pub fn fit_with_exposures(
        &self,
        counts: &[u32],
        exposures: &[f64],
    ) -> Result<SegmentationPosterior, ChangepointError> {
        self.fit_series(counts, Some(exposures))
    }

    fn fit_prefix(&self, prefix: Prefix) -> Result<SegmentationPosterior, ChangepointError> {
        let n = prefix.n();
        if n < 2 && self.change_prob.is_none() {
            // The default prior 1/n would be 1: say what is wrong instead.
            return Err(Error::shape(
                "the series",
                "at least 2 days (a segmentation: a change between two of them)",
                crate::numerics::days(n),
            )
            .into());
        }
        let alpha = resolve_alpha(self.alpha, &prefix)?;
        let p = self.change_prob.unwrap_or(1.0 / n as f64);
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::param("change_prob", p, "a number in (0, 1)").into());
        }
        Ok(compute(&prefix, alpha, p, self.max_segments))
    }
}

impl ChangeModel for Checked<SegmentationParams> {
    type Posterior = SegmentationPosterior;
    fn fit_series(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<SegmentationPosterior, ChangepointError> {
        let params = self.params();
        params.fit_prefix(Prefix::new(counts, exposures)?)
    }
}

fn compute(prefix: &Prefix, alpha: f64, p: f64, max_segments: usize) -> SegmentationPosterior {
    let n = prefix.n();
    let ln_alpha = alpha.ln();
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let seg = |s: usize, t: usize| {
        let (c, e) = prefix.seg(s, t);
        ln_segment(c, e, alpha, ln_alpha)
    };
    // Forward sums and Viterbi maxima over the start s of the segment
    // that ends just before t.
    let mut f = vec![f64::NEG_INFINITY; n + 1];
    let mut v = vec![f64::NEG_INFINITY; n + 1];
    let mut arg = vec![0usize; n + 1];
    f[0] = 0.0;
    v[0] = 0.0;
    let mut buf = Vec::with_capacity(n);
    for t in 1..=n {
        // At t = n the last segment has no change after it.
        let tail = if t == n { 0.0 } else { ln_p };
        buf.clear();
        let (mut best, mut best_s) = (f64::NEG_INFINITY, 0);
        for s in 0..t {
            let l = seg(s, t) + (t - 1 - s) as f64 * ln_q + tail;
            buf.push(f[s] + l);
            if v[s] + l > best {
                best = v[s] + l;
                best_s = s;
            }
        }
        f[t] = lse(&buf);
        v[t] = best;
        arg[t] = best_s;
    }
    let ln_z = f[n];
    // Backward: q[t] = ln p(y_{t..} | segment starts at t).
    let mut q = vec![f64::NEG_INFINITY; n + 1];
    for t in (0..n).rev() {
        let mut acc = seg(t, n) + (n - 1 - t) as f64 * ln_q;
        for (e, &qe) in q.iter().enumerate().take(n).skip(t + 1) {
            acc = log_add(acc, seg(t, e) + (e - 1 - t) as f64 * ln_q + ln_p + qe);
        }
        q[t] = acc;
    }
    let change_probability: Vec<f64> = (0..n)
        .map(|t| {
            if t == 0 {
                0.0
            } else {
                (f[t] + q[t] - ln_z).exp().clamp(0.0, 1.0)
            }
        })
        .collect();
    let mut map_changes = Vec::new();
    let mut t = n;
    while t > 0 {
        t = arg[t];
        if t > 0 {
            map_changes.push(t);
        }
    }
    map_changes.reverse();
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(map_changes.iter().copied())
        .chain(std::iter::once(n))
        .collect();
    let map_rates: Vec<f64> = bounds
        .windows(2)
        .map(|w| {
            let (c, e) = prefix.seg(w[0], w[1]);
            (c + 1) as f64 / (e + alpha)
        })
        .collect();
    let rate_curve = piecewise(n, &map_changes, &map_rates);
    let count = (max_segments > 0).then(|| {
        count_posterior(n, max_segments, ln_z, |s, t| {
            let tail = if t == n { 0.0 } else { ln_p };
            seg(s, t) + (t - 1 - s) as f64 * ln_q + tail
        })
    });
    let (segment_count_posterior, segment_count_tail_mass) = match count {
        Some((p, tail)) => (Some(p), Some(tail)),
        None => (None, None),
    };
    SegmentationPosterior {
        alpha,
        change_prob: p,
        n,
        change_probability,
        map_changes,
        map_rates,
        evidence: Evidence {
            log_marginal: ln_z + prefix.common,
            log_marginal_no_change: seg(0, n) + prefix.common,
        },
        rate_curve,
        segment_count_posterior,
        segment_count_tail_mass,
    }
}

/// Posterior mass on more segments below which
/// [`SegmentationParams::max_segments`] stops adding segment counts.
pub const COUNT_TAIL_MASS: f64 = 1e-9;

/// Series up to this length keep the segment terms in a table (n²/2
/// doubles, 16 MB at the limit) for the count-indexed passes.
const TABLE_MAX_DAYS: usize = 2048;

/// `P(K = k | y)` for k = 1, 2, … (at least `min_k`, until the mass beyond
/// is below [`COUNT_TAIL_MASS`] or k = n), and that mass beyond (1 − the
/// sum, clamped at 0). `term(s, t)`: ln weight of a segment `[s, t)`
/// followed by a change (none at t = n).
fn count_posterior(
    n: usize,
    min_k: usize,
    ln_z: f64,
    term: impl Fn(usize, usize) -> f64,
) -> (Vec<f64>, f64) {
    let table: Option<Vec<Vec<f64>>> = (n <= TABLE_MAX_DAYS).then(|| {
        (0..=n)
            .map(|t| (0..t).map(|s| term(s, t)).collect())
            .collect()
    });
    let w = |s: usize, t: usize| match &table {
        Some(tab) => tab[t][s],
        None => term(s, t),
    };
    // g[t] = ln p(y_{<t}, a segment starts at t, k segments before t).
    let mut g = vec![f64::NEG_INFINITY; n + 1];
    g[0] = 0.0;
    let mut out = Vec::with_capacity(min_k);
    let mut buf = Vec::with_capacity(n);
    let mut tail = 1.0;
    for k in 1..=n {
        let mut next = vec![f64::NEG_INFINITY; n + 1];
        // k segments end at t >= k; the k-th starts at s >= k − 1.
        for (t, slot) in next.iter_mut().enumerate().skip(k) {
            buf.clear();
            buf.extend(
                (k - 1..t)
                    .filter(|&s| g[s] > f64::NEG_INFINITY)
                    .map(|s| g[s] + w(s, t)),
            );
            *slot = lse(&buf);
        }
        out.push((next[n] - ln_z).exp());
        g = next;
        tail = (1.0 - out.iter().sum::<f64>()).max(0.0);
        if k >= min_k && tail < COUNT_TAIL_MASS {
            break;
        }
    }
    (out, tail)
}

/// The posterior of the segmentation model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationPosterior {
    alpha: f64,
    change_prob: f64,
    n: usize,
    change_probability: Vec<f64>,
    map_changes: Vec<usize>,
    map_rates: Vec<f64>,
    #[serde(flatten)]
    evidence: Evidence,
    /// The MAP segmentation's rates, one per day.
    #[serde(skip)]
    rate_curve: Vec<f64>,
    segment_count_posterior: Option<Vec<f64>>,
    segment_count_tail_mass: Option<f64>,
}

impl SegmentationPosterior {
    /// The α that was used.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The prior change probability per day that was used.
    pub fn change_prob(&self) -> f64 {
        self.change_prob
    }

    /// Number of days.
    pub fn n_days(&self) -> usize {
        self.n
    }

    /// `P(a segment starts on day t | y)` (0 for day 0).
    pub fn change_probability(&self) -> &[f64] {
        &self.change_probability
    }

    /// Expected number of changes, `Σ_t P(change at t | y)`.
    pub fn expected_changes(&self) -> f64 {
        self.change_probability.iter().sum()
    }

    /// First days of the segments after the first in the most probable
    /// segmentation.
    pub fn map_changes(&self) -> &[usize] {
        &self.map_changes
    }

    /// Posterior mean rate of each segment of the most probable
    /// segmentation, given that segmentation.
    pub fn map_segment_rates(&self) -> &[f64] {
        &self.map_rates
    }

    /// `P(K = k | y)` (index `k − 1`) for `k = 1..` as far as
    /// [`SegmentationParams::max_segments`] needed (when requested); the
    /// mass on more segments is [`segment_count_tail_mass`](Self::segment_count_tail_mass).
    pub fn segment_count_posterior(&self) -> Option<&[f64]> {
        self.segment_count_posterior.as_deref()
    }

    /// The posterior mass on more segments than
    /// [`segment_count_posterior`](Self::segment_count_posterior) lists
    /// (`1 −` its sum, clamped at 0; exact up to rounding, about 1e-12):
    /// below [`COUNT_TAIL_MASS`], since the list grows until it is (or
    /// reaches one segment per day, where nothing is left).
    pub fn segment_count_tail_mass(&self) -> Option<f64> {
        self.segment_count_tail_mass
    }

    /// Posterior mean number of changes from the count posterior,
    /// `Σ (k − 1)·P(K = k)`; it equals [`expected_changes`](Self::expected_changes)
    /// up to the tail mass times the series length.
    pub fn mean_changes_from_counts(&self) -> Option<f64> {
        self.segment_count_posterior
            .as_ref()
            .map(|p| p.iter().enumerate().map(|(k, q)| k as f64 * q).sum())
    }
}

/// The rate of each day from the segments' first days after the first
/// (`changes`) and their rates.
fn piecewise(n: usize, changes: &[usize], rates: &[f64]) -> Vec<f64> {
    let mut curve = Vec::with_capacity(n);
    let ends = changes.iter().copied().chain([n]);
    let mut from = 0;
    for (to, &r) in ends.zip(rates) {
        curve.extend(std::iter::repeat_n(r, to.saturating_sub(from)));
        from = to;
    }
    curve
}

impl SegmentationPosterior {
    /// Rebuilds the rate curve (not saved in files) after loading.
    pub(crate) fn rebuild_rate_curve(&mut self) {
        self.rate_curve = piecewise(self.n, &self.map_changes, &self.map_rates);
    }
}

impl ChangePosterior for SegmentationPosterior {
    fn evidence(&self) -> Evidence {
        self.evidence
    }
    fn n_days(&self) -> usize {
        self.n
    }
    /// The posterior mean rate of the MAP segmentation's segment of each day.
    fn rate_curve(&self) -> &[f64] {
        &self.rate_curve
    }
    fn change_marginal(&self) -> &[f64] {
        &self.change_probability
    }
}
