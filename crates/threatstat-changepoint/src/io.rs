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

/// Reads a series: one row per day, a column of non-negative integer counts.
///
/// * A header is optional: the first row is a header unless every cell of
///   it is a number. Without a header and with one column, that column is
///   the counts; with two columns, a date and a count.
/// * `column` names the counts column; without it the file must have one
///   column besides an optional date column (`date`, `day`, `ds`, `time`).
/// * Dates must be consecutive days in calendar order (a missing day is an
///   error, not silently a zero).
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
    let reader = threatstat_core::reader::open(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(threatstat_core::reader::LineTracker::new(reader));
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
    let width = rows[0].1.len();
    // A header names every column; a row with an empty cell is data (and
    // an error), not a header to drop.
    let header_row = !rows[0].1.iter().all(|f| f.trim().parse::<f64>().is_ok())
        && rows[0].1.iter().all(|f| !f.trim().is_empty());
    let (names, data): (Vec<String>, &[(u64, csv::StringRecord)]) = if header_row {
        (
            rows[0].1.iter().map(|s| s.trim().to_string()).collect(),
            &rows[1..],
        )
    } else {
        ((1..=width).map(|i| i.to_string()).collect(), &rows[..])
    };
    let loc_header = || Location::file(path).at_line(1);
    let date_idx = if header_row {
        names.iter().position(|h| is_date_header(h))
    } else if width == 2 {
        Some(0)
    } else {
        None
    };
    let count_idx = match column {
        Some(c) => names
            .iter()
            .position(|h| h == c)
            .ok_or_else(|| Error::MissingColumn {
                location: loc_header(),
                column: c.to_string(),
                available: names.join(", "),
            })?,
        None => {
            let candidates: Vec<usize> = (0..width).filter(|&i| Some(i) != date_idx).collect();
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
    let field = |i: usize| names[i].clone();
    let mut counts = Vec::with_capacity(data.len());
    let mut days = date_idx.map(|_| Vec::with_capacity(data.len()));
    for (line, rec) in data {
        let loc = |i: usize| Location::file(path).at_line(*line).in_field(field(i));
        counts.push(parse_count(&rec[count_idx], || loc(count_idx))?);
        if let (Some(di), Some(days)) = (date_idx, days.as_mut()) {
            let d = parse_day(&rec[di], || loc(di))?;
            if let Some(&prev) = days.last()
                && d != prev + 1
            {
                return Err(Error::parse(
                    loc(di),
                    format!(
                        "dates must be consecutive days in calendar order: {} follows {}",
                        rec[di].trim(),
                        format_day(prev)
                    ),
                )
                .into());
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
        header: header_row,
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
