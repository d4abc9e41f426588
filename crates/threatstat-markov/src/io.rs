//! Files: event CSVs in, sessions JSON Lines in and out, score CSVs out.
//!
//! Formats follow msticpy's golden files (see the repository's
//! `crates/threatstat-markov/tests/fixtures/msticpy/README.md`): sessions as
//! JSON Lines with `session_id`, the user columns, `time_min`, `time_max`,
//! `duration_s`, `number_events`, `row_ids`, `cmds` and `events`; scores as
//! CSV with floats written as Python `repr` and lists as Python `json.dumps`.
//!
//! # Memory
//!
//! An [`EventLog`] keeps its events in flat arrays and arenas: parameters in
//! [`EventParams`] (names interned, values back to back in one buffer) and
//! user keys in [`UserKeys`] (each column's values interned once, keys as
//! tuples of value ids). An event with a new user key and a new 13-byte
//! parameter value costs about 130 bytes (`tests/footprint.rs` holds it
//! under 150). Measured with `/usr/bin/time -v threatstat markov sessionize
//! --user-cols UserId,ClientIP --params-col Parameters` on a 128 MB,
//! 1,000,000-row Exchange-style CSV where nearly every row has its own
//! client IP and parameter value: 172 MB peak RSS (666 MB when each event
//! held a `Vec` of `String` pairs and each key a `Vec<String>`), of which
//! the log is about 130 MB and the split (sort order, session offsets)
//! most of the rest; the output is written a line at a time.

use crate::MarkovError;
use crate::model::SessionType;
pub use crate::params::EventParams;
use crate::scan::Need;
use crate::score::RarestWindow;
use crate::session::SessionSet;
use crate::sessionize::{CheckedSessionizeParams, Sessions, UserKeys};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_core::atomic::AtomicFile;
use threatstat_core::pyfmt::{push_py_json_str, py_json_float_list, py_json_str_list, py_repr};
use threatstat_core::reader::CsvTable;
use threatstat_core::time::{NS_PER_S, format_timestamp, parse_timestamp};
use threatstat_core::{BadRowPolicy, Error, Interner, Location, SkipReport};

/// Which CSV columns hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventColumns {
    /// User-identifier columns (msticpy `user_identifier_cols`).
    pub user_cols: Vec<String>,
    /// The time column (ISO-8601).
    pub time_col: String,
    /// The command column.
    pub event_col: String,
    /// An optional parameters column: JSON, either an array of
    /// `{"Name": .., "Value": ..}` objects (Office/Exchange audit logs), an
    /// object `{name: value}`, or an array of names.
    pub params_col: Option<String>,
}

/// A parameter: name and optional value.
pub type Param = (String, Option<String>);

/// Events read from a CSV file.
#[derive(Debug, Clone)]
pub struct EventLog {
    /// The file.
    pub path: PathBuf,
    /// The user-identifier column names.
    pub user_cols: Vec<String>,
    /// Each event's user key.
    pub users: UserKeys,
    /// Each event's time, ns since the epoch.
    pub times: Vec<i64>,
    /// Each event's 0-based CSV record index (skipped records keep their index).
    pub record_ids: Vec<u64>,
    /// Command names.
    pub cmd_names: Interner,
    /// Each event's command id in `cmd_names`.
    pub cmds: Vec<u32>,
    /// Each event's parameters in their original order.
    pub params: EventParams,
}

impl EventLog {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The parameters of event `event` (name, optional value) in their
    /// original order.
    ///
    /// # Panics
    /// If `event >= len()`.
    pub fn params_of(&self, event: usize) -> impl ExactSizeIterator<Item = (&str, Option<&str>)> {
        self.params.of(event)
    }

    /// Approximate heap bytes held by the events (buffer capacities; the
    /// command names, a few per log, are not counted).
    pub fn heap_bytes(&self) -> usize {
        self.users.heap_bytes()
            + (self.times.capacity() + self.record_ids.capacity()) * 8
            + self.cmds.capacity() * 4
            + self.params.heap_bytes()
    }
}

