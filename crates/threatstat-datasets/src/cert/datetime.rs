//! CERT date-times and calendar day numbers.
//!
//! CERT files write local times without a zone as `%m/%d/%Y %H:%M:%S`
//! (`01/02/2010 06:49:00`). Daily counts are indexed by the *local* date as
//! written, so we never convert zones: a day number is the number of days
//! from 1970-01-01 to that calendar date (via
//! [`threatstat_core::time::days_from_civil`]), and comparing day numbers is
//! comparing dates in calendar order, which comparing the date strings is not
//! (`"01/10/2010" < "01/02/2010"`).

use crate::DatasetError;
use std::fmt;
use threatstat_core::time::{NS_PER_S, civil_from_days, days_from_civil, parse_timestamp};

/// Seconds per day.
const S_PER_DAY: i64 = 86_400;

/// A local (zone-less) date and time, as written in a CERT file, to the second.
///
/// ```
/// use threatstat_datasets::cert::{LocalDateTime, format_day};
/// let t = LocalDateTime::parse("01/02/2010 06:49:00").unwrap();
/// assert_eq!(format_day(t.day), "2010-01-02");
/// assert_eq!(t.hour(), 6);
/// assert_eq!(t.to_string(), "01/02/2010 06:49:00");
/// // ISO-8601 is accepted too (an explicit offset is converted to UTC).
/// assert_eq!(LocalDateTime::parse("2010-01-02T06:49:00").unwrap(), t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    /// Days since 1970-01-01 of the local calendar date.
    pub day: i64,
    /// Seconds since local midnight, `0..86_400`.
    pub second: u32,
}

impl LocalDateTime {
    /// The time at `second` seconds after midnight of `day`.
    ///
    /// # Panics
    /// If `second >= 86_400`.
    ///
    /// ```
    /// use threatstat_datasets::cert::{LocalDateTime, parse_day};
    /// let t = LocalDateTime::new(parse_day("2010-01-02").unwrap(), 18 * 3600 + 5);
    /// assert_eq!(t.to_string(), "01/02/2010 18:00:05");
    /// ```
    pub fn new(day: i64, second: u32) -> Self {
        assert!(second < 86_400, "second of day {second} is not below 86400");
        LocalDateTime { day, second }
    }

    /// The hour, `0..=23`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LocalDateTime;
    /// assert_eq!(LocalDateTime::parse("12/31/2010 23:59:59").unwrap().hour(), 23);
    /// ```
    pub fn hour(&self) -> u32 {
        self.second / 3600
    }

    /// Parses a CERT time (`%m/%d/%Y %H:%M:%S`, see [`parse_cert_datetime`])
    /// or, failing that, an ISO-8601 time (via
    /// [`threatstat_core::time::parse_timestamp`]; a time with an offset is
    /// converted to UTC, one without is taken as written). Returns a message
    /// saying what was expected on failure.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LocalDateTime;
    /// assert!(LocalDateTime::parse("02/29/2010 00:00:00").is_err()); // 2010 is no leap year
    /// assert!(LocalDateTime::parse("02/29/2012 00:00:00").is_ok());
    /// ```
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::parse_bytes(s.as_bytes())
    }

    /// [`LocalDateTime::parse`] on bytes (no UTF-8 check needed on the fast path).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LocalDateTime;
    /// assert_eq!(LocalDateTime::parse_bytes(b"01/01/1970 01:00:00").unwrap().second, 3600);
    /// ```
    pub fn parse_bytes(b: &[u8]) -> Result<Self, String> {
        if let Some(t) = parse_cert_datetime(b) {
            return Ok(t);
        }
        let iso = std::str::from_utf8(b).ok().map(parse_timestamp);
        match iso {
            // A well-formed ISO time past 2262: say so, not "expected ...".
            Some(Err(m)) if m.starts_with("time outside") => Err(m),
            Some(Ok(ns)) => {
                let secs = ns.div_euclid(NS_PER_S);
                Ok(LocalDateTime {
                    day: secs.div_euclid(S_PER_DAY),
                    second: secs.rem_euclid(S_PER_DAY) as u32,
                })
            }
            _ => Err(format!(
                "expected a date-time such as `01/02/2010 06:49:00` (%m/%d/%Y %H:%M:%S) \
                 or ISO-8601 such as `2010-01-02T06:49:00`, found `{}`",
                String::from_utf8_lossy(b)
            )),
        }
    }
}

impl fmt::Display for LocalDateTime {
    /// Writes the CERT format, `%m/%d/%Y %H:%M:%S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.day);
        let s = self.second;
        write!(
            f,
            "{m:02}/{d:02}/{y:04} {:02}:{:02}:{:02}",
            s / 3600,
            (s / 60) % 60,
            s % 60
        )
    }
}

/// Reads `min..=max` ASCII digits at `*i`.
#[inline]
fn digits(b: &[u8], i: &mut usize, min: usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v = 0u32;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        v = v * 10 + u32::from(b[*i] - b'0');
        *i += 1;
    }
    (*i - start >= min).then_some(v)
}

#[inline]
fn eat(b: &[u8], i: &mut usize, c: u8) -> Option<()> {
    (b.get(*i) == Some(&c)).then(|| *i += 1)
}

