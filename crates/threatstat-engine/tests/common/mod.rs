//! Fixtures and native (single-pass, `threatstat-datasets` /
//! `threatstat-markov`) results that every engine backend must equal.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use threatstat_core::BadRowPolicy;
use threatstat_core::{Fit, ParamGuard};
use threatstat_datasets::cert::{DailyCounts, HourWindow, LogonGenerator, LogonLoader, Span};
use threatstat_datasets::lanl::{
    LanlGenerator, OwnerMap, OwnerRule, UploadRow, upload_bytes_per_interval,
};
use threatstat_engine::Session;
use threatstat_engine::sql::EventColumns;
use threatstat_markov::io::{EventColumns as NativeColumns, read_events_csv, sessionize_log};
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{Counts, MarkovModel, SessionFile, SessionType};

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-engine-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub struct Lanl {
    pub auth: PathBuf,
    pub flows: PathBuf,
}

fn lanl_generator() -> LanlGenerator {
    LanlGenerator::new()
        .users(300)
        .days(6)
        .upload_effect(3.0)
        .seed(7)
}

/// A generated LANL data set (300 users, 6 days).
pub fn lanl(dir: &Path) -> Lanl {
    lanl_generator().write_files(dir).unwrap();
    Lanl {
        auth: dir.join("auth.txt"),
        flows: dir.join("flows.txt"),
    }
}

/// The owner rules compared: the default, the destination side with a
/// share threshold, and one logon type with a minimum count.
pub fn owner_rules() -> Vec<OwnerRule> {
    cases::owner_rules()
}

pub fn native_owners(auth: &Path, rule: &OwnerRule) -> OwnerMap {
    OwnerMap::from_auth_with(auth, BadRowPolicy::Error, rule).unwrap()
}

/// Native upload rows, with user names.
pub fn native_uploads(
    lanl: &Lanl,
    rule: &OwnerRule,
    interval_s: u64,
) -> (Vec<String>, Vec<UploadRow>) {
    let owners = native_owners(&lanl.auth, rule);
    let t =
        upload_bytes_per_interval(&lanl.flows, &owners, interval_s, BadRowPolicy::Error).unwrap();
    (t.users().to_vec(), t.rows().to_vec())
}

/// A generated CERT logon file with after-hours activity.
pub fn cert(dir: &Path) -> PathBuf {
    let csv = dir.join("logon.csv");
    LogonGenerator::new()
        .users(60)
        .days(90)
        .planted(4)
        .id_column(true)
        .seed(3)
        .write_files(&csv, dir.join("truth.json"))
        .unwrap();
    csv
}

pub fn cert_cases() -> Vec<(Option<HourWindow>, Span)> {
    vec![
        (None, Span::User),
        (Some("18-7".parse().unwrap()), Span::User),
        (Some("9-17".parse().unwrap()), Span::Global),
    ]
}

pub fn native_daily(csv: &Path, window: Option<HourWindow>, span: Span) -> Vec<DailyCounts> {
    LogonLoader::new()
        .hour_window(window)
        .load(csv)
        .unwrap()
        .daily(span)
}

#[path = "../spark/cases.rs"]
mod cases;

/// The bundled Exchange audit log with a `row` column (its record number),
/// so that events at the same time keep input order as natively.
pub fn exchange(dir: &Path) -> PathBuf {
    cases::exchange_with_rows(dir)
}

pub fn exchange_columns() -> EventColumns {
    EventColumns {
        user_cols: vec!["UserId".into(), "ClientIP".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        order_col: Some("row".into()),
    }
}

/// (max session minutes, max gap minutes) compared, as in msticpy's demo
/// (20, 2) and looser limits.
pub const SESSION_LIMITS: [(f64, f64); 3] = [(20.0, 2.0), (60.0, 10.0), (5.0, 5.0)];

/// The native sessionizer's sessions file of the Exchange log.
fn native_file(csv: &Path, max_session_mins: f64, max_gap_mins: f64) -> SessionFile {
    let cols = NativeColumns {
        user_cols: vec!["UserId".into(), "ClientIP".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        params_col: None,
    };
    let (log, _) = read_events_csv(csv, &cols, BadRowPolicy::Error).unwrap();
    let params = SessionizeParams::new(max_session_mins, max_gap_mins)
        .check()
        .unwrap();
    sessionize_log(&log, &params).unwrap().1
}

pub fn native_counts(csv: &Path, max_session_mins: f64, max_gap_mins: f64) -> Counts {
    let file = native_file(csv, max_session_mins, max_gap_mins);
    MarkovModel::params()
        .session_type(SessionType::Cmds)
        .fit(&file.sessions)
        .unwrap()
        .counts()
        .clone()
}

/// Native sessions as (user key with `dummy_str` for missing values,
/// commands), in the native order.
pub fn native_sessions(csv: &Path, max_session_mins: f64, max_gap_mins: f64) -> Vec<Session> {
    let file = native_file(csv, max_session_mins, max_gap_mins);
    file.meta
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let key = m
                .users
                .iter()
                .map(|(_, v)| v.clone().unwrap_or_else(|| "dummy_str".into()))
                .collect();
            let cmds = file
                .sessions
                .session_events(i)
                .map(|e| e.cmd().to_string())
                .collect();
            (key, cmds)
        })
        .collect()
}

pub fn ns(mins: f64) -> i64 {
    (mins * 60e9).round() as i64
}

