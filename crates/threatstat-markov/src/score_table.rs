//! The tidy scores table of `markov score`: one row per session, joined to
//! the session's user columns and times, the rarest window's commands as
//! separate columns, nothing a DataFrame reader has to parse again.
//!
//! Columns, in order:
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `session_id` | integer | the session's id in the sessions file |
//! | each user column | text | as named at `sessionize` time (`--user-cols`); empty when missing |
//! | `time_min`, `time_max` | RFC 3339 UTC | first and last event of the session |
//! | `n_cmds` | integer | events in the session |
//! | `rarest_window_likelihood` | float | the rarest window's likelihood (`rarest_window_log_likelihood` with `--log`); empty without a full window |
//! | `rarest_window_start` | integer | index of its first event; empty without a full window |
//! | `window_1` … `window_W` | text | its commands; empty beyond its length (the end token is not a command) |
//!
//! Numbers are shortest round-trip decimals (exponent below 1e-4 and from
//! 1e16), so the scores read back bit for bit. msticpy's `rarest_*.csv`
//! format, with JSON lists inside cells, stays available as
//! [`write_scores_csv`](crate::io::write_scores_csv).
//!
//! [`ScoreTableWriter`] writes row by row (one buffer for the whole file,
//! no allocation per row); [`write_score_table`] writes a scored file.
//! [`write_window_long`] writes the windows as a long table instead:
//! `session_id, position, cmd`, one row per command.
//!
//! ```
//! use threatstat_core::Fit;
//! use threatstat_markov::score_table::write_score_table;
//! use threatstat_markov::{MarkovModel, SessionType, WindowOptions};
//! use threatstat_markov::io::read_sessions_jsonl;
//! let dir = std::env::temp_dir();
//! let input = dir.join("threatstat-doc-score-table.jsonl");
//! std::fs::write(&input, concat!(
//!     "{\"session_id\": 0, \"user\": \"a\", \"time_min\": \"2020-01-01T00:00:00Z\", ",
//!     "\"time_max\": \"2020-01-01T00:01:00Z\", \"cmds\": [\"A\", \"B\", \"A\"]}\n",
//!     "{\"session_id\": 1, \"user\": \"b\", \"time_min\": \"2020-01-01T00:02:00Z\", ",
//!     "\"time_max\": \"2020-01-01T00:02:00Z\", \"cmds\": [\"B\"]}\n")).unwrap();
//! let file = read_sessions_jsonl(&input).unwrap();
//! let m = MarkovModel::params().session_type(SessionType::Cmds).fit(&file.sessions).unwrap();
//! let w = WindowOptions::new(2);
//! let scores = m.rarest_windows(&file.sessions, &w).unwrap();
//! let out = dir.join("threatstat-doc-score-table.csv");
//! write_score_table(&out, &file, &scores, 2, false).unwrap();
//! let text = std::fs::read_to_string(&out).unwrap();
//! let mut lines = text.lines();
//! assert_eq!(lines.next(), Some("session_id,user,time_min,time_max,n_cmds,\
//! rarest_window_likelihood,rarest_window_start,window_1,window_2"));
//! assert!(lines.next().unwrap().starts_with("0,a,2020-01-01T00:00:00Z,2020-01-01T00:01:00Z,3,"));
//! ```

use crate::io::{SessionFile, SessionMeta};
use crate::{MarkovError, RarestWindow};
use std::io::{BufWriter, Write};
use std::path::Path;
use threatstat_core::Error;
use threatstat_core::atomic::AtomicFile;
use threatstat_core::tidy::{write_field, write_number};
use threatstat_core::time::write_timestamp;

/// The fixed columns (the user columns go after `session_id`).
const FIXED: [&str; 5] = [
    "session_id",
    "time_min",
    "time_max",
    "n_cmds",
    "rarest_window_start",
];

/// Writes the tidy scores table row by row to a file, committed (renamed
/// into place) by [`ScoreTableWriter::finish`]; dropped unfinished, it
/// leaves no file.
pub struct ScoreTableWriter {
    w: BufWriter<AtomicFile>,
    path: std::path::PathBuf,
    users: usize,
    window: usize,
}

