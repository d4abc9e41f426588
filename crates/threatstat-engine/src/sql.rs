//! The plans as SQL text: what the engine runs on DataFusion and Ballista,
//! and the Spark SQL that computes the same tables on a Spark cluster.
//!
//! Every function returns one query over tables registered under the names
//! of [`tables`]. The texts are plain strings, so they are available (and
//! tested) without the `datafusion` feature.
//!
//! ```
//! use threatstat_engine::sql::{self, Dialect};
//! let q = sql::lanl_owners(&Default::default(), Dialect::DataFusion);
//! assert!(q.contains("ROW_NUMBER() OVER (PARTITION BY computer ORDER BY logons DESC, user_name ASC)"));
//! assert!(sql::lanl_owners(&Default::default(), Dialect::Spark).contains("RLIKE"));
//! ```

use threatstat_datasets::cert::HourWindow;
use threatstat_datasets::lanl::{OwnerRule, OwnerSide};

/// Table names the queries read.
pub mod tables {
    /// LANL `auth.txt` (columns [`LANL_AUTH_COLUMNS`](super::LANL_AUTH_COLUMNS)).
    pub const AUTH: &str = "lanl_auth";
    /// LANL `flows.txt` (columns [`LANL_FLOW_COLUMNS`](super::LANL_FLOW_COLUMNS)).
    pub const FLOWS: &str = "lanl_flows";
    /// CERT `logon.csv` (header `id,date,user,pc,activity`).
    pub const LOGON: &str = "cert_logon";
    /// An event log with a header (Markov sessions).
    pub const EVENTS: &str = "events";
}

/// Column names given to LANL `auth.txt`, which has no header.
pub const LANL_AUTH_COLUMNS: [&str; 9] = [
    "time",
    "src_user",
    "dst_user",
    "src_computer",
    "dst_computer",
    "auth_type",
    "logon_type",
    "orientation",
    "outcome",
];

/// Column names given to LANL `flows.txt`, which has no header.
pub const LANL_FLOW_COLUMNS: [&str; 9] = [
    "time",
    "duration",
    "src_computer",
    "src_port",
    "dst_computer",
    "dst_port",
    "protocol",
    "packets",
    "bytes",
];

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Apache DataFusion (and Ballista, which plans with DataFusion).
    DataFusion,
    /// Apache Spark SQL with `spark.sql.session.timeZone=UTC` (run on
    /// Spark 4.3.0 by `tests/spark_parity.rs`'s reference script).
    Spark,
}

