//! Attack Flow incidents and their tactic sequences.
//!
//! An Attack Flow is an analyst's reconstruction of an intrusion as a graph
//! of ATT&CK actions: an edge `a → b` says action `a` preceded or enabled
//! action `b`. This module reads the flattened corpus (`flows.jsonl`, see
//! `data/attack-flow/README.md`), gives every action one ATT&CK Enterprise
//! tactic, reports everything it cannot use, and turns each flow's graph
//! into the tactic sequences the chain model learns from.
//!
//! # From actions to tactics
//!
//! * An action's own `tactic_id` is used when it is an Enterprise tactic,
//!   even when ATT&CK does not list that tactic for the action's technique
//!   (the analyst's reading of that step; reported as
//!   [`IssueKind::TacticNotOfTechnique`]).
//! * Otherwise its `technique_id` gives the tactic ([`TacticResolver`]:
//!   single tactic, analysts' votes, kill-chain first).
//! * ATLAS ids (`AML.TA0003`), ATT&CK for ICS ids (`TA0104`, `T0834`), ids
//!   not in the catalogue (`T1533`, a Mobile technique) and malformed ids
//!   (`de`) are reported one by one ([`FlowIssue`]), never dropped silently.
//!   Revoked and deprecated techniques are used with their recorded tactics
//!   and reported.
//! * An action left without a tactic is removed from the graph and its
//!   predecessors are connected to its successors, so precedence passes
//!   through it (precedence is transitive).
//!
//! # From graphs to sequences: all source-to-sink paths, each flow weighted 1
//!
//! A flow is a partial order, not a sequence. The choices were:
//!
//! * *a topological order* — one sequence per flow, but parallel branches
//!   (Black Basta's four execution techniques after one initial access) get
//!   interleaved in an arbitrary order, inventing transitions between
//!   unrelated branches;
//! * *the edges* — every edge is a transition, but a flow's weight grows
//!   with its size, and second-order contexts need paths anyway;
//! * **every source-to-sink path** — each path is a course of action an
//!   attacker actually took through the incident, every transition on it is
//!   a drawn edge, and second-order contexts are real. This is what the
//!   model learns from.
//!
//! Paths multiply (Turla Carbon has 3,072), so each path of a flow with `P`
//! paths gets weight `1/P`: every incident counts once, and a transition's
//! count is the fraction of the flow's paths that use it. The counts are
//! computed by dynamic programming over the graph (paths into a node ×
//! paths out of it) without listing paths; [`FlowGraph::paths`] lists them
//! when wanted, and a test checks that both agree.
//!
//! Consecutive actions with the same tactic (Execution → Execution) are one
//! tactic step when repeats are collapsed (the default of the model): a
//! tactic chain is the sequence of tactic *changes*.
//!
//! # Cycles
//!
//! Three real flows contain cycles (an attacker returning to an earlier
//! step, e.g. RDP ↔ LSASS dumping). A depth-first search from the sources,
//! in action order, removes the edges that close a cycle (back edges); each
//! removal is reported with the cycle it broke. The result is a DAG and is
//! deterministic.

use crate::AttackError;
use crate::catalogue::{Catalogue, IdClass, TacticSet};
use crate::counts::ChainCounts;
use crate::resolve::{ResolutionRule, TacticResolver, TacticVotes};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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

/// What kind of problem a [`FlowIssue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A MITRE ATLAS id (AI systems matrix), not ATT&CK Enterprise.
    AtlasId,
    /// An ATT&CK for ICS id.
    IcsId,
    /// Shaped like an ATT&CK id but not in the catalogue (other matrix or typo).
    UnknownId,
    /// Not an ATT&CK id at all.
    MalformedId,
    /// A revoked technique (used with its recorded tactics).
    RevokedTechnique,
    /// A deprecated technique (used with its recorded tactics).
    DeprecatedTechnique,
    /// The action's tactic is not one ATT&CK lists for its technique (the action's tactic is kept).
    TacticNotOfTechnique,
    /// The tactic was chosen among several of the technique's tactics.
    ResolvedTactic,
    /// No Enterprise tactic: the action was removed and its edges contracted.
    Unlabelled,
    /// An edge with an index out of range (removed).
    BadEdge,
    /// An edge given twice (the copy was removed).
    DuplicateEdge,
    /// An edge that closed a cycle (removed).
    Cycle,
    /// No action of the flow has an Enterprise tactic.
    EmptyFlow,
}

