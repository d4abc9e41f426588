//! Civil-calendar arithmetic on Unix seconds (UTC, proleptic Gregorian) and
//! the date ticks of time axes. No time-zone database is needed: all output is UTC.

use threatstat_core::time::{civil_from_days, days_from_civil};

/// Seconds per day.
const DAY: i64 = 86_400;

/// Earliest Unix second the time axis accepts: 0000-01-01T00:00:00Z.
pub(crate) const MIN_UNIX_S: f64 = -62_167_219_200.0;
/// Latest Unix second the time axis accepts: 9999-12-31T23:59:59Z.
pub(crate) const MAX_UNIX_S: f64 = 253_402_300_799.0;

/// Formats Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC), truncating fractions
/// of a second; non-finite input gives `"NaN"`, `"inf"` or `"-inf"`.
///
/// Handy for hover text, e.g. `format!("time: {}", format_unix_utc(t))`.
///
/// ```
/// assert_eq!(threatstat_plot::format_unix_utc(1_587_200_645.9), "2020-04-18 09:04:05");
/// ```
pub fn format_unix_utc(unix_s: f64) -> String {
    if !unix_s.is_finite() {
        return format!("{unix_s}");
    }
    let secs = unix_s
        .floor()
        .clamp(i64::MIN as f64 / 2.0, i64::MAX as f64 / 2.0) as i64;
    format_parts(secs, Resolution::Second)
}

/// How much of a timestamp a label shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    Day,
    Minute,
    Second,
}

fn format_parts(secs: i64, res: Resolution) -> String {
    let days = secs.div_euclid(DAY);
    let sod = secs.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    let date = if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y}-{m:02}-{d:02}")
    };
    let (hh, mm, ss) = (sod / 3600, sod / 60 % 60, sod % 60);
    match res {
        Resolution::Day => date,
        Resolution::Minute => format!("{date} {hh:02}:{mm:02}"),
        Resolution::Second => format!("{date} {hh:02}:{mm:02}:{ss:02}"),
    }
}

/// A candidate spacing of time ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A fixed number of seconds, ticks aligned to multiples of it since the
    /// epoch (plus `offset` seconds, used to align weeks to Mondays).
    Fixed { secs: i64, offset: i64 },
    /// Calendar months (aligned so that the month index is a multiple).
    Months(i64),
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;
/// 1970-01-05 was a Monday.
const MONDAY: i64 = 4 * DAY;

const STEPS: &[Step] = &[
    Step::Fixed { secs: 1, offset: 0 },
    Step::Fixed { secs: 2, offset: 0 },
    Step::Fixed { secs: 5, offset: 0 },
    Step::Fixed {
        secs: 10,
        offset: 0,
    },
    Step::Fixed {
        secs: 15,
        offset: 0,
    },
    Step::Fixed {
        secs: 30,
        offset: 0,
    },
    Step::Fixed {
        secs: MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: 2 * MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: 5 * MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: 10 * MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: 15 * MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: 30 * MIN,
        offset: 0,
    },
    Step::Fixed {
        secs: HOUR,
        offset: 0,
    },
    Step::Fixed {
        secs: 2 * HOUR,
        offset: 0,
    },
    Step::Fixed {
        secs: 3 * HOUR,
        offset: 0,
    },
    Step::Fixed {
        secs: 6 * HOUR,
        offset: 0,
    },
    Step::Fixed {
        secs: 12 * HOUR,
        offset: 0,
    },
    Step::Fixed {
        secs: DAY,
        offset: 0,
    },
    Step::Fixed {
        secs: 2 * DAY,
        offset: 0,
    },
    Step::Fixed {
        secs: 7 * DAY,
        offset: MONDAY,
    },
    Step::Fixed {
        secs: 14 * DAY,
        offset: MONDAY,
    },
    Step::Months(1),
    Step::Months(2),
    Step::Months(3),
    Step::Months(6),
    Step::Months(12),
    Step::Months(24),
    Step::Months(60),
    Step::Months(120),
    Step::Months(240),
    Step::Months(600),
    Step::Months(1200),
    Step::Months(2400),
    Step::Months(6000),
    Step::Months(12000),
];

impl Step {
    /// Approximate length in seconds (months as 30.44 days).
    fn approx_secs(self) -> f64 {
        match self {
            Step::Fixed { secs, .. } => secs as f64,
            Step::Months(n) => n as f64 * 30.436_875 * DAY as f64,
        }
    }

