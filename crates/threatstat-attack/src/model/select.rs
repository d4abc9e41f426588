//! Model selection: leave-one-flow-out log-likelihood of one parameter
//! setting ([`ChainParams::leave_one_flow_out`]) or of a grid of orders
//! and α ([`loo_grid`]), as used to choose the defaults.
//!
//! # Why a file of its own
//!
//! Choosing order and α is a question about the data, asked before any
//! model is kept: it refits from per-flow counts many times and reports a
//! table, and nothing else in the model needs it.

use super::fit::TrainingInfo;
use super::fitted::TacticChainModel;
use super::params::ChainParams;
use crate::AttackError;
use crate::counts::ChainCounts;
use crate::flows::TacticFlows;
use crate::resolve::TacticVotes;
use serde::Serialize;
use threatstat_core::Error;
use threatstat_core::ParamGuard;

impl ChainParams {
    /// Leave-one-flow-out: for each non-empty flow, fit on the others and
    /// score the held-out flow by its expected path log-likelihood (the
    /// path-weighted sum of log-probabilities of its transitions, END
    /// included). Tactic resolution uses the votes of the whole corpus.
    pub fn leave_one_flow_out(&self, flows: &TacticFlows) -> Result<LooResult, AttackError> {
        let per_flow = flow_counts(flows, self.collapse_repeats)?;
        self.loo_from_counts(flows, &per_flow)
    }

    pub(super) fn loo_from_counts(
        &self,
        flows: &TacticFlows,
        per_flow: &[(String, ChainCounts)],
    ) -> Result<LooResult, AttackError> {
        let checked = self.check()?;
        at_least_two_flows(per_flow)?;
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
                checked,
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

/// Leave-one-flow-out needs two flows (one to hold out, one to fit).
pub(super) fn at_least_two_flows(per_flow: &[(String, ChainCounts)]) -> Result<(), AttackError> {
    if per_flow.len() < 2 {
        return Err(Error::shape(
            "flows",
            "at least two non-empty flows (leave-one-flow-out)",
            format!("{}", per_flow.len()),
        )
        .into());
    }
    Ok(())
}

/// Path-weighted counts of every non-empty flow.
pub(super) fn flow_counts(
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
