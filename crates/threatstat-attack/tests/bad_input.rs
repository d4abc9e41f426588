//! Bad input: unknown ids (named, with the closest ids), empty sequences,
//! cyclic flows, malformed files, invalid parameters.

use std::path::PathBuf;
use threatstat_attack::correlate::{AlertColumns, read_alerts};
use threatstat_attack::{
    AttackError, AttackFlow, Catalogue, Ending, Endpoint, FlowAction, FlowCorpus, IssueKind,
    TacticChain, TacticChainModel, TacticResolver, TacticVotes,
};
use threatstat_core::{BadRowPolicy, Error, Fit, ModelFile, ParamGuard};

fn tmp(name: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-attack-bad-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn model() -> TacticChainModel {
    TacticChain::params()
        .fit_sequences(Catalogue::bundled().tactics(), &[vec![2, 3, 8], vec![2, 6]])
        .unwrap()
}

fn model_flows() -> threatstat_attack::TacticFlows {
    let f = AttackFlow::new(
        "f",
        vec![FlowAction::tactic("TA0001"), FlowAction::tactic("TA0002")],
        &[(0, 1)],
    );
    FlowCorpus::from_flows(vec![f]).extract(Catalogue::bundled())
}

#[test]
fn unknown_ids_are_named_with_the_closest_ids() {
    let m = model();
    let e = m
        .score_labels(
            &[
                "TA0001",
                "TA0099",
                "Initial Acess",
                "AML.TA0003",
                "T1566.01",
            ],
            Ending::Complete,
        )
        .unwrap_err();
    let AttackError::UnknownLabels(ref bad) = e else {
        panic!("{e:?}")
    };
    assert_eq!(bad.len(), 4, "all unknown labels are named: {e}");
    let msg = e.to_string();
    assert!(
        msg.contains("unknown tactic `TA0099`") && msg.contains("TA0009 (Collection)"),
        "{msg}"
    );
    assert!(
        msg.contains("`Initial Acess`") && msg.contains("TA0001 (Initial Access)"),
        "{msg}"
    );
    assert!(msg.contains("`AML.TA0003` (a MITRE ATLAS id"), "{msg}");
    assert!(
        msg.contains("`T1566.01`")
            && msg.contains("T1566.001 (Phishing: Spearphishing Attachment)"),
        "{msg}"
    );
    // Technique ids are resolved (T1566.001 -> Initial Access).
    let s = m
        .score_labels(&["T1566.001", "execution"], Ending::Complete)
        .unwrap();
    assert_eq!(s.sequence, ["TA0001", "TA0002"]);
    let e = m.next_tactics_labels(&["TA0O01"]).unwrap_err().to_string();
    assert!(e.contains("TA0001"), "{e}");
    // The catalogue look-up says the same.
    let e = Catalogue::bundled()
        .resolve_label("T0834")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ATT&CK for ICS"), "{e}");
}

#[test]
fn empty_sequences_are_errors() {
    let m = model();
    assert!(matches!(
        m.score(&[], Ending::Complete),
        Err(AttackError::EmptySequence)
    ));
    assert!(matches!(
        m.log_likelihood(&[], Ending::Open),
        Err(AttackError::EmptySequence)
    ));
    let e = TacticChain::params()
        .fit_sequences(Catalogue::bundled().tactics(), &[vec![2], vec![]])
        .unwrap_err();
    assert!(
        matches!(&e, AttackError::Core(Error::Data { what, problem })
            if what == "sequences" && problem.starts_with("sequence 1 is empty")),
        "{e}"
    );
    assert!(matches!(
        TacticChain::params().fit_sequences(Catalogue::bundled().tactics(), &[]),
        Err(AttackError::Core(Error::Data { .. }))
    ));
    assert!(matches!(
        m.score(&[99], Ending::Complete),
        Err(AttackError::Core(Error::Data { .. }))
    ));
    assert!(matches!(
        m.next_tactics(&[99]),
        Err(AttackError::Core(Error::Data { .. }))
    ));
}

#[test]
fn cyclic_flows_are_broken_and_reported() {
    // IA -> EX -> PE -> EX (a loop back) -> DI, and a self-loop on DI.
    let flow = AttackFlow::new(
        "loop",
        ["TA0001", "TA0002", "TA0004", "TA0007"]
            .map(FlowAction::tactic)
            .to_vec(),
        &[(0, 1), (1, 2), (2, 1), (2, 3), (3, 3)],
    );
    let tf = FlowCorpus::from_flows(vec![flow]).extract(Catalogue::bundled());
    let cycles: Vec<String> = tf
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::Cycle)
        .map(ToString::to_string)
        .collect();
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert!(
        cycles
            .iter()
            .any(|c| c.contains("cycle 1 → 2 → 1") && c.contains("removed edge [2, 1]")),
        "{cycles:?}"
    );
    assert!(
        cycles.iter().any(|c| c.contains("edge [3, 3] is a loop")),
        "{cycles:?}"
    );
    assert_eq!(tf.flows[0].edges, [(0, 1), (1, 2), (2, 3)]);
    let m = TacticChain::params().fit(&tf).unwrap();
    assert_eq!(m.training().flows, 1);
}

