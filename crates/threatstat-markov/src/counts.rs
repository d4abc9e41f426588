//! Raw (unsmoothed) counts: the sufficient statistics of the model.
//!
//! Counts are kept in first-seen order because msticpy's parameter tables
//! are Python dicts in insertion order, and the order of a product of
//! probabilities decides its last bit. Merging appends the keys the second
//! part adds, so `merge(fit(A), fit(B))` equals `fit(A ++ B)` exactly,
//! order included.

use crate::session::{NO_VALUE, SessionSet};
use indexmap::IndexMap;
use rustc_hash::{FxBuildHasher, FxHashMap};
use serde::{Deserialize, Serialize};
use threatstat_core::{Error, Merge};

type OrderedMap<K> = IndexMap<K, u64, FxBuildHasher>;

/// Largest table counted densely (cells); larger vocabularies use a hash map.
const DENSE_CELLS: usize = 1 << 16;

/// Largest number of columns given a per-column slot table.
const SLOT_COLS: usize = 1 << 22;

/// Counts of pairs `(a, b)` in first-seen order: a dense table for small
/// vocabularies (the common case: a few dozen commands and parameters);
/// otherwise one slot per column `b` remembering the first row `a` seen with
/// it (a value usually belongs to one parameter), with a hash map for the
/// other pairs; a plain insertion-ordered hash map for huge vocabularies.
enum PairCounts {
    Dense {
        cols: usize,
        counts: Vec<u64>,
        order: Vec<(u32, u32)>,
    },
    Slots {
        /// Per column: (first row seen, index into `entries`), or `u32::MAX`.
        slots: Vec<(u32, u32)>,
        others: FxHashMap<(u32, u32), u32>,
        entries: Vec<(u32, u32, u64)>,
    },
    Sparse(OrderedMap<(u32, u32)>),
}

impl PairCounts {
    fn new(rows: usize, cols: usize) -> Self {
        match rows.checked_mul(cols) {
            Some(cells) if cells <= DENSE_CELLS => PairCounts::Dense {
                cols,
                counts: vec![0; cells],
                order: Vec::new(),
            },
            _ if cols <= SLOT_COLS => PairCounts::Slots {
                slots: vec![(0, u32::MAX); cols],
                others: FxHashMap::default(),
                entries: Vec::new(),
            },
            _ => PairCounts::Sparse(OrderedMap::default()),
        }
    }

    #[inline]
    fn add(&mut self, a: u32, b: u32, n: u64) {
        match self {
            PairCounts::Dense {
                cols,
                counts,
                order,
            } => {
                let c = &mut counts[a as usize * *cols + b as usize];
                if *c == 0 {
                    order.push((a, b));
                }
                *c += n;
            }
            PairCounts::Slots {
                slots,
                others,
                entries,
            } => {
                let slot = &mut slots[b as usize];
                let idx = if slot.1 == u32::MAX {
                    *slot = (a, entries.len() as u32);
                    entries.push((a, b, 0));
                    slot.1
                } else if slot.0 == a {
                    slot.1
                } else {
                    *others.entry((a, b)).or_insert_with(|| {
                        entries.push((a, b, 0));
                        (entries.len() - 1) as u32
                    })
                };
                entries[idx as usize].2 += n;
            }
            PairCounts::Sparse(m) => *m.entry((a, b)).or_insert(0) += n,
        }
    }

    /// Adds `other` (counted after `self`) into `self`, consuming it.
    fn absorb(&mut self, other: PairCounts) {
        for (a, b, n) in other.into_ordered() {
            self.add(a, b, n);
        }
    }

    fn into_ordered(self) -> Vec<(u32, u32, u64)> {
        match self {
            PairCounts::Dense {
                cols,
                counts,
                order,
            } => order
                .into_iter()
                .map(|(a, b)| (a, b, counts[a as usize * cols + b as usize]))
                .collect(),
            PairCounts::Slots { entries, .. } => entries,
            PairCounts::Sparse(m) => m.into_iter().map(|((a, b), n)| (a, b, n)).collect(),
        }
    }
}

/// Counts of one fit, in the id space of the [`SessionSet`] they came from.
pub(crate) struct PartialCounts {
    n_sessions: u64,
    cmd_counts: Vec<u64>,
    cmd_order: Vec<u32>,
    /// (from, to) with START as source and END as target encoded as `k`
    /// (the number of commands of the set).
    trans: PairCounts,
    param_counts: Vec<u64>,
    param_order: Vec<u32>,
    cmd_param: PairCounts,
    value_counts: Vec<u64>,
    value_order: Vec<u32>,
    param_value: PairCounts,
}

