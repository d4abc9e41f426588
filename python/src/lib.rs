//! The `threatstat._threatstat` extension module: a thin layer over the
//! library crates. Arrays come in as read-only NumPy views (no copy for
//! C-contiguous float64 input), computation runs with the GIL released, and
//! library errors become Python exceptions carrying the library's message.
//! The Python package `threatstat` wraps these functions in the signatures
//! of SciPy, statsmodels and msticpy.

mod acf;
mod attack;
mod automation;
mod changepoint;
mod errors;
mod features;
mod kde;
mod lanl;
mod markov;
mod ranktest;

use pyo3::prelude::*;

/// Two arrays returned together (a Python tuple).
pub(crate) type Pair<'py, A, B> = (Bound<'py, A>, Bound<'py, B>);

/// One field of every row as the column `name` of the dict `d` (a list).
pub(crate) fn column<'py, R, T>(
    d: &Bound<'py, pyo3::types::PyDict>,
    name: &str,
    rows: &[R],
    field: impl Fn(&R) -> T,
) -> PyResult<()>
where
    Vec<T>: IntoPyObject<'py>,
{
    d.set_item(name, rows.iter().map(field).collect::<Vec<T>>())
}

/// The extension module.
#[pymodule]
fn _threatstat(m: &Bound<'_, PyModule>) -> PyResult<()> {
    ranktest::register(m)?;
    kde::register(m)?;
    acf::register(m)?;
    markov::register(m)?;
    changepoint::register(m)?;
    automation::register(m)?;
    attack::register(m)?;
    lanl::register(m)?;
    features::register(m)?;
    Ok(())
}
