//! The fitted Markov model: its counts, probability tables and the
//! probabilities msticpy exposes.

use crate::MarkovError;
use crate::counts::Counts;
use crate::fit::MarkovParams;
use crate::session::{NO_VALUE, SessionSet};
use crate::tables::{NONE, PARAM_UNK, Tables};
use serde::{Deserialize, Serialize};
use threatstat_core::{Error, Merge};

/// msticpy's start token.
pub const START_TOKEN: &str = "##START##";
/// msticpy's end token.
pub const END_TOKEN: &str = "##END##";
/// msticpy's unknown token.
pub const UNK_TOKEN: &str = "##UNK##";

/// What an event contributes to a session's likelihood (msticpy `SessionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SessionType {
    /// Commands only (`cmds_only`).
    #[serde(rename = "cmds_only", alias = "cmds")]
    Cmds,
    /// Commands and the set of their parameter names (`cmds_params_only`).
    #[serde(rename = "cmds_params_only", alias = "params")]
    CmdsParams,
    /// Commands, parameter names and the values of modellable parameters
    /// (`cmds_params_values`).
    #[serde(rename = "cmds_params_values", alias = "values")]
    CmdsParamsValues,
}

impl SessionType {
    /// msticpy's name of the type (`cmds_only`, ...).
    pub fn msticpy_name(self) -> &'static str {
        match self {
            SessionType::Cmds => "cmds_only",
            SessionType::CmdsParams => "cmds_params_only",
            SessionType::CmdsParamsValues => "cmds_params_values",
        }
    }
}

impl std::str::FromStr for SessionType {
    type Err = MarkovError;
    /// Accepts `cmds`, `params`, `values` and msticpy's names.
    fn from_str(s: &str) -> Result<Self, MarkovError> {
        match s {
            "cmds" | "cmds_only" => Ok(SessionType::Cmds),
            "params" | "cmds_params_only" => Ok(SessionType::CmdsParams),
            "values" | "cmds_params_values" => Ok(SessionType::CmdsParamsValues),
            _ => Err(Error::param(
                "session_type",
                s,
                "cmds, params or values (or cmds_only, cmds_params_only, cmds_params_values)",
            )
            .into()),
        }
    }
}

/// A fitted Markov model of sessions (msticpy `anomalous_sequence.Model`
/// after `train()`), able to score any sessions, not only its training set.
///
/// The model is plain data: raw counts in first-seen order plus the options.
/// Probability tables are derived on construction and on load.
///
/// ```
/// use threatstat_markov::prelude::*;
/// let train = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
/// let model = MarkovModel::params().fit(&train).unwrap();
/// let lik = model.session_likelihoods(&train, true).unwrap();
/// assert!((lik[0] - 0.024489795918367346).abs() < 1e-15);
/// // Score sessions it was not trained on: unseen commands go to ##UNK##.
/// let new = SessionSet::from_cmds(&[vec!["A", "Z"]]).unwrap();
/// let r = model.rarest_windows(&new, &WindowOptions::new(2)).unwrap();
/// assert!(r[0].likelihood > 0.0 && r[0].likelihood < 1.0);
/// let json = model.to_json().unwrap(); // threatstat_core::ModelFile
/// assert_eq!(MarkovModel::from_json(&json).unwrap(), model);
/// ```
#[derive(Debug, Clone)]
pub struct MarkovModel {
    session_type: SessionType,
    modellable_override: Option<Vec<String>>,
    counts: Counts,
    pub(crate) tables: Tables,
}

impl PartialEq for MarkovModel {
    fn eq(&self, other: &Self) -> bool {
        self.session_type == other.session_type
            && self.modellable_override == other.modellable_override
            && self.counts == other.counts
    }
}

impl MarkovModel {
    /// The parameter builder with defaults (commands only, heuristic
    /// modellable parameters, parallel counting).
    pub fn params() -> MarkovParams {
        MarkovParams::default()
    }

    /// Builds a model from raw counts (e.g. counted elsewhere or merged).
    pub fn from_counts(
        session_type: SessionType,
        modellable_override: Option<Vec<String>>,
        counts: Counts,
    ) -> Result<Self, MarkovError> {
        crate::file::validate_counts(session_type, &counts)?;
        let tables = Tables::build(session_type, modellable_override.as_deref(), &counts)?;
        Ok(MarkovModel {
            session_type,
            modellable_override,
            counts,
            tables,
        })
    }

    /// The session type modelled.
    pub fn session_type(&self) -> SessionType {
        self.session_type
    }

    /// The raw counts (sufficient statistics).
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// The `modellable_params` override the model was fitted with (`None`:
    /// msticpy's heuristic chose them).
    pub fn modellable_override(&self) -> Option<&[String]> {
        self.modellable_override.as_deref()
    }

    /// The parameters whose values are modelled, sorted (empty unless
    /// [`SessionType::CmdsParamsValues`]).
    pub fn modellable_params(&self) -> &[String] {
        &self.tables.modellable_names
    }

    fn cmd_id(&self, name: &str) -> u32 {
        let t = &self.tables;
        match name {
            START_TOKEN => t.start(),
            END_TOKEN => t.end(),
            UNK_TOKEN => t.unk(),
            _ => t.cmd_index.get(name).copied().unwrap_or(t.unk()),
        }
    }

    /// msticpy's `prior_probs[cmd]` (token names are accepted; unseen → UNK).
    pub fn prior_prob(&self, cmd: &str) -> f64 {
        self.tables.prior[self.cmd_id(cmd) as usize]
    }

    /// msticpy's `trans_probs[from][to]` with its fallbacks.
    pub fn transition_prob(&self, from: &str, to: &str) -> f64 {
        let b = self.cmd_id(to);
        let b = if b == self.tables.start() {
            self.tables.unk()
        } else {
            b
        };
        self.tables.trans(self.cmd_id(from), b)
    }

