//! Sorting and ranking of the two samples.
//!
//! Both samples are mapped to 64-bit keys that sort like the floats (IEEE
//! total order, with −0.0 folded onto +0.0 so that the two zeros tie, as they
//! do for SciPy's `rankdata`), sorted with an LSD radix sort (passes whose
//! digit is the same for every key are skipped, so integer-valued data such
//! as byte counts needs only a few passes), and merged once. The merge gives
//! everything the test needs in integer arithmetic: `2·U1`, the tie groups
//! of the combined sample, and the distinct values of each sample with their
//! multiplicities (the compact form the Hodges–Lehmann selection works on).

use rayon::prelude::*;

/// Key of a finite (or infinite) non-NaN float; `key(a) < key(b)` iff `a < b`,
/// and `key(-0.0) == key(0.0)`.
#[inline]
pub(crate) fn key(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else { v };
    let b = v.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Inverse of [`key`] (zeros come back as +0.0).
#[inline]
pub(crate) fn unkey(k: u64) -> f64 {
    let b = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
    f64::from_bits(b)
}

const RADIX_BITS: u32 = 11;
const BUCKETS: usize = 1 << RADIX_BITS;
const PASSES: usize = 64usize.div_ceil(RADIX_BITS as usize);

/// Sorts `keys` ascending. Radix sort for large inputs, `sort_unstable` for
/// small ones.
pub(crate) fn sort_keys(keys: &mut Vec<u64>) {
    if keys.len() < 4096 {
        keys.sort_unstable();
        return;
    }
    let mut hist = vec![[0usize; BUCKETS]; PASSES];
    for &k in keys.iter() {
        for (p, h) in hist.iter_mut().enumerate() {
            h[((k >> (p as u32 * RADIX_BITS)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    let n = keys.len();
    let mut buf = vec![0u64; n];
    for (p, h) in hist.iter_mut().enumerate() {
        // A digit shared by every key does not reorder anything.
        if h.contains(&n) {
            continue;
        }
        let mut sum = 0;
        for c in h.iter_mut() {
            let t = *c;
            *c = sum;
            sum += t;
        }
        let shift = p as u32 * RADIX_BITS;
        for &k in keys.iter() {
            let d = ((k >> shift) as usize) & (BUCKETS - 1);
            buf[h[d]] = k;
            h[d] += 1;
        }
        std::mem::swap(keys, &mut buf);
    }
}

/// Sorted keys of a sample (NaN must have been removed).
pub(crate) fn sorted_keys(v: &[f64]) -> Vec<u64> {
    let mut k: Vec<u64> = if v.len() >= 1 << 16 {
        v.par_iter().map(|&x| key(x)).collect()
    } else {
        v.iter().map(|&x| key(x)).collect()
    };
    sort_keys(&mut k);
    k
}

/// Distinct values of one sample (ascending) with their multiplicities.
#[derive(Debug, Clone, Default)]
pub(crate) struct Distinct {
    pub values: Vec<f64>,
    pub counts: Vec<u64>,
}

impl Distinct {
    /// Σ (t³ − t) over the tie groups of this sample alone.
    pub fn tie_term(&self) -> f64 {
        tie_sum(self.counts.iter().copied()) as f64
    }
}

fn tie_sum(counts: impl Iterator<Item = u64>) -> u128 {
    counts
        .map(|t| {
            let t = u128::from(t);
            t * t * t - t
        })
        .sum()
}

/// What the test needs from the ranks of the combined sample.
#[derive(Debug, Clone)]
pub(crate) struct Ranked {
    /// Size of x.
    pub n_x: u64,
    /// Size of y.
    pub n_y: u64,
    /// 2·U1 = Σ over x of (2·#{y < x} + #{y = x}).
    pub u1_twice: u64,
    /// Σ (t³ − t) over the tie groups of the combined sample.
    pub tie_term: f64,
    /// Whether any tie group (within or across the samples) has 2+ members.
    pub ties: bool,
    /// Distinct values of x with multiplicities.
    pub x: Distinct,
    /// Distinct values of y with multiplicities.
    pub y: Distinct,
}

impl Ranked {
    /// Doubled average ranks (1-based) of the combined sample, as one sorted
    /// multiset (the order of the data does not matter to a permutation test).
    pub fn doubled_ranks(&self) -> Vec<u64> {
        let n = (self.n_x + self.n_y) as usize;
        let mut out = Vec::with_capacity(n);
        let (mut i, mut j) = (0, 0);
        let (xv, yv) = (&self.x.values, &self.y.values);
        let mut start = 1u64; // 1-based rank of the next tie group
        while i < xv.len() || j < yv.len() {
            let v = match (xv.get(i), yv.get(j)) {
                (Some(&a), Some(&b)) => {
                    if a <= b {
                        a
                    } else {
                        b
                    }
                }
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => unreachable!(),
            };
            let mut t = 0;
            if i < xv.len() && xv[i] == v {
                t += self.x.counts[i];
                i += 1;
            }
            if j < yv.len() && yv[j] == v {
                t += self.y.counts[j];
                j += 1;
            }
            // Ranks start .. start+t−1 share their average; doubled: 2·start + t − 1.
            let r2 = 2 * start + t - 1;
            out.extend(std::iter::repeat_n(r2, t as usize));
            start += t;
        }
        out
    }
}

fn distinct_of(keys: &[u64]) -> Distinct {
    let mut d = Distinct::default();
    let mut i = 0;
    while i < keys.len() {
        let k = keys[i];
        let mut j = i + 1;
        while j < keys.len() && keys[j] == k {
            j += 1;
        }
        d.values.push(unkey(k));
        d.counts.push((j - i) as u64);
        i = j;
    }
    d
}

/// Ranks the combined sample of `x` and `y` (neither may hold NaN or be empty).
pub(crate) fn rank(x: &[f64], y: &[f64]) -> Ranked {
    let (xk, yk) = rayon::join(|| sorted_keys(x), || sorted_keys(y));
    let (dx, dy) = rayon::join(|| distinct_of(&xk), || distinct_of(&yk));
    drop((xk, yk));
    rank_distinct(dx, dy)
}

/// Ranks the combined sample given each sample's distinct values
/// (ascending) and counts.
pub(crate) fn rank_distinct(dx: Distinct, dy: Distinct) -> Ranked {
    let (xkeys, ykeys): (Vec<u64>, Vec<u64>) = (
        dx.values.iter().map(|&v| key(v)).collect(),
        dy.values.iter().map(|&v| key(v)).collect(),
    );
    let mut u1_twice = 0u64;
    let mut tie = 0u128;
    let mut ties = false;
    let mut y_below = 0u64; // #y strictly below the current value
    let (mut i, mut j) = (0, 0);
    while i < xkeys.len() || j < ykeys.len() {
        let kx = xkeys.get(i).copied().unwrap_or(u64::MAX);
        let ky = ykeys.get(j).copied().unwrap_or(u64::MAX);
        let (cx, cy) = if j >= ykeys.len() || (i < xkeys.len() && kx < ky) {
            i += 1;
            (dx.counts[i - 1], 0)
        } else if i >= xkeys.len() || ky < kx {
            j += 1;
            (0, dy.counts[j - 1])
        } else {
            i += 1;
            j += 1;
            (dx.counts[i - 1], dy.counts[j - 1])
        };
        u1_twice += cx * (2 * y_below + cy);
        y_below += cy;
        let t = cx + cy;
        if t > 1 {
            ties = true;
            let t = u128::from(t);
            tie += t * t * t - t;
        }
    }
    Ranked {
        n_x: dx.counts.iter().sum(),
        n_y: dy.counts.iter().sum(),
        u1_twice,
        tie_term: tie as f64,
        ties,
        x: dx,
        y: dy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_floats_and_zeros_tie() {
        let v = [
            f64::NEG_INFINITY,
            -1e300,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            5e-324,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for w in v.windows(2) {
            assert!(key(w[0]) <= key(w[1]), "{w:?}");
        }
        assert_eq!(key(-0.0), key(0.0));
        for &x in &v {
            assert_eq!(unkey(key(x)), if x == 0.0 { 0.0 } else { x });
        }
    }

    #[test]
    fn radix_sort_matches_sort_unstable() {
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut v: Vec<u64> = (0..20_000)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                if i % 3 == 0 {
                    key((s % 1000) as f64)
                } else {
                    s
                }
            })
            .collect();
        let mut w = v.clone();
        sort_keys(&mut v);
        w.sort_unstable();
        assert_eq!(v, w);
    }

    #[test]
    fn u_and_ties_by_hand() {
        // x = [1, 2, 2], y = [2, 3]: U1 = 0 + 0.5 + 0.5 = 1.
        let r = rank(&[1.0, 2.0, 2.0], &[2.0, 3.0]);
        assert_eq!(r.u1_twice, 2);
        assert!(r.ties);
        assert_eq!(r.tie_term, 24.0); // one group of 3
        assert_eq!(r.doubled_ranks(), vec![2, 6, 6, 6, 10]);
    }
}
