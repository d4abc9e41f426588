//! Columnar sessions files (Parquet, Arrow IPC) against JSON Lines: the
//! same sessions, models and scores; bad files refused with the file, the
//! column and the row named.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use threatstat_core::{BadRowPolicy, Fit, ModelFile};
use threatstat_markov::columnar::{read_sessions, write_sessions};
use threatstat_markov::io::{read_sessions_jsonl, read_sessions_jsonl_for};
use threatstat_markov::score_table::write_score_table;
use threatstat_markov::{MarkovModel, SessionFile, SessionType, WindowOptions};
use threatstat_table::arrow_array::builder::{ListBuilder, StringBuilder};
use threatstat_table::arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use threatstat_table::arrow_schema::{Field, Schema};
use threatstat_table::{Column, write_batch};

const TYPES: [SessionType; 3] = [
    SessionType::Cmds,
    SessionType::CmdsParams,
    SessionType::CmdsParamsValues,
];

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("ts-markov-columnar-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Everything a read gives, with the strings' ids: equal only when the
/// sessions and the order strings were first met are.
fn shape(f: &SessionFile) -> String {
    let s = &f.sessions;
    let mut out = format!("{:?}\n", f.meta);
    for i in 0..s.len() {
        out.push_str(&format!("{:?}:", s.session_cmds(i)));
        for e in s.session_events(i) {
            out.push_str(&format!(" {}{:?}", e.cmd(), e.params().collect::<Vec<_>>()));
        }
        out.push('\n');
    }
    out
}

/// The model JSON and the scores table of a fit of type `t` on `f`.
fn fit_and_score(f: &SessionFile, t: SessionType, out: &Path) -> (String, Vec<u8>) {
    let m = MarkovModel::params()
        .session_type(t)
        .fit(&f.sessions)
        .unwrap();
    let scores = m
        .rarest_windows(&f.sessions, &WindowOptions::new(3))
        .unwrap();
    write_score_table(out, f, &scores, 3, false).unwrap();
    (m.to_json().unwrap(), std::fs::read(out).unwrap())
}

/// The JSONL file and its columnar copies give the same sessions, model
/// and scores table for each session type.
fn check_same(jsonl: &Path, tag: &str) {
    let d = dir();
    let full = read_sessions_jsonl(jsonl).unwrap();
    for ext in ["parquet", "arrow"] {
        let col = d.join(format!("{tag}.{ext}"));
        write_sessions(&col, &full).unwrap();
        for t in TYPES {
            let (j, _) = read_sessions_jsonl_for(jsonl, BadRowPolicy::Error, t).unwrap();
            let c = read_sessions(&col, Some(t)).unwrap();
            assert_eq!(shape(&j), shape(&c), "{tag} {ext} {t:?}");
            let a = fit_and_score(&j, t, &d.join(format!("{tag}-j.csv")));
            let b = fit_and_score(&c, t, &d.join(format!("{tag}-c.csv")));
            assert!(a == b, "{tag} {ext} {t:?}: model or scores differ");
        }
        // Everything, when no type is asked for.
        assert_eq!(shape(&full), shape(&read_sessions(&col, None).unwrap()));
    }
}

#[test]
fn the_demo_sessions_read_from_parquet_and_ipc_give_identical_models_and_scores() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/msticpy/sessions.jsonl");
    check_same(&fx, "demo");
}

#[test]
fn the_parquet_scores_table_holds_the_csv_values() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/msticpy/sessions.jsonl");
    let f = read_sessions_jsonl(&fx).unwrap();
    let m = MarkovModel::params()
        .session_type(SessionType::CmdsParamsValues)
        .fit(&f.sessions)
        .unwrap();
    let scores = m
        .rarest_windows(&f.sessions, &WindowOptions::new(3))
        .unwrap();
    let d = dir();
    let csv = d.join("scores.csv");
    write_score_table(&csv, &f, &scores, 3, false).unwrap();
    for ext in ["parquet", "arrow"] {
        let p = d.join(format!("scores.{ext}"));
        write_score_table(&p, &f, &scores, 3, false).unwrap();
        let t = threatstat_table::read(&p, None).unwrap();
        let header = std::fs::read_to_string(&csv).unwrap();
        let header = header.lines().next().unwrap().replace(',', ", ");
        assert_eq!(t.names(), header);
        let Column::F64(lik) = t.column("rarest_window_likelihood").unwrap() else {
            panic!("not a double column");
        };
        for (x, s) in lik.iter().zip(&scores) {
            // NaN (no full window; an empty CSV cell) is a null.
            let want = (!s.likelihood.is_nan()).then(|| s.likelihood.to_bits());
            assert_eq!(x.map(f64::to_bits), want);
        }
        let Column::Utf8(w3) = t.column("window_3").unwrap() else {
            panic!("not a string column");
        };
        assert_eq!(
            w3[0].as_deref(),
            Some(scores[0].commands(&f.sessions, 0)[2])
        );
        assert!(matches!(
            t.column("time_min").unwrap(),
            Column::Timestamp(_)
        ));
    }
}

/// A raw session: an optional id, a user value, (command, [(param, value)]).
type Raw = (Option<u8>, Option<u8>, Vec<(u8, Vec<(u8, Option<u8>)>)>);