/// `x / n` rounded down, for non-negative integer `x` and positive `n`.
fn idiv(x: &str, n: u64, d: Dialect) -> String {
    match d {
        Dialect::DataFusion => format!("({x}) / {n}"),
        Dialect::Spark => format!("CAST(FLOOR(({x}) / {n}) AS BIGINT)"),
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A column name as an SQL identifier (double quotes in DataFusion,
/// backquotes in Spark), so names with capitals or spaces work.
pub fn ident(name: &str, d: Dialect) -> String {
    match d {
        Dialect::DataFusion => format!("\"{}\"", name.replace('"', "\"\"")),
        Dialect::Spark => format!("`{}`", name.replace('`', "``")),
    }
}

fn owners_cte(rule: &OwnerRule, d: Dialect) -> String {
    let side = match rule.side {
        OwnerSide::Source => "src_computer",
        OwnerSide::Destination => "dst_computer",
    };
    let types = rule
        .logon_types
        .iter()
        .filter_map(|t| t.as_str().map(quote))
        .collect::<Vec<_>>()
        .join(", ");
    // `is_human_user`: `U<digits>@<non-empty domain>`.
    let human = match d {
        Dialect::DataFusion => "regexp_like(src_user, '^U[0-9]+@.+$')",
        Dialect::Spark => "src_user RLIKE '^U[0-9]+@.+$'",
    };
    format!(
        "counted AS (
  SELECT {side} AS computer, src_user AS user_name
  FROM {auth}
  WHERE outcome = 'Success' AND orientation = 'LogOn'
    AND logon_type IN ({types})
    AND {side} IS NOT NULL AND {side} <> '?'
    AND {human}
),
pairs AS (
  SELECT computer, user_name, COUNT(*) AS logons
  FROM counted GROUP BY computer, user_name
),
ranked AS (
  SELECT computer, user_name, logons,
    SUM(logons) OVER (PARTITION BY computer) AS computer_logons,
    COUNT(*) OVER (PARTITION BY computer) AS users,
    ROW_NUMBER() OVER (PARTITION BY computer ORDER BY logons DESC, user_name ASC) AS rk
  FROM pairs
),
owners AS (
  SELECT computer, user_name, logons, computer_logons, users
  FROM ranked
  WHERE rk = 1 AND logons >= {min_logons}
    AND CAST(logons AS DOUBLE) >= {min_share:?} * CAST(computer_logons AS DOUBLE)
)",
        auth = tables::AUTH,
        min_logons = rule.min_logons,
        min_share = rule.min_share,
    )
}

/// The owner of each computer ([`OwnerRule`]): columns `computer`,
/// `user_name`, `logons`, `computer_logons`, `users`.
///
/// The most counted logons wins; ties go to the smallest user in byte order
/// (both engines compare strings by their UTF-8 bytes), as in
/// [`threatstat_datasets::lanl::OwnerMap`].
pub fn lanl_owners(rule: &OwnerRule, d: Dialect) -> String {
    format!(
        "WITH {}\nSELECT * FROM owners ORDER BY computer",
        owners_cte(rule, d)
    )
}

/// Upload and download bytes and flows per owner and interval of
/// `interval_s` seconds (interval `floor((time - 1) / interval_s)`): columns
/// `user_name`, `iv`, `upload_bytes`, `download_bytes`, `upload_flows`,
/// `download_flows`, as [`threatstat_datasets::lanl::UploadRow`].
///
/// A flow between two computers of the same user is both an upload and a
/// download of that user.
pub fn lanl_uploads(rule: &OwnerRule, interval_s: u64, d: Dialect) -> String {
    let iv = idiv("f.time - 1", interval_s, d);
    format!(
        "WITH {owners},
labelled AS (
  SELECT o.user_name, {iv} AS iv,
    f.bytes AS upload_bytes, CAST(0 AS BIGINT) AS download_bytes,
    CAST(1 AS BIGINT) AS upload_flows, CAST(0 AS BIGINT) AS download_flows
  FROM {flows} f JOIN owners o ON f.src_computer = o.computer
  UNION ALL
  SELECT o.user_name, {iv} AS iv,
    CAST(0 AS BIGINT), f.bytes, CAST(0 AS BIGINT), CAST(1 AS BIGINT)
  FROM {flows} f JOIN owners o ON f.dst_computer = o.computer
)
SELECT user_name, iv,
  SUM(upload_bytes) AS upload_bytes, SUM(download_bytes) AS download_bytes,
  SUM(upload_flows) AS upload_flows, SUM(download_flows) AS download_flows
FROM labelled
GROUP BY user_name, iv
ORDER BY user_name, iv",
        owners = owners_cte(rule, d),
        flows = tables::FLOWS,
    )
}

/// Logons per CERT user and day (days since 1970-01-01, from the local
/// time stamps as written): columns `user_name`, `day`, `logons` (those in
/// `window`, all logons without one), `rows` (valid logon and logoff rows).
///
/// Every user-day with a valid row is listed, so each user's first and last
/// day (and the file's) follow, as in
/// [`threatstat_datasets::cert::LogonCounts`].
pub fn cert_daily_counts(window: Option<HourWindow>, d: Dialect) -> String {
    let secs = match d {
        Dialect::DataFusion => "to_unixtime(to_timestamp(date, '%m/%d/%Y %H:%M:%S'))",
        Dialect::Spark => "unix_timestamp(date, 'M/d/yyyy H:mm:ss')",
    };
    let in_window = match window {
        None => "TRUE".to_string(),
        Some(w) if w.start() < w.end() => {
            format!("hour >= {} AND hour < {}", w.start(), w.end())
        }
        Some(w) => format!("(hour >= {} OR hour < {})", w.start(), w.end()),
    };
    let day = idiv("t", 86_400, d);
    let hour = idiv("t % 86400", 3_600, d);
    format!(
        "WITH v AS (
  SELECT user AS user_name, activity, {secs} AS t
  FROM {logon}
  WHERE activity IN ('Logon', 'Logoff')
),
h AS (
  SELECT user_name, activity, {day} AS day, {hour} AS hour FROM v
)
SELECT user_name, day,
  SUM(CASE WHEN activity = 'Logon' AND {in_window} THEN 1 ELSE 0 END) AS logons,
  COUNT(*) AS rows
FROM h
GROUP BY user_name, day
ORDER BY user_name, day",
        logon = tables::LOGON,
    )
}

/// Rows of the CERT logon table whose activity is not exactly `Logon` or
/// `Logoff`, or whose user is missing: one row, column `bad`.
pub fn cert_bad_rows() -> String {
    format!(
        "SELECT COUNT(*) AS bad FROM {} \
         WHERE activity IS NULL OR activity NOT IN ('Logon', 'Logoff') OR user IS NULL",
        tables::LOGON
    )
}

/// How the Markov plan reads an event log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventColumns {
    /// User-identifier columns (a missing or empty value is msticpy's
    /// `dummy_str`).
    pub user_cols: Vec<String>,
    /// The time column (ISO-8601 / RFC 3339 text).
    pub time_col: String,
    /// The event (command) column.
    pub event_col: String,
    /// A column that orders events with the same user and time (such as a
    /// line number); without one, ties are ordered by command name.
    pub order_col: Option<String>,
}

