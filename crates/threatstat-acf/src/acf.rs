//! statsmodels' autocorrelation: `acf` and `acovf` of
//! `statsmodels.tsa.stattools` (0.15.0).
//!
//! The autocovariance at lag k is `Σ_t (x_t − x̄)(x_{t+k} − x̄) / d_k` with
//! the *global* mean x̄ and `d_k = n` (default) or `n − k` (`adjusted`); the
//! autocorrelation is `γ_k / γ_0`. Missing values (NaN) are handled as
//! statsmodels' `missing` option names it ([`Missing`]).
//!
//! Two ways to the same numbers: the direct sums (`O(n·nlags)`, blocked and
//! parallel for long series) and statsmodels' `fft=True` path (zero padding to
//! a fast length, `|X|²`, inverse FFT: `O(n log n)`; padded to n + nlags
//! rather than statsmodels' 2n + 1, which is all that lags up to `nlags`
//! need), equal to ~1e-13 of γ₀.
//! [`AcfMethod::Auto`] picks the cheaper one.
//!
//! ```
//! use threatstat_acf::{Acf, Missing};
//! let x = [1.0, 2.0, 3.0, 4.0, 5.0];
//! let r = Acf::params().nlags(2).fit(&x).unwrap();
//! // statsmodels.tsa.stattools.acf([1, 2, 3, 4, 5], nlags=2)
//! assert_eq!(r.acf()[0], 1.0);
//! assert!((r.acf()[1] - 0.4).abs() < 1e-15);
//! assert!((r.acf()[2] + 0.1).abs() < 1e-15);
//! // NaN propagates by default ("none"); "conservative" skips it.
//! let y = [1.0, f64::NAN, 3.0, 4.0, 5.0];
//! assert!(Acf::params().nlags(1).fit(&y).unwrap().acf()[1].is_nan());
//! let c = Acf::params().nlags(1).missing(Missing::Conservative).fit(&y).unwrap();
//! assert!(c.acf()[1].is_finite());
//! ```

use crate::AcfError;
use crate::numeric::{dot, numpy_mean, pairwise_sum};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use threatstat_core::Error;

/// What to do with missing values (NaN), as statsmodels' `missing` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// `"none"` (statsmodels' default): no check; a NaN makes every
    /// autocovariance NaN.
    #[default]
    None,
    /// `"raise"`: a NaN is an error ([`AcfError::MissingData`]).
    Raise,
    /// `"conservative"`: NaNs are left out of the mean and of the cross
    /// products; the divisor is the number of non-missing values (or, with
    /// `adjusted`, the number of non-missing pairs at each lag).
    Conservative,
    /// `"drop"`: NaNs are removed and the rest is treated as contiguous.
    Drop,
}

impl Missing {
    /// statsmodels' name of the option.
    pub fn statsmodels_name(self) -> &'static str {
        match self {
            Missing::None => "none",
            Missing::Raise => "raise",
            Missing::Conservative => "conservative",
            Missing::Drop => "drop",
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.statsmodels_name())
    }
}

impl FromStr for Missing {
    type Err = AcfError;
    fn from_str(s: &str) -> Result<Self, AcfError> {
        match s {
            "none" => Ok(Missing::None),
            "raise" => Ok(Missing::Raise),
            "conservative" => Ok(Missing::Conservative),
            "drop" => Ok(Missing::Drop),
            other => Err(Error::param(
                "missing",
                format!("`{other}`"),
                "one of none, raise, conservative, drop",
            )
            .into()),
        }
    }
}

/// How the lagged cross products are summed. The results agree to ~1e-13
/// of the lag-0 sum; the choice is about speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AcfMethod {
    /// Direct sums when `nlags` is small against `log n`, FFT otherwise.
    #[default]
    Auto,
    /// Direct sums, `O(n·nlags)`, parallel over blocks of the series
    /// (deterministic: the blocks are added in order).
    Direct,
    /// statsmodels' `fft=True`: `O(n log n)` whatever `nlags`.
    Fft,
}

/// Entry point (linfa style): `Acf::params()`.
pub struct Acf;

