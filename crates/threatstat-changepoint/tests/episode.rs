//! Invariants of the episode model and of directions.

use proptest::prelude::*;
use threatstat_changepoint::ChangePosterior;
use threatstat_changepoint::{Direction, Episode, Switchpoint};

fn ln_mean_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    m + (0.5 * ((a - m).exp() + (b - m).exp())).ln()
}

/// A series with a planted episode of rate `hi` in `start..end`.
fn planted(n: usize, start: usize, end: usize, lo: u32, hi: u32) -> Vec<u32> {
    (0..n)
        .map(|t| if (start..end).contains(&t) { hi } else { lo } + (t as u32 * 7919) % 3)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn episode_posterior_is_a_distribution(
        counts in proptest::collection::vec(0u32..30, 2..70),
        alpha in 0.05f64..4.0,
        dir in prop_oneof![Just(Direction::Any), Just(Direction::Up), Just(Direction::Down)],
    ) {
        let p = Episode::params().alpha(alpha).direction(dir).fit(&counts).unwrap();
        let n = counts.len();
        for v in [p.start_posterior(), p.end_posterior()] {
            prop_assert_eq!(v.len(), n);
            prop_assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0));
            prop_assert!((v.iter().sum::<f64>() - 1.0).abs() < 1e-10);
        }
        prop_assert!(p.inside_probability().iter().all(|x| (0.0..=1.0).contains(x)));
        prop_assert!(p.log_bayes_factor().is_finite());
        prop_assert!(p.expected_rate().iter().all(|r| r.is_finite() && *r > 0.0));
        prop_assert_eq!(p.n_intervals(), (n * (n + 1) / 2 - 1) as u64);
        let (a, b) = p.map_interval();
        prop_assert!(a < b && b <= n && (a, b) != (0, n));
        match dir {
            Direction::Up => prop_assert!(p.rate_inside_mean() >= p.rate_outside_mean() - 1e-9),
            Direction::Down => prop_assert!(p.rate_inside_mean() <= p.rate_outside_mean() + 1e-9),
            Direction::Any => {}
        }
    }

    #[test]
    fn up_and_down_mix_to_any(
        counts in proptest::collection::vec(0u32..25, 2..60),
        alpha in 0.05f64..3.0,
    ) {
        // p_any(y) = (p_up(y) + p_down(y)) / 2 for both models, since each
        // order has prior probability 1/2.
        let ep = |d| Episode::params().alpha(alpha).direction(d).fit(&counts).unwrap().log_marginal_likelihood();
        let sw = |d| Switchpoint::params().alpha(alpha).direction(d).fit(&counts).unwrap().log_marginal_likelihood();
        for f in [&ep as &dyn Fn(Direction) -> f64, &sw] {
            let (any, up, down) = (f(Direction::Any), f(Direction::Up), f(Direction::Down));
            prop_assert!((any - ln_mean_exp(up, down)).abs() < 1e-9 * any.abs().max(1.0), "{} {} {}", any, up, down);
        }
    }

    #[test]
    fn reversing_the_series_mirrors_the_episode(counts in proptest::collection::vec(0u32..20, 2..50)) {
        let alpha = 0.4;
        let p = Episode::params().alpha(alpha).fit(&counts).unwrap();
        let rev: Vec<u32> = counts.iter().rev().copied().collect();
        let q = Episode::params().alpha(alpha).fit(&rev).unwrap();
        let n = counts.len();
        prop_assert!((p.log_marginal_likelihood() - q.log_marginal_likelihood()).abs() < 1e-9);
        for t in 0..n {
            prop_assert!((p.start_posterior()[t] - q.end_posterior()[n - 1 - t]).abs() < 1e-9);
        }
    }

    #[test]
    fn pruned_posterior_is_within_its_bound(
        n in 40usize..260,
        start_frac in 0.0f64..0.9,
        len in 1usize..60,
        lo in 0u32..3,
        jump in 0u32..8,
        tol in prop_oneof![Just(1e-3), Just(1e-9)],
        dir in prop_oneof![Just(Direction::Any), Just(Direction::Up)],
    ) {
        let start = (start_frac * n as f64) as usize;
        let end = (start + len).min(n);
        let y = planted(n, start, end, lo, lo + jump);
        let exact = Episode::params().direction(dir).fit(&y).unwrap();
        let fast = Episode::params().direction(dir).tolerance(tol).fit(&y).unwrap();
        let bound = fast.error_bound();
        prop_assert!(bound <= tol);
        let tv = |a: &[f64], b: &[f64]| 0.5 * a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>();
        prop_assert!(tv(exact.start_posterior(), fast.start_posterior()) <= bound + 1e-12);
        prop_assert!(tv(exact.end_posterior(), fast.end_posterior()) <= bound + 1e-12);
        let rel = (fast.log_marginal_likelihood() - exact.log_marginal_likelihood()).abs();
        prop_assert!(rel <= -(1.0 - bound).ln() + 1e-10, "{} {}", rel, bound);
    }
}