    /// msticpy's `param_cond_cmd_probs[cmd]` row, in its order (the unknown
    /// parameter last, as `##UNK##`). Empty for commands-only models.
    pub fn param_row(&self, cmd: &str) -> Vec<(&str, f64)> {
        self.tables.param_rows[self.cmd_id(cmd) as usize]
            .iter()
            .map(|&(p, q)| {
                let name = if p == PARAM_UNK {
                    UNK_TOKEN
                } else {
                    &self.counts.params[p as usize]
                };
                (name, q)
            })
            .collect()
    }

    /// msticpy's `value_cond_param_probs[param][value]` with its fallbacks
    /// (values model only; 1.0 for a parameter without non-empty values).
    pub fn value_prob(&self, param: &str, value: &str) -> f64 {
        let t = &self.tables;
        let Some(&p) = t.param_index.get(param) else {
            return 1.0;
        };
        let v = t.value_index.get(value).copied().unwrap_or(NONE);
        t.value_prob(p, v)
    }

    /// Maps a session set's ids into the model's.
    pub(crate) fn translate(&self, set: &SessionSet) -> Translation {
        let t = &self.tables;
        let cmd = set
            .cmds
            .strings()
            .map(|s| t.cmd_index.get(s).copied().unwrap_or(t.unk()))
            .collect();
        let (param, value) = if self.session_type == SessionType::Cmds {
            (Vec::new(), Vec::new())
        } else {
            let p = set
                .params
                .strings()
                .map(|s| t.param_index.get(s).copied().unwrap_or(NONE))
                .collect();
            let v = if self.session_type == SessionType::CmdsParamsValues {
                set.values
                    .strings()
                    .map(|s| t.value_index.get(s).copied().unwrap_or(NONE))
                    .collect()
            } else {
                Vec::new()
            };
            (p, v)
        };
        Translation { cmd, param, value }
    }

    /// The parameter factor of event `e` of `set` (spec §8, always geo-meaned).
    #[inline]
    pub(crate) fn param_factor(
        &self,
        tr: &Translation,
        set: &SessionSet,
        e: usize,
        cmd: u32,
        scratch: &mut Scratch,
    ) -> f64 {
        if self.session_type == SessionType::Cmds {
            return 1.0;
        }
        let (lo, hi) = (set.param_offsets[e], set.param_offsets[e + 1]);
        if lo == hi {
            return 1.0;
        }
        let values = self.session_type == SessionType::CmdsParamsValues;
        let stamp = scratch.next_stamp(self.counts.params.len());
        for j in lo..hi {
            let p = tr.param[set.param_ids[j] as usize];
            if p != NONE {
                scratch.mark[p as usize] = stamp;
                if values {
                    let v = set.param_values[j];
                    scratch.value[p as usize] = if v == NO_VALUE {
                        NONE
                    } else {
                        tr.value[v as usize]
                    };
                }
            }
        }
        let row = &self.tables.param_rows[cmd as usize];
        let mut lik = 1.0f64;
        let mut num = 0usize;
        for &(p, q) in row {
            if p != PARAM_UNK && scratch.mark[p as usize] == stamp {
                lik *= q;
                if values && self.tables.modellable[p as usize] {
                    num += 1;
                    lik *= self.tables.value_prob(p, scratch.value[p as usize]);
                }
            } else {
                lik *= 1.0 - q;
            }
        }
        lik.powf(1.0 / (row.len() + num) as f64)
    }
}

/// Adds a model fitted on later data: the result equals the model fitted
/// on `self`'s sessions followed by `other`'s, exactly (first-seen order
/// included). Models of different session types or `modellable_params`
/// overrides do not merge (`self` is unchanged then).
///
/// ```
/// use threatstat_markov::prelude::*;
/// let all = SessionSet::from_cmds(&[vec!["A", "B"], vec!["C"], vec!["B", "C"]]).unwrap();
/// let p = MarkovModel::params();
/// let mut merged = p.fit(&all.slice(0..1)).unwrap();
/// merged.merge(&p.fit(&all.slice(1..3)).unwrap()).unwrap();
/// assert_eq!(merged, p.fit(&all).unwrap());
/// ```
impl Merge for MarkovModel {
    type Error = MarkovError;
    fn merge(&mut self, other: &MarkovModel) -> Result<(), MarkovError> {
        if self.session_type != other.session_type {
            return Err(Error::incompatible(
                "models",
                format!(
                    "a {} model and a {} model",
                    self.session_type.msticpy_name(),
                    other.session_type.msticpy_name()
                ),
            )
            .into());
        }
        if self.modellable_override != other.modellable_override {
            return Err(Error::incompatible(
                "models",
                "fitted with different modellable_params overrides",
            )
            .into());
        }
        let mut counts = self.counts.clone();
        counts.merge(&other.counts)?;
        *self =
            MarkovModel::from_counts(self.session_type, self.modellable_override.clone(), counts)?;
        Ok(())
    }
}

/// Session-set ids mapped to model ids.
pub(crate) struct Translation {
    pub(crate) cmd: Vec<u32>,
    pub(crate) param: Vec<u32>,
    pub(crate) value: Vec<u32>,
}

/// Per-thread scratch space for parameter membership tests.
#[derive(Default)]
pub(crate) struct Scratch {
    mark: Vec<u32>,
    value: Vec<u32>,
    stamp: u32,
}

impl Scratch {
    fn next_stamp(&mut self, n: usize) -> u32 {
        if self.mark.len() < n {
            self.mark.resize(n, 0);
            self.value.resize(n, NONE);
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        self.stamp
    }
}
