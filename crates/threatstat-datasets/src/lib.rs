//! Loaders for real security-log formats and seeded generators of
//! look-alike data with planted ground truth.
//!
//! # Why this crate
//!
//! The statistical crates of threatstat work on compact summaries (daily
//! counts, sessions, per-host bytes); building those summaries from raw
//! logs is where published analyses most often go wrong, silently. For
//! example, a published Bayesian changepoint analysis of the CERT Insider
//! Threat data modelled each user's *daily logon count* but
//!
//! * sorted the days as date *strings* in CERT's `%m/%d/%Y` format, so
//!   `"01/10/2010"` came before `"01/02/2010"` and the series was not in
//!   time order, and
//! * dropped days without logons, so weekends and absences vanished and the
//!   series was compressed in time.
//!
//! A changepoint model fitted to such a series finds changes where there are
//! none and misplaces the real ones. The loaders here index days by their
//! calendar day number, fill days without logons with real zeros, and say
//! exactly which rows they could not read (file, line, field) instead of
//! dropping them quietly.
//!
//! The CERT data may not be redistributed, so the crate also *generates*
//! files in the same format with known planted behaviour
//! ([`cert::LogonGenerator`]): tests and benchmarks run on them, and a
//! method's answer can be checked against the ground truth.
//!
//! # Formats
//!
//! * [`cert`]: CERT Insider Threat `logon.csv` (loader, daily series, generator).
//!
//! Inputs are read with [`threatstat_core`]'s readers (gzip-transparent CSV
//! with line numbers) and errors are [`threatstat_core::Error`]s wrapped in
//! [`DatasetError`].
//!
//! ```
//! use threatstat_datasets::cert::{LogonLoader, Span};
//! // Rows out of time order, across a month end: the series is in calendar
//! // order and the day without a logon (2010-01-31) is a zero.
//! let csv = "date,user,pc,activity\n\
//!            02/01/2010 09:00:00,NGF0157,PC-6056,Logon\n\
//!            01/30/2010 09:00:00,NGF0157,PC-6056,Logon\n\
//!            01/30/2010 10:00:00,NGF0157,PC-6056,Logon\n";
//! let counts = LogonLoader::new().load_reader("logon.csv", std::io::Cursor::new(csv)).unwrap();
//! let d = &counts.daily(Span::User)[0];
//! assert_eq!(d.dates(), ["2010-01-30", "2010-01-31", "2010-02-01"]);
//! assert_eq!(d.counts, [2, 0, 1]);
//! ```

pub mod cert;
pub mod cloudtrail;
mod error;
pub mod lanl;
#[cfg(feature = "generate")]
mod truth;

pub use cert::{DailyCounts, HourWindow, LogonCounts, LogonLoader, LogonSummary, Span};
#[cfg(feature = "generate")]
pub use cert::{GroundTruth, LogonGenerator};
pub use error::DatasetError;
#[cfg(feature = "generate")]
pub use truth::TruthFile;
