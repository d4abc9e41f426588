//! Binned KDE on an equidistant grid by FFT convolution, after KDEpy's
//! `FFTKDE` (Gaussian kernel, linear binning), for 1-D and 2-D data.
//!
//! Steps, each as KDEpy 1.1.12 does it:
//!
//! 1. **Grid** (KDEpy's `autogrid`): `linspace(min − b, max + b, points)` per
//!    dimension with `b = max(0.05 · range, s)`, `s` the kernel's support
//!    (below); or a grid range you give ([`FftOptions::bounds`]), which must
//!    contain the data strictly, as in KDEpy.
//! 2. **Linear binning** (KDEpy's `linbin_cython` / `iterate_data_2D`): each
//!    point's weight is split between the 2^d surrounding grid nodes in
//!    proportion to the opposite volumes. Done in parallel over fixed chunks
//!    of the data and added in chunk order, so the result does not depend on
//!    the thread count.
//! 3. **Kernel** sampled on the grid's spacing out to `L = min(⌊s/dx⌋, n)`
//!    steps and **convolved** with the bins (`scipy.signal.convolve(...,
//!    mode="same")`): by direct sums when `grid points × kernel points ≤
//!    2^24` (then the tails are accurate to ~1e-16 relative, as SciPy's
//!    direct method), else by FFT (error ~1e-16 of the peak). In 2-D the
//!    kernel is isotropic with standard deviation `bw` in both coordinates,
//!    as KDEpy's.
//!
//! The kernel support `s` is KDEpy's `practical_support(bw)` by default
//! ([`KernelSupport::Kdepy`]): where the 1-D kernel density falls to 1e-4,
//! found by `brentq` on `[0, 8 bw]` with `xtol = 1e-3`, plus 1e-3. That
//! cut-off is in absolute density units, so the truncation depends on the
//! scale of the data: the kernel mass dropped is ~5e-5 for bw = 1, 2e-7 for
//! bw = 0.01 but 0.7% for bw = 100, and for bw > 3989.4 KDEpy raises (so do
//! we). [`KernelSupport::StdDevs`] truncates at a multiple of `bw` instead
//! (e.g. 8: dropped mass 1e-15) for results that do not depend on the units.
//!
//! Deliberate differences: KDEpy adds `f64::EPSILON` to every output value,
//! we do not; FFT round-off below 0 is set to 0.

use crate::numeric::{BRENTQ_RTOL, BrentError, brentq, np_linspace, np_sum};
use crate::points::{checked_rows, row_major};
use crate::{KdeError, checks};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// `np.sqrt(2π)/2` as KDEpy computes it (`gauss_integral(0)`).
const GAUSS_INTEGRAL_0: f64 = 1.253_314_137_315_500_1;
/// KDEpy's `volume_unit_ball(2)` (`4 Γ(3/2)² / Γ(2)`, one ulp below π).
const VOLUME_UNIT_BALL_2: f64 = 3.141_592_653_589_792_7;
/// Data points per binning task.
const BIN_CHUNK: usize = 1 << 16;

/// How far the kernel reaches (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum KernelSupport {
    /// KDEpy's `practical_support(bw)`: where the kernel density is 1e-4.
    #[default]
    Kdepy,
    /// This many kernel standard deviations.
    StdDevs(f64),
}

/// Options of [`fft_kde_1d_with`] and [`fft_kde_2d_with`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FftOptions {
    /// Kernel support (default [`KernelSupport::Kdepy`]).
    pub support: KernelSupport,
    /// Grid range `(low, high)` per dimension; default KDEpy's autogrid.
    pub bounds: Option<Vec<(f64, f64)>>,
}

impl FftOptions {
    /// Sets the kernel support.
    pub fn support(mut self, support: KernelSupport) -> Self {
        self.support = support;
        self
    }

    /// Sets the grid range, one `(low, high)` per dimension.
    pub fn bounds(mut self, bounds: Vec<(f64, f64)>) -> Self {
        self.bounds = Some(bounds);
        self
    }
}

