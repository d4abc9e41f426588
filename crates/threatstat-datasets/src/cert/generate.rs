//! A seeded generator of CERT-format `logon.csv` files with planted insiders.
//!
//! The CERT Insider Threat data may not be redistributed, so tests,
//! examples and benchmarks use files generated here instead: same format,
//! realistic shape (per-user base rates, quiet weekends, a little background
//! after-hours work), and known ground truth. A planted user behaves like
//! CERT insider scenario 1: from a change date on, the user *also* logs on
//! after hours, a few extra times every day.

use super::datetime::{format_day, parse_day, weekday};
use crate::DatasetError;
use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::Path;
use threatstat_core::rng::SeededRng;
use threatstat_core::time::civil_from_days;

/// The `format` tag of [`GroundTruth`] JSON.
pub const TRUTH_FORMAT: &str = "threatstat-cert-logon-truth";
/// The version of [`GroundTruth`] JSON.
pub const TRUTH_VERSION: u32 = 1;

/// Mixed into the seed of the row-id stream.
const ID_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// The probability that an ordinary logon is on a PC other than the user's own.
const OTHER_PC_PROB: f64 = 0.05;

/// How planted users change.
///
/// ```
/// use threatstat_datasets::cert::PlantKind;
/// let k = PlantKind::after_hours_logons(1, 3);
/// assert_eq!(serde_json::to_string(&k).unwrap(),
///     r#"{"kind":"after_hours_logons","min_extra":1,"max_extra":3}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlantKind {
    /// CERT scenario 1: from the change date on, every day, the user also
    /// logs on `min_extra..=max_extra` (uniform) extra times at hours 18-23
    /// or 0-6 (uniform over those 13 hours), each followed by a logoff
    /// later the same day.
    AfterHoursLogons {
        /// Fewest extra logons per day.
        min_extra: u32,
        /// Most extra logons per day.
        max_extra: u32,
    },
    /// From the change date on, every day, a Poisson number of extra
    /// after-hours logons with mean `rate` (an effect size that can be
    /// small next to the day-to-day noise).
    AfterHoursRate {
        /// Mean extra after-hours logons per day.
        rate: f64,
    },
}

impl PlantKind {
    /// [`PlantKind::AfterHoursLogons`] with `min..=max` extra logons per day.
    ///
    /// ```
    /// # use threatstat_datasets::cert::PlantKind;
    /// assert_eq!(PlantKind::after_hours_logons(1, 3),
    ///     PlantKind::AfterHoursLogons { min_extra: 1, max_extra: 3 });
    /// ```
    pub fn after_hours_logons(min: u32, max: u32) -> Self {
        PlantKind::AfterHoursLogons {
            min_extra: min,
            max_extra: max,
        }
    }
}

impl PlantKind {
    /// [`PlantKind::AfterHoursRate`] with mean `rate` extra logons per day.
    ///
    /// ```
    /// # use threatstat_datasets::cert::PlantKind;
    /// assert_eq!(PlantKind::after_hours_rate(0.5), PlantKind::AfterHoursRate { rate: 0.5 });
    /// ```
    pub fn after_hours_rate(rate: f64) -> Self {
        PlantKind::AfterHoursRate { rate }
    }
}

/// An organisation-wide period: from `start` (days after the first day)
/// for `days` days every user's ordinary logon rate is multiplied by
/// `rate_factor` (a holiday: e.g. 0.1), and, if set, the probability that
/// an ordinary logon is after hours becomes `after_hours_prob` (a deadline
/// crunch: e.g. 0.3).
///
/// ```
/// use threatstat_datasets::cert::OrgEvent;
/// let holiday = OrgEvent { start: 350, days: 10, rate_factor: 0.1, after_hours_prob: None };
/// assert!(serde_json::to_string(&holiday).unwrap().contains("\"rate_factor\":0.1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrgEvent {
    /// First day of the period, as days after the generator's first day.
    pub start: u32,
    /// Length in days.
    pub days: u32,
    /// Factor of every user's ordinary rate.
    pub rate_factor: f64,
    /// After-hours probability of ordinary logons during the period.
    pub after_hours_prob: Option<f64>,
}

