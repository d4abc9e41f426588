//! Kernel density estimation for security analytics: "how usual is this
//! event for this population?" as a number, and the rare events flagged.
//!
//! Data and evaluation points are `ndarray` arrays or views, `n × d` with
//! rows as points (a C-ordered NumPy array passes without a copy); the
//! covariances are `Array2`. Inside, the sums, binning and FFT run on
//! contiguous row-major slices.
//!
//! * [`GaussianKde`]: the Gaussian KDE of SciPy's `gaussian_kde` in d
//!   dimensions: weights, effective sample size `neff = 1/Σwᵢ²`, Scott and
//!   Silverman factors, the weighted data covariance exactly as SciPy computes
//!   it (`np.cov(aweights=w, bias=False)`), kernel covariance = data
//!   covariance × factor². Densities are exact sums over the data, parallel
//!   and vectorised: the data are whitened once with the Cholesky factor (a
//!   pair costs ~d flops and one `exp`), and kept in k-d order so that pairs
//!   whose terms together cannot reach 1e-20 of a sum are skipped without
//!   changing it. [`log_density`] is underflow-free and [`loo_density`] gives
//!   leave-one-out densities at the data points.
//! * [`bandwidth`]: statsmodels' rules of thumb ([`bw_scott`],
//!   [`bw_silverman`], [`bw_normal_reference`], [`select_bandwidth`]) and
//!   KDEpy's Improved Sheather–Jones selector ([`bw_isj`]).
//! * [`fft`]: KDEpy's `FFTKDE` (linear binning + FFT convolution) in 1-D and
//!   2-D for millions of points ([`fft_kde_1d`], [`fft_kde_2d`]); its accuracy
//!   depends on the grid and, through KDEpy's kernel cut-off, on the units.
//!   [`fft_kde_on_grid`] refines the grid from the bandwidth instead: relative
//!   error below 1e-3 wherever the density is at least 1e-3 of its peak, on
//!   any grid and at any scale; [`fft_kde_at_points`] at any points
//!   (statsmodels' `fft=True` + `np.interp`), relative error below 4e-4.
//! * [`auto_uses_fft`]: the automatic choice between the exact sums and the
//!   binned FFT estimate (the CLI's `kde --method auto`).
//! * [`flag_low_density`]: flags points below a density threshold, given or
//!   from a contamination rate.
//!
//! Parity (tests against committed values from
//! `tools/reference/kde_reference.py`): densities, log-densities and
//! covariances agree with SciPy 1.17 to 1e-12 relative or better (worst pdf
//! 2.4e-13; Scott and Silverman factors within 4 ulp: SciPy's `neff` is an
//! OpenBLAS dot product); statsmodels' rules bit for bit; ISJ with KDEpy
//! 1.1.12 to 1e-15 relative (3.6e-16 measured); binned densities with
//! KDEpy's `FFTKDE` to 1e-14 of the peak (1.8e-15 measured), on identical
//! grids. The tests enforce each of these bounds.
//!
//! ```
//! use ndarray::{aview1, array, Axis};
//! use threatstat_kde::{flag_low_density, Fit, GaussianKde, Threshold};
//! // Hourly login counts of a user; 40 is unusual.
//! let counts = [3.0, 4.0, 2.0, 5.0, 3.0, 4.0, 6.0, 3.0, 4.0, 5.0, 40.0, 4.0];
//! let x = aview1(&counts).insert_axis(Axis(1));     // 12 points, d = 1 (no copy)
//! let kde = GaussianKde::params().fit(&x).unwrap();
//! let loo = kde.loo_density();                      // each point scored without itself
//! let flags = flag_low_density(&loo, Threshold::Contamination(0.05));
//! assert_eq!(flags.indices(), vec![10]);
//! let f = kde.evaluate(array![[4.0], [40.0]].view()).unwrap();
//! assert!(f[0] > 10.0 * f[1]);
//! ```
//!
//! [`log_density`]: GaussianKde::log_density
//! [`loo_density`]: GaussianKde::loo_density

mod auto;
pub mod bandwidth;
mod binned;
mod bins;
mod checks;
mod cv_binned;
pub mod cv_ml;
pub mod fft;
mod fft_grid;
mod fft_points;
mod flag;
mod gaussian;
pub mod numeric;
mod points;
mod sums;
mod unique;

pub use auto::{AUTO_FFT_MAX_ERROR, AUTO_FFT_MIN_POINTS, auto_uses_fft};
pub use bandwidth::{
    BandwidthRule, bw_isj, bw_isj_weighted, bw_normal_reference, bw_scott, bw_silverman,
    select_bandwidth,
};
pub use bins::LinearBins;
pub use cv_ml::{CvMl, CvSums, cv_ml_bandwidths, cv_ml_bandwidths_with};
pub use fft::{
    FftOptions, KernelSupport, fft_kde_1d, fft_kde_1d_with, fft_kde_2d, fft_kde_2d_with,
};
pub use fft_grid::{
    GridEstimate, MAX_INTERNAL_POINTS, MAX_SPACING_BW, equidistant_grid, fft_kde_kdepy_grid,
    fft_kde_on_grid,
};
pub use fft_points::{
    POINTS_SPACING_BW, PointsEstimate, binned_points_error_bound, fft_kde_at_points,
};
pub use flag::{Flags, Threshold, flag_low_density};
pub use gaussian::{
    Bandwidth, CheckedGaussianKdeParams, GaussianKde, GaussianKdeParams, KdeFile, LargeFlags,
    LargeOptions,
};
pub use threatstat_core::model::{Fit, Merge, ModelFile, ParamGuard};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum KdeError {
    /// A core error: reading or parsing input (naming file, line, field),
    /// or a typed parameter (`Param`), shape (`Shape`), data (`Data`),
    /// model-file (`ModelFile`) or merge (`Incompatible`) error.
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// There is no data.
    #[error("empty data: {0}")]
    Empty(String),
    /// Points of another dimension than the data's.
    #[error("points have dimension {found}, the data have dimension {expected}")]
    DimensionMismatch {
        /// The data's dimension.
        expected: usize,
        /// The dimension found.
        found: usize,
    },
    /// The data covariance cannot be factorised.
    #[error("{0}")]
    SingularCovariance(String),
    /// A root finder did not converge.
    #[error("{0}")]
    NoConvergence(String),
    /// The weights cannot be used (not finite, negative, summing to zero,
    /// or all the weight on one point), so that a caller can name the
    /// weights rather than the data.
    #[error("{message}")]
    Weights {
        /// The 0-based weight to blame, when one is.
        index: Option<usize>,
        /// What is wrong.
        message: String,
    },
}
