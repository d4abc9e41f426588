//! Weighted transition counts of tactic sequences: the sufficient statistics
//! of first- and second-order tactic chains.

use crate::AttackError;
use threatstat_core::Error;

/// Weighted counts of second-order transitions `(p2, p1) → next` over `k`
/// tactics, with sequences padded as `START START t1 … tn END`.
///
/// Indices: tactics are `0..k` (kill-chain order); in a context, `k` stands
/// for START; as the next symbol, `k` stands for END. First-order counts
/// are the sums over `p2`, so one table serves both orders, and counts of
/// disjoint data add ([`ChainCounts::add`]).
///
/// ```
/// use threatstat_attack::ChainCounts;
/// let mut c = ChainCounts::new(3);
/// c.add_sequence(&[0, 1, 1, 2], 1.0, true).unwrap(); // collapses to 0 1 2
/// assert_eq!(c.get(3, 3, 0), 1.0);   // (START, START) -> 0
/// assert_eq!(c.get(0, 1, 2), 1.0);   // (0, 1) -> 2
/// assert_eq!(c.get(1, 2, 3), 1.0);   // (1, 2) -> END
/// assert_eq!(c.first_order(1, 2), 1.0);
/// assert_eq!(c.sequences(), 1.0);
/// assert_eq!(c.steps(), 4.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChainCounts {
    k: usize,
    n: Vec<f64>,
}

impl ChainCounts {
    /// Zero counts over `k` tactics.
    pub fn new(k: usize) -> Self {
        let s = k + 1;
        ChainCounts {
            k,
            n: vec![0.0; s * s * s],
        }
    }

    /// Number of tactics.
    pub fn n_tactics(&self) -> usize {
        self.k
    }

    #[inline]
    pub(crate) fn idx(&self, p2: usize, p1: usize, next: usize) -> usize {
        let s = self.k + 1;
        (p2 * s + p1) * s + next
    }

    /// The count of `(p2, p1) → next` (`k` = START in the context, END as next).
    pub fn get(&self, p2: usize, p1: usize, next: usize) -> f64 {
        self.n[self.idx(p2, p1, next)]
    }

    /// The first-order count of `p1 → next` (summed over `p2`).
    pub fn first_order(&self, p1: usize, next: usize) -> f64 {
        (0..=self.k).map(|p2| self.get(p2, p1, next)).sum()
    }

    /// Adds `w` to `(p2, p1) → next`.
    #[inline]
    pub(crate) fn bump(&mut self, p2: usize, p1: usize, next: usize, w: f64) {
        let i = self.idx(p2, p1, next);
        self.n[i] += w;
    }

    /// Adds one sequence of tactic indices with weight `w` (consecutive
    /// repeats collapsed first when `collapse`).
    pub fn add_sequence(
        &mut self,
        seq: &[usize],
        w: f64,
        collapse: bool,
    ) -> Result<(), AttackError> {
        if seq.is_empty() {
            return Err(AttackError::EmptySequence);
        }
        if let Some(&bad) = seq.iter().find(|&&t| t >= self.k) {
            return Err(Error::data(
                "sequence",
                format!("tactic index {bad} out of range ({} tactics)", self.k),
            )
            .into());
        }
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::param("w", w, "a sequence weight that is finite and >= 0").into());
        }
        let k = self.k;
        let (mut p2, mut p1) = (k, k);
        for &t in seq {
            if collapse && p1 == t {
                continue;
            }
            self.bump(p2, p1, t, w);
            (p2, p1) = (p1, t);
        }
        self.bump(p2, p1, k, w);
        Ok(())
    }

    /// Adds `other`'s counts (same number of tactics).
    pub fn add(&mut self, other: &ChainCounts) -> Result<(), AttackError> {
        if other.k != self.k {
            return Err(Error::incompatible(
                "chain counts",
                format!(
                    "counts over {} tactics do not add to counts over {}",
                    other.k, self.k
                ),
            )
            .into());
        }
        for (a, b) in self.n.iter_mut().zip(&other.n) {
            *a += b;
        }
        Ok(())
    }

    /// Multiplies every count by `f`.
    pub(crate) fn scale(&mut self, f: f64) {
        for a in &mut self.n {
            *a *= f;
        }
    }

    /// Total sequence weight (the weight of the START transitions).
    pub fn sequences(&self) -> f64 {
        (0..=self.k).map(|b| self.get(self.k, self.k, b)).sum()
    }

    /// Total weight of all transitions (including START → first and last → END).
    pub fn steps(&self) -> f64 {
        self.n.iter().sum()
    }

    /// The non-zero entries `(p2, p1, next, count)` in index order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, usize, usize, f64)> + '_ {
        let s = self.k + 1;
        self.n
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0.0)
            .map(move |(i, &c)| (i / (s * s), (i / s) % s, i % s, c))
    }

    /// Whether every count is zero.
    pub fn is_empty(&self) -> bool {
        self.n.iter().all(|&c| c == 0.0)
    }
}