impl Acf {
    /// Parameters with statsmodels' defaults: `adjusted=False`,
    /// `missing="none"`, `nlags = min(⌊10·log10 n⌋, n − 1)`.
    pub fn params() -> AcfParams {
        AcfParams::default()
    }
}

/// Parameters of the statsmodels autocorrelation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AcfParams {
    nlags: Option<usize>,
    adjusted: bool,
    method: AcfMethod,
    missing: Missing,
}

impl AcfParams {
    /// Largest lag (the result has lags `0..=nlags`). Default: statsmodels'
    /// `min(int(10·log10(n)), n − 1)` with n the length of the input.
    pub fn nlags(mut self, nlags: usize) -> Self {
        self.nlags = Some(nlags);
        self
    }

    /// Divide the lag-k sum by `n − k` instead of `n` (default false).
    pub fn adjusted(mut self, adjusted: bool) -> Self {
        self.adjusted = adjusted;
        self
    }

    /// Direct sums, FFT or automatic choice (default [`AcfMethod::Auto`]).
    pub fn method(mut self, method: AcfMethod) -> Self {
        self.method = method;
        self
    }

    /// statsmodels' `fft` flag: `true` is [`AcfMethod::Fft`], `false`
    /// [`AcfMethod::Direct`].
    pub fn fft(self, fft: bool) -> Self {
        self.method(if fft {
            AcfMethod::Fft
        } else {
            AcfMethod::Direct
        })
    }

    /// Treatment of NaN (default [`Missing::None`]).
    pub fn missing(mut self, missing: Missing) -> Self {
        self.missing = missing;
        self
    }

    /// statsmodels' default number of lags for a series of `n` values:
    /// `min(int(10·log10(n)), n − 1)`.
    pub fn default_nlags(n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        ((10.0 * (n as f64).log10()) as usize).min(n - 1)
    }

    /// Autocovariances `γ_0..=γ_nlags` (statsmodels `acovf(x, adjusted,
    /// demean=True, fft, missing, nlag)`). Without [`nlags`](Self::nlags),
    /// every lag `0..n` as statsmodels' `acovf(nlag=None)`. Errors as
    /// [`fit`](Self::fit) (where statsmodels' `acovf` returns NaNs for an
    /// all-NaN series with `conservative`, this is an error too).
    pub fn acovf(&self, x: &[f64]) -> Result<Vec<f64>, AcfError> {
        Ok(autocovariance(x, self.nlags, self.adjusted, self.missing, self.method)?.0)
    }

    /// The autocorrelation function at lags `0..=nlags` (statsmodels
    /// `acf(x, adjusted, nlags, fft, missing)`).
    ///
    /// Errors: an empty series; `nlags` larger than the number of
    /// (non-dropped) values minus one (statsmodels silently returns fewer
    /// lags); a NaN with [`Missing::Raise`]; only NaNs with `Conservative`
    /// or `Drop`.
    pub fn fit(&self, x: &[f64]) -> Result<Autocorrelation, AcfError> {
        let nlags = match self.nlags {
            Some(l) => Some(l),
            None => Some(Self::default_nlags(x.len())),
        };
        // statsmodels truncates a default nlags silently when "drop" leaves
        // fewer values; an explicit nlags that is too large is an error.
        let clamp = self.nlags.is_none();
        let (acov, nobs) =
            autocovariance_clamped(x, nlags, clamp, self.adjusted, self.missing, self.method)?;
        let g0 = acov[0];
        let acf = acov.iter().map(|&g| g / g0).collect();
        Ok(Autocorrelation {
            acf,
            acovf: acov,
            nobs,
            adjusted: self.adjusted,
            missing: self.missing,
        })
    }
}

/// An estimated autocorrelation function (plain data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Autocorrelation {
    acf: Vec<f64>,
    acovf: Vec<f64>,
    nobs: usize,
    adjusted: bool,
    missing: Missing,
}

impl Autocorrelation {
    /// `ρ_0..=ρ_nlags` (`ρ_0 = 1` unless the series is constant or has a
    /// propagated NaN, then every value is NaN).
    pub fn acf(&self) -> &[f64] {
        &self.acf
    }

    /// `γ_0..=γ_nlags`.
    pub fn acovf(&self) -> &[f64] {
        &self.acovf
    }

