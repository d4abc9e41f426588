//! Fuzz targets (proptest) for the ATT&CK readers: Attack Flow JSON Lines
//! and tactic-chain model files. No input may panic.
//! `PROPTEST_CASES=100000 cargo test -p threatstat-attack --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use std::path::Path;
use threatstat_attack::{Catalogue, Ending, FlowCorpus, TacticChain, TacticChainModel};
use threatstat_core::fuzz::{config, mutated, token_lines};
use threatstat_core::{Fit, ModelFile};

const FLOWS: &str = "{\"flow\": \"one\", \"actions\": [{\"name\": \"a\", \"tactic_id\": \"TA0001\", \"technique_id\": \"T1566.001\"}, {\"name\": \"b\", \"tactic_id\": null, \"technique_id\": \"T1059.001\"}, {\"name\": \"c\", \"tactic_id\": \"TA0007\"}, {\"name\": \"d\", \"tactic_id\": \"TA0040\", \"technique_id\": \"T1486\"}], \"edges\": [[0, 1], [1, 2], [2, 3]]}\n\
{\"flow\": \"two\", \"actions\": [{\"name\": \"a\", \"tactic_id\": \"TA0043\"}, {\"name\": \"b\", \"tactic_id\": \"TA0001\"}, {\"name\": \"c\", \"technique_id\": \"T1136\"}, {\"name\": \"d\", \"tactic_id\": \"TA0010\"}], \"edges\": [[0, 1], [1, 2], [2, 3], [0, 3]]}\n";

/// Parses, extracts and fits `text`; each step may fail, none may panic.
fn flows_through(text: &str) -> Option<String> {
    let corpus = FlowCorpus::from_jsonl_str(text, Path::new("flows.jsonl")).ok()?;
    let flows = corpus.extract(Catalogue::bundled());
    let model = TacticChain::params().order(2).alpha(1.0).fit(&flows).ok()?;
    let _ = model.score_labels(&["TA0001", "TA0007"], Ending::Complete);
    model.to_json().ok()
}

const FLOW_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "\"flow\"",
    "\"x\"",
    "\"actions\"",
    "\"edges\"",
    "\"name\"",
    "\"tactic_id\"",
    "\"technique_id\"",
    "\"TA0001\"",
    "\"TA0040\"",
    "\"T1566.001\"",
    "\"T1533\"",
    "\"AML.TA0003\"",
    "\"de\"",
    "null",
    "[0, 1]",
    "[1, 0]",
    "[0, 0]",
    "[5, 9]",
    "[-1, 0]",
    "[18446744073709551616, 0]",
    "0",
    "1",
    "\u{feff}",
    "{\"name\": \"a\", \"tactic_id\": \"TA0001\"}",
    "{\"name\": \"b\", \"technique_id\": \"T1059.001\"}",
];

const MODEL_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ", ",
    ": ",
    "\"format\"",
    "\"threatstat-attack-tactic-chain\"",
    "\"version\"",
    "1",
    "2",
    "0",
    "3",
    "\"attack_version\"",
    "\"ATT&CK Enterprise v18.1\"",
    "\"order\"",
    "\"alpha\"",
    "16.0",
    "-1",
    "1e400",
    "\"collapse_repeats\"",
    "true",
    "\"tactics\"",
    "\"id\"",
    "\"TA0001\"",
    "\"shortname\"",
    "\"initial-access\"",
    "\"name\"",
    "\"Initial Access\"",
    "\"counts\"",
    "\"transitions\"",
    "null",
    "[]",
    "{\"id\": \"TA0001\", \"shortname\": \"initial-access\", \"name\": \"Initial Access\"}",
];

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn flow_files_never_panic(text in token_lines(FLOW_TOKENS, "", 12)) {
        let _ = flows_through(&text);
    }

    #[test]
    fn mutated_flow_files_never_panic(text in mutated(FLOWS.to_string(), FLOW_TOKENS)) {
        let _ = flows_through(&text);
    }

    #[test]
    fn mutated_model_files_never_panic(text in mutated(flows_through(FLOWS).unwrap(), MODEL_TOKENS)) {
        let _ = TacticChainModel::from_json(&text);
    }

    #[test]
    fn a_fitted_model_round_trips_through_json(text in mutated(FLOWS.to_string(), FLOW_TOKENS)) {
        if let Some(json) = flows_through(&text) {
            let back = TacticChainModel::from_json(&json);
            prop_assert!(back.is_ok(), "{back:?}");
            prop_assert_eq!(back.unwrap().to_json().unwrap(), json);
        }
    }

    #[test]
    fn model_files_never_panic(text in token_lines(MODEL_TOKENS, "", 12)) {
        let _ = TacticChainModel::from_json(&text);
    }
}