/// The Gaussian kernel density of KDEpy at distance `x` (1-D).
fn kdepy_kernel_1d(x: f64, bw: f64) -> f64 {
    let u = x.abs() / bw;
    (-(u * u) / 2.0).exp() / GAUSS_INTEGRAL_0 / (bw * 2.0)
}

/// KDEpy's `gaussian.practical_support(bw)`.
pub fn kdepy_practical_support(bw: f64) -> Result<f64, KdeError> {
    const XTOL: f64 = 1e-3;
    match brentq(
        |x| kdepy_kernel_1d(x, bw) - 10e-5,
        0.0,
        8.0 * bw,
        XTOL,
        BRENTQ_RTOL,
        100,
    ) {
        Ok(x) => Ok(x + XTOL),
        Err(BrentError::SignError) => Err(threatstat_core::Error::param(
            "bw",
            bw,
            format!(
                "at most 3989.4 for KDEpy's practical kernel support (at this bw the kernel's \
                 peak density {:.4e} is below KDEpy's cut-off 1e-4; KDEpy raises here; use \
                 KernelSupport::StdDevs (e.g. 8) or rescale the data)",
                kdepy_kernel_1d(0.0, bw)
            ),
        )
        .into()),
        Err(e) => Err(KdeError::NoConvergence(format!(
            "KDEpy's practical kernel support for bw = {bw}: {e:?}"
        ))),
    }
}

pub(crate) fn support(bw: f64, s: KernelSupport) -> Result<f64, KdeError> {
    match s {
        KernelSupport::Kdepy => kdepy_practical_support(bw),
        KernelSupport::StdDevs(k) => {
            if !(k.is_finite() && k > 0.0) {
                return Err(threatstat_core::Error::param(
                    "support",
                    k,
                    "a finite number > 0 of kernel standard deviations",
                )
                .into());
            }
            Ok(k * bw)
        }
    }
}

fn check_common(
    n: usize,
    weights: Option<&[f64]>,
    bw: f64,
    grid_points: &[usize],
) -> Result<(), KdeError> {
    if n == 0 {
        return Err(KdeError::Empty("the data has no points".into()));
    }
    checks::kernel_std("bw", bw)?;
    for &g in grid_points {
        checks::grid_points("grid_points", g)?;
    }
    if let Some(w) = weights {
        checks::weights_len(w.len(), n)?;
        if let Some(i) = w.iter().position(|x| !x.is_finite() || *x < 0.0) {
            return Err(KdeError::Weights {
                index: Some(i),
                message: format!(
                    "weight {} is {}; weights must be finite and >= 0",
                    i + 1,
                    w[i]
                ),
            });
        }
        if np_sum(w).partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err(KdeError::Weights {
                index: None,
                message: "the weights sum to 0; at least one must be positive".into(),
            });
        }
    }
    Ok(())
}

/// KDEpy normalises the weights twice (in `BaseKDE.fit` and in the binning).
fn kdepy_weights(w: &[f64]) -> Vec<f64> {
    let s = np_sum(w);
    let w1: Vec<f64> = w.iter().map(|x| x / s).collect();
    let s1 = np_sum(&w1);
    w1.iter().map(|x| x / s1).collect()
}

/// Smallest and largest of finite values (a loop that vectorises).
pub(crate) fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if v < lo {
            lo = v;
        }
        if v > hi {
            hi = v;
        }
    }
    (lo, hi)
}

/// The grid of one dimension from the data's range.
fn axis_grid(
    (min, max): (f64, f64),
    points: usize,
    s: f64,
    bounds: Option<(f64, f64)>,
    axis: usize,
) -> Result<Vec<f64>, KdeError> {
    let (lo, hi) = match bounds {
        None => {
            let rel = 0.05 * (max - min);
            let outside = if s > rel { s } else { rel };
            (min - outside, max + outside)
        }
        Some((lo, hi)) => {
            if !(lo < min && hi > max) {
                return Err(threatstat_core::Error::param(
                    "bounds",
                    format!("[{lo}, {hi}]"),
                    format!(
                        "a grid strictly around every data point (coordinate {} spans [{min}, \
                         {max}])",
                        axis + 1
                    ),
                )
                .into());
            }
            (lo, hi)
        }
    };
    Ok(np_linspace(lo, hi, points))
}

