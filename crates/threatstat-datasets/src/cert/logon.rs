//! Streaming loader of CERT `logon.csv` into per-user daily logon counts.

use super::datetime::{LocalDateTime, format_day};
use super::window::HourWindow;
use crate::DatasetError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::str::FromStr;
use threatstat_core::reader::CsvTable;
use threatstat_core::{BadRowPolicy, Error, Interner, Merge, SkipReport};

/// The `activity` of a CERT logon row.
///
/// Only the exact spellings `Logon` and `Logoff` are accepted (CERT writes
/// nothing else); `Login`, `logon` or an empty cell are bad rows.
///
/// ```
/// use threatstat_datasets::cert::Activity;
/// assert_eq!("Logon".parse::<Activity>().unwrap(), Activity::Logon);
/// assert_eq!(Activity::Logoff.as_str(), "Logoff");
/// assert!("Login".parse::<Activity>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Activity {
    /// A logon.
    Logon,
    /// A logoff.
    Logoff,
}

impl Activity {
    /// `Logon` or `Logoff`, as CERT writes it.
    ///
    /// ```
    /// # use threatstat_datasets::cert::Activity;
    /// assert_eq!(Activity::Logon.as_str(), "Logon");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Activity::Logon => "Logon",
            Activity::Logoff => "Logoff",
        }
    }

    /// The activity written as `b`, if it is exactly `Logon` or `Logoff`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::Activity;
    /// assert_eq!(Activity::from_bytes(b"Logoff"), Some(Activity::Logoff));
    /// assert_eq!(Activity::from_bytes(b"logoff"), None);
    /// ```
    #[inline]
    pub fn from_bytes(b: &[u8]) -> Option<Activity> {
        match b {
            b"Logon" => Some(Activity::Logon),
            b"Logoff" => Some(Activity::Logoff),
            _ => None,
        }
    }
}

impl FromStr for Activity {
    type Err = String;
    /// Exactly `Logon` or `Logoff`; the error message says so.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Activity::from_bytes(s.as_bytes())
            .ok_or_else(|| format!("expected `Logon` or `Logoff`, found `{s}`"))
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which days a user's daily series covers.
///
/// ```
/// use threatstat_datasets::cert::Span;
/// assert_eq!(Span::default(), Span::User);
/// assert_eq!("global".parse::<Span>().unwrap(), Span::Global);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Span {
    /// From the user's first to last day with any logon or logoff event.
    #[default]
    User,
    /// From the file's first to last day (all users' series are aligned).
    Global,
}

impl FromStr for Span {
    type Err = DatasetError;
    /// `user` or `global`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Span::User),
            "global" => Ok(Span::Global),
            _ => Err(
                threatstat_core::Error::param("span", format!("`{s}`"), "`user` or `global`")
                    .into(),
            ),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Span::User => "user",
            Span::Global => "global",
        })
    }
}

/// One user's daily logon counts in calendar order, one entry per day from
/// `first_day` on, days without a counted logon being `0`.
///
/// ```
/// use threatstat_datasets::cert::{DailyCounts, parse_day};
/// let d = DailyCounts { user: "ABC0123".into(), first_day: parse_day("2010-02-27").unwrap(), counts: vec![2, 0, 1] };
/// assert_eq!(d.dates(), ["2010-02-27", "2010-02-28", "2010-03-01"]);
/// assert_eq!(d.last_day(), parse_day("2010-03-01").unwrap());
/// assert_eq!(d.total(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCounts {
    /// The user.
    pub user: String,
    /// Day number (days since 1970-01-01) of `counts[0]`.
    pub first_day: i64,
    /// Counted logons on `first_day`, `first_day + 1`, ...
    pub counts: Vec<u32>,
}

impl DailyCounts {
    /// Day number of the last entry (`first_day - 1` when `counts` is empty).
    ///
    /// ```
    /// # use threatstat_datasets::cert::DailyCounts;
    /// let d = DailyCounts { user: "u".into(), first_day: 10, counts: vec![1, 2] };
    /// assert_eq!(d.last_day(), 11);
    /// ```
    pub fn last_day(&self) -> i64 {
        self.first_day + self.counts.len() as i64 - 1
    }

