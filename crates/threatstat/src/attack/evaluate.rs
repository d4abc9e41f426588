//! `attack evaluate`: the OTRF captures as held-out chains.

use super::*;

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
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Score chains as possibly continuing (no step to END).
    #[arg(long)]
    open: bool,
    /// Write the full evaluation (JSON).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    quiet: Quiet,
}

pub(super) fn evaluate_cmd(a: &EvaluateArgs) -> Res {
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
        a.quiet.say(format_args!("evaluation -> {}", p.display()));
    }
    Ok(())
}
