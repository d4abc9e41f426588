//! statsmodels' `acf`, `pacf` and `acorr_ljungbox` on `threatstat_acf`.

use crate::errors::to_py;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use threatstat_acf::{Acf, Missing, Pacf, PacfMethod, ljung_box};

/// `statsmodels.tsa.stattools.acf(x, adjusted, nlags, fft, missing)`:
/// `(acf, nobs)`.
#[pyfunction]
#[pyo3(signature = (x, nlags, adjusted, fft, missing))]
fn acf<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    nlags: Option<usize>,
    adjusted: bool,
    fft: bool,
    missing: &str,
) -> PyResult<(Bound<'py, PyArray1<f64>>, usize)> {
    let missing: Missing = missing.parse().map_err(to_py)?;
    let mut params = Acf::params().adjusted(adjusted).fft(fft).missing(missing);
    if let Some(l) = nlags {
        params = params.nlags(l);
    }
    let xs = x.as_slice()?;
    let r = py.detach(|| params.fit(xs)).map_err(to_py)?;
    Ok((r.acf().to_vec().into_pyarray(py), r.nobs()))
}

/// statsmodels' `q_stat(acf, nobs)`: `(Q, p-values)` (`acf` without lag 0).
#[pyfunction]
fn q_stat<'py>(
    py: Python<'py>,
    acf: PyReadonlyArray1<'py, f64>,
    nobs: usize,
) -> PyResult<crate::Pair<'py, PyArray1<f64>, PyArray1<f64>>> {
    let q = threatstat_acf::q_stat(acf.as_slice()?, nobs);
    Ok((q.statistic.into_pyarray(py), q.pvalue.into_pyarray(py)))
}

/// `statsmodels.tsa.stattools.pacf(x, nlags, method)`.
#[pyfunction]
#[pyo3(signature = (x, nlags, method))]
fn pacf<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    nlags: Option<usize>,
    method: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let method: PacfMethod = method.parse().map_err(to_py)?;
    let mut params = Pacf::params().method(method);
    if let Some(l) = nlags {
        params = params.nlags(l);
    }
    let xs = x.as_slice()?;
    let p = py.detach(|| params.fit(xs)).map_err(to_py)?;
    Ok(p.into_pyarray(py))
}

/// `acorr_ljungbox(x, lags=L, boxpierce=True)` at lags `1..=L`: a dict of
/// arrays `lb_stat`, `lb_pvalue`, `bp_stat`, `bp_pvalue`.
#[pyfunction]
fn ljungbox<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    lags: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let xs = x.as_slice()?;
    let lb = py.detach(|| ljung_box(xs, lags)).map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("lb_stat", lb.lb_stat.into_pyarray(py))?;
    d.set_item("lb_pvalue", lb.lb_pvalue.into_pyarray(py))?;
    d.set_item("bp_stat", lb.bp_stat.into_pyarray(py))?;
    d.set_item("bp_pvalue", lb.bp_pvalue.into_pyarray(py))?;
    Ok(d)
}

/// The χ² survival function with integer degrees of freedom, element-wise
/// (`threatstat_acf::chi2_sf`; statsmodels uses `scipy.stats.chi2.sf`).
#[pyfunction]
fn chi2_sf<'py>(
    py: Python<'py>,
    q: PyReadonlyArray1<'py, f64>,
    df: PyReadonlyArray1<'py, i64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (q, df) = (q.as_array(), df.as_array());
    if q.len() != df.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "chi2_sf: q and df differ in length",
        ));
    }
    let p: Vec<f64> = q
        .iter()
        .zip(df.iter())
        .map(|(&q, &k)| {
            if k > 0 {
                threatstat_acf::chi2_sf(q, k as u64)
            } else {
                f64::NAN
            }
        })
        .collect();
    Ok(p.into_pyarray(py))
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(acf, m)?)?;
    m.add_function(wrap_pyfunction!(q_stat, m)?)?;
    m.add_function(wrap_pyfunction!(pacf, m)?)?;
    m.add_function(wrap_pyfunction!(chi2_sf, m)?)?;
    m.add_function(wrap_pyfunction!(ljungbox, m)?)
}
