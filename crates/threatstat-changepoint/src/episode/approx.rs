//! The bounded-error approximation of the episode posterior
//! ([`super::EpisodeParams::approximate`]).
//!
//! # Why it works
//!
//! Write `S` and `E` for the count and the exposure inside `[a, b)` (the
//! outside ones are the totals minus these). The log marginal likelihood of
//! the interval, with or without a direction, is a function `L(S, E)`:
//!
//! ```text
//! L(S, E) = ln ∫∫_D exp(S·(ln λ1 − ln λ0) + E·(λ0 − λ1)) dμ(λ0, λ1)
//! ```
//!
//! with `μ` the prior times the parts of the likelihood that depend on the
//! totals only, and `D` the whole quadrant (`Any`), `λ1 > λ0` (`Up`) or
//! `λ1 < λ0` (`Down`). As the log of a Laplace transform, `L` is jointly
//! convex in `(S, E)` extended to real values (Hölder's inequality); for
//! `Any` it is `ln Γ(S+1) − (S+1) ln(E+α) + (the same outside)`, whose
//! Hessian determinant is `∝ xψ'(x) − 1 > 0`. Over a block of intervals,
//! starts `a0..=a1` and ends `b0..=b1`, the points `(S, E)` lie in a small
//! region that follows from prefix sums:
//!
//! * `E` in `[e(b0) − e(a1), e(b1) − e(a0)]`,
//! * `S` in `[s(b0) − s(a1), s(b1) − s(a0)]`,
//! * `U = S − r̂E` in `[min u(b) − max u(a), max u(b) − min u(a)]`, with
//!   `u(k) = s(k) − r̂ e(k)` (`r̂` the overall rate) and its range over any
//!   run of days from a sparse table in O(1). Counts and exposures move
//!   together, so this slanted strip is much thinner than the box.
//!
//! Cutting the `E` range into `m` slices covers the region with `m` boxes
//! whose corners have whole-number `S` (where `L` can be evaluated exactly,
//! also with a direction). Then:
//!
//! * **upper bound** — a convex function's maximum over a box is at a
//!   corner, so `max L <= max over the corners`; blocks whose
//!   `bound × size` is negligible are pruned as in
//!   [`super::EpisodeParams::tolerance`];
//! * **linear model** — with `c` the block's middle interval and `ĝ` an
//!   estimate of `∇L(c)` (exact by the digamma function for `Any`; the middle
//!   of the interval given by forward and backward differences, which bracket
//!   the derivative of a convex function, for `Up`/`Down`), the remainder
//!   `R(p) = L(p) − L(c) − ĝ·(p − c)` is convex, so `R <= max over the
//!   corners`, and `R >= −Σ_i |g_i − ĝ_i| · max |p_i − c_i|` by the
//!   supporting plane at `c`.
//!
//! A block whose remainder spans `w_B = max R − min R` is summed with each
//! interval weighted `exp(L(c) + ĝ·(p − c) + (max R + min R)/2)`, within a
//! factor `e^{±h_B}`, `h_B = w_B / 2`, of its true weight. Because the
//! linear model is a difference `φ(b) − φ(a)` with `φ(k) = ĝ_S s(k) + ĝ_E
//! e(k)`, the block's total `Ẑ_B` and its start, end and inside marginals
//! are sums over `a` and over `b`: `O(side)` work for `side²` intervals. Its
//! error is at most `A_B = Ẑ_B (e^{h_B} − 1)`.
//!
//! # The bound
//!
//! With `Z` the exact total weight, `Ẑ` the computed one, `A = Σ A_B` over
//! the approximated blocks and `P` the sum of the pruned blocks' bounds
//! (plus the per-interval weights below `e^-50` of the largest that the
//! exact rows drop): every interval's weight is off by at most `A_B`-shares
//! or, if pruned, by its bound, so `Σ |w − ŵ| <= A + P`, `|Ẑ − Z| <= A + P`
//! and `Z >= Ẑ − A`. Then the total variation between the exact and the
//! computed posterior of `(a, b)` is
//! `½ Σ |w/Z − ŵ/Ẑ| <= ½ (Σ |w − ŵ| + |Z − Ẑ|) / Z <= (A + P) / (Ẑ − A)`,
//! and the relative error `|Ẑ/Z − 1|` of the marginal likelihood is below
//! the same. [`super::EpisodePosterior::error_bound`] reports
//! `(A + P) / (Ẑ − A)`; the start, end and inside probabilities are
//! functions of `(a, b)`, so their total-variation errors are at most this
//! too.
//!
//! # Choosing blocks
//!
//! The budget is a share of a lower bound `Z_low` of `Z`, found by a first,
//! coarse pass (blocks within `e^{±1/4}` per interval): `Z >= Ẑ₁ − Σ_B
//! Ẑ_B (1 − e^{−h_B})`. In the second pass a block is pruned when its
//! largest weight is below `0.2 β Z_low / N`, and approximated when `A_B <=
//! 0.8 β Z_low · size / N` (N intervals, `β = ε / (1 + 2ε)`); otherwise it
//! is split in four, or, when narrower than 6 days on both sides,
//! evaluated exactly. Then `A + P <= β Z <= β (Ẑ + A + P)`, which makes
//! `(A + P) / (Ẑ − A) <= β / (1 − 2β) = ε`.
//!
//! # Cost
//!
//! Over a block of side `k` at interval length `ℓ` the remainder is about
//! `ΔU² / S ∝ k / ℓ` (counts fluctuate like a random walk), so a block can
//! be summed once `k ≲ ε ℓ`: about `n log n / ε` work on a diffuse
//! posterior once `n ≫ 1/ε`, dominated by the band of short intervals
//! (`ℓ ≲ 1/ε`) that is evaluated exactly, and much less on a concentrated
//! one, where most blocks are pruned or carry little mass. Measured work
//! (intervals evaluated plus blocks, per day) at ε = 0.01, rate 2/day, no
//! change: 986 at 2,000 days, 2,579 at 10,000, 5,018 at 50,000 (the exact
//! computation: n/2 per day); with a clear episode: 2.8, 0.8 and 0.2. The
//! linear model cannot capture the `ΔU²` curvature, which is real
//! variation of the weights; that is what keeps the constant at `1/ε`.

