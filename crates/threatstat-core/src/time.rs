//! Timestamps as `i64` nanoseconds since the Unix epoch, UTC.
//!
//! Security logs carry ISO-8601 times (`2020-04-18T04:50:30Z`, with optional
//! fraction and offset). pandas' `to_datetime`, which the Python peers use,
//! turns them into nanoseconds; we do the same, so differences and session
//! boundaries agree to the nanosecond. Parsing is hand-written (no allocation,
//! no locale) because sessionizing 10^7 events parses 10^7 timestamps.
//!
//! # Supported range
//!
//! An `i64` of nanoseconds spans [`MIN_TIMESTAMP`] ..= [`MAX_TIMESTAMP`]
//! (1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z, the
//! range of pandas' `Timestamp`). A time outside it, such as the sentinel
//! dates `9999-12-31` or `0001-01-01` some logs carry, is **rejected** with a
//! message saying so (callers add the file, line and field; under
//! `--skip-bad-rows` the row is skipped and counted), never wrapped around to
//! another date. All arithmetic here is checked.

/// Nanoseconds per second.
pub const NS_PER_S: i64 = 1_000_000_000;
/// Nanoseconds per minute.
pub const NS_PER_MIN: i64 = 60 * NS_PER_S;

/// The earliest representable time, 1677-09-21T00:12:43.145224192Z.
pub const MIN_TIMESTAMP: i64 = i64::MIN;
/// The latest representable time, 2262-04-11T23:47:16.854775807Z.
pub const MAX_TIMESTAMP: i64 = i64::MAX;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A day number (days since 1970-01-01, UTC) as `YYYY-MM-DD`: the one
/// day unit of the toolkit (daily counts, changepoint dates, observation
/// windows all use it).
///
/// ```
/// use threatstat_core::time::format_day;
/// assert_eq!(format_day(0), "1970-01-01");
/// assert_eq!(format_day(14_611), "2010-01-02");
/// assert_eq!(format_day(-1), "1969-12-31");
/// ```
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day of the week of a day number: 0 = Monday, ..., 6 = Sunday
/// (1970-01-01 was a Thursday).
///
/// ```
/// use threatstat_core::time::weekday;
/// assert_eq!(weekday(0), 3);
/// assert_eq!(weekday(14_611), 5); // 2010-01-02, a Saturday
/// assert_eq!(weekday(-4), 6);     // 1969-12-28, a Sunday
/// ```
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// The day number of a time in nanoseconds since the epoch (UTC).
///
/// ```
/// use threatstat_core::time::{day_of, parse_timestamp};
/// assert_eq!(day_of(parse_timestamp("2010-01-02T23:59:59Z").unwrap()), 14_611);
/// assert_eq!(day_of(-1), -1);
/// ```
pub fn day_of(ns: i64) -> i64 {
    ns.div_euclid(86_400 * NS_PER_S)
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
}

/// Parses an ISO-8601 / RFC 3339 timestamp to nanoseconds since the epoch, UTC.
///
/// Accepted: `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM`,
/// `:SS`, a fraction of up to 9 digits (`.` or `,`), and a zone `Z`, `+HH:MM`,
/// `+HHMM` or `+HH`. A time without a zone is taken as UTC (as pandas does
/// for naive times, whose differences are then the same). Surrounding spaces
/// are ignored. Returns a message saying what was expected on failure.
///
/// ```
/// use threatstat_core::time::parse_timestamp;
/// assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Ok(1_000_000_000));
/// assert_eq!(parse_timestamp("1970-01-01 01:00:00.5+01:00"), Ok(500_000_000));
/// assert!(parse_timestamp("2020-02-30T00:00:00Z").is_err());
/// ```
///
/// A well-formed time outside [`MIN_TIMESTAMP`] ..= [`MAX_TIMESTAMP`] is an
/// error that says so (it never wraps):
///
/// ```
/// use threatstat_core::time::parse_timestamp;
/// let e = parse_timestamp("9999-12-31T00:00:00Z").unwrap_err();
/// assert!(e.contains("outside the supported range"), "{e}");
/// ```
pub fn parse_timestamp(s: &str) -> Result<i64, String> {
    match parse_inner(s.trim().as_bytes()) {
        Ok(ns) => Ok(ns),
        Err(Fail::Syntax) => Err(format!(
            "expected an ISO-8601 timestamp such as 2020-04-18T04:50:30Z, found `{s}`"
        )),
        Err(Fail::Range) => Err(format!("{} `{s}`", out_of_range())),
    }
}

