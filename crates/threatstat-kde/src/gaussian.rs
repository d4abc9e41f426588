//! The Gaussian KDE with SciPy's `gaussian_kde` conventions, evaluated by
//! exact sums.

use crate::KdeError;
use crate::bandwidth;
use crate::cv_ml::CvMl;
use crate::flag::{Flags, Threshold, flag_low_density};
use crate::numeric::np_sum_fn;
use crate::points::{checked_rows, row_major};
use crate::sums::{BASE2_SCALE, KernelSums};
use ndarray::{Array2, ArrayBase, ArrayView2, Data, Ix2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use threatstat_core::model::{Fit, ModelFile, ParamGuard};

/// Raw kernel sums below this may be distorted by the fast `exp2`'s clamp at
/// `2^-1021`; they are recomputed with `f64::exp`.
const TINY: f64 = 1e-250;
/// Settings of [`GaussianKde::flag_low_density_large_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct LargeOptions {
    /// Samples of at most this many points are computed exactly (20,000).
    pub min_points: usize,
    /// The grid spacing in kernel standard deviations (0.05).
    pub spacing_sd: f64,
    /// The most grid cells; the spacing grows to respect it (2^24).
    pub max_cells: usize,
    /// Points recomputed exactly to measure the grid's error (2,000).
    pub sample: usize,
}

impl Default for LargeOptions {
    fn default() -> Self {
        LargeOptions {
            min_points: 20_000,
            spacing_sd: 0.05,
            max_cells: 1 << 24,
            sample: 2_000,
        }
    }
}

/// `a > b`, false when either is NaN.
fn above(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) == Some(std::cmp::Ordering::Greater)
}

/// The density that decides a threshold: the value itself, or the larger
/// of the two order statistics a contamination quantile interpolates.
fn decisive_value(densities: &[f64], threshold: Threshold) -> f64 {
    match threshold {
        Threshold::Value(v) => v,
        Threshold::Contamination(q) => {
            let mut s = densities.to_vec();
            s.sort_unstable_by(f64::total_cmp);
            let k =
                ((q.clamp(0.0, 1.0) * (s.len() - 1) as f64).floor() as usize + 1).min(s.len() - 1);
            s[k]
        }
    }
}

/// What [`GaussianKde::flag_low_density_large`] computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LargeFlags {
    /// The flags and threshold (those of the exact method; see the method).
    pub flags: Flags,
    /// Leave-one-out densities: exact where `exact[i]`, grid estimates
    /// elsewhere (all above the threshold).
    pub densities: Vec<f64>,
    /// Which densities are exact.
    pub exact: Vec<bool>,
    /// How many densities are exact.
    pub refined: usize,
    /// The grid spacing in kernel standard deviations (0: no grid).
    pub grid_spacing: f64,
    /// The grid's cells (0: no grid).
    pub grid_cells: usize,
    /// The largest relative error of a grid estimate, measured exactly on a
    /// sample of the points left estimated.
    pub sampled_max_rel_error: f64,
    /// The size of that sample.
    pub sampled: usize,
}

/// How the kernel covariance is chosen: `kernel covariance = data covariance ×
/// factor²`, the data covariance being the weighted one SciPy computes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Bandwidth {
    /// SciPy's `scotts_factor`: `factor = neff^(-1/(d+4))` (the default).
    #[default]
    Scott,
    /// SciPy's `silverman_factor`: `factor = (neff (d+2) / 4)^(-1/(d+4))`.
    Silverman,
    /// A fixed factor (SciPy's scalar `bw_method`).
    Factor(f64),
    /// 1-D only: kernel standard deviation from statsmodels'
    /// [`bw_normal_reference`](crate::bw_normal_reference) (which ignores
    /// weights, as statsmodels does); `factor = h / data std`.
    NormalReference,
    /// 1-D only: kernel standard deviation from KDEpy's Improved
    /// Sheather–Jones rule ([`bw_isj`](crate::bw_isj), weighted when the KDE
    /// is); `factor = h / data std`.
    Isj,
    /// 1-D only: this kernel standard deviation; `factor = h / data std`.
    StdDev(f64),
    /// Any dimension, unweighted: statsmodels' likelihood cross-validated
    /// bandwidths (`bw='cv_ml'`, [`cv_ml_bandwidths`](crate::cv_ml_bandwidths)),
    /// one kernel standard deviation `h_s` per coordinate. The kernel
    /// covariance is `diag(h_s²)`, not a multiple of the data covariance;
    /// `factor` is then `(Π h_s / √det(data covariance))^(1/d)` (`h / data
    /// std` in 1-D), and [`GaussianKde::cv_ml`] gives the optimiser's state.
    CvMl,
}

