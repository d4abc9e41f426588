//! Probabilities computed by hand on small corpora.

use threatstat_attack::{
    AttackFlow, Catalogue, ChainCounts, Ending, Endpoint, FlowAction, FlowCorpus, Tactic,
    TacticChain, TacticSet, loo_grid,
};
use threatstat_core::Fit;

/// Three tactics A, B, C (ids TA0001..TA0003).
fn abc() -> TacticSet {
    TacticSet::new(
        ["A", "B", "C"]
            .iter()
            .enumerate()
            .map(|(i, n)| Tactic {
                id: format!("TA000{}", i + 1),
                shortname: n.to_lowercase(),
                name: n.to_string(),
            })
            .collect(),
    )
    .unwrap()
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-14, "{a} != {b}");
}

/// Sequences A B, A B C, B B (collapsed to B); α = 3 = add-one for rows of 3 states.
#[test]
fn first_and_second_order_by_hand() {
    let seqs = vec![vec![A, B], vec![A, B, C], vec![B, B]];
    let m1 = TacticChain::params()
        .order(1)
        .alpha(3.0)
        .fit_sequences(&abc(), &seqs)
        .unwrap();
    // START row: A 2, B 1, C 0 of 3; 3 allowed states -> (n + 1) / (3 + 3).
    close(m1.transition(None, None, Some(A)), 3.0 / 6.0);
    close(m1.transition(None, None, Some(B)), 2.0 / 6.0);
    close(m1.transition(None, None, Some(C)), 1.0 / 6.0);
    close(m1.transition(None, None, None), 0.0); // START -> END is impossible
    // Row A: B 2 of 2; allowed B, C, END (A -> A is merged away).
    close(m1.transition(None, Some(A), Some(B)), 3.0 / 5.0);
    close(m1.transition(None, Some(A), Some(C)), 1.0 / 5.0);
    close(m1.transition(None, Some(A), None), 1.0 / 5.0);
    close(m1.transition(None, Some(A), Some(A)), 0.0);
    // Row B: END 2, C 1 of 3.
    close(m1.transition(None, Some(B), None), 3.0 / 6.0);
    close(m1.transition(None, Some(B), Some(C)), 2.0 / 6.0);
    close(m1.transition(None, Some(B), Some(A)), 1.0 / 6.0);
    // P(A B C END) = 3/6 * 3/5 * 2/6 * p(END | C); row C: END 1 of 1 -> (1 + 1) / (1 + 3).
    let s = m1.score(&[A, B, C], Ending::Complete).unwrap();
    close(s.probability, 0.5 * 0.6 * (1.0 / 3.0) * 0.5);
    close(s.log_likelihood, s.probability.ln());
    let open = m1.score(&[A, B, C], Ending::Open).unwrap();
    close(open.probability, 0.5 * 0.6 * (1.0 / 3.0));
    assert_eq!(open.steps.len(), 3);
    // Repeats are merged before scoring: A A B == A B.
    close(
        m1.log_likelihood(&[A, A, B], Ending::Complete).unwrap(),
        m1.log_likelihood(&[A, B], Ending::Complete).unwrap(),
    );

    // Second order backs off to the first: p(b | a', a) = (n + α p1(b | a)) / (N + α).
    let m2 = TacticChain::params()
        .order(2)
        .alpha(3.0)
        .fit_sequences(&abc(), &seqs)
        .unwrap();
    // (START, A) -> B seen twice: (2 + 3 * 3/5) / (2 + 3).
    close(
        m2.transition(None, Some(A), Some(B)),
        (2.0 + 3.0 * 0.6) / 5.0,
    );
    // (A, B) -> END once, -> C once: (1 + 3 * 1/2) / 5 and (1 + 3 * 1/3) / 5.
    close(m2.transition(Some(A), Some(B), None), 2.5 / 5.0);
    close(m2.transition(Some(A), Some(B), Some(C)), 2.0 / 5.0);
    close(m2.transition(Some(A), Some(B), Some(A)), (3.0 / 6.0) / 5.0);
    // An unseen context is exactly the first-order row.
    close(
        m2.transition(Some(C), Some(A), Some(B)),
        m1.transition(None, Some(A), Some(B)),
    );
}

/// Without merging repeats, a tactic may follow itself and rows have k + 1 states.
#[test]
fn kept_repeats_by_hand() {
    let m = TacticChain::params()
        .order(1)
        .alpha(4.0)
        .collapse_repeats(false)
        .fit_sequences(&abc(), &[vec![B, B, C]])
        .unwrap();
    // Row B: B 1, C 1 of 2; allowed A, B, C, END -> (n + 1) / (2 + 4).
    close(m.transition(None, Some(B), Some(B)), 2.0 / 6.0);
    close(m.transition(None, Some(B), Some(A)), 1.0 / 6.0);
    close(m.transition(None, Some(B), Some(C)), 2.0 / 6.0);
}

