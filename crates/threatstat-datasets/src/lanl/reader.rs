//! The streaming line reader shared by the three LANL files.

use super::names::Names;
use crate::DatasetError;
use serde::{Deserialize, Serialize};
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use threatstat_core::{BadRowPolicy, Error, Location, SkipReport};

/// The most fields a LANL file has (`auth.txt` and `flows.txt`: 9).
const MAX_FIELDS: usize = 9;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::super::AuthEvent {}
    impl Sealed for super::super::FlowEvent {}
    impl Sealed for super::super::RedTeamEvent {}
}

/// A record type of a LANL file: [`AuthEvent`](super::AuthEvent),
/// [`FlowEvent`](super::FlowEvent) or [`RedTeamEvent`](super::RedTeamEvent).
///
/// Sealed: the three file formats are the only implementations.
///
/// ```
/// use threatstat_datasets::lanl::{AuthEvent, LanlRecord};
/// assert_eq!(AuthEvent::FIELDS.len(), 9);
/// assert_eq!(AuthEvent::FIELDS[7], "authentication orientation");
/// ```
pub trait LanlRecord: Copy + sealed::Sealed {
    /// The file's upstream name, e.g. `auth.txt`.
    const FILE: &'static str;
    /// The published field names, in column order (used in error messages).
    const FIELDS: &'static [&'static str];
    /// Parses the fields of one line (exactly `FIELDS.len()` of them),
    /// interning names in `names`; on error, the index of the bad field and
    /// a message saying what was expected and what was found.
    #[doc(hidden)]
    fn parse(fields: &[&[u8]], names: &mut Names) -> Result<Self, (usize, String)>;
}

/// What a reader has read so far.
///
/// `lines == events + skipped` once the input is exhausted (or up to the
/// line of an error that stopped it).
///
/// ```
/// use threatstat_datasets::lanl::ReadSummary;
/// let s = ReadSummary::default();
/// assert_eq!((s.lines, s.events, s.skipped), (0, 0, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSummary {
    /// Lines read.
    pub lines: u64,
    /// Events returned.
    pub events: u64,
    /// Bad lines skipped under [`BadRowPolicy::Skip`].
    pub skipped: u64,
    /// The first few skip messages (file:line: field: message).
    pub skip_examples: Vec<String>,
}

/// A streaming reader of one LANL file (`auth.txt`, `flows.txt` or
/// `redteam.txt`; plain or gzip), yielding typed events.
///
/// Use the aliases [`AuthReader`](super::AuthReader),
/// [`FlowReader`](super::FlowReader) and
/// [`RedTeamReader`](super::RedTeamReader).
///
/// The files have no header and no quoting: each line is split at commas
/// into exactly the published number of fields, in the published order.
/// The reader keeps one line buffer and interns users, computers and labels
/// into its [`Names`], so reading allocates only for names it has not seen.
///
/// A line that cannot be read (wrong number of fields, a non-integer time,
/// a negative byte count, ...) is an error naming `file:line` and the field,
/// e.g. ``flows.txt:7: field `byte count`: expected a non-negative integer,
/// found `-5` ``; under [`BadRowPolicy::Skip`] it is skipped and counted
/// instead ([`skip_report`](Self::skip_report)). I/O and decompression
/// errors always stop the reader. After an error the reader is exhausted.
///
/// ```
/// use threatstat_datasets::lanl::AuthReader;
/// let text = "1,C625$@DOM1,U147@DOM1,C625,C625,Negotiate,Batch,LogOn,Success\n\
///             2,U22@DOM1,U22@DOM1,C506,C586,?,?,TGS,Success\n";
/// let mut r = AuthReader::from_reader("auth.txt", std::io::Cursor::new(text));
/// let a = r.next().unwrap().unwrap();
/// assert_eq!(r.names().user(a.src_user.unwrap()), "C625$@DOM1");
/// let b = r.next().unwrap().unwrap();
/// assert_eq!((b.auth_type, b.logon_type), (None, None));
/// assert!(r.next().is_none());
/// ```
pub struct LanlReader<T> {
    path: PathBuf,
    input: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    names: Names,
    policy: BadRowPolicy,
    skips: SkipReport,
    lines: u64,
    events: u64,
    done: bool,
    _record: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for LanlReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanlReader")
            .field("path", &self.path)
            .field("lines", &self.lines)
            .field("events", &self.events)
            .field("skipped", &self.skips.skipped)
            .finish_non_exhaustive()
    }
}

