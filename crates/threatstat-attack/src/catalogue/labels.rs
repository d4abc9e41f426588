//! Labels that are not in the catalogue: [`UnknownLabel`] (what it looks
//! like, the closest ids) and the edit distance behind the suggestions.
//!
//! # Why a file of its own
//!
//! Suggesting ids for a typo is string matching, not ATT&CK knowledge;
//! tactic sets and the catalogue both use it.

use super::tactics::normalise_name;

/// A label (tactic or technique id, or name) that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLabel {
    /// The label as given.
    pub label: String,
    /// What was expected: `tactic`, `technique` or `tactic or technique`.
    pub expected: &'static str,
    /// What the label looks like, e.g. "a MITRE ATLAS id" (None if nothing is recognised).
    pub note: Option<String>,
    /// The closest known ids with their names, e.g. `TA0009 (Collection)`.
    pub suggestions: Vec<String>,
}

impl std::fmt::Display for UnknownLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} `{}`", self.expected, self.label)?;
        if let Some(n) = &self.note {
            write!(f, " ({n})")?;
        }
        if !self.suggestions.is_empty() {
            write!(f, "; closest: {}", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

/// Optimal-string-alignment distance (Levenshtein with adjacent transpositions).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// The `n` candidates `(id, name)` closest to `label`, as `id (name)`: by
/// edit distance to the id (upper-cased) or to the name (lower-cased),
/// whichever is smaller, ties by id. Candidates farther than
/// `max(2, len / 3)` edits are not suggested (`de` resembles nothing).
pub(super) fn closest(label: &str, candidates: &[(String, String)], n: usize) -> Vec<String> {
    let up = label.trim().to_ascii_uppercase();
    let low = normalise_name(label);
    let mut scored: Vec<(usize, &String, &String)> = candidates
        .iter()
        .map(|(id, name)| {
            let d = edit_distance(&up, id).min(edit_distance(&low, &normalise_name(name)));
            (d, id, name)
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let limit = (label.trim().chars().count() / 3).max(2);
    scored
        .into_iter()
        .filter(|(d, _, _)| *d <= limit)
        .take(n)
        .map(|(_, id, name)| format!("{id} ({name})"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, IdClass};

    #[test]
    fn suggestions_are_close() {
        let c = Catalogue::bundled();
        let e = c.unknown_label("TA0099", IdClass::UnknownTactic);
        assert_eq!(e.expected, "tactic");
        assert!(e.suggestions[0].starts_with("TA00"), "{e}");
        let e = c.unknown_label("T1059.01", IdClass::Malformed);
        assert!(
            e.suggestions.iter().any(|s| s.starts_with("T1059.001")),
            "{e}"
        );
        let e = c.unknown_label("Initial Acess", IdClass::Malformed);
        assert!(e.suggestions[0].starts_with("TA0001"), "{e}");
        assert_eq!(edit_distance("TA0010", "TA0001"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
