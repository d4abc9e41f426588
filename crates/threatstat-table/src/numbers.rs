//! One numeric column from a text, Parquet or Arrow IPC file.

use crate::{Column, Format};
use std::path::Path;
use threatstat_core::numbers::{self, Missing, NumberOptions};
use threatstat_core::{Error, Location};

/// [`threatstat_core::numbers::read_numbers`] for text files; for
/// `.parquet`/`.arrow`/`.feather` files the column `opts.column` names (a
/// name, or a 1-based position), or the file's only column. Integers and
/// floats are read as `f64`; a null or NaN is NaN under [`Missing::Nan`]
/// and an error naming the file, column and row otherwise, as is an
/// infinity, a non-numeric column or an empty one.
///
/// ```
/// use threatstat_core::numbers::{Column as C, NumberOptions};
/// use threatstat_table::{Column, Table, read_numbers, write};
/// let p = std::env::temp_dir().join("threatstat-table-doc-numbers.parquet");
/// let mut t = Table::new();
/// t.push("day", Column::i64s([1, 2])).unwrap();
/// t.push("count", Column::i64s([4, 7])).unwrap();
/// write(&t, &p).unwrap();
/// let opts = NumberOptions::default().column(C::Name("count".into()));
/// assert_eq!(read_numbers(&p, &opts).unwrap(), vec![4.0, 7.0]);
/// let e = read_numbers(&p, &NumberOptions::default()).unwrap_err().to_string();
/// assert!(e.contains("2 columns"), "{e}");
/// ```
pub fn read_numbers(path: &Path, opts: &NumberOptions) -> Result<Vec<f64>, Error> {
    if !Format::of(path).is_columnar() {
        return numbers::read_numbers(path, opts);
    }
    let all = crate::read::column_names(path)?;
    let name = match &opts.column {
        Some(numbers::Column::Name(n)) => n.clone(),
        Some(numbers::Column::Index(i)) => match i.checked_sub(1).and_then(|i| all.get(i)) {
            Some(n) => n.clone(),
            None => {
                return Err(Error::parse(
                    Location::file(path),
                    format!("column {i} asked for, the file has {} columns", all.len()),
                ));
            }
        },
        None if all.len() == 1 => all[0].clone(),
        None => {
            return Err(Error::parse(
                Location::file(path),
                format!(
                    "the file has {} columns ({}): choose one with a column",
                    all.len(),
                    all.join(", ")
                ),
            ));
        }
    };
    let t = crate::read(path, Some(&[name.as_str()]))?;
    finite(path, &name, t.column(&name)?, opts.missing)
}

/// The values of numeric column `name` of `path` as `f64`: nulls and NaN
/// are NaN under [`Missing::Nan`], otherwise errors naming the row.
fn finite(path: &Path, name: &str, c: &Column, missing: Missing) -> Result<Vec<f64>, Error> {
    let at = || Location::file(path).in_field(name);
    let values: Vec<Option<f64>> = match c {
        Column::F64(v) => v.clone(),
        Column::I64(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
        other => {
            return Err(Error::parse(
                at(),
                format!("expected a numeric column, found {}", other.kind().name()),
            ));
        }
    };
    if values.is_empty() {
        return Err(Error::parse(at(), "no numbers in the column"));
    }
    values
        .into_iter()
        .enumerate()
        .map(|(row, v)| match v {
            Some(x) if x.is_finite() => Ok(x),
            Some(x) if x.is_nan() && missing == Missing::Nan => Ok(x),
            None if missing == Missing::Nan => Ok(f64::NAN),
            _ => Err(Error::parse(
                at(),
                format!(
                    "row {}: expected a finite number, found {}",
                    row + 1,
                    v.map_or("null".to_string(), |x| x.to_string())
                ),
            )),
        })
        .collect()
}

/// [`threatstat_core::numbers::read_points`] for text files; for
/// `.parquet`/`.arrow`/`.feather` files every column (numeric, no nulls, no
/// NaN or infinity) is a dimension and every row a point. Errors name the
/// file, the column and the row.
///
/// ```
/// use threatstat_table::{Column, Table, read_points, write};
/// let p = std::env::temp_dir().join("threatstat-table-doc-points.arrow");
/// let mut t = Table::new();
/// t.push("x", Column::f64s([0.5, 2.0])).unwrap();
/// t.push("y", Column::i64s([1, 3])).unwrap();
/// write(&t, &p).unwrap();
/// let pts = read_points(&p, Default::default()).unwrap();
/// assert_eq!(pts.shape(), &[2, 2]);
/// assert_eq!(pts[[1, 1]], 3.0);
/// ```
pub fn read_points(path: &Path, header: numbers::Header) -> Result<ndarray::Array2<f64>, Error> {
    if !Format::of(path).is_columnar() {
        return numbers::read_points(path, header);
    }
    let t = crate::read(path, None)?;
    let (n, d) = (t.rows(), t.columns().len());
    if n == 0 {
        return Err(Error::parse(Location::file(path), "no rows in the file"));
    }
    let mut out = ndarray::Array2::zeros((n, d));
    for (j, (name, c)) in t.columns().iter().enumerate() {
        let v = finite(path, name, c, Missing::Reject)?;
        out.column_mut(j).assign(&ndarray::Array1::from(v));
    }
    Ok(out)
}
