//! Reading a series: one number a line.

use crate::AcfError;
use std::io::BufRead;
use std::path::Path;
use threatstat_core::{Error, Location};

/// Reads one number a line (gzip allowed). `nan` (any case) is a missing
/// value; blank lines at the end are ignored, a blank line before a value
/// is an error (dropping it would shift every lag), as is anything else that
/// is not a finite number; errors name the file and line.
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
    let reader = threatstat_core::reader::open(path)?;
    let mut out = Vec::new();
    let mut blank = threatstat_core::blank::BlankLines::default();
    for (i, line) in reader.split(b'\n').enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let loc = || Location::file(path).at_line(i as u64 + 1);
        let Ok(t) = std::str::from_utf8(&line) else {
            return Err(Error::parse(loc(), "the line is not valid UTF-8").into());
        };
        let t = t.trim();
        if blank.skip(path, i as u64 + 1, t)? {
            continue;
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_nan() => out.push(f64::NAN),
            Ok(v) if v.is_finite() => out.push(v),
            Ok(_) => {
                return Err(Error::parse(
                    loc(),
                    format!("expected a finite number or `nan`, found `{t}`"),
                )
                .into());
            }
            Err(_) => {
                return Err(Error::parse(
                    loc(),
                    format!("expected a number or `nan`, found `{t}`"),
                )
                .into());
            }
        }
    }
    Ok(out)
}
