//! The exact null distribution of U (no ties).
//!
//! Under H0 without ties, the number of arrangements with `U = u` is the
//! coefficient of `q^u` in the Gaussian binomial coefficient
//!
//! ```text
//! [m+n choose m]_q = Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i)
//! ```
//!
//! We build the coefficients up to the one needed, `c`, factor by factor:
//! dividing by `(1 − q^i)` is a running sum with stride `i`, multiplying by
//! `(1 − q^(n+i))` a subtraction with stride `n+i`. After step `i` the array
//! holds the counts for sample sizes `(i, n)`. That is O(m·c) work for
//! `m = min(n1, n2)`, against O(c²) for the recurrence SciPy uses (Löffler's,
//! in floating point with coefficients of both signs: SciPy's exact p-values
//! drift by 1e-13 at 200 × 150 and its counts overflow to NaN around
//! 1000 × 1000).
//!
//! The subtraction cancels, so plain f64 is not enough (see [`counts`]):
//! counts are kept in double-double, or triple-double for samples of more
//! than 700 values, scaled by exact powers of two (tracked as an integer
//! exponent), so there is no overflow (the counts reach
//! `C(2000, 1000) ≈ 10^600` at 1000 × 1000) and no rounding from scaling.
//! The normalising constant `C(m+n, m)` is computed in double-double
//! arithmetic. Probabilities far below `1e-308` are still available as
//! natural logarithms. Both halves of each pass are split between threads
//! by columns (residue classes), so the result does not depend on the
//! thread count.
//!
//! Times (one core): 500 × 500 about 0.2 s, 1000 × 1000 about 3 s.

/// A positive number `mant · 2^exp`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scaled {
    pub mant: f64,
    pub exp: i64,
}

impl Scaled {
    pub fn ln(self) -> f64 {
        self.mant.ln() + self.exp as f64 * std::f64::consts::LN_2
    }
    /// `self / other` as a float (0 or subnormal when it underflows).
    pub fn ratio(self, other: Scaled) -> f64 {
        ldexp(self.mant / other.mant, self.exp - other.exp)
    }
}

/// `x · 2^e`, exact unless the result under- or overflows.
pub(crate) fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * 2f64.powi(e as i32)
}

/// `C(m+n, m)` as a [`Scaled`], accurate to about 1e-30 relative
/// (double-double products of the ratios `(n+i)/i`).
pub(crate) fn binomial(m: u64, n: u64) -> Scaled {
    let (m, n) = (m.min(n), m.max(n));
    let (mut hi, mut lo, mut exp) = (1.0f64, 0.0f64, 0i64);
    for i in 1..=m {
        // (hi, lo) *= (n + i)
        let k = (n + i) as f64;
        let p = hi * k;
        let e = hi.mul_add(k, -p);
        let l = lo * k + e;
        (hi, lo) = two_sum(p, l);
        // (hi, lo) /= i
        let d = i as f64;
        let q1 = hi / d;
        let r = (-q1).mul_add(d, hi) + lo;
        let q2 = r / d;
        (hi, lo) = two_sum(q1, q2);
        if hi > 2f64.powi(600) {
            hi *= 2f64.powi(-600);
            lo *= 2f64.powi(-600);
            exp += 600;
        }
    }
    Scaled { mant: hi, exp }
}

#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Largest `min(n1,n2) · ⌊n1·n2/2⌋` for which the exact distribution is
/// computed (the work, in multiply-adds: 5·10^8, i.e. 1000 × 1000).
pub const EXACT_MAX_WORK: u128 = 500_000_000;
/// Bound on `⌊n1·n2/2⌋` (the length of the array of 32-byte counts: 80 MB).
pub const EXACT_MAX_LEN: u128 = 2_500_000;

/// Whether the exact distribution is computed for sizes `n1`, `n2`.
pub fn exact_supported(n1: u64, n2: u64) -> bool {
    let mn = u128::from(n1) * u128::from(n2);
    let half = mn / 2;
    u128::from(n1.min(n2)) * half <= EXACT_MAX_WORK && half < EXACT_MAX_LEN
}

/// Multi-double arithmetic for the counts: a value is an unevaluated sum of
/// f64 components of decreasing magnitude.
pub(crate) trait Multi: Copy + Default + Send {
    fn one() -> Self;
    fn add(self, o: Self) -> Self;
    fn neg(self) -> Self;
    /// Multiplies by `f`, a power of two.
    fn scale(self, f: f64) -> Self;
    /// The leading component.
    fn hi(self) -> f64;
    /// The value rounded to f64.
    fn value(self) -> f64;
}

/// Double-double: about 106 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Dd(f64, f64);

