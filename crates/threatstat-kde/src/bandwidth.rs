//! Univariate bandwidth rules: statsmodels' rules of thumb and KDEpy's
//! Improved Sheather–Jones (ISJ) plug-in selector.
//!
//! Every function returns the *kernel standard deviation* `h` for 1-D data
//! (statsmodels' and KDEpy's convention), not SciPy's covariance factor; the
//! SciPy factors live on [`crate::Bandwidth::Scott`] and
//! [`crate::Bandwidth::Silverman`].
//!
//! # statsmodels (0.15)
//!
//! `A = min(std(x, ddof=1), IQR/1.349)`, or `std(x, ddof=1)` alone when the
//! interquartile range is 0 (many ties), with the quartiles from SciPy's
//! `scoreatpercentile`; then
//!
//! | rule | h |
//! |---|---|
//! | [`bw_scott`] | `1.059 · A · n^(-1/5)` |
//! | [`bw_silverman`] | `0.9 · A · n^(-1/5)` |
//! | [`bw_normal_reference`] | `C · A · n^(-1/5)`, `C = 2 (√π · 2!³ · R(K) / (2·2·4!·κ₂²))^(1/5) = 1.0592238410488122` for the Gaussian kernel |
//!
//! The functions return what statsmodels returns, 0 or NaN included (NaN for
//! fewer than two values); [`select_bandwidth`] adds statsmodels' check that
//! the bandwidth is not 0 (and, unlike statsmodels, also rejects NaN).
//!
//! # ISJ (KDEpy 1.1.12, Botev et al. 2010)
//!
//! [`bw_isj`] follows KDEpy's `improved_sheather_jones` step by step: a grid
//! of 2^10 points over `[min − b, max + b]` with `b = max(R/2, 6)` (`R` the
//! data range; note the absolute 6, so the result is not scale-equivariant for
//! data whose range is below 12), linear binning, a type-II DCT, the fixed
//! point `t = ξ γ^[7](t)` of Botev's paper with KDEpy's constants, SciPy's
//! `brentq` on `[0, tol]` with KDEpy's doubling of `tol`, and `h = √t · R`.
//! The brentq steps are SciPy's own, so the roots agree with KDEpy's to ~1e-13
//! relative (see the tests); only the DCT and NumPy's vectorised `exp`/`pow`
//! differ in the last bits.

use crate::KdeError;
use crate::numeric::{
    BRENTQ_MAXITER, BRENTQ_RTOL, BRENTQ_XTOL, BrentError, brentq, np_linspace, np_std_ddof1, np_sum,
};
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// statsmodels' dispersion `min(std(x, ddof=1), IQR/1.349)`, or the standard
/// deviation alone when the IQR is 0.
pub fn select_sigma(x: &[f64]) -> f64 {
    // Selections, O(n), instead of a sort: the same order statistics.
    let mut buf = x.to_vec();
    let (q25, q75) = quartiles(&mut buf);
    let iqr = (q75 - q25) / 1.349;
    let std = np_std_ddof1(x);
    if iqr > 0.0 {
        if std.is_nan() { std } else { std.min(iqr) }
    } else {
        std
    }
}

/// The 25th and 75th [`score_at_percentile_sorted`](crate::numeric::score_at_percentile_sorted)
/// of the values of `buf` (reordered): the 75th by selection, then the
/// 25th by selection within the values below it (half the work of a
/// second selection over all of them).
fn quartiles(buf: &mut [f64]) -> (f64, f64) {
    let n = buf.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (i75, a75, b75) = order_stats(buf, 75.0);
    let q75 = interpolate(75.0, n, i75, a75, b75);
    let idx25 = 25.0 / 100.0 * (n - 1) as f64;
    let i25 = (idx25 as usize).min(n - 1);
    let (a25, b25) = if i25 < i75 {
        // Order statistics i25 and i25 + 1 lie in buf[..i75] (or the
        // latter is a75 itself).
        let left = &mut buf[..i75];
        let (_, &mut a, rest) = left.select_nth_unstable_by(i25, f64::total_cmp);
        (
            a,
            rest.iter().copied().min_by(f64::total_cmp).unwrap_or(a75),
        )
    } else {
        (a75, b75)
    };
    (interpolate(25.0, n, i25, a25, b25), q75)
}

