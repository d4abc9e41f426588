//! One tactic for a technique that ATT&CK maps to several.
//!
//! 154 active Enterprise techniques belong to more than one tactic (Valid
//! Accounts T1078: Initial Access, Persistence, Privilege Escalation,
//! Defense Evasion). A tactic chain needs one. [`TacticResolver`] chooses
//! deterministically, in this order:
//!
//! 1. **Single**: the technique has one tactic.
//! 2. **Corpus vote**: analysts who labelled *this technique id* with an
//!    explicit tactic in the training corpus (Attack Flow actions carry
//!    both ids) chose among its tactics; the most frequent choice wins.
//! 3. **Family vote**: the same, pooled over the technique's family (the
//!    parent and all its sub-techniques: T1078, T1078.001, ...).
//! 4. **Kill-chain first**: the earliest of its tactics in kill-chain order.
//!
//! Ties at steps 2–3 go to the earliest tactic in kill-chain order. Votes
//! only count for tactics ATT&CK lists for the technique: an analyst's
//! label outside that list (a real flow labels NTDS as Reconnaissance) is
//! kept for that action but does not steer other actions.
//!
//! Why this order: the analysts' choices are evidence of how a technique is
//! used in real intrusions (T1078 is drawn as Initial Access far more often
//! than as Defense Evasion); the kill-chain rule is the conventional
//! fallback and biases towards earlier tactics, which is the conservative
//! choice for correlation (an early tactic makes a chain look less
//! advanced). The votes are stored in fitted models, so alerts are resolved
//! the same way as the training flows.

use crate::AttackError;
use crate::catalogue::{Catalogue, IdClass, Technique};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use threatstat_core::Merge;

/// Analysts' explicit (technique → tactic) choices, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TacticVotes {
    votes: BTreeMap<String, BTreeMap<String, u32>>,
}

/// Adds `other`'s votes (counts add; never fails).
impl Merge for TacticVotes {
    type Error = std::convert::Infallible;

    fn merge(&mut self, other: &TacticVotes) -> Result<(), Self::Error> {
        for (t, m) in &other.votes {
            let e = self.votes.entry(t.clone()).or_default();
            for (a, n) in m {
                *e.entry(a.clone()).or_default() += n;
            }
        }
        Ok(())
    }
}

impl TacticVotes {
    /// No votes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one explicit choice of `tactic_id` for `technique_id`.
    pub fn add(&mut self, technique_id: &str, tactic_id: &str) {
        *self
            .votes
            .entry(technique_id.to_ascii_uppercase())
            .or_default()
            .entry(tactic_id.to_ascii_uppercase())
            .or_default() += 1;
    }

    /// Votes for `tactic_id` as the tactic of `technique_id`.
    pub fn count(&self, technique_id: &str, tactic_id: &str) -> u32 {
        self.votes
            .get(&technique_id.to_ascii_uppercase())
            .and_then(|m| m.get(&tactic_id.to_ascii_uppercase()))
            .copied()
            .unwrap_or(0)
    }

    /// Number of techniques with at least one vote.
    pub fn len(&self) -> usize {
        self.votes.len()
    }

    /// Whether there are no votes.
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }

    /// Votes of every technique of the family of `technique_id` (its parent
    /// id and all sub-techniques) for `tactic_id`.
    fn family_count(&self, technique_id: &str, tactic_id: &str) -> u32 {
        let root = technique_id
            .split_once('.')
            .map_or(technique_id, |(p, _)| p)
            .to_ascii_uppercase();
        self.votes
            .range(root.clone()..)
            .take_while(|(k, _)| k.starts_with(&root))
            .filter(|(k, _)| k.len() == root.len() || k.as_bytes()[root.len()] == b'.')
            .map(|(_, m)| m.get(&tactic_id.to_ascii_uppercase()).copied().unwrap_or(0))
            .sum()
    }
}

/// Which rule chose the tactic (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionRule {
    /// The technique has one tactic.
    Single,
    /// The analysts' most frequent choice for this technique id.
    CorpusVote,
    /// The analysts' most frequent choice in the technique's family.
    FamilyVote,
    /// The earliest candidate tactic in kill-chain order.
    KillChainFirst,
}

impl ResolutionRule {
    /// A short name (`single`, `corpus_vote`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionRule::Single => "single",
            ResolutionRule::CorpusVote => "corpus_vote",
            ResolutionRule::FamilyVote => "family_vote",
            ResolutionRule::KillChainFirst => "kill_chain_first",
        }
    }
}

