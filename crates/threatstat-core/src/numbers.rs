//! Reading numbers from a text file: one column of a series or sample, or
//! rows of points.
//!
//! Four commands used to read "numbers from a file" four ways: one allowed
//! a header, another refused it; one skipped blank lines, another called
//! them errors; `nan` was a missing value in one and a parse error in the
//! others. These are the one reader, with the differences as options:
//!
//! * [`Header`]: `Auto` (the default) treats the first non-blank line as a
//!   header when every field is a non-empty name and some field is not a
//!   number; `Yes` always skips it; `No` never does.
//! * [`Column`]: which comma-separated field holds the values, by 1-based
//!   position or by header name; without one, every line must hold exactly
//!   one value.
//! * [`Missing`]: whether `nan` (any case) is a missing value kept as NaN
//!   (series, where dropping a value would shift every lag) or an error
//!   (samples and points, where NaN has no meaning). Infinities are always
//!   errors.
//!
//! Blank lines are allowed only at the end of the file (a blank line in the
//! middle is an error naming it: silently dropping it would shift a series).
//! Files may be gzip-compressed (detected from the content). Every error
//! names the file, the line and, for multi-column input, the column.
//!
//! Files of plain decimal numbers (no spaces, quotes or `nan`) take a fast
//! path: read in blocks and parsed in parallel, with the same values; any
//! other file, and every error, goes through the general line-by-line
//! reader (`numbers/fast.rs`).
//!
//! ```
//! use threatstat_core::numbers::{read_numbers, read_points, Column, Missing, NumberOptions};
//! let dir = std::env::temp_dir();
//! let p = dir.join("threatstat-core-numbers-doc.csv");
//! std::fs::write(&p, "day,count\n1,4\n2,nan\n3,7\n").unwrap();
//! let opts = NumberOptions::default().column(Column::Name("count".into())).missing(Missing::Nan);
//! let v = read_numbers(&p, &opts).unwrap();
//! assert_eq!(v.len(), 3);
//! assert!(v[1].is_nan());
//! let e = read_numbers(&p, &NumberOptions::default().column(Column::Name("count".into())))
//!     .unwrap_err().to_string();
//! assert!(e.contains(":3: field `count`"), "{e}");
//! let pts = read_points(&p.with_extension("pts"), Default::default());
//! assert!(pts.is_err()); // no such file: the error names it
//! std::fs::write(&p, "x,y\n0.5,1\n2,3\n").unwrap();
//! let pts = read_points(&p, Default::default()).unwrap();
//! assert_eq!(pts.shape(), &[2, 2]);
//! assert_eq!(pts[[1, 0]], 2.0);
//! ```

use crate::{Error, Location, Result};
use ndarray::Array2;

mod f64le;
mod fast;
pub use f64le::read_f64le;
use std::io::BufRead;
use std::path::Path;

/// Whether the first non-blank line is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// A header when every field is a non-empty name and some field is not
    /// a number (a line with an empty cell is data, and then an error).
    #[default]
    Auto,
    /// The first line is a header.
    Yes,
    /// There is no header.
    No,
}

/// Which field of a comma-separated line holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// The 1-based position.
    Index(usize),
    /// The header name (needs a header).
    Name(String),
}

/// What `nan` in the input means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// An error: every value must be a finite number.
    #[default]
    Reject,
    /// A missing value, kept as NaN.
    Nan,
}

/// How [`read_numbers`] reads a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberOptions {
    /// Header handling (default [`Header::Auto`]).
    pub header: Header,
    /// The column; `None` means one value a line.
    pub column: Option<Column>,
    /// `nan` handling (default [`Missing::Reject`]).
    pub missing: Missing,
}

impl NumberOptions {
    /// With header handling `h`.
    pub fn header(mut self, h: Header) -> Self {
        self.header = h;
        self
    }
    /// Reading column `c`.
    pub fn column(mut self, c: Column) -> Self {
        self.column = Some(c);
        self
    }
    /// With `nan` handling `m`.
    pub fn missing(mut self, m: Missing) -> Self {
        self.missing = m;
        self
    }
}

