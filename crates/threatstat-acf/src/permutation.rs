//! Permutation p-values of the Ljung–Box Q that stay valid on sparse
//! counts, and Benjamini–Hochberg decisions on them over many series.
//!
//! **Why.** The χ² distribution of Q is a large-sample approximation. On
//! sparse counts (a few calls in 90 days) its far tail is wrong by orders of
//! magnitude: a series of 4 calls can get p = 1.5e-13, and over 20,000
//! independent Poisson(0.05/day) series Benjamini–Hochberg at 5% flagged
//! 67–145 of them in every run. The far tail is exactly where BH acts when
//! it corrects over 10^4–10^5 pairs.
//!
//! **The test.** Under "no automation" the days of a pair are exchangeable
//! (independent, identically distributed counts). The exact conditional
//! p-value of Q is then the share of the n! orderings of the pair's own
//! counts whose Q is at least the observed one: it keeps the pair's total and
//! its distribution of counts, so it is exact whatever the rate. It is
//! estimated by sampling orderings (a pair's own seeded stream).
//!
//! **Sequential p-values (Besag & Clifford, 1991).** A pair's sampling
//! stops at the `h`-th ordering whose Q reaches the observed (`h` =
//! [`STOP_AFTER`] = 10) or after `B_max` orderings; its p-value is `h / l`
//! when it stopped at ordering `l`, else `(b + 1) / (B_max + 1)` with `b`
//! exceedances: never 0, and `P(p ≤ u) ≤ u` exactly under the null, with
//! ties counted as exceedances. Pairs use independent streams, so their
//! p-values are independent and BH on them controls the false discovery
//! rate at `fdr · m₀/m` exactly (`m₀` null pairs among `m`). Under the
//! complete null this is also the chance of flagging anything at all.
//!
//! **Cost.** `B_max = max(1000, ⌈2m / fdr⌉)` lets a single pair be flagged
//! (BH's smallest threshold is `fdr / m`), but most pairs never need it:
//! after `B` orderings with `b < h` exceedances a pair's final p-value is
//! known to lie in `[(b + 1)/(B_max + 1), h/(B + h − b)]`. Sampling runs in
//! rounds (32 orderings, then doubling, or fewer when that many can settle
//! the decision); after each, BH is applied to the
//! upper and to the lower ends, and only pairs whose decision the interval
//! leaves open sample further (the bound logic of Gandy & Hahn's MMCTest,
//! 2014, with deterministic bounds). The flags are therefore exactly those
//! of BH on the fully sampled sequential p-values. A null pair costs about
//! `h/p` orderings (p its exact p-value); a strongly automated pair costs
//! about `h·m/(fdr·R)` with R discoveries, at most `B_max`.
//!
//! Every pair's stream depends only on the seed and the pair's key, and the
//! rounds' targets are computed serially from the counts, so results do not
//! depend on the thread count.
//!
//! ```
//! use threatstat_acf::ljung_box;
//! use threatstat_acf::permutation::{PermutationBh, permutation_p_value};
//! use threatstat_acf::simulate::NullPairs;
//! // 5,000 people's pairs of 0.05 calls a day over 90 days, no automation.
//! let people = NullPairs { pairs: 5000, rates: (0.05, 0.05), days: (90, 90) };
//! let mut series: Vec<Vec<f64>> = people.generate(1).into_iter().map(|p| p.counts).collect();
//! // Four calls on four days in a row: χ² says p = 2e-16, but 4 calls fall
//! // on 4 consecutive days of 90 with probability 87 / C(90, 4) = 3.4e-5.
//! let mut four_calls = vec![0.0; 90];
//! for d in [3, 4, 5, 6] { four_calls[d] = 1.0; }
//! assert!(ljung_box(&four_calls, 7).unwrap().lb_pvalue[6] < 1e-13);
//! // A weekly job: one call every Monday.
//! let weekly: Vec<f64> = (0..91).map(|d| f64::from(d % 7 == 0)).collect();
//! series.push(four_calls.clone());
//! series.push(weekly.clone());
//! let out = PermutationBh::new(7, 0.05).run(&series);
//! let (four, job) = (&out.pairs[5000], &out.pairs[5001]);
//! assert!(job.rejected && job.p_value <= 0.05 / 5002.0);
//! assert!(!four.rejected && four.p_low > 1e-5);
//! assert_eq!(out.pairs.iter().filter(|p| p.rejected).count(), 1);
//! // One series, a fixed number of orderings: (b + 1)/(B + 1).
//! assert_eq!(permutation_p_value(&weekly, 7, 999, 1), 0.001);
//! ```

