//! Numerics every method shares, written once.
//!
//! Parity with the Python peers is decided in the last bits, so the pieces
//! whose rounding shows in results follow NumPy operation for operation:
//! pairwise summation ([`np_sum`], which is `np.sum`/`np.add.reduce` of a
//! contiguous float64 array), `np.mean`, `np.std(ddof=1)`, `np.linspace`,
//! `np.quantile` (method "linear") and SciPy's `scoreatpercentile`. The
//! log-space helpers ([`log_sum_exp`], [`log_add`]) keep posteriors and
//! likelihoods from underflowing. The KDE, ACF, changepoint, features and
//! experiments code used to carry their own copies of these.
//!
//! ```
//! use threatstat_core::numerics::{np_sum, np_quantile_sorted, log_sum_exp, median};
//! assert_eq!(np_sum(&[0.1; 10]), 1.0); // NumPy 2.4's value
//! assert_eq!([0.1; 10].iter().sum::<f64>(), 0.9999999999999999); // a running sum's
//! assert_eq!(np_quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
//! assert!((log_sum_exp(&[-1000.0, -1000.0]) - (-1000.0 + 2f64.ln())).abs() < 1e-12);
//! assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
//! ```

/// NumPy's pairwise summation of a contiguous float64 array (`np.sum`,
/// `np.add.reduce`): blocks of at most 128 elements summed with 8
/// accumulators, larger arrays split in two at a multiple of 8. Bit-identical
/// to `np.sum` for contiguous 1-D arrays.
pub fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

/// `np.sum(f(a))` without materialising `f(a)`: bit-identical to
/// [`np_sum`] of the mapped values (see [`np_sum_fn`]).
pub fn np_sum_map(a: &[f64], f: impl Fn(usize, f64) -> f64) -> f64 {
    np_sum_fn(a.len(), |i| f(i, a[i]))
}

/// `np.sum` of the `n` values `f(0), …, f(n − 1)` without an `n`-length
/// buffer: the pairwise recursion of [`np_sum`], each block of at most 128
/// values mapped into a stack buffer, so the result is bit-identical to
/// `np_sum(&(0..n).map(f).collect::<Vec<_>>())`.
///
/// ```
/// use threatstat_core::numerics::{np_sum, np_sum_fn};
/// let v: Vec<f64> = (0..1000).map(|i| 1.0 / (i as f64 + 1.0)).collect();
/// assert_eq!(np_sum_fn(v.len(), |i| v[i]), np_sum(&v));
/// ```
pub fn np_sum_fn(n: usize, f: impl Fn(usize) -> f64) -> f64 {
    fn go(start: usize, n: usize, f: &impl Fn(usize) -> f64) -> f64 {
        if n <= 128 {
            let mut block = [0.0f64; 128];
            for (k, b) in block[..n].iter_mut().enumerate() {
                *b = f(start + k);
            }
            np_sum(&block[..n])
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            go(start, n2, f) + go(start + n2, n - n2, f)
        }
    }
    go(0, n, &f)
}

/// `np.linspace(start, stop, num)` (endpoint included): `i * step + start`
/// with `step = (stop - start) / (num - 1)`, the last value set to `stop`.
pub fn np_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| (i as f64 / div) * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    y[num - 1] = stop;
    y
}

/// `np.mean(a)`: pairwise sum divided by n.
pub fn np_mean(a: &[f64]) -> f64 {
    np_sum(a) / a.len() as f64
}

/// `np.std(a, ddof=1)` (two-pass, pairwise sums). NaN for fewer than two
/// values, as NumPy (which also warns).
pub fn np_std_ddof1(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 2 {
        return f64::NAN;
    }
    let mean = np_mean(a);
    let ss = np_sum_map(a, |_, x| {
        let d = x - mean;
        d * d
    });
    (ss / (n - 1) as f64).sqrt()
}

/// SciPy's `scoreatpercentile(a, per)` with the default `"fraction"`
/// interpolation, on already sorted data.
pub fn score_at_percentile_sorted(sorted: &[f64], per: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let idx = per / 100.0 * (n - 1) as f64;
    let i = idx as usize; // int(idx): idx >= 0
    if i as f64 == idx {
        sorted[i]
    } else {
        let j = (i + 1) as f64;
        let w0 = j - idx;
        let w1 = idx - i as f64;
        // np.add.reduce of two products, then / weights.sum()
        (sorted[i] * w0 + sorted[i + 1] * w1) / (w0 + w1)
    }
}

