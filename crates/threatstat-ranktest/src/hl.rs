//! Order statistics of the pairwise differences `x_i − y_j` without forming
//! them.
//!
//! With x sorted ascending (rows) and y sorted descending (columns), the
//! matrix `d(i, j) = x_i − y_j` is sorted along rows and columns (rounding is
//! monotone, so this holds for the computed f64 differences too). Tied values
//! are kept once with their multiplicity, so the matrix is
//! `distinct(x) × distinct(y)` with cell weights `count(x_i)·count(y_j)`:
//! tie-heavy data such as byte counts shrink a lot.
//!
//! The k-th smallest difference is found by sample-select (Floyd–Rivest on
//! the implicit matrix): keep per row the range of candidate columns, draw a
//! weighted sample of candidate cells, take two sample quantiles bracketing
//! the target rank as pivots, count the cells below each pivot with a
//! two-pointer walk (O(rows + columns), in parallel over row blocks), and
//! narrow every row's range to the bracket. A few rounds leave few candidates,
//! which are then sorted. Total work O((n_x + n_y)·log) in practice, never
//! O(n_x·n_y). The pivot sampling uses a fixed-seed generator; the answer is
//! exact and does not depend on it.

use rayon::prelude::*;

/// The implicit matrix of pairwise differences.
pub(crate) struct PairDiffs<'a> {
    a: &'a [f64],
    wa: &'a [u64],
    /// Distinct y values, descending.
    b: Vec<f64>,
    /// `wb[j]` = total weight of columns `0..j`.
    wb: Vec<u64>,
}

const PAR_ROWS: usize = 1 << 14;

use threatstat_core::rng::SplitMix64 as SplitMix;

impl<'a> PairDiffs<'a> {
    /// `x` values ascending with weights, `y` values ascending with weights.
    pub fn new(a: &'a [f64], wa: &'a [u64], y: &[f64], wy: &[u64]) -> Self {
        let b: Vec<f64> = y.iter().rev().copied().collect();
        let mut wb = Vec::with_capacity(y.len() + 1);
        let mut s = 0u64;
        wb.push(0);
        for &w in wy.iter().rev() {
            s += w;
            wb.push(s);
        }
        PairDiffs { a, wa, b, wb }
    }

    #[inline]
    fn d(&self, i: usize, j: usize) -> f64 {
        self.a[i] - self.b[j]
    }

    /// Total weight (n_x · n_y).
    pub fn total(&self) -> u64 {
        self.wa.iter().sum::<u64>() * self.wb[self.b.len()]
    }

    /// One row's count of columns with `inside(d)`, knowing it lies in
    /// `l..=h` and (if `prev` is not `usize::MAX`) at most `prev`.
    #[inline]
    fn row_count(&self, i: usize, l: u32, h: u32, prev: u32, inside: impl Fn(f64) -> bool) -> u32 {
        if prev == u32::MAX {
            // First row of a block: binary search.
            l + self.b[l as usize..h as usize].partition_point(|&bj| inside(self.a[i] - bj)) as u32
        } else {
            // Counts do not increase down the rows: walk down from the
            // previous row's count.
            let mut c = prev.min(h).max(l);
            while c > l && !inside(self.d(i, c as usize - 1)) {
                c -= 1;
            }
            c
        }
    }

