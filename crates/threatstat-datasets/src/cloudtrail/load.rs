//! The streaming loader (CSV and JSON) and the per-(principal, API) count
//! series it builds.

use super::json::{RawRecord, for_each_record};
use super::record::{
    ApiKey, At, Event, Fields, PrincipalKey, RecordOptions, TimeZones, Zone, parse_json, parse_time,
};
use crate::DatasetError;
use crate::cert::{format_day, parse_day};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use threatstat_core::reader::{CsvTable, open};
use threatstat_core::time::{NS_PER_S, civil_from_days};
use threatstat_core::{BadRowPolicy, Error, Interner, Location, SkipReport};

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
            _ => Err(DatasetError::Invalid(format!(
                "expected a bucket `day` or `hour`, found `{s}`"
            ))),
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
            return Err(DatasetError::Invalid(format!(
                "the window's last day {} is before its first day {}",
                format_day(last_day),
                format_day(first_day)
            )));
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
            DatasetError::Invalid(format!(
                "expected a window FIRST..LAST such as 2024-01-01..2024-02-25, found `{s}`"
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

/// The format of an input file.
///
/// ```
/// use threatstat_datasets::cloudtrail::InputFormat;
/// assert_eq!(InputFormat::default(), InputFormat::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// JSON if the first non-blank byte is `{` or `[`, CSV otherwise.
    #[default]
    Auto,
    /// The workshop notebook's CSV: `eventtime`, `arn`, `eventname`.
    Csv,
    /// CloudTrail JSON: `{"Records": [...]}`, an array, or JSON Lines.
    Json,
}

/// A (principal, API) pair's counts per bucket, in calendar order over the
/// observation window, buckets without events being `0`.
///
/// ```
/// use threatstat_datasets::cloudtrail::{Bucket, PairCounts};
/// let p = PairCounts { principal: "arn:aws:iam::1:user/a".into(), api: "ListBuckets".into(),
///     bucket: Bucket::Day, first_bucket: 19_723, counts: vec![2, 0, 1] };
/// assert_eq!(p.labels(), ["2024-01-01", "2024-01-02", "2024-01-03"]);
/// assert_eq!((p.total(), p.last_bucket()), (3, 19_725));
/// assert_eq!(p.to_f64(), [2.0, 0.0, 1.0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCounts {
    /// The principal (see [`PrincipalKey`]).
    pub principal: String,
    /// The API (see [`ApiKey`]).
    pub api: String,
    /// The bucket width.
    pub bucket: Bucket,
    /// Index of `counts[0]`'s bucket since the Unix epoch (a day number for
    /// [`Bucket::Day`], hours since the epoch for [`Bucket::Hour`]).
    pub first_bucket: i64,
    /// Events in each bucket.
    pub counts: Vec<u32>,
}

impl PairCounts {
    /// The index of the last bucket.
    pub fn last_bucket(&self) -> i64 {
        self.first_bucket + self.counts.len() as i64 - 1
    }

    /// The sum of the counts.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The buckets' labels (see [`Bucket::label`]).
    pub fn labels(&self) -> Vec<String> {
        (0..self.counts.len() as i64)
            .map(|i| self.bucket.label(self.first_bucket + i))
            .collect()
    }

    /// The counts as `f64` (for the statistics crates).
    pub fn to_f64(&self) -> Vec<f64> {
        self.counts.iter().map(|&c| f64::from(c)).collect()
    }
}

/// What a load read, over all files.
///
/// `records == counted + outside_window + skipped`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSummary {
    /// Files read.
    pub files: u64,
    /// Of which CSV.
    pub csv_files: u64,
    /// Of which JSON.
    pub json_files: u64,
    /// Records (JSON) or data rows (CSV) read, bad ones included.
    pub records: u64,
    /// Valid records counted in the series.
    pub counted: u64,
    /// Valid records outside an explicit window (not counted).
    pub outside_window: u64,
    /// Bad records skipped under [`BadRowPolicy::Skip`].
    pub skipped: u64,
    /// Valid records whose time had a UTC offset (converted to UTC).
    pub offset_times: u64,
    /// Valid records whose time had no zone (taken as UTC).
    pub naive_times: u64,
    /// Distinct principals counted.
    pub principals: u64,
    /// Distinct raw ARNs counted.
    pub arns: u64,
    /// Distinct APIs counted.
    pub apis: u64,
    /// Distinct (principal, API) pairs counted.
    pub pairs: u64,
    /// The bucket width.
    pub bucket: Bucket,
    /// The observation window (explicit, or the first to the last day with
    /// a counted record); `None` when nothing was counted and no window
    /// was given.
    pub window: Option<Window>,
}

