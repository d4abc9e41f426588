//! Deep Feature Synthesis on the session entity set, reproducing the
//! feature list featuretools 1.31 builds for it.
//!
//! With the entity set of [`crate::entity`] (`log` → `name_host_pairs` →
//! `sessions`, log variables `secs` (numeric time index), `auth_type`,
//! `login_type`, `stage`, `result` (categorical), `success` (boolean,
//! `result == "Success"`, so that `PERCENT_TRUE` has an input), pair
//! variables `src_host`, `dest_host` and time index `first_log_time`, session
//! variables `src_name`, `dest_name` and time index
//! `first_name_host_pairs_time`) and the aggregation primitives COUNT, SUM,
//! MEAN, STD, SKEW, MIN, MAX, NUM_UNIQUE, MODE, PERCENT_TRUE, featuretools'
//! `dfs(target_dataframe_name="sessions")` builds 116 features, the same at
//! `max_depth` 2 and 3 (checked: featuretools aggregates over the
//! grand-child `log` directly at depth 1, so depth 3 finds nothing new here).
//! [`Dfs`] builds exactly those, with the same names, plus two this crate
//! adds: `TIME_SINCE_FIRST(log.secs)` and `TIME_SINCE_LAST(log.secs)`
//! (seconds from the first and last row before the cutoff to the cutoff;
//! featuretools only offers them for datetime time indexes). Depth 1 keeps
//! the 32 features of depth at most 1.
//!
//! featuretools' stacking rules that shape the list: an aggregation is not
//! stacked on itself except `MEAN` (`MAX(name_host_pairs.MAX(log.secs))` is
//! not built), `SUM` is not stacked on `COUNT`, and aggregations never go
//! back along the path they came (no `log.name_host_pairs.COUNT(log)`).
//!
//! Some features are a clock reading rather than behaviour: the session's
//! first time, `MIN/MAX/MEAN/SUM` of `log.secs` or of a pair's
//! `first_log_time`, and their stacks (`MEAN(name_host_pairs.MIN(log.secs))`).
//! They tell when a session happened, so a forest can learn "sessions of
//! day 3 were bad" from a shuffled split. [`encodes_absolute_time`] marks
//! them (26 of the 118 at depth 2 and 3); `STD`, `SKEW` and
//! `TIME_SINCE_*` of times do not move when the clock is shifted and are
//! not marked.
//!
//! Values follow [`crate::agg`]. Only rows strictly before a cutoff are
//! used; a pair exists at a cutoff only if it has such a row, and a session
//! without one has missing variables (`src_name`, `dest_name`, its first
//! time), counts of 0 and missing statistics, as featuretools gives.

use crate::FeaturesError;
use crate::agg::{NumAgg, mode, num_unique};
use crate::entity::{EntitySet, LabelTimes};
use rayon::prelude::*;

/// What a feature holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// A number (NaN when missing).
    Numeric,
    /// A category (a code into [`FeatureMatrix::levels`]), or missing.
    Categorical,
}

/// One value of a feature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A number (NaN when missing).
    Num(f64),
    /// A category code, or missing.
    Cat(Option<u32>),
}

/// A feature matrix: one row per cutoff, one column per feature.
#[derive(Debug, Clone)]
pub struct FeatureMatrix {
    /// Feature names, featuretools style.
    pub names: Vec<String>,
    /// The kind of each feature.
    pub kinds: Vec<FeatureKind>,
    /// The values, row-major (`rows × names.len()`).
    pub values: Vec<Value>,
    /// The strings of category codes.
    pub levels: Vec<String>,
    /// `session_id` of each row.
    pub row_ids: Vec<String>,
    /// Cutoff time of each row.
    pub row_times: Vec<i64>,
}

impl FeatureMatrix {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.row_ids.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.names.len()
    }

    /// Value of feature `j` in row `i`.
    pub fn get(&self, i: usize, j: usize) -> Value {
        self.values[i * self.names.len() + j]
    }

    /// The column of feature `name`, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Whether feature `j` encodes absolute time ([`encodes_absolute_time`]).
    pub fn absolute_time(&self, j: usize) -> bool {
        encodes_absolute_time(&self.names[j])
    }

    /// The value of feature `j` in row `i` as text (`""` when missing).
    pub fn text(&self, i: usize, j: usize) -> String {
        match self.get(i, j) {
            Value::Num(x) if x.is_nan() => String::new(),
            Value::Num(x) => threatstat_core::pyfmt::py_repr(x),
            Value::Cat(None) => String::new(),
            Value::Cat(Some(c)) => self.levels[c as usize].clone(),
        }
    }
}

