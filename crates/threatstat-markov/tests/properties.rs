//! Invariants that must hold for any data.

use proptest::prelude::*;
use threatstat_core::model::check_merge_law;
use threatstat_core::{Fit, Merge, ModelFile};
use threatstat_markov::{
    Counts, END_TOKEN, MarkovModel, SessionSet, SessionType, UNK_TOKEN, WindowOptions,
};

/// A raw session: (command, [(param, value)]) with small ids.
type RawSession = Vec<(u8, Vec<(u8, Option<u8>)>)>;

/// Random sessions over a small vocabulary so that repeats are common.
fn sessions_strategy() -> impl Strategy<Value = Vec<RawSession>> {
    let param = (0u8..6, proptest::option::weighted(0.8, 0u8..5));
    let event = (0u8..7, proptest::collection::vec(param, 0..4));
    proptest::collection::vec(proptest::collection::vec(event, 1..8), 1..25)
}

fn build(raw: &[RawSession]) -> SessionSet {
    let mut s = SessionSet::new();
    for sess in raw {
        s.push_session(sess.iter().map(|(c, ps)| {
            (
                format!("c{c}"),
                ps.iter()
                    // value 0 stands for the empty string (not counted by msticpy)
                    .map(|(p, v)| {
                        (
                            format!("p{p}"),
                            v.map(|v| {
                                if v == 0 {
                                    String::new()
                                } else {
                                    format!("v{v}")
                                }
                            }),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
        }))
        .unwrap();
    }
    s
}

const TYPES: [SessionType; 3] = [
    SessionType::Cmds,
    SessionType::CmdsParams,
    SessionType::CmdsParamsValues,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn probabilities_sum_to_one(raw in sessions_strategy(), t in 0usize..3) {
        let set = build(&raw);
        let m = MarkovModel::params().session_type(TYPES[t]).fit(&set).unwrap();
        let mut states: Vec<String> = m.counts().cmds.clone();
        let prior: f64 = states.iter().map(|c| m.prior_prob(c)).sum::<f64>()
            + m.prior_prob("##START##") + m.prior_prob(END_TOKEN) + m.prior_prob(UNK_TOKEN);
        prop_assert!((prior - 1.0).abs() < 1e-12, "prior sums to {}", prior);
        // Rows: every state but END; columns: every state but START.
        let mut rows = states.clone();
        rows.push("##START##".into());
        rows.push(UNK_TOKEN.into());
        states.push(END_TOKEN.into());
        states.push(UNK_TOKEN.into());
        for a in &rows {
            let s: f64 = states.iter().map(|b| m.transition_prob(a, b)).sum();
            prop_assert!((s - 1.0).abs() < 1e-12, "row {} sums to {}", a, s);
        }
        // Parameter probabilities are probabilities.
        for c in &m.counts().cmds {
            for (_, q) in m.param_row(c) {
                prop_assert!(q > 0.0 && q < 1.0);
            }
        }
        // Value distributions of each parameter sum to one (seen values + unknown).
        if TYPES[t] == SessionType::CmdsParamsValues {
            for p in &m.counts().params {
                let s: f64 = m.counts().values.iter().map(|v| {
                    let seen = m.counts().param_values.iter().any(|&(pp, vv, _)| {
                        m.counts().params[pp as usize] == *p && m.counts().values[vv as usize] == *v
                    });
                    if seen { m.value_prob(p, v) } else { 0.0 }
                }).sum::<f64>() + m.value_prob(p, "never-seen-value");
                prop_assert!((s - 1.0).abs() < 1e-12, "values of {} sum to {}", p, s);
            }
        }
    }

    /// The merge law of the shared vocabulary, for the fitted model and
    /// for its counts: cut the sessions at random points, fit every part;
    /// merging the parts left to right equals the fit of the whole (counts
    /// in the same first-seen order, so scores are bit-identical).
    #[test]
    fn merging_fits_of_parts_equals_the_fit_of_the_whole(
        raw in sessions_strategy(),
        cuts in proptest::collection::vec(0.0f64..1.0, 1..4),
        t in 0usize..3,
    ) {
        let set = build(&raw);
        let mut at: Vec<usize> = cuts.iter().map(|c| (set.len() as f64 * c) as usize).collect();
        at.extend([0, set.len()]);
        at.sort_unstable();
        at.dedup();
        let p = MarkovModel::params().session_type(TYPES[t]);
        let whole = p.fit(&set).unwrap();
        let parts: Vec<MarkovModel> =
            at.windows(2).map(|w| p.fit(&set.slice(w[0]..w[1])).unwrap()).collect();
        check_merge_law(&whole, &parts).map_err(TestCaseError::fail)?;
        let counts: Vec<Counts> = parts.iter().map(|m| m.counts().clone()).collect();
        check_merge_law(whole.counts(), &counts).map_err(TestCaseError::fail)?;
        // Equal models give bit-identical scores.
        let merged = parts[1..].iter().fold(parts[0].clone(), |a, b| a.merged(b).unwrap());
        let o = WindowOptions::new(2).keep_window_likelihoods(true);
        prop_assert_eq!(merged.rarest_windows(&set, &o).unwrap(), whole.rarest_windows(&set, &o).unwrap());
    }

    #[test]
    fn scores_are_probabilities(raw in sessions_strategy(), other in sessions_strategy(), t in 0usize..3, w in 1usize..5, tokens: bool, geo: bool) {
        let m = MarkovModel::params().session_type(TYPES[t]).fit(&build(&raw)).unwrap();
        // Score sessions the model was not trained on (unseen commands too).
        let mut test = build(&other);
        test.push_cmds(&["never-seen", "c1"]).unwrap();
        let o = WindowOptions::new(w).start_end_tokens(tokens).geo_mean(geo).keep_window_likelihoods(true);
        for r in m.rarest_windows(&test, &o).unwrap() {
            prop_assert!(r.likelihood.is_nan() || (r.likelihood > 0.0 && r.likelihood <= 1.0));
            for x in &r.window_likelihoods {
                prop_assert!(*x > 0.0 && *x <= 1.0);
            }
            if let Some(s) = r.start {
                prop_assert_eq!(r.window_likelihoods[s], r.likelihood);
                prop_assert!(r.len <= w);
            }
        }
        let lik = m.session_likelihoods(&test, tokens).unwrap();
        let log = m.session_log_likelihoods(&test, tokens).unwrap();
        for (l, ll) in lik.iter().zip(&log) {
            prop_assert!(*l > 0.0 && *l <= 1.0);
            prop_assert!((l.ln() - ll).abs() <= 1e-9 * ll.abs().max(1.0));
        }
        let logw = m.rarest_windows_log(&test, &o).unwrap();
        for (a, b) in m.rarest_windows(&test, &o).unwrap().iter().zip(&logw) {
            prop_assert!(a.likelihood.is_nan() == b.likelihood.is_nan());
            if !a.likelihood.is_nan() {
                prop_assert!((a.likelihood.ln() - b.likelihood).abs() <= 1e-9 * b.likelihood.abs().max(1.0));
            }
        }
    }

    #[test]
    fn json_round_trip_preserves_scores(raw in sessions_strategy(), t in 0usize..3) {
        let set = build(&raw);
        let m = MarkovModel::params().session_type(TYPES[t]).fit(&set).unwrap();
        let back = MarkovModel::from_json(&m.to_json().unwrap()).unwrap();
        prop_assert_eq!(&back, &m);
        let o = WindowOptions::new(3).keep_window_likelihoods(true);
        prop_assert_eq!(back.rarest_windows(&set, &o).unwrap(), m.rarest_windows(&set, &o).unwrap());
    }
}

#[test]
fn parallel_and_sequential_agree_on_large_input() {
    // Small vocabularies are counted in dense tables, large ones in hash maps.
    parallel_and_sequential_agree(13, 7);
    parallel_and_sequential_agree(400, 300);
}

fn parallel_and_sequential_agree(n_cmds: u64, n_params: u64) {
    // Large enough to use several counting chunks and parallel scoring.
    let mut set = SessionSet::new();
    let mut x: u64 = 42;
    for _ in 0..60_000 {
        set.begin_session();
        let len = 1 + (x % 5) as usize;
        for _ in 0..len {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            set.add_event(&format!("c{}", (x >> 33) % n_cmds));
            set.add_param(
                &format!("p{}", (x >> 40) % n_params),
                Some(&format!("v{}", (x >> 50) % 4)),
            );
        }
        set.finish_session().unwrap();
    }
    for t in TYPES {
        let par = MarkovModel::params().session_type(t).fit(&set).unwrap();
        let seq = MarkovModel::params()
            .session_type(t)
            .parallel(false)
            .fit(&set)
            .unwrap();
        assert_eq!(par, seq);
        let o = WindowOptions::new(3).keep_window_likelihoods(true);
        let all = par.rarest_windows(&set, &o).unwrap();
        let part = par.rarest_windows(&set.slice(100..200), &o).unwrap();
        assert_eq!(&all[100..200], &part[..]);
    }
}

#[test]
fn long_sessions_underflow_in_probability_space_but_not_in_log_space() {
    let cmds: Vec<String> = (0..2000).map(|i| format!("c{}", i % 50)).collect();
    let set = SessionSet::from_cmds(&[cmds]).unwrap();
    let m = MarkovModel::params().fit(&set).unwrap();
    assert_eq!(m.session_likelihoods(&set, true).unwrap()[0], 0.0);
    let ll = m.session_log_likelihoods(&set, true).unwrap()[0];
    assert!(ll.is_finite() && ll < -700.0, "{ll}");
}