/// The fields of a comma-separated line, trimmed, one level of quotes removed.
fn fields(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"')
                .and_then(|g| g.strip_suffix('"'))
                .map_or(f, str::trim)
        })
        .collect()
}

/// Whether `fs` reads as a header under [`Header::Auto`].
fn looks_like_header(fs: &[&str]) -> bool {
    fs.iter().all(|f| !f.is_empty()) && fs.iter().any(|f| f.parse::<f64>().is_err())
}

/// One parsed value.
fn value(f: &str, missing: Missing, loc: impl Fn() -> Location) -> Result<f64> {
    let shown = || {
        if f.chars().count() > 40 {
            format!("{}…", f.chars().take(40).collect::<String>())
        } else {
            f.to_string()
        }
    };
    match f.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) if v.is_nan() && missing == Missing::Nan => Ok(f64::NAN),
        Ok(_) => Err(Error::parse(
            loc(),
            match missing {
                Missing::Nan => format!("expected a finite number or `nan`, found `{f}`"),
                Missing::Reject => format!(
                    "expected a finite number, found `{f}` (NaN and infinities are not allowed)"
                ),
            },
        )),
        Err(_) => Err(Error::parse(
            loc(),
            match missing {
                Missing::Nan => format!("expected a number or `nan`, found `{}`", shown()),
                Missing::Reject => format!("expected a number, found `{}`", shown()),
            },
        )),
    }
}

