//! Flows labelled by the owners of their computers, and upload bytes per
//! user per time interval.

use super::flows::FlowEvent;
use super::names::{ComputerId, Names};
use super::owners::OwnerMap;
use super::par::ParallelScan;
use crate::DatasetError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use threatstat_core::{BadRowPolicy, Merge};

/// The first second of the LANL data sets (times start at 1).
pub const LANL_EPOCH: u64 = 1;

/// Seconds in a day, the usual interval.
pub const DAY_S: u64 = 86_400;

/// The users a flow is attributed to: an *upload* of the owner of its source
/// computer and a *download* of the owner of its destination computer.
///
/// Users are indices into [`OwnerMap::users`]. A flow between two computers
/// of the same user is both an upload and a download of that user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowLabel {
    /// The owner of the source computer (the flow is this user's upload).
    pub upload_user: Option<u32>,
    /// The owner of the destination computer (the flow is this user's download).
    pub download_user: Option<u32>,
}

/// Labels flows with the owners of their computers ([`FlowLabel`]), caching
/// the owner of each computer id of the reader's [`Names`].
///
/// ```
/// use threatstat_datasets::lanl::{FlowLabeler, FlowReader, OwnerMap, Ownership};
/// let owners = OwnerMap::from_entries(vec![Ownership {
///     computer: "C7".into(), user: "U1@DOM1".into(), logons: 3, computer_logons: 3, users: 1 }]);
/// let mut l = FlowLabeler::new(&owners);
/// let mut r = FlowReader::from_reader("flows.txt", std::io::Cursor::new(
///     "1,0,C7,N1,C2,443,6,3,900\n2,0,C2,443,C7,N1,6,9,9000\n3,0,C2,443,C3,N1,6,9,9000\n"));
/// let up = r.next_event().unwrap().unwrap();
/// assert_eq!((l.label(r.names(), &up).upload_user, l.label(r.names(), &up).download_user), (Some(0), None));
/// let down = r.next_event().unwrap().unwrap();
/// assert_eq!(l.label(r.names(), &down).download_user, Some(0));
/// let other = r.next_event().unwrap().unwrap();
/// assert_eq!(l.label(r.names(), &other), Default::default());
/// ```
#[derive(Debug, Clone)]
pub struct FlowLabeler<'a> {
    owners: &'a OwnerMap,
    /// Per [`ComputerId`]: the owner index, or `NO_OWNER`.
    owner_of: Vec<u32>,
}

const NO_OWNER: u32 = u32::MAX;

impl<'a> FlowLabeler<'a> {
    /// A labeler for `owners`.
    pub fn new(owners: &'a OwnerMap) -> Self {
        FlowLabeler {
            owners,
            owner_of: Vec::new(),
        }
    }

    /// The owners behind the labels.
    pub fn owners(&self) -> &'a OwnerMap {
        self.owners
    }

    /// The owner index of computer `c` of `names`.
    #[inline]
    pub fn owner(&mut self, names: &Names, c: ComputerId) -> Option<u32> {
        let i = c.index();
        if i >= self.owner_of.len() {
            let from = self.owner_of.len();
            let owners = self.owners;
            self.owner_of.extend((from..=i).map(|j| {
                owners
                    .owner_index(names.computer(ComputerId(j as u32)))
                    .unwrap_or(NO_OWNER)
            }));
        }
        match self.owner_of[i] {
            NO_OWNER => None,
            u => Some(u),
        }
    }

    /// The flow's upload and download users; `names` is the vocabulary of
    /// the reader `ev` came from (the same for every call).
    #[inline]
    pub fn label(&mut self, names: &Names, ev: &FlowEvent) -> FlowLabel {
        FlowLabel {
            upload_user: ev.src_computer.and_then(|c| self.owner(names, c)),
            download_user: ev.dst_computer.and_then(|c| self.owner(names, c)),
        }
    }
}

/// One user's traffic in one interval: a row of an [`UploadTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct UploadRow {
    /// The user, an index into [`UploadTable::users`].
    pub user: u32,
    /// The interval: `(time - 1) / interval_s` (0-based).
    pub interval: u32,
    /// Bytes of flows whose source computer the user owns.
    pub upload_bytes: u64,
    /// Bytes of flows whose destination computer the user owns.
    pub download_bytes: u64,
    /// Flows whose source computer the user owns.
    pub upload_flows: u64,
    /// Flows whose destination computer the user owns.
    pub download_flows: u64,
}

