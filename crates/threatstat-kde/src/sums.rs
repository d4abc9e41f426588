//! The exact kernel sums `S(q) = Σⱼ w'ⱼ exp(−|q − zⱼ|²/2)` over whitened
//! data, the hot path of [`GaussianKde`](crate::GaussianKde).
//!
//! * Coordinates are stored whitened and scaled by `√(log₂e / 2)`, so a term
//!   is `2^(−|Δ|²)`: ~d flops for the distance and one branch-free, vectorised
//!   `exp2` ([`exp2_neg`]) per pair, as plain loops over blocks of 64 terms
//!   that the compiler vectorises at the target's full width, in parallel
//!   over queries. Each query's sum has a fixed order, so results do not depend on
//!   the number of threads.
//! * The data are stored in the leaf order of a k-d tree (median splits of
//!   the widest coordinate, leaves of at most 64 points), with each leaf's
//!   bounding box. For a query, the leaf whose box is nearest gives the
//!   largest term it holds as a lower bound `B` of the sum; leaves whose box
//!   is so far that all their terms together, even counting every data
//!   point, stay below `1e-20 · B` are skipped. The skipped terms cannot
//!   change a double-precision result, so the sums stay exact while
//!   far-apart pairs cost nothing (most pairs, in the tails and in d > 1).
//! * `exp2_neg` clamps terms below 2^-1021 to about 2^-1021 (no branch):
//!   negligible next to any sum above 1e-250 (n · 4.5e-308 / 1e-250). Sums
//!   below 1e-250 are recomputed by the callers with `f64::exp` over all
//!   points (subnormal results included, as SciPy's).

use crate::numeric::{LANES, exp2_neg};
use rayon::prelude::*;

/// Whitened coordinates are stored times this factor, `√(log₂e / 2)`, so
/// that `exp(−|Δz|²/2) = 2^(−|Δz'|²)`.
pub(crate) const BASE2_SCALE: f64 = 0.849_321_800_288_019_1;
/// Relative size below which skipped terms cannot matter.
const NEGLIGIBLE_LOG2: f64 = 66.438_561_897_747_25; // log2(1e20)
/// Largest leaf of the k-d ordering.
const LEAF: usize = 64;
/// Queries per parallel task.
const QCHUNK: usize = 8;

/// Sorted, whitened, scaled data and their weights.
#[derive(Debug, Clone)]
pub(crate) struct KernelSums {
    d: usize,
    n: usize,
    /// Column-major, in k-d leaf order: `cols[k * n + j]`.
    cols: Vec<f64>,
    /// Leaf `l` holds positions `leaf_start[l]..leaf_start[l + 1]`.
    leaf_start: Vec<usize>,
    /// Bounding boxes, `box_lo[k * leaves + l]`, `box_hi[...]`.
    box_lo: Vec<f64>,
    box_hi: Vec<f64>,
    /// Normalised weights in sorted order (`None`: unweighted, w' = 1).
    weights: Option<Vec<f64>>,
    /// `log2(Σ w')`.
    log2_w_total: f64,
    /// `rank[i]`: sorted position of data point i.
    rank: Vec<usize>,
}

impl KernelSums {
    /// `rows`: n×d row-major scaled coordinates; `weights`: normalised, or
    /// `None` for equal weights.
    pub(crate) fn new(d: usize, rows: &[f64], weights: Option<&[f64]>) -> Self {
        let n = rows.len() / d;
        let mut order: Vec<usize> = (0..n).collect();
        let mut leaf_start = Vec::new();
        kd_order(rows, d, &mut order, 0, &mut leaf_start);
        leaf_start.push(n);
        let mut rank = vec![0usize; n];
        for (pos, &i) in order.iter().enumerate() {
            rank[i] = pos;
        }
        let mut cols = vec![0.0f64; n * d];
        for (pos, &i) in order.iter().enumerate() {
            for k in 0..d {
                cols[k * n + pos] = rows[i * d + k];
            }
        }
        let leaves = leaf_start.len() - 1;
        let mut box_lo = vec![f64::INFINITY; d * leaves];
        let mut box_hi = vec![f64::NEG_INFINITY; d * leaves];
        for l in 0..leaves {
            for k in 0..d {
                for &v in &cols[k * n + leaf_start[l]..k * n + leaf_start[l + 1]] {
                    box_lo[k * leaves + l] = box_lo[k * leaves + l].min(v);
                    box_hi[k * leaves + l] = box_hi[k * leaves + l].max(v);
                }
            }
        }
        let sorted_w = weights.map(|w| order.iter().map(|&i| w[i]).collect::<Vec<f64>>());
        let log2_w_total = match &sorted_w {
            None => (n as f64).log2(),
            Some(w) => w.iter().sum::<f64>().log2(),
        };
        KernelSums {
            d,
            n,
            cols,
            leaf_start,
            box_lo,
            box_hi,
            weights: sorted_w,
            log2_w_total,
            rank,
        }
    }