use crate::fdr::benjamini_hochberg;
use crate::numeric::dot;
use crate::rng::{SplitMix64, stream_seed};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Exceedances after which a pair's sampling stops (Besag–Clifford's `h`).
pub const STOP_AFTER: u64 = 10;

/// Orderings of every pair in the first round.
pub const FIRST_ROUND: u64 = 32;

/// The seed of [`PermutationBh::new`] and of `Rule::ljung_box()`.
pub const DEFAULT_SEED: u64 = 0x7468_7265_6174_7374;

/// Ljung–Box permutation test of many series with Benjamini–Hochberg
/// decisions (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PermutationBh {
    /// Lags of Q (`1..=lags`).
    pub lags: usize,
    /// False discovery rate.
    pub fdr: f64,
    /// Seed of the permutation streams.
    pub seed: u64,
    /// `B_max`; `None`: `max(1000, ⌈2m / fdr⌉)` for `m` testable series.
    pub max_permutations: Option<u64>,
}

/// One series' result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationP {
    /// The sequential p-value, or the upper end of the interval known to
    /// hold it when sampling stopped early (BH's decision was settled). NaN
    /// for a series that cannot be tested (constant, NaN values, at most
    /// `lags` values).
    pub p_value: f64,
    /// The lower end of that interval (equal to `p_value` when resolved).
    pub p_low: f64,
    /// Benjamini–Hochberg q-value of `p_value` over the testable series.
    pub q_value: f64,
    /// `q_value ≤ fdr`: rejected by BH on the sequential p-values.
    pub rejected: bool,
    /// Orderings sampled.
    pub permutations: u64,
    /// Of them, with Q at least the observed.
    pub exceedances: u64,
}

/// The results of [`PermutationBh::run`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationOutcome {
    /// Per series, in input order.
    pub pairs: Vec<PermutationP>,
    /// Number of testable series (BH's m).
    pub tested: usize,
    /// `B_max` used.
    pub max_permutations: u64,
    /// Orderings sampled over all series.
    pub permutations: u64,
    /// Sampling rounds.
    pub rounds: usize,
}