/// The probability that a shift worker's ordinary logon is after hours.
pub const SHIFT_AFTER_HOURS_PROB: f64 = 0.85;

/// Mixed into the seed of the stream that picks user roles (leavers,
/// shift workers, episode lengths), so that files without them are
/// unchanged.
const MIX_STREAM: u64 = 0xD1B5_4A32_D192_ED03;

impl Default for PlantKind {
    fn default() -> Self {
        PlantKind::after_hours_logons(1, 3)
    }
}

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
    users: usize,
    days: u32,
    #[serde(rename = "start_date", with = "day_as_date")]
    start_day: i64,
    seed: u64,
    rate_mean: f64,
    rate_shape: f64,
    weekend_factor: f64,
    after_hours_prob: f64,
    planted: usize,
    plant: PlantKind,
    change_window: (f64, f64),
    id_column: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    episode_days: Option<(u32, u32)>,
    #[serde(default, skip_serializing_if = "is_zero")]
    leavers: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    shift_workers: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    org_events: Vec<OrgEvent>,
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

/// A planted user and when the change starts.
///
/// ```
/// # use threatstat_datasets::cert::LogonGenerator;
/// let truth = LogonGenerator::new().users(5).days(30).planted(1).generate(std::io::sink()).unwrap();
/// let p = &truth.planted[0];
/// assert_eq!(threatstat_datasets::cert::format_day(p.change_day), p.change_date);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedUser {
    /// The user id.
    pub user: String,
    /// The user's own PC.
    pub pc: String,
    /// The first day of the change, `YYYY-MM-DD`.
    pub change_date: String,
    /// The first day of the change, days since 1970-01-01.
    pub change_day: i64,
    /// How many planted (extra) logons were written for this user.
    pub extra_logons: u64,
    /// The last day of the change (inclusive), `YYYY-MM-DD`, when it is an
    /// episode that stops (see [`LogonGenerator::episode_days`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// The last day of the change (inclusive), days since 1970-01-01.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_day: Option<i64>,
}

/// A user whose activity stops for good (they left the organisation).
///
/// ```
/// # use threatstat_datasets::cert::LogonGenerator;
/// let t = LogonGenerator::new().users(20).days(60).planted(1).leavers(2).generate(std::io::sink()).unwrap();
/// assert_eq!(t.leavers.len(), 2);
/// assert!(t.leavers.iter().all(|l| t.planted.iter().all(|p| p.user != l.user)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaver {
    /// The user id.
    pub user: String,
    /// The first day without activity, `YYYY-MM-DD`.
    pub leave_date: String,
    /// The first day without activity, days since 1970-01-01.
    pub leave_day: i64,
}

/// What a generator wrote: its parameters, the period, and the planted users.
///
/// ```
/// use threatstat_datasets::cert::{GroundTruth, LogonGenerator};
/// let truth = LogonGenerator::new().users(5).days(30).planted(1).generate(std::io::sink()).unwrap();
/// let back = GroundTruth::from_json(&truth.to_json()).unwrap();
/// assert_eq!(back, truth);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Always [`TRUTH_FORMAT`].
    pub format: String,
    /// [`TRUTH_VERSION`] when written.
    pub version: u32,
    /// The generator's parameters (enough to regenerate the file).
    pub params: LogonGenerator,
    /// The first day of the period, `YYYY-MM-DD`.
    pub first_date: String,
    /// The last day of the period, `YYYY-MM-DD`.
    pub last_date: String,
    /// Data rows written.
    pub rows: u64,
    /// Logon rows written (as many logoffs were written).
    pub logons: u64,
    /// The planted users, sorted by user id.
    pub planted: Vec<PlantedUser>,
    /// Users who left (see [`LogonGenerator::leavers`]), sorted by user id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leavers: Vec<Leaver>,
    /// Shift workers (see [`LogonGenerator::shift_workers`]), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shift_workers: Vec<String>,
}