/// A diamond flow IA -> {EX, PE} -> DI has two paths; each counts 1/2.
#[test]
fn diamond_flow_paths_weigh_one_half() {
    let cat = Catalogue::bundled();
    let t = |id: &str| cat.tactics().index_of(id).unwrap();
    let flow = AttackFlow::new(
        "diamond",
        vec![
            FlowAction::tactic("TA0001"),
            FlowAction::tactic("TA0002"),
            FlowAction::tactic("TA0004"),
            FlowAction::tactic("TA0007"),
        ],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    );
    let flows = FlowCorpus::from_flows(vec![flow]).extract(cat);
    let g = &flows.flows[0];
    assert_eq!(g.n_paths(), 2.0);
    let paths = g.paths(true, 10).unwrap();
    assert_eq!(
        paths,
        vec![
            vec![t("TA0001"), t("TA0002"), t("TA0007")],
            vec![t("TA0001"), t("TA0004"), t("TA0007")]
        ]
    );
    let c: ChainCounts = g.counts(14, true).unwrap();
    let (s, ia, ex, pe, di, end) = (14, t("TA0001"), t("TA0002"), t("TA0004"), t("TA0007"), 14);
    close(c.get(s, s, ia), 1.0);
    close(c.get(s, ia, ex), 0.5);
    close(c.get(s, ia, pe), 0.5);
    close(c.get(ia, ex, di), 0.5);
    close(c.get(ia, pe, di), 0.5);
    close(c.get(ex, di, end), 0.5);
    close(c.get(pe, di, end), 0.5);
    close(c.sequences(), 1.0);
    close(c.steps(), 4.0);
    // First order with alpha = 14 (add-one on rows of 14 states): p(EX | IA) = (0.5 + 1) / (1 + 14).
    let m = TacticChain::params()
        .order(1)
        .alpha(14.0)
        .fit(&flows)
        .unwrap();
    close(m.transition(None, Some(ia), Some(ex)), 1.5 / 15.0);
    close(m.transition(None, None, Some(ia)), 2.0 / 15.0);
}

/// Leave-one-flow-out on three one-action flows A, A, B (bundled tactics, k = 14).
#[test]
fn leave_one_out_by_hand() {
    let cat = Catalogue::bundled();
    let f = |id: &str| AttackFlow::new(id, vec![FlowAction::tactic(id)], &[]);
    let flows = FlowCorpus::from_flows(vec![f("TA0001"), f("TA0001"), f("TA0002")]).extract(cat);
    let alpha = 2.0;
    let r = &loo_grid(&flows, &[1], &[alpha], true).unwrap()[0];
    let k = 14.0;
    // Held out A: trained on A, B. p(A | START) = (1 + α/k) / (2 + α); p(END | A) = (1 + α/k) / (1 + α).
    let held_a =
        ((1.0 + alpha / k) / (2.0 + alpha)).ln() + ((1.0 + alpha / k) / (1.0 + alpha)).ln();
    // Held out B: trained on A, A. p(B | START) = (α/k) / (2 + α); row B unseen: p(END | B) = 1/k.
    let held_b = ((alpha / k) / (2.0 + alpha)).ln() + (1.0 / k).ln();
    close(r.log_likelihood, 2.0 * held_a + held_b);
    close(r.steps, 6.0);
    close(r.per_step, (2.0 * held_a + held_b) / 6.0);
    assert_eq!(r.flows, 3);
    assert_eq!(r.per_flow[2].flow, "TA0002");
    close(r.per_flow[2].log_likelihood, held_b);
}

/// Most probable paths, by hand (first order, sequences A B, A B C, B B, α = 3).
#[test]
fn most_probable_paths_by_hand() {
    let m = TacticChain::params()
        .order(1)
        .alpha(3.0)
        .fit_sequences(&abc(), &[vec![A, B], vec![A, B, C], vec![B, B]])
        .unwrap();
    // START -> END: B alone (2/6 * 1/2 = 1/6) beats A B (3/6 * 3/5 * 1/2 = 0.15).
    let p = m
        .most_probable_path(Endpoint::Start, Endpoint::End)
        .unwrap();
    assert_eq!(p.tactics, ["TA0002"]);
    close(p.probability, 1.0 / 6.0);
    // B -> A: direct 1/6 beats B C A (2/6 * 1/4).
    let p = m
        .most_probable_path(Endpoint::Tactic(B), Endpoint::Tactic(A))
        .unwrap();
    assert_eq!(p.tactics, ["TA0002", "TA0001"]);
    close(p.probability, 1.0 / 6.0);
    // A -> END: A B END (3/5 * 1/2) beats A END (1/5).
    let p = m
        .most_probable_path(Endpoint::Tactic(A), Endpoint::End)
        .unwrap();
    assert_eq!(p.tactics, ["TA0001", "TA0002"]);
    close(p.probability, 0.3);
    assert_eq!(p.steps.len(), 2);
    assert_eq!(p.steps[1].to, "END");
    // The stationary distribution of the chain restarting at START after
    // END, by power iteration on the 4 states (START, A, B, C).
    let st = [None, Some(A), Some(B), Some(C)];
    let mut x = [1.0, 0.0, 0.0, 0.0];
    for _ in 0..2000 {
        let mut y = [0.0; 4];
        for (i, &from) in st.iter().enumerate() {
            for (j, &to) in st.iter().enumerate().skip(1) {
                y[j] += x[i] * m.transition(None, from, to);
            }
            y[0] += x[i]
                * if from.is_some() {
                    m.transition(None, from, None)
                } else {
                    0.0
                };
        }
        // Lazy chain (same fixed point, no periodicity).
        for j in 0..4 {
            x[j] = 0.5 * (x[j] + y[j]);
        }
    }
    let z = x[1] + x[2] + x[3];
    let pi = m.stationary();
    for t in 0..3 {
        assert!((pi[t] - x[t + 1] / z).abs() < 1e-12, "{pi:?} vs {x:?}");
    }
}
