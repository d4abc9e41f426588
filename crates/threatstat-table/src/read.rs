//! Reading the columns of a Parquet or Arrow IPC file.

use crate::{Format, Table};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::Path;
use threatstat_core::{Error, Location};

fn bad(path: &Path, format: Format, e: impl std::fmt::Display) -> Error {
    let what = if format == Format::Parquet {
        "Parquet"
    } else {
        "Arrow IPC"
    };
    Error::parse(
        Location::file(path),
        format!("not a readable {what} file: {e}"),
    )
}

fn names_of(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

/// The positions of `names` among `available`, in `names`' order.
fn positions(path: &Path, names: &[&str], available: &[String]) -> Result<Vec<usize>, Error> {
    names
        .iter()
        .map(|n| {
            available
                .iter()
                .position(|a| a == n)
                .ok_or_else(|| Error::MissingColumn {
                    location: Location::file(path).in_field(*n),
                    column: n.to_string(),
                    available: available.join(", "),
                })
        })
        .collect()
}

fn open(path: &Path) -> Result<(File, Format), Error> {
    let format = Format::of(path);
    if !format.is_columnar() {
        return Err(Error::parse(
            Location::file(path),
            "expected a .parquet, .arrow or .feather file",
        ));
    }
    Ok((File::open(path).map_err(|e| Error::io(path, e))?, format))
}

/// The column names of the Parquet or Arrow IPC file `path`, in order
/// (only the footer is read).
pub fn column_names(path: &Path) -> Result<Vec<String>, Error> {
    let (file, format) = open(path)?;
    let schema = match format {
        Format::Parquet => ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| bad(path, format, e))?
            .schema()
            .clone(),
        _ => arrow_ipc::reader::FileReader::try_new(file, None)
            .map_err(|e| bad(path, format, e))?
            .schema(),
    };
    Ok(names_of(&schema))
}

/// The record batches of the Parquet or Arrow IPC file `path` (by its
/// extension, [`Format::of`]) holding only the columns `names` (all of them
/// with `None`), with the schema they share: for readers that work on the
/// Arrow arrays themselves. Only those columns are decoded. Errors name the
/// file and, for a missing column, the column.
pub fn read_batches(
    path: &Path,
    names: Option<&[&str]>,
) -> Result<(SchemaRef, Vec<RecordBatch>), Error> {
    let (file, format) = open(path)?;
    let fail = |e: &dyn std::fmt::Display| bad(path, format, e);
    match format {
        Format::Parquet => {
            let b = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(&e))?;
            let all = names_of(b.schema());
            let picked = match names {
                Some(n) => positions(path, n, &all)?,
                None => (0..all.len()).collect(),
            };
            // Top-level columns by position (a list column is one root).
            let mask = ProjectionMask::roots(b.parquet_schema(), picked);
            let r = b.with_projection(mask).build().map_err(|e| fail(&e))?;
            let schema = r.schema();
            let batches = r
                .collect::<Result<Vec<RecordBatch>, _>>()
                .map_err(|e| fail(&e))?;
            Ok((schema, batches))
        }
        _ => {
            let probe = arrow_ipc::reader::FileReader::try_new(file, None).map_err(|e| fail(&e))?;
            let picked = match names {
                Some(n) => Some(positions(path, n, &names_of(&probe.schema()))?),
                None => None,
            };
            drop(probe);
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let r = arrow_ipc::reader::FileReader::try_new(file, picked).map_err(|e| fail(&e))?;
            let schema = r.schema();
            let batches = r
                .collect::<Result<Vec<RecordBatch>, _>>()
                .map_err(|e| fail(&e))?;
            Ok((schema, batches))
        }
    }
}

/// Reads the columns `names` (all of them with `None`), in that order, of
/// the Parquet or Arrow IPC file `path` (by its extension, [`Format::of`]);
/// only those columns are decoded. Errors name the file and, for a missing
/// column or one of an unsupported type, the column.
pub fn read(path: &Path, names: Option<&[&str]>) -> Result<Table, Error> {
    let (schema, batches) = read_batches(path, names)?;
    let order: Vec<String> = match names {
        Some(n) => n.iter().map(|s| s.to_string()).collect(),
        None => names_of(&schema),
    };
    let mut table = Table::from_file(path);
    for name in order {
        let at = Location::file(path).in_field(&name);
        // (An IPC reader's schema is the file's, its batches' the projection's.)
        let (_, field) = schema
            .column_with_name(&name)
            .expect("a column of the file");
        let empty = arrow_array::new_empty_array(field.data_type());
        let mut col = crate::arrow::column(empty.as_ref(), &at)?;
        for b in &batches {
            let a = b.column_by_name(&name).expect("projected");
            crate::arrow::extend(&mut col, crate::arrow::column(a.as_ref(), &at)?);
        }
        table.push(name, col)?;
    }
    Ok(table)
}