impl GroundTruth {
    /// Pretty JSON, ending with a newline.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let truth = LogonGenerator::new().users(3).days(10).planted(1).generate(std::io::sink()).unwrap();
    /// assert!(truth.to_json().contains("\"format\": \"threatstat-cert-logon-truth\""));
    /// ```
    pub fn to_json(&self) -> String {
        crate::truth::to_json(self)
    }

    /// Reads JSON written by [`GroundTruth::to_json`], checking format and version.
    ///
    /// ```
    /// # use threatstat_datasets::cert::GroundTruth;
    /// assert!(GroundTruth::from_json("{}").is_err());
    /// ```
    pub fn from_json(s: &str) -> Result<Self, DatasetError> {
        crate::truth::from_json(
            s,
            "ground truth",
            (TRUTH_FORMAT, TRUTH_VERSION),
            |t: &Self| (t.format.as_str(), t.version),
        )
    }

    /// Reads a ground truth file.
    ///
    /// ```
    /// # use threatstat_datasets::cert::GroundTruth;
    /// assert!(GroundTruth::read("/nonexistent/truth.json").is_err());
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        crate::truth::read(path.as_ref(), Self::from_json)
    }
}

/// One event of a day, before sorting.
#[derive(Clone, Copy)]
struct Event {
    second: u32,
    user: u32,
    pc: u32,
    logon: bool,
}

struct User {
    name: String,
    pc: u32,
    weekday: Option<Poisson<f64>>,
    weekend: Option<Poisson<f64>>,
    change_day: Option<i64>,
    /// Last day of the planted change (inclusive) for episodes.
    end_day: Option<i64>,
    /// First day without any activity (leavers).
    leave_day: Option<i64>,
    /// Rate of ordinary logons on weekdays (for organisation events).
    rate: f64,
    shift: bool,
    extra_logons: u64,
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
    /// logons are after hours with probability [`SHIFT_AFTER_HOURS_PROB`]
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

