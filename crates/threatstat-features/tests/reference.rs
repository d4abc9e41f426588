//! Against committed reference values: featuretools 1.31 DFS features and
//! the demo's cutoff function (tools/reference/featuretools_dfs_reference.py),
//! scikit-learn's roc_auc_score and average_precision_score
//! (tools/reference/roc_auc_reference.py).

use serde_json::Value as J;
use std::path::{Path, PathBuf};
use threatstat_core::BadRowPolicy;
use threatstat_features::dfs::{Dfs, Value};
use threatstat_features::entity::{Cutoff, EntitySet, LabelTimes};
use threatstat_features::log::AuthLog;
use threatstat_features::metrics::{average_precision, roc_auc};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn entity_set() -> EntitySet {
    let (log, skipped) = AuthLog::read(&fixture("dfs_log.csv"), BadRowPolicy::Error).unwrap();
    assert_eq!(skipped.skipped, 0);
    EntitySet::new(log)
}

fn session_index(es: &EntitySet, id: &str) -> u32 {
    (0..es.n_sessions())
        .find(|&s| es.session_id(s) == id)
        .unwrap() as u32
}

#[test]
fn cutoffs_match_the_demo_function() {
    let es = entity_set();
    let lt = LabelTimes::params().generate(&es).unwrap();
    let text = std::fs::read_to_string(fixture("dfs_cutoffs.csv")).unwrap();
    let mut want: Vec<Cutoff> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Cutoff {
                session: session_index(&es, f[0]),
                time: f[1].parse().unwrap(),
                label: f[2] == "True",
            }
        })
        .collect();
    want.sort_by_key(|c| (c.time, c.session));
    assert_eq!(lt.cutoffs, want);
    assert_eq!(lt.too_few, es.n_sessions() - want.len());
    assert!(want.iter().any(|c| c.label) && want.iter().any(|c| !c.label));
}

#[test]
fn features_match_featuretools_at_depth_2_and_3() {
    let es = entity_set();
    let j: J =
        serde_json::from_str(&std::fs::read_to_string(fixture("dfs_features.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = j["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let rows = j["rows"].as_array().unwrap();
    let mut cutoffs: Vec<Cutoff> = rows
        .iter()
        .map(|r| Cutoff {
            session: session_index(&es, r["session_id"].as_str().unwrap()),
            time: r["time"].as_i64().unwrap(),
            label: false,
        })
        .collect();
    cutoffs.sort_by_key(|c| (c.time, c.session));
    let lt = LabelTimes {
        cutoffs,
        sessions: es.n_sessions(),
        too_few: 0,
        min_observations: 0,
    };
    for depth in [2, 3] {
        let fm = Dfs::params().depth(depth).compute(&es, &lt).unwrap();
        assert_eq!(
            fm.n_features(),
            names.len() + 2,
            "ours: the 116 and TIME_SINCE_*"
        );
        let mut checked = 0;
        for r in rows {
            let i = fm
                .row_ids
                .iter()
                .position(|id| id == r["session_id"].as_str().unwrap())
                .unwrap();
            for &n in &names {
                let col = fm.column(n).unwrap_or_else(|| panic!("no feature {n}"));
                let want = &r["values"][n];
                let id = &fm.row_ids[i];
                match (fm.get(i, col), want) {
                    (Value::Num(x), J::Null) => assert!(x.is_nan(), "{id} {n}: {x} vs null"),
                    (Value::Num(x), J::Number(w)) => {
                        let w = w.as_f64().unwrap();
                        assert!(
                            (x - w).abs() <= 1e-9 * w.abs().max(1.0),
                            "{id} {n}: {x} vs {w}"
                        );
                    }
                    (Value::Cat(None), J::Null) => {}
                    (Value::Cat(Some(c)), J::String(w)) => {
                        assert_eq!(&fm.levels[c as usize], w, "{id} {n}")
                    }
                    (got, want) => panic!("{id} {n}: {got:?} vs {want}"),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 116 * rows.len());
    }
}

#[test]
fn roc_auc_and_average_precision_match_scikit_learn() {
    let j: J =
        serde_json::from_str(&std::fs::read_to_string(fixture("roc_auc_reference.json")).unwrap())
            .unwrap();
    let cases = j["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for (k, c) in cases.iter().enumerate() {
        let s: Vec<f64> = c["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let l: Vec<bool> = c["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap() == 1)
            .collect();
        let auc = roc_auc(&s, &l).unwrap();
        let ap = average_precision(&s, &l).unwrap();
        let (wa, wp) = (
            c["roc_auc"].as_f64().unwrap(),
            c["average_precision"].as_f64().unwrap(),
        );
        assert!((auc - wa).abs() < 1e-12, "case {k}: auc {auc} vs {wa}");
        assert!((ap - wp).abs() < 1e-12, "case {k}: ap {ap} vs {wp}");
    }
}