impl IssueKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::AtlasId => "atlas_id",
            IssueKind::IcsId => "ics_id",
            IssueKind::UnknownId => "unknown_id",
            IssueKind::MalformedId => "malformed_id",
            IssueKind::RevokedTechnique => "revoked_technique",
            IssueKind::DeprecatedTechnique => "deprecated_technique",
            IssueKind::TacticNotOfTechnique => "tactic_not_of_technique",
            IssueKind::ResolvedTactic => "resolved_tactic",
            IssueKind::Unlabelled => "unlabelled",
            IssueKind::BadEdge => "bad_edge",
            IssueKind::DuplicateEdge => "duplicate_edge",
            IssueKind::Cycle => "cycle",
            IssueKind::EmptyFlow => "empty_flow",
        }
    }

    /// Whether the data lost something (a warning) rather than a choice
    /// being recorded (information: resolved tactics, kept tactics,
    /// revoked ids still used, duplicate edges).
    pub fn is_warning(self) -> bool {
        !matches!(
            self,
            IssueKind::ResolvedTactic
                | IssueKind::TacticNotOfTechnique
                | IssueKind::RevokedTechnique
                | IssueKind::DeprecatedTechnique
                | IssueKind::DuplicateEdge
        )
    }
}

/// A problem with one action, edge or flow, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowIssue {
    /// File, line (of the flow) and field (e.g. `actions[16].technique_id`).
    pub location: Location,
    /// The flow's name.
    pub flow: String,
    /// The action's index, if the issue is about one action.
    pub action: Option<usize>,
    /// What kind of issue.
    pub kind: IssueKind,
    /// What was found and what was done.
    pub message: String,
}

impl std::fmt::Display for FlowIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} [flow `{}`]",
            self.location, self.message, self.flow
        )
    }
}

impl Serialize for FlowIssue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            file: Option<String>,
            line: Option<u64>,
            field: Option<&'a str>,
            flow: &'a str,
            action: Option<usize>,
            kind: IssueKind,
            warning: bool,
            message: &'a str,
        }
        View {
            file: self.location.file.as_ref().map(|p| p.display().to_string()),
            line: self.location.line,
            field: self.location.field.as_deref(),
            flow: &self.flow,
            action: self.action,
            kind: self.kind,
            warning: self.kind.is_warning(),
            message: &self.message,
        }
        .serialize(s)
    }
}

/// A flow reduced to its tactics: a DAG whose nodes are the actions that
/// have an Enterprise tactic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowGraph {
    /// The flow's name.
    pub name: String,
    /// 1-based line in the corpus file.
    pub line: u64,
    /// Tactic (kill-chain index) of each node.
    pub tactics: Vec<usize>,
    /// The action index (in the flow) of each node.
    pub actions: Vec<usize>,
    /// Edges between nodes, sorted, without duplicates; acyclic.
    pub edges: Vec<(usize, usize)>,
}

impl FlowGraph {
    /// Whether no action has a tactic.
    pub fn is_empty(&self) -> bool {
        self.tactics.is_empty()
    }

    fn adjacency(&self) -> (Vec<Vec<usize>>, Vec<usize>) {
        let n = self.tactics.len();
        let mut succ = vec![Vec::new(); n];
        let mut indeg = vec![0usize; n];
        for &(a, b) in &self.edges {
            succ[a].push(b);
            indeg[b] += 1;
        }
        (succ, indeg)
    }

