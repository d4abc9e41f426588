//! Alert correlation: each entity's alerts as a tactic chain, scored against
//! the attack model and a baseline.
//!
//! Alerts are rows `entity, time, technique_or_tactic` (a user or host, an
//! ISO-8601 time or a number of seconds, and a technique id, tactic id,
//! tactic short name or name). Per entity the alerts are put in time order
//! (ties keep file order), mapped to tactics ([`TacticResolver`], with the
//! attack model's votes) and merged into a chain (consecutive repeats
//! collapsed when the model does). The chain gets
//!
//! * `log_probability`: its natural-log probability under the attack model;
//! * `log_likelihood_ratio`: that minus its log-probability under the
//!   baseline: a model fitted on benign chains when there are some, else
//!   the uniform chain (every step equally likely among allowed states).
//!
//! Entities are ranked by the ratio (largest first; ties by
//! log-probability, then entity name). The ratio is the evidence, in nats,
//! that the entity's sequence of tactics follows attack progressions
//! rather than the baseline; it grows with the chain's length, as evidence
//! should.

use crate::AttackError;
use crate::model::{Ending, TacticChainModel};
use crate::resolve::TacticResolver;
use rustc_hash::FxHashMap;
use std::io::Write;
use std::path::Path;
use threatstat_core::reader::CsvTable;
use threatstat_core::time::{NS_PER_S, parse_timestamp};
use threatstat_core::{BadRowPolicy, Error, SkipReport};

/// Column names of an alerts CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertColumns {
    /// The entity (user or host) column (default `entity`).
    pub entity: String,
    /// The time column (default `time`).
    pub time: String,
    /// The technique-or-tactic column (default `technique_or_tactic`).
    pub label: String,
}

impl Default for AlertColumns {
    fn default() -> Self {
        AlertColumns {
            entity: "entity".into(),
            time: "time".into(),
            label: "technique_or_tactic".into(),
        }
    }
}

/// One alert with its tactic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// User or host.
    pub entity: String,
    /// Nanoseconds since the Unix epoch (UTC).
    pub time_ns: i64,
    /// The label as given.
    pub label: String,
    /// Its tactic (kill-chain index).
    pub tactic: usize,
    /// 1-based line in the file (0 for alerts built in code).
    pub line: u64,
}

/// Parses a time: ISO-8601 (see [`threatstat_core::time::parse_timestamp`])
/// or a plain number of seconds since an epoch (e.g. LANL's relative times).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if let Ok(ns) = parse_timestamp(t) {
        return Ok(ns);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && x.abs() < 9.0e9 => Ok((x * NS_PER_S as f64).round() as i64),
        _ => Err(format!(
            "expected an ISO-8601 time (2024-05-01T12:00:00Z) or a number of seconds, found `{t}`"
        )),
    }
}