use super::{Acc, Model, NEGLIGIBLE, RowBuf};
use crate::Direction;
use crate::numerics::{ln_segment, log_add};

/// Blocks narrower than this on both sides are evaluated exactly.
const LEAF: usize = 6;

/// A block's total is only computed when its error bound would be within
/// the budget with an average weight `e^-HOPE` of the largest.
const HOPE: f64 = 3.0;

/// Most slices of a block's exposure range.
const MAX_SLICES: usize = 16;

/// What the approximation reports to the posterior.
pub(super) struct Outcome {
    /// `ln P`: the pruned blocks' bounds and the dropped tails.
    pub ln_skipped: f64,
    /// `ln A`: the sum over approximated blocks of their total times
    /// `e^{h_B} − 1`, `h_B` the block's half-width.
    pub ln_approx: f64,
    /// Number of accepted (approximated) blocks.
    pub blocks: u64,
}

impl Outcome {
    /// The bound `(A + P) / (Ẑ − A)` given `ln Ẑ`.
    pub fn bound(&self, ln_z: f64) -> f64 {
        let a = (self.ln_approx - ln_z).exp();
        let p = (self.ln_skipped - ln_z).exp();
        if a >= 1.0 {
            1.0
        } else {
            ((a + p) / (1.0 - a)).min(1.0)
        }
    }
}

/// When a block is pruned or accepted.
struct Rule {
    /// Prune when the largest log weight is below this.
    ln_prune: f64,
    /// Accept when the block's `total · (e^{h_B} − 1)` is below this per
    /// interval.
    ln_accept: f64,
}

/// Range minimum and maximum of a sequence in O(1) per query.
struct MinMax {
    levels: Vec<Vec<(f64, f64)>>,
}

impl MinMax {
    fn new(v: &[f64]) -> Self {
        let len = v.len();
        let mut levels = vec![v.iter().map(|&x| (x, x)).collect::<Vec<_>>()];
        let mut w = 1;
        while 2 * w <= len {
            let prev = &levels[levels.len() - 1];
            let next = (0..=len - 2 * w)
                .map(|i| (prev[i].0.min(prev[i + w].0), prev[i].1.max(prev[i + w].1)))
                .collect();
            levels.push(next);
            w *= 2;
        }
        MinMax { levels }
    }