    /// A topological order (Kahn's algorithm, smallest node first).
    fn topological(&self, succ: &[Vec<usize>], indeg: &[usize]) -> Vec<usize> {
        let mut indeg = indeg.to_vec();
        let mut ready: BTreeSet<usize> = (0..indeg.len()).filter(|&v| indeg[v] == 0).collect();
        let mut order = Vec::with_capacity(indeg.len());
        while let Some(u) = ready.pop_first() {
            order.push(u);
            for &v in &succ[u] {
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    ready.insert(v);
                }
            }
        }
        debug_assert_eq!(order.len(), indeg.len(), "flow graphs are acyclic");
        order
    }

    /// Number of source-to-sink paths (as f64: it can be large).
    pub fn n_paths(&self) -> f64 {
        let (succ, indeg) = self.adjacency();
        let order = self.topological(&succ, &indeg);
        let g = paths_to_sinks(&succ, &order);
        (0..self.tactics.len())
            .filter(|&v| indeg[v] == 0)
            .map(|v| g[v])
            .sum()
    }

    /// The tactic sequence of every source-to-sink path (sources in node
    /// order, successors in edge order), consecutive repeats collapsed when
    /// `collapse`. An error if there are more than `limit` paths.
    pub fn paths(&self, collapse: bool, limit: usize) -> Result<Vec<Vec<usize>>, AttackError> {
        let n = self.n_paths();
        if n > limit as f64 {
            return Err(AttackError::Invalid(format!(
                "flow `{}` has {n} paths, more than the limit of {limit}",
                self.name
            )));
        }
        let (succ, indeg) = self.adjacency();
        let mut out = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        fn walk(
            v: usize,
            succ: &[Vec<usize>],
            tactics: &[usize],
            collapse: bool,
            stack: &mut Vec<usize>,
            out: &mut Vec<Vec<usize>>,
        ) {
            let pushed = !(collapse && stack.last() == Some(&tactics[v]));
            if pushed {
                stack.push(tactics[v]);
            }
            if succ[v].is_empty() {
                out.push(stack.clone());
            }
            for &w in &succ[v] {
                walk(w, succ, tactics, collapse, stack, out);
            }
            if pushed {
                stack.pop();
            }
        }
        for s in (0..self.tactics.len()).filter(|&v| indeg[v] == 0) {
            walk(s, &succ, &self.tactics, collapse, &mut stack, &mut out);
        }
        Ok(out)
    }

    /// Path-weighted transition counts over `k` tactics: every
    /// source-to-sink path with weight `1 / (number of paths)`, so the flow
    /// counts once in total; computed without listing the paths. Zero
    /// counts for an empty graph.
    pub fn counts(&self, k: usize, collapse: bool) -> Result<ChainCounts, AttackError> {
        let mut c = ChainCounts::new(k);
        let n = self.tactics.len();
        if n == 0 {
            return Ok(c);
        }
        if let Some(&bad) = self.tactics.iter().find(|&&t| t >= k) {
            return Err(AttackError::Invalid(format!(
                "flow `{}`: tactic index {bad} out of range ({k} tactics)",
                self.name
            )));
        }
        let (succ, indeg) = self.adjacency();
        let order = self.topological(&succ, &indeg);
        let g = paths_to_sinks(&succ, &order);
        // f[v][c]: paths from a source to v whose (collapsed) tactic
        // sequence has c before v's tactic (k = START).
        let s = k + 1;
        let mut f = vec![0.0f64; n * s];
        let mut total = 0.0;
        for v in 0..n {
            if indeg[v] == 0 {
                f[v * s + k] = 1.0;
                total += g[v];
            }
        }
        if !(total.is_finite() && total > 0.0) {
            return Err(AttackError::Invalid(format!(
                "flow `{}`: too many paths to count ({total})",
                self.name
            )));
        }
        for v in 0..n {
            if indeg[v] == 0 {
                c.bump(k, k, self.tactics[v], g[v]);
            }
        }
        for &u in &order {
            let tu = self.tactics[u];
            let fu: Vec<f64> = f[u * s..(u + 1) * s].to_vec();
            let big_f: f64 = fu.iter().sum();
            for &w in &succ[u] {
                let tw = self.tactics[w];
                if collapse && tu == tw {
                    for (cc, &x) in fu.iter().enumerate() {
                        f[w * s + cc] += x;
                    }
                } else {
                    for (cc, &x) in fu.iter().enumerate() {
                        if x != 0.0 {
                            c.bump(cc, tu, tw, x * g[w]);
                        }
                    }
                    f[w * s + tu] += big_f;
                }
            }
            if succ[u].is_empty() {
                for (cc, &x) in fu.iter().enumerate() {
                    if x != 0.0 {
                        c.bump(cc, tu, k, x);
                    }
                }
            }
        }
        c.scale(1.0 / total);
        Ok(c)
    }
}

/// `g[v]` = number of paths from `v` to a sink.
fn paths_to_sinks(succ: &[Vec<usize>], order: &[usize]) -> Vec<f64> {
    let mut g = vec![0.0; succ.len()];
    for &v in order.iter().rev() {
        g[v] = if succ[v].is_empty() {
            1.0
        } else {
            succ[v].iter().map(|&w| g[w]).sum()
        };
    }
    g
}

