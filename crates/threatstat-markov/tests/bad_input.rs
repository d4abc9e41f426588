//! Bad input gives an error naming file, line and field, or a counted skip.

use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_core::Error;
use threatstat_core::{Fit, ModelFile, ParamGuard};
use threatstat_markov::io::{
    EventColumns, read_events_csv, read_sessions_jsonl, read_sessions_jsonl_with,
};
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{MarkovError, MarkovModel, SessionSet, SessionType, WindowOptions};

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatstat-markov-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn cols(params: bool) -> EventColumns {
    EventColumns {
        user_cols: vec!["UserId".into()],
        time_col: "TimeGenerated".into(),
        event_col: "Operation".into(),
        params_col: params.then(|| "Parameters".into()),
    }
}

const HEADER: &str = "TimeGenerated,UserId,Operation,Parameters\n";

fn err(name: &str, body: &str, params: bool) -> String {
    let p = tmp(name, format!("{HEADER}{body}").as_bytes());
    read_events_csv(&p, &cols(params), BadRowPolicy::Error)
        .unwrap_err()
        .to_string()
}

#[test]
fn unparsable_timestamp_names_line_and_column() {
    let e = err(
        "time.csv",
        "2020-01-01T00:00:00Z,u,A,\nyesterday,u,B,\n",
        false,
    );
    assert!(
        e.contains("time.csv:3: field `TimeGenerated`") && e.contains("`yesterday`"),
        "{e}"
    );
}

#[test]
fn empty_timestamp_is_an_error() {
    let e = err("emptytime.csv", ",u,B,\n", false);
    assert!(e.contains("emptytime.csv:2: field `TimeGenerated`"), "{e}");
}

#[test]
fn ragged_row_names_line() {
    let e = err(
        "ragged.csv",
        "2020-01-01T00:00:00Z,u,A,\n2020-01-01T00:00:00Z,u\n",
        false,
    );
    assert!(
        e.contains("ragged.csv:3") && e.contains("expected 4 fields"),
        "{e}"
    );
}

#[test]
fn missing_column_lists_the_header() {
    let p = tmp(
        "nocol.csv",
        b"TimeGenerated,User,Operation\n2020-01-01T00:00:00Z,u,A\n",
    );
    let e = read_events_csv(&p, &cols(false), BadRowPolicy::Error)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nocol.csv:1")
            && e.contains("no column `UserId`")
            && e.contains("TimeGenerated, User, Operation"),
        "{e}"
    );
}

#[test]
fn invalid_parameter_json_names_field() {
    let e = err(
        "json.csv",
        "2020-01-01T00:00:00Z,u,A,\"[{\"\"Name\"\": }]\"\n",
        true,
    );
    assert!(
        e.contains("json.csv:2: field `Parameters`: invalid JSON"),
        "{e}"
    );
    let e = err("json2.csv", "2020-01-01T00:00:00Z,u,A,42\n", true);
    assert!(e.contains("json2.csv:2: field `Parameters`"), "{e}");
}

#[test]
fn non_utf8_names_line_and_field() {
    let p = tmp(
        "latin1.csv",
        b"TimeGenerated,UserId,Operation,Parameters\n2020-01-01T00:00:00Z,J\xf6rg,A,\n",
    );
    let e = read_events_csv(&p, &cols(false), BadRowPolicy::Error)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("latin1.csv:2: field `UserId`: invalid UTF-8"),
        "{e}"
    );
}

#[test]
fn empty_command_is_an_error() {
    let e = err("emptycmd.csv", "2020-01-01T00:00:00Z,u,,\n", false);
    assert!(
        e.contains("emptycmd.csv:2: field `Operation`: empty command"),
        "{e}"
    );
}

#[test]
fn skip_bad_rows_counts_and_keeps_the_rest() {
    let body = "2020-01-01T00:00:00Z,u,A,\nnope,u,B,\n2020-01-01T00:00:01Z,u,C,\"{bad\"\n2020-01-01T00:00:02Z\n2020-01-01T00:00:03Z,u,D,\n";
    let p = tmp("skip.csv", format!("{HEADER}{body}").as_bytes());
    let (log, skipped) = read_events_csv(&p, &cols(true), BadRowPolicy::Skip).unwrap();
    assert_eq!(skipped.skipped, 3);
    assert_eq!(log.times.len(), 2);
    // Kept rows keep their record index in the file.
    assert_eq!(log.record_ids, vec![0, 4]);
    let report = skipped.to_string();
    assert!(
        report.contains("skipped 3 bad row(s)") && report.contains("skip.csv:3"),
        "{report}"
    );
}

