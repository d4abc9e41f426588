//! Readers that keep track of where they are: gzip-transparent files, CSV with
//! named columns, and JSON Lines.

use crate::{Error, Location, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Opens `path` for buffered reading, decompressing gzip transparently
/// (detected from the magic bytes, not the name).
///
/// With [`crate::progress::enable`] the bytes read are counted for a
/// progress display.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if crate::progress::enabled() {
        if let Ok(m) = f.metadata() {
            crate::progress::opened(m.len());
        }
        return wrap(path, crate::progress::Counted(f));
    }
    wrap(path, f)
}

fn wrap(path: &Path, f: impl Read + Send + 'static) -> Result<Box<dyn BufRead + Send>> {
    let mut r = BufReader::with_capacity(1 << 16, f);
    let head = r.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(r),
        )))
    } else {
        Ok(Box::new(r))
    }
}

/// A CSV file with a header row, read record by record.
///
/// Fields are read as bytes and checked for UTF-8 per field, so a bad byte is
/// reported with its line and column instead of failing the whole file.
///
/// ```
/// use threatstat_core::reader::CsvTable;
/// let dir = std::env::temp_dir().join("threatstat-core-doc-csv");
/// std::fs::create_dir_all(&dir).unwrap();
/// let p = dir.join("t.csv");
/// std::fs::write(&p, "a,b\n1,\"x\ny\"\n2,z\n").unwrap();
/// let mut t = CsvTable::open(&p).unwrap();
/// let b = t.column("b").unwrap();
/// let mut rec = csv::ByteRecord::new();
/// let mut lines = vec![];
/// while let Some(line) = t.next_record(&mut rec).unwrap() {
///     lines.push((line, t.field(&rec, b, line).unwrap().to_string()));
/// }
/// assert_eq!(lines, vec![(2, "x\ny".to_string()), (4, "z".to_string())]);
/// assert!(t.column("c").unwrap_err().to_string().contains("columns are: a, b"));
/// ```
pub struct CsvTable {
    path: PathBuf,
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    headers: Vec<String>,
    records: u64,
}

impl CsvTable {
    /// Opens a CSV (or gzip-compressed CSV) file and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_reader(path, open(path)?)
    }

    /// Reads CSV from `reader`; `path` is used in messages.
    pub fn from_reader(path: &Path, reader: Box<dyn BufRead + Send>) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let loc = Location::file(path).at_line(1);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(path, e))?
            .iter()
            .enumerate()
            .map(|(i, h)| {
                std::str::from_utf8(h)
                    .map(|s| s.trim_start_matches('\u{feff}').to_string())
                    .map_err(|_| {
                        Error::parse(
                            loc.clone(),
                            format!("header column {} is not valid UTF-8", i + 1),
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CsvTable {
            path: path.to_path_buf(),
            reader,
            headers,
            records: 0,
        })
    }

    /// The header names.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data records read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// The index of column `name`, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::MissingColumn {
                location: Location::file(&self.path).at_line(1),
                column: name.to_string(),
                available: self.headers.join(", "),
            })
    }

    /// Reads the next record into `rec`; returns the 1-based line where it
    /// starts, or `None` at the end.
    pub fn next_record(&mut self, rec: &mut csv::ByteRecord) -> Result<Option<u64>> {
        match self.reader.read_byte_record(rec) {
            Ok(true) => {
                self.records += 1;
                Ok(Some(rec.position().map_or(0, |p| p.line())))
            }
            Ok(false) => Ok(None),
            Err(e) => {
                self.records += 1;
                Err(csv_error(&self.path, e))
            }
        }
    }

    /// Field `idx` of `rec` as UTF-8 text; an error names file, line and column.
    pub fn field<'r>(&self, rec: &'r csv::ByteRecord, idx: usize, line: u64) -> Result<&'r str> {
        let loc = || self.location(line, idx);
        let bytes = rec
            .get(idx)
            .ok_or_else(|| Error::parse(loc(), "missing field"))?;
        std::str::from_utf8(bytes).map_err(|e| {
            Error::parse(
                loc(),
                format!("invalid UTF-8 at byte {} of the field", e.valid_up_to()),
            )
        })
    }

    /// A location at `line` in column `idx`, for callers' own errors.
    /// A column past the header is named by its number (1-based).
    pub fn location(&self, line: u64, idx: usize) -> Location {
        let name = self
            .headers
            .get(idx)
            .cloned()
            .unwrap_or_else(|| format!("column {}", idx + 1));
        Location::file(&self.path).at_line(line).in_field(name)
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    // A read or decompression failure (e.g. a truncated .gz) is an I/O error,
    // never a skippable bad row: the rest of the file is unreadable.
    if e.is_io_error() {
        if let csv::ErrorKind::Io(io) = e.into_kind() {
            return Error::io(path, io);
        }
        unreachable!("is_io_error implies ErrorKind::Io");
    }
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields (as in the header), found {len}"),
        _ => e.to_string(),
    };
    let mut loc = Location::file(path);
    loc.line = line;
    Error::parse(loc, message)
}

