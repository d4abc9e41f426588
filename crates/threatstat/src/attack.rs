//! `threatstat attack ...`: ATT&CK tactic-chain models learned from the
//! Attack Flow corpus, alert correlation, and the OTRF evaluation.

use crate::args;
use crate::outputs::prepare;
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_attack::correlate::{
    AlertColumns, entity_chains, rank_entities, read_alerts, write_ranking_csv,
};
use threatstat_attack::evaluate::{
    EvaluationParams, evaluate, held_out_chains, read_otrf_mappings,
};
use threatstat_attack::{
    Catalogue, ChainParams, DEFAULT_ALPHA, DEFAULT_ORDER, Ending, Endpoint, IdClass, TacticChain,
    TacticChainModel, TacticResolver, TacticVotes, loo_grid,
};
use threatstat_attack::{END, START};
use threatstat_core::atomic::AtomicFile;
use threatstat_core::{BadRowPolicy, Fit, ModelFile};

type BoxError = Box<dyn Error + Send + Sync>;
type Res = Result<(), BoxError>;

#[derive(Subcommand)]
pub enum AttackCmd {
    /// Train a tactic-chain model on Attack Flow incidents (flows.jsonl).
    Train(TrainArgs),
    /// Probability, log-likelihood and per-step probabilities of a tactic sequence (JSON).
    Score(ScoreArgs),
    /// The most likely next tactics after a sequence (JSON list, most probable first).
    Next(NextArgs),
    /// The most probable path between two tactics (or START / END) (JSON; --plot draws it).
    Path(PathArgs),
    /// The stationary distribution over tactics (JSON).
    Stationary(ModelArg),
    /// The tactic transition matrix as a heat map (PNG or SVG) and optionally CSV.
    Heatmap(HeatmapArgs),
    /// Leave-one-flow-out log-likelihood for each order × alpha (chooses the model).
    Loo(LooArgs),
    /// Rank entities (users, hosts) by how attack-like their alert chains are.
    Correlate(CorrelateArgs),
    /// OTRF captures' technique labels as held-out chains vs shuffled and random-alert chains.
    Evaluate(EvaluateArgs),
    /// Look up tactics and techniques in the bundled ATT&CK catalogue (JSON).
    Lookup(LookupArgs),
}

#[derive(Args)]
pub struct TrainArgs {
    /// Attack Flow corpus (JSON Lines, gzip allowed), e.g. data/attack-flow/flows.jsonl.
    #[arg(long)]
    flows: PathBuf,
    /// Markov order (1 or 2).
    #[arg(long, default_value_t = DEFAULT_ORDER, value_parser = args::int::<usize>(1, 2))]
    order: usize,
    /// Dirichlet smoothing strength.
    #[arg(long, default_value_t = DEFAULT_ALPHA, value_parser = args::positive())]
    alpha: f64,
    /// Keep consecutive repeats of a tactic (default: merge them).
    #[arg(long)]
    keep_repeats: bool,
    /// Output model (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Write every issue found in the flows (foreign ids, cycles, ...) as JSON.
    #[arg(long)]
    issues: Option<PathBuf>,
    /// Fail if any warning-level issue is found.
    #[arg(long)]
    strict: bool,
    /// Also draw the transition matrix as a heat map (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
}

