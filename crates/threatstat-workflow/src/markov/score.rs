//! `markov score`: the rarest window of each session, as a tidy scores table.

use super::{MarkovWorkflowError, ModelSource, load_sessions_for};
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, SkipReport};
use threatstat_markov::io::write_scores_csv;
use threatstat_markov::score_table::write_score_table;
use threatstat_markov::{MarkovModel, RarestWindow, SessionFile, WindowOptions};

/// What to score, with which model and window, and where to write it.
#[derive(Debug, Clone)]
pub struct ScoreRequest {
    /// The sessions file (JSON Lines).
    pub input: PathBuf,
    /// The model: fitted on the sessions or a saved one.
    pub model: ModelSource,
    /// The window (`keep_window_likelihoods` is set for the msticpy format,
    /// which writes them; set it to have them in the outcome otherwise).
    pub window: WindowOptions,
    /// Natural-log likelihoods (no underflow on long sessions).
    pub log: bool,
    /// The scores CSV to write (`-` for standard output).
    pub out: PathBuf,
    /// What to do with bad lines of `input`.
    pub bad_rows: BadRowPolicy,
}

/// What [`score_file`] computed and wrote.
#[derive(Debug, Clone)]
pub struct ScoreOutcome {
    /// The sessions scored.
    pub file: SessionFile,
    /// The model they were scored with.
    pub model: MarkovModel,
    /// The rarest window of each session, in file order.
    pub scores: Vec<RarestWindow>,
    /// Sessions shorter than the window (likelihood NaN).
    pub without_window: usize,
    /// Bad lines skipped.
    pub skipped: SkipReport,
}

/// Scores the rarest window of each session of `r.input` and writes the
/// tidy scores table ([`threatstat_markov::score_table`]: the session's
/// user columns and times, the window's commands as columns) to `r.out`.
///
/// ```
/// use threatstat_markov::{SessionType, WindowOptions};
/// use threatstat_workflow::markov::{FitOptions, ModelSource, ScoreRequest, score_file};
/// let dir = std::env::temp_dir();
/// let input = dir.join("threatstat-wf-doc-score.jsonl");
/// std::fs::write(&input, "{\"cmds\": [\"A\", \"B\"]}\n{\"cmds\": [\"B\"]}\n").unwrap();
/// let r = ScoreRequest {
///     input,
///     model: ModelSource::Fit(FitOptions::new(SessionType::Cmds)),
///     window: WindowOptions::new(3),
///     log: false,
///     out: dir.join("threatstat-wf-doc-scores.csv"),
///     bad_rows: Default::default(),
/// };
/// let o = score_file(&r).unwrap();
/// assert_eq!((o.scores.len(), o.without_window), (2, 1));
/// ```
pub fn score_file(r: &ScoreRequest) -> Result<ScoreOutcome, MarkovWorkflowError> {
    score_file_as(r, ScoresFormat::Tidy)
}

/// The layout of a scores file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScoresFormat {
    /// The tidy table ([`threatstat_markov::score_table`]).
    #[default]
    Tidy,
    /// msticpy's `rarest_*.csv` (JSON lists in cells, every window's
    /// likelihood), byte for byte as msticpy writes it: for diffing
    /// against msticpy.
    Msticpy,
}

/// [`score_file`], writing the scores in `format`.
pub fn score_file_as(
    r: &ScoreRequest,
    format: ScoresFormat,
) -> Result<ScoreOutcome, MarkovWorkflowError> {
    let (file, skipped) = load_sessions_for(&r.input, r.bad_rows, r.model.session_type())?;
    let model = r.model.model_for(&file)?;
    // Every window's likelihood only where it is written (one vector per
    // session otherwise allocated for nothing).
    let o = r.window.keep_window_likelihoods(
        r.window.keep_window_likelihoods || format == ScoresFormat::Msticpy,
    );
    let scores = if r.log {
        model.rarest_windows_log(&file.sessions, &o)?
    } else {
        model.rarest_windows(&file.sessions, &o)?
    };
    match format {
        ScoresFormat::Tidy => write_score_table(&r.out, &file, &scores, r.window.window, r.log)?,
        ScoresFormat::Msticpy => write_scores_csv(&r.out, &file, &scores)?,
    }
    let without_window = scores.iter().filter(|s| s.likelihood.is_nan()).count();
    Ok(ScoreOutcome {
        file,
        model,
        scores,
        without_window,
        skipped,
    })
}