impl fmt::Display for PairSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} files, {} records: {} counted, {} skipped, {} outside the window; \
             {} principals, {} APIs, {} pairs",
            self.files,
            self.records,
            self.counted,
            self.skipped,
            self.outside_window,
            self.principals,
            self.apis,
            self.pairs
        )?;
        if let Some(w) = self.window {
            write!(f, "; {w} ({} days, by {})", w.days(), self.bucket)?;
        }
        if self.offset_times + self.naive_times > 0 {
            write!(
                f,
                "; {} times with an offset converted to UTC, {} without a zone taken as UTC",
                self.offset_times, self.naive_times
            )?;
        }
        Ok(())
    }
}

/// One file's counts.
#[derive(Debug, Default)]
pub struct FileReport {
    /// The file.
    pub path: PathBuf,
    /// `Csv` or `Json` (never `Auto`).
    pub format: InputFormat,
    /// Records read, bad ones included.
    pub records: u64,
    /// Valid records handed to the callback.
    pub events: u64,
    /// Valid records with a UTC offset.
    pub offset_times: u64,
    /// Valid records without a zone.
    pub naive_times: u64,
    /// Bad records skipped, with the first messages.
    pub skips: SkipReport,
}

/// A pair's buckets: `counts[i]` is bucket `first + i`.
#[derive(Debug, Clone, Default)]
struct Slots {
    first: i64,
    counts: Vec<u32>,
}

impl Slots {
    fn add(&mut self, b: i64, n: u32) {
        if self.counts.is_empty() {
            self.first = b;
            self.counts.push(0);
        } else if b < self.first {
            let add = (self.first - b) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, add));
            self.first = b;
        } else if (b - self.first) as usize >= self.counts.len() {
            self.counts.resize((b - self.first) as usize + 1, 0);
        }
        let c = &mut self.counts[(b - self.first) as usize];
        *c = c.saturating_add(n);
    }
}

/// Per-(principal, API) counts per bucket: the compact result of reading
/// CloudTrail logs, from which the [`PairCounts`] series are cut.
///
/// Strings are interned and each pair's buckets are a dense vector over the
/// pair's own first to last bucket, so memory is proportional to pairs x
/// buckets, not to records. Tables of parts of a log [merge](Self::merge).
///
/// ```
/// use threatstat_datasets::cloudtrail::{Bucket, PairTable};
/// let mut t = PairTable::new(Bucket::Day, None);
/// let day = 86_400_000_000_000i64;
/// t.add("arn:aws:iam::1:user/a", "arn:aws:iam::1:user/a", "ListBuckets", 19_723 * day);
/// t.add("arn:aws:iam::1:user/a", "arn:aws:iam::1:user/a", "ListBuckets", 19_725 * day + 5);
/// let s = t.series();
/// assert_eq!((s[0].first_bucket, s[0].counts.as_slice()), (19_723, &[1, 0, 1][..]));
/// ```
#[derive(Debug)]
pub struct PairTable {
    bucket: Bucket,
    window: Option<Window>,
    principals: Interner,
    apis: Interner,
    arns: Interner,
    index: FxHashMap<(u32, u32), usize>,
    keys: Vec<(u32, u32)>,
    slots: Vec<Slots>,
    principal_arns: FxHashSet<(u32, u32)>,
    data_days: Option<(i64, i64)>,
    summary: PairSummary,
    skips: SkipReport,
}

impl PairTable {
    /// An empty table counting by `bucket`, over `window` if given (records
    /// outside it are counted as `outside_window` only) or else over the
    /// first to the last day of the counted records.
    pub fn new(bucket: Bucket, window: Option<Window>) -> Self {
        PairTable {
            bucket,
            window,
            principals: Interner::default(),
            apis: Interner::default(),
            arns: Interner::default(),
            index: FxHashMap::default(),
            keys: Vec::new(),
            slots: Vec::new(),
            principal_arns: FxHashSet::default(),
            data_days: None,
            summary: PairSummary {
                bucket,
                ..Default::default()
            },
            skips: SkipReport::default(),
        }
    }

