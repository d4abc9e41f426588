//! Which format a path asks for.

use std::path::Path;

/// A table file's format, chosen by the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text (every other extension, and `-`).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`), Snappy-compressed.
    Parquet,
    /// Arrow IPC file format (`.arrow`, `.feather`, `.ipc`; Feather v2).
    Ipc,
}

impl Format {
    /// The format `path`'s extension names (case-insensitive).
    ///
    /// ```
    /// use threatstat_table::Format;
    /// assert_eq!(Format::of("x.PARQUET".as_ref()), Format::Parquet);
    /// assert_eq!(Format::of("x.feather".as_ref()), Format::Ipc);
    /// assert_eq!(Format::of("x.csv".as_ref()), Format::Csv);
    /// assert_eq!(Format::of("-".as_ref()), Format::Csv);
    /// ```
    pub fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => Format::Parquet,
            Some("arrow" | "feather" | "ipc") => Format::Ipc,
            _ => Format::Csv,
        }
    }

    /// Whether it is a columnar (binary) format.
    pub fn is_columnar(self) -> bool {
        self != Format::Csv
    }
}
