//! The timeline of rarest-window likelihoods that `threatstat markov plot`,
//! the `exchange_sequences` experiment and the notebook draw.

use super::MarkovWorkflowError;
use std::collections::HashMap;
use std::path::Path;
use threatstat_core::Error;
use threatstat_core::reader::CsvTable;
use threatstat_markov::SessionFile;
use threatstat_markov::io::read_sessions_jsonl;
use threatstat_plot::{PlotReport, TimelinePoint, TimelineSpec};

/// The timeline point of session `i`: start time, likelihood, grouped by
/// the first user column, with user, time and window in the hover text.
pub fn timeline_point(
    file: &SessionFile,
    i: usize,
    likelihood: f64,
    window: &str,
) -> TimelinePoint {
    let m = &file.meta[i];
    let group = m
        .users
        .first()
        .map(|(c, v)| v.clone().unwrap_or_else(|| format!("(no {c})")))
        .unwrap_or_default();
    let mut hover = vec![format!("session: {}", m.session_id)];
    for (c, v) in &m.users {
        hover.push(format!("{c}: {}", v.as_deref().unwrap_or("-")));
    }
    if let Some(t) = m.time_min {
        hover.push(format!(
            "time: {}",
            threatstat_core::time::format_timestamp(t)
        ));
    }
    hover.push(format!("likelihood: {likelihood:.3e}"));
    hover.push(format!("rarest window: {window}"));
    TimelinePoint {
        time_unix_s: m.time_min.unwrap_or(0) as f64 / 1e9,
        value: likelihood,
        group,
        hover,
    }
}

/// One row of a scores CSV written by `markov score`.
struct ScoreRow {
    line: u64,
    session_id: u64,
    likelihood: f64,
    window: String,
}

/// Where the window's commands are in a scores CSV.
enum WindowColumns {
    /// `markov score`'s tidy table: `window_1`, `window_2`, ...
    Tidy(Vec<usize>),
    /// msticpy's `rarest_*.csv` (and tables written before the tidy
    /// one): a JSON list in `rarest_window`.
    Json(usize),
}

/// Reads the rows of a scores CSV: `session_id`, the likelihood
/// (`rarest_window_likelihood` or `rarest_window_log_likelihood`; empty or
/// `NaN` without a full window) and the window (`window_1`... columns, or
/// msticpy's JSON list in `rarest_window`); other columns ignored.
fn read_scores(path: &Path) -> Result<Vec<ScoreRow>, Error> {
    // Read as CSV only: a Parquet/IPC file is refused, not parsed as text.
    if threatstat_markov::columnar::is_columnar(path) {
        return Err(Error::parse(
            threatstat_core::Location::file(path),
            "markov plot reads the scores as CSV (`markov score --out scores.csv`) from --input; \
             Parquet/IPC scores are not read yet",
        ));
    }
    let mut t = CsvTable::open(path)?;
    let ci = t.column("session_id")?;
    let cl = t
        .column("rarest_window_log_likelihood")
        .or_else(|_| t.column("rarest_window_likelihood"))?;
    let tidy: Vec<usize> = (1..)
        .map_while(|k| t.column(&format!("window_{k}")).ok())
        .collect();
    let cw = if tidy.is_empty() {
        WindowColumns::Json(t.column("rarest_window")?)
    } else {
        WindowColumns::Tidy(tidy)
    };
    let mut rec = csv::ByteRecord::new();
    let mut out = Vec::new();
    while let Some(line) = t.next_record(&mut rec)? {
        let id = t.field(&rec, ci, line)?;
        let session_id: u64 = id.parse().map_err(|_| {
            Error::parse(
                t.location(line, ci),
                format!("expected an integer, found `{id}`"),
            )
        })?;
        let l = t.field(&rec, cl, line)?;
        let likelihood: f64 = if l == "NaN" || l.is_empty() {
            f64::NAN
        } else {
            l.parse().map_err(|_| {
                Error::parse(
                    t.location(line, cl),
                    format!("expected a number, found `{l}`"),
                )
            })?
        };
        let window = match &cw {
            WindowColumns::Json(c) => t.field(&rec, *c, line)?.to_string(),
            WindowColumns::Tidy(cs) => {
                let mut w = Vec::with_capacity(cs.len());
                for &c in cs {
                    let f = t.field(&rec, c, line)?;
                    if !f.is_empty() {
                        w.push(f);
                    }
                }
                w.join(" → ")
            }
        };
        out.push(ScoreRow {
            line,
            session_id,
            likelihood,
            window,
        });
    }
    Ok(out)
}

