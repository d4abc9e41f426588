//! The generator's parameters: the [`LogonGenerator`] builder (its doc
//! describes the model), defaults, validation and JSON form.
//!
//! # Why a file of its own
//!
//! What may be asked for, and what is refused, is one question; how users
//! are drawn (`population`), how their days are simulated (`simulate`) and
//! how rows are written (`rows`) are others.

use super::plant::{OrgEvent, PlantKind};
use crate::DatasetError;
use crate::cert::datetime::{format_day, parse_day};
use crate::error::bad_param as bad;
use serde::{Deserialize, Serialize};
use threatstat_core::ParamGuard;

mod day_as_date {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(day: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_day(*day))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_day(&s).map_err(serde::de::Error::custom)
    }
}

/// Parameters of a generated CERT `logon.csv`, as a builder; [`generate`]
/// validates them and writes the file.
///
/// The model, per user: a PC `PC-dddd` of the user's own, a base daily
/// logon rate drawn from a Gamma distribution (mean [`rate_mean`], shape
/// [`rate_shape`]), and each day a Poisson number of logons with that rate,
/// times [`weekend_factor`] on Saturdays and Sundays. An ordinary logon is at
/// a uniform time from 07:00 to 17:59:59, or, with probability
/// [`after_hours_prob`], at a uniform time from 18:00 to 06:59:59 (the same
/// day); 5% are on some other PC. Each logon is followed later the same day
/// by a logoff (15 minutes to 9 hours later, cut at 23:59:59; 5 minutes to 3
/// hours for planted after-hours logons). Rows are sorted by time; the
/// `id` column holds random `{XXXX-XXXXXXXX-XXXXXXXX}` ids as in CERT.
///
/// [`planted`] users change as [`plant`] says from a change date drawn
/// uniformly in the [`change_window`] fraction of the period (never the
/// first day, so each planted user has a "before").
///
/// The same parameters give a byte-identical file: the random bits come
/// from [`threatstat_core::rng::SeededRng`], whose stream is fixed; the
/// samplers of `rand_distr` on top of it may change between that crate's
/// releases (`Cargo.lock` pins it).
///
/// [`generate`]: LogonGenerator::generate
/// [`rate_mean`]: LogonGenerator::rate_mean
/// [`rate_shape`]: LogonGenerator::rate_shape
/// [`weekend_factor`]: LogonGenerator::weekend_factor
/// [`after_hours_prob`]: LogonGenerator::after_hours_prob
/// [`planted`]: LogonGenerator::planted
/// [`plant`]: LogonGenerator::plant
/// [`change_window`]: LogonGenerator::change_window
///
/// ```
/// use threatstat_datasets::cert::{LogonGenerator, LogonLoader, Span};
/// let g = LogonGenerator::new().users(20).days(60).planted(2).seed(7);
/// let mut csv = Vec::new();
/// let truth = g.generate(&mut csv).unwrap();
/// assert_eq!(truth.planted.len(), 2);
/// assert!(csv.starts_with(b"id,date,user,pc,activity\n{"));
/// let counts = LogonLoader::new().hour_window("18-7".parse().ok())
///     .load_reader("generated.csv", std::io::Cursor::new(csv)).unwrap();
/// assert_eq!(counts.summary().users, 20);
/// let p = &truth.planted[0];
/// let d = counts.user_daily(&p.user, Span::User).unwrap();
/// let after: u32 = d.iter().filter(|&(day, _)| day >= p.change_day).map(|(_, c)| c).sum();
/// assert!(after > 0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogonGenerator {
    pub(super) users: usize,
    pub(super) days: u32,
    #[serde(rename = "start_date", with = "day_as_date")]
    pub(super) start_day: i64,
    pub(super) seed: u64,
    pub(super) rate_mean: f64,
    pub(super) rate_shape: f64,
    pub(super) weekend_factor: f64,
    pub(super) after_hours_prob: f64,
    pub(super) planted: usize,
    pub(super) plant: PlantKind,
    pub(super) change_window: (f64, f64),
    pub(super) id_column: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) episode_days: Option<(u32, u32)>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) leavers: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) shift_workers: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) org_events: Vec<OrgEvent>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Default for LogonGenerator {
    fn default() -> Self {
        LogonGenerator {
            users: 100,
            days: 365,
            start_day: parse_day("2010-01-02").expect("valid date"),
            seed: 0,
            rate_mean: 1.2,
            rate_shape: 4.0,
            weekend_factor: 0.1,
            after_hours_prob: 0.02,
            planted: 5,
            plant: PlantKind::default(),
            change_window: (0.3, 0.7),
            id_column: true,
            episode_days: None,
            leavers: 0,
            shift_workers: 0,
            org_events: Vec::new(),
        }
    }
}