#[derive(Args)]
pub struct ModelArg {
    /// A model written by `threatstat attack train`.
    #[arg(long)]
    model: PathBuf,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    m: ModelArg,
    /// Comma-separated tactics (ids like TA0001, short names or names; technique ids are resolved).
    #[arg(long)]
    sequence: String,
    /// The chain may continue: do not score the step to END.
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
pub struct NextArgs {
    #[command(flatten)]
    m: ModelArg,
    /// Comma-separated tactics seen so far (empty: the first tactic of a chain).
    #[arg(long, default_value = "")]
    after: String,
    /// Only the N most probable.
    #[arg(long, value_parser = args::int::<usize>(1, 1_000_000))]
    top: Option<usize>,
}

#[derive(Args)]
pub struct PathArgs {
    #[command(flatten)]
    m: ModelArg,
    /// Start: a tactic or START.
    #[arg(long, default_value = START)]
    from: String,
    /// End: a tactic or END.
    #[arg(long, default_value = END)]
    to: String,
    /// Draw the path (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
}

#[derive(Args)]
pub struct HeatmapArgs {
    #[command(flatten)]
    m: ModelArg,
    /// Output figure (.png or .svg).
    #[arg(long)]
    out: PathBuf,
    /// Also write the matrix as CSV.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Outline the cells of the most probable path from this state (a tactic or START) ...
    #[arg(long)]
    path_from: Option<String>,
    /// ... to this state (a tactic or END).
    #[arg(long)]
    path_to: Option<String>,
}

#[derive(Args)]
pub struct LooArgs {
    /// Attack Flow corpus (JSON Lines).
    #[arg(long)]
    flows: PathBuf,
    /// Orders to try.
    #[arg(long, value_delimiter = ',', default_value = "1,2", value_parser = args::int::<usize>(1, 2))]
    orders: Vec<usize>,
    /// Smoothing strengths to try.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.5,1,2,4,8,12,16,24,32,64"
    , value_parser = args::positive())]
    alphas: Vec<f64>,
    /// Keep consecutive repeats of a tactic.
    #[arg(long)]
    keep_repeats: bool,
    /// Write the table (CSV) here; per-flow results go to a .json path.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct CorrelateArgs {
    #[command(flatten)]
    m: ModelArg,
    /// Alerts CSV with columns entity, time, technique_or_tactic.
    #[arg(long)]
    alerts: PathBuf,
    /// Benign alerts (same format): the baseline is fitted on their chains (else uniform).
    #[arg(long)]
    benign: Option<PathBuf>,
    /// Score chains as possibly continuing (no step to END).
    #[arg(long)]
    open: bool,
    /// Entity column.
    #[arg(long, default_value = "entity")]
    entity_col: String,
    /// Time column (ISO-8601 or seconds).
    #[arg(long, default_value = "time")]
    time_col: String,
    /// Technique-or-tactic column.
    #[arg(long, default_value = "technique_or_tactic")]
    label_col: String,
    /// Skip bad rows (counted and reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Output CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    m: ModelArg,
    /// OTRF mappings (data/otrf/attack_mappings.csv).
    #[arg(long)]
    otrf: PathBuf,
    /// Random orders per chain when a chain has more than 40,320 orders.
    #[arg(long, default_value_t = 2000, value_parser = args::int::<usize>(1, 10_000_000))]
    shuffles: usize,
    /// Random-alert chains per real chain.
    #[arg(long, default_value_t = 2000, value_parser = args::int::<usize>(0, 10_000_000))]
    random: usize,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Score chains as possibly continuing (no step to END).
    #[arg(long)]
    open: bool,
    /// Write the full evaluation (JSON).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct LookupArgs {
    /// Tactic ids, names or technique ids.
    labels: Vec<String>,
    /// Look techniques up by name instead of id.
    #[arg(long)]
    by_name: bool,
}

pub fn run(c: AttackCmd) -> Res {
    match c {
        AttackCmd::Train(a) => train(&a),
        AttackCmd::Score(a) => score(&a),
        AttackCmd::Next(a) => next(&a),
        AttackCmd::Path(a) => path(&a),
        AttackCmd::Stationary(a) => stationary(&a),
        AttackCmd::Heatmap(a) => heatmap(&a),
        AttackCmd::Loo(a) => loo(&a),
        AttackCmd::Correlate(a) => correlate(&a),
        AttackCmd::Evaluate(a) => evaluate_cmd(&a),
        AttackCmd::Lookup(a) => lookup(&a),
    }
}

fn print_json(v: &Value) -> Res {
    crate::print::print_json(v)
}

fn write_json(path: &Path, v: &Value) -> Res {
    let mut f = AtomicFile::create(path)?;
    serde_json::to_writer_pretty(&mut f, v)?;
    f.commit()?;
    Ok(())
}

/// A CSV writer whose file appears on [`commit_csv`].
fn csv_file(p: &Path) -> Result<csv::Writer<AtomicFile>, BoxError> {
    Ok(csv::Writer::from_writer(AtomicFile::create(p)?))
}

fn commit_csv(w: csv::Writer<AtomicFile>) -> Res {
    w.into_inner().map_err(|e| e.into_error())?.commit()?;
    Ok(())
}

