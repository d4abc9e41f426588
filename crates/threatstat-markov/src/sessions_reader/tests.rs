//! The parallel reader against the line-by-line `serde_json` reader it
//! replaced: the same sessions, metadata, skipped lines and errors, and
//! the same fitted counts, for every session type, on fuzzed files and on
//! files spread over many blocks and chunks.

use super::*;
use crate::model::{MarkovModel, SessionType};
use proptest::prelude::*;
use threatstat_core::fuzz::{config, mutated, temp_file, token_lines};
use threatstat_core::reader::JsonLines;
use threatstat_core::{Fit, ModelFile};

/// The reader this one replaced, verbatim: one line at a time through
/// `serde_json` and `io::read_session`.
fn general(path: &Path, policy: BadRowPolicy) -> Result<(SessionFile, SkipReport), MarkovError> {
    let mut set = SessionSet::new();
    let mut meta = Vec::new();
    let mut skips = SkipReport::default();
    for (row, item) in (0u64..).zip(JsonLines::<Fields>::open(path)?) {
        match item.and_then(|(line, obj)| read_session(path, line, &obj, row, &mut set)) {
            Ok(m) => meta.push(m),
            Err(e @ Error::Io { .. }) => return Err(e.into()),
            Err(e) => {
                set.discard_open();
                skips.handle(policy, e)?;
            }
        }
    }
    Ok((
        SessionFile {
            meta,
            sessions: set,
        },
        skips,
    ))
}

type Event = (String, Vec<(String, Option<String>)>);

/// Each session's metadata and events, with what `need` keeps.
fn view(f: &SessionFile, need: Need) -> Vec<(SessionMeta, Vec<Event>)> {
    (0..f.sessions.len())
        .map(|i| {
            let events = f
                .sessions
                .session_events(i)
                .map(|e| {
                    let params = e
                        .params()
                        .filter(|_| need != Need::Nothing)
                        .map(|(n, v)| {
                            let v = v.filter(|_| need == Need::Values).map(str::to_string);
                            (n.to_string(), v)
                        })
                        .collect();
                    (e.cmd().to_string(), params)
                })
                .collect();
            (f.meta[i].clone(), events)
        })
        .collect()
}

const TYPES: [SessionType; 3] = [
    SessionType::Cmds,
    SessionType::CmdsParams,
    SessionType::CmdsParamsValues,
];

/// Reads `path` both ways under both policies and for every session type
/// (in blocks of `block` bytes, chunks of `chunk`) and checks they agree.
fn agree(path: &Path, block: usize, chunk: usize) {
    for policy in [BadRowPolicy::Error, BadRowPolicy::Skip] {
        let want = general(path, policy);
        for t in TYPES {
            let need = Need::of(t);
            let got = read_sized(path, policy, need, block, chunk);
            match (&want, &got) {
                (Ok((wf, ws)), Ok((gf, gs))) => {
                    assert_eq!(view(gf, need), view(wf, need), "{t:?} {policy:?}");
                    assert_eq!(view(gf, need), view(gf, Need::Values), "{t:?} reads more");
                    assert_eq!(
                        (gs.skipped, &gs.examples),
                        (ws.skipped, &ws.examples),
                        "{t:?}"
                    );
                    if !wf.sessions.is_empty() {
                        let fit = |s: &SessionSet| {
                            MarkovModel::params()
                                .session_type(t)
                                .fit(s)
                                .unwrap()
                                .to_json()
                                .unwrap()
                        };
                        assert_eq!(fit(&gf.sessions), fit(&wf.sessions), "{t:?}");
                    }
                }
                (Err(w), Err(g)) => assert_eq!(g.to_string(), w.to_string(), "{t:?}"),
                (w, g) => panic!(
                    "{t:?} {policy:?}: general {:?}, parallel {:?}",
                    w.as_ref().map(|x| x.0.sessions.len()),
                    g.as_ref().map(|x| x.0.sessions.len())
                ),
            }
        }
    }
}

