//! The Markov model: parameters, fitting, probability tables, persistence.

use crate::MarkovError;
use crate::counts::{Counts, PartialCounts};
use crate::session::{NO_VALUE, SessionSet};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
            _ => Err(MarkovError::Invalid(format!(
                "unknown session type `{s}`: expected cmds, params or values"
            ))),
        }
    }
}

/// Parameters of a [`MarkovModel`] fit (a builder; [`MarkovParams::fit`]
/// validates them).
///
/// ```
/// use threatstat_markov::{MarkovModel, SessionSet, SessionType};
/// let sessions = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
/// let model = MarkovModel::params().session_type(SessionType::Cmds).fit(&sessions).unwrap();
/// // msticpy's worked example (spec §13): P(B | A) = 2/7.
/// assert_eq!(model.transition_prob("A", "B"), 2.0 / 7.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovParams {
    session_type: SessionType,
    modellable_params: Option<Vec<String>>,
    parallel: bool,
}

impl Default for MarkovParams {
    fn default() -> Self {
        MarkovParams {
            session_type: SessionType::Cmds,
            modellable_params: None,
            parallel: true,
        }
    }
}

impl MarkovParams {
    /// Which parts of events are modelled (default: commands only).
    pub fn session_type(mut self, t: SessionType) -> Self {
        self.session_type = t;
        self
    }
    /// Overrides msticpy's heuristic choice of the parameters whose values
    /// are modelled ([`SessionType::CmdsParamsValues`] only).
    pub fn modellable_params<S: Into<String>>(mut self, p: impl IntoIterator<Item = S>) -> Self {
        self.modellable_params = Some(p.into_iter().map(Into::into).collect());
        self
    }
    /// Count in parallel with rayon (default true); results are identical.
    pub fn parallel(mut self, yes: bool) -> Self {
        self.parallel = yes;
        self
    }

    fn check(&self, sessions: &SessionSet) -> Result<(), MarkovError> {
        if sessions.is_empty() {
            return Err(MarkovError::Invalid(
                "cannot fit a model on zero sessions".into(),
            ));
        }
        if self.modellable_params.is_some() && self.session_type != SessionType::CmdsParamsValues {
            return Err(MarkovError::Invalid(
                "modellable_params applies only to the cmds_params_values session type".into(),
            ));
        }
        Ok(())
    }

    /// Fits the model on `sessions`.
    pub fn fit(&self, sessions: &SessionSet) -> Result<MarkovModel, MarkovError> {
        self.check(sessions)?;
        let params = self.session_type != SessionType::Cmds;
        let values = self.session_type == SessionType::CmdsParamsValues;
        let n = sessions.len();
        let chunks = if self.parallel && n >= 20_000 {
            (rayon::current_num_threads() * 4).min(n / 5_000).max(1)
        } else {
            1
        };
        let partials: Vec<PartialCounts> = (0..chunks)
            .into_par_iter()
            .map(|k| {
                PartialCounts::count(
                    sessions,
                    n * k / chunks..n * (k + 1) / chunks,
                    params,
                    values,
                )
            })
            .collect();
        let merged = partials
            .into_iter()
            .reduce(PartialCounts::merge)
            .expect("at least one chunk");
        MarkovModel::from_counts(
            self.session_type,
            self.modellable_params.clone(),
            merged.into_counts(sessions),
        )
    }
}

/// Transition probabilities, dense for small vocabularies.
#[derive(Debug, Clone)]
enum Trans {
    Dense {
        n: usize,
        p: Vec<f64>,
    },
    Sparse {
        seen: FxHashMap<(u32, u32), f64>,
        row_default: Vec<f64>,
    },
}