/// Order statistics `i` and `i + 1` (the latter `a` when there is none) of
/// `buf` for percentile `per`, with `i`.
fn order_stats(buf: &mut [f64], per: f64) -> (usize, f64, f64) {
    let n = buf.len();
    let idx = per / 100.0 * (n - 1) as f64;
    let i = (idx as usize).min(n - 1);
    let (_, &mut a, rest) = buf.select_nth_unstable_by(i, f64::total_cmp);
    let b = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    (i, a, b)
}

/// The arithmetic of `score_at_percentile_sorted` on order statistics `i`
/// (`a`) and `i + 1` (`b`), so the result is the same bit for bit.
fn interpolate(per: f64, n: usize, i: usize, a: f64, b: f64) -> f64 {
    let idx = per / 100.0 * (n - 1) as f64;
    if i as f64 == idx {
        a
    } else {
        let j = (i + 1) as f64;
        let w0 = j - idx;
        let w1 = idx - i as f64;
        (a * w0 + b * w1) / (w0 + w1)
    }
}

fn n_pow(n: usize) -> f64 {
    (n as f64).powf(-0.2)
}

/// statsmodels' `bw_scott`: `1.059 · A · n^(-1/5)`.
///
/// ```
/// let x = [1.0, 2.0, 2.5, 4.0, 7.0, 7.5, 9.0];
/// let h = threatstat_kde::bw_scott(&x);
/// assert_eq!(h, 2.2297036058070177); // statsmodels 0.15, bit for bit
/// ```
pub fn bw_scott(x: &[f64]) -> f64 {
    1.059 * select_sigma(x) * n_pow(x.len())
}

/// statsmodels' `bw_silverman`: `0.9 · A · n^(-1/5)`.
pub fn bw_silverman(x: &[f64]) -> f64 {
    0.9 * select_sigma(x) * n_pow(x.len())
}

/// statsmodels' normal-reference constant of the Gaussian kernel, computed as
/// statsmodels computes it (`kernels.Gaussian().normal_reference_constant`).
pub fn normal_reference_constant() -> f64 {
    let l2norm = 1.0 / (2.0 * std::f64::consts::PI.sqrt());
    let nu = 2.0f64;
    let mut c = std::f64::consts::PI.powf(0.5) * 2.0f64.powi(3) * l2norm;
    c /= 2.0 * nu * 24.0 * 1.0f64.powi(2);
    2.0 * c.powf(1.0 / (2.0 * nu + 1.0))
}

/// statsmodels' `bw_normal_reference` with the Gaussian kernel:
/// `C · A · n^(-1/5)` with [`normal_reference_constant`].
pub fn bw_normal_reference(x: &[f64]) -> f64 {
    normal_reference_constant() * select_sigma(x) * n_pow(x.len())
}

/// statsmodels' rules of thumb, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BandwidthRule {
    /// [`bw_scott`].
    Scott,
    /// [`bw_silverman`].
    Silverman,
    /// [`bw_normal_reference`].
    NormalReference,
}

impl BandwidthRule {
    /// statsmodels' names `scott`, `silverman`, `normal_reference`
    /// (case-insensitive; `normal-reference` is accepted too).
    pub fn from_name(name: &str) -> Result<Self, KdeError> {
        match name.to_lowercase().as_str() {
            "scott" => Ok(BandwidthRule::Scott),
            "silverman" => Ok(BandwidthRule::Silverman),
            "normal_reference" | "normal-reference" => Ok(BandwidthRule::NormalReference),
            _ => Err(Error::param(
                "bandwidth",
                name,
                "scott, silverman or normal_reference (statsmodels: not understood)",
            )
            .into()),
        }
    }
}

