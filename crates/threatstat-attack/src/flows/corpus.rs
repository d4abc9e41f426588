//! The corpus as read: [`FlowAction`]s, [`AttackFlow`]s and the
//! [`FlowCorpus`] of a `flows.jsonl` file (or built in code).
//!
//! # Why a file of its own
//!
//! Reading is only about the file: every line must be a flow with its
//! fields, or the error names file, line and field. What the actions mean
//! (their tactics) is decided later, by extraction (`extract`).

use crate::AttackError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use threatstat_core::{Error, Location};

/// One action of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FlowAction {
    /// The action's name (usually the technique name).
    #[serde(default)]
    pub name: String,
    /// Its tactic id as drawn (may be missing, foreign or malformed).
    #[serde(default)]
    pub tactic_id: Option<String>,
    /// Its technique id as drawn (may be missing, foreign or malformed).
    #[serde(default)]
    pub technique_id: Option<String>,
    /// When it happened, if the analyst recorded it (not used by the model).
    #[serde(default)]
    pub execution_start: Option<String>,
}

impl FlowAction {
    /// An action with only a tactic id.
    pub fn tactic(id: &str) -> Self {
        FlowAction {
            name: id.to_string(),
            tactic_id: Some(id.to_string()),
            ..Default::default()
        }
    }

    /// An action with only a technique id.
    pub fn technique(id: &str) -> Self {
        FlowAction {
            name: id.to_string(),
            technique_id: Some(id.to_string()),
            ..Default::default()
        }
    }
}

/// One flow: actions and precedence edges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttackFlow {
    /// The flow's name.
    pub name: String,
    /// `incident`, `malware`, `campaign`, ... if given.
    pub scope: Option<String>,
    /// The `.afb` file of the corpus, if given.
    pub source_file: Option<String>,
    /// 1-based line in the JSON Lines file (0 for flows built in code).
    pub line: u64,
    /// The actions.
    pub actions: Vec<FlowAction>,
    /// `(from, to)` indices into `actions`: `from` precedes `to`.
    pub edges: Vec<(i64, i64)>,
}

impl AttackFlow {
    /// A flow built in code.
    pub fn new(name: &str, actions: Vec<FlowAction>, edges: &[(usize, usize)]) -> Self {
        AttackFlow {
            name: name.to_string(),
            actions,
            edges: edges.iter().map(|&(a, b)| (a as i64, b as i64)).collect(),
            ..Default::default()
        }
    }
}

#[derive(Deserialize)]
struct RawFlow {
    #[serde(default)]
    flow: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    actions: Vec<FlowAction>,
    #[serde(default)]
    edges: Vec<(i64, i64)>,
    #[serde(default)]
    source_file: Option<String>,
}

/// A corpus of flows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowCorpus {
    /// The file the flows were read from (used in messages).
    pub path: PathBuf,
    /// The flows, in file order.
    pub flows: Vec<AttackFlow>,
}

impl FlowCorpus {
    /// Reads a flows file (JSON Lines, gzip allowed; fields as in
    /// `data/attack-flow/README.md`). Lines that are not JSON objects of
    /// that shape are errors naming the file and line.
    pub fn read_jsonl(path: &Path) -> Result<FlowCorpus, AttackError> {
        let mut flows = Vec::new();
        for item in threatstat_core::reader::JsonLines::<serde_json::Value>::open(path)? {
            let (line, v) = item?;
            flows.push(parse_flow(v, path, line)?);
        }
        Ok(FlowCorpus {
            path: path.to_path_buf(),
            flows,
        })
    }

    /// Parses JSON Lines text; `path` is used in messages only.
    pub fn from_jsonl_str(text: &str, path: &Path) -> Result<FlowCorpus, AttackError> {
        let mut flows = Vec::new();
        for (i, l) in text.lines().enumerate() {
            let line = i as u64 + 1;
            if l.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(l).map_err(|e| {
                Error::parse(
                    Location::file(path).at_line(line),
                    format!("invalid JSON: {e}"),
                )
            })?;
            flows.push(parse_flow(v, path, line)?);
        }
        Ok(FlowCorpus {
            path: path.to_path_buf(),
            flows,
        })
    }

    /// A corpus of flows built in code.
    pub fn from_flows(flows: Vec<AttackFlow>) -> FlowCorpus {
        FlowCorpus {
            path: PathBuf::from("<flows>"),
            flows,
        }
    }
}

fn parse_flow(v: serde_json::Value, path: &Path, line: u64) -> Result<AttackFlow, AttackError> {
    let loc = || Location::file(path).at_line(line);
    if !v.is_object() {
        return Err(Error::parse(loc(), "expected a JSON object (one flow per line)").into());
    }
    let raw: RawFlow =
        serde_json::from_value(v).map_err(|e| Error::parse(loc(), format!("not a flow: {e}")))?;
    Ok(AttackFlow {
        name: raw.flow.unwrap_or_else(|| format!("flow at line {line}")),
        scope: raw.scope,
        source_file: raw.source_file,
        line,
        actions: raw.actions,
        edges: raw.edges,
    })
}