/// Parses a parameters cell (see [`EventColumns::params_col`]); an empty
/// cell has no parameters. Non-string values are kept as compact JSON text.
///
/// ```
/// use threatstat_markov::io::parse_params;
/// let p = parse_params(r#"[{"Name": "Identity", "Value": "bob"}, {"Name": "Force", "Value": ""}]"#).unwrap();
/// assert_eq!(p, vec![("Identity".into(), Some("bob".into())), ("Force".into(), Some("".into()))]);
/// assert_eq!(parse_params(r#"{"a": 1, "b": null}"#).unwrap(), vec![("a".into(), Some("1".into())), ("b".into(), None)]);
/// assert!(parse_params("[{").is_err());
/// ```
pub fn parse_params(cell: &str) -> Result<Vec<Param>, String> {
    let mut out = Vec::new();
    for_each_param(cell, |n, v| {
        out.push((n.to_string(), v.map(str::to_string)))
    })?;
    Ok(out)
}

/// Calls `f` on each parameter of a parameters cell (see [`parse_params`]),
/// in order; on an error some parameters may have been passed already.
fn for_each_param(cell: &str, mut f: impl FnMut(&str, Option<&str>)) -> Result<(), String> {
    use serde_json::Value;
    use std::borrow::Cow;
    if cell.trim().is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_str(cell).map_err(|e| format!("invalid JSON: {e}"))?;
    fn value(v: &Value) -> Option<Cow<'_, str>> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(Cow::Borrowed(s)),
            other => Some(Cow::Owned(other.to_string())),
        }
    }
    match v {
        Value::Object(m) => {
            for (k, v) in &m {
                f(k, value(v).as_deref());
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(name) => f(name, None),
                    Value::Object(o) => match o.get("Name") {
                        Some(Value::String(name)) => {
                            f(name, o.get("Value").and_then(value).as_deref())
                        }
                        _ => return Err(format!("parameter {i} has no string \"Name\"")),
                    },
                    _ => {
                        return Err(format!(
                            "parameter {i} is neither a name nor a {{\"Name\", \"Value\"}} object"
                        ));
                    }
                }
            }
        }
        _ => return Err("expected a JSON array or object of parameters".into()),
    }
    Ok(())
}

/// Reads events from a CSV (or gzip CSV) file.
///
/// Bad rows (ragged, non-UTF-8, unparsable time, invalid parameter JSON)
/// are errors naming file, line and column, or, under
/// [`BadRowPolicy::Skip`], counted in the returned [`SkipReport`].
/// An empty time cell is a bad row; an empty user cell is a missing value.
pub fn read_events_csv(
    path: &Path,
    cols: &EventColumns,
    policy: BadRowPolicy,
) -> Result<(EventLog, SkipReport), MarkovError> {
    let mut t = CsvTable::open(path)?;
    let user_idx = cols
        .user_cols
        .iter()
        .map(|c| t.column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let time_idx = t.column(&cols.time_col)?;
    let event_idx = t.column(&cols.event_col)?;
    let params_idx = cols
        .params_col
        .as_deref()
        .map(|c| t.column(c))
        .transpose()?;
    let mut log = EventLog {
        path: path.to_path_buf(),
        user_cols: cols.user_cols.clone(),
        users: UserKeys::new(user_idx.len()),
        times: Vec::new(),
        record_ids: Vec::new(),
        cmd_names: Interner::default(),
        cmds: Vec::new(),
        params: EventParams::default(),
    };
    let mut skips = SkipReport::default();
    let mut rec = csv::ByteRecord::new();
    let mut record: u64 = 0;
    loop {
        let line = match t.next_record(&mut rec) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            // An unreadable file (I/O, truncated gzip) stops the run even
            // under Skip; only bad rows can be skipped.
            Err(e @ Error::Io { .. }) => return Err(e.into()),
            Err(e) => {
                record += 1;
                skips.handle(policy, e)?;
                continue;
            }
        };
        let this = record;
        record += 1;
        let mut user_vals: Vec<Option<&str>> = Vec::with_capacity(user_idx.len());
        let row = (|| -> Result<_, Error> {
            for &i in &user_idx {
                let v = t.field(&rec, i, line)?;
                user_vals.push((!v.is_empty()).then_some(v));
            }
            let ts = t.field(&rec, time_idx, line)?;
            let time =
                parse_timestamp(ts).map_err(|m| Error::parse(t.location(line, time_idx), m))?;
            let cmd = t.field(&rec, event_idx, line)?;
            if cmd.is_empty() {
                return Err(Error::parse(t.location(line, event_idx), "empty command"));
            }
            if let Some(i) = params_idx {
                for_each_param(t.field(&rec, i, line)?, |n, v| log.params.push(n, v))
                    .map_err(|m| Error::parse(t.location(line, i), m))?;
            }
            Ok((time, cmd))
        })();
        match row {
            Ok((time, cmd)) => {
                log.users.push(&user_vals);
                log.times.push(time);
                log.record_ids.push(this);
                let id = log.cmd_names.intern(cmd);
                log.cmds.push(id);
                log.params.finish_event();
            }
            Err(e) => {
                log.params.discard_open();
                skips.handle(policy, e)?
            }
        }
    }
    Ok((log, skips))
}