/// statsmodels' `select_bandwidth(x, bw, kernel)` with the Gaussian kernel:
/// the rule's bandwidth, or an error when it is 0 (statsmodels raises
/// `RuntimeError`) or not finite (statsmodels returns NaN; we refuse).
pub fn select_bandwidth(x: &[f64], rule: BandwidthRule) -> Result<f64, KdeError> {
    let h = match rule {
        BandwidthRule::Scott => bw_scott(x),
        BandwidthRule::Silverman => bw_silverman(x),
        BandwidthRule::NormalReference => bw_normal_reference(x),
    };
    if h == 0.0 {
        return Err(Error::data(
            "data",
            "Selected KDE bandwidth is 0. Cannot estimate density. Either provide the bandwidth \
             during initialization or use an alternative method.",
        )
        .into());
    }
    if !h.is_finite() {
        return Err(Error::data(
            "data",
            format!("the selected KDE bandwidth is {h} (at least two finite values are needed)"),
        )
        .into());
    }
    Ok(h)
}

/// Grid size of KDEpy's ISJ.
const ISJ_GRID: usize = 1 << 10;

/// The Improved Sheather–Jones bandwidth of KDEpy (`improved_sheather_jones`),
/// unweighted. See the [module docs](self).
///
/// ```
/// // Two clusters: ISJ sees the modes, rules of thumb oversmooth.
/// let x: Vec<f64> = (0..200)
///     .map(|i| if i % 2 == 0 { (i as f64 * 0.37).sin() } else { 8.0 + (i as f64 * 0.91).cos() })
///     .collect();
/// let h = threatstat_kde::bw_isj(&x).unwrap();
/// assert!(h > 0.0 && h < threatstat_kde::bw_silverman(&x));
/// ```
pub fn bw_isj(data: &[f64]) -> Result<f64, KdeError> {
    isj(data, None)
}

/// [`bw_isj`] with weights (KDEpy drops points of weight ≤ 0 first).
pub fn bw_isj_weighted(data: &[f64], weights: &[f64]) -> Result<f64, KdeError> {
    crate::checks::weights_len(weights.len(), data.len())?;
    if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
        return Err(KdeError::Weights {
            index: Some(i),
            message: format!(
                "weight {} is {}, expected a finite number",
                i + 1,
                weights[i]
            ),
        });
    }
    isj(data, Some(weights))
}

fn isj(data: &[f64], weights: Option<&[f64]>) -> Result<f64, KdeError> {
    crate::checks::finite_values(data)?;
    // Unweighted: the data as given (no copy).
    let (x, w): (std::borrow::Cow<'_, [f64]>, Option<Vec<f64>>) = match weights {
        None => (data.into(), None),
        Some(w) => {
            let keep: Vec<usize> = (0..data.len()).filter(|&i| w[i] > 0.0).collect();
            (
                keep.iter().map(|&i| data[i]).collect::<Vec<_>>().into(),
                Some(keep.iter().map(|&i| w[i]).collect()),
            )
        }
    };
    if x.is_empty() {
        return Err(Error::data(
            "data",
            "ISJ needs at least one data point (of positive weight)",
        )
        .into());
    }
    let (min, max) = crate::fft::min_max(x.iter().copied());
    let range = max - min;
    // KDEpy autogrid(data, boundary_abs=6, num_points=2**10, boundary_rel=0.5)
    let outside = if 6.0 > 0.5 * range { 6.0 } else { 0.5 * range };
    let mesh = np_linspace(min - outside, max + outside, ISJ_GRID);
    // The number of distinct values (a sort) is only needed by the root
    // finder: count it while the data are binned and transformed.
    let (n_unique, mut fp) = rayon::join(
        || crate::unique::count_unique(&x),
        || {
            let binned =
                linbin_1d_sequential(&x, w.as_deref(), mesh[0], mesh[ISJ_GRID - 1], ISJ_GRID);
            let a = dct2(&binned);
            let i_sq: Vec<f64> = (1..ISJ_GRID).map(|k| (k as f64).powi(2)).collect();
            let a2: Vec<f64> = a[1..].iter().map(|v| v * v).collect();
            FixedPoint::new(0, &i_sq, a2)
        },
    );
    fp.n = n_unique as f64;
    let t = isj_root(&fp, n_unique)?;
    Ok(t.sqrt() * range)
}

