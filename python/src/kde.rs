//! `scipy.stats.gaussian_kde`, statsmodels' and KDEpy's bandwidth rules and
//! KDEpy's `FFTKDE` on `threatstat_kde`.

use crate::errors::to_py;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use threatstat_kde::{
    Bandwidth, BandwidthRule, Fit, GaussianKde, bw_isj, bw_isj_weighted, fft_kde_1d, fft_kde_2d,
    fft_kde_kdepy_grid, fft_kde_on_grid, select_bandwidth,
};

/// A bandwidth from its Python spelling: `scott`, `silverman`,
/// `normal_reference`, `isj`, `cv_ml` (no value), `factor` or `std_dev`
/// (with `value`).
fn bandwidth(kind: &str, value: f64) -> PyResult<Bandwidth> {
    Ok(match kind {
        "scott" => Bandwidth::Scott,
        "silverman" => Bandwidth::Silverman,
        "factor" => Bandwidth::Factor(value),
        "normal_reference" => Bandwidth::NormalReference,
        "isj" => Bandwidth::Isj,
        "std_dev" => Bandwidth::StdDev(value),
        "cv_ml" => Bandwidth::CvMl,
        other => {
            return Err(PyValueError::new_err(format!(
                "bw_method = `{other}`: expected 'scott', 'silverman', 'normal_reference', \
                 'isj', 'cv_ml', a scalar factor or a callable"
            )));
        }
    })
}

/// A fitted Gaussian KDE (`threatstat_kde::GaussianKde`); the Python class
/// `threatstat.stats.gaussian_kde` wraps it with SciPy's (d, n) shapes.
#[pyclass(frozen, module = "threatstat._threatstat")]
struct Kde {
    inner: GaussianKde,
}

#[pymethods]
impl Kde {
    /// Fits the KDE to `points` (n × d, rows are points; any strides).
    #[new]
    #[pyo3(signature = (points, kind, value, weights=None))]
    fn new(
        py: Python<'_>,
        points: PyReadonlyArray2<'_, f64>,
        kind: &str,
        value: f64,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let mut params = GaussianKde::params().bandwidth(bandwidth(kind, value)?);
        if let Some(w) = weights {
            params = params.weights(w.as_array().to_vec());
        }
        let view = points.as_array();
        let inner = py.detach(|| params.fit(&view)).map_err(to_py)?;
        Ok(Kde { inner })
    }

    /// Densities at `points` (m × d).
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let view = points.as_array();
        let f = py.detach(|| self.inner.evaluate(view)).map_err(to_py)?;
        Ok(f.into_pyarray(py))
    }

    /// Log-densities at `points` (m × d), without underflow.
    fn logpdf<'py>(
        &self,
        py: Python<'py>,
        points: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let view = points.as_array();
        let f = py.detach(|| self.inner.log_density(view)).map_err(to_py)?;
        Ok(f.into_pyarray(py))
    }

    /// Leave-one-out densities at the data points.
    fn loo_density<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        py.detach(|| self.inner.loo_density()).into_pyarray(py)
    }

    /// The bandwidth factor.
    #[getter]
    fn factor(&self) -> f64 {
        self.inner.factor()
    }

    /// The effective sample size `1/Σwᵢ²`.
    #[getter]
    fn neff(&self) -> f64 {
        self.inner.neff()
    }

    /// The dimension.
    #[getter]
    fn d(&self) -> usize {
        self.inner.dim()
    }

    /// The number of points.
    #[getter]
    fn n(&self) -> usize {
        self.inner.n()
    }

    /// The normalised weights.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.weights().to_pyarray(py)
    }

    /// The kernel covariance (d × d).
    #[getter]
    fn covariance<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.kernel_covariance().to_pyarray(py)
    }

    /// The kernel covariance's lower Cholesky factor.
    #[getter]
    fn cho_cov<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.kernel_cholesky().to_pyarray(py)
    }

    /// The weighted data covariance (d × d).
    #[getter]
    fn data_covariance<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.data_covariance().to_pyarray(py)
    }

    /// The data (n × d).
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.inner.data().to_pyarray(py)
    }

    /// The cross-validated bandwidths (kernel standard deviations), for
    /// `cv_ml`; `None` otherwise.
    #[getter]
    fn cv_ml_bandwidths(&self) -> Option<Vec<f64>> {
        self.inner.cv_ml().map(|c| c.bandwidths.clone())
    }

    /// The model as the library's versioned JSON (`ModelFile`).
    fn to_json(&self) -> PyResult<String> {
        threatstat_core::ModelFile::to_json(&self.inner).map_err(to_py)
    }

    /// A model from the library's JSON.
    #[staticmethod]
    fn from_json(s: &str) -> PyResult<Self> {
        let inner = <GaussianKde as threatstat_core::ModelFile>::from_json(s).map_err(to_py)?;
        Ok(Kde { inner })
    }
}

