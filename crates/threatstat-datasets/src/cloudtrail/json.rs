//! A streaming splitter of CloudTrail JSON into records, with line numbers.
//!
//! CloudTrail JSON comes in three shapes, all handled by one reader:
//!
//! * the S3 delivery format, one object `{"Records": [ ... ]}` per file
//!   (usually on one line, often gzip-compressed), also several of them
//!   concatenated or one per line;
//! * a bare JSON array of records (Stratus Red Team's detonation logs, the
//!   output of `jq '.Records'`);
//! * JSON Lines, one record object per line (CloudWatch Logs and most log
//!   shippers).
//!
//! The reader goes through the top-level values of a file. An array's
//! elements are records, read one at a time (an array of any size is never
//! held in memory); an object with a `Records` key is a delivery whose
//! `Records` elements are records (one delivery is held in memory: they are
//! small); any other object is a record. Each record is handed over as its
//! raw bytes with the line it starts on and a jq-style path (`[3]`,
//! `Records[3]`), so that errors can say where a bad record is.
//!
//! Only the structure (brackets, strings, commas) is checked here; the
//! contents of a record are parsed by serde_json in
//! [`record`](super::record). A structural problem (an unbalanced bracket,
//! the end of the file inside a value, garbage between records) is fatal:
//! nothing after it can be trusted. A bad record is not.

use std::io::BufRead;
use std::path::Path;
use threatstat_core::{Error, Location};

/// One record's raw JSON and where it is.
pub(crate) struct RawRecord<'a> {
    /// The record's bytes (a complete JSON value, normally an object).
    pub bytes: &'a [u8],
    /// The 1-based line of the file where the record starts.
    pub line: u64,
    /// jq-style path of the record in its top-level value: `[3]` or
    /// `Records[3]`, or empty for a top-level record (JSON Lines).
    pub path: String,
}

/// What a state machine step says about a byte.
enum Step {
    /// Keep going.
    Continue,
    /// The value ends with this byte.
    Inclusive,
    /// The value ended just before this byte.
    Exclusive,
}

/// Reads JSON values from a `BufRead`, counting lines.
pub(crate) struct Scanner<'p, R> {
    r: R,
    line: u64,
    path: &'p Path,
    started: bool,
}

impl<'p, R: BufRead> Scanner<'p, R> {
    /// A scanner at line `line` of `path` (used in messages).
    pub fn new(r: R, path: &'p Path, line: u64) -> Self {
        Scanner {
            r,
            line,
            path,
            started: false,
        }
    }

    fn fatal(&self, line: u64, message: impl Into<String>) -> Error {
        Error::parse(Location::file(self.path).at_line(line), message)
    }

    /// Skips whitespace (and a UTF-8 byte order mark at the very start);
    /// returns the next byte without consuming it, or `None` at the end.
    pub fn skip_ws(&mut self) -> Result<Option<u8>, Error> {
        loop {
            let buf = self.r.fill_buf().map_err(|e| Error::io(self.path, e))?;
            if buf.is_empty() {
                return Ok(None);
            }
            if !self.started {
                self.started = true;
                if buf.starts_with(b"\xEF\xBB\xBF") {
                    self.r.consume(3);
                    continue;
                }
            }
            let mut n = 0;
            for &c in buf {
                match c {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => {
                        self.r.consume(n);
                        return Ok(Some(c));
                    }
                }
                n += 1;
            }
            self.r.consume(n);
        }
    }

    /// Consumes one byte that [`skip_ws`](Self::skip_ws) returned (never a newline).
    pub fn bump(&mut self) {
        self.r.consume(1);
    }