/// The start of the message for a time outside the supported range (the
/// caller appends the value), naming the range.
pub fn out_of_range() -> String {
    format!(
        "time outside the supported range {} .. {} (64-bit nanoseconds since 1970):",
        format_timestamp(MIN_TIMESTAMP),
        format_timestamp(MAX_TIMESTAMP)
    )
}

/// Nanoseconds of `days` since 1970-01-01 plus `secs` seconds, or `None` when
/// that is outside [`MIN_TIMESTAMP`] ..= [`MAX_TIMESTAMP`].
///
/// ```
/// use threatstat_core::time::{days_to_ns, days_from_civil};
/// assert_eq!(days_to_ns(1, 1), Some(86_401_000_000_000));
/// assert_eq!(days_to_ns(days_from_civil(9999, 12, 31), 0), None);
/// ```
pub fn days_to_ns(days: i64, secs: i64) -> Option<i64> {
    days.checked_mul(86_400)?
        .checked_add(secs)?
        .checked_mul(NS_PER_S)
}

/// Why a timestamp did not parse.
enum Fail {
    /// Not the ISO-8601 shape.
    Syntax,
    /// Well-formed but not representable.
    Range,
}

trait OrSyntax<T> {
    fn syn(self) -> Result<T, Fail>;
}

impl<T> OrSyntax<T> for Option<T> {
    fn syn(self) -> Result<T, Fail> {
        self.ok_or(Fail::Syntax)
    }
}

fn parse_inner(b: &[u8]) -> Result<i64, Fail> {
    let mut c = Cursor { b, i: 0 };
    let year = i64::from(c.digits(4).syn()?);
    if !(c.eat(b'-') || c.eat(b'/')) {
        return Err(Fail::Syntax);
    }
    let month = c.digits(2).syn()?;
    if !(c.eat(b'-') || c.eat(b'/')) {
        return Err(Fail::Syntax);
    }
    let day = c.digits(2).syn()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(Fail::Syntax);
    }
    let days = days_from_civil(year, month, day);
    if c.peek().is_none() {
        return days_to_ns(days, 0).ok_or(Fail::Range);
    }
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(Fail::Syntax);
    }
    let hh = c.digits(2).syn()?;
    if !c.eat(b':') {
        return Err(Fail::Syntax);
    }
    let mm = c.digits(2).syn()?;
    let mut ss = 0;
    if c.eat(b':') {
        ss = c.digits(2).syn()?;
    }
    if hh > 23 || mm > 59 || ss > 60 {
        return Err(Fail::Syntax);
    }
    let sod = i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss);
    // In 128 bits (cannot overflow for 4-digit years); only the final sum,
    // after the fraction and the offset, has to fit in 64.
    let mut ns = i128::from(days) * 86_400 * i128::from(NS_PER_S) + i128::from(sod * NS_PER_S);
    if c.eat(b'.') || c.eat(b',') {
        let start = c.i;
        let mut frac = 0i64;
        let mut n = 0;
        while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
            if n < 9 {
                frac = frac * 10 + i64::from(d - b'0');
                n += 1;
            }
            c.i += 1;
        }
        if c.i == start {
            return Err(Fail::Syntax);
        }
        for _ in n..9 {
            frac *= 10;
        }
        ns += i128::from(frac);
    }
    match c.peek() {
        None => {}
        Some(b'Z' | b'z') => c.i += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.digits(2).syn()?;
            let om = if c.eat(b':') {
                c.digits(2).syn()?
            } else {
                c.digits(2).unwrap_or(0)
            };
            if oh > 23 || om > 59 {
                return Err(Fail::Syntax);
            }
            let off = i128::from((i64::from(oh) * 3600 + i64::from(om) * 60) * NS_PER_S);
            ns = if sign == b'+' { ns - off } else { ns + off };
        }
        Some(_) => return Err(Fail::Syntax),
    }
    if c.i != b.len() {
        return Err(Fail::Syntax);
    }
    i64::try_from(ns).map_err(|_| Fail::Range)
}

