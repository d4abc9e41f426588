//! AWS CloudTrail logs: loaders (the workshop notebook's CSV, native JSON)
//! to per-(principal, API) count series, and a generator of multi-week logs
//! with human and automated roles and known ground truth.
//!
//! # Why
//!
//! An automated role (a scheduled Lambda, a cron job on an instance)
//! calls the same APIs on a schedule; a person calls them in working hours,
//! on working days, in bursts, and not on holidays. The autocorrelation of a
//! (principal, API) pair's daily or hourly counts tells the two apart, if
//! the series is right: in calendar order, with the days without calls as
//! zeros, one principal per role rather than one per short-lived session,
//! and every record accounted for. This module builds that series from the
//! formats the logs come in.
//!
//! # Formats
//!
//! * The workshop notebook's CSV: `eventtime, arn, eventname` (any column
//!   order, header case-insensitive; e.g. an Athena query result).
//! * CloudTrail JSON as delivered to S3, `{"Records": [...]}` (gzip too),
//!   a bare array of records (Stratus Red Team detonation logs), or JSON
//!   Lines (CloudWatch Logs, log shippers). See [`CloudTrailLoader`].
//!
//! Principal: `userIdentity.arn`, or for `AssumedRole` the issuing role
//! `userIdentity.sessionContext.sessionIssuer.arn` (see [`PrincipalKey`]
//! for why, and for the raw-ARN alternative). API: `eventName`, or
//! `eventSource:eventName` ([`ApiKey`]). Time: `eventTime` in UTC (see
//! [`TimeZones`] for offsets).
//!
//! # The pieces
//!
//! * [`CloudTrailLoader`] reads files into a [`PairTable`] (or hands each
//!   [`Event`] to a callback), streaming: a file's records are parsed one
//!   at a time and added to per-pair counts at once;
//! * [`PairTable::series`] cuts the zero-filled [`PairCounts`] of every
//!   pair over the observation window, by [`Bucket::Day`] or [`Bucket::Hour`];
//! * [`CloudTrailGenerator`] simulates weeks of an account's activity
//!   (humans and scheduled automation) and writes it as CloudTrail JSON (one
//!   file per day) and as the notebook's CSV, with the [`CloudTrailTruth`].
//!
//! ```
//! use threatstat_datasets::cloudtrail::{CloudTrailGenerator, CloudTrailLoader, InputFormat};
//! let log = CloudTrailGenerator::new().days(14).humans(3).automated(2).seed(1).generate().unwrap();
//! let mut csv = Vec::new();
//! log.write_csv(&mut csv).unwrap();
//! let loader = CloudTrailLoader::new().format(InputFormat::Csv);
//! let mut table = loader.table();
//! loader.load_reader_into("generated.csv", std::io::Cursor::new(csv), &mut table).unwrap();
//! let series = table.series();
//! assert!(series.iter().all(|s| s.counts.len() == 14));
//! assert_eq!(table.summary().counted, log.truth().records);
//! ```

#[cfg(feature = "generate")]
mod generate;
mod json;
mod load;
mod record;

#[cfg(feature = "generate")]
pub use generate::{
    AutomatedPair, CheckedCloudTrailGenerator, CloudTrailGenerator, CloudTrailTruth, GeneratedLog,
    HumanPrincipal, Schedule, TRUTH_FORMAT, TRUTH_VERSION,
};
pub use load::{
    Bucket, CloudTrailLoader, FileReport, InputFormat, PairCounts, PairSummary, PairTable, Window,
};
pub use record::{ApiKey, Event, PrincipalKey, TimeZones, Zone};
