//! Reading a series: one number a line, or one column of a CSV file.

use crate::AcfError;
use std::path::Path;
use threatstat_core::numbers::{Missing, NumberOptions, read_numbers};

/// Reads one number a line (gzip allowed; a header line is detected). `nan`
/// (any case) is a missing value; blank lines at the end are ignored, a
/// blank line before a value is an error (dropping it would shift every
/// lag), as is anything else that is not a finite number; errors name the
/// file and line. [`read_series_with`] reads a column of a CSV file.
///
/// ```
/// use threatstat_acf::io::read_series;
/// let p = std::env::temp_dir().join("threatstat-acf-doc-series.txt");
/// std::fs::write(&p, "1\n2.5\nnan\n4e1\n\n").unwrap();
/// let x = read_series(&p).unwrap();
/// assert_eq!(x.len(), 4);
/// assert!(x[2].is_nan() && x[3] == 40.0);
/// std::fs::write(&p, "1\n\n2\n").unwrap();
/// let e = read_series(&p).unwrap_err().to_string();
/// assert!(e.contains(":2: blank line"), "{e}");
/// std::fs::write(&p, "1\ntwo\n").unwrap();
/// let e = read_series(&p).unwrap_err().to_string();
/// assert!(e.contains(":2:") && e.contains("`two`"), "{e}");
/// ```
pub fn read_series(path: &Path) -> Result<Vec<f64>, AcfError> {
    read_series_with(path, &NumberOptions::default())
}

/// [`read_series`] with the reader's options (header, column); `nan` is
/// always a missing value, whatever `opts.missing` says.
///
/// ```
/// use threatstat_acf::io::read_series_with;
/// use threatstat_core::numbers::{Column, NumberOptions};
/// let p = std::env::temp_dir().join("threatstat-acf-doc-series.csv");
/// std::fs::write(&p, "day,calls\n1,4\n2,nan\n3,7\n").unwrap();
/// let opts = NumberOptions::default().column(Column::Name("calls".into()));
/// let x = read_series_with(&p, &opts).unwrap();
/// assert_eq!(x.len(), 3);
/// assert!(x[1].is_nan());
/// ```
pub fn read_series_with(path: &Path, opts: &NumberOptions) -> Result<Vec<f64>, AcfError> {
    let opts = opts.clone().missing(Missing::Nan);
    Ok(read_numbers(path, &opts)?)
}
