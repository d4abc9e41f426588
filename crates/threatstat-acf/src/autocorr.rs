//! pandas' autocorrelation: `Series.autocorr(lag)` (pandas 3.1).
//!
//! `s.autocorr(k)` is `s.corr(s.shift(k))`: the Pearson correlation of the
//! overlapping parts `x[k:]` and `x[:-k]`, each centred on *its own* mean,
//! over the pairs where neither value is NaN (pandas drops NaN pairs). It is
//! NaN with fewer than two pairs, and NaN when a part has zero spread.
//!
//! pandas 3 computes it as `nanops._pearson_corr`: subtract `a.mean()` and
//! `b.mean()` (NumPy's pairwise sums, reproduced exactly here), divide each
//! by its largest absolute deviation, then
//! `clip(Σab/(m−1)/√(Σa²/(m−1))/√(Σb²/(m−1)), −1, 1)`.
//!
//! A constant part gives NaN only when its mean is exact. For a constant
//! such as 0.1 the pairwise mean of 90 copies is not exactly 0.1, every
//! deviation is the same tiny number, and pandas returns ±1 (or rounding
//! noise). [`autocorr`] reproduces that; [`autocorr_strict`] returns NaN
//! whenever a part is constant, which is what the automation rule uses.
//! Integer counts always have exact means, so both agree on them.
//!
//! ```
//! use threatstat_acf::autocorr::autocorr;
//! // The examples of pandas' docstring.
//! let s = [0.25, 0.5, 0.2, -0.05];
//! assert!((autocorr(&s, 1) - 0.10355).abs() < 1e-5);
//! assert!((autocorr(&s, 2) + 0.99999).abs() < 1e-5);
//! assert!(autocorr(&[1.0, 0.0, 0.0, 0.0], 1).is_nan());
//! ```

use crate::numeric::numpy_mean;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

/// pandas' `Series(x).autocorr(lag)`.
pub fn autocorr(x: &[f64], lag: usize) -> f64 {
    lagged(x, lag, false)
}

/// [`autocorr`] for lags `1..=max_lag` (index 0 of the result is lag 1);
/// the lags of long series are computed in parallel.
pub fn autocorrs(x: &[f64], max_lag: usize) -> Vec<f64> {
    if x.len().saturating_mul(max_lag) >= 1 << 18 {
        (1..=max_lag)
            .into_par_iter()
            .map(|k| autocorr(x, k))
            .collect()
    } else {
        (1..=max_lag).map(|k| autocorr(x, k)).collect()
    }
}

/// [`autocorrs`] of every row of a series × periods matrix (pairs × days):
/// row `i` of the result holds lags `1..=max_lag` of row `i` of `x`. The
/// rows are computed in parallel.
///
/// ```
/// use ndarray::array;
/// use threatstat_acf::autocorr::{autocorrs, autocorrs_rows};
/// let x = array![[1.0, 5.0, 1.0, 5.0, 1.0, 5.0], [3.0, 1.0, 4.0, 1.0, 5.0, 9.0]];
/// let r = autocorrs_rows(x.view(), 2);
/// assert_eq!(r.shape(), &[2, 2]);
/// assert_eq!(r.row(1).to_vec(), autocorrs(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0], 2));
/// assert_eq!(r[[0, 0]], -1.0);
/// ```
pub fn autocorrs_rows(x: ArrayView2<'_, f64>, max_lag: usize) -> Array2<f64> {
    let x = x.as_standard_layout();
    let values: Vec<f64> = (0..x.nrows())
        .into_par_iter()
        .flat_map_iter(|i| {
            let row = x.row(i);
            let row = row
                .to_slice()
                .expect("rows of a standard layout are contiguous");
            (1..=max_lag).map(|k| autocorr(row, k)).collect::<Vec<_>>()
        })
        .collect();
    Array2::from_shape_vec((x.nrows(), max_lag), values).expect("max_lag values a row")
}

/// As [`autocorr`], but NaN whenever one of the two parts (after dropping
/// NaN pairs) is constant, even where pandas' rounding of the mean makes
/// pandas return ±1 or noise. Equal to [`autocorr`] on integer data.
pub fn autocorr_strict(x: &[f64], lag: usize) -> f64 {
    lagged(x, lag, true)
}

