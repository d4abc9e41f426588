//! `attack heatmap`: the transition matrix as a figure (and CSV).

use super::*;

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
    #[command(flatten)]
    quiet: Quiet,
}

pub(super) fn heatmap(a: &HeatmapArgs) -> Res {
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
    a.quiet.say(format_args!("heat map -> {}", a.out.display()));
    if let Some((f, p)) = matrix {
        f.commit()?;
        a.quiet.say(format_args!("matrix -> {}", p.display()));
    }
    Ok(())
}