impl UploadRow {
    /// All flows touching the user's computers in the interval (a flow
    /// between two of them counts twice).
    pub fn flows(&self) -> u64 {
        self.upload_flows + self.download_flows
    }
}

/// What [`upload_bytes_per_interval`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSummary {
    /// Flow events read.
    pub flows: u64,
    /// Flows whose source computer has an owner.
    pub upload_flows: u64,
    /// Flows whose destination computer has an owner.
    pub download_flows: u64,
    /// Flows with no owned computer on either side (not in the table).
    pub unowned_flows: u64,
    /// The smallest flow time read.
    pub first_time: Option<u64>,
    /// The largest flow time read.
    pub last_time: Option<u64>,
    /// `1 +` the largest interval index of any flow read (owned or not):
    /// the number of intervals the flows span from the epoch.
    pub n_intervals: u32,
    /// Bad lines skipped under [`BadRowPolicy::Skip`].
    pub skipped: u64,
    /// The first few skip messages.
    pub skip_examples: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Acc {
    up_bytes: u64,
    down_bytes: u64,
    up_flows: u64,
    down_flows: u64,
}

impl Acc {
    fn add(&mut self, o: &Acc) {
        self.up_bytes = self.up_bytes.saturating_add(o.up_bytes);
        self.down_bytes = self.down_bytes.saturating_add(o.down_bytes);
        self.up_flows += o.up_flows;
        self.down_flows += o.down_flows;
    }
}

/// One user's sums by interval, sorted by interval.
///
/// Flows come in time order (within a block, and blocks reach a worker in
/// file order), so nearly every update is to the last interval or appends
/// a new one: O(1) without hashing, where a map keyed by (user, interval)
/// missed the caches at LANL scale (22 M keys; 60% of the flow phase).
/// Out-of-order times fall back to a binary search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct UserSums(Vec<(u32, Acc)>);

impl UserSums {
    #[inline]
    fn at(&mut self, interval: u32) -> &mut Acc {
        let v = &mut self.0;
        let i = match v.last() {
            Some(&(last, _)) if last == interval => v.len() - 1,
            Some(&(last, _)) if last > interval => {
                match v.binary_search_by_key(&interval, |e| e.0) {
                    Ok(i) => i,
                    Err(i) => {
                        v.insert(i, (interval, Acc::default()));
                        i
                    }
                }
            }
            _ => {
                v.push((interval, Acc::default()));
                v.len() - 1
            }
        };
        &mut v[i].1
    }

    /// Adds `other`'s sums (both sorted), keeping the order.
    fn add_all(&mut self, other: &UserSums) {
        if other.0.is_empty() {
            return;
        }
        if self.0.is_empty() {
            self.0.clone_from(&other.0);
            return;
        }
        let mut out = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut a, mut b) = (
            std::mem::take(&mut self.0).into_iter().peekable(),
            other.0.iter().copied().peekable(),
        );
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    let (i, mut s) = a.next().expect("peeked");
                    s.add(&b.next().expect("peeked").1);
                    out.push((i, s));
                }
                (Some(x), Some(y)) if x.0 < y.0 => out.push(a.next().expect("peeked")),
                (Some(_), Some(_)) | (None, Some(_)) => out.push(b.next().expect("peeked")),
                (Some(_), None) => out.push(a.next().expect("peeked")),
                (None, None) => break,
            }
        }
        self.0 = out;
    }
}

/// Builds an [`UploadTable`] flow by flow, for callers with their own read
/// loop; [`upload_bytes_per_interval`] uses it.
///
/// ```
/// use threatstat_datasets::lanl::{FlowReader, OwnerMap, Ownership, UploadAggregator};
/// let owners = OwnerMap::from_entries(vec![Ownership {
///     computer: "C7".into(), user: "U1@DOM1".into(), logons: 3, computer_logons: 3, users: 1 }]);
/// let mut agg = UploadAggregator::new(&owners, 86_400).unwrap();
/// let mut r = FlowReader::from_reader("flows.txt", std::io::Cursor::new(
///     "1,0,C7,N1,C2,443,6,3,900\n86401,0,C7,N1,C2,443,6,3,100\n"));
/// while let Some(f) = r.next_event().unwrap() { agg.add(r.names(), &f); }
/// let t = agg.finish();
/// assert_eq!(t.rows().iter().map(|r| (r.interval, r.upload_bytes)).collect::<Vec<_>>(), [(0, 900), (1, 100)]);
/// ```
#[derive(Debug, Clone)]
pub struct UploadAggregator<'a> {
    labeler: FlowLabeler<'a>,
    interval_s: u64,
    /// Per owner index.
    acc: Vec<UserSums>,
    summary: UploadSummary,
}