/// KDEpy's `FFTKDE(bw=bw).fit(data, weights).evaluate(grid_points)` for 1-D
/// data: the grid and the density on it (see the [module docs](self)).
///
/// ```
/// let data: Vec<f64> = (0..1000).map(|i| ((i * 37 % 1000) as f64 / 1000.0 - 0.5) * 4.0).collect();
/// let (x, y) = threatstat_kde::fft_kde_1d(&data, None, 0.3, 512).unwrap();
/// assert_eq!((x.len(), y.len()), (512, 512));
/// let dx = x[1] - x[0];
/// let mass: f64 = y.iter().sum::<f64>() * dx;
/// assert!((mass - 1.0).abs() < 1e-3);
/// ```
pub fn fft_kde_1d(
    data: &[f64],
    weights: Option<&[f64]>,
    bw: f64,
    grid_points: usize,
) -> Result<(Vec<f64>, Vec<f64>), KdeError> {
    fft_kde_1d_with(data, weights, bw, grid_points, &FftOptions::default())
}

/// [`fft_kde_1d`] with options (kernel support, grid range).
pub fn fft_kde_1d_with(
    data: &[f64],
    weights: Option<&[f64]>,
    bw: f64,
    grid_points: usize,
    options: &FftOptions,
) -> Result<(Vec<f64>, Vec<f64>), KdeError> {
    check_common(data.len(), weights, bw, &[grid_points])?;
    // Range and finiteness in one parallel pass.
    let (lo, hi, finite) = data
        .par_chunks(BIN_CHUNK)
        .map(|c| {
            let (lo, hi) = min_max(c.iter().copied());
            (lo, hi, c.iter().all(|v| v.is_finite()))
        })
        .reduce(
            || (f64::INFINITY, f64::NEG_INFINITY, true),
            |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 && b.2),
        );
    if !finite {
        checks::finite_values(data)?;
    }
    let bounds = match &options.bounds {
        None => None,
        Some(b) if b.len() == 1 => Some(b[0]),
        Some(b) => {
            return Err(KdeError::DimensionMismatch {
                expected: 1,
                found: b.len(),
            });
        }
    };
    let s = support(bw, options.support)?;
    let grid = axis_grid((lo, hi), grid_points, s, bounds, 0)?;
    let (gmin, gmax) = (grid[0], grid[grid_points - 1]);
    let intervals = grid_points - 1;
    let dx = (gmax - gmin) / intervals as f64;
    let w = weights.map(kdepy_weights);
    let binned = linbin_1d(data, w.as_deref(), gmin, dx, grid_points);
    let density = convolve_binned_1d(&binned, dx, bw, s);
    Ok((grid, density))
}

/// The density on a grid of spacing `dx` from its normalised linear bins:
/// the kernel sampled out to `s` and convolved (shared by [`fft_kde_1d_with`]
/// and [`crate::LinearBins::density`], so equal bins give equal densities).
pub(crate) fn convolve_binned_1d(binned: &[f64], dx: f64, bw: f64, s: f64) -> Vec<f64> {
    let l = (s / dx).floor().min(binned.len() as f64);
    let kgrid = np_linspace(-dx * l, dx * l, (l * 2.0 + 1.0) as usize);
    let kernel: Vec<f64> = kgrid.iter().map(|&x| kdepy_kernel_1d(x, bw)).collect();
    convolve_same_1d(binned, &kernel)
}

