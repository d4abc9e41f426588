//! `attack score`, `next`, `path` and `stationary`: questions to a saved model.

use super::*;

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
    #[command(flatten)]
    quiet: Quiet,
}

pub(super) fn score(a: &ScoreArgs) -> Res {
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

pub(super) fn next(a: &NextArgs) -> Res {
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

pub(super) fn endpoint(
    model: &TacticChainModel,
    s: &str,
    from: bool,
) -> Result<Endpoint, BoxError> {
    let t = s.trim();
    if from && t.eq_ignore_ascii_case(START) {
        return Ok(Endpoint::Start);
    }
    if !from && t.eq_ignore_ascii_case(END) {
        return Ok(Endpoint::End);
    }
    Ok(Endpoint::Tactic(model.tactics().parse(t)?))
}

pub(super) fn path(a: &PathArgs) -> Res {
    prepare(&[Some(a.m.model.as_path())], &[], &[a.plot.as_deref()])?;
    let model = TacticChainModel::load(&a.m.model)?;
    let (from, to) = (
        endpoint(&model, &a.from, true)?,
        endpoint(&model, &a.to, false)?,
    );
    let p = model.most_probable_path(from, to)?;
    if let Some(out) = &a.plot {
        threatstat_workflow::attack::chain_plot(&model, from, to, out)?;
        a.quiet
            .say(format_args!("chain figure -> {}", out.display()));
    }
    print_json(&serde_json::to_value(&p)?)
}

pub(super) fn stationary(a: &ModelArg) -> Res {
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
