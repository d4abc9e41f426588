//! Generators' ground truth as a versioned JSON file: one implementation
//! of `to_json`, `from_json` and `read` for the CERT, CloudTrail and LANL
//! truths ([`TruthFile`]).

use crate::DatasetError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use threatstat_core::Error;

/// A generator's ground truth, saved as pretty JSON (ending with a newline)
/// whose `format` and `version` fields name its kind; reading checks them.
///
/// The three truths ([`GroundTruth`](crate::cert::GroundTruth),
/// [`CloudTrailTruth`](crate::cloudtrail::CloudTrailTruth),
/// [`LanlTruth`](crate::lanl::LanlTruth)) implement the two constants and
/// [`format_version`](Self::format_version); the rest is provided. Errors
/// are [`Error::ModelFile`] (naming the file when read from one).
///
/// ```
/// use threatstat_core::Error;
/// use threatstat_datasets::{DatasetError, TruthFile, cert::{GroundTruth, LogonGenerator}};
/// let truth = LogonGenerator::new().users(3).days(10).planted(1).generate(std::io::sink()).unwrap();
/// let json = truth.to_json();
/// assert!(json.contains("\"format\": \"threatstat-cert-logon-truth\""));
/// assert_eq!(GroundTruth::from_json(&json).unwrap(), truth);
/// let e = GroundTruth::from_json("{}").unwrap_err();
/// assert!(matches!(e, DatasetError::Core(Error::ModelFile { file: None, .. })), "{e}");
/// let e = GroundTruth::read("/nonexistent/truth.json").unwrap_err();
/// assert!(matches!(e, DatasetError::Core(Error::Io { .. })), "{e}");
/// ```
pub trait TruthFile: Serialize + DeserializeOwned {
    /// The `format` field this kind of truth has.
    const FORMAT: &'static str;
    /// The `version` field this kind of truth has.
    const VERSION: u32;
    /// What the file is, for messages ("ground truth").
    const LABEL: &'static str;

    /// The `(format, version)` this truth has (as read).
    fn format_version(&self) -> (&str, u32);

    /// Pretty JSON, ending with a newline.
    fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("serializable");
        s.push('\n');
        s
    }

    /// Reads JSON written by [`to_json`](Self::to_json), checking format
    /// and version.
    fn from_json(s: &str) -> Result<Self, DatasetError> {
        let t: Self = serde_json::from_str(s).map_err(|e| {
            Error::model_file(None::<&Path>, format!("invalid {} JSON: {e}", Self::LABEL))
        })?;
        let (format, version) = t.format_version();
        if (format, version) != (Self::FORMAT, Self::VERSION) {
            return Err(Error::model_file(
                None::<&Path>,
                format!(
                    "expected ground truth format `{}` version {}, found `{format}` version {version}",
                    Self::FORMAT,
                    Self::VERSION
                ),
            )
            .into());
        }
        Ok(t)
    }

    /// Reads a ground-truth file, naming it in errors.
    fn read(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref();
        let text = threatstat_core::reader::read_to_string(path)?;
        Self::from_json(&text).map_err(|e| match e {
            DatasetError::Core(e) => DatasetError::Core(e.in_file(path)),
            other => other,
        })
    }
}