    /// Counts one valid record; returns `false` if it is outside the window.
    pub fn add(&mut self, principal: &str, arn: &str, api: &str, time_ns: i64) -> bool {
        match self.count(principal, api, self.bucket.of(time_ns), 1) {
            Some(p) => {
                let r = self.arns.intern(arn);
                self.principal_arns.insert((p, r));
                true
            }
            None => false,
        }
    }

    /// Adds `n` records of `principal` and `api` in bucket `b`; returns the
    /// principal's id, or `None` if the bucket is outside the window.
    fn count(&mut self, principal: &str, api: &str, b: i64, n: u32) -> Option<u32> {
        self.summary.records += u64::from(n);
        let day = self.bucket.day_of(b);
        if self.window.is_some_and(|w| !w.contains(day)) {
            self.summary.outside_window += u64::from(n);
            return None;
        }
        self.summary.counted += u64::from(n);
        let p = self.principals.intern(principal);
        let a = self.apis.intern(api);
        let i = *self.index.entry((p, a)).or_insert_with(|| {
            self.keys.push((p, a));
            self.slots.push(Slots::default());
            self.keys.len() - 1
        });
        self.slots[i].add(b, n);
        self.data_days = Some(match self.data_days {
            None => (day, day),
            Some((lo, hi)) => (lo.min(day), hi.max(day)),
        });
        Some(p)
    }

    /// Counts a loader [`Event`] (also its zone).
    pub fn add_event(&mut self, e: &Event<'_>) -> bool {
        match e.zone {
            Zone::Utc => {}
            Zone::Offset => self.summary.offset_times += 1,
            Zone::Naive => self.summary.naive_times += 1,
        }
        self.add(e.principal, e.arn, &e.api, e.time_ns)
    }

    /// The bucket width.
    pub fn bucket(&self) -> Bucket {
        self.bucket
    }

    /// The observation window: the explicit one, or the first to the last
    /// day with a counted record (`None` if there is none).
    pub fn window(&self) -> Option<Window> {
        self.window.or_else(|| {
            self.data_days.map(|(a, b)| Window {
                first_day: a,
                last_day: b,
            })
        })
    }

    /// What was read.
    pub fn summary(&self) -> PairSummary {
        let mut s = self.summary.clone();
        s.principals = self.principals.len() as u64;
        s.apis = self.apis.len() as u64;
        s.arns = self.arns.len() as u64;
        s.pairs = self.keys.len() as u64;
        s.window = self.window();
        s
    }

    /// The bad records skipped, with the first messages.
    pub fn skip_report(&self) -> &SkipReport {
        &self.skips
    }

