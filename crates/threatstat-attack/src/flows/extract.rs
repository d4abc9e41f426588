//! Extraction: each action gets one ATT&CK Enterprise tactic (its own, or
//! its technique's through the [`TacticResolver`]), actions without one
//! are contracted away, cycles are broken, and every flow becomes a
//! [`FlowGraph`] in [`TacticFlows`], with every [`FlowIssue`] found (see
//! the [module docs](super)).
//!
//! # Why a file of its own
//!
//! This is where the corpus meets the catalogue: the rules for foreign,
//! revoked and malformed ids, contraction and cycle breaking live here
//! and nowhere else.

use super::corpus::{AttackFlow, FlowCorpus};
use super::graph::FlowGraph;
use super::issues::{FlowIssue, IssueKind};
use crate::catalogue::{Catalogue, IdClass, TacticSet};
use crate::resolve::{ResolutionRule, TacticResolver, TacticVotes};
use std::collections::BTreeSet;
use std::path::Path;
use threatstat_core::Location;

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
    use crate::flows::FlowAction;

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
}
