//! Tactics: [`Tactic`] and the kill-chain-ordered [`TacticSet`] with
//! look-up by id, short name or name.
//!
//! # Why a file of its own
//!
//! A tactic set is what a chain model is defined over; it can come from
//! the bundled catalogue or be built in code, and its look-up rules
//! (case, separators) are shared by every label a user types.

use super::ids::describe_foreign_id;
use super::labels::{UnknownLabel, closest};
use crate::AttackError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use threatstat_core::Error;

/// One tactic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tactic {
    /// ATT&CK id, e.g. `TA0001`.
    pub id: String,
    /// STIX short name, e.g. `initial-access`.
    pub shortname: String,
    /// Display name, e.g. `Initial Access`.
    pub name: String,
}

/// The tactics of a matrix in kill-chain order; a tactic is referred to by
/// its index here (0 = the first tactic of the kill chain).
///
/// ```
/// use threatstat_attack::Catalogue;
/// let t = Catalogue::bundled().tactics();
/// assert_eq!(t.len(), 14);
/// assert_eq!(t.index_of("TA0001"), Some(2));
/// assert_eq!(t.index_of("initial access"), Some(2));
/// assert_eq!(t.index_of("initial-access"), Some(2));
/// let e = t.parse("TA0010x").unwrap_err().to_string();
/// assert!(e.contains("TA0010"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TacticSet {
    tactics: Vec<Tactic>,
}

impl TacticSet {
    /// A set from tactics in kill-chain order; ids, short names and names
    /// must be unique and non-empty.
    pub fn new(tactics: Vec<Tactic>) -> Result<Self, AttackError> {
        if tactics.is_empty() || tactics.len() > 250 {
            return Err(Error::shape(
                "tactic set",
                "1 to 250 tactics",
                format!("{}", tactics.len()),
            )
            .into());
        }
        // Every id, short name and name (normalised as `index_of` compares
        // them) must point at one tactic only.
        let mut owner: HashMap<String, usize> = HashMap::new();
        for (i, t) in tactics.iter().enumerate() {
            for key in [&t.id, &t.shortname, &t.name] {
                if key.trim().is_empty() {
                    return Err(Error::data(
                        "tactic set",
                        format!(
                            "tactic {} (`{}`) has an empty id, short name or name",
                            i + 1,
                            t.id
                        ),
                    )
                    .into());
                }
                if let Some(&j) = owner.get(&normalise_name(key))
                    && j != i
                {
                    return Err(Error::data(
                        "tactic set",
                        format!(
                            "tactic key `{key}` is used by two tactics ({} and {})",
                            tactics[j].id, t.id
                        ),
                    )
                    .into());
                }
                owner.insert(normalise_name(key), i);
            }
        }
        Ok(TacticSet { tactics })
    }

    /// Number of tactics.
    pub fn len(&self) -> usize {
        self.tactics.len()
    }

    /// Whether there are no tactics (never true for a validated set).
    pub fn is_empty(&self) -> bool {
        self.tactics.is_empty()
    }

    /// The tactic at kill-chain index `i`.
    pub fn get(&self, i: usize) -> Option<&Tactic> {
        self.tactics.get(i)
    }

    /// The tactics in kill-chain order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tactic> {
        self.tactics.iter()
    }

    /// The id of tactic `i` (panics if out of range).
    pub fn id(&self, i: usize) -> &str {
        &self.tactics[i].id
    }

    /// The name of tactic `i` (panics if out of range).
    pub fn name(&self, i: usize) -> &str {
        &self.tactics[i].name
    }

    /// The index of a tactic given by id (`TA0001`), short name
    /// (`initial-access`) or name (`Initial Access`); ids and names are
    /// matched case-insensitively, and `-`, `_` and spaces are equivalent.
    pub fn index_of(&self, label: &str) -> Option<usize> {
        let key = normalise_name(label);
        self.tactics.iter().position(|t| {
            t.id.eq_ignore_ascii_case(label.trim())
                || normalise_name(&t.shortname) == key
                || normalise_name(&t.name) == key
        })
    }

    /// Like [`TacticSet::index_of`], but an unknown label is an error that
    /// names it, says what kind of id it looks like and suggests the closest
    /// tactic ids.
    pub fn parse(&self, label: &str) -> Result<usize, AttackError> {
        self.index_of(label)
            .ok_or_else(|| AttackError::UnknownLabels(vec![self.unknown(label)]))
    }

    /// Parses every label; all unknown labels are named in one error.
    pub fn parse_all<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>, AttackError> {
        let mut out = Vec::with_capacity(labels.len());
        let mut bad = Vec::new();
        for l in labels {
            match self.index_of(l.as_ref()) {
                Some(i) => out.push(i),
                None => bad.push(self.unknown(l.as_ref())),
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(AttackError::UnknownLabels(bad))
        }
    }

    fn unknown(&self, label: &str) -> UnknownLabel {
        let candidates: Vec<(String, String)> = self
            .tactics
            .iter()
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        UnknownLabel {
            label: label.to_string(),
            expected: "tactic",
            note: describe_foreign_id(label),
            suggestions: closest(label, &candidates, 3),
        }
    }
}

/// `initial-access`, `Initial Access` and `initial_access` all become
/// `initial access`.
pub(super) fn normalise_name(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '-' | '_' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
