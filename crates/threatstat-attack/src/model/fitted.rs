//! The fitted model: [`TacticChainModel`] holds counts, parameters and
//! tactics, and derives the smoothed probability tables from them (see
//! the smoothing formulas in the [module docs](super)).
//!
//! # Why a file of its own
//!
//! The tables and the rule of which transitions are allowed are what every
//! query (`queries`), the path search (`path`) and the stationary
//! distribution (`stationary`) read; they are built in one place, on
//! construction and on load, from the counts alone.

use super::fit::TrainingInfo;
use super::params::{ChainParams, CheckedChainParams};
use super::{END, START};
use crate::AttackError;
use crate::catalogue::TacticSet;
use crate::counts::ChainCounts;
use crate::resolve::TacticVotes;
use std::path::Path;
use threatstat_core::Error;

/// A fitted tactic chain: counts (sufficient statistics), parameters and
/// the tactic set; probability tables are derived on construction and load.
///
/// ```
/// use threatstat_attack::{AttackFlow, Catalogue, Ending, FlowAction, FlowCorpus, TacticChain};
/// use threatstat_core::{Fit, ModelFile};
/// let flow = AttackFlow::new(
///     "phish",
///     vec![FlowAction::technique("T1566.001"), FlowAction::tactic("TA0002"), FlowAction::tactic("TA0007")],
///     &[(0, 1), (1, 2)],
/// );
/// let flows = FlowCorpus::from_flows(vec![flow]).extract(Catalogue::bundled());
/// let model = TacticChain::params().order(1).alpha(1.0).fit(&flows).unwrap();
/// let s = model.score_labels(&["TA0001", "TA0002", "TA0007"], Ending::Complete).unwrap();
/// assert_eq!(s.steps.len(), 4); // START->IA, IA->EX, EX->DI, DI->END
/// assert!((s.log_likelihood - s.steps.iter().map(|x| x.probability.ln()).sum::<f64>()).abs() < 1e-12);
/// let next = model.next_tactics_labels(&["TA0001"]).unwrap();
/// assert_eq!(next[0].tactic, "TA0002");
/// let json = model.to_json().unwrap();
/// assert_eq!(threatstat_attack::TacticChainModel::from_json(&json).unwrap(), model);
/// ```
#[derive(Debug, Clone)]
pub struct TacticChainModel {
    pub(super) params: ChainParams,
    pub(super) tactics: TacticSet,
    pub(super) attack_version: String,
    pub(super) counts: ChainCounts,
    pub(super) votes: TacticVotes,
    pub(super) training: TrainingInfo,
    /// `(k+1) × (k+1)`: row = previous state (k = START), column = next (k = END).
    pub(super) p1: Vec<f64>,
    /// `(k+1)³`: (p2, p1) → next.
    pub(super) p2: Vec<f64>,
    /// Natural logs of the table of the model's order (the scoring hot path).
    pub(super) log_p: Vec<f64>,
}

impl PartialEq for TacticChainModel {
    fn eq(&self, o: &Self) -> bool {
        self.params == o.params
            && self.tactics == o.tactics
            && self.attack_version == o.attack_version
            && self.counts == o.counts
            && self.votes == o.votes
            && self.training == o.training
    }
}

impl TacticChainModel {
    pub(super) fn from_parts(
        params: CheckedChainParams,
        tactics: TacticSet,
        attack_version: String,
        counts: ChainCounts,
        votes: TacticVotes,
        mut training: TrainingInfo,
    ) -> Result<Self, AttackError> {
        let params = params.params();
        let k = tactics.len();
        if counts.n_tactics() != k {
            return Err(Error::model_file(
                None::<&Path>,
                format!(
                    "counts over {} tactics for a tactic set of {k}",
                    counts.n_tactics()
                ),
            )
            .into());
        }
        if counts
            .entries()
            .any(|(_, _, _, c)| !(c.is_finite() && c >= 0.0))
        {
            return Err(
                Error::model_file(None::<&Path>, "counts must be finite and non-negative").into(),
            );
        }
        if training.flows == 0 && training.sequences == 0.0 {
            training.sequences = counts.sequences();
        }
        let mut m = TacticChainModel {
            params,
            tactics,
            attack_version,
            counts,
            votes,
            training,
            p1: Vec::new(),
            p2: Vec::new(),
            log_p: Vec::new(),
        };
        // Counts of impossible transitions (a self-transition in a
        // collapsing model, START -> END, anything -> START) are rejected.
        for (p2, p1, next, _) in m.counts.entries() {
            if !m.allowed(p1, next) || (p2 != k && p1 == k) {
                return Err(Error::model_file(
                    None::<&Path>,
                    format!(
                        "count of an impossible transition ({}, {}) -> {}",
                        m.state_name(p2),
                        m.state_name(p1),
                        m.next_name(next)
                    ),
                )
                .into());
            }
        }
        m.build_tables();
        Ok(m)
    }