/// Probability tables derived from the counts (not serialised).
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Number of real commands; ids `k`, `k+1`, `k+2` are START, END, UNK.
    pub(crate) k: u32,
    pub(crate) cmd_index: FxHashMap<String, u32>,
    pub(crate) param_index: FxHashMap<String, u32>,
    pub(crate) value_index: FxHashMap<String, u32>,
    pub(crate) prior: Vec<f64>,
    trans: Trans,
    /// Per command id (real and tokens): (param id or `PARAM_UNK`, P(param | cmd)).
    pub(crate) param_rows: Vec<Vec<(u32, f64)>>,
    pub(crate) modellable: Vec<bool>,
    modellable_names: Vec<String>,
    value_prob: FxHashMap<(u32, u32), f64>,
    value_unk: Vec<f64>,
}

/// The id used for the unknown-parameter slot of a row.
pub(crate) const PARAM_UNK: u32 = u32::MAX;
/// A parameter or value id the model has not seen.
pub(crate) const NONE: u32 = u32::MAX - 1;

impl Tables {
    pub(crate) fn start(&self) -> u32 {
        self.k
    }
    pub(crate) fn end(&self) -> u32 {
        self.k + 1
    }
    pub(crate) fn unk(&self) -> u32 {
        self.k + 2
    }

    #[inline]
    pub(crate) fn trans(&self, a: u32, b: u32) -> f64 {
        match &self.trans {
            Trans::Dense { n, p } => p[a as usize * n + b as usize],
            Trans::Sparse { seen, row_default } => seen
                .get(&(a, b))
                .copied()
                .unwrap_or(row_default[a as usize]),
        }
    }

    #[inline]
    pub(crate) fn value_prob(&self, p: u32, v: u32) -> f64 {
        if v == NONE {
            return self.value_unk[p as usize];
        }
        self.value_prob
            .get(&(p, v))
            .copied()
            .unwrap_or(self.value_unk[p as usize])
    }

