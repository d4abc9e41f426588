//! NumPy-compatible numerical building blocks.
//!
//! Parity with the Python tools is decided in the last bits, so the pieces
//! whose rounding shows in results follow NumPy/SciPy operation for operation:
//! NumPy's pairwise summation (`np.sum`), `np.linspace`, `np.std(ddof=1)`,
//! `np.quantile` (method "linear"), SciPy's `scoreatpercentile` and SciPy's
//! `brentq` (the C implementation, iteration for iteration).

pub use threatstat_core::numerics::{
    np_linspace, np_mean, np_quantile_sorted, np_std_ddof1, np_sum, np_sum_fn, np_sum_map,
    score_at_percentile_sorted,
};

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
    fn brentq_finds_sqrt2() {
        let r = brentq(|x| x * x - 2.0, 0.0, 2.0, 1e-14, BRENTQ_RTOL, 100).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-13);
        assert_eq!(
            brentq(|x| x * x + 1.0, 0.0, 2.0, 1e-12, BRENTQ_RTOL, 100),
            Err(BrentError::SignError)
        );
    }
}