    /// The current 1-based line.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Appends one complete JSON value, which starts at the next byte
    /// (after [`skip_ws`](Self::skip_ws)), to `buf`.
    ///
    /// Objects and arrays end at their matching bracket (strings and
    /// escapes are respected), strings at their closing quote, other
    /// values before the next `,`, `]`, `}` or whitespace.
    pub fn take_value(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let start = self.line;
        let first = match self.skip_ws()? {
            Some(c) => c,
            None => {
                return Err(self.fatal(start, "expected a JSON value, found the end of the file"));
            }
        };
        let (mut depth, mut in_str, mut esc, mut fresh) = (0u64, false, false, true);
        let what = match first {
            b'{' => "an object",
            b'[' => "an array",
            b'"' => "a string",
            _ => "a value",
        };
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        let mut step = |c: u8| -> Step {
            if scalar {
                return match c {
                    b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n' => Step::Exclusive,
                    _ => Step::Continue,
                };
            }
            if std::mem::take(&mut fresh) {
                // The opening byte.
                if c == b'"' {
                    in_str = true;
                } else {
                    depth = 1;
                }
                return Step::Continue;
            }
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    if depth == 0 {
                        return Step::Inclusive;
                    }
                }
                return Step::Continue;
            }
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Step::Inclusive;
                    }
                }
                _ => {}
            }
            Step::Continue
        };
        loop {
            let chunk = self.r.fill_buf().map_err(|e| Error::io(self.path, e))?;
            if chunk.is_empty() {
                if scalar {
                    return Ok(());
                }
                return Err(self.fatal(
                    start,
                    format!(
                        "the file ends inside {what} that starts on this line \
                         (truncated file, or an unbalanced bracket or quote?)"
                    ),
                ));
            }
            let mut done = None;
            for (i, &c) in chunk.iter().enumerate() {
                match step(c) {
                    Step::Continue => {
                        if c == b'\n' {
                            self.line += 1;
                        }
                    }
                    Step::Inclusive => {
                        done = Some(i + 1);
                        break;
                    }
                    Step::Exclusive => {
                        done = Some(i);
                        break;
                    }
                }
            }
            match done {
                Some(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    self.r.consume(n);
                    return Ok(());
                }
                None => {
                    let n = chunk.len();
                    buf.extend_from_slice(chunk);
                    self.r.consume(n);
                }
            }
        }
    }

    /// Reads the elements of an array whose `[` is the next byte, calling
    /// `f` with each element's bytes, start line and index.
    fn array(
        &mut self,
        buf: &mut Vec<u8>,
        mut f: impl FnMut(&[u8], u64, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let open = self.line;
        self.bump();
        let eof = |s: &Self| {
            s.fatal(
                open,
                "the file ends inside the array that starts on this line (truncated file?)",
            )
        };
        let mut i = 0usize;
        loop {
            let c = self.skip_ws()?.ok_or_else(|| eof(self))?;
            if c == b']' {
                if i == 0 {
                    self.bump();
                    return Ok(());
                }
                return Err(self.fatal(
                    self.line,
                    format!(
                        "expected a record after the `,` that follows element [{}], found `]`",
                        i - 1
                    ),
                ));
            }
            let line = self.line;
            buf.clear();
            self.take_value(buf)?;
            f(buf, line, i)?;
            match self.skip_ws()?.ok_or_else(|| eof(self))? {
                b',' => self.bump(),
                b']' => {
                    self.bump();
                    return Ok(());
                }
                c => {
                    return Err(self.fatal(
                        self.line,
                        format!(
                            "expected `,` or `]` after element [{i}] (which starts on line {line}), found `{}`",
                            char::from(c).escape_default()
                        ),
                    ));
                }
            }
            i += 1;
        }
    }
}

/// What a buffered top-level object is.
enum Shape {
    /// No `Records` key: a record.
    Record,
    /// A delivery whose `Records` array starts at this byte offset and line.
    Delivery(usize, u64),
    /// A `Records` key whose value is not an array (a bad record).
    BadRecords,
}

/// Whether the buffered top-level object `obj` (starting on `line`) is a
/// delivery `{"Records": [...]}`, and where its array starts.
fn records_array(obj: &[u8], path: &Path, line: u64) -> Result<Shape, Error> {
    let mut s = Scanner::new(obj, path, line);
    s.started = true;
    s.bump(); // `{`
    let mut key = Vec::new();
    let mut skip = Vec::new();
    loop {
        match s.skip_ws()? {
            Some(b'"') => {}
            // `}` (no more keys) or malformed: not a delivery; the record
            // parser reports malformed JSON.
            _ => return Ok(Shape::Record),
        }
        key.clear();
        s.take_value(&mut key)?;
        if s.skip_ws()? != Some(b':') {
            return Ok(Shape::Record);
        }
        s.bump();
        let next = s.skip_ws()?;
        if key == b"\"Records\"" {
            return Ok(match next {
                Some(b'[') => Shape::Delivery(obj.len() - s.r.len(), s.line),
                _ => Shape::BadRecords,
            });
        }
        skip.clear();
        s.take_value(&mut skip)?;
        match s.skip_ws()? {
            Some(b',') => s.bump(),
            _ => return Ok(Shape::Record),
        }
    }
}

/// What [`for_each_record`] hands over for each record: the record or an
/// error about a record that could be delimited (skippable).
pub(crate) type RecordResult<'a> = Result<RawRecord<'a>, Error>;