    /// Number of observations as statsmodels' `acf` counts them: the length,
    /// or the number of non-missing values with `Conservative` or `Drop`.
    pub fn nobs(&self) -> usize {
        self.nobs
    }

    /// Largest lag.
    pub fn nlags(&self) -> usize {
        self.acf.len() - 1
    }

    /// Whether the `n − k` denominators were used.
    pub fn adjusted(&self) -> bool {
        self.adjusted
    }

    /// The missing-value option used.
    pub fn missing(&self) -> Missing {
        self.missing
    }

    /// Ljung–Box Q and p-values for lags `1..=nlags` from these
    /// autocorrelations and [`nobs`](Self::nobs): statsmodels'
    /// `acf(..., qstat=True)` (which calls `q_stat(acf[1:], nobs)`).
    pub fn q_stat(&self) -> crate::QStat {
        crate::q_stat(&self.acf[1..], self.nobs)
    }
}

/// `γ_0..=γ_nlags` and statsmodels' `nobs` (see [`AcfParams::acovf`]).
pub(crate) fn autocovariance(
    x: &[f64],
    nlags: Option<usize>,
    adjusted: bool,
    missing: Missing,
    method: AcfMethod,
) -> Result<(Vec<f64>, usize), AcfError> {
    autocovariance_clamped(x, nlags, false, adjusted, missing, method)
}

fn autocovariance_clamped(
    x: &[f64],
    nlags: Option<usize>,
    clamp: bool,
    adjusted: bool,
    missing: Missing,
    method: AcfMethod,
) -> Result<(Vec<f64>, usize), AcfError> {
    if x.is_empty() {
        return Err(Error::shape("the series", "at least 1 value", "0 values").into());
    }
    let nan = x.iter().filter(|v| v.is_nan()).count();
    let masked = missing != Missing::None && nan > 0;
    if masked && missing == Missing::Raise {
        return Err(AcfError::MissingData {
            count: nan,
            len: x.len(),
        });
    }
    if masked && nan == x.len() {
        return Err(Error::data("the series", "all observations are missing (NaN)").into());
    }
    let conservative = masked && missing == Missing::Conservative;
    let data: Cow<[f64]> = match (masked, missing) {
        (true, Missing::Drop) => Cow::Owned(x.iter().copied().filter(|v| !v.is_nan()).collect()),
        (true, Missing::Conservative) => Cow::Owned(
            x.iter()
                .map(|&v| if v.is_nan() { 0.0 } else { v })
                .collect(),
        ),
        _ => Cow::Borrowed(x),
    };
    let n = data.len();
    let count = if masked { x.len() - nan } else { n };
    // statsmodels: x.mean(), or x.sum() / notmask.sum() with missing values.
    let mean = if masked {
        pairwise_sum(&data) / count as f64
    } else {
        numpy_mean(&data)
    };
    let mut xo: Vec<f64> = data.iter().map(|&v| v - mean).collect();
    if conservative {
        for (o, v) in xo.iter_mut().zip(x) {
            if v.is_nan() {
                *o = 0.0;
            }
        }
    }
    let nl = match nlags {
        None => n - 1,
        Some(l) if l < n => l,
        Some(_) if clamp => n - 1,
        Some(l) => {
            return Err(Error::param(
                "nlags",
                l,
                format!(
                    "at most n - 1 = {} (the series has {n} observations{})",
                    n - 1,
                    if masked && missing == Missing::Drop {
                        " after dropping NaNs"
                    } else {
                        ""
                    }
                ),
            )
            .into());
        }
    };
    let sums = lag_sums(&xo, nl, method);
    let acov: Vec<f64> = if conservative {
        if adjusted {
            let mask: Vec<f64> = x.iter().map(|v| f64::from(u8::from(!v.is_nan()))).collect();
            let pairs = lag_sums(&mask, nl, method);
            sums.iter()
                .zip(&pairs)
                .map(|(&s, &p)| s / p.round().max(1.0))
                .collect()
        } else {
            sums.iter().map(|&s| s / count as f64).collect()
        }
    } else if adjusted {
        sums.iter()
            .enumerate()
            .map(|(k, &s)| s / (n - k) as f64)
            .collect()
    } else {
        sums.iter().map(|&s| s / n as f64).collect()
    };
    let nobs = if matches!(missing, Missing::Conservative | Missing::Drop) {
        x.len() - nan
    } else {
        x.len()
    };
    Ok((acov, nobs))
}

