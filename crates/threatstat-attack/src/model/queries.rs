//! Queries of a fitted model: transition probabilities, label parsing,
//! the likelihood and the step-by-step score of a sequence, the
//! distribution of the next tactic, and the first-order transition table.
//!
//! # Why a file of its own
//!
//! These are what the CLI, alert correlation (`crate::correlate`) and
//! evaluation (`crate::evaluate`) ask of a model; they read the tables and
//! never change the model.

use super::fitted::TacticChainModel;
use super::{END, START};
use crate::AttackError;
use crate::catalogue::{Catalogue, IdClass};
use crate::resolve::TacticResolver;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// Whether a sequence is scored as complete (with the step to END) or as
/// possibly continuing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The chain is over: the step to END is scored (the default).
    #[default]
    Complete,
    /// The chain may continue: no END step.
    Open,
}

/// One scored transition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The state the step leaves (a tactic id or `START`).
    pub from: String,
    /// The state it enters (a tactic id or `END`).
    pub to: String,
    /// The states conditioned on: `[from]` (order 1) or `[before, from]` (order 2).
    pub context: Vec<String>,
    /// The transition probability.
    pub probability: f64,
}

/// The probability of a tactic sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceScore {
    /// The sequence scored (tactic ids; repeats merged when the model collapses them).
    pub sequence: Vec<String>,
    /// Product of the step probabilities (may underflow to 0 for very long chains; use the log).
    pub probability: f64,
    /// Natural log of the probability.
    pub log_likelihood: f64,
    /// Every step, START first (and END last for complete chains).
    pub steps: Vec<Step>,
}

/// A candidate next state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextTactic {
    /// Tactic id, or `END` (the chain stops).
    pub tactic: String,
    /// Tactic name, or `(end of chain)`.
    pub name: String,
    /// Its probability.
    pub probability: f64,
}

/// A first-order transition table with labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionMatrix {
    /// Row states: `START`, then the tactic ids.
    pub rows: Vec<String>,
    /// Column states: the tactic ids, then `END`.
    pub columns: Vec<String>,
    /// Row labels (names; `START` for the start row).
    pub row_names: Vec<String>,
    /// Column labels (names; `END` for the end column).
    pub column_names: Vec<String>,
    /// `p[r][c]`: probability of column state `c` after row state `r` (rows sum to 1).
    pub p: Vec<Vec<f64>>,
}

impl TacticChainModel {
    /// The transition probability `p(to | before, from)`; `None` stands for
    /// START (in `before`, `from`) and END (in `to`). For a first-order
    /// model `before` is ignored.
    pub fn transition(&self, before: Option<usize>, from: Option<usize>, to: Option<usize>) -> f64 {
        let k = self.k();
        let (a, b, c) = (before.unwrap_or(k), from.unwrap_or(k), to.unwrap_or(k));
        if a > k || b > k || c > k {
            return 0.0;
        }
        self.prob(a, b, c)
    }