    /// For every row, the number of columns with `d < va` (into `out_lt`)
    /// and with `d <= vb` (into `out_le`), knowing both lie in
    /// `lo[i]..=hi[i]`; returns the two weighted counts. One pass over the
    /// rows (two pointers), in parallel over blocks of rows.
    fn count2(
        &self,
        va: f64,
        vb: f64,
        lo: &[u32],
        hi: &[u32],
        out_lt: &mut [u32],
        out_le: &mut [u32],
    ) -> (u64, u64) {
        let block = |start: usize, o_lt: &mut [u32], o_le: &mut [u32]| -> (u64, u64) {
            let (mut n_lt, mut n_le) = (0u64, 0u64);
            let (mut p_lt, mut p_le) = (u32::MAX, u32::MAX);
            for (k, (a, b)) in o_lt.iter_mut().zip(o_le.iter_mut()).enumerate() {
                let i = start + k;
                let (l, h) = (lo[i], hi[i]);
                p_lt = self.row_count(i, l, h, p_lt, |d| d < va);
                p_le = self.row_count(i, l, h, p_le, |d| d <= vb);
                *a = p_lt;
                *b = p_le;
                n_lt += self.wa[i] * self.wb[p_lt as usize];
                n_le += self.wa[i] * self.wb[p_le as usize];
            }
            (n_lt, n_le)
        };
        if self.a.len() >= 2 * PAR_ROWS {
            out_lt
                .par_chunks_mut(PAR_ROWS)
                .zip(out_le.par_chunks_mut(PAR_ROWS))
                .enumerate()
                .map(|(ci, (a, b))| block(ci * PAR_ROWS, a, b))
                .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1))
        } else {
            block(0, out_lt, out_le)
        }
    }

    /// The k-th smallest difference (1-based, counting multiplicities).
    pub fn select(&self, k: u64) -> f64 {
        let rows = self.a.len();
        let cols = self.b.len();
        debug_assert!(k >= 1 && k <= self.total());
        let mut lo = vec![0u32; rows];
        let mut hi = vec![cols as u32; rows];
        let mut below = 0u64; // weight of the cells left of `lo`
        let mut t_lt = vec![0u32; rows];
        let mut t_le = vec![0u32; rows];
        let mut rng = SplitMix::new(0x5EED ^ k);
        let threshold = ((rows + cols) / 16).max(1 << 12) as u64;
        let sample = if rows + cols >= 1 << 17 { 8192 } else { 2048 };
        let mut stalled = false;
        let mut row_w = vec![0u64; rows + 1];
        let mut samples: Vec<f64> = Vec::with_capacity(sample);
        let mut draws: Vec<u64> = Vec::with_capacity(sample);
        loop {
            let cells: u64 = lo.iter().zip(&hi).map(|(&l, &h)| u64::from(h - l)).sum();
            if cells <= threshold {
                return self.enumerate(k - below, &lo, &hi);
            }
            // Weighted sample of candidate cells.
            row_w[0] = 0;
            for i in 0..rows {
                row_w[i + 1] =
                    row_w[i] + self.wa[i] * (self.wb[hi[i] as usize] - self.wb[lo[i] as usize]);
            }
            let cand_w = row_w[rows];
            // Rows by a sweep over sorted draws (no cache-missing binary
            // searches over all rows), columns by binary search in the row's
            // candidate range.
            draws.clear();
            draws.extend((0..sample).map(|_| rng.below(cand_w)));
            draws.sort_unstable();
            samples.clear();
            let mut i = 0usize;
            for &u in &draws {
                while row_w[i + 1] <= u {
                    i += 1;
                }
                let (l, h) = (lo[i] as usize, hi[i] as usize);
                let u2 = self.wb[l] + rng.below(self.wb[h] - self.wb[l]);
                let j = l + self.wb[l + 1..=h].partition_point(|&w| w <= u2);
                samples.push(self.d(i, j));
            }
            samples.sort_unstable_by(f64::total_cmp);
            // Two sample quantiles bracketing the target rank among the
            // candidates (one pivot after a round that removed nothing).
            let r = k - below; // 1..=cand_w
            let q = r as f64 / cand_w as f64;
            let s = sample as f64;
            let pos = q * s;
            let (pa, pb) = if stalled {
                let p = (pos as usize).min(sample - 1);
                (p, p)
            } else {
                let delta = 2.5 * (s * q * (1.0 - q)).sqrt() + 2.0;
                (
                    ((pos - delta).floor().max(0.0) as usize).min(sample - 1),
                    ((pos + delta).ceil().max(0.0) as usize).min(sample - 1),
                )
            };
            let (va, vb) = (samples[pa], samples[pb]);
            let (n_lt, n_le) = self.count2(va, vb, &lo, &hi, &mut t_lt, &mut t_le);
            stalled = false;
            if n_lt >= k {
                // The answer is below va: drop every cell >= va.
                std::mem::swap(&mut hi, &mut t_lt);
            } else if n_le < k {
                // The answer is above vb: drop every cell <= vb.
                std::mem::swap(&mut lo, &mut t_le);
                below = n_le;
            } else if va == vb {
                return va;
            } else {
                // va <= answer <= vb.
                std::mem::swap(&mut lo, &mut t_lt);
                std::mem::swap(&mut hi, &mut t_le);
                below = n_lt;
                let left: u64 = lo.iter().zip(&hi).map(|(&l, &h)| u64::from(h - l)).sum();
                stalled = left == cells;
            }
        }
    }

    fn enumerate(&self, r: u64, lo: &[u32], hi: &[u32]) -> f64 {
        let mut cells: Vec<(f64, u64)> = Vec::new();
        for i in 0..self.a.len() {
            for j in lo[i] as usize..hi[i] as usize {
                cells.push((self.d(i, j), self.wa[i] * (self.wb[j + 1] - self.wb[j])));
            }
        }
        cells.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
        let mut acc = 0u64;
        for (v, w) in cells {
            acc += w;
            if acc >= r {
                return v;
            }
        }
        unreachable!("the rank is within the candidates")
    }

    /// The k-th and (k+1)-th smallest differences (1-based; `k < total`).
    pub fn select_pair(&self, k: u64) -> (f64, f64) {
        let v = self.select(k);
        let rows = self.a.len();
        let cols = self.b.len();
        let lo = vec![0u32; rows];
        let hi = vec![cols as u32; rows];
        let mut c_lt = vec![0u32; rows];
        let mut c = vec![0u32; rows];
        if self.count2(v, v, &lo, &hi, &mut c_lt, &mut c).1 > k {
            return (v, v);
        }
        // The smallest difference above v: in each row the first column past c.
        let next = (0..rows)
            .filter(|&i| (c[i] as usize) < cols)
            .map(|i| self.d(i, c[i] as usize))
            .fold(f64::INFINITY, f64::min);
        (v, next)
    }

    /// The median of the differences (mean of the two middle ones when the
    /// number of pairs is even, as `numpy.median` and R's `median`).
    pub fn median(&self) -> f64 {
        let n = self.total();
        if n % 2 == 1 {
            self.select(n.div_ceil(2))
        } else {
            let (a, b) = self.select_pair(n / 2);
            (a + b) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(x: &[f64], y: &[f64]) -> Vec<f64> {
        let mut d: Vec<f64> = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| a - b))
            .collect();
        d.sort_by(f64::total_cmp);
        d
    }

    fn distinct(v: &[f64]) -> (Vec<f64>, Vec<u64>) {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let mut vals: Vec<f64> = Vec::new();
        let mut w: Vec<u64> = Vec::new();
        for x in s {
            if vals.last() == Some(&x) {
                *w.last_mut().unwrap() += 1;
            } else {
                vals.push(x);
                w.push(1);
            }
        }
        (vals, w)
    }

    fn check(x: &[f64], y: &[f64], ks: &[u64]) {
        let (a, wa) = distinct(x);
        let (b, wb) = distinct(y);
        let p = PairDiffs::new(&a, &wa, &b, &wb);
        let d = brute(x, y);
        assert_eq!(p.total(), d.len() as u64);
        for &k in ks {
            assert_eq!(p.select(k), d[k as usize - 1], "k={k}");
        }
    }

    #[test]
    fn selects_like_sorting_small() {
        let x = [1.0, 5.0, 2.5, 2.5, -3.0];
        let y = [0.0, 2.5, 2.5, 10.0];
        check(&x, &y, &(1..=20).collect::<Vec<_>>());
    }

    #[test]
    fn selects_like_sorting_past_the_threshold() {
        let mut s = SplitMix::new(3);
        let x: Vec<f64> = (0..400).map(|_| (s.below(1000) as f64) / 7.0).collect();
        let y: Vec<f64> = (0..300).map(|_| (s.below(50) as f64).powf(1.5)).collect();
        let n = 400 * 300;
        check(
            &x,
            &y,
            &[1, 2, 77, n / 40, n / 2, n / 2 + 1, n - n / 40, n - 1, n],
        );
        let x: Vec<f64> = (0..500).map(|_| s.next_u64() as f64 / 3e17).collect();
        let y: Vec<f64> = (0..400).map(|_| s.next_u64() as f64 / 7e17).collect();
        let n = 500 * 400;
        check(&x, &y, &[1, 5000, n / 2, n / 2 + 1, 195_000, n]);
    }

    #[test]
    fn all_equal_cells() {
        let x = vec![3.0; 300];
        let y = vec![1.0; 200];
        check(&x, &y, &[1, 30_000, 60_000]);
    }
}