impl Bandwidth {
    /// A short name: `scott`, `silverman`, `factor`, `normal-reference`,
    /// `isj`, `std-dev`, `cv-ml`.
    pub fn name(&self) -> &'static str {
        match self {
            Bandwidth::Scott => "scott",
            Bandwidth::Silverman => "silverman",
            Bandwidth::Factor(_) => "factor",
            Bandwidth::NormalReference => "normal-reference",
            Bandwidth::Isj => "isj",
            Bandwidth::StdDev(_) => "std-dev",
            Bandwidth::CvMl => "cv-ml",
        }
    }
}

/// Entry point (linfa style): `GaussianKde::params()...fit(&points)`, the
/// points an `n × d` array or view (rows are points; [`Fit`] is the trait).
///
/// A fitted KDE keeps the data. Densities are exact sums over the data
/// points (parallel, ~d flops and one vectorised `exp` per pair after
/// whitening with the Cholesky factor; pairs that cannot reach 1e-20 of a sum
/// are skipped); see [`crate::fft_kde_1d`] for binned evaluation of very
/// large 1-D and 2-D data. The data are centred before whitening, so large
/// offsets (timestamps, byte counts) keep full precision where SciPy loses
/// digits to cancellation.
///
/// ```
/// use ndarray::array;
/// use threatstat_kde::{Bandwidth, Fit, GaussianKde};
/// let x = array![[-1.2], [-0.3], [0.1], [0.4], [1.7], [2.2]];   // 6 points, d = 1
/// let kde = GaussianKde::params().fit(&x).unwrap();          // Scott's factor
/// assert!((kde.factor() - 6f64.powf(-0.2)).abs() < 1e-15);
/// let f = kde.evaluate(array![[0.0], [10.0]].view()).unwrap();
/// assert!(f[0] > 0.1 && f[1] < 1e-6);
/// // Fixed kernel standard deviation 0.5 (1-D), with weights:
/// let kde = GaussianKde::params()
///     .bandwidth(Bandwidth::StdDev(0.5))
///     .weights(vec![1.0, 1.0, 2.0, 2.0, 1.0, 1.0])
///     .fit(&x)
///     .unwrap();
/// assert!((kde.kernel_covariance()[[0, 0]] - 0.25).abs() < 1e-15);
/// assert!((kde.neff() - 64.0 / 12.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct GaussianKde {
    /// The data, `n × d`, standard (row-major) layout.
    points: Array2<f64>,
    raw_weights: Option<Vec<f64>>,
    bandwidth: Bandwidth,
    /// Normalised weights; empty without weights (see `uniform`).
    weights: Vec<f64>,
    /// `1/n` n times, made when [`GaussianKde::weights`] asks for them.
    uniform: OnceLock<Vec<f64>>,
    weight_sum: f64,
    neff: f64,
    mean: Vec<f64>,
    data_cov: Array2<f64>,
    data_chol: Array2<f64>,
    factor: f64,
    kernel_cov: Array2<f64>,
    kernel_chol: Array2<f64>,
    /// `(2π)^(-d/2) / Π diag(L)` (SciPy's `norm`).
    norm: f64,
    /// `-(d/2) ln 2π − Σ ln diag(L)`.
    log_norm: f64,
    /// The cross-validated bandwidths of [`Bandwidth::CvMl`].
    cv_ml: Option<CvMl>,
    /// Whitened, scaled, sorted data: the summation engine.
    /// The pruned kernel sums, built at the first evaluation (a fit used
    /// only for its bandwidth, as `threatstat kde --fft`, never sorts).
    sums: OnceLock<KernelSums>,
}

/// Parameters of [`GaussianKde`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GaussianKdeParams {
    bandwidth: Bandwidth,
    weights: Option<Vec<f64>>,
}

impl GaussianKdeParams {
    /// The bandwidth rule (default [`Bandwidth::Scott`]).
    pub fn bandwidth(mut self, bandwidth: Bandwidth) -> Self {
        self.bandwidth = bandwidth;
        self
    }

    /// Non-negative weights, one per point (normalised to sum 1, as SciPy).
    pub fn weights(mut self, weights: Vec<f64>) -> Self {
        self.weights = Some(weights);
        self
    }
}

/// [`GaussianKdeParams`] after [`ParamGuard::check`]: a fixed factor or
/// kernel standard deviation is finite and > 0. Only `check` makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedGaussianKdeParams(GaussianKdeParams);

impl GaussianKdeParams {
    /// [`Fit::fit`] (after [`ParamGuard::check`]) on data given by value:
    /// row-major data are kept, not copied (a million points are 8 MB).
    ///
    /// ```
    /// use threatstat_kde::{Bandwidth, GaussianKde};
    /// let x = ndarray::Array2::from_shape_fn((500, 1), |(i, _)| (i as f64 * 0.37).sin());
    /// let kde = GaussianKde::params().bandwidth(Bandwidth::Isj).fit_owned(x).unwrap();
    /// assert_eq!(kde.n(), 500);
    /// ```
    pub fn fit_owned(&self, points: Array2<f64>) -> Result<GaussianKde, KdeError> {
        self.check()?.fit_owned(points)
    }
}

