//! The tactic-chain model: a first- or second-order Markov chain over
//! ATT&CK tactics with start and end states and Dirichlet smoothing.
//!
//! # The model
//!
//! A chain is `START t1 t2 … tn END` (n ≥ 1). With `k` tactics:
//!
//! * from START the next state is one of the `k` tactics (a chain is never empty);
//! * from a tactic it is another tactic or END; with `collapse_repeats`
//!   (the default) a tactic never follows itself, because consecutive
//!   repeats are merged before counting and before scoring.
//!
//! # Smoothing
//!
//! Each row is the posterior mean under a Dirichlet prior of total strength
//! α (the prior's concentration parameters sum to α):
//!
//! ```text
//! first order:   p(b | a)    = (n(a, b)    + α · u(b | a))    / (n(a)    + α)
//! second order:  p(b | a', a) = (n(a', a, b) + α · p(b | a)) / (n(a', a) + α)
//! ```
//!
//! `u(· | a)` is uniform over the states allowed after `a`, and the second
//! order backs off to the first (the hierarchical Dirichlet model of MacKay
//! and Peto): a context seen rarely borrows the first-order row, one seen
//! often follows its own counts. α = number of allowed states is add-one
//! (Laplace) smoothing of the first order; α → ∞ is the uniform chain.
//! Counts are path-weighted (each training flow counts once, see
//! [`crate::flows`]), so they are fractional. α and the order are chosen by
//! leave-one-flow-out log-likelihood ([`ChainParams::leave_one_flow_out`]).

use crate::AttackError;
use crate::catalogue::{Catalogue, IdClass, Tactic, TacticSet};
use crate::counts::ChainCounts;
use crate::flows::TacticFlows;
use crate::resolve::{TacticResolver, TacticVotes};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Name of the start state in outputs.
pub const START: &str = "START";
/// Name of the end state in outputs.
pub const END: &str = "END";
/// Name of the model file format.
pub const MODEL_FORMAT: &str = "threatstat-attack-tactic-chain";
/// Version of the model file format this build writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// Default Markov order, chosen by leave-one-flow-out log-likelihood on
/// the bundled Attack Flow corpus (see `threatstat attack loo`).
pub const DEFAULT_ORDER: usize = 2;

/// Default smoothing strength α, chosen with [`DEFAULT_ORDER`] by
/// leave-one-flow-out log-likelihood on the bundled corpus.
pub const DEFAULT_ALPHA: f64 = 16.0;

/// Entry point (linfa style): `TacticChain::params()`.
pub struct TacticChain;

impl TacticChain {
    /// Parameters with defaults: order [`DEFAULT_ORDER`], α = [`DEFAULT_ALPHA`], repeats collapsed.
    pub fn params() -> ChainParams {
        ChainParams::default()
    }
}

/// Whether a sequence is scored as complete (with the step to END) or as
/// possibly continuing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The chain is over: the step to END is scored (the default).
    #[default]
    Complete,
    /// The chain may continue: no END step.
    Open,
}

/// Parameters of a tactic-chain fit (a builder; `fit` validates them).
///
/// ```
/// use threatstat_attack::{TacticChain, Catalogue};
/// let tactics = Catalogue::bundled().tactics();
/// // Two chains over the 14 tactics: IA -> EX, IA -> EX -> DI.
/// let (ia, ex, di) = (2, 3, 8);
/// let m = TacticChain::params().order(1).alpha(1.0)
///     .fit_sequences(tactics, &[vec![ia, ex], vec![ia, ex, di]]).unwrap();
/// // p(EX | IA) = (2 + 1/14) / (2 + 1): IA has 13 other tactics + END allowed.
/// assert!((m.transition(None, Some(ia), Some(ex)) - (2.0 + 1.0 / 14.0) / 3.0).abs() < 1e-12);
/// assert!(TacticChain::params().alpha(0.0).fit_sequences(tactics, &[vec![ia]]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChainParams {
    order: usize,
    alpha: f64,
    collapse_repeats: bool,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            order: DEFAULT_ORDER,
            alpha: DEFAULT_ALPHA,
            collapse_repeats: true,
        }
    }
}

impl ChainParams {
    /// Markov order: 1 or 2 (default [`DEFAULT_ORDER`]).
    pub fn order(mut self, order: usize) -> Self {
        self.order = order;
        self
    }

    /// Dirichlet smoothing strength α > 0 (default [`DEFAULT_ALPHA`]).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Merge consecutive repeats of a tactic (default true).
    pub fn collapse_repeats(mut self, yes: bool) -> Self {
        self.collapse_repeats = yes;
        self
    }

    /// The order set.
    pub fn get_order(&self) -> usize {
        self.order
    }

    /// The α set.
    pub fn get_alpha(&self) -> f64 {
        self.alpha
    }

    /// Whether repeats are collapsed.
    pub fn get_collapse_repeats(&self) -> bool {
        self.collapse_repeats
    }

    /// Checks the parameters.
    pub fn check(&self) -> Result<(), AttackError> {
        if !(1..=2).contains(&self.order) {
            return Err(AttackError::Invalid(format!(
                "order must be 1 or 2, found {}",
                self.order
            )));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(AttackError::Invalid(format!(
                "alpha (Dirichlet smoothing strength) must be finite and > 0, found {}",
                self.alpha
            )));
        }
        Ok(())
    }