impl<T: LanlRecord> LanlReader<T> {
    /// Opens `path` (gzip is detected from its magic bytes). Stops at the
    /// first bad line until [`bad_rows`](Self::bad_rows) says otherwise.
    ///
    /// ```
    /// use threatstat_datasets::lanl::FlowReader;
    /// let e = FlowReader::open("/nonexistent/flows.txt").unwrap_err();
    /// assert!(e.to_string().starts_with("/nonexistent/flows.txt"));
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref();
        let input = threatstat_core::reader::open(path)?;
        Ok(Self::new(path, input))
    }

    /// Reads from `reader` (not decompressed); `name` is used in messages.
    ///
    /// ```
    /// use threatstat_datasets::lanl::RedTeamReader;
    /// let r = RedTeamReader::from_reader("redteam.txt", std::io::Cursor::new("150885,U620@DOM1,C17693,C1003\n"));
    /// assert_eq!(r.count(), 1);
    /// ```
    pub fn from_reader(name: impl AsRef<Path>, reader: impl BufRead + Send + 'static) -> Self {
        Self::new(name.as_ref(), Box::new(reader))
    }

    fn new(path: &Path, input: Box<dyn BufRead + Send>) -> Self {
        LanlReader {
            path: path.to_path_buf(),
            input,
            buf: Vec::with_capacity(256),
            names: Names::default(),
            policy: BadRowPolicy::Error,
            skips: SkipReport::default(),
            lines: 0,
            events: 0,
            done: false,
            _record: PhantomData,
        }
    }

    /// What to do with bad lines (default [`BadRowPolicy::Error`]).
    ///
    /// ```
    /// use threatstat_core::BadRowPolicy;
    /// use threatstat_datasets::lanl::FlowReader;
    /// let mut r = FlowReader::from_reader("flows.txt", std::io::Cursor::new("1,0,C1,N1,C2,80,6,1,-5\n"))
    ///     .bad_rows(BadRowPolicy::Skip);
    /// assert!(r.next().is_none());
    /// assert_eq!(r.skip_report().skipped, 1);
    /// ```
    pub fn bad_rows(mut self, policy: BadRowPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Interns into `names` instead of a fresh vocabulary, so that ids are
    /// shared with the files read before (take it back with
    /// [`into_names`](Self::into_names)).
    ///
    /// ```
    /// use threatstat_datasets::lanl::{AuthReader, FlowReader};
    /// let mut a = AuthReader::from_reader("auth.txt", std::io::Cursor::new("1,U1@DOM1,U1@DOM1,C7,C7,?,Interactive,LogOn,Success\n"));
    /// let auth = a.next().unwrap().unwrap();
    /// let mut f = FlowReader::from_reader("flows.txt", std::io::Cursor::new("5,0,C7,N3,C9,443,6,3,900\n"))
    ///     .with_names(a.into_names());
    /// let flow = f.next().unwrap().unwrap();
    /// assert_eq!(flow.src_computer, auth.src_computer);
    /// ```
    pub fn with_names(mut self, names: Names) -> Self {
        self.names = names;
        self
    }

    /// The vocabulary of what was read so far.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The vocabulary, giving up the reader.
    pub fn into_names(self) -> Names {
        self.names
    }

    /// The file name used in messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bad lines skipped so far, with the first few messages.
    pub fn skip_report(&self) -> &SkipReport {
        &self.skips
    }

    /// Lines read, events returned and lines skipped so far.
    ///
    /// ```
    /// use threatstat_core::BadRowPolicy;
    /// use threatstat_datasets::lanl::RedTeamReader;
    /// let mut r = RedTeamReader::from_reader("redteam.txt",
    ///     std::io::Cursor::new("1,U1@DOM1,C1,C2\nx,U1@DOM1,C1,C2\n")).bad_rows(BadRowPolicy::Skip);
    /// while let Some(e) = r.next() { e.unwrap(); }
    /// let s = r.summary();
    /// assert_eq!((s.lines, s.events, s.skipped), (2, 1, 1));
    /// assert!(s.skip_examples[0].starts_with("redteam.txt:2: field `time`"), "{}", s.skip_examples[0]);
    /// ```
    pub fn summary(&self) -> ReadSummary {
        ReadSummary {
            lines: self.lines,
            events: self.events,
            skipped: self.skips.skipped,
            skip_examples: self.skips.examples.clone(),
        }
    }

    /// The next event, `Ok(None)` at the end of the input.
    ///
    /// The same as [`Iterator::next`] with the `Option` and `Result`
    /// swapped, which reads better with `?` in a `while let` loop.
    ///
    /// ```
    /// use threatstat_datasets::lanl::RedTeamReader;
    /// let mut r = RedTeamReader::from_reader("redteam.txt", std::io::Cursor::new("1,U1@DOM1,C1\n"));
    /// let e = r.next_event().unwrap_err();
    /// assert_eq!(e.to_string(),
    ///     "redteam.txt:1: field `destination computer`: expected 4 comma-separated fields \
    ///      (time,user@domain,source computer,destination computer), found 3");
    /// assert!(r.next_event().unwrap().is_none());
    /// ```
    pub fn next_event(&mut self) -> Result<Option<T>, DatasetError> {
        loop {
            if self.done {
                return Ok(None);
            }
            self.buf.clear();
            let n = match self.input.read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Err(Error::io(&self.path, e).into());
                }
            };
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            self.lines += 1;
            match parse_line::<T>(&self.buf, &mut self.names) {
                Ok(ev) => {
                    self.events += 1;
                    return Ok(Some(ev));
                }
                Err((field, message)) => {
                    let loc = Location::file(&self.path)
                        .at_line(self.lines)
                        .in_field(T::FIELDS[field]);
                    if let Err(e) = self.skips.handle(self.policy, Error::parse(loc, message)) {
                        self.done = true;
                        return Err(e.into());
                    }
                }
            }
        }
    }

    /// Calls `f` with the vocabulary and each event until the end of the
    /// input, and returns the summary of the whole read.
    ///
    /// ```
    /// use threatstat_datasets::lanl::FlowReader;
    /// let text = "1,0,C1065,389,C3799,N10451,6,10,5323\n2,3,C3799,N10451,C1065,389,6,4,300\n";
    /// let mut bytes = 0;
    /// let s = FlowReader::from_reader("flows.txt", std::io::Cursor::new(text))
    ///     .visit(|_, f| bytes += f.bytes).unwrap();
    /// assert_eq!((bytes, s.events), (5623, 2));
    /// ```
    pub fn visit(&mut self, mut f: impl FnMut(&Names, &T)) -> Result<ReadSummary, DatasetError> {
        while let Some(ev) = self.next_event()? {
            f(&self.names, &ev);
        }
        Ok(self.summary())
    }
}

