//! The fast path of [`crate::numbers`]: files whose data lines are plain
//! decimal numbers (the output of NumPy's `savetxt`, pandas' `to_csv`, most
//! logs) are read in blocks and parsed in parallel over newline-aligned
//! chunks, without a `String` or a field vector per line.
//!
//! A line is *plain* when each field it needs is non-empty, made only of
//! `0-9 . e E + -`, parses as a finite `f64` (Rust's correctly rounded
//! parser, the one the general reader uses) and the line has the field
//! count the general reader requires. For such lines the general reader
//! would trim nothing, strip no quotes and give the same value, so the
//! result is the same bit for bit. Anything else (a blank line, spaces,
//! quotes, `nan`, an infinity, a bad field, invalid UTF-8, a read error)
//! makes the fast path give up (`None`); the caller then reads the file
//! again with the general reader, which gives the values or the error
//! naming file, line and field exactly as before.

use super::{Column, Header, NumberOptions, fields, looks_like_header};
use rayon::prelude::*;
use std::io::{BufRead, Read};
use std::path::Path;

/// Bytes read per block (the memory held besides the values).
const BLOCK: usize = 8 << 20;
/// Bytes per parallel task within a block.
const TASK: usize = 256 << 10;

/// Which fields of a data line hold values.
#[derive(Clone, Copy)]
enum Spec {
    /// Exactly one field (no comma).
    One,
    /// Field `i` (0-based) of at least `i + 1`.
    Nth(usize),
    /// Exactly `d` fields, all values.
    All(usize),
}

/// [`super::read_numbers`] for plain files; `None`: use the general reader.
pub(super) fn numbers(path: &Path, opts: &NumberOptions) -> Option<Vec<f64>> {
    let mut r = crate::reader::open(path).ok()?;
    let first = first_line(&mut r)?;
    let fs = fields(&first);
    let header = match opts.header {
        Header::Yes => true,
        Header::No => false,
        Header::Auto => looks_like_header(&fs),
    };
    let spec = match &opts.column {
        None => Spec::One,
        Some(Column::Index(0)) => return None,
        Some(Column::Index(i)) => Spec::Nth(i - 1),
        Some(Column::Name(name)) => {
            Spec::Nth(fs.iter().position(|f| f == name).filter(|_| header)?)
        }
    };
    let mut out = Vec::with_capacity(capacity(path, first.len(), 1));
    if !header && !parse_lines(first.as_bytes(), spec, &mut out) {
        return None;
    }
    read_blocks(r, spec, &mut out)?;
    (!out.is_empty()).then_some(out)
}

/// [`super::read_points`] for plain files: the values row by row and the
/// width; `None`: use the general reader.
pub(super) fn points(path: &Path, header: Header) -> Option<(Vec<f64>, usize)> {
    let mut r = crate::reader::open(path).ok()?;
    let mut line = first_line(&mut r)?;
    let is_header = match header {
        Header::Yes => true,
        Header::No => false,
        Header::Auto => looks_like_header(&fields(&line)),
    };
    if is_header {
        line = next_line(&mut r)?;
    }
    let spec = Spec::All(line.split(',').count());
    let Spec::All(d) = spec else { unreachable!() };
    let mut out = Vec::with_capacity(capacity(path, line.len(), d));
    if !parse_lines(line.as_bytes(), spec, &mut out) {
        return None;
    }
    read_blocks(r, spec, &mut out)?;
    Some((out, d))
}

/// The number of values to allocate for at once: the file's size over the
/// first data line's (`line_len` bytes, `per_line` values), plus 1/8 (a
/// compressed file's values outgrow it and the vector grows as usual).
fn capacity(path: &Path, line_len: usize, per_line: usize) -> usize {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let lines = usize::try_from(size / (line_len as u64 + 1)).unwrap_or(0);
    let values = lines.saturating_mul(per_line);
    values.saturating_add(values / 8).min(1 << 28)
}

/// The first line as the general reader sees it (byte-order mark and line
/// end removed); `None` when it is blank or unreadable.
fn first_line(r: &mut impl BufRead) -> Option<String> {
    let line = next_line(r)?;
    let line = line.trim_start_matches('\u{feff}').to_string();
    (!line.trim().is_empty()).then_some(line)
}

/// The next line without its line end; `None` at the end, on a blank or
/// non-UTF-8 line or a read error.
fn next_line(r: &mut impl BufRead) -> Option<String> {
    let mut buf = Vec::new();
    if r.read_until(b'\n', &mut buf).ok()? == 0 {
        return None;
    }
    let text = String::from_utf8(buf).ok()?;
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    (!text.trim().is_empty()).then_some(text)
}

/// The rest of `r`, in blocks, each parsed in parallel tasks.
fn read_blocks(mut r: impl Read, spec: Spec, out: &mut Vec<f64>) -> Option<()> {
    // Room for a block and the partial line carried over: never regrown
    // (unless a line is longer than a block).
    let mut buf: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    loop {
        let before = buf.len();
        (&mut r).take(BLOCK as u64).read_to_end(&mut buf).ok()?;
        let eof = buf.len() == before;
        let end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => continue, // a line longer than a block: read on
            }
        };
        parse_block(&buf[..end], spec, out)?;
        buf.drain(..end);
        if eof {
            return Some(());
        }
    }
}