    /// Ticks within `[t0, t1]`, at most `limit + 1` of them (`None` if more).
    fn ticks(self, t0: f64, t1: f64, limit: usize) -> Option<Vec<i64>> {
        let mut out = Vec::new();
        match self {
            Step::Fixed { secs, offset } => {
                let first = ((t0 - offset as f64) / secs as f64).ceil() as i64;
                let mut k = first;
                loop {
                    let t = k * secs + offset;
                    if t as f64 > t1 {
                        break;
                    }
                    out.push(t);
                    if out.len() > limit {
                        return None;
                    }
                    k += 1;
                }
            }
            Step::Months(n) => {
                let start = t0.floor() as i64;
                let (y, m, _) = civil_from_days(start.div_euclid(DAY));
                let mut idx = y * 12 + i64::from(m) - 1;
                idx = idx.div_euclid(n) * n;
                loop {
                    let t =
                        days_from_civil(idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1, 1) * DAY;
                    if t as f64 > t1 {
                        break;
                    }
                    if t as f64 >= t0 {
                        out.push(t);
                        if out.len() > limit {
                            return None;
                        }
                    }
                    idx += n;
                }
            }
        }
        Some(out)
    }
}

/// Ticks of a time axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct TimeTicks {
    /// Labelled ticks (Unix seconds, label), ascending.
    pub major: Vec<(f64, String)>,
    /// Unlabelled grid positions between them (the next finer calendar
    /// step that divides the labelled one), ascending.
    pub minor: Vec<f64>,
}

/// Time ticks for an axis over `[t0, t1]` (Unix seconds, `t0 < t1`, both
/// within the accepted range).
///
/// `label_px(sample)` estimates the width of a label in pixels; `axis_px` is
/// the axis length. The densest calendar-aligned spacing whose labels fit
/// side by side (with a gap) is chosen. Labels are `YYYY-MM-DD`, with
/// `HH:MM` added when the span is under three days or the spacing under a
/// day, and `:SS` when the spacing is under a minute.
pub(crate) fn time_ticks(
    t0: f64,
    t1: f64,
    axis_px: f64,
    label_px: &dyn Fn(&str) -> f64,
) -> TimeTicks {
    let span = t1 - t0;
    for (i, &step) in STEPS.iter().enumerate() {
        let res = resolution(step, span);
        let width = label_px(&format_parts(0, res)) * 1.4 + 12.0;
        let max_ticks = (axis_px / width).floor().max(2.0) as usize;
        if span / step.approx_secs() > max_ticks as f64 + 2.0 {
            continue;
        }
        if let Some(ts) = step.ticks(t0, t1, max_ticks)
            && ts.len() <= max_ticks
        {
            let minor = minor_ticks(&STEPS[..i], step, t0, t1, axis_px, &ts);
            let major = ts
                .into_iter()
                .map(|t| (t as f64, format_parts(t, res)))
                .collect();
            return TimeTicks { major, minor };
        }
    }
    // Spans beyond the step table (cannot happen within years 0..=9999): ends only.
    TimeTicks {
        major: vec![
            (t0, format_parts(t0.floor() as i64, Resolution::Day)),
            (t1, format_parts(t1.floor() as i64, Resolution::Day)),
        ],
        minor: Vec::new(),
    }
}

/// Minor grid positions: the coarsest step finer than `major` that divides
/// it and keeps grid lines at least 6 pixels apart.
fn minor_ticks(
    finer: &[Step],
    major: Step,
    t0: f64,
    t1: f64,
    axis_px: f64,
    majors: &[i64],
) -> Vec<f64> {
    let limit = (axis_px / 6.0).floor() as usize;
    for &step in finer.iter().rev() {
        let divides = match (step, major) {
            (
                Step::Fixed {
                    secs: a,
                    offset: oa,
                },
                Step::Fixed {
                    secs: b,
                    offset: ob,
                },
            ) => b % a == 0 && (ob - oa) % a == 0,
            (Step::Months(a), Step::Months(b)) => b % a == 0,
            (Step::Fixed { secs, offset }, Step::Months(_)) => {
                DAY % secs == 0 && offset % secs == 0
            }
            (Step::Months(_), Step::Fixed { .. }) => false,
        };
        if !divides {
            continue;
        }
        return match step.ticks(t0, t1, limit) {
            Some(ts) => ts
                .into_iter()
                .filter(|t| !majors.contains(t))
                .map(|t| t as f64)
                .collect(),
            None => Vec::new(),
        };
    }
    Vec::new()
}

