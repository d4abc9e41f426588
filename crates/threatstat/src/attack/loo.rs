//! `attack loo`: the leave-one-flow-out table that chooses the order and
//! smoothing (the curve over a grid), and per order the smoothing that
//! maximises it (argmin), with a rough interval and the solver's state.

use super::*;
use threatstat_attack::{Bound, SmoothingOptimum, SmoothingSearch, optimise_smoothing};

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
    /// Write the grid table (CSV) here; a .json path also gets per-flow
    /// results and the optimum of each order with the solver's state.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    quiet: Quiet,
}

/// The range of the argmin search for the smoothing strength (shared by
/// `attack loo` and `attack train --smoothing opt`).
#[derive(Args, Clone, Copy)]
pub struct SearchArgs {
    /// Smallest smoothing strength the search for the optimum considers (`attack loo`, `attack train --smoothing opt`).
    #[arg(long, default_value_t = 1e-4, value_parser = args::positive())]
    min_smoothing: f64,
    /// Largest smoothing strength the search for the optimum considers (`attack loo`, `attack train --smoothing opt`).
    #[arg(long, default_value_t = 1e6, value_parser = args::positive())]
    max_smoothing: f64,
}

impl SearchArgs {
    /// The search settings; `--max-smoothing` must exceed `--min-smoothing`.
    pub(super) fn search(&self) -> Result<SmoothingSearch, BoxError> {
        if self.max_smoothing <= self.min_smoothing {
            return Err(format!(
                "--max-smoothing ({}) must be greater than --min-smoothing ({})",
                self.max_smoothing, self.min_smoothing
            )
            .into());
        }
        Ok(SmoothingSearch::default().range(self.min_smoothing, self.max_smoothing))
    }
}

/// An α of the optimum, marked when it is an end of the search range.
fn alpha_text(alpha: f64, at_bound: bool, lower: bool) -> String {
    match (at_bound, lower) {
        (false, _) => format!("{alpha:.4}"),
        (true, true) => format!("<={alpha}"),
        (true, false) => format!(">={alpha}"),
    }
}

/// One optimum row of the table (`opt <order>`), and the boundary note.
pub(super) fn optimum_line(o: &SmoothingOptimum) -> String {
    let [a, b] = o.interval;
    let note = match o.boundary {
        None => String::new(),
        Some(Bound::Lower) => {
            "  (at --min-smoothing: the log-likelihood still rises as alpha decreases)".into()
        }
        Some(Bound::Upper) => {
            "  (at --max-smoothing: the log-likelihood still rises as alpha increases)".into()
        }
    };
    format!(
        "opt {:>1}  {:>9}  {:>14.2}  {:>8.4}  {:>10.3}  {} to {}  {} iterations, {}{note}",
        o.order,
        alpha_text(
            o.alpha,
            o.boundary.is_some(),
            o.boundary == Some(Bound::Lower)
        ),
        o.log_likelihood,
        o.per_step,
        o.perplexity,
        alpha_text(a, o.interval_at_bound[0], true),
        alpha_text(b, o.interval_at_bound[1], false),
        o.solver.iterations,
        o.solver.termination.to_lowercase(),
    )
}

pub(super) fn loo(a: &LooArgs) -> Res {
    let search = a.search.search()?;
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
    let optima = optimise_smoothing(&flows, &a.orders, !a.keep_repeats, &search)
        .map_err(|e| format!("{}: {e}", a.input.display()))?;
    writeln!(
        out,
        "optimum of each order by argmin (Brent on ln alpha, alpha from {} to {}); \
         interval: alpha with log_likelihood within 1.92 of the optimum",
        search.min_alpha, search.max_alpha
    )?;
    writeln!(
        out,
        "order      alpha  log_likelihood  per_step  perplexity  interval  solver"
    )?;
    for o in &optima {
        writeln!(out, "{}", optimum_line(o))?;
    }
    if let Some(p) = &a.out {
        if p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            write_json(
                p,
                &json!({"table": table, "uniform": uniform, "optimum": optima}),
            )?;
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
