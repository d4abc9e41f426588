//! `attack train` and `attack loo`: a model from an Attack Flow corpus, and
//! the leave-one-flow-out table that chooses its order and smoothing.

use super::*;

#[derive(Args)]
pub struct TrainArgs {
    /// Attack Flow corpus (JSON Lines, gzip allowed), e.g. data/attack-flow/flows.jsonl.
    #[arg(long = "input", alias = "flows")]
    input: PathBuf,
    /// Markov order (1 or 2).
    #[arg(long, default_value_t = DEFAULT_ORDER, value_parser = args::int::<usize>(1, 2))]
    order: usize,
    /// Dirichlet smoothing strength.
    #[arg(long = "smoothing", alias = "alpha", default_value_t = DEFAULT_ALPHA, value_parser = args::positive())]
    smoothing: f64,
    /// Keep consecutive repeats of a tactic (default: merge them).
    #[arg(long)]
    keep_repeats: bool,
    /// Output model file (JSON); `-` writes it to standard output.
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
    #[command(flatten)]
    quiet: Quiet,
}

#[derive(Args)]
pub struct LooArgs {
    /// Attack Flow corpus (JSON Lines).
    #[arg(long = "input", alias = "flows")]
    input: PathBuf,
    /// Orders to try.
    #[arg(long, value_delimiter = ',', default_value = "1,2", value_parser = args::int::<usize>(1, 2))]
    orders: Vec<usize>,
    /// Smoothing strengths to try (each as `attack train --smoothing`).
    #[arg(
        long = "smoothings",
        alias = "alphas",
        value_delimiter = ',',
        default_value = "0.5,1,2,4,8,12,16,24,32,64",
        value_parser = args::positive()
    )]
    smoothings: Vec<f64>,
    /// Keep consecutive repeats of a tactic.
    #[arg(long)]
    keep_repeats: bool,
    /// Write the table (CSV) here; per-flow results go to a .json path.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    quiet: Quiet,
}

pub(super) fn train(a: &TrainArgs) -> Res {
    prepare(
        &[Some(a.input.as_path())],
        &[Some(a.out.as_path()), a.issues.as_deref()],
        &[a.plot.as_deref()],
    )?;
    let flows = read_flows(&a.input, a.quiet)?;
    let warnings: Vec<_> = flows
        .issues
        .iter()
        .filter(|i| i.kind.is_warning())
        .collect();
    if let Some(p) = &a.issues {
        write_json(p, &serde_json::to_value(&flows.issues)?)?;
        a.quiet
            .say(format_args!("  every issue -> {}", p.display()));
    }
    if a.strict && !warnings.is_empty() {
        return Err(format!(
            "--strict: {} warning(s) in {} (see above{})",
            warnings.len(),
            a.input.display(),
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
        .alpha(a.smoothing)
        .collapse_repeats(!a.keep_repeats)
        .fit(&flows)?;
    // The figure first: a figure that fails leaves no model either.
    if let Some(p) = &a.plot {
        threatstat_workflow::attack::heatmap(&model, p, None)?;
        a.quiet.say(format_args!("heat map -> {}", p.display()));
    }
    model.save(&a.out)?;
    a.quiet.say(format_args!(
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
    ));
    Ok(())
}

pub(super) fn loo(a: &LooArgs) -> Res {
    prepare(&[Some(a.input.as_path())], &[a.out.as_deref()], &[])?;
    let flows = read_flows(&a.input, a.quiet)?;
    // Too few usable flows: a property of the input file.
    let table = loo_grid(&flows, &a.orders, &a.smoothings, !a.keep_repeats)
        .map_err(|e| format!("{}: {e}", a.input.display()))?;
    let best = table
        .iter()
        .max_by(|x, y| x.log_likelihood.total_cmp(&y.log_likelihood))
        .ok_or("no order or smoothing given")?;
    // Reference: the uniform chain (alpha -> infinity).
    let uniform = ChainParams::default()
        .order(1)
        .alpha(1e12)
        .collapse_repeats(!a.keep_repeats)
        .leave_one_flow_out(&flows)?;
    // With `--out -` the CSV/JSON owns standard output: the table goes to
    // standard error so the two do not mix.
    let mut out: Box<dyn Write> = if a.out.as_deref() == Some(std::path::Path::new("-")) {
        Box::new(std::io::stderr())
    } else {
        Box::new(threatstat_core::stdout::stdout())
    };
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
        a.quiet.say(format_args!("table -> {}", p.display()));
    }
    Ok(())
}