impl CheckedGaussianKdeParams {
    /// [`Fit::fit`] on data given by value (see
    /// [`GaussianKdeParams::fit_owned`]).
    pub fn fit_owned(&self, points: Array2<f64>) -> Result<GaussianKde, KdeError> {
        let reordered = match checked_rows(points.view(), "data")? {
            c if c.is_view() => None,
            c => Some(c.into_owned()),
        };
        let points = reordered.unwrap_or(points);
        GaussianKde::build(points, self.0.weights.clone(), self.0.bandwidth, None)
    }
}

impl ParamGuard for GaussianKdeParams {
    type Checked = CheckedGaussianKdeParams;
    type Error = KdeError;

    /// Checks the bandwidth: [`Bandwidth::Factor`] and [`Bandwidth::StdDev`]
    /// finite and > 0 ([`threatstat_core::Error::Param`] named
    /// `bandwidth`). Weights are checked by the fit, against the data.
    fn check(&self) -> Result<CheckedGaussianKdeParams, KdeError> {
        let (value, what) = match self.bandwidth {
            Bandwidth::Factor(f) => (f, "a factor"),
            Bandwidth::StdDev(h) => (h, "a kernel standard deviation"),
            _ => return Ok(CheckedGaussianKdeParams(self.clone())),
        };
        if value.is_finite() && value > 0.0 {
            Ok(CheckedGaussianKdeParams(self.clone()))
        } else {
            Err(threatstat_core::Error::param(
                "bandwidth",
                value,
                format!("{what} that is finite and > 0"),
            )
            .into())
        }
    }
}

impl<S: Data<Elem = f64>> Fit<ArrayBase<S, Ix2>> for CheckedGaussianKdeParams {
    type Fitted = GaussianKde;
    type Error = KdeError;

    /// Fits the KDE to `points` (`n × d`, rows are points): validates data
    /// and weights, computes the weighted data covariance, its Cholesky
    /// factor and the bandwidth factor.
    ///
    /// Errors: no columns or a non-finite coordinate, empty data, fewer
    /// than two values or fewer points than dimensions (SciPy's
    /// conditions), weights of the wrong length, negative or non-finite
    /// weights or weights summing to 0, a singular data covariance (e.g. a
    /// constant coordinate), a 1-D-only bandwidth on d > 1.
    fn fit(&self, points: &ArrayBase<S, Ix2>) -> Result<GaussianKde, KdeError> {
        let points = checked_rows(points.view(), "data")?.into_owned();
        GaussianKde::build(points, self.0.weights.clone(), self.0.bandwidth, None)
    }
}

/// The lower Cholesky factor of the symmetric positive definite `a`
/// (`None` when it is not), by the Cholesky–Banachiewicz order the
/// parity fixtures were computed with.
fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let d = a.nrows();
    let mut l = Array2::<f64>::zeros((d, d));
    for j in 0..d {
        let mut s = a[[j, j]];
        for k in 0..j {
            s -= l[[j, k]] * l[[j, k]];
        }
        if s.is_nan() || s <= 0.0 {
            return None;
        }
        let ljj = s.sqrt();
        l[[j, j]] = ljj;
        for i in j + 1..d {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / ljj;
        }
    }
    Some(l)
}

impl GaussianKde {
    /// Parameters with defaults (Scott's factor, equal weights).
    pub fn params() -> GaussianKdeParams {
        GaussianKdeParams::default()
    }

