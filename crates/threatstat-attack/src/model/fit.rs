//! Fitting: counts of flows or sequences (the sufficient statistics) into
//! a [`TacticChainModel`]; refitting the same counts with other
//! parameters; merging models fitted on disjoint data (core's `Merge`).
//!
//! # Why a file of its own
//!
//! Every way to obtain a model from data ends in
//! `TacticChainModel::from_parts` (in `fitted`), which validates the
//! counts and derives the probability tables; this file is the ways in.

use super::fitted::TacticChainModel;
use super::params::{ChainParams, CheckedChainParams};
use crate::AttackError;
use crate::catalogue::{Catalogue, TacticSet};
use crate::counts::ChainCounts;
use crate::flows::TacticFlows;
use crate::resolve::TacticVotes;
use serde::{Deserialize, Serialize};
use threatstat_core::{Error, Fit, Merge, ParamGuard};

/// Fits on the flows of a corpus (every source-to-sink path, each flow
/// weighted 1). Unchecked [`ChainParams`] fit too (checked first), through
/// core's blanket implementation: `TacticChain::params().fit(&flows)`
/// with `threatstat_core::Fit` in scope.
impl Fit<TacticFlows> for CheckedChainParams {
    type Fitted = TacticChainModel;
    type Error = AttackError;

    fn fit(&self, flows: &TacticFlows) -> Result<TacticChainModel, AttackError> {
        let k = flows.tactics.len();
        let mut counts = ChainCounts::new(k);
        let mut n = 0;
        for g in flows.non_empty() {
            counts.add(&g.counts(k, self.params().collapse_repeats)?)?;
            n += 1;
        }
        if n == 0 {
            return Err(Error::data(
                "flows",
                "no flow has an action with an ATT&CK Enterprise tactic: nothing to fit",
            )
            .into());
        }
        TacticChainModel::from_parts(
            *self,
            flows.tactics.clone(),
            flows.attack_version.clone(),
            counts,
            flows.votes.clone(),
            TrainingInfo {
                flows: n,
                sequences: 0.0,
            },
        )
    }
}

impl ChainParams {
    /// Fits on explicit tactic sequences (kill-chain indices into
    /// `tactics`), each with weight 1; e.g. a baseline of benign alert chains.
    pub fn fit_sequences(
        &self,
        tactics: &TacticSet,
        sequences: &[Vec<usize>],
    ) -> Result<TacticChainModel, AttackError> {
        let checked = self.check()?;
        if sequences.is_empty() {
            return Err(Error::data("sequences", "none given: nothing to fit").into());
        }
        let mut counts = ChainCounts::new(tactics.len());
        for (i, s) in sequences.iter().enumerate() {
            counts
                .add_sequence(s, 1.0, self.collapse_repeats)
                .map_err(|e| match e {
                    AttackError::EmptySequence => Error::data(
                        "sequences",
                        format!("sequence {i} is empty (a chain needs at least one tactic)"),
                    )
                    .into(),
                    e => e,
                })?;
        }
        TacticChainModel::from_parts(
            checked,
            tactics.clone(),
            version_of(tactics),
            counts,
            TacticVotes::new(),
            TrainingInfo {
                flows: 0,
                sequences: sequences.len() as f64,
            },
        )
    }

    /// The chain with no data: every step uniform over the allowed states
    /// (the baseline of alert correlation when no benign data is given).
    pub fn uniform(&self, tactics: &TacticSet) -> Result<TacticChainModel, AttackError> {
        TacticChainModel::from_parts(
            self.check()?,
            tactics.clone(),
            version_of(tactics),
            ChainCounts::new(tactics.len()),
            TacticVotes::new(),
            TrainingInfo::default(),
        )
    }
}

/// The bundled catalogue's version for its own tactics, else `custom tactics`.
fn version_of(tactics: &TacticSet) -> String {
    let cat = Catalogue::bundled();
    if cat.tactics() == tactics {
        cat.version().to_string()
    } else {
        "custom tactics".to_string()
    }
}

/// What the model was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Number of flows (0 when fitted on sequences).
    pub flows: usize,
    /// Number of sequences (0 when fitted on flows).
    pub sequences: f64,
}

impl TacticChainModel {
    /// The same counts with other parameters (e.g. another α or order).
    pub fn with_params(&self, params: ChainParams) -> Result<Self, AttackError> {
        if params.collapse_repeats != self.params.collapse_repeats {
            return Err(Error::param(
                "collapse_repeats",
                params.collapse_repeats,
                format!(
                    "the fitted model's value {} (the counts depend on it)",
                    self.params.collapse_repeats
                ),
            )
            .into());
        }
        TacticChainModel::from_parts(
            params.check()?,
            self.tactics.clone(),
            self.attack_version.clone(),
            self.counts.clone(),
            self.votes.clone(),
            self.training,
        )
    }
}

/// Adds a model fitted on other flows or sequences (same parameters and
/// tactics): the result is the model fitted on both. Counts, votes and
/// training sizes add; the tables are rebuilt. Exact when the counts are
/// sums of dyadic weights (sequences, single-path flows); a corpus whose
/// flows have 3, 5, … paths adds fractional path weights in another order
/// than one fit would, so equal to the rounding of float addition.
impl Merge for TacticChainModel {
    type Error = AttackError;

    fn merge(&mut self, other: &TacticChainModel) -> Result<(), AttackError> {
        if self.params != other.params {
            return Err(Error::incompatible(
                "tactic-chain models",
                format!(
                    "fitted with different parameters ({:?} and {:?})",
                    self.params, other.params
                ),
            )
            .into());
        }
        if self.tactics != other.tactics {
            return Err(Error::incompatible(
                "tactic-chain models",
                "fitted over different tactics",
            )
            .into());
        }
        let mut counts = self.counts.clone();
        counts.add(&other.counts)?;
        let mut votes = self.votes.clone();
        let Ok(()) = votes.merge(&other.votes);
        *self = TacticChainModel::from_parts(
            self.params.check()?,
            self.tactics.clone(),
            self.attack_version.clone(),
            counts,
            votes,
            TrainingInfo {
                flows: self.training.flows + other.training.flows,
                sequences: self.training.sequences + other.training.sequences,
            },
        )?;
        Ok(())
    }
}