    /// Tactic indices of `labels` (tactic ids, short names, names; and, if
    /// the model's tactics are the bundled catalogue's, technique ids,
    /// resolved with the model's votes). Unknown labels are one error that
    /// names all of them with the closest ids.
    pub fn parse_labels<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>, AttackError> {
        let cat = Catalogue::bundled();
        let with_techniques = cat.tactics() == &self.tactics;
        let resolver = TacticResolver::new(cat, &self.votes);
        let mut out = Vec::with_capacity(labels.len());
        let mut bad = Vec::new();
        for l in labels {
            let l = l.as_ref();
            if let Some(t) = self.tactics.index_of(l) {
                out.push(t);
                continue;
            }
            if with_techniques {
                match cat.classify(l) {
                    IdClass::Technique(_) => match resolver.resolve_label(l) {
                        Ok((t, _)) => {
                            out.push(t);
                            continue;
                        }
                        Err(e) => return Err(e),
                    },
                    c => bad.push(cat.unknown_label(l, c)),
                }
            } else {
                match self.tactics.parse(l) {
                    Err(AttackError::UnknownLabels(v)) => bad.extend(v),
                    _ => unreachable!("index_of failed"),
                }
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(AttackError::UnknownLabels(bad))
        }
    }

    /// Merges consecutive repeats when the model does.
    pub fn prepare(&self, seq: &[usize]) -> Vec<usize> {
        let mut v: Vec<usize> = seq.to_vec();
        if self.params.collapse_repeats {
            v.dedup();
        }
        v
    }

    fn check_seq(&self, seq: &[usize]) -> Result<(), AttackError> {
        if seq.is_empty() {
            return Err(AttackError::EmptySequence);
        }
        if let Some(&bad) = seq.iter().find(|&&t| t >= self.k()) {
            return Err(Error::data(
                "sequence",
                format!("tactic index {bad} out of range ({} tactics)", self.k()),
            )
            .into());
        }
        Ok(())
    }

    /// Natural-log likelihood of a sequence of tactic indices (no allocation; the hot path).
    pub fn log_likelihood(&self, seq: &[usize], ending: Ending) -> Result<f64, AttackError> {
        self.check_seq(seq)?;
        let k = self.k();
        let (mut p2, mut p1) = (k, k);
        let mut ll = 0.0;
        for &t in seq {
            if self.params.collapse_repeats && t == p1 {
                continue;
            }
            ll += self.log_prob(p2, p1, t);
            (p2, p1) = (p1, t);
        }
        if ending == Ending::Complete {
            ll += self.log_prob(p2, p1, k);
        }
        Ok(ll)
    }

    /// Probability, log-likelihood and per-step probabilities of a sequence
    /// of tactic indices (repeats merged first when the model collapses them).
    pub fn score(&self, seq: &[usize], ending: Ending) -> Result<SequenceScore, AttackError> {
        self.check_seq(seq)?;
        let seq = self.prepare(seq);
        let k = self.k();
        let (mut p2, mut p1) = (k, k);
        let mut steps = Vec::with_capacity(seq.len() + 1);
        let mut ll = 0.0;
        let mut push = |p2: usize, p1: usize, next: usize, steps: &mut Vec<Step>| {
            let step = self.step(p2, p1, next);
            ll += step.probability.ln();
            steps.push(step);
        };
        for &t in &seq {
            push(p2, p1, t, &mut steps);
            (p2, p1) = (p1, t);
        }
        if ending == Ending::Complete {
            push(p2, p1, k, &mut steps);
        }
        Ok(SequenceScore {
            sequence: seq
                .iter()
                .map(|&t| self.tactics.id(t).to_string())
                .collect(),
            probability: ll.exp(),
            log_likelihood: ll,
            steps,
        })
    }

    /// The transition `(p2, p1) -> next` as a [`Step`], with the context
    /// of the model's order.
    pub(super) fn step(&self, p2: usize, p1: usize, next: usize) -> Step {
        let context = if self.params.order == 1 {
            vec![self.state_name(p1)]
        } else {
            vec![self.state_name(p2), self.state_name(p1)]
        };
        Step {
            from: self.state_name(p1),
            to: self.next_name(next),
            context,
            probability: self.prob(p2, p1, next),
        }
    }

    /// [`TacticChainModel::score`] of labels (see [`TacticChainModel::parse_labels`]).
    pub fn score_labels<S: AsRef<str>>(
        &self,
        labels: &[S],
        ending: Ending,
    ) -> Result<SequenceScore, AttackError> {
        let seq = self.parse_labels(labels)?;
        self.score(&seq, ending)
    }

    /// The distribution of the next state after `prefix` (tactic indices;
    /// empty = at the start), most probable first (ties in kill-chain
    /// order, END after tactics). Includes END except at the start.
    pub fn next_tactics(&self, prefix: &[usize]) -> Result<Vec<NextTactic>, AttackError> {
        if let Some(&bad) = prefix.iter().find(|&&t| t >= self.k()) {
            return Err(Error::data(
                "prefix",
                format!("tactic index {bad} out of range ({} tactics)", self.k()),
            )
            .into());
        }
        let seq = self.prepare(prefix);
        let k = self.k();
        let p1 = seq.last().copied().unwrap_or(k);
        let p2 = if seq.len() >= 2 {
            seq[seq.len() - 2]
        } else {
            k
        };
        let mut v: Vec<(usize, f64)> = (0..=k)
            .filter(|&b| self.allowed(p1, b))
            .map(|b| (b, self.prob(p2, p1, b)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(v.into_iter()
            .map(|(b, p)| NextTactic {
                tactic: self.next_name(b),
                name: if b == k {
                    "(end of chain)".to_string()
                } else {
                    self.tactics.name(b).to_string()
                },
                probability: p,
            })
            .collect())
    }

    /// [`TacticChainModel::next_tactics`] after labels.
    pub fn next_tactics_labels<S: AsRef<str>>(
        &self,
        prefix: &[S],
    ) -> Result<Vec<NextTactic>, AttackError> {
        let seq = self.parse_labels(prefix)?;
        self.next_tactics(&seq)
    }

    /// The first-order transition table (for an order-2 model, the
    /// first-order table it backs off to, fitted on the same counts with the same α).
    pub fn transition_matrix(&self) -> TransitionMatrix {
        let k = self.k();
        let s = k + 1;
        let rows: Vec<usize> = std::iter::once(k).chain(0..k).collect();
        TransitionMatrix {
            rows: rows.iter().map(|&r| self.state_name(r)).collect(),
            columns: (0..s).map(|c| self.next_name(c)).collect(),
            row_names: rows
                .iter()
                .map(|&r| {
                    if r == k {
                        START.to_string()
                    } else {
                        self.tactics.name(r).to_string()
                    }
                })
                .collect(),
            column_names: (0..s)
                .map(|c| {
                    if c == k {
                        END.to_string()
                    } else {
                        self.tactics.name(c).to_string()
                    }
                })
                .collect(),
            p: rows
                .iter()
                .map(|&r| (0..s).map(|c| self.p1[r * s + c]).collect())
                .collect(),
        }
    }
}