impl Multi for Dd {
    fn one() -> Self {
        Dd(1.0, 0.0)
    }
    #[inline]
    fn add(self, o: Dd) -> Dd {
        let (s, e) = two_sum(self.0, o.0);
        let (t, f) = two_sum(self.1, o.1);
        let (s, e) = fast_two_sum(s, e + t);
        let (hi, lo) = fast_two_sum(s, e + f);
        Dd(hi, lo)
    }
    #[inline]
    fn neg(self) -> Dd {
        Dd(-self.0, -self.1)
    }
    #[inline]
    fn scale(self, f: f64) -> Dd {
        Dd(self.0 * f, self.1 * f)
    }
    #[inline]
    fn hi(self) -> f64 {
        self.0
    }
    fn value(self) -> f64 {
        self.0 + self.1
    }
}

/// Triple-double: about 159 bits.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Td(f64, f64, f64);

impl Multi for Td {
    fn one() -> Self {
        Td(1.0, 0.0, 0.0)
    }
    #[inline]
    fn add(self, o: Td) -> Td {
        let (s0, e0) = two_sum(self.0, o.0);
        let (s1, e1) = two_sum(self.1, o.1);
        let (s1, t) = two_sum(s1, e0);
        let s2 = self.2 + o.2 + e1 + t;
        let (s0, s1) = fast_two_sum(s0, s1);
        let (s1, s2) = fast_two_sum(s1, s2);
        let (s0, s1) = fast_two_sum(s0, s1);
        Td(s0, s1, s2)
    }
    #[inline]
    fn neg(self) -> Td {
        Td(-self.0, -self.1, -self.2)
    }
    #[inline]
    fn scale(self, f: f64) -> Td {
        Td(self.0 * f, self.1 * f, self.2 * f)
    }
    #[inline]
    fn hi(self) -> f64 {
        self.0
    }
    fn value(self) -> f64 {
        self.0 + (self.1 + self.2)
    }
}

#[inline]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// Counts of `U = 0..=c` for sizes `(m, n)`: `coef[u]·2^exp`, rounded to f64.
pub(crate) struct Counts {
    pub coef: Vec<f64>,
    pub exp: i64,
    /// Their sum, rounded once from the multi-double sum.
    pub sum: f64,
}

/// Smallest sample size for which triple-double is used.
const TRIPLE_FROM: u64 = 701;

/// The counts of `U = 0..=c`.
///
/// The subtraction `a[u] −= a[u − n − i]` takes the difference of running
/// sums over two different residue classes mod `i`, and rounding errors made
/// in the upper tail of the intermediate distributions (sizes `(i, n)`)
/// end up near the mode of the final one. In f64 the centre of the 500 × 500
/// distribution comes out 2e-6 off and that of 700 × 700 40% off, while the
/// lower tail stays exact; the loss grows roughly linearly with `min(m, n)`
/// (about 0.08 bits per unit when the samples are balanced, much less when
/// they are not). So the counts are kept in double-double (106 bits) up to
/// `min(m, n) = 700` and in triple-double (159 bits) above: the
/// probabilities then come out within 1 ulp of the correctly rounded value
/// (the final divisions round once more) at 500 × 500, 700 × 700 and
/// 1000 × 1000 (double-double alone leaves 2e-9 at the centre of
/// 1000 × 1000), checked against exact big-integer counts (see
/// `tests/fixtures/README.md`; the 1000 × 1000 cases run in release builds). The cost is about 2× (double-double) and
/// 3× (triple-double) that of f64.
pub(crate) fn counts(m: u64, n: u64, c: u64) -> Counts {
    if m.min(n) >= TRIPLE_FROM {
        counts_in::<Td>(m, n, c)
    } else {
        counts_in::<Dd>(m, n, c)
    }
}

