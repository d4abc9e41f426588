//! Periodogram and dominant period.
//!
//! The estimator is SciPy's `scipy.signal.periodogram(x)` with its defaults
//! (`fs=1`, boxcar window, `detrend='constant'`, one-sided,
//! `scaling='density'`): with `X = DFT(x − x̄)` and `f_k = k/n`,
//! `k = 0..=⌊n/2⌋`,
//!
//! ```text
//! P_k = |X_k|² / n,  doubled for 0 < k < n/2 (every k > 0 when n is odd)
//! ```
//!
//! The dominant period is `1/f_k` at the largest `P_k` with `k ≥ 1` (the
//! first one on ties, as `np.argmax`): in days for daily counts, so a weekly
//! rhythm gives 7. It is `None` for series shorter than 2, with NaN or
//! infinite values, or constant (SciPy would report the arg-max of rounding
//! noise there).
//!
//! ```
//! use threatstat_acf::periodogram::{dominant_period, periodogram};
//! // Four weeks of a weekday/weekend pattern.
//! let x: Vec<f64> = (0..28).map(|d| if d % 7 < 5 { 10.0 } else { 1.0 }).collect();
//! assert_eq!(dominant_period(&x), Some(7.0));
//! let p = periodogram(&x);
//! assert_eq!(p.frequencies.len(), 15);
//! assert!(dominant_period(&[4.0; 10]).is_none());
//! ```

use crate::fft::PlanCache;
use crate::numeric::numpy_mean;
use serde::{Deserialize, Serialize};

/// A one-sided power spectral density (sampling frequency 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Periodogram {
    /// `k / n` for `k = 0..=⌊n/2⌋` (cycles per sample).
    pub frequencies: Vec<f64>,
    /// Power spectral density at those frequencies.
    pub power: Vec<f64>,
}

impl Periodogram {
    /// Index of the largest power at a non-zero frequency (first on ties);
    /// `None` without non-zero frequencies, with NaN power, or when all that
    /// power is zero.
    pub fn dominant_index(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (k, &p) in self.power.iter().enumerate().skip(1) {
            if p.is_nan() {
                return None;
            }
            if best.is_none_or(|b| p > self.power[b]) {
                best = Some(k);
            }
        }
        best.filter(|&b| self.power[b] > 0.0)
    }

    /// `1 / f` at [`dominant_index`](Self::dominant_index).
    pub fn dominant_period(&self) -> Option<f64> {
        self.dominant_index().map(|k| 1.0 / self.frequencies[k])
    }
}

/// SciPy's `scipy.signal.periodogram(x)` (see the module documentation).
pub fn periodogram(x: &[f64]) -> Periodogram {
    let n = x.len();
    if n == 0 {
        return Periodogram {
            frequencies: vec![],
            power: vec![],
        };
    }
    let mut cache = PlanCache::default();
    let spec = cache.dft_shifted(x, numpy_mean(x));
    let power = (0..=n / 2).map(|k| power_at(spec, k)).collect();
    Periodogram {
        frequencies: (0..=n / 2).map(|k| frequency(k, n)).collect(),
        power,
    }
}

/// `rfftfreq(n)[k]`: NumPy's `k * (1.0 / n)`.
fn frequency(k: usize, n: usize) -> f64 {
    k as f64 * (1.0 / n as f64)
}

/// The density of bin k of the full spectrum `spec` (length n), as SciPy:
/// `|X_k|² · (1/n)`, times 2 except at 0 and at the Nyquist bin of even n.
#[inline]
fn power_at(spec: &[rustfft::num_complex::Complex<f64>], k: usize) -> f64 {
    let n = spec.len();
    let c = spec[k];
    let p = (c.re * c.re + c.im * c.im) * (1.0 / n as f64);
    let doubled = k >= 1 && (if n % 2 == 1 { k <= n / 2 } else { k < n / 2 });
    if doubled { p * 2.0 } else { p }
}

/// The dominant period of `x` (see the module documentation).
pub fn dominant_period(x: &[f64]) -> Option<f64> {
    dominant_period_with(x, &mut PlanCache::default())
}

/// [`dominant_period`] without building the periodogram's vectors.
pub(crate) fn dominant_period_with(x: &[f64], cache: &mut PlanCache) -> Option<f64> {
    let n = x.len();
    if n < 2 || x.iter().any(|v| !v.is_finite()) || x.iter().all(|&v| v == x[0]) {
        return None;
    }
    let spec = cache.dft_shifted(x, numpy_mean(x));
    let (mut best, mut best_p) = (0usize, f64::NEG_INFINITY);
    for k in 1..=n / 2 {
        let p = power_at(spec, k);
        if p.is_nan() {
            return None;
        }
        if p > best_p {
            (best, best_p) = (k, p);
        }
    }
    (best_p > 0.0).then(|| 1.0 / frequency(best, n))
}
