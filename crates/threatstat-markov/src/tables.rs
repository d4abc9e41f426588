//! Probability tables derived from a model's counts: msticpy's smoothed
//! priors, transition, parameter and value probabilities (spec §5–§7).

use crate::MarkovError;
use crate::counts::Counts;
use crate::model::SessionType;
use rustc_hash::FxHashMap;
use threatstat_core::Error;

/// Transition probabilities, dense for small vocabularies.
#[derive(Debug, Clone)]
enum Trans {
    Dense {
        n: usize,
        p: Vec<f64>,
    },
    Sparse {
        seen: FxHashMap<(u32, u32), f64>,
        row_default: Vec<f64>,
    },
}

/// Probability tables derived from the counts (not serialised).
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// Number of real commands; ids `k`, `k+1`, `k+2` are START, END, UNK.
    pub(crate) k: u32,
    pub(crate) cmd_index: FxHashMap<String, u32>,
    pub(crate) param_index: FxHashMap<String, u32>,
    pub(crate) value_index: FxHashMap<String, u32>,
    pub(crate) prior: Vec<f64>,
    trans: Trans,
    /// Per command id (real and tokens): (param id or `PARAM_UNK`, P(param | cmd)).
    pub(crate) param_rows: Vec<Vec<(u32, f64)>>,
    pub(crate) modellable: Vec<bool>,
    pub(crate) modellable_names: Vec<String>,
    value_prob: FxHashMap<(u32, u32), f64>,
    value_unk: Vec<f64>,
}

/// The id used for the unknown-parameter slot of a row.
pub(crate) const PARAM_UNK: u32 = u32::MAX;
/// A parameter or value id the model has not seen.
pub(crate) const NONE: u32 = u32::MAX - 1;

impl Tables {
    pub(crate) fn start(&self) -> u32 {
        self.k
    }
    pub(crate) fn end(&self) -> u32 {
        self.k + 1
    }
    pub(crate) fn unk(&self) -> u32 {
        self.k + 2
    }

    #[inline]
    pub(crate) fn trans(&self, a: u32, b: u32) -> f64 {
        match &self.trans {
            Trans::Dense { n, p } => p[a as usize * n + b as usize],
            Trans::Sparse { seen, row_default } => seen
                .get(&(a, b))
                .copied()
                .unwrap_or(row_default[a as usize]),
        }
    }

    #[inline]
    pub(crate) fn value_prob(&self, p: u32, v: u32) -> f64 {
        if v == NONE {
            return self.value_unk[p as usize];
        }
        self.value_prob
            .get(&(p, v))
            .copied()
            .unwrap_or(self.value_unk[p as usize])
    }

    pub(crate) fn build(
        session_type: SessionType,
        overrides: Option<&[String]>,
        c: &Counts,
    ) -> Result<Tables, MarkovError> {
        let k = u32::try_from(c.cmds.len())
            .ok()
            .filter(|&k| k < u32::MAX - 4)
            .ok_or_else(|| {
                Error::shape(
                    "model counts",
                    format!("fewer than {} distinct commands", u32::MAX - 4),
                    format!("{} commands", c.cmds.len()),
                )
            })?;
        let n = k as usize + 3;
        let (start, end, unk) = (k, k + 1, k + 2);
        let nm1 = (n - 1) as u64;
        // Unigram counts after msticpy's Laplace smoothing (spec §5.1).
        let mut seq1: Vec<u64> = c.cmd_counts.iter().map(|&x| x + 2 * nm1).collect();
        seq1.push(c.n_sessions + nm1); // START
        seq1.push(c.n_sessions + nm1); // END
        seq1.push(2 * nm1); // UNK
        let total: u64 = seq1.iter().sum();
        let prior: Vec<f64> = seq1.iter().map(|&x| x as f64 / total as f64).collect();
        let id = |t: Option<u32>, tok: u32| t.unwrap_or(tok);
        let mut out = vec![0u64; n];
        for &(a, _, cnt) in &c.transitions {
            out[id(a, start) as usize] += cnt;
        }
        // Row `a` (a != END) has (count + 1) / (out(a) + n - 1); END uses the UNK row.
        let mut row_default: Vec<f64> = out.iter().map(|&o| 1.0 / (o + nm1) as f64).collect();
        row_default[end as usize] = row_default[unk as usize];
        let seen = c.transitions.iter().map(|&(a, b, cnt)| {
            let a = id(a, start);
            (
                (a, id(b, end)),
                (cnt + 1) as f64 / (out[a as usize] + nm1) as f64,
            )
        });
        let trans = if n <= 2048 {
            let mut p = Vec::with_capacity(n * n);
            for &d in &row_default {
                p.extend(std::iter::repeat_n(d, n));
            }
            for ((a, b), q) in seen {
                p[a as usize * n + b as usize] = q;
            }
            Trans::Dense { n, p }
        } else {
            Trans::Sparse {
                seen: seen.collect(),
                row_default,
            }
        };
        let index = |names: &[String]| -> FxHashMap<String, u32> {
            names
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect()
        };
        let mut t = Tables {
            k,
            cmd_index: index(&c.cmds),
            param_index: index(&c.params),
            value_index: index(&c.values),
            prior,
            trans,
            param_rows: vec![Vec::new(); n],
            modellable: vec![false; c.params.len()],
            modellable_names: Vec::new(),
            value_prob: FxHashMap::default(),
            value_unk: vec![1.0; c.params.len()],
        };
        if session_type == SessionType::Cmds {
            return Ok(t);
        }
        // P(param | cmd) = (count + 1) / smoothed unigram count (spec §5.2, §6).
        for &(cmd, p, cnt) in &c.cmd_params {
            t.param_rows[cmd as usize].push((p, (cnt + 1) as f64 / seq1[cmd as usize] as f64));
        }
        for (cmd, row) in t.param_rows.iter_mut().enumerate() {
            row.push((PARAM_UNK, 1.0 / seq1[cmd] as f64));
        }
        if session_type == SessionType::CmdsParams {
            return Ok(t);
        }
        // P(value | param) = (count + 1) / (Σ counts + distinct + 1) (spec §5.3).
        let mut truthy = vec![0u64; c.params.len()];
        let mut distinct = vec![0u64; c.params.len()];
        for &(p, _, cnt) in &c.param_values {
            truthy[p as usize] += cnt;
            distinct[p as usize] += 1;
        }
        for p in 0..c.params.len() {
            if distinct[p] > 0 {
                t.value_unk[p] = 1.0 / (truthy[p] + distinct[p] + 1) as f64;
            }
        }
        for &(p, v, cnt) in &c.param_values {
            let d = (truthy[p as usize] + distinct[p as usize] + 1) as f64;
            t.value_prob.insert((p, v), (cnt + 1) as f64 / d);
        }
        match overrides {
            Some(names) => {
                for name in names {
                    if let Some(&p) = t.param_index.get(name) {
                        t.modellable[p as usize] = true;
                    }
                }
                t.modellable_names = names.to_vec();
            }
            None => {
                // msticpy's heuristic on raw counts (spec §7): at most 20 distinct
                // values, at least 20 occurrences, distinct/occurrences <= 10%.
                for (p, (&d, &cnt)) in distinct.iter().zip(&c.param_counts).enumerate() {
                    if (1..=20).contains(&d) && cnt >= 20 && 10 * d <= cnt {
                        t.modellable[p] = true;
                        t.modellable_names.push(c.params[p].clone());
                    }
                }
            }
        }
        t.modellable_names.sort();
        t.modellable_names.dedup();
        Ok(t)
    }
}