/// Lines of `block` (ending at a line end or at the end of the file).
fn parse_block(block: &[u8], spec: Spec, out: &mut Vec<f64>) -> Option<()> {
    if block.is_empty() {
        return Some(());
    }
    if block.len() <= TASK {
        return parse_lines(block, spec, out).then_some(());
    }
    let mut cuts = vec![0];
    while let Some(&start) = cuts.last() {
        let at = start + TASK;
        if at >= block.len() {
            break;
        }
        match memchr::memchr(b'\n', &block[at..]) {
            Some(i) if at + i + 1 < block.len() => cuts.push(at + i + 1),
            _ => break,
        }
    }
    cuts.push(block.len());
    let parts: Vec<Vec<f64>> = cuts
        .par_windows(2)
        .map(|w| {
            let chunk = &block[w[0]..w[1]];
            let mut v = Vec::with_capacity(chunk.len() / 8);
            parse_lines(chunk, spec, &mut v).then_some(v)
        })
        .collect::<Option<_>>()?;
    out.reserve(parts.iter().map(Vec::len).sum());
    for p in parts {
        out.extend_from_slice(&p);
    }
    Some(())
}

/// Parses every line of `chunk` (lines end with `\n`; the last may not),
/// pushing the values; false at the first line that is not plain. The
/// chunk's UTF-8 is checked once, not per field.
fn parse_lines(chunk: &[u8], spec: Spec, out: &mut Vec<f64>) -> bool {
    let Ok(chunk) = std::str::from_utf8(chunk) else {
        return false;
    };
    let chunk = chunk.strip_suffix('\n').unwrap_or(chunk);
    for line in chunk.split('\n') {
        let line = line.trim_end_matches('\r');
        let ok = match spec {
            Spec::One => plain(line).map(|v| out.push(v)).is_some(),
            Spec::Nth(i) => line
                .split(',')
                .nth(i)
                .and_then(plain)
                .map(|v| out.push(v))
                .is_some(),
            Spec::All(d) => {
                let mut k = 0;
                for f in line.split(',') {
                    match plain(f) {
                        Some(v) if k < d => out.push(v),
                        _ => return false,
                    }
                    k += 1;
                }
                k == d
            }
        };
        if !ok {
            return false;
        }
    }
    true
}

/// A plain field's finite value (see the [module docs](self)).
fn plain(f: &str) -> Option<f64> {
    if f.is_empty()
        || !f
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = f.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields_only() {
        assert_eq!(plain("1.5e-3"), Some(1.5e-3));
        assert_eq!(plain("-0"), Some(-0.0));
        for f in [
            "", " 1", "1 ", "\"1\"", "nan", "inf", "1e400", "1.2.3", "--1",
        ] {
            assert_eq!(plain(f), None, "{f:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_not_plain() {
        let mut v = vec![];
        assert!(!parse_lines(b"1\n2\xff\n3\n", Spec::One, &mut v));
        assert!(parse_lines(b"1\r\n2\n", Spec::One, &mut v));
        assert_eq!(v[v.len() - 2..], [1.0, 2.0]);
    }

    #[test]
    fn lines_need_the_field_count() {
        let mut v = vec![];
        assert!(parse_lines(b"1\n2\r\n3", Spec::One, &mut v));
        assert_eq!(v, [1.0, 2.0, 3.0]);
        assert!(!parse_lines(b"1\n\n3\n", Spec::One, &mut v));
        assert!(!parse_lines(b"1,2\n", Spec::One, &mut v));
        let mut v = vec![];
        assert!(parse_lines(b"a b,2,x\n\"q\",4\n", Spec::Nth(1), &mut v));
        assert_eq!(v, [2.0, 4.0]);
        assert!(!parse_lines(b"1\n", Spec::Nth(1), &mut v));
        let mut v = vec![];
        assert!(parse_lines(b"1,2\n3,4\n", Spec::All(2), &mut v));
        assert_eq!(v, [1.0, 2.0, 3.0, 4.0]);
        assert!(!parse_lines(b"1,2,3\n", Spec::All(2), &mut v));
        assert!(!parse_lines(b"1\n", Spec::All(2), &mut v));
    }

    #[test]
    fn blocks_split_at_line_ends_keep_the_order() {
        let text: String = (0..200_000)
            .map(|i| format!("{}\n", i as f64 * 0.25 - 7.0))
            .collect();
        assert!(text.len() > 2 * TASK);
        let mut v = vec![];
        parse_block(text.as_bytes(), Spec::One, &mut v).unwrap();
        assert_eq!(v.len(), 200_000);
        assert!(
            v.iter()
                .enumerate()
                .all(|(i, x)| *x == i as f64 * 0.25 - 7.0)
        );
        let mut v = vec![];
        read_blocks(text.as_bytes(), Spec::One, &mut v).unwrap();
        assert_eq!(v.len(), 200_000);
    }
}