    /// The fit; `points` are finite, standard layout, with d ≥ 1 columns.
    /// `cv_ml`: the cross-validated bandwidths of [`Bandwidth::CvMl`] when
    /// already known (a model file), else they are computed.
    fn build(
        points: Array2<f64>,
        raw_weights: Option<Vec<f64>>,
        bandwidth: Bandwidth,
        cv_ml: Option<CvMl>,
    ) -> Result<GaussianKde, KdeError> {
        let (n, d) = points.dim();
        if n == 0 {
            return Err(KdeError::Empty("the data has no points".into()));
        }
        if n * d < 2 {
            return Err(threatstat_core::Error::shape(
                "data",
                "at least two values (SciPy: `dataset` input should have multiple elements)",
                "1 value",
            )
            .into());
        }
        if d > n {
            return Err(threatstat_core::Error::shape(
                "data",
                format!(
                    "at least as many points as dimensions ({d}), else the data covariance is \
                     singular"
                ),
                format!("{n} points"),
            )
            .into());
        }
        // Without weights no n-length vector of 1/n is made: the sums below
        // map indices to values (bit-identical to summing the vectors).
        let weights = match &raw_weights {
            Some(w) => normalised_weights(w, n)?,
            None => Vec::new(),
        };
        let weighted = raw_weights.is_some();
        let uniform = 1.0 / n as f64;
        let w_at = |i: usize| if weighted { weights[i] } else { uniform };
        let sum_sq = np_sum_fn(n, |i| w_at(i) * w_at(i));
        let neff = 1.0 / sum_sq;

        // np.cov(dataset, aweights=weights, bias=False), as SciPy calls it.
        let w_sum = np_sum_fn(n, w_at);
        let flat = points.as_slice().expect("the data are row-major");
        let x = |i: usize, k: usize| flat[i * d + k];
        let mean: Vec<f64> = (0..d)
            .map(|k| np_sum_fn(n, |i| x(i, k) * w_at(i)) / w_sum)
            .collect();
        let fact = w_sum - sum_sq / w_sum;
        if fact.is_nan() || fact <= 0.0 {
            // The largest weight leaves the others no share.
            let heaviest = weights
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i);
            return Err(KdeError::Weights {
                index: heaviest,
                message: "the weighted data covariance is undefined (all weight on one point)"
                    .into(),
            });
        }
        let inv_fact = 1.0 / fact;
        let mut data_cov = Array2::<f64>::zeros((d, d));
        for a in 0..d {
            for b in a..d {
                let (ma, mb) = (mean[a], mean[b]);
                let c = np_sum_fn(n, |i| (x(i, b) - mb) * ((x(i, a) - ma) * w_at(i))) * inv_fact;
                data_cov[[b, a]] = c;
                data_cov[[a, b]] = c;
            }
        }
        let data_chol = cholesky(&data_cov).ok_or_else(|| {
            KdeError::SingularCovariance(if d == 1 {
                "the data covariance is singular: all values are equal (or all weight is on equal \
                 values)"
                    .into()
            } else {
                "the data covariance is singular: the data lie in a lower-dimensional subspace \
                 (a constant or collinear coordinate)"
                    .into()
            })
        })?;

