//! The Spark SQL computes what the native path computes.
//!
//! `tools/reference/spark_sql_reference.py` ran every query of
//! `tests/spark/cases.rs` on Apache Spark (version in
//! `tests/fixtures/spark/spark_versions.json`) over inputs written by the
//! crate's generators, and stored the results beside the queries. These
//! tests regenerate the inputs (the generators are seeded), compute each
//! case natively and require the stored Spark rows to be equal, exactly.
//! They need neither Spark nor the `datafusion` feature.

#[path = "spark/cases.rs"]
mod cases;

use cases::{Case, Inputs};
use std::path::{Path, PathBuf};
use threatstat_core::{BadRowPolicy, Fit, ParamGuard};
use threatstat_datasets::cert::{LogonLoader, Span};
use threatstat_datasets::lanl::{OwnerMap, upload_bytes_per_interval};
use threatstat_markov::io::{EventColumns, read_events_csv, sessionize_log};
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{MarkovModel, SessionType};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spark")
}

const RERUN: &str = "rerun tools/reference/spark_sql_reference.py (see its docstring)";

/// The rows Spark returned for `case`: column names and records.
fn spark_rows(case: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = fixtures().join(format!("{case}.csv"));
    let mut r = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {RERUN}", path.display()));
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn int(s: &str) -> i64 {
    s.parse()
        .unwrap_or_else(|_| panic!("not an integer: {s:?}"))
}

/// Native results of `case`, as the rows the Spark query returns (same
/// columns; [`sorted`] puts both sides in one order).
fn native_rows(case: &Case, inputs: &Inputs) -> Vec<Vec<String>> {
    match case {
        Case::Owners(rule) => {
            let owners = OwnerMap::from_auth_with(&inputs.auth, BadRowPolicy::Error, rule).unwrap();
            owners
                .entries()
                .iter()
                .map(|o| {
                    vec![
                        o.computer.clone(),
                        o.user.clone(),
                        o.logons.to_string(),
                        o.computer_logons.to_string(),
                        o.users.to_string(),
                    ]
                })
                .collect()
        }
        Case::Uploads(rule, interval_s) => {
            let owners = OwnerMap::from_auth_with(&inputs.auth, BadRowPolicy::Error, rule).unwrap();
            let t =
                upload_bytes_per_interval(&inputs.flows, &owners, *interval_s, BadRowPolicy::Error)
                    .unwrap();
            t.rows()
                .iter()
                .map(|r| {
                    vec![
                        t.users()[r.user as usize].clone(),
                        r.interval.to_string(),
                        r.upload_bytes.to_string(),
                        r.download_bytes.to_string(),
                        r.upload_flows.to_string(),
                        r.download_flows.to_string(),
                    ]
                })
                .collect()
        }
        Case::Cert(window) => {
            // Spark lists the user-days with rows; the native series fills
            // the days between with zeros. Compare (user, day, logons) over
            // the days Spark lists, and require every other native day to
            // be zero.
            let daily = LogonLoader::new()
                .hour_window(*window)
                .load(&inputs.logon)
                .unwrap()
                .daily(Span::User);
            let mut rows = Vec::new();
            for s in daily {
                for (i, c) in s.counts.iter().enumerate() {
                    rows.push(vec![
                        s.user.clone(),
                        (s.first_day + i as i64).to_string(),
                        c.to_string(),
                    ]);
                }
            }
            rows
        }
        Case::Markov { gap_mins, ordered } => {
            let c = cases::event_columns(*ordered);
            let cols = EventColumns {
                user_cols: c.user_cols,
                time_col: c.time_col,
                event_col: c.event_col.clone(),
                params_col: None,
            };
            // Natively, events with the same user and time keep input
            // order; without an order column the SQL orders them by
            // command. Feed the native path the log sorted (stably) by
            // command to get that order.
            let events = if *ordered {
                inputs.events.clone()
            } else {
                by_command(&inputs.events, &c.event_col)
            };
            let (log, _) = read_events_csv(&events, &cols, BadRowPolicy::Error).unwrap();
            // No session-length rule in Spark: a limit of 10^8 minutes
            // (190 years) never splits.
            let params = SessionizeParams::new(1e8, *gap_mins).check().unwrap();
            let file = sessionize_log(&log, &params).unwrap().1;
            let counts = MarkovModel::params()
                .session_type(SessionType::Cmds)
                .fit(&file.sessions)
                .unwrap()
                .counts()
                .clone();
            let name =
                |c: Option<u32>| c.map_or(String::new(), |c| counts.cmds[c as usize].clone());
            counts
                .transitions
                .iter()
                .map(|&(s, d, n)| vec![name(s), name(d), n.to_string()])
                .collect()
        }
    }
}

/// A copy of the event log `csv` with its records sorted stably by the
/// command column `cmd`.
fn by_command(csv: &Path, cmd: &str) -> PathBuf {
    let mut r = csv::Reader::from_path(csv).unwrap();
    let header = r.headers().unwrap().clone();
    let op = header.iter().position(|h| h == cmd).unwrap();
    let mut records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    records.sort_by(|a, b| a[op].cmp(&b[op]));
    let out = csv.with_extension("by_command.csv");
    let mut w = csv::Writer::from_path(&out).unwrap();
    w.write_record(&header).unwrap();
    for rec in &records {
        w.write_record(rec).unwrap();
    }
    w.flush().unwrap();
    out
}

/// Spark's rows in the native row shape: for CERT without the `rows`
/// column.
fn comparable(case: &Case, header: &[String], mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    if let Case::Cert(_) = case {
        assert_eq!(header, ["user_name", "day", "logons", "rows"]);
        for r in &mut rows {
            r.truncate(3);
        }
    }
    rows
}

/// `rows` in one order for both sides: by user and number (interval or
/// day) where the second column is one, else as text.
fn sorted(case: &Case, mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    match case {
        Case::Owners(_) | Case::Markov { .. } => rows.sort(),
        Case::Uploads(..) | Case::Cert(_) => {
            rows.sort_by(|a, b| (&a[0], int(&a[1])).cmp(&(&b[0], int(&b[1]))));
        }
    }
    rows
}

#[test]
fn spark_queries_are_the_current_sql() {
    for (name, _, text) in cases::cases() {
        let path = fixtures().join(format!("{name}.sql"));
        let stored = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            stored,
            text + "\n",
            "{}: the SQL changed since Spark ran it; {RERUN}",
            path.display()
        );
    }
}