/// Reads every record of a CloudTrail JSON input (any of the shapes in the
/// module docs) and calls `f` with each. Structural errors are returned
/// at once (fatal); problems with one delimited record (e.g. a `Records`
/// key that is not an array) are passed to `f` as `Err`, which decides
/// whether to skip. Returns the number of records (and bad delimited
/// values) passed to `f`.
pub(crate) fn for_each_record(
    reader: impl BufRead,
    path: &Path,
    mut f: impl FnMut(RecordResult<'_>) -> Result<(), Error>,
) -> Result<u64, Error> {
    let mut sc = Scanner::new(reader, path, 1);
    let mut buf = Vec::new();
    let mut elem = Vec::new();
    let mut n = 0u64;
    loop {
        let Some(c) = sc.skip_ws()? else {
            return Ok(n);
        };
        match c {
            b'[' => {
                sc.array(&mut buf, |bytes, line, i| {
                    n += 1;
                    f(Ok(RawRecord {
                        bytes,
                        line,
                        path: format!("[{i}]"),
                    }))
                })?;
            }
            b'{' => {
                let line = sc.line();
                buf.clear();
                sc.take_value(&mut buf)?;
                match records_array(&buf, path, line)? {
                    Shape::Record => {
                        n += 1;
                        f(Ok(RawRecord {
                            bytes: &buf,
                            line,
                            path: String::new(),
                        }))?;
                    }
                    Shape::BadRecords => {
                        n += 1;
                        f(Err(Error::parse(
                            Location::file(path).at_line(line).in_field("Records"),
                            "expected an array of CloudTrail records",
                        )))?;
                    }
                    Shape::Delivery(offset, at) => {
                        let mut inner = Scanner::new(&buf[offset..], path, at);
                        inner.started = true;
                        inner.array(&mut elem, |bytes, line, i| {
                            n += 1;
                            f(Ok(RawRecord {
                                bytes,
                                line,
                                path: format!("Records[{i}]"),
                            }))
                        })?;
                        // Keys after `Records` (none in CloudTrail's
                        // deliveries) are ignored.
                    }
                }
            }
            b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                // A scalar where a record should be (e.g. a JSON Lines line
                // `"x"`): a bad record, delimited, so skippable.
                let line = sc.line();
                buf.clear();
                sc.take_value(&mut buf)?;
                n += 1;
                f(Ok(RawRecord {
                    bytes: &buf,
                    line,
                    path: String::new(),
                }))?;
            }
            c => {
                return Err(sc.fatal(
                    sc.line(),
                    format!(
                        "expected a CloudTrail record (a JSON object), an array of records \
                         or {{\"Records\": [...]}}, found `{}`",
                        char::from(c).escape_default()
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<Vec<(String, u64, String)>, Error> {
        let mut out = Vec::new();
        for_each_record(text.as_bytes(), Path::new("t.json"), |r| {
            let r = r?;
            out.push((String::from_utf8(r.bytes.to_vec()).unwrap(), r.line, r.path));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn shapes() {
        let a = split("[\n {\"a\": \"]}\"},\n {\"b\": [1, {\"c\": \"\\\"}\"}]}\n]\n").unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0], ("{\"a\": \"]}\"}".into(), 2, "[0]".into()));
        assert_eq!(a[1].1, 3);
        assert_eq!(a[1].2, "[1]");
        let d = split("{\"Records\": [{\"x\": 1}, {\"y\": 2}]}").unwrap();
        assert_eq!(d[1], ("{\"y\": 2}".into(), 1, "Records[1]".into()));
        let d = split("{\"other\": {\"Records\": 1},\n \"Records\": [\n{\"x\": 1}], \"z\": [1]}\n{\"Records\": []}").unwrap();
        assert_eq!(d, [("{\"x\": 1}".into(), 3, "Records[0]".into())]);
        let l = split("{\"a\": 1}\n\n{\"a\": 2}\n").unwrap();
        assert_eq!(l[1], ("{\"a\": 2}".into(), 3, String::new()));
        assert_eq!(split("[]").unwrap().len(), 0);
        assert_eq!(split("\u{feff}  \n").unwrap().len(), 0);
        let s = split("[1, \"x\", null]").unwrap();
        assert_eq!(
            s.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            ["1", "\"x\"", "null"]
        );
    }

    #[test]
    fn structural_errors_are_fatal_with_lines() {
        let e = split("[\n{\"a\": 1},\n{\"b\": 2\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.json:3:") && e.contains("ends inside an object"),
            "{e}"
        );
        let e = split("[{\"a\": 1} {\"b\": 2}]").unwrap_err().to_string();
        assert!(e.contains("expected `,` or `]` after element [0]"), "{e}");
        let e = split("[{\"a\": 1},]").unwrap_err().to_string();
        assert!(e.contains("found `]`"), "{e}");
        let e = split("\n}").unwrap_err().to_string();
        assert!(e.starts_with("t.json:2:"), "{e}");
        let e = split("{\"Records\": 5}").unwrap_err().to_string();
        assert!(e.contains("field `Records`: expected an array"), "{e}");
    }
}