        let one_d = |what: &str| -> Result<(), KdeError> {
            if d == 1 {
                Ok(())
            } else {
                Err(threatstat_core::Error::param(
                    "bandwidth",
                    bandwidth.name(),
                    format!(
                        "a factor, scott, silverman or cv-ml for {d}-dimensional data (the {what} \
                         bandwidth is a kernel standard deviation, defined for 1-D data only)"
                    ),
                )
                .into())
            }
        };
        let from_std = |h: f64| h / data_chol[[0, 0]];
        let cv_ml = match (bandwidth, cv_ml) {
            (Bandwidth::CvMl, Some(cv)) => Some(checked_cv_ml(cv, d)?),
            (Bandwidth::CvMl, None) if weighted => {
                return Err(threatstat_core::Error::param(
                    "bandwidth",
                    "cv-ml",
                    "an unweighted KDE (statsmodels' cv_ml has no weights)",
                )
                .into());
            }
            (Bandwidth::CvMl, None) => Some(crate::cv_ml::cv_ml_bandwidths(points.view())?),
            _ => None,
        };
        let factor = match bandwidth {
            Bandwidth::Scott => neff.powf(-1.0 / (d as f64 + 4.0)),
            Bandwidth::Silverman => (neff * (d as f64 + 2.0) / 4.0).powf(-1.0 / (d as f64 + 4.0)),
            Bandwidth::Factor(f) => f,
            Bandwidth::NormalReference => {
                one_d("normal-reference")?;
                from_std(bandwidth::select_bandwidth(
                    flat,
                    bandwidth::BandwidthRule::NormalReference,
                )?)
            }
            Bandwidth::Isj => {
                one_d("ISJ")?;
                let h = match &raw_weights {
                    Some(w) => bandwidth::bw_isj_weighted(flat, w)?,
                    None => bandwidth::bw_isj(flat)?,
                };
                from_std(h)
            }
            Bandwidth::StdDev(h) => {
                one_d("standard-deviation")?;
                crate::checks::kernel_std("bandwidth", h)?;
                from_std(h)
            }
            Bandwidth::CvMl => {
                let h = &cv_ml.as_ref().expect("computed above").bandwidths;
                let log_ratio: f64 = (0..d).map(|k| h[k].ln() - data_chol[[k, k]].ln()).sum();
                (log_ratio / d as f64).exp()
            }
        };
        if !(factor.is_finite() && factor > 0.0) {
            return Err(threatstat_core::Error::data(
                "data",
                format!("the bandwidth factor they give is {factor}, expected finite and > 0"),
            )
            .into());
        }
        let (kernel_cov, kernel_chol) = match &cv_ml {
            Some(cv) => (
                Array2::from_diag(&ndarray::Array1::from_iter(
                    cv.bandwidths.iter().map(|h| h * h),
                )),
                Array2::from_diag(&ndarray::Array1::from_vec(cv.bandwidths.clone())),
            ),
            None => {
                let f2 = factor * factor;
                (data_cov.mapv(|c| c * f2), data_chol.mapv(|c| c * factor))
            }
        };
        let mut norm = (2.0 * std::f64::consts::PI).powf(-(d as f64) / 2.0);
        let mut log_norm = -(d as f64) / 2.0 * (2.0 * std::f64::consts::PI).ln();
        for k in 0..d {
            norm /= kernel_chol[[k, k]];
            log_norm -= kernel_chol[[k, k]].ln();
        }
        let kde = GaussianKde {
            points,
            raw_weights,
            bandwidth,
            weight_sum: if weighted { w_sum } else { n as f64 },
            weights,
            uniform: OnceLock::new(),
            neff,
            mean,
            data_cov,
            data_chol,
            factor,
            kernel_cov,
            kernel_chol,
            norm,
            log_norm,
            cv_ml,
            sums: OnceLock::new(),
        };
        Ok(kde)
    }

    /// The kernel sums over the whitened data (built once).
    fn sums(&self) -> &KernelSums {
        self.sums.get_or_init(|| {
            let d = self.dim();
            let mut rows = vec![0.0f64; self.n() * d];
            let data = self.points.as_slice().expect("the data are row-major");
            for (row, z) in data.chunks_exact(d).zip(rows.chunks_exact_mut(d)) {
                self.whiten_into(row, z);
            }
            let w = if self.is_weighted() {
                Some(&self.weights[..])
            } else {
                None
            };
            KernelSums::new(d, &rows, w)
        })
    }

    fn is_weighted(&self) -> bool {
        self.raw_weights.is_some()
    }

    /// `z = L⁻¹ (x − mean) · BASE2_SCALE` by forward substitution.
    fn whiten_into(&self, x: &[f64], z: &mut [f64]) {
        let d = self.dim();
        let l = self.kernel_chol.as_slice().expect("row-major");
        for k in 0..d {
            let mut s = x[k] - self.mean[k];
            for j in 0..k {
                s -= l[k * d + j] * z[j];
            }
            z[k] = s / l[k * d + k];
        }
        for v in z.iter_mut() {
            *v *= BASE2_SCALE;
        }
    }

    fn whiten(&self, points: ArrayView2<'_, f64>) -> Result<Vec<f64>, KdeError> {
        let d = self.dim();
        if points.ncols() != d {
            return Err(KdeError::DimensionMismatch {
                expected: d,
                found: points.ncols(),
            });
        }
        let points = checked_rows(points, "points")?;
        let points = row_major(&points);
        let mut q = vec![0.0f64; points.len()];
        for (row, z) in points.chunks_exact(d).zip(q.chunks_exact_mut(d)) {
            self.whiten_into(row, z);
        }
        Ok(q)
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.points.ncols()
    }

    /// The number of data points n.
    pub fn n(&self) -> usize {
        self.points.nrows()
    }

    /// The data, `n × d` (rows are points).
    pub fn data(&self) -> ArrayView2<'_, f64> {
        self.points.view()
    }

    /// The normalised weights (`1/n` each for an unweighted KDE).
    pub fn weights(&self) -> &[f64] {
        if self.is_weighted() {
            &self.weights
        } else {
            self.uniform
                .get_or_init(|| vec![1.0 / self.n() as f64; self.n()])
        }
    }

    /// The bandwidth rule the KDE was fitted with.
    pub fn bandwidth(&self) -> Bandwidth {
        self.bandwidth
    }

    /// The effective number of points `1 / Σ wᵢ²` (normalised weights).
    pub fn neff(&self) -> f64 {
        self.neff
    }

    /// The cross-validated bandwidths and the optimiser's state, for
    /// [`Bandwidth::CvMl`] (`None` for the other rules).
    pub fn cv_ml(&self) -> Option<&CvMl> {
        self.cv_ml.as_ref()
    }

    /// The bandwidth factor (SciPy's `kde.factor`; see [`Bandwidth::CvMl`]
    /// for the cross-validated bandwidths).
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// The weighted data covariance (d×d), as `np.cov(data, aweights=w,
    /// bias=False)`.
    pub fn data_covariance(&self) -> &Array2<f64> {
        &self.data_cov
    }

    /// The kernel covariance `data covariance × factor²` (d×d; SciPy's
    /// `kde.covariance`), or `diag(h_s²)` for [`Bandwidth::CvMl`].
    pub fn kernel_covariance(&self) -> &Array2<f64> {
        &self.kernel_cov
    }

    /// The lower Cholesky factor of the kernel covariance (SciPy's
    /// `kde.cho_cov`), d×d.
    pub fn kernel_cholesky(&self) -> &Array2<f64> {
        &self.kernel_chol
    }

    /// The lower Cholesky factor of the data covariance.
    pub fn data_cholesky(&self) -> &Array2<f64> {
        &self.data_chol
    }

    /// Density at each point: `Σⱼ wⱼ N(x; xⱼ, Σ)`, summed exactly.
    ///
    /// `points` is `m × d` (rows are points). Errors if the points'
    /// dimension differs from the data's or a coordinate is not finite.
    pub fn evaluate(&self, points: ArrayView2<'_, f64>) -> Result<Vec<f64>, KdeError> {
        let q = self.whiten(points)?;
        let mut s = self.sums().raw_sums(&q, false);
        let d = self.dim();
        s.par_iter_mut().enumerate().for_each(|(i, v)| {
            if *v < TINY {
                *v = self.sums().exact_sum(&q[i * d..(i + 1) * d], None);
            }
            *v = *v / self.weight_sum_for_sums() * self.norm;
        });
        Ok(s)
    }

    /// Natural log of the density, without underflow: points far from all
    /// data get large negative values instead of `ln 0` (log-sum-exp).
    pub fn log_density(&self, points: ArrayView2<'_, f64>) -> Result<Vec<f64>, KdeError> {
        let q = self.whiten(points)?;
        let mut s = self.sums().raw_sums(&q, false);
        let d = self.dim();
        s.par_iter_mut().enumerate().for_each(|(i, v)| {
            let ln = if *v < TINY {
                self.sums().exact_log_sum(&q[i * d..(i + 1) * d], None)
            } else {
                v.ln()
            };
            *v = ln - self.weight_sum_for_sums().ln() + self.log_norm;
        });
        Ok(s)
    }

    /// Leave-one-out density at each data point:
    /// `f₋ᵢ(xᵢ) = Σ_{j≠i} wⱼ N(xᵢ; xⱼ, Σ) / Σ_{j≠i} wⱼ`, with the kernel
    /// covariance Σ of the full fit (the bandwidth is not re-selected). The
    /// point's own kernel is excluded from the sum, not subtracted, so
    /// isolated points get accurate small values.
    pub fn loo_density(&self) -> Vec<f64> {
        let q = self.data_queries();
        let mut s = self.sums().raw_sums(&q, true);
        let d = self.dim();
        s.par_iter_mut().enumerate().for_each(|(i, v)| {
            if *v < TINY {
                *v = self
                    .sums()
                    .exact_sum(&q[i * d..(i + 1) * d], Some(self.sums().rank(i)));
            }
            *v = *v / self.loo_denominator(i) * self.norm;
        });
        s
    }

    /// Natural log of [`loo_density`](Self::loo_density), without underflow.
    pub fn loo_log_density(&self) -> Vec<f64> {
        let q = self.data_queries();
        let mut s = self.sums().raw_sums(&q, true);
        let d = self.dim();
        s.par_iter_mut().enumerate().for_each(|(i, v)| {
            let ln = if *v < TINY {
                self.sums()
                    .exact_log_sum(&q[i * d..(i + 1) * d], Some(self.sums().rank(i)))
            } else {
                v.ln()
            };
            *v = ln - self.loo_denominator(i).ln() + self.log_norm;
        });
        s
    }

    /// Flags the data points whose leave-one-out density
    /// ([`loo_density`](Self::loo_density)) is below the threshold. For the
    /// in-sample density use
    /// `flag_low_density(&kde.evaluate(kde.data())?, threshold)`.
    pub fn flag_low_density(&self, threshold: Threshold) -> Flags {
        flag_low_density(&self.loo_density(), threshold)
    }

    /// [`flag_low_density`](Self::flag_low_density) for samples too large for
    /// exact leave-one-out sums over all points (their cost grows as n²
    /// where the data are dense): the same flags and threshold, with exact
    /// densities only where they decide them.
    ///
    /// For d ≤ 2 and more than 20,000 points, every leave-one-out density is
    /// first estimated on a grid (linear binning, spacing 0.05 kernel
    /// standard deviations or coarser to stay within 2^24 cells, the point's
    /// own term removed exactly). Then, repeatedly: the points whose
    /// estimate lies below `c · (1 + margin)` are recomputed exactly, where
    /// `c` is the threshold (the larger of the two order statistics a
    /// contamination quantile interpolates), and the estimate's relative
    /// error is measured exactly on 2,000 of the other points; it stops when
    /// every estimated density exceeds `c · (1 + 2e)`, `e` being the largest
    /// measured error. Then no estimated point can be at or below the
    /// threshold, which is computed from exact values only, so the flags are
    /// those of the exact method unless an unsampled point errs by more than
    /// twice the largest sampled error. Smaller samples, and d > 2, use the
    /// exact densities throughout.
    ///
    /// ```
    /// use threatstat_kde::{Fit, GaussianKde, Threshold};
    /// let xs: Vec<f64> = (0..400).map(|i| ((i * 7919) % 400) as f64 / 40.0).chain([60.0]).collect();
    /// let x = ndarray::Array2::from_shape_vec((401, 1), xs).unwrap();
    /// let kde = GaussianKde::params().fit(&x).unwrap();
    /// let large = kde.flag_low_density_large(Threshold::Contamination(0.01));
    /// assert_eq!(large.flags, kde.flag_low_density(Threshold::Contamination(0.01)));
    /// assert!(large.flags.flags[400]); // the outlier
    /// assert_eq!(large.refined, 401); // small: all exact
    /// ```
    pub fn flag_low_density_large(&self, threshold: Threshold) -> LargeFlags {
        self.flag_low_density_large_with(threshold, &LargeOptions::default())
    }

    /// [`flag_low_density_large`](Self::flag_low_density_large) with its
    /// settings given.
    pub fn flag_low_density_large_with(
        &self,
        threshold: Threshold,
        opts: &LargeOptions,
    ) -> LargeFlags {
        let n = self.n();
        let all_exact = |this: &Self| {
            let densities = this.loo_density();
            LargeFlags {
                flags: flag_low_density(&densities, threshold),
                densities,
                exact: vec![true; n],
                refined: n,
                grid_spacing: 0.0,
                grid_cells: 0,
                sampled_max_rel_error: 0.0,
                sampled: 0,
            }
        };
        if n <= opts.min_points {
            return all_exact(self);
        }
        let ks = self.sums();
        let Some(grid) = crate::binned::grid_loo_sums(ks, opts.spacing_sd, opts.max_cells) else {
            return all_exact(self);
        };
        let density = |raw: f64, i: usize| raw / self.loo_denominator(i) * self.norm;
        let mut densities: Vec<f64> = (0..n).map(|i| density(grid.sums[i].max(0.0), i)).collect();
        let mut exact = vec![false; n];
        // Where the point's own term dominates, the difference is noise.
        let mut todo: Vec<usize> = (0..n)
            .filter(|&i| !above(grid.sums[i], 1e-6 * grid.own[i]))
            .collect();
        let mut margin = 0.05f64;
        let (err, sampled) = loop {
            let raw = ks.loo_sums_of(&todo);
            for (&i, &r) in todo.iter().zip(&raw) {
                let r = if r < TINY {
                    ks.exact_sum(&ks.data_point(i), Some(ks.rank(i)))
                } else {
                    r
                };
                densities[i] = density(r, i);
                exact[i] = true;
            }
            // The relative error of the estimates, on a sample of the rest.
            let rest: Vec<usize> = (0..n).filter(|&i| !exact[i]).collect();
            let step = rest.len().div_ceil(opts.sample.max(1)).max(1);
            let sample: Vec<usize> = rest.iter().copied().step_by(step).collect();
            let exact_raw = ks.loo_sums_of(&sample);
            let err = sample
                .iter()
                .zip(&exact_raw)
                .map(|(&i, &r)| (grid.sums[i] - r).abs() / r)
                .fold(0.0, f64::max);
            let cut = decisive_value(&densities, threshold);
            let lowest_estimate = rest
                .iter()
                .map(|&i| densities[i])
                .fold(f64::INFINITY, f64::min);
            if rest.is_empty() || (err.is_finite() && lowest_estimate > cut * (1.0 + 2.0 * err)) {
                break (err, sample.len());
            }
            margin = (margin * 2.0).max(4.0 * err);
            let bound = cut * (1.0 + margin);
            todo = rest
                .into_iter()
                .filter(|&i| !above(densities[i], bound))
                .collect();
            if todo.is_empty() {
                // Only the sampled error can stop the loop now: recompute all.
                todo = (0..n).filter(|&i| !exact[i]).collect();
            }
        };
        LargeFlags {
            flags: flag_low_density(&densities, threshold),
            refined: exact.iter().filter(|&&e| e).count(),
            densities,
            exact,
            grid_spacing: grid.spacing_sd,
            grid_cells: grid.cells,
            sampled_max_rel_error: err,
            sampled,
        }
    }

    /// Sums are `Σ wⱼ e` with normalised weights (weighted; SciPy does not
    /// divide again by their sum) or `Σ e` (unweighted, divided by n).
    fn weight_sum_for_sums(&self) -> f64 {
        if self.is_weighted() {
            1.0
        } else {
            self.n() as f64
        }
    }

    fn loo_denominator(&self, i: usize) -> f64 {
        if self.is_weighted() {
            self.weight_sum - self.weights[i]
        } else {
            (self.n() - 1) as f64
        }
    }

    /// The data points as queries (scaled coordinates, original order).
    fn data_queries(&self) -> Vec<f64> {
        (0..self.n())
            .flat_map(|i| self.sums().data_point(i))
            .collect()
    }
}

