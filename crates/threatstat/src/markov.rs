//! `threatstat markov ...`

use crate::args;
use crate::outputs::prepare;
use clap::{Args, Subcommand};
use std::error::Error;
use std::path::{Path, PathBuf};
use threatstat_core::{BadRowPolicy, Fit, ModelFile, ParamGuard};
use threatstat_markov::io::{
    EventColumns, read_events_csv, read_sessions_jsonl, write_likelihoods_csv, write_scores_csv,
    write_sessions_jsonl,
};
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{MarkovModel, SessionFile, SessionType, WindowOptions};

type BoxError = Box<dyn Error + Send + Sync>;
type Res = Result<(), BoxError>;

#[derive(Subcommand)]
pub enum MarkovCmd {
    /// Split events of a CSV file into sessions (msticpy sessionize_data).
    Sessionize(SessionizeArgs),
    /// Fit a model on sessions and save it as JSON.
    Fit(FitArgs),
    /// Score the rarest window of each session (msticpy compute_rarest_windows).
    Score(ScoreArgs),
    /// Likelihood, geometric mean and log-likelihood of each whole session.
    Likelihood(LikelihoodArgs),
    /// Explain one session's rarest window step by step (JSON on stdout).
    Explain(ExplainArgs),
    /// Timeline of rarest-window likelihoods (PNG, SVG or interactive HTML).
    Plot(PlotArgs),
}

#[derive(Args)]
pub struct SessionizeArgs {
    /// Event CSV (gzip allowed).
    #[arg(long)]
    input: PathBuf,
    /// Comma-separated user-identifier columns (may be empty).
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    user_cols: Vec<String>,
    /// Time column (ISO-8601).
    #[arg(long)]
    time_col: String,
    /// Command column.
    #[arg(long)]
    event_col: String,
    /// Parameters column (JSON).
    #[arg(long)]
    params_col: Option<String>,
    /// Maximum session length in minutes.
    #[arg(long, default_value_t = 20.0, value_parser = args::float(0.0, false, 1.5e8, false))]
    max_session_mins: f64,
    /// Maximum gap between consecutive events in minutes.
    #[arg(long, default_value_t = 2.0, value_parser = args::float(0.0, false, 1.5e8, false))]
    max_gap_mins: f64,
    /// Output sessions file (JSON Lines).
    #[arg(long)]
    out: PathBuf,
    /// Skip bad rows (counted and reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
}

/// Where the model comes from: fitted on the sessions, or loaded.
#[derive(Args)]
pub struct ModelSource {
    /// Sessions file (JSON Lines, as written by `sessionize`).
    #[arg(long)]
    sessions: PathBuf,
    /// Session type: cmds, params or values (msticpy names also accepted).
    #[arg(long)]
    session_type: Option<String>,
    /// Score with this saved model instead of fitting on the sessions.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Parameters whose values are modelled (values type; overrides msticpy's heuristic).
    #[arg(long, value_delimiter = ',')]
    modellable_params: Option<Vec<String>>,
}

#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    src: ModelSource,
    /// Where to write the model (JSON).
    #[arg(long)]
    model_out: PathBuf,
}

