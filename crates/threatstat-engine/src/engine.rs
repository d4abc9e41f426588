//! The engine: a DataFusion context (local, or a Ballista client) and a
//! runtime to drive it, with one method per plan.

use crate::EngineError;
use crate::sql::{self, Dialect, EventColumns, tables};
use crate::udwf::session_split_udwf;
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use threatstat_core::{Error, Location, ParamGuard};
use threatstat_datasets::DatasetError;
use threatstat_datasets::cert::{DailyCounts, HourWindow, Span};
use threatstat_datasets::lanl::{OwnerMap, OwnerRule, Ownership, UploadRow};
use threatstat_markov::Counts;
use tokio::runtime::Runtime;

/// The file format of a [`Source`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated text, plain or gzip (a `.gz` name; gzip on DataFusion
    /// only: Ballista 55's executors do not inflate it).
    Csv,
    /// Apache Parquet, with the columns the plan names.
    Parquet,
}

/// The kinds of input the plans read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// LANL `auth.txt` (no header; columns [`sql::LANL_AUTH_COLUMNS`]).
    LanlAuth,
    /// LANL `flows.txt` (no header; columns [`sql::LANL_FLOW_COLUMNS`]).
    LanlFlows,
    /// CERT `logon.csv` (header; `id,date,user,pc,activity`).
    CertLogon,
    /// An event log with a header (read as text).
    Events,
}

impl Table {
    /// The name the SQL of [`sql`] reads the table by.
    pub fn name(self) -> &'static str {
        match self {
            Table::LanlAuth => tables::AUTH,
            Table::LanlFlows => tables::FLOWS,
            Table::CertLogon => tables::LOGON,
            Table::Events => tables::EVENTS,
        }
    }
}

/// An input table: one file, or a directory whose files are its partitions.
///
/// Paths are read by whoever executes the plan: on a cluster, every
/// executor must see the same path (a shared file system).
///
/// ```
/// use threatstat_engine::{Format, Source};
/// assert_eq!(Source::from_path("auth.parquet").format(), Format::Parquet);
/// assert_eq!(Source::from_path("auth.txt.gz").format(), Format::Csv);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    path: PathBuf,
    format: Format,
}

impl Source {
    /// A CSV file or directory.
    pub fn csv(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            format: Format::Csv,
        }
    }

    /// A Parquet file or directory.
    pub fn parquet(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            format: Format::Parquet,
        }
    }

    /// Parquet when the name ends in `.parquet`, CSV otherwise.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.extension().is_some_and(|e| e == "parquet") {
            Source::parquet(path)
        } else {
            Source::csv(path)
        }
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The listing's file-name suffix: everything from the file name's first
    /// dot (`.txt.gz`), or any name for a directory.
    fn extension(&self) -> String {
        if self.path.is_dir() {
            return String::new();
        }
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.find('.') {
            Some(i) => name[i..].to_string(),
            None => String::new(),
        }
    }

    fn url(&self) -> Result<String, EngineError> {
        let abs = std::path::absolute(&self.path).map_err(|e| EngineError::Io {
            path: self.path.clone(),
            source: e,
        })?;
        if !abs.exists() {
            return Err(EngineError::Io {
                path: self.path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file or directory",
                ),
            });
        }
        let mut s = abs.to_string_lossy().into_owned();
        if abs.is_dir() && !s.ends_with('/') {
            s.push('/');
        }
        Ok(s)
    }
}

/// How a CSV table is laid out.
struct CsvLayout<'a> {
    header: bool,
    /// Column names and types by position.
    columns: Option<Vec<(&'a str, DataType)>>,
    /// Quoted values may span lines (slower: files are not split).
    newlines_in_values: bool,
}

/// One session: the user key (each user column's value, `dummy_str` for a
/// missing one) and the commands in order.
pub type Session = (Vec<String>, Vec<String>);

/// Upload and download traffic per owner and interval, as computed by
/// [`Engine::lanl_uploads`].
#[derive(Debug, Clone)]
pub struct Uploads {
    /// The owners (from [`Engine::lanl_owners`]'s rule).
    pub owners: OwnerMap,
    /// Rows sorted by user and interval; [`UploadRow::user`] indexes
    /// [`OwnerMap::users`].
    pub rows: Vec<UploadRow>,
}

enum Backend {
    Local,
    #[cfg(feature = "ballista")]
    Ballista {
        /// Keeps a loopback cluster's scheduler and executors alive.
        _cluster: Option<crate::cluster::LoopbackCluster>,
    },
}

