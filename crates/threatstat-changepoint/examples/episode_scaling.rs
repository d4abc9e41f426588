//! Cost of the bounded-error episode approximation against the series
//! length, on a diffuse posterior (no change) and a peaked one (a clear
//! episode), with the errors against the exact posterior where that is
//! affordable:
//! `cargo run --release -p threatstat-changepoint --example episode_scaling [epsilon]`.
//!
//! Columns: days, series, direction, intervals (n²/2), intervals evaluated
//! exactly, blocks summed in closed form, work (their sum) per day, the
//! reported bound, and (n <= 10,000) the measured total-variation error of
//! the start marginal and the relative error of the marginal likelihood,
//! and both wall times.

use rand_distr::{Distribution, Poisson};
use std::time::Instant;
use threatstat_changepoint::{Direction, Episode};

/// Poisson counts with rate `base`, plus `jump` in days `start..end`.
fn series(n: usize, base: f64, jump: f64, start: usize, end: usize, seed: u64) -> Vec<u32> {
    let mut rng = threatstat_core::rng::seeded(seed);
    (0..n)
        .map(|t| {
            let r = base + if (start..end).contains(&t) { jump } else { 0.0 };
            Poisson::new(r).expect("rate > 0").sample(&mut rng) as u32
        })
        .collect()
}

fn main() {
    let eps: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.01);
    println!("epsilon {eps}");
    println!(
        "{:>6} {:8} {:4} {:>12} {:>10} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8}",
        "days",
        "series",
        "dir",
        "intervals",
        "exact",
        "blocks",
        "work/day",
        "bound",
        "tv start",
        "rel Z",
        "t approx",
        "t exact"
    );
    for n in [500usize, 2_000, 10_000, 50_000] {
        for (kind, y) in [
            ("diffuse", series(n, 2.0, 0.0, 0, 0, 7)),
            (
                "peaked",
                series(n, 2.0, 2.0, n * 3 / 5, n * 3 / 5 + n / 30, 7),
            ),
        ] {
            for dir in [Direction::Any, Direction::Up] {
                let t0 = Instant::now();
                let fast = Episode::params()
                    .direction(dir)
                    .approximate(eps)
                    .approximate_from(0)
                    .fit(&y)
                    .unwrap();
                let t_fast = t0.elapsed().as_secs_f64();
                let (mut tv, mut rel, mut t_exact) = (f64::NAN, f64::NAN, f64::NAN);
                if n <= 10_000 {
                    let t0 = Instant::now();
                    let exact = Episode::params().direction(dir).fit(&y).unwrap();
                    t_exact = t0.elapsed().as_secs_f64();
                    tv = 0.5
                        * exact
                            .start_posterior()
                            .iter()
                            .zip(fast.start_posterior())
                            .map(|(p, q)| (p - q).abs())
                            .sum::<f64>();
                    rel =
                        (fast.log_marginal_likelihood() - exact.log_marginal_likelihood()).exp_m1();
                }
                let work = fast.intervals_evaluated() + fast.approximated_blocks();
                println!(
                    "{n:>6} {kind:8} {:4} {:>12} {:>10} {:>8} {:>8.1} {:>9.2e} {:>9.2e} {:>9.2e} {:>8.3} {:>8.3}",
                    dir.name(),
                    fast.n_intervals(),
                    fast.intervals_evaluated(),
                    fast.approximated_blocks(),
                    work as f64 / n as f64,
                    fast.error_bound(),
                    tv,
                    rel,
                    t_fast,
                    t_exact
                );
            }
        }
    }
}