fn bump(counts: &mut [u64], order: &mut Vec<u32>, id: u32) {
    let c = &mut counts[id as usize];
    if *c == 0 {
        order.push(id);
    }
    *c += 1;
}

impl PartialCounts {
    fn new(set: &SessionSet, params: bool, values: bool) -> Self {
        let (k, np, nv) = (set.cmds.len(), set.params.len(), set.values.len());
        PartialCounts {
            n_sessions: 0,
            cmd_counts: vec![0; k],
            cmd_order: Vec::new(),
            trans: PairCounts::new(k + 1, k + 1),
            param_counts: vec![0; if params { np } else { 0 }],
            param_order: Vec::new(),
            cmd_param: PairCounts::new(if params { k } else { 0 }, np),
            value_counts: vec![0; if values { nv } else { 0 }],
            value_order: Vec::new(),
            param_value: PairCounts::new(if values { np } else { 0 }, nv),
        }
    }

    /// Counts sessions `range` of `set`.
    pub(crate) fn count(
        set: &SessionSet,
        range: std::ops::Range<usize>,
        params: bool,
        values: bool,
    ) -> Self {
        let mut pc = Self::new(set, params, values);
        let empty_value = set.values.get("");
        // START (as a source) and END (as a target) are id k.
        let token = set.cmds.len() as u32;
        for s in range {
            pc.n_sessions += 1;
            let mut prev = token;
            for e in set.session_offsets[s]..set.session_offsets[s + 1] {
                let c = set.event_cmd[e];
                bump(&mut pc.cmd_counts, &mut pc.cmd_order, c);
                pc.trans.add(prev, c, 1);
                prev = c;
                if !params {
                    continue;
                }
                for j in set.param_offsets[e]..set.param_offsets[e + 1] {
                    let p = set.param_ids[j];
                    bump(&mut pc.param_counts, &mut pc.param_order, p);
                    pc.cmd_param.add(c, p, 1);
                    if values {
                        let v = set.param_values[j];
                        // msticpy counts only truthy values: not None, not "".
                        if v != NO_VALUE && Some(v) != empty_value {
                            bump(&mut pc.value_counts, &mut pc.value_order, v);
                            pc.param_value.add(p, v, 1);
                        }
                    }
                }
            }
            pc.trans.add(prev, token, 1);
        }
        pc
    }

    /// Adds `other` (counted after `self`) into `self`: the by-value fast
    /// path of the parallel fit, in the set's id space (no strings).
    pub(crate) fn absorb(mut self, other: Self) -> Self {
        fn add(a: &mut [u64], order: &mut Vec<u32>, b: &[u64], b_order: &[u32]) {
            for &id in b_order {
                if a[id as usize] == 0 {
                    order.push(id);
                }
                a[id as usize] += b[id as usize];
            }
        }
        self.n_sessions += other.n_sessions;
        add(
            &mut self.cmd_counts,
            &mut self.cmd_order,
            &other.cmd_counts,
            &other.cmd_order,
        );
        self.trans.absorb(other.trans);
        add(
            &mut self.param_counts,
            &mut self.param_order,
            &other.param_counts,
            &other.param_order,
        );
        self.cmd_param.absorb(other.cmd_param);
        add(
            &mut self.value_counts,
            &mut self.value_order,
            &other.value_counts,
            &other.value_order,
        );
        self.param_value.absorb(other.param_value);
        self
    }