/// Runs threatstat's aggregation plans on DataFusion, or on Ballista
/// (feature `ballista`), and returns threatstat's own types.
///
/// ```
/// use threatstat_engine::{Engine, Source};
/// let dir = std::env::temp_dir().join(format!("ts-engine-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let logon = dir.join("logon.csv");
/// std::fs::write(&logon, "id,date,user,pc,activity\n\
///     {A},01/04/2010 08:00:00,AAA0001,PC-1,Logon\n\
///     {B},01/06/2010 20:00:00,AAA0001,PC-1,Logon\n").unwrap();
/// let engine = Engine::local().unwrap();
/// let days = engine.cert_daily_counts(&Source::csv(&logon), None, Default::default()).unwrap();
/// assert_eq!(days[0].counts, [1, 0, 1]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct Engine {
    ctx: SessionContext,
    rt: Runtime,
    backend: Backend,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("backend", &self.backend_name())
            .finish()
    }
}

/// A session state with threatstat's window function registered, over
/// `config`.
pub(crate) fn state_with_functions(config: SessionConfig) -> SessionState {
    let mut state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    datafusion::execution::FunctionRegistry::register_udwf(&mut state, session_split_udwf())
        .expect("registering a window function cannot fail");
    state
}

impl Engine {
    /// DataFusion on this machine, using every core.
    pub fn local() -> Result<Self, EngineError> {
        Self::local_with_partitions(0)
    }

    /// DataFusion on this machine with `partitions` target partitions
    /// (0: the number of cores).
    pub fn local_with_partitions(partitions: usize) -> Result<Self, EngineError> {
        let mut config = SessionConfig::new();
        if partitions > 0 {
            config = config.with_target_partitions(partitions);
        }
        let ctx = SessionContext::new_with_state(state_with_functions(config));
        Ok(Engine {
            ctx,
            rt: runtime()?,
            backend: Backend::Local,
        })
    }

    #[cfg(feature = "ballista")]
    pub(crate) fn ballista(
        ctx: SessionContext,
        rt: Runtime,
        cluster: Option<crate::cluster::LoopbackCluster>,
    ) -> Self {
        Engine {
            ctx,
            rt,
            backend: Backend::Ballista { _cluster: cluster },
        }
    }

