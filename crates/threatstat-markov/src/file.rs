//! The model file: `threatstat_core::ModelFile` with the format name,
//! version and field layout every earlier build wrote, so old files load.
//!
//! ```text
//! {"format":"threatstat-markov-model","version":1,"session_type":"cmds_only",
//!  "modellable_params_override":null,"counts":{...}}
//! ```
//!
//! Only the counts and the options are stored; probability tables are
//! rebuilt on load, after the counts are checked for consistency (a file
//! edited by hand is refused, naming the file, rather than scoring
//! silently differently).

use crate::MarkovError;
use crate::counts::Counts;
use crate::model::{MarkovModel, SessionType};
use serde::{Deserialize, Serialize};
use std::path::Path;
use threatstat_core::{Error, ModelFile};

/// Name of the model file format.
pub const MODEL_FORMAT: &str = "threatstat-markov-model";
/// Version of the model file format this build writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// The body of a model file (beside `format` and `version`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkovFile {
    /// The session type modelled.
    pub session_type: SessionType,
    /// The `modellable_params` the model was fitted with, if any.
    pub modellable_params_override: Option<Vec<String>>,
    /// The raw counts.
    pub counts: Counts,
}

/// Saved and loaded through the shared trait: `to_json`, `from_json`,
/// `save` (whole or not at all), `load` (gzip allowed).
///
/// ```
/// use threatstat_markov::prelude::*;
/// let s = SessionSet::from_cmds(&[vec!["A", "B"]]).unwrap();
/// let m = MarkovModel::params().fit(&s).unwrap();
/// let json = m.to_json().unwrap();
/// assert!(json.starts_with(r#"{"format":"threatstat-markov-model","version":1,"session_type":"cmds_only","#));
/// assert_eq!(MarkovModel::from_json(&json).unwrap(), m);
/// ```
impl ModelFile for MarkovModel {
    const FORMAT: &'static str = MODEL_FORMAT;
    const VERSION: u32 = MODEL_FORMAT_VERSION;
    type Error = MarkovError;
    type File = MarkovFile;

    fn to_file(&self) -> Result<MarkovFile, MarkovError> {
        Ok(MarkovFile {
            session_type: self.session_type(),
            modellable_params_override: self.modellable_override().map(<[String]>::to_vec),
            counts: self.counts().clone(),
        })
    }

    fn from_file(f: MarkovFile) -> Result<MarkovModel, MarkovError> {
        MarkovModel::from_counts(f.session_type, f.modellable_params_override, f.counts)
    }

    /// The trait's `load`, with inconsistent counts also naming the file.
    fn load(path: &Path) -> Result<MarkovModel, MarkovError> {
        let s = threatstat_core::reader::read_to_string(path)?;
        MarkovModel::from_json(&s).map_err(|e| match e {
            MarkovError::Core(e) => e.in_file(path).into(),
            e => e,
        })
    }
}

pub(crate) fn validate_counts(session_type: SessionType, c: &Counts) -> Result<(), MarkovError> {
    let bad = |what: &str| {
        Err(MarkovError::Core(Error::model_file(
            None::<&str>,
            format!("inconsistent model counts: {what}"),
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