    /// `(min, max)` of `v[l..=r]`.
    fn query(&self, l: usize, r: usize) -> (f64, f64) {
        let k = (usize::BITS - 1 - (r - l + 1).leading_zeros()) as usize;
        let (x, y) = (self.levels[k][l], self.levels[k][r + 1 - (1 << k)]);
        (x.0.min(y.0), x.1.max(y.1))
    }
}

/// `ψ(x)`, the digamma function, for `x > 0`: the recurrence up to 16, then
/// the asymptotic series (absolute error below 1e-14).
fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 16.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + x.ln()
        - 0.5 / x
        - x2 * (1.0 / 12.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0))))
}

/// A block of intervals: starts `a0..=a1`, exclusive ends `b0..=b1`.
#[derive(Clone, Copy)]
struct Block {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
}

/// Splits a block in four (in two when one side is narrower than
/// [`LEAF`]).
fn push_quarters(stack: &mut Vec<Block>, blk: Block) {
    let split = |lo: usize, hi: usize| {
        if hi - lo < LEAF {
            [(lo, hi), (1, 0)]
        } else {
            let mid = (lo + hi) / 2;
            [(lo, mid), (mid + 1, hi)]
        }
    };
    for (a0, a1) in split(blk.a0, blk.a1) {
        for (b0, b1) in split(blk.b0, blk.b1) {
            if a0 <= a1 && b0 <= b1 {
                stack.push(Block { a0, a1, b0, b1 });
            }
        }
    }
}

impl Block {
    /// Every start and end of `n` days.
    fn all(n: usize) -> Self {
        Block {
            a0: 0,
            a1: n - 1,
            b0: 1,
            b1: n,
        }
    }
}

/// An accepted block's linear model in log space.
struct Linear {
    /// Middle interval.
    am: usize,
    bm: usize,
    /// `ln` weight of the middle interval and its conditional rate means.
    l_mid: f64,
    m0: f64,
    m1: f64,
    /// `ĝ`, the slope in `S` and in `E`.
    g_s: f64,
    g_e: f64,
    /// Added to every interval's linear prediction (middle of the remainder).
    offset: f64,
}

/// Scratch space reused across blocks.
#[derive(Default)]
struct Scratch {
    wa: Vec<f64>,
    wb: Vec<f64>,
    la: f64,
    lb: f64,
    rows: RowBuf,
}