/// Parallel linear binning in 1-D (KDEpy's formulas; chunk sums added in
/// order). The chunks are binned a thread's worth at a time into buffers
/// reused from one round to the next (not a fresh grid per chunk), each
/// round's buffers added to the total in chunk order: the same sums in the
/// same order, whatever the thread count.
fn linbin_1d(x: &[f64], w: Option<&[f64]>, gmin: f64, dx: f64, points: usize) -> Vec<f64> {
    let bin = |c: usize, xs: &[f64], r: &mut [f64]| {
        r.fill(0.0);
        let off = c * BIN_CHUNK;
        for (i, &v) in xs.iter().enumerate() {
            let t = (v - gmin) / dx;
            // t > 0 (the grid contains the data): floor is truncation.
            let k = t as usize;
            let frac = t - k as f64;
            match w {
                None => {
                    r[k] += 1.0 - frac;
                    r[k + 1] += frac;
                }
                Some(w) => {
                    let wi = w[off + i];
                    let fw = frac * wi;
                    r[k + 1] += fw;
                    r[k] += wi - fw;
                }
            }
        }
    };
    let chunks: Vec<&[f64]> = x.chunks(BIN_CHUNK).collect();
    let round = rayon::current_num_threads().clamp(1, chunks.len().max(1));
    let mut buffers = vec![vec![0.0f64; points + 1]; round];
    let mut total = vec![0.0f64; points + 1];
    for (r, group) in chunks.chunks(round).enumerate() {
        buffers
            .par_iter_mut()
            .zip(group.par_iter())
            .enumerate()
            .for_each(|(j, (buf, xs))| bin(r * round + j, xs, buf));
        for p in &buffers[..group.len()] {
            for (t, v) in total.iter_mut().zip(p) {
                *t += v;
            }
        }
    }
    total.truncate(points);
    if w.is_none() {
        let n = x.len() as f64;
        for t in &mut total {
            *t /= n;
        }
    }
    total
}

/// Largest `outputs × kernel length` computed by direct sums; beyond, FFT.
const DIRECT_MAX_WORK: usize = 1 << 24;

/// `scipy.signal.convolve(signal, kernel, mode="same")` for an odd-length
/// kernel: direct sums (accurate to ~1e-16 relative everywhere, tails
/// included) when cheap, else by FFT (~1e-16 of the peak absolute).
fn convolve_same_1d(signal: &[f64], kernel: &[f64]) -> Vec<f64> {
    if signal.len().saturating_mul(kernel.len()) <= DIRECT_MAX_WORK {
        convolve_same_direct_1d(signal, kernel)
    } else {
        convolve_same_fft_1d(signal, kernel)
    }
}

fn convolve_same_direct_1d(signal: &[f64], kernel: &[f64]) -> Vec<f64> {
    let (n, kl) = (signal.len(), kernel.len());
    let half = (kl - 1) / 2;
    let mut out = vec![0.0f64; n];
    out.par_chunks_mut(256).enumerate().for_each(|(c, chunk)| {
        for (o, v) in chunk.iter_mut().enumerate() {
            let i = c * 256 + o;
            // j = i + half - k within 0..n
            let k_lo = (i + half + 1).saturating_sub(n);
            let k_hi = (i + half).min(kl - 1);
            let mut acc = 0.0;
            for k in k_lo..=k_hi {
                acc += kernel[k] * signal[i + half - k];
            }
            *v = acc;
        }
    });
    out
}

fn convolve_same_fft_1d(signal: &[f64], kernel: &[f64]) -> Vec<f64> {
    let (n, kl) = (signal.len(), kernel.len());
    let half = (kl - 1) / 2;
    let m = (n + kl - 1).next_power_of_two();
    let padded = |v: &[f64]| -> Vec<Complex<f64>> {
        (0..m)
            .map(|i| Complex::new(v.get(i).copied().unwrap_or(0.0), 0.0))
            .collect()
    };
    let (mut a, mut b) = (padded(signal), padded(kernel));
    let mut planner = FftPlanner::new();
    let fwd = planner.plan_fft_forward(m);
    fwd.process(&mut a);
    fwd.process(&mut b);
    for (x, y) in a.iter_mut().zip(&b) {
        *x *= y;
    }
    planner.plan_fft_inverse(m).process(&mut a);
    let scale = 1.0 / m as f64;
    (0..n).map(|i| (a[i + half].re * scale).max(0.0)).collect()
}