/// Parses the CERT format `%m/%d/%Y %H:%M:%S` (`01/02/2010 06:49:00`)
/// without allocating; `None` if `b` is not in that format or is not a real
/// date and time.
///
/// Tolerated, because spreadsheet round trips produce them: one-digit month,
/// day and hour (`1/2/2010 6:49:00`), missing seconds (`01/02/2010 06:49`)
/// and surrounding spaces. The year has four digits.
///
/// ```
/// use threatstat_datasets::cert::{parse_cert_datetime, format_day};
/// let t = parse_cert_datetime(b"02/29/2012 23:05:09").unwrap();
/// assert_eq!((format_day(t.day).as_str(), t.second), ("2012-02-29", 23 * 3600 + 5 * 60 + 9));
/// assert_eq!(parse_cert_datetime(b"1/2/2010 6:49"), parse_cert_datetime(b"01/02/2010 06:49:00"));
/// assert!(parse_cert_datetime(b"13/02/2010 06:49:00").is_none());
/// assert!(parse_cert_datetime(b"2010-01-02 06:49:00").is_none());
/// ```
pub fn parse_cert_datetime(b: &[u8]) -> Option<LocalDateTime> {
    let b = b.trim_ascii();
    let mut i = 0;
    let month = digits(b, &mut i, 1, 2)?;
    eat(b, &mut i, b'/')?;
    let day = digits(b, &mut i, 1, 2)?;
    eat(b, &mut i, b'/')?;
    let year = digits(b, &mut i, 4, 4)?;
    eat(b, &mut i, b' ')?;
    let hour = digits(b, &mut i, 1, 2)?;
    eat(b, &mut i, b':')?;
    let minute = digits(b, &mut i, 2, 2)?;
    let second = if eat(b, &mut i, b':').is_some() {
        digits(b, &mut i, 2, 2)?
    } else {
        0
    };
    if i != b.len() || !(1..=12).contains(&month) || day == 0 || hour > 23 || minute > 59 {
        return None;
    }
    if second > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    // Days 29..31 may not exist in this month: check by the round trip.
    if day > 28 && civil_from_days(days) != (i64::from(year), month, day) {
        return None;
    }
    Some(LocalDateTime {
        day: days,
        second: hour * 3600 + minute * 60 + second,
    })
}

// The day unit is threatstat-core's; re-exported where CERT users look for it.
pub use threatstat_core::time::{format_day, weekday};

/// Parses `YYYY-MM-DD` to a day number (days since 1970-01-01).
///
/// ```
/// use threatstat_datasets::cert::{parse_day, format_day};
/// assert_eq!(parse_day("2010-01-02").unwrap(), 14_611);
/// assert_eq!(format_day(parse_day("2012-02-29").unwrap()), "2012-02-29");
/// assert!(parse_day("2010-02-29").is_err());
/// ```
pub fn parse_day(s: &str) -> Result<i64, DatasetError> {
    let b = s.trim().as_bytes();
    let mut i = 0;
    let ymd = (|| {
        let y = digits(b, &mut i, 4, 4)?;
        eat(b, &mut i, b'-')?;
        let m = digits(b, &mut i, 2, 2)?;
        eat(b, &mut i, b'-')?;
        let d = digits(b, &mut i, 2, 2)?;
        (i == b.len()).then_some((i64::from(y), m, d))
    })();
    match ymd {
        Some((y, m, d))
            if (1..=12).contains(&m)
                && d >= 1
                && civil_from_days(days_from_civil(y, m, d)) == (y, m, d) =>
        {
            Ok(days_from_civil(y, m, d))
        }
        _ => Err(threatstat_core::Error::param(
            "date",
            format!("`{s}`"),
            "a date YYYY-MM-DD such as 2010-01-02",
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_past_2262_say_so() {
        // The CERT format has no such limit (day numbers); ISO-8601 goes
        // through nanoseconds and says why it fails.
        assert!(LocalDateTime::parse("12/31/9999 23:59:59").is_ok());
        let e = LocalDateTime::parse("9999-12-31T23:59:59Z").unwrap_err();
        assert!(e.contains("outside the supported range"), "{e}");
    }

    #[test]
    fn cert_format_round_trips() {
        for s in [
            "01/02/2010 06:49:00",
            "12/31/1999 23:59:59",
            "02/29/2000 00:00:00",
            "03/01/2100 12:00:00",
            "01/01/1970 00:00:00",
            "06/15/1969 08:30:01",
        ] {
            let t = parse_cert_datetime(s.as_bytes()).unwrap();
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn rejects_invalid_dates() {
        for s in [
            "",
            "01/02/2010",
            "01/02/10 06:49:00",
            "00/02/2010 06:49:00",
            "01/00/2010 06:49:00",
            "04/31/2010 06:49:00",
            "02/29/2100 06:49:00",
            "01/02/2010 24:00:00",
            "01/02/2010 06:60:00",
            "01/02/2010 06:49:60",
            "01/02/2010 06:49:00 PM",
            "01/02/2010T06:49:00",
            "001/02/2010 06:49:00",
            "01/02/20100 06:49:00",
        ] {
            assert!(parse_cert_datetime(s.as_bytes()).is_none(), "{s}");
        }
    }

    #[test]
    fn iso_fallback_and_message() {
        let t = LocalDateTime::parse("2010-01-02 23:00:00").unwrap();
        assert_eq!((t.day, t.hour()), (14_611, 23));
        let before_epoch = LocalDateTime::parse("1969-12-31T23:00:00Z").unwrap();
        assert_eq!((before_epoch.day, before_epoch.hour()), (-1, 23));
        let e = LocalDateTime::parse("yesterday").unwrap_err();
        assert!(
            e.contains("%m/%d/%Y %H:%M:%S") && e.contains("`yesterday`"),
            "{e}"
        );
    }

    #[test]
    fn weekdays() {
        // 2010-01-04 was a Monday.
        let monday = parse_day("2010-01-04").unwrap();
        for k in 0..14 {
            assert_eq!(weekday(monday + k), (k % 7) as u32);
        }
        assert_eq!(weekday(-1), 2);
    }
}