impl LogonGenerator {
    /// The defaults: 100 users, 365 days from 2010-01-02 (CERT r4.2's first
    /// day), seed 0, rate mean 1.2 and shape 4 (with 1,000 users and 500
    /// days about as many rows as r4.2's `logon.csv`, 0.9 million), weekend factor 0.1, after-hours
    /// probability 0.02, 5 planted users with 1 to 3 extra after-hours
    /// logons a day from a change date in the middle 30%..70% of the
    /// period, with the `id` column.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// assert_eq!(LogonGenerator::new(), LogonGenerator::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of users (default 100).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().users(1000);
    /// ```
    pub fn users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }

    /// Number of days (default 365).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().days(500);
    /// ```
    pub fn days(mut self, n: u32) -> Self {
        self.days = n;
        self
    }

    /// The first day, as days since 1970-01-01 (default 2010-01-02); see
    /// [`parse_day`].
    ///
    /// ```
    /// # use threatstat_datasets::cert::{LogonGenerator, parse_day};
    /// let g = LogonGenerator::new().start_day(parse_day("2011-12-30").unwrap());
    /// ```
    pub fn start_day(mut self, day: i64) -> Self {
        self.start_day = day;
        self
    }

    /// The seed (default 0).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().seed(42);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Mean of the users' base daily logon rates on weekdays (default 1.2).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().rate_mean(2.5);
    /// ```
    pub fn rate_mean(mut self, mean: f64) -> Self {
        self.rate_mean = mean;
        self
    }

    /// Shape of the Gamma distribution of base rates (default 4: the
    /// coefficient of variation is `1/sqrt(shape)` = 0.5).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().rate_shape(10.0);
    /// ```
    pub fn rate_shape(mut self, shape: f64) -> Self {
        self.rate_shape = shape;
        self
    }

    /// Factor of the rate on Saturdays and Sundays (default 0.1).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().weekend_factor(0.0);
    /// ```
    pub fn weekend_factor(mut self, factor: f64) -> Self {
        self.weekend_factor = factor;
        self
    }

    /// Probability that an ordinary logon is after hours (default 0.02).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().after_hours_prob(0.0);
    /// ```
    pub fn after_hours_prob(mut self, p: f64) -> Self {
        self.after_hours_prob = p;
        self
    }

    /// Number of planted users (default 5).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().planted(0);
    /// ```
    pub fn planted(mut self, n: usize) -> Self {
        self.planted = n;
        self
    }

    /// How planted users change (default 1 to 3 extra after-hours logons a day).
    ///
    /// ```
    /// # use threatstat_datasets::cert::{LogonGenerator, PlantKind};
    /// let g = LogonGenerator::new().plant(PlantKind::after_hours_logons(2, 5));
    /// ```
    pub fn plant(mut self, kind: PlantKind) -> Self {
        self.plant = kind;
        self
    }

    /// The fractions of the period between which change dates are drawn
    /// (default 0.3 to 0.7).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().change_window(0.5, 0.5); // all change mid-period
    /// ```
    pub fn change_window(mut self, from: f64, to: f64) -> Self {
        self.change_window = (from, to);
        self
    }

    /// Whether to write CERT's `id` column (default true; some copies lack it).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let mut csv = Vec::new();
    /// LogonGenerator::new().users(2).days(2).planted(0).id_column(false).generate(&mut csv).unwrap();
    /// assert!(csv.starts_with(b"date,user,pc,activity\n"));
    /// ```
    pub fn id_column(mut self, yes: bool) -> Self {
        self.id_column = yes;
        self
    }

    /// Planted changes stop after a uniform `min..=max` days (an episode;
    /// default: they last to the end). The truth gains `end_date`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let t = LogonGenerator::new().users(10).days(100).planted(2).episode_days(5, 10)
    ///     .generate(std::io::sink()).unwrap();
    /// let p = &t.planted[0];
    /// let len = p.end_day.unwrap() - p.change_day + 1;
    /// assert!((5..=10).contains(&len));
    /// ```
    pub fn episode_days(mut self, min: u32, max: u32) -> Self {
        self.episode_days = Some((min, max));
        self
    }

    /// Number of (not planted) users whose activity stops for good on a
    /// day in the change window (default 0).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().leavers(3);
    /// ```
    pub fn leavers(mut self, n: usize) -> Self {
        self.leavers = n;
        self
    }

    /// Number of (not planted) users who work at night: their ordinary
    /// logons are after hours with probability [`SHIFT_AFTER_HOURS_PROB`](super::SHIFT_AFTER_HOURS_PROB)
    /// (default 0).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().shift_workers(4);
    /// ```
    pub fn shift_workers(mut self, n: usize) -> Self {
        self.shift_workers = n;
        self
    }

    /// Adds an organisation-wide period (a holiday or a crunch).
    ///
    /// ```
    /// # use threatstat_datasets::cert::{LogonGenerator, OrgEvent};
    /// let g = LogonGenerator::new().org_event(OrgEvent { start: 100, days: 7, rate_factor: 0.1, after_hours_prob: None });
    /// ```
    pub fn org_event(mut self, event: OrgEvent) -> Self {
        self.org_events.push(event);
        self
    }
}

