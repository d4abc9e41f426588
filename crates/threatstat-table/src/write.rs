//! Writing a table in the format its path names.

use crate::{Column, Format, Table};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Schema as ArrowSchema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::path::Path;
use std::sync::Arc;
use threatstat_core::{Error, Location};

fn batch(t: &Table) -> Result<RecordBatch, String> {
    let fields: Vec<_> = t
        .columns()
        .iter()
        .map(|(n, c)| crate::arrow::field(n, c))
        .collect();
    let arrays = t
        .columns()
        .iter()
        .map(|(_, c)| crate::arrow::array(c))
        .collect();
    let opts = arrow_array::RecordBatchOptions::new().with_row_count(Some(t.rows()));
    RecordBatch::try_new_with_options(Arc::new(ArrowSchema::new(fields)), arrays, &opts)
        .map_err(|e| e.to_string())
}

/// The bytes of `t` in `format`: CSV (a header, then one line per row;
/// nulls empty, lists joined by `;`), Parquet (one row group per
/// million rows, Snappy) or an Arrow IPC file.
pub fn to_bytes(t: &Table, format: Format) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match format {
        Format::Csv => csv_bytes(t, &mut out).map_err(|e| e.to_string())?,
        Format::Parquet | Format::Ipc => return batch_bytes(&batch(t)?, format),
    }
    Ok(out)
}

/// The bytes of the record batch `b` as a Parquet file (one row group per
/// million rows, Snappy) or an Arrow IPC file; CSV is not a batch format
/// (an error).
pub fn batch_bytes(b: &RecordBatch, format: Format) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match format {
        Format::Csv => return Err("a record batch is written as Parquet or Arrow IPC".into()),
        Format::Parquet => {
            let mut props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(1 << 20));
            // Dictionary pages for texts only: numbers rarely repeat, and
            // trying costs a hash per value before the writer gives up.
            for f in b.schema().fields() {
                if !matches!(
                    f.data_type(),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Dictionary(_, _)
                ) {
                    props = props
                        .set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
                }
            }
            let props = props.build();
            let mut w = ArrowWriter::try_new(&mut out, b.schema(), Some(props))
                .map_err(|e| e.to_string())?;
            w.write(b).map_err(|e| e.to_string())?;
            w.close().map_err(|e| e.to_string())?;
        }
        Format::Ipc => {
            let mut w = arrow_ipc::writer::FileWriter::try_new(&mut out, &b.schema())
                .map_err(|e| e.to_string())?;
            w.write(b).map_err(|e| e.to_string())?;
            w.finish().map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}

/// Writes the record batch `b` to `path` as Parquet or Arrow IPC, by its
/// extension ([`Format::of`]; a CSV path is an error), atomically. Errors
/// name the file.
pub fn write_batch(b: &RecordBatch, path: &Path) -> Result<(), Error> {
    let bytes =
        batch_bytes(b, Format::of(path)).map_err(|m| Error::parse(Location::file(path), m))?;
    threatstat_core::atomic::write_atomically(path, |w| std::io::Write::write_all(w, &bytes))
}

fn csv_bytes(t: &Table, out: &mut Vec<u8>) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(t.columns().iter().map(|(n, _)| n.as_str()))?;
    let mut row = Vec::with_capacity(t.columns().len());
    for i in 0..t.rows() {
        row.clear();
        for (_, c) in t.columns() {
            row.push(cell(c, i));
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn cell(c: &Column, i: usize) -> String {
    fn or_empty<T>(v: &Option<T>, f: impl Fn(&T) -> String) -> String {
        v.as_ref().map(f).unwrap_or_default()
    }
    match c {
        Column::I64(v) => or_empty(&v[i], i64::to_string),
        Column::F64(v) => or_empty(&v[i], f64::to_string),
        Column::Bool(v) => or_empty(&v[i], bool::to_string),
        Column::Utf8(v) => or_empty(&v[i], String::clone),
        Column::Date(v) => or_empty(&v[i], |d| threatstat_core::time::format_day(i64::from(*d))),
        Column::Timestamp(v) => or_empty(&v[i], |t| threatstat_core::time::format_timestamp(*t)),
        Column::ListUtf8(v) => or_empty(&v[i], |items| items.join(";")),
        Column::ListF64(v) => or_empty(&v[i], |items| {
            let s: Vec<String> = items.iter().map(f64::to_string).collect();
            s.join(";")
        }),
    }
}

/// Writes `t` to `path` in the format its extension names ([`Format::of`];
/// `-` is standard output, CSV), atomically: the file appears only once
/// written whole. Errors name the file.
pub fn write(t: &Table, path: &Path) -> Result<(), Error> {
    let bytes = to_bytes(t, Format::of(path)).map_err(|m| Error::parse(Location::file(path), m))?;
    threatstat_core::atomic::write_atomically(path, |w| std::io::Write::write_all(w, &bytes))
}
