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
//! Several order statistics (the Hodges–Lehmann median, with its two middle
//! ranks when the number of pairs is even, and the two ends of its
//! confidence interval) are found together by sample-select (Floyd–Rivest on
//! the implicit matrix). A *band* keeps per row the range of candidate
//! columns and the target ranks it contains. Each round draws a weighted
//! sample of the band's cells, takes for every target two sample quantiles
//! bracketing its rank (brackets that overlap are merged, so targets close
//! together share their pivots), counts the cells below every pivot in one
//! pass over the rows (in parallel over row blocks), and splits the band at
//! the pivots; the pieces holding targets become the next bands. The
//! interval ends and the median lie within a fraction of a percent of each
//! other in rank, so the first rounds serve all of them at once. A few rounds
//! leave few candidates, which are then sorted. Total work
//! O((n_x + n_y)·log) in practice, never O(n_x·n_y). The pivot sampling uses
//! a fixed-seed generator; the answer is exact and does not depend on it.

use rayon::prelude::*;
use std::rc::Rc;

/// The implicit matrix of pairwise differences.
pub(crate) struct PairDiffs<'a> {
    a: &'a [f64],
    wa: &'a [u64],
    /// Distinct y values, descending.
    b: Vec<f64>,
    /// `wb[j]` = total weight of columns `0..j`.
    wb: Vec<u64>,
    /// Every column has weight 1 (`wb[j] == j`).
    unit_b: bool,
    /// Every cell has weight 1 (no ties within either sample).
    unit: bool,
}

/// Rows per block of a parallel counting pass, at least.
const PAR_ROWS: usize = 2048;

/// Counting passes over fewer rows run on one thread (at 10^4 rows two
/// threads gained nothing measurable and lose when the cores are busy).
const PAR_FROM: usize = 1 << 15;

/// Candidate ranges at most this wide are searched by bisection, wider ones
/// by a walk down from the previous row's count.
const NARROW: u32 = 64;

use threatstat_core::rng::SplitMix64 as SplitMix;

/// Candidate cells: in row `i` the columns `lo[i]..hi[i]`, holding the
/// targets `targets` (indices into the ranks asked for).
struct Band {
    lo: Rc<Vec<u32>>,
    hi: Rc<Vec<u32>>,
    /// Weight of the cells before the band (all of them ≤ every candidate).
    below: u64,
    /// Weight of the candidate cells.
    weight: u64,
    /// Number of candidate cells (distinct value pairs), Σ hi − Σ lo.
    cells: u64,
    sum_lo: u64,
    /// The last round removed nothing: use one pivot per target.
    stalled: bool,
    targets: Vec<usize>,
}

/// A pivot: the cells `d < v` (or `d <= v` when `le`).
#[derive(Clone, Copy)]
struct Cut {
    v: f64,
    le: bool,
}