#[test]
fn a_skipped_row_leaves_none_of_its_parameters_behind() {
    // The bad row's first parameter is read before its second fails.
    let body = concat!(
        "2020-01-01T00:00:00Z,u,A,\"[{\"\"Name\"\": \"\"x\"\", \"\"Value\"\": \"\"1\"\"}]\"\n",
        "2020-01-01T00:00:01Z,u,B,\"[{\"\"Name\"\": \"\"y\"\", \"\"Value\"\": \"\"2\"\"}, 5]\"\n",
        "2020-01-01T00:00:02Z,u,C,\"{\"\"z\"\": null}\"\n",
    );
    let p = tmp("partial.csv", format!("{HEADER}{body}").as_bytes());
    let (log, skipped) = read_events_csv(&p, &cols(true), BadRowPolicy::Skip).unwrap();
    assert_eq!(skipped.skipped, 1);
    assert_eq!(log.len(), 2);
    assert_eq!(log.params_of(0).collect::<Vec<_>>(), vec![("x", Some("1"))]);
    assert_eq!(log.params_of(1).collect::<Vec<_>>(), vec![("z", None)]);
    let e = err("partial2.csv", body, true);
    assert!(
        e.contains("partial2.csv:3") && e.contains("parameter 1"),
        "{e}"
    );
}

#[test]
fn empty_file_gives_no_sessions_not_a_panic() {
    let p = tmp("empty.csv", HEADER.as_bytes());
    let (log, _) = read_events_csv(&p, &cols(false), BadRowPolicy::Error).unwrap();
    let s = SessionizeParams::new(20.0, 2.0)
        .check()
        .unwrap()
        .split(&log.users, &log.times)
        .unwrap();
    assert!(s.is_empty());
    let e = MarkovModel::params().fit(&SessionSet::new()).unwrap_err();
    assert!(
        matches!(&e, MarkovError::Core(Error::Shape { what, found, .. }) if what == "sessions" && found == "zero sessions"),
        "{e}"
    );
}

#[test]
fn bad_sessions_files() {
    let cases: [(&str, &str, &str); 6] = [
        (
            "notjson.jsonl",
            "{\"cmds\": [\"A\"]}\n{oops\n",
            "notjson.jsonl:2: invalid JSON",
        ),
        (
            "empty_session.jsonl",
            "{\"cmds\": []}\n",
            "empty_session.jsonl:1: field `cmds`: the session has no events",
        ),
        (
            "nocmds.jsonl",
            "{\"session_id\": 0}\n",
            "nocmds.jsonl:1: field `events`",
        ),
        (
            "badcmd.jsonl",
            "{\"cmds\": [1]}\n",
            "badcmd.jsonl:1: field `cmds`: element 0 is not a string",
        ),
        (
            "badparam.jsonl",
            "{\"events\": [{\"cmd\": \"A\", \"params\": [[\"x\"]]}]}\n",
            "badparam.jsonl:1: field `events`: event 0, parameter 0",
        ),
        (
            "badtime.jsonl",
            "{\"cmds\": [\"A\"], \"time_min\": \"soon\"}\n",
            "badtime.jsonl:1: field `time_min`",
        ),
    ];
    for (name, body, want) in cases {
        let e = read_sessions_jsonl(&tmp(name, body.as_bytes()))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{name}: {e}");
        // Skipped instead: counted, with nothing of the bad line left in
        // the set (a bad parameter comes after its event was added), also
        // when the bad line is the last.
        let good = "{\"cmds\": [\"Z\"]}\n";
        for after in [good, ""] {
            let p = tmp(name, format!("{good}{body}{after}").as_bytes());
            let (file, skipped) = read_sessions_jsonl_with(&p, BadRowPolicy::Skip).unwrap();
            let bad_lines = body.lines().filter(|l| !l.contains("[\"A\"]}")).count() as u64;
            assert_eq!(skipped.skipped, bad_lines, "{name}");
            assert_eq!(skipped.examples.len() as u64, bad_lines, "{name}");
            let why = want.split_once(": ").unwrap().1;
            assert!(skipped.examples[0].contains(why), "{name}");
            let n = file.sessions.len();
            assert_eq!(file.meta.len(), n, "{name}");
            assert_eq!(
                file.sessions.n_events(),
                n,
                "{name}: one event per kept session"
            );
            if !after.is_empty() {
                // Default session ids count the skipped lines: no renumbering.
                let lines = 2 + body.lines().count() as u64;
                assert_eq!(file.meta.last().unwrap().session_id, lines - 1, "{name}");
            }
        }
    }
}

