//! `attack train`: a model from an Attack Flow corpus, with a given
//! smoothing strength or the one maximising the leave-one-flow-out
//! log-likelihood (`--smoothing opt`).

use super::loo::{SearchArgs, optimum_line};
use super::*;

#[derive(Args)]
pub struct TrainArgs {
    /// Attack Flow corpus (JSON Lines, gzip allowed), e.g. data/attack-flow/flows.jsonl.
    #[arg(long = "input", alias = "flows")]
    input: PathBuf,
    /// Markov order (1 or 2).
    #[arg(long, default_value_t = DEFAULT_ORDER, value_parser = args::int::<usize>(1, 2))]
    order: usize,
    /// Dirichlet smoothing strength (> 0), or `opt`: the one maximising the
    /// leave-one-flow-out log-likelihood of this order (as `attack loo`'s
    /// `opt` rows; searched over --min-smoothing..--max-smoothing).
    #[arg(long = "smoothing", alias = "alpha", default_value_t = Smoothing::Value(DEFAULT_ALPHA), value_parser = smoothing)]
    smoothing: Smoothing,
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
    search: SearchArgs,
    #[command(flatten)]
    quiet: Quiet,
}

/// `--smoothing`: a strength, or `opt` (chosen by leave-one-flow-out).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Smoothing {
    /// This strength.
    Value(f64),
    /// The strength maximising the leave-one-flow-out log-likelihood.
    Optimised,
}

impl std::fmt::Display for Smoothing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Smoothing::Value(v) => write!(f, "{v}"),
            Smoothing::Optimised => f.write_str("opt"),
        }
    }
}

/// Parses `--smoothing`: `opt`, or a finite number > 0.
fn smoothing(s: &str) -> Result<Smoothing, String> {
    if s.trim() == "opt" {
        return Ok(Smoothing::Optimised);
    }
    args::positive()(s)
        .map(Smoothing::Value)
        .map_err(|e| format!("{e}, or `opt`"))
}

pub(super) fn train(a: &TrainArgs) -> Res {
    // A bad search range is refused before any file is read.
    let search = a.search.search()?;
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
    let params = TacticChain::params()
        .order(a.order)
        .collapse_repeats(!a.keep_repeats);
    let model = match a.smoothing {
        Smoothing::Value(v) => params.alpha(v).fit(&flows)?,
        Smoothing::Optimised => {
            let (model, o) = params
                .fit_optimised(&flows, &search)
                .map_err(|e| format!("{}: {e}", a.input.display()))?;
            a.quiet.say(format_args!(
                "--smoothing opt: leave-one-flow-out optimum of order {}:\n  {}",
                o.order,
                optimum_line(&o)
            ));
            if o.boundary.is_some() {
                eprintln!(
                    "warning: the optimal smoothing is at the end of the search range ({}); \
                     the model uses that end",
                    o.alpha
                );
            }
            model
        }
    };
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
