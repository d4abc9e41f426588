//! Bad input gives an error naming file, line and field, or a counted skip.

use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_markov::io::{EventColumns, read_events_csv, read_sessions_jsonl};
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{MarkovModel, SessionSet, WindowOptions};

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
        .unwrap()
        .split(&log.users, &log.times)
        .unwrap();
    assert!(s.is_empty());
    let e = MarkovModel::params()
        .fit(&SessionSet::new())
        .unwrap_err()
        .to_string();
    assert!(e.contains("zero sessions"), "{e}");
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
    }
}

#[test]
fn invalid_parameters_are_rejected() {
    let s = SessionSet::from_cmds(&[vec!["A"]]).unwrap();
    let m = MarkovModel::params().fit(&s).unwrap();
    assert!(m.rarest_windows(&s, &WindowOptions::new(0)).is_err());
    assert!(SessionizeParams::new(f64::NAN, 1.0).is_err());
    assert!(SessionizeParams::new(1.0, -2.0).is_err());
    let e = MarkovModel::params()
        .modellable_params(["x"])
        .fit(&s)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cmds_params_values"), "{e}");
    assert!(m.explain(&s, 5, &WindowOptions::new(2)).is_err());
}

#[test]
fn bad_model_files() {
    let e = MarkovModel::from_json("{\"format\": \"other\"}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a threatstat Markov model"), "{e}");
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
    use threatstat_markov::SessionType;
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
