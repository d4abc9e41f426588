//! Sessions as columns: one row per event, in Parquet or Arrow IPC (the
//! format by the file's extension: `.parquet`/`.pq`, `.arrow`/`.feather`/
//! `.ipc`).
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `session_id` | int64 (int32 read too), not null | the session's id (as in the JSON Lines file) |
//! | `seq` | int32 (int64 read too), not null | the event's 0-based position in its session |
//! | `time_min`, `time_max` | timestamp\[ns, UTC\] (any unit read), nullable, optional | the session's first and last event time |
//! | each user column | dictionary<int32, string> (plain strings read too), nullable | as named at `sessionize` time |
//! | `cmd` | dictionary<int32, string> (plain strings read too), not null | the event's command |
//! | `param_names` | list<dictionary<int32, string>> (lists of plain strings read too) | the event's parameter names, in order |
//! | `param_values` | list<dictionary<int32, string>>, null items for a parameter without a value | their values, one per name |
//!
//! The strings are dictionary-encoded in the Arrow schema too, so a reader
//! decodes keys and interns each distinct string once (pandas reads these
//! columns as categoricals, or lists of strings).
//!
//! Session-level fields (`session_id`, the user columns, `time_min`,
//! `time_max`) repeat on each event row of the session (Parquet stores a
//! repeat in a few bits); a reader takes them from the session's first row.
//! The rows of a session are contiguous and in order: a session starts
//! where `session_id` changes or `seq` is 0, and `seq` counts 0, 1, 2, …
//! (two sessions of one id, as a JSON Lines file may hold, stay two
//! sessions). Every column not named above is a user column, in file order.
//!
//! [`read_sessions`] decodes only the columns the session type uses
//! (commands only: no parameter column is read; parameters: names only),
//! and builds the [`SessionSet`] a JSON Lines read of the same sessions
//! builds, strings numbered in the same first-seen order, so fitted counts
//! and scores are identical. [`write_sessions`] writes a [`SessionFile`]
//! (`threatstat markov convert`).
//!
//! ```
//! use threatstat_markov::SessionType;
//! use threatstat_markov::columnar::{read_sessions, write_sessions};
//! use threatstat_markov::io::read_sessions_jsonl;
//! let dir = std::env::temp_dir();
//! let jsonl = dir.join("threatstat-doc-columnar.jsonl");
//! std::fs::write(&jsonl, concat!(
//!     "{\"session_id\": 3, \"user\": \"a\", \"events\": [{\"cmd\": \"A\", \"params\": [[\"x\", \"1\"]]}, ",
//!     "{\"cmd\": \"B\", \"params\": []}]}\n")).unwrap();
//! let file = read_sessions_jsonl(&jsonl).unwrap();
//! let pq = dir.join("threatstat-doc-columnar.parquet");
//! write_sessions(&pq, &file).unwrap();
//! let back = read_sessions(&pq, Some(SessionType::CmdsParamsValues)).unwrap();
//! assert_eq!(back.meta, file.meta);
//! let e = back.sessions.session_events(0).next().unwrap();
//! assert_eq!((e.cmd(), e.params().collect::<Vec<_>>()), ("A", vec![("x", Some("1"))]));
//! ```