    /// `(day number, count)` pairs in calendar order.
    ///
    /// ```
    /// # use threatstat_datasets::cert::DailyCounts;
    /// let d = DailyCounts { user: "u".into(), first_day: 10, counts: vec![1, 0] };
    /// assert_eq!(d.iter().collect::<Vec<_>>(), [(10, 1), (11, 0)]);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (i64, u32)> + '_ {
        let first = self.first_day;
        self.counts
            .iter()
            .enumerate()
            .map(move |(i, &c)| (first + i as i64, c))
    }

    /// The dates of the entries as `YYYY-MM-DD`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::DailyCounts;
    /// let d = DailyCounts { user: "u".into(), first_day: 0, counts: vec![0] };
    /// assert_eq!(d.dates(), ["1970-01-01"]);
    /// ```
    pub fn dates(&self) -> Vec<String> {
        self.iter().map(|(d, _)| format_day(d)).collect()
    }

    /// The sum of the counts.
    ///
    /// ```
    /// # use threatstat_datasets::cert::DailyCounts;
    /// assert_eq!(DailyCounts { user: "u".into(), first_day: 0, counts: vec![3, 0, 4] }.total(), 7);
    /// ```
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }
}

/// What a load read: rows, events, users and the days covered.
///
/// `rows == logons + logoffs + skipped`. `counted_logons` is the number of
/// logons in the [hour window](LogonLoader::hour_window) (all logons when
/// there is none), which is the sum of all users' daily counts.
///
/// ```
/// use threatstat_datasets::cert::LogonCounts;
/// let s = LogonCounts::new(None).summary().clone();
/// assert_eq!((s.rows, s.users, s.first_day), (0, 0, None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogonSummary {
    /// Data rows read (header excluded), bad rows included.
    pub rows: u64,
    /// Valid `Logon` rows.
    pub logons: u64,
    /// Valid `Logoff` rows (validated and counted here, never in the daily counts).
    pub logoffs: u64,
    /// Logons counted in the daily series (those in the hour window, if any).
    pub counted_logons: u64,
    /// Bad rows skipped under [`BadRowPolicy::Skip`].
    pub skipped: u64,
    /// Distinct users with at least one valid row.
    pub users: u64,
    /// The first day (days since 1970-01-01) with a valid row.
    pub first_day: Option<i64>,
    /// The last day with a valid row.
    pub last_day: Option<i64>,
    /// The hour window logons were counted in, if any.
    pub hour_window: Option<HourWindow>,
}

impl LogonSummary {
    /// The number of days from `first_day` to `last_day` inclusive (0 if empty).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonSummary;
    /// let s = LogonSummary { first_day: Some(5), last_day: Some(9), ..Default::default() };
    /// assert_eq!(s.days(), 5);
    /// ```
    pub fn days(&self) -> u64 {
        match (self.first_day, self.last_day) {
            (Some(a), Some(b)) => (b - a + 1) as u64,
            _ => 0,
        }
    }
}

impl fmt::Display for LogonSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} logons, {} logoffs, {} skipped; {} users",
            self.rows, self.logons, self.logoffs, self.skipped, self.users
        )?;
        if let (Some(a), Some(b)) = (self.first_day, self.last_day) {
            write!(
                f,
                "; {} to {} ({} days)",
                format_day(a),
                format_day(b),
                self.days()
            )?;
        }
        match self.hour_window {
            Some(w) => write!(f, "; {} logons in hours {w}", self.counted_logons),
            None => Ok(()),
        }
    }
}

/// Equal when they count in the same hour window and hold the same
/// summary, skips and per-user days (whatever the order users were met in).
impl PartialEq for LogonCounts {
    fn eq(&self, other: &Self) -> bool {
        self.summary == other.summary
            && self.skips == other.skips
            && self.hour_window() == other.hour_window()
            && self.daily(Span::User) == other.daily(Span::User)
    }
}

