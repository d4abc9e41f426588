//! Times the changepoint batch at the scale: 1,000 users × 500 days,
//! exact posterior and Gibbs with 4 chains × 2,000 draws (1,000 tuning).
//!
//! `cargo run --release -p threatstat-benches --bin changepoint_timing -- [USERS] [DAYS]`

use std::time::Instant;
use threatstat_changepoint::batch::{Method, fit_all};
use threatstat_changepoint::{McmcParams, Switchpoint};

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let users = args.next().unwrap_or(1000);
    let days = args.next().unwrap_or(500);
    let series = threatstat_benches::synthetic_count_series(users, days, 3);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t = Instant::now();
        let r = fit_all(&series, &Switchpoint::params(), Method::Exact, &|| {});
        best = best.min(t.elapsed().as_secs_f64());
        assert!(r.iter().all(Result::is_ok));
    }
    println!(
        "exact: {users} users x {days} days in {:.1} ms (best of 5)",
        best * 1e3
    );
    let t = Instant::now();
    let r = fit_all(
        &series,
        &Switchpoint::params(),
        Method::Mcmc(McmcParams::default()),
        &|| {},
    );
    let secs = t.elapsed().as_secs_f64();
    let worst = r
        .iter()
        .filter_map(|x| x.as_ref().ok()?.r_hat)
        .fold(f64::NAN, f64::max);
    println!(
        "gibbs 4 chains x 2000 draws (+1000 tune): {users} users in {secs:.1} s; largest R-hat {worst:.4}"
    );
}