/// Comma-separated labels; an empty list or an empty item is an error.
fn split_labels(s: &str, what: &str) -> Result<Vec<String>, BoxError> {
    if s.trim().is_empty() {
        return Err(threatstat_attack::AttackError::EmptySequence.into());
    }
    let v: Vec<String> = s.split(',').map(|x| x.trim().to_string()).collect();
    if let Some(i) = v.iter().position(String::is_empty) {
        return Err(format!("{what}: item {} of `{s}` is empty", i + 1).into());
    }
    Ok(v)
}

/// Reads and validates an Attack Flow corpus the one way every command
/// does: a summary line on stderr and one example (with file and line) of
/// each kind of warning, so a flow that loses its actions is always named.
fn read_flows(path: &Path) -> Result<threatstat_attack::TacticFlows, BoxError> {
    let cat = Catalogue::bundled();
    let flows = threatstat_attack::FlowCorpus::read_jsonl(path)?.extract(cat);
    let warnings: Vec<_> = flows
        .issues
        .iter()
        .filter(|i| i.kind.is_warning())
        .collect();
    let counts: Vec<String> = flows
        .issue_counts()
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    eprintln!(
        "{}: {} flows, {} with ATT&CK Enterprise actions; issues: {}",
        path.display(),
        flows.flows.len(),
        flows.non_empty().count(),
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        }
    );
    // One example of each kind of warning.
    let mut shown = std::collections::BTreeSet::new();
    for w in &warnings {
        if shown.insert(w.kind) {
            let n = warnings.iter().filter(|x| x.kind == w.kind).count();
            eprintln!("  warning ({} x{n}), e.g. {w}", w.kind.as_str());
        }
    }
    Ok(flows)
}

fn train(a: &TrainArgs) -> Res {
    prepare(
        &[Some(a.flows.as_path())],
        &[Some(a.out.as_path()), a.issues.as_deref()],
        &[a.plot.as_deref()],
    )?;
    let flows = read_flows(&a.flows)?;
    let warnings: Vec<_> = flows
        .issues
        .iter()
        .filter(|i| i.kind.is_warning())
        .collect();
    if let Some(p) = &a.issues {
        write_json(p, &serde_json::to_value(&flows.issues)?)?;
        eprintln!("  every issue -> {}", p.display());
    }
    if a.strict && !warnings.is_empty() {
        return Err(format!(
            "--strict: {} warning(s) in {} (see above{})",
            warnings.len(),
            a.flows.display(),
            if a.issues.is_some() {
                " and the issues file"
            } else {
                ""
            }
        )
        .into());
    }
    let model = TacticChain::params()
        .order(a.order)
        .alpha(a.alpha)
        .collapse_repeats(!a.keep_repeats)
        .fit(&flows)?;
    // The figure first: a figure that fails leaves no model either.
    if let Some(p) = &a.plot {
        threatstat_workflow::attack::heatmap(&model, p, None)?;
        eprintln!("heat map -> {}", p.display());
    }
    model.save(&a.out)?;
    eprintln!(
        "order {} model (alpha {}, repeats {}) on {} flows -> {}",
        model.order(),
        model.alpha(),
        if model.collapse_repeats() {
            "merged"
        } else {
            "kept"
        },
        model.training().flows,
        a.out.display()
    );
    Ok(())
}

fn score(a: &ScoreArgs) -> Res {
    let model = TacticChainModel::load(&a.m.model)?;
    let labels = split_labels(&a.sequence, "--sequence")?;
    let ending = if a.open {
        Ending::Open
    } else {
        Ending::Complete
    };
    let s = model.score_labels(&labels, ending)?;
    print_json(&json!({
        "sequence": s.sequence,
        "probability": s.probability,
        "log_likelihood": s.log_likelihood,
        "steps": s.steps,
        "order": model.order(),
        "alpha": model.alpha(),
        "ending": ending,
    }))
}

fn next(a: &NextArgs) -> Res {
    let model = TacticChainModel::load(&a.m.model)?;
    let labels: Vec<String> = if a.after.trim().is_empty() {
        Vec::new()
    } else {
        split_labels(&a.after, "--after")?
    };
    let mut v = model.next_tactics_labels(&labels)?;
    if let Some(n) = a.top {
        v.truncate(n);
    }
    print_json(&serde_json::to_value(&v)?)
}