/// Metadata of one session, as in the sessions file.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionMeta {
    /// The session id.
    pub session_id: u64,
    /// User-identifier columns and values (`None` for missing).
    pub users: Vec<(String, Option<String>)>,
    /// Time of the first event, ns.
    pub time_min: Option<i64>,
    /// Time of the last event, ns.
    pub time_max: Option<i64>,
}

/// Sessions with their metadata.
#[derive(Debug, Clone)]
pub struct SessionFile {
    /// One entry per session.
    pub meta: Vec<SessionMeta>,
    /// The sessions.
    pub sessions: SessionSet,
}

/// Sessionizes a log and writes the sessions file (`path`); returns the
/// sessions and metadata in memory too.
pub fn sessionize_log(
    log: &EventLog,
    params: &CheckedSessionizeParams,
) -> Result<(Sessions, SessionFile), MarkovError> {
    let sessions = params.split(&log.users, &log.times)?;
    let mut set = SessionSet::new();
    let mut meta = Vec::with_capacity(sessions.len());
    for (i, rows) in sessions.sessions().enumerate() {
        set.begin_session();
        for &r in rows {
            set.add_event(log.cmd_names.resolve(log.cmds[r as usize]));
            for (n, v) in log.params_of(r as usize) {
                set.add_param(n, v);
            }
        }
        set.finish_session()?;
        meta.push(session_meta(log, &sessions, i));
    }
    Ok((
        sessions,
        SessionFile {
            meta,
            sessions: set,
        },
    ))
}

/// The metadata of session `i` of `sessions` (split from `log`).
fn session_meta(log: &EventLog, sessions: &Sessions, i: usize) -> SessionMeta {
    let rows = sessions.session(i);
    SessionMeta {
        session_id: i as u64,
        users: log
            .user_cols
            .iter()
            .cloned()
            .zip(
                log.users
                    .values(sessions.key(i))
                    .map(|v| v.map(str::to_string)),
            )
            .collect(),
        time_min: rows.first().map(|&r| log.times[r as usize]),
        time_max: rows.last().map(|&r| log.times[r as usize]),
    }
}

fn json_opt_str(out: &mut String, v: Option<&str>) {
    match v {
        Some(s) => push_py_json_str(out, s),
        None => out.push_str("null"),
    }
}

