//! `threatstat markov fit | score | likelihood | explain`.

use super::source::{ModelArgs, SessionsArgs, WindowArgs};
use super::{Res, report_skipped, sessionize_example, skipped_note};
use crate::args;
use crate::outputs::prepare;
use crate::summary::{Summary, Table, clip, num};
use clap::Args;
use std::path::PathBuf;
use threatstat_markov::score_table::{self, write_window_long};
use threatstat_workflow::markov::{
    ExplainRequest, FitRequest, LikelihoodRequest, ScoreOutcome, ScoreRequest, ScoresFormat,
    explain_session, fit_file, likelihood_file, score_file_as,
};

pub const FIT_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov fit --input /tmp/sessions.jsonl --session-type values --out /tmp/model.json\n",
);
pub const SCORE_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov score --input /tmp/sessions.jsonl --session-type values --window 3 \
--out /tmp/scores.csv\n",
    "  threatstat markov fit --input /tmp/sessions.jsonl --session-type cmds --out /tmp/model.json\n",
    "  threatstat markov score --input /tmp/sessions.jsonl --model /tmp/model.json --log --out -\n",
);
pub const LIKELIHOOD_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov likelihood --input /tmp/sessions.jsonl --session-type cmds --out /tmp/lik.csv\n",
);
pub const EXPLAIN_EXAMPLES: &str = concat!(
    "Examples:\n",
    sessionize_example!(),
    "  threatstat markov explain --input /tmp/sessions.jsonl --session-type cmds --window 3 \
--session-id 157\n",
);

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    src: SessionsArgs,
    /// Where to write the model (JSON file; `-` for standard output).
    #[arg(long = "out", alias = "model-out", value_name = "MODEL")]
    out: PathBuf,
    /// No summary line on stderr (errors and the skipped-rows count still print).
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    src: ModelArgs,
    #[command(flatten)]
    window: WindowArgs,
    /// Report natural-log likelihoods (no underflow on long sessions).
    #[arg(long)]
    log: bool,
    /// Output file (`-` for standard output), CSV or, by the extension,
    /// Parquet (.parquet) or Arrow IPC (.arrow): one row per session,
    /// session_id, the user columns, time_min, time_max, n_cmds, the rarest
    /// window's likelihood and start, window_1..window_W (README, "Output
    /// tables").
    #[arg(long)]
    out: PathBuf,
    /// tidy (the table above) or msticpy (its rarest_*.csv, JSON lists in
    /// cells and every window's likelihood, byte for byte: to diff against
    /// msticpy).
    #[arg(long, value_enum, default_value_t = FormatArg::Tidy)]
    format: FormatArg,
    /// Also the rarest windows as a long table, session_id,position,cmd
    /// (one row per command).
    #[arg(long, value_name = "FILE")]
    long: Option<PathBuf>,
    /// Sessions in the summary table of the rarest (0: none).
    #[arg(long, default_value_t = 10, value_parser = args::int::<usize>(0, 10_000))]
    top: usize,
}

/// The `--format` values of `markov score`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// One value per cell (README, "Output tables").
    Tidy,
    /// msticpy's rarest_*.csv.
    Msticpy,
}

#[derive(Args)]
pub struct LikelihoodArgs {
    #[command(flatten)]
    src: ModelArgs,
    /// Do not use the start and end tokens.
    #[arg(long)]
    no_start_end_tokens: bool,
    /// Output CSV file (`-` for standard output).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    src: ModelArgs,
    #[command(flatten)]
    window: WindowArgs,
    /// The session to explain (its session_id).
    #[arg(long)]
    session_id: u64,
}

pub fn fit(a: FitArgs) -> Res {
    prepare(&[Some(a.src.input())], &[Some(a.out.as_path())], &[])?;
    let r = FitRequest {
        fit: a
            .src
            .fit_options("give --session-type (cmds, params or values) to fit a model")?,
        input: a.src.input().to_path_buf(),
        out: a.out.clone(),
        bad_rows: a.src.bad_rows(),
    };
    let o = fit_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.quiet {
        eprintln!(
            "fitted a {} model on {} sessions ({} events, {} commands{}) -> {}",
            o.model.session_type().msticpy_name(),
            o.sessions,
            o.events,
            o.model.counts().cmds.len(),
            skipped_note(&o.skipped),
            a.out.display()
        );
    }
    Ok(())
}

