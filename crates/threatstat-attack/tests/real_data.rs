//! The bundled real data: ATT&CK v18.1, the 40 Attack Flow incidents and the
//! OTRF mappings (all under `data/` in the repository).

use std::path::{Path, PathBuf};
use threatstat_attack::evaluate::{
    EvaluationParams, evaluate, held_out_chains, read_otrf_mappings,
};
use threatstat_attack::{
    Catalogue, DEFAULT_ALPHA, DEFAULT_ORDER, Ending, Endpoint, FlowCorpus, IssueKind, TacticChain,
    TacticFlows, TacticResolver, loo_grid,
};
use threatstat_core::Fit;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(p)
}

fn flows() -> TacticFlows {
    FlowCorpus::read_jsonl(&data("attack-flow/flows.jsonl"))
        .unwrap()
        .extract(Catalogue::bundled())
}

#[test]
fn corpus_issues_are_all_reported() {
    let corpus = FlowCorpus::read_jsonl(&data("attack-flow/flows.jsonl")).unwrap();
    assert_eq!(corpus.flows.len(), 40);
    assert_eq!(
        corpus.flows.iter().map(|f| f.actions.len()).sum::<usize>(),
        934
    );
    assert_eq!(
        corpus.flows.iter().map(|f| f.edges.len()).sum::<usize>(),
        1060
    );
    let tf = corpus.extract(Catalogue::bundled());
    let counts = tf.issue_counts();
    let n = |k: IssueKind| counts.iter().find(|c| c.0 == k).map_or(0, |c| c.1);
    assert_eq!(n(IssueKind::AtlasId), 36); // the OpenClaw flow (18 actions x 2 ids)
    assert_eq!(n(IssueKind::IcsId), 5); // T0866, TA0104/T0834 twice
    assert_eq!(n(IssueKind::UnknownId), 1); // T1533 (a Mobile technique)
    assert_eq!(n(IssueKind::MalformedId), 1); // `de`
    assert_eq!(n(IssueKind::RevokedTechnique), 4); // T1574.002, T1076, T1063, T1183
    assert_eq!(n(IssueKind::TacticNotOfTechnique), 11);
    assert_eq!(n(IssueKind::Cycle), 3); // Ivanti, Maastricht, Target
    assert_eq!(n(IssueKind::EmptyFlow), 2); // the attack tree and the ATLAS-only flow
    assert_eq!(tf.non_empty().count(), 38);
    // The malformed `de` tactic is replaced by its technique's tactic (Proxy -> C2).
    let de = tf
        .issues
        .iter()
        .find(|i| i.kind == IssueKind::MalformedId)
        .unwrap();
    assert!(
        de.to_string()
            .contains("flows.jsonl:35: field `actions[6].tactic_id`"),
        "{de}"
    );
    let tesla = tf
        .flows
        .iter()
        .find(|f| f.name == "Tesla Kubernetes Breach")
        .unwrap();
    let node = tesla.actions.iter().position(|&a| a == 6).unwrap();
    assert_eq!(
        Catalogue::bundled().tactics().id(tesla.tactics[node]),
        "TA0011"
    );
    // Every action is either in its flow's graph or reported as unlabelled.
    let kept: usize = tf.flows.iter().map(|f| f.actions.len()).sum();
    assert_eq!(kept + n(IssueKind::Unlabelled), 934);
    // Techniques with several tactics were resolved, and said so.
    let t1078 = tf
        .issues
        .iter()
        .find(|i| {
            i.kind == IssueKind::ResolvedTactic && i.message.contains("T1078 (Valid Accounts)")
        })
        .unwrap();
    assert!(
        t1078
            .message
            .contains("chose TA0001 (Initial Access) by corpus_vote"),
        "{t1078}"
    );
}

