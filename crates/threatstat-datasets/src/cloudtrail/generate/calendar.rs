//! The holiday calendar: US federal holidays (observed dates) and the
//! holidays of a generator's period.
//!
//! # Why a file of its own
//!
//! People do not work on holidays and cron jobs do; the calendar is the
//! one piece of date arithmetic of the generator (nth and last weekday of a
//! month, the Saturday/Sunday observance rule), testable on its own
//! against the published dates.

use crate::cert::weekday;
use std::collections::BTreeSet;
use threatstat_core::time::days_from_civil;

/// The `n`-th (1-based) `wd` (0 = Monday) of a month, as a day number.
fn nth_weekday(y: i64, m: u32, wd: u32, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let offset = (i64::from(wd) - i64::from(weekday(first))).rem_euclid(7);
    first + offset + 7 * (n - 1)
}

/// The last `wd` of a month.
fn last_weekday(y: i64, m: u32, wd: u32) -> i64 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = next - 1;
    last - (i64::from(weekday(last)) - i64::from(wd)).rem_euclid(7)
}

/// US federal holidays of year `y` (observed dates: Saturday -> Friday,
/// Sunday -> Monday).
pub(super) fn us_federal_holidays(y: i64) -> Vec<i64> {
    let observed = |d: i64| match weekday(d) {
        5 => d - 1,
        6 => d + 1,
        _ => d,
    };
    let mut v = vec![
        observed(days_from_civil(y, 1, 1)),
        nth_weekday(y, 1, 0, 3),
        nth_weekday(y, 2, 0, 3),
        last_weekday(y, 5, 0),
        observed(days_from_civil(y, 6, 19)),
        observed(days_from_civil(y, 7, 4)),
        nth_weekday(y, 9, 0, 1),
        nth_weekday(y, 10, 0, 2),
        observed(days_from_civil(y, 11, 11)),
        nth_weekday(y, 11, 3, 4),
        observed(days_from_civil(y, 12, 25)),
    ];
    v.sort_unstable();
    v
}

/// The holidays in days `start..end`: those `given`, or else the US
/// federal holidays of the years the period touches.
pub(super) fn holidays_in(start: i64, end: i64, given: Option<&[i64]>) -> BTreeSet<i64> {
    match given {
        Some(h) => h
            .iter()
            .copied()
            .filter(|d| (start..end).contains(d))
            .collect(),
        None => {
            let (y0, ..) = threatstat_core::time::civil_from_days(start);
            let (y1, ..) = threatstat_core::time::civil_from_days(end);
            (y0..=y1)
                .flat_map(us_federal_holidays)
                .filter(|d| (start..end).contains(d))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{format_day, parse_day};

    #[test]
    fn holidays_2024() {
        let h: Vec<String> = us_federal_holidays(2024)
            .into_iter()
            .map(format_day)
            .collect();
        assert_eq!(
            h,
            [
                "2024-01-01",
                "2024-01-15",
                "2024-02-19",
                "2024-05-27",
                "2024-06-19",
                "2024-07-04",
                "2024-09-02",
                "2024-10-14",
                "2024-11-11",
                "2024-11-28",
                "2024-12-25"
            ]
        );
        // 2022-12-25 was a Sunday: observed on Monday the 26th; 2021-07-04 too.
        assert!(us_federal_holidays(2022).contains(&parse_day("2022-12-26").unwrap()));
        assert!(us_federal_holidays(2021).contains(&parse_day("2021-07-05").unwrap()));
    }
}
