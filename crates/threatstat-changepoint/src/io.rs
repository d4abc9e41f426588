//! Reading a daily count series from CSV.

use crate::ChangepointError;
use std::path::Path;
use threatstat_core::time::parse_timestamp;
use threatstat_core::{Error, Location};

/// A daily series of counts, optionally with its dates.
#[derive(Debug, Clone, PartialEq)]
pub struct CountSeries {
    /// The counts, one per day.
    pub counts: Vec<u32>,
    /// Day numbers (days since 1970-01-01), consecutive, when the file has a date column.
    pub days: Option<Vec<i64>>,
    /// Name of the counts column (its number, `"1"`, in a headerless file).
    pub column: String,
    /// Whether the file has a header row, i.e. `column` is a name rather
    /// than a number: an axis says "count" for a headerless file.
    pub header: bool,
}

/// Whether a column named `h` is the date column of a count series
/// (`date`, `day`, `ds`, `time` or `timestamp`, any case): the one rule
/// for CSV and columnar count files.
///
/// ```
/// use threatstat_changepoint::io::is_date_header;
/// assert!(is_date_header("Date") && !is_date_header("logons"));
/// ```
pub fn is_date_header(h: &str) -> bool {
    matches!(
        h.trim().to_ascii_lowercase().as_str(),
        "date" | "day" | "ds" | "time" | "timestamp"
    )
}

fn parse_count(s: &str, loc: impl Fn() -> Location) -> Result<u32, Error> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::parse(loc(), "missing count (empty cell)"));
    }
    if let Ok(v) = t.parse::<u32>() {
        return Ok(v);
    }
    // Whole numbers written as floats (NumPy's savetxt writes 1.3e+01) are fine.
    let why = match t.parse::<f64>() {
        Ok(x) if x.is_nan() => "not a number",
        Ok(x) if x < 0.0 => "counts must be non-negative",
        Ok(x) if x.fract() != 0.0 => "counts must be whole numbers",
        Ok(x) if x <= f64::from(u32::MAX) => return Ok(x as u32),
        Ok(_) => "count out of range",
        Err(_) => "not a number",
    };
    Err(Error::parse(loc(), format!("{why}: found `{t}`")))
}

fn parse_day(s: &str, loc: impl Fn() -> Location) -> Result<i64, Error> {
    parse_timestamp(s)
        .map(threatstat_core::time::day_of)
        .map_err(|m| Error::parse(loc(), m))
}

/// Reads a series: one row per day, a column of non-negative integer counts
/// (a Parquet or Arrow IPC file by its extension with the `columnar`
/// feature, see the `columnar` module; otherwise CSV).
///
/// * A header is optional: the first row is a header unless every cell of
///   it is a number. Without a header and with one column, that column is
///   the counts; with two columns, a date and a count.
/// * `column` names the counts column; without it the file must have one
///   column besides an optional date column (`date`, `day`, `ds`, `time`).
/// * Dates must be consecutive days in calendar order (a missing day is an
///   error, not silently a zero).
///
/// The file is read once into memory (gzip decompressed) and parsed by
/// [`parse_count_series`].
///
/// ```
/// use threatstat_changepoint::io::read_count_series;
/// let p = std::env::temp_dir().join("threatstat-cp-doc.csv");
/// std::fs::write(&p, "date,logons\n2020-01-01,3\n2020-01-02,0\n2020-01-03,5\n").unwrap();
/// let s = read_count_series(&p, None).unwrap();
/// assert_eq!(s.counts, vec![3, 0, 5]);
/// assert_eq!(s.column, "logons");
/// std::fs::write(&p, "3\n-1\n").unwrap();
/// let e = read_count_series(&p, None).unwrap_err().to_string();
/// assert!(e.contains(":2:") && e.contains("non-negative"), "{e}");
/// ```
pub fn read_count_series(
    path: &Path,
    column: Option<&str>,
) -> Result<CountSeries, ChangepointError> {
    #[cfg(feature = "columnar")]
    if threatstat_table::Format::of(path).is_columnar() {
        return crate::columnar::read(path, column);
    }
    let mut r = threatstat_core::reader::open(path)?;
    let size = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size + 1);
    std::io::Read::read_to_end(&mut r, &mut bytes).map_err(|e| Error::io(path, e))?;
    parse_count_series(&bytes, path, column)
}