fn jsonl(sessions: &[Raw]) -> String {
    let mut out = String::new();
    for (id, user, events) in sessions {
        out.push('{');
        if let Some(id) = id {
            out.push_str(&format!("\"session_id\": {id}, "));
        }
        match user {
            Some(u) => out.push_str(&format!("\"user\": \"u{u}\", ")),
            None => out.push_str("\"user\": null, "),
        }
        out.push_str("\"time_min\": \"2020-01-01T00:00:00Z\", \"events\": [");
        for (k, (c, ps)) in events.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            let ps: Vec<String> = ps
                .iter()
                .map(|(p, v)| match v {
                    Some(v) => format!("[\"p{p}\", \"v{v}\"]"),
                    None => format!("[\"p{p}\", null]"),
                })
                .collect();
            out.push_str(&format!(
                "{{\"cmd\": \"c{c}\", \"params\": [{}]}}",
                ps.join(", ")
            ));
        }
        out.push_str("]}\n");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Any sessions (repeated ids, repeated parameter names, missing values
    /// and users) read the same from JSON Lines, Parquet and Arrow IPC.
    #[test]
    fn generated_sessions_read_the_same_from_every_format(
        sessions in proptest::collection::vec(
            (
                proptest::option::weighted(0.8, 0u8..4),
                proptest::option::weighted(0.8, 0u8..3),
                proptest::collection::vec(
                    (0u8..6, proptest::collection::vec(
                        (0u8..4, proptest::option::weighted(0.8, 0u8..5)), 0..4)),
                    1..6),
            ),
            1..20,
        )
    ) {
        let p = dir().join("generated.jsonl");
        std::fs::write(&p, jsonl(&sessions)).unwrap();
        check_same(&p, "generated");
    }
}

/// Writes a Parquet file of `cols` and returns the error of reading it.
fn read_error(name: &str, cols: Vec<(&str, ArrayRef)>) -> String {
    let p = dir().join(format!("{name}.parquet"));
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let b = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    write_batch(&b, &p).unwrap();
    let e = read_sessions(&p, Some(SessionType::CmdsParamsValues))
        .expect_err("an error")
        .to_string();
    assert!(e.contains(&format!("{name}.parquet")), "{e}");
    e
}

fn ints(v: &[i64]) -> ArrayRef {
    Arc::new(Int64Array::from(v.to_vec()))
}

fn texts(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(v.iter().copied().collect::<StringArray>())
}

fn lists(v: &[&[Option<&str>]]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for row in v {
        for x in *row {
            b.values().append_option(*x);
        }
        b.append(true);
    }
    Arc::new(b.finish())
}

/// Columns replaced (`Some`) or removed (`None`).
type Changes = Vec<(&'static str, Option<ArrayRef>)>;

/// A good file's columns (three events of sessions 0 and 1) with `changes`
/// made: a column replaced, or removed when given `None`.
fn columns(changes: Changes) -> Vec<(&'static str, ArrayRef)> {
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("session_id", ints(&[0, 0, 1])),
        ("seq", ints(&[0, 1, 0])),
        ("cmd", texts(&[Some("A"), Some("B"), Some("A")])),
        ("param_names", lists(&[&[Some("x")], &[], &[]])),
        ("param_values", lists(&[&[Some("1")], &[], &[]])),
    ];
    for (name, a) in changes {
        let at = cols.iter().position(|(n, _)| *n == name).unwrap();
        match a {
            Some(a) => cols[at].1 = a,
            None => {
                cols.remove(at);
            }
        }
    }
    cols
}

#[test]
fn bad_files_name_the_file_the_column_and_the_row() {
    let cases: Vec<(&str, Changes, &[&str])> = vec![
        ("missing", vec![("cmd", None)], &["`cmd`"]),
        (
            "wrong_type",
            vec![(
                "session_id",
                Some(texts(&[Some("a"), Some("a"), Some("b")])),
            )],
            &["session_id", "expected int64"],
        ),
        (
            "null_cmd",
            vec![("cmd", Some(texts(&[Some("A"), None, Some("A")])))],
            &["cmd", "row 2", "null"],
        ),
        (
            "split_session",
            vec![
                ("session_id", Some(ints(&[0, 1, 0]))),
                ("seq", Some(ints(&[0, 0, 1]))),
            ],
            &["seq", "row 3", "contiguous"],
        ),
        (
            "out_of_order",
            vec![
                ("session_id", Some(ints(&[0, 0, 0]))),
                ("seq", Some(ints(&[0, 2, 1]))),
            ],
            &["seq", "row 2"],
        ),
        (
            "lengths",
            vec![("param_values", Some(lists(&[&[], &[], &[]])))],
            &["param_values", "row 1"],
        ),
        (
            "null_name",
            vec![("param_names", Some(lists(&[&[None], &[], &[]])))],
            &["param_names", "row 1"],
        ),
    ];
    for (name, changes, words) in cases {
        let e = read_error(name, columns(changes));
        for w in words {
            assert!(e.contains(w), "{name}: `{w}` not in {e}");
        }
    }
}

#[test]
fn a_user_column_named_like_a_layout_column_is_refused_on_write() {
    let p = dir().join("clash.jsonl");
    std::fs::write(&p, "{\"seq\": \"x\", \"cmds\": [\"A\"]}\n").unwrap();
    let f = read_sessions_jsonl(&p).unwrap();
    let e = write_sessions(&dir().join("clash.parquet"), &f)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("`seq`"), "{e}");
}