    /// Position of data point `i` in the k-d order.
    pub(crate) fn rank(&self, i: usize) -> usize {
        self.rank[i]
    }

    /// Exact leave-one-out raw sums of data points `idx` (original order).
    pub(crate) fn loo_sums_of(&self, idx: &[usize]) -> Vec<f64> {
        let queries: Vec<f64> = idx.iter().flat_map(|&i| self.data_point(i)).collect();
        let mut out = vec![0.0f64; idx.len()];
        let d = self.d;
        out.par_chunks_mut(QCHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let mut lb = Vec::new();
                for (o, v) in chunk.iter_mut().enumerate() {
                    let k = c * QCHUNK + o;
                    let q = &queries[k * d..(k + 1) * d];
                    let exclude = Some(self.rank[idx[k]]);
                    *v = match (d, self.weights.is_some()) {
                        (1, false) => self.query::<1, false>(q, exclude, &mut lb),
                        (1, true) => self.query::<1, true>(q, exclude, &mut lb),
                        (2, false) => self.query::<2, false>(q, exclude, &mut lb),
                        (2, true) => self.query::<2, true>(q, exclude, &mut lb),
                        (_, false) => self.query_dyn::<false>(q, exclude, &mut lb),
                        (_, true) => self.query_dyn::<true>(q, exclude, &mut lb),
                    };
                }
            });
        out
    }

    /// The dimension.
    pub(crate) fn dim(&self) -> usize {
        self.d
    }

    /// The number of data points.
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// The normalised weight of data point `i` (original order); 1 unweighted.
    pub(crate) fn weight_of(&self, i: usize) -> f64 {
        self.w(self.rank[i])
    }

    /// Point `i` (original order) in scaled coordinates.
    pub(crate) fn data_point(&self, i: usize) -> Vec<f64> {
        let pos = self.rank[i];
        (0..self.d).map(|k| self.cols[k * self.n + pos]).collect()
    }

    fn col(&self, k: usize) -> &[f64] {
        &self.cols[k * self.n..(k + 1) * self.n]
    }

    fn w(&self, j: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[j])
    }

    /// Raw sums for queries (scaled coordinates, row-major). With `loo`, the
    /// queries are the data points in their original order and each skips
    /// its own term.
    pub(crate) fn raw_sums(&self, queries: &[f64], loo: bool) -> Vec<f64> {
        let d = self.d;
        let mut out = vec![0.0f64; queries.len() / d];
        out.par_chunks_mut(QCHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let mut lb = Vec::new();
                for (o, v) in chunk.iter_mut().enumerate() {
                    let i = c * QCHUNK + o;
                    let q = &queries[i * d..(i + 1) * d];
                    let exclude = if loo { Some(self.rank[i]) } else { None };
                    let lb = &mut lb;
                    *v = match (d, self.weights.is_some()) {
                        (1, false) => self.query::<1, false>(q, exclude, lb),
                        (1, true) => self.query::<1, true>(q, exclude, lb),
                        (2, false) => self.query::<2, false>(q, exclude, lb),
                        (2, true) => self.query::<2, true>(q, exclude, lb),
                        (3, false) => self.query::<3, false>(q, exclude, lb),
                        (3, true) => self.query::<3, true>(q, exclude, lb),
                        (4, false) => self.query::<4, false>(q, exclude, lb),
                        (4, true) => self.query::<4, true>(q, exclude, lb),
                        (_, false) => self.query_dyn::<false>(q, exclude, lb),
                        (_, true) => self.query_dyn::<true>(q, exclude, lb),
                    };
                }
            });
        out
    }

    /// Fills `lb` with each leaf's squared box distance to `q` (a lower
    /// bound of `|Δ|²` for its points) and returns `r²`: leaves with a lower
    /// bound above it are negligible (see the module docs).
    fn prune(&self, q: &[f64], exclude: Option<usize>, lb: &mut Vec<f64>) -> f64 {
        let leaves = self.leaf_start.len() - 1;
        lb.clear();
        lb.resize(leaves, 0.0);
        for (k, &qk) in q.iter().enumerate() {
            let lo = &self.box_lo[k * leaves..(k + 1) * leaves];
            let hi = &self.box_hi[k * leaves..(k + 1) * leaves];
            for ((b, &l), &h) in lb.iter_mut().zip(lo).zip(hi) {
                let g = (l - qk).max(qk - h).max(0.0);
                *b += g * g;
            }
        }
        let nearest = (0..leaves)
            .min_by(|&a, &b| lb[a].total_cmp(&lb[b]))
            .unwrap_or(0);
        // log2 of the largest term of the nearest leaf
        let mut best = f64::NEG_INFINITY;
        for j in self.leaf_start[nearest]..self.leaf_start[nearest + 1] {
            if Some(j) == exclude {
                continue;
            }
            let w = self.w(j);
            if w <= 0.0 {
                continue;
            }
            let mut s = 0.0;
            for (k, &qk) in q.iter().enumerate() {
                let r = self.cols[k * self.n + j] - qk;
                s += r * r;
            }
            best = best.max(w.log2() - s);
        }
        // Skipped terms: Σ w'ⱼ 2^(−|Δⱼ|²) ≤ W · 2^(−r²) = 2^best · 1e-20.
        let r2 = self.log2_w_total + NEGLIGIBLE_LOG2 - best;
        if r2.is_nan() { f64::INFINITY } else { r2 }
    }

    fn query<const D: usize, const W: bool>(
        &self,
        q: &[f64],
        exclude: Option<usize>,
        lb: &mut Vec<f64>,
    ) -> f64 {
        let r2 = self.prune(q, exclude, lb);
        let cols: [&[f64]; D] = std::array::from_fn(|k| self.col(k));
        let p: [f64; D] = std::array::from_fn(|k| q[k]);
        let w: &[f64] = self.weights.as_deref().unwrap_or(&[]);
        let mut acc = [0.0f64; LANES];
        let mut tail = 0.0;
        for (l, &b) in lb.iter().enumerate() {
            if b > r2 {
                continue;
            }
            let (lo, hi) = (self.leaf_start[l], self.leaf_start[l + 1]);
            match exclude {
                Some(e) if e >= lo && e < hi => {
                    range_sum::<D, W>(&cols, w, &p, lo, e, &mut acc, &mut tail);
                    range_sum::<D, W>(&cols, w, &p, e + 1, hi, &mut acc, &mut tail);
                }
                _ => range_sum::<D, W>(&cols, w, &p, lo, hi, &mut acc, &mut tail),
            }
        }
        lanes_total(&acc) + tail
    }

    fn query_dyn<const W: bool>(
        &self,
        q: &[f64],
        exclude: Option<usize>,
        lb: &mut Vec<f64>,
    ) -> f64 {
        let r2 = self.prune(q, exclude, lb);
        let cols: Vec<&[f64]> = (0..self.d).map(|k| self.col(k)).collect();
        let w: &[f64] = self.weights.as_deref().unwrap_or(&[]);
        let mut acc = [0.0f64; LANES];
        let mut tail = 0.0;
        for (l, &b) in lb.iter().enumerate() {
            if b > r2 {
                continue;
            }
            let (lo, hi) = (self.leaf_start[l], self.leaf_start[l + 1]);
            match exclude {
                Some(e) if e >= lo && e < hi => {
                    range_sum_dyn::<W>(&cols, w, q, lo, e, &mut acc, &mut tail);
                    range_sum_dyn::<W>(&cols, w, q, e + 1, hi, &mut acc, &mut tail);
                }
                _ => range_sum_dyn::<W>(&cols, w, q, lo, hi, &mut acc, &mut tail),
            }
        }
        lanes_total(&acc) + tail
    }

    /// Calls `f(w'ⱼ, ln termⱼ)` for every data point but `exclude` (sorted
    /// position), `ln term = −|Δ|² ln 2` (scaled coordinates).
    fn for_each_term(&self, q: &[f64], exclude: Option<usize>, mut f: impl FnMut(f64, f64)) {
        for j in 0..self.n {
            if Some(j) == exclude {
                continue;
            }
            let mut s = 0.0;
            for (k, &qk) in q.iter().enumerate() {
                let r = self.cols[k * self.n + j] - qk;
                s += r * r;
            }
            f(self.w(j), -s * std::f64::consts::LN_2);
        }
    }

    /// `S(q)` with `f64::exp` over all points (underflow-exact fallback).
    pub(crate) fn exact_sum(&self, q: &[f64], exclude: Option<usize>) -> f64 {
        let mut acc = 0.0;
        self.for_each_term(q, exclude, |w, a| acc += w * a.exp());
        acc
    }

    /// `ln S(q)` by log-sum-exp over all points.
    pub(crate) fn exact_log_sum(&self, q: &[f64], exclude: Option<usize>) -> f64 {
        let mut max = f64::NEG_INFINITY;
        self.for_each_term(q, exclude, |w, a| {
            if w > 0.0 {
                max = max.max(w.ln() + a);
            }
        });
        if max == f64::NEG_INFINITY {
            return max;
        }
        let mut acc = 0.0;
        self.for_each_term(q, exclude, |w, a| {
            if w > 0.0 {
                acc += (w.ln() + a - max).exp();
            }
        });
        max + acc.ln()
    }
}

