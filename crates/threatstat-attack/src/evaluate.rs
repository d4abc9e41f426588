//! Evaluation on real held-out data: the OTRF Security-Datasets captures.
//!
//! Every OTRF dataset is a lab execution of one or more techniques; its
//! metadata lists them (`attack_mappings`, in the order of the simulation
//! for the compound datasets), each with its tactics. The bundled
//! `data/otrf/attack_mappings.csv` holds those lists, one row per mapping.
//! Taken in that order and mapped to tactics (one per mapping: the
//! mapping's own tactics, resolved like flow actions when there are
//! several), a dataset gives a *held-out attack chain*: it was not used to
//! fit the model (Attack Flow), was drawn by other people, for other
//! attacks.
//!
//! Each held-out chain with at least two tactics is scored by its
//! log-likelihood ratio against the uniform chain (the correlation score)
//! and compared with
//!
//! * **shuffled chains**: the other orders of its own tactics (all of them
//!   when there are at most 40,320, else a seeded sample). If the model
//!   captured how attacks progress, the real order should rank high among
//!   them (percentile > 0.5). This tests order only.
//! * **random-alert chains**: as many alerts as the dataset has mappings,
//!   each a technique drawn uniformly from the active ATT&CK techniques
//!   (the alerts of rules firing at random: defense evasion, the largest
//!   tactic, comes up most) and resolved to a tactic the same way. This
//!   tests order and content; it is the "benign" reference, as no real
//!   benign tactic chains exist.
//!
//! The percentile of a real chain among its comparison chains (ties count
//! half) averaged over chains is the probability that a real chain outranks
//! a comparison chain of the same kind (an AUC). The pooled ranking of all
//! real and random chains gives an average precision.

use crate::AttackError;
use crate::catalogue::{Catalogue, IdClass};
use crate::model::{ChainParams, Ending, TacticChainModel};
use crate::resolve::TacticResolver;
use serde::Serialize;
use std::path::Path;
use threatstat_core::rng::SplitMix64;
use threatstat_core::{Error, Location};

/// One technique mapping of an OTRF dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtrfStep {
    /// Technique id as given (e.g. `T1003.001`, or the placeholder `T0000`).
    pub technique: String,
    /// Tactic ids the mapping lists.
    pub tactics: Vec<String>,
    /// 1-based line in the mappings file.
    pub line: u64,
}

/// One OTRF dataset with its mappings in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtrfDataset {
    /// Dataset id (`SDWIN-...` or a UUID for compound datasets).
    pub id: String,
    /// `atomic` or `compound`.
    pub kind: String,
    /// Platforms, `;`-separated.
    pub platform: String,
    /// Title.
    pub title: String,
    /// Mappings in metadata order.
    pub steps: Vec<OtrfStep>,
}

/// Reads `attack_mappings.csv` (`id,type,platform,title,step,technique,tactics`).
pub fn read_otrf_mappings(path: &Path) -> Result<Vec<OtrfDataset>, AttackError> {
    let mut t = threatstat_core::reader::CsvTable::open(path)?;
    let cols: Vec<usize> = [
        "id",
        "type",
        "platform",
        "title",
        "step",
        "technique",
        "tactics",
    ]
    .iter()
    .map(|c| t.column(c))
    .collect::<Result<_, _>>()?;
    let mut rec = csv::ByteRecord::new();
    let mut out: Vec<OtrfDataset> = Vec::new();
    let mut steps: Vec<Vec<(u64, OtrfStep)>> = Vec::new();
    while let Some(line) = t.next_record(&mut rec)? {
        let f = |i: usize| -> Result<String, Error> {
            Ok(t.field(&rec, cols[i], line)?.trim().to_string())
        };
        let id = f(0)?;
        if id.is_empty() {
            return Err(Error::parse(t.location(line, cols[0]), "empty dataset id").into());
        }
        let step: u64 = f(4)?.parse().map_err(|_| {
            Error::parse(t.location(line, cols[4]), "expected a positive step number")
        })?;
        if out.last().is_none_or(|d| d.id != id) {
            if out.iter().any(|d| d.id == id) {
                return Err(Error::parse(
                    t.location(line, cols[0]),
                    format!("the rows of dataset `{id}` are not contiguous"),
                )
                .into());
            }
            out.push(OtrfDataset {
                id,
                kind: f(1)?,
                platform: f(2)?,
                title: f(3)?,
                steps: Vec::new(),
            });
            steps.push(Vec::new());
        }
        let tactics = f(6)?
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        steps.last_mut().expect("pushed").push((
            step,
            OtrfStep {
                technique: f(5)?,
                tactics,
                line,
            },
        ));
    }
    for (d, mut s) in out.iter_mut().zip(steps) {
        s.sort_by_key(|x| x.0);
        d.steps = s.into_iter().map(|x| x.1).collect();
    }
    Ok(out)
}