/// Adds the counts of another part (see `add_counts`): the result equals
/// reading both inputs as one.
impl Merge for LogonCounts {
    type Error = DatasetError;
    fn merge(&mut self, other: &LogonCounts) -> Result<(), DatasetError> {
        self.add_counts(other)
    }
}

/// One user's days: `counts[i]` is day `first + i`; the vector covers the
/// user's first to last day with any valid row.
#[derive(Debug, Clone, Default)]
struct UserDays {
    first: i64,
    counts: Vec<u32>,
}

impl UserDays {
    /// The count of `day`, extending the covered range (with zeros) if needed.
    #[inline]
    fn slot(&mut self, day: i64) -> &mut u32 {
        if self.counts.is_empty() {
            self.first = day;
            self.counts.push(0);
        } else if day < self.first {
            // Rows out of time order: prepend the missing days.
            let add = (self.first - day) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, add));
            self.first = day;
        } else {
            let i = (day - self.first) as usize;
            if i >= self.counts.len() {
                self.counts.resize(i + 1, 0);
            }
        }
        &mut self.counts[(day - self.first) as usize]
    }

    fn last(&self) -> i64 {
        self.first + self.counts.len() as i64 - 1
    }
}

/// Per-user per-day counts of logon events: the compact result of reading a
/// logon log, from which [`DailyCounts`] series are cut.
///
/// Users are interned; each user's days are a dense vector covering the
/// user's first to last day with any valid row, so memory is proportional to
/// users x days, not to rows.
///
/// ```
/// use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts, Span};
/// let mut c = LogonCounts::new(None);
/// c.record("bob", LocalDateTime::parse("03/01/2010 09:00:00").unwrap(), Activity::Logon);
/// c.record("bob", LocalDateTime::parse("02/27/2010 09:00:00").unwrap(), Activity::Logoff);
/// let d = c.daily(Span::User);
/// assert_eq!((d[0].dates()[0].as_str(), d[0].counts.as_slice()), ("2010-02-27", &[0, 0, 1][..]));
/// ```
#[derive(Debug, Clone)]
pub struct LogonCounts {
    users: Interner,
    days: Vec<UserDays>,
    summary: LogonSummary,
    skips: SkipReport,
}

impl LogonCounts {
    /// No events yet; logons will be counted only in `hour_window` if given.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{LogonCounts, HourWindow};
    /// let c = LogonCounts::new(Some("18-7".parse().unwrap()));
    /// assert_eq!(c.hour_window().unwrap().to_string(), "18-7");
    /// ```
    pub fn new(hour_window: Option<HourWindow>) -> Self {
        LogonCounts {
            users: Interner::default(),
            days: Vec::new(),
            summary: LogonSummary {
                hour_window,
                ..Default::default()
            },
            skips: SkipReport::default(),
        }
    }

    /// Adds one valid event (one row). The event's day becomes part of the
    /// user's span either way; a logon is counted if its hour is in the hour
    /// window (or there is none), a logoff never.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts};
    /// let mut c = LogonCounts::new(Some("18-7".parse().unwrap()));
    /// c.record("bob", LocalDateTime::parse("01/04/2010 09:00:00").unwrap(), Activity::Logon);
    /// c.record("bob", LocalDateTime::parse("01/04/2010 19:00:00").unwrap(), Activity::Logon);
    /// assert_eq!((c.summary().logons, c.summary().counted_logons), (2, 1));
    /// ```
    #[inline]
    pub fn record(&mut self, user: &str, time: LocalDateTime, activity: Activity) {
        let id = self.users.intern(user) as usize;
        if id == self.days.len() {
            self.days.push(UserDays::default());
            self.summary.users += 1;
        }
        let slot = self.days[id].slot(time.day);
        let s = &mut self.summary;
        s.rows += 1;
        match activity {
            Activity::Logon => {
                s.logons += 1;
                if s.hour_window.is_none_or(|w| w.contains(time.hour())) {
                    *slot = slot.saturating_add(1);
                    s.counted_logons += 1;
                }
            }
            Activity::Logoff => s.logoffs += 1,
        }
        s.first_day = Some(s.first_day.map_or(time.day, |d| d.min(time.day)));
        s.last_day = Some(s.last_day.map_or(time.day, |d| d.max(time.day)));
    }