pub fn score(a: ScoreArgs) -> Res {
    if a.long.as_deref() == Some(std::path::Path::new("-")) && a.out.as_os_str() == "-" {
        return Err("--long - and --out - both write standard output: name a file for one".into());
    }
    if matches!(a.format, FormatArg::Msticpy) && threatstat_table::Format::of(&a.out).is_columnar()
    {
        return Err("--format msticpy writes msticpy's CSV: give --out a .csv file".into());
    }
    prepare(
        &a.src.inputs(),
        &[Some(a.out.as_path()), a.long.as_deref()],
        &[],
    )?;
    let r = ScoreRequest {
        input: a.src.sessions.input().to_path_buf(),
        model: a.src.source()?,
        window: a.window.options(),
        log: a.log,
        out: a.out.clone(),
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = score_file_as(
        &r,
        match a.format {
            FormatArg::Tidy => ScoresFormat::Tidy,
            FormatArg::Msticpy => ScoresFormat::Msticpy,
        },
    )?;
    if let Some(long) = &a.long {
        // Parquet/IPC by the extension, through the CSV writer.
        let schema = threatstat_table::Schema::new(&[
            ("session_id", threatstat_table::Kind::I64),
            ("position", threatstat_table::Kind::I64),
            ("cmd", threatstat_table::Kind::Utf8),
        ]);
        threatstat_table::write_csv_as(long, &schema, |p| {
            write_window_long(p, &o.file, &o.scores)
        })?;
    }
    report_skipped(&r.input, &o.skipped);
    let summary = Summary::new(a.src.quiet);
    summary.line(&format!(
        "scored {} sessions ({} without a full window of {}{}) -> {}",
        o.scores.len(),
        o.without_window,
        a.window.window,
        skipped_note(&o.skipped),
        a.out.display()
    ));
    summary.table(&rarest_table(&o, a.top, a.log));
    Ok(())
}

/// The `top` sessions of lowest rarest-window likelihood: rank, id, the
/// user columns, start time, likelihood, window.
fn rarest_table(o: &ScoreOutcome, top: usize, log: bool) -> Table {
    let cols = score_table::user_columns(&o.file);
    let user = if cols.is_empty() {
        "user".to_string()
    } else {
        cols.join(" / ")
    };
    let lik = if log { "log_likelihood" } else { "likelihood" };
    let mut t = Table::new(&[
        "rank",
        "session_id",
        &user,
        "time_min",
        lik,
        "rarest_window",
    ]);
    let mut order: Vec<usize> = (0..o.scores.len())
        .filter(|&i| !o.scores[i].likelihood.is_nan())
        .collect();
    let rarer = |x: &usize, y: &usize| {
        o.scores[*x]
            .likelihood
            .total_cmp(&o.scores[*y].likelihood)
            .then(x.cmp(y))
    };
    // The `top` first, then only those sorted (a total order: the same rows
    // a full sort gives, without sorting every session).
    if order.len() > top {
        if top == 0 {
            order.clear();
        } else {
            order.select_nth_unstable_by(top - 1, rarer);
            order.truncate(top);
        }
    }
    order.sort_by(rarer);
    for (rank, &i) in order.iter().take(top).enumerate() {
        let m = &o.file.meta[i];
        t.row(vec![
            (rank + 1).to_string(),
            m.session_id.to_string(),
            clip(
                &m.users
                    .iter()
                    .map(|(_, v)| v.as_deref().unwrap_or("-"))
                    .collect::<Vec<_>>()
                    .join(" / "),
                40,
            ),
            m.time_min
                .map(threatstat_core::time::format_timestamp)
                .unwrap_or_default(),
            num(o.scores[i].likelihood),
            clip(&o.scores[i].commands(&o.file.sessions, i).join(" → "), 60),
        ]);
    }
    t
}

pub fn likelihood(a: LikelihoodArgs) -> Res {
    prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
    let r = LikelihoodRequest {
        input: a.src.sessions.input().to_path_buf(),
        model: a.src.source()?,
        start_end_tokens: !a.no_start_end_tokens,
        out: a.out.clone(),
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = likelihood_file(&r)?;
    report_skipped(&r.input, &o.skipped);
    if !a.src.quiet {
        eprintln!(
            "wrote likelihoods of {} sessions{} -> {}",
            o.sessions,
            skipped_note(&o.skipped),
            a.out.display()
        );
    }
    Ok(())
}

pub fn explain(a: ExplainArgs) -> Res {
    let r = ExplainRequest {
        input: a.src.sessions.input().to_path_buf(),
        model: a.src.source()?,
        window: a.window.options(),
        session_id: a.session_id,
        bad_rows: a.src.sessions.bad_rows(),
    };
    let o = explain_session(&r)?;
    report_skipped(&r.input, &o.skipped);
    crate::print::print_json(&o.explanation)
}
