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
    let at = || Location::file(path).in_field(&name);
    let values: Vec<Option<f64>> = match t.column(&name)? {
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
            Some(x) if x.is_nan() && opts.missing == Missing::Nan => Ok(x),
            None if opts.missing == Missing::Nan => Ok(f64::NAN),
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