    /// `"datafusion"` or `"ballista"`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Local => "datafusion",
            #[cfg(feature = "ballista")]
            Backend::Ballista { .. } => "ballista",
        }
    }

    /// The DataFusion context, for queries of your own.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs `query` and collects its result.
    pub fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, EngineError> {
        self.rt.block_on(async {
            let df = self.ctx.sql(query).await?;
            Ok(df.collect().await?)
        })
    }

    fn register(&self, name: &str, src: &Source, layout: CsvLayout<'_>) -> Result<(), EngineError> {
        let url = src.url()?;
        let ext = src.extension();
        if src.format == Format::Csv && ext.ends_with(".gz") && self.backend_name() == "ballista" {
            // Seen with Ballista 55: executors read the file as plain text
            // ("incorrect number of fields for line 1"); the scan's
            // compression does not reach them.
            return Err(EngineError::Unsupported(format!(
                "{}: Ballista 55 executors do not inflate gzip CSV; convert it once with \
                 Engine::local()?.to_parquet(..) (or gunzip it) and give the result",
                src.path.display()
            )));
        }
        let ctx = &self.ctx;
        self.rt.block_on(async {
            ctx.deregister_table(name)?;
            match src.format {
                Format::Parquet => {
                    let opts = ParquetReadOptions::default().file_extension(&ext);
                    ctx.register_parquet(name, &url, opts).await?;
                }
                Format::Csv => {
                    let schema = layout.columns.as_ref().map(|cols| {
                        Schema::new(
                            cols.iter()
                                .map(|(n, t)| Field::new(*n, t.clone(), true))
                                .collect::<Vec<_>>(),
                        )
                    });
                    let mut opts = CsvReadOptions::new()
                        .has_header(layout.header)
                        .file_extension(&ext)
                        .newlines_in_values(layout.newlines_in_values);
                    if let Some(s) = &schema {
                        opts = opts.schema(s);
                    }
                    if ext.ends_with(".gz") {
                        opts = opts.file_compression_type(FileCompressionType::GZIP);
                    }
                    ctx.register_csv(name, &url, opts).await?;
                }
            }
            Ok::<_, EngineError>(())
        })
    }

    /// Registers `src` as the input table `table` expects, under its name
    /// in [`sql::tables`].
    fn register_table(&self, table: Table, src: &Source) -> Result<(), EngineError> {
        let text = |cols: &[&'static str]| -> Vec<(String, DataType)> {
            cols.iter()
                .map(|c| (c.to_string(), DataType::Utf8))
                .collect()
        };
        let int = |c: &str| matches!(c, "time" | "duration" | "packets" | "bytes");
        let (header, columns, newlines) = match table {
            Table::LanlAuth | Table::LanlFlows => {
                let names: &[&str] = if table == Table::LanlAuth {
                    &sql::LANL_AUTH_COLUMNS
                } else {
                    &sql::LANL_FLOW_COLUMNS
                };
                let cols = names
                    .iter()
                    .map(|&c| {
                        let t = if int(c) {
                            DataType::Int64
                        } else {
                            DataType::Utf8
                        };
                        (c.to_string(), t)
                    })
                    .collect();
                (false, cols, false)
            }
            Table::CertLogon => (true, text(&["id", "date", "user", "pc", "activity"]), false),
            // Every column as text, named from the header: DataFusion 55's
            // inferred schema fails on quoted values that span lines
            // (measured on the bundled Exchange log: "unequal lengths" at
            // the first record crossing 8 KiB); with a given schema the
            // same file reads.
            Table::Events => {
                let names = match src.format {
                    Format::Csv => csv_header(src)?,
                    Format::Parquet => Vec::new(),
                };
                (
                    true,
                    names.into_iter().map(|n| (n, DataType::Utf8)).collect(),
                    true,
                )
            }
        };
        self.register(
            table.name(),
            src,
            CsvLayout {
                header,
                columns: Some(
                    columns
                        .iter()
                        .map(|(n, t)| (n.as_str(), t.clone()))
                        .collect(),
                ),
                newlines_in_values: newlines,
            },
        )
    }

    /// Writes input `src` of kind `table` as Parquet to `out` (a directory
    /// of files, one per partition), with the column names and types the
    /// plans use; later runs read it faster than text.
    pub fn to_parquet(&self, table: Table, src: &Source, out: &Path) -> Result<(), EngineError> {
        self.register_table(table, src)?;
        let out = std::path::absolute(out).map_err(|e| EngineError::Io {
            path: out.to_path_buf(),
            source: e,
        })?;
        let ctx = &self.ctx;
        self.rt.block_on(async {
            let df = ctx.table(table.name()).await?;
            df.write_parquet(
                &format!("{}/", out.display()),
                datafusion::dataframe::DataFrameWriteOptions::new(),
                None,
            )
            .await?;
            Ok(())
        })
    }

    /// The owner of each computer in LANL `auth.txt` under `rule`: the same
    /// map as [`OwnerMap::from_auth_with`](threatstat_datasets::lanl::OwnerMap)
    /// (its summary holds only the number of owned computers).
    pub fn lanl_owners(&self, auth: &Source, rule: &OwnerRule) -> Result<OwnerMap, EngineError> {
        validate_rule(rule)?;
        self.register_table(Table::LanlAuth, auth)?;
        let batches = self.sql(&sql::lanl_owners(rule, Dialect::DataFusion))?;
        owners_from(&batches)
    }

    /// Upload and download bytes per owner (under `rule`) and interval of
    /// `interval_s` seconds, from LANL `auth.txt` and `flows.txt`: the rows
    /// of [`threatstat_datasets::lanl::UploadTable`] in one plan (owners
    /// and the join run on the engine).
    pub fn lanl_uploads(
        &self,
        auth: &Source,
        flows: &Source,
        rule: &OwnerRule,
        interval_s: u64,
    ) -> Result<Uploads, EngineError> {
        if interval_s == 0 {
            return Err(Error::param("interval_s", interval_s, "at least 1").into());
        }
        let owners = self.lanl_owners(auth, rule)?;
        self.register_table(Table::LanlFlows, flows)?;
        let batches = self.sql(&sql::lanl_uploads(rule, interval_s, Dialect::DataFusion))?;
        let mut rows = Vec::new();
        for b in &batches {
            let user = strings(b, "user_name")?;
            let iv = ints(b, "iv")?;
            let ub = ints(b, "upload_bytes")?;
            let db = ints(b, "download_bytes")?;
            let uf = ints(b, "upload_flows")?;
            let df = ints(b, "download_flows")?;
            for i in 0..b.num_rows() {
                let u = owners.user_index(user.value(i)).ok_or_else(|| {
                    EngineError::Plan(format!("uploads name {} who owns nothing", user.value(i)))
                })?;
                let interval = u32::try_from(iv.value(i)).map_err(|_| {
                    Error::data(
                        "flows",
                        format!(
                            "flow interval {} is out of range (flow times must be >= 1)",
                            iv.value(i)
                        ),
                    )
                })?;
                rows.push(UploadRow {
                    user: u,
                    interval,
                    upload_bytes: non_negative(ub.value(i), "upload bytes")?,
                    download_bytes: non_negative(db.value(i), "download bytes")?,
                    upload_flows: non_negative(uf.value(i), "upload flows")?,
                    download_flows: non_negative(df.value(i), "download flows")?,
                });
            }
        }
        rows.sort_unstable_by_key(|r| (r.user, r.interval));
        Ok(Uploads { owners, rows })
    }

    /// Daily logon counts per CERT user (logons in `window`, all without
    /// one), over each user's days or the file's (`span`): the series of
    /// [`LogonCounts::daily`](threatstat_datasets::cert::LogonCounts::daily),
    /// sorted by user.
    ///
    /// Dates must be CERT's `MM/DD/YYYY HH:MM:SS`; a row whose activity is
    /// not `Logon`/`Logoff` or whose user is missing is an error (the native
    /// loader names its line).
    pub fn cert_daily_counts(
        &self,
        logon: &Source,
        window: Option<HourWindow>,
        span: Span,
    ) -> Result<Vec<DailyCounts>, EngineError> {
        self.register_table(Table::CertLogon, logon)?;
        let bad = self.sql(&sql::cert_bad_rows())?;
        let n_bad: i64 = bad
            .iter()
            .map(|b| ints(b, "bad").map(|a| a.iter().flatten().sum::<i64>()))
            .sum::<Result<i64, _>>()?;
        if n_bad > 0 {
            return Err(EngineError::BadRows {
                table: logon.path.clone(),
                count: n_bad as u64,
                what: "activity other than Logon/Logoff, or no user".into(),
            });
        }
        let batches = self.sql(&sql::cert_daily_counts(window, Dialect::DataFusion))?;
        let mut out: Vec<DailyCounts> = Vec::new();
        for b in &batches {
            let user = strings(b, "user_name")?;
            let day = ints(b, "day")?;
            let n = ints(b, "logons")?;
            for i in 0..b.num_rows() {
                let (u, d) = (user.value(i), day.value(i));
                let c = u32::try_from(n.value(i)).unwrap_or(u32::MAX);
                match out.last_mut() {
                    Some(s) if s.user == u => {
                        let at = (d - s.first_day) as usize;
                        s.counts.resize(at, 0);
                        s.counts.push(c);
                    }
                    _ => out.push(DailyCounts {
                        user: u.to_string(),
                        first_day: d,
                        counts: vec![c],
                    }),
                }
            }
        }
        if span == Span::Global
            && let (Some(first), Some(last)) = (
                out.iter().map(|s| s.first_day).min(),
                out.iter().map(|s| s.last_day()).max(),
            )
        {
            for s in &mut out {
                let mut counts = vec![0u32; (last - first + 1) as usize];
                let at = (s.first_day - first) as usize;
                counts[at..at + s.counts.len()].copy_from_slice(&s.counts);
                s.counts = counts;
                s.first_day = first;
            }
        }
        Ok(out)
    }

    /// Markov counts (commands only) of the event log `events` split into
    /// sessions by `max_gap_ns` and `max_session_ns` (nanoseconds; `None`:
    /// no length limit): the [`Counts`] a commands-only
    /// [`MarkovModel`](threatstat_markov::MarkovModel) is built from with
    /// `MarkovModel::from_counts`.
    ///
    /// CSV logs need a header; quoted values may span lines. Events with
    /// the same user and time are ordered by `cols.order_col` (give a line
    /// number to match the native sessionizer, which keeps input order),
    /// then by command.
    pub fn markov_counts(
        &self,
        events: &Source,
        cols: &EventColumns,
        max_gap_ns: i64,
        max_session_ns: Option<i64>,
    ) -> Result<Counts, EngineError> {
        if max_gap_ns < 0 || max_session_ns.is_some_and(|m| m < 0) {
            return Err(Error::param(
                "max_gap_ns / max_session_ns",
                format!("{max_gap_ns} / {max_session_ns:?}"),
                "limits >= 0",
            )
            .into());
        }
        self.register_table(Table::Events, events)?;
        self.check_columns(events, cols)?;
        let d = Dialect::DataFusion;
        // Commands in first-seen order.
        let cmd_batches = self.sql(&sql::markov_commands(cols, d))?;
        let mut firsts: Vec<(Vec<String>, i64, i64, String, u64)> = Vec::new();
        for b in &cmd_batches {
            let cmd = strings(b, "cmd")?;
            let n = ints(b, "n")?;
            let ts = ints(b, "ts")?;
            let ord = ints(b, "ord")?;
            let keys = (0..cols.user_cols.len())
                .map(|k| strings(b, &format!("k{k}")))
                .collect::<Result<Vec<_>, _>>()?;
            for i in 0..b.num_rows() {
                if cmd.is_null(i) || cmd.value(i).is_empty() {
                    return Err(EngineError::BadRows {
                        table: events.path.clone(),
                        count: n.value(i) as u64,
                        what: format!("empty command in column {}", cols.event_col),
                    });
                }
                if ts.is_null(i) {
                    return Err(EngineError::BadRows {
                        table: events.path.clone(),
                        count: 1,
                        what: format!("missing time in column {}", cols.time_col),
                    });
                }
                firsts.push((
                    keys.iter().map(|k| k.value(i).to_string()).collect(),
                    ts.value(i),
                    ord.value(i),
                    cmd.value(i).to_string(),
                    n.value(i) as u64,
                ));
            }
        }
        firsts.sort();
        let index: std::collections::HashMap<&str, u32> = firsts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.3.as_str(), i as u32))
            .collect();
        let id = |name: &str| {
            index
                .get(name)
                .copied()
                .ok_or_else(|| EngineError::Plan(format!("command {name} has no count")))
        };
        let mut transitions = Vec::new();
        for b in &self.sql(&sql::markov_transitions(
            cols,
            max_gap_ns,
            max_session_ns,
            d,
        ))? {
            let src = strings(b, "src")?;
            let dst = strings(b, "dst")?;
            let n = ints(b, "n")?;
            for i in 0..b.num_rows() {
                let s = if src.is_null(i) {
                    None
                } else {
                    Some(id(src.value(i))?)
                };
                let t = if dst.is_null(i) {
                    None
                } else {
                    Some(id(dst.value(i))?)
                };
                transitions.push((s, t, n.value(i) as u64));
            }
        }
        transitions.sort_unstable();
        let n_sessions = transitions
            .iter()
            .filter(|t| t.0.is_none())
            .map(|t| t.2)
            .sum();
        Ok(Counts {
            n_sessions,
            cmds: firsts.iter().map(|f| f.3.clone()).collect(),
            cmd_counts: firsts.iter().map(|f| f.4).collect(),
            transitions,
            ..Default::default()
        })
    }

    /// The events of `events` split into sessions, as the plan of
    /// [`markov_counts`](Self::markov_counts) splits them: one
    /// `(user key, commands)` per session, in user-key and time order (the
    /// native sessionizer's order). For logs too large to collect, run
    /// [`sql::sessions`] on [`context`](Self::context) and write its result.
    pub fn sessions(
        &self,
        events: &Source,
        cols: &EventColumns,
        max_gap_ns: i64,
        max_session_ns: Option<i64>,
    ) -> Result<Vec<Session>, EngineError> {
        if max_gap_ns < 0 || max_session_ns.is_some_and(|m| m < 0) {
            return Err(Error::param(
                "max_gap_ns / max_session_ns",
                format!("{max_gap_ns} / {max_session_ns:?}"),
                "limits >= 0",
            )
            .into());
        }
        self.register_table(Table::Events, events)?;
        self.check_columns(events, cols)?;
        let batches = self.sql(&sql::sessions(
            cols,
            max_gap_ns,
            max_session_ns,
            Dialect::DataFusion,
        ))?;
        let mut out: Vec<Session> = Vec::new();
        let mut last: Option<(Vec<String>, i64, i64)> = None;
        for b in &batches {
            let keys = (0..cols.user_cols.len())
                .map(|k| strings(b, &format!("k{k}")))
                .collect::<Result<Vec<_>, _>>()?;
            let cmd = strings(b, "cmd")?;
            let seg = ints(b, "seg")?;
            let sub = ints(b, "sub")?;
            for i in 0..b.num_rows() {
                let key: Vec<String> = keys.iter().map(|k| k.value(i).to_string()).collect();
                let id = (key, seg.value(i), sub.value(i));
                if last.as_ref() != Some(&id) {
                    out.push((id.0.clone(), Vec::new()));
                    last = Some(id);
                }
                let session = out.last_mut().expect("a session was started");
                session.1.push(cmd.value(i).to_string());
            }
        }
        Ok(out)
    }

    fn check_columns(&self, events: &Source, cols: &EventColumns) -> Result<(), EngineError> {
        let schema = self.rt.block_on(async {
            let t = self.ctx.table(tables::EVENTS).await?;
            Ok::<_, EngineError>(t.schema().clone())
        })?;
        let wanted = cols
            .user_cols
            .iter()
            .chain([&cols.time_col, &cols.event_col])
            .chain(cols.order_col.as_ref());
        for c in wanted {
            if schema.field_with_unqualified_name(c).is_err() {
                let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(Error::MissingColumn {
                    location: Location::file(&events.path),
                    column: c.clone(),
                    available: have.join(", "),
                }
                .into());
            }
        }
        Ok(())
    }
}

