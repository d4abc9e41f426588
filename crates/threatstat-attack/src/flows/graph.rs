//! A flow reduced to its tactics, [`FlowGraph`]: a DAG with its
//! source-to-sink paths and their path-weighted counts (see "From graphs
//! to sequences" in the [module docs](super)).
//!
//! # Why a file of its own
//!
//! The dynamic programme that counts transitions over all paths without
//! listing them, and the listing that checks it, are graph algorithms;
//! they do not care where the graph came from.

use crate::AttackError;
use crate::counts::ChainCounts;
use std::collections::BTreeSet;
use threatstat_core::Error;

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
            return Err(Error::data(
                format!("flow `{}`", self.name),
                format!("{n} paths, more than the limit of {limit}"),
            )
            .into());
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
            return Err(Error::data(
                format!("flow `{}`", self.name),
                format!("tactic index {bad} out of range ({k} tactics)"),
            )
            .into());
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
            return Err(Error::data(
                format!("flow `{}`", self.name),
                format!("too many paths to count ({total})"),
            )
            .into());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::flows::{AttackFlow, FlowAction, FlowCorpus};

    fn cat() -> &'static Catalogue {
        Catalogue::bundled()
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