/// The flows of a corpus reduced to tactic DAGs, with every issue found.
#[derive(Debug, Clone)]
pub struct TacticFlows {
    /// The tactics (kill-chain order) the node tactics index into.
    pub tactics: TacticSet,
    /// The catalogue version used.
    pub attack_version: String,
    /// One graph per flow of the corpus, in corpus order (possibly empty).
    pub flows: Vec<FlowGraph>,
    /// Every problem found, in corpus order.
    pub issues: Vec<FlowIssue>,
    /// The analysts' explicit technique → tactic choices used to resolve
    /// techniques with several tactics.
    pub votes: TacticVotes,
}

impl TacticFlows {
    /// The flows that kept at least one action.
    pub fn non_empty(&self) -> impl Iterator<Item = &FlowGraph> {
        self.flows.iter().filter(|f| !f.is_empty())
    }

    /// Issue counts by kind, in kind order.
    pub fn issue_counts(&self) -> Vec<(IssueKind, usize)> {
        let mut m = std::collections::BTreeMap::new();
        for i in &self.issues {
            *m.entry(i.kind).or_insert(0usize) += 1;
        }
        m.into_iter().collect()
    }
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

    /// The analysts' explicit choices: every action whose tactic and
    /// technique are both Enterprise ids and the tactic is one of the
    /// technique's.
    pub fn votes(&self, catalogue: &Catalogue) -> TacticVotes {
        let mut v = TacticVotes::new();
        for f in &self.flows {
            for a in &f.actions {
                let (Some(ta), Some(te)) = (non_empty(&a.tactic_id), non_empty(&a.technique_id))
                else {
                    continue;
                };
                if let (IdClass::Tactic(t), IdClass::Technique(q)) =
                    (catalogue.classify(ta), catalogue.classify(te))
                {
                    let tech = &catalogue.techniques()[q];
                    if tech.tactics.contains(&t) {
                        v.add(&tech.id, catalogue.tactics().id(t));
                    }
                }
            }
        }
        v
    }

    /// Reduces every flow to a tactic DAG, resolving techniques with the
    /// corpus's own votes ([`FlowCorpus::votes`]).
    pub fn extract(&self, catalogue: &Catalogue) -> TacticFlows {
        let votes = self.votes(catalogue);
        self.extract_with(catalogue, votes)
    }

    /// Reduces every flow to a tactic DAG, resolving techniques with `votes`.
    pub fn extract_with(&self, catalogue: &Catalogue, votes: TacticVotes) -> TacticFlows {
        let resolver = TacticResolver::new(catalogue, &votes);
        let mut issues = Vec::new();
        let flows = self
            .flows
            .iter()
            .map(|f| extract_flow(f, &self.path, &resolver, &mut issues))
            .collect();
        TacticFlows {
            tactics: catalogue.tactics().clone(),
            attack_version: catalogue.version().to_string(),
            flows,
            issues,
            votes,
        }
    }
}