    fn build(
        session_type: SessionType,
        overrides: Option<&[String]>,
        c: &Counts,
    ) -> Result<Tables, MarkovError> {
        let k = u32::try_from(c.cmds.len())
            .ok()
            .filter(|&k| k < u32::MAX - 4)
            .ok_or_else(|| MarkovError::Invalid("too many distinct commands".into()))?;
        let n = k as usize + 3;
        let (start, end, unk) = (k, k + 1, k + 2);
        let nm1 = (n - 1) as u64;
        // Unigram counts after msticpy's Laplace smoothing (spec §5.1).
        let mut seq1: Vec<u64> = c.cmd_counts.iter().map(|&x| x + 2 * nm1).collect();
        seq1.push(c.n_sessions + nm1); // START
        seq1.push(c.n_sessions + nm1); // END
        seq1.push(2 * nm1); // UNK
        let total: u64 = seq1.iter().sum();
        let prior: Vec<f64> = seq1.iter().map(|&x| x as f64 / total as f64).collect();
        let id = |t: Option<u32>, tok: u32| t.unwrap_or(tok);
        let mut out = vec![0u64; n];
        for &(a, _, cnt) in &c.transitions {
            out[id(a, start) as usize] += cnt;
        }
        // Row `a` (a != END) has (count + 1) / (out(a) + n - 1); END uses the UNK row.
        let mut row_default: Vec<f64> = out.iter().map(|&o| 1.0 / (o + nm1) as f64).collect();
        row_default[end as usize] = row_default[unk as usize];
        let seen = c.transitions.iter().map(|&(a, b, cnt)| {
            let a = id(a, start);
            (
                (a, id(b, end)),
                (cnt + 1) as f64 / (out[a as usize] + nm1) as f64,
            )
        });
        let trans = if n <= 2048 {
            let mut p = Vec::with_capacity(n * n);
            for &d in &row_default {
                p.extend(std::iter::repeat_n(d, n));
            }
            for ((a, b), q) in seen {
                p[a as usize * n + b as usize] = q;
            }
            Trans::Dense { n, p }
        } else {
            Trans::Sparse {
                seen: seen.collect(),
                row_default,
            }
        };
        let index = |names: &[String]| -> FxHashMap<String, u32> {
            names
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect()
        };
        let mut t = Tables {
            k,
            cmd_index: index(&c.cmds),
            param_index: index(&c.params),
            value_index: index(&c.values),
            prior,
            trans,
            param_rows: vec![Vec::new(); n],
            modellable: vec![false; c.params.len()],
            modellable_names: Vec::new(),
            value_prob: FxHashMap::default(),
            value_unk: vec![1.0; c.params.len()],
        };
        if session_type == SessionType::Cmds {
            return Ok(t);
        }
        // P(param | cmd) = (count + 1) / smoothed unigram count (spec §5.2, §6).
        for &(cmd, p, cnt) in &c.cmd_params {
            t.param_rows[cmd as usize].push((p, (cnt + 1) as f64 / seq1[cmd as usize] as f64));
        }
        for (cmd, row) in t.param_rows.iter_mut().enumerate() {
            row.push((PARAM_UNK, 1.0 / seq1[cmd] as f64));
        }
        if session_type == SessionType::CmdsParams {
            return Ok(t);
        }
        // P(value | param) = (count + 1) / (Σ counts + distinct + 1) (spec §5.3).
        let mut truthy = vec![0u64; c.params.len()];
        let mut distinct = vec![0u64; c.params.len()];
        for &(p, _, cnt) in &c.param_values {
            truthy[p as usize] += cnt;
            distinct[p as usize] += 1;
        }
        for p in 0..c.params.len() {
            if distinct[p] > 0 {
                t.value_unk[p] = 1.0 / (truthy[p] + distinct[p] + 1) as f64;
            }
        }
        for &(p, v, cnt) in &c.param_values {
            let d = (truthy[p as usize] + distinct[p as usize] + 1) as f64;
            t.value_prob.insert((p, v), (cnt + 1) as f64 / d);
        }
        match overrides {
            Some(names) => {
                for name in names {
                    if let Some(&p) = t.param_index.get(name) {
                        t.modellable[p as usize] = true;
                    }
                }
                t.modellable_names = names.to_vec();
            }
            None => {
                // msticpy's heuristic on raw counts (spec §7): at most 20 distinct
                // values, at least 20 occurrences, distinct/occurrences <= 10%.
                for (p, (&d, &cnt)) in distinct.iter().zip(&c.param_counts).enumerate() {
                    if (1..=20).contains(&d) && cnt >= 20 && 10 * d <= cnt {
                        t.modellable[p] = true;
                        t.modellable_names.push(c.params[p].clone());
                    }
                }
            }
        }
        t.modellable_names.sort();
        t.modellable_names.dedup();
        Ok(t)
    }
}

/// A fitted Markov model of sessions (msticpy `anomalous_sequence.Model`
/// after `train()`), able to score any sessions, not only its training set.
///
/// The model is plain data: raw counts in first-seen order plus the options.
/// Probability tables are derived on construction and on load.
///
/// ```
/// use threatstat_markov::{MarkovModel, SessionSet, SessionType, WindowOptions};
/// let train = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
/// let model = MarkovModel::params().fit(&train).unwrap();
/// let lik = model.session_likelihoods(&train, true).unwrap();
/// assert!((lik[0] - 0.024489795918367346).abs() < 1e-15);
/// // Score sessions it was not trained on: unseen commands go to ##UNK##.
/// let new = SessionSet::from_cmds(&[vec!["A", "Z"]]).unwrap();
/// let r = model.rarest_windows(&new, &WindowOptions::new(2)).unwrap();
/// assert!(r[0].likelihood > 0.0 && r[0].likelihood < 1.0);
/// let json = model.to_json().unwrap();
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