fn endpoint(model: &TacticChainModel, s: &str, from: bool) -> Result<Endpoint, BoxError> {
    let t = s.trim();
    if from && t.eq_ignore_ascii_case(START) {
        return Ok(Endpoint::Start);
    }
    if !from && t.eq_ignore_ascii_case(END) {
        return Ok(Endpoint::End);
    }
    Ok(Endpoint::Tactic(model.tactics().parse(t)?))
}

fn path(a: &PathArgs) -> Res {
    prepare(&[Some(a.m.model.as_path())], &[], &[a.plot.as_deref()])?;
    let model = TacticChainModel::load(&a.m.model)?;
    let (from, to) = (
        endpoint(&model, &a.from, true)?,
        endpoint(&model, &a.to, false)?,
    );
    let p = model.most_probable_path(from, to)?;
    if let Some(out) = &a.plot {
        threatstat_workflow::attack::chain_plot(&model, from, to, out)?;
        eprintln!("chain figure -> {}", out.display());
    }
    print_json(&serde_json::to_value(&p)?)
}

fn stationary(a: &ModelArg) -> Res {
    let model = TacticChainModel::load(&a.model)?;
    let pi = model.stationary();
    let v: Vec<Value> = model
        .tactics()
        .iter()
        .zip(pi)
        .map(|(t, p)| json!({"tactic": t.id, "name": t.name, "probability": p}))
        .collect();
    print_json(&Value::Array(v))
}

fn heatmap(a: &HeatmapArgs) -> Res {
    prepare(
        &[Some(a.m.model.as_path())],
        &[a.csv.as_deref()],
        &[Some(a.out.as_path())],
    )?;
    let model = TacticChainModel::load(&a.m.model)?;
    let path = match (&a.path_from, &a.path_to) {
        (None, None) => None,
        (f, t) => Some((
            endpoint(&model, f.as_deref().unwrap_or(START), true)?,
            endpoint(&model, t.as_deref().unwrap_or(END), false)?,
        )),
    };
    // The matrix is rendered first and appears after the figure, so a
    // failure leaves neither.
    let matrix = match &a.csv {
        Some(p) => {
            let m = model.transition_matrix();
            let mut w = csv_file(p)?;
            let mut header = vec!["from".to_string()];
            header.extend(m.columns.iter().cloned());
            w.write_record(&header)?;
            for (r, row) in m.rows.iter().zip(&m.p) {
                let mut rec = vec![r.clone()];
                rec.extend(row.iter().map(|x| x.to_string()));
                w.write_record(&rec)?;
            }
            Some((w.into_inner().map_err(|e| e.into_error())?.finish()?, p))
        }
        None => None,
    };
    threatstat_workflow::attack::heatmap(&model, &a.out, path)?;
    eprintln!("heat map -> {}", a.out.display());
    if let Some((f, p)) = matrix {
        f.commit()?;
        eprintln!("matrix -> {}", p.display());
    }
    Ok(())
}

