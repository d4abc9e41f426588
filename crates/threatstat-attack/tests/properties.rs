//! Invariants that must hold for any data.

use proptest::prelude::*;
use threatstat_attack::{
    AttackFlow, Catalogue, ChainCounts, Ending, Endpoint, FlowAction, FlowCorpus, IssueKind,
    TacticChain, TacticChainModel,
};
use threatstat_core::model::check_merge_law;
use threatstat_core::{Fit, ModelFile};

const K: usize = 14;

/// Sequences over the 14 tactics, with repeats common.
fn sequences() -> impl Strategy<Value = Vec<Vec<usize>>> {
    proptest::collection::vec(proptest::collection::vec(0usize..6, 1..8), 1..20)
}

/// Labels of flow actions, including foreign, malformed and missing ids.
const LABELS: [Option<&str>; 12] = [
    Some("TA0001"),
    Some("TA0002"),
    Some("TA0005"),
    Some("TA0007"),
    Some("TA0040"),
    Some("AML.TA0003"),
    Some("de"),
    Some("TA0104"),
    Some(""),
    None,
    None,
    Some("TA0043"),
];
const TECHNIQUES: [Option<&str>; 8] = [
    Some("T1078"),
    Some("T1059.001"),
    Some("T1055"),
    Some("T0834"),
    Some("T1533"),
    Some("T1076"),
    None,
    None,
];

/// Flow `i` with actions `(label index, technique index)` and `edges`.
fn flow(i: usize, acts: Vec<(usize, usize)>, edges: Vec<(i64, i64)>) -> AttackFlow {
    AttackFlow {
        name: format!("f{i}"),
        line: i as u64 + 1,
        actions: acts
            .into_iter()
            .map(|(t, q)| FlowAction {
                name: "x".into(),
                tactic_id: LABELS[t].map(String::from),
                technique_id: TECHNIQUES[q].map(String::from),
                execution_start: None,
            })
            .collect(),
        edges,
        ..Default::default()
    }
}

/// Flows whose graphs are chains (action i -> i + 1), one path each.
fn chain_flows() -> impl Strategy<Value = Vec<AttackFlow>> {
    let action = (0usize..LABELS.len(), 0usize..TECHNIQUES.len());
    let one = proptest::collection::vec(action, 1..7);
    proptest::collection::vec(one, 1..12).prop_map(|fs| {
        fs.into_iter()
            .enumerate()
            .map(|(i, acts)| {
                let n = acts.len() as i64;
                flow(i, acts, (1..n).map(|j| (j - 1, j)).collect())
            })
            .collect()
    })
}

fn flows() -> impl Strategy<Value = Vec<AttackFlow>> {
    let action = (0usize..LABELS.len(), 0usize..TECHNIQUES.len());
    let one = (1usize..9).prop_flat_map(move |n| {
        (
            proptest::collection::vec(action.clone(), n),
            proptest::collection::vec((-1i64..(n as i64 + 1), -1i64..(n as i64 + 1)), 0..14),
        )
    });
    proptest::collection::vec(one, 1..6).prop_map(|fs| {
        fs.into_iter()
            .enumerate()
            .map(|(i, (acts, edges))| flow(i, acts, edges))
            .collect()
    })
}