impl PermutationBh {
    /// `lags` lags, FDR `fdr`, [`DEFAULT_SEED`], automatic `B_max`.
    pub fn new(lags: usize, fdr: f64) -> PermutationBh {
        PermutationBh {
            lags,
            fdr,
            seed: DEFAULT_SEED,
            max_permutations: None,
        }
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> PermutationBh {
        self.seed = seed;
        self
    }

    /// Sets `B_max` (at least 1).
    pub fn max_permutations(mut self, b_max: u64) -> PermutationBh {
        self.max_permutations = Some(b_max.max(1));
        self
    }

    /// Tests every series; series `i` samples from stream `i`.
    pub fn run<S: AsRef<[f64]> + Sync>(&self, series: &[S]) -> PermutationOutcome {
        let keys: Vec<u64> = (0..series.len() as u64).collect();
        self.run_keyed(series, &keys)
    }

    /// As [`run`](Self::run), series `i` sampling from the stream of
    /// `keys[i]` (a key derived from the series' identity makes the results
    /// independent of the input order).
    ///
    /// # Panics
    /// If `keys` and `series` differ in length.
    pub fn run_keyed<S: AsRef<[f64]> + Sync>(
        &self,
        series: &[S],
        keys: &[u64],
    ) -> PermutationOutcome {
        assert_eq!(series.len(), keys.len(), "one key per series");
        let h = STOP_AFTER;
        let prepared: Vec<Option<Prepared>> = series
            .par_iter()
            .with_min_len(64)
            .map(|s| Prepared::new(s.as_ref(), self.lags))
            .collect();
        let tested = prepared.iter().filter(|p| p.is_some()).count();
        let b_max = self.max_permutations.unwrap_or_else(|| {
            let auto = (2.0 * tested as f64 / self.fdr).ceil();
            if auto.is_finite() && auto < 1e15 {
                (auto as u64).max(1000)
            } else {
                1000
            }
        });
        let mut chains: Vec<Chain> = keys
            .iter()
            .map(|&k| Chain {
                rng: stream_seed(self.seed, k),
                b: 0,
                draws: 0,
            })
            .collect();
        // Per pair, the orderings to reach in this round (0: none).
        let first = FIRST_ROUND.min(b_max);
        let mut targets: Vec<u64> = prepared
            .iter()
            .map(|p| if p.is_some() { first } else { 0 })
            .collect();
        let mut rounds = 0;
        let (mut low, mut high);
        loop {
            rounds += 1;
            chains
                .par_iter_mut()
                .zip(prepared.par_iter())
                .zip(targets.par_iter())
                .with_min_len(16)
                .for_each_init(Workspace::default, |ws, ((c, p), &target)| {
                    if let Some(p) = p {
                        c.sample(p, target, h, ws);
                    }
                });
            (low, high) = (Vec::new(), Vec::new());
            for (c, p) in chains.iter().zip(&prepared) {
                let (l, u) = if p.is_some() {
                    c.bounds(h, b_max)
                } else {
                    (f64::NAN, f64::NAN)
                };
                low.push(l);
                high.push(u);
            }
            let q_high = benjamini_hochberg(&high);
            let q_low = benjamini_hochberg(&low);
            // The largest threshold BH may end at: every pair whose
            // interval allows it rejected (a schedule only; the decisions
            // do not depend on it).
            let possible = q_low.iter().filter(|&&q| q <= self.fdr).count();
            let next = self.fdr * possible.max(1) as f64 / tested.max(1) as f64;
            let mut any = false;
            for i in 0..chains.len() {
                let undecided = prepared[i].is_some()
                    && q_high[i] > self.fdr
                    && q_low[i] <= self.fdr
                    && low[i] < high[i];
                targets[i] = if undecided {
                    any = true;
                    chains[i].next_target(next, h, b_max)
                } else {
                    0
                };
            }
            if !any {
                // Intervals close at b_max, so the loop ends.
                break;
            }
        }
        let q = benjamini_hochberg(&high);
        let pairs = (0..chains.len())
            .map(|i| PermutationP {
                p_value: high[i],
                p_low: low[i],
                q_value: q[i],
                rejected: q[i] <= self.fdr,
                permutations: chains[i].draws,
                exceedances: chains[i].b,
            })
            .collect();
        PermutationOutcome {
            pairs,
            tested,
            max_permutations: b_max,
            permutations: chains.iter().map(|c| c.draws).sum(),
            rounds,
        }
    }
}

/// The plain Monte Carlo permutation p-value `(b + 1)/(B + 1)` of the
/// Ljung–Box Q of one series at `lags`, from `permutations` orderings of
/// stream `seed` (NaN when the series cannot be tested). Exactly valid for
/// any `B`: `P(p ≤ u) ≤ u` when the values are exchangeable.
///
/// ```
/// use threatstat_acf::permutation::permutation_p_value;
/// let weekly: Vec<f64> = (0..91).map(|d| f64::from(d % 7 == 0)).collect();
/// assert_eq!(permutation_p_value(&weekly, 7, 999, 3), 1.0 / 1000.0);
/// assert!(permutation_p_value(&[1.0; 30], 7, 999, 3).is_nan());
/// ```
pub fn permutation_p_value(x: &[f64], lags: usize, permutations: u64, seed: u64) -> f64 {
    let Some(p) = Prepared::new(x, lags) else {
        return f64::NAN;
    };
    let mut c = Chain {
        rng: stream_seed(seed, 0),
        b: 0,
        draws: 0,
    };
    c.sample(&p, permutations, u64::MAX, &mut Workspace::default());
    (c.b + 1) as f64 / (permutations + 1) as f64
}

/// A pair's position in its stream and its counts so far. Ordering `j` of
/// a pair depends only on its stream and `j` (every ordering starts from
/// the same layout and takes the same number of draws), so the sequential
/// p-value is a function of the stream, whatever the rounds.
#[derive(Debug, Clone, Copy)]
struct Chain {
    rng: SplitMix64,
    b: u64,
    draws: u64,
}

impl Chain {
    /// Samples until `target` orderings or `h` exceedances.
    fn sample(&mut self, p: &Prepared, target: u64, h: u64, ws: &mut Workspace) {
        if self.draws >= target || self.b >= h {
            return;
        }
        ws.start(p);
        while self.draws < target && self.b < h {
            let t = ws.draw(p, &mut self.rng);
            self.draws += 1;
            if t >= p.bar {
                self.b += 1;
            }
        }
    }