impl<'a> UploadAggregator<'a> {
    /// An empty table for `owners` with intervals of `interval_s` seconds
    /// (at least 1).
    pub fn new(owners: &'a OwnerMap, interval_s: u64) -> Result<Self, DatasetError> {
        if interval_s == 0 {
            return Err(threatstat_core::Error::param("interval_s", 0, "at least 1 second").into());
        }
        Ok(UploadAggregator {
            labeler: FlowLabeler::new(owners),
            interval_s,
            acc: Vec::new(),
            summary: UploadSummary::default(),
        })
    }

    /// Adds one flow; `names` is the vocabulary of the reader it came from.
    #[inline]
    pub fn add(&mut self, names: &Names, ev: &FlowEvent) {
        let s = &mut self.summary;
        s.flows += 1;
        s.first_time = Some(s.first_time.map_or(ev.time, |t| t.min(ev.time)));
        s.last_time = Some(s.last_time.map_or(ev.time, |t| t.max(ev.time)));
        let interval = interval_of(ev.time, self.interval_s);
        s.n_intervals = s.n_intervals.max(interval.saturating_add(1));
        let label = self.labeler.label(names, ev);
        if let Some(u) = label.upload_user {
            let a = self.user(u).at(interval);
            a.up_bytes = a.up_bytes.saturating_add(ev.bytes);
            a.up_flows += 1;
            self.summary.upload_flows += 1;
        }
        if let Some(u) = label.download_user {
            let a = self.user(u).at(interval);
            a.down_bytes = a.down_bytes.saturating_add(ev.bytes);
            a.down_flows += 1;
            self.summary.download_flows += 1;
        }
        if label == FlowLabel::default() {
            self.summary.unowned_flows += 1;
        }
    }

    /// The sums of owner `u`.
    #[inline]
    fn user(&mut self, u: u32) -> &mut UserSums {
        let i = u as usize;
        if i >= self.acc.len() {
            self.acc.resize_with(i + 1, UserSums::default);
        }
        &mut self.acc[i]
    }

    /// The table.
    pub fn finish(self) -> UploadTable {
        // Users in order, each user's intervals sorted: rows come sorted by
        // (user, interval).
        let rows: Vec<UploadRow> = self
            .acc
            .into_iter()
            .enumerate()
            .flat_map(|(user, sums)| {
                sums.0.into_iter().map(move |(interval, a)| UploadRow {
                    user: user as u32,
                    interval,
                    upload_bytes: a.up_bytes,
                    download_bytes: a.down_bytes,
                    upload_flows: a.up_flows,
                    download_flows: a.down_flows,
                })
            })
            .collect();
        UploadTable {
            interval_s: self.interval_s,
            users: self.labeler.owners().users().to_vec(),
            rows,
            summary: self.summary,
        }
    }
}