/// User-identifier columns keep the file's order (a `serde_json::Map`
/// sorted them, so `markov plot` grouped by `ClientIP`, not `UserId`).
#[test]
fn sessions_keep_the_user_columns_in_file_order() {
    let p = tmp(
        "order.jsonl",
        b"{\"session_id\": 0, \"UserId\": \"u\", \"ClientIP\": null, \"cmds\": [\"A\"]}\n",
    );
    let f = read_sessions_jsonl(&p).unwrap();
    let names: Vec<&str> = f.meta[0].users.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, ["UserId", "ClientIP"]);
    assert_eq!(f.meta[0].users[1].1, None);
}

#[test]
fn invalid_parameters_are_rejected() {
    /// The name of the parameter a typed `Error::Param` names.
    fn param<T: std::fmt::Debug>(r: Result<T, MarkovError>) -> &'static str {
        match r {
            Err(MarkovError::Core(Error::Param { name, .. })) => name,
            other => panic!("expected a parameter error, got {other:?}"),
        }
    }
    let s = SessionSet::from_cmds(&[vec!["A"]]).unwrap();
    let m = MarkovModel::params().fit(&s).unwrap();
    assert_eq!(
        param(m.rarest_windows(&s, &WindowOptions::new(0))),
        "window"
    );
    assert_eq!(
        param(SessionizeParams::new(f64::NAN, 1.0).check()),
        "max_session_mins"
    );
    assert_eq!(
        param(SessionizeParams::new(1.0, -2.0).check()),
        "max_gap_mins"
    );
    let e = MarkovModel::params().modellable_params(["x"]).fit(&s);
    assert_eq!(param(e), "modellable_params");
    assert_eq!(param(m.explain(&s, 5, &WindowOptions::new(2))), "session");
    assert_eq!(param("markov".parse::<SessionType>()), "session_type");
}

#[test]
fn bad_model_files() {
    let e = MarkovModel::from_json("{\"format\": \"other\"}")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("format `other`, expected `threatstat-markov-model`"),
        "{e}"
    );
    let e = MarkovModel::from_json("{\"format\": \"threatstat-markov-model\", \"version\": 99}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("version 99"), "{e}");
    let s = SessionSet::from_cmds(&[vec!["A", "B"]]).unwrap();
    let good = MarkovModel::params().fit(&s).unwrap().to_json().unwrap();
    // Corrupt an id: the model refuses to load rather than panic later.
    let bad = good.replace("[null,0,1]", "[null,7,1]");
    assert_ne!(bad, good);
    let e = MarkovModel::from_json(&bad).unwrap_err().to_string();
    assert!(e.contains("inconsistent model counts"), "{e}");
    let e = MarkovModel::load(std::path::Path::new("/nonexistent/model.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/model.json"), "{e}");
}