    /// Fits on the flows of a corpus (every source-to-sink path, each flow weighted 1).
    pub fn fit(&self, flows: &TacticFlows) -> Result<TacticChainModel, AttackError> {
        self.check()?;
        let k = flows.tactics.len();
        let mut counts = ChainCounts::new(k);
        let mut n = 0;
        for g in flows.non_empty() {
            counts.add(&g.counts(k, self.collapse_repeats)?)?;
            n += 1;
        }
        if n == 0 {
            return Err(AttackError::Invalid(
                "no flow has an action with an ATT&CK Enterprise tactic: nothing to fit".into(),
            ));
        }
        TacticChainModel::from_parts(
            *self,
            flows.tactics.clone(),
            flows.attack_version.clone(),
            counts,
            flows.votes.clone(),
            TrainingInfo {
                flows: n,
                sequences: 0.0,
            },
        )
    }

    /// Fits on explicit tactic sequences (kill-chain indices into
    /// `tactics`), each with weight 1; e.g. a baseline of benign alert chains.
    pub fn fit_sequences(
        &self,
        tactics: &TacticSet,
        sequences: &[Vec<usize>],
    ) -> Result<TacticChainModel, AttackError> {
        self.check()?;
        if sequences.is_empty() {
            return Err(AttackError::Invalid("cannot fit on zero sequences".into()));
        }
        let mut counts = ChainCounts::new(tactics.len());
        for (i, s) in sequences.iter().enumerate() {
            counts
                .add_sequence(s, 1.0, self.collapse_repeats)
                .map_err(|e| match e {
                    AttackError::EmptySequence => {
                        AttackError::Invalid(format!("sequence {i} is empty"))
                    }
                    e => e,
                })?;
        }
        TacticChainModel::from_parts(
            *self,
            tactics.clone(),
            version_of(tactics),
            counts,
            TacticVotes::new(),
            TrainingInfo {
                flows: 0,
                sequences: sequences.len() as f64,
            },
        )
    }

    /// The chain with no data: every step uniform over the allowed states
    /// (the baseline of alert correlation when no benign data is given).
    pub fn uniform(&self, tactics: &TacticSet) -> Result<TacticChainModel, AttackError> {
        self.check()?;
        TacticChainModel::from_parts(
            *self,
            tactics.clone(),
            version_of(tactics),
            ChainCounts::new(tactics.len()),
            TacticVotes::new(),
            TrainingInfo::default(),
        )
    }

    /// Leave-one-flow-out: for each non-empty flow, fit on the others and
    /// score the held-out flow by its expected path log-likelihood (the
    /// path-weighted sum of log-probabilities of its transitions, END
    /// included). Tactic resolution uses the votes of the whole corpus.
    pub fn leave_one_flow_out(&self, flows: &TacticFlows) -> Result<LooResult, AttackError> {
        let per_flow = flow_counts(flows, self.collapse_repeats)?;
        self.loo_from_counts(flows, &per_flow)
    }

    fn loo_from_counts(
        &self,
        flows: &TacticFlows,
        per_flow: &[(String, ChainCounts)],
    ) -> Result<LooResult, AttackError> {
        self.check()?;
        if per_flow.len() < 2 {
            return Err(AttackError::Invalid(
                "leave-one-flow-out needs at least two non-empty flows".into(),
            ));
        }
        let k = flows.tactics.len();
        let mut rows = Vec::with_capacity(per_flow.len());
        let (mut total, mut steps) = (0.0, 0.0);
        for (i, (name, held)) in per_flow.iter().enumerate() {
            let mut train = ChainCounts::new(k);
            for (j, (_, c)) in per_flow.iter().enumerate() {
                if j != i {
                    train.add(c)?;
                }
            }
            let m = TacticChainModel::from_parts(
                *self,
                flows.tactics.clone(),
                flows.attack_version.clone(),
                train,
                TacticVotes::new(),
                TrainingInfo::default(),
            )?;
            let mut ll = 0.0;
            for (p2, p1, next, w) in held.entries() {
                ll += w * m.prob(p2, p1, next).ln();
            }
            let s = held.steps();
            total += ll;
            steps += s;
            rows.push(LooFlow {
                flow: name.clone(),
                log_likelihood: ll,
                steps: s,
            });
        }
        Ok(LooResult {
            order: self.order,
            alpha: self.alpha,
            collapse_repeats: self.collapse_repeats,
            flows: rows.len(),
            log_likelihood: total,
            steps,
            per_step: total / steps,
            perplexity: (-total / steps).exp(),
            per_flow: rows,
        })
    }
}

/// The bundled catalogue's version for its own tactics, else `custom tactics`.
fn version_of(tactics: &TacticSet) -> String {
    let cat = Catalogue::bundled();
    if cat.tactics() == tactics {
        cat.version().to_string()
    } else {
        "custom tactics".to_string()
    }
}

/// Path-weighted counts of every non-empty flow.
fn flow_counts(
    flows: &TacticFlows,
    collapse: bool,
) -> Result<Vec<(String, ChainCounts)>, AttackError> {
    flows
        .non_empty()
        .map(|g| Ok((g.name.clone(), g.counts(flows.tactics.len(), collapse)?)))
        .collect()
}