/// A held-out chain built from an OTRF dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldOutChain {
    /// Dataset id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `atomic` or `compound`.
    pub kind: String,
    /// Techniques of the usable mappings, in order.
    pub techniques: Vec<String>,
    /// Their tactics (kill-chain indices), in order, not collapsed.
    pub tactics: Vec<usize>,
}

/// Turns datasets into chains; mappings whose technique is not in the
/// catalogue (the placeholder `T0000`) are left out and reported with
/// file, line and field in the returned messages.
pub fn held_out_chains(
    datasets: &[OtrfDataset],
    path: &Path,
    resolver: &TacticResolver,
) -> (Vec<HeldOutChain>, Vec<String>) {
    let cat: &Catalogue = resolver.catalogue();
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for d in datasets {
        let mut techniques = Vec::new();
        let mut tactics = Vec::new();
        for s in &d.steps {
            let loc = Location::file(path).at_line(s.line).in_field("technique");
            let IdClass::Technique(q) = cat.classify(&s.technique) else {
                notes.push(format!(
                    "{loc}: {}; mapping left out of `{}`",
                    cat.unknown_label(&s.technique, cat.classify(&s.technique)),
                    d.id
                ));
                continue;
            };
            let tech = &cat.techniques()[q];
            let listed: Vec<usize> = s
                .tactics
                .iter()
                .filter_map(|t| cat.tactics().index_of(t))
                .collect();
            let r = if listed.is_empty() {
                resolver.resolve_technique(tech)
            } else {
                Some(resolver.resolve_among(Some(&tech.id), &listed))
            };
            match r {
                Some(r) => {
                    techniques.push(tech.id.clone());
                    tactics.push(r.tactic);
                }
                None => notes.push(format!(
                    "{loc}: {} has no tactic; mapping left out of `{}`",
                    tech.id, d.id
                )),
            }
        }
        if !tactics.is_empty() {
            out.push(HeldOutChain {
                id: d.id.clone(),
                title: d.title.clone(),
                kind: d.kind.clone(),
                techniques,
                tactics,
            });
        }
    }
    (out, notes)
}

/// Settings of [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvaluationParams {
    /// Random orders per chain when there are more than 40,320 (default 2,000).
    pub shuffles: usize,
    /// Random-alert chains per real chain (default 2,000).
    pub random_per_chain: usize,
    /// Seed (default 1).
    pub seed: u64,
    /// Only chains with at least this many tactics after collapsing (default 2).
    pub min_tactics: usize,
    /// Score complete chains (with END) or open ones.
    pub ending: Ending,
}

impl Default for EvaluationParams {
    fn default() -> Self {
        EvaluationParams {
            shuffles: 2000,
            random_per_chain: 2000,
            seed: 1,
            min_tactics: 2,
            ending: Ending::Complete,
        }
    }
}