/// [`read_count_series`] of a CSV text already in memory (`path` names it
/// in errors; a leading byte-order mark must have been removed, as
/// [`threatstat_core::reader::open`] does). The common files (one count per
/// line, or `date,count`, unquoted) are parsed in one pass over the bytes
/// without per-row records; anything else (quotes, spaces, floats, bad
/// rows) goes to [`parse_count_series_general`], which gives the same
/// series, or the error naming file, line and field.
///
/// ```
/// use std::path::Path;
/// use threatstat_changepoint::io::parse_count_series;
/// let s = parse_count_series(b"n\n3\n0\n5\n", Path::new("mem.csv"), None).unwrap();
/// assert_eq!((s.counts, s.column.as_str(), s.header), (vec![3, 0, 5], "n", true));
/// let e = parse_count_series(b"3\n1.5\n", Path::new("mem.csv"), None).unwrap_err();
/// assert!(e.to_string().contains("mem.csv:2:"), "{e}");
/// ```
pub fn parse_count_series(
    bytes: &[u8],
    path: &Path,
    column: Option<&str>,
) -> Result<CountSeries, ChangepointError> {
    match crate::io_fast::parse(bytes, column) {
        Some(s) => Ok(s),
        None => parse_count_series_general(bytes, path, column),
    }
}

/// The layout of a count file, from its first row.
pub(crate) struct Layout {
    /// Whether the first row is a header.
    pub header: bool,
    /// Column names (numbers `1..` without a header).
    pub names: Vec<String>,
    /// The date column.
    pub date: Option<usize>,
    /// The counts column.
    pub count: usize,
}

impl Layout {
    /// The layout of a file whose first row has these cells: a header
    /// names every column; a row with an empty cell is data (and an
    /// error), not a header to drop.
    pub(crate) fn of(
        first: &[&str],
        column: Option<&str>,
        path: &Path,
    ) -> Result<Layout, ChangepointError> {
        let width = first.len();
        let header = !first.iter().all(|f| f.trim().parse::<f64>().is_ok())
            && first.iter().all(|f| !f.trim().is_empty());
        let names: Vec<String> = if header {
            first.iter().map(|s| s.trim().to_string()).collect()
        } else {
            (1..=width).map(|i| i.to_string()).collect()
        };
        let loc_header = || Location::file(path).at_line(1);
        let date = if header {
            names.iter().position(|h| is_date_header(h))
        } else if width == 2 {
            Some(0)
        } else {
            None
        };
        let count = match column {
            Some(c) => names
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| Error::MissingColumn {
                    location: loc_header(),
                    column: c.to_string(),
                    available: names.join(", "),
                })?,
            None => {
                let candidates: Vec<usize> = (0..width).filter(|&i| Some(i) != date).collect();
                match candidates.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(Error::parse(
                            loc_header(),
                            format!(
                                "{} columns ({}); name the counts column with --column",
                                width,
                                names.join(", ")
                            ),
                        )
                        .into());
                    }
                }
            }
        };
        Ok(Layout {
            header,
            names,
            date,
            count,
        })
    }
}

/// The one rule for the dates of every count file (CSV or columnar): the
/// message when `day` (written `shown`) does not follow the previous day
/// `prev`, `None` when it does (or is the first).
///
/// ```
/// use threatstat_changepoint::io::not_the_next_day;
/// assert_eq!(not_the_next_day(Some(10), 11, "1970-01-12"), None);
/// let m = not_the_next_day(Some(10), 12, "1970-01-13").unwrap();
/// assert!(m.contains("1970-01-13 follows 1970-01-11"), "{m}");
/// ```
pub fn not_the_next_day(prev: Option<i64>, day: i64, shown: &str) -> Option<String> {
    match prev {
        Some(p) if day != p + 1 => Some(format!(
            "dates must be consecutive days in calendar order: {shown} follows {}",
            format_day(p)
        )),
        _ => None,
    }
}

