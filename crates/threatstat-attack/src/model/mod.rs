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
//! leave-one-flow-out log-likelihood ([`ChainParams::leave_one_flow_out`]),
//! α over a grid ([`loo_grid`]) or continuously by argmin
//! ([`ChainParams::optimise_smoothing`]). There is one α: the second
//! order's back-off to the first uses the same strength.
//!
//! # The files, one idea each
//!
//! * `params`: [`ChainParams`] (the builder, its check, the defaults);
//! * `fit`: counts of flows or sequences into a model, refit, merge;
//! * `select`: leave-one-flow-out model selection ([`loo_grid`]);
//! * `loo_curve` and `optimum`: that log-likelihood as a function of α,
//!   and the α maximising it, by argmin ([`optimise_smoothing`]);
//! * `fitted`: the [`TacticChainModel`] and its probability tables;
//! * `queries`: probabilities, scores, next tactics, transition table;
//! * `path`: the most probable path (Dijkstra);
//! * `stationary` and `solve`: the stationary distribution and its linear
//!   solver;
//! * `persist`: the versioned JSON model file, save and load.

mod fit;
mod fitted;
mod loo_curve;
mod optimum;
mod params;
mod path;
mod persist;
mod queries;
mod select;
mod solve;
mod stationary;

pub use fit::TrainingInfo;
pub use fitted::TacticChainModel;
pub use optimum::{Bound, SmoothingOptimum, SmoothingSearch, SolverState, optimise_smoothing};
pub use params::{ChainParams, CheckedChainParams, DEFAULT_ALPHA, DEFAULT_ORDER, TacticChain};
pub use path::{ChainPath, Endpoint};
pub use persist::{MODEL_FORMAT, MODEL_FORMAT_VERSION, TacticChainFile};
pub use queries::{Ending, NextTactic, SequenceScore, Step, TransitionMatrix};
pub use select::{LooFlow, LooResult, loo_grid};

/// Name of the start state in outputs.
pub const START: &str = "START";
/// Name of the end state in outputs.
pub const END: &str = "END";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Tactic, TacticSet};

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
