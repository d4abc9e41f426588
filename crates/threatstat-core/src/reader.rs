//! Readers that keep track of where they are: gzip-transparent files, CSV with
//! named columns, and JSON Lines.

use crate::{Error, Location, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Opens `path` for buffered reading, decompressing gzip transparently
/// (detected from the magic bytes, not the name), and skipping a leading
/// UTF-8 byte-order mark (text files only: see [`open_bytes`]).
///
/// With [`crate::progress::enable`] the bytes read are counted for a
/// progress display.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    open_with(path, true)
}

/// [`open`] for binary data (raw little-endian numbers): gzip is
/// decompressed, but leading bytes that happen to look like a byte-order
/// mark are data and kept.
///
/// ```
/// use std::io::Read;
/// let p = std::env::temp_dir().join("threatstat-core-doc-bytes.bin");
/// std::fs::write(&p, [0xEF, 0xBB, 0xBF, 1]).unwrap();
/// let mut v = vec![];
/// threatstat_core::reader::open_bytes(&p).unwrap().read_to_end(&mut v).unwrap();
/// assert_eq!(v, [0xEF, 0xBB, 0xBF, 1]);
/// ```
pub fn open_bytes(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    open_with(path, false)
}

fn open_with(path: &Path, text: bool) -> Result<Box<dyn BufRead + Send>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if crate::progress::enabled() {
        if let Ok(m) = f.metadata() {
            crate::progress::opened(m.len());
        }
        return wrap(path, crate::progress::Counted(f), text);
    }
    wrap(path, f, text)
}

fn wrap(path: &Path, f: impl Read + Send + 'static, text: bool) -> Result<Box<dyn BufRead + Send>> {
    let mut r = BufReader::with_capacity(1 << 16, f);
    let head = r.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        let mut z = BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(r));
        if text {
            skip_bom(path, &mut z)?;
        }
        Ok(Box::new(z))
    } else {
        if text {
            skip_bom(path, &mut r)?;
        }
        Ok(Box::new(r))
    }
}

/// The UTF-8 byte-order mark some Windows tools write at the start of a file.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Consumes a leading UTF-8 byte-order mark, once per file, so that every
/// reader built on [`open`] (CSV, JSON Lines, LANL, count series) sees the
/// first field as written rather than with an invisible `U+FEFF` before it.
fn skip_bom(path: &Path, r: &mut impl BufRead) -> Result<()> {
    let head = r.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.starts_with(BOM) {
        r.consume(BOM.len());
    }
    Ok(())
}

/// Where the runs of line-end bytes (`\r`, `\n`) passing to the csv crate
/// are, so that a CSV reader can say on which line a record starts and how
/// many blank lines the csv crate skipped before it.
///
/// The csv crate places a record at the first byte it reads for it, which
/// is before the blank lines it skips and, after a `\r\n`, at the `\n` it
/// left unread when the previous record ended at the `\r`; its line is then
/// too low (by one per CRLF, one per blank line). A record placed inside a
/// run of line-end bytes starts on the line after the run. [`CsvTable`]
/// uses it; put it under a `csv::Reader` of your own and ask
/// [`place`](Self::place) with each record's position.
///
/// ```
/// use threatstat_core::reader::LineTracker;
/// let text = "a\r\n\r\nb\r\n";
/// let mut r = csv::ReaderBuilder::new().has_headers(false)
///     .from_reader(LineTracker::new(text.as_bytes()));
/// let (mut rec, mut placed) = (csv::StringRecord::new(), vec![]);
/// while r.read_record(&mut rec).unwrap() {
///     let pos = rec.position().unwrap().clone();
///     placed.push(r.get_mut().place(&pos));
/// }
/// assert_eq!(placed, [(1, 0), (3, 1)]);
/// ```
pub struct LineTracker<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// `\n`s passed on so far.
    newlines: u64,
    /// The run of line-end bytes still open at the end of the last read:
    /// its start and the line of its first byte.
    open: Option<(u64, u64)>,
    /// Closed runs (start, end, line of the byte at start, line of the
    /// byte at end) not yet behind the current record.
    runs: std::collections::VecDeque<(u64, u64, u64, u64)>,
}

