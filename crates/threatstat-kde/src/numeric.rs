//! NumPy-compatible numerical building blocks.
//!
//! Parity with the Python tools is decided in the last bits, so the pieces
//! whose rounding shows in results follow NumPy/SciPy operation for operation:
//! NumPy's pairwise summation (`np.sum`), `np.linspace`, `np.std(ddof=1)`,
//! `np.quantile` (method "linear"), SciPy's `scoreatpercentile` and SciPy's
//! `brentq` (the C implementation, iteration for iteration).

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

/// `np.sum(f(a))` without materialising `f(a)` for short inputs: the values
/// are mapped into a buffer and summed pairwise.
pub fn np_sum_map(a: &[f64], f: impl Fn(usize, f64) -> f64) -> f64 {
    let v: Vec<f64> = a.iter().enumerate().map(|(i, &x)| f(i, x)).collect();
    np_sum(&v)
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

/// Why [`brentq`] stopped without a root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrentError {
    /// `f(a)` and `f(b)` have the same sign.
    SignError,
    /// The function returned NaN (SciPy raises `ValueError`).
    NanValue,
    /// `maxiter` iterations without convergence.
    NotConverged,
}

/// SciPy's `optimize.brentq` (the C routine `brentq.c`, with the Python
/// wrapper's NaN check), step for step, so that roots agree with SciPy's to
/// the last bit when the function values do.
pub fn brentq(
    mut f: impl FnMut(f64) -> f64,
    xa: f64,
    xb: f64,
    xtol: f64,
    rtol: f64,
    maxiter: usize,
) -> Result<f64, BrentError> {
    let mut eval = |x: f64| {
        let v = f(x);
        if v.is_nan() {
            Err(BrentError::NanValue)
        } else {
            Ok(v)
        }
    };
    let mut xpre = xa;
    let mut xcur = xb;
    let (mut xblk, mut fblk, mut spre, mut scur) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut fpre = eval(xpre)?;
    let mut fcur = eval(xcur)?;
    if fpre == 0.0 {
        return Ok(xpre);
    }
    if fcur == 0.0 {
        return Ok(xcur);
    }
    if fpre.is_sign_negative() == fcur.is_sign_negative() {
        return Err(BrentError::SignError);
    }
    for _ in 0..maxiter {
        if fpre != 0.0 && fcur != 0.0 && fpre.is_sign_negative() != fcur.is_sign_negative() {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = (xtol + rtol * xcur.abs()) / 2.0;
        let sbis = (xblk - xcur) / 2.0;
        if fcur == 0.0 || sbis.abs() < delta {
            return Ok(xcur);
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                // interpolate
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                // extrapolate
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        if scur.abs() > delta {
            xcur += scur;
        } else {
            xcur += if sbis > 0.0 { delta } else { -delta };
        }
        fcur = eval(xcur)?;
    }
    Err(BrentError::NotConverged)
}

/// SciPy's default `xtol` of `brentq`.
pub const BRENTQ_XTOL: f64 = 2e-12;
/// SciPy's default `rtol` of `brentq` (4 ulp of 1).
pub const BRENTQ_RTOL: f64 = 4.0 * f64::EPSILON;
/// SciPy's default `maxiter` of `brentq`.
pub const BRENTQ_MAXITER: usize = 100;

/// Lanes of the vectorised inner loops (a multiple of every SIMD width).
pub(crate) const LANES: usize = 8;

/// [`exp2_neg`] clamps its argument here: `2^-1021 ≈ 4.5e-308`, the
/// smallest normal numbers.
pub(crate) const EXP2_NEG_MAX: f64 = 1021.0;

/// `2^(−s)` for `s >= 0`, branch-free so that loops over it vectorise:
/// `s = −k + u` with `k = round(−s)`, `|u| <= 1/2` (exact), `2^(−u) =
/// q(u)²` with `q` a degree-9 near-minimax polynomial for `2^(−u/2)`
/// (Chebyshev fit, approximation error 1.4e-17), and `2^k` built from its
/// bits. Relative error below 4e-16 for `s` in `[0, 1021]`; for larger `s`
/// the result is about `2^-1021` instead of smaller (callers treat sums below
/// 1e-250 exactly, where such terms could matter).
#[inline(always)]
pub(crate) fn exp2_neg(s: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: round to integer
    const C: [f64; 10] = [
        -1.989_264_518_736_210_7e-10,
        5.166_607_095_860_986_4e-9,
        -1.191_619_531_548_040_3e-7,
        2.406_800_681_574_274e-6,
        -4.166_736_921_023_985e-5,
        6.011_330_693_109_264e-4,
        -6.938_013_583_102_615e-3,
        6.005_662_673_977_255e-2,
        -3.465_735_902_799_726_4e-1,
        1.0,
    ];
    let sc = s.min(EXP2_NEG_MAX);
    let t = MAGIC - sc; // MAGIC + k, k = round(-s)
    let k = t - MAGIC;
    let u = sc + k;
    let mut q = C[0];
    for &c in &C[1..] {
        q = q * u + c;
    }
    let ki = t.to_bits().wrapping_sub(MAGIC.to_bits());
    let scale = f64::from_bits(ki.wrapping_add(1023) << 52);
    (q * q) * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp2_neg_is_accurate() {
        let mut worst = 0.0f64;
        let mut s = 0.0;
        while s < 1021.0 {
            let a = exp2_neg(s);
            let b = (-s).exp2();
            worst = worst.max(((a - b) / b).abs());
            s += 0.001_37;
        }
        assert!(worst < 5e-16, "worst relative error {worst}");
        assert_eq!(exp2_neg(0.0), 1.0);
        assert_eq!(exp2_neg(1.0), 0.5);
        let floor = exp2_neg(1021.0);
        assert!(floor > 0.0 && floor < 5e-308);
        assert_eq!(exp2_neg(1e6), floor);
        assert_eq!(exp2_neg(f64::INFINITY), floor);
    }

    #[test]
    fn np_sum_small_and_blocked() {
        assert_eq!(np_sum(&[]), 0.0);
        assert_eq!(np_sum(&[1.0, 2.0, 3.0]), 6.0);
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(np_sum(&v), 499_500.0);
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
    }

    #[test]
    fn brentq_finds_sqrt2() {
        let r = brentq(|x| x * x - 2.0, 0.0, 2.0, 1e-14, BRENTQ_RTOL, 100).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-13);
        assert_eq!(
            brentq(|x| x * x + 1.0, 0.0, 2.0, 1e-12, BRENTQ_RTOL, 100),
            Err(BrentError::SignError)
        );
    }
}