/// The CSV reader for any count file (quoted fields, cells with spaces,
/// counts written as floats such as `1.3e+01`), record by record; every
/// error names the file, the line and the field. [`parse_count_series`]
/// uses it for what its fast path does not take; the result is the same.
///
/// ```
/// use std::path::Path;
/// use threatstat_changepoint::io::parse_count_series_general;
/// let s = parse_count_series_general(b"\"n\"\n 3\n1e1\n", Path::new("q.csv"), None).unwrap();
/// assert_eq!(s.counts, vec![3, 10]);
/// ```
pub fn parse_count_series_general(
    bytes: &[u8],
    path: &Path,
    column: Option<&str>,
) -> Result<CountSeries, ChangepointError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(threatstat_core::reader::LineTracker::new(bytes));
    let mut rows: Vec<(u64, csv::StringRecord)> = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = rdr.read_record(&mut rec).map_err(|e| {
            let mut loc = Location::file(path);
            loc.line = e.position().map(|p| rdr.get_mut().place(p).0);
            Error::parse(loc, format!("malformed CSV row: {e}"))
        })?;
        if !more {
            break;
        }
        let (line, blank) = rec.position().map_or((0, 0), |p| rdr.get_mut().place(p));
        // A blank line or an empty cell dropped would shift every later
        // day by one; only blank lines at the end of the file are fine.
        if blank > 0 {
            return Err(Error::parse(
                Location::file(path).at_line(line - blank),
                "blank line inside the series (write 0 for a day without events)",
            )
            .into());
        }
        rows.push((line, rec.clone()));
    }
    if rows.is_empty() {
        return Err(Error::data(path.display().to_string(), "the series is empty").into());
    }
    let first: Vec<&str> = rows[0].1.iter().collect();
    let Layout {
        header,
        names,
        date: date_idx,
        count: count_idx,
    } = Layout::of(&first, column, path)?;
    let data = if header { &rows[1..] } else { &rows[..] };
    let field = |i: usize| names[i].clone();
    let mut counts = Vec::with_capacity(data.len());
    let mut days = date_idx.map(|_| Vec::with_capacity(data.len()));
    for (line, rec) in data {
        let loc = |i: usize| Location::file(path).at_line(*line).in_field(field(i));
        counts.push(parse_count(&rec[count_idx], || loc(count_idx))?);
        if let (Some(di), Some(days)) = (date_idx, days.as_mut()) {
            let d = parse_day(&rec[di], || loc(di))?;
            if let Some(m) = not_the_next_day(days.last().copied(), d, rec[di].trim()) {
                return Err(Error::parse(loc(di), m).into());
            }
            days.push(d);
        }
    }
    if counts.is_empty() {
        return Err(Error::data(
            path.display().to_string(),
            "the series is empty (header only)",
        )
        .into());
    }
    Ok(CountSeries {
        counts,
        days,
        column: names[count_idx].clone(),
        header,
    })
}

/// `YYYY-MM-DD` of a day number (the toolkit's one day unit, from core).
pub use threatstat_core::time::format_day;

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str) -> Result<CountSeries, ChangepointError> {
        let dir = std::env::temp_dir().join(format!("threatstat-cp-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        read_count_series(&p, None)
    }

    #[test]
    fn an_empty_cell_or_blank_line_is_an_error_not_a_dropped_day() {
        for (name, text, at) in [
            ("cell.txt", "3\n1\n\"\"\n5\n", "cell.txt:3:"),
            ("first.txt", "\"\"\n1\n", "first.txt:1:"),
            ("blank.txt", "3\n1\n\n5\n", "blank.txt:3:"),
            ("blank2.txt", "3\r\n1\r\n\r\n\r\n5\r\n", "blank2.txt:3:"),
            (
                "dated.csv",
                "date,n\n2020-01-01,3\n\n2020-01-02,4\n",
                "dated.csv:3:",
            ),
            ("header.csv", "n\n\n3\n", "header.csv:2:"),
        ] {
            let e = read(name, text).unwrap_err().to_string();
            assert!(e.contains(at), "{name}: {e}");
        }
        // Blank lines at the end are fine.
        assert_eq!(read("end.txt", "3\n1\n\n\n").unwrap().counts, [3, 1]);
        assert_eq!(read("endcr.txt", "3\r\n1\r\n\r\n").unwrap().counts, [3, 1]);
    }

    #[test]
    fn lines_are_exact_after_crlf() {
        let e = read("crlf.csv", "date,n\r\n2020-01-01,3\r\n2020-01-02,x\r\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("crlf.csv:3:"), "{e}");
    }
}