/// Whether the feature named `name` moves with the clock: it aggregates a
/// time variable (`log.secs`, a pair's `first_log_time`, the session's
/// `first_name_host_pairs_time`) through `MIN`, `MAX`, `MEAN` or `SUM` only.
/// A `STD` or `SKEW` anywhere in the stack, and `TIME_SINCE_FIRST/LAST`,
/// give differences of times and are not absolute.
///
/// ```
/// use threatstat_features::dfs::encodes_absolute_time as abs;
/// assert!(abs("MAX(log.secs)") && abs("first_name_host_pairs_time"));
/// assert!(abs("MEAN(name_host_pairs.MIN(log.secs))"));
/// assert!(abs("SUM(log.name_host_pairs.first_log_time)"));
/// assert!(!abs("STD(log.secs)") && !abs("MAX(name_host_pairs.SKEW(log.secs))"));
/// assert!(!abs("TIME_SINCE_LAST(log.secs)") && !abs("COUNT(log)"));
/// ```
pub fn encodes_absolute_time(name: &str) -> bool {
    let time_variable = name.contains("log.secs")
        || name.contains("first_log_time")
        || name == "first_name_host_pairs_time";
    let differences =
        name.contains("STD(") || name.contains("SKEW(") || name.starts_with("TIME_SINCE_");
    time_variable && !differences
}

/// Parameters of Deep Feature Synthesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DfsParams {
    depth: usize,
}

/// Deep Feature Synthesis on sessions; see the [module docs](self).
///
/// ```
/// use threatstat_features::dfs::Dfs;
/// use threatstat_features::entity::{EntitySet, LabelTimes};
/// use threatstat_features::log::{AuthLog, AuthRow};
/// let rows: Vec<_> = (0..6).map(|t| AuthRow { secs: t, malicious: false,
///     fields: ["U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success"] }).collect();
/// let es = EntitySet::new(AuthLog::from_rows(&rows));
/// let lt = LabelTimes::params().generate(&es).unwrap();
/// let fm = Dfs::params().depth(3).compute(&es, &lt).unwrap();
/// assert_eq!(fm.n_features(), 118);
/// let j = fm.column("MEAN(name_host_pairs.COUNT(log))").unwrap();
/// assert_eq!(fm.text(0, j), "2.0"); // rows 0 and 1 precede the cutoff at 2
/// assert_eq!(Dfs::params().depth(1).compute(&es, &lt).unwrap().n_features(), 32);
/// let absolute = (0..fm.n_features()).filter(|&j| fm.absolute_time(j)).count();
/// assert_eq!(absolute, 26);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Dfs;

impl Dfs {
    /// Default parameters: depth 2.
    pub fn params() -> DfsParams {
        DfsParams { depth: 2 }
    }
}

const LOG_CATS: [(usize, &str); 4] = [
    (4, "auth_type"),
    (5, "login_type"),
    (7, "result"),
    (6, "stage"),
];

/// Numeric features of a pair (depth 1 on `name_host_pairs`), in order.
fn pair_numeric_names() -> Vec<String> {
    let mut v = vec!["COUNT(log)".to_string()];
    for a in NumAgg::ALL {
        v.push(format!("{}(log.secs)", a.name()));
    }
    for (_, c) in LOG_CATS {
        v.push(format!("NUM_UNIQUE(log.{c})"));
    }
    v.push("PERCENT_TRUE(log.success)".into());
    v
}

/// Whether featuretools stacks `outer` on the pair feature `inner`.
fn stacks(outer: NumAgg, inner: &str) -> bool {
    let same = inner.starts_with(&format!("{}(", outer.name()));
    let self_ok = outer == NumAgg::Mean;
    (!same || self_ok) && !(outer == NumAgg::Sum && inner == "COUNT(log)")
}

impl DfsParams {
    /// Maximum stacking depth (default 2; 1, 2 or 3; 3 builds what 2 does,
    /// as featuretools on this entity set).
    pub fn depth(mut self, d: usize) -> Self {
        self.depth = d;
        self
    }

