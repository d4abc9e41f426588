//! `scipy.stats.mannwhitneyu` on `threatstat_ranktest::MannWhitney`.

use crate::errors::to_py;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use threatstat_ranktest::{Alternative, MannWhitney, Method, NanPolicy};

/// The Mann-Whitney U test of `x` against `y` (SciPy's `mannwhitneyu`);
/// returns a dict of the result's fields (the Python layer builds the
/// result object). `method`: auto, exact, asymptotic or permutation
/// (then `n_resamples`, `seed`).
#[pyfunction]
#[pyo3(signature = (x, y, use_continuity, alternative, method, nan_policy, confidence, hodges_lehmann, n_resamples, seed))]
#[allow(clippy::too_many_arguments)]
fn mannwhitneyu<'py>(
    py: Python<'py>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    use_continuity: bool,
    alternative: &str,
    method: &str,
    nan_policy: &str,
    confidence: f64,
    hodges_lehmann: bool,
    n_resamples: u64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let alternative: Alternative = alternative.parse().map_err(to_py)?;
    let method = match method {
        "permutation" => Method::Permutation { n_resamples, seed },
        m => m.parse().map_err(to_py)?,
    };
    let nan_policy = match nan_policy {
        "raise" => NanPolicy::Raise,
        "omit" => NanPolicy::Omit,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "nan_policy = `{other}`: expected raise, omit or propagate"
            )));
        }
    };
    let params = MannWhitney::params()
        .alternative(alternative)
        .method(method)
        .continuity(use_continuity)
        .confidence(confidence)
        .nan_policy(nan_policy)
        .hodges_lehmann(hodges_lehmann);
    let (xs, ys) = (x.as_slice()?, y.as_slice()?);
    let r = py.detach(|| params.test(xs, ys)).map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("statistic", r.u)?;
    d.set_item("pvalue", r.p_value)?;
    d.set_item("ln_pvalue", r.ln_p_value)?;
    d.set_item("zstatistic", r.z)?;
    let method = match r.method {
        Method::Auto => "auto",
        Method::Exact => "exact",
        Method::Asymptotic => "asymptotic",
        Method::Permutation { .. } => "permutation",
    };
    d.set_item("method", method)?;
    d.set_item("alternative", r.alternative.as_str())?;
    d.set_item("rank_biserial", r.rank_biserial)?;
    d.set_item("cles", r.cles)?;
    d.set_item("hodges_lehmann", r.hodges_lehmann)?;
    d.set_item("ci_low", r.ci_low)?;
    d.set_item("ci_high", r.ci_high)?;
    d.set_item("ci_level", r.ci_level)?;
    d.set_item("n_x", r.n_x)?;
    d.set_item("n_y", r.n_y)?;
    d.set_item("nan_dropped_x", r.nan_dropped_x)?;
    d.set_item("nan_dropped_y", r.nan_dropped_y)?;
    d.set_item("ties", r.ties)?;
    d.set_item("permutations", r.permutations)?;
    Ok(d)
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mannwhitneyu, m)?)
}