/// Name of the model file format.
pub const MODEL_FORMAT: &str = "threatstat-markov-model";
/// Version of the model file format this build writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u32,
    session_type: SessionType,
    modellable_params_override: Option<Vec<String>>,
    counts: Counts,
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
        validate_counts(session_type, &counts)?;
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

    /// The parameters whose values are modelled, sorted (empty unless
    /// [`SessionType::CmdsParamsValues`]).
    pub fn modellable_params(&self) -> &[String] {
        &self.tables.modellable_names
    }

    /// Combines two models fitted on disjoint data: the result equals the
    /// model fitted on `self`'s sessions followed by `other`'s, exactly.
    ///
    /// ```
    /// use threatstat_markov::{MarkovModel, SessionSet};
    /// let all = SessionSet::from_cmds(&[vec!["A", "B"], vec!["C"], vec!["B", "C"]]).unwrap();
    /// let p = MarkovModel::params();
    /// let merged = p.fit(&all.slice(0..1)).unwrap().merge(&p.fit(&all.slice(1..3)).unwrap()).unwrap();
    /// assert_eq!(merged, p.fit(&all).unwrap());
    /// ```
    pub fn merge(&self, other: &MarkovModel) -> Result<MarkovModel, MarkovError> {
        if self.session_type != other.session_type {
            return Err(MarkovError::Invalid(format!(
                "cannot merge a {} model with a {} model",
                self.session_type.msticpy_name(),
                other.session_type.msticpy_name()
            )));
        }
        if self.modellable_override != other.modellable_override {
            return Err(MarkovError::Invalid(
                "cannot merge models with different modellable_params overrides".into(),
            ));
        }
        let mut counts = self.counts.clone();
        counts.merge(&other.counts);
        MarkovModel::from_counts(self.session_type, self.modellable_override.clone(), counts)
    }

    /// The model as versioned JSON.
    pub fn to_json(&self) -> Result<String, MarkovError> {
        let f = ModelFile {
            format: MODEL_FORMAT.into(),
            version: MODEL_FORMAT_VERSION,
            session_type: self.session_type,
            modellable_params_override: self.modellable_override.clone(),
            counts: self.counts.clone(),
        };
        serde_json::to_string(&f)
            .map_err(|e| MarkovError::Invalid(format!("serialising the model: {e}")))
    }

    /// Reads a model written by [`MarkovModel::to_json`].
    pub fn from_json(s: &str) -> Result<Self, MarkovError> {
        let v: serde_json::Value = serde_json::from_str(s)
            .map_err(|e| MarkovError::Invalid(format!("model file is not JSON: {e}")))?;
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != MODEL_FORMAT {
            return Err(MarkovError::Invalid(format!(
                "not a threatstat Markov model (format `{format}`, expected `{MODEL_FORMAT}`)"
            )));
        }
        let version = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
        if version != u64::from(MODEL_FORMAT_VERSION) {
            return Err(MarkovError::Invalid(format!(
                "model format version {version} is not supported (this build reads version {MODEL_FORMAT_VERSION})"
            )));
        }
        let f: ModelFile = serde_json::from_value(v)
            .map_err(|e| MarkovError::Invalid(format!("invalid model file: {e}")))?;
        MarkovModel::from_counts(f.session_type, f.modellable_params_override, f.counts)
    }

    /// Writes the model to `path` as JSON (whole or not at all: written
    /// beside `path` and renamed).
    pub fn save(&self, path: &Path) -> Result<(), MarkovError> {
        let json = self.to_json()?;
        Ok(threatstat_core::atomic::write_atomically(path, |w| {
            std::io::Write::write_all(w, json.as_bytes())
        })?)
    }

    /// Loads a model from `path`.
    pub fn load(path: &Path) -> Result<Self, MarkovError> {
        let s = threatstat_core::reader::read_to_string(path)?;
        MarkovModel::from_json(&s).map_err(|e| match e {
            MarkovError::Invalid(m) => MarkovError::Invalid(format!("{}: {m}", path.display())),
            e => e,
        })
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

fn validate_counts(session_type: SessionType, c: &Counts) -> Result<(), MarkovError> {
    let bad = |what: &str| {
        Err(MarkovError::Invalid(format!(
            "inconsistent model counts: {what}"
        )))
    };
    if c.cmds.len() != c.cmd_counts.len()
        || c.params.len() != c.param_counts.len()
        || c.values.len() != c.value_counts.len()
    {
        return bad("name and count lists differ in length");
    }
    let (k, np, nv) = (
        c.cmds.len() as u32,
        c.params.len() as u32,
        c.values.len() as u32,
    );
    if c.transitions
        .iter()
        .any(|&(a, b, _)| a.is_some_and(|a| a >= k) || b.is_some_and(|b| b >= k))
    {
        return bad("transition to an unknown command id");
    }
    if c.cmd_params.iter().any(|&(a, p, _)| a >= k || p >= np) {
        return bad("command-parameter pair with an unknown id");
    }
    if c.param_values.iter().any(|&(p, v, _)| p >= np || v >= nv) {
        return bad("parameter-value pair with an unknown id");
    }
    for (what, names) in [
        ("command", &c.cmds),
        ("parameter", &c.params),
        ("value", &c.values),
    ] {
        let mut seen = rustc_hash::FxHashSet::default();
        if let Some(n) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return bad(&format!("{what} `{n}` is listed twice"));
        }
    }
    // What fitting writes: every occurrence of a command is the target of
    // one transition (from START or a command) and the source of one (to a
    // command or END); every session starts once and ends once; every
    // parameter occurrence belongs to one command, every value to one
    // parameter. Counts that break this would score silently differently.
    let mut into = vec![0u128; c.cmds.len() + 1];
    let mut from = vec![0u128; c.cmds.len() + 1];
    let slot = |x: Option<u32>| x.map_or(c.cmds.len(), |x| x as usize);
    for &(a, b, n) in &c.transitions {
        from[slot(a)] += u128::from(n);
        into[slot(b)] += u128::from(n);
    }
    for (i, (name, &n)) in c.cmds.iter().zip(&c.cmd_counts).enumerate() {
        if n == 0 || into[i] != u128::from(n) || from[i] != u128::from(n) {
            return bad(&format!(
                "command `{name}` has count {n} but {} transitions into it and {} out of it",
                into[i], from[i]
            ));
        }
    }
    let k = c.cmds.len();
    if from[k] != u128::from(c.n_sessions) || into[k] != u128::from(c.n_sessions) {
        return bad(&format!(
            "{} sessions but {} transitions from the start and {} to the end",
            c.n_sessions, from[k], into[k]
        ));
    }
    // Each name's count must be the sum of its pairs' counts (and not 0).
    let sums_match = |what: &str,
                      names: &[String],
                      counts: &[u64],
                      pairs: &mut dyn Iterator<Item = (u32, u64)>|
     -> Result<(), MarkovError> {
        let mut sum = vec![0u128; names.len()];
        for (i, n) in pairs {
            sum[i as usize] += u128::from(n);
        }
        match names
            .iter()
            .zip(counts)
            .zip(&sum)
            .find(|((_, n), s)| u128::from(**n) != **s || **n == 0)
        {
            Some(((name, n), _)) => bad(&format!(
                "{what} `{name}` has count {n}, not the sum of its pairs' counts"
            )),
            None => Ok(()),
        }
    };
    sums_match(
        "parameter",
        &c.params,
        &c.param_counts,
        &mut c.cmd_params.iter().map(|&(_, p, n)| (p, n)),
    )?;
    sums_match(
        "value",
        &c.values,
        &c.value_counts,
        &mut c.param_values.iter().map(|&(_, v, n)| (v, n)),
    )?;
    let has_params = !c.params.is_empty() || !c.cmd_params.is_empty();
    let has_values = !c.values.is_empty() || !c.param_values.is_empty();
    match session_type {
        SessionType::Cmds if has_params || has_values => bad(
            "session_type `cmds_only` but the counts have parameters (a model of another session type?)",
        ),
        SessionType::CmdsParams if has_values => bad(
            "session_type `cmds_params_only` but the counts have values (a `cmds_params_values` model?)",
        ),
        _ => Ok(()),
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