/// `np.quantile(a, q)` with the default `"linear"` method, on sorted data
/// without NaN. NaN for an empty slice.
pub fn np_quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let virt = (n - 1) as f64 * q;
    if virt >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virt < 0.0 {
        return sorted[0];
    }
    let prev = virt.floor();
    let (a, b) = (sorted[prev as usize], sorted[prev as usize + 1]);
    let gamma = virt - prev;
    // NumPy's _lerp: a + (b-a)*t, or b - (b-a)*(1-t) when t >= 0.5.
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// `ln Σ exp(x)` without overflow or underflow; `-inf` for an empty or
/// all `-inf` slice.
pub fn log_sum_exp(xs: &[f64]) -> f64 {
    let m = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// `ln(exp(a) + exp(b))` without overflow or underflow.
#[inline]
pub fn log_add(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    hi + (lo - hi).exp().ln_1p()
}

/// `np.median(v)` of values without NaN (sorts `v` in place); NaN for an
/// empty slice. Of an even number of values it is NumPy's mean of the two
/// middle ones, `(a + b) / 2`, which differs in the last bit from
/// `np.quantile(v, 0.5)`'s interpolation when `a` and `b` differ in sign or
/// magnitude.
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `np.quantile(v, q)` ("linear") of values without NaN (sorts `v` in
/// place); NaN for an empty slice.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    np_quantile_sorted(v, q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn np_sum_fn_is_np_sum_of_the_mapped_values_bit_for_bit() {
        // Lengths around every block and split boundary; values whose sum
        // depends on the order of the additions.
        for n in (0..300).chain([1000, 1023, 1024, 1025, 4097, 100_003]) {
            let v: Vec<f64> = (0..n)
                .map(|i| ((i * 7919 % 1009) as f64 - 504.3) * 10f64.powi((i % 13) as i32 - 6))
                .collect();
            let f = |i: usize| v[i] * 1.1 + 0.3;
            let mapped: Vec<f64> = (0..n).map(f).collect();
            assert_eq!(
                np_sum_fn(n, f).to_bits(),
                np_sum(&mapped).to_bits(),
                "n = {n}"
            );
            assert_eq!(
                np_sum_map(&v, |_, x| x * x).to_bits(),
                np_sum(&v.iter().map(|x| x * x).collect::<Vec<_>>()).to_bits()
            );
        }
    }

    #[test]
    fn np_sum_small_and_blocked() {
        assert_eq!(np_sum(&[]), 0.0);
        assert_eq!(np_sum(&[1.0, 2.0, 3.0]), 6.0);
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(np_sum(&v), 499_500.0);
    }

    #[test]
    fn np_sum_is_numpys_pairwise_order_not_a_running_sum() {
        // 0.1 summed 1000 times: NumPy 2.4 gives 100.00000000000001
        // (pairwise blocks); a running sum gives 99.9999999999986.
        let v = vec![0.1; 1000];
        assert_eq!(np_sum(&v), 100.000_000_000_000_01);
        assert_ne!(np_sum(&v), v.iter().sum::<f64>());
    }

    #[test]
    fn linspace_ends_exactly() {
        let g = np_linspace(-1.3, 2.7, 11);
        assert_eq!(g[0], -1.3);
        assert_eq!(g[10], 2.7);
        assert_eq!(np_linspace(0.0, 1.0, 1), vec![0.0]);
    }

    #[test]
    fn quantile_and_percentile() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(np_quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(np_quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(np_quantile_sorted(&s, 1.0), 4.0);
        assert_eq!(score_at_percentile_sorted(&s, 50.0), 2.5);
        assert_eq!(score_at_percentile_sorted(&s, 100.0), 4.0);
        assert!(median(&mut []).is_nan());
        // tools/reference/numpy_median_even.py: np.median, and np.quantile(v, 0.5).
        let v = [-1.4050485787392175, 0.00035409956664017497];
        assert_eq!(median(&mut v.clone()), -0.7023472395862886);
        assert_eq!(np_quantile_sorted(&v, 0.5), -0.7023472395862888);
        assert_eq!(median(&mut [1.0, f64::INFINITY, 2.0]), 2.0);
        assert_eq!(quantile(&mut [4.0, 1.0, 3.0, 2.0], 1.0 / 3.0), 2.0);
    }

    #[test]
    fn log_space_helpers() {
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 3]), f64::NEG_INFINITY);
        assert!((log_sum_exp(&[800.0, 800.0]) - (800.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_add(f64::NEG_INFINITY, -3.0), -3.0);
        assert!((log_add(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
    }
}