/// The name of the window function that splits a run of events into
/// sessions of bounded length (`session_split_udwf` with the `datafusion`
/// feature).
pub const SESSION_SPLIT_UDWF: &str = "threatstat_session_split";

fn sessions_cte(
    cols: &EventColumns,
    max_gap_ns: i64,
    max_session_ns: Option<i64>,
    d: Dialect,
) -> String {
    let id = |c: &str| ident(c, d);
    let keys: Vec<String> = (0..cols.user_cols.len()).map(|i| format!("k{i}")).collect();
    let key_select = cols
        .user_cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "COALESCE(NULLIF(CAST({} AS STRING), ''), 'dummy_str') AS k{i}",
                id(c)
            )
        })
        .collect::<Vec<_>>();
    let part = |extra: &[&str]| {
        let mut p: Vec<String> = keys.clone();
        p.extend(extra.iter().map(|s| s.to_string()));
        if p.is_empty() {
            String::new()
        } else {
            format!("PARTITION BY {} ", p.join(", "))
        }
    };
    let ts = match d {
        Dialect::DataFusion => {
            format!("CAST(to_timestamp_nanos({}) AS BIGINT)", id(&cols.time_col))
        }
        Dialect::Spark => format!(
            "CAST(unix_micros(to_timestamp({})) AS BIGINT) * 1000",
            id(&cols.time_col)
        ),
    };
    let ord = match &cols.order_col {
        Some(c) => format!("CAST({} AS BIGINT)", id(c)),
        None => "CAST(0 AS BIGINT)".to_string(),
    };
    let mut select: Vec<String> = key_select;
    select.push(format!("{ts} AS ts"));
    select.push(format!("{ord} AS ord"));
    select.push(format!("CAST({} AS STRING) AS cmd", id(&cols.event_col)));
    let order = "ORDER BY ts, ord, cmd";
    let w_user = format!("({}{order})", part(&[]));
    let split = match max_session_ns {
        None => "CAST(0 AS BIGINT) AS sub".to_string(),
        Some(m) => format!(
            "{SESSION_SPLIT_UDWF}(ts, CAST({m} AS BIGINT)) OVER ({}{order}) AS sub",
            part(&["seg"])
        ),
    };
    format!(
        "e AS (
  SELECT {select}
  FROM {events}
),
g AS (
  SELECT *, CASE WHEN LAG(ts) OVER {w_user} IS NULL OR ts - LAG(ts) OVER {w_user} > {max_gap_ns}
    THEN 1 ELSE 0 END AS brk
  FROM e
),
s AS (
  SELECT *, SUM(brk) OVER ({p_user}{order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seg
  FROM g
),
d AS (
  SELECT *, {split} FROM s
),
t AS (
  SELECT *, LAG(cmd) OVER {w_sess} AS prev, LEAD(cmd) OVER {w_sess} AS next FROM d
)",
        select = select.join(", "),
        events = tables::EVENTS,
        p_user = part(&[]),
        w_sess = format!("({}{order})", part(&["seg", "sub"])),
    )
}