    /// The raw ARNs seen under `principal` (e.g. the sessions of a role),
    /// sorted.
    pub fn arns_of(&self, principal: &str) -> Vec<&str> {
        let Some(p) = self.principals.get(principal) else {
            return Vec::new();
        };
        let mut v: Vec<&str> = self
            .principal_arns
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|&(_, r)| self.arns.resolve(r))
            .collect();
        v.sort_unstable();
        v
    }

    /// Every pair's zero-filled series over the observation window, sorted
    /// by principal then API (byte order). Empty if nothing was counted.
    pub fn series(&self) -> Vec<PairCounts> {
        let Some(w) = self.window() else {
            return Vec::new();
        };
        let first = w.first_day * self.bucket.per_day();
        let n = (w.days() * self.bucket.per_day()) as usize;
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        let name = |i: usize| {
            let (p, a) = self.keys[i];
            (self.principals.resolve(p), self.apis.resolve(a))
        };
        order.sort_unstable_by(|&x, &y| name(x).cmp(&name(y)));
        order
            .into_iter()
            .map(|i| {
                let s = &self.slots[i];
                let mut counts = vec![0u32; n];
                let at = (s.first - first) as usize;
                counts[at..at + s.counts.len()].copy_from_slice(&s.counts);
                let (principal, api) = name(i);
                PairCounts {
                    principal: principal.to_string(),
                    api: api.to_string(),
                    bucket: self.bucket,
                    first_bucket: first,
                    counts,
                }
            })
            .collect()
    }

    /// Adds the counts of `other` (e.g. files read elsewhere): the result
    /// equals reading all inputs into one table. Both must have the same
    /// bucket and window.
    ///
    /// ```
    /// use threatstat_datasets::cloudtrail::{Bucket, PairTable};
    /// let (mut a, mut b) = (PairTable::new(Bucket::Day, None), PairTable::new(Bucket::Day, None));
    /// a.add("p", "p", "X", 0);
    /// b.add("p", "p", "X", 2 * 86_400_000_000_000);
    /// a.merge(&b).unwrap();
    /// assert_eq!(a.series()[0].counts, [1, 0, 1]);
    /// assert!(a.merge(&PairTable::new(Bucket::Hour, None)).is_err());
    /// ```
    pub fn merge(&mut self, other: &PairTable) -> Result<(), DatasetError> {
        if self.bucket != other.bucket || self.window != other.window {
            return Err(DatasetError::Invalid(format!(
                "cannot merge pair tables with different buckets or windows ({} {:?} and {} {:?})",
                self.bucket, self.window, other.bucket, other.window
            )));
        }
        // Records of `other` are added back as counts: keep its summary.
        let before = self.summary.clone();
        for (i, &(p, a)) in other.keys.iter().enumerate() {
            let (principal, api) = (other.principals.resolve(p), other.apis.resolve(a));
            let s = &other.slots[i];
            for (k, &c) in s.counts.iter().enumerate() {
                if c > 0 {
                    self.count(principal, api, s.first + k as i64, c);
                }
            }
        }
        for &(p, r) in &other.principal_arns {
            let p = self.principals.intern(other.principals.resolve(p));
            let r = self.arns.intern(other.arns.resolve(r));
            self.principal_arns.insert((p, r));
        }
        let o = &other.summary;
        let mut s = before;
        s.files += o.files;
        s.csv_files += o.csv_files;
        s.json_files += o.json_files;
        s.records += o.records;
        s.counted += o.counted;
        s.outside_window += o.outside_window;
        s.skipped += o.skipped;
        s.offset_times += o.offset_times;
        s.naive_times += o.naive_times;
        self.summary = s;
        self.skips.skipped += other.skips.skipped;
        for e in &other.skips.examples {
            if self.skips.examples.len() < SkipReport::KEPT {
                self.skips.examples.push(e.clone());
            }
        }
        Ok(())
    }

    fn add_file(&mut self, r: FileReport) {
        let s = &mut self.summary;
        s.files += 1;
        match r.format {
            InputFormat::Csv => s.csv_files += 1,
            _ => s.json_files += 1,
        }
        s.skipped += r.skips.skipped;
        s.records += r.skips.skipped;
        self.skips.skipped += r.skips.skipped;
        for e in r.skips.examples {
            if self.skips.examples.len() < SkipReport::KEPT {
                self.skips.examples.push(e);
            }
        }
    }
}

/// Reads CloudTrail logs, streaming, into [`PairTable`]s (or hands each
/// event to a callback).
///
/// Inputs, told apart by their first non-blank byte (see [`InputFormat`]),
/// gzip-compressed or not (detected from the magic bytes):
///
/// * the workshop notebook's CSV, with the columns `eventtime`, `arn` and
///   `eventname` in any order (header names compared case-insensitively,
///   other columns ignored; `eventsource` is needed for
///   [`ApiKey::SourceAndName`]). The `arn` column is the principal as it
///   is (under either [`PrincipalKey`]: a CSV has no session issuer).
/// * CloudTrail JSON: S3 deliveries `{"Records": [...]}` (one or several
///   per file), a bare array of records, or JSON Lines; see
///   [`PrincipalKey`] for which identity is the principal.
///
/// Each record is validated: `eventTime` an ISO-8601 date and time (see
/// [`TimeZones`] for offsets and zone-less times), `eventName` a non-empty
/// string, `userIdentity` an object with an `arn` (`invokedBy` for
/// `AWSService`). A bad record, a non-object record, a ragged CSV row or
/// invalid UTF-8 is an error naming the file, the line (for JSON the line
/// where the record starts) and the field as a jq path such as
/// `Records[3].userIdentity.arn`, or under [`BadRowPolicy::Skip`] a counted
/// skip. Structural errors (truncated file, unbalanced brackets, I/O) always
/// stop the load.
///
/// ```
/// use threatstat_datasets::cloudtrail::CloudTrailLoader;
/// let p = std::env::temp_dir().join("threatstat-datasets-doc-ct.json");
/// std::fs::write(&p, r#"{"Records": [
///   {"eventTime": "2024-01-01T10:00:00Z", "eventName": "ListBuckets",
///    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"}},
///   {"eventTime": "2024-01-03T10:00:00Z", "eventName": "ListBuckets",
///    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"}}]}"#).unwrap();
/// let table = CloudTrailLoader::new().load([&p]).unwrap();
/// let s = table.series();
/// assert_eq!((s[0].api.as_str(), s[0].counts.as_slice()), ("ListBuckets", &[1, 0, 1][..]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CloudTrailLoader {
    policy: BadRowPolicy,
    principal: PrincipalKey,
    api: ApiKey,
    zones: TimeZones,
    format: InputFormat,
    bucket: Bucket,
    window: Option<Window>,
}