/// `name` with runs of whitespace (including newlines) as one space.
fn one_line(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
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

/// Adds issues for one action and returns its tactic, if any.
fn label_action(
    f: &AttackFlow,
    i: usize,
    path: &Path,
    resolver: &TacticResolver,
    issues: &mut Vec<FlowIssue>,
) -> Option<usize> {
    let cat = resolver.catalogue();
    let a = &f.actions[i];
    let mut push = |field: &str, kind: IssueKind, message: String| {
        issues.push(FlowIssue {
            location: Location::file(path)
                .at_line(f.line)
                .in_field(format!("actions[{i}].{field}")),
            flow: f.name.clone(),
            action: Some(i),
            kind,
            message,
        });
    };
    let foreign = |raw: &str, class: IdClass, tactic: bool| -> (IssueKind, String) {
        let kind = match class {
            IdClass::Atlas => IssueKind::AtlasId,
            IdClass::Ics => IssueKind::IcsId,
            IdClass::UnknownTactic | IdClass::UnknownTechnique => IssueKind::UnknownId,
            _ => IssueKind::MalformedId,
        };
        (
            kind,
            cat.unknown_label_as(raw, class, Some(tactic)).to_string(),
        )
    };
    let mut tactic = None;
    let tactic_field = non_empty(&a.tactic_id);
    if let Some(raw) = tactic_field {
        match cat.classify(raw) {
            IdClass::Tactic(t) => tactic = Some(t),
            IdClass::Technique(_) => push(
                "tactic_id",
                IssueKind::MalformedId,
                format!("`{raw}` is a technique id in the tactic field"),
            ),
            c => {
                let (k, m) = foreign(raw, c, true);
                push("tactic_id", k, m);
            }
        }
    }
    let mut technique = None;
    if let Some(raw) = non_empty(&a.technique_id) {
        match cat.classify(raw) {
            IdClass::Technique(q) => {
                let t = &cat.techniques()[q];
                technique = Some(t);
                if t.revoked {
                    let repl = match cat.probable_replacement(&t.id) {
                        Some(r) => format!("; probably replaced by {} ({})", r.id, r.full_name),
                        None => String::new(),
                    };
                    push(
                        "technique_id",
                        IssueKind::RevokedTechnique,
                        format!(
                            "{} ({}) is revoked in {}; its recorded tactics are used{repl}",
                            t.id,
                            t.name,
                            cat.version()
                        ),
                    );
                } else if t.deprecated {
                    push(
                        "technique_id",
                        IssueKind::DeprecatedTechnique,
                        format!(
                            "{} ({}) is deprecated in {}; its recorded tactics are used",
                            t.id,
                            t.name,
                            cat.version()
                        ),
                    );
                }
            }
            IdClass::Tactic(_) => push(
                "technique_id",
                IssueKind::MalformedId,
                format!("`{raw}` is a tactic in the technique field"),
            ),
            c => {
                let (k, m) = foreign(raw, c, false);
                push("technique_id", k, m);
            }
        }
    }
    let tactics = cat.tactics();
    match (tactic, technique) {
        (Some(t), Some(q)) => {
            if !q.tactics.contains(&t) {
                let listed: Vec<&str> = q.tactics.iter().map(|&x| tactics.id(x)).collect();
                push(
                    "tactic_id",
                    IssueKind::TacticNotOfTechnique,
                    format!(
                        "{} ({}) is not a tactic of {} ({}), which has {}; the flow's tactic is kept",
                        tactics.id(t),
                        tactics.name(t),
                        q.id,
                        q.name,
                        listed.join(", ")
                    ),
                );
            }
            Some(t)
        }
        (Some(t), None) => Some(t),
        (None, Some(q)) => match resolver.resolve_technique(q) {
            Some(r) => {
                if r.rule != ResolutionRule::Single || tactic_field.is_some() {
                    let cands: Vec<&str> = r.candidates.iter().map(|&x| tactics.id(x)).collect();
                    push(
                        "technique_id",
                        IssueKind::ResolvedTactic,
                        if r.rule == ResolutionRule::Single {
                            format!(
                                "no usable tactic id; tactic {} ({}) taken from {} ({})",
                                tactics.id(r.tactic),
                                tactics.name(r.tactic),
                                q.id,
                                q.name
                            )
                        } else {
                            format!(
                                "no usable tactic id; {} ({}) has tactics {}: chose {} ({}) by {}",
                                q.id,
                                q.name,
                                cands.join(", "),
                                tactics.id(r.tactic),
                                tactics.name(r.tactic),
                                r.rule.as_str()
                            )
                        },
                    );
                }
                Some(r.tactic)
            }
            None => {
                push(
                    "technique_id",
                    IssueKind::Unlabelled,
                    format!("{} has no tactic; action removed, edges contracted", q.id),
                );
                None
            }
        },
        (None, None) => {
            push(
                "tactic_id",
                IssueKind::Unlabelled,
                format!(
                    "action `{}` has no ATT&CK Enterprise tactic or technique; removed, its predecessors now precede its successors",
                    one_line(&a.name)
                ),
            );
            None
        }
    }
}

fn extract_flow(
    f: &AttackFlow,
    path: &Path,
    resolver: &TacticResolver,
    issues: &mut Vec<FlowIssue>,
) -> FlowGraph {
    let n = f.actions.len();
    let tactic: Vec<Option<usize>> = (0..n)
        .map(|i| label_action(f, i, path, resolver, issues))
        .collect();
    let edge_issue = |j: usize, kind: IssueKind, message: String| FlowIssue {
        location: Location::file(path)
            .at_line(f.line)
            .in_field(format!("edges[{j}]")),
        flow: f.name.clone(),
        action: None,
        kind,
        message,
    };
    // Valid, distinct edges in input order.
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut seen = BTreeSet::new();
    for (j, &(a, b)) in f.edges.iter().enumerate() {
        let ok = |x: i64| x >= 0 && (x as u64) < n as u64;
        if !ok(a) || !ok(b) {
            issues.push(edge_issue(
                j,
                IssueKind::BadEdge,
                format!("edge [{a}, {b}] refers to a missing action (the flow has {n}); removed"),
            ));
            continue;
        }
        let (a, b) = (a as usize, b as usize);
        if a == b {
            issues.push(edge_issue(
                j,
                IssueKind::Cycle,
                format!("edge [{a}, {a}] is a loop on one action; removed"),
            ));
            continue;
        }
        if !seen.insert((a, b)) {
            issues.push(edge_issue(
                j,
                IssueKind::DuplicateEdge,
                format!("edge [{a}, {b}] is given twice; the copy was removed"),
            ));
            continue;
        }
        adj[a].push(b);
    }
    // Break cycles: DFS from sources (then any unvisited action) in index
    // order; an edge to an action on the stack closes a cycle and is removed.
    let mut indeg = vec![0usize; n];
    for s in &adj {
        for &b in s {
            indeg[b] += 1;
        }
    }
    let roots: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).chain(0..n).collect();
    let mut state = vec![0u8; n];
    let mut removed: BTreeSet<(usize, usize)> = BTreeSet::new();
    for r in roots {
        if state[r] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(r, 0)];
        state[r] = 1;
        while let Some(top) = stack.last_mut() {
            let (u, pos) = *top;
            if pos < adj[u].len() {
                top.1 += 1;
                let v = adj[u][pos];
                match state[v] {
                    0 => {
                        state[v] = 1;
                        stack.push((v, 0));
                    }
                    1 => {
                        removed.insert((u, v));
                        let start = stack.iter().position(|&(x, _)| x == v).unwrap_or(0);
                        let cycle: Vec<String> = stack[start..]
                            .iter()
                            .map(|&(x, _)| x.to_string())
                            .chain(std::iter::once(v.to_string()))
                            .collect();
                        let j = f
                            .edges
                            .iter()
                            .position(|&(a, b)| a == u as i64 && b == v as i64)
                            .unwrap_or(0);
                        issues.push(edge_issue(
                            j,
                            IssueKind::Cycle,
                            format!(
                                "cycle {} (actions); removed edge [{u}, {v}] ({} → {})",
                                cycle.join(" → "),
                                one_line(&f.actions[u].name),
                                one_line(&f.actions[v].name)
                            ),
                        ));
                    }
                    _ => {}
                }
            } else {
                state[u] = 2;
                stack.pop();
            }
        }
    }
    // Contract actions without a tactic.
    let mut succ: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut pred: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    for (a, s) in adj.iter().enumerate() {
        for &b in s {
            if !removed.contains(&(a, b)) {
                succ[a].insert(b);
                pred[b].insert(a);
            }
        }
    }
    for u in 0..n {
        if tactic[u].is_some() {
            continue;
        }
        let ps: Vec<usize> = std::mem::take(&mut pred[u]).into_iter().collect();
        let ss: Vec<usize> = std::mem::take(&mut succ[u]).into_iter().collect();
        for &p in &ps {
            succ[p].remove(&u);
        }
        for &s in &ss {
            pred[s].remove(&u);
        }
        for &p in &ps {
            for &s in &ss {
                succ[p].insert(s);
                pred[s].insert(p);
            }
        }
    }
    let mut node_of = vec![usize::MAX; n];
    let mut tactics = Vec::new();
    let mut actions = Vec::new();
    for (i, t) in tactic.iter().enumerate() {
        if let Some(t) = t {
            node_of[i] = tactics.len();
            tactics.push(*t);
            actions.push(i);
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (a, s) in succ.iter().enumerate() {
        if tactic[a].is_none() {
            continue;
        }
        for &b in s {
            edges.push((node_of[a], node_of[b]));
        }
    }
    edges.sort_unstable();
    edges.dedup();
    if tactics.is_empty() {
        issues.push(FlowIssue {
            location: Location::file(path).at_line(f.line),
            flow: f.name.clone(),
            action: None,
            kind: IssueKind::EmptyFlow,
            message: format!(
                "none of the {n} actions has an ATT&CK Enterprise tactic; the flow is not used"
            ),
        });
    }
    FlowGraph {
        name: f.name.clone(),
        line: f.line,
        tactics,
        actions,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> &'static Catalogue {
        Catalogue::bundled()
    }

    #[test]
    fn contraction_keeps_precedence_and_cycles_are_broken() {
        // 0 IA -> 1 (no label) -> 2 EX -> 3 DI -> 2 (cycle)
        let f = AttackFlow::new(
            "t",
            vec![
                FlowAction::tactic("TA0001"),
                FlowAction::default(),
                FlowAction::tactic("TA0002"),
                FlowAction::tactic("TA0007"),
            ],
            &[(0, 1), (1, 2), (2, 3), (3, 2), (0, 9)],
        );
        let tf = FlowCorpus::from_flows(vec![f]).extract(cat());
        let g = &tf.flows[0];
        assert_eq!(g.actions, [0, 2, 3]);
        assert_eq!(g.edges, [(0, 1), (1, 2)]);
        let kinds: Vec<IssueKind> = tf.issues.iter().map(|i| i.kind).collect();
        assert!(kinds.contains(&IssueKind::Unlabelled));
        assert!(kinds.contains(&IssueKind::Cycle));
        assert!(kinds.contains(&IssueKind::BadEdge));
        let cyc = tf
            .issues
            .iter()
            .find(|i| i.kind == IssueKind::Cycle)
            .unwrap();
        assert!(cyc.message.contains("removed edge [3, 2]"), "{cyc}");
        assert_eq!(cyc.location.field.as_deref(), Some("edges[3]"));
    }

    #[test]
    fn foreign_ids_are_reported_with_their_field() {
        let f = AttackFlow::new(
            "t",
            vec![
                FlowAction {
                    name: "x".into(),
                    tactic_id: Some("AML.TA0003".into()),
                    technique_id: Some("AML.T0008".into()),
                    execution_start: None,
                },
                FlowAction {
                    name: "Proxy".into(),
                    tactic_id: Some("de".into()),
                    technique_id: Some("T1090".into()),
                    execution_start: None,
                },
            ],
            &[(0, 1)],
        );
        let tf = FlowCorpus::from_flows(vec![f]).extract(cat());
        let g = &tf.flows[0];
        // The proxy action keeps a tactic from its technique (C2).
        assert_eq!(g.tactics, [cat().tactics().index_of("TA0011").unwrap()]);
        let fields: Vec<(&str, IssueKind)> = tf
            .issues
            .iter()
            .map(|i| (i.location.field.as_deref().unwrap_or(""), i.kind))
            .collect();
        assert!(fields.contains(&("actions[0].tactic_id", IssueKind::AtlasId)));
        assert!(fields.contains(&("actions[0].technique_id", IssueKind::AtlasId)));
        assert!(fields.contains(&("actions[1].tactic_id", IssueKind::MalformedId)));
    }

    #[test]
    fn dp_counts_equal_enumerated_paths() {
        // A diamond with a same-tactic branch: IA -> {EX, EX'} -> EX'' -> DI
        let f = AttackFlow::new(
            "d",
            vec![
                FlowAction::tactic("TA0001"),
                FlowAction::tactic("TA0002"),
                FlowAction::tactic("TA0005"),
                FlowAction::tactic("TA0002"),
                FlowAction::tactic("TA0007"),
            ],
            &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)],
        );
        let tf = FlowCorpus::from_flows(vec![f]).extract(cat());
        let g = &tf.flows[0];
        for collapse in [true, false] {
            let c = g.counts(14, collapse).unwrap();
            let paths = g.paths(collapse, 100).unwrap();
            let mut e = ChainCounts::new(14);
            for p in &paths {
                e.add_sequence(p, 1.0 / paths.len() as f64, collapse)
                    .unwrap();
            }
            for ((a, b), (x, y)) in c
                .entries()
                .map(|(p, q, r, w)| ((p, q, r), w))
                .zip(e.entries().map(|(p, q, r, w)| ((p, q, r), w)))
            {
                assert_eq!(a, x);
                assert!((b - y).abs() < 1e-12);
            }
            assert!((c.sequences() - 1.0).abs() < 1e-12);
        }
    }
}