/// [`LogonGenerator`] parameters that passed [`ParamGuard::check`]; only
/// `check` makes one, and only a checked generator writes a file
/// ([`generate`](CheckedLogonGenerator::generate)). The unchecked builder's
/// `generate` and `write_files` check first, then call these.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedLogonGenerator(LogonGenerator);

impl CheckedLogonGenerator {
    /// The parameters checked.
    pub fn params(&self) -> &LogonGenerator {
        &self.0
    }
}

impl ParamGuard for LogonGenerator {
    type Checked = CheckedLogonGenerator;
    type Error = DatasetError;

    /// Checks every parameter; errors are
    /// [`Error::Param`](threatstat_core::Error::Param) naming it.
    ///
    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_datasets::{DatasetError, cert::LogonGenerator};
    /// let e = LogonGenerator::new().users(3).planted(4).check().unwrap_err();
    /// assert!(matches!(e, DatasetError::Core(Error::Param { name: "planted", .. })), "{e}");
    /// ```
    fn check(&self) -> Result<CheckedLogonGenerator, DatasetError> {
        if self.users == 0 || self.users > 26 * 26 * 26 * 10_000 {
            return bad("users", self.users, "1 to 175760000");
        }
        if self.days == 0 {
            return bad("days", self.days, "at least 1");
        }
        // The CERT format writes four-digit years: a later last day would
        // be written as a date no reader (ours included) accepts.
        let (first, last) = (parse_day("0001-01-01")?, parse_day("9999-12-31")?);
        if !(first..=last).contains(&self.start_day) {
            return bad(
                "start_day",
                format!("day number {}", self.start_day),
                "a day within 0001-01-01..9999-12-31 (CERT dates have four-digit years)",
            );
        }
        if self
            .start_day
            .checked_add(i64::from(self.days) - 1)
            .is_none_or(|end| end > last)
        {
            return bad(
                "days",
                self.days,
                format!(
                    "a period from {} that ends within 0001-01-01..9999-12-31 \
                     (CERT dates have four-digit years)",
                    format_day(self.start_day)
                ),
            );
        }
        if !(self.rate_mean.is_finite() && self.rate_mean > 0.0) {
            return bad("rate_mean", self.rate_mean, "a finite number > 0");
        }
        if !(self.rate_shape.is_finite() && self.rate_shape > 0.0) {
            return bad("rate_shape", self.rate_shape, "a finite number > 0");
        }
        if !(self.weekend_factor.is_finite() && self.weekend_factor >= 0.0) {
            return bad(
                "weekend_factor",
                self.weekend_factor,
                "a finite number >= 0",
            );
        }
        if !(0.0..=1.0).contains(&self.after_hours_prob) {
            return bad(
                "after_hours_prob",
                self.after_hours_prob,
                "a probability in 0..=1",
            );
        }
        if self.planted > self.users {
            return bad(
                "planted",
                self.planted,
                format!("at most the number of users ({})", self.users),
            );
        }
        let (a, b) = self.change_window;
        if !(0.0 <= a && a <= b && b <= 1.0) {
            return bad(
                "change_window",
                format!("({a}, {b})"),
                "(from, to) with 0 <= from <= to <= 1",
            );
        }
        if self.planted > 0 && self.days < 2 {
            return bad(
                "days",
                self.days,
                "at least 2 with planted users (a before and an after)",
            );
        }
        if self.planted + self.leavers + self.shift_workers > self.users {
            return bad(
                "shift_workers",
                self.shift_workers,
                format!(
                    "planted ({}), leavers ({}) and shift workers together at most the number of users ({})",
                    self.planted, self.leavers, self.users
                ),
            );
        }
        if let Some((min, max)) = self.episode_days
            && (min == 0 || min > max)
        {
            return bad("episode_days", format!("{min}..={max}"), "1 <= min <= max");
        }
        for e in &self.org_events {
            if !(e.rate_factor.is_finite() && e.rate_factor >= 0.0)
                || e.after_hours_prob
                    .is_some_and(|p| !(0.0..=1.0).contains(&p))
            {
                return bad(
                    "org_event",
                    format!("{e:?}"),
                    "rate_factor >= 0 and after_hours_prob in 0..=1",
                );
            }
        }
        match self.plant {
            PlantKind::AfterHoursRate { rate } => {
                if !(rate.is_finite() && rate > 0.0) {
                    return bad(
                        "plant",
                        format!("after-hours rate {rate}"),
                        "a finite rate > 0",
                    );
                }
            }
            PlantKind::AfterHoursLogons {
                min_extra,
                max_extra,
            } => {
                if max_extra == 0 || min_extra > max_extra {
                    return bad(
                        "plant",
                        format!("after-hours logons {min_extra}..={max_extra}"),
                        "0 <= min_extra <= max_extra and max_extra >= 1",
                    );
                }
            }
        }
        Ok(CheckedLogonGenerator(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_core::Error;

    /// The name of the parameter `g` is refused for.
    fn refused(g: &LogonGenerator) -> &'static str {
        match g.check() {
            Err(DatasetError::Core(Error::Param { name, .. })) => name,
            other => panic!("expected a parameter error, found {other:?}"),
        }
    }

    #[test]
    fn period_past_year_9999_is_rejected() {
        let g = LogonGenerator::new()
            .start_day(parse_day("9999-12-20").unwrap())
            .days(30);
        assert_eq!(refused(&g), "days");
        assert_eq!(
            refused(&LogonGenerator::new().start_day(i64::MAX)),
            "start_day"
        );
        assert_eq!(
            refused(&LogonGenerator::new().start_day(i64::MIN)),
            "start_day"
        );
        assert!(
            LogonGenerator::new()
                .start_day(parse_day("9999-12-01").unwrap())
                .days(31)
                .check()
                .is_ok()
        );
    }

    #[test]
    fn invalid_params_are_rejected() {
        let g = LogonGenerator::new;
        for (bad, param) in [
            (g().users(0), "users"),
            (g().days(0), "days"),
            (g().rate_mean(0.0), "rate_mean"),
            (g().rate_shape(f64::NAN), "rate_shape"),
            (g().weekend_factor(-1.0), "weekend_factor"),
            (g().after_hours_prob(1.5), "after_hours_prob"),
            (g().users(2).planted(3), "planted"),
            (g().change_window(0.8, 0.2), "change_window"),
            (g().days(1).planted(1), "days"),
            (g().plant(PlantKind::after_hours_logons(3, 1)), "plant"),
            (g().plant(PlantKind::after_hours_logons(0, 0)), "plant"),
            (g().plant(PlantKind::after_hours_rate(0.0)), "plant"),
            (g().episode_days(0, 3), "episode_days"),
            (
                g().users(10).planted(5).leavers(3).shift_workers(3),
                "shift_workers",
            ),
            (
                g().org_event(OrgEvent {
                    start: 1,
                    days: 1,
                    rate_factor: -1.0,
                    after_hours_prob: None,
                }),
                "org_event",
            ),
        ] {
            assert_eq!(refused(&bad), param);
            let e = bad.generate(std::io::sink()).unwrap_err();
            assert!(
                matches!(&e, DatasetError::Core(Error::Param { name, .. }) if *name == param),
                "{param}: {e}"
            );
        }
    }

    #[test]
    fn params_round_trip_through_json() {
        let g = LogonGenerator::new()
            .seed(9)
            .start_day(parse_day("2012-02-29").unwrap());
        let j = serde_json::to_string(&g).unwrap();
        assert!(j.contains("\"start_date\":\"2012-02-29\""), "{j}");
        assert_eq!(serde_json::from_str::<LogonGenerator>(&j).unwrap(), g);
    }
}