/// Stored cross-validated bandwidths: one per coordinate, finite and > 0.
fn checked_cv_ml(cv: CvMl, d: usize) -> Result<CvMl, KdeError> {
    if cv.bandwidths.len() != d || cv.bandwidths.iter().any(|h| !(h.is_finite() && *h > 0.0)) {
        return Err(threatstat_core::Error::model_file(
            None::<&std::path::Path>,
            format!(
                "`cv_ml.bandwidths` must be {d} finite numbers > 0, found {:?}",
                cv.bandwidths
            ),
        )
        .into());
    }
    Ok(cv)
}

fn normalised_weights(w: &[f64], n: usize) -> Result<Vec<f64>, KdeError> {
    crate::checks::weights_len(w.len(), n)?;
    for (i, &x) in w.iter().enumerate() {
        if !x.is_finite() {
            return Err(KdeError::Weights {
                index: Some(i),
                message: format!("weight {} is {x}, expected a finite number", i + 1),
            });
        }
        if x < 0.0 {
            return Err(KdeError::Weights {
                index: Some(i),
                message: format!("weight {} is negative ({x}); weights must be >= 0", i + 1),
            });
        }
    }
    // SciPy: `self._weights /= sum(self._weights)` with Python's builtin sum
    // (left to right).
    let mut s = 0.0;
    for &x in w {
        s += x;
    }
    if !(s > 0.0 && s.is_finite()) {
        return Err(KdeError::Weights {
            index: None,
            message: format!("the weights sum to {s}; at least one must be positive"),
        });
    }
    Ok(w.iter().map(|x| x / s).collect())
}

