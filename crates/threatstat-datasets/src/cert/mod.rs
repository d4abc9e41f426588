//! The CERT Insider Threat data set's `logon.csv`: a streaming loader to
//! per-user daily logon counts, and a generator of look-alike files with
//! planted insiders.
//!
//! `logon.csv` (releases r4.2 and later) has one row per logon or logoff:
//!
//! ```text
//! id,date,user,pc,activity
//! {X1D9-S0ES98JV-5357PWMI},01/02/2010 06:49:00,NGF0157,PC-6056,Logon
//! {U6Q3-U0WE70UA-3770UREL},01/02/2010 06:53:04,NGF0157,PC-6056,Logoff
//! ```
//!
//! Some copies lack the `id` column; columns are found by name. Dates are
//! local times without a zone (`%m/%d/%Y %H:%M:%S`), kept as written.
//!
//! The pieces, each usable on its own:
//!
//! * [`LogonLoader`] reads a file (gzip allowed) into [`LogonCounts`],
//!   optionally counting only logons in an [`HourWindow`] such as `18-7`;
//! * [`LogonCounts::daily`] cuts [`DailyCounts`] series over a [`Span`];
//! * [`LogonGenerator`] writes a CERT-format file and its [`GroundTruth`].
//!
//! ```
//! use threatstat_datasets::cert::{HourWindow, LogonGenerator, LogonLoader, Span};
//! let mut csv = Vec::new();
//! let truth = LogonGenerator::new().users(10).days(30).planted(1).seed(1)
//!     .generate(&mut csv).unwrap();
//! let counts = LogonLoader::new()
//!     .hour_window("18-7".parse::<HourWindow>().unwrap())
//!     .load_reader("logon.csv", std::io::Cursor::new(csv)).unwrap();
//! let series = counts.daily(Span::Global);
//! assert_eq!(series.len(), 10);
//! assert!(series.iter().all(|s| s.counts.len() == 30));
//! ```

mod datetime;
#[cfg(feature = "generate")]
pub mod generate;
mod logon;
mod window;

pub use datetime::{LocalDateTime, format_day, parse_cert_datetime, parse_day, weekday};
#[cfg(feature = "generate")]
pub use generate::{
    CheckedLogonGenerator, GroundTruth, Leaver, LogonGenerator, OrgEvent, PlantKind, PlantedUser,
    SHIFT_AFTER_HOURS_PROB,
};
pub use logon::{Activity, DailyCounts, LOGON_DAYS, LogonCounts, LogonLoader, LogonSummary, Span};
pub use window::HourWindow;