impl Model<'_> {
    /// `L(S, E)`: the log weight (marginal likelihood with the direction
    /// factor, without the common term) of any interval with inside count
    /// `s` and inside exposure `e`.
    #[inline]
    fn ln_weight(&self, s: u64, e: f64) -> f64 {
        let (total, e_n, al) = (
            self.prefix.total(),
            self.prefix.exp_to(self.n()),
            self.alpha,
        );
        let (s_out, e_out) = (total - s, e_n - e);
        ln_segment(s, e, al, self.ln_alpha)
            + ln_segment(s_out, e_out, al, self.ln_alpha)
            + self
                .direction
                .ln_factor(s_out + 1, e_out + al, s + 1, e + al)
    }

    /// A cheap upper bound of `L` over a box of `(S, E)`: the unrestricted
    /// part is convex (largest at a corner) and the direction factor is at
    /// most `ln 2`.
    fn box_bound(&self, s_lo: u64, s_hi: u64, e_lo: f64, e_hi: f64) -> f64 {
        let (total, e_n, al) = (
            self.prefix.total(),
            self.prefix.exp_to(self.n()),
            self.alpha,
        );
        let any = |s: u64, e: f64| {
            ln_segment(s, e, al, self.ln_alpha) + ln_segment(total - s, e_n - e, al, self.ln_alpha)
        };
        let m = any(s_lo, e_lo)
            .max(any(s_hi, e_lo))
            .max(any(s_lo, e_hi))
            .max(any(s_hi, e_hi));
        match self.direction {
            Direction::Any => m,
            _ => m + std::f64::consts::LN_2,
        }
    }

    /// Whether every pair of the block is an allowed interval.
    fn is_full(&self, b: Block) -> bool {
        b.b0 >= b.a1 + self.min_len
            && b.b1 <= b.a0 + self.max_len
            && !(b.a0 == 0 && b.b1 == self.n())
    }

    /// Number of allowed intervals in the block.
    fn count(&self, b: Block) -> usize {
        if self.is_full(b) {
            return (b.a1 - b.a0 + 1) * (b.b1 - b.b0 + 1);
        }
        (b.a0..=b.a1)
            .map(|a| {
                let (lo, hi) = self.b_range(a);
                (hi.min(b.b1) + 1).saturating_sub(lo.max(b.b0))
            })
            .sum()
    }

    /// The box of `(S, E)` over the block: `(s_lo, s_hi, e_lo, e_hi)`.
    fn block_box(&self, b: Block) -> (u64, u64, f64, f64) {
        let p = self.prefix;
        (
            p.s[b.b0].saturating_sub(p.s[b.a1]),
            p.s[b.b1] - p.s[b.a0],
            (p.exp_to(b.b0) - p.exp_to(b.a1)).max(0.0),
            p.exp_to(b.b1) - p.exp_to(b.a0),
        )
    }

    /// The bounded-error approximation (see the module documentation).
    pub(super) fn approximate(&self, eps: f64, n_intervals: u64, acc: &mut Acc) -> Outcome {
        let n = self.n();
        let p = self.prefix;
        let ln_n = (n_intervals as f64).ln();
        // A + P <= β Z_low keeps (A + P) / (Ẑ − A) <= β / (1 − 2β) = ε.
        // A gets 4/5 of the budget, P (cheap: weights fall off fast) 1/5.
        let ln_beta = (eps / (1.0 + 2.0 * eps)).ln();
        let (ln_beta_a, ln_beta_p) = (ln_beta + 0.8f64.ln(), ln_beta + 0.2f64.ln());
        let m_low = self.grid_max();
        let rate = p.total() as f64 / p.exp_to(n);
        let u: Vec<f64> = (0..=n)
            .map(|k| p.s[k] as f64 - rate * p.exp_to(k))
            .collect();
        let table = MinMax::new(&u);
        // Pass 1, coarse, for a lower bound of Z.
        let ln_z_low = self.lower_bound(&table, rate, m_low, ln_n).max(m_low);
        // Pass 2: A may reach 0.8 β Z_low and P 0.2 β Z_low, so much per
        // interval divided by N.
        acc.rescale(m_low);
        let rule = Rule {
            ln_prune: ln_z_low + ln_beta_p - ln_n,
            ln_accept: ln_z_low + ln_beta_a - ln_n,
        };
        let mut out = self.blocks(&rule, &table, rate, acc);
        // The exact rows drop weights below e^-50 of the largest.
        let dropped = acc.best.0 - NEGLIGIBLE + std::f64::consts::LN_2 + ln_n;
        out.ln_skipped = log_add(out.ln_skipped, dropped);
        out
    }

    /// `ln` of a lower bound of `Z` (any part of it is one): blocks are
    /// split until their remainder spans at most 1/2 (or they are small)
    /// and then counted with their smallest possible weights, `Ẑ_B e^{−h_B}`,
    /// or evaluated exactly when they cross the edge of the allowed
    /// intervals; blocks below 1% of the grid maximum in all are dropped.
    fn lower_bound(&self, table: &MinMax, rate: f64, m_low: f64, ln_n: f64) -> f64 {
        let n = self.n();
        let ln_drop = m_low + 0.01f64.ln() - ln_n;
        let mut total = f64::NEG_INFINITY;
        let mut scratch = Scratch::default();
        let mut stack = vec![Block::all(n)];
        while let Some(blk) = stack.pop() {
            let (s_lo, s_hi, e_lo, e_hi) = self.block_box(blk);
            let ub = self.box_bound(s_lo, s_hi, e_lo, e_hi);
            if ub < ln_drop || self.count(blk) == 0 {
                continue;
            }
            let small = blk.a1 - blk.a0 < LEAF && blk.b1 - blk.b0 < LEAF;
            if !small
                && self.is_full(blk)
                && let (Some((lin, width)), _) = self.linear_model(blk, table, rate)
                && width <= 0.5
            {
                total = log_add(
                    total,
                    self.block_sums(blk, &lin, &mut scratch) - 0.5 * width,
                );
                continue;
            }
            if small {
                // The direction factor at its smallest over the box (it
                // grows with S for Up, with E for Down): one incomplete beta
                // function for the block.
                let (total_s, e_n, al) = (self.prefix.total(), self.prefix.exp_to(n), self.alpha);
                let (s, e) = match self.direction {
                    Direction::Down => (s_hi, e_lo),
                    _ => (s_lo, e_hi),
                };
                let d_min = self
                    .direction
                    .ln_factor(total_s - s + 1, e_n - e + al, s + 1, e + al);
                for a in blk.a0..=blk.a1 {
                    let (lo, hi) = self.b_range(a);
                    for b in lo.max(blk.b0)..=hi.min(blk.b1) {
                        total = log_add(total, self.ln_any(a, b) + d_min);
                    }
                }
                continue;
            }
            push_quarters(&mut stack, blk);
        }
        total
    }

    /// One pass over the blocks with the given rule.
    fn blocks(&self, rule: &Rule, table: &MinMax, rate: f64, acc: &mut Acc) -> Outcome {
        let n = self.n();
        let mut out = Outcome {
            ln_skipped: f64::NEG_INFINITY,
            ln_approx: f64::NEG_INFINITY,
            blocks: 0,
        };
        let mut scratch = Scratch::default();
        let mut stack = vec![Block::all(n)];
        while let Some(blk) = stack.pop() {
            let count = self.count(blk);
            if count == 0 {
                continue;
            }
            let (s_lo, s_hi, e_lo, e_hi) = self.block_box(blk);
            let mut ub = self.box_bound(s_lo, s_hi, e_lo, e_hi);
            let small = blk.a1 - blk.a0 < LEAF && blk.b1 - blk.b0 < LEAF;
            if ub >= rule.ln_prune
                && !small
                && self.is_full(blk)
                && self.hopeful(blk, table, ub, rule.ln_accept)
            {
                let (fit, refined) = self.linear_model(blk, table, rate);
                ub = ub.min(refined);
                if let Some((lin, width)) = fit
                    && ub >= rule.ln_prune
                {
                    let h = 0.5 * width;
                    // A_B <= count · e^{ub + h} (e^h − 1) without the sums.
                    let cheap = ub + h + h.exp_m1().ln() <= rule.ln_accept;
                    // The sums cost O(side): skip them unless the block's
                    // average weight could be far enough below its largest.
                    let hopeful = ub + h.exp_m1().ln() - HOPE <= rule.ln_accept;
                    if cheap || hopeful {
                        let ln_mass = self.block_sums(blk, &lin, &mut scratch);
                        let ln_err = ln_mass + h.exp_m1().ln();
                        if cheap || ln_err <= rule.ln_accept + (count as f64).ln() {
                            self.add_block(blk, &lin, ln_mass, acc, &scratch);
                            out.ln_approx = log_add(out.ln_approx, ln_err);
                            out.blocks += 1;
                            continue;
                        }
                    }
                }
            }
            if ub < rule.ln_prune {
                out.ln_skipped = log_add(out.ln_skipped, ub + (count as f64).ln());
                continue;
            }
            if small {
                for a in blk.a0..=blk.a1 {
                    let (lo, hi) = self.b_range(a);
                    self.row(a, lo.max(blk.b0), hi.min(blk.b1), &mut scratch.rows, acc);
                }
                continue;
            }
            push_quarters(&mut stack, blk);
        }
        out
    }

    /// Whether a block could be accepted: a quick estimate of its width
    /// from the spread of `U` alone (the remainder is about `ΔU² / 8S` at
    /// the corners), which decides only whether to try.
    fn hopeful(&self, blk: Block, table: &MinMax, ub: f64, ln_accept: f64) -> bool {
        let (ua_lo, ua_hi) = table.query(blk.a0, blk.a1);
        let (ub_lo, ub_hi) = table.query(blk.b0, blk.b1);
        let du = (ub_hi - ua_lo) - (ub_lo - ua_hi);
        let p = self.prefix;
        let s_hi = (p.s[blk.b1] - p.s[blk.a0]) as f64;
        let s_out_hi = (p.total() - (p.s[blk.b0] - p.s[blk.a1])) as f64;
        let est = du * du / 4.0 * (1.0 / (s_hi + 1.0) + 1.0 / (s_out_hi + 1.0));
        ub + (0.5 * est).exp_m1().ln() - HOPE <= ln_accept
    }

    /// The linear model of a full block and the width of its remainder
    /// (none when the slope cannot be bracketed); and an upper bound of the
    /// block's log weights.
    fn linear_model(&self, blk: Block, table: &MinMax, rate: f64) -> (Option<(Linear, f64)>, f64) {
        let p = self.prefix;
        let (s_lo, s_hi, e_lo, e_hi) = self.block_box(blk);
        let (ua_lo, ua_hi) = table.query(blk.a0, blk.a1);
        let (ub_lo, ub_hi) = table.query(blk.b0, blk.b1);
        let (u_lo, u_hi) = (ub_lo - ua_hi, ub_hi - ua_lo);
        let de = e_hi - e_lo;
        // Each corner costs an incomplete beta function with a direction.
        let max_slices = if self.direction == Direction::Any {
            MAX_SLICES
        } else {
            MAX_SLICES / 4
        };
        let slices = ((rate * de) / (u_hi - u_lo).max(1.0))
            .ceil()
            .clamp(1.0, max_slices as f64) as usize;
        // Corners of the slice boxes, whole-number counts within the box.
        let mut corners = Vec::with_capacity(4 * slices);
        for j in 0..slices {
            let e0 = e_lo + de * j as f64 / slices as f64;
            let e1 = if j + 1 == slices {
                e_hi
            } else {
                e_lo + de * (j + 1) as f64 / slices as f64
            };
            let clamp = |x: f64| (x.max(s_lo as f64).min(s_hi as f64)) as u64;
            let sa = clamp((u_lo + rate * e0 - 1e-7).floor());
            let sb = clamp((u_hi + rate * e1 + 1e-7).ceil());
            corners.extend([(sa, e0), (sb, e0), (sa, e1), (sb, e1)]);
        }
        let values: Vec<f64> = corners.iter().map(|&(s, e)| self.ln_weight(s, e)).collect();
        let ub = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        // The middle interval and the slope there.
        let (am, bm) = ((blk.a0 + blk.a1) / 2, (blk.b0 + blk.b1) / 2);
        let (sc, ec) = p.seg(am, bm);
        let l_mid = self.ln_weight(sc, ec);
        let (total, e_n, al) = (p.total(), p.exp_to(self.n()), self.alpha);
        let (a0, b0, a1, b1) = self.posteriors(am, bm);
        let (_, m0, m1) = self.direction.factor_and_means(a0, b0, a1, b1);
        let (g_s, g_e, hw_s, hw_e) = if self.direction == Direction::Any {
            (
                digamma((sc + 1) as f64) - (ec + al).ln() - digamma((total - sc + 1) as f64)
                    + (e_n - ec + al).ln(),
                m0 - m1,
                1e-13,
                1e-13,
            )
        } else {
            // One-sided differences bracket the derivative of a convex
            // function.
            if sc == 0 || sc == total {
                return (None, ub);
            }
            let h = (e_n / self.n() as f64)
                .min(0.5 * (ec + al))
                .min(0.5 * (e_n - ec + al));
            let s_fwd = self.ln_weight(sc + 1, ec) - l_mid;
            let s_bwd = l_mid - self.ln_weight(sc - 1, ec);
            let e_fwd = (self.ln_weight(sc, ec + h) - l_mid) / h;
            let e_bwd = (l_mid - self.ln_weight(sc, ec - h)) / h;
            let (s_bwd, e_bwd) = (s_bwd.min(s_fwd), e_bwd.min(e_fwd));
            (
                0.5 * (s_fwd + s_bwd),
                0.5 * (e_fwd + e_bwd),
                0.5 * (s_fwd - s_bwd),
                0.5 * (e_fwd - e_bwd),
            )
        };
        let r_max = corners
            .iter()
            .zip(&values)
            .map(|(&(s, e), &v)| v - l_mid - g_s * (s as f64 - sc as f64) - g_e * (e - ec))
            .fold(f64::NEG_INFINITY, f64::max);
        let ds = (sc - s_lo).max(s_hi - sc) as f64;
        let de_max = (ec - e_lo).max(e_hi - ec);
        let r_min = -(hw_s * ds + hw_e * de_max);
        // Rounding of the differences of large log weights.
        let slack =
            1e-12 * (1.0 + l_mid.abs() + values.iter().map(|v| v.abs()).fold(0.0, f64::max));
        let width = r_max - r_min + slack;
        if !width.is_finite() {
            return (None, ub);
        }
        let lin = Linear {
            am,
            bm,
            l_mid,
            m0,
            m1,
            g_s,
            g_e,
            offset: 0.5 * (r_max + r_min),
        };
        (Some((lin, width)), ub)
    }

    /// Fills the start and end terms of a block's linear model and returns
    /// `ln` of its total: every interval `(a, b)` has the weight
    /// `exp(l_mid + offset + φ(b) − φ(a))`.
    fn block_sums(&self, blk: Block, lin: &Linear, scratch: &mut Scratch) -> f64 {
        let p = self.prefix;
        let phi = |k: usize, m: usize| {
            lin.g_s * (p.s[k] as f64 - p.s[m] as f64) + lin.g_e * (p.exp_to(k) - p.exp_to(m))
        };
        scratch.wa.clear();
        scratch
            .wa
            .extend((blk.a0..=blk.a1).map(|a| -phi(a, lin.am)));
        scratch.wb.clear();
        scratch.wb.extend((blk.b0..=blk.b1).map(|b| phi(b, lin.bm)));
        scratch.la = crate::numerics::log_sum_exp(&scratch.wa);
        scratch.lb = crate::numerics::log_sum_exp(&scratch.wb);
        lin.l_mid + lin.offset + scratch.la + scratch.lb
    }

    /// Adds an accepted block (after [`Self::block_sums`]).
    fn add_block(&self, blk: Block, lin: &Linear, mass: f64, acc: &mut Acc, scratch: &Scratch) {
        let (la, lb) = (scratch.la, scratch.lb);
        if mass > acc.scale {
            acc.rescale(mass);
        }
        let k = lin.l_mid + lin.offset - acc.scale;
        for (i, &w) in scratch.wa.iter().enumerate() {
            let a = blk.a0 + i;
            let v = (k + w + lb).exp();
            acc.start[a] += v;
            acc.d_in[a] += v;
            acc.d_rate_in[a] += lin.m1 * v;
            acc.d_rate_out[a] += lin.m0 * v;
        }
        for (j, &w) in scratch.wb.iter().enumerate() {
            let b = blk.b0 + j;
            let v = (k + w + la).exp();
            acc.end[b] += v;
            acc.d_in[b] -= v;
            acc.d_rate_in[b] -= lin.m1 * v;
            acc.d_rate_out[b] -= lin.m0 * v;
        }
        let z = (mass - acc.scale).exp();
        acc.z += z;
        acc.mean_0 += lin.m0 * z;
        acc.mean_1 += lin.m1 * z;
        if lin.l_mid > acc.best.0 {
            acc.best = (lin.l_mid, lin.am, lin.bm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_min_max_matches_a_scan() {
        let v: Vec<f64> = (0..37).map(|i| ((i * 7919) % 23) as f64 - 11.0).collect();
        let t = MinMax::new(&v);
        for l in 0..v.len() {
            for r in l..v.len() {
                let s = &v[l..=r];
                let want = (
                    s.iter().copied().fold(f64::INFINITY, f64::min),
                    s.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
                assert_eq!(t.query(l, r), want, "{l} {r}");
            }
        }
    }

    #[test]
    fn digamma_matches_harmonic_numbers() {
        let euler = 0.577_215_664_901_532_9;
        let mut h = 0.0;
        for k in 1..200u32 {
            let want = h - euler;
            assert!((digamma(f64::from(k)) - want).abs() < 1e-13, "{k}");
            h += 1.0 / f64::from(k);
        }
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
    }
}