/// Per-row counts of one pass: `counts[m][i]` columns of row `i` below cut
/// `m`, their weight and their sum.
struct CutCounts {
    counts: Vec<Vec<u32>>,
    weight: Vec<u64>,
    sum: Vec<u64>,
}

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
        let unit_b = s == y.len() as u64;
        let unit = unit_b && wa.iter().all(|&w| w == 1);
        PairDiffs {
            a,
            wa,
            b,
            wb,
            unit_b,
            unit,
        }
    }

    #[inline]
    fn d(&self, i: usize, j: usize) -> f64 {
        self.a[i] - self.b[j]
    }

    /// Total weight (n_x · n_y).
    pub fn total(&self) -> u64 {
        self.wa.iter().sum::<u64>() * self.wb[self.b.len()]
    }

    /// Rows `start..start + out.len()`: into `out` the column index ending
    /// each row's columns inside the cut `d <= v` (`LE`) or `d < v`,
    /// knowing it lies in `floor[k]..=hi[k]`; returns the weight and the sum
    /// of the counts.
    fn count_block<const LE: bool>(
        &self,
        start: usize,
        floor: &[u32],
        hi: &[u32],
        v: f64,
        out: &mut [u32],
    ) -> (u64, u64) {
        let (mut weight, mut sum) = (0u64, 0u64);
        let mut prev = u32::MAX;
        let wa = &self.wa[start..start + out.len()];
        for (k, ((o, (&l, &h)), &w)) in out.iter_mut().zip(floor.iter().zip(hi)).zip(wa).enumerate()
        {
            let n = self.row_count_as::<LE>(start + k, l, h, prev, v);
            prev = n;
            *o = n;
            weight += w * self.wb[n as usize];
            sum += u64::from(n);
        }
        (weight, sum)
    }

    /// Row `i`'s count of columns inside the cut `d <= v` (`LE`) or
    /// `d < v`, knowing it lies in `l..=h` and (unless `prev` is
    /// `u32::MAX`) at most `prev`, the previous row's count: counts do not
    /// increase down the rows.
    #[inline(always)]
    fn row_count_as<const LE: bool>(&self, i: usize, l: u32, h: u32, prev: u32, v: f64) -> u32 {
        let ai = self.a[i];
        let out = |j: u32| -> u32 {
            let d = ai - self.b[j as usize];
            u32::from(!(if LE { d <= v } else { d < v }))
        };
        if prev == u32::MAX || h - l <= NARROW {
            // Bisection (branch-free, independent of the previous row).
            l + self.b[l as usize..h as usize]
                .partition_point(|&bj| if LE { ai - bj <= v } else { ai - bj < v })
                as u32
        } else {
            // Walk down from the previous row's count, four columns a step:
            // the columns outside the cut are a suffix, so the number of
            // them among the four is the step (no branch per column).
            let mut c = prev.min(h).max(l);
            while c >= l + 4 {
                let s = out(c - 1) + out(c - 2) + out(c - 3) + out(c - 4);
                c -= s;
                if s < 4 {
                    return c;
                }
            }
            while c > l && out(c - 1) == 1 {
                c -= 1;
            }
            c
        }
    }

    /// For every row and every cut (ascending), the number of the row's
    /// candidate columns `lo[i]..hi[i]` inside the cut (as a column index:
    /// `lo[i]` plus that number). One pass over the rows, in parallel over
    /// blocks of rows.
    fn count_cuts(
        &self,
        lo: &[u32],
        hi: &[u32],
        cuts: &[Cut],
        pool: &mut Vec<Vec<u32>>,
    ) -> CutCounts {
        let rows = self.a.len();
        let m = cuts.len();
        let mut counts: Vec<Vec<u32>> = (0..m)
            .map(|_| {
                let mut v = pool.pop().unwrap_or_default();
                v.resize(rows, 0);
                v
            })
            .collect();
        // Cut by cut over the block's rows (a tight loop per cut, its `<=`
        // or `<` fixed); each cut's counts are the floor of the next's.
        let block = |start: usize, outs: &mut [&mut [u32]]| -> (Vec<u64>, Vec<u64>) {
            let len = outs.first().map_or(0, |o| o.len());
            let hi = &hi[start..start + len];
            let mut weight = vec![0u64; m];
            let mut sum = vec![0u64; m];
            for c in 0..m {
                let (done, rest) = outs.split_at_mut(c);
                let floor: &[u32] = match done.last() {
                    Some(f) => f,
                    None => &lo[start..start + len],
                };
                let (w, s) = if cuts[c].le {
                    self.count_block::<true>(start, floor, hi, cuts[c].v, rest[0])
                } else {
                    self.count_block::<false>(start, floor, hi, cuts[c].v, rest[0])
                };
                weight[c] = w;
                sum[c] = s;
            }
            (weight, sum)
        };
        let add = |mut x: (Vec<u64>, Vec<u64>), y: (Vec<u64>, Vec<u64>)| {
            for c in 0..m {
                x.0[c] += y.0[c];
                x.1[c] += y.1[c];
            }
            x
        };
        let chunk = rows
            .div_ceil(2 * rayon::current_num_threads())
            .max(PAR_ROWS);
        let (weight, sum) = if rows >= PAR_FROM {
            // Transpose: per block, its slice of every output.
            let mut blocks: Vec<Vec<&mut [u32]>> = Vec::new();
            for out in counts.iter_mut() {
                for (bi, chunk) in out.chunks_mut(chunk).enumerate() {
                    if blocks.len() <= bi {
                        blocks.push(Vec::with_capacity(m));
                    }
                    blocks[bi].push(chunk);
                }
            }
            blocks
                .into_par_iter()
                .enumerate()
                .map(|(bi, mut outs)| block(bi * chunk, &mut outs))
                .reduce(|| (vec![0; m], vec![0; m]), add)
        } else {
            let mut outs: Vec<&mut [u32]> = counts.iter_mut().map(|v| v.as_mut_slice()).collect();
            block(0, &mut outs)
        };
        CutCounts {
            counts,
            weight,
            sum,
        }
    }

    /// A weighted sample of `n` candidate cells of `band` (unsorted).
    fn sample(
        &self,
        band: &Band,
        n: usize,
        rng: &mut SplitMix,
        draws: &mut Vec<u64>,
        out: &mut Vec<f64>,
    ) {
        draws.clear();
        draws.extend((0..n).map(|_| rng.below(band.weight)));
        draws.sort_unstable();
        out.clear();
        // Rows by a sweep over the sorted draws, columns by position in the
        // row's candidate range.
        let (lo, hi) = (&band.lo, &band.hi);
        let mut acc = 0u64; // weight of the candidates of rows before i
        let mut i = 0usize;
        let mut row_w = self.wa[0] * (self.wb[hi[0] as usize] - self.wb[lo[0] as usize]);
        for &u in draws.iter() {
            while acc + row_w <= u {
                acc += row_w;
                i += 1;
                row_w = self.wa[i] * (self.wb[hi[i] as usize] - self.wb[lo[i] as usize]);
            }
            let (l, h) = (lo[i] as usize, hi[i] as usize);
            let t = (u - acc) / self.wa[i]; // < wb[h] - wb[l]
            let j = if self.unit_b {
                l + t as usize
            } else {
                let target = self.wb[l] + t;
                l + self.wb[l + 1..=h].partition_point(|&w| w <= target)
            };
            out.push(self.d(i, j));
        }
    }

    /// The `ks[t]`-th smallest differences (1-based, counting
    /// multiplicities; `ks` ascending, each in `1..=total`).
    pub fn select_many(&self, ks: &[u64]) -> Vec<f64> {
        let rows = self.a.len();
        let cols = self.b.len();
        debug_assert!(ks.windows(2).all(|w| w[0] <= w[1]));
        debug_assert!(ks.iter().all(|&k| k >= 1 && k <= self.total()));
        let mut out = vec![f64::NAN; ks.len()];
        if ks.is_empty() {
            return out;
        }
        // Sorting weighted cells costs O(c log c); selecting among unit
        // cells O(c), as much as a counting round over the rows.
        let threshold = if self.unit {
            (rows + cols).max(1 << 12) as u64
        } else {
            ((rows + cols) / 16).max(1 << 12) as u64
        };
        let sample = match rows + cols {
            n if n >= 1 << 20 => 65536,
            n if n >= 1 << 17 => 16384,
            _ => 2048,
        };
        let mut rng = SplitMix::new(0x5EED ^ ks[0]);
        let mut pool: Vec<Vec<u32>> = Vec::new();
        let mut samples: Vec<f64> = Vec::with_capacity(sample);
        let mut draws: Vec<u64> = Vec::with_capacity(sample);
        let mut stack = vec![Band {
            lo: Rc::new(vec![0u32; rows]),
            hi: Rc::new(vec![cols as u32; rows]),
            below: 0,
            weight: self.total(),
            cells: rows as u64 * cols as u64,
            sum_lo: 0,
            stalled: false,
            targets: (0..ks.len()).collect(),
        }];
        while let Some(band) = stack.pop() {
            if band.cells <= threshold {
                self.enumerate(&band, ks, &mut out);
                recycle(band, &mut pool);
                continue;
            }
            self.sample(&band, sample, &mut rng, &mut draws, &mut samples);
            // Per target, two sample quantiles bracketing its rank among the
            // candidates (one after a round that removed nothing); brackets
            // whose values overlap are merged.
            let s = sample as f64;
            let mut brackets: Vec<(usize, usize)> = band
                .targets
                .iter()
                .map(|&t| {
                    let q = (ks[t] - band.below) as f64 / band.weight as f64;
                    let pos = q * s;
                    if band.stalled {
                        let p = (pos as usize).min(sample - 1);
                        (p, p)
                    } else {
                        let delta = 2.0 * (s * q * (1.0 - q)).sqrt() + 2.0;
                        (
                            ((pos - delta).floor().max(0.0) as usize).min(sample - 1),
                            ((pos + delta).ceil().max(0.0) as usize).min(sample - 1),
                        )
                    }
                })
                .collect();
            brackets.sort_unstable();
            // Only the sample's order statistics at the bracket ends are
            // needed: selected in place, O(sample) each, not a full sort.
            let mut at: Vec<usize> = brackets.iter().flat_map(|&(a, b)| [a, b]).collect();
            at.sort_unstable();
            at.dedup();
            let mut base = 0;
            for &p in &at {
                samples[base..].select_nth_unstable_by(p - base, f64::total_cmp);
                base = p + 1;
            }
            let mut groups: Vec<(usize, usize)> = Vec::with_capacity(brackets.len());
            for (pa, pb) in brackets {
                match groups.last_mut() {
                    Some(g) if samples[pa] <= samples[g.1] => g.1 = g.1.max(pb),
                    _ => groups.push((pa, pb)),
                }
            }
            let cuts: Vec<Cut> = groups
                .iter()
                .flat_map(|&(pa, pb)| {
                    [
                        Cut {
                            v: samples[pa],
                            le: false,
                        },
                        Cut {
                            v: samples[pb],
                            le: true,
                        },
                    ]
                })
                .collect();
            let cc = self.count_cuts(&band.lo, &band.hi, &cuts, &mut pool);
            let m = cuts.len();
            let (top_w, top_sum) = (band.below + band.weight, band.sum_lo + band.cells);
            let bound_w = |r: usize| boundary(r, &band.below, &cc.weight, &top_w);
            let bound_sum = |r: usize| boundary(r, &band.sum_lo, &cc.sum, &top_sum);
            let mut regions: Vec<(usize, Vec<usize>)> = Vec::new();
            for &t in &band.targets {
                let k = ks[t];
                let r = (0..=m)
                    .find(|&r| k <= bound_w(r + 1))
                    .expect("k within the band");
                if r % 2 == 1 && cuts[r - 1].v == cuts[r].v {
                    // Every cell of the region equals the pivot.
                    out[t] = cuts[r].v;
                    continue;
                }
                match regions.last_mut() {
                    Some((rr, ts)) if *rr == r => ts.push(t),
                    _ => regions.push((r, vec![t])),
                }
            }
            let counts: Vec<Rc<Vec<u32>>> = cc.counts.into_iter().map(Rc::new).collect();
            for (r, targets) in regions {
                let cells = bound_sum(r + 1) - bound_sum(r);
                stack.push(Band {
                    lo: boundary(r, &band.lo, &counts, &band.hi),
                    hi: boundary(r + 1, &band.lo, &counts, &band.hi),
                    below: bound_w(r),
                    weight: bound_w(r + 1) - bound_w(r),
                    cells,
                    sum_lo: bound_sum(r),
                    stalled: cells == band.cells,
                    targets,
                });
            }
            for c in counts {
                if let Ok(v) = Rc::try_unwrap(c) {
                    pool.push(v);
                }
            }
            recycle(band, &mut pool);
        }
        out
    }

    /// Reads the targets of a small band off its candidates: sorted with
    /// their weights, or by selection when every weight is 1.
    fn enumerate(&self, band: &Band, ks: &[u64], out: &mut [f64]) {
        if self.unit {
            let mut v: Vec<f64> = Vec::with_capacity(band.cells as usize);
            for (i, &ai) in self.a.iter().enumerate() {
                let (l, h) = (band.lo[i] as usize, band.hi[i] as usize);
                v.extend(self.b[l..h].iter().map(|&bj| ai - bj));
            }
            // Targets ascending: each selection works right of the last.
            let mut base = 0usize;
            for &t in &band.targets {
                let r = (ks[t] - band.below - 1) as usize;
                if r + 1 != base {
                    v[base..].select_nth_unstable_by(r - base, f64::total_cmp);
                    base = r + 1;
                }
                out[t] = v[r];
            }
            return;
        }
        let mut cells: Vec<(f64, u64)> = Vec::with_capacity(band.cells as usize);
        for i in 0..self.a.len() {
            for j in band.lo[i] as usize..band.hi[i] as usize {
                cells.push((self.d(i, j), self.wa[i] * (self.wb[j + 1] - self.wb[j])));
            }
        }
        cells.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
        let mut acc = band.below;
        let mut it = cells.into_iter();
        let mut cur = f64::NAN;
        // Targets ascending in rank.
        for &t in &band.targets {
            while acc < ks[t] {
                let (v, w) = it.next().expect("the rank is within the candidates");
                acc += w;
                cur = v;
            }
            out[t] = cur;
        }
    }
}