    /// Orderings to reach next: twice as many, or fewer when that many
    /// already bring the upper end to `threshold` (if no more exceed).
    fn next_target(&self, threshold: f64, h: u64, b_max: u64) -> u64 {
        let n = self.draws;
        let needed = (h as f64 / threshold).ceil() - (h - self.b.min(h)) as f64;
        let doubled = n.saturating_mul(2).max(n + 1);
        let target = if needed.is_finite() && needed < doubled as f64 {
            (needed.max(0.0) as u64).max(n + 1)
        } else {
            doubled
        };
        target.min(b_max)
    }

    /// The interval holding the final sequential p-value.
    fn bounds(&self, h: u64, b_max: u64) -> (f64, f64) {
        let (b, n) = (self.b, self.draws);
        if b >= h {
            let p = h as f64 / n as f64;
            return (p, p);
        }
        let floor = (b + 1) as f64 / (b_max + 1) as f64;
        if n >= b_max {
            return (floor, floor);
        }
        let need = h - b;
        let high = if n + need <= b_max {
            h as f64 / (n + need) as f64
        } else {
            (b + b_max - n + 1) as f64 / (b_max + 1) as f64
        };
        (floor, high)
    }
}

/// A testable series, ready for permutation.
struct Prepared {
    lags: usize,
    kind: Kind,
    /// Orderings with `T ≥ bar` count as exceedances: the observed T less
    /// a rounding allowance, so orderings tied with it count (conservative).
    bar: f64,
}

enum Kind {
    /// The centred values `x − x̄`, permuted whole.
    Dense(Vec<f64>),
    /// Mostly zeros: the nonzero values, put on distinct random days.
    Sparse {
        n: usize,
        values: Vec<f64>,
        mean: f64,
        total: f64,
    },
}

impl Prepared {
    /// `None` when Q is undefined: `lags` 0, at most `lags` values, a
    /// non-finite value, or a constant series.
    fn new(x: &[f64], lags: usize) -> Option<Prepared> {
        let n = x.len();
        if lags == 0 || n <= lags || x.iter().any(|v| !v.is_finite()) {
            return None;
        }
        if x.iter().all(|&v| v == x[0]) {
            return None;
        }
        let total: f64 = x.iter().sum();
        let mean = total / n as f64;
        let nonzero: Vec<(usize, f64)> = x
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, &v)| (i, v))
            .collect();
        // Q = n(n + 2) T / D₀² with T = Σ_k D_k²/(n − k), D_k the lagged
        // sums of x − x̄; D₀ does not change under permutation, so T decides.
        let centred: Vec<f64> = x.iter().map(|v| v - mean).collect();
        let d0 = dot(&centred, &centred);
        let mut ws = Workspace::default();
        let (kind, t) = if nonzero.len() * 4 <= n {
            let kind = Kind::Sparse {
                n,
                values: nonzero.iter().map(|p| p.1).collect(),
                mean,
                total,
            };
            ws.start_sparse(n, lags);
            let positions: Vec<u32> = nonzero.iter().map(|p| p.0 as u32).collect();
            for &(i, v) in &nonzero {
                ws.y[i] = v;
            }
            let Kind::Sparse { values, .. } = &kind else {
                unreachable!()
            };
            let t = sparse_stat(&ws.y, &positions, values, lags, mean, total, &mut ws.p);
            (kind, t)
        } else {
            let t = dense_stat(&centred, lags);
            (Kind::Dense(centred), t)
        };
        let allowance = 1e-9 * t + 1e-12 * lags as f64 * d0 * d0 / (n - lags) as f64;
        Some(Prepared {
            lags,
            kind,
            bar: t - allowance,
        })
    }
}