fn loo(a: &LooArgs) -> Res {
    prepare(&[Some(a.flows.as_path())], &[a.out.as_deref()], &[])?;
    let flows = read_flows(&a.flows)?;
    // Too few usable flows: a property of the input file.
    let table = loo_grid(&flows, &a.orders, &a.alphas, !a.keep_repeats)
        .map_err(|e| format!("{}: {e}", a.flows.display()))?;
    let best = table
        .iter()
        .max_by(|x, y| x.log_likelihood.total_cmp(&y.log_likelihood))
        .ok_or("no order or alpha given")?;
    // Reference: the uniform chain (alpha -> infinity).
    let uniform = ChainParams::default()
        .order(1)
        .alpha(1e12)
        .collapse_repeats(!a.keep_repeats)
        .leave_one_flow_out(&flows)?;
    let mut out = threatstat_core::stdout::stdout();
    writeln!(
        out,
        "leave-one-flow-out on {} flows ({:.2} transitions per path on average, repeats {})",
        best.flows,
        best.steps / best.flows as f64,
        if a.keep_repeats { "kept" } else { "merged" }
    )?;
    writeln!(out, "order  alpha  log_likelihood  per_step  perplexity")?;
    for r in &table {
        writeln!(
            out,
            "{:>5}  {:>5}  {:>14.2}  {:>8.4}  {:>10.3}{}",
            r.order,
            r.alpha,
            r.log_likelihood,
            r.per_step,
            r.perplexity,
            if std::ptr::eq(r, best) {
                "  <- best"
            } else {
                ""
            }
        )?;
    }
    writeln!(
        out,
        "uniform chain: log_likelihood {:.2}, per_step {:.4}, perplexity {:.3}",
        uniform.log_likelihood, uniform.per_step, uniform.perplexity
    )?;
    if let Some(p) = &a.out {
        if p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            write_json(p, &json!({"table": table, "uniform": uniform}))?;
        } else {
            let mut w = csv_file(p)?;
            w.write_record([
                "order",
                "alpha",
                "collapse_repeats",
                "flows",
                "log_likelihood",
                "steps",
                "per_step",
                "perplexity",
            ])?;
            for r in &table {
                w.write_record([
                    r.order.to_string(),
                    r.alpha.to_string(),
                    r.collapse_repeats.to_string(),
                    r.flows.to_string(),
                    r.log_likelihood.to_string(),
                    r.steps.to_string(),
                    r.per_step.to_string(),
                    r.perplexity.to_string(),
                ])?;
            }
            commit_csv(w)?;
        }
        eprintln!("table -> {}", p.display());
    }
    Ok(())
}

fn correlate(a: &CorrelateArgs) -> Res {
    prepare(
        &[
            Some(a.m.model.as_path()),
            Some(a.alerts.as_path()),
            a.benign.as_deref(),
        ],
        &[a.out.as_deref()],
        &[],
    )?;
    let model = TacticChainModel::load(&a.m.model)?;
    let cat = Catalogue::bundled();
    if cat.tactics() != model.tactics() {
        return Err("the model's tactics are not the bundled ATT&CK catalogue's".into());
    }
    let resolver = TacticResolver::new(cat, model.votes());
    let cols = AlertColumns {
        entity: a.entity_col.clone(),
        time: a.time_col.clone(),
        label: a.label_col.clone(),
    };
    let policy = if a.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    };
    let (alerts, skipped) = read_alerts(&a.alerts, &cols, &resolver, policy)?;
    if skipped.skipped > 0 {
        eprintln!("{}: {skipped}", a.alerts.display());
    }
    if alerts.is_empty() {
        return Err(format!("{}: no alerts", a.alerts.display()).into());
    }
    let chains = entity_chains(&alerts);
    let params = model.params();
    let baseline = match &a.benign {
        Some(b) => {
            let (benign, sk) = read_alerts(b, &cols, &resolver, policy)?;
            if sk.skipped > 0 {
                eprintln!("{}: {sk}", b.display());
            }
            let seqs: Vec<Vec<usize>> = entity_chains(&benign)
                .into_iter()
                .map(|c| c.tactics)
                .collect();
            if seqs.is_empty() {
                return Err(format!("{}: no benign alerts", b.display()).into());
            }
            eprintln!("baseline: fitted on {} benign chains", seqs.len());
            params.fit_sequences(model.tactics(), &seqs)?
        }
        None => params.uniform(model.tactics())?,
    };
    let ending = if a.open {
        Ending::Open
    } else {
        Ending::Complete
    };
    let ranked = rank_entities(&chains, &model, &baseline, ending)?;
    eprintln!(
        "{} alerts, {} entities ranked (baseline: {})",
        alerts.len(),
        ranked.len(),
        if a.benign.is_some() {
            "benign chains"
        } else {
            "uniform"
        }
    );
    match &a.out {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            write_ranking_csv(&mut f, &ranked)?;
            f.commit()?;
            eprintln!("ranking -> {}", p.display());
        }
        None => write_ranking_csv(threatstat_core::stdout::stdout(), &ranked)?,
    }
    Ok(())
}