    /// Converts to model counts with strings, in first-seen order.
    pub(crate) fn into_counts(self, set: &SessionSet) -> Counts {
        let remap = |order: &[u32], len: usize| {
            let mut m = vec![u32::MAX; len];
            for (new, &old) in order.iter().enumerate() {
                m[old as usize] = new as u32;
            }
            m
        };
        let cmap = remap(&self.cmd_order, self.cmd_counts.len());
        let pmap = remap(&self.param_order, self.param_counts.len());
        let vmap = remap(&self.value_order, self.value_counts.len());
        let token = set.cmds.len() as u32;
        let tok = |x: u32| (x != token).then(|| cmap[x as usize]);
        let mut transitions: Vec<(Option<u32>, Option<u32>, u64)> = self
            .trans
            .into_ordered()
            .into_iter()
            .map(|(a, b, n)| (tok(a), tok(b), n))
            .collect();
        transitions.sort_unstable();
        Counts {
            n_sessions: self.n_sessions,
            cmds: self
                .cmd_order
                .iter()
                .map(|&c| set.cmds.resolve(c).to_string())
                .collect(),
            cmd_counts: self
                .cmd_order
                .iter()
                .map(|&c| self.cmd_counts[c as usize])
                .collect(),
            transitions,
            params: self
                .param_order
                .iter()
                .map(|&p| set.params.resolve(p).to_string())
                .collect(),
            param_counts: self
                .param_order
                .iter()
                .map(|&p| self.param_counts[p as usize])
                .collect(),
            cmd_params: self
                .cmd_param
                .into_ordered()
                .into_iter()
                .map(|(c, p, n)| (cmap[c as usize], pmap[p as usize], n))
                .collect(),
            values: self
                .value_order
                .iter()
                .map(|&v| set.values.resolve(v).to_string())
                .collect(),
            value_counts: self
                .value_order
                .iter()
                .map(|&v| self.value_counts[v as usize])
                .collect(),
            param_values: self
                .param_value
                .into_ordered()
                .into_iter()
                .map(|(p, v, n)| (pmap[p as usize], vmap[v as usize], n))
                .collect(),
        }
    }
}

/// The raw counts of a fitted model, serialisable. Ids index `cmds`,
/// `params` and `values`; `None` in `transitions` is the start (as source)
/// or end (as target) token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    /// Number of training sessions.
    pub n_sessions: u64,
    /// Commands in first-seen order.
    pub cmds: Vec<String>,
    /// Occurrences of each command.
    pub cmd_counts: Vec<u64>,
    /// (from, to, count), sorted; `None` is START as source, END as target.
    pub transitions: Vec<(Option<u32>, Option<u32>, u64)>,
    /// Parameter names in first-seen order.
    pub params: Vec<String>,
    /// Occurrences of each parameter (with any value, empty ones included).
    pub param_counts: Vec<u64>,
    /// (command, parameter, count) in first-seen order of the pair.
    pub cmd_params: Vec<(u32, u32, u64)>,
    /// Non-empty values in first-seen order.
    pub values: Vec<String>,
    /// Occurrences of each non-empty value.
    pub value_counts: Vec<u64>,
    /// (parameter, value, count) of non-empty values, first-seen order.
    pub param_values: Vec<(u32, u32, u64)>,
}

impl Counts {
    /// Total number of events counted.
    pub fn n_events(&self) -> u64 {
        self.cmd_counts.iter().sum()
    }

    /// Every id within its list and one count per name (what merging
    /// needs; [`crate::MarkovModel::from_counts`] checks much more).
    fn check_ids(&self, which: &str) -> Result<(), Error> {
        let (k, np, nv) = (self.cmds.len(), self.params.len(), self.values.len());
        let bad = |what: &str| {
            Err(Error::shape(
                format!("{which} counts"),
                "ids within the name lists and one count per name",
                what.to_string(),
            ))
        };
        if self.cmd_counts.len() != k
            || self.param_counts.len() != np
            || self.value_counts.len() != nv
        {
            return bad("name and count lists of different lengths");
        }
        let out = |x: u32, n: usize| x as usize >= n;
        if self
            .transitions
            .iter()
            .any(|&(a, b, _)| a.is_some_and(|a| out(a, k)) || b.is_some_and(|b| out(b, k)))
            || self
                .cmd_params
                .iter()
                .any(|&(a, p, _)| out(a, k) || out(p, np))
            || self
                .param_values
                .iter()
                .any(|&(p, v, _)| out(p, np) || out(v, nv))
        {
            return bad("a pair with an id beyond its name list");
        }
        Ok(())
    }
}

/// Adds counts of later data into `self`; keys new to `self` are appended
/// in `other`'s order, so merging the counts of consecutive parts equals
/// counting the whole, order included. Counts with out-of-range ids are
/// refused (`self` unchanged).
///
/// ```
/// use threatstat_markov::prelude::*;
/// let all = SessionSet::from_cmds(&[vec!["A", "B"], vec!["C", "A"]]).unwrap();
/// let counts = |s: &SessionSet| MarkovModel::params().fit(s).unwrap().counts().clone();
/// let mut c = counts(&all.slice(0..1));
/// c.merge(&counts(&all.slice(1..2))).unwrap();
/// assert_eq!(c, counts(&all));
/// ```
impl Merge for Counts {
    type Error = Error;
    fn merge(&mut self, other: &Counts) -> Result<(), Error> {
        self.check_ids("merged")?;
        other.check_ids("merging")?;
        self.add(other);
        Ok(())
    }
}