impl<T: LanlRecord> Iterator for LanlReader<T> {
    type Item = Result<T, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

/// Splits `line` (with or without its `\n` / `\r\n`) into `T::FIELDS.len()`
/// fields and parses them.
#[inline]
pub(super) fn parse_line<T: LanlRecord>(
    line: &[u8],
    names: &mut Names,
) -> Result<T, (usize, String)> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut fields = Fields::default();
    // The commas found by memchr's vectorised search (a byte-at-a-time
    // scan per field was a quarter of the parse).
    let mut start = 0;
    for i in memchr::memchr_iter(b',', line) {
        fields.push(&line[start..i]);
        start = i + 1;
    }
    fields.push(&line[start..]);
    fields.parse(line.is_empty(), names)
}

/// The fields of one line as they are found (the first [`MAX_FIELDS`] kept,
/// all counted).
#[derive(Default)]
pub(super) struct Fields<'a> {
    fields: [&'a [u8]; MAX_FIELDS],
    n: usize,
}

impl<'a> Fields<'a> {
    /// Forgets the fields (for the next line; the slots are overwritten).
    #[inline]
    pub(super) fn clear(&mut self) {
        self.n = 0;
    }

    /// The next field of the line.
    #[inline]
    pub(super) fn push(&mut self, f: &'a [u8]) {
        if self.n < MAX_FIELDS {
            self.fields[self.n] = f;
        }
        self.n += 1;
    }