impl CloudTrailLoader {
    /// The defaults: stop at the first bad record, principal by role, API
    /// by `eventName`, convert time zones, detect the format, daily
    /// buckets, window from the data.
    pub fn new() -> Self {
        Self::default()
    }

    /// What to do with bad records (default [`BadRowPolicy::Error`]).
    pub fn bad_rows(mut self, policy: BadRowPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Which identity is the principal (default [`PrincipalKey::Role`]).
    pub fn principal(mut self, key: PrincipalKey) -> Self {
        self.principal = key;
        self
    }

    /// What names the API (default [`ApiKey::EventName`]).
    pub fn api(mut self, key: ApiKey) -> Self {
        self.api = key;
        self
    }

    /// Times not in UTC (default [`TimeZones::Convert`]).
    pub fn time_zones(mut self, zones: TimeZones) -> Self {
        self.zones = zones;
        self
    }

    /// The input format (default [`InputFormat::Auto`]).
    pub fn format(mut self, format: InputFormat) -> Self {
        self.format = format;
        self
    }

    /// Count per day or per hour (default [`Bucket::Day`]).
    pub fn bucket(mut self, bucket: Bucket) -> Self {
        self.bucket = bucket;
        self
    }

    /// An explicit observation window (default: the first to the last day
    /// with a record, over all files).
    pub fn window(mut self, window: impl Into<Option<Window>>) -> Self {
        self.window = window.into();
        self
    }

    /// An empty table with this loader's bucket and window.
    pub fn table(&self) -> PairTable {
        PairTable::new(self.bucket, self.window)
    }

    /// Reads every file of `paths` into one table.
    pub fn load<P: AsRef<Path>>(
        &self,
        paths: impl IntoIterator<Item = P>,
    ) -> Result<PairTable, DatasetError> {
        let mut t = self.table();
        for p in paths {
            self.load_into(p.as_ref(), &mut t)?;
        }
        Ok(t)
    }

    /// Reads every file of `paths` into one table on up to `threads`
    /// threads (0: one per core): each file is read whole by one thread
    /// into its own table, and the tables are merged in the order of
    /// `paths` as they finish, so the result equals [`load`](Self::load)'s
    /// (same series, summary and skip messages) and memory holds only the
    /// files read out of order. The error of a failed read is the one
    /// `load` would return: the first failing file's, in path order.
    ///
    /// CloudTrail delivers many files (one per account, region and 5 to
    /// 15 minutes), so this is where a multi-core machine helps; a single
    /// large file is read by one thread.
    ///
    /// ```
    /// use threatstat_datasets::cloudtrail::{CloudTrailGenerator, CloudTrailLoader};
    /// let dir = std::env::temp_dir().join("threatstat-doc-ct-parallel");
    /// let files = CloudTrailGenerator::new().days(20).seed(3).generate().unwrap().write_json_dir(&dir).unwrap();
    /// let loader = CloudTrailLoader::new();
    /// let (a, b) = (loader.load(&files).unwrap(), loader.load_parallel(&files, 2).unwrap());
    /// assert_eq!((a.series(), a.summary()), (b.series(), b.summary()));
    /// ```
    pub fn load_parallel<P: AsRef<Path> + Sync>(
        &self,
        paths: &[P],
        threads: usize,
    ) -> Result<PairTable, DatasetError> {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            t => t,
        }
        .min(paths.len())
        .max(1);
        if threads == 1 {
            return self.load(paths.iter().map(AsRef::as_ref));
        }
        /// Finished tables waiting for their turn, and the merged prefix.
        struct Merge {
            table: PairTable,
            next: usize,
            pending: std::collections::BTreeMap<usize, PairTable>,
            error: Option<(usize, DatasetError)>,
        }
        let state = Mutex::new(Merge {
            table: self.table(),
            next: 0,
            pending: Default::default(),
            error: None,
        });
        let claim = AtomicUsize::new(0);
        // Files after a failed one are not needed (`load` stops there).
        let stop_at = AtomicUsize::new(usize::MAX);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = claim.fetch_add(1, Ordering::Relaxed);
                        if i >= paths.len() || i > stop_at.load(Ordering::Relaxed) {
                            break;
                        }
                        let mut t = self.table();
                        let result = self.load_into(paths[i].as_ref(), &mut t);
                        let mut m = state.lock().unwrap_or_else(|e| e.into_inner());
                        if let Err(e) = result {
                            stop_at.fetch_min(i, Ordering::Relaxed);
                            if m.error.as_ref().is_none_or(|(j, _)| i < *j) {
                                m.error = Some((i, e));
                            }
                            continue;
                        }
                        m.pending.insert(i, t);
                        while let Some(t) = {
                            let next = m.next;
                            m.pending.remove(&next)
                        } {
                            if let Err(e) = m.table.merge(&t) {
                                let at = m.next;
                                m.error.get_or_insert((at, e));
                            }
                            m.next += 1;
                        }
                    }
                });
            }
        });
        let m = state.into_inner().unwrap_or_else(|e| e.into_inner());
        match m.error {
            Some((_, e)) => Err(e),
            None => Ok(m.table),
        }
    }

    /// Reads one file (plain or gzip) into `table`.
    pub fn load_into(
        &self,
        path: impl AsRef<Path>,
        table: &mut PairTable,
    ) -> Result<(), DatasetError> {
        let r = self.for_each_event(path, |e| {
            table.add_event(e);
        })?;
        table.add_file(r);
        Ok(())
    }

    /// Reads from `reader` (not decompressed) into `table`; `name` is used
    /// in messages.
    pub fn load_reader_into(
        &self,
        name: impl AsRef<Path>,
        reader: impl BufRead + Send + 'static,
        table: &mut PairTable,
    ) -> Result<(), DatasetError> {
        let r = self.read_events(name.as_ref(), Box::new(reader), &mut |e| {
            table.add_event(e);
        })?;
        table.add_file(r);
        Ok(())
    }

    /// Reads one file (plain or gzip) and calls `f` with each valid event,
    /// in file order. Bad records stop the read or are skipped (reported in
    /// the returned [`FileReport`]) as the [policy](Self::bad_rows) says.
    pub fn for_each_event(
        &self,
        path: impl AsRef<Path>,
        mut f: impl FnMut(&Event<'_>),
    ) -> Result<FileReport, DatasetError> {
        let path = path.as_ref();
        self.read_events(path, open(path)?, &mut f)
    }

    fn read_events(
        &self,
        path: &Path,
        mut reader: Box<dyn BufRead + Send>,
        f: &mut dyn FnMut(&Event<'_>),
    ) -> Result<FileReport, DatasetError> {
        let format = match self.format {
            InputFormat::Auto => {
                let head = reader.fill_buf().map_err(|e| Error::io(path, e))?;
                let first = head
                    .strip_prefix(b"\xEF\xBB\xBF")
                    .unwrap_or(head)
                    .iter()
                    .find(|c| !c.is_ascii_whitespace());
                match first {
                    Some(b'{' | b'[') | None => InputFormat::Json,
                    Some(_) => InputFormat::Csv,
                }
            }
            f => f,
        };
        let mut report = FileReport {
            path: path.to_path_buf(),
            format,
            ..Default::default()
        };
        let opts = RecordOptions {
            principal: self.principal,
            api: self.api,
            zones: self.zones,
        };
        let mut emit = |e: &Event<'_>, report: &mut FileReport| {
            report.events += 1;
            match e.zone {
                Zone::Utc => {}
                Zone::Offset => report.offset_times += 1,
                Zone::Naive => report.naive_times += 1,
            }
            f(e);
        };
        match format {
            InputFormat::Csv => {
                let table = CsvTable::from_reader(path, reader)?;
                self.read_csv(table, opts, &mut report, &mut emit)?;
            }
            _ => {
                let policy = self.policy;
                let mut fields: Option<Fields> = None;
                let rep = &mut report;
                for_each_record(reader, path, |r| {
                    rep.records += 1;
                    let result = r.and_then(
                        |RawRecord {
                             bytes,
                             line,
                             path: jq,
                         }| {
                            let at = At {
                                file: path,
                                line,
                                path: &jq,
                            };
                            parse_json(bytes, &at, opts, &mut fields).map(|e| emit(&e, rep))
                        },
                    );
                    match result {
                        Ok(()) => Ok(()),
                        Err(e) => rep.skips.handle(policy, e),
                    }
                })?;
            }
        }
        Ok(report)
    }

    fn read_csv(
        &self,
        mut t: CsvTable,
        opts: RecordOptions,
        report: &mut FileReport,
        emit: &mut dyn FnMut(&Event<'_>, &mut FileReport),
    ) -> Result<(), DatasetError> {
        let col = |name: &str| -> Result<usize, Error> {
            t.headers()
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::MissingColumn {
                    location: Location::file(t.path()).at_line(1),
                    column: name.to_string(),
                    available: t.headers().join(", "),
                })
        };
        let time = col("eventtime")?;
        let arn = col("arn")?;
        let name = col("eventname")?;
        let source = match opts.api {
            ApiKey::SourceAndName => Some(col("eventsource")?),
            ApiKey::EventName => col("eventsource").ok(),
        };
        let mut rec = csv::ByteRecord::new();
        loop {
            let line = match t.next_record(&mut rec) {
                Ok(Some(line)) => line,
                Ok(None) => return Ok(()),
                Err(e) => {
                    // Ragged rows have a line and are skippable; I/O errors
                    // have none and end the file.
                    if e.location().and_then(|l| l.line).is_none() {
                        return Err(e.into());
                    }
                    report.records += 1;
                    report.skips.handle(self.policy, e)?;
                    continue;
                }
            };
            report.records += 1;
            let parsed = (|| -> Result<Event<'_>, Error> {
                let nonempty = |i: usize, what: &str| -> Result<&str, Error> {
                    let v = t.field(&rec, i, line)?;
                    if v.trim().is_empty() {
                        return Err(Error::parse(
                            t.location(line, i),
                            format!("expected {what}, found an empty field"),
                        ));
                    }
                    Ok(v)
                };
                let time_text = t.field(&rec, time, line)?;
                let (time_ns, zone) = parse_time(time_text, opts.zones, || t.location(line, time))?;
                let arn = nonempty(arn, "the caller's ARN")?;
                let event_name = nonempty(name, "an API name")?;
                let event_source = match source {
                    Some(i) if opts.api == ApiKey::SourceAndName => {
                        Some(nonempty(i, "a service such as ec2.amazonaws.com")?)
                    }
                    Some(i) => Some(t.field(&rec, i, line)?).filter(|s| !s.is_empty()),
                    None => None,
                };
                let api = match opts.api {
                    ApiKey::EventName => Cow::Borrowed(event_name),
                    ApiKey::SourceAndName => {
                        Cow::Owned(format!("{}:{event_name}", event_source.unwrap_or_default()))
                    }
                };
                Ok(Event {
                    time_ns,
                    zone,
                    principal: arn,
                    arn,
                    identity_type: None,
                    event_source,
                    event_name,
                    api,
                })
            })();
            match parsed {
                Ok(e) => emit(&e, report),
                Err(e) => report.skips.handle(self.policy, e)?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_grow_both_ways() {
        let mut s = Slots::default();
        s.add(10, 1);
        s.add(7, 2);
        s.add(12, 3);
        assert_eq!((s.first, s.counts.as_slice()), (7, &[2, 0, 0, 1, 0, 3][..]));
    }

    #[test]
    fn merge_equals_reading_together() {
        let day = 86_400 * NS_PER_S;
        let ev = [
            ("a", "a/s1", "X", 3 * day + 5),
            ("b", "b", "Y", 9 * day),
            ("a", "a/s2", "X", day),
            ("a", "a/s1", "Z", 4 * day + 1),
        ];
        let mut all = PairTable::new(Bucket::Hour, None);
        let (mut x, mut y) = (
            PairTable::new(Bucket::Hour, None),
            PairTable::new(Bucket::Hour, None),
        );
        for (i, (p, r, a, t)) in ev.iter().enumerate() {
            all.add(p, r, a, *t);
            if i % 2 == 0 { &mut x } else { &mut y }.add(p, r, a, *t);
        }
        x.merge(&y).unwrap();
        assert_eq!(x.series(), all.series());
        assert_eq!(x.summary(), all.summary());
        assert_eq!(x.arns_of("a"), ["a/s1", "a/s2"]);
    }
}