    /// What was read.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonCounts;
    /// assert_eq!(LogonCounts::new(None).summary().users, 0);
    /// ```
    pub fn summary(&self) -> &LogonSummary {
        &self.summary
    }

    /// The bad rows skipped under [`BadRowPolicy::Skip`], with the first
    /// few error messages.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonCounts;
    /// assert_eq!(LogonCounts::new(None).skip_report().skipped, 0);
    /// ```
    pub fn skip_report(&self) -> &SkipReport {
        &self.skips
    }

    /// The hour window logons are counted in, if any.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonCounts;
    /// assert!(LogonCounts::new(None).hour_window().is_none());
    /// ```
    pub fn hour_window(&self) -> Option<HourWindow> {
        self.summary.hour_window
    }

    /// The users, sorted by name (byte order).
    ///
    /// ```
    /// # use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts};
    /// let mut c = LogonCounts::new(None);
    /// let t = LocalDateTime::new(0, 0);
    /// for u in ["b", "a", "b"] { c.record(u, t, Activity::Logon); }
    /// assert_eq!(c.users(), ["a", "b"]);
    /// ```
    pub fn users(&self) -> Vec<&str> {
        let mut u: Vec<&str> = self.users.strings().collect();
        u.sort_unstable();
        u
    }

    /// Every user's daily series over `span`, sorted by user name.
    ///
    /// With [`Span::User`] a series runs from the user's first to last day
    /// with any event (logon or logoff, in the hour window or not); with
    /// [`Span::Global`] from the first to the last day of the whole input.
    /// Days in the span without a counted logon are `0`.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts, Span};
    /// let mut c = LogonCounts::new(None);
    /// c.record("a", LocalDateTime::new(10, 0), Activity::Logon);
    /// c.record("b", LocalDateTime::new(12, 0), Activity::Logon);
    /// let g = c.daily(Span::Global);
    /// assert_eq!((g[0].first_day, g[0].counts.as_slice()), (10, &[1, 0, 0][..]));
    /// assert_eq!((g[1].first_day, g[1].counts.as_slice()), (10, &[0, 0, 1][..]));
    /// assert_eq!(c.daily(Span::User)[1].counts, [1]);
    /// ```
    pub fn daily(&self, span: Span) -> Vec<DailyCounts> {
        let mut ids: Vec<u32> = (0..self.days.len() as u32).collect();
        ids.sort_unstable_by(|&a, &b| self.users.resolve(a).cmp(self.users.resolve(b)));
        ids.into_iter().map(|id| self.series(id, span)).collect()
    }

    /// One user's daily series over `span`, or `None` for an unknown user.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts, Span};
    /// let mut c = LogonCounts::new(None);
    /// c.record("a", LocalDateTime::new(10, 0), Activity::Logon);
    /// assert_eq!(c.user_daily("a", Span::User).unwrap().counts, [1]);
    /// assert!(c.user_daily("z", Span::User).is_none());
    /// ```
    pub fn user_daily(&self, user: &str, span: Span) -> Option<DailyCounts> {
        self.users.get(user).map(|id| self.series(id, span))
    }

    fn series(&self, id: u32, span: Span) -> DailyCounts {
        let u = &self.days[id as usize];
        let user = self.users.resolve(id).to_string();
        match (span, self.summary.first_day, self.summary.last_day) {
            (Span::Global, Some(first), Some(last)) => {
                let mut counts = vec![0u32; (last - first + 1) as usize];
                let at = (u.first - first) as usize;
                counts[at..at + u.counts.len()].copy_from_slice(&u.counts);
                DailyCounts {
                    user,
                    first_day: first,
                    counts,
                }
            }
            _ => DailyCounts {
                user,
                first_day: u.first,
                counts: u.counts.clone(),
            },
        }
    }