/// Iterates the lines of a JSON Lines file, deserializing each non-blank line
/// into `T`; errors carry the file and line.
///
/// ```
/// use threatstat_core::reader::JsonLines;
/// let p = std::env::temp_dir().join("threatstat-core-doc.jsonl");
/// std::fs::write(&p, "{\"a\": 1}\n\n{\"a\": }\n").unwrap();
/// let mut it = JsonLines::<serde_json::Value>::open(&p).unwrap();
/// assert_eq!(it.next().unwrap().unwrap().1["a"], 1);
/// let err = it.next().unwrap().unwrap_err().to_string();
/// assert!(err.contains(":3:"), "{err}");
/// ```
pub struct JsonLines<T> {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    line: u64,
    buf: Vec<u8>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<T: serde::de::DeserializeOwned> JsonLines<T> {
    /// Opens a JSON Lines file (gzip allowed).
    pub fn open(path: &Path) -> Result<Self> {
        Ok(JsonLines {
            path: path.to_path_buf(),
            reader: open(path)?,
            line: 0,
            buf: Vec::new(),
            _t: std::marker::PhantomData,
        })
    }
}

impl<T: serde::de::DeserializeOwned> Iterator for JsonLines<T> {
    /// The 1-based line number and the value.
    type Item = Result<(u64, T)>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(Error::io(&self.path, e))),
            }
            self.line += 1;
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let loc = Location::file(&self.path).at_line(self.line);
            return Some(match serde_json::from_slice::<T>(&self.buf) {
                Ok(v) => Ok((self.line, v)),
                Err(e) => Err(Error::parse(loc, format!("invalid JSON: {e}"))),
            });
        }
    }
}

/// Reads a whole (possibly gzip-compressed) file to a string; invalid
/// UTF-8 is an error naming its line.
pub fn read_to_string(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    open(path)?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        // Name the line, as the line readers do.
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let col = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        Error::parse(
            Location::file(path).at_line(line),
            format!("invalid UTF-8 at byte {} of the line", col + 1),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("threatstat-core-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn gzip_is_transparent() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"a,b\n1,2\n").unwrap();
        let p = tmp("t.csv.gz", &enc.finish().unwrap());
        let mut t = CsvTable::open(&p).unwrap();
        assert_eq!(t.headers(), ["a", "b"]);
        let mut rec = csv::ByteRecord::new();
        assert_eq!(t.next_record(&mut rec).unwrap(), Some(2));
        assert_eq!(t.field(&rec, 1, 2).unwrap(), "2");
    }

    #[test]
    fn ragged_row_names_line() {
        let p = tmp("ragged.csv", b"a,b\n1,2\n3\n");
        let mut t = CsvTable::open(&p).unwrap();
        let mut rec = csv::ByteRecord::new();
        t.next_record(&mut rec).unwrap();
        let e = t.next_record(&mut rec).unwrap_err().to_string();
        assert!(
            e.contains("ragged.csv:3") && e.contains("expected 2 fields"),
            "{e}"
        );
    }

    #[test]
    fn non_utf8_names_line_and_field() {
        let p = tmp("bad.csv", b"a,b\n1,\xff\xfe\n");
        let mut t = CsvTable::open(&p).unwrap();
        let mut rec = csv::ByteRecord::new();
        let line = t.next_record(&mut rec).unwrap().unwrap();
        let e = t.field(&rec, 1, line).unwrap_err().to_string();
        assert!(e.contains("bad.csv:2: field `b`: invalid UTF-8"), "{e}");
    }

    #[test]
    fn missing_file_is_io_error() {
        let e = CsvTable::open(Path::new("/nonexistent/x.csv"))
            .err()
            .unwrap();
        assert!(e.to_string().starts_with("/nonexistent/x.csv"));
    }

    #[test]
    fn read_to_string_names_the_line_of_invalid_utf8() {
        let p = tmp("bad-utf8.json", b"{\n  \"a\": \"x\xffy\"\n}\n");
        let e = read_to_string(&p).unwrap_err().to_string();
        assert!(
            e.ends_with("bad-utf8.json:2: invalid UTF-8 at byte 10 of the line"),
            "{e}"
        );
    }
}
