//! `attack correlate`: entities ranked by how attack-like their alert chains are.

use super::*;

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
    #[command(flatten)]
    quiet: Quiet,
}

pub(super) fn correlate(a: &CorrelateArgs) -> Res {
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
            a.quiet.say(format_args!(
                "baseline: fitted on {} benign chains",
                seqs.len()
            ));
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
    a.quiet.say(format_args!(
        "{} alerts, {} entities ranked (baseline: {})",
        alerts.len(),
        ranked.len(),
        if a.benign.is_some() {
            "benign chains"
        } else {
            "uniform"
        }
    ));
    match &a.out {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            write_ranking_csv(&mut f, &ranked)?;
            f.commit()?;
            a.quiet.say(format_args!("ranking -> {}", p.display()));
        }
        None => write_ranking_csv(threatstat_core::stdout::stdout(), &ranked)?,
    }
    Ok(())
}
