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
    /// A parameter, a missing column or unusable data, as the native
    /// crates report them (typed: match on the core variant).
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// An input the chosen backend cannot read (say which and what to do).
    #[error("{0}")]
    Unsupported(String),
    /// The async runtime, the scheduler or an executor could not start.
    #[error("{0}")]
    Runtime(String),
    /// A plan's result lacks what the engine's own SQL asked for (a bug in
    /// the engine, not in the input).
    #[error("plan result: {0}")]
    Plan(String),
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