/// Markov transition counts of sessionized events: columns `src` (`NULL`
/// for the start token), `dst` (`NULL` for the end token), `n`. Every
/// session has one transition from the start token, so those counts sum to
/// the number of sessions.
///
/// Sessions follow [`threatstat_markov::sessionize::SessionizeParams`]: a
/// new session starts when the user changes, when the gap to the previous
/// event exceeds `max_gap_ns`, or when the time since the session's first
/// event exceeds `max_session_ns` (`None`: no limit). The gap rule is plain
/// window SQL; the length rule is inherently sequential and uses the
/// engine's window function [`SESSION_SPLIT_UDWF`], which a Spark or a
/// stock Ballista cluster does not have (see the crate docs).
pub fn markov_transitions(
    cols: &EventColumns,
    max_gap_ns: i64,
    max_session_ns: Option<i64>,
    d: Dialect,
) -> String {
    format!(
        "WITH {}
SELECT prev AS src, cmd AS dst, COUNT(*) AS n FROM t GROUP BY prev, cmd
UNION ALL
SELECT cmd AS src, CAST(NULL AS STRING) AS dst, COUNT(*) AS n FROM t WHERE next IS NULL GROUP BY cmd",
        sessions_cte(cols, max_gap_ns, max_session_ns, d)
    )
}

/// The events with their sessions: columns `k0`.. (the user key), `ts`
/// (ns), `ord`, `cmd`, and `seg`, `sub` (the run of events without a gap
/// above the maximum, and the session within the run), ordered by user key
/// and time. A session is one `(k0.., seg, sub)`.
pub fn sessions(
    cols: &EventColumns,
    max_gap_ns: i64,
    max_session_ns: Option<i64>,
    d: Dialect,
) -> String {
    let keys = (0..cols.user_cols.len())
        .map(|i| format!("k{i}, "))
        .collect::<String>();
    format!(
        "WITH {}\nSELECT {keys}ts, ord, cmd, seg, sub FROM d ORDER BY {keys}ts, ord, cmd",
        sessions_cte(cols, max_gap_ns, max_session_ns, d)
    )
}

/// Each command's count and the sort key of its first occurrence (user
/// key columns `k0..`, `ts`, `ord`) in session order: columns `cmd`, `n`,
/// `k0`.., `ts`, `ord`. Sorting these rows by the key gives the commands in
/// first-seen order.
pub fn markov_commands(cols: &EventColumns, d: Dialect) -> String {
    let keys: Vec<String> = (0..cols.user_cols.len()).map(|i| format!("k{i}")).collect();
    let mut order = keys.clone();
    order.extend(["ts".to_string(), "ord".to_string()]);
    let order = order.join(", ");
    let key_cols = keys.iter().map(|k| format!("{k}, ")).collect::<String>();
    format!(
        "WITH {},
r AS (
  SELECT cmd, {key_cols}ts, ord,
    COUNT(*) OVER (PARTITION BY cmd) AS n,
    ROW_NUMBER() OVER (PARTITION BY cmd ORDER BY {order}) AS rn
  FROM e
)
SELECT cmd, n, {key_cols}ts, ord FROM r WHERE rn = 1",
        // Only `e` is needed; the other common table expressions are unused.
        sessions_cte(cols, 0, None, d)
    )
}

