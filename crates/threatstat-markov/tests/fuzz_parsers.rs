//! Fuzz targets (proptest) for the Markov readers: sessions JSON Lines and
//! model files. No input may panic; a model survives its own JSON.
//! `PROPTEST_CASES=100000 cargo test -p threatstat-markov --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use threatstat_core::fuzz::{config, mutated, temp_file, token_lines};
use threatstat_core::{Fit, ModelFile};
use threatstat_markov::io::read_sessions_jsonl;
use threatstat_markov::{MarkovModel, SessionSet, SessionType};

const SESSIONS: &str = "{\"session_id\": 0, \"UserId\": \"u\", \"time_min\": \"2020-05-12T01:34:59Z\", \"time_max\": \"2020-05-12T01:35:02Z\", \"cmds\": [\"a\", \"b\"]}\n\
{\"session_id\": 1, \"UserId\": null, \"events\": [{\"time\": \"2020-05-12T01:34:59Z\", \"cmd\": \"a\", \"params\": [[\"p\", \"v\"]]}, {\"cmd\": \"c\", \"params\": []}]}\n";

/// A small fitted model's JSON, of the values type so that every table
/// (commands, parameters, values) has entries.
fn model_json() -> String {
    let mut set = SessionSet::new();
    let s1 = [("a", vec![("p", Some("1"))]), ("b", vec![("q", Some("x"))])];
    let s2 = [("b", vec![("p", Some("2")), ("q", None)]), ("a", vec![])];
    set.push_session(s1).unwrap();
    set.push_session(s2).unwrap();
    MarkovModel::params()
        .session_type(SessionType::CmdsParamsValues)
        .fit(&set)
        .unwrap()
        .to_json()
        .unwrap()
}

const SESSION_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "\"session_id\"",
    "\"time_min\"",
    "\"time_max\"",
    "\"cmds\"",
    "\"events\"",
    "\"cmd\"",
    "\"params\"",
    "\"UserId\"",
    "\"Set-User\"",
    "\"2020-05-12T01:34:59Z\"",
    "\"2020-13-12T01:34:59Z\"",
    "0",
    "-1",
    "1e400",
    "18446744073709551616",
    "null",
    "true",
    "\"\"",
    "[\"a\", \"b\"]",
    "\u{feff}",
    "{\"session_id\": 0, \"cmds\": [\"a\", \"b\"]}",
    "{\"events\": [{\"cmd\": \"a\", \"params\": [[\"p\", \"v\"]]}]}",
];

const MODEL_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "\"format\"",
    "\"threatstat-markov-model\"",
    "\"version\"",
    "1",
    "2",
    "\"session_type\"",
    "\"cmds_only\"",
    "\"cmds_params_only\"",
    "\"cmds_params_values\"",
    "\"modellable_params_override\"",
    "null",
    "\"counts\"",
    "\"n_sessions\"",
    "\"cmds\"",
    "\"cmd_counts\"",
    "\"transitions\"",
    "\"params\"",
    "\"param_counts\"",
    "\"cmd_params\"",
    "\"values\"",
    "\"value_counts\"",
    "\"param_values\"",
    "[null, 0, 3]",
    "[0, null, 1]",
    "[0, 0, 0]",
    "[9, 9, 9]",
    "[]",
    "\"a\"",
    "-1",
    "1e400",
    "18446744073709551615",
];

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn sessions_jsonl_never_panics(text in token_lines(SESSION_TOKENS, "", 10)) {
        let p = temp_file("sessions.jsonl");
        std::fs::write(&p, text).unwrap();
        let _ = read_sessions_jsonl(&p);
    }

    #[test]
    fn model_files_never_panic(text in token_lines(MODEL_TOKENS, "", 10)) {
        let _ = MarkovModel::from_json(&text);
    }

    #[test]
    fn mutated_sessions_never_panic(text in mutated(SESSIONS.to_string(), SESSION_TOKENS)) {
        let p = temp_file("mutated-sessions.jsonl");
        std::fs::write(&p, text).unwrap();
        let _ = read_sessions_jsonl(&p);
    }

    #[test]
    fn mutated_model_files_never_panic(text in mutated(model_json(), MODEL_TOKENS)) {
        let _ = MarkovModel::from_json(&text);
    }

    #[test]
    fn a_fitted_model_round_trips_through_json(
        sessions in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(&["a", "b", "c", "d"][..]), 1..6), 1..6)
    ) {
        let set = SessionSet::from_cmds(&sessions).unwrap();
        let m = MarkovModel::params().session_type(SessionType::Cmds).fit(&set).unwrap();
        let json = m.to_json().unwrap();
        let back = MarkovModel::from_json(&json).unwrap();
        prop_assert_eq!(back.to_json().unwrap(), json);
    }
}
