//! The closed forms against brute force: every change position enumerated
//! and both rates integrated numerically (nested Gauss–Legendre quadrature
//! over the ordered region for a direction), on short series with exposures.

use crate::numerics::integrate;
use crate::{ChangePosterior, Direction, Episode, Switchpoint};

const TOP: f64 = 60.0;

/// `ln Π_t Poisson(y_t; λ m_t)` over days `days`.
fn ln_lik(y: &[u32], m: &[f64], days: impl Iterator<Item = usize>, lambda: f64) -> f64 {
    days.map(|t| {
        let mu = lambda * m[t];
        f64::from(y[t]) * mu.ln() - mu - crate::exact::ln_factorial(u64::from(y[t]))
    })
    .sum()
}

/// `∫∫ p(y | λ_old on old days, λ_new on new days) α² e^{-α(λ_old+λ_new)}`
/// over the region of the direction, times the prior renormalisation 2.
fn brute_marginal(
    y: &[u32],
    m: &[f64],
    is_new: &dyn Fn(usize) -> bool,
    alpha: f64,
    dir: Direction,
) -> f64 {
    let n = y.len();
    let old =
        |l: f64| (ln_lik(y, m, (0..n).filter(|&t| !is_new(t)), l) + alpha.ln() - alpha * l).exp();
    let new =
        |l: f64| (ln_lik(y, m, (0..n).filter(|&t| is_new(t)), l) + alpha.ln() - alpha * l).exp();
    match dir {
        Direction::Any => integrate(old, 0.0, TOP) * integrate(new, 0.0, TOP),
        // λ_new > λ_old: for each λ_new, λ_old in (0, λ_new).
        Direction::Up => 2.0 * integrate(|ln| new(ln) * integrate(old, 0.0, ln), 0.0, TOP),
        Direction::Down => 2.0 * integrate(|ln| new(ln) * integrate(old, ln, TOP), 0.0, TOP),
    }
}

const Y: [u32; 5] = [1, 0, 3, 4, 1];
const M: [f64; 5] = [1.0, 0.5, 1.5, 1.0, 0.8];
const ALPHA: f64 = 0.6;

#[test]
fn episode_posterior_matches_enumeration_and_quadrature() {
    let n = Y.len();
    for dir in [Direction::Any, Direction::Up, Direction::Down] {
        let post = Episode::params()
            .alpha(ALPHA)
            .direction(dir)
            .fit_with_exposures(&Y, &M)
            .unwrap();
        let mut pairs = Vec::new();
        for a in 0..n {
            for b in a + 1..=n {
                if (a, b) != (0, n) {
                    let is_new = move |t: usize| a <= t && t < b;
                    pairs.push((a, b, brute_marginal(&Y, &M, &is_new, ALPHA, dir)));
                }
            }
        }
        let z: f64 = pairs.iter().map(|p| p.2).sum();
        let log_marginal = (z / pairs.len() as f64).ln();
        assert!(
            (post.log_marginal_likelihood() - log_marginal).abs() < 1e-9,
            "{dir:?}: {} vs {log_marginal}",
            post.log_marginal_likelihood()
        );
        let mut start = vec![0.0; n];
        let mut end = vec![0.0; n];
        let mut inside = vec![0.0; n];
        for &(a, b, w) in &pairs {
            start[a] += w / z;
            end[b - 1] += w / z;
            for x in &mut inside[a..b] {
                *x += w / z;
            }
        }
        for t in 0..n {
            assert!(
                (post.start_posterior()[t] - start[t]).abs() < 1e-9,
                "{dir:?} start {t}"
            );
            assert!(
                (post.end_posterior()[t] - end[t]).abs() < 1e-9,
                "{dir:?} end {t}"
            );
            assert!(
                (post.inside_probability()[t] - inside[t]).abs() < 1e-9,
                "{dir:?} in {t}"
            );
        }
        let best = pairs.iter().max_by(|x, y| x.2.total_cmp(&y.2)).unwrap();
        assert_eq!(post.map_interval(), (best.0, best.1), "{dir:?}");
        assert!((post.map_probability() - best.2 / z).abs() < 1e-9);
    }
}

#[test]
fn episode_rate_means_match_quadrature() {
    // E[λ inside | y] for the up-restricted model by quadrature, interval by interval.
    let n = Y.len();
    let post = Episode::params()
        .alpha(ALPHA)
        .direction(Direction::Up)
        .fit_with_exposures(&Y, &M)
        .unwrap();
    let (mut z, mut e1) = (0.0, 0.0);
    for a in 0..n {
        for b in a + 1..=n {
            if (a, b) == (0, n) {
                continue;
            }
            let old = |l: f64| {
                (ln_lik(&Y, &M, (0..n).filter(|&t| !(a..b).contains(&t)), l) - ALPHA * l).exp()
            };
            let new = |l: f64| (ln_lik(&Y, &M, a..b, l) - ALPHA * l).exp();
            z += integrate(|ln| new(ln) * integrate(old, 0.0, ln), 0.0, TOP);
            e1 += integrate(|ln| ln * new(ln) * integrate(old, 0.0, ln), 0.0, TOP);
        }
    }
    assert!(
        (post.rate_inside_mean() - e1 / z).abs() < 1e-8,
        "{} {}",
        post.rate_inside_mean(),
        e1 / z
    );
}

#[test]
fn switchpoint_with_direction_and_exposures_matches_quadrature() {
    let n = Y.len();
    for dir in [Direction::Any, Direction::Up, Direction::Down] {
        let post = Switchpoint::params()
            .alpha(ALPHA)
            .direction(dir)
            .fit_with_exposures(&Y, &M)
            .unwrap();
        let w: Vec<f64> = (0..n)
            .map(|k| brute_marginal(&Y, &M, &move |t| t >= k, ALPHA, dir))
            .collect();
        let z: f64 = w.iter().sum();
        for (k, (p, wk)) in post.tau_posterior().iter().zip(&w).enumerate() {
            assert!((p - wk / z).abs() < 1e-9, "{dir:?} {k}");
        }
        let lm = (z / n as f64).ln();
        assert!(
            (post.log_marginal_likelihood() - lm).abs() < 1e-9,
            "{dir:?}"
        );
    }
}

#[test]
fn restricted_switchpoint_interval_has_its_probability() {
    let y = [3, 4, 2, 5, 3, 4, 6, 7, 5, 6];
    let p = Switchpoint::params()
        .direction(Direction::Up)
        .fit(&y)
        .unwrap();
    let i = p.lambda_2_interval(0.9).unwrap();
    assert!((p.lambda_2_cdf(i.high) - p.lambda_2_cdf(i.low) - 0.9).abs() < 1e-6);
    assert!(i.low < p.lambda_2_mean() && p.lambda_2_mean() < i.high);
    assert!((p.lambda_1_cdf(1e6) - 1.0).abs() < 1e-9);
}