/// Kahn's algorithm removes every node of a DAG.
fn is_dag(n: usize, edges: &[(usize, usize)]) -> bool {
    let mut indeg = vec![0; n];
    for &(_, b) in edges {
        indeg[b] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut seen = 0;
    while let Some(u) = ready.pop() {
        seen += 1;
        for &(a, b) in edges {
            if a == u {
                indeg[b] -= 1;
                if indeg[b] == 0 {
                    ready.push(b);
                }
            }
        }
    }
    seen == n
}

fn model(seqs: &[Vec<usize>], order: usize, alpha: f64, collapse: bool) -> TacticChainModel {
    TacticChain::params()
        .order(order)
        .alpha(alpha)
        .collapse_repeats(collapse)
        .fit_sequences(Catalogue::bundled().tactics(), seqs)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn rows_sum_to_one(seqs in sequences(), order in 1usize..3, alpha in 0.01f64..50.0, collapse: bool) {
        let m = model(&seqs, order, alpha, collapse);
        let states: Vec<Option<usize>> = (0..K).map(Some).chain(std::iter::once(None)).collect();
        for &before in &states {
            for &from in &states {
                let s: f64 = states.iter().map(|&to| m.transition(before, from, to)).sum();
                prop_assert!((s - 1.0).abs() < 1e-12, "({before:?}, {from:?}) sums to {s}");
            }
        }
        // The heat-map table too.
        for row in m.transition_matrix().p {
            prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        // Next-tactic distributions.
        let next = m.next_tactics(&seqs[0]).unwrap();
        prop_assert!((next.iter().map(|n| n.probability).sum::<f64>() - 1.0).abs() < 1e-12);
        prop_assert!(next.windows(2).all(|w| w[0].probability >= w[1].probability));
        let pi = m.stationary();
        prop_assert!((pi.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        prop_assert!(pi.iter().all(|&p| p >= 0.0));
    }

    #[test]
    fn log_likelihood_is_the_sum_of_steps(seqs in sequences(), order in 1usize..3, collapse: bool) {
        let m = model(&seqs, order, 1.5, collapse);
        for s in &seqs {
            for ending in [Ending::Complete, Ending::Open] {
                let sc = m.score(s, ending).unwrap();
                let sum: f64 = sc.steps.iter().map(|x| x.probability.ln()).sum();
                prop_assert!((sc.log_likelihood - sum).abs() < 1e-12);
                prop_assert!((m.log_likelihood(s, ending).unwrap() - sum).abs() < 1e-12);
                prop_assert!(sc.probability > 0.0 && sc.probability <= 1.0);
            }
        }
    }

    /// Core's merge law: split a corpus at random points, fit each part
    /// (techniques resolved with the whole corpus's votes, as one fit
    /// would; each part keeps its own votes), merge the parts: the model
    /// of the whole, counts and votes exactly. Flows are chains so path
    /// weights are 1 and float sums are exact (see `Merge` on the model).
    #[test]
    fn merging_fits_of_parts_is_the_fit_of_the_whole(
        fs in chain_flows(),
        cuts in proptest::collection::vec(0usize..12, 0..4),
        order in 1usize..3,
        collapse: bool,
    ) {
        let cat = Catalogue::bundled();
        let corpus = FlowCorpus::from_flows(fs.clone());
        let votes = corpus.votes(cat);
        let params = TacticChain::params().order(order).alpha(2.0).collapse_repeats(collapse);
        let fit = |part: &[AttackFlow]| {
            let c = FlowCorpus::from_flows(part.to_vec());
            let mut tf = c.extract_with(cat, votes.clone());
            tf.votes = c.votes(cat);
            params.fit(&tf)
        };
        let Ok(whole) = fit(&fs) else {
            // Nothing to fit (no Enterprise tactic anywhere): nothing to merge.
            return Ok(());
        };
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(fs.len())).collect();
        cuts.extend([0, fs.len()]);
        cuts.sort_unstable();
        cuts.dedup();
        let parts: Vec<TacticChainModel> = cuts
            .windows(2)
            .filter_map(|w| fit(&fs[w[0]..w[1]]).ok())
            .collect();
        check_merge_law(&whole, &parts).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn json_round_trip(seqs in sequences(), order in 1usize..3, collapse: bool) {
        let m = model(&seqs, order, 0.7, collapse);
        let back = TacticChainModel::from_json(&m.to_json().unwrap()).unwrap();
        prop_assert_eq!(&back, &m);
        for s in &seqs {
            prop_assert_eq!(
                back.log_likelihood(s, Ending::Complete).unwrap(),
                m.log_likelihood(s, Ending::Complete).unwrap()
            );
        }
    }

    /// The most probable path is at least as probable as any sampled chain
    /// between the same endpoints.
    #[test]
    fn most_probable_path_beats_other_paths(seqs in sequences(), order in 1usize..3, others in proptest::collection::vec(proptest::collection::vec(0usize..K, 0..4), 1..30)) {
        let m = model(&seqs, order, 1.0, true);
        let (from, to) = (0usize, 5usize);
        let best = m.most_probable_path(Endpoint::Tactic(from), Endpoint::Tactic(to)).unwrap();
        for mid in others {
            let mut path = vec![from];
            path.extend(mid.into_iter().filter(|&t| t != from && t != to));
            path.push(to);
            path.dedup();
            // p(path) given the chain began at `from`: open score minus the START step.
            let sc = m.score(&path, Ending::Open).unwrap();
            let lp: f64 = sc.steps[1..].iter().map(|s| s.probability.ln()).sum();
            prop_assert!(best.log_probability >= lp - 1e-12, "{:?} {} < {}", path, best.log_probability, lp);
        }
    }

    /// Extraction never panics, the graphs are DAGs over labelled actions,
    /// path-weighted counts equal enumerated paths, and every dropped action
    /// is reported.
    #[test]
    fn extraction_is_total_and_counts_match_paths(fs in flows(), collapse: bool) {
        let cat = Catalogue::bundled();
        let corpus = FlowCorpus::from_flows(fs.clone());
        let tf = corpus.extract(cat);
        prop_assert_eq!(tf.flows.len(), fs.len());
        for (g, f) in tf.flows.iter().zip(&fs) {
            for (i, _) in f.actions.iter().enumerate() {
                let kept = g.actions.contains(&i);
                let reported = tf.issues.iter().any(|x| x.flow == f.name && x.action == Some(i) && x.kind == IssueKind::Unlabelled);
                prop_assert!(kept != reported, "action {i} of {}: kept {kept}, reported {reported}", f.name);
            }
            prop_assert!(is_dag(g.tactics.len(), &g.edges), "cycle left in {}", f.name);
            if g.is_empty() {
                continue;
            }
            let c = g.counts(K, collapse).unwrap();
            let paths = g.paths(collapse, 100_000).unwrap();
            let mut e = ChainCounts::new(K);
            for p in &paths {
                e.add_sequence(p, 1.0 / paths.len() as f64, collapse).unwrap();
            }
            prop_assert!((c.sequences() - 1.0).abs() < 1e-12);
            for p2 in 0..=K { for p1 in 0..=K { for n in 0..=K {
                prop_assert!((c.get(p2, p1, n) - e.get(p2, p1, n)).abs() < 1e-12);
            }}}
        }
    }
}