impl ScoreTableWriter {
    /// Opens `path` (`-` for standard output) and writes the header:
    /// `user_cols` as the sessions file names them, windows of at most
    /// `window` commands, `log` naming the likelihood column
    /// `rarest_window_log_likelihood`. A user column named like a fixed
    /// column, or like another user column, is an error (the table would
    /// have two columns of one name).
    pub fn create(
        path: &Path,
        user_cols: &[&str],
        window: usize,
        log: bool,
    ) -> Result<ScoreTableWriter, MarkovError> {
        check_user_columns(path, user_cols)?;
        let mut t = ScoreTableWriter {
            w: BufWriter::with_capacity(1 << 16, AtomicFile::create(path)?),
            path: path.to_path_buf(),
            users: user_cols.len(),
            window,
        };
        let lik = if log {
            "rarest_window_log_likelihood"
        } else {
            "rarest_window_likelihood"
        };
        let mut head = || -> std::io::Result<()> {
            t.w.write_all(b"session_id")?;
            for c in user_cols {
                t.w.write_all(b",")?;
                write_field(&mut t.w, c)?;
            }
            write!(t.w, ",time_min,time_max,n_cmds,{lik},rarest_window_start")?;
            for k in 1..=window {
                write!(t.w, ",window_{k}")?;
            }
            t.w.write_all(b"\n")
        };
        head().map_err(|e| Error::io(path, e))?;
        Ok(t)
    }

    /// Writes one session's row: its metadata, its length, its rarest
    /// window and the window's commands (at most `window` of them).
    pub fn write_row<'a>(
        &mut self,
        meta: &SessionMeta,
        n_cmds: usize,
        score: &RarestWindow,
        cmds: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), MarkovError> {
        self.row(meta, n_cmds, score, cmds)
            .map_err(|e| Error::io(&self.path, e).into())
    }

    fn row<'a>(
        &mut self,
        meta: &SessionMeta,
        n_cmds: usize,
        score: &RarestWindow,
        cmds: impl IntoIterator<Item = &'a str>,
    ) -> std::io::Result<()> {
        let w = &mut self.w;
        write!(w, "{}", meta.session_id)?;
        for j in 0..self.users {
            w.write_all(b",")?;
            if let Some((_, Some(v))) = meta.users.get(j) {
                write_field(w, v)?;
            }
        }
        for t in [meta.time_min, meta.time_max] {
            w.write_all(b",")?;
            if let Some(t) = t {
                write_timestamp(w, t)?;
            }
        }
        write!(w, ",{n_cmds},")?;
        write_number(w, score.likelihood)?;
        w.write_all(b",")?;
        if let Some(s) = score.start {
            write!(w, "{s}")?;
        }
        let mut written = 0;
        for c in cmds.into_iter().take(self.window) {
            w.write_all(b",")?;
            write_field(w, c)?;
            written += 1;
        }
        for _ in written..self.window {
            w.write_all(b",")?;
        }
        w.write_all(b"\n")
    }

    /// Flushes and commits the file.
    pub fn finish(self) -> Result<(), MarkovError> {
        let path = self.path;
        let f = self
            .w
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        f.commit()?;
        Ok(())
    }
}

/// Refuses a user column named like a fixed column, or like another user
/// column (the table would have two columns of one name).
pub(crate) fn check_user_columns(path: &Path, user_cols: &[&str]) -> Result<(), MarkovError> {
    for (i, c) in user_cols.iter().enumerate() {
        let clash = FIXED.contains(c)
            || c.starts_with("rarest_window")
            || (c.starts_with("window_") && c[7..].parse::<usize>().is_ok())
            || user_cols[..i].contains(c);
        if clash {
            return Err(Error::data(
                path.display().to_string(),
                format!(
                    "the sessions' user column `{c}` clashes with another column of the \
                     scores table (rename it at sessionize time)"
                ),
            )
            .into());
        }
    }
    Ok(())
}

/// The user column names of a sessions file (its first session's).
pub fn user_columns(file: &SessionFile) -> Vec<&str> {
    file.meta
        .first()
        .map(|m| m.users.iter().map(|(c, _)| c.as_str()).collect())
        .unwrap_or_default()
}

