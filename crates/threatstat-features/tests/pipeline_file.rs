//! A fitted pipeline saved to a file and loaded back scores a log exactly
//! as the fitted one; categories unseen at fit time are scored as
//! `is unknown`; a file whose encoder and forest disagree is refused.

use threatstat_core::rng::SplitMix64;
use threatstat_core::{Error, ModelFile};
use threatstat_features::FeaturesError;
use threatstat_features::entity::EntitySet;
use threatstat_features::fitted::FittedPipeline;
use threatstat_features::log::{AuthLog, AuthRow};
use threatstat_features::pipeline::{Outcome, Pipeline};

/// A log of `users` sessions of 12 events; every fifth user is
/// compromised: it often uses `bad_kind` and is malicious from its 5th
/// event on;
/// `host` prefixes the destination hosts.
fn log(seed: u64, users: usize, user: &str, bad_kind: &str, host: &str) -> EntitySet {
    let mut rng = SplitMix64::new(seed);
    let mut log = AuthLog::default();
    let kinds = ["Kerberos", "NTLM", "Negotiate"];
    for u in 0..users {
        let name = format!("{user}{u}");
        let bad = u % 5 == 0;
        for t in 0..12i64 {
            let kind = if bad && rng.open01() < 0.7 {
                bad_kind
            } else {
                kinds[rng.below(3) as usize]
            };
            let dest = format!("{host}{}", rng.below(4));
            let result = if rng.open01() < 0.1 {
                "Fail"
            } else {
                "Success"
            };
            log.push(&AuthRow {
                secs: t * 600 + u as i64 + rng.below(300) as i64,
                fields: [&name, &name, "C1", &dest, kind, "Network", "LogOn", result],
                malicious: bad && t >= 4,
            });
        }
    }
    EntitySet::new(log)
}

fn fitted() -> (EntitySet, Outcome) {
    let es = log(1, 100, "U", "Special", "C");
    let p = Pipeline {
        n_trees: 20,
        folds: 3,
        bootstrap: 20,
        importance_repeats: 0,
        depth: 2,
        ..Pipeline::default()
    };
    let out = p.run(&es).unwrap();
    (es, out)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn saved_pipeline_scores_as_the_fitted_one() {
    let (es, out) = fitted();
    let path = std::env::temp_dir().join(format!(
        "threatstat-features-model-{}.json",
        std::process::id()
    ));
    out.model.save(&path).unwrap();
    let back = FittedPipeline::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    let in_memory = out.model.forest().predict_proba(&out.design).unwrap();
    assert!(
        in_memory.iter().any(|&v| v > 0.0 && v < 1.0),
        "a non-trivial forest"
    );
    let s = back.score(&es).unwrap();
    assert_eq!(bits(&s.score), bits(&in_memory));
    assert_eq!(s.session_id, out.features.row_ids);
    assert_eq!(s.time, out.features.row_times);
    let labels: Vec<bool> = out.labels.cutoffs.iter().map(|c| c.label).collect();
    assert_eq!(s.label, labels);
    assert_eq!(s.threshold, out.metrics.threshold.threshold);
    // The run's test scores are those rows' scores.
    for (k, id) in out.test_scores.session_id.iter().enumerate() {
        let i = s.session_id.iter().position(|x| x == id).unwrap();
        assert_eq!(s.score[i].to_bits(), out.test_scores.score[k].to_bits());
    }
    assert_eq!(out.test_scores.len(), out.metrics.n_test);
}

#[test]
fn unseen_categories_are_unknown() {
    let (_, out) = fitted();
    let model = FittedPipeline::from_json(&out.model.to_json().unwrap()).unwrap();
    // New users, new hosts, an auth type never seen at fit time.
    let a = model.score(&log(2, 40, "V", "Zy-new", "D")).unwrap();
    assert_eq!(a.len(), 40);
    assert!(a.score.iter().all(|s| (0.0..=1.0).contains(s)));
    // Two unseen categories are the same `is unknown` to the model (when
    // they sort alike: MODE's ties go to the smallest value).
    let b = model.score(&log(2, 40, "W", "Zz-new", "E")).unwrap();
    assert_eq!(bits(&a.score), bits(&b.score));
    // Not everything is unknown: the fitted auth type still counts.
    let c = model.score(&log(2, 40, "V", "Special", "D")).unwrap();
    assert_ne!(bits(&a.score), bits(&c.score));
    // A log without a session of enough observations scores nothing.
    let short = log(3, 5, "U", "Special", "C");
    let tiny = EntitySet::new(AuthLog::from_rows(&[AuthRow {
        secs: 1,
        fields: [
            "U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success",
        ],
        malicious: false,
    }]));
    let e = model.score(&tiny).unwrap();
    assert_eq!((e.len(), e.n_sessions, e.n_too_few), (0, 1, 1));
    assert_eq!(model.score(&short).unwrap().len(), 5);
}

#[test]
fn mismatched_feature_names_are_a_model_file_error() {
    let (_, out) = fitted();
    let json = out.model.to_json().unwrap();
    assert!(json.starts_with(r#"{"format":"threatstat-features","version":1,"#));
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = v["forest"]["names"][0].as_str().unwrap().to_string();
    v["forest"]["names"][0] = format!("{first} (renamed)").into();
    let path = std::env::temp_dir().join(format!(
        "threatstat-features-bad-{}.json",
        std::process::id()
    ));
    std::fs::write(&path, v.to_string()).unwrap();
    let e = FittedPipeline::load(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    match &e {
        FeaturesError::Core(Error::ModelFile {
            file: Some(f),
            problem,
        }) => {
            assert_eq!(f, &path);
            assert!(problem.contains("column 1"), "{problem}");
        }
        other => panic!("not a model-file error: {other:?}"),
    }
    // A column reading a feature DFS does not build is refused too.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["dfs_depth"] = 1.into();
    let e = FittedPipeline::from_json(&v.to_string()).unwrap_err();
    assert!(
        matches!(e, FeaturesError::Core(Error::ModelFile { .. })),
        "{e:?}"
    );
    // A forest-only file is not a pipeline.
    let forest = out.model.forest().to_json().unwrap();
    assert!(FittedPipeline::from_json(&forest).is_err());
}