/// statsmodels' `select_bandwidth(x, rule, kernel=Gaussian())`: `scott`,
/// `silverman` or `normal_reference`.
#[pyfunction]
fn select_bandwidth_rule(
    py: Python<'_>,
    x: PyReadonlyArray1<'_, f64>,
    rule: &str,
) -> PyResult<f64> {
    let rule = BandwidthRule::from_name(rule).map_err(to_py)?;
    let xs = x.as_slice()?;
    py.detach(|| select_bandwidth(xs, rule)).map_err(to_py)
}

/// KDEpy's Improved Sheather–Jones bandwidth (weighted when `weights`).
#[pyfunction]
#[pyo3(signature = (x, weights=None))]
fn isj_bandwidth(
    py: Python<'_>,
    x: PyReadonlyArray1<'_, f64>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let xs = x.as_slice()?;
    match weights {
        None => py.detach(|| bw_isj(xs)),
        Some(w) => {
            let ws = w.as_slice()?;
            py.detach(|| bw_isj_weighted(xs, ws))
        }
    }
    .map_err(to_py)
}

/// KDEpy's `FFTKDE(bw).fit(data, weights).evaluate(grid_points)`, 1-D:
/// `(grid, density)`.
#[pyfunction]
#[pyo3(signature = (data, bw, grid_points, weights=None))]
fn fft_kde_1d_py<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, f64>,
    bw: f64,
    grid_points: usize,
    weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<crate::Pair<'py, PyArray1<f64>, PyArray1<f64>>> {
    let xs = data.as_slice()?;
    let ws = match &weights {
        Some(w) => Some(w.as_slice()?),
        None => None,
    };
    let (x, y) = py
        .detach(|| fft_kde_1d(xs, ws, bw, grid_points))
        .map_err(to_py)?;
    Ok((x.into_pyarray(py), y.into_pyarray(py)))
}

/// KDEpy's `FFTKDE` in 2-D: `(grid (m × 2), density)`.
#[pyfunction]
#[pyo3(signature = (data, bw, grid_points, weights=None))]
fn fft_kde_2d_py<'py>(
    py: Python<'py>,
    data: PyReadonlyArray2<'py, f64>,
    bw: f64,
    grid_points: [usize; 2],
    weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<crate::Pair<'py, PyArray2<f64>, PyArray1<f64>>> {
    let view = data.as_array();
    let ws = match &weights {
        Some(w) => Some(w.as_slice()?),
        None => None,
    };
    let (g, y) = py
        .detach(|| fft_kde_2d(view, ws, bw, grid_points))
        .map_err(to_py)?;
    Ok((g.into_pyarray(py), y.into_pyarray(py)))
}

/// The binned KDE on the equidistant grid `lo..=hi` (`points` nodes):
/// `refine` = true refines the grid internally from the bandwidth
/// (`fft_kde_on_grid`), false bins on the grid itself as KDEpy.
#[pyfunction]
#[pyo3(signature = (data, bw, lo, hi, points, refine, weights=None))]
#[allow(clippy::too_many_arguments)]
fn fft_kde_grid<'py>(
    py: Python<'py>,
    data: PyReadonlyArray1<'py, f64>,
    bw: f64,
    lo: f64,
    hi: f64,
    points: usize,
    refine: bool,
    weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let xs = data.as_slice()?;
    let ws = match &weights {
        Some(w) => Some(w.as_slice()?),
        None => None,
    };
    let e = py
        .detach(|| {
            if refine {
                fft_kde_on_grid(xs, ws, bw, lo, hi, points)
            } else {
                fft_kde_kdepy_grid(xs, ws, bw, lo, hi, points)
            }
        })
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("density", e.density.into_pyarray(py))?;
    d.set_item("refinement", e.refinement)?;
    d.set_item("spacing_bw", e.spacing_bw)?;
    d.set_item("internal_spacing_bw", e.internal_spacing_bw)?;
    d.set_item("relative_error_bound", e.relative_error_bound)?;
    d.set_item("mass_on_grid", e.mass_on_grid)?;
    Ok(d)
}

/// Adds this file's class and functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Kde>()?;
    m.add_function(wrap_pyfunction!(select_bandwidth_rule, m)?)?;
    m.add_function(wrap_pyfunction!(isj_bandwidth, m)?)?;
    m.add_function(wrap_pyfunction!(fft_kde_1d_py, m)?)?;
    m.add_function(wrap_pyfunction!(fft_kde_2d_py, m)?)?;
    m.add_function(wrap_pyfunction!(fft_kde_grid, m)?)
}
