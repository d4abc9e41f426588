//! Wall time of the fits of every model on 1,000 synthetic users × 500
//! days (all cores; the first argument overrides the number of users):
//! `cargo run --release -p threatstat-changepoint --example fit_timing [users]`.
//!
//! On the 2-core development machine: switchpoint 0.01 s, switchpoint up
//! 0.2 s, episode 1.5 s, episode up 17.5 s, segmentation 3.1 s.

use std::time::Instant;
use threatstat_changepoint::Direction;
use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_models};

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
}