#[test]
fn clear_episodes_are_found_and_pruning_pays() {
    let y = planted(2000, 1200, 1260, 1, 9);
    let t0 = std::time::Instant::now();
    let exact = Episode::params().direction(Direction::Up).fit(&y).unwrap();
    let t_exact = t0.elapsed();
    let t0 = std::time::Instant::now();
    let fast = Episode::params()
        .direction(Direction::Up)
        .tolerance(1e-9)
        .fit(&y)
        .unwrap();
    let t_fast = t0.elapsed();
    assert_eq!(exact.map_interval(), (1200, 1260));
    assert_eq!(fast.map_interval(), (1200, 1260));
    assert!(
        fast.intervals_evaluated() * 20 < exact.intervals_evaluated(),
        "{} of {}",
        fast.intervals_evaluated(),
        exact.intervals_evaluated()
    );
    assert!(t_fast < t_exact, "{t_fast:?} vs {t_exact:?}");
}

#[test]
fn bad_parameters_are_errors() {
    use threatstat_changepoint::ChangepointError::Core;
    use threatstat_core::Error;
    fn e<T: std::fmt::Debug>(
        r: Result<T, threatstat_changepoint::ChangepointError>,
    ) -> threatstat_core::Error {
        match r.unwrap_err() {
            Core(e) => e,
        }
    }
    let shape = |e: Error, found: &str| matches!(e, Error::Shape { found: f, .. } if f == found);
    assert!(shape(e(Episode::params().fit(&[3])), "1 day"));
    assert!(matches!(
        e(Episode::params().fit(&[0, 0, 0])),
        Error::Data { what, problem } if what == "counts" && problem.contains("set α explicitly")
    ));
    assert!(matches!(
        Episode::params().alpha(-1.0).fit(&[1, 2]),
        Err(threatstat_changepoint::ChangepointError::Core(
            threatstat_core::Error::Param { name: "alpha", .. }
        ))
    ));
    assert!(matches!(
        Episode::params().min_len(3).max_len(2).fit(&[1, 2, 3, 4]),
        Err(threatstat_changepoint::ChangepointError::Core(
            threatstat_core::Error::Param {
                name: "max_len",
                ..
            }
        ))
    ));
    assert!(matches!(
        e(Episode::params().min_len(4).fit(&[1, 2, 3, 4])),
        Error::Shape { what, found, .. } if what == "the series" && found == "4 days"
    ));
    assert!(matches!(
        e(Episode::params().tolerance(2.0).fit(&[1, 2])),
        Error::Param {
            name: "tolerance",
            ..
        }
    ));
    assert!(matches!(
        e(Episode::params().fit_with_exposures(&[1, 2], &[1.0])),
        Error::Shape { what, found, .. } if what == "exposures" && found == "1 values"
    ));
    for (m, day) in [([1.0, 0.0], "on day 1"), ([f64::NAN, 1.0], "on day 0")] {
        for r in [
            e(Episode::params().fit_with_exposures(&[1, 2], &m)),
            e(Switchpoint::params().fit_with_exposures(&[1, 2], &m)),
        ] {
            assert!(
                matches!(&r, Error::Data { what, problem } if what == "exposures" && problem.ends_with(day)),
                "{r}"
            );
        }
    }
}
