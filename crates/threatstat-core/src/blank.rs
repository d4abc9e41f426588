//! Blank lines in files of one record a line (count series, samples).
//!
//! Dropping a blank line inside a series silently shifts every later value
//! (a day, a lag); blank lines at the end of a file are only editors'
//! trailing newlines. [`BlankLines`] tells the two apart.

use crate::{Error, Location, Result};
use std::path::Path;

/// Remembers the first of the blank lines seen since the last value, so a
/// value after them is an error naming that line, and blank lines at the
/// end of the file are fine.
///
/// ```
/// use std::path::Path;
/// use threatstat_core::blank::BlankLines;
/// let mut b = BlankLines::default();
/// let p = Path::new("x.txt");
/// assert_eq!(b.skip(p, 1, "3").unwrap(), false);
/// assert_eq!(b.skip(p, 2, "  ").unwrap(), true);
/// let e = b.skip(p, 3, "4").unwrap_err().to_string();
/// assert!(e.starts_with("x.txt:2: blank line"), "{e}");
/// ```
#[derive(Debug, Default)]
pub struct BlankLines {
    first: Option<u64>,
}

impl BlankLines {
    /// For line `line` with text `text`: `Ok(true)` if it is blank (skip
    /// it), `Ok(false)` if it holds a value, an error if it holds a value
    /// after blank lines.
    pub fn skip(&mut self, path: &Path, line: u64, text: &str) -> Result<bool> {
        if text.trim().is_empty() {
            self.first.get_or_insert(line);
            return Ok(true);
        }
        match self.first {
            Some(at) => Err(Error::parse(
                Location::file(path).at_line(at),
                "blank line inside the data (an empty value is not dropped silently: \
                 write the value, or `nan` where a missing value is allowed)",
            )),
            None => Ok(false),
        }
    }
}