/// The interval index of `time`: `(time - 1) / interval_s`, 0-based from
/// the LANL epoch (time 0, before the epoch, is in interval 0; indices
/// beyond `u32::MAX` saturate).
///
/// ```
/// use threatstat_datasets::lanl::interval_of;
/// assert_eq!((interval_of(1, 86_400), interval_of(86_400, 86_400), interval_of(86_401, 86_400)), (0, 0, 1));
/// ```
#[inline]
pub fn interval_of(time: u64, interval_s: u64) -> u32 {
    let i = time.saturating_sub(LANL_EPOCH) / interval_s.max(1);
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Upload and download bytes per owner per time interval.
///
/// A flow is an **upload** of the owner of its source computer and a
/// **download** of the owner of its destination computer
/// ([`FlowLabel`]); flows with no owned computer on either side are only
/// counted in the summary. Interval `i` covers times
/// `1 + i*interval_s ..= (i+1)*interval_s` ([`interval_of`]).
///
/// **Rows exist only for (user, interval) pairs with at least one flow
/// touching the user's computers** (upload or download): a user whose
/// computers were silent in an interval has no row there, not a zero row.
/// Whether silent intervals are zeros or missing data is the analysis'
/// decision; [`upload_series`](Self::upload_series) fills them with zeros
/// over a range when zeros are wanted. Users are the owners of the
/// [`OwnerMap`] (all of them, flows or not), sorted; rows are sorted by user
/// then interval.
///
/// ```
/// use threatstat_datasets::lanl::{OwnerMap, Ownership, upload_bytes_per_interval};
/// let owners = OwnerMap::from_entries(vec![
///     Ownership { computer: "C7".into(), user: "U1@DOM1".into(), logons: 3, computer_logons: 3, users: 1 },
///     Ownership { computer: "C8".into(), user: "U2@DOM1".into(), logons: 3, computer_logons: 3, users: 1 }]);
/// let p = std::env::temp_dir().join("threatstat-doc-upload-flows.txt");
/// std::fs::write(&p, "10,0,C7,N1,C2,443,6,3,900\n20,0,C2,443,C7,N1,6,9,9000\n\
///                     172801,0,C7,N1,C8,445,6,2,50\n").unwrap();
/// let t = upload_bytes_per_interval(&p, &owners, 86_400, threatstat_core::BadRowPolicy::Error).unwrap();
/// let u1 = t.user_index("U1@DOM1").unwrap();
/// let r = t.user_rows(u1);
/// assert_eq!((r[0].interval, r[0].upload_bytes, r[0].download_bytes, r[0].flows()), (0, 900, 9000, 2));
/// assert_eq!((r[1].interval, r[1].upload_bytes), (2, 50));
/// assert_eq!(t.upload_series(u1, 0, 3), [900, 0, 50]);
/// let u2 = t.user_index("U2@DOM1").unwrap();
/// assert_eq!(t.user_rows(u2)[0].download_bytes, 50);
/// assert_eq!(t.summary().n_intervals, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadTable {
    interval_s: u64,
    users: Vec<String>,
    rows: Vec<UploadRow>,
    summary: UploadSummary,
}

impl UploadTable {
    /// The interval length in seconds.
    pub fn interval_s(&self) -> u64 {
        self.interval_s
    }

    /// The users (owners), sorted; [`UploadRow::user`] indexes this.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The name of user index `user`.
    pub fn user(&self, user: u32) -> &str {
        &self.users[user as usize]
    }

    /// The index of `user`, if it owns a computer.
    pub fn user_index(&self, user: &str) -> Option<u32> {
        self.users
            .binary_search_by(|u| u.as_str().cmp(user))
            .ok()
            .map(|i| i as u32)
    }

    /// All rows, sorted by user then interval.
    pub fn rows(&self) -> &[UploadRow] {
        &self.rows
    }

    /// The rows of user index `user`, by interval.
    pub fn user_rows(&self, user: u32) -> &[UploadRow] {
        let a = self.rows.partition_point(|r| r.user < user);
        let b = self.rows.partition_point(|r| r.user <= user);
        &self.rows[a..b]
    }

    /// User `user`'s upload bytes for intervals `from..to`, zeros where it
    /// has no row.
    pub fn upload_series(&self, user: u32, from: u32, to: u32) -> Vec<u64> {
        let mut out = vec![0; to.saturating_sub(from) as usize];
        for r in self.user_rows(user) {
            if (from..to).contains(&r.interval) {
                out[(r.interval - from) as usize] = r.upload_bytes;
            }
        }
        out
    }

    /// The first time of interval `interval`: `1 + interval * interval_s`.
    pub fn interval_start(&self, interval: u32) -> u64 {
        LANL_EPOCH + u64::from(interval) * self.interval_s
    }

    /// The interval index of `time`.
    pub fn interval_of(&self, time: u64) -> u32 {
        interval_of(time, self.interval_s)
    }

    /// What was read.
    pub fn summary(&self) -> &UploadSummary {
        &self.summary
    }