/// Whether the direct sums are cheaper than the FFT for these sizes.
pub(crate) fn direct_is_cheaper(n: usize, nlags: usize) -> bool {
    // Direct: ~n·(nlags+1) fused multiply-adds, vectorised and parallel.
    // FFT: two complex transforms of ≈ n points, ~ c·n·log2(n) each.
    let log2n = (usize::BITS - n.max(2).leading_zeros()) as usize;
    nlags < 4 * log2n + 16
}

/// `Σ_t xo[t]·xo[t+k]`, `k = 0..=nlags`.
pub(crate) fn lag_sums(xo: &[f64], nlags: usize, method: AcfMethod) -> Vec<f64> {
    let use_fft = match method {
        AcfMethod::Fft => true,
        AcfMethod::Direct => false,
        AcfMethod::Auto => !direct_is_cheaper(xo.len(), nlags),
    };
    if use_fft {
        crate::fft::autocorrelation_sums(xo, nlags)
    } else {
        direct_sums(xo, nlags)
    }
}

/// Direct lagged sums; long series are cut into blocks summed in parallel
/// and added in block order, so the result does not depend on the threads.
pub(crate) fn direct_sums(xo: &[f64], nlags: usize) -> Vec<f64> {
    const BLOCK: usize = 1 << 14;
    let n = xo.len();
    debug_assert!(nlags < n);
    if n <= BLOCK {
        return (0..=nlags).map(|k| dot(&xo[..n - k], &xo[k..])).collect();
    }
    let partials: Vec<Vec<f64>> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let t0 = b * BLOCK;
            let t1 = (t0 + BLOCK).min(n);
            (0..=nlags)
                .map(|k| {
                    let end = t1.min(n - k);
                    if end <= t0 {
                        0.0
                    } else {
                        dot(&xo[t0..end], &xo[t0 + k..end + k])
                    }
                })
                .collect()
        })
        .collect();
    let mut out = vec![0.0; nlags + 1];
    for p in &partials {
        for (o, v) in out.iter_mut().zip(p) {
            *o += v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_nlags_follows_statsmodels() {
        assert_eq!(AcfParams::default_nlags(1), 0);
        assert_eq!(AcfParams::default_nlags(2), 1);
        assert_eq!(AcfParams::default_nlags(90), 19);
        assert_eq!(AcfParams::default_nlags(1000), 30);
    }

    #[test]
    fn blocked_direct_sums_equal_a_single_pass() {
        let x: Vec<f64> = (0..40_000)
            .map(|i| ((i * 7919) % 1013) as f64 - 500.0)
            .collect();
        let a = direct_sums(&x, 5);
        for (k, v) in a.iter().enumerate() {
            let b: f64 = (0..x.len() - k).map(|t| x[t] * x[t + k]).sum();
            assert!((v - b).abs() <= 1e-12 * b.abs().max(1.0), "{k}");
        }
    }

    #[test]
    fn errors_are_explicit() {
        assert!(matches!(
            Acf::params().fit(&[]).unwrap_err(),
            AcfError::Core(threatstat_core::Error::Shape { .. })
        ));
        let e = Acf::params().nlags(5).fit(&[1.0, 2.0]).unwrap_err();
        assert!(
            matches!(&e, AcfError::Core(threatstat_core::Error::Param { name: "nlags", value, .. }) if value == "5"),
            "{e}"
        );
        let e = Acf::params()
            .missing(Missing::Raise)
            .fit(&[1.0, f64::NAN])
            .unwrap_err();
        assert!(matches!(e, AcfError::MissingData { count: 1, len: 2 }));
        assert!(
            Acf::params()
                .missing(Missing::Drop)
                .fit(&[f64::NAN])
                .is_err()
        );
        assert_eq!("drop".parse::<Missing>().unwrap(), Missing::Drop);
        assert!("zero".parse::<Missing>().is_err());
    }
}