#[test]
fn flows_without_enterprise_actions_cannot_be_fitted() {
    let f = AttackFlow::new(
        "atlas",
        vec![
            FlowAction::tactic("AML.TA0003"),
            FlowAction::technique("AML.T0051"),
        ],
        &[(0, 1)],
    );
    let tf = FlowCorpus::from_flows(vec![f]).extract(Catalogue::bundled());
    assert!(tf.issues.iter().any(|i| i.kind == IssueKind::EmptyFlow));
    let e = TacticChain::params().fit(&tf).unwrap_err();
    assert!(
        matches!(&e, AttackError::Core(Error::Data { what, problem })
            if what == "flows" && problem.ends_with("nothing to fit")),
        "{e}"
    );
}

#[test]
fn malformed_flow_files_name_the_line() {
    let p = tmp(
        "bad.jsonl",
        "{\"flow\": \"a\", \"actions\": [], \"edges\": []}\n[1, 2]\n",
    );
    let e = FlowCorpus::read_jsonl(&p).unwrap_err().to_string();
    assert!(
        e.contains("bad.jsonl:2") && e.contains("JSON object"),
        "{e}"
    );
    let p = tmp(
        "bad2.jsonl",
        "{\"flow\": \"a\", \"actions\": [], \"edges\": [[0]]}\n",
    );
    let e = FlowCorpus::read_jsonl(&p).unwrap_err().to_string();
    assert!(
        e.contains("bad2.jsonl:1") && e.contains("not a flow"),
        "{e}"
    );
    let p = tmp(
        "bad3.jsonl",
        "{\"flow\": \"a\", \"actions\": [{\"name\": \"x\", \"tactic_id\": \"TA0001\"}], \"edges\": [[0, 5]]}\n",
    );
    let tf = FlowCorpus::read_jsonl(&p)
        .unwrap()
        .extract(Catalogue::bundled());
    let bad = tf
        .issues
        .iter()
        .find(|i| i.kind == IssueKind::BadEdge)
        .unwrap();
    assert!(
        bad.to_string().contains("bad3.jsonl:1: field `edges[0]`"),
        "{bad}"
    );
}

#[test]
fn invalid_parameters_and_model_files() {
    let t = Catalogue::bundled().tactics();
    for (p, bad) in [
        (TacticChain::params().order(3), "order"),
        (TacticChain::params().order(0), "order"),
        (TacticChain::params().alpha(0.0), "alpha"),
        (TacticChain::params().alpha(f64::NAN), "alpha"),
        (TacticChain::params().alpha(f64::INFINITY), "alpha"),
        (TacticChain::params().alpha(-1.0), "alpha"),
    ] {
        // Every way in refuses them with the parameter named, typed.
        for e in [
            p.check().unwrap_err(),
            p.fit_sequences(t, &[vec![1]]).unwrap_err(),
            p.uniform(t).unwrap_err(),
            p.fit(&model_flows()).unwrap_err(),
            model().with_params(p).unwrap_err(),
        ] {
            assert!(
                matches!(&e, AttackError::Core(Error::Param { name, .. }) if *name == bad),
                "{p:?}: {e}"
            );
        }
    }
    let m = model();
    let e = m
        .with_params(m.params().collapse_repeats(!m.collapse_repeats()))
        .unwrap_err();
    assert!(
        matches!(
            e,
            AttackError::Core(Error::Param {
                name: "collapse_repeats",
                ..
            })
        ),
        "{e}"
    );
    for (from, to, bad) in [
        (Endpoint::Tactic(2), Endpoint::Tactic(2), "to"),
        (Endpoint::End, Endpoint::Tactic(2), "from"),
        (Endpoint::Start, Endpoint::Start, "to"),
        (Endpoint::Tactic(99), Endpoint::End, "from"),
    ] {
        let e = m.most_probable_path(from, to).unwrap_err();
        assert!(
            matches!(&e, AttackError::Core(Error::Param { name, .. }) if *name == bad),
            "{from:?} -> {to:?}: {e}"
        );
    }
    let e = TacticChainModel::from_json("{\"format\": \"x\"}")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("format `x`, expected `threatstat-attack-tactic-chain`"),
        "{e}"
    );
    let json = m
        .to_json()
        .unwrap()
        .replace("\"version\": 1", "\"version\": 9");
    let e = TacticChainModel::from_json(&json).unwrap_err().to_string();
    assert!(e.contains("version 9 is not supported"), "{e}");
    let json = m
        .to_json()
        .unwrap()
        .replacen("\"next\": \"TA0001\"", "\"next\": \"TA0099\"", 1);
    assert!(matches!(
        TacticChainModel::from_json(&json),
        Err(AttackError::Core(Error::ModelFile { file: None, .. }))
    ));
    // Issue 20 item 17: a bad tactic in a model file names the file.
    for (name, json) in [
        ("bad-next.json", json.clone()),
        (
            "bad-tactic.json",
            m.to_json().unwrap().replacen("TA0001", "TA0099", 1),
        ),
    ] {
        let p = tmp(name, &json);
        let e = TacticChainModel::load(&p).unwrap_err();
        assert!(
            matches!(&e, AttackError::Core(Error::ModelFile { file: Some(f), problem })
                if *f == p && problem.contains("unknown tactic")),
            "{e}"
        );
        assert!(e.to_string().contains(name), "{e}");
    }
    let p = tmp("model.json", "not json");
    let e = TacticChainModel::load(&p).unwrap_err().to_string();
    assert!(e.contains("model.json") && e.contains("not JSON"), "{e}");
}