/// A resolved tactic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The chosen tactic (kill-chain index).
    pub tactic: usize,
    /// How it was chosen.
    pub rule: ResolutionRule,
    /// The candidates it was chosen from (kill-chain indices, ascending).
    pub candidates: Vec<usize>,
}

/// Resolves techniques (and tactic labels) to one tactic each.
///
/// ```
/// use threatstat_attack::{Catalogue, ResolutionRule, TacticResolver, TacticVotes};
/// let cat = Catalogue::bundled();
/// let none = TacticVotes::new();
/// let r = TacticResolver::new(cat, &none);
/// // Valid Accounts: 4 tactics, no votes -> the earliest, Initial Access.
/// let res = r.resolve_technique(cat.technique("T1078").unwrap()).unwrap();
/// assert_eq!((cat.tactics().id(res.tactic), res.rule), ("TA0001", ResolutionRule::KillChainFirst));
/// let mut votes = TacticVotes::new();
/// votes.add("T1078.002", "TA0003");
/// let r = TacticResolver::new(cat, &votes);
/// let res = r.resolve_technique(cat.technique("T1078").unwrap()).unwrap();
/// assert_eq!((cat.tactics().id(res.tactic), res.rule), ("TA0003", ResolutionRule::FamilyVote));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TacticResolver<'a> {
    catalogue: &'a Catalogue,
    votes: &'a TacticVotes,
}

impl<'a> TacticResolver<'a> {
    /// A resolver over `catalogue` using `votes` (may be empty).
    pub fn new(catalogue: &'a Catalogue, votes: &'a TacticVotes) -> Self {
        TacticResolver { catalogue, votes }
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &'a Catalogue {
        self.catalogue
    }

    /// The tactic of `technique` (None if ATT&CK lists no tactic for it).
    pub fn resolve_technique(&self, technique: &Technique) -> Option<Resolution> {
        if technique.tactics.is_empty() {
            return None;
        }
        Some(self.resolve_among(Some(&technique.id), &technique.tactics))
    }

    /// Chooses among `candidates` (kill-chain indices, at least one) for
    /// `technique_id` (votes are used only when an id is given).
    pub fn resolve_among(&self, technique_id: Option<&str>, candidates: &[usize]) -> Resolution {
        let mut cand = candidates.to_vec();
        cand.sort_unstable();
        cand.dedup();
        assert!(
            !cand.is_empty(),
            "resolve_among needs at least one candidate"
        );
        if cand.len() == 1 {
            return Resolution {
                tactic: cand[0],
                rule: ResolutionRule::Single,
                candidates: cand,
            };
        }
        let tactics = self.catalogue.tactics();
        if let Some(id) = technique_id {
            type Counter<'v> = &'v dyn Fn(&str, &str) -> u32;
            let exact: Counter = &|t, a| self.votes.count(t, a);
            let family: Counter = &|t, a| self.votes.family_count(t, a);
            for (count, rule) in [
                (exact, ResolutionRule::CorpusVote),
                (family, ResolutionRule::FamilyVote),
            ] {
                let mut best: Option<(u32, usize)> = None;
                for &c in &cand {
                    let n = count(id, tactics.id(c));
                    if n > 0 && best.is_none_or(|(bn, _)| n > bn) {
                        best = Some((n, c));
                    }
                }
                if let Some((_, c)) = best {
                    return Resolution {
                        tactic: c,
                        rule,
                        candidates: cand,
                    };
                }
            }
        }
        Resolution {
            tactic: cand[0],
            rule: ResolutionRule::KillChainFirst,
            candidates: cand,
        }
    }

    /// Resolves an alert label: a tactic (id, short name or name) or a
    /// technique id of the catalogue. Returns the tactic and, for a
    /// technique, how it was chosen. Unknown, foreign (ATLAS, ICS) and
    /// malformed labels are errors that name the label and suggest the
    /// closest ids.
    pub fn resolve_label(&self, raw: &str) -> Result<(usize, Option<Resolution>), AttackError> {
        match self.catalogue.resolve_label(raw)? {
            IdClass::Tactic(t) => Ok((t, None)),
            IdClass::Technique(i) => {
                let tech = &self.catalogue.techniques()[i];
                match self.resolve_technique(tech) {
                    Some(r) => Ok((r.tactic, Some(r))),
                    None => Err(threatstat_core::Error::data(
                        "label",
                        format!(
                            "technique {} ({}) has no tactic in {}",
                            tech.id,
                            tech.name,
                            self.catalogue.version()
                        ),
                    )
                    .into()),
                }
            }
            _ => unreachable!("resolve_label returns only tactics and techniques"),
        }
    }
}