    /// Writes the rows as CSV with a header:
    /// `user,interval,start_time,upload_bytes,download_bytes,upload_flows,download_flows`.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::{OwnerMap, UploadAggregator};
    /// let owners = OwnerMap::default();
    /// let mut out = Vec::new();
    /// UploadAggregator::new(&owners, 3600).unwrap().finish().write_csv(&mut out).unwrap();
    /// assert_eq!(out, b"user,interval,start_time,upload_bytes,download_bytes,upload_flows,download_flows\n");
    /// ```
    pub fn write_csv(&self, mut out: impl Write) -> std::io::Result<()> {
        out.write_all(
            b"user,interval,start_time,upload_bytes,download_bytes,upload_flows,download_flows\n",
        )?;
        for r in &self.rows {
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                self.user(r.user),
                r.interval,
                self.interval_start(r.interval),
                r.upload_bytes,
                r.download_bytes,
                r.upload_flows,
                r.download_flows
            )?;
        }
        Ok(())
    }
}

/// Upload and download bytes per owner of `owners` per interval of
/// `interval_s` seconds, from the `flows.txt` at `flows_path` (plain or
/// gzip); bad lines stop the read or are skipped as `policy` says. See
/// [`UploadTable`] for the rules.
///
/// The file is parsed by a [`ParallelScan`] on every core, one
/// [`UploadAggregator`] per worker, merged at the end; the table is the
/// same as one sequential pass gives
/// ([`upload_bytes_per_interval_with`] picks the scan's settings).
pub fn upload_bytes_per_interval(
    flows_path: impl AsRef<Path>,
    owners: &OwnerMap,
    interval_s: u64,
    policy: BadRowPolicy,
) -> Result<UploadTable, DatasetError> {
    upload_bytes_per_interval_with(
        flows_path,
        owners,
        interval_s,
        ParallelScan::new().bad_rows(policy),
    )
}

/// Equal when they count for the same owners (the same map, not a copy)
/// and interval and hold the same sums and summary.
impl PartialEq for UploadAggregator<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.labeler.owners(), other.labeler.owners())
            && self.interval_s == other.interval_s
            && self.acc == other.acc
            && self.summary == other.summary
    }
}

impl<'a> Merge for UploadAggregator<'a> {
    type Error = DatasetError;