fn lagged(x: &[f64], lag: usize, strict: bool) -> f64 {
    let n = x.len();
    if lag >= n {
        return f64::NAN;
    }
    let (a, b) = (&x[lag..], &x[..n - lag]);
    if a.iter().chain(b).any(|v| v.is_nan()) {
        let (fa, fb): (Vec<f64>, Vec<f64>) = a
            .iter()
            .zip(b)
            .filter(|(u, v)| !u.is_nan() && !v.is_nan())
            .map(|(&u, &v)| (u, v))
            .unzip();
        pearson(&fa, &fb, strict)
    } else {
        pearson(a, b, strict)
    }
}

fn is_constant(a: &[f64]) -> bool {
    a.iter().all(|&v| v == a[0])
}

/// `np.max(np.abs(a - m))`, NaN-propagating like NumPy.
fn max_abs_dev(a: &[f64], m: f64) -> f64 {
    let mut best = 0.0f64;
    for &v in a {
        let d = (v - m).abs();
        if d.is_nan() {
            return f64::NAN;
        }
        if d > best {
            best = d;
        }
    }
    best
}

/// pandas' `nanops._pearson_corr` on NaN-free, equally long `a` and `b`.
pub(crate) fn pearson(a: &[f64], b: &[f64], strict: bool) -> f64 {
    let m = a.len();
    if m < 2 {
        return f64::NAN;
    }
    if strict && (is_constant(a) || is_constant(b)) {
        return f64::NAN;
    }
    let (ma, mb) = (numpy_mean(a), numpy_mean(b));
    let (sa, sb) = (max_abs_dev(a, ma), max_abs_dev(b, mb));
    if sa == 0.0 || sb == 0.0 {
        return f64::NAN;
    }
    // pandas divides by the scales; multiplying by their reciprocals differs
    // by an ulp per term and vectorises.
    let (ia, ib) = (1.0 / sa, 1.0 / sb);
    let mut aa = [0.0f64; 4];
    let mut ab = [0.0f64; 4];
    let mut bb = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (u, v) in ca.zip(cb) {
        for j in 0..4 {
            let p = (u[j] - ma) * ia;
            let q = (v[j] - mb) * ib;
            aa[j] += p * p;
            ab[j] += p * q;
            bb[j] += q * q;
        }
    }
    for (j, (u, v)) in ra.iter().zip(rb).enumerate() {
        let p = (u - ma) * ia;
        let q = (v - mb) * ib;
        aa[j] += p * p;
        ab[j] += p * q;
        bb[j] += q * q;
    }
    let sum4 = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    let (aa, ab, bb) = (sum4(aa), sum4(ab), sum4(bb));
    let fact = (m - 1) as f64;
    let div_a = (aa / fact).sqrt();
    if div_a == 0.0 {
        return f64::NAN;
    }
    let r = ab / fact / div_a;
    let div_b = (bb / fact).sqrt();
    if div_b == 0.0 {
        return f64::NAN;
    }
    (r / div_b).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_degenerate_series_are_nan() {
        assert!(autocorr(&[], 1).is_nan());
        assert!(autocorr(&[1.0], 0).is_nan());
        assert!(autocorr(&[1.0, 2.0], 1).is_nan()); // one pair
        assert!(autocorr(&[1.0, 2.0, 3.0], 3).is_nan());
        assert!(autocorr(&[3.0; 10], 1).is_nan());
    }

    #[test]
    fn inexact_constants_follow_pandas_and_strict_does_not() {
        let x = vec![0.1; 90];
        assert_eq!(autocorr(&x, 1), 1.0); // pandas 3.1.1 returns 1.0
        assert!(autocorr_strict(&x, 1).is_nan());
    }

    #[test]
    fn nan_pairs_are_dropped() {
        let x = [1.0, 2.0, f64::NAN, 4.0, 3.0, 5.0, f64::NAN, 2.0, 1.0, 3.0];
        // pandas: 0.41367015199601526
        assert!((autocorr(&x, 1) - 0.413_670_151_996_015_26).abs() < 1e-15);
    }
}