/// `T = Σ_{k=1}^{lags} D_k² / (n − k)` of centred values.
fn dense_stat(c: &[f64], lags: usize) -> f64 {
    let n = c.len();
    (1..=lags)
        .map(|k| {
            let d = dot(&c[..n - k], &c[k..]);
            d * d / (n - k) as f64
        })
        .sum()
}

/// T of a mostly-zero series `y` whose nonzero `values` sit at
/// `positions`: `D_k = P_k − x̄·E_k + (n − k)x̄²` with `P_k` the lagged
/// products (from the nonzero days only) and `E_k = Σ_{t<n−k} y_t + Σ_{t≥k} y_t`.
fn sparse_stat(
    y: &[f64],
    positions: &[u32],
    values: &[f64],
    lags: usize,
    mean: f64,
    total: f64,
    p: &mut Vec<f64>,
) -> f64 {
    let n = y.len();
    p.clear();
    p.resize(lags, 0.0);
    for (&pos, &v) in positions.iter().zip(values) {
        let pos = pos as usize;
        let top = lags.min(n - 1 - pos);
        for (k, pk) in p.iter_mut().enumerate().take(top) {
            *pk += v * y[pos + k + 1];
        }
    }
    let (mut head, mut tail, mut t) = (0.0, 0.0, 0.0);
    for (k, &pk) in (1..=lags).zip(p.iter()) {
        head += y[k - 1];
        tail += y[n - k];
        let e = 2.0 * total - head - tail;
        let d = pk - mean * e + (n - k) as f64 * mean * mean;
        t += d * d / (n - k) as f64;
    }
    t
}

/// Per-thread buffers.
#[derive(Default)]
struct Workspace {
    /// The permuted series (dense) or the zero-filled day array (sparse).
    y: Vec<f64>,
    /// Day indices, partially shuffled (sparse).
    days: Vec<u32>,
    /// Lagged products (sparse).
    p: Vec<f64>,
    /// The swaps of the partial shuffle, to undo it (sparse).
    swaps: Vec<u32>,
}

impl Workspace {
    /// Sizes the buffers for `p`.
    fn start(&mut self, p: &Prepared) {
        match &p.kind {
            Kind::Dense(c) => {
                self.y.clear();
                self.y.extend_from_slice(c);
            }
            Kind::Sparse { n, .. } => self.start_sparse(*n, p.lags),
        }
    }

    fn start_sparse(&mut self, n: usize, lags: usize) {
        self.y.clear();
        self.y.resize(n, 0.0);
        self.days.clear();
        self.days.extend(0..n as u32);
        self.p.clear();
        self.p.resize(lags, 0.0);
    }