/// Boundary `r` of a band split at `cuts`: 0 is the band's lower end,
/// `1..=cuts.len()` the cuts, `cuts.len() + 1` its upper end (region `r`
/// lies between boundaries `r` and `r + 1`).
fn boundary<T: Clone>(r: usize, first: &T, cuts: &[T], last: &T) -> T {
    if r == 0 {
        first.clone()
    } else if r <= cuts.len() {
        cuts[r - 1].clone()
    } else {
        last.clone()
    }
}

/// Gives a finished band's arrays back to the pool (those no other band
/// shares).
fn recycle(band: Band, pool: &mut Vec<Vec<u32>>) {
    for v in [band.lo, band.hi] {
        if let Ok(v) = Rc::try_unwrap(v) {
            pool.push(v);
        }
    }
}

impl PairDiffs<'_> {
    /// The median of the differences (the mean of the two middle ones when
    /// the number of pairs is even, as `numpy.median` and R's `median`) and
    /// the `extra[t]`-th smallest ones (1-based), all found together.
    pub fn median_and(&self, extra: &[u64]) -> (f64, Vec<f64>) {
        let n = self.total();
        let mid: Vec<u64> = if n % 2 == 1 {
            vec![n.div_ceil(2)]
        } else {
            vec![n / 2, n / 2 + 1]
        };
        let mut ks: Vec<u64> = mid.iter().chain(extra).copied().collect();
        ks.sort_unstable();
        ks.dedup();
        let v = self.select_many(&ks);
        let at = |k: u64| v[ks.binary_search(&k).expect("asked for")];
        let median = if mid.len() == 1 {
            at(mid[0])
        } else {
            (at(mid[0]) + at(mid[1])) / 2.0
        };
        (median, extra.iter().map(|&k| at(k)).collect())
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
            assert_eq!(p.select_many(&[k])[0], d[k as usize - 1], "k={k}");
        }
        let mut sorted = ks.to_vec();
        sorted.sort_unstable();
        let all = p.select_many(&sorted);
        for (&k, v) in sorted.iter().zip(all) {
            assert_eq!(v, d[k as usize - 1], "k={k} among {sorted:?}");
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

    /// A sample for the property test: few distinct values (ties, weights
    /// above 1) or many; sizes on both sides of the enumeration threshold.
    fn prop_sample() -> impl proptest::strategy::Strategy<Value = Vec<f64>> {
        use proptest::prelude::*;
        prop_oneof![
            prop::collection::vec((0u32..12).prop_map(|v| f64::from(v) * 0.5), 1..120),
            prop::collection::vec(-1e3f64..1e3, 1..260),
            prop::collection::vec((0u32..400).prop_map(|v| f64::from(v).powf(1.3)), 60..300),
            prop::collection::vec((0u32..150).prop_map(|v| f64::from(v) * 0.25), 200..400),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Every set of ranks asked together equals sorting all m·n
        /// differences (brute force), and so does the median.
        #[test]
        fn select_many_equals_brute_force(
            x in prop_sample(),
            y in prop_sample(),
            picks in proptest::collection::vec(0.0f64..=1.0, 1..6),
        ) {
            let (a, wa) = distinct(&x);
            let (b, wb) = distinct(&y);
            let p = PairDiffs::new(&a, &wa, &b, &wb);
            let d = brute(&x, &y);
            let n = d.len() as u64;
            let mut ks: Vec<u64> = picks
                .iter()
                .flat_map(|&q| {
                    let k = ((q * n as f64) as u64).clamp(1, n);
                    [k, (k + 1).min(n)]
                })
                .collect();
            ks.push(n);
            ks.sort_unstable();
            let got = p.select_many(&ks);
            for (&k, v) in ks.iter().zip(&got) {
                proptest::prop_assert_eq!(*v, d[k as usize - 1], "k={}", k);
            }
            let med = if n % 2 == 1 {
                d[n as usize / 2]
            } else {
                (d[n as usize / 2 - 1] + d[n as usize / 2]) / 2.0
            };
            let (m, ends) = p.median_and(&[ks[0], *ks.last().unwrap()]);
            proptest::prop_assert_eq!(m, med);
            proptest::prop_assert_eq!(ends, vec![d[ks[0] as usize - 1], d[*ks.last().unwrap() as usize - 1]]);
        }
    }
}
