//! Shared foundations of threatstat.
//!
//! Every statistical crate of the workspace reads logs and reports problems the
//! same way, so the pieces they share live here:
//!
//! * [`model`]: the vocabulary every method crate implements the same way:
//!   [`model::ParamGuard`] (checked params), [`model::Fit`],
//!   [`model::Merge`] and [`model::ModelFile`] (versioned save/load).
//! * [`numerics`]: NumPy's sums and quantiles and the log-space helpers,
//!   once; [`rng`]: seeded generators with streams fixed across releases;
//!   [`numbers`]: reading a column of numbers or a matrix of points.
//! * [`Error`] and [`Location`]: errors that say *where* (file, line, field)
//!   and *what* was expected, so a researcher can fix a bad row at once.
//! * [`reader`]: transparent gzip, CSV with named columns, JSON Lines, each
//!   tracking line numbers.
//! * [`time`]: fast ISO-8601 parsing to nanoseconds since the Unix epoch (UTC)
//!   and formatting back.
//! * [`intern::Interner`]: string interning, so models work on dense `u32` ids.
//! * [`pyfmt`]: Python-compatible formatting of floats (`repr`) and JSON
//!   (`json.dumps`), so outputs can be diffed against the Python peers' files.
//! * [`BadRowPolicy`] and [`SkipReport`]: the explicit, counted way to skip
//!   bad input rows instead of silently dropping them.
//! * [`atomic::AtomicFile`]: output files that appear whole or not at all
//!   (written beside the target, renamed on commit); [`output`] decides
//!   what `-`, devices, FIFOs and symlinks get, and refuses an output that
//!   is an input; [`cleanup`] removes temporary files on a signal;
//!   [`manifest`] marks the files of one run of a multi-file output;
//!   [`stdout`] prints without panicking on a closed pipe.
//!
//! ```
//! use threatstat_core::time::{parse_timestamp, format_timestamp};
//! let ns = parse_timestamp("2020-04-18T04:50:30Z").unwrap();
//! assert_eq!(format_timestamp(ns), "2020-04-18T04:50:30Z");
//! ```

pub mod atomic;
pub mod blank;
pub mod cleanup;
pub mod error;
#[cfg(feature = "fuzz")]
pub mod fuzz;
pub mod gz;
pub mod intern;
pub mod manifest;
pub mod model;
pub mod numbers;
pub mod numerics;
pub mod output;
pub mod progress;
pub mod pvalue;
pub mod pyfmt;
pub mod reader;
pub mod rng;
pub mod skip;
pub mod stdout;
pub mod tidy;
pub mod time;

pub use error::{Error, Location, Result};
pub use intern::Interner;
pub use model::{Fit, Merge, ModelFile, ParamGuard};
pub use skip::{BadRowPolicy, SkipReport};