/// KDEpy's `FFTKDE(bw=bw).fit(data, weights).evaluate(grid_points)` for 2-D
/// data: the grid (the cartesian product of the two axes, first coordinate
/// varying slowest, as KDEpy's) and the density on it. The kernel is
/// isotropic with standard deviation `bw` (KDEpy's norm-2 Gaussian).
///
/// ```
/// use threatstat_kde::fft_kde_2d;
/// let xy = ndarray::Array2::from_shape_fn((500, 2), |(i, k)| {
///     if k == 0 { (i as f64 * 0.37).sin() } else { (i as f64 * 0.11).cos() }
/// });
/// let (grid, y) = fft_kde_2d(xy.view(), None, 0.2, [64, 48]).unwrap();
/// assert_eq!((grid.nrows(), y.len()), (64 * 48, 64 * 48));
/// let (dx, dy) = (grid[[48, 0]] - grid[[0, 0]], grid[[1, 1]] - grid[[0, 1]]);
/// assert!((y.iter().sum::<f64>() * dx * dy - 1.0).abs() < 1e-3);
/// ```
pub fn fft_kde_2d(
    data: ArrayView2<'_, f64>,
    weights: Option<&[f64]>,
    bw: f64,
    grid_points: [usize; 2],
) -> Result<(Array2<f64>, Vec<f64>), KdeError> {
    fft_kde_2d_with(data, weights, bw, grid_points, &FftOptions::default())
}

/// [`fft_kde_2d`] with options (kernel support, grid ranges).
pub fn fft_kde_2d_with(
    data: ArrayView2<'_, f64>,
    weights: Option<&[f64]>,
    bw: f64,
    grid_points: [usize; 2],
    options: &FftOptions,
) -> Result<(Array2<f64>, Vec<f64>), KdeError> {
    if data.ncols() != 2 {
        return Err(KdeError::DimensionMismatch {
            expected: 2,
            found: data.ncols(),
        });
    }
    let data = checked_rows(data, "data")?;
    let xy = row_major(&data);
    check_common(data.nrows(), weights, bw, &grid_points)?;
    let bounds: [Option<(f64, f64)>; 2] = match &options.bounds {
        None => [None, None],
        Some(b) if b.len() == 2 => [Some(b[0]), Some(b[1])],
        Some(b) => {
            return Err(KdeError::DimensionMismatch {
                expected: 2,
                found: b.len(),
            });
        }
    };
    let s = support(bw, options.support)?;
    let axes: Vec<Vec<f64>> = (0..2)
        .map(|k| {
            let range = min_max(xy.chunks_exact(2).map(|r| r[k]));
            axis_grid(range, grid_points[k], s, bounds[k], k)
        })
        .collect::<Result<_, _>>()?;
    let [g0, g1] = grid_points;
    let gmin = [axes[0][0], axes[1][0]];
    let dx = [
        (axes[0][g0 - 1] - gmin[0]) / (g0 - 1) as f64,
        (axes[1][g1 - 1] - gmin[1]) / (g1 - 1) as f64,
    ];
    let w = weights.map(kdepy_weights);
    let binned = linbin_2d(xy, w.as_deref(), gmin, dx, grid_points);
    let l: [f64; 2] = std::array::from_fn(|k| (s / dx[k]).floor().min(grid_points[k] as f64));
    let kx = np_linspace(-dx[0] * l[0], dx[0] * l[0], (l[0] * 2.0 + 1.0) as usize);
    let ky = np_linspace(-dx[1] * l[1], dx[1] * l[1], (l[1] * 2.0 + 1.0) as usize);
    let bw2 = bw * bw;
    let mut kernel = Vec::with_capacity(kx.len() * ky.len());
    for &a in &kx {
        for &b in &ky {
            let dist = (a * a + b * b).sqrt();
            let u = dist / bw;
            kernel.push((-(u * u) / 2.0).exp() / 2.0 / (bw2 * VOLUME_UNIT_BALL_2));
        }
    }
    let density = convolve_same_2d(&binned, [g0, g1], &kernel, [kx.len(), ky.len()]);
    let mut grid = Vec::with_capacity(g0 * g1 * 2);
    for &a in &axes[0] {
        for &b in &axes[1] {
            grid.push(a);
            grid.push(b);
        }
    }
    let grid = Array2::from_shape_vec((g0 * g1, 2), grid).expect("two coordinates a node");
    Ok((grid, density))
}