impl Counts {
    /// [`Merge::merge`] once both are known to be consistent.
    fn add(&mut self, other: &Counts) {
        fn union(
            names: &mut Vec<String>,
            counts: &mut Vec<u64>,
            o_names: &[String],
            o_counts: &[u64],
        ) -> Vec<u32> {
            let mut index: FxHashMap<&str, u32> = FxHashMap::default();
            for (i, n) in names.iter().enumerate() {
                index.insert(n, i as u32);
            }
            let mut map = Vec::with_capacity(o_names.len());
            let mut new_names = Vec::new();
            for (n, &c) in o_names.iter().zip(o_counts) {
                match index.get(n.as_str()) {
                    Some(&i) => {
                        counts[i as usize] += c;
                        map.push(i);
                    }
                    None => {
                        let i = (names.len() + new_names.len()) as u32;
                        new_names.push(n.clone());
                        counts.push(c);
                        map.push(i);
                    }
                }
            }
            names.extend(new_names);
            map
        }
        fn pairs(a: &mut Vec<(u32, u32, u64)>, b: &[(u32, u32, u64)], m1: &[u32], m2: &[u32]) {
            let mut index: FxHashMap<(u32, u32), usize> = a
                .iter()
                .enumerate()
                .map(|(i, &(x, y, _))| ((x, y), i))
                .collect();
            for &(x, y, n) in b {
                let k = (m1[x as usize], m2[y as usize]);
                match index.get(&k) {
                    Some(&i) => a[i].2 += n,
                    None => {
                        index.insert(k, a.len());
                        a.push((k.0, k.1, n));
                    }
                }
            }
        }
        self.n_sessions += other.n_sessions;
        let cm = union(
            &mut self.cmds,
            &mut self.cmd_counts,
            &other.cmds,
            &other.cmd_counts,
        );
        let pm = union(
            &mut self.params,
            &mut self.param_counts,
            &other.params,
            &other.param_counts,
        );
        let vm = union(
            &mut self.values,
            &mut self.value_counts,
            &other.values,
            &other.value_counts,
        );
        let mut t: FxHashMap<(Option<u32>, Option<u32>), u64> = self
            .transitions
            .iter()
            .map(|&(a, b, n)| ((a, b), n))
            .collect();
        for &(a, b, n) in &other.transitions {
            let k = (a.map(|x| cm[x as usize]), b.map(|x| cm[x as usize]));
            *t.entry(k).or_insert(0) += n;
        }
        self.transitions = t.into_iter().map(|((a, b), n)| (a, b, n)).collect();
        self.transitions.sort_unstable();
        pairs(&mut self.cmd_params, &other.cmd_params, &cm, &pm);
        pairs(&mut self.param_values, &other.param_values, &pm, &vm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three layouts give the same counts in the same first-seen order.
    #[test]
    fn pair_count_layouts_agree() {
        let dense = || PairCounts::new(50, 50);
        let slots = || PairCounts::Slots {
            slots: vec![(0, u32::MAX); 50],
            others: FxHashMap::default(),
            entries: Vec::new(),
        };
        let sparse = || PairCounts::Sparse(OrderedMap::default());
        let mut x: u64 = 1;
        let pairs: Vec<(u32, u32)> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                (((x >> 33) % 50) as u32, ((x >> 45) % 50) as u32)
            })
            .collect();
        let run = |mut c: PairCounts| {
            let (a, b) = pairs.split_at(2000);
            for &(p, q) in a {
                c.add(p, q, 1);
            }
            let mut d = PairCounts::Sparse(OrderedMap::default());
            for &(p, q) in b {
                d.add(p, q, 2);
            }
            c.absorb(d);
            c.into_ordered()
        };
        let want = run(sparse());
        assert!(matches!(dense(), PairCounts::Dense { .. }));
        assert_eq!(run(dense()), want);
        assert_eq!(run(slots()), want);
        assert_eq!(want.iter().map(|x| x.2).sum::<u64>(), 2000 + 2 * 3000);
    }
}