/// Orders `idx` (positions `offset..` of the whole order) as the leaves of
/// a k-d tree: split at a multiple of LANES near the median of the widest
/// coordinate until leaves hold at most LEAF points; records leaf starts.
fn kd_order(rows: &[f64], d: usize, idx: &mut [usize], offset: usize, starts: &mut Vec<usize>) {
    let len = idx.len();
    if len <= LEAF {
        starts.push(offset);
        return;
    }
    let (mut best_k, mut best_spread) = (0, 0.0);
    for k in 0..d {
        let (lo, hi) = idx
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &i| {
                (a.min(rows[i * d + k]), b.max(rows[i * d + k]))
            });
        if hi - lo > best_spread {
            (best_k, best_spread) = (k, hi - lo);
        }
    }
    if best_spread <= 0.0 {
        // All points equal: one leaf.
        starts.push(offset);
        return;
    }
    let mid = ((len / 2) / LANES).max(1) * LANES;
    idx.select_nth_unstable_by(mid, |&a, &b| {
        rows[a * d + best_k].total_cmp(&rows[b * d + best_k])
    });
    let (left, right) = idx.split_at_mut(mid);
    kd_order(rows, d, left, offset, starts);
    kd_order(rows, d, right, offset + mid, starts);
}

#[inline(always)]
fn lanes_total(acc: &[f64; LANES]) -> f64 {
    // Pairwise, in a fixed order.
    let mut v = *acc;
    let mut m = LANES;
    while m > 1 {
        m /= 2;
        for i in 0..m {
            v[i] += v[i + m];
        }
    }
    v[0]
}