/// Leave-one-flow-out for every order × α (same flows, same collapse setting).
///
/// ```
/// use threatstat_attack::{loo_grid, AttackFlow, Catalogue, FlowAction, FlowCorpus};
/// let f = |a: &str, b: &str| AttackFlow::new("f", vec![FlowAction::tactic(a), FlowAction::tactic(b)], &[(0, 1)]);
/// let corpus = FlowCorpus::from_flows(vec![f("TA0001", "TA0002"), f("TA0001", "TA0002"), f("TA0001", "TA0007")]);
/// let flows = corpus.extract(Catalogue::bundled());
/// let table = loo_grid(&flows, &[1, 2], &[0.5, 5.0], true).unwrap();
/// assert_eq!(table.len(), 4);
/// // Three flows that agree: light smoothing predicts the held-out flow better.
/// assert!(table[0].per_step > table[1].per_step);
/// ```
pub fn loo_grid(
    flows: &TacticFlows,
    orders: &[usize],
    alphas: &[f64],
    collapse_repeats: bool,
) -> Result<Vec<LooResult>, AttackError> {
    let per_flow = flow_counts(flows, collapse_repeats)?;
    let mut out = Vec::new();
    for &o in orders {
        for &a in alphas {
            let p = ChainParams::default()
                .order(o)
                .alpha(a)
                .collapse_repeats(collapse_repeats);
            out.push(p.loo_from_counts(flows, &per_flow)?);
        }
    }
    Ok(out)
}

/// Leave-one-flow-out log-likelihood of one flow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LooFlow {
    /// The flow's name.
    pub flow: String,
    /// Expected log-likelihood of one of its paths under the model fitted without it.
    pub log_likelihood: f64,
    /// Expected number of transitions of one of its paths (END included).
    pub steps: f64,
}

/// Leave-one-flow-out result of one parameter setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LooResult {
    /// Markov order.
    pub order: usize,
    /// Smoothing strength.
    pub alpha: f64,
    /// Whether repeats were collapsed.
    pub collapse_repeats: bool,
    /// Number of held-out flows.
    pub flows: usize,
    /// Sum over flows of the held-out expected path log-likelihood (nats).
    pub log_likelihood: f64,
    /// Sum over flows of the expected path length in transitions.
    pub steps: f64,
    /// `log_likelihood / steps`: mean log-probability per transition.
    pub per_step: f64,
    /// `exp(-per_step)`: the effective number of equally likely next states.
    pub perplexity: f64,
    /// Per flow, in corpus order.
    pub per_flow: Vec<LooFlow>,
}

/// What the model was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Number of flows (0 when fitted on sequences).
    pub flows: usize,
    /// Number of sequences (0 when fitted on flows).
    pub sequences: f64,
}

/// One scored transition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The state the step leaves (a tactic id or `START`).
    pub from: String,
    /// The state it enters (a tactic id or `END`).
    pub to: String,
    /// The states conditioned on: `[from]` (order 1) or `[before, from]` (order 2).
    pub context: Vec<String>,
    /// The transition probability.
    pub probability: f64,
}

/// The probability of a tactic sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequenceScore {
    /// The sequence scored (tactic ids; repeats merged when the model collapses them).
    pub sequence: Vec<String>,
    /// Product of the step probabilities (may underflow to 0 for very long chains; use the log).
    pub probability: f64,
    /// Natural log of the probability.
    pub log_likelihood: f64,
    /// Every step, START first (and END last for complete chains).
    pub steps: Vec<Step>,
}

/// A candidate next state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextTactic {
    /// Tactic id, or `END` (the chain stops).
    pub tactic: String,
    /// Tactic name, or `(end of chain)`.
    pub name: String,
    /// Its probability.
    pub probability: f64,
}

/// An endpoint of [`TacticChainModel::most_probable_path`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The start state (as `from`).
    Start,
    /// A tactic (kill-chain index).
    Tactic(usize),
    /// The end state (as `to`).
    End,
}

/// A most probable path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainPath {
    /// Tactic ids along the path (endpoints included when they are tactics).
    pub tactics: Vec<String>,
    /// Tactic names along the path.
    pub names: Vec<String>,
    /// Product of the transition probabilities along the path.
    pub probability: f64,
    /// Its natural log.
    pub log_probability: f64,
    /// Every transition.
    pub steps: Vec<Step>,
}

/// A first-order transition table with labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionMatrix {
    /// Row states: `START`, then the tactic ids.
    pub rows: Vec<String>,
    /// Column states: the tactic ids, then `END`.
    pub columns: Vec<String>,
    /// Row labels (names; `START` for the start row).
    pub row_names: Vec<String>,
    /// Column labels (names; `END` for the end column).
    pub column_names: Vec<String>,
    /// `p[r][c]`: probability of column state `c` after row state `r` (rows sum to 1).
    pub p: Vec<Vec<f64>>,
}

