//! The per-(principal, API) count table ([`PairTable`]) the loader fills,
//! its zero-filled series ([`PairCounts`]) and its summary
//! ([`PairSummary`]).
//!
//! # Why a file of its own
//!
//! The table is the compact result of a load (interned strings, a dense
//! vector of buckets per pair), mergeable across parts of a log; how it is
//! filled from files is the loader's business (`loader`).

use super::bucket::{Bucket, Window};
use super::loader::{FileReport, InputFormat};
use crate::DatasetError;
use crate::cloudtrail::record::{Event, Zone};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::fmt;
use threatstat_core::{Interner, Merge, SkipReport};

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
    /// The principal (see [`PrincipalKey`](crate::cloudtrail::PrincipalKey)).
    pub principal: String,
    /// The API (see [`ApiKey`](crate::cloudtrail::ApiKey)).
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
    /// Bad records skipped under [`BadRowPolicy::Skip`](threatstat_core::BadRowPolicy::Skip).
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
#[derive(Debug, Clone)]
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

/// Equal when bucket, window, summary, skips, series and each principal's
/// ARNs are (whatever the order keys were met in).
impl PartialEq for PairTable {
    fn eq(&self, other: &Self) -> bool {
        fn arns(t: &PairTable) -> Vec<(&str, &str)> {
            let mut v: Vec<(&str, &str)> = t
                .principal_arns
                .iter()
                .map(|&(p, r)| (t.principals.resolve(p), t.arns.resolve(r)))
                .collect();
            v.sort_unstable();
            v
        }
        self.bucket == other.bucket
            && self.window == other.window
            && self.summary() == other.summary()
            && self.skips == other.skips
            && self.series() == other.series()
            && arns(self) == arns(other)
    }
}

/// Adds the counts of another table (see `add_counts`): the result equals
/// reading all inputs into one table.
impl Merge for PairTable {
    type Error = DatasetError;
    fn merge(&mut self, other: &PairTable) -> Result<(), DatasetError> {
        self.add_counts(other)
    }
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
    /// use threatstat_core::Merge;
    /// use threatstat_datasets::cloudtrail::{Bucket, PairTable};
    /// let (mut a, mut b) = (PairTable::new(Bucket::Day, None), PairTable::new(Bucket::Day, None));
    /// a.add("p", "p", "X", 0);
    /// b.add("p", "p", "X", 2 * 86_400_000_000_000);
    /// a.merge(&b).unwrap();
    /// assert_eq!(a.series()[0].counts, [1, 0, 1]);
    /// let e = a.merge(&PairTable::new(Bucket::Hour, None)).unwrap_err();
    /// assert!(matches!(e, threatstat_datasets::DatasetError::Core(threatstat_core::Error::Incompatible { .. })), "{e}");
    /// ```
    fn add_counts(&mut self, other: &PairTable) -> Result<(), DatasetError> {
        if self.bucket != other.bucket || self.window != other.window {
            return Err(threatstat_core::Error::incompatible(
                "pair tables",
                format!(
                    "different buckets or windows ({} {:?} and {} {:?})",
                    self.bucket, self.window, other.bucket, other.window
                ),
            )
            .into());
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

    pub(super) fn add_file(&mut self, r: FileReport) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_core::time::NS_PER_S;

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
