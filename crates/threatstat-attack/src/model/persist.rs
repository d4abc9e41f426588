//! Persistence: the versioned JSON model file ([`MODEL_FORMAT`],
//! [`MODEL_FORMAT_VERSION`]) through core's [`ModelFile`] envelope.
//!
//! # Why a file of its own
//!
//! The file format is a promise to users' saved models: its name, version
//! and layout change here only, and loading re-validates everything
//! through the same path as fitting.

use super::fit::TrainingInfo;
use super::fitted::TacticChainModel;
use super::params::ChainParams;
use super::{END, START};
use crate::AttackError;
use crate::catalogue::{Tactic, TacticSet};
use crate::counts::ChainCounts;
use crate::resolve::TacticVotes;
use serde::{Deserialize, Serialize};
use std::path::Path;
use threatstat_core::Error;
use threatstat_core::ModelFile;
use threatstat_core::ParamGuard;

/// Name of the model file format.
pub const MODEL_FORMAT: &str = "threatstat-attack-tactic-chain";
/// Version of the model file format this build writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct CountEntry {
    context: [String; 2],
    next: String,
    count: f64,
}

/// The body of the model file (core's [`ModelFile`] envelope adds
/// `format` and `version` in front): the layout written since version 1.
#[derive(Serialize, Deserialize)]
pub struct TacticChainFile {
    attack_version: String,
    order: usize,
    alpha: f64,
    collapse_repeats: bool,
    tactics: Vec<Tactic>,
    training: TrainingInfo,
    counts: Vec<CountEntry>,
    technique_votes: TacticVotes,
}

/// The versioned JSON model file ([`MODEL_FORMAT`], version
/// [`MODEL_FORMAT_VERSION`], indented): `to_json`, `from_json`, `save`
/// (whole or not at all) and `load`, with every error of `load` naming
/// the file. Loading re-validates everything through the path fitting takes.
impl ModelFile for TacticChainModel {
    const FORMAT: &'static str = MODEL_FORMAT;
    const VERSION: u32 = MODEL_FORMAT_VERSION;
    const PRETTY: bool = true;
    type Error = AttackError;
    type File = TacticChainFile;

    fn to_file(&self) -> Result<TacticChainFile, AttackError> {
        let counts = self
            .counts
            .entries()
            .map(|(p2, p1, next, count)| CountEntry {
                context: [self.state_name(p2), self.state_name(p1)],
                next: self.next_name(next),
                count,
            })
            .collect();
        Ok(TacticChainFile {
            attack_version: self.attack_version.clone(),
            order: self.params.order,
            alpha: self.params.alpha,
            collapse_repeats: self.params.collapse_repeats,
            tactics: self.tactics.iter().cloned().collect(),
            training: self.training,
            counts,
            technique_votes: self.votes.clone(),
        })
    }

    /// Every error is a [`Error::ModelFile`] (a tactic the file does not
    /// list, an impossible transition, parameters out of range are all an
    /// inconsistent file body).
    fn from_file(f: TacticChainFile) -> Result<Self, AttackError> {
        from_body(f).map_err(|e| match e {
            e @ AttackError::Core(Error::ModelFile { .. }) => e,
            e => Error::model_file(None::<&Path>, e.to_string()).into(),
        })
    }

    /// Loads a model from `path` (gzip allowed); every error names the file
    /// (core's default names it for envelope errors only).
    fn load(path: &Path) -> Result<Self, AttackError> {
        let s = threatstat_core::reader::read_to_string(path)?;
        TacticChainModel::from_json(&s).map_err(|e| match e {
            AttackError::Core(e) => e.in_file(path).into(),
            e => e,
        })
    }
}

/// The model of a file body.
fn from_body(f: TacticChainFile) -> Result<TacticChainModel, AttackError> {
    let tactics = TacticSet::new(f.tactics)?;
    let k = tactics.len();
    let mut counts = ChainCounts::new(k);
    let state = |name: &str, special: &str| -> Result<usize, AttackError> {
        if name == special {
            Ok(k)
        } else {
            tactics.parse(name)
        }
    };
    for e in &f.counts {
        let p2 = state(&e.context[0], START)?;
        let p1 = state(&e.context[1], START)?;
        let next = state(&e.next, END)?;
        if !(e.count.is_finite() && e.count >= 0.0) {
            return Err(Error::model_file(
                None::<&Path>,
                format!("count {} is not a finite number >= 0", e.count),
            )
            .into());
        }
        counts.bump(p2, p1, next, e.count);
    }
    let params = ChainParams::default()
        .order(f.order)
        .alpha(f.alpha)
        .collapse_repeats(f.collapse_repeats);
    TacticChainModel::from_parts(
        params.check()?,
        tactics,
        f.attack_version,
        counts,
        f.technique_votes,
        f.training,
    )
}