    /// The feature names and kinds at this depth.
    pub fn features(&self) -> Result<Vec<(String, FeatureKind)>, FeaturesError> {
        if !(1..=3).contains(&self.depth) {
            return Err(threatstat_core::Error::param("depth", self.depth, "1, 2 or 3").into());
        }
        use FeatureKind::{Categorical as C, Numeric as N};
        let mut f: Vec<(String, FeatureKind)> = vec![
            ("src_name".into(), C),
            ("dest_name".into(), C),
            ("first_name_host_pairs_time".into(), N),
            ("COUNT(name_host_pairs)".into(), N),
        ];
        for a in NumAgg::ALL {
            f.push((format!("{}(name_host_pairs.first_log_time)", a.name()), N));
        }
        for h in ["dest_host", "src_host"] {
            f.push((format!("MODE(name_host_pairs.{h})"), C));
            f.push((format!("NUM_UNIQUE(name_host_pairs.{h})"), N));
        }
        f.push(("COUNT(log)".into(), N));
        for a in NumAgg::ALL {
            f.push((format!("{}(log.secs)", a.name()), N));
        }
        for (_, c) in LOG_CATS {
            f.push((format!("MODE(log.{c})"), C));
            f.push((format!("NUM_UNIQUE(log.{c})"), N));
        }
        f.push(("PERCENT_TRUE(log.success)".into(), N));
        f.push(("TIME_SINCE_FIRST(log.secs)".into(), N));
        f.push(("TIME_SINCE_LAST(log.secs)".into(), N));
        if self.depth >= 2 {
            for a in NumAgg::ALL {
                for inner in pair_numeric_names() {
                    if stacks(a, &inner) {
                        f.push((format!("{}(name_host_pairs.{inner})", a.name()), N));
                    }
                }
            }
            for (_, c) in LOG_CATS {
                f.push((format!("MODE(name_host_pairs.MODE(log.{c}))"), C));
                f.push((format!("NUM_UNIQUE(name_host_pairs.MODE(log.{c}))"), N));
            }
            for a in NumAgg::ALL {
                f.push((
                    format!("{}(log.name_host_pairs.first_log_time)", a.name()),
                    N,
                ));
            }
            for h in ["dest_host", "session_id", "src_host"] {
                f.push((format!("MODE(log.name_host_pairs.{h})"), C));
                f.push((format!("NUM_UNIQUE(log.name_host_pairs.{h})"), N));
            }
        }
        Ok(f)
    }

    /// Computes the features of every cutoff of `labels` (rows in the
    /// order of `labels.cutoffs`), in parallel over cutoffs; the result does
    /// not depend on the number of threads.
    pub fn compute(
        &self,
        es: &EntitySet,
        labels: &LabelTimes,
    ) -> Result<FeatureMatrix, FeaturesError> {
        let feats = self.features()?;
        // Category codes: the log's interned names, then the session ids.
        let n_names = es.log.names.len();
        let mut levels: Vec<String> = es.log.names.strings().map(str::to_string).collect();
        levels.extend((0..es.n_sessions()).map(|s| es.session_id(s)));
        let mut order: Vec<u32> = (0..levels.len() as u32).collect();
        order.sort_by(|&a, &b| levels[a as usize].cmp(&levels[b as usize]));
        let mut rank = vec![0u32; levels.len()];
        for (r, &c) in order.iter().enumerate() {
            rank[c as usize] = r as u32;
        }
        let ctx = Ctx {
            es,
            rank: &rank,
            n_names: n_names as u32,
            depth: self.depth,
        };
        let width = feats.len();
        let rows: Vec<Vec<Value>> = labels
            .cutoffs
            .par_iter()
            .map(|c| {
                let mut out = Vec::with_capacity(width);
                ctx.session(c.session as usize, c.time, &mut out);
                out
            })
            .collect();
        let mut values = Vec::with_capacity(rows.len() * width);
        for r in rows {
            debug_assert_eq!(r.len(), width);
            values.extend(r);
        }
        let (names, kinds) = feats.into_iter().unzip();
        Ok(FeatureMatrix {
            names,
            kinds,
            values,
            levels,
            row_ids: labels
                .cutoffs
                .iter()
                .map(|c| es.session_id(c.session as usize))
                .collect(),
            row_times: labels.cutoffs.iter().map(|c| c.time).collect(),
        })
    }
}

struct Ctx<'a> {
    es: &'a EntitySet,
    rank: &'a [u32],
    n_names: u32,
    depth: usize,
}

/// A pair's depth-1 features at a cutoff.
struct PairVals {
    pair: u32,
    numeric: Vec<f64>,
    modes: [Option<u32>; 4],
    first: f64,
    rows: Vec<u32>,
}