fn resolution(step: Step, span: f64) -> Resolution {
    let secs = step.approx_secs();
    if secs < MIN as f64 {
        Resolution::Second
    } else if secs < DAY as f64 || span < 3.0 * DAY as f64 {
        Resolution::Minute
    } else {
        Resolution::Day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_a_wide_range() {
        let mut prev = civil_from_days(-800_000);
        for z in -799_999..800_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
            assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            assert!((y, m, d) > prev);
            prev = (y, m, d);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(10_956), (1999, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(days_from_civil(2020, 4, 18), 18_370);
        assert_eq!(
            days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28),
            1
        );
        assert_eq!(days_from_civil(0, 1, 1) * DAY, MIN_UNIX_S as i64);
        assert_eq!(days_from_civil(10_000, 1, 1) * DAY - 1, MAX_UNIX_S as i64);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_unix_utc(0.0), "1970-01-01 00:00:00");
        assert_eq!(format_unix_utc(-0.5), "1969-12-31 23:59:59");
        assert_eq!(format_unix_utc(1_587_168_000.0), "2020-04-18 00:00:00");
        assert_eq!(format_unix_utc(f64::NAN), "NaN");
        assert_eq!(
            format_parts(1_587_200_645, Resolution::Minute),
            "2020-04-18 09:04"
        );
        assert_eq!(format_parts(1_587_200_645, Resolution::Day), "2020-04-18");
    }

    fn px(s: &str) -> f64 {
        s.len() as f64 * 8.0
    }

    #[test]
    fn two_months_gives_date_ticks() {
        let t0 = days_from_civil(2020, 3, 1) as f64 * 86_400.0;
        let t1 = days_from_civil(2020, 5, 1) as f64 * 86_400.0;
        let ticks = time_ticks(t0, t1, 850.0, &px).major;
        assert!((3..=9).contains(&ticks.len()), "{ticks:?}");
        for (t, label) in &ticks {
            assert!(*t >= t0 && *t <= t1);
            assert_eq!(label.len(), 10, "{label}");
        }
    }

    #[test]
    fn short_span_gives_hours() {
        let t0 = 1_587_168_000.0 + 1234.0;
        let t1 = t0 + 20.0 * 3600.0;
        let ticks = time_ticks(t0, t1, 850.0, &px).major;
        assert!(ticks.len() >= 3, "{ticks:?}");
        assert!(ticks.iter().all(|(_, l)| l.len() == 16), "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn months_and_years_are_calendar_aligned() {
        let t0 = days_from_civil(2015, 6, 10) as f64 * 86_400.0;
        let t1 = days_from_civil(2021, 2, 10) as f64 * 86_400.0;
        let ticks = time_ticks(t0, t1, 850.0, &px).major;
        assert!(ticks.len() >= 3);
        assert!(ticks.iter().all(|(_, l)| l.ends_with("-01")), "{ticks:?}");
        let wide = time_ticks(MIN_UNIX_S, MAX_UNIX_S, 850.0, &px).major;
        assert!((2..=9).contains(&wide.len()), "{wide:?}");
    }

    #[test]
    fn minor_ticks_subdivide() {
        let t0 = days_from_civil(2020, 3, 1) as f64 * 86_400.0;
        let t1 = days_from_civil(2020, 5, 1) as f64 * 86_400.0;
        let ticks = time_ticks(t0, t1, 650.0, &px);
        assert!(!ticks.minor.is_empty());
        for m in &ticks.minor {
            assert!(*m >= t0 && *m <= t1);
            assert!(ticks.major.iter().all(|(t, _)| t != m));
        }
        // Minor lines are far enough apart.
        assert!(ticks.minor.len() <= 650 / 6);
    }

    #[test]
    fn seconds_resolution() {
        let ticks = time_ticks(100.2, 130.0, 850.0, &px).major;
        assert!(ticks.len() >= 2);
        assert!(ticks.iter().all(|(_, l)| l.len() == 19), "{ticks:?}");
    }
}
