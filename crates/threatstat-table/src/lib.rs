//! Tables of named, typed columns in the default build: written to CSV,
//! Parquet or Arrow IPC by the output file's extension, and read back
//! (columns by name, only the ones asked for) from Parquet and Arrow IPC.
//!
//! * [`Table`] and [`Column`]: the columns (`i64`, `f64`, `bool`, `utf8`,
//!   `date`, `timestamp`, `list<utf8>`), nulls allowed.
//! * [`Format`]: `.parquet` → Parquet (Snappy), `.arrow`/`.feather`/`.ipc`
//!   → Arrow IPC file, anything else (and `-`) → CSV.
//! * [`write`] a table; [`read`] the named columns of a Parquet/IPC file.
//! * [`Schema`] and [`write_csv_as`]: a command whose table is already a CSV
//!   writer gets Parquet/IPC with one call, its columns typed by a declared
//!   schema (so the CSV and the Parquet hold the same values).
//! * [`read_numbers`]: `threatstat_core::numbers::read_numbers` for text,
//!   one numeric column for Parquet/IPC.
//!
//! Errors are [`threatstat_core::Error`]s naming the file and the column.
//!
//! ```
//! use threatstat_table::{Column, Table, read, write};
//! let p = std::env::temp_dir().join("threatstat-table-doc.parquet");
//! let mut t = Table::new();
//! t.push("user", Column::utf8(["U1", "U2"])).unwrap();
//! t.push("bytes", Column::F64(vec![Some(1.5), None])).unwrap();
//! write(&t, &p).unwrap();
//! let back = read(&p, Some(&["bytes"])).unwrap();
//! assert_eq!(back.column("bytes").unwrap(), t.column("bytes").unwrap());
//! let e = read(&p, Some(&["nope"])).unwrap_err().to_string();
//! assert!(e.contains("threatstat-table-doc.parquet") && e.contains("`nope`"), "{e}");
//! ```

mod arrow;
mod column;
mod convert;
mod format;
mod numbers;
mod read;
mod table;
mod write;

pub use column::{Column, Kind};
pub use convert::{Schema, convert_csv_file, write_csv_as};
pub use format::Format;
pub use numbers::{read_numbers, read_points};
pub use read::{column_names, read, read_batches};
pub use table::Table;
pub use write::{batch_bytes, to_bytes, write, write_batch};
// The Arrow crates the batch functions speak, for their callers.
pub use {arrow_array, arrow_schema};