/// Writes sessions as JSON Lines in the golden `sessions.jsonl` format.
///
/// Only `log` and the split are needed (not the [`SessionFile`] of
/// [`sessionize_log`]): each session's metadata is made as it is written,
/// so `markov sessionize` holds the events and the split, nothing more.
pub fn write_sessions_jsonl(
    path: &Path,
    log: &EventLog,
    sessions: &Sessions,
) -> Result<(), MarkovError> {
    let io = |e| Error::io(path, e);
    let mut w = AtomicFile::create(path)?;
    let mut line = String::new();
    for (i, rows) in sessions.sessions().enumerate() {
        let m = &session_meta(log, sessions, i);
        line.clear();
        line.push_str(&format!("{{\"session_id\": {}", m.session_id));
        for (col, v) in &m.users {
            line.push_str(", ");
            push_py_json_str(&mut line, col);
            line.push_str(": ");
            json_opt_str(&mut line, v.as_deref());
        }
        let (t0, t1) = (m.time_min.unwrap_or(0), m.time_max.unwrap_or(0));
        line.push_str(&format!(
            ", \"time_min\": \"{}\", \"time_max\": \"{}\", \"duration_s\": {}, \"number_events\": {}, \"row_ids\": [",
            format_timestamp(t0),
            format_timestamp(t1),
            duration_text(i128::from(t1) - i128::from(t0)),
            rows.len()
        ));
        for (j, &r) in rows.iter().enumerate() {
            if j > 0 {
                line.push_str(", ");
            }
            line.push_str(&log.record_ids[r as usize].to_string());
        }
        line.push_str("], \"cmds\": ");
        line.push_str(&py_json_str_list(
            rows.iter()
                .map(|&r| log.cmd_names.resolve(log.cmds[r as usize])),
        ));
        line.push_str(", \"events\": [");
        for (j, &r) in rows.iter().enumerate() {
            if j > 0 {
                line.push_str(", ");
            }
            line.push_str("{\"time\": \"");
            line.push_str(&format_timestamp(log.times[r as usize]));
            line.push_str("\", \"cmd\": ");
            push_py_json_str(&mut line, log.cmd_names.resolve(log.cmds[r as usize]));
            line.push_str(", \"params\": [");
            for (k, (n, v)) in log.params_of(r as usize).enumerate() {
                if k > 0 {
                    line.push_str(", ");
                }
                line.push('[');
                push_py_json_str(&mut line, n);
                line.push_str(", ");
                json_opt_str(&mut line, v);
                line.push(']');
            }
            line.push_str("]}");
        }
        line.push_str("]}\n");
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.commit()?;
    Ok(())
}

/// Seconds as an integer when whole, else as a Python float (in 128 bits: a
/// session may span more than `i64::MAX` nanoseconds).
fn duration_text(ns: i128) -> String {
    let per_s = i128::from(NS_PER_S);
    if ns % per_s == 0 {
        (ns / per_s).to_string()
    } else {
        py_repr(ns as f64 / NS_PER_S as f64)
    }
}

/// Reads a sessions JSON Lines file: `events` (with `cmd` and `params` as
/// `[name, value]` pairs) when present, else `cmds`. Fields other than
/// `session_id`, `time_min`, `time_max` and the known ones are taken as
/// user-identifier columns when they are strings or null.
///
/// A bad line is an error naming file, line and field; see
/// [`read_sessions_jsonl_with`] to skip and count bad lines instead.
pub fn read_sessions_jsonl(path: &Path) -> Result<SessionFile, MarkovError> {
    Ok(read_sessions_jsonl_with(path, BadRowPolicy::Error)?.0)
}

/// [`read_sessions_jsonl`] with a policy for bad lines (invalid JSON, a
/// field of the wrong type, a session without events): under
/// [`BadRowPolicy::Skip`] they are left out and counted in the returned
/// [`SkipReport`]. An unreadable file stops the read under either policy.
/// A session without `session_id` gets its 0-based position among the
/// file's non-blank lines (skipped lines included), so skipping a line does
/// not renumber the sessions after it.
///
/// ```
/// use threatstat_core::BadRowPolicy;
/// use threatstat_markov::io::read_sessions_jsonl_with;
/// let p = std::env::temp_dir().join("threatstat-markov-doc-skip.jsonl");
/// std::fs::write(&p, "{\"cmds\": [\"A\"]}\n{\"cmds\": [1]}\n{\"cmds\": [\"B\"]}\n").unwrap();
/// let e = read_sessions_jsonl_with(&p, BadRowPolicy::Error).unwrap_err().to_string();
/// assert!(e.contains(":2: field `cmds`"), "{e}");
/// let (file, skipped) = read_sessions_jsonl_with(&p, BadRowPolicy::Skip).unwrap();
/// assert_eq!((file.sessions.len(), skipped.skipped), (2, 1));
/// assert_eq!(file.meta[1].session_id, 2);
/// ```
pub fn read_sessions_jsonl_with(
    path: &Path,
    policy: BadRowPolicy,
) -> Result<(SessionFile, SkipReport), MarkovError> {
    crate::sessions_reader::read(path, policy, Need::Values)
}

/// [`read_sessions_jsonl_with`] reading only what a model of
/// `session_type` uses: for [`SessionType::Cmds`] the sessions have no
/// parameters, for [`SessionType::CmdsParams`] parameters without values
/// (the parameters skipped are still checked to be well-formed). Fitting
/// and scoring a model of that type give the same numbers as on a full
/// read, faster.
///
/// ```
/// use threatstat_core::BadRowPolicy;
/// use threatstat_markov::SessionType;
/// use threatstat_markov::io::read_sessions_jsonl_for;
/// let p = std::env::temp_dir().join("threatstat-markov-doc-for.jsonl");
/// std::fs::write(&p, r#"{"events": [{"cmd": "A", "params": [["x", "1"]]}]}"#).unwrap();
/// let (file, _) = read_sessions_jsonl_for(&p, BadRowPolicy::Error, SessionType::Cmds).unwrap();
/// let e = file.sessions.session_events(0).next().unwrap();
/// assert_eq!((e.cmd(), e.params().count()), ("A", 0));
/// ```
pub fn read_sessions_jsonl_for(
    path: &Path,
    policy: BadRowPolicy,
    session_type: SessionType,
) -> Result<(SessionFile, SkipReport), MarkovError> {
    crate::sessions_reader::read(path, policy, Need::of(session_type))
}

/// A JSON object's fields in file order (a `serde_json::Map` sorts them,
/// and the user-identifier columns must keep their order: the first is the
/// one a timeline groups by). A repeated key keeps its first position and
/// its last value, as a `Map` keeps the last value.
pub(crate) struct Fields(Vec<(String, Value)>);

impl Fields {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Fields, A::Error> {
                let mut out: Vec<(String, Value)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    match out.iter_mut().find(|(x, _)| *x == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Adds the session of line `line` (`obj`) to `set` and returns its
/// metadata; `row` is the default `session_id`. On an error the session may
/// be left open (the caller discards it).
pub(crate) fn read_session(
    path: &Path,
    line: u64,
    obj: &Fields,
    row: u64,
    set: &mut SessionSet,
) -> Result<SessionMeta, Error> {
    const KNOWN: [&str; 8] = [
        "session_id",
        "time_min",
        "time_max",
        "duration_s",
        "number_events",
        "row_ids",
        "cmds",
        "events",
    ];
    let bad = |field: &str, msg: String| {
        Error::parse(Location::file(path).at_line(line).in_field(field), msg)
    };
    let session_id = match obj.get("session_id") {
        Some(v) => v.as_u64().ok_or_else(|| {
            bad(
                "session_id",
                format!("expected a non-negative integer, found {v}"),
            )
        })?,
        None => row,
    };
    let time = |f: &str| -> Result<Option<i64>, Error> {
        match obj.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_timestamp(s).map(Some).map_err(|m| bad(f, m)),
            Some(v) => Err(bad(f, format!("expected a timestamp string, found {v}"))),
        }
    };
    let (time_min, time_max) = (time("time_min")?, time("time_max")?);
    let users = obj
        .0
        .iter()
        .filter(|(k, v)| !KNOWN.contains(&k.as_str()) && (v.is_string() || v.is_null()))
        .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
        .collect();
    set.begin_session();
    if let Some(events) = obj.get("events") {
        let events = events
            .as_array()
            .ok_or_else(|| bad("events", "expected a JSON array of events".into()))?;
        for (j, e) in events.iter().enumerate() {
            let cmd = e
                .get("cmd")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("events", format!("event {j} has no string \"cmd\"")))?;
            set.add_event(cmd);
            match e.get("params") {
                None | Some(Value::Null) => {}
                Some(Value::Array(ps)) => {
                    for (k, p) in ps.iter().enumerate() {
                        let pair = p.as_array().filter(|a| a.len() == 2 && a[0].is_string());
                        let Some(pair) = pair else {
                            return Err(bad(
                                "events",
                                format!("event {j}, parameter {k}: expected [name, value]"),
                            ));
                        };
                        let value = match &pair[1] {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            other => Some(other.to_string()),
                        };
                        set.add_param(pair[0].as_str().expect("checked"), value.as_deref());
                    }
                }
                Some(_) => {
                    return Err(bad(
                        "events",
                        format!("event {j}: \"params\" must be an array"),
                    ));
                }
            }
        }
    } else if let Some(cmds) = obj.get("cmds") {
        let cmds = cmds
            .as_array()
            .ok_or_else(|| bad("cmds", "expected a JSON array of command names".into()))?;
        for (j, c) in cmds.iter().enumerate() {
            let c = c
                .as_str()
                .ok_or_else(|| bad("cmds", format!("element {j} is not a string")))?;
            set.add_event(c);
        }
    } else {
        return Err(bad(
            "events",
            "neither `events` nor `cmds` is present".into(),
        ));
    }
    set.finish_session()
        .map_err(|_| bad("cmds", "the session has no events".into()))?;
    Ok(SessionMeta {
        session_id,
        users,
        time_min,
        time_max,
    })
}

fn csv_writer(path: &Path) -> Result<csv::Writer<AtomicFile>, MarkovError> {
    Ok(csv::WriterBuilder::new().from_writer(AtomicFile::create(path)?))
}

fn csv_err(path: &Path, e: csv::Error) -> MarkovError {
    MarkovError::Core(Error::io(path, std::io::Error::other(e.to_string())))
}

fn nan_repr(x: f64) -> String {
    if x.is_nan() { "NaN".into() } else { py_repr(x) }
}

/// Writes rarest-window scores in the golden `rarest_*.csv` format:
/// `session_id, n_cmds, rarest_window_likelihood, rarest_window_start,
/// rarest_window, window_likelihoods` (NaN as `NaN`, start −1 when none; the
/// two list columns always quoted, as pandas' `QUOTE_NONNUMERIC` writes them,
/// so the file is byte-identical to msticpy's golden files).
pub fn write_scores_csv(
    path: &Path,
    file: &SessionFile,
    scores: &[RarestWindow],
) -> Result<(), MarkovError> {
    let io = |e| Error::io(path, e);
    let mut w = AtomicFile::create(path)?;
    let quoted = |s: String| format!("\"{}\"", s.replace('"', "\"\""));
    w.write_all(
        b"session_id,n_cmds,rarest_window_likelihood,rarest_window_start,rarest_window,window_likelihoods\n",
    )
    .map_err(io)?;
    for (i, (m, s)) in file.meta.iter().zip(scores).enumerate() {
        let line = format!(
            "{},{},{},{},{},{}\n",
            m.session_id,
            file.sessions.session_len(i),
            nan_repr(s.likelihood),
            s.start.map_or(-1, |x| x as i64),
            quoted(py_json_str_list(s.commands(&file.sessions, i))),
            quoted(py_json_float_list(s.window_likelihoods.iter().copied())),
        );
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.commit()?;
    Ok(())
}

/// Writes session likelihoods in the golden `session_lik_*.csv` format:
/// `session_id, n_cmds, likelihood, geomean_likelihood`, plus
/// `log_likelihood` (which does not underflow).
pub fn write_likelihoods_csv(
    path: &Path,
    file: &SessionFile,
    lik: &[f64],
    geo: &[f64],
    log_lik: &[f64],
) -> Result<(), MarkovError> {
    let mut w = csv_writer(path)?;
    let e = |x| csv_err(path, x);
    w.write_record([
        "session_id",
        "n_cmds",
        "likelihood",
        "geomean_likelihood",
        "log_likelihood",
    ])
    .map_err(e)?;
    for (i, m) in file.meta.iter().enumerate() {
        w.write_record([
            m.session_id.to_string(),
            file.sessions.session_len(i).to_string(),
            nan_repr(lik[i]),
            nan_repr(geo[i]),
            nan_repr(log_lik[i]),
        ])
        .map_err(e)?;
    }
    w.into_inner()
        .map_err(|x| Error::io(path, x.into_error()))?
        .commit()?;
    Ok(())
}