fn evaluate_cmd(a: &EvaluateArgs) -> Res {
    prepare(
        &[Some(a.m.model.as_path()), Some(a.otrf.as_path())],
        &[a.out.as_deref()],
        &[],
    )?;
    let model = TacticChainModel::load(&a.m.model)?;
    let cat = Catalogue::bundled();
    let empty = TacticVotes::new();
    let votes = if cat.tactics() == model.tactics() {
        model.votes()
    } else {
        &empty
    };
    let resolver = TacticResolver::new(cat, votes);
    let datasets = read_otrf_mappings(&a.otrf)?;
    if datasets.is_empty() {
        return Err(format!("{}: no data rows", a.otrf.display()).into());
    }
    let (chains, notes) = held_out_chains(&datasets, &a.otrf, &resolver);
    for n in &notes {
        eprintln!("note: {n}");
    }
    let params = EvaluationParams {
        shuffles: a.shuffles,
        random_per_chain: a.random,
        seed: a.seed,
        min_tactics: 2,
        ending: if a.open {
            Ending::Open
        } else {
            Ending::Complete
        },
    };
    let ev = evaluate(&model, &chains, &resolver, &params)?;
    let mut out = threatstat_core::stdout::stdout();
    writeln!(
        out,
        "OTRF held-out chains: {} datasets, {} chains with >= 2 tactics (order-{} model, alpha {})",
        datasets.len(),
        ev.chains.len(),
        model.order(),
        model.alpha()
    )?;
    writeln!(
        out,
        "  LLR vs uniform | order pct (n orders) | random pct | chain | dataset"
    )?;
    for c in &ev.chains {
        writeln!(
            out,
            "  {:>7.2} | {:>6.3} ({:>5}) | {:>6.3} | {} | {}",
            c.log_likelihood_ratio,
            c.order_percentile,
            c.orders,
            c.random_percentile,
            c.chain.join(">"),
            c.title
        )?;
    }
    writeln!(
        out,
        "mean percentile among own shuffles: {:.3} ({} of {} chains above the median order)",
        ev.mean_order_percentile,
        ev.chains_above_median_order,
        ev.chains.len()
    )?;
    writeln!(
        out,
        "mean percentile among random-alert chains (AUC): {:.3}; pooled ranks {:?} of {}",
        ev.mean_random_percentile, ev.pooled_ranks, ev.pool_size
    )?;
    if let Some(p) = &a.out {
        write_json(
            p,
            &json!({
                "model": {"order": model.order(), "alpha": model.alpha(), "collapse_repeats": model.collapse_repeats()},
                "datasets": datasets.len(),
                "notes": notes,
                "evaluation": ev,
            }),
        )?;
        eprintln!("evaluation -> {}", p.display());
    }
    Ok(())
}

fn lookup(a: &LookupArgs) -> Res {
    let cat = Catalogue::bundled();
    let mut out = Vec::new();
    for l in &a.labels {
        if a.by_name {
            let found = cat.techniques_by_name(l);
            if found.is_empty() {
                if let Some(t) = cat.tactics().index_of(l) {
                    out.push(tactic_json(cat, t));
                    continue;
                }
                return Err(format!("no technique or tactic named `{l}`").into());
            }
            out.extend(found.into_iter().map(|t| technique_json(cat, t)));
            continue;
        }
        match cat.resolve_label(l)? {
            IdClass::Tactic(t) => out.push(tactic_json(cat, t)),
            IdClass::Technique(i) => out.push(technique_json(cat, &cat.techniques()[i])),
            _ => unreachable!("resolve_label returns tactics and techniques"),
        }
    }
    print_json(&json!({"attack_version": cat.version(), "results": out}))
}

fn tactic_json(cat: &Catalogue, t: usize) -> Value {
    let x = cat.tactics().get(t).expect("index from the catalogue");
    json!({"kind": "tactic", "id": x.id, "shortname": x.shortname, "name": x.name, "kill_chain_order": t + 1})
}

fn technique_json(cat: &Catalogue, t: &threatstat_attack::Technique) -> Value {
    let tactics: Vec<Value> = t
        .tactics
        .iter()
        .map(|&i| json!({"id": cat.tactics().id(i), "name": cat.tactics().name(i)}))
        .collect();
    json!({
        "kind": if t.is_subtechnique() { "sub-technique" } else { "technique" },
        "id": t.id,
        "name": t.name,
        "full_name": t.full_name,
        "tactics": tactics,
        "platforms": t.platforms,
        "revoked": t.revoked,
        "deprecated": t.deprecated,
        "probable_replacement": cat.probable_replacement(&t.id).map(|r| r.id.clone()),
    })
}