/// The evaluation of one held-out chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainEvaluation {
    /// Dataset id.
    pub id: String,
    /// Title.
    pub title: String,
    /// `atomic` or `compound`.
    pub kind: String,
    /// The scored chain (tactic ids).
    pub chain: Vec<String>,
    /// Log-likelihood under the attack model.
    pub log_likelihood: f64,
    /// Log-likelihood ratio against the uniform chain.
    pub log_likelihood_ratio: f64,
    /// Number of other orders compared.
    pub orders: usize,
    /// Whether every distinct order was compared.
    pub all_orders: bool,
    /// Share of orders with a lower ratio (ties half).
    pub order_percentile: f64,
    /// Share of random-alert chains with a lower ratio (ties half).
    pub random_percentile: f64,
}

/// The evaluation of all held-out chains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Chains evaluated.
    pub chains: Vec<ChainEvaluation>,
    /// Mean of the order percentiles (the AUC of real against shuffled orders).
    pub mean_order_percentile: f64,
    /// Chains whose real order beats the median order (percentile > 0.5).
    pub chains_above_median_order: usize,
    /// Mean of the random-chain percentiles (the AUC of real against random-alert chains).
    pub mean_random_percentile: f64,
    /// Ranks (1-based) of the real chains when pooled with all random-alert chains.
    pub pooled_ranks: Vec<usize>,
    /// Size of the pool.
    pub pool_size: usize,
}