/// A fitted tactic chain: counts (sufficient statistics), parameters and
/// the tactic set; probability tables are derived on construction and load.
///
/// ```
/// use threatstat_attack::{AttackFlow, Catalogue, Ending, FlowAction, FlowCorpus, TacticChain};
/// let flow = AttackFlow::new(
///     "phish",
///     vec![FlowAction::technique("T1566.001"), FlowAction::tactic("TA0002"), FlowAction::tactic("TA0007")],
///     &[(0, 1), (1, 2)],
/// );
/// let flows = FlowCorpus::from_flows(vec![flow]).extract(Catalogue::bundled());
/// let model = TacticChain::params().order(1).alpha(1.0).fit(&flows).unwrap();
/// let s = model.score_labels(&["TA0001", "TA0002", "TA0007"], Ending::Complete).unwrap();
/// assert_eq!(s.steps.len(), 4); // START->IA, IA->EX, EX->DI, DI->END
/// assert!((s.log_likelihood - s.steps.iter().map(|x| x.probability.ln()).sum::<f64>()).abs() < 1e-12);
/// let next = model.next_tactics_labels(&["TA0001"]).unwrap();
/// assert_eq!(next[0].tactic, "TA0002");
/// let json = model.to_json().unwrap();
/// assert_eq!(threatstat_attack::TacticChainModel::from_json(&json).unwrap(), model);
/// ```
#[derive(Debug, Clone)]
pub struct TacticChainModel {
    params: ChainParams,
    tactics: TacticSet,
    attack_version: String,
    counts: ChainCounts,
    votes: TacticVotes,
    training: TrainingInfo,
    /// `(k+1) × (k+1)`: row = previous state (k = START), column = next (k = END).
    p1: Vec<f64>,
    /// `(k+1)³`: (p2, p1) → next.
    p2: Vec<f64>,
    /// Natural logs of the table of the model's order (the scoring hot path).
    log_p: Vec<f64>,
}