/// Runs every plan on `engine` and checks it against the native results.
pub fn check_all(engine: &threatstat_engine::Engine, tag: &str) {
    use threatstat_engine::Source;
    let dir = temp_dir(tag);
    let lanl = lanl(&dir);
    for rule in owner_rules() {
        let native = native_owners(&lanl.auth, &rule);
        assert!(native.len() > 50, "the fixture has owners");
        let got = engine.lanl_owners(&Source::csv(&lanl.auth), &rule).unwrap();
        assert_eq!(got.entries(), native.entries(), "owners, rule {rule:?}");
        for interval_s in [86_400, 3_600] {
            let (users, rows) = native_uploads(&lanl, &rule, interval_s);
            let got = engine
                .lanl_uploads(
                    &Source::csv(&lanl.auth),
                    &Source::csv(&lanl.flows),
                    &rule,
                    interval_s,
                )
                .unwrap();
            assert_eq!(got.owners.users(), users, "upload users, rule {rule:?}");
            assert_eq!(got.rows.len(), rows.len());
            assert_eq!(
                got.rows, rows,
                "upload rows, rule {rule:?}, interval {interval_s}"
            );
        }
    }
    let logon = cert(&dir);
    for (window, span) in cert_cases() {
        let native = native_daily(&logon, window, span);
        let got = engine
            .cert_daily_counts(&Source::csv(&logon), window, span)
            .unwrap();
        assert_eq!(got, native, "CERT daily counts, {window:?} {span:?}");
    }
    let events = exchange(&dir);
    for (max_session, max_gap) in SESSION_LIMITS {
        let native = native_counts(&events, max_session, max_gap);
        assert!(native.n_sessions > 100);
        let got = engine
            .markov_counts(
                &Source::csv(&events),
                &exchange_columns(),
                ns(max_gap),
                Some(ns(max_session)),
            )
            .unwrap();
        assert_eq!(
            got, native,
            "Markov counts, limits {max_session} / {max_gap} min"
        );
        let sessions = engine
            .sessions(
                &Source::csv(&events),
                &exchange_columns(),
                ns(max_gap),
                Some(ns(max_session)),
            )
            .unwrap();
        assert_eq!(
            sessions,
            native_sessions(&events, max_session, max_gap),
            "sessions, limits {max_session} / {max_gap} min"
        );
    }
    check_parquet_and_parts(engine, &dir, &lanl, &events);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes the lines of `src` round-robin into `parts` files in `out`.
pub fn split_lines(src: &Path, out: &Path, parts: usize) {
    std::fs::create_dir_all(out).unwrap();
    let text = std::fs::read_to_string(src).unwrap();
    let mut files = vec![String::new(); parts];
    for (i, line) in text.lines().enumerate() {
        files[i % parts].push_str(line);
        files[i % parts].push('\n');
    }
    for (i, f) in files.iter().enumerate() {
        std::fs::write(out.join(format!("part-{i}.txt")), f).unwrap();
    }
}

/// Parquet inputs (written by a local engine) and text inputs split into
/// several files give the same results as one text file.
fn check_parquet_and_parts(
    engine: &threatstat_engine::Engine,
    dir: &Path,
    lanl: &Lanl,
    events: &Path,
) {
    use threatstat_engine::{Engine, Source, Table};
    let local = Engine::local().unwrap();
    let pq = dir.join("parquet");
    local
        .to_parquet(Table::LanlAuth, &Source::csv(&lanl.auth), &pq.join("auth"))
        .unwrap();
    local
        .to_parquet(
            Table::LanlFlows,
            &Source::csv(&lanl.flows),
            &pq.join("flows"),
        )
        .unwrap();
    local
        .to_parquet(Table::Events, &Source::csv(events), &pq.join("events"))
        .unwrap();
    let rule = OwnerRule::default();
    let (users, rows) = native_uploads(lanl, &rule, 86_400);
    let got = engine
        .lanl_uploads(
            &Source::parquet(pq.join("auth")),
            &Source::parquet(pq.join("flows")),
            &rule,
            86_400,
        )
        .unwrap();
    assert_eq!(
        (got.owners.users(), &got.rows[..]),
        (&users[..], &rows[..]),
        "uploads from Parquet"
    );
    // The same data set gzipped: read on DataFusion, refused with advice on
    // Ballista (whose executors do not inflate it).
    let gz = dir.join("gz");
    lanl_generator().write_files_gzip(&gz).unwrap();
    let got = engine.lanl_uploads(
        &Source::csv(gz.join("auth.txt.gz")),
        &Source::csv(gz.join("flows.txt.gz")),
        &rule,
        86_400,
    );
    if engine.backend_name() == "ballista" {
        let e = got.unwrap_err().to_string();
        assert!(e.contains("auth.txt.gz") && e.contains("to_parquet"), "{e}");
    } else {
        let got = got.unwrap();
        assert_eq!(
            (got.owners.users(), &got.rows[..]),
            (&users[..], &rows[..]),
            "uploads from gzip"
        );
    }
    let parts = dir.join("auth_parts");
    split_lines(&lanl.auth, &parts, 3);
    let got = engine.lanl_owners(&Source::csv(&parts), &rule).unwrap();
    assert_eq!(
        got.entries(),
        native_owners(&lanl.auth, &rule).entries(),
        "owners from 3 files"
    );
    let (max_session, max_gap) = SESSION_LIMITS[0];
    let got = engine
        .markov_counts(
            &Source::parquet(pq.join("events")),
            &exchange_columns(),
            ns(max_gap),
            Some(ns(max_session)),
        )
        .unwrap();
    assert_eq!(
        got,
        native_counts(events, max_session, max_gap),
        "Markov counts from Parquet"
    );
}