/// Evaluates `model` on held-out chains (see the module documentation).
///
/// ```
/// use threatstat_attack::evaluate::{EvaluationParams, evaluate, held_out_chains, read_otrf_mappings};
/// use threatstat_attack::{Catalogue, TacticChain, TacticResolver};
/// let p = std::env::temp_dir().join("threatstat-attack-doc-otrf.csv");
/// std::fs::write(&p, "id,type,platform,title,step,technique,tactics\n\
///     D1,compound,Windows,Phish then run,1,T1566.001,TA0001\n\
///     D1,compound,Windows,Phish then run,2,T1059.001,TA0002\n\
///     D2,atomic,Windows,One step,1,T1003.001,TA0006\n").unwrap();
/// let cat = Catalogue::bundled();
/// let model = TacticChain::params().order(1).alpha(1.0)
///     .fit_sequences(cat.tactics(), &[vec![2, 3], vec![2, 3, 6]]).unwrap();
/// let resolver = TacticResolver::new(cat, model.votes());
/// let (chains, notes) = held_out_chains(&read_otrf_mappings(&p).unwrap(), &p, &resolver);
/// assert_eq!((chains.len(), notes.len()), (2, 0));
/// let params = EvaluationParams { random_per_chain: 200, ..Default::default() };
/// let ev = evaluate(&model, &chains, &resolver, &params).unwrap();
/// assert_eq!(ev.chains.len(), 1); // D2 has one tactic
/// assert_eq!(ev.chains[0].order_percentile, 0.75); // IA>EX beats EX>IA (ties count half)
/// ```
pub fn evaluate(
    model: &TacticChainModel,
    chains: &[HeldOutChain],
    resolver: &TacticResolver,
    params: &EvaluationParams,
) -> Result<Evaluation, AttackError> {
    let uniform = ChainParams::default()
        .order(model.order())
        .collapse_repeats(model.collapse_repeats())
        .uniform(model.tactics())?;
    let llr = |s: &[usize]| -> Result<f64, AttackError> {
        Ok(model.log_likelihood(s, params.ending)? - uniform.log_likelihood(s, params.ending)?)
    };
    let cat = resolver.catalogue();
    // The alert population of the random chains: active techniques with a tactic.
    let pool: Vec<usize> = cat
        .techniques()
        .iter()
        .filter(|t| t.is_active() && !t.tactics.is_empty())
        .filter_map(|t| resolver.resolve_technique(t).map(|r| r.tactic))
        .collect();
    if pool.is_empty() {
        return Err(Error::data("catalogue", "no active technique has a tactic").into());
    }
    let mut rng = SplitMix64::new(params.seed);
    let mut evals = Vec::new();
    let mut pooled: Vec<(f64, bool)> = Vec::new();
    for c in chains {
        let chain = model.prepare(&c.tactics);
        if chain.len() < params.min_tactics.max(1) {
            continue;
        }
        let real = llr(&chain)?;
        let (orders, all) = orders_of(&chain, params.shuffles, &mut rng);
        let mut below = 0.0;
        for o in &orders {
            let v = llr(o)?;
            below += if v < real {
                1.0
            } else if v == real {
                0.5
            } else {
                0.0
            };
        }
        let order_percentile = below / orders.len() as f64;
        let mut below_r = 0.0;
        for _ in 0..params.random_per_chain {
            let s: Vec<usize> = (0..c.tactics.len())
                .map(|_| pool[rng.below_exact(pool.len() as u64) as usize])
                .collect();
            let v = llr(&s)?;
            pooled.push((v, false));
            below_r += if v < real {
                1.0
            } else if v == real {
                0.5
            } else {
                0.0
            };
        }
        pooled.push((real, true));
        evals.push(ChainEvaluation {
            id: c.id.clone(),
            title: c.title.clone(),
            kind: c.kind.clone(),
            chain: chain
                .iter()
                .map(|&t| model.tactics().id(t).to_string())
                .collect(),
            log_likelihood: model.log_likelihood(&chain, params.ending)?,
            log_likelihood_ratio: real,
            orders: orders.len(),
            all_orders: all,
            order_percentile,
            random_percentile: if params.random_per_chain == 0 {
                f64::NAN
            } else {
                below_r / params.random_per_chain as f64
            },
        });
    }
    if evals.is_empty() {
        return Err(Error::data(
            "chains",
            format!(
                "no held-out chain has at least {} tactics",
                params.min_tactics
            ),
        )
        .into());
    }
    // Pooled ranking: by ratio, real chains after random ones on ties (conservative).
    pooled.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let ranks: Vec<usize> = pooled
        .iter()
        .enumerate()
        .filter(|(_, x)| x.1)
        .map(|(i, _)| i + 1)
        .collect();
    let n = evals.len() as f64;
    Ok(Evaluation {
        mean_order_percentile: evals.iter().map(|e| e.order_percentile).sum::<f64>() / n,
        chains_above_median_order: evals.iter().filter(|e| e.order_percentile > 0.5).count(),
        mean_random_percentile: evals.iter().map(|e| e.random_percentile).sum::<f64>() / n,
        pool_size: pooled.len(),
        pooled_ranks: ranks,
        chains: evals,
    })
}

/// Every distinct order of `chain` (including itself) when there are at
/// most 40,320 permutations, else `samples` seeded random orders.
fn orders_of(chain: &[usize], samples: usize, rng: &mut SplitMix64) -> (Vec<Vec<usize>>, bool) {
    let n = chain.len();
    if n <= 8 {
        let mut v = chain.to_vec();
        v.sort_unstable();
        let mut out = vec![v.clone()];
        while next_permutation(&mut v) {
            out.push(v.clone());
        }
        (out, true)
    } else {
        let mut out = Vec::with_capacity(samples.max(1));
        for _ in 0..samples.max(1) {
            let mut v = chain.to_vec();
            rng.shuffle(&mut v);
            out.push(v);
        }
        (out, false)
    }
}

/// The next lexicographic permutation; false after the last.
fn next_permutation(v: &mut [usize]) -> bool {
    let n = v.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_distinct_and_complete() {
        let mut rng = SplitMix64::new(1);
        let (o, all) = orders_of(&[3, 1, 2], 10, &mut rng);
        assert!(all);
        assert_eq!(o.len(), 6);
        let (o, _) = orders_of(&[1, 2, 1], 10, &mut rng);
        assert_eq!(o.len(), 3);
    }
}
