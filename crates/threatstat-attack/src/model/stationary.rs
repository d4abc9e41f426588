//! The stationary distribution over tactics of the chain that restarts at
//! START after END.
//!
//! # Why a file of its own
//!
//! It builds the chain on the order's state space (pairs of states for
//! order 2) and solves a linear system (`solve`), unlike the queries,
//! which read one table entry at a time.

use super::fitted::TacticChainModel;
use super::solve::solve;
use ndarray::Array2;

impl TacticChainModel {
    /// The stationary distribution over tactics of the chain that restarts
    /// at START after END: the long-run share of attack steps spent in each
    /// tactic over a stream of attacks (kill-chain order, sums to 1).
    /// Solved exactly (Gauss-Jordan elimination on an `ndarray::Array2`)
    /// on the order's state space.
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
        let mut a = Array2::<f64>::zeros((n, n + 1));
        for (i, &(p2, p1)) in states.iter().enumerate() {
            for b in 0..=k {
                if !self.allowed(p1, b) {
                    continue;
                }
                let p = self.prob(p2, p1, b);
                let j = if b == k { start } else { index((p1, b)) };
                a[[j, i]] += p;
            }
            a[[i, i]] -= 1.0;
        }
        a.row_mut(n - 1).iter_mut().take(n).for_each(|x| *x = 1.0);
        a[[n - 1, n]] = 1.0;
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
}
