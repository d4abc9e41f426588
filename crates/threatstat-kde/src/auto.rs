//! Which estimate answers "the KDE of these data" when the caller leaves
//! the choice open: the exact kernel sums or the binned FFT estimate.
//!
//! The statsmodels and KDEpy bandwidths ([`Bandwidth::NormalReference`],
//! [`Bandwidth::Isj`]) ask for those tools' estimate, which bins the data
//! and convolves by FFT (statsmodels `fit(fft=True)`, KDEpy `FFTKDE`); from
//! [`AUTO_FFT_MIN_POINTS`] 1-D points [`auto_uses_fft`] says to do the same,
//! at any points ([`fft_kde_at_points`](crate::fft_kde_at_points): relative
//! error below 4e-4 where the density is at least 1e-3 of a kernel's peak),
//! unless its error bound would exceed [`AUTO_FFT_MAX_ERROR`]. SciPy's
//! rules (Scott, Silverman, a factor), a given kernel standard deviation
//! and cv-ml keep the exact sums, the `gaussian_kde` parity path, as do
//! smaller samples. The CLI's `kde --method auto` and the Python package
//! share this policy.

use crate::Bandwidth;

/// From this many data points [`auto_uses_fft`] picks the binned FFT
/// estimate for the statsmodels and KDEpy bandwidths (there the exact sums
/// take tens of milliseconds and more, and those tools' own binned
/// estimates differ from the exact sums by more than 1e-4).
pub const AUTO_FFT_MIN_POINTS: usize = 10_000;

/// [`auto_uses_fft`] keeps the exact sums when the binned estimate's error
/// bound would exceed this (data spread over more than about 50,000
/// bandwidths).
pub const AUTO_FFT_MAX_ERROR: f64 = 1e-3;

/// Whether the automatic choice is the binned FFT estimate for `n` points of
/// dimension `d` with this bandwidth rule; `bound` gives the estimate's
/// relative error bound
/// ([`binned_points_error_bound`](crate::binned_points_error_bound)) and is
/// asked only when the rest holds.
///
/// ```
/// use threatstat_kde::{AUTO_FFT_MIN_POINTS, Bandwidth, auto_uses_fft};
/// assert!(auto_uses_fft(Bandwidth::Isj, 1, 1_000_000, || 4e-4));
/// assert!(!auto_uses_fft(Bandwidth::Scott, 1, 1_000_000, || 4e-4)); // SciPy's rule: exact
/// assert!(!auto_uses_fft(Bandwidth::Isj, 1, AUTO_FFT_MIN_POINTS - 1, || 4e-4));
/// assert!(!auto_uses_fft(Bandwidth::NormalReference, 1, 1_000_000, || 2e-3));
/// ```
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
        assert!(!auto_uses_fft(Bandwidth::Factor(0.5), 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::StdDev(1.0), 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::CvMl, 1, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::Isj, 2, 1_000_000, ok));
        assert!(!auto_uses_fft(Bandwidth::Isj, 1, 1_000_000, || 2e-3));
    }

    #[test]
    fn the_bound_is_asked_only_when_the_rest_holds() {
        let never = || -> f64 { panic!("bound asked") };
        assert!(!auto_uses_fft(Bandwidth::Scott, 1, 1_000_000, never));
        assert!(!auto_uses_fft(Bandwidth::Isj, 2, 1_000_000, never));
        assert!(!auto_uses_fft(Bandwidth::Isj, 1, 10, never));
    }
}