    /// Checks the number of fields and parses them; `empty` says the line
    /// was empty (for the message).
    #[inline]
    pub(super) fn parse<T: LanlRecord>(
        &self,
        empty: bool,
        names: &mut Names,
    ) -> Result<T, (usize, String)> {
        let (want, n) = (T::FIELDS.len(), self.n);
        if n != want || empty {
            let message = if empty {
                format!(
                    "expected {want} comma-separated fields ({}), found an empty line",
                    T::FIELDS.join(",")
                )
            } else {
                format!(
                    "expected {want} comma-separated fields ({}), found {n}",
                    T::FIELDS.join(",")
                )
            };
            let field = if empty { 0 } else { n.min(want - 1) };
            return Err((field, message));
        }
        T::parse(&self.fields[..want], names)
    }
}

/// The bytes of `x` that are zero, as their high bits (exact: no false
/// positives, unlike the shorter `(x − 0x01…) & !x & 0x80…`).
#[inline(always)]
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !((((x & LOW7).wrapping_add(LOW7)) | x) | LOW7)
}

/// Parses every line of `block` (lines end with `\n`, the last one may
/// not), splitting lines and fields in one pass over the block, and calls
/// `each(line, names, result)` in order until it returns `false`.
///
/// The separators are found 8 bytes at a time (bit masks of the `,` and
/// `\n` bytes of each little-endian word, walked with `trailing_zeros`):
/// LANL lines have a separator every 7 bytes or so, where a vectorised
/// search returning one match per call spends most of its time on call
/// overhead.
#[inline]
pub(super) fn parse_block<'b, T: LanlRecord>(
    block: &'b [u8],
    names: &mut Names,
    mut each: impl FnMut(&[u8], &mut Names, Result<T, (usize, String)>) -> bool,
) {
    let mut fields = Fields::default();
    let mut line_start = 0;
    // The end of a line at `i` (its last field starts at `field_start`);
    // false stops the walk. Commas are handled inline in the loops below:
    // as one call per separator this was a tenth of the scan (a function
    // with a stack frame, called about nine times per line).
    let mut line_end =
        |i: usize, field_start: usize, fields: &mut Fields<'b>, names: &mut Names| {
            let end = if i > field_start && block[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            fields.push(&block[field_start..end]);
            let r = fields.parse(end == line_start, names);
            let go = each(&block[line_start..=i], names, r);
            fields.clear();
            line_start = i + 1;
            go
        };
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const ENDS: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut field_start = 0;
    let words = block.chunks_exact(8);
    let tail_at = block.len() - words.remainder().len();
    for (k, w) in words.enumerate() {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let ends = zero_bytes(w ^ ENDS);
        let mut m = zero_bytes(w ^ COMMAS) | ends;
        while m != 0 {
            let b = m.trailing_zeros();
            m &= m - 1;
            let i = 8 * k + (b / 8) as usize;
            if (ends >> b) & 1 == 0 {
                fields.push(&block[field_start..i]);
            } else if !line_end(i, field_start, &mut fields, names) {
                return;
            }
            field_start = i + 1;
        }
    }
    for (i, &c) in block.iter().enumerate().skip(tail_at) {
        match c {
            b',' => fields.push(&block[field_start..i]),
            b'\n' => {
                if !line_end(i, field_start, &mut fields, names) {
                    return;
                }
            }
            _ => continue,
        }
        field_start = i + 1;
    }
    if line_start < block.len() {
        let line = &block[line_start..];
        let r = parse_line(line, names);
        let _ = each(line, names, r);
    }
}