#[test]
fn truncated_gzip_is_an_error_even_when_skipping_bad_rows() {
    use std::io::Write;
    let mut body = String::from(HEADER);
    for i in 0..5000 {
        body.push_str(&format!("2020-01-01T00:00:{:02}Z,u{i},A,\n", i % 60));
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    let p = tmp("truncated.csv.gz", &gz[..gz.len() / 2]);
    let e = read_events_csv(&p, &cols(false), BadRowPolicy::Skip)
        .unwrap_err()
        .to_string();
    assert!(e.contains("truncated.csv.gz"), "{e}");
}

/// A model fitted on sessions with parameters and values, as JSON.
fn model_json(t: threatstat_markov::SessionType) -> serde_json::Value {
    let mut set = SessionSet::new();
    let ev = |c: &'static str, p: &'static str, v: &'static str| (c, vec![(p, Some(v))]);
    set.push_session([ev("A", "x", "1"), ev("B", "y", "2")])
        .unwrap();
    set.push_session([ev("B", "x", "3"), ev("A", "x", "1"), ev("C", "y", "")])
        .unwrap();
    let m = MarkovModel::params().session_type(t).fit(&set).unwrap();
    serde_json::from_str(&m.to_json().unwrap()).unwrap()
}

#[test]
fn inconsistent_model_files_are_rejected_naming_the_file() {
    let good = model_json(SessionType::CmdsParamsValues);
    let load = |name: &str, v: &serde_json::Value| {
        let p = tmp(name, v.to_string().as_bytes());
        MarkovModel::load(&p).map(|_| ()).map_err(|e| e.to_string())
    };
    load("good.json", &good).unwrap();
    load("params.json", &model_json(SessionType::CmdsParams)).unwrap();
    load("cmds.json", &model_json(SessionType::Cmds)).unwrap();
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 6] = [
        (
            "dup.json",
            |v| v["counts"]["cmds"][1] = "A".into(),
            "command `A` is listed twice",
        ),
        (
            "zero.json",
            |v| v["counts"]["cmd_counts"] = serde_json::json!([0, 0, 0]),
            "command `A` has count 0",
        ),
        (
            "sessions.json",
            |v| v["counts"]["n_sessions"] = 7.into(),
            "7 sessions",
        ),
        (
            "type.json",
            |v| v["session_type"] = "cmds_only".into(),
            "session_type `cmds_only`",
        ),
        (
            "type2.json",
            |v| v["session_type"] = "cmds_params_only".into(),
            "session_type `cmds_params_only`",
        ),
        (
            "param.json",
            |v| v["counts"]["param_counts"][0] = 9.into(),
            "parameter `x` has count 9",
        ),
    ];
    for (name, edit, want) in cases {
        let mut v = good.clone();
        edit(&mut v);
        let e = load(name, &v).unwrap_err();
        assert!(e.contains(name) && e.contains(want), "{name}: {e}");
    }
}

/// A model file written by the build before the shared `ModelFile` trait
/// (`markov fit --session-type cmds` on two sessions): it loads, and the
/// trait writes the same bytes (format name, version, field order).
#[test]
fn model_files_of_earlier_builds_load_and_are_written_byte_for_byte() {
    const OLD: &str = r#"{"format":"threatstat-markov-model","version":1,"session_type":"cmds_only","modellable_params_override":null,"counts":{"n_sessions":2,"cmds":["A","B"],"cmd_counts":[3,1],"transitions":[[null,0,2],[0,null,2],[0,1,1],[1,0,1]],"params":[],"param_counts":[],"cmd_params":[],"values":[],"value_counts":[],"param_values":[]}}"#;
    let s = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
    let m = MarkovModel::params().fit(&s).unwrap();
    assert_eq!(m.to_json().unwrap(), OLD);
    assert_eq!(MarkovModel::from_json(OLD).unwrap(), m);
    let p = tmp("old_model.json", OLD.as_bytes());
    assert_eq!(MarkovModel::load(&p).unwrap(), m);
}

/// Models of different session types do not merge (and are left as they
/// were); counts with an id beyond their name lists are refused, not a panic.
#[test]
fn incompatible_merges_are_refused() {
    use threatstat_core::Merge;
    let s = SessionSet::from_cmds(&[vec!["A", "B"]]).unwrap();
    let mut cmds = MarkovModel::params().fit(&s).unwrap();
    let before = cmds.clone();
    let params = MarkovModel::params()
        .session_type(SessionType::CmdsParams)
        .fit(&s)
        .unwrap();
    let e = cmds.merge(&params).unwrap_err();
    assert!(
        matches!(e, MarkovError::Core(Error::Incompatible { .. })),
        "{e}"
    );
    assert_eq!(cmds, before);
    let mut bad = before.counts().clone();
    bad.transitions.push((Some(9), None, 1));
    let mut c = before.counts().clone();
    let e = c.merge(&bad).unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    assert_eq!(&c, before.counts());
}
