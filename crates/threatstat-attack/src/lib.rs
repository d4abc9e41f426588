//! MITRE ATT&CK tactic chains learned from real incident flows, and alert
//! correlation with them.
//!
//! A published capstone proposed mapping anomalous events to ATT&CK tactics
//! and using a Markov chain over tactics to give "the probability that a
//! user followed a given path", as a way to correlate alerts into attacks;
//! it never built the chain. This crate builds it from real data:
//!
//! * [`Catalogue`]: ATT&CK Enterprise v18.1 (bundled): 14 tactics in
//!   kill-chain order, 835 techniques and sub-techniques with names and
//!   tactics, look-up by id and by name, ids classified (ATLAS, ICS,
//!   unknown, malformed) with the closest ids suggested.
//! * [`FlowCorpus`] → [`TacticFlows`]: the 40 incident flows of the Attack
//!   Flow corpus reduced to tactic DAGs; techniques with several tactics
//!   resolved deterministically ([`TacticResolver`]); every foreign,
//!   malformed, revoked or unusable id and every broken cycle reported as a
//!   [`FlowIssue`]; the graphs turned into tactic sequences as *all
//!   source-to-sink paths, each flow weighted 1* (see [`flows`] for why).
//! * [`TacticChain`] → [`TacticChainModel`]: first- or second-order chain
//!   with START/END states and hierarchical Dirichlet smoothing of strength
//!   α; probability, log-likelihood and per-step probabilities of a
//!   sequence, most likely next tactics, most probable path between two
//!   tactics, stationary distribution, leave-one-flow-out log-likelihood
//!   ([`loo_grid`]) to choose order and α, and the α maximising it by
//!   argmin ([`optimise_smoothing`]); a versioned JSON model file
//!   (core's `ModelFile`), mergeable (core's `Merge`).
//! * [`correlate`]: alerts (entity, time, technique or tactic) → each
//!   entity's tactic chain → its log-probability under the attack model and
//!   the log-likelihood ratio against a baseline (fitted on benign chains,
//!   or uniform) → entities ranked by that ratio.
//! * [`evaluate`]: the OTRF Security-Datasets captures' technique labels as
//!   held-out attack chains, ranked against shuffled and random-alert chains.
//!
//! ```
//! use threatstat_attack::{Catalogue, Ending, FlowCorpus, TacticChain};
//! use threatstat_core::Fit; // checked params -> fit -> fitted model
//! let text = r#"{"flow": "toy", "actions": [
//!     {"name": "Phishing", "tactic_id": "TA0001", "technique_id": "T1566"},
//!     {"name": "PowerShell", "tactic_id": null, "technique_id": "T1059.001"},
//!     {"name": "LLM jailbreak", "tactic_id": "AML.TA0012", "technique_id": "AML.T0054"},
//!     {"name": "Discovery", "tactic_id": "TA0007", "technique_id": null}],
//!   "edges": [[0, 1], [1, 2], [2, 3]]}"#.replace('\n', " "); // JSON Lines: one flow a line
//! let corpus = FlowCorpus::from_jsonl_str(&text, "toy.jsonl".as_ref()).unwrap();
//! let flows = corpus.extract(Catalogue::bundled());
//! // The ATLAS action is reported (tactic and technique), removed, and its edges contracted.
//! assert_eq!(flows.issues.iter().filter(|i| i.kind.is_warning()).count(), 3);
//! assert_eq!(flows.flows[0].edges, vec![(0, 1), (1, 2)]);
//! let model = TacticChain::params().order(2).alpha(1.0).fit(&flows).unwrap();
//! let s = model.score_labels(&["TA0001", "TA0002", "TA0007"], Ending::Complete).unwrap();
//! assert!(s.probability > 0.0 && s.probability < 1.0);
//! let next = model.next_tactics_labels(&["TA0001", "TA0002"]).unwrap();
//! assert_eq!(next[0].tactic, "TA0007");
//! ```

pub mod catalogue;
pub mod correlate;
mod counts;
pub mod evaluate;
pub mod flows;
mod model;
pub mod resolve;

pub use catalogue::{
    BUNDLED_ATTACK_VERSION, Catalogue, IdClass, Tactic, TacticSet, Technique, UnknownLabel,
};
pub use counts::ChainCounts;
pub use flows::{AttackFlow, FlowAction, FlowCorpus, FlowGraph, FlowIssue, IssueKind, TacticFlows};
pub use model::{Bound, SmoothingOptimum, SmoothingSearch, SolverState, optimise_smoothing};
pub use model::{
    ChainParams, ChainPath, CheckedChainParams, DEFAULT_ALPHA, DEFAULT_ORDER, END, Ending,
    Endpoint, LooFlow, LooResult, MODEL_FORMAT, MODEL_FORMAT_VERSION, NextTactic, START,
    SequenceScore, Step, TacticChain, TacticChainFile, TacticChainModel, TrainingInfo,
    TransitionMatrix, loo_grid,
};
pub use resolve::{Resolution, ResolutionRule, TacticResolver, TacticVotes};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    /// A core error: reading or parsing input (naming file, line, field),
    /// or a typed parameter (`Param`), shape (`Shape`), data (`Data`),
    /// model-file (`ModelFile`) or merge (`Incompatible`) error.
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// Labels that are not tactics or techniques of the catalogue; each is
    /// named with what it looks like and the closest ids.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    UnknownLabels(Vec<UnknownLabel>),
    /// A tactic sequence with no tactic.
    #[error("the tactic sequence is empty (a chain needs at least one tactic)")]
    EmptySequence,
    /// An optimiser failed or stopped without converging (the search for
    /// the smoothing strength); the message names the solver and its state.
    #[error("{0}")]
    NoConvergence(String),
    /// Writing an output (a ranking, a table) failed.
    #[error("writing {what}: {source}")]
    Write {
        /// What was being written.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