/// Every plan in Spark SQL with default parameters (owner rule, daily
/// intervals, the `18-7` window, the Exchange log's columns, a 2-minute gap
/// and no session-length limit), as `(file name, text)`, each text headed
/// by a comment saying how to run it.
///
/// ```
/// let files = threatstat_engine::sql::spark_files();
/// assert!(files.iter().any(|(n, t)| n == "lanl_uploads.sql" && t.contains("FLOOR((f.time - 1) / 86400)")));
/// ```
pub fn spark_files() -> Vec<(String, String)> {
    let rule = OwnerRule::default();
    let cols = EventColumns {
        user_cols: vec!["UserId".into(), "ClientIP".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        order_col: None,
    };
    let head = |what: &str, views: &str| {
        format!(
            "-- {what}\n-- Generated by `cargo run -p threatstat-engine --example spark_sql`; \
             run on Spark 4.3 and checked equal to threatstat's native results \
             (crates/threatstat-engine/tests/spark_parity.rs).\n\
             -- Run with spark.sql.session.timeZone=UTC after registering {views}.\n"
        )
    };
    let auth = format!(
        "`{}` (LANL auth.txt, no header, columns {}; `time` BIGINT, the others STRING)",
        tables::AUTH,
        LANL_AUTH_COLUMNS.join(", ")
    );
    let flows = format!(
        "`{}` (LANL flows.txt, no header, columns {}; `time`, `duration`, `packets`, `bytes` BIGINT, the others STRING)",
        tables::FLOWS,
        LANL_FLOW_COLUMNS.join(", ")
    );
    let window: HourWindow = "18-7".parse().expect("a valid window");
    let s = Dialect::Spark;
    vec![
        (
            "lanl_owners.sql".into(),
            head(
                "The owner of each LANL computer (default OwnerRule).",
                &auth,
            ) + &lanl_owners(&rule, s)
                + ";\n",
        ),
        (
            "lanl_uploads.sql".into(),
            head(
                "Upload/download bytes and flows per owner and day.",
                &format!("{auth} and {flows}"),
            ) + &lanl_uploads(&rule, 86_400, s)
                + ";\n",
        ),
        (
            "cert_daily_counts.sql".into(),
            head(
                "After-hours (18-7) logons per CERT user and day (days since 1970-01-01).",
                &format!(
                    "`{}` (CERT logon.csv with its header, columns as strings)",
                    tables::LOGON
                ),
            ) + &cert_daily_counts(Some(window), s)
                + ";\n",
        ),
        (
            "markov_transitions.sql".into(),
            head(
                "Markov transition counts (NULL = start/end token) of sessions split at gaps over 2 minutes; \
                 no session-length limit (that rule needs a sequential scan per run, not SQL).",
                &format!(
                    "`{}` (an event log with a header, columns as strings; CSV options \
                     multiLine=true and escape='\"' for quoted values spanning lines). \
                     Events of one user at the same time are ordered by command name: to keep \
                     input order as threatstat and msticpy do, generate the query with an \
                     order column (EventColumns::order_col)",
                    tables::EVENTS
                ),
            ) + &markov_transitions(&cols, 120_000_000_000, None, s)
                + ";\n",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_dialects() {
        assert_eq!(quote("a'b"), "'a''b'");
        assert_eq!(
            ident("Time Generated", Dialect::DataFusion),
            "\"Time Generated\""
        );
        assert_eq!(ident("a`b", Dialect::Spark), "`a``b`");
        let w: HourWindow = "18-7".parse().unwrap();
        let q = cert_daily_counts(Some(w), Dialect::DataFusion);
        assert!(q.contains("(hour >= 18 OR hour < 7)"), "{q}");
        let q = cert_daily_counts(Some("9-17".parse().unwrap()), Dialect::Spark);
        assert!(
            q.contains("hour >= 9 AND hour < 17") && q.contains("FLOOR((t) / 86400)"),
            "{q}"
        );
        let cols = EventColumns {
            user_cols: vec!["UserId".into(), "ClientIP".into()],
            time_col: "TimeGenerated".into(),
            event_col: "Operation".into(),
            order_col: None,
        };
        let q = markov_transitions(&cols, 120, Some(1200), Dialect::DataFusion);
        assert!(
            q.contains(
                "threatstat_session_split(ts, CAST(1200 AS BIGINT)) OVER (PARTITION BY k0, k1, seg"
            ),
            "{q}"
        );
        let q = markov_transitions(&cols, 120, None, Dialect::Spark);
        assert!(
            !q.contains(SESSION_SPLIT_UDWF) && q.contains("`UserId`"),
            "{q}"
        );
    }
}