impl<R> LineTracker<R> {
    /// Tracks the bytes read from `inner`.
    pub fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            newlines: 0,
            open: None,
            runs: std::collections::VecDeque::new(),
        }
    }

    /// For a record the csv crate places at `pos` (records in order): the
    /// 1-based line it starts on and the number of blank lines just before
    /// it (0 unless the csv crate skipped some).
    pub fn place(&mut self, pos: &csv::Position) -> (u64, u64) {
        while self.runs.front().is_some_and(|r| r.1 <= pos.byte()) {
            self.runs.pop_front();
        }
        match self.runs.front() {
            Some(&(start, _, first, last)) if start <= pos.byte() => {
                // The run ends the previous line (not at the file's start).
                let ending = u64::from(start > 0);
                (last, (last - first).saturating_sub(ending))
            }
            _ => (pos.line(), 0),
        }
    }

    fn close(&mut self, start: (u64, u64), end: u64) {
        // A single line-end byte after a record is consumed with it (LF) or
        // begins the next record's content (a lone CR): no record is ever
        // placed on it, so it need not be kept (the common case, one per
        // line, costs nothing then). At the file's start it is a blank line.
        if end - start.0 == 1 && start.0 > 0 {
            return;
        }
        self.runs
            .push_back((start.0, end, start.1, self.newlines + 1));
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        let base = self.offset;
        // End of the open run (the byte after its last line end).
        let mut end = base;
        for i in memchr::memchr2_iter(b'\r', b'\n', got) {
            let at = base + i as u64;
            match self.open {
                Some(_) if at == end => {}
                Some(start) => {
                    self.close(start, end);
                    self.open = Some((at, self.newlines + 1));
                }
                None => self.open = Some((at, self.newlines + 1)),
            }
            end = at + 1;
            self.newlines += u64::from(got[i] == b'\n');
        }
        // A run the last byte did not extend is closed.
        if let Some(start) = self.open
            && n > 0
            && end < base + n as u64
        {
            self.close(start, end);
            self.open = None;
        }
        self.offset += n as u64;
        Ok(n)
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
    reader: csv::Reader<LineTracker<Box<dyn BufRead + Send>>>,
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
            .from_reader(LineTracker::new(reader));
        let loc = Location::file(path).at_line(1);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(path, e, None))?
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
                let tracker = self.reader.get_mut();
                Ok(Some(rec.position().map_or(0, |p| tracker.place(p).0)))
            }
            Ok(false) => Ok(None),
            Err(e) => {
                self.records += 1;
                let line = e.position().map(|p| self.reader.get_mut().place(p).0);
                Err(csv_error(&self.path, e, line))
            }
        }
    }

    /// [`next_record`](Self::next_record), with a malformed row (wrong
    /// number of fields, bad quoting) skipped and counted in `skips` under
    /// [`BadRowPolicy::Skip`](crate::BadRowPolicy::Skip); an unreadable file
    /// (I/O, truncated gzip) is an error under either policy.
    ///
    /// ```
    /// use threatstat_core::{reader::CsvTable, BadRowPolicy, SkipReport};
    /// let text = "a,b\n1,2\n3\n4,5\n";
    /// let mut t = CsvTable::from_reader("t.csv".as_ref(), Box::new(text.as_bytes())).unwrap();
    /// let (mut rec, mut skips) = (csv::ByteRecord::new(), SkipReport::default());
    /// let mut lines = vec![];
    /// while let Some(l) = t.next_record_or_skip(&mut rec, BadRowPolicy::Skip, &mut skips).unwrap() {
    ///     lines.push(l);
    /// }
    /// assert_eq!((lines, skips.skipped), (vec![2, 4], 1));
    /// ```
    pub fn next_record_or_skip(
        &mut self,
        rec: &mut csv::ByteRecord,
        policy: crate::BadRowPolicy,
        skips: &mut crate::SkipReport,
    ) -> Result<Option<u64>> {
        loop {
            match self.next_record(rec) {
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(e) => skips.handle(policy, e)?,
                ok => return ok,
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

/// `line`: the corrected line of the error's position, if known.
fn csv_error(path: &Path, e: csv::Error, line: Option<u64>) -> Error {
    // A read or decompression failure (e.g. a truncated .gz) is an I/O error,
    // never a skippable bad row: the rest of the file is unreadable.
    if e.is_io_error() {
        if let csv::ErrorKind::Io(io) = e.into_kind() {
            return Error::io(path, io);
        }
        unreachable!("is_io_error implies ErrorKind::Io");
    }
    let line = line.or_else(|| e.position().map(|p| p.line()));
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
    fn crlf_line_numbers() {
        let p = tmp("crlf.csv", b"a,b\r\n1,2\r\n3,4\r\n5\r\n");
        let mut t = CsvTable::open(&p).unwrap();
        let mut rec = csv::ByteRecord::new();
        assert_eq!(t.next_record(&mut rec).unwrap(), Some(2));
        assert_eq!(t.next_record(&mut rec).unwrap(), Some(3));
        let e = t.next_record(&mut rec).unwrap_err().to_string();
        assert!(e.contains("crlf.csv:4:"), "{e}");
        // Blank lines, a quoted line break and a gzip stream.
        for (name, text) in [
            ("lf.csv", &b"a,b\n\n1,\"x\ny\"\n\n3,4\n"[..]),
            ("crlf2.csv", b"a,b\r\n\r\n1,\"x\r\ny\"\r\n\r\n3,4\r\n"),
        ] {
            let p = tmp(name, text);
            let mut t = CsvTable::open(&p).unwrap();
            let mut lines = vec![];
            while let Some(l) = t.next_record(&mut rec).unwrap() {
                lines.push(l);
            }
            assert_eq!(lines, [3, 6], "{name}");
        }
    }

    proptest::proptest! {
        /// Any mix of LF, CRLF and blank lines, read in chunks of any size:
        /// each record is placed on the line it is written on.
        #[test]
        fn record_lines_are_exact(
            rows in proptest::collection::vec((0u8..3, proptest::bool::ANY), 1..30),
            cap in 1usize..20,
        ) {
            let mut text = b"a,b\n".to_vec();
            let (mut line, mut want, mut placed) = (1u64, vec![], vec![]);
            for (i, (blanks, crlf)) in rows.iter().enumerate() {
                let end: &[u8] = if *crlf { b"\r\n" } else { b"\n" };
                for _ in 0..*blanks {
                    text.extend_from_slice(end);
                    line += 1;
                }
                line += 1;
                want.push(line);
                placed.push((line, u64::from(*blanks)));
                text.extend_from_slice(format!("{i},x").as_bytes());
                text.extend_from_slice(end);
            }
            let r = BufReader::with_capacity(cap, std::io::Cursor::new(text.clone()));
            let mut t = CsvTable::from_reader(Path::new("p.csv"), Box::new(r)).unwrap();
            let mut rec = csv::ByteRecord::new();
            let mut got = vec![];
            while let Some(l) = t.next_record(&mut rec).unwrap() {
                got.push(l);
            }
            proptest::prop_assert_eq!(got, want);
            let r = BufReader::with_capacity(cap, std::io::Cursor::new(text));
            let mut r = csv::Reader::from_reader(LineTracker::new(r));
            let mut got = vec![];
            while r.read_byte_record(&mut rec).unwrap() {
                let pos = rec.position().unwrap().clone();
                got.push(r.get_mut().place(&pos));
            }
            proptest::prop_assert_eq!(got, placed);
        }
    }

    #[test]
    fn bom_is_stripped_once() {
        let p = tmp("bom.jsonl", b"\xEF\xBB\xBF{\"a\": 1}\n");
        let mut it = JsonLines::<serde_json::Value>::open(&p).unwrap();
        assert_eq!(it.next().unwrap().unwrap().1["a"], 1);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"\xEF\xBB\xBF41\n\xEF\xBB\xBF").unwrap();
        let p = tmp("bom.txt.gz", &enc.finish().unwrap());
        // Only the leading one: a BOM inside the text is content.
        assert_eq!(read_to_string(&p).unwrap(), "41\n\u{feff}");
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
