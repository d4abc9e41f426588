//! Wall time of the fits of every model on 1,000 synthetic users × 500
//! days (all cores; the first argument overrides the number of users),
//! then of the episode model, exact and approximate
//! ([`threatstat_changepoint::EpisodeParams::approximate`]), on one long
//! series (the second argument, default 50,000 days; 0 skips it; the exact
//! increase-only fit is skipped above 20,000 days, as it takes about half an
//! hour at 50,000):
//! `cargo run --release -p threatstat-changepoint --example fit_timing [users] [days]`.
//!
//! On the 2-core development machine: switchpoint 0.01 s, switchpoint up
//! 0.2 s, episode 1.5 s, episode up 17.5 s, segmentation 3.1 s. The
//! approximate episode fits equal the exact ones at 500 days (series
//! shorter than 1,000 days are computed exactly). One series of 50,000
//! days (`fit_timing 20 50000`, machine shared with other jobs): no change,
//! unrestricted: exact 48.6 s, ε = 0.01 23.5 s, ε = 0.05 8.2 s;
//! increase-only: ε = 0.05 159 s (exact about 40 min, not run); with an
//! episode: exact 48 s, approximate 0.06 s (unrestricted) and 0.24 s
//! (increase-only).

use rand_distr::{Distribution, Poisson};
use std::time::Instant;
use threatstat_changepoint::batch::fit_rows;
use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_episodes, fit_models};
use threatstat_changepoint::{ChangeModel, Direction, Episode};

/// Times [`fit_rows`] of `model` over the rows of `matrix`.
fn time_rows<M>(name: &str, model: &M, matrix: &ndarray::Array2<u32>)
where
    M: ChangeModel + Sync,
    M::Posterior: Send,
{
    let t0 = Instant::now();
    let fits = fit_rows(model, matrix.view(), None, &|| {}).expect("no exposures");
    let ok = fits.iter().filter(|f| f.is_ok()).count();
    println!(
        "{name:28} {} users x {} days: {:.3} s ({ok} fitted)",
        matrix.nrows(),
        matrix.ncols(),
        t0.elapsed().as_secs_f64()
    );
}

fn main() {
    // Poisson-like counts from a fixed linear congruential stream, rate 0.5..3,
    // with an episode for every tenth user.
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let users: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let long_days: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let days = 500;
    let series: Vec<Vec<u32>> = (0..users)
        .map(|u| {
            let rate = 0.5 + 2.5 * next();
            (0..days)
                .map(|t| {
                    let r = if u % 10 == 0 && (200..260).contains(&t) {
                        rate + 2.0
                    } else {
                        rate
                    };
                    // Poisson by inversion.
                    let (mut k, mut p, mut c) = (0u32, (-r).exp(), 0.0);
                    let x = next();
                    c += p;
                    while x > c && k < 100 {
                        k += 1;
                        p *= r / f64::from(k);
                        c += p;
                    }
                    k
                })
                .collect()
        })
        .collect();
    let runs = [
        ("switchpoint any", ModelSpec::default()),
        (
            "switchpoint up",
            ModelSpec {
                direction: Direction::Up,
                ..Default::default()
            },
        ),
        (
            "episode any (exact)",
            ModelSpec {
                model: ModelKind::Episode,
                ..Default::default()
            },
        ),
        (
            "episode up (exact)",
            ModelSpec {
                model: ModelKind::Episode,
                direction: Direction::Up,
                ..Default::default()
            },
        ),
        (
            "episode up (pruned 1e-6)",
            ModelSpec {
                model: ModelKind::Episode,
                direction: Direction::Up,
                tolerance: Some(1e-6),
                ..Default::default()
            },
        ),
        (
            "segments",
            ModelSpec {
                model: ModelKind::Segments,
                ..Default::default()
            },
        ),
    ];
    println!("{} threads", rayon::current_num_threads());
    for (name, spec) in runs {
        let t0 = Instant::now();
        let fits = fit_models(&series, None, &spec, &|| {});
        let ok = fits.iter().filter(|f| f.is_ok()).count();
        println!(
            "{name:28} {users} users x {days} days: {:.3} s ({ok} fitted)",
            t0.elapsed().as_secs_f64()
        );
    }
    // The same fits through the model trait over the rows of a users ×
    // days array (posteriors kept, no per-user summary).
    let matrix = ndarray::Array2::from_shape_fn((users, days), |(u, t)| series[u][t]);
    let up = ModelSpec {
        direction: Direction::Up,
        ..Default::default()
    };
    time_rows(
        "rows: switchpoint any",
        &ModelSpec::default()
            .switchpoint_params()
            .expect("no empirical-Bayes α"),
        &matrix,
    );
    time_rows(
        "rows: switchpoint up",
        &up.switchpoint_params().expect("no empirical-Bayes α"),
        &matrix,
    );
    time_rows("rows: episode any (exact)", &Episode::params(), &matrix);
    time_rows(
        "rows: episode up (exact)",
        &up.episode_params().expect("no empirical-Bayes α"),
        &matrix,
    );
    time_rows(
        "rows: segments",
        &ModelSpec::default()
            .segmentation_params()
            .expect("no empirical-Bayes α"),
        &matrix,
    );
    for (name, params) in [
        (
            "episode any (approx 0.01)",
            Episode::params().approximate(0.01),
        ),
        (
            "episode up (approx 0.01)",
            Episode::params().direction(Direction::Up).approximate(0.01),
        ),
        (
            "episode up (approx 0.05)",
            Episode::params().direction(Direction::Up).approximate(0.05),
        ),
    ] {
        let t0 = Instant::now();
        let fits = fit_episodes(&series, &params, &|| {});
        let worst = fits
            .iter()
            .filter_map(|f| f.as_ref().ok())
            .map(|f| f.error_bound())
            .fold(0.0, f64::max);
        println!(
            "{name:28} {users} users x {days} days: {:.3} s (largest bound {worst:.1e})",
            t0.elapsed().as_secs_f64()
        );
    }
    if long_days == 0 {
        return;
    }
    // One long series: a rate of 2 a day, and a second one with an episode
    // of +1 a day for 2% of the days.
    let long = |jump: f64| -> Vec<u32> {
        let mut rng = threatstat_core::rng::seeded(7);
        let episode = long_days * 3 / 5..long_days * 31 / 50;
        (0..long_days)
            .map(|t| {
                let r = 2.0 + if episode.contains(&t) { jump } else { 0.0 };
                Poisson::new(r).expect("rate > 0").sample(&mut rng) as u32
            })
            .collect()
    };
    for (kind, y) in [("no change", long(0.0)), ("episode", long(1.0))] {
        for dir in [Direction::Any, Direction::Up] {
            let mut runs = vec![
                (
                    "approx 0.05",
                    Episode::params().direction(dir).approximate(0.05),
                ),
                (
                    "approx 0.01",
                    Episode::params().direction(dir).approximate(0.01),
                ),
            ];
            if dir == Direction::Any || long_days <= 20_000 {
                runs.push(("exact", Episode::params().direction(dir)));
            }
            for (name, params) in runs {
                let t0 = Instant::now();
                let p = params.fit(&y).expect("a valid series");
                println!(
                    "episode {:3} {name:11} 1 user x {long_days} days, {kind:9}: {:.2} s \
                     (bound {:.1e}, {} intervals evaluated, {} blocks, MAP {:?})",
                    dir.name(),
                    t0.elapsed().as_secs_f64(),
                    p.error_bound(),
                    p.intervals_evaluated(),
                    p.approximated_blocks(),
                    p.map_interval()
                );
            }
        }
    }
}
