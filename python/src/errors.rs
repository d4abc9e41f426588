//! Library errors as Python exceptions: `OSError` for files that cannot be
//! opened, read or written (an `std::io::Error` underneath), `ValueError`
//! for everything else (bad parameters, data a method cannot use). The
//! message is the library's own: it names the file, line and field where
//! one was read.

use pyo3::PyErr;
use pyo3::exceptions::{PyOSError, PyValueError};

/// Any library error as a Python exception (see the module docs).
pub fn to_py<E: std::error::Error + 'static>(e: E) -> PyErr {
    dyn_to_py(&e)
}

/// A boxed error (the workflow crate's `Error`) as a Python exception.
pub fn boxed_to_py(e: Box<dyn std::error::Error + Send + Sync>) -> PyErr {
    dyn_to_py(&*e)
}

fn dyn_to_py(e: &(dyn std::error::Error + 'static)) -> PyErr {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return PyOSError::new_err(e.to_string());
        }
        source = s.source();
    }
    PyValueError::new_err(e.to_string())
}