/// The body of a KDE model file (format `threatstat-kde`, version 1): the
/// inputs and the factor; everything else is recomputed (deterministically)
/// on load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KdeFile {
    bandwidth: Bandwidth,
    factor: f64,
    points: PointsFile,
    weights: Option<Vec<f64>>,
    /// The cross-validated bandwidths of [`Bandwidth::CvMl`] (absent for the
    /// other rules, so their files are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cv_ml: Option<CvMl>,
}

/// The data in a model file: dimension and row-major values.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PointsFile {
    d: usize,
    data: Vec<f64>,
}

/// A fitted KDE as a file: `{"format": "threatstat-kde", "version": 1,
/// "bandwidth", "factor", "points": {"d", "data"}, "weights"}`.
///
/// ```
/// use ndarray::array;
/// use threatstat_kde::{Fit, GaussianKde, ModelFile};
/// let kde = GaussianKde::params().fit(&array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.5]]).unwrap();
/// let json = kde.to_json().unwrap();
/// assert!(json.starts_with(r#"{"format":"threatstat-kde","version":1,"#));
/// let back = GaussianKde::from_json(&json).unwrap();
/// assert_eq!(back.kernel_covariance(), kde.kernel_covariance());
/// ```
impl ModelFile for GaussianKde {
    const FORMAT: &'static str = "threatstat-kde";
    const VERSION: u32 = 1;
    type Error = KdeError;
    type File = KdeFile;