    /// Checks the parameters; [`generate`](Self::generate) does it too.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let e = LogonGenerator::new().users(3).planted(4).validate().unwrap_err();
    /// assert!(e.to_string().contains("planted"), "{e}");
    /// ```
    pub fn validate(&self) -> Result<(), DatasetError> {
        let bad = |m: String| Err(DatasetError::Invalid(m));
        if self.users == 0 || self.users > 26 * 26 * 26 * 10_000 {
            return bad(format!(
                "users must be 1 to 175760000, found {}",
                self.users
            ));
        }
        if self.days == 0 {
            return bad("days must be at least 1, found 0".into());
        }
        // The CERT format writes four-digit years: a later last day would
        // be written as a date no reader (ours included) accepts.
        let (first, last) = (parse_day("0001-01-01")?, parse_day("9999-12-31")?);
        if self.start_day < first
            || self
                .start_day
                .checked_add(i64::from(self.days) - 1)
                .is_none_or(|end| end > last)
        {
            return bad(format!(
                "the period of {} days from {} must lie within 0001-01-01..9999-12-31 \
                 (CERT dates have four-digit years)",
                self.days,
                if (first..=last).contains(&self.start_day) {
                    format_day(self.start_day)
                } else {
                    format!("day number {}", self.start_day)
                }
            ));
        }
        if !(self.rate_mean.is_finite() && self.rate_mean > 0.0) {
            return bad(format!(
                "rate_mean must be positive, found {}",
                self.rate_mean
            ));
        }
        if !(self.rate_shape.is_finite() && self.rate_shape > 0.0) {
            return bad(format!(
                "rate_shape must be positive, found {}",
                self.rate_shape
            ));
        }
        if !(self.weekend_factor.is_finite() && self.weekend_factor >= 0.0) {
            return bad(format!(
                "weekend_factor must be 0 or more, found {}",
                self.weekend_factor
            ));
        }
        if !(0.0..=1.0).contains(&self.after_hours_prob) {
            return bad(format!(
                "after_hours_prob must be in 0..=1, found {}",
                self.after_hours_prob
            ));
        }
        if self.planted > self.users {
            return bad(format!(
                "planted users ({}) must not exceed users ({})",
                self.planted, self.users
            ));
        }
        let (a, b) = self.change_window;
        if !(0.0 <= a && a <= b && b <= 1.0) {
            return bad(format!(
                "change_window must satisfy 0 <= from <= to <= 1, found ({a}, {b})"
            ));
        }
        if self.planted > 0 && self.days < 2 {
            return bad("planted users need at least 2 days (a before and an after)".into());
        }
        if self.planted + self.leavers + self.shift_workers > self.users {
            return bad(format!(
                "planted ({}), leavers ({}) and shift workers ({}) must not exceed users ({})",
                self.planted, self.leavers, self.shift_workers, self.users
            ));
        }
        if let Some((min, max)) = self.episode_days
            && (min == 0 || min > max)
        {
            return bad(format!(
                "episode_days needs 1 <= min <= max, found {min}..={max}"
            ));
        }
        for e in &self.org_events {
            if !(e.rate_factor.is_finite() && e.rate_factor >= 0.0)
                || e.after_hours_prob
                    .is_some_and(|p| !(0.0..=1.0).contains(&p))
            {
                return bad(format!(
                    "organisation event needs rate_factor >= 0 and after_hours_prob in 0..=1, found {e:?}"
                ));
            }
        }
        match self.plant {
            PlantKind::AfterHoursRate { rate } => {
                if !(rate.is_finite() && rate > 0.0) {
                    return bad(format!("after-hours rate must be positive, found {rate}"));
                }
            }
            PlantKind::AfterHoursLogons {
                min_extra,
                max_extra,
            } => {
                if max_extra == 0 || min_extra > max_extra {
                    return bad(format!(
                        "after-hours plant needs 0 <= min_extra <= max_extra and max_extra >= 1, \
                         found {min_extra}..={max_extra}"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Writes the CSV to `out` and returns the ground truth.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().users(10).days(20).seed(3);
    /// let (mut a, mut b) = (Vec::new(), Vec::new());
    /// assert_eq!(g.generate(&mut a).unwrap(), g.generate(&mut b).unwrap());
    /// assert_eq!(a, b);
    /// ```
    pub fn generate(&self, out: impl Write) -> Result<GroundTruth, DatasetError> {
        self.generate_to(out, "the output")
    }

    /// Writes the CSV to `csv_path` and the ground truth JSON to `truth_path`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{GroundTruth, LogonGenerator};
    /// let dir = std::env::temp_dir();
    /// let (csv, json) = (dir.join("threatstat-doc-logon.csv"), dir.join("threatstat-doc-truth.json"));
    /// let truth = LogonGenerator::new().users(10).days(20).write_files(&csv, &json).unwrap();
    /// assert_eq!(GroundTruth::read(&json).unwrap(), truth);
    /// ```
    pub fn write_files(
        &self,
        csv_path: impl AsRef<Path>,
        truth_path: impl AsRef<Path>,
    ) -> Result<GroundTruth, DatasetError> {
        let (csv_path, truth_path) = (csv_path.as_ref(), truth_path.as_ref());
        self.validate()?;
        // Files appear whole or not at all (an interrupted run leaves no
        // truncated logon.csv that looks like data).
        let mut csv = threatstat_core::atomic::AtomicFile::create(csv_path)?;
        let truth = self.generate_to(&mut csv, &csv_path.display().to_string())?;
        csv.commit()?;
        threatstat_core::atomic::write_atomically(truth_path, |w| {
            w.write_all(truth.to_json().as_bytes())
        })?;
        Ok(truth)
    }

    fn generate_to(&self, out: impl Write, target: &str) -> Result<GroundTruth, DatasetError> {
        self.validate()?;
        let werr = |e| DatasetError::Write {
            target: target.to_string(),
            source: e,
        };
        let mut rng = threatstat_core::rng::seeded(self.seed);
        // Row ids come from their own stream, so that a file without the
        // `id` column has the same events as one with it.
        let mut id_rng = threatstat_core::rng::seeded(self.seed ^ ID_STREAM);
        let mut users = self.make_users(&mut rng)?;
        let mut out = BufWriter::with_capacity(1 << 16, out);
        out.write_all(if self.id_column {
            b"id,date,user,pc,activity\n"
        } else {
            b"date,user,pc,activity\n"
        })
        .map_err(werr)?;

        let (mut rows, mut logons) = (0u64, 0u64);
        let mut events: Vec<Event> = Vec::new();
        let mut line: Vec<u8> = Vec::with_capacity(96);
        for day in self.start_day..self.start_day + i64::from(self.days) {
            events.clear();
            let weekend = weekday(day) >= 5;
            let offset = day - self.start_day;
            let event = self.org_events.iter().find(|e| {
                (i64::from(e.start)..i64::from(e.start) + i64::from(e.days)).contains(&offset)
            });
            for (uid, u) in users.iter_mut().enumerate() {
                let uid = uid as u32;
                if u.leave_day.is_some_and(|l| day >= l) {
                    continue;
                }
                let n = match event {
                    None => {
                        let dist = if weekend { &u.weekend } else { &u.weekday };
                        dist.as_ref().map_or(0, |d| d.sample(&mut rng) as u32)
                    }
                    Some(e) => {
                        let f = if weekend { self.weekend_factor } else { 1.0 };
                        let lambda = u.rate * f * e.rate_factor;
                        Poisson::new(lambda).map_or(0, |d| d.sample(&mut rng) as u32)
                    }
                };
                let after_prob = if u.shift {
                    SHIFT_AFTER_HOURS_PROB
                } else {
                    event
                        .and_then(|e| e.after_hours_prob)
                        .unwrap_or(self.after_hours_prob)
                };
                for _ in 0..n {
                    let after = rng.random_bool(after_prob);
                    let second = if after {
                        after_hours_second(&mut rng)
                    } else {
                        rng.random_range(7 * 3600..18 * 3600)
                    };
                    let pc = if rng.random_bool(OTHER_PC_PROB) {
                        rng.random_range(0..10_000)
                    } else {
                        u.pc
                    };
                    let duration = rng.random_range(15 * 60..=9 * 3600);
                    push_session(&mut events, uid, pc, second, duration);
                }
                if u.change_day.is_some_and(|c| day >= c) && u.end_day.is_none_or(|e| day <= e) {
                    let extra = match self.plant {
                        PlantKind::AfterHoursLogons {
                            min_extra,
                            max_extra,
                        } => rng.random_range(min_extra..=max_extra),
                        PlantKind::AfterHoursRate { rate } => {
                            Poisson::new(rate).map_or(0, |d| d.sample(&mut rng) as u32)
                        }
                    };
                    for _ in 0..extra {
                        let second = after_hours_second(&mut rng);
                        let duration = rng.random_range(5 * 60..=3 * 3600);
                        push_session(&mut events, uid, u.pc, second, duration);
                    }
                    u.extra_logons += u64::from(extra);
                }
            }
            // Stable: a logon and its logoff in the same second stay in order.
            events.sort_by_key(|e| e.second);
            let (y, m, d) = civil_from_days(day);
            let date = format!("{m:02}/{d:02}/{y:04} ");
            for e in &events {
                line.clear();
                if self.id_column {
                    push_id(&mut line, &mut id_rng);
                    line.push(b',');
                }
                line.extend_from_slice(date.as_bytes());
                push_2(&mut line, e.second / 3600);
                line.push(b':');
                push_2(&mut line, (e.second / 60) % 60);
                line.push(b':');
                push_2(&mut line, e.second % 60);
                line.push(b',');
                line.extend_from_slice(users[e.user as usize].name.as_bytes());
                line.extend_from_slice(b",PC-");
                push_2(&mut line, e.pc / 100);
                push_2(&mut line, e.pc % 100);
                line.extend_from_slice(if e.logon { b",Logon\n" } else { b",Logoff\n" });
                out.write_all(&line).map_err(werr)?;
            }
            rows += events.len() as u64;
            logons += events.iter().filter(|e| e.logon).count() as u64;
        }
        out.flush().map_err(werr)?;

        let mut planted: Vec<PlantedUser> = users
            .iter()
            .filter_map(|u| {
                u.change_day.map(|c| PlantedUser {
                    user: u.name.clone(),
                    pc: format!("PC-{:04}", u.pc),
                    change_date: format_day(c),
                    change_day: c,
                    extra_logons: u.extra_logons,
                    end_date: u.end_day.map(format_day),
                    end_day: u.end_day,
                })
            })
            .collect();
        planted.sort_by(|a, b| a.user.cmp(&b.user));
        let mut leavers: Vec<Leaver> = users
            .iter()
            .filter_map(|u| {
                u.leave_day.map(|l| Leaver {
                    user: u.name.clone(),
                    leave_date: format_day(l),
                    leave_day: l,
                })
            })
            .collect();
        leavers.sort_by(|a, b| a.user.cmp(&b.user));
        let mut shift_workers: Vec<String> = users
            .iter()
            .filter(|u| u.shift)
            .map(|u| u.name.clone())
            .collect();
        shift_workers.sort();
        Ok(GroundTruth {
            format: TRUTH_FORMAT.to_string(),
            version: TRUTH_VERSION,
            params: self.clone(),
            first_date: format_day(self.start_day),
            last_date: format_day(self.start_day + i64::from(self.days) - 1),
            rows,
            logons,
            planted,
            leavers,
            shift_workers,
        })
    }

    /// Users with names, PCs, rates and (for planted ones) change days.
    fn make_users(&self, rng: &mut SeededRng) -> Result<Vec<User>, DatasetError> {
        let gamma = Gamma::new(self.rate_shape, self.rate_mean / self.rate_shape)
            .map_err(|e| DatasetError::Invalid(format!("rate distribution: {e}")))?;
        let mut seen = HashSet::with_capacity(self.users);
        let mut users = Vec::with_capacity(self.users);
        for _ in 0..self.users {
            let name = loop {
                let mut s = String::with_capacity(7);
                for _ in 0..3 {
                    s.push(char::from(b'A' + rng.random_range(0..26u8)));
                }
                s.push_str(&format!("{:04}", rng.random_range(0..10_000u32)));
                if seen.insert(s.clone()) {
                    break s;
                }
            };
            let rate: f64 = gamma.sample(rng);
            let poisson = |lambda: f64| (lambda > 0.0).then(|| Poisson::new(lambda).ok()).flatten();
            users.push(User {
                name,
                pc: rng.random_range(0..10_000),
                weekday: poisson(rate),
                weekend: poisson(rate * self.weekend_factor),
                change_day: None,
                end_day: None,
                leave_day: None,
                rate,
                shift: false,
                extra_logons: 0,
            });
        }
        let days = i64::from(self.days);
        let (a, b) = self.change_window;
        let lo = ((a * days as f64).floor() as i64).clamp(1, days - 1);
        let hi = ((b * days as f64).floor() as i64).clamp(lo, days - 1);
        for i in rand::seq::index::sample(rng, self.users, self.planted) {
            users[i].change_day = Some(self.start_day + rng.random_range(lo..=hi));
        }
        if self.episode_days.is_some() || self.leavers > 0 || self.shift_workers > 0 {
            let mut mix = threatstat_core::rng::seeded(self.seed ^ MIX_STREAM);
            if let Some((min, max)) = self.episode_days {
                for u in users.iter_mut() {
                    if let Some(c) = u.change_day {
                        let len = i64::from(mix.random_range(min..=max));
                        u.end_day = Some((c + len - 1).min(self.start_day + days - 1));
                    }
                }
            }
            let others: Vec<usize> = (0..self.users)
                .filter(|&i| users[i].change_day.is_none())
                .collect();
            let picked =
                rand::seq::index::sample(&mut mix, others.len(), self.leavers + self.shift_workers);
            for (k, j) in picked.into_iter().enumerate() {
                let u = &mut users[others[j]];
                if k < self.leavers {
                    u.leave_day = Some(self.start_day + mix.random_range(lo..=hi));
                } else {
                    u.shift = true;
                }
            }
        }
        Ok(users)
    }
}

/// A uniform second in hours 18-23 or 0-6 (13 hours).
fn after_hours_second(rng: &mut SeededRng) -> u32 {
    let s = rng.random_range(0..13 * 3600);
    (s + 18 * 3600) % (24 * 3600)
}

/// A logon at `second` and its logoff `duration` seconds later, cut at 23:59:59.
fn push_session(events: &mut Vec<Event>, user: u32, pc: u32, second: u32, duration: u32) {
    events.push(Event {
        second,
        user,
        pc,
        logon: true,
    });
    events.push(Event {
        second: (second + duration).min(86_399),
        user,
        pc,
        logon: false,
    });
}

fn push_2(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// A CERT-style row id, `{XXXX-XXXXXXXX-XXXXXXXX}` over `0-9A-Z`.
fn push_id(buf: &mut Vec<u8>, rng: &mut SeededRng) {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const POW10: u64 = 36u64.pow(10);
    let mut chars = [0u8; 20];
    for half in chars.chunks_mut(10) {
        let mut v = rng.random_range(0..POW10);
        for c in half {
            *c = ALPHABET[(v % 36) as usize];
            v /= 36;
        }
    }
    buf.push(b'{');
    buf.extend_from_slice(&chars[..4]);
    buf.push(b'-');
    buf.extend_from_slice(&chars[4..12]);
    buf.push(b'-');
    buf.extend_from_slice(&chars[12..]);
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_past_year_9999_is_rejected() {
        let g = LogonGenerator::new()
            .start_day(parse_day("9999-12-20").unwrap())
            .days(30);
        let e = g.validate().unwrap_err().to_string();
        assert!(e.contains("0001-01-01..9999-12-31"), "{e}");
        assert!(
            LogonGenerator::new()
                .start_day(i64::MAX)
                .validate()
                .is_err()
        );
        assert!(
            LogonGenerator::new()
                .start_day(i64::MIN)
                .validate()
                .is_err()
        );
        assert!(
            LogonGenerator::new()
                .start_day(parse_day("9999-12-01").unwrap())
                .days(31)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn after_hours_seconds_are_after_hours() {
        let mut rng = threatstat_core::rng::seeded(1);
        for _ in 0..10_000 {
            let h = after_hours_second(&mut rng) / 3600;
            assert!(!(7..18).contains(&h), "{h}");
        }
    }

    #[test]
    fn ids_have_cert_shape() {
        let mut rng = threatstat_core::rng::seeded(1);
        let mut b = Vec::new();
        push_id(&mut b, &mut rng);
        let s = String::from_utf8(b).unwrap();
        assert_eq!(s.len(), 24);
        let parts: Vec<&str> = s.trim_matches(['{', '}']).split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 8, 8]);
        assert!(parts.iter().all(|p| {
            p.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }));
    }

    #[test]
    fn invalid_params_are_rejected() {
        let g = LogonGenerator::new;
        for (bad, needle) in [
            (g().users(0), "users"),
            (g().days(0), "days"),
            (g().rate_mean(0.0), "rate_mean"),
            (g().rate_shape(f64::NAN), "rate_shape"),
            (g().weekend_factor(-1.0), "weekend_factor"),
            (g().after_hours_prob(1.5), "after_hours_prob"),
            (g().users(2).planted(3), "planted"),
            (g().change_window(0.8, 0.2), "change_window"),
            (g().days(1).planted(1), "2 days"),
            (g().plant(PlantKind::after_hours_logons(3, 1)), "min_extra"),
            (g().plant(PlantKind::after_hours_logons(0, 0)), "max_extra"),
            (
                g().plant(PlantKind::after_hours_rate(0.0)),
                "after-hours rate",
            ),
            (g().episode_days(0, 3), "episode_days"),
            (
                g().users(10).planted(5).leavers(3).shift_workers(3),
                "shift workers",
            ),
        ] {
            let e = bad.generate(std::io::sink()).unwrap_err().to_string();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn user_mixes_behave_as_described() {
        use crate::cert::{LogonLoader, OrgEvent, Span};
        let g = LogonGenerator::new()
            .users(60)
            .days(120)
            .planted(4)
            .plant(PlantKind::after_hours_rate(2.0))
            .episode_days(10, 20)
            .leavers(5)
            .shift_workers(5)
            .org_event(OrgEvent {
                start: 30,
                days: 10,
                rate_factor: 0.0,
                after_hours_prob: None,
            })
            .seed(4);
        let mut csv = Vec::new();
        let t = g.generate(&mut csv).unwrap();
        assert_eq!(
            (t.planted.len(), t.leavers.len(), t.shift_workers.len()),
            (4, 5, 5)
        );
        let mut roles: Vec<&str> = t.planted.iter().map(|p| p.user.as_str()).collect();
        roles.extend(t.leavers.iter().map(|l| l.user.as_str()));
        roles.extend(t.shift_workers.iter().map(String::as_str));
        roles.sort();
        roles.dedup();
        assert_eq!(roles.len(), 14, "roles are disjoint");
        let all = LogonLoader::new()
            .load_reader("g.csv", std::io::Cursor::new(csv.clone()))
            .unwrap();
        let night = LogonLoader::new()
            .hour_window("18-7".parse::<crate::cert::HourWindow>().unwrap())
            .load_reader("g.csv", std::io::Cursor::new(csv.clone()))
            .unwrap();
        for l in &t.leavers {
            let d = all.user_daily(&l.user, Span::Global).unwrap();
            assert!(
                d.iter().all(|(day, c)| day < l.leave_day || c == 0),
                "{}",
                l.user
            );
        }
        for p in &t.planted {
            let end = p.end_day.unwrap();
            assert!((10..=20).contains(&(end - p.change_day + 1)));
            let d = night.user_daily(&p.user, Span::Global).unwrap();
            let inside: u32 = d
                .iter()
                .filter(|&(day, _)| day >= p.change_day && day <= end)
                .map(|x| x.1)
                .sum();
            assert!(inside >= 10, "{}: {inside}", p.user);
        }
        for u in &t.shift_workers {
            let (a, n) = (
                all.user_daily(u, Span::Global).unwrap().total(),
                night.user_daily(u, Span::Global).unwrap().total(),
            );
            assert!(n as f64 > 0.6 * a as f64, "{u}: {n} of {a}");
        }
        // Nobody works during the holiday (rate factor 0) except planted extras.
        let start = t.params.start_day + 30;
        for d in all.daily(Span::Global) {
            if t.planted.iter().any(|p| p.user == d.user) {
                continue;
            }
            assert!(
                d.iter()
                    .all(|(day, c)| !(start..start + 10).contains(&day) || c == 0)
            );
        }
        let back = GroundTruth::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn defaults_write_no_new_truth_fields() {
        let t = LogonGenerator::new()
            .users(5)
            .days(10)
            .planted(1)
            .generate(std::io::sink())
            .unwrap();
        let j = t.to_json();
        for key in [
            "end_date",
            "leavers",
            "shift_workers",
            "episode_days",
            "org_events",
        ] {
            assert!(!j.contains(key), "{key} in {j}");
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