/// Writes the tidy scores table of `scores` (one per session of `file`,
/// in order) to `path`; see the [module docs](self) for the columns. A
/// `.parquet`/`.arrow`/`.feather` path gets the same columns as Parquet or
/// Arrow IPC ([`crate::score_columns`]).
pub fn write_score_table(
    path: &Path,
    file: &SessionFile,
    scores: &[RarestWindow],
    window: usize,
    log: bool,
) -> Result<(), MarkovError> {
    if crate::columnar::is_columnar(path) {
        return crate::score_columns::write(path, file, scores, window, log);
    }
    let mut t = ScoreTableWriter::create(path, &user_columns(file), window, log)?;
    for (i, (m, s)) in file.meta.iter().zip(scores).enumerate() {
        t.write_row(m, file.sessions.session_len(i), s, window_cmds(file, s, i))?;
    }
    t.finish()
}

/// The commands of session `i`'s rarest window `s`, without allocating.
pub(crate) fn window_cmds<'a>(
    file: &'a SessionFile,
    s: &RarestWindow,
    i: usize,
) -> impl Iterator<Item = &'a str> {
    let cmds = match s.start {
        Some(st) => &file.sessions.session_cmds(i)[st..st + s.len],
        None => &[][..],
    };
    cmds.iter().map(|&c| file.sessions.cmd_name(c))
}

/// Writes the rarest windows as a long table, `session_id,position,cmd`:
/// one row per command of each window, `position` its 0-based index in
/// the session (sessions without a full window have no rows).
pub fn write_window_long(
    path: &Path,
    file: &SessionFile,
    scores: &[RarestWindow],
) -> Result<(), MarkovError> {
    let io = |e| Error::io(path, e);
    let mut w = BufWriter::with_capacity(1 << 16, AtomicFile::create(path)?);
    w.write_all(b"session_id,position,cmd\n").map_err(io)?;
    for (i, (m, s)) in file.meta.iter().zip(scores).enumerate() {
        for (j, c) in window_cmds(file, s, i).enumerate() {
            let pos = s.start.unwrap_or(0) + j;
            write!(w, "{},{pos},", m.session_id).map_err(io)?;
            write_field(&mut w, c).map_err(io)?;
            w.write_all(b"\n").map_err(io)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?
        .commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_column_named_like_a_table_column_is_refused() {
        let p = std::env::temp_dir().join(format!("ts-score-table-{}.csv", std::process::id()));
        for bad in [&["n_cmds"][..], &["window_2"], &["u", "u"]] {
            let e = ScoreTableWriter::create(&p, bad, 3, false).err().unwrap();
            assert!(e.to_string().contains("clashes"), "{e}");
        }
        assert!(!p.exists());
    }

    /// The tidy writer against msticpy's on 100 000 sessions (the golden
    /// sessions 250 times). Run with
    /// `cargo test --release -p threatstat-markov --lib -- --ignored writers_time`.
    #[test]
    #[ignore = "timing; run in release"]
    fn writers_time() {
        use crate::io::{read_sessions_jsonl, write_scores_csv};
        use crate::{MarkovModel, SessionType, WindowOptions};
        use threatstat_core::Fit;
        let fx = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/msticpy/sessions.jsonl");
        let text = std::fs::read_to_string(fx).unwrap();
        let dir = std::env::temp_dir().join(format!("ts-writers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.jsonl");
        std::fs::write(&big, text.repeat(250)).unwrap();
        let file = read_sessions_jsonl(&big).unwrap();
        let m = MarkovModel::params()
            .session_type(SessionType::Cmds)
            .fit(&file.sessions)
            .unwrap();
        let w = WindowOptions::new(3).keep_window_likelihoods(true);
        let scores = m.rarest_windows(&file.sessions, &w).unwrap();
        let t = std::time::Instant::now();
        write_score_table(&dir.join("tidy.csv"), &file, &scores, 3, false).unwrap();
        let tidy = t.elapsed();
        let t = std::time::Instant::now();
        write_scores_csv(&dir.join("msticpy.csv"), &file, &scores).unwrap();
        let msticpy = t.elapsed();
        eprintln!(
            "{} sessions: tidy table {:.1} ms, msticpy format {:.1} ms",
            scores.len(),
            tidy.as_secs_f64() * 1e3,
            msticpy.as_secs_f64() * 1e3
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