/// KDEpy's 1-D linear binning (`linbin_cython`) in data order, on the grid
/// `linspace(min_grid, max_grid, points)`; the grid must contain the data.
pub(crate) fn linbin_1d_sequential(
    x: &[f64],
    weights: Option<&[f64]>,
    min_grid: f64,
    max_grid: f64,
    points: usize,
) -> Vec<f64> {
    let intervals = points - 1;
    let dx = (max_grid - min_grid) / intervals as f64;
    let mut result = vec![0.0f64; intervals + 2];
    match weights {
        None => {
            for &v in x {
                let t = (v - min_grid) / dx;
                // t > 0 (the grid contains the data): floor is truncation.
                let i = t as usize;
                let frac = t - i as f64;
                result[i] += 1.0 - frac;
                result[i + 1] += frac;
            }
            result.truncate(points);
            let n = x.len() as f64;
            for r in &mut result {
                *r /= n;
            }
        }
        Some(w) => {
            let s = np_sum(w);
            for (&v, &wi) in x.iter().zip(w) {
                let wi = wi / s;
                let t = (v - min_grid) / dx;
                // t > 0 (the grid contains the data): floor is truncation.
                let i = t as usize;
                let frac = t - i as f64;
                let fw = frac * wi;
                result[i + 1] += fw;
                result[i] += wi - fw;
            }
            result.truncate(points);
        }
    }
    result
}

/// `scipy.fftpack.dct(x)` (type II, unnormalised):
/// `y_k = 2 Σ_n x_n cos(π k (2n+1) / 2N)`, by Makhoul's N-point FFT.
pub(crate) fn dct2(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut v: Vec<Complex<f64>> = vec![Complex::new(0.0, 0.0); n];
    for i in 0..n.div_ceil(2) {
        v[i] = Complex::new(x[2 * i], 0.0);
    }
    for i in 0..n / 2 {
        v[n - 1 - i] = Complex::new(x[2 * i + 1], 0.0);
    }
    FftPlanner::new().plan_fft_forward(n).process(&mut v);
    (0..n)
        .map(|k| {
            let ang = -std::f64::consts::PI * k as f64 / (2 * n) as f64;
            let (s, c) = ang.sin_cos();
            2.0 * (v[k].re * c - v[k].im * s)
        })
        .collect()
}

/// KDEpy's `_fixed_point(t, N, I_sq, a2)` with the powers `I_sq^s`
/// precomputed (`np.power` gives the same values on every call).
struct FixedPoint {
    n: f64,
    i_sq: Vec<f64>,
    /// `I_sq^s * a2` for s = 0..=7 (index s).
    pow_a2: Vec<Vec<f64>>,
}

impl FixedPoint {
    const ELL: i32 = 7;

    fn new(n_unique: usize, i_sq: &[f64], a2: Vec<f64>) -> Self {
        let pow_a2 = (0..=Self::ELL)
            .map(|s| {
                i_sq.iter()
                    .zip(&a2)
                    .map(|(&i, &a)| i.powf(s as f64) * a)
                    .collect()
            })
            .collect();
        FixedPoint {
            n: n_unique as f64,
            i_sq: i_sq.to_vec(),
            pow_a2,
        }
    }

    /// `0.5 π^(2s) Σ I^s a2 exp(-I π² t)`.
    fn norm(&self, s: i32, t: f64) -> f64 {
        let pi2 = std::f64::consts::PI.powi(2);
        let terms: Vec<f64> = self.pow_a2[s as usize]
            .iter()
            .zip(&self.i_sq)
            .map(|(&pa, &i)| pa * (-i * pi2 * t).exp())
            .collect();
        0.5 * std::f64::consts::PI.powf((2 * s) as f64) * np_sum(&terms)
    }

