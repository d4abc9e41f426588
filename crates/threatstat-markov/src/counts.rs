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

type OrderedMap<K> = IndexMap<K, u64, FxBuildHasher>;

/// Counts of one fit, in the id space of the [`SessionSet`] they came from.
pub(crate) struct PartialCounts {
    n_sessions: u64,
    cmd_counts: Vec<u64>,
    cmd_order: Vec<u32>,
    /// (from, to) with `START`/`END` encoded as `u32::MAX - 1` / `u32::MAX`.
    trans: FxHashMap<(u32, u32), u64>,
    param_counts: Vec<u64>,
    param_order: Vec<u32>,
    cmd_param: OrderedMap<(u32, u32)>,
    value_counts: Vec<u64>,
    value_order: Vec<u32>,
    param_value: OrderedMap<(u32, u32)>,
}

const P_START: u32 = u32::MAX - 1;
const P_END: u32 = u32::MAX;

fn bump(counts: &mut [u64], order: &mut Vec<u32>, id: u32) {
    let c = &mut counts[id as usize];
    if *c == 0 {
        order.push(id);
    }
    *c += 1;
}

impl PartialCounts {
    fn new(set: &SessionSet, params: bool, values: bool) -> Self {
        PartialCounts {
            n_sessions: 0,
            cmd_counts: vec![0; set.cmds.len()],
            cmd_order: Vec::new(),
            trans: FxHashMap::default(),
            param_counts: vec![0; if params { set.params.len() } else { 0 }],
            param_order: Vec::new(),
            cmd_param: OrderedMap::default(),
            value_counts: vec![0; if values { set.values.len() } else { 0 }],
            value_order: Vec::new(),
            param_value: OrderedMap::default(),
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
        for s in range {
            pc.n_sessions += 1;
            let mut prev = P_START;
            for e in set.session_offsets[s]..set.session_offsets[s + 1] {
                let c = set.event_cmd[e];
                bump(&mut pc.cmd_counts, &mut pc.cmd_order, c);
                *pc.trans.entry((prev, c)).or_insert(0) += 1;
                prev = c;
                if !params {
                    continue;
                }
                for j in set.param_offsets[e]..set.param_offsets[e + 1] {
                    let p = set.param_ids[j];
                    bump(&mut pc.param_counts, &mut pc.param_order, p);
                    *pc.cmd_param.entry((c, p)).or_insert(0) += 1;
                    if values {
                        let v = set.param_values[j];
                        // msticpy counts only truthy values: not None, not "".
                        if v != NO_VALUE && Some(v) != empty_value {
                            bump(&mut pc.value_counts, &mut pc.value_order, v);
                            *pc.param_value.entry((p, v)).or_insert(0) += 1;
                        }
                    }
                }
            }
            *pc.trans.entry((prev, P_END)).or_insert(0) += 1;
        }
        pc
    }

    /// Adds `other` (counted after `self`) into `self`.
    pub(crate) fn merge(mut self, other: Self) -> Self {
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
        for (k, v) in other.trans {
            *self.trans.entry(k).or_insert(0) += v;
        }
        add(
            &mut self.param_counts,
            &mut self.param_order,
            &other.param_counts,
            &other.param_order,
        );
        for (k, v) in other.cmd_param {
            *self.cmd_param.entry(k).or_insert(0) += v;
        }
        add(
            &mut self.value_counts,
            &mut self.value_order,
            &other.value_counts,
            &other.value_order,
        );
        for (k, v) in other.param_value {
            *self.param_value.entry(k).or_insert(0) += v;
        }
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
        let tok = |x: u32| match x {
            P_START | P_END => None,
            c => Some(cmap[c as usize]),
        };
        let mut transitions: Vec<(Option<u32>, Option<u32>, u64)> = self
            .trans
            .into_iter()
            .map(|((a, b), n)| (tok(a), tok(b), n))
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
                .into_iter()
                .map(|((c, p), n)| (cmap[c as usize], pmap[p as usize], n))
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
                .into_iter()
                .map(|((p, v), n)| (pmap[p as usize], vmap[v as usize], n))
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
    /// Adds `other` (fitted on data after this model's) into `self`; keys new
    /// to `self` are appended in `other`'s order.
    pub fn merge(&mut self, other: &Counts) {
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

    /// Total number of events counted.
    pub fn n_events(&self) -> u64 {
        self.cmd_counts.iter().sum()
    }
}