/// The lines of `path` with their 1-based numbers, blank lines allowed only
/// at the end, invalid UTF-8 an error naming the line.
fn for_each_line(path: &Path, mut f: impl FnMut(u64, &str) -> Result<()>) -> Result<()> {
    let mut reader = crate::reader::open(path)?;
    let mut blank = crate::blank::BlankLines::default();
    let mut buf = Vec::new();
    let mut lineno = 0u64;
    loop {
        buf.clear();
        if reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?
            == 0
        {
            return Ok(());
        }
        lineno += 1;
        let text = std::str::from_utf8(&buf).map_err(|_| {
            Error::parse(
                Location::file(path).at_line(lineno),
                "the line is not valid UTF-8 text",
            )
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        let text = if lineno == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        if blank.skip(path, lineno, text.trim())? {
            continue;
        }
        f(lineno, text)?;
    }
}

/// Reads one column of numbers (see the [module docs](self) for the rules).
/// An error when the file holds no values.
pub fn read_numbers(path: &Path, opts: &NumberOptions) -> Result<Vec<f64>> {
    if let Some(v) = fast::numbers(path, opts) {
        return Ok(v);
    }
    let mut out = Vec::new();
    let mut first = true;
    let mut col: Option<(usize, String)> = match &opts.column {
        Some(Column::Index(0)) => {
            return Err(Error::param("column", 0, "a 1-based column number >= 1"));
        }
        Some(Column::Index(i)) => Some((i - 1, format!("column {i}"))),
        _ => None,
    };
    for_each_line(path, |lineno, text| {
        let fs = fields(text);
        if std::mem::take(&mut first) {
            let header = match opts.header {
                Header::Yes => true,
                Header::No => false,
                Header::Auto => looks_like_header(&fs),
            };
            if let Some(Column::Name(name)) = &opts.column {
                if !header {
                    return Err(Error::parse(
                        Location::file(path).at_line(lineno),
                        format!(
                            "column `{name}` was asked for by name, but the first line is not a header"
                        ),
                    ));
                }
                let Some(i) = fs.iter().position(|f| f == name) else {
                    return Err(Error::MissingColumn {
                        location: Location::file(path).at_line(lineno),
                        column: name.clone(),
                        available: fs.join(", "),
                    });
                };
                col = Some((i, name.clone()));
            }
            if header {
                return Ok(());
            }
        }
        let loc = |field: Option<&str>| {
            let l = Location::file(path).at_line(lineno);
            match field {
                Some(c) => l.in_field(c),
                None => l,
            }
        };
        let v = match &col {
            None => {
                if fs.len() != 1 {
                    return Err(Error::parse(
                        loc(None),
                        format!(
                            "expected one number a line, found {} comma-separated fields (choose one with a column)",
                            fs.len()
                        ),
                    ));
                }
                value(fs[0], opts.missing, || loc(None))?
            }
            Some((i, name)) => {
                let Some(f) = fs.get(*i) else {
                    return Err(Error::parse(
                        loc(Some(name)),
                        format!("the line has only {} fields", fs.len()),
                    ));
                };
                value(f, opts.missing, || loc(Some(name)))?
            }
        };
        out.push(v);
        Ok(())
    })?;
    if out.is_empty() {
        return Err(Error::parse(Location::file(path), "no numbers in the file"));
    }
    Ok(out)
}

/// Reads rows of `d` comma-separated finite numbers into an `n × d` array
/// (rows are points); the first line may be a header (`header`). Every row
/// must have the first row's width. An error when there are no rows.
pub fn read_points(path: &Path, header: Header) -> Result<Array2<f64>> {
    if let Some((values, d)) = fast::points(path, header) {
        let n = values.len() / d;
        return Ok(Array2::from_shape_vec((n, d), values).expect("every row has d values"));
    }
    let mut values = Vec::new();
    let mut width: Option<(usize, u64)> = None;
    let mut first = true;
    for_each_line(path, |lineno, text| {
        let fs = fields(text);
        if std::mem::take(&mut first) {
            let is_header = match header {
                Header::Yes => true,
                Header::No => false,
                Header::Auto => looks_like_header(&fs),
            };
            if is_header {
                return Ok(());
            }
        }
        match width {
            None => width = Some((fs.len(), lineno)),
            Some((d, at)) if d != fs.len() => {
                return Err(Error::parse(
                    Location::file(path).at_line(lineno),
                    format!(
                        "expected {d} comma-separated numbers (as on line {at}), found {}",
                        fs.len()
                    ),
                ));
            }
            _ => {}
        }
        for (k, f) in fs.iter().enumerate() {
            values.push(value(f, Missing::Reject, || {
                Location::file(path)
                    .at_line(lineno)
                    .in_field(format!("column {}", k + 1))
            })?);
        }
        Ok(())
    })?;
    let Some((d, _)) = width else {
        return Err(Error::parse(
            Location::file(path),
            "no data rows (expected rows of comma-separated numbers)",
        ));
    };
    let n = values.len() / d;
    Ok(Array2::from_shape_vec((n, d), values).expect("every row has d values"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ts-core-numbers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn one_value_a_line_with_and_without_header() {
        let p = file("a.txt", "1\n2.5\n-3e2\n\n\n");
        assert_eq!(
            read_numbers(&p, &Default::default()).unwrap(),
            [1.0, 2.5, -300.0]
        );
        let p = file("b.txt", "bytes\n1\n2\n");
        assert_eq!(read_numbers(&p, &Default::default()).unwrap(), [1.0, 2.0]);
        let e = read_numbers(&p, &NumberOptions::default().header(Header::No)).unwrap_err();
        assert!(
            e.to_string()
                .contains("b.txt:1: expected a number, found `bytes`"),
            "{e}"
        );
        let p = file("bom.txt", "\u{feff}7\r\n8\r\n");
        assert_eq!(read_numbers(&p, &Default::default()).unwrap(), [7.0, 8.0]);
    }

    #[test]
    fn blank_nan_inf_and_empty_are_errors_that_say_where() {
        let p = file("c.txt", "1\n\n2\n");
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.txt:2"), "{e}");
        let p = file("d.txt", "1\nnan\n");
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.txt:2") && e.contains("finite"), "{e}");
        let v = read_numbers(&p, &NumberOptions::default().missing(Missing::Nan)).unwrap();
        assert!(v[1].is_nan());
        let p = file("e.txt", "1\ninf\n");
        let e = read_numbers(&p, &NumberOptions::default().missing(Missing::Nan)).unwrap_err();
        assert!(e.to_string().contains("e.txt:2"), "{e}");
        let p = file("f.txt", "\n\n");
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no numbers"), "{e}");
        let p = file("g.txt", "1,2\n");
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("g.txt:1") && e.contains("2 comma-separated"),
            "{e}"
        );
        let p = file("h.txt", "");
        std::fs::write(&p, b"1\n\xff\n").unwrap();
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("h.txt:2") && e.contains("UTF-8"), "{e}");
    }

    #[test]
    fn columns_by_position_and_name() {
        let p = file("i.csv", "day,count\n1,4\n2,5\n");
        let by_name = NumberOptions::default().column(Column::Name("count".into()));
        assert_eq!(read_numbers(&p, &by_name).unwrap(), [4.0, 5.0]);
        let by_pos = NumberOptions::default().column(Column::Index(1));
        assert_eq!(read_numbers(&p, &by_pos).unwrap(), [1.0, 2.0]);
        let e = read_numbers(
            &p,
            &NumberOptions::default().column(Column::Name("n".into())),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("no column `n`") && e.contains("day, count"),
            "{e}"
        );
        let e = read_numbers(&p, &NumberOptions::default().column(Column::Index(3)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("i.csv:2: field `column 3`"), "{e}");
        let e = read_numbers(&p, &NumberOptions::default().column(Column::Index(0))).unwrap_err();
        assert!(matches!(e, Error::Param { name: "column", .. }));
    }

    /// Large plain files take the parallel fast path: the same values as
    /// Rust's parser, and an irregular line anywhere gives the general
    /// reader's error (file, line, field).
    #[test]
    fn fast_path_values_and_errors_match_the_general_reader() {
        let vals: Vec<String> = (0..300_000u32)
            .map(|i| match i % 4 {
                0 => format!("{}", f64::from(i).sqrt()),
                1 => format!("{:e}", -f64::from(i) * 1e-7),
                2 => format!("{i}"),
                _ => format!("{:.17}", 1.0 / (f64::from(i) + 1.0)),
            })
            .collect();
        let want: Vec<f64> = vals.iter().map(|s| s.parse().unwrap()).collect();
        let p = file("fast.txt", &(vals.join("\n") + "\n"));
        assert_eq!(read_numbers(&p, &Default::default()).unwrap(), want);
        let p = file(
            "fast_crlf.txt",
            &(String::from("v\r\n") + &vals.join("\r\n")),
        );
        assert_eq!(read_numbers(&p, &Default::default()).unwrap(), want);
        let mut bad = vals.clone();
        bad[250_000] = "12x".into();
        let p = file("fast_bad.txt", &(bad.join("\n") + "\n"));
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fast_bad.txt:250001: expected a number, found `12x`"),
            "{e}"
        );
        bad[250_000] = String::new();
        let p = file("fast_blank.txt", &(bad.join("\n") + "\n"));
        let e = read_numbers(&p, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("fast_blank.txt:250001: blank line"), "{e}");
        // Rows of two columns, a header, one short row far down.
        let rows: Vec<String> = vals.chunks(2).map(|r| r.join(",")).collect();
        let p = file("fast_pts.csv", &(String::from("a,b\n") + &rows.join("\n")));
        let a = read_points(&p, Header::Auto).unwrap();
        assert_eq!(a.shape(), &[150_000, 2]);
        assert_eq!(a.as_slice().unwrap(), &want[..]);
        let by_name = NumberOptions::default().column(Column::Name("b".into()));
        let b = read_numbers(&p, &by_name).unwrap();
        assert!(
            b.iter()
                .zip(want.iter().skip(1).step_by(2))
                .all(|(x, y)| x == y)
        );
        let mut short = rows.clone();
        short[140_000] = "1".into();
        let p = file(
            "fast_short.csv",
            &(String::from("a,b\n") + &short.join("\n")),
        );
        let e = read_points(&p, Header::Auto).unwrap_err().to_string();
        assert!(e.contains("fast_short.csv:140002: expected 2"), "{e}");
    }

    #[test]
    fn points_are_rows_of_equal_width() {
        let p = file("j.csv", "x,y\n1,2\n3,4\n5,6\n");
        let a = read_points(&p, Header::Auto).unwrap();
        assert_eq!(a, ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let p = file("k.csv", "1,2\n3\n");
        let e = read_points(&p, Header::Auto).unwrap_err().to_string();
        assert!(e.contains("k.csv:2") && e.contains("expected 2"), "{e}");
        let p = file("l.csv", "1,2\n3,nan\n");
        let e = read_points(&p, Header::Auto).unwrap_err().to_string();
        assert!(e.contains("l.csv:2: field `column 2`"), "{e}");
    }
}
