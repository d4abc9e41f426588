//! The leave-one-flow-out log-likelihood as a function of α, with
//! everything that does not depend on α computed once ([`LooCurve`]).
//!
//! # Why a file of its own
//!
//! [`ChainParams::leave_one_flow_out`] refits a whole model per held-out
//! flow (every probability table) for one α; a search over α evaluates it
//! hundreds of times. Here the training counts of each held-out flow, and
//! the row totals the smoothing formulas read, are summed once, in the same
//! order as a fit sums them, and an evaluation computes only the
//! probabilities of the held-out transitions by the same formulas: the
//! same numbers, bit for bit, at a small fraction of the cost.

use super::params::ChainParams;
use super::select::at_least_two_flows;
use crate::AttackError;
use crate::counts::ChainCounts;

/// One held-out transition and the training counts its probability reads.
struct Term {
    /// Its path weight in the held-out flow.
    weight: f64,
    /// `n(p2, p1, next)` and `Σ_b n(p2, p1, b)` (second order).
    n2: f64,
    n2_row: f64,
    /// `n(p1, next)` and `Σ_b n(p1, b)` (first order).
    n1: f64,
    n1_row: f64,
    /// `1 / (number of states allowed after p1)`.
    uniform: f64,
}

/// The leave-one-flow-out log-likelihood of one order and collapse setting
/// as a function of α (see the module documentation).
pub(super) struct LooCurve {
    order: usize,
    /// Per held-out flow, its transitions in count order.
    held: Vec<Vec<Term>>,
}

impl LooCurve {
    /// Precomputes the curve of `params`' order and collapse setting from
    /// per-flow counts over `k` tactics (at least two flows).
    pub(super) fn new(
        params: &ChainParams,
        k: usize,
        per_flow: &[(String, ChainCounts)],
    ) -> Result<LooCurve, AttackError> {
        at_least_two_flows(per_flow)?;
        let s = k + 1;
        let mut held = Vec::with_capacity(per_flow.len());
        for (i, (_, h)) in per_flow.iter().enumerate() {
            // The training counts exactly as `leave_one_flow_out` sums them.
            let mut train = ChainCounts::new(k);
            for (j, (_, c)) in per_flow.iter().enumerate() {
                if j != i {
                    train.add(c)?;
                }
            }
            let terms = h
                .entries()
                .map(|(p2, p1, next, w)| Term {
                    weight: w,
                    n2: train.get(p2, p1, next),
                    n2_row: (0..s).map(|b| train.get(p2, p1, b)).sum(),
                    n1: train.first_order(p1, next),
                    n1_row: (0..s).map(|b| train.first_order(p1, b)).sum(),
                    uniform: 1.0
                        / if p1 == k || params.collapse_repeats {
                            k
                        } else {
                            k + 1
                        } as f64,
                })
                .collect();
            held.push(terms);
        }
        Ok(LooCurve {
            order: params.order,
            held,
        })
    }

    /// The leave-one-flow-out log-likelihood at `alpha` (> 0): the
    /// `log_likelihood` of [`ChainParams::leave_one_flow_out`].
    pub(super) fn log_likelihood(&self, alpha: f64) -> f64 {
        let a = alpha;
        let mut total = 0.0;
        for terms in &self.held {
            let mut ll = 0.0;
            for t in terms {
                let p1 = (t.n1 + a * t.uniform) / (t.n1_row + a);
                let p = if self.order == 1 {
                    p1
                } else {
                    (t.n2 + a * p1) / (t.n2_row + a)
                };
                ll += t.weight * p.ln();
            }
            total += ll;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::flows::{AttackFlow, FlowAction, FlowCorpus};
    use crate::model::select::flow_counts;

    /// Bit-for-bit the numbers of `leave_one_flow_out`, both orders, with
    /// repeats merged and kept, flows of several paths (fractional weights).
    #[test]
    fn equals_leave_one_flow_out_exactly() {
        let t = |id: &str| FlowAction::tactic(id);
        let flows = vec![
            AttackFlow::new(
                "branching",
                vec![
                    t("TA0001"),
                    t("TA0002"),
                    t("TA0007"),
                    t("TA0002"),
                    t("TA0040"),
                ],
                &[(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 4)],
            ),
            AttackFlow::new(
                "repeats",
                vec![t("TA0001"), t("TA0001"), t("TA0005")],
                &[(0, 1), (1, 2)],
            ),
            AttackFlow::new("short", vec![t("TA0043")], &[]),
            AttackFlow::new(
                "three",
                vec![t("TA0001"), t("TA0002"), t("TA0005"), t("TA0011")],
                &[(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)],
            ),
        ];
        let tf = FlowCorpus::from_flows(flows).extract(Catalogue::bundled());
        for collapse in [true, false] {
            let per_flow = flow_counts(&tf, collapse).unwrap();
            for order in [1, 2] {
                let p = ChainParams::default()
                    .order(order)
                    .collapse_repeats(collapse);
                let curve = LooCurve::new(&p, tf.tactics.len(), &per_flow).unwrap();
                for a in [1e-4, 0.3, 1.0, 7.5, 16.0, 1e6] {
                    let want = p.alpha(a).leave_one_flow_out(&tf).unwrap().log_likelihood;
                    assert_eq!(
                        curve.log_likelihood(a).to_bits(),
                        want.to_bits(),
                        "order {order}, collapse {collapse}, alpha {a}"
                    );
                }
            }
        }
    }
}
