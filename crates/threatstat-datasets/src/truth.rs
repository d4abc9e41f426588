//! Reading and writing generators' ground-truth JSON, shared by the CERT,
//! CloudTrail and LANL generators.

use crate::DatasetError;
use std::path::Path;

/// Pretty JSON ending with a newline.
pub(crate) fn to_json<T: serde::Serialize>(t: &T) -> String {
    let mut s = serde_json::to_string_pretty(t).expect("serializable");
    s.push('\n');
    s
}

/// Parses ground truth and checks its `(format, version)` against the expected ones.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    s: &str,
    label: &str,
    expected: (&str, u32),
    found: impl Fn(&T) -> (&str, u32),
) -> Result<T, DatasetError> {
    let t: T = serde_json::from_str(s)
        .map_err(|e| DatasetError::Invalid(format!("invalid {label} JSON: {e}")))?;
    let (format, version) = found(&t);
    if (format, version) != expected {
        return Err(DatasetError::Invalid(format!(
            "expected ground truth format `{}` version {}, found `{format}` version {version}",
            expected.0, expected.1
        )));
    }
    Ok(t)
}

/// Reads a ground-truth file with `parse`, naming the file in parse errors.
pub(crate) fn read<T>(
    path: &Path,
    parse: impl Fn(&str) -> Result<T, DatasetError>,
) -> Result<T, DatasetError> {
    let text = threatstat_core::reader::read_to_string(path)?;
    parse(&text).map_err(|e| match e {
        DatasetError::Invalid(m) => DatasetError::Invalid(format!("{}: {m}", path.display())),
        other => other,
    })
}
