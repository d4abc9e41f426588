//! The error type of this crate.

/// Errors of `threatstat-datasets`.
///
/// Input problems (a bad date, an unknown activity, a missing column, a
/// ragged row) come from [`threatstat_core::Error`] and name the file, line
/// and field; the other variants are about arguments and output.
///
/// ```
/// use threatstat_datasets::{DatasetError, cert::HourWindow};
/// let err: DatasetError = "25-3".parse::<HourWindow>().unwrap_err();
/// assert!(err.to_string().contains("25"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// Reading or parsing input failed (the message names file, line, field).
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// A text could not be read as an [`HourWindow`](crate::cert::HourWindow).
    #[error("invalid hour window `{text}`: {message}")]
    HourWindow {
        /// The text given.
        text: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// Writing output failed.
    #[error("writing {target}: {source}")]
    Write {
        /// What was being written (a path, or a description).
        target: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Err` of a parameter error: `name` must be `expected`, `value` was given
/// ([`threatstat_core::Error::param`] inside [`DatasetError::Core`]).
pub(crate) fn bad_param<T>(
    name: &'static str,
    value: impl std::fmt::Display,
    expected: impl Into<String>,
) -> Result<T, DatasetError> {
    Err(DatasetError::Core(threatstat_core::Error::param(
        name, value, expected,
    )))
}