    fn to_file(&self) -> Result<KdeFile, KdeError> {
        Ok(KdeFile {
            bandwidth: self.bandwidth,
            factor: self.factor,
            points: PointsFile {
                d: self.dim(),
                data: self.points.iter().copied().collect(),
            },
            weights: self.raw_weights.clone(),
            cv_ml: self.cv_ml.clone(),
        })
    }

    /// Refits with the stored factor (no bandwidth selection on load), then
    /// restores the rule's label; the file's data and weights are checked
    /// as a fit checks them.
    fn from_file(f: KdeFile) -> Result<GaussianKde, KdeError> {
        let PointsFile { d, data } = f.points;
        if d == 0 || !data.len().is_multiple_of(d) {
            return Err(threatstat_core::Error::shape(
                "points",
                "`data` of a whole number of rows of `d` > 0 values",
                format!("{} values, d = {d}", data.len()),
            )
            .into());
        }
        let points = Array2::from_shape_vec((data.len() / d, d), data).map_err(|e| {
            threatstat_core::Error::shape("points", "`data` of `d` columns", e.to_string())
        })?;
        if let Some(cv) = f.cv_ml {
            // The stored bandwidths, not a new optimisation.
            let points = checked_rows(points.view(), "points")?.into_owned();
            return GaussianKde::build(points, f.weights, Bandwidth::CvMl, Some(cv));
        }
        let mut params = GaussianKde::params().bandwidth(Bandwidth::Factor(f.factor));
        if let Some(w) = f.weights {
            params = params.weights(w);
        }
        let mut kde = params.fit(&points)?;
        kde.bandwidth = f.bandwidth;
        Ok(kde)
    }
}
