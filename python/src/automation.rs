//! The automated-role detector (`threatstat_acf::automation`) behind
//! `threatstat cloudtrail automation`.

use crate::errors::to_py;
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use threatstat_acf::automation::{PValues, Rule, detect_rows};
use threatstat_acf::permutation::DEFAULT_SEED;
use threatstat_core::ParamGuard;

/// The rule from its Python spelling: `notebook` (lags, threshold) or
/// `ljung-box` (lags, fdr, `p_values` permutation with `seed`, or chi2).
fn rule(
    name: &str,
    lags: usize,
    threshold: f64,
    fdr: f64,
    p_values: &str,
    seed: Option<u64>,
) -> PyResult<Rule> {
    let seed = seed.unwrap_or(DEFAULT_SEED);
    let r = match name {
        "notebook" => Rule::Notebook { lags, threshold },
        "ljung-box" | "ljung_box" | "ljungbox" => Rule::LjungBox {
            lags,
            fdr,
            p_values: match p_values {
                "permutation" => PValues::Permutation { seed },
                "chi2" => PValues::ChiSquare,
                other => {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "p_values = `{other}`: expected permutation or chi2"
                    )));
                }
            },
        },
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "rule = `{other}`: expected notebook or ljung-box"
            )));
        }
    };
    r.check().map_err(to_py)?;
    Ok(r)
}

/// Scores every (principal, API) pair: row `i` of `counts` (pairs ×
/// periods, zero-filled; read in place) belongs to `names[i]`. Returns a
/// dict of columns in input order. `seed`: the
/// permutation seed (default the library's).
#[pyfunction]
#[pyo3(signature = (names, counts, rule_name, lags, threshold, fdr, p_values, seed))]
#[allow(clippy::too_many_arguments)]
fn automation_detect<'py>(
    py: Python<'py>,
    names: Vec<(String, String)>,
    counts: PyReadonlyArray2<'py, f64>,
    rule_name: &str,
    lags: usize,
    threshold: f64,
    fdr: f64,
    p_values: &str,
    seed: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    let r = rule(rule_name, lags, threshold, fdr, p_values, seed)?;
    let view = counts.as_array();
    r.check_for(view.ncols()).map_err(to_py)?;
    let rows = py.detach(|| detect_rows(&names, view, &r)).map_err(to_py)?;
    let d = PyDict::new(py);
    crate::column(&d, "principal", &rows, |r| r.principal.clone())?;
    crate::column(&d, "api", &rows, |r| r.api.clone())?;
    crate::column(&d, "flagged", &rows, |r| r.flagged)?;
    crate::column(&d, "score", &rows, |r| r.score)?;
    crate::column(&d, "max_abs_acf", &rows, |r| r.max_abs_acf)?;
    crate::column(&d, "best_lag", &rows, |r| r.best_lag)?;
    crate::column(&d, "ljung_box_q", &rows, |r| r.ljung_box_q)?;
    crate::column(&d, "ljung_box_p", &rows, |r| r.ljung_box_p)?;
    crate::column(&d, "p_value", &rows, |r| r.p_value)?;
    crate::column(&d, "q_value", &rows, |r| r.q_value)?;
    crate::column(&d, "permutations", &rows, |r| r.permutations)?;
    crate::column(&d, "dominant_period", &rows, |r| {
        r.dominant_period.unwrap_or(f64::NAN)
    })?;
    crate::column(&d, "n", &rows, |r| r.n)?;
    crate::column(&d, "total", &rows, |r| r.total)?;
    Ok(d)
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(automation_detect, m)?)
}
