//! `markov sessionize`: an event CSV in, a sessions file out.

use super::MarkovWorkflowError;
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, Error, ParamGuard, SkipReport};
use threatstat_markov::io::{EventColumns, read_events_csv, write_sessions_jsonl};
use threatstat_markov::sessionize::SessionizeParams;

/// Which events to split, how, and where to write the sessions.
#[derive(Debug, Clone)]
pub struct SessionizeRequest {
    /// The event CSV (gzip allowed).
    pub input: PathBuf,
    /// Which columns hold users, times, commands and parameters.
    pub columns: EventColumns,
    /// The session limits (msticpy's `max_session_time_mins`, `max_event_separation_mins`).
    pub params: SessionizeParams,
    /// The sessions file to write (JSON Lines; `-` for standard output; a
    /// `.parquet`/`.arrow` file is written in the columnar layout of
    /// [`threatstat_markov::columnar`]).
    pub out: PathBuf,
    /// What to do with bad rows of `input`.
    pub bad_rows: BadRowPolicy,
}

/// What [`sessionize_file`] read and wrote.
#[derive(Debug, Clone)]
pub struct SessionizeOutcome {
    /// Events read.
    pub events: usize,
    /// Sessions written.
    pub sessions: usize,
    /// Bad rows skipped.
    pub skipped: SkipReport,
}

/// Splits the events of `r.input` into sessions (msticpy
/// `sessionize_data`: same sessions, same order) and writes them to `r.out`
/// in the golden `sessions.jsonl` format. Only the events and the split are
/// held in memory; a file with a header and no usable row is an error.
///
/// ```
/// use threatstat_core::BadRowPolicy;
/// use threatstat_markov::io::EventColumns;
/// use threatstat_markov::sessionize::SessionizeParams;
/// use threatstat_workflow::markov::{SessionizeRequest, sessionize_file};
/// let dir = std::env::temp_dir();
/// let input = dir.join("threatstat-wf-doc-events.csv");
/// std::fs::write(&input, "t,u,op\n2020-01-01T00:00:00Z,a,X\n2020-01-01T00:01:00Z,a,Y\nbad,a,Z\n").unwrap();
/// let r = SessionizeRequest {
///     input,
///     columns: EventColumns {
///         user_cols: vec!["u".into()],
///         time_col: "t".into(),
///         event_col: "op".into(),
///         params_col: None,
///     },
///     params: SessionizeParams::new(20.0, 2.0),
///     out: dir.join("threatstat-wf-doc-sessions.jsonl"),
///     bad_rows: BadRowPolicy::Skip,
/// };
/// let o = sessionize_file(&r).unwrap();
/// assert_eq!((o.events, o.sessions, o.skipped.skipped), (2, 1, 1));
/// ```
pub fn sessionize_file(r: &SessionizeRequest) -> Result<SessionizeOutcome, MarkovWorkflowError> {
    let params = r.params.check()?;
    let (log, skipped) = read_events_csv(&r.input, &r.columns, r.bad_rows)?;
    // A header and nothing usable is a wrong file, not an empty result.
    if log.is_empty() {
        // When every row was skipped, the report's examples say why.
        let why = if skipped.skipped > 0 {
            format!(" left (every row was skipped; {skipped})")
        } else {
            String::new()
        };
        return Err(
            Error::data(r.input.display().to_string(), format!("no data rows{why}")).into(),
        );
    }
    if threatstat_markov::columnar::is_columnar(&r.out) {
        // Parquet/IPC (by the extension): the layout of `markov convert`.
        let (sessions, file) = threatstat_markov::io::sessionize_log(&log, &params)?;
        threatstat_markov::columnar::write_sessions(&r.out, &file)?;
        return Ok(SessionizeOutcome {
            events: log.len(),
            sessions: sessions.len(),
            skipped,
        });
    }
    // Written straight from the events and the split: no session set or
    // metadata of the whole file in memory.
    let sessions = params.split(&log.users, &log.times)?;
    write_sessions_jsonl(&r.out, &log, &sessions)?;
    Ok(SessionizeOutcome {
        events: log.len(),
        sessions: sessions.len(),
        skipped,
    })
}