impl PartialEq for TacticChainModel {
    fn eq(&self, o: &Self) -> bool {
        self.params == o.params
            && self.tactics == o.tactics
            && self.attack_version == o.attack_version
            && self.counts == o.counts
            && self.votes == o.votes
            && self.training == o.training
    }
}

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
    fn from_parts(
        params: ChainParams,
        tactics: TacticSet,
        attack_version: String,
        counts: ChainCounts,
        votes: TacticVotes,
        mut training: TrainingInfo,
    ) -> Result<Self, AttackError> {
        params.check()?;
        let k = tactics.len();
        if counts.n_tactics() != k {
            return Err(AttackError::Invalid(format!(
                "counts over {} tactics for a tactic set of {k}",
                counts.n_tactics()
            )));
        }
        if counts
            .entries()
            .any(|(_, _, _, c)| !(c.is_finite() && c >= 0.0))
        {
            return Err(AttackError::Invalid(
                "counts must be finite and non-negative".into(),
            ));
        }
        if training.flows == 0 && training.sequences == 0.0 {
            training.sequences = counts.sequences();
        }
        let mut m = TacticChainModel {
            params,
            tactics,
            attack_version,
            counts,
            votes,
            training,
            p1: Vec::new(),
            p2: Vec::new(),
            log_p: Vec::new(),
        };
        // Counts of impossible transitions (a self-transition in a
        // collapsing model, START -> END, anything -> START) are rejected.
        for (p2, p1, next, _) in m.counts.entries() {
            if !m.allowed(p1, next) || (p2 != k && p1 == k) {
                return Err(AttackError::Invalid(format!(
                    "count of an impossible transition ({}, {}) -> {}",
                    m.state_name(p2),
                    m.state_name(p1),
                    m.next_name(next)
                )));
            }
        }
        m.build_tables();
        Ok(m)
    }

    /// Whether `next` may follow state `p1` (k = START / END).
    #[inline]
    fn allowed(&self, p1: usize, next: usize) -> bool {
        let k = self.k();
        if p1 == k {
            next < k
        } else {
            next == k || !self.params.collapse_repeats || next != p1
        }
    }

    fn n_allowed(&self, p1: usize) -> usize {
        let k = self.k();
        // From START: the k tactics; from a tactic: the other tactics and
        // END (k states), or all tactics and END when repeats are kept.
        if p1 == k || self.params.collapse_repeats {
            k
        } else {
            k + 1
        }
    }

    fn build_tables(&mut self) {
        let k = self.k();
        let s = k + 1;
        let a = self.params.alpha;
        let mut p1 = vec![0.0; s * s];
        for r in 0..s {
            let n: f64 = (0..s).map(|b| self.counts.first_order(r, b)).sum();
            let u = 1.0 / self.n_allowed(r) as f64;
            for b in 0..s {
                if self.allowed(r, b) {
                    p1[r * s + b] = (self.counts.first_order(r, b) + a * u) / (n + a);
                }
            }
        }
        let mut p2 = vec![0.0; s * s * s];
        for c in 0..s {
            for r in 0..s {
                let base = (c * s + r) * s;
                let n: f64 = (0..s).map(|b| self.counts.get(c, r, b)).sum();
                for b in 0..s {
                    p2[base + b] = (self.counts.get(c, r, b) + a * p1[r * s + b]) / (n + a);
                }
            }
        }
        self.log_p = if self.params.order == 1 {
            p1.iter().map(|p| p.ln()).collect()
        } else {
            p2.iter().map(|p| p.ln()).collect()
        };
        self.p1 = p1;
        self.p2 = p2;
    }

    /// `ln` of [`TacticChainModel::prob`], from the precomputed table.
    #[inline]
    fn log_prob(&self, p2: usize, p1: usize, next: usize) -> f64 {
        let s = self.k() + 1;
        if self.params.order == 1 {
            self.log_p[p1 * s + next]
        } else {
            self.log_p[(p2 * s + p1) * s + next]
        }
    }

    #[inline]
    fn k(&self) -> usize {
        self.tactics.len()
    }

    /// Probability of `next` after context `(p2, p1)` under the model's order.
    #[inline]
    pub(crate) fn prob(&self, p2: usize, p1: usize, next: usize) -> f64 {
        let s = self.k() + 1;
        if self.params.order == 1 {
            self.p1[p1 * s + next]
        } else {
            self.p2[(p2 * s + p1) * s + next]
        }
    }

    fn state_name(&self, i: usize) -> String {
        if i == self.k() {
            START.to_string()
        } else {
            self.tactics.id(i).to_string()
        }
    }

    fn next_name(&self, i: usize) -> String {
        if i == self.k() {
            END.to_string()
        } else {
            self.tactics.id(i).to_string()
        }
    }

    /// The parameters (order, α, collapse).
    pub fn params(&self) -> ChainParams {
        self.params
    }

    /// Markov order.
    pub fn order(&self) -> usize {
        self.params.order
    }

    /// Smoothing strength α.
    pub fn alpha(&self) -> f64 {
        self.params.alpha
    }

    /// Whether consecutive repeats are merged.
    pub fn collapse_repeats(&self) -> bool {
        self.params.collapse_repeats
    }

    /// The tactics, in kill-chain order.
    pub fn tactics(&self) -> &TacticSet {
        &self.tactics
    }

    /// The ATT&CK data version the model was trained with.
    pub fn attack_version(&self) -> &str {
        &self.attack_version
    }

    /// The counts (sufficient statistics).
    pub fn counts(&self) -> &ChainCounts {
        &self.counts
    }

    /// The analysts' technique → tactic votes used to resolve techniques.
    pub fn votes(&self) -> &TacticVotes {
        &self.votes
    }

    /// What the model was trained on.
    pub fn training(&self) -> TrainingInfo {
        self.training
    }

    /// The same counts with other parameters (e.g. another α or order).
    pub fn with_params(&self, params: ChainParams) -> Result<Self, AttackError> {
        if params.collapse_repeats != self.params.collapse_repeats {
            return Err(AttackError::Invalid(
                "collapse_repeats cannot change after fitting (the counts depend on it)".into(),
            ));
        }
        TacticChainModel::from_parts(
            params,
            self.tactics.clone(),
            self.attack_version.clone(),
            self.counts.clone(),
            self.votes.clone(),
            self.training,
        )
    }

    /// Combines two models fitted on disjoint data (same parameters and
    /// tactics): equal to the model fitted on both.
    pub fn merge(&self, other: &TacticChainModel) -> Result<Self, AttackError> {
        if self.params != other.params || self.tactics != other.tactics {
            return Err(AttackError::Invalid(
                "cannot merge models with different parameters or tactics".into(),
            ));
        }
        let mut counts = self.counts.clone();
        counts.add(&other.counts)?;
        let mut votes = self.votes.clone();
        votes.merge(&other.votes);
        TacticChainModel::from_parts(
            self.params,
            self.tactics.clone(),
            self.attack_version.clone(),
            counts,
            votes,
            TrainingInfo {
                flows: self.training.flows + other.training.flows,
                sequences: self.training.sequences + other.training.sequences,
            },
        )
    }

    /// The transition probability `p(to | before, from)`; `None` stands for
    /// START (in `before`, `from`) and END (in `to`). For a first-order
    /// model `before` is ignored.
    pub fn transition(&self, before: Option<usize>, from: Option<usize>, to: Option<usize>) -> f64 {
        let k = self.k();
        let (a, b, c) = (before.unwrap_or(k), from.unwrap_or(k), to.unwrap_or(k));
        if a > k || b > k || c > k {
            return 0.0;
        }
        self.prob(a, b, c)
    }

    /// Tactic indices of `labels` (tactic ids, short names, names; and, if
    /// the model's tactics are the bundled catalogue's, technique ids,
    /// resolved with the model's votes). Unknown labels are one error that
    /// names all of them with the closest ids.
    pub fn parse_labels<S: AsRef<str>>(&self, labels: &[S]) -> Result<Vec<usize>, AttackError> {
        let cat = Catalogue::bundled();
        let with_techniques = cat.tactics() == &self.tactics;
        let resolver = TacticResolver::new(cat, &self.votes);
        let mut out = Vec::with_capacity(labels.len());
        let mut bad = Vec::new();
        for l in labels {
            let l = l.as_ref();
            if let Some(t) = self.tactics.index_of(l) {
                out.push(t);
                continue;
            }
            if with_techniques {
                match cat.classify(l) {
                    IdClass::Technique(_) => match resolver.resolve_label(l) {
                        Ok((t, _)) => {
                            out.push(t);
                            continue;
                        }
                        Err(e) => return Err(e),
                    },
                    c => bad.push(cat.unknown_label(l, c)),
                }
            } else {
                match self.tactics.parse(l) {
                    Err(AttackError::UnknownLabels(v)) => bad.extend(v),
                    _ => unreachable!("index_of failed"),
                }
            }
        }
        if bad.is_empty() {
            Ok(out)
        } else {
            Err(AttackError::UnknownLabels(bad))
        }
    }

    /// Merges consecutive repeats when the model does.
    pub fn prepare(&self, seq: &[usize]) -> Vec<usize> {
        let mut v: Vec<usize> = seq.to_vec();
        if self.params.collapse_repeats {
            v.dedup();
        }
        v
    }

    fn check_seq(&self, seq: &[usize]) -> Result<(), AttackError> {
        if seq.is_empty() {
            return Err(AttackError::EmptySequence);
        }
        if let Some(&bad) = seq.iter().find(|&&t| t >= self.k()) {
            return Err(AttackError::Invalid(format!(
                "tactic index {bad} out of range ({} tactics)",
                self.k()
            )));
        }
        Ok(())
    }

    /// Natural-log likelihood of a sequence of tactic indices (no allocation; the hot path).
    pub fn log_likelihood(&self, seq: &[usize], ending: Ending) -> Result<f64, AttackError> {
        self.check_seq(seq)?;
        let k = self.k();
        let (mut p2, mut p1) = (k, k);
        let mut ll = 0.0;
        for &t in seq {
            if self.params.collapse_repeats && t == p1 {
                continue;
            }
            ll += self.log_prob(p2, p1, t);
            (p2, p1) = (p1, t);
        }
        if ending == Ending::Complete {
            ll += self.log_prob(p2, p1, k);
        }
        Ok(ll)
    }

    /// Probability, log-likelihood and per-step probabilities of a sequence
    /// of tactic indices (repeats merged first when the model collapses them).
    pub fn score(&self, seq: &[usize], ending: Ending) -> Result<SequenceScore, AttackError> {
        self.check_seq(seq)?;
        let seq = self.prepare(seq);
        let k = self.k();
        let (mut p2, mut p1) = (k, k);
        let mut steps = Vec::with_capacity(seq.len() + 1);
        let mut ll = 0.0;
        let mut push = |p2: usize, p1: usize, next: usize, steps: &mut Vec<Step>| {
            let p = self.prob(p2, p1, next);
            ll += p.ln();
            let context = if self.params.order == 1 {
                vec![self.state_name(p1)]
            } else {
                vec![self.state_name(p2), self.state_name(p1)]
            };
            steps.push(Step {
                from: self.state_name(p1),
                to: self.next_name(next),
                context,
                probability: p,
            });
        };
        for &t in &seq {
            push(p2, p1, t, &mut steps);
            (p2, p1) = (p1, t);
        }
        if ending == Ending::Complete {
            push(p2, p1, k, &mut steps);
        }
        Ok(SequenceScore {
            sequence: seq
                .iter()
                .map(|&t| self.tactics.id(t).to_string())
                .collect(),
            probability: ll.exp(),
            log_likelihood: ll,
            steps,
        })
    }

    /// [`TacticChainModel::score`] of labels (see [`TacticChainModel::parse_labels`]).
    pub fn score_labels<S: AsRef<str>>(
        &self,
        labels: &[S],
        ending: Ending,
    ) -> Result<SequenceScore, AttackError> {
        let seq = self.parse_labels(labels)?;
        self.score(&seq, ending)
    }

    /// The distribution of the next state after `prefix` (tactic indices;
    /// empty = at the start), most probable first (ties in kill-chain
    /// order, END after tactics). Includes END except at the start.
    pub fn next_tactics(&self, prefix: &[usize]) -> Result<Vec<NextTactic>, AttackError> {
        if let Some(&bad) = prefix.iter().find(|&&t| t >= self.k()) {
            return Err(AttackError::Invalid(format!(
                "tactic index {bad} out of range"
            )));
        }
        let seq = self.prepare(prefix);
        let k = self.k();
        let p1 = seq.last().copied().unwrap_or(k);
        let p2 = if seq.len() >= 2 {
            seq[seq.len() - 2]
        } else {
            k
        };
        let mut v: Vec<(usize, f64)> = (0..=k)
            .filter(|&b| self.allowed(p1, b))
            .map(|b| (b, self.prob(p2, p1, b)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(v.into_iter()
            .map(|(b, p)| NextTactic {
                tactic: self.next_name(b),
                name: if b == k {
                    "(end of chain)".to_string()
                } else {
                    self.tactics.name(b).to_string()
                },
                probability: p,
            })
            .collect())
    }

    /// [`TacticChainModel::next_tactics`] after labels.
    pub fn next_tactics_labels<S: AsRef<str>>(
        &self,
        prefix: &[S],
    ) -> Result<Vec<NextTactic>, AttackError> {
        let seq = self.parse_labels(prefix)?;
        self.next_tactics(&seq)
    }

    /// The most probable path from `from` (START or a tactic) to `to` (a
    /// tactic or END): the sequence maximising the product of transition
    /// probabilities (Dijkstra on −log p, which is non-negative, so the
    /// path is exact and never repeats a state). A path from a tactic
    /// starts as if that tactic began the chain (order 2: context
    /// `(START, from)`); a path to a tactic stops the first time it gets
    /// there. Errors when `from == to` or the endpoints are misplaced.
    pub fn most_probable_path(
        &self,
        from: Endpoint,
        to: Endpoint,
    ) -> Result<ChainPath, AttackError> {
        let k = self.k();
        let s = k + 1;
        let start_state = match from {
            Endpoint::Start => (k, k),
            Endpoint::Tactic(a) if a < k => (k, a),
            _ => {
                return Err(AttackError::Invalid(
                    "a path starts at START or at a tactic".into(),
                ));
            }
        };
        let target = match to {
            Endpoint::End => k,
            Endpoint::Tactic(b) if b < k => b,
            _ => {
                return Err(AttackError::Invalid(
                    "a path ends at a tactic or at END".into(),
                ));
            }
        };
        if let (Endpoint::Tactic(a), Endpoint::Tactic(b)) = (from, to)
            && a == b
        {
            return Err(AttackError::Invalid(format!(
                "from and to are the same tactic ({})",
                self.tactics.id(a)
            )));
        }
        // States (p2, p1) and a virtual END state s*s.
        let n = s * s + 1;
        let end_state = s * s;
        let id = |(a, b): (usize, usize)| a * s + b;
        let mut dist = vec![f64::INFINITY; n];
        let mut prev = vec![usize::MAX; n];
        let mut done = vec![false; n];
        let mut heap = std::collections::BinaryHeap::new();
        #[derive(PartialEq)]
        struct Item(f64, usize);
        impl Eq for Item {}
        impl PartialOrd for Item {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Item {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
            }
        }
        let s0 = id(start_state);
        dist[s0] = 0.0;
        heap.push(Item(0.0, s0));
        let mut reached = None;
        while let Some(Item(d, u)) = heap.pop() {
            if done[u] {
                continue;
            }
            done[u] = true;
            if u == end_state {
                reached = Some(u);
                break;
            }
            let (p2, p1) = (u / s, u % s);
            if target < k && p1 == target && u != s0 {
                reached = Some(u);
                break;
            }
            for b in 0..=k {
                if !self.allowed(p1, b) {
                    continue;
                }
                if b == k && target != k {
                    continue;
                }
                let p = self.prob(p2, p1, b);
                if p <= 0.0 {
                    continue;
                }
                let v = if b == k { end_state } else { id((p1, b)) };
                let nd = d - p.ln();
                if nd < dist[v] {
                    dist[v] = nd;
                    prev[v] = u;
                    heap.push(Item(nd, v));
                }
            }
        }
        let Some(last) = reached else {
            return Err(AttackError::Invalid("no path between these states".into()));
        };
        // Rebuild the state chain.
        let mut chain = vec![last];
        while *chain.last().expect("non-empty") != s0 {
            let p = prev[*chain.last().expect("non-empty")];
            chain.push(p);
        }
        chain.reverse();
        let mut tactics_idx: Vec<usize> = Vec::new();
        if let Endpoint::Tactic(a) = from {
            tactics_idx.push(a);
        }
        let mut steps = Vec::new();
        for w in chain.windows(2) {
            let (u, v) = (w[0], w[1]);
            let (p2, p1) = (u / s, u % s);
            let next = if v == end_state { k } else { v % s };
            if next < k {
                tactics_idx.push(next);
            }
            let context = if self.params.order == 1 {
                vec![self.state_name(p1)]
            } else {
                vec![self.state_name(p2), self.state_name(p1)]
            };
            steps.push(Step {
                from: self.state_name(p1),
                to: self.next_name(next),
                context,
                probability: self.prob(p2, p1, next),
            });
        }
        let lp: f64 = steps.iter().map(|x| x.probability.ln()).sum();
        Ok(ChainPath {
            tactics: tactics_idx
                .iter()
                .map(|&t| self.tactics.id(t).to_string())
                .collect(),
            names: tactics_idx
                .iter()
                .map(|&t| self.tactics.name(t).to_string())
                .collect(),
            probability: lp.exp(),
            log_probability: lp,
            steps,
        })
    }

    /// The stationary distribution over tactics of the chain that restarts
    /// at START after END: the long-run share of attack steps spent in each
    /// tactic over a stream of attacks (kill-chain order, sums to 1).
    /// Solved exactly (Gaussian elimination) on the order's state space.
    pub fn stationary(&self) -> Vec<f64> {
        let k = self.k();
        let s = k + 1;
        // States: (p2, p1) pairs for order 2, p1 alone for order 1, with
        // START = (k, k) / k. END maps back to START.
        let states: Vec<(usize, usize)> = if self.params.order == 1 {
            (0..s).map(|p1| (k, p1)).collect()
        } else {
            let mut v = vec![(k, k)];
            for p2 in 0..s {
                for p1 in 0..k {
                    if p2 != p1 || !self.params.collapse_repeats || p2 == k {
                        v.push((p2, p1));
                    }
                }
            }
            v
        };
        let n = states.len();
        let index = |st: (usize, usize)| -> usize {
            if self.params.order == 1 {
                st.1
            } else {
                states.iter().position(|&x| x == st).expect("state listed")
            }
        };
        let start = index((k, k));
        // Row-stochastic P; solve pi (P - I) = 0, sum pi = 1 as A x = b with A = (P - I)^T.
        let mut a = vec![vec![0.0; n + 1]; n];
        for (i, &(p2, p1)) in states.iter().enumerate() {
            for b in 0..=k {
                if !self.allowed(p1, b) {
                    continue;
                }
                let p = self.prob(p2, p1, b);
                let j = if b == k { start } else { index((p1, b)) };
                a[j][i] += p;
            }
            a[i][i] -= 1.0;
        }
        a[n - 1][..n].fill(1.0);
        a[n - 1][n] = 1.0;
        let x = solve(a);
        let mut pi = vec![0.0; k];
        for (i, &(_, p1)) in states.iter().enumerate() {
            if p1 < k {
                pi[p1] += x[i].max(0.0);
            }
        }
        let z: f64 = pi.iter().sum();
        pi.iter().map(|v| v / z).collect()
    }

    /// The first-order transition table (for an order-2 model, the
    /// first-order table it backs off to, fitted on the same counts with the same α).
    pub fn transition_matrix(&self) -> TransitionMatrix {
        let k = self.k();
        let s = k + 1;
        let rows: Vec<usize> = std::iter::once(k).chain(0..k).collect();
        TransitionMatrix {
            rows: rows.iter().map(|&r| self.state_name(r)).collect(),
            columns: (0..s).map(|c| self.next_name(c)).collect(),
            row_names: rows
                .iter()
                .map(|&r| {
                    if r == k {
                        START.to_string()
                    } else {
                        self.tactics.name(r).to_string()
                    }
                })
                .collect(),
            column_names: (0..s)
                .map(|c| {
                    if c == k {
                        END.to_string()
                    } else {
                        self.tactics.name(c).to_string()
                    }
                })
                .collect(),
            p: rows
                .iter()
                .map(|&r| (0..s).map(|c| self.p1[r * s + c]).collect())
                .collect(),
        }
    }

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
            params,
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

/// Solves the augmented system `a` (n × (n+1)) by Gaussian elimination
/// with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty");
        a.swap(col, piv);
        let d = a[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        for x in &mut a[col][col..=n] {
            *x /= d;
        }
        let pivot = a[col].clone();
        for (i, row) in a.iter_mut().enumerate() {
            let f = row[col];
            if i != col && f != 0.0 {
                for (x, p) in row[col..=n].iter_mut().zip(&pivot[col..=n]) {
                    *x -= f * p;
                }
            }
        }
    }
    a.iter().map(|r| r[n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> TacticSet {
        TacticSet::new(
            ["A", "B", "C"]
                .iter()
                .enumerate()
                .map(|(i, n)| Tactic {
                    id: format!("TA000{}", i + 1),
                    shortname: n.to_lowercase(),
                    name: n.to_string(),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn rows_sum_to_one_both_orders() {
        let t = tiny();
        for order in [1, 2] {
            for collapse in [true, false] {
                let m = TacticChain::params()
                    .order(order)
                    .alpha(0.7)
                    .collapse_repeats(collapse)
                    .fit_sequences(&t, &[vec![0, 1, 1, 2], vec![0, 2], vec![1]])
                    .unwrap();
                for p2 in 0..=3 {
                    for p1 in 0..=3 {
                        let s: f64 = (0..=3).map(|b| m.prob(p2, p1, b)).sum();
                        assert!(
                            (s - 1.0).abs() < 1e-12,
                            "order {order} ({p2},{p1}) sums to {s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn stationary_of_uniform_is_uniform() {
        let t = tiny();
        for order in [1, 2] {
            let m = TacticChain::params().order(order).uniform(&t).unwrap();
            let pi = m.stationary();
            for p in pi {
                assert!((p - 1.0 / 3.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn hand_computed_first_order() {
        // Sequences A B, A B C, B (collapsed), alpha = 3 (add-one: 3 allowed states per row).
        let t = tiny();
        let m = TacticChain::params()
            .order(1)
            .alpha(3.0)
            .fit_sequences(&t, &[vec![0, 1], vec![0, 1, 2], vec![1, 1]])
            .unwrap();
        // START row: A 2, B 1, C 0 of 3; allowed A, B, C: (2+1)/(3+3).
        assert!((m.transition(None, None, Some(0)) - 3.0 / 6.0).abs() < 1e-15);
        assert!((m.transition(None, None, Some(2)) - 1.0 / 6.0).abs() < 1e-15);
        // Row A: B 2 of 2; allowed B, C, END: (2+1)/(2+3).
        assert!((m.transition(None, Some(0), Some(1)) - 3.0 / 5.0).abs() < 1e-15);
        assert_eq!(m.transition(None, Some(0), Some(0)), 0.0);
        // Row B: END 2, C 1 of 3: END (2+1)/(3+3).
        assert!((m.transition(None, Some(1), None) - 0.5).abs() < 1e-15);
        // P(A B END) = 3/6 * 3/5 * 1/2.
        let ll = m.log_likelihood(&[0, 1], Ending::Complete).unwrap();
        assert!((ll.exp() - 0.15).abs() < 1e-15);
        // The most probable complete chain is B alone: 2/6 * 1/2 = 1/6 > 0.15.
        let p = m
            .most_probable_path(Endpoint::Start, Endpoint::End)
            .unwrap();
        assert_eq!(p.tactics, ["TA0002"]);
        assert!((p.probability - 1.0 / 6.0).abs() < 1e-15);
        // From A to C: A -> B -> C (3/5 * 1/6) beats A -> C (1/5).
        let p = m
            .most_probable_path(Endpoint::Tactic(0), Endpoint::Tactic(2))
            .unwrap();
        assert_eq!(p.tactics, ["TA0001", "TA0003"]);
        assert!((p.probability - 1.0 / 5.0).abs() < 1e-15);
    }
}