/// Formats nanoseconds since the epoch as `YYYY-MM-DDTHH:MM:SS[.fraction]Z`,
/// with the fraction only when non-zero and without trailing zeros.
///
/// ```
/// use threatstat_core::time::format_timestamp;
/// assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
/// assert_eq!(format_timestamp(1_250_000_000), "1970-01-01T00:00:01.25Z");
/// ```
pub fn format_timestamp(ns: i64) -> String {
    let mut s = Vec::with_capacity(32);
    write_timestamp(&mut s, ns).expect("writing to a Vec does not fail");
    String::from_utf8(s).expect("ASCII")
}

/// Writes [`format_timestamp`]'s text to `out` without allocating (for
/// writers of large tables).
///
/// ```
/// let mut v = Vec::new();
/// threatstat_core::time::write_timestamp(&mut v, 1_250_000_000).unwrap();
/// assert_eq!(v, b"1970-01-01T00:00:01.25Z");
/// ```
pub fn write_timestamp(out: &mut impl std::io::Write, ns: i64) -> std::io::Result<()> {
    let secs = ns.div_euclid(NS_PER_S);
    let frac = ns.rem_euclid(NS_PER_S);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )?;
    if frac != 0 {
        // The fraction without trailing zeros.
        let (mut f, mut digits) = (frac, 9);
        while f % 10 == 0 {
            f /= 10;
            digits -= 1;
        }
        write!(out, ".{f:0digits$}")?;
    }
    out.write_all(b"Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(
            parse_timestamp("2020-04-18T04:50:30Z").unwrap(),
            1_587_185_430 * NS_PER_S
        );
        assert_eq!(
            parse_timestamp("2020-04-18T06:50:30+02:00").unwrap(),
            1_587_185_430 * NS_PER_S
        );
        assert_eq!(
            parse_timestamp("2020-04-18T04:50:30.123456789Z").unwrap(),
            1_587_185_430 * NS_PER_S + 123_456_789
        );
        assert_eq!(
            parse_timestamp("2020-04-18").unwrap(),
            1_587_168_000 * NS_PER_S
        );
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z").unwrap(), -NS_PER_S);
    }

    #[test]
    fn rejects_bad_input() {
        for s in [
            "",
            "2020",
            "2020-13-01",
            "2020-04-18T25:00:00Z",
            "2020-04-18T04:50:30Q",
            "2020-04-18T04:50:30.Z",
            "not a time",
            "2021-02-29",
            "2020-04-18T04:50:30Z trailing",
        ] {
            let e = parse_timestamp(s).unwrap_err();
            assert!(e.contains("ISO-8601"), "{s}: {e}");
        }
    }

    #[test]
    fn out_of_range_is_an_error_not_a_wrap() {
        // Before: 2999-01-01 wrapped to 1829-11-23T00:50:52.580896768Z.
        for s in [
            "2999-01-01T00:00:00Z",
            "9999-12-31",
            "9999-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
            "1677-09-21T00:12:43.145224191Z",
            "2262-04-11T23:47:16.854775808Z",
            "2262-04-11T23:47:16.854775807-00:01",
        ] {
            let e = parse_timestamp(s).unwrap_err();
            assert!(
                e.contains("outside the supported range 1677-09-21T00:12:43.145224192Z")
                    && e.contains(s),
                "{s}: {e}"
            );
        }
        assert_eq!(
            parse_timestamp("2262-04-11T23:47:16.854775807Z"),
            Ok(MAX_TIMESTAMP)
        );
        assert_eq!(
            parse_timestamp("1677-09-21T00:12:43.145224192Z"),
            Ok(MIN_TIMESTAMP)
        );
        // An offset may bring a time just past the end back into range.
        assert_eq!(
            parse_timestamp("2262-04-12T00:47:16.854775807+01:00"),
            Ok(MAX_TIMESTAMP)
        );
        assert_eq!(
            parse_timestamp("1900-01-01").unwrap(),
            days_from_civil(1900, 1, 1) * 86_400 * NS_PER_S
        );
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(ns in -5_000_000_000_000_000_000i64..5_000_000_000_000_000_000i64) {
            prop_assert_eq!(parse_timestamp(&format_timestamp(ns)).unwrap(), ns);
        }

        #[test]
        fn civil_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