fn counts_in<T: Multi>(m: u64, n: u64, c: u64) -> Counts {
    let (m, n) = (m.min(n) as usize, m.max(n) as usize);
    let c = c as usize;
    let mut a = vec![T::default(); c + 1];
    a[0] = T::one();
    let mut exp = 0i64;
    const BIG: f64 = 1e250;
    let down = 2f64.powi(-800);
    for i in 1..=m {
        // Divide by (1 − q^i): running sums with stride i, i.e. block j of i
        // entries += block j − 1 (ascending).
        if i <= c {
            by_columns(&mut a, i, |blocks| {
                for j in 1..blocks.len() {
                    let (done, todo) = blocks.split_at_mut(j);
                    for (d, s) in todo[0].iter_mut().zip(done[j - 1].iter()) {
                        *d = d.add(*s);
                    }
                }
            });
        }
        // Running sums only grow along a class: the largest value is among
        // the last i entries.
        let max = a[(c + 1).saturating_sub(i)..]
            .iter()
            .fold(0.0f64, |m, v| m.max(v.hi()));
        // Multiply by (1 − q^(n+i)): a[u] −= a[u − n − i] with the old
        // values, i.e. block j of n + i entries −= block j − 1 (descending).
        let s = n + i;
        if s <= c {
            by_columns(&mut a, s, |blocks| {
                for j in (1..blocks.len()).rev() {
                    let (lower, upper) = blocks.split_at_mut(j);
                    for (d, x) in upper[0].iter_mut().zip(lower[j - 1].iter()) {
                        *d = d.add(x.neg());
                    }
                }
            });
        }
        if max > BIG {
            // Rescale by an exact power of two; values that would become
            // subnormal (below 1e-500 relative to the largest, negligible)
            // are flushed to 0: subnormal arithmetic is very slow.
            for v in a.iter_mut() {
                *v = if (v.hi() * down).abs() < 1e-250 {
                    T::default()
                } else {
                    v.scale(down)
                };
            }
            exp += 800;
        }
    }
    let sum = a.iter().fold(T::default(), |acc, &x| acc.add(x)).value();
    Counts {
        // An exact count is never negative (guard against rounding residues).
        coef: a.iter().map(|v| v.value().max(0.0)).collect(),
        exp,
        sum: sum.max(0.0),
    }
}

/// Runs `f` on the blocks `a[j·w .. (j+1)·w]`; `f` combines blocks
/// element-wise (column by column), so the columns are split between threads
/// when the blocks are wide enough: each thread gets the same column range of
/// every block. Contiguous inner loops also let the compiler vectorise.
fn by_columns<T: Send>(a: &mut [T], w: usize, f: impl Fn(&mut [&mut [T]]) + Sync) {
    let parts = rayon::current_num_threads().min(w / 256).max(1);
    if parts == 1 || a.len() < 1 << 15 {
        let mut blocks: Vec<&mut [T]> = a.chunks_mut(w).collect();
        f(&mut blocks);
        return;
    }
    let width = w.div_ceil(parts);
    let mut cols: Vec<Vec<&mut [T]>> = (0..parts).map(|_| Vec::new()).collect();
    for mut blk in a.chunks_mut(w) {
        for col in cols.iter_mut() {
            let k = width.min(blk.len());
            let (head, tail) = std::mem::take(&mut blk).split_at_mut(k);
            col.push(head);
            blk = tail;
        }
    }
    use rayon::prelude::*;
    cols.par_iter_mut().for_each(|c| f(c));
}

/// Sum of the counts as a [`Scaled`].
fn sum(k: &Counts) -> Scaled {
    Scaled {
        mant: k.sum,
        exp: k.exp,
    }
}

/// A probability with its natural logarithm (accurate where `p` underflows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Prob {
    pub p: f64,
    pub ln_p: f64,
}

impl Prob {
    pub fn one() -> Self {
        Prob { p: 1.0, ln_p: 0.0 }
    }
}

/// `P(U <= c)` for sizes `(n1, n2)`, `c <= n1·n2/2` expected (any c works).
pub(crate) fn cdf(n1: u64, n2: u64, c: u64) -> Prob {
    let mn = n1 * n2;
    if c >= mn {
        return Prob::one();
    }
    let total = binomial(n1, n2);
    if c > mn / 2 {
        // 1 − P(U >= c+1) = 1 − P(U <= mn − c − 1)
        let q = cdf(n1, n2, mn - c - 1);
        let p = 1.0 - q.p;
        return Prob {
            p,
            ln_p: (-q.p).ln_1p(),
        };
    }
    let s = sum(&counts(n1, n2, c));
    Prob {
        p: s.ratio(total).min(1.0),
        ln_p: (s.ln() - total.ln()).min(0.0),
    }
}

/// `P(U >= k)` for sizes `(n1, n2)`, computed from the lower tail by symmetry
/// (`P(U >= k) = P(U <= n1·n2 − k)`), so upper-tail p-values keep their full
/// relative precision. This is the survival function SciPy's exact method
/// uses (its `sf` includes the mass at `k`).
pub(crate) fn sf(n1: u64, n2: u64, k: u64) -> Prob {
    let mn = n1 * n2;
    if k == 0 {
        return Prob::one();
    }
    if k > mn {
        return Prob {
            p: 0.0,
            ln_p: f64::NEG_INFINITY,
        };
    }
    let kc = mn - k;
    if k >= kc {
        cdf(n1, n2, kc)
    } else {
        // 1 − P(U <= k − 1), with k − 1 < mn/2.
        let q = cdf(n1, n2, k - 1);
        Prob {
            p: 1.0 - q.p,
            ln_p: (-q.p).ln_1p(),
        }
    }
}

