//! The most probable path between two states of a fitted chain
//! (Dijkstra on −log p).
//!
//! # Why a file of its own
//!
//! A search over the order's state space with its own endpoint rules and
//! its own priority queue; it reads the model's tables like any query but
//! is an algorithm, not a lookup.

use super::fitted::TacticChainModel;
use super::queries::Step;
use super::{END, START};
use crate::AttackError;
use serde::Serialize;
use threatstat_core::Error;

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

/// A search-queue entry: cost so far and state; the heap pops the lowest
/// cost first, ties to the lowest state.
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

impl TacticChainModel {
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
        let (start_state, target) = self.path_ends(from, to)?;
        let chain = self.search(start_state, target).ok_or_else(|| {
            Error::data(
                "model",
                format!(
                    "no path from {} to {}",
                    self.endpoint_name(from),
                    self.endpoint_name(to)
                ),
            )
        })?;
        Ok(self.path_along(&chain, from))
    }

    /// `START`, `END`, a tactic id, or the index of a tactic the model
    /// does not have.
    fn endpoint_name(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Start => START.to_string(),
            Endpoint::End => END.to_string(),
            Endpoint::Tactic(t) if t < self.k() => self.tactics.id(t).to_string(),
            Endpoint::Tactic(t) => format!("tactic index {t} ({} tactics)", self.k()),
        }
    }

    /// The search's first state `(p2, p1)` and its target (a tactic, or k
    /// for END).
    fn path_ends(
        &self,
        from: Endpoint,
        to: Endpoint,
    ) -> Result<((usize, usize), usize), AttackError> {
        let k = self.k();
        let start_state = match from {
            Endpoint::Start => (k, k),
            Endpoint::Tactic(a) if a < k => (k, a),
            _ => {
                return Err(Error::param(
                    "from",
                    self.endpoint_name(from),
                    "START or a tactic of the model",
                )
                .into());
            }
        };
        let target = match to {
            Endpoint::End => k,
            Endpoint::Tactic(b) if b < k => b,
            _ => {
                return Err(Error::param(
                    "to",
                    self.endpoint_name(to),
                    "a tactic of the model or END",
                )
                .into());
            }
        };
        if let (Endpoint::Tactic(a), Endpoint::Tactic(b)) = (from, to)
            && a == b
        {
            return Err(
                Error::param("to", self.tactics.id(a), "a tactic other than `from`").into(),
            );
        }
        Ok((start_state, target))
    }

    /// Dijkstra on −log p over states `(p2, p1)` (numbered `p2 * s + p1`,
    /// s = k + 1) and a virtual END state `s * s`: the chain of states from
    /// `start_state` to the target, if it can be reached.
    fn search(&self, start_state: (usize, usize), target: usize) -> Option<Vec<usize>> {
        let k = self.k();
        let s = k + 1;
        let n = s * s + 1;
        let end_state = s * s;
        let id = |(a, b): (usize, usize)| a * s + b;
        let mut dist = vec![f64::INFINITY; n];
        let mut prev = vec![usize::MAX; n];
        let mut done = vec![false; n];
        let mut heap = std::collections::BinaryHeap::new();
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
        let last = reached?;
        // Rebuild the state chain.
        let mut chain = vec![last];
        while *chain.last().expect("non-empty") != s0 {
            let p = prev[*chain.last().expect("non-empty")];
            chain.push(p);
        }
        chain.reverse();
        Some(chain)
    }

    /// The path through a chain of states found by [`Self::search`].
    fn path_along(&self, chain: &[usize], from: Endpoint) -> ChainPath {
        let k = self.k();
        let s = k + 1;
        let end_state = s * s;
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
            steps.push(self.step(p2, p1, next));
        }
        let lp: f64 = steps.iter().map(|x| x.probability.ln()).sum();
        ChainPath {
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
        }
    }
}
