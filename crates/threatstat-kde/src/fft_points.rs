//! The binned FFT estimate at any points, not only at a grid's nodes: what
//! statsmodels' `KDEUnivariate.fit(fft=True)` followed by `np.interp` does,
//! at a stated accuracy.
//!
//! The density is computed on an internal equidistant grid over the data's
//! range widened by 8 bandwidths (the kernel's support, as in
//! [`fft_kde_on_grid`](crate::fft_kde_on_grid)), of spacing at most
//! [`POINTS_SPACING_BW`] bandwidths, and interpolated linearly at each
//! point. Points beyond that grid get 0: every kernel is cut at 8
//! bandwidths (the exact density there is below `e^-32` of a kernel's peak).
//!
//! Error: linear binning errs by at most `(u² − 1)/8·(dx/h)²` relative to a
//! kernel at `u` bandwidths (see `fft_grid`'s module docs), and linear
//! interpolation of the sampled kernel by as much again (`|K''|·dx²/8` with
//! `K''/K = (u² − 1)/h²`), both taken over a cell, where the kernel varies
//! by up to 4% at `dx = h/100`. Where the density is at least 1e-3 of a
//! kernel's peak (`u² ≤ 13.8`) the relative error is thus at most
//! `2·1.6·1.08·(dx/h)² < 4·(dx/h)²`: 4e-4 at the spacing of
//! [`POINTS_SPACING_BW`] (measured in `tests/fft_points.rs`: up to 3.1e-4
//! on tie-heavy counts, about 1e-4 on smooth data). The grid has at most
//! [`MAX_INTERNAL_POINTS`] nodes; for data spread over more than about 80,000
//! bandwidths the spacing is coarser and
//! [`PointsEstimate::relative_error_bound`] says how much that costs
//! ([`binned_points_error_bound`] tells it before computing).

use crate::KdeError;
use crate::fft::{FftOptions, KernelSupport, fft_kde_1d_with, min_max};
use crate::fft_grid::MAX_INTERNAL_POINTS;
use threatstat_core::Error;

/// Largest internal grid spacing of [`fft_kde_at_points`], in bandwidths.
pub const POINTS_SPACING_BW: f64 = 1.0 / 100.0;
/// Kernel support in bandwidths.
const SUPPORT_BW: f64 = 8.0;

/// The binned density at the points asked for and what its accuracy rests on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PointsEstimate {
    /// The density at each point asked for.
    pub density: Vec<f64>,
    /// Nodes of the internal grid.
    pub internal_points: usize,
    /// Spacing of the internal grid, in bandwidths.
    pub internal_spacing_bw: f64,
    /// Bound on the relative error (binning and interpolation) where the
    /// density is at least 1e-3 of a kernel's peak: `4·(spacing / h)²`.
    pub relative_error_bound: f64,
}

/// The internal grid for data in `[lo, hi]`: its ends and number of nodes.
fn internal_grid(lo: f64, hi: f64, bw: f64) -> (f64, f64, usize) {
    let (glo, ghi) = (lo - SUPPORT_BW * bw, hi + SUPPORT_BW * bw);
    let cells = ((ghi - glo) / (bw * POINTS_SPACING_BW)).ceil();
    let cells = if cells.is_finite() {
        cells.clamp(1.0, (MAX_INTERNAL_POINTS - 1) as f64) as usize
    } else {
        MAX_INTERNAL_POINTS - 1
    };
    (glo, ghi, cells + 1)
}

fn bound(glo: f64, ghi: f64, points: usize, bw: f64) -> f64 {
    let s = (ghi - glo) / (points - 1) as f64 / bw;
    4.0 * s * s
}

/// The [`PointsEstimate::relative_error_bound`] that [`fft_kde_at_points`]
/// reaches for data spanning `[lo, hi]` with kernel standard deviation `bw`
/// (4e-4 unless the span exceeds about 80,000 bandwidths), without
/// computing the estimate; infinite for a `bw` that is not finite and > 0.
///
/// ```
/// use threatstat_kde::binned_points_error_bound;
/// assert!(binned_points_error_bound(-5.0, 5.0, 0.1) <= 4e-4);
/// assert!(binned_points_error_bound(0.0, 1e9, 1.0) > 1e-3);
/// ```
pub fn binned_points_error_bound(lo: f64, hi: f64, bw: f64) -> f64 {
    if !(bw.is_finite() && bw > 0.0 && lo.is_finite() && hi.is_finite() && hi >= lo) {
        return f64::INFINITY;
    }
    let (glo, ghi, points) = internal_grid(lo, hi, bw);
    bound(glo, ghi, points, bw)
}

/// The binned Gaussian KDE with kernel standard deviation `bw` (weights
/// optional, as [`fft_kde_1d_with`]) at the 1-D points `at`, in any order
/// and anywhere, accurate to [`PointsEstimate::relative_error_bound`] (see
/// the [module docs](self)). O(n + G log G) for G internal nodes, whatever
/// the number of points.
///
/// ```
/// use threatstat_kde::fft_kde_at_points;
/// let data: Vec<f64> = (0..2000).map(|i| ((i * 37 % 2000) as f64 / 500.0) - 2.0).collect();
/// let e = fft_kde_at_points(&data, None, 0.3, &[0.0, -1.0, 100.0]).unwrap();
/// assert!((e.density[0] - 0.25).abs() < 1e-3);   // uniform on [-2, 2) inside
/// assert_eq!(e.density[2], 0.0);                  // far beyond the kernels
/// assert!(e.relative_error_bound <= 4e-4);
/// ```
pub fn fft_kde_at_points(
    data: &[f64],
    weights: Option<&[f64]>,
    bw: f64,
    at: &[f64],
) -> Result<PointsEstimate, KdeError> {
    crate::checks::kernel_std("bw", bw)?;
    if data.is_empty() {
        return Err(KdeError::Empty("the data has no points".into()));
    }
    crate::checks::finite_values(data)?;
    if let Some(i) = at.iter().position(|x| !x.is_finite()) {
        return Err(Error::data(
            "points",
            format!("point {} is {}, expected a finite number", i + 1, at[i]),
        )
        .into());
    }
    let (lo, hi) = min_max(data.iter().copied());
    let (glo, ghi, points) = internal_grid(lo, hi, bw);
    let options = FftOptions::default()
        .support(KernelSupport::StdDevs(SUPPORT_BW))
        .bounds(vec![(glo, ghi)]);
    let (grid, fine) = fft_kde_1d_with(data, weights, bw, points, &options)?;
    let dx = (ghi - glo) / (points - 1) as f64;
    let density = at
        .iter()
        .map(|&x| {
            if x < grid[0] || x > grid[points - 1] {
                return 0.0;
            }
            let t = (x - glo) / dx;
            let k = (t.floor() as usize).min(points - 2);
            let frac = (t - k as f64).clamp(0.0, 1.0);
            (1.0 - frac) * fine[k] + frac * fine[k + 1]
        })
        .collect();
    Ok(PointsEstimate {
        density,
        internal_points: points,
        internal_spacing_bw: dx / bw,
        relative_error_bound: bound(glo, ghi, points, bw),
    })
}
