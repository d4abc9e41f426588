//! The Spark parity cases: inputs written by the crate's generators, and
//! the Spark SQL of every plan over them. Shared by `tests/spark_parity.rs`
//! (which compares the committed Spark results with the native path) and
//! `examples/spark_parity.rs` (which writes the inputs and queries that
//! `tools/reference/spark_sql_reference.py` runs on Spark).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use threatstat_datasets::cert::{HourWindow, LogonGenerator};
use threatstat_datasets::lanl::{LanlGenerator, OwnerRule, OwnerSide};
use threatstat_engine::sql::{self, Dialect, EventColumns};

/// The input files of the cases.
pub struct Inputs {
    pub auth: PathBuf,
    pub flows: PathBuf,
    pub logon: PathBuf,
    pub events: PathBuf,
}

/// Writes the inputs into `dir`: a LANL data set (120 users, 4 days), a
/// CERT logon file (30 users, 60 days) and the bundled Exchange audit log
/// with a `row` column (its record number).
pub fn write_inputs(dir: &Path) -> Inputs {
    std::fs::create_dir_all(dir).unwrap();
    LanlGenerator::new()
        .users(120)
        .days(4)
        .upload_effect(3.0)
        .seed(11)
        .write_files(dir)
        .unwrap();
    let logon = dir.join("logon.csv");
    LogonGenerator::new()
        .users(30)
        .days(60)
        .planted(3)
        .id_column(true)
        .seed(5)
        .write_files(&logon, dir.join("logon_truth.json"))
        .unwrap();
    let events = exchange_with_rows(dir);
    Inputs {
        auth: dir.join("auth.txt"),
        flows: dir.join("flows.txt"),
        logon,
        events,
    }
}

/// The bundled Exchange audit log with a `row` column (its record number),
/// written to `dir/exchange.csv`, so that events at the same time can keep
/// input order as natively.
pub fn exchange_with_rows(dir: &Path) -> PathBuf {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/msticpy/demo_exchange_data.csv");
    let mut r = csv::Reader::from_path(&src).unwrap();
    let out = dir.join("exchange.csv");
    let mut w = csv::Writer::from_path(&out).unwrap();
    let mut header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    header.push("row".into());
    w.write_record(&header).unwrap();
    for (i, rec) in r.records().enumerate() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(String::from).collect();
        rec.push(i.to_string());
        w.write_record(&rec).unwrap();
    }
    w.flush().unwrap();
    out
}

/// The owner rules: the default, the destination side with a share
/// threshold, and one logon type with a minimum count.
pub fn owner_rules() -> Vec<OwnerRule> {
    let d = OwnerRule::default();
    vec![
        d.clone(),
        OwnerRule {
            side: OwnerSide::Destination,
            min_share: 0.6,
            ..d.clone()
        },
        OwnerRule {
            logon_types: vec![d.logon_types[0]],
            min_logons: 3,
            ..d
        },
    ]
}

/// The CERT hour windows.
pub fn cert_windows() -> Vec<(&'static str, Option<HourWindow>)> {
    vec![
        ("all", None),
        ("18-7", Some("18-7".parse().unwrap())),
        ("9-17", Some("9-17".parse().unwrap())),
    ]
}

/// The gaps (minutes) the Markov sessions are split at; Spark has no
/// session-length rule, so sessions are bounded by gaps only.
pub const GAPS_MINS: [f64; 3] = [2.0, 10.0, 0.5];

/// The Exchange log's columns; `ordered` adds the `row` column as the
/// order of events with the same user and time.
pub fn event_columns(ordered: bool) -> EventColumns {
    EventColumns {
        user_cols: vec!["UserId".into(), "ClientIP".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        order_col: ordered.then(|| "row".into()),
    }
}

/// What a case computes, to find its native counterpart.
#[derive(Debug, Clone)]
pub enum Case {
    Owners(OwnerRule),
    Uploads(OwnerRule, u64),
    Cert(Option<HourWindow>),
    Markov { gap_mins: f64, ordered: bool },
}

/// Every case as (name, what, Spark SQL).
pub fn cases() -> Vec<(String, Case, String)> {
    let s = Dialect::Spark;
    let mut out = Vec::new();
    for (i, rule) in owner_rules().into_iter().enumerate() {
        out.push((
            format!("owners_rule{i}"),
            Case::Owners(rule.clone()),
            sql::lanl_owners(&rule, s),
        ));
        let intervals: &[u64] = if i == 0 { &[86_400, 21_600] } else { &[86_400] };
        for &iv in intervals {
            out.push((
                format!("uploads_rule{i}_{iv}s"),
                Case::Uploads(rule.clone(), iv),
                sql::lanl_uploads(&rule, iv, s),
            ));
        }
    }
    for (name, w) in cert_windows() {
        out.push((
            format!("cert_daily_{name}"),
            Case::Cert(w),
            sql::cert_daily_counts(w, s),
        ));
    }
    for gap in GAPS_MINS {
        for ordered in [true, false] {
            out.push((
                format!(
                    "markov_gap{}s{}",
                    gap * 60.0,
                    if ordered { "_row" } else { "" }
                ),
                Case::Markov {
                    gap_mins: gap,
                    ordered,
                },
                sql::markov_transitions(
                    &event_columns(ordered),
                    (gap * 60e9).round() as i64,
                    None,
                    s,
                ),
            ));
        }
    }
    out
}