    /// Adds the counts of `other` (e.g. another part of the same log read
    /// elsewhere): the result equals reading both inputs as one.
    /// Both must use the same hour window.
    ///
    /// ```
    /// # use threatstat_core::Merge;
    /// # use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts, Span};
    /// let (mut a, mut b) = (LogonCounts::new(None), LogonCounts::new(None));
    /// a.record("u", LocalDateTime::new(10, 0), Activity::Logon);
    /// b.record("u", LocalDateTime::new(12, 0), Activity::Logon);
    /// a.merge(&b).unwrap();
    /// assert_eq!(a.user_daily("u", Span::User).unwrap().counts, [1, 0, 1]);
    /// let e = a.merge(&LogonCounts::new(Some("9-17".parse().unwrap()))).unwrap_err();
    /// assert!(matches!(e, threatstat_datasets::DatasetError::Core(threatstat_core::Error::Incompatible { .. })), "{e}");
    /// ```
    fn add_counts(&mut self, other: &LogonCounts) -> Result<(), DatasetError> {
        if self.summary.hour_window != other.summary.hour_window {
            return Err(threatstat_core::Error::incompatible(
                "logon counts",
                format!(
                    "different hour windows ({} and {})",
                    window_name(self.summary.hour_window),
                    window_name(other.summary.hour_window)
                ),
            )
            .into());
        }
        for (id, theirs) in other.days.iter().enumerate() {
            let me = self.users.intern(other.users.resolve(id as u32)) as usize;
            if me == self.days.len() {
                self.days.push(UserDays::default());
                self.summary.users += 1;
            }
            let mine = &mut self.days[me];
            if theirs.counts.is_empty() {
                continue;
            }
            mine.slot(theirs.first);
            mine.slot(theirs.last());
            let at = (theirs.first - mine.first) as usize;
            for (m, t) in mine.counts[at..].iter_mut().zip(&theirs.counts) {
                *m = m.saturating_add(*t);
            }
        }
        let (s, o) = (&mut self.summary, &other.summary);
        s.rows += o.rows;
        s.logons += o.logons;
        s.logoffs += o.logoffs;
        s.counted_logons += o.counted_logons;
        s.skipped += o.skipped;
        s.first_day = s.first_day.into_iter().chain(o.first_day).min();
        s.last_day = s.last_day.into_iter().chain(o.last_day).max();
        self.skips.skipped += other.skips.skipped;
        for e in &other.skips.examples {
            if self.skips.examples.len() < SkipReport::KEPT {
                self.skips.examples.push(e.clone());
            }
        }
        Ok(())
    }
}

fn window_name(w: Option<HourWindow>) -> String {
    w.map_or_else(|| "none".to_string(), |w| w.to_string())
}

/// Reads CERT `logon.csv` files into [`LogonCounts`], streaming.
///
/// The header decides which column is which, in any order: `date`, `user`
/// and `activity` are required (a missing one is an error naming the file
/// and the columns there are); `id` and `pc` are optional and not used.
/// Gzip-compressed files are read transparently.
///
/// Each row is validated: `date` as `%m/%d/%Y %H:%M:%S` (or ISO-8601, see
/// [`LocalDateTime::parse`]), `user` non-empty, `activity` exactly `Logon`
/// or `Logoff`; a ragged row, a bad date, an empty user or another activity
/// is an error naming `file:line` and the field, or, under
/// [`BadRowPolicy::Skip`], a counted skip (see [`LogonCounts::skip_report`]).
/// Errors not tied to a row (I/O, corrupt gzip) always stop the load.
///
/// Rows are not kept: each is added at once to per-user per-day counts of
/// logons, so the order of the rows does not matter.
///
/// ```
/// use threatstat_datasets::cert::{LogonLoader, Span};
/// let p = std::env::temp_dir().join("threatstat-datasets-doc-loader.csv");
/// std::fs::write(&p, "id,date,user,pc,activity\n\
///     {X1D9-S0ES98JV-5357PWMI},01/02/2010 06:49:00,NGF0157,PC-6056,Logon\n\
///     {U6Q3-U0WE70UA-3770UREL},01/02/2010 06:53:04,NGF0157,PC-6056,Logoff\n\
///     {G2B3-L6EJ61GT-2222RKSO},01/04/2010 06:50:00,NGF0157,PC-4275,Logon\n").unwrap();
/// let counts = LogonLoader::new().load(&p).unwrap();
/// let d = counts.user_daily("NGF0157", Span::User).unwrap();
/// assert_eq!(d.dates(), ["2010-01-02", "2010-01-03", "2010-01-04"]);
/// assert_eq!(d.counts, [1, 0, 1]);
/// assert_eq!((counts.summary().logons, counts.summary().logoffs), (2, 1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogonLoader {
    policy: BadRowPolicy,
    hour_window: Option<HourWindow>,
}

