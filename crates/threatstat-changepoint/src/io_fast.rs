//! The fast path of [`crate::io::parse_count_series`]: a count file of
//! plain lines (one count, or `date,count`, or any unquoted columns) parsed
//! in one pass over its bytes, without a CSV record per row.
//!
//! It takes only files whose every cell it can read exactly as the general
//! reader ([`crate::io::parse_count_series_general`]) would: ASCII, no
//! quote, `\n` or `\r\n` line ends, counts written as plain digits, dates
//! that parse and follow each other. Anything else, including every
//! error, gives `None`, and the general reader reads the file (and names
//! the line and field of the error). One core parses 10⁵ lines in well
//! under a millisecond, so there is no parallel split.

use crate::io::{CountSeries, Layout};
use std::path::Path;
use threatstat_core::time::{day_of, parse_timestamp};

/// The series in `bytes`, or `None` when the general reader must decide.
pub(crate) fn parse(bytes: &[u8], column: Option<&str>) -> Option<CountSeries> {
    if !bytes.is_ascii() || memchr::memchr(b'"', bytes).is_some() {
        return None;
    }
    let mut lines = Lines { rest: bytes };
    let first = lines.next()??;
    if first.is_empty() {
        return None;
    }
    let cells: Vec<&str> = std::str::from_utf8(first).ok()?.split(',').collect();
    // The path only names the file in errors, which the general reader
    // reports.
    let layout = Layout::of(&cells, column, Path::new("")).ok()?;
    let width = cells.len();
    let guess = bytes.len() / (first.len() + 1).max(2) + 1;
    let mut counts: Vec<u32> = Vec::with_capacity(guess);
    let mut days: Option<Vec<i64>> = layout.date.map(|_| Vec::with_capacity(guess));
    if width == 1 && layout.date.is_none() {
        let body = if layout.header {
            &bytes[first.len()..]
        } else {
            bytes
        };
        one_column(body, layout.header, &mut counts)?;
        return (!counts.is_empty()).then(|| CountSeries {
            counts,
            days: None,
            column: layout.names[layout.count].clone(),
            header: layout.header,
        });
    }
    let mut blank = false;
    let mut row = |line: &[u8]| -> Option<()> {
        if line.is_empty() {
            blank = true;
            return Some(());
        }
        // A blank line before data: the general reader's error.
        if blank {
            return None;
        }
        if width == 1 && layout.date.is_none() {
            counts.push(digits(line)?);
            return Some(());
        }
        let (mut count, mut date, mut n) = (None, None, 0);
        for (i, cell) in line.split(|&b| b == b',').enumerate() {
            // (The counts column may be the date column: an error.)
            if i == layout.count {
                count = Some(cell);
            }
            if Some(i) == layout.date {
                date = Some(cell);
            }
            n += 1;
        }
        if n != width {
            return None;
        }
        counts.push(digits(count?)?);
        if let (Some(cell), Some(days)) = (date, days.as_mut()) {
            let d = day_of(parse_timestamp(std::str::from_utf8(cell).ok()?).ok()?);
            if days.last().is_some_and(|&p| d != p + 1) {
                return None;
            }
            days.push(d);
        }
        Some(())
    };
    if !layout.header {
        row(first)?;
    }
    for line in lines {
        row(line?)?;
    }
    if counts.is_empty() {
        return None;
    }
    Some(CountSeries {
        counts,
        days,
        column: layout.names[layout.count].clone(),
        header: layout.header,
    })
}

/// The counts of a one-column file from `body` (after the header line's
/// text, if any): one byte loop, no line splitting. `None` for anything
/// but digits, line ends (`\n`, `\r\n`) and blank lines at the end.
fn one_column(body: &[u8], header: bool, counts: &mut Vec<u32>) -> Option<()> {
    // The value so far and its number of digits (0: an empty line).
    let (mut v, mut digits) = (0u64, 0u32);
    // A blank line was seen: only more blank lines may follow.
    let mut blank = false;
    // The line's text ended at a `\r`: a `\n` must follow.
    let mut cr = false;
    // The line is the header's (its text already read): not blank.
    let mut header_line = header;
    for &b in body {
        let d = b.wrapping_sub(b'0');
        if d <= 9 && !cr {
            if blank || digits == 10 {
                return None;
            }
            v = v * 10 + u64::from(d);
            digits += 1;
        } else if b == b'\r' && !cr {
            cr = true;
        } else if b == b'\n' {
            cr = false;
            if digits > 0 {
                counts.push(u32::try_from(v).ok()?);
            } else if !header_line {
                blank = true;
            }
            (v, digits, header_line) = (0, 0, false);
        } else {
            return None;
        }
    }
    if digits > 0 {
        counts.push(u32::try_from(v).ok()?);
    }
    Some(())
}

/// A count of plain digits that fits a `u32` (no sign, space or exponent).
fn digits(cell: &[u8]) -> Option<u32> {
    if cell.is_empty() || cell.len() > 10 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in cell {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    u32::try_from(v).ok()
}

/// The lines of the text without their `\n` or `\r\n`; `Some(None)` for a
/// line with a `\r` elsewhere (a line end the csv crate also accepts:
/// left to the general reader).
struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = Option<&'a [u8]>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some((memchr::memchr(b'\r', line).is_none()).then_some(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::parse_count_series_general;

    /// Whatever the fast path accepts, the general reader reads the same.
    fn same(text: &str) -> bool {
        let fast = parse(text.as_bytes(), None);
        if let Some(f) = &fast {
            let g = parse_count_series_general(text.as_bytes(), Path::new("t.csv"), None);
            assert_eq!(Some(f), g.as_ref().ok(), "{text:?}");
        }
        fast.is_some()
    }

    #[test]
    fn takes_plain_files_and_leaves_the_rest() {
        for t in [
            "3\n0\n5\n",
            "3\r\n0\r\n5",
            "n\n3\n0\n\n\n",
            "date,n\n2020-01-01,3\n2020-01-02,0\n",
            "n,date\n1,2020-02-28\n3,2020-02-29\n",
            "4294967295\n",
            "n\r\n3\r\n\r\n",
            "3\r",
            "0000000003\n",
        ] {
            assert!(same(t), "{t:?}");
        }
        for t in [
            "",
            "\n3\n",
            "3\n\n5\n",
            "3\n-1\n",
            " 3\n",
            "1.3e+01\n",
            "\"3\"\n",
            "3\r5\n",
            "4294967296\n",
            "n\r\n\r\n3\n",
            "3\r\r\n4\n",
            "00000000003\n",
            "n\n",
            "date,n\n2020-01-01,3\n2020-01-03,0\n",
            "date,n\n2020-01-01,3\n2020-01-02\n",
            "a,b\n1,2\n",
            // A date in the first row makes it a header (of two columns).
            "2020-01-01,3\n2020-01-02,0\n",
            "é\n3\n",
        ] {
            assert!(!same(t), "{t:?}");
        }
    }

    #[test]
    fn a_counts_column_that_is_the_date_column_is_left_to_the_general_reader() {
        // Found by the fuzz test: the date column asked for as the counts.
        for (t, c) in [("3,3\n", "1"), ("date\n0\n", "date")] {
            assert_eq!(parse(t.as_bytes(), Some(c)), None, "{t:?}");
            assert!(parse_count_series_general(t.as_bytes(), Path::new("t"), Some(c)).is_err());
        }
    }
}
