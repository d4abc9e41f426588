//! Ids by shape: [`IdClass`] says what a raw id is relative to the
//! catalogue (a tactic, a technique, unknown, malformed, or an id of
//! another matrix such as ATLAS or ICS).
//!
//! # Why a file of its own
//!
//! Real corpora mix ATT&CK Enterprise ids with ATLAS, ICS, Mobile ids and
//! typos; telling them apart by shape, so each can be reported for what it
//! is, is one rule set used by the catalogue and by flow extraction.

/// What a raw id string is, relative to a catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdClass {
    /// A tactic of the catalogue (kill-chain index); ids, short names and names.
    Tactic(usize),
    /// A technique of the catalogue (index into [`Catalogue::techniques`](super::Catalogue::techniques)),
    /// possibly revoked or deprecated.
    Technique(usize),
    /// A MITRE ATLAS id (`AML.TA0003`, `AML.T0051.000`), possibly inside other text.
    Atlas,
    /// An ATT&CK for ICS id (tactics `TA01xx`, techniques `T08xx`, e.g. `TA0104`, `T0834`).
    Ics,
    /// Shaped like an ATT&CK tactic id but not in the catalogue (another
    /// matrix, e.g. Mobile, or a typo).
    UnknownTactic,
    /// Shaped like an ATT&CK technique id but not in the catalogue (e.g. a
    /// Mobile technique such as `T1533`, or a typo).
    UnknownTechnique,
    /// Not an id at all (e.g. `de`).
    Malformed,
}

impl IdClass {
    /// A short description for messages (None for catalogue entries).
    pub fn describe(self, version: &str) -> Option<String> {
        match self {
            IdClass::Tactic(_) | IdClass::Technique(_) => None,
            IdClass::Atlas => Some("a MITRE ATLAS id, not ATT&CK Enterprise".into()),
            IdClass::Ics => Some("an ATT&CK for ICS id, not ATT&CK Enterprise".into()),
            IdClass::UnknownTactic => Some(format!(
                "shaped like a tactic id but not a tactic of {version}"
            )),
            IdClass::UnknownTechnique => Some(format!(
                "shaped like a technique id but not in {version}: another matrix (e.g. Mobile) or a typo"
            )),
            IdClass::Malformed => {
                Some("not a well-formed ATT&CK id (TA0001, T1566, T1566.001) or tactic name".into())
            }
        }
    }
}

pub(super) fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` (upper-cased, trimmed) has the shape `TA` + 4 digits.
pub(super) fn tactic_shaped(s: &str) -> bool {
    s.strip_prefix("TA").is_some_and(|d| is_digits(d, 4))
}

/// Whether `s` has the shape `T` + 4 digits, optionally `.` + 3 digits.
pub(super) fn technique_shaped(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('T') else {
        return false;
    };
    match rest.split_once('.') {
        Some((a, b)) => is_digits(a, 4) && is_digits(b, 3),
        None => is_digits(rest, 4),
    }
}

/// A note on what a foreign id looks like (ATLAS, ICS), for messages.
pub(super) fn describe_foreign_id(label: &str) -> Option<String> {
    let u = label.trim().to_ascii_uppercase();
    if u.contains("AML.") {
        Some("a MITRE ATLAS id, not ATT&CK Enterprise".into())
    } else if tactic_shaped(&u) && u[2..].starts_with("01") {
        Some("an ATT&CK for ICS tactic id".into())
    } else if technique_shaped(&u) && u.starts_with("T08") {
        Some("an ATT&CK for ICS technique id".into())
    } else {
        None
    }
}