#[derive(Args)]
pub struct WindowArgs {
    /// Window length.
    #[arg(long, default_value_t = 3, value_parser = args::int::<usize>(1, 10_000))]
    window: usize,
    /// Do not use the start and end tokens.
    #[arg(long)]
    no_start_end_tokens: bool,
    /// Report window likelihoods to the power 1/window.
    #[arg(long)]
    geo_mean: bool,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    src: ModelSource,
    #[command(flatten)]
    window: WindowArgs,
    /// Report natural-log likelihoods (no underflow on long sessions).
    #[arg(long)]
    log: bool,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct LikelihoodArgs {
    #[command(flatten)]
    src: ModelSource,
    /// Do not use the start and end tokens.
    #[arg(long)]
    no_start_end_tokens: bool,
    /// Output CSV.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    src: ModelSource,
    #[command(flatten)]
    window: WindowArgs,
    /// The session to explain (its session_id).
    #[arg(long)]
    session_id: u64,
}

#[derive(Args)]
pub struct PlotArgs {
    /// Scores CSV written by `score`.
    #[arg(long)]
    scores: PathBuf,
    /// The sessions file that was scored.
    #[arg(long)]
    sessions: PathBuf,
    /// Output figure: .png, .svg or .html.
    #[arg(long)]
    out: PathBuf,
    /// Figure title.
    #[arg(long, default_value = "Rarest-window likelihood of each session")]
    title: String,
}

pub fn run(cmd: MarkovCmd) -> Res {
    match cmd {
        MarkovCmd::Sessionize(a) => sessionize(a),
        MarkovCmd::Fit(a) => {
            prepare(&a.src.inputs(), &[Some(a.model_out.as_path())], &[])?;
            let (file, model) = load_and_model(&a.src)?;
            model.save(&a.model_out)?;
            eprintln!(
                "fitted a {} model on {} sessions ({} events, {} commands) -> {}",
                model.session_type().msticpy_name(),
                file.sessions.len(),
                file.sessions.n_events(),
                model.counts().cmds.len(),
                a.model_out.display()
            );
            Ok(())
        }
        MarkovCmd::Score(a) => {
            prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
            let (file, model) = load_and_model(&a.src)?;
            let o = window_options(&a.window).keep_window_likelihoods(true);
            let scores = if a.log {
                model.rarest_windows_log(&file.sessions, &o)?
            } else {
                model.rarest_windows(&file.sessions, &o)?
            };
            write_scores_csv(&a.out, &file, &scores)?;
            let nan = scores.iter().filter(|s| s.likelihood.is_nan()).count();
            eprintln!(
                "scored {} sessions ({} without a full window of {}) -> {}",
                scores.len(),
                nan,
                a.window.window,
                a.out.display()
            );
            Ok(())
        }
        MarkovCmd::Likelihood(a) => {
            prepare(&a.src.inputs(), &[Some(a.out.as_path())], &[])?;
            let (file, model) = load_and_model(&a.src)?;
            let tokens = !a.no_start_end_tokens;
            let lik = model.session_likelihoods(&file.sessions, tokens)?;
            let geo = model.geomean_likelihoods(&file.sessions, tokens)?;
            let log = model.session_log_likelihoods(&file.sessions, tokens)?;
            write_likelihoods_csv(&a.out, &file, &lik, &geo, &log)?;
            eprintln!(
                "wrote likelihoods of {} sessions -> {}",
                lik.len(),
                a.out.display()
            );
            Ok(())
        }
        MarkovCmd::Explain(a) => {
            let (file, model) = load_and_model(&a.src)?;
            let i = file
                .meta
                .iter()
                .position(|m| m.session_id == a.session_id)
                .ok_or_else(|| {
                    format!(
                        "no session with session_id {} in {}",
                        a.session_id,
                        a.src.sessions.display()
                    )
                })?;
            let e = model.explain(&file.sessions, i, &window_options(&a.window))?;
            crate::print::print_json(&e)
        }
        MarkovCmd::Plot(a) => plot(&a),
    }
}

impl ModelSource {
    /// The files read: the sessions and the model, if any.
    fn inputs(&self) -> [Option<&Path>; 2] {
        [Some(&self.sessions), self.model.as_deref()]
    }
}

fn window_options(w: &WindowArgs) -> WindowOptions {
    WindowOptions::new(w.window)
        .start_end_tokens(!w.no_start_end_tokens)
        .geo_mean(w.geo_mean)
}

fn load_and_model(src: &ModelSource) -> Result<(SessionFile, MarkovModel), BoxError> {
    let file = read_sessions_jsonl(&src.sessions)?;
    if file.sessions.is_empty() {
        return Err(format!("{}: no sessions", src.sessions.display()).into());
    }
    let asked: Option<SessionType> = src.session_type.as_deref().map(str::parse).transpose()?;
    let model = match (&src.model, asked) {
        (Some(path), asked) => {
            let m = MarkovModel::load(path)?;
            if let Some(t) = asked.filter(|&t| t != m.session_type()) {
                return Err(format!(
                    "--session-type {} does not match the model's type {}",
                    t.msticpy_name(),
                    m.session_type().msticpy_name()
                )
                .into());
            }
            if src.modellable_params.is_some() {
                return Err("--modellable-params applies when fitting, not with --model".into());
            }
            m
        }
        (None, Some(t)) => {
            let mut p = MarkovModel::params().session_type(t);
            if let Some(mp) = &src.modellable_params {
                p = p.modellable_params(mp.iter().cloned());
            }
            p.fit(&file.sessions)?
        }
        (None, None) => {
            return Err("give --session-type (to fit on the sessions) or --model".into());
        }
    };
    Ok((file, model))
}

fn sessionize(a: SessionizeArgs) -> Res {
    let cols = EventColumns {
        user_cols: a
            .user_cols
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        time_col: a.time_col,
        event_col: a.event_col,
        params_col: a.params_col,
    };
    let policy = if a.skip_bad_rows {
        BadRowPolicy::Skip
    } else {
        BadRowPolicy::Error
    };
    let params = SessionizeParams::new(a.max_session_mins, a.max_gap_mins).check()?;
    prepare(&[Some(a.input.as_path())], &[Some(a.out.as_path())], &[])?;
    let (log, skipped) = read_events_csv(&a.input, &cols, policy)?;
    if skipped.skipped > 0 {
        eprintln!("{}: {skipped}", a.input.display());
    }
    // A header and nothing usable is a wrong file, not an empty result.
    if log.times.is_empty() {
        let why = if skipped.skipped > 0 {
            " left (every row was skipped)"
        } else {
            ""
        };
        return Err(format!("{}: no data rows{why}", a.input.display()).into());
    }
    // Written straight from the events and the split: no session set or
    // metadata of the whole file in memory.
    let sessions = params.split(&log.users, &log.times)?;
    write_sessions_jsonl(&a.out, &log, &sessions)?;
    eprintln!(
        "{} events -> {} sessions -> {}",
        log.times.len(),
        sessions.len(),
        a.out.display()
    );
    Ok(())
}

/// Reads the rows of a scores CSV: (session_id, likelihood, window text).
fn read_scores(path: &Path) -> Result<Vec<(u64, f64, String)>, BoxError> {
    let mut t = threatstat_core::reader::CsvTable::open(path)?;
    let (ci, cl, cw) = (
        t.column("session_id")?,
        t.column("rarest_window_likelihood")?,
        t.column("rarest_window")?,
    );
    let mut rec = csv::ByteRecord::new();
    let mut out = Vec::new();
    while let Some(line) = t.next_record(&mut rec)? {
        let id = t.field(&rec, ci, line)?;
        let id: u64 = id.parse().map_err(|_| {
            threatstat_core::Error::parse(
                t.location(line, ci),
                format!("expected an integer, found `{id}`"),
            )
        })?;
        let l = t.field(&rec, cl, line)?;
        let lik: f64 = if l == "NaN" {
            f64::NAN
        } else {
            l.parse().map_err(|_| {
                threatstat_core::Error::parse(
                    t.location(line, cl),
                    format!("expected a number, found `{l}`"),
                )
            })?
        };
        out.push((id, lik, t.field(&rec, cw, line)?.to_string()));
    }
    Ok(out)
}

fn plot(a: &PlotArgs) -> Res {
    threatstat_plot::check_output(&a.out, true)?;
    prepare(
        &[Some(a.scores.as_path()), Some(a.sessions.as_path())],
        &[Some(a.out.as_path())],
        &[],
    )?;
    let scores = read_scores(&a.scores)?;
    if scores.is_empty() {
        return Err(format!("{}: no scores (header only)", a.scores.display()).into());
    }
    let file = read_sessions_jsonl(&a.sessions)?;
    let by_id: std::collections::HashMap<u64, usize> = file
        .meta
        .iter()
        .enumerate()
        .map(|(i, m)| (m.session_id, i))
        .collect();
    let mut points = Vec::with_capacity(scores.len());
    for (id, lik, window) in scores {
        let i = *by_id.get(&id).ok_or_else(|| {
            format!(
                "{}: session_id {id} is not in {}",
                a.scores.display(),
                a.sessions.display()
            )
        })?;
        points.push(threatstat_experiments::exchange_sequences::timeline_point(
            &file, i, lik, &window,
        ));
    }
    let spec = threatstat_plot::TimelineSpec {
        title: a.title.clone(),
        y_label: "rarest-window likelihood".into(),
        ..Default::default()
    };
    let r = threatstat_plot::timeline(&points, &spec, &a.out)?;
    eprintln!(
        "plotted {} sessions ({} without a likelihood not drawn) -> {}",
        r.drawn,
        r.skipped,
        a.out.display()
    );
    Ok(())
}