/// Reads an alerts CSV (gzip allowed), resolving every label to a tactic.
/// Bad rows (empty entity, bad time, unknown or foreign label) stop the
/// read with file, line and column, or are skipped and counted under
/// [`BadRowPolicy::Skip`].
///
/// ```
/// use threatstat_attack::correlate::{AlertColumns, entity_chains, read_alerts};
/// use threatstat_attack::{Catalogue, TacticResolver, TacticVotes};
/// use threatstat_core::BadRowPolicy;
/// let p = std::env::temp_dir().join("threatstat-attack-doc-alerts.csv");
/// std::fs::write(&p, "entity,time,technique_or_tactic\n\
///     h1,2024-05-01T10:05:00Z,T1059.001\nh1,2024-05-01T10:00:00Z,Initial Access\nh2,60,TA0007\n").unwrap();
/// let votes = TacticVotes::new();
/// let resolver = TacticResolver::new(Catalogue::bundled(), &votes);
/// let (alerts, skipped) = read_alerts(&p, &AlertColumns::default(), &resolver, BadRowPolicy::Error).unwrap();
/// assert_eq!((alerts.len(), skipped.skipped), (3, 0));
/// let chains = entity_chains(&alerts);
/// assert_eq!(chains[0].tactics, vec![2, 3]); // time order: Initial Access, then Execution
/// ```
pub fn read_alerts(
    path: &Path,
    columns: &AlertColumns,
    resolver: &TacticResolver,
    policy: BadRowPolicy,
) -> Result<(Vec<Alert>, SkipReport), AttackError> {
    let mut t = CsvTable::open(path)?;
    let (ce, ct, cl) = (
        t.column(&columns.entity)?,
        t.column(&columns.time)?,
        t.column(&columns.label)?,
    );
    let mut rec = csv::ByteRecord::new();
    let mut out = Vec::new();
    let mut skipped = SkipReport::default();
    loop {
        let line = match t.next_record(&mut rec) {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e @ Error::Io { .. }) => return Err(e.into()),
            Err(e) => {
                skipped.handle(policy, e)?;
                continue;
            }
        };
        let row = (|| -> Result<Alert, Error> {
            let entity = t.field(&rec, ce, line)?.trim().to_string();
            if entity.is_empty() {
                return Err(Error::parse(t.location(line, ce), "empty entity"));
            }
            let time_ns = parse_time(t.field(&rec, ct, line)?)
                .map_err(|m| Error::parse(t.location(line, ct), m))?;
            let label = t.field(&rec, cl, line)?.trim().to_string();
            if label.is_empty() {
                return Err(Error::parse(
                    t.location(line, cl),
                    "empty label (expected a technique or tactic id)",
                ));
            }
            let (tactic, _) = resolver
                .resolve_label(&label)
                .map_err(|e| Error::parse(t.location(line, cl), e.to_string()))?;
            Ok(Alert {
                entity,
                time_ns,
                label,
                tactic,
                line,
            })
        })();
        match row {
            Ok(a) => out.push(a),
            Err(e) => skipped.handle(policy, e)?,
        }
    }
    Ok((out, skipped))
}

/// One entity's alerts in time order, as tactics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityChain {
    /// The entity.
    pub entity: String,
    /// Number of alerts.
    pub n_alerts: usize,
    /// The alerts' tactics in time order (not collapsed).
    pub tactics: Vec<usize>,
}

/// Groups alerts by entity (entities in name order) and orders each
/// entity's alerts by time, ties in input order.
pub fn entity_chains(alerts: &[Alert]) -> Vec<EntityChain> {
    // Dense entity ids, then one sort of (entity, time, input index).
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut names: Vec<&str> = Vec::new();
    let mut keys: Vec<(u32, i64, usize)> = Vec::with_capacity(alerts.len());
    for (i, a) in alerts.iter().enumerate() {
        let id = *ids.entry(a.entity.as_str()).or_insert_with(|| {
            names.push(a.entity.as_str());
            (names.len() - 1) as u32
        });
        keys.push((id, a.time_ns, i));
    }
    keys.sort_unstable();
    let mut out: Vec<EntityChain> = Vec::with_capacity(names.len());
    for run in keys.chunk_by(|a, b| a.0 == b.0) {
        out.push(EntityChain {
            entity: names[run[0].0 as usize].to_string(),
            n_alerts: run.len(),
            tactics: run.iter().map(|k| alerts[k.2].tactic).collect(),
        });
    }
    out.sort_unstable_by(|a, b| a.entity.cmp(&b.entity));
    out
}

/// An entity's score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EntityScore {
    /// The entity.
    pub entity: String,
    /// Number of alerts.
    pub n_alerts: usize,
    /// The scored chain (tactic ids; repeats merged when the model merges them).
    pub chain: Vec<String>,
    /// Natural-log probability of the chain under the attack model.
    pub log_probability: f64,
    /// Natural-log probability under the baseline.
    pub baseline_log_probability: f64,
    /// `log_probability - baseline_log_probability`.
    pub log_likelihood_ratio: f64,
    /// 1-based rank by the ratio (1 = most attack-like).
    pub rank: usize,
}

