//! Time buckets: [`Bucket`] (day or hour, UTC) and the observation
//! [`Window`] of whole days.
//!
//! # Why a file of its own
//!
//! Which bucket a timestamp falls in, and how buckets are labelled, is
//! shared by the loader, the pair table and the generator's checks; it is
//! calendar arithmetic, independent of any file format.

use crate::DatasetError;
use crate::cert::{format_day, parse_day};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use threatstat_core::Error;
use threatstat_core::time::{NS_PER_S, civil_from_days};

/// The width of a count bucket.
///
/// ```
/// use threatstat_datasets::cloudtrail::Bucket;
/// assert_eq!(Bucket::Hour.per_day(), 24);
/// assert_eq!(Bucket::Day.label(19_723), "2024-01-01");
/// assert_eq!(Bucket::Hour.label(19_723 * 24 + 13), "2024-01-01T13:00Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    /// Calendar days (UTC).
    #[default]
    Day,
    /// Hours (UTC).
    Hour,
}

impl Bucket {
    /// Buckets per day.
    pub fn per_day(self) -> i64 {
        match self {
            Bucket::Day => 1,
            Bucket::Hour => 24,
        }
    }

    /// The width in seconds.
    pub fn seconds(self) -> i64 {
        86_400 / self.per_day()
    }

    /// The bucket (index since the Unix epoch) of a time in nanoseconds.
    pub fn of(self, time_ns: i64) -> i64 {
        time_ns.div_euclid(self.seconds() * NS_PER_S)
    }

    /// The day (days since 1970-01-01) of bucket `index`.
    pub fn day_of(self, index: i64) -> i64 {
        index.div_euclid(self.per_day())
    }

    /// `YYYY-MM-DD` for days, `YYYY-MM-DDTHH:00Z` for hours.
    pub fn label(self, index: i64) -> String {
        match self {
            Bucket::Day => format_day(index),
            Bucket::Hour => {
                let (y, m, d) = civil_from_days(index.div_euclid(24));
                format!("{y:04}-{m:02}-{d:02}T{:02}:00Z", index.rem_euclid(24))
            }
        }
    }

    /// `day` or `hour`.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Hour => "hour",
        }
    }
}

impl FromStr for Bucket {
    type Err = DatasetError;
    /// `day` or `hour`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" | "daily" => Ok(Bucket::Day),
            "hour" | "hourly" => Ok(Bucket::Hour),
            _ => Err(Error::param("bucket", format!("`{s}`"), "`day` or `hour`").into()),
        }
    }
}

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The observation window: whole UTC days, `first_day..=last_day` (days
/// since 1970-01-01).
///
/// ```
/// use threatstat_datasets::cloudtrail::Window;
/// let w: Window = "2024-01-01..2024-01-31".parse().unwrap();
/// assert_eq!(w.days(), 31);
/// assert_eq!(w.to_string(), "2024-01-01..2024-01-31");
/// assert!("2024-02-01..2024-01-01".parse::<Window>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    /// The first day.
    pub first_day: i64,
    /// The last day (inclusive).
    pub last_day: i64,
}

impl Window {
    /// The window `first_day..=last_day`; errors if it is empty.
    pub fn new(first_day: i64, last_day: i64) -> Result<Self, DatasetError> {
        if last_day < first_day {
            return Err(Error::param(
                "window",
                format!("{}..{}", format_day(first_day), format_day(last_day)),
                "a last day on or after the first day",
            )
            .into());
        }
        Ok(Window {
            first_day,
            last_day,
        })
    }

    /// Number of days.
    pub fn days(&self) -> i64 {
        self.last_day - self.first_day + 1
    }

    /// Whether `day` is in the window.
    pub fn contains(&self, day: i64) -> bool {
        (self.first_day..=self.last_day).contains(&day)
    }
}

impl FromStr for Window {
    type Err = DatasetError;
    /// `YYYY-MM-DD..YYYY-MM-DD` (inclusive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once("..").ok_or_else(|| {
            DatasetError::from(Error::param(
                "window",
                format!("`{s}`"),
                "FIRST..LAST such as 2024-01-01..2024-02-25",
            ))
        })?;
        Window::new(parse_day(a)?, parse_day(b)?)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}..{}",
            format_day(self.first_day),
            format_day(self.last_day)
        )
    }
}
