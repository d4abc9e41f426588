//! The streaming loader (CSV and JSON) and the per-(principal, API) count
//! series it builds.
//!
//! # The files, one idea each
//!
//! * `bucket`: [`Bucket`] and [`Window`], the calendar arithmetic;
//! * `table`: the [`PairTable`] of counts, its [`PairCounts`] series and
//!   [`PairSummary`];
//! * `loader`: the [`CloudTrailLoader`] (formats, bad rows, parallel
//!   reading) and its [`FileReport`]s.

mod bucket;
mod loader;
mod table;

pub use bucket::{Bucket, Window};
pub use loader::{CloudTrailLoader, FileReport, InputFormat};
pub use table::{PairCounts, PairSummary, PairTable};