/// Scores and ranks entity chains. The baseline must have the same tactics
/// and the same repeat handling as the attack model.
///
/// ```
/// use threatstat_attack::correlate::{EntityChain, rank_entities};
/// use threatstat_attack::{Catalogue, Ending, TacticChain};
/// let t = Catalogue::bundled().tactics();
/// let (ia, ex, di, imp) = (2, 3, 8, 13);
/// let attack = TacticChain::params().alpha(1.0)
///     .fit_sequences(t, &[vec![ia, ex, di], vec![ia, ex, imp], vec![ia, di]]).unwrap();
/// let base = TacticChain::params().uniform(t).unwrap();
/// let chains = vec![
///     EntityChain { entity: "alice".into(), n_alerts: 3, tactics: vec![ia, ex, di] },
///     EntityChain { entity: "bob".into(), n_alerts: 3, tactics: vec![imp, di, ia] },
/// ];
/// let r = rank_entities(&chains, &attack, &base, Ending::Complete).unwrap();
/// assert_eq!((r[0].entity.as_str(), r[0].rank), ("alice", 1));
/// assert!(r[0].log_likelihood_ratio > 0.0 && r[1].log_likelihood_ratio < r[0].log_likelihood_ratio);
/// ```
pub fn rank_entities(
    chains: &[EntityChain],
    attack: &TacticChainModel,
    baseline: &TacticChainModel,
    ending: Ending,
) -> Result<Vec<EntityScore>, AttackError> {
    if attack.tactics() != baseline.tactics() {
        return Err(Error::param(
            "baseline",
            "a model over other tactics",
            "a model over the attack model's tactics",
        )
        .into());
    }
    if attack.collapse_repeats() != baseline.collapse_repeats() {
        return Err(Error::param(
            "baseline",
            format!("a model with collapse_repeats = {}", baseline.collapse_repeats()),
            format!(
                "a model that handles repeated tactics like the attack model (collapse_repeats = {})",
                attack.collapse_repeats()
            ),
        )
        .into());
    }
    let mut out = Vec::with_capacity(chains.len());
    for c in chains {
        if c.tactics.is_empty() {
            return Err(
                Error::data("chains", format!("entity `{}` has no alerts", c.entity)).into(),
            );
        }
        let lp = attack.log_likelihood(&c.tactics, ending)?;
        let lb = baseline.log_likelihood(&c.tactics, ending)?;
        out.push(EntityScore {
            entity: c.entity.clone(),
            n_alerts: c.n_alerts,
            chain: attack
                .prepare(&c.tactics)
                .iter()
                .map(|&t| attack.tactics().id(t).to_string())
                .collect(),
            log_probability: lp,
            baseline_log_probability: lb,
            log_likelihood_ratio: lp - lb,
            rank: 0,
        });
    }
    out.sort_by(|a, b| {
        b.log_likelihood_ratio
            .total_cmp(&a.log_likelihood_ratio)
            .then(b.log_probability.total_cmp(&a.log_probability))
            .then_with(|| a.entity.cmp(&b.entity))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    Ok(out)
}

/// Writes the ranking as CSV: `entity,n_alerts,chain,log_probability,log_likelihood_ratio,rank`
/// (the chain as tactic ids joined by `>`).
pub fn write_ranking_csv<W: Write>(w: W, scores: &[EntityScore]) -> Result<(), AttackError> {
    let mut wr = csv::Writer::from_writer(w);
    let io = |e: csv::Error| AttackError::Write {
        what: "the ranking",
        source: e.into(),
    };
    wr.write_record([
        "entity",
        "n_alerts",
        "chain",
        "log_probability",
        "log_likelihood_ratio",
        "rank",
    ])
    .map_err(io)?;
    for s in scores {
        wr.write_record([
            s.entity.clone(),
            s.n_alerts.to_string(),
            s.chain.join(">"),
            s.log_probability.to_string(),
            s.log_likelihood_ratio.to_string(),
            s.rank.to_string(),
        ])
        .map_err(io)?;
    }
    wr.flush().map_err(|source| AttackError::Write {
        what: "the ranking",
        source,
    })?;
    Ok(())
}
