//! Errors that name the file, line and field where the problem is.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input a problem was found. Every part is optional, so the same
/// type serves whole-file problems and single-cell problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The input file, if the data came from one.
    pub file: Option<PathBuf>,
    /// 1-based physical line number in the file.
    pub line: Option<u64>,
    /// The column or field name.
    pub field: Option<String>,
}

impl Location {
    /// A location in `file`.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Location {
            file: Some(path.as_ref().to_path_buf()),
            ..Default::default()
        }
    }
    /// This location at 1-based `line`.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// This location in field `field`.
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(p) => write!(f, "{}", p.display())?,
            None => write!(f, "<input>")?,
        }
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(c) = &self.field {
            write!(f, ": field `{c}`")?;
        }
        Ok(())
    }
}

/// The error type of `threatstat-core`; method crates wrap it.
///
/// Typed variants carry what a caller may want to act on (the parameter,
/// its value and the constraint; the shape expected and found) so tests
/// and bindings match on fields, not on message substrings. New variants
/// may be added: match with a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening or reading a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A value could not be parsed or is invalid.
    #[error("{location}: {message}")]
    Parse {
        /// Where.
        location: Location,
        /// What was expected and what was found.
        message: String,
    },
    /// A required column is not in the header.
    #[error("{location}: no column `{column}` in the header (columns are: {available})")]
    MissingColumn {
        /// The file (line 1 is the header).
        location: Location,
        /// The column that was asked for.
        column: String,
        /// The columns the header has, comma-separated.
        available: String,
    },
    /// A parameter is outside its range.
    ///
    /// ```
    /// use threatstat_core::Error;
    /// let e = Error::param("alpha", -2.0, "a finite number > 0");
    /// assert_eq!(e.to_string(), "invalid parameter `alpha`: expected a finite number > 0, found -2");
    /// assert!(matches!(e, Error::Param { name: "alpha", .. }));
    /// ```
    #[error("invalid parameter `{name}`: expected {expected}, found {value}")]
    Param {
        /// The parameter's name as the API spells it (the CLI maps it to its flag).
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// The constraint, phrased to follow "expected".
        expected: String,
    },
    /// Data of the wrong shape (too few values, ragged rows, mismatched lengths).
    ///
    /// ```
    /// use threatstat_core::Error;
    /// let e = Error::shape("points", "3 columns (the data's dimension)", "2 columns");
    /// assert_eq!(e.to_string(), "points: expected 3 columns (the data's dimension), found 2 columns");
    /// ```
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// Which data.
        what: String,
        /// What the method needs.
        expected: String,
        /// What it got.
        found: String,
    },
    /// Data whose values a method cannot use (negative counts, all zeros
    /// where a mean must be positive, nothing left to fit): the shape is
    /// right, the content is not.
    ///
    /// ```
    /// use threatstat_core::Error;
    /// let e = Error::data("counts", "day 3 is negative (-1); counts must be >= 0");
    /// assert_eq!(e.to_string(), "counts: day 3 is negative (-1); counts must be >= 0");
    /// assert!(matches!(e, Error::Data { .. }));
    /// ```
    #[error("{what}: {problem}")]
    Data {
        /// Which data.
        what: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A model file that is not a model of this kind or version, or whose
    /// body is inconsistent.
    ///
    /// ```
    /// use threatstat_core::Error;
    /// let e = Error::model_file(Some("m.json"), "wrong kind of model file (format `x`, expected `y`)");
    /// assert_eq!(e.to_string(), "m.json: wrong kind of model file (format `x`, expected `y`)");
    /// let e = Error::model_file(None::<&str>, "model file is not JSON");
    /// assert_eq!(e.to_string(), "model file: model file is not JSON");
    /// ```
    #[error("{}: {problem}", .file.as_ref().map_or_else(|| "model file".to_string(), |p| p.display().to_string()))]
    ModelFile {
        /// The file, when the model was read from one.
        file: Option<PathBuf>,
        /// What is wrong.
        problem: String,
    },
    /// Two models or summaries that cannot be merged (fitted with different
    /// settings, over different grids or windows).
    ///
    /// ```
    /// use threatstat_core::Error;
    /// let e = Error::incompatible("rates", "fitted with different smoothing (1 and 2)");
    /// assert_eq!(e.to_string(), "cannot merge rates: fitted with different smoothing (1 and 2)");
    /// ```
    #[error("cannot merge {what}: {reason}")]
    Incompatible {
        /// What was being merged.
        what: String,
        /// Why they do not fit together.
        reason: String,
    },
    /// Anything the typed variants do not describe. Prefer a typed variant:
    /// callers and bindings cannot match on a message.
    #[error("invalid input: {0}")]
    Invalid(String),
}

impl Error {
    /// A parse error at `location`. A message longer than
    /// [`MAX_MESSAGE`] bytes (one that quotes a huge field, such as a 10 MB
    /// line) is cut, so an error never floods the terminal.
    pub fn parse(location: Location, message: impl Into<String>) -> Self {
        Error::Parse {
            location,
            message: cut(message.into()),
        }
    }
    /// A parameter error: `name` must be `expected`, `value` was given.
    pub fn param(
        name: &'static str,
        value: impl fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::Param {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
    /// A shape error: `what` should be `expected`, is `found`.
    pub fn shape(
        what: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Error::Shape {
            what: what.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
    /// A data error: `what` is unusable because of `problem`.
    pub fn data(what: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Data {
            what: what.into(),
            problem: problem.into(),
        }
    }
    /// A model-file error, naming `file` when there is one.
    pub fn model_file(file: Option<impl AsRef<Path>>, problem: impl Into<String>) -> Self {
        Error::ModelFile {
            file: file.map(|p| p.as_ref().to_path_buf()),
            problem: problem.into(),
        }
    }
    /// A merge of `what` refused because of `reason`.
    pub fn incompatible(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Incompatible {
            what: what.into(),
            reason: reason.into(),
        }
    }
    /// This error with `path` named, when it is a model-file error that
    /// does not name its file yet (for `load` implementations).
    pub fn in_file(self, path: impl AsRef<Path>) -> Self {
        match self {
            Error::ModelFile {
                file: None,
                problem,
            } => Error::model_file(Some(path), problem),
            e => e,
        }
    }
    /// An I/O error on `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
    /// The location of a parse or missing-column error.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. } | Error::MissingColumn { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest parse-error message kept whole, in bytes.
pub const MAX_MESSAGE: usize = 600;

/// `message`, or its start and how much was cut when it is too long.
fn cut(message: String) -> String {
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let mut end = MAX_MESSAGE - 100;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} more bytes not shown)",
        &message[..end],
        message.len() - end
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_and_field() {
        let e = Error::parse(
            Location::file("a.csv").at_line(7).in_field("TimeGenerated"),
            "expected an ISO-8601 timestamp, found `yesterday`",
        );
        assert_eq!(
            e.to_string(),
            "a.csv:7: field `TimeGenerated`: expected an ISO-8601 timestamp, found `yesterday`"
        );
    }

    #[test]
    fn a_message_quoting_a_huge_field_is_cut() {
        let field = "é".repeat(5 << 20);
        let e = Error::parse(
            Location::file("a.txt").at_line(2),
            format!("expected a number, found `{field}`"),
        );
        let shown = e.to_string();
        assert!(shown.len() < 1000, "{} bytes", shown.len());
        assert!(shown.starts_with("a.txt:2: expected a number, found `éé"));
        assert!(shown.ends_with("more bytes not shown)"));
    }
}
