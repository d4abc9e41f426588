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
//! * Otherwise its `technique_id` gives the tactic ([`TacticResolver`](crate::TacticResolver):
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
//!
//! # The files, one idea each
//!
//! * `corpus`: reading `flows.jsonl` into [`FlowCorpus`];
//! * `extract`: actions to tactics, contraction, cycles → [`TacticFlows`];
//! * `issues`: the [`FlowIssue`]s extraction reports;
//! * `graph`: the [`FlowGraph`] DAG, its paths and path-weighted counts.

mod corpus;
mod extract;
mod graph;
mod issues;

pub use corpus::{AttackFlow, FlowAction, FlowCorpus};
pub use extract::TacticFlows;
pub use graph::FlowGraph;
pub use issues::{FlowIssue, IssueKind};