use crate::MarkovError;
use crate::io::{SessionFile, SessionMeta};
use crate::model::SessionType;
use crate::scan::Need;
use crate::session::{NO_VALUE, SessionSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use threatstat_core::{Error, Location};
use threatstat_table::Format;
use threatstat_table::arrow_array::builder::{
    Int32Builder, Int64Builder, ListBuilder, StringDictionaryBuilder,
};
use threatstat_table::arrow_array::cast::AsArray;
use threatstat_table::arrow_array::types::{
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use threatstat_table::arrow_array::{Array, ArrayRef, RecordBatch, TimestampNanosecondArray};
use threatstat_table::arrow_schema::{DataType, Field, Schema, TimeUnit};

/// The columns of the layout other than the user columns.
pub const FIXED_COLUMNS: [&str; 7] = [
    "session_id",
    "seq",
    "time_min",
    "time_max",
    "cmd",
    "param_names",
    "param_values",
];

/// Whether `path` names a columnar sessions file (Parquet or Arrow IPC, by
/// its extension); anything else is read as JSON Lines.
pub fn is_columnar(path: &Path) -> bool {
    Format::of(path).is_columnar()
}

/// Writes `file` as a columnar sessions file (Parquet or Arrow IPC by the
/// extension of `path`; see the [module docs](self) for the columns),
/// atomically. Every session must have the user columns of the first, in
/// its order, none named like a fixed column; errors name `path`.
pub fn write_sessions(path: &Path, file: &SessionFile) -> Result<(), MarkovError> {
    let bad = |m: String| -> MarkovError { Error::data(path.display().to_string(), m).into() };
    let users: Vec<&str> = crate::score_table::user_columns(file);
    if let Some(c) = users.iter().find(|c| FIXED_COLUMNS.contains(c)) {
        return Err(bad(format!(
            "the user column `{c}` has the name of a column of the columnar sessions layout \
             (rename it at sessionize time)"
        )));
    }
    let n = file.sessions.n_events();
    let mut sid = Int64Builder::with_capacity(n);
    let mut seq = Int32Builder::with_capacity(n);
    let (mut tmin, mut tmax) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // Dictionaries: a session's value repeats on each of its rows, and a
    // reader takes it from the first (it decodes keys, not copies).
    let mut user_b: Vec<StringDictionaryBuilder<Int32Type>> = users
        .iter()
        .map(|_| StringDictionaryBuilder::new())
        .collect();
    let mut cmd = StringDictionaryBuilder::<Int32Type>::new();
    let mut names = ListBuilder::new(StringDictionaryBuilder::<Int32Type>::new());
    let mut values = ListBuilder::new(StringDictionaryBuilder::<Int32Type>::new());
    for (i, m) in file.meta.iter().enumerate() {
        let same =
            m.users.len() == users.len() && m.users.iter().zip(&users).all(|((c, _), u)| c == u);
        if !same {
            let theirs: Vec<&str> = m.users.iter().map(|(c, _)| c.as_str()).collect();
            return Err(bad(format!(
                "session {} (session_id {}) has the user columns [{}], the first session [{}]: \
                 a columnar file has one set of columns",
                i,
                m.session_id,
                theirs.join(", "),
                users.join(", ")
            )));
        }
        let id = i64::try_from(m.session_id)
            .map_err(|_| bad(format!("session_id {} exceeds int64", m.session_id)))?;
        for (j, e) in file.sessions.session_events(i).enumerate() {
            sid.append_value(id);
            seq.append_value(
                i32::try_from(j)
                    .map_err(|_| bad(format!("session_id {id} has more than 2^31 events")))?,
            );
            tmin.push(m.time_min);
            tmax.push(m.time_max);
            for (b, (_, v)) in user_b.iter_mut().zip(&m.users) {
                match v {
                    Some(v) => {
                        b.append(v).map_err(|e| bad(e.to_string()))?;
                    }
                    None => b.append_null(),
                }
            }
            cmd.append(e.cmd()).map_err(|e| bad(e.to_string()))?;
            for (name, v) in e.params() {
                names
                    .values()
                    .append(name)
                    .map_err(|e| bad(e.to_string()))?;
                match v {
                    Some(v) => {
                        values.values().append(v).map_err(|e| bad(e.to_string()))?;
                    }
                    None => values.values().append_null(),
                }
            }
            names.append(true);
            values.append(true);
        }
    }
    let time = |v: Vec<Option<i64>>| -> ArrayRef {
        Arc::new(TimestampNanosecondArray::from(v).with_timezone("UTC"))
    };
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("session_id", Arc::new(sid.finish())),
        ("seq", Arc::new(seq.finish())),
        ("time_min", time(tmin)),
        ("time_max", time(tmax)),
    ];
    for (u, mut b) in users.iter().zip(user_b) {
        cols.push((u, Arc::new(b.finish())));
    }
    cols.push(("cmd", Arc::new(cmd.finish())));
    cols.push(("param_names", Arc::new(names.finish())));
    cols.push(("param_values", Arc::new(values.finish())));
    let not_null = ["session_id", "seq", "cmd"];
    let fields: Vec<Field> = cols
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), !not_null.contains(name)))
        .collect();
    let arrays = cols.into_iter().map(|(_, a)| a).collect();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| bad(e.to_string()))?;
    Ok(threatstat_table::write_batch(&batch, path)?)
}

