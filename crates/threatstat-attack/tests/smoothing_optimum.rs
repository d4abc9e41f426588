//! The smoothing strength chosen by argmin (Brent on ln α) against dense
//! grids of the same leave-one-flow-out log-likelihood, boundary optima,
//! and bad search settings.

use std::path::{Path, PathBuf};
use threatstat_attack::{
    AttackError, AttackFlow, Bound, Catalogue, FlowAction, FlowCorpus, SmoothingSearch,
    TacticChain, TacticFlows, loo_grid, optimise_smoothing,
};
use threatstat_core::Error;

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(p)
}

fn real_flows() -> TacticFlows {
    FlowCorpus::read_jsonl(&data("attack-flow/flows.jsonl"))
        .unwrap()
        .extract(Catalogue::bundled())
}

/// A dense grid evenly spaced in ln α over `[lo, hi]`.
fn dense(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (lo.ln() + (hi / lo).ln() * i as f64 / (n - 1) as f64).exp())
        .collect()
}

/// The argmin optimum of each order on the real corpus is within one step
/// of a dense grid's best α and at least as high as the grid's maximum.
#[test]
fn real_corpus_optimum_matches_a_dense_grid() {
    let tf = real_flows();
    let search = SmoothingSearch::default();
    let opts = optimise_smoothing(&tf, &[1, 2], true, &search).unwrap();
    // The optimum is checked against a dense grid of the whole range in the
    // crate's unit tests (the fast curve); here against `loo_grid` itself,
    // 21 points over a window of each order (steps of 0.069 and 0.055 in ln α).
    let n = 21;
    for opt in &opts {
        assert_eq!(opt.solver.termination, "Solver converged", "{opt:?}");
        assert_eq!(opt.boundary, None, "{opt:?}");
        let (lo, hi) = if opt.order == 1 {
            (5.0f64, 20.0f64)
        } else {
            (10.0, 30.0)
        };
        let step = (hi / lo).ln() / (n - 1) as f64;
        let grid = loo_grid(&tf, &[opt.order], &dense(lo, hi, n), true).unwrap();
        let best = grid
            .iter()
            .max_by(|a, b| a.log_likelihood.total_cmp(&b.log_likelihood))
            .unwrap();
        assert!(
            (opt.alpha.ln() - best.alpha.ln()).abs() <= step,
            "order {}: argmin alpha {} vs grid best {}",
            opt.order,
            opt.alpha,
            best.alpha
        );
        assert!(
            opt.log_likelihood >= best.log_likelihood - 1e-9,
            "order {}: {} < grid max {}",
            opt.order,
            opt.log_likelihood,
            best.log_likelihood
        );
        // The optimum's numbers are those of leave_one_flow_out at its α.
        let at = TacticChain::params()
            .order(opt.order)
            .alpha(opt.alpha)
            .leave_one_flow_out(&tf)
            .unwrap();
        assert_eq!(at.log_likelihood, opt.log_likelihood);
        assert_eq!(at.flows, 38);
        // The interval brackets the optimum, the curvature is positive and
        // the interval ends are where the curve has dropped by 1.92.
        let [a, b] = opt.interval;
        assert!(a < opt.alpha && opt.alpha < b, "{opt:?}");
        assert_eq!(opt.interval_at_bound, [false, false]);
        for end in [a, b] {
            let l = TacticChain::params()
                .order(opt.order)
                .alpha(end)
                .leave_one_flow_out(&tf)
                .unwrap()
                .log_likelihood;
            assert!(
                (l - (opt.log_likelihood - 1.92)).abs() < 1e-2,
                "{l} at {end}"
            );
        }
        let c = opt.curvature.unwrap();
        let [la, lb] = opt.laplace_interval.unwrap();
        assert!(c > 0.0 && la < opt.alpha && opt.alpha < lb, "{opt:?}");
        assert!(opt.solver.evaluations > opt.solver.iterations);
    }
    // Order 2 keeps the better held-out likelihood, as on the grid.
    assert!(opts[1].log_likelihood > opts[0].log_likelihood);
    // The pinned optimum (a regression check on the whole search).
    assert_eq!(format!("{:.2}", opts[1].alpha), "18.68", "{:?}", opts[1]);
    assert_eq!(format!("{:.2}", opts[0].alpha), "10.10", "{:?}", opts[0]);
}