/// The column names in the header of a CSV source (its first file, in
/// name order, for a directory).
fn csv_header(src: &Source) -> Result<Vec<String>, EngineError> {
    let io = |path: &Path, e: std::io::Error| EngineError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file = if src.path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&src.path)
            .map_err(|e| io(&src.path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files.into_iter().next().ok_or_else(|| {
            Error::data(src.path.display().to_string(), "no files in the directory")
        })?
    } else {
        src.path.clone()
    };
    let reader = threatstat_core::reader::open(&file)?;
    let mut r = csv::Reader::from_reader(reader);
    let header = r.headers().map_err(|e| {
        Error::parse(
            Location::file(&file).at_line(1),
            format!("reading the header: {e}"),
        )
    })?;
    if header.is_empty() {
        return Err(Error::parse(Location::file(&file).at_line(1), "no header").into());
    }
    Ok(header.iter().map(String::from).collect())
}

pub(crate) fn runtime() -> Result<Runtime, EngineError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Runtime(format!("cannot start the async runtime: {e}")))
}

/// The rule's own [`ParamGuard::check`], its dataset error mapped into the
/// engine's: the engine and the in-memory reader refuse the same rules.
fn validate_rule(rule: &OwnerRule) -> Result<(), EngineError> {
    match rule.check() {
        Ok(_) => Ok(()),
        Err(DatasetError::Core(e)) => Err(e.into()),
        Err(e) => Err(Error::Invalid(e.to_string()).into()),
    }
}

