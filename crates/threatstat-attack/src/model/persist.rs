//! Persistence: the versioned JSON model file ([`MODEL_FORMAT`],
//! [`MODEL_FORMAT_VERSION`]) and atomic save and load.
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

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u32,
    attack_version: String,
    order: usize,
    alpha: f64,
    collapse_repeats: bool,
    tactics: Vec<Tactic>,
    training: TrainingInfo,
    counts: Vec<CountEntry>,
    technique_votes: TacticVotes,
}

impl TacticChainModel {
    /// The model as versioned JSON.
    pub fn to_json(&self) -> Result<String, AttackError> {
        let counts = self
            .counts
            .entries()
            .map(|(p2, p1, next, count)| CountEntry {
                context: [self.state_name(p2), self.state_name(p1)],
                next: self.next_name(next),
                count,
            })
            .collect();
        let f = ModelFile {
            format: MODEL_FORMAT.into(),
            version: MODEL_FORMAT_VERSION,
            attack_version: self.attack_version.clone(),
            order: self.params.order,
            alpha: self.params.alpha,
            collapse_repeats: self.params.collapse_repeats,
            tactics: self.tactics.iter().cloned().collect(),
            training: self.training,
            counts,
            technique_votes: self.votes.clone(),
        };
        serde_json::to_string_pretty(&f)
            .map_err(|e| AttackError::Invalid(format!("serialising the model: {e}")))
    }

    /// Reads a model written by [`TacticChainModel::to_json`].
    pub fn from_json(s: &str) -> Result<Self, AttackError> {
        let v: serde_json::Value = serde_json::from_str(s)
            .map_err(|e| AttackError::Invalid(format!("model file is not JSON: {e}")))?;
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != MODEL_FORMAT {
            return Err(AttackError::Invalid(format!(
                "not a threatstat tactic-chain model (format `{format}`, expected `{MODEL_FORMAT}`)"
            )));
        }
        let version = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
        if version != u64::from(MODEL_FORMAT_VERSION) {
            return Err(AttackError::Invalid(format!(
                "model format version {version} is not supported (this build reads version {MODEL_FORMAT_VERSION})"
            )));
        }
        let f: ModelFile = serde_json::from_value(v)
            .map_err(|e| AttackError::Invalid(format!("invalid model file: {e}")))?;
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
                return Err(AttackError::Invalid(format!(
                    "invalid count {} in the model file",
                    e.count
                )));
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

    /// Writes the model to `path` as JSON (whole or not at all: written
    /// beside `path` and renamed).
    pub fn save(&self, path: &Path) -> Result<(), AttackError> {
        let json = self.to_json()?;
        Ok(threatstat_core::atomic::write_atomically(path, |w| {
            std::io::Write::write_all(w, json.as_bytes())
        })?)
    }

    /// Loads a model from `path`.
    pub fn load(path: &Path) -> Result<Self, AttackError> {
        let s = threatstat_core::reader::read_to_string(path)?;
        // Every error names the file (core errors already do).
        TacticChainModel::from_json(&s).map_err(|e| match e {
            AttackError::Core(e) => AttackError::Core(e),
            e => AttackError::Invalid(format!("{}: {e}", path.display())),
        })
    }
}
