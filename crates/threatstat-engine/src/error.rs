//! The engine's error.

use std::path::PathBuf;

/// What went wrong running a plan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A file or directory could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An argument or a plan's result is invalid.
    #[error("{0}")]
    Invalid(String),
    /// An input has rows the plan cannot count. The engine does not report
    /// line numbers; the crate's native loaders do.
    #[error("{}: {count} bad rows ({what}); the native loaders name their lines", table.display())]
    BadRows {
        /// The input.
        table: PathBuf,
        /// How many.
        count: u64,
        /// What is wrong with them.
        what: String,
    },
    /// DataFusion or Ballista failed (planning, reading or executing).
    #[cfg(feature = "datafusion")]
    #[error("engine: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// An Arrow conversion failed.
    #[cfg(feature = "datafusion")]
    #[error("arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}