    /// T of one uniformly random ordering.
    fn draw(&mut self, p: &Prepared, rng: &mut SplitMix64) -> f64 {
        match &p.kind {
            Kind::Dense(c) => {
                // Fisher–Yates from the observed order: each ordering is a
                // function of the stream position alone.
                self.y.copy_from_slice(c);
                for i in (1..self.y.len()).rev() {
                    let j = rng.index(i + 1);
                    self.y.swap(i, j);
                }
                dense_stat(&self.y, p.lags)
            }
            Kind::Sparse {
                n,
                values,
                mean,
                total,
            } => {
                // The first k entries of a partial Fisher–Yates shuffle: k
                // distinct uniformly random days, in random order.
                let k = values.len();
                self.swaps.clear();
                for (i, &v) in values.iter().enumerate() {
                    let j = i + rng.index(n - i);
                    self.swaps.push(j as u32);
                    self.days.swap(i, j);
                    self.y[self.days[i] as usize] = v;
                }
                let t = sparse_stat(
                    &self.y,
                    &self.days[..k],
                    values,
                    p.lags,
                    *mean,
                    *total,
                    &mut self.p,
                );
                for &d in &self.days[..k] {
                    self.y[d as usize] = 0.0;
                }
                // Back to 0, 1, …, n − 1, as for every ordering.
                for (i, &j) in self.swaps.iter().enumerate().rev() {
                    self.days.swap(i, j as usize);
                }
                t
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sparse and the dense formulas give the same T.
    #[test]
    fn sparse_statistic_equals_dense() {
        let mut x = vec![0.0; 50];
        for (d, v) in [(0, 2.0), (3, 1.0), (17, 4.0), (49, 1.0), (48, 3.0)] {
            x[d] = v;
        }
        let p = Prepared::new(&x, 7).unwrap();
        assert!(matches!(p.kind, Kind::Sparse { .. }));
        let total: f64 = x.iter().sum();
        let mean = total / 50.0;
        let c: Vec<f64> = x.iter().map(|v| v - mean).collect();
        let dense = dense_stat(&c, 7);
        let positions: Vec<u32> = (0..50).filter(|&i| x[i] != 0.0).map(|i| i as u32).collect();
        let values: Vec<f64> = positions.iter().map(|&i| x[i as usize]).collect();
        let sparse = sparse_stat(&x, &positions, &values, 7, mean, total, &mut Vec::new());
        assert!((sparse - dense).abs() < 1e-12 * dense, "{sparse} {dense}");
        assert!(p.bar < sparse && p.bar > sparse * (1.0 - 1e-6));
    }

    #[test]
    fn bounds_hold_the_final_p_value() {
        let c = |b, draws| Chain {
            rng: SplitMix64(0),
            b,
            draws,
        };
        assert_eq!(c(10, 40).bounds(10, 1000), (0.25, 0.25));
        assert_eq!(c(3, 1000).bounds(10, 1000), (4.0 / 1001.0, 4.0 / 1001.0));
        assert_eq!(c(0, 32).bounds(10, 1000), (1.0 / 1001.0, 10.0 / 42.0));
        // Two orderings left, both exceed: (3 + 2 + 1)/1001.
        assert_eq!(c(3, 998).bounds(10, 1000), (4.0 / 1001.0, 6.0 / 1001.0));
    }

    /// The module docs' promise: the rounds stop early, yet the flags are
    /// exactly those of BH on the fully sampled sequential p-values.
    #[test]
    fn flags_equal_bh_on_fully_sampled_p_values() {
        let mut state = 99u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        // Sparse noise, and weak to strong weekly patterns: clear and
        // borderline decisions both.
        let series: Vec<Vec<f64>> = (0..60)
            .map(|i| {
                let strength = if i % 3 == 0 {
                    (i % 12) as f64 / 12.0
                } else {
                    0.0
                };
                (0..70)
                    .map(|d| {
                        let rate = 0.2 + strength * f64::from(d % 7 == 0);
                        f64::from(next() < rate) + f64::from(next() < rate / 2.0)
                    })
                    .collect()
            })
            .collect();
        let keys: Vec<u64> = (0..60).collect();
        let (b_max, fdr) = (2000, 0.1);
        let out = PermutationBh::new(7, fdr)
            .max_permutations(b_max)
            .run_keyed(&series, &keys);
        let full: Vec<f64> = series
            .iter()
            .zip(&keys)
            .map(|(x, &k)| match Prepared::new(x, 7) {
                Some(p) => {
                    let mut c = Chain {
                        rng: stream_seed(DEFAULT_SEED, k),
                        b: 0,
                        draws: 0,
                    };
                    c.sample(&p, b_max, STOP_AFTER, &mut Workspace::default());
                    let (l, u) = c.bounds(STOP_AFTER, b_max);
                    assert_eq!(l, u);
                    u
                }
                None => f64::NAN,
            })
            .collect();
        let q = benjamini_hochberg(&full);
        let want: Vec<bool> = q.iter().map(|&q| q <= fdr).collect();
        let got: Vec<bool> = out.pairs.iter().map(|p| p.rejected).collect();
        assert_eq!(got, want);
        let flagged = want.iter().filter(|&&r| r).count();
        assert!(flagged > 0 && flagged < 60, "{flagged}");
        // Sampling did stop early for some pairs.
        assert!(out.pairs.iter().any(|p| p.p_low < p.p_value));
    }

    #[test]
    fn untestable_series_are_nan() {
        let out = PermutationBh::new(7, 0.05).run(&[vec![1.0; 20], vec![1.0, 2.0], vec![]]);
        assert_eq!(out.tested, 0);
        assert!(out.pairs.iter().all(|p| p.p_value.is_nan() && !p.rejected));
    }
}