impl LogonLoader {
    /// A loader that stops at the first bad row and counts all logons.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonLoader;
    /// assert_eq!(LogonLoader::new(), LogonLoader::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// What to do with bad rows (default [`BadRowPolicy::Error`]).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonLoader;
    /// use threatstat_core::BadRowPolicy;
    /// let skipping = LogonLoader::new().bad_rows(BadRowPolicy::Skip);
    /// ```
    pub fn bad_rows(mut self, policy: BadRowPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Counts only logons whose hour is in `window` (default: no window,
    /// every logon). Days still come from all of a user's rows, so a day
    /// with activity but no logon in the window is a real zero.
    ///
    /// ```
    /// # use threatstat_datasets::cert::{LogonLoader, HourWindow};
    /// let after_hours = LogonLoader::new().hour_window("18-7".parse::<HourWindow>().unwrap());
    /// let all = after_hours.hour_window(None);
    /// ```
    pub fn hour_window(mut self, window: impl Into<Option<HourWindow>>) -> Self {
        self.hour_window = window.into();
        self
    }

    /// Reads the file at `path` (plain or gzip).
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonLoader;
    /// let err = LogonLoader::new().load("/nonexistent/logon.csv").unwrap_err();
    /// assert!(err.to_string().starts_with("/nonexistent/logon.csv"));
    /// ```
    pub fn load(&self, path: impl AsRef<Path>) -> Result<LogonCounts, DatasetError> {
        self.load_table(CsvTable::open(path.as_ref())?)
    }

    /// Reads CSV from `reader` (not decompressed); `name` is used in messages.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonLoader;
    /// let csv = "date,user,pc,activity\n01/02/2010 06:49:00,NGF0157,PC-6056,Logon\n";
    /// let c = LogonLoader::new().load_reader("inline.csv", std::io::Cursor::new(csv)).unwrap();
    /// assert_eq!(c.summary().logons, 1);
    /// ```
    pub fn load_reader(
        &self,
        name: impl AsRef<Path>,
        reader: impl BufRead + Send + 'static,
    ) -> Result<LogonCounts, DatasetError> {
        self.load_table(CsvTable::from_reader(name.as_ref(), Box::new(reader))?)
    }

    fn load_table(&self, mut t: CsvTable) -> Result<LogonCounts, DatasetError> {
        let cols = Columns {
            date: t.column("date")?,
            user: t.column("user")?,
            activity: t.column("activity")?,
        };
        let mut counts = LogonCounts::new(self.hour_window);
        let mut rec = csv::ByteRecord::new();
        loop {
            let line = match t.next_record(&mut rec) {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => {
                    // A ragged row has a line and the reader goes on after
                    // it. An I/O or decompression error has none, and the
                    // reader reports end of input after it: skipping it
                    // would silently drop the rest of the file.
                    if e.location().and_then(|l| l.line).is_none() {
                        return Err(e.into());
                    }
                    self.skip(&mut counts, e)?;
                    continue;
                }
            };
            match parse_row(&t, &rec, line, &cols) {
                Ok((user, time, activity)) => counts.record(user, time, activity),
                Err(e) => self.skip(&mut counts, e)?,
            }
        }
        Ok(counts)
    }

    fn skip(&self, counts: &mut LogonCounts, e: Error) -> Result<(), DatasetError> {
        counts.skips.handle(self.policy, e)?;
        counts.summary.rows += 1;
        counts.summary.skipped += 1;
        Ok(())
    }
}

/// The days a logon row may fall on, 1970-01-01 to 2099-12-31 (days since
/// 1970-01-01); a row outside is a bad row naming its line, so that one
/// sentinel date cannot stretch the daily series over centuries.
///
/// ```
/// use threatstat_datasets::cert::LogonLoader;
/// let csv = "date,user,pc,activity\n01/02/2010 06:49:00,A,PC-1,Logon\n01/01/2999 00:00:00,A,PC-1,Logon\n";
/// let e = LogonLoader::new().load_reader("in.csv", std::io::Cursor::new(csv)).unwrap_err();
/// assert!(e.to_string().contains("in.csv:3"), "{e}");
/// assert!(e.to_string().contains("2999-01-01 is outside"), "{e}");
/// ```
pub const LOGON_DAYS: std::ops::RangeInclusive<i64> = 0..=47_481;

struct Columns {
    date: usize,
    user: usize,
    activity: usize,
}

#[inline]
fn parse_row<'r>(
    t: &CsvTable,
    rec: &'r csv::ByteRecord,
    line: u64,
    c: &Columns,
) -> Result<(&'r str, LocalDateTime, Activity), Error> {
    let date = rec.get(c.date).unwrap_or_default();
    let time =
        LocalDateTime::parse_bytes(date).map_err(|m| Error::parse(t.location(line, c.date), m))?;
    if !LOGON_DAYS.contains(&time.day) {
        // One sentinel date (9999-12-31, 2999-...) would stretch every
        // series over centuries: hundreds of thousands of days per user.
        return Err(Error::parse(
            t.location(line, c.date),
            format!(
                "date {} is outside {}..={} (a sentinel or a typo?)",
                format_day(time.day),
                format_day(*LOGON_DAYS.start()),
                format_day(*LOGON_DAYS.end())
            ),
        ));
    }
    let user = t.field(rec, c.user, line)?;
    if user.trim().is_empty() {
        return Err(Error::parse(
            t.location(line, c.user),
            "expected a user id such as `NGF0157`, found an empty field",
        ));
    }
    let act = rec.get(c.activity).unwrap_or_default();
    let activity = Activity::from_bytes(act).ok_or_else(|| {
        Error::parse(
            t.location(line, c.activity),
            format!(
                "expected `Logon` or `Logoff`, found `{}`",
                String::from_utf8_lossy(act)
            ),
        )
    })?;
    Ok((user, time, activity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_grows_both_ways() {
        let mut u = UserDays::default();
        *u.slot(10) += 1;
        *u.slot(7) += 2;
        *u.slot(12) += 3;
        *u.slot(10) += 1;
        assert_eq!((u.first, u.counts.as_slice()), (7, &[2, 0, 0, 2, 0, 3][..]));
        assert_eq!(u.last(), 12);
    }

    #[test]
    fn merge_equals_reading_together() {
        let ev = [
            ("a", 5, 3600 * 20, Activity::Logon),
            ("b", 9, 3600 * 2, Activity::Logoff),
            ("a", 2, 3600 * 3, Activity::Logon),
            ("c", 4, 3600 * 12, Activity::Logon),
            ("a", 8, 3600 * 12, Activity::Logon),
        ];
        let w = Some("18-7".parse().unwrap());
        let mut all = LogonCounts::new(w);
        let (mut x, mut y) = (LogonCounts::new(w), LogonCounts::new(w));
        for (i, &(u, d, s, a)) in ev.iter().enumerate() {
            let t = LocalDateTime::new(d, s);
            all.record(u, t, a);
            if i % 2 == 0 { &mut x } else { &mut y }.record(u, t, a);
        }
        y.merge(&x).unwrap();
        assert_eq!(y.summary(), all.summary());
        for span in [Span::User, Span::Global] {
            assert_eq!(y.daily(span), all.daily(span));
        }
    }
}