const VALID: &str = "{\"session_id\": 0, \"UserId\": \"u\\\\x\", \"ClientIP\": null, \"time_min\": \"2020-05-12T01:34:59Z\", \"time_max\": \"2020-05-12T01:35:02Z\", \"duration_s\": 3.5, \"number_events\": 2, \"row_ids\": [1, 2], \"cmds\": [\"a\", \"b\"]}\n\
{\"session_id\": 1, \"UserId\": null, \"cmds\": [\"x\"], \"events\": [{\"time\": \"2020-05-12T01:34:59Z\", \"cmd\": \"a\", \"params\": [[\"p\", \"v\\\"q\\u00e9\"], [\"n\", null], [\"p\", \"w\"]]}, {\"cmd\": \"c\\u00e9\", \"params\": []}]}\n\
\n\
{\"events\":[{\"cmd\":\"\u{e9}t\u{e9}\",\"params\":[[\"a\",{\"b\":[1,-2.5,true]}],[\"c\",7]]},{\"cmd\":\"d\",\"params\":null}]}\r\n";

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    ",",
    ":",
    " ",
    "\t",
    "\"session_id\"",
    "\"time_min\"",
    "\"time_max\"",
    "\"duration_s\"",
    "\"cmds\"",
    "\"events\"",
    "\"cmd\"",
    "\"params\"",
    "\"time\"",
    "\"UserId\"",
    "\"Set-User\"",
    "\"a\\\"b\"",
    "\"\\u00e9\"",
    "\"\\ud83d\\ude00\"",
    "\"\\ud800\"",
    "\"\\x\"",
    "\"tab\there\"",
    "\"\u{e9}\"",
    "\"ses\\u0073ion_id\"",
    "\"2020-05-12T01:34:59Z\"",
    "\"2020-13-12T01:34:59Z\"",
    "0",
    "01",
    "7",
    "-1",
    "2.5",
    "1e400",
    "1E2",
    "18446744073709551615",
    "18446744073709551616",
    "null",
    "true",
    "nul",
    "\"\"",
    "[\"a\", \"b\"]",
    "[\"p\", \"v\"]",
    "[\"p\", 1]",
    "[\"p\", null]",
    "[[\"p\", \"v\"], [\"q\", {\"r\": [1]}]]",
    "\u{feff}",
    "{\"session_id\": 0, \"cmds\": [\"a\", \"b\"]}",
    "{\"events\": [{\"cmd\": \"a\", \"params\": [[\"p\", \"v\"]]}]}",
    "{\"cmd\": \"a\", \"params\": [[\"p\", \"v\"], [\"p\", null]]}",
];

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn agrees_on_token_lines(text in token_lines(TOKENS, "", 12)) {
        let p = temp_file("reader-tokens.jsonl");
        std::fs::write(&p, text).unwrap();
        agree(&p, BLOCK, CHUNK);
    }

    #[test]
    fn agrees_on_mutated_sessions(text in mutated(VALID.to_string(), TOKENS)) {
        let p = temp_file("reader-mutated.jsonl");
        std::fs::write(&p, text).unwrap();
        agree(&p, 64, 16);
    }
}

#[test]
fn agrees_on_the_valid_example_and_the_demo_sessions() {
    let p = temp_file("reader-valid.jsonl");
    std::fs::write(&p, VALID).unwrap();
    agree(&p, BLOCK, CHUNK);
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/msticpy/sessions.jsonl");
    agree(&demo, BLOCK, CHUNK);
}

/// Many blocks and chunks, a line longer than a block, blank lines, lines
/// without a session_id and bad lines (invalid UTF-8 among them) spread
/// over them: line numbers, default ids and the order of strings and
/// errors survive the split.
#[test]
fn agrees_across_blocks_and_chunks() {
    let mut text = Vec::new();
    for i in 0..400 {
        let line = match i % 13 {
            0 => format!("{{\"cmds\": [\"c{}\", \"d\"]}}", i % 7),
            1 => String::new(),
            2 => "{\"cmds\": [1]}".to_string(),
            3 => format!(
                "{{\"session_id\": {i}, \"events\": [{{\"cmd\": \"e{}\", \"params\": [[\"p{}\", \"v{i}\"]]}}]}}",
                i % 5,
                i % 3
            ),
            4 if i == 4 => format!("{{\"cmds\": [\"{}\"]}}", "long".repeat(100)),
            5 => "{\"events\": [{\"cmd\": \"a\", \"params\": 3}]}".to_string(),
            _ => format!(
                "{{\"session_id\": {i}, \"U\": \"u{}\", \"events\": [{{\"cmd\": \"x\\u00e9\", \"params\": [[\"q\", \"\\\"{i}\\\"\"]]}}, {{\"cmd\": \"y{}\"}}]}}",
                i % 4,
                i % 9
            ),
        };
        if i == 200 {
            text.extend_from_slice(b"{\"cmds\": [\"\xff\"]}\n");
        }
        text.extend_from_slice(line.as_bytes());
        text.push(b'\n');
    }
    let p = temp_file("reader-blocks.jsonl");
    std::fs::write(&p, &text).unwrap();
    for (block, chunk) in [(BLOCK, CHUNK), (256, 64), (1000, 1), (97, 300)] {
        agree(&p, block, chunk);
    }
    let (f, s) = read_sized(&p, BadRowPolicy::Skip, Need::Values, 256, 64).unwrap();
    assert_eq!(s.skipped, 31 + 31 + 1);
    assert_eq!(f.meta[0].session_id, 0);
    assert_eq!(f.meta[1].session_id, 3);
}