/// Parallel linear binning in 2-D with KDEpy's formulas
/// (`iterate_data_2D[_weighted]`).
fn linbin_2d(
    xy: &[f64],
    w: Option<&[f64]>,
    gmin: [f64; 2],
    dx: [f64; 2],
    g: [usize; 2],
) -> Vec<f64> {
    let total_len = g[0] * g[1];
    let n = xy.len() / 2;
    let partial: Vec<Vec<f64>> = xy
        .par_chunks(2 * BIN_CHUNK)
        .enumerate()
        .map(|(c, rows)| {
            let mut r = vec![0.0f64; total_len];
            let off = c * BIN_CHUNK;
            let mut add = |ix: usize, iy: usize, v: f64| {
                // KDEpy wraps out-of-grid neighbours (weight 0) modulo the grid.
                if ix < g[0] && iy < g[1] {
                    r[ix * g[1] + iy] += v;
                }
            };
            for (i, p) in rows.chunks_exact(2).enumerate() {
                let x = (p[0] - gmin[0]) / dx[0];
                let y = (p[1] - gmin[1]) / dx[1];
                // x, y > 0 (the grid contains the data): floor is truncation.
                let (xi, yi) = (x as usize, y as usize);
                let (xf, yf) = (x - xi as f64, y - yi as f64);
                let xyf = xf * yf;
                let y_xy = yf - xyf;
                let x_xy = xf - xyf;
                let corner = xyf - xf - yf + 1.0;
                match w {
                    None => {
                        add(xi, yi, corner);
                        add(xi + 1, yi, x_xy);
                        add(xi, yi + 1, y_xy);
                        add(xi + 1, yi + 1, xyf);
                    }
                    Some(w) => {
                        let wi = w[off + i];
                        add(xi, yi, corner * wi);
                        add(xi + 1, yi, x_xy * wi);
                        add(xi, yi + 1, y_xy * wi);
                        add(xi + 1, yi + 1, xyf * wi);
                    }
                }
            }
            r
        })
        .collect();
    let mut total = vec![0.0f64; total_len];
    for p in &partial {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    if w.is_none() {
        let nf = n as f64;
        for t in &mut total {
            *t /= nf;
        }
    }
    total
}

/// In-place 2-D FFT of a row-major `m0 × m1` array.
fn fft2(buf: &mut [Complex<f64>], m0: usize, m1: usize, inverse: bool) {
    let mut planner = FftPlanner::new();
    let (p1, p0) = if inverse {
        (planner.plan_fft_inverse(m1), planner.plan_fft_inverse(m0))
    } else {
        (planner.plan_fft_forward(m1), planner.plan_fft_forward(m0))
    };
    p1.process(buf);
    let mut t = vec![Complex::new(0.0, 0.0); m0 * m1];
    transpose(buf, &mut t, m0, m1);
    p0.process(&mut t);
    transpose(&t, buf, m1, m0);
}

fn transpose(src: &[Complex<f64>], dst: &mut [Complex<f64>], rows: usize, cols: usize) {
    for r in 0..rows {
        for c in 0..cols {
            dst[c * rows + r] = src[r * cols + c];
        }
    }
}

/// 2-D `convolve(signal, kernel, mode="same")` for odd kernel sizes: direct
/// sums when cheap, else FFT.
fn convolve_same_2d(signal: &[f64], s: [usize; 2], kernel: &[f64], k: [usize; 2]) -> Vec<f64> {
    if (s[0] * s[1]).saturating_mul(k[0] * k[1]) <= DIRECT_MAX_WORK {
        convolve_same_direct_2d(signal, s, kernel, k)
    } else {
        convolve_same_fft_2d(signal, s, kernel, k)
    }
}

fn convolve_same_direct_2d(
    signal: &[f64],
    s: [usize; 2],
    kernel: &[f64],
    k: [usize; 2],
) -> Vec<f64> {
    let (h0, h1) = ((k[0] - 1) / 2, (k[1] - 1) / 2);
    let mut out = vec![0.0f64; s[0] * s[1]];
    out.par_chunks_mut(s[1]).enumerate().for_each(|(i, row)| {
        let a_lo = (i + h0 + 1).saturating_sub(s[0]);
        let a_hi = (i + h0).min(k[0] - 1);
        for (j, v) in row.iter_mut().enumerate() {
            let b_lo = (j + h1 + 1).saturating_sub(s[1]);
            let b_hi = (j + h1).min(k[1] - 1);
            let mut acc = 0.0;
            for a in a_lo..=a_hi {
                let srow = &signal[(i + h0 - a) * s[1]..];
                let krow = &kernel[a * k[1]..];
                for b in b_lo..=b_hi {
                    acc += krow[b] * srow[j + h1 - b];
                }
            }
            *v = acc;
        }
    });
    out
}

fn convolve_same_fft_2d(signal: &[f64], s: [usize; 2], kernel: &[f64], k: [usize; 2]) -> Vec<f64> {
    let m0 = (s[0] + k[0] - 1).next_power_of_two();
    let m1 = (s[1] + k[1] - 1).next_power_of_two();
    let padded = |v: &[f64], r: usize, c: usize| -> Vec<Complex<f64>> {
        let mut z = vec![Complex::new(0.0, 0.0); m0 * m1];
        for i in 0..r {
            for j in 0..c {
                z[i * m1 + j].re = v[i * c + j];
            }
        }
        z
    };
    let mut a = padded(signal, s[0], s[1]);
    let mut b = padded(kernel, k[0], k[1]);
    fft2(&mut a, m0, m1, false);
    fft2(&mut b, m0, m1, false);
    for (x, y) in a.iter_mut().zip(&b) {
        *x *= y;
    }
    fft2(&mut a, m0, m1, true);
    let scale = 1.0 / (m0 * m1) as f64;
    let (h0, h1) = ((k[0] - 1) / 2, (k[1] - 1) / 2);
    let mut out = Vec::with_capacity(s[0] * s[1]);
    for i in 0..s[0] {
        for j in 0..s[1] {
            out.push((a[(i + h0) * m1 + j + h1].re * scale).max(0.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn fft_and_direct_convolutions_agree_1d() {
        for (n, kl) in [(100, 7), (64, 129), (1000, 301), (5, 11)] {
            let (s, k) = (lcg(n, 1), lcg(kl, 2));
            let a = convolve_same_direct_1d(&s, &k);
            let b = convolve_same_fft_1d(&s, &k);
            let peak = a.iter().cloned().fold(0.0, f64::max);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-13 * peak, "{n} {kl}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn fft_and_direct_convolutions_agree_2d() {
        for (s, k) in [([20, 13], [5, 9]), ([8, 8], [17, 3]), ([31, 40], [11, 11])] {
            let sig = lcg(s[0] * s[1], 3);
            let ker = lcg(k[0] * k[1], 4);
            let a = convolve_same_direct_2d(&sig, s, &ker, k);
            let b = convolve_same_fft_2d(&sig, s, &ker, k);
            let peak = a.iter().cloned().fold(0.0, f64::max);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 1e-13 * peak, "{s:?} {k:?}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn practical_support_matches_kdepy() {
        // KDEpy: gaussian.practical_support(1.0), (0.01), (100.0)
        assert_eq!(kdepy_practical_support(1.0).unwrap(), 4.073159992998083);
        assert_eq!(kdepy_practical_support(0.01).unwrap(), 0.051711234907361237);
        assert_eq!(kdepy_practical_support(100.0).unwrap(), 271.52381206542816);
        assert!(kdepy_practical_support(5000.0).is_err());
    }
}