impl Ctx<'_> {
    fn session(&self, s: usize, cutoff: i64, out: &mut Vec<Value>) {
        let es = self.es;
        let log = &es.log;
        let rows = es.rows_before(s, cutoff);
        let secs: Vec<f64> = rows.iter().map(|&r| log.secs[r as usize] as f64).collect();
        // Pairs in order of first row.
        let mut pairs: Vec<PairVals> = Vec::new();
        for &r in rows {
            let p = es.pair_of_row[r as usize];
            match pairs.iter_mut().find(|q| q.pair == p) {
                Some(q) => q.rows.push(r),
                None => pairs.push(PairVals {
                    pair: p,
                    numeric: Vec::new(),
                    modes: [None; 4],
                    first: log.secs[r as usize] as f64,
                    rows: vec![r],
                }),
            }
        }
        let success = |r: u32| {
            let v = log.names.resolve(log.cat[7][r as usize]);
            if v == "Success" { 1.0 } else { 0.0 }
        };
        let pct = |rows: &[u32]| {
            if rows.is_empty() {
                f64::NAN
            } else {
                rows.iter().map(|&r| success(r)).sum::<f64>() / rows.len() as f64
            }
        };
        for q in pairs.iter_mut() {
            let ps: Vec<f64> = q
                .rows
                .iter()
                .map(|&r| log.secs[r as usize] as f64)
                .collect();
            q.numeric.push(q.rows.len() as f64);
            for a in NumAgg::ALL {
                q.numeric.push(a.apply(&ps));
            }
            for (k, (col, _)) in LOG_CATS.iter().enumerate() {
                let it = || q.rows.iter().map(|&r| Some(log.cat[*col][r as usize]));
                q.numeric.push(num_unique(it()));
                q.modes[k] = mode(it(), self.rank);
            }
            q.numeric.push(pct(&q.rows));
        }
        // A session with no row before the cutoff does not exist yet, as in
        // featuretools: its variables are missing too.
        let known = !rows.is_empty();
        let [src, dest] = es.session_names[s];
        out.push(Value::Cat(known.then_some(src)));
        out.push(Value::Cat(known.then_some(dest)));
        out.push(Value::Num(secs.first().copied().unwrap_or(f64::NAN)));
        out.push(Value::Num(pairs.len() as f64));
        let firsts: Vec<f64> = pairs.iter().map(|q| q.first).collect();
        for a in NumAgg::ALL {
            out.push(Value::Num(a.apply(&firsts)));
        }
        for h in [1usize, 0] {
            let it = || {
                pairs
                    .iter()
                    .map(|q| Some(es.pair_hosts[q.pair as usize][h]))
            };
            out.push(Value::Cat(mode(it(), self.rank)));
            out.push(Value::Num(num_unique(it())));
        }
        out.push(Value::Num(rows.len() as f64));
        for a in NumAgg::ALL {
            out.push(Value::Num(a.apply(&secs)));
        }
        for (col, _) in LOG_CATS {
            let it = || rows.iter().map(|&r| Some(log.cat[col][r as usize]));
            out.push(Value::Cat(mode(it(), self.rank)));
            out.push(Value::Num(num_unique(it())));
        }
        out.push(Value::Num(pct(rows)));
        let c = cutoff as f64;
        out.push(Value::Num(secs.first().map_or(f64::NAN, |f| c - f)));
        out.push(Value::Num(secs.last().map_or(f64::NAN, |l| c - l)));
        if self.depth < 2 {
            return;
        }
        let inner = pair_numeric_names();
        let mut col = Vec::with_capacity(pairs.len());
        for a in NumAgg::ALL {
            for (k, name) in inner.iter().enumerate() {
                if stacks(a, name) {
                    col.clear();
                    col.extend(pairs.iter().map(|q| q.numeric[k]));
                    out.push(Value::Num(a.apply(&col)));
                }
            }
        }
        for k in 0..LOG_CATS.len() {
            let it = || pairs.iter().map(|q| q.modes[k]);
            out.push(Value::Cat(mode(it(), self.rank)));
            out.push(Value::Num(num_unique(it())));
        }
        // Aggregations over log rows of their pair's variables.
        let row_first: Vec<f64> = rows
            .iter()
            .map(|&r| {
                let p = es.pair_of_row[r as usize];
                pairs
                    .iter()
                    .find(|q| q.pair == p)
                    .map_or(f64::NAN, |q| q.first)
            })
            .collect();
        for a in NumAgg::ALL {
            out.push(Value::Num(a.apply(&row_first)));
        }
        let session_code = self.n_names + s as u32;
        for h in [Some(1usize), None, Some(0)] {
            let it = || {
                rows.iter().map(|&r| {
                    Some(match h {
                        Some(h) => es.pair_hosts[es.pair_of_row[r as usize] as usize][h],
                        None => session_code,
                    })
                })
            };
            out.push(Value::Cat(mode(it(), self.rank)));
            out.push(Value::Num(num_unique(it())));
        }
    }
}