    /// Whether `next` may follow state `p1` (k = START / END).
    #[inline]
    pub(super) fn allowed(&self, p1: usize, next: usize) -> bool {
        let k = self.k();
        if p1 == k {
            next < k
        } else {
            next == k || !self.params.collapse_repeats || next != p1
        }
    }

    pub(super) fn n_allowed(&self, p1: usize) -> usize {
        let k = self.k();
        // From START: the k tactics; from a tactic: the other tactics and
        // END (k states), or all tactics and END when repeats are kept.
        if p1 == k || self.params.collapse_repeats {
            k
        } else {
            k + 1
        }
    }

    pub(super) fn build_tables(&mut self) {
        let k = self.k();
        let s = k + 1;
        let a = self.params.alpha;
        let mut p1 = vec![0.0; s * s];
        for r in 0..s {
            let n: f64 = (0..s).map(|b| self.counts.first_order(r, b)).sum();
            let u = 1.0 / self.n_allowed(r) as f64;
            for b in 0..s {
                if self.allowed(r, b) {
                    p1[r * s + b] = (self.counts.first_order(r, b) + a * u) / (n + a);
                }
            }
        }
        let mut p2 = vec![0.0; s * s * s];
        for c in 0..s {
            for r in 0..s {
                let base = (c * s + r) * s;
                let n: f64 = (0..s).map(|b| self.counts.get(c, r, b)).sum();
                for b in 0..s {
                    p2[base + b] = (self.counts.get(c, r, b) + a * p1[r * s + b]) / (n + a);
                }
            }
        }
        self.log_p = if self.params.order == 1 {
            p1.iter().map(|p| p.ln()).collect()
        } else {
            p2.iter().map(|p| p.ln()).collect()
        };
        self.p1 = p1;
        self.p2 = p2;
    }

    /// `ln` of [`TacticChainModel::prob`], from the precomputed table.
    #[inline]
    pub(super) fn log_prob(&self, p2: usize, p1: usize, next: usize) -> f64 {
        let s = self.k() + 1;
        if self.params.order == 1 {
            self.log_p[p1 * s + next]
        } else {
            self.log_p[(p2 * s + p1) * s + next]
        }
    }

    #[inline]
    pub(super) fn k(&self) -> usize {
        self.tactics.len()
    }

    /// Probability of `next` after context `(p2, p1)` under the model's order.
    #[inline]
    pub(crate) fn prob(&self, p2: usize, p1: usize, next: usize) -> f64 {
        let s = self.k() + 1;
        if self.params.order == 1 {
            self.p1[p1 * s + next]
        } else {
            self.p2[(p2 * s + p1) * s + next]
        }
    }

    pub(super) fn state_name(&self, i: usize) -> String {
        if i == self.k() {
            START.to_string()
        } else {
            self.tactics.id(i).to_string()
        }
    }

    pub(super) fn next_name(&self, i: usize) -> String {
        if i == self.k() {
            END.to_string()
        } else {
            self.tactics.id(i).to_string()
        }
    }

    /// The parameters (order, α, collapse).
    pub fn params(&self) -> ChainParams {
        self.params
    }

    /// Markov order.
    pub fn order(&self) -> usize {
        self.params.order
    }

    /// Smoothing strength α.
    pub fn alpha(&self) -> f64 {
        self.params.alpha
    }

    /// Whether consecutive repeats are merged.
    pub fn collapse_repeats(&self) -> bool {
        self.params.collapse_repeats
    }

    /// The tactics, in kill-chain order.
    pub fn tactics(&self) -> &TacticSet {
        &self.tactics
    }

    /// The ATT&CK data version the model was trained with.
    pub fn attack_version(&self) -> &str {
        &self.attack_version
    }

    /// The counts (sufficient statistics).
    pub fn counts(&self) -> &ChainCounts {
        &self.counts
    }

    /// The analysts' technique → tactic votes used to resolve techniques.
    pub fn votes(&self) -> &TacticVotes {
        &self.votes
    }

    /// What the model was trained on.
    pub fn training(&self) -> TrainingInfo {
        self.training
    }
}