#[test]
fn bad_alert_rows_name_file_line_and_field() {
    let cat = Catalogue::bundled();
    let votes = TacticVotes::new();
    let r = TacticResolver::new(cat, &votes);
    let cols = AlertColumns::default();
    let p = tmp(
        "alerts.csv",
        "entity,time,technique_or_tactic\nu1,2024-01-01T00:00:00Z,T1566\nu1,yesterday,TA0002\nu2,5,T1059.01\nu3,6,AML.T0051\n,7,TA0001\n",
    );
    let e = read_alerts(&p, &cols, &r, BadRowPolicy::Error)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("alerts.csv:3: field `time`") && e.contains("yesterday"),
        "{e}"
    );
    let (alerts, skipped) = read_alerts(&p, &cols, &r, BadRowPolicy::Skip).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(skipped.skipped, 4);
    let all = skipped.to_string();
    assert!(
        all.contains("alerts.csv:4: field `technique_or_tactic`") && all.contains("T1059.001"),
        "{all}"
    );
    assert!(
        all.contains("alerts.csv:5") && all.contains("ATLAS"),
        "{all}"
    );
    assert!(
        all.contains("alerts.csv:6: field `entity`: empty entity"),
        "{all}"
    );
    let p = tmp("nocol.csv", "user,time,label\nu,1,TA0001\n");
    let e = read_alerts(&p, &cols, &r, BadRowPolicy::Skip)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no column `entity`") && e.contains("user, time, label"),
        "{e}"
    );
}

/// Refused merges, inconsistent model-file bodies, bad sequence weights and
/// a baseline that does not fit the attack model are typed errors a caller
/// can match on.
#[test]
fn merges_model_bodies_weights_and_baselines_have_typed_errors() {
    use threatstat_attack::ChainCounts;
    use threatstat_attack::correlate::{EntityChain, rank_entities};
    use threatstat_core::Merge;
    let t = Catalogue::bundled().tactics();
    let m = model();
    let other = TacticChain::params()
        .alpha(2.0)
        .fit_sequences(t, &[vec![2, 3]])
        .unwrap();
    assert!(matches!(
        m.clone().merge(&other),
        Err(AttackError::Core(Error::Incompatible { .. }))
    ));
    let mut c = ChainCounts::new(3);
    assert!(matches!(
        c.add(&ChainCounts::new(4)),
        Err(AttackError::Core(Error::Incompatible { .. }))
    ));
    assert!(matches!(
        c.add_sequence(&[0], -1.0, false),
        Err(AttackError::Core(Error::Param { name: "w", .. }))
    ));
    // START -> END and a negative count: a file body no fit writes.
    let json = m.to_json().unwrap();
    for (what, body) in [
        (
            "impossible transition",
            json.replacen(
                "\"counts\": [",
                "\"counts\": [{\"context\": [\"START\", \"START\"], \"next\": \"END\", \"count\": 1.0},",
                1,
            ),
        ),
        (
            "not a finite number >= 0",
            json.replacen(
                "\"counts\": [",
                "\"counts\": [{\"context\": [\"START\", \"START\"], \"next\": \"TA0001\", \"count\": -1.0},",
                1,
            ),
        ),
    ] {
        assert_ne!(body, json);
        let e = TacticChainModel::from_json(&body).unwrap_err();
        assert!(
            matches!(&e, AttackError::Core(Error::ModelFile { problem, .. }) if problem.contains(what)),
            "{e}"
        );
    }
    let chains = [EntityChain {
        entity: "alice".into(),
        n_alerts: 2,
        tactics: vec![2, 3],
    }];
    let keep = TacticChain::params()
        .collapse_repeats(false)
        .uniform(t)
        .unwrap();
    assert!(matches!(
        rank_entities(&chains, &m, &keep, Ending::Complete),
        Err(AttackError::Core(Error::Param {
            name: "baseline",
            ..
        }))
    ));
    let empty = [EntityChain {
        entity: "bob".into(),
        n_alerts: 0,
        tactics: vec![],
    }];
    assert!(matches!(
        rank_entities(&empty, &m, &m, Ending::Complete),
        Err(AttackError::Core(Error::Data { .. }))
    ));
}