/// Draws the timeline of a scores CSV (`markov score`'s output) over the
/// sessions file that was scored, to `out` (`.png`, `.svg` or `.html`).
///
/// Errors name the file and line: a scores file without data rows, a
/// `session_id` not in the sessions file.
pub fn plot_timeline(
    scores: &Path,
    sessions: &Path,
    title: &str,
    out: &Path,
) -> Result<PlotReport, MarkovWorkflowError> {
    let rows = read_scores(scores)?;
    if rows.is_empty() {
        return Err(Error::parse(
            threatstat_core::Location::file(scores),
            "no scores (header only)",
        )
        .into());
    }
    let file = if threatstat_markov::columnar::is_columnar(sessions) {
        threatstat_markov::columnar::read_sessions(sessions, None)?
    } else {
        read_sessions_jsonl(sessions)?
    };
    let by_id: HashMap<u64, usize> = file
        .meta
        .iter()
        .enumerate()
        .map(|(i, m)| (m.session_id, i))
        .collect();
    let mut points = Vec::with_capacity(rows.len());
    for r in rows {
        let i = *by_id.get(&r.session_id).ok_or_else(|| {
            Error::parse(
                threatstat_core::Location::file(scores)
                    .at_line(r.line)
                    .in_field("session_id"),
                format!(
                    "session_id {} is not in {}",
                    r.session_id,
                    sessions.display()
                ),
            )
        })?;
        points.push(timeline_point(&file, i, r.likelihood, &r.window));
    }
    let spec = TimelineSpec {
        title: title.to_string(),
        y_label: "rarest-window likelihood".into(),
        ..Default::default()
    };
    Ok(threatstat_plot::timeline(&points, &spec, out)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../threatstat-markov/tests/fixtures/msticpy")
            .join(name)
    }

    #[test]
    fn plots_msticpy_scores_and_names_a_session_not_in_the_sessions_file() {
        let dir = std::env::temp_dir().join(format!("ts-wf-markov-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let scores = fixture("rarest_cmds_only_w3_tokensT_geoF.csv");
        let sessions = fixture("sessions.jsonl");
        let r = plot_timeline(&scores, &sessions, "t", &dir.join("t.svg")).unwrap();
        // 246 of msticpy's 400 sessions have no full window of 3 (NaN).
        assert_eq!((r.drawn, r.skipped), (154, 246));
        let bad = dir.join("bad.csv");
        std::fs::write(
            &bad,
            "session_id,rarest_window_likelihood,rarest_window\n0,0.5,\"[]\"\n999,0.1,\"[]\"\n",
        )
        .unwrap();
        let e = plot_timeline(&bad, &sessions, "t", &dir.join("u.svg"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad.csv:3") && e.contains("session_id 999"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_the_tidy_table_with_empty_likelihoods() {
        let dir = std::env::temp_dir().join(format!("ts-wf-markov-tidy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("tidy.csv");
        std::fs::write(
            &p,
            "session_id,UserId,time_min,time_max,n_cmds,rarest_window_likelihood,\
             rarest_window_start,window_1,window_2\n3,u,,,2,0.25,0,A,B\n4,u,,,1,,,,\n",
        )
        .unwrap();
        let rows = read_scores(&p).unwrap();
        assert_eq!((rows[0].session_id, rows[0].likelihood), (3, 0.25));
        assert_eq!(rows[0].window, "A → B");
        assert!(rows[1].likelihood.is_nan() && rows[1].window.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