/// Fourteen flows of one tactic each, all different: every held-out flow
/// starts with a tactic no training flow starts with and continues from a
/// tactic never seen, so the leave-one-flow-out likelihood rises with α all
/// the way (towards the uniform chain): the optimum is the upper end.
fn one_tactic_flows() -> TacticFlows {
    let tactics = Catalogue::bundled().tactics();
    let flows = (0..tactics.len())
        .map(|i| AttackFlow::new("one", vec![FlowAction::tactic(tactics.id(i))], &[]))
        .collect();
    FlowCorpus::from_flows(flows).extract(Catalogue::bundled())
}

#[test]
fn unseen_starts_have_an_upper_boundary_optimum() {
    let tf = one_tactic_flows();
    let search = SmoothingSearch::default().range(0.01, 1e4);
    for order in [1, 2] {
        let opt = TacticChain::params()
            .order(order)
            .optimise_smoothing(&tf, &search)
            .unwrap();
        assert_eq!(opt.boundary, Some(Bound::Upper), "{opt:?}");
        assert_eq!(opt.alpha, 1e4);
        assert_eq!(opt.interval[1], 1e4);
        assert_eq!(opt.curvature, None);
        assert_eq!(opt.laplace_interval, None);
        assert!(
            opt.interval_at_bound[1] && !opt.interval_at_bound[0],
            "{opt:?}"
        );
        // At least as high as every point of a dense grid on the range.
        let grid = loo_grid(&tf, &[order], &dense(0.01, 1e4, 61), true).unwrap();
        let max = grid
            .iter()
            .map(|r| r.log_likelihood)
            .fold(f64::MIN, f64::max);
        assert!(
            opt.log_likelihood >= max - 1e-9,
            "{} < {max}",
            opt.log_likelihood
        );
    }
}

/// Identical flows: the held-out flow is predicted best with no smoothing,
/// so the optimum is the lower end of the range.
#[test]
fn identical_flows_have_a_lower_boundary_optimum() {
    let f = || {
        AttackFlow::new(
            "same",
            vec![
                FlowAction::tactic("TA0001"),
                FlowAction::tactic("TA0002"),
                FlowAction::tactic("TA0007"),
            ],
            &[(0, 1), (1, 2)],
        )
    };
    let tf = FlowCorpus::from_flows(vec![f(), f(), f()]).extract(Catalogue::bundled());
    let search = SmoothingSearch::default().range(1e-3, 100.0);
    let opt = TacticChain::params()
        .order(2)
        .optimise_smoothing(&tf, &search)
        .unwrap();
    assert_eq!(opt.boundary, Some(Bound::Lower), "{opt:?}");
    assert_eq!(opt.alpha, 1e-3);
    assert_eq!(opt.interval[0], 1e-3);
    assert!(
        opt.interval_at_bound[0] && !opt.interval_at_bound[1],
        "{opt:?}"
    );
    assert!(
        opt.log_likelihood < 0.0 && opt.log_likelihood > -0.1,
        "{opt:?}"
    );
}

#[test]
fn bad_search_settings_are_typed_errors() {
    let tf = one_tactic_flows();
    let p = TacticChain::params();
    let bad = |s: SmoothingSearch| p.optimise_smoothing(&tf, &s).unwrap_err();
    for (s, name) in [
        (SmoothingSearch::default().range(0.0, 1.0), "min_alpha"),
        (SmoothingSearch::default().range(2.0, 1.0), "max_alpha"),
        (
            SmoothingSearch::default().range(1.0, f64::INFINITY),
            "max_alpha",
        ),
        (SmoothingSearch::default().scan(2), "scan"),
    ] {
        let e = bad(s);
        assert!(
            matches!(&e, AttackError::Core(Error::Param { name: n, .. }) if *n == name),
            "{name}: {e}"
        );
    }
    // A bad order is the params' own error.
    let e = TacticChain::params()
        .order(3)
        .optimise_smoothing(&tf, &SmoothingSearch::default())
        .unwrap_err();
    assert!(matches!(
        e,
        AttackError::Core(Error::Param { name: "order", .. })
    ));
}