/// Terms per block of [`range_sum`]: distances, then `exp2`, then weights,
/// each a plain loop over a block that the compiler vectorises at the
/// machine's full width.
const BLOCK: usize = 64;

/// Adds `w'ⱼ 2^(−|p − zⱼ|²)` for `j in lo..hi` into `acc` (LANES running
/// sums, one per position modulo LANES within a block) and `tail` (block
/// remainders).
#[inline(always)]
fn range_sum<const D: usize, const W: bool>(
    cols: &[&[f64]; D],
    w: &[f64],
    p: &[f64; D],
    lo: usize,
    hi: usize,
    acc: &mut [f64; LANES],
    tail: &mut f64,
) {
    let mut buf = [0.0f64; BLOCK];
    let mut j = lo;
    while j < hi {
        let m = (hi - j).min(BLOCK);
        let b = &mut buf[..m];
        for (t, &x) in b.iter_mut().zip(&cols[0][j..j + m]) {
            let r = x - p[0];
            *t = r * r;
        }
        for k in 1..D {
            for (t, &x) in b.iter_mut().zip(&cols[k][j..j + m]) {
                let r = x - p[k];
                *t += r * r;
            }
        }
        for t in b.iter_mut() {
            *t = exp2_neg(*t);
        }
        if W {
            for (t, &wj) in b.iter_mut().zip(&w[j..j + m]) {
                *t *= wj;
            }
        }
        let mut chunks = b.chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                acc[l] += c[l];
            }
        }
        for &v in chunks.remainder() {
            *tail += v;
        }
        j += m;
    }
}

/// [`range_sum`] for any dimension.
#[inline(always)]
fn range_sum_dyn<const W: bool>(
    cols: &[&[f64]],
    w: &[f64],
    p: &[f64],
    lo: usize,
    hi: usize,
    acc: &mut [f64; LANES],
    tail: &mut f64,
) {
    let mut buf = [0.0f64; BLOCK];
    let mut j = lo;
    while j < hi {
        let m = (hi - j).min(BLOCK);
        let b = &mut buf[..m];
        b.fill(0.0);
        for (col, &pk) in cols.iter().zip(p) {
            for (t, &x) in b.iter_mut().zip(&col[j..j + m]) {
                let r = x - pk;
                *t += r * r;
            }
        }
        for t in b.iter_mut() {
            *t = exp2_neg(*t);
        }
        if W {
            for (t, &wj) in b.iter_mut().zip(&w[j..j + m]) {
                *t *= wj;
            }
        }
        let mut chunks = b.chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                acc[l] += c[l];
            }
        }
        for &v in chunks.remainder() {
            *tail += v;
        }
        j += m;
    }
}
