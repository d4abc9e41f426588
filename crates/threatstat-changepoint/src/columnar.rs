//! Count series from Parquet or Arrow IPC files (`columnar` feature), with
//! the CSV reader's rules ([`crate::io::read_count_series`] chooses this
//! reader by the extension): an optional date column
//! ([`crate::io::is_date_header`]) of consecutive days
//! ([`crate::io::not_the_next_day`]); the counts column by `column`, or
//! the only other one; counts non-negative integers. Errors name the
//! file, the column and the row (1-based, as a CSV's data lines).

use crate::ChangepointError;
use crate::io::{CountSeries, format_day, is_date_header, not_the_next_day};
use std::path::Path;
use threatstat_core::{Error, Location};
use threatstat_table::Column;

/// Reads the count series of a columnar file.
pub fn read(path: &Path, column: Option<&str>) -> Result<CountSeries, ChangepointError> {
    let names = threatstat_table::column_names(path)?;
    let date = names.iter().find(|h| is_date_header(h)).cloned();
    let count = match column {
        Some(c) => c.to_string(),
        None => {
            let others: Vec<&String> = names.iter().filter(|h| Some(*h) != date.as_ref()).collect();
            match others.as_slice() {
                [one] => (*one).clone(),
                _ => {
                    return Err(Error::parse(
                        Location::file(path),
                        format!(
                            "{} columns ({}); name the counts column with --column",
                            names.len(),
                            names.join(", ")
                        ),
                    )
                    .into());
                }
            }
        }
    };
    let mut wanted = vec![count.as_str()];
    wanted.extend(date.as_deref());
    let t = threatstat_table::read(path, Some(&wanted))?;
    let at = |name: &str, row: usize, m: String| {
        Error::parse(t.location(name), format!("row {}: {m}", row + 1))
    };
    let counts: Vec<u32> = match t.column(&count)? {
        Column::I64(v) => v
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.and_then(|x| u32::try_from(x).ok()).ok_or_else(|| {
                    let found = x.map_or("null".into(), |x| x.to_string());
                    at(
                        &count,
                        i,
                        format!("expected a non-negative integer count, found {found}"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(Error::parse(
                t.location(&count),
                format!("expected integer counts, found {}", other.kind().name()),
            )
            .into());
        }
    };
    if counts.is_empty() {
        return Err(Error::data(path.display().to_string(), "the series is empty").into());
    }
    let days = match date {
        None => None,
        Some(d) => {
            let days: Vec<Option<i64>> = match t.column(&d)? {
                Column::Date(v) => v.iter().map(|x| x.map(i64::from)).collect(),
                Column::Timestamp(v) => v
                    .iter()
                    .map(|x| x.map(threatstat_core::time::day_of))
                    .collect(),
                other => {
                    return Err(Error::parse(
                        t.location(&d),
                        format!(
                            "expected dates or timestamps, found {}",
                            other.kind().name()
                        ),
                    )
                    .into());
                }
            };
            let mut out: Vec<i64> = Vec::with_capacity(days.len());
            for (i, x) in days.into_iter().enumerate() {
                let Some(x) = x else {
                    return Err(at(&d, i, "a null date".into()).into());
                };
                if let Some(m) = not_the_next_day(out.last().copied(), x, &format_day(x)) {
                    return Err(at(&d, i, m).into());
                }
                out.push(x);
            }
            Some(out)
        }
    };
    Ok(CountSeries {
        counts,
        days,
        column: count,
        // A columnar file always names its columns.
        header: true,
    })
}