/// Reads a columnar sessions file (see the [module docs](self)), decoding
/// only what a model of `session_type` uses (everything present with
/// `None`). Errors name the file, the column and the row (1-based, in file
/// order): a missing column, a column of the wrong type, a null
/// `session_id`, `seq` or `cmd`, rows of a session that are not
/// contiguous and in order, parameter lists of different lengths.
pub fn read_sessions(
    path: &Path,
    session_type: Option<SessionType>,
) -> Result<SessionFile, MarkovError> {
    let all = threatstat_table::column_names(path)?;
    let has = |c: &str| all.iter().any(|a| a == c);
    let need = match session_type {
        Some(t) => Need::of(t),
        None if has("param_values") => Need::Values,
        None if has("param_names") => Need::Names,
        None => Need::Nothing,
    };
    let users: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|c| !FIXED_COLUMNS.contains(c))
        .collect();
    let mut names: Vec<&str> = vec!["session_id", "seq", "cmd"];
    names.extend(["time_min", "time_max"].into_iter().filter(|c| has(c)));
    names.extend(&users);
    match need {
        Need::Nothing => {}
        Need::Names => names.push("param_names"),
        Need::Values => names.extend(["param_names", "param_values"]),
    }
    let (_, batches) = threatstat_table::read_batches(path, Some(&names))?;
    let mut r = Reader {
        path,
        users: &users,
        need,
        set: SessionSet::new(),
        meta: Vec::new(),
        row: 0,
        open: None,
    };
    for b in &batches {
        r.batch(b)?;
    }
    if r.open.is_some() {
        r.set.finish_session()?;
    }
    Ok(SessionFile {
        meta: r.meta,
        sessions: r.set,
    })
}

/// The state of a read: the sessions so far, the open one.
struct Reader<'a> {
    path: &'a Path,
    users: &'a [&'a str],
    need: Need,
    set: SessionSet,
    meta: Vec<SessionMeta>,
    /// Rows read before the current batch.
    row: usize,
    /// The open session's id and its next `seq`.
    open: Option<(i64, i64)>,
}