/// `b` as text for messages (lossy, shortened).
pub(crate) fn shown(b: &[u8]) -> String {
    const MAX: usize = 40;
    let s = String::from_utf8_lossy(b);
    if s.chars().count() > MAX {
        format!("{}...", s.chars().take(MAX).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// A non-negative integer written in ASCII digits.
#[inline]
pub(crate) fn uint(b: &[u8]) -> Result<u64, String> {
    if b.is_empty() || b.len() > 20 {
        return Err(uint_error(b));
    }
    let mut v: u64 = 0;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return Err(uint_error(b));
        }
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or_else(|| uint_error(b))?;
    }
    Ok(v)
}

fn uint_error(b: &[u8]) -> String {
    if b.is_empty() {
        "expected a non-negative integer, found an empty field".to_string()
    } else if b.first() == Some(&b'-') && uint(&b[1..]).is_ok() {
        format!(
            "expected a non-negative integer, found `{}` (negative)",
            shown(b)
        )
    } else if b.iter().all(u8::is_ascii_digit) {
        format!(
            "expected a non-negative integer, found `{}` (too large)",
            shown(b)
        )
    } else {
        format!("expected a non-negative integer, found `{}`", shown(b))
    }
}

/// A name field interned by `intern`: `None` for `?`; an empty field or
/// the error of `intern` (bad UTF-8) is an error of field `field`.
#[inline]
pub(crate) fn opt_name<T>(
    b: &[u8],
    field: usize,
    intern: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<Option<T>, (usize, String)> {
    if b == b"?" {
        return Ok(None);
    }
    if b.is_empty() {
        return Err((
            field,
            "expected a name or `?`, found an empty field".to_string(),
        ));
    }
    intern(b).map(Some).map_err(|m| (field, m))
}

/// A name field that must be present (`?` is an error), interned by `intern`.
#[inline]
pub(crate) fn req_name<T>(
    b: &[u8],
    field: usize,
    intern: impl FnOnce(&[u8]) -> Result<T, String>,
) -> Result<T, (usize, String)> {
    opt_name(b, field, intern)?.ok_or_else(|| (field, "expected a name, found `?`".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_accepts_digits_only() {
        assert_eq!(uint(b"0"), Ok(0));
        assert_eq!(uint(b"18446744073709551615"), Ok(u64::MAX));
        assert!(
            uint(b"18446744073709551616")
                .unwrap_err()
                .contains("too large")
        );
        assert!(uint(b"-5").unwrap_err().contains("negative"));
        assert!(uint(b"1.5").unwrap_err().contains("`1.5`"));
        assert!(uint(b"").unwrap_err().contains("empty"));
        assert!(uint(b"+1").is_err());
        assert!(uint(b" 1").is_err());
    }

    #[test]
    fn names() {
        let mut n = Names::default();
        let mut user = |b: &[u8]| opt_name(b, 1, |b| n.intern_user_bytes(b));
        assert_eq!(user(b"?"), Ok(None));
        assert!(user(b"ANONYMOUS LOGON@C586").unwrap().is_some());
        assert!(user(b"").is_err());
        let e = user(b"\xff").unwrap_err();
        assert!(e.0 == 1 && e.1.contains("UTF-8"), "{e:?}");
        assert!(req_name(b"?", 2, |b| n.intern_computer_bytes(b)).is_err());
        assert_eq!(n.n_users(), 1);
        assert_eq!(shown(&[b'x'; 50]).len(), 43);
    }
}