/// `P(U >= k)` and its natural logarithm under H0 without ties, for
/// samples of `n_x` and `n_y` values: the exact survival function the
/// `exact` method uses (SciPy's `_MWU.sf`).
///
/// ```
/// // SciPy's docstring example: U = 17 of 5 against 4; two-sided p = 2·P(U >= 17).
/// let (p, ln_p) = threatstat_ranktest::exact_sf(5, 4, 17).unwrap();
/// assert!((2.0 * p - 0.1111111111111111).abs() < 1e-16);
/// // Far below the f64 range: P(U >= 10^6) at 1000 × 1000 is 1/C(2000, 1000).
/// let (p, ln_p) = threatstat_ranktest::exact_sf(1000, 1000, 1_000_000).unwrap();
/// assert_eq!(p, 0.0);
/// assert!((ln_p + 1382.26799353748).abs() < 1e-9);
/// ```
pub fn exact_sf(n_x: u64, n_y: u64, k: u64) -> Result<(f64, f64), crate::RankTestError> {
    for (name, n) in [("n_x", n_x), ("n_y", n_y)] {
        if n == 0 {
            return Err(threatstat_core::Error::param(name, 0, "at least 1").into());
        }
    }
    if !exact_supported(n_x, n_y) {
        return Err(crate::RankTestError::ExactTooLarge { n_x, n_y });
    }
    let p = sf(n_x, n_y, k);
    Ok((p.p, p.ln_p))
}

/// The whole distribution `P(U = u)`, `u = 0..=n1·n2` (for small sizes: the
/// exact confidence interval of the Hodges–Lehmann shift).
pub(crate) fn pmf_all(n1: u64, n2: u64) -> Vec<f64> {
    let mn = n1 * n2;
    let half = mn / 2;
    let k = counts(n1, n2, half);
    let total = binomial(n1, n2);
    let mut p = vec![0.0; mn as usize + 1];
    for (u, &c) in k.coef.iter().enumerate() {
        let v = Scaled {
            mant: c,
            exp: k.exp,
        }
        .ratio(total);
        p[u] = v;
        p[mn as usize - u] = v;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts by the additive recurrence f(u; m, n) = f(u − n; m − 1, n) + f(u; m, n − 1).
    fn brute(m: usize, n: usize) -> Vec<f64> {
        let mut t = vec![vec![vec![0.0f64; m * n + 1]; n + 1]; m + 1];
        for (a, ta) in t.iter_mut().enumerate() {
            for (b, tab) in ta.iter_mut().enumerate() {
                if a == 0 || b == 0 {
                    tab[0] = 1.0;
                }
            }
        }
        for a in 1..=m {
            for b in 1..=n {
                for u in 0..=a * b {
                    let x = if u >= b { t[a - 1][b][u - b] } else { 0.0 };
                    t[a][b][u] = x + t[a][b - 1][u];
                }
            }
        }
        t[m][n].clone()
    }

    #[test]
    fn counts_match_the_additive_recurrence() {
        for (m, n) in [(1, 1), (1, 5), (3, 4), (5, 3), (7, 7), (8, 12), (10, 3)] {
            let b = brute(m, n);
            let k = counts(m as u64, n as u64, (m * n) as u64);
            for (u, (&x, &y)) in k.coef.iter().zip(&b).enumerate() {
                assert_eq!(x * 2f64.powi(k.exp as i32), y, "m={m} n={n} u={u}");
            }
        }
    }

    #[test]
    fn binomial_is_exact_where_it_fits() {
        assert_eq!(binomial(5, 4).mant, 126.0);
        let b = binomial(30, 30);
        assert_eq!(b.mant * 2f64.powi(b.exp as i32), 118264581564861424.0);
        // ln C(2000, 1000)
        let b = binomial(1000, 1000);
        assert!((b.ln() - 1382.26799353748).abs() < 1e-9, "{}", b.ln());
    }

    #[test]
    fn scipy_docstring_example() {
        // males vs females: U = 17, m = 5, n = 4; two-sided p = 2·P(U >= 17).
        let p = sf(5, 4, 17);
        assert!((2.0 * p.p - 0.1111111111111111).abs() < 1e-16);
        // females vs males, less: sf(U2 = 17).
        assert!((p.p - 0.05555555555555555).abs() < 1e-16);
    }

    #[test]
    fn tail_far_below_f64_range_has_a_log() {
        // P(U = 0) at 1000 × 1000 = 1 / C(2000, 1000).
        let p = cdf(1000, 1000, 0);
        assert_eq!(p.p, 0.0);
        assert!((p.ln_p + 1382.26799353748).abs() < 1e-9);
    }
}
