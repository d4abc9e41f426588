//! A CSV table typed by a declared schema: how a command whose table is
//! written by a CSV writer also writes Parquet and Arrow IPC, with the same
//! values in both.

use crate::{Column, Format, Kind, Table};
use std::path::Path;
use threatstat_core::{Error, Location};

/// The declared types of a table's columns, by name; list columns are
/// split on `list_separator` (`;` by default).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    columns: Vec<(String, Kind)>,
    list_separator: char,
}

impl Schema {
    /// The schema declaring `columns`.
    pub fn new(columns: &[(&str, Kind)]) -> Self {
        Schema {
            columns: columns.iter().map(|(n, k)| (n.to_string(), *k)).collect(),
            list_separator: ';',
        }
    }

    /// Declares one more column (for tables whose columns depend on the
    /// data, such as a feature matrix).
    pub fn push(&mut self, name: impl Into<String>, kind: Kind) {
        self.columns.push((name.into(), kind));
    }

    /// The declared columns.
    pub fn columns(&self) -> &[(String, Kind)] {
        &self.columns
    }

    /// The type of `name`, if declared.
    pub fn kind(&self, name: &str) -> Option<Kind> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
    }

    /// Parses CSV `text` (a header, then rows) into a table typed by this
    /// schema: an empty cell is a null (an empty list for lists). Errors
    /// name `source`, the line and the column: an undeclared column, or a
    /// cell that is not of its column's type.
    pub fn table_from_csv(&self, text: &[u8], source: &Path) -> Result<Table, Error> {
        let at = |line: u64| Location::file(source).at_line(line);
        let csv_err = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line());
            Error::parse(at(line), e.to_string())
        };
        let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(text);
        let header: Vec<String> = r
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut cols = Vec::with_capacity(header.len());
        for h in &header {
            let k = self.kind(h).ok_or_else(|| {
                Error::parse(
                    at(1).in_field(h),
                    "a column the table's schema does not declare",
                )
            })?;
            cols.push(Column::empty(k));
        }
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).map_err(csv_err)? {
            let line = rec.position().map_or(0, |p| p.line());
            for ((cell, col), name) in rec.iter().zip(cols.iter_mut()).zip(&header) {
                push_cell(col, cell, self.list_separator)
                    .map_err(|m| Error::parse(at(line).in_field(name), m))?;
            }
        }
        let mut t = Table::new();
        for (h, c) in header.into_iter().zip(cols) {
            t.push(h, c)?;
        }
        Ok(t)
    }
}

fn push_cell(col: &mut Column, cell: &str, sep: char) -> Result<(), String> {
    fn parsed<T: std::str::FromStr>(cell: &str, what: &str) -> Result<Option<T>, String> {
        if cell.is_empty() {
            return Ok(None);
        }
        cell.parse()
            .map(Some)
            .map_err(|_| format!("expected {what}, found `{cell}`"))
    }
    match col {
        Column::I64(v) => v.push(parsed(cell, "an integer")?),
        Column::F64(v) => v.push(parsed(cell, "a number")?),
        Column::Bool(v) => v.push(match cell {
            "" => None,
            "true" | "True" | "1" => Some(true),
            "false" | "False" | "0" => Some(false),
            _ => return Err(format!("expected true or false, found `{cell}`")),
        }),
        Column::Utf8(v) => v.push((!cell.is_empty()).then(|| cell.to_string())),
        Column::Date(v) => v.push(if cell.is_empty() {
            None
        } else {
            Some(day(cell)?)
        }),
        Column::Timestamp(v) => v.push(if cell.is_empty() {
            None
        } else {
            Some(threatstat_core::time::parse_timestamp(cell)?)
        }),
        Column::ListUtf8(v) => v.push(Some(if cell.is_empty() {
            Vec::new()
        } else {
            cell.split(sep).map(str::to_string).collect()
        })),
        Column::ListF64(v) => v.push(Some(if cell.is_empty() {
            Vec::new()
        } else {
            cell.split(sep)
                .map(|x| {
                    x.parse()
                        .map_err(|_| format!("expected numbers separated by `{sep}`, found `{x}`"))
                })
                .collect::<Result<_, _>>()?
        })),
    }
    Ok(())
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn day(s: &str) -> Result<i32, String> {
    let bad = || format!("expected a date YYYY-MM-DD, found `{s}`");
    let mut it = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1..=9999).contains(&y) {
        return Err(bad());
    }
    i32::try_from(threatstat_core::time::days_from_civil(y, m, d)).map_err(|_| bad())
}

/// Writes a table to `out` through a CSV writer: `write_csv(path)` writes
/// the CSV. For a `.csv` (or any non-columnar) `out` that is all; for
/// `.parquet`/`.arrow`/`.feather` the CSV goes to a temporary file beside
/// `out`, is typed by `schema` ([`Schema::table_from_csv`]) and written in
/// that format, and the temporary file is removed.
///
/// ```
/// use threatstat_table::{Kind, Schema, write_csv_as, read, Column};
/// let s = Schema::new(&[("user", Kind::Utf8), ("day", Kind::Date), ("n", Kind::I64)]);
/// let p = std::env::temp_dir().join("threatstat-table-doc-csv.parquet");
/// write_csv_as(&p, &s, |csv| {
///     std::fs::write(csv, "user,day,n\nU1,2010-01-02,3\nU2,,\n")
///         .map_err(|e| threatstat_core::Error::io(csv, e))
/// })
/// .unwrap();
/// let t = read(&p, None).unwrap();
/// assert_eq!(t.column("n").unwrap(), &Column::I64(vec![Some(3), None]));
/// assert_eq!(t.column("day").unwrap(), &Column::Date(vec![Some(14_611), None]));
/// ```
pub fn write_csv_as<E: From<Error>>(
    out: &Path,
    schema: &Schema,
    write_csv: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    if !Format::of(out).is_columnar() {
        return write_csv(out);
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.csv.tmp-{}", std::process::id()));
    threatstat_core::cleanup::register(&tmp);
    let done = write_csv(&tmp).and_then(|()| Ok(convert_csv_file(&tmp, schema, out)?));
    let _ = std::fs::remove_file(&tmp);
    threatstat_core::cleanup::unregister(&tmp);
    done
}

/// Writes the CSV file `csv`, typed by `schema`, to `out` in the format
/// its extension names (the CSV stays). Errors name `csv`, the line and
/// the column.
pub fn convert_csv_file(csv: &Path, schema: &Schema, out: &Path) -> Result<(), Error> {
    let text = std::fs::read(csv).map_err(|e| Error::io(csv, e))?;
    let table = schema.table_from_csv(&text, csv)?;
    crate::write(&table, out)
}
