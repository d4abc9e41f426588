//! A table: named columns of one length.

use crate::Column;
use std::path::{Path, PathBuf};
use threatstat_core::{Error, Location};

/// Named columns of equal length, in order; read tables remember their file
/// so that [`column`](Self::column) errors name it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    columns: Vec<(String, Column)>,
    source: Option<PathBuf>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table whose errors name `path`.
    pub fn from_file(path: &Path) -> Self {
        Table {
            columns: Vec::new(),
            source: Some(path.to_path_buf()),
        }
    }

    /// Appends a column; an error when the name is taken or the length
    /// differs from the columns before it.
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<(), Error> {
        let name = name.into();
        if self.columns.iter().any(|(n, _)| *n == name) {
            return Err(Error::shape(
                format!("column `{name}`"),
                "a name not yet in the table",
                "a second column of that name",
            ));
        }
        if let Some(n) = self.columns.first().map(|(_, c)| c.len())
            && n != column.len()
        {
            return Err(Error::shape(
                format!("column `{name}`"),
                format!("{n} values (the table's rows)"),
                format!("{} values", column.len()),
            ));
        }
        self.columns.push((name, column));
        Ok(())
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The columns in order.
    pub fn columns(&self) -> &[(String, Column)] {
        &self.columns
    }

    /// The column names, comma-separated (for messages).
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        names.join(", ")
    }

    /// The file the table was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// Where an error about column `name` is.
    pub fn location(&self, name: &str) -> Location {
        let mut l = Location::default().in_field(name);
        l.file = self.source.clone();
        l
    }

    /// The column `name`; an error naming the file and listing the columns
    /// when there is none.
    pub fn column(&self, name: &str) -> Result<&Column, Error> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
            .ok_or_else(|| Error::MissingColumn {
                location: self.location(name),
                column: name.to_string(),
                available: self.names(),
            })
    }
}