fn non_negative(v: i64, what: &str) -> Result<u64, EngineError> {
    u64::try_from(v).map_err(|_| Error::data(what, format!("negative ({v})")).into())
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Arc<dyn Array>, EngineError> {
    b.column_by_name(name)
        .ok_or_else(|| EngineError::Plan(format!("the plan returned no column {name}")))
}

/// A string column, cast to `Utf8` if it is a view or large string.
fn strings(
    b: &RecordBatch,
    name: &str,
) -> Result<datafusion::arrow::array::StringArray, EngineError> {
    let a = column(b, name)?;
    let a = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
    Ok(a.as_string::<i32>().clone())
}

/// An integer column, cast to `Int64`.
fn ints(b: &RecordBatch, name: &str) -> Result<datafusion::arrow::array::Int64Array, EngineError> {
    let a = column(b, name)?;
    let a = datafusion::arrow::compute::cast(a, &DataType::Int64)?;
    Ok(a.as_primitive::<Int64Type>().clone())
}

fn owners_from(batches: &[RecordBatch]) -> Result<OwnerMap, EngineError> {
    let mut entries = Vec::new();
    for b in batches {
        let computer = strings(b, "computer")?;
        let user = strings(b, "user_name")?;
        let logons = ints(b, "logons")?;
        let total = ints(b, "computer_logons")?;
        let users = ints(b, "users")?;
        for i in 0..b.num_rows() {
            entries.push(Ownership {
                computer: computer.value(i).to_string(),
                user: user.value(i).to_string(),
                logons: logons.value(i) as u64,
                computer_logons: total.value(i) as u64,
                users: users.value(i) as u64,
            });
        }
    }
    Ok(OwnerMap::from_entries(entries))
}
