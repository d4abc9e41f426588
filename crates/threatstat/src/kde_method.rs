//! `kde --method`: exact kernel sums or the binned FFT estimate, and which
//! one `auto` (the default) picks.
//!
//! The statsmodels and KDEpy bandwidths (`normal-reference`, `isj`) ask for
//! those tools' estimate, which bins the data and convolves by FFT
//! (statsmodels `fft=True`, KDEpy `FFTKDE`); from [`AUTO_FFT_MIN_POINTS`]
//! 1-D points `auto` does the same, at any `--at` points
//! ([`threatstat_kde::fft_kde_at_points`], relative error below 4e-4 where
//! the density is at least 1e-3 of a kernel's peak, the bound in the
//! output's `fft` field). SciPy's rules (`scott`, `silverman`, `--factor`),
//! a given kernel standard deviation and `cv-ml` keep the exact sums, the
//! `gaussian_kde` parity path, as do smaller samples.

use clap::ValueEnum;
use threatstat_kde::Bandwidth;

/// From this many data points `--method auto` uses the binned FFT estimate
/// for the statsmodels and KDEpy bandwidths (there the exact sums take
/// tens of milliseconds and more, and those tools' own binned estimates
/// differ from the exact sums by more than 1e-4).
pub const AUTO_FFT_MIN_POINTS: usize = 10_000;
/// `auto` keeps the exact sums when the binned estimate's error bound would
/// exceed this (data spread over more than about 50,000 bandwidths).
pub const AUTO_FFT_MAX_ERROR: f64 = 1e-3;

/// How `kde` computes the densities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub enum Method {
    /// The binned FFT estimate for --bandwidth normal-reference or isj on
    /// 1-D data of at least 10,000 points (at any --at points, error bound
    /// in the output), else the exact sums.
    #[default]
    Auto,
    /// Exact kernel sums at every point (SciPy gaussian_kde's values).
    Exact,
    /// The binned FFT estimate on the equidistant grid of --at (as --fft).
    Fft,
}

/// The method asked for: `--fft` is `--method fft`; `--kdepy` needs it.
pub fn resolve(method: Method, fft: bool, kdepy: bool) -> Result<Method, String> {
    let m = if fft { Method::Fft } else { method };
    if kdepy && m != Method::Fft {
        return Err("--kdepy is a mode of the FFT estimate: add --fft (or --method fft)".into());
    }
    Ok(m)
}

/// Whether `auto` uses the binned estimate for `n` points of dimension `d`;
/// `bound` gives the estimate's error bound (asked only when the rest
/// holds).
pub fn auto_uses_fft(
    bandwidth: Bandwidth,
    d: usize,
    n: usize,
    bound: impl FnOnce() -> f64,
) -> bool {
    matches!(bandwidth, Bandwidth::NormalReference | Bandwidth::Isj)
        && d == 1
        && n >= AUTO_FFT_MIN_POINTS
        && bound() <= AUTO_FFT_MAX_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_fft_only_for_the_binned_tools_bandwidths_at_size() {
        let ok = || 3.2e-4;
        assert!(auto_uses_fft(Bandwidth::Isj, 1, AUTO_FFT_MIN_POINTS, ok));
        assert!(auto_uses_fft(Bandwidth::NormalReference, 1, 1_000_000, ok));
        assert!(!auto_uses_fft(
            Bandwidth::Isj,
            1,
            AUTO_FFT_MIN_POINTS - 1,
            ok
        ));
        assert!(!auto_uses_fft(Bandwidth::Scott, 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::Silverman, 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::StdDev(1.0), 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::Isj, 2, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::Isj, 1, 1_000_000, || 2e-3));
    }

    #[test]
    fn fft_flag_and_kdepy() {
        assert_eq!(resolve(Method::Auto, true, false), Ok(Method::Fft));
        assert_eq!(resolve(Method::Exact, false, false), Ok(Method::Exact));
        assert_eq!(resolve(Method::Fft, false, true), Ok(Method::Fft));
        assert!(resolve(Method::Auto, false, true).is_err());
    }
}