    /// Adds the flows of `other` (an aggregator over another part of the
    /// same file, with the same owners and interval): sums per user and
    /// interval, summary counts and time range combined. The result equals
    /// one aggregator over both parts.
    ///
    /// ```
    /// use threatstat_core::Merge;
    /// use threatstat_datasets::lanl::{FlowReader, OwnerMap, Ownership, UploadAggregator};
    /// let owners = OwnerMap::from_entries(vec![Ownership {
    ///     computer: "C7".into(), user: "U1@DOM1".into(), logons: 3, computer_logons: 3, users: 1 }]);
    /// let part = |text: &'static str| {
    ///     let mut agg = UploadAggregator::new(&owners, 86_400).unwrap();
    ///     let mut r = FlowReader::from_reader("flows.txt", std::io::Cursor::new(text));
    ///     while let Some(f) = r.next_event().unwrap() { agg.add(r.names(), &f); }
    ///     agg
    /// };
    /// let mut a = part("1,0,C7,N1,C2,443,6,3,900\n");
    /// a.merge(&part("5,0,C7,N1,C2,443,6,3,100\n86401,0,C9,N1,C7,443,6,3,7\n")).unwrap();
    /// let t = a.finish();
    /// assert_eq!(t.rows()[0].upload_bytes, 1000);
    /// assert_eq!(t.rows()[1].download_bytes, 7);
    /// assert_eq!((t.summary().flows, t.summary().last_time), (3, Some(86401)));
    /// ```
    fn merge(&mut self, other: &UploadAggregator<'a>) -> Result<(), DatasetError> {
        if other.interval_s != self.interval_s
            || !std::ptr::eq(other.labeler.owners(), self.labeler.owners())
        {
            return Err(threatstat_core::Error::incompatible(
                "upload aggregators",
                format!(
                    "different owners or intervals ({} s and {} s)",
                    self.interval_s, other.interval_s
                ),
            )
            .into());
        }
        for (u, sums) in other.acc.iter().enumerate() {
            self.user(u as u32).add_all(sums);
        }
        let (s, o) = (&mut self.summary, &other.summary);
        s.flows += o.flows;
        s.upload_flows += o.upload_flows;
        s.download_flows += o.download_flows;
        s.unowned_flows += o.unowned_flows;
        s.first_time = match (s.first_time, o.first_time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        s.last_time = s.last_time.max(o.last_time);
        s.n_intervals = s.n_intervals.max(o.n_intervals);
        Ok(())
    }
}

/// [`upload_bytes_per_interval`] with the scan's threads, block size and
/// bad-row policy given.
pub fn upload_bytes_per_interval_with(
    flows_path: impl AsRef<Path>,
    owners: &OwnerMap,
    interval_s: u64,
    scan: ParallelScan,
) -> Result<UploadTable, DatasetError> {
    // Validates interval_s before reading.
    let mut agg = UploadAggregator::new(owners, interval_s)?;
    let parts = scan.fold(
        flows_path,
        || UploadAggregator::new(owners, interval_s).expect("interval checked above"),
        |agg, names, ev: &FlowEvent| agg.add(names, ev),
    )?;
    for (_, part) in parts.parts {
        agg.merge(&part)?;
    }
    let mut t = agg.finish();
    t.summary.skipped = parts.summary.skipped;
    t.summary.skip_examples = parts.summary.skip_examples;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lanl::{FlowReader, Ownership};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn owners() -> OwnerMap {
        // C0..C3 owned by U0, U1, U2, U0; C4 and C5 unowned.
        OwnerMap::from_entries(
            [(0, 0), (1, 1), (2, 2), (3, 0)]
                .iter()
                .map(|&(c, u)| Ownership {
                    computer: format!("C{c}"),
                    user: format!("U{u}@DOM1"),
                    logons: 1,
                    computer_logons: 1,
                    users: 1,
                })
                .collect(),
        )
    }

    fn aggregate<'a>(owners: &'a OwnerMap, flows: &[(u64, u8, u8, u64)]) -> UploadAggregator<'a> {
        let text: String = flows
            .iter()
            .map(|&(t, a, b, bytes)| format!("{t},0,C{a},N1,C{b},443,6,1,{bytes}\n"))
            .collect();
        let mut agg = UploadAggregator::new(owners, 3_600).unwrap();
        let mut r = FlowReader::from_reader("flows.txt", std::io::Cursor::new(text));
        while let Some(f) = r.next_event().unwrap() {
            agg.add(r.names(), &f);
        }
        agg
    }

    proptest! {
        /// Sums per (user, interval) equal a map computed directly, for
        /// flows in any time order, and any split merges into the same
        /// table.
        #[test]
        fn sums_match_a_direct_map_in_any_order(
            flows in proptest::collection::vec((1u64..40_000, 0u8..6, 0u8..6, 0u64..10_000), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..4),
        ) {
            let owners = owners();
            let mut want: BTreeMap<(u32, u32), [u64; 4]> = BTreeMap::new();
            for &(t, a, b, bytes) in &flows {
                let i = interval_of(t, 3_600);
                if let Some(u) = owners.owner_index(&format!("C{a}")) {
                    let e = want.entry((u, i)).or_default();
                    e[0] += bytes;
                    e[2] += 1;
                }
                if let Some(u) = owners.owner_index(&format!("C{b}")) {
                    let e = want.entry((u, i)).or_default();
                    e[1] += bytes;
                    e[3] += 1;
                }
            }
            let whole = aggregate(&owners, &flows).finish();
            let got: BTreeMap<(u32, u32), [u64; 4]> = whole
                .rows()
                .iter()
                .map(|r| ((r.user, r.interval), [r.upload_bytes, r.download_bytes, r.upload_flows, r.download_flows]))
                .collect();
            prop_assert_eq!(&got, &want);
            prop_assert!(whole.rows().windows(2).all(|w| (w[0].user, w[0].interval) < (w[1].user, w[1].interval)));
            // The merge law: any split of the flows, aggregated part by
            // part and merged, equals the whole.
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(flows.len())).collect();
            cuts.push(0);
            cuts.push(flows.len());
            cuts.sort_unstable();
            let parts: Vec<_> = cuts.windows(2).map(|w| aggregate(&owners, &flows[w[0]..w[1]])).collect();
            let whole_agg = aggregate(&owners, &flows);
            threatstat_core::model::check_merge_law(&whole_agg, &parts).map_err(TestCaseError::fail)?;
            prop_assert_eq!(whole_agg.finish(), whole);
        }
    }
}