    fn eval(&self, t: f64) -> f64 {
        let mut f = self.norm(Self::ELL, t);
        if f <= 0.0 {
            return -1.0;
        }
        for s in (2..Self::ELL).rev() {
            // np.prod(np.arange(1, 2s+1, 2)): exact small odd products
            let odd: f64 = (1..=(2 * s - 1)).step_by(2).map(|k| k as f64).product();
            let k0 = odd / (2.0 * std::f64::consts::PI).sqrt();
            let c = (1.0 + 0.5f64.powf(s as f64 + 0.5)) / 3.0;
            let time = (2.0 * c * k0 / (self.n * f)).powf(2.0 / (3.0 + 2.0 * s as f64));
            f = self.norm(s, time);
        }
        let t_opt = (2.0 * self.n * std::f64::consts::PI.sqrt() * f).powf(-2.0 / 5.0);
        t - t_opt
    }
}

/// KDEpy's `_root`: brentq on `[0, tol]`, doubling `tol` until the signs
/// differ and the root is positive.
fn isj_root(fp: &FixedPoint, n_unique: usize) -> Result<f64, KdeError> {
    let nc = n_unique.clamp(50, 1050) as f64;
    let mut tol = 10e-12 + 0.01 * (nc - 50.0) / 1000.0;
    loop {
        let x = match brentq(
            |t| fp.eval(t),
            0.0,
            tol,
            BRENTQ_XTOL,
            BRENTQ_RTOL,
            BRENTQ_MAXITER,
        ) {
            Ok(x) => x,
            Err(BrentError::SignError) | Err(BrentError::NanValue) => {
                tol *= 2.0;
                0.0
            }
            Err(BrentError::NotConverged) => {
                return Err(KdeError::NoConvergence(
                    "ISJ: brentq did not converge in 100 iterations".into(),
                ));
            }
        };
        if x > 0.0 {
            return Ok(x);
        }
        if tol >= 1.0 {
            return Err(KdeError::NoConvergence(
                "ISJ: root finding did not converge (KDEpy: \"Need more data.\")".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_by_selection_are_scipys_bit_for_bit() {
        use crate::numeric::score_at_percentile_sorted;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in (1..120).chain([1000, 4097, 100_001]) {
            for ties in [false, true] {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        let u = (next() >> 11) as f64 / 2f64.powi(53);
                        if ties {
                            (u * 7.0).floor()
                        } else {
                            u * 10.0 - 3.0
                        }
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort_by(f64::total_cmp);
                let want = (
                    score_at_percentile_sorted(&sorted, 25.0),
                    score_at_percentile_sorted(&sorted, 75.0),
                );
                let got = quartiles(&mut v.clone());
                assert_eq!(
                    (got.0.to_bits(), got.1.to_bits()),
                    (want.0.to_bits(), want.1.to_bits()),
                    "n = {n}, ties {ties}"
                );
            }
        }
    }

    #[test]
    fn dct_matches_direct_sum() {
        let x: Vec<f64> = (0..64).map(|i| ((i * 7 % 13) as f64).sin()).collect();
        let y = dct2(&x);
        for (k, &yk) in y.iter().enumerate() {
            let d: f64 = x
                .iter()
                .enumerate()
                .map(|(n, &xn)| {
                    2.0 * xn * (std::f64::consts::PI * k as f64 * (2 * n + 1) as f64 / 128.0).cos()
                })
                .sum();
            assert!((yk - d).abs() < 1e-12, "{k}: {yk} vs {d}");
        }
    }

    #[test]
    fn fixed_point_matches_kdepy_doctests() {
        // KDEpy's doctests (from Botev's MATLAB code).
        let ints: Vec<f64> = (1..=50).map(|i| i as f64).collect();
        let fp = FixedPoint::new(50, &ints, ints.clone());
        assert!((fp.eval(0.01) - 0.009_907_622_029_396_762).abs() < 1e-12);
        let ints10: Vec<f64> = (1..=10).map(|i| i as f64).collect();
        let fp = FixedPoint::new(25, &ints10, ints10.clone());
        assert!((fp.eval(0.07) - 0.068_342_291_525_717_48).abs() < 1e-12);
        let fp = FixedPoint::new(50, &ints, ints.clone());
        let r = isj_root(&fp, 50).unwrap();
        assert!((r - 9.237610787616029e-05).abs() < 1e-15, "{r}");
    }
}