/// The leave-one-flow-out table that chose the defaults (order 2, alpha 16).
#[test]
fn leave_one_flow_out_chooses_the_defaults() {
    let tf = flows();
    let alphas = [0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0, 64.0];
    let table = loo_grid(&tf, &[1, 2], &alphas, true).unwrap();
    let best = table
        .iter()
        .max_by(|a, b| a.log_likelihood.total_cmp(&b.log_likelihood))
        .unwrap();
    assert_eq!((best.order, best.alpha), (DEFAULT_ORDER, DEFAULT_ALPHA));
    assert_eq!(best.flows, 38);
    let get = |o: usize, a: f64| {
        table
            .iter()
            .find(|r| r.order == o && r.alpha == a)
            .unwrap()
            .per_step
    };
    assert_eq!(format!("{:.4}", get(2, 16.0)), "-2.2890");
    assert_eq!(format!("{:.4}", get(1, 12.0)), "-2.3125");
    assert_eq!(format!("{:.4}", get(2, 0.5)), "-2.8670");
    assert_eq!(format!("{:.2}", best.log_likelihood), "-1208.27");
    // The uniform chain: every step 1/14 (14 tactics; or 13 others + END).
    let uniform = TacticChain::params()
        .alpha(1e12)
        .leave_one_flow_out(&tf)
        .unwrap();
    assert!((uniform.per_step + 14f64.ln()).abs() < 1e-6);
    assert!(best.perplexity < 10.0 && uniform.perplexity > 13.99);
}

#[test]
fn model_on_the_real_corpus() {
    let tf = flows();
    let m = TacticChain::params().fit(&tf).unwrap();
    // Most chains start with Initial Access.
    let first = m.next_tactics(&[]).unwrap();
    assert_eq!(first[0].tactic, "TA0001");
    assert!(first[0].probability > 0.5);
    // After Initial Access and Execution, Defense Evasion is the most likely next tactic.
    let next = m.next_tactics_labels(&["TA0001", "TA0002"]).unwrap();
    assert_eq!(next[0].tactic, "TA0005");
    // The stationary distribution puts most weight on defense evasion and C2.
    let pi = m.stationary();
    let top = (0..14).max_by(|&a, &b| pi[a].total_cmp(&pi[b])).unwrap();
    assert_eq!(m.tactics().id(top), "TA0005");
    // A kill-chain ordered chain is more probable than its reverse.
    let fwd = m
        .log_likelihood(&[2, 3, 8, 9, 13], Ending::Complete)
        .unwrap();
    let rev = m
        .log_likelihood(&[13, 9, 8, 3, 2], Ending::Complete)
        .unwrap();
    assert!(fwd > rev + 3.0, "{fwd} vs {rev}");
}

/// The OTRF held-out evaluation figure.
#[test]
fn otrf_chains_rank_above_shuffles_and_random_alerts() {
    let tf = flows();
    let m = TacticChain::params().fit(&tf).unwrap();
    let path = data("otrf/attack_mappings.csv");
    let ds = read_otrf_mappings(&path).unwrap();
    assert_eq!(ds.len(), 113);
    let cat = Catalogue::bundled();
    let resolver = TacticResolver::new(cat, m.votes());
    let (chains, notes) = held_out_chains(&ds, &path, &resolver);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("attack_mappings.csv:99: field `technique`")
            && notes[0].contains("T0000")
    );
    let ev = evaluate(&m, &chains, &resolver, &EvaluationParams::default()).unwrap();
    assert_eq!(ev.chains.len(), 11);
    assert_eq!(ev.chains_above_median_order, 11);
    assert_eq!(format!("{:.3}", ev.mean_order_percentile), "0.882");
    assert!(
        ev.mean_random_percentile > 0.75,
        "{}",
        ev.mean_random_percentile
    );
    // Same seed, same result.
    let again = evaluate(&m, &chains, &resolver, &EvaluationParams::default()).unwrap();
    assert_eq!(again, ev);
}

/// The README's most probable paths of the default model: START → Initial
/// Access → END (p = 0.018) and Initial Access → Execution → Impact
/// (p = 0.014), at the README's three decimals.
#[test]
fn readme_most_probable_paths() {
    let m = TacticChain::params().fit(&flows()).unwrap();
    let t = |id: &str| Endpoint::Tactic(m.tactics().index_of(id).unwrap());
    let whole = m
        .most_probable_path(Endpoint::Start, Endpoint::End)
        .unwrap();
    assert_eq!(whole.tactics, ["TA0001"]);
    assert_eq!(format!("{:.3}", whole.probability), "0.018");
    let between = m.most_probable_path(t("TA0001"), t("TA0040")).unwrap();
    assert_eq!(between.tactics, ["TA0001", "TA0002", "TA0040"]);
    assert_eq!(format!("{:.3}", between.probability), "0.014");
}