impl Reader<'_> {
    fn at(&self, col: &str) -> Location {
        Location::file(self.path).in_field(col)
    }

    fn wrong_type(&self, col: &str, expected: &str, a: &dyn Array) -> Error {
        Error::parse(
            self.at(col),
            format!("expected {expected}, found {}", a.data_type()),
        )
    }

    /// An error about row `i` of the batch (named 1-based, file-wide).
    fn row_err(&self, col: &str, i: usize, m: impl std::fmt::Display) -> Error {
        Error::parse(self.at(col), format!("row {}: {m}", self.row + i + 1))
    }

    fn column<'b>(&self, b: &'b RecordBatch, col: &str) -> &'b dyn Array {
        b.column_by_name(col).expect("a projected column").as_ref()
    }

    fn ints<'b>(&self, b: &'b RecordBatch, col: &str) -> Result<Ints<'b>, Error> {
        let a = self.column(b, col);
        Ints::of(a).ok_or_else(|| self.wrong_type(col, "int64 or int32", a))
    }

    fn texts<'b>(&self, b: &'b RecordBatch, col: &str) -> Result<Texts<'b>, Error> {
        let a = self.column(b, col);
        Texts::of(a).ok_or_else(|| self.wrong_type(col, "strings", a))
    }

    fn lists<'b>(&self, b: &'b RecordBatch, col: &str) -> Result<Lists<'b>, Error> {
        let a = self.column(b, col);
        Lists::of(a).ok_or_else(|| self.wrong_type(col, "lists of strings", a))
    }

    fn times<'b>(&self, b: &'b RecordBatch, col: &str) -> Result<Option<Times<'b>>, Error> {
        match b.column_by_name(col) {
            None => Ok(None),
            Some(a) => Times::of(a.as_ref())
                .map(Some)
                .ok_or_else(|| self.wrong_type(col, "timestamps", a.as_ref())),
        }
    }

    fn time(&self, t: &Option<Times>, col: &str, i: usize) -> Result<Option<i64>, Error> {
        match t {
            None => Ok(None),
            Some(t) => t
                .get(i)
                .map_err(|()| self.row_err(col, i, "a time outside the 64-bit nanosecond range")),
        }
    }

    fn batch(&mut self, b: &RecordBatch) -> Result<(), MarkovError> {
        let sid = self.ints(b, "session_id")?;
        let seq = self.ints(b, "seq")?;
        let cmd = self.texts(b, "cmd")?;
        let (tmin, tmax) = (self.times(b, "time_min")?, self.times(b, "time_max")?);
        let users = self
            .users
            .iter()
            .map(|u| self.texts(b, u))
            .collect::<Result<Vec<_>, _>>()?;
        let names = match self.need {
            Need::Nothing => None,
            _ => Some(self.lists(b, "param_names")?),
        };
        let values = match self.need {
            Need::Values => Some(self.lists(b, "param_values")?),
            _ => None,
        };
        // A dictionary's strings are interned once each, when first met.
        let mut cmd_ids = KeyIds::new(&cmd);
        let mut param_ids = (
            names
                .as_ref()
                .map_or(KeyIds(Vec::new()), |l| KeyIds::new(&l.items)),
            values
                .as_ref()
                .map_or(KeyIds(Vec::new()), |l| KeyIds::new(&l.items)),
        );
        for i in 0..b.num_rows() {
            let id = sid
                .get(i)
                .ok_or_else(|| self.row_err("session_id", i, "a null session_id"))?;
            if id < 0 {
                return Err(self
                    .row_err("session_id", i, format!("a negative session_id {id}"))
                    .into());
            }
            let s = seq
                .get(i)
                .ok_or_else(|| self.row_err("seq", i, "a null seq"))?;
            match self.open {
                Some((open, next)) if open == id && s != 0 => {
                    if s != next {
                        return Err(self
                            .row_err(
                                "seq",
                                i,
                                format!(
                                    "seq {s} in session {id} where {next} comes next (the rows \
                                     of a session must be contiguous, in order: seq 0, 1, 2, ...)"
                                ),
                            )
                            .into());
                    }
                    self.open = Some((id, next + 1));
                }
                _ => {
                    if s != 0 {
                        return Err(self
                            .row_err(
                                "seq",
                                i,
                                format!(
                                    "session {id} starts at seq {s}, not 0 (the rows of a session \
                                     must be contiguous, in order: seq 0, 1, 2, ...)"
                                ),
                            )
                            .into());
                    }
                    if self.open.is_some() {
                        self.set.finish_session()?;
                    }
                    self.set.begin_session();
                    self.open = Some((id, 1));
                    let meta = SessionMeta {
                        session_id: id as u64,
                        users: self
                            .users
                            .iter()
                            .zip(&users)
                            .map(|(u, t)| (u.to_string(), t.get(i).map(str::to_string)))
                            .collect(),
                        time_min: self.time(&tmin, "time_min", i)?,
                        time_max: self.time(&tmax, "time_max", i)?,
                    };
                    self.meta.push(meta);
                }
            }
            let set = &mut self.set;
            let Some(c) = cmd_ids.id(&cmd, i, |s| set.intern_cmd(s)) else {
                return Err(self.row_err("cmd", i, "a null command").into());
            };
            self.set.add_event_id(c);
            if let Some(names) = &names {
                self.params(i, names, values.as_ref(), &mut param_ids)?;
            }
        }
        self.row += b.num_rows();
        Ok(())
    }

    /// Adds row `i`'s parameters (names only without `values`); `ids` are
    /// the ids of the names' and the values' dictionary keys met so far.
    fn params(
        &mut self,
        i: usize,
        names: &Lists,
        values: Option<&Lists>,
        ids: &mut (KeyIds, KeyIds),
    ) -> Result<(), Error> {
        let rn = names.range(i);
        let rv = match values {
            Some(v) => {
                let r = v.range(i);
                if r.len() != rn.len() {
                    return Err(self.row_err(
                        "param_values",
                        i,
                        format!(
                            "{} values for {} parameter names (one per name)",
                            r.len(),
                            rn.len()
                        ),
                    ));
                }
                r.start
            }
            None => 0,
        };
        for (k, j) in rn.enumerate() {
            // The value first, as `SessionSet::add_param` interns.
            let set = &mut self.set;
            let vid = match values {
                Some(v) => ids
                    .1
                    .id(&v.items, rv + k, |s| set.intern_value(s))
                    .unwrap_or(NO_VALUE),
                None => NO_VALUE,
            };
            let Some(pid) = ids.0.id(&names.items, j, |s| set.intern_param(s)) else {
                return Err(self.row_err("param_names", i, "a null parameter name"));
            };
            self.set.add_param_ids(pid, vid);
        }
        Ok(())
    }
}

/// An integer column.
enum Ints<'a> {
    I64(&'a [i64], &'a dyn Array),
    I32(&'a [i32], &'a dyn Array),
}

impl<'a> Ints<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::Int64 => Some(Ints::I64(a.as_primitive::<Int64Type>().values(), a)),
            DataType::Int32 => Some(Ints::I32(a.as_primitive::<Int32Type>().values(), a)),
            _ => None,
        }
    }

    /// Row `i`, `None` when null.
    fn get(&self, i: usize) -> Option<i64> {
        match self {
            Ints::I64(v, a) => a.is_valid(i).then(|| v[i]),
            Ints::I32(v, a) => a.is_valid(i).then(|| i64::from(v[i])),
        }
    }
}

/// A timestamp column, in nanoseconds.
struct Times<'a> {
    values: &'a [i64],
    array: &'a dyn Array,
    scale: i64,
}

