//! The streaming loader, [`CloudTrailLoader`]: reads the notebook's CSV
//! and CloudTrail JSON (plain or gzip, one file or many in parallel) into
//! a [`PairTable`] or hands each [`Event`] to a callback, with a
//! [`FileReport`] per file.
//!
//! # Why a file of its own
//!
//! Formats, bad-row policy and parallel reading are about input files;
//! the counts they produce live in `table`.

use super::bucket::{Bucket, Window};
use super::table::PairTable;
use crate::DatasetError;
use crate::cloudtrail::json::{RawRecord, for_each_record};
use crate::cloudtrail::record::{
    ApiKey, At, Event, Fields, PrincipalKey, RecordOptions, TimeZones, Zone, parse_json, parse_time,
};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use threatstat_core::reader::{CsvTable, open};
use threatstat_core::{BadRowPolicy, Error, Location, SkipReport};

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
                            if let Err(e) = threatstat_core::Merge::merge(&mut m.table, &t) {
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
