//! Changepoint hot paths: the exact posterior of 1,000 users × 500 days, and
//! Gibbs (4 chains × 2,000 draws after 1,000 tuning steps) for a slice of
//! them (the full 1,000-user Gibbs run is timed by the `changepoint_timing`
//! binary, as it takes seconds per iteration).
//!
//! The episode (exact O(n²), unrestricted and increase-only), the exact
//! segmentation and the online detector run on 100 users × 500 days.
//!
//! The episode approximation with error bound 0.01
//! (`EpisodeParams::approximate`) against the exact O(n²) fit on the same
//! 100 users × 500 days (where it falls back to the exact computation), and
//! on one series of 20,000 days with and without an episode. Measured with
//! `--quick` on the shared 2-core machine: no change, exact 9.4 s,
//! approximate 7.0 s; with an episode, exact 7.9 s, approximate 0.18 s
//! (increase-only 1.9 s; with no change it took 300 s, so it is not a case
//! here).
//!
//! One long series, as `changepoint fit --method exact` fits it (the
//! posterior and both 94% intervals, which the posterior file holds): 10^4
//! and 10^5 days of Poisson(10) then, from 60% of the days, Poisson(13)
//! (the series of benches/peers/compare.py, drawn with another generator).
//! Measured with `--quick` on the shared 2-core machine (load ~12), with
//! the O(1) Gamma CDF deciding the intervals' bisection steps: 10^4 days
//! 16.6 ms, 10^5 days 23.9 ms (the 10^4-day posterior of τ is more
//! diffuse, P(MAP) = 0.137 against 0.366, so more mixture components
//! carry weight). Before it, the whole
//! `changepoint fit` process on the 10^5-day series took 190 ms of CPU.
//!
//! `cargo bench -p threatstat-benches --bench changepoint`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use threatstat_benches::synthetic_count_series;
use threatstat_changepoint::batch::{
    Method, ModelKind, ModelSpec, fit_all, fit_episodes, fit_models,
};
use threatstat_changepoint::{Direction, Episode, McmcParams, OnlineDetector, Switchpoint};

fn exact(c: &mut Criterion) {
    let series = synthetic_count_series(1000, 500, 3);
    let mut g = c.benchmark_group("changepoint_exact_1000_users_500_days");
    g.throughput(Throughput::Elements(series.len() as u64));
    g.bench_function("all_users", |b| {
        b.iter(|| {
            fit_all(
                black_box(&series),
                &Switchpoint::params(),
                Method::Exact,
                &|| {},
            )
        })
    });
    g.finish();
}

fn exact_one_long_series(c: &mut Criterion) {
    use rand_distr::{Distribution, Poisson};
    use threatstat_changepoint::file::PosteriorFile;
    let mut g = c.benchmark_group("changepoint_exact_one_series");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    // 1,000 days: the HDIs on the Temme path from shape 1,000; 10^5: the
    // benchmark row against NumPy (BENCHMARKS.md).
    for n in [1_000usize, 10_000, 100_000] {
        let mut rng = threatstat_core::rng::seeded(n as u64);
        let (a, b) = (Poisson::new(10.0).unwrap(), Poisson::new(13.0).unwrap());
        let y: Vec<u32> = (0..n)
            .map(|t| if t < n * 6 / 10 { a.sample(&mut rng) } else { b.sample(&mut rng) } as u32)
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{n}_days_with_intervals"), |bch| {
            bch.iter(|| {
                let post = Switchpoint::params().fit(black_box(&y)).unwrap();
                PosteriorFile::switchpoint(&post, None, None).unwrap()
            })
        });
        // The posterior file's JSON (p(τ) once, arrays on one line).
        let post = Switchpoint::params().fit(&y).unwrap();
        let file = PosteriorFile::switchpoint(&post, None, None).unwrap();
        g.bench_function(format!("{n}_days_posterior_file_json"), |bch| {
            bch.iter(|| {
                let mut out = Vec::new();
                black_box(&file).write_json(&mut out).unwrap();
                out
            })
        });
    }
    g.finish();
}

fn gibbs(c: &mut Criterion) {
    let series = synthetic_count_series(20, 500, 4);
    let mut g = c.benchmark_group("changepoint_gibbs_4x2000_20_users_500_days");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(series.len() as u64));
    let m = Method::Mcmc(McmcParams::default());
    g.bench_function("all_users", |b| {
        b.iter(|| fit_all(black_box(&series), &Switchpoint::params(), m, &|| {}))
    });
    g.finish();
}

fn episode_and_segments(c: &mut Criterion) {
    let series = synthetic_count_series(100, 500, 5);
    let mut g = c.benchmark_group("changepoint_models_100_users_500_days");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(series.len() as u64));
    let specs = [
        (
            "episode_any",
            ModelSpec {
                model: ModelKind::Episode,
                ..Default::default()
            },
        ),
        (
            "episode_up",
            ModelSpec {
                model: ModelKind::Episode,
                direction: Direction::Up,
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
    for (name, spec) in specs {
        g.bench_function(name, |b| {
            b.iter(|| fit_models(black_box(&series), None, &spec, &|| {}))
        });
    }
    g.bench_function("online_detector", |b| {
        b.iter(|| {
            series
                .iter()
                .filter_map(|s| {
                    OnlineDetector::params()
                        .max_runs(100)
                        .run(black_box(s))
                        .ok()
                })
                .map(|r| r.detected_changes.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

fn episode_approximation(c: &mut Criterion) {
    let series = synthetic_count_series(100, 500, 5);
    let mut g = c.benchmark_group("changepoint_episode_approx_100_users_500_days");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(series.len() as u64));
    for (name, params) in [
        ("any_approx_0.01", Episode::params().approximate(0.01)),
        (
            "up_approx_0.01",
            Episode::params().direction(Direction::Up).approximate(0.01),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| fit_episodes(black_box(&series), &params, &|| {}))
        });
    }
    g.finish();

    // The second series of the generator has no change; a copy gets an
    // episode of +2 a day on 2% of the days.
    let long = synthetic_count_series(2, 20_000, 6);
    let mut peaked = long[1].clone();
    peaked[12_000..12_400].iter_mut().for_each(|c| *c += 2);
    let mut g = c.benchmark_group("changepoint_episode_1_user_20000_days");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (kind, y) in [("diffuse", &long[1]), ("peaked", &peaked)] {
        let mut runs = vec![
            ("any_exact", Episode::params()),
            ("any_approx_0.01", Episode::params().approximate(0.01)),
        ];
        // The increase-only fit of the diffuse series takes minutes even
        // approximated (an incomplete beta function per interval near the
        // diagonal); fit_timing times it once.
        if kind == "peaked" {
            runs.push((
                "up_approx_0.01",
                Episode::params().direction(Direction::Up).approximate(0.01),
            ));
        }
        for (name, params) in runs {
            g.bench_function(format!("{kind}_{name}"), |b| {
                b.iter(|| params.fit(black_box(y)))
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    exact,
    exact_one_long_series,
    gibbs,
    episode_and_segments,
    episode_approximation
);
criterion_main!(benches);