#[test]
fn the_committed_spark_files_are_verified_cases() {
    // Each file of spark/ (minus its comment header and `;`) is one of the
    // cases Spark ran.
    let texts: Vec<String> = cases::cases().into_iter().map(|c| c.2).collect();
    for (name, file) in threatstat_engine::sql::spark_files() {
        let body: String = file
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let body = body.trim_end_matches(';');
        assert!(
            texts.iter().any(|t| t == body),
            "spark/{name} is not among the Spark parity cases"
        );
    }
}

#[test]
fn spark_results_equal_native() {
    let dir = std::env::temp_dir().join(format!("threatstat-spark-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let inputs = cases::write_inputs(&dir);
    for (name, case, _) in cases::cases() {
        let (header, spark) = spark_rows(&name);
        let spark = sorted(&case, comparable(&case, &header, spark));
        let mut native = native_rows(&case, &inputs);
        if let Case::Cert(_) = case {
            // Days without rows: absent in Spark, zero natively.
            let listed: std::collections::HashSet<(String, String)> =
                spark.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
            native.retain(|r| {
                listed.contains(&(r[0].clone(), r[1].clone())) || {
                    assert_eq!(
                        r[2], "0",
                        "{name}: a native day with logons that Spark lacks: {r:?}"
                    );
                    false
                }
            });
        }
        assert!(!native.is_empty(), "{name}: the case has rows");
        assert_eq!(spark.len(), native.len(), "{name}: number of rows");
        for (s, n) in spark.iter().zip(&sorted(&case, native)) {
            assert_eq!(s, n, "{name}: Spark row != native row");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