impl<'a> Times<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        let (values, scale) = match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => (
                a.as_primitive::<TimestampSecondType>().values().as_ref(),
                1_000_000_000,
            ),
            DataType::Timestamp(TimeUnit::Millisecond, _) => (
                a.as_primitive::<TimestampMillisecondType>()
                    .values()
                    .as_ref(),
                1_000_000,
            ),
            DataType::Timestamp(TimeUnit::Microsecond, _) => (
                a.as_primitive::<TimestampMicrosecondType>()
                    .values()
                    .as_ref(),
                1_000,
            ),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => (
                a.as_primitive::<TimestampNanosecondType>()
                    .values()
                    .as_ref(),
                1,
            ),
            _ => return None,
        };
        Some(Times {
            values,
            array: a,
            scale,
        })
    }

    /// Row `i` in ns (`None` when null); an error when out of range.
    fn get(&self, i: usize) -> Result<Option<i64>, ()> {
        if self.array.is_null(i) {
            return Ok(None);
        }
        self.values[i].checked_mul(self.scale).map(Some).ok_or(())
    }
}

/// A string column: plain, large, view or a dictionary of one of them.
enum Texts<'a> {
    Utf8(&'a threatstat_table::arrow_array::StringArray),
    Large(&'a threatstat_table::arrow_array::LargeStringArray),
    View(&'a threatstat_table::arrow_array::StringViewArray),
    Dict {
        keys: Vec<usize>,
        array: &'a dyn Array,
        values: Box<Texts<'a>>,
        len: usize,
    },
}

impl<'a> Texts<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        match a.data_type() {
            DataType::Utf8 => Some(Texts::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Texts::Large(a.as_string::<i64>())),
            DataType::Utf8View => Some(Texts::View(a.as_string_view())),
            DataType::Dictionary(_, _) => {
                let d = a.as_any_dictionary();
                let values = d.values();
                let inner = Texts::of(values.as_ref())?;
                if matches!(inner, Texts::Dict { .. }) {
                    return None;
                }
                // (An empty dictionary, all rows null, has no keys to normalise.)
                let keys = if values.is_empty() {
                    vec![0; a.len()]
                } else {
                    d.normalized_keys()
                };
                Some(Texts::Dict {
                    keys,
                    array: a,
                    values: Box::new(inner),
                    len: values.len(),
                })
            }
            _ => None,
        }
    }

    /// Row `i`, `None` when null.
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::View(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Dict {
                keys,
                array,
                values,
                len,
            } => {
                if array.is_null(i) || *len == 0 {
                    None
                } else {
                    values.get(keys[i])
                }
            }
        }
    }

    /// Row `i`'s dictionary key (for a dictionary column, when not null).
    fn key(&self, i: usize) -> Option<usize> {
        match self {
            Texts::Dict {
                keys, array, len, ..
            } if array.is_valid(i) && *len > 0 => Some(keys[i]),
            _ => None,
        }
    }

    /// The dictionary's size (0 for a plain column).
    fn dictionary_len(&self) -> usize {
        match self {
            Texts::Dict { len, .. } => *len,
            _ => 0,
        }
    }
}

/// The interned ids of a dictionary column's strings, by key, each found
/// when its key is first met (so strings are numbered in first-seen order,
/// as a row-by-row read numbers them); empty for a plain column.
struct KeyIds(Vec<u32>);

impl KeyIds {
    fn new(t: &Texts) -> Self {
        KeyIds(vec![u32::MAX; t.dictionary_len()])
    }

    /// The id of row `i` of `t` (`None` when null), interning its string
    /// with `intern` when its key is new (every time for a plain column).
    fn id(&mut self, t: &Texts, i: usize, intern: impl FnOnce(&str) -> u32) -> Option<u32> {
        match t.key(i) {
            Some(k) if self.0[k] != u32::MAX => Some(self.0[k]),
            key => {
                let id = intern(t.get(i)?);
                if let Some(k) = key {
                    self.0[k] = id;
                }
                Some(id)
            }
        }
    }
}

/// A list-of-strings column: each row's range of `items` (empty when null).
struct Lists<'a> {
    offsets: Vec<usize>,
    array: &'a dyn Array,
    items: Texts<'a>,
}

impl<'a> Lists<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        let (offsets, items): (Vec<usize>, &ArrayRef) = match a.data_type() {
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                let o = l.value_offsets().iter().map(|&o| o as usize).collect();
                (o, l.values())
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                let o = l.value_offsets().iter().map(|&o| o as usize).collect();
                (o, l.values())
            }
            _ => return None,
        };
        Some(Lists {
            offsets,
            array: a,
            items: Texts::of(items.as_ref())?,
        })
    }

    fn range(&self, i: usize) -> Range<usize> {
        if self.array.is_null(i) {
            0..0
        } else {
            self.offsets[i]..self.offsets[i + 1]
        }
    }
}
