//! The exact switchpoint at 10^5 days, timed as `changepoint fit --method
//! exact` computes it (posterior, then the file's summaries: means, exact
//! 94% HDIs of both rates and of τ). Run optimised:
//! `cargo test --release -p threatstat-changepoint --test exact_timing -- --ignored --nocapture`.

use rand_distr::{Distribution, Poisson};
use std::time::Instant;
use threatstat_changepoint::Switchpoint;
use threatstat_changepoint::file::SwitchpointFile;

#[test]
#[ignore]
fn exact_at_a_hundred_thousand_days() {
    // As benches/peers/compare.py: Poisson(10) for 60% of the days, then 13.
    let n = 100_000;
    let mut rng = threatstat_core::rng::seeded(n as u64);
    let counts: Vec<u32> = (0..n)
        .map(|t| {
            let l = if t < 6 * n / 10 { 10.0 } else { 13.0 };
            Poisson::new(l).unwrap().sample(&mut rng) as u32
        })
        .collect();
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let t = Instant::now();
        let post = Switchpoint::params().fit(&counts).unwrap();
        let fit = t.elapsed().as_secs_f64();
        let file = SwitchpointFile::new(&post, None, None).unwrap();
        let all = t.elapsed().as_secs_f64();
        std::hint::black_box(&file);
        let t2 = Instant::now();
        let eti = post.lambda_1_interval(0.94).unwrap();
        let t_eti = t2.elapsed().as_secs_f64();
        let t3 = Instant::now();
        let hdi = post.lambda_1_hdi(0.94).unwrap();
        let t_hdi = t3.elapsed().as_secs_f64();
        eprintln!(
            "fit {:.2} ms, with summaries {:.2} ms; λ1 ETI {:.2} ms {eti:?}, HDI {:.2} ms {hdi:?}; P(MAP) {}",
            fit * 1e3,
            all * 1e3,
            t_eti * 1e3,
            t_hdi * 1e3,
            post.map_probability()
        );
        best = best.min(all);
    }
    eprintln!("best of 7: {:.2} ms", best * 1e3);
}
