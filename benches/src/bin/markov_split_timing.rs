//! Times fit and scoring separately (median of repeated runs), for profiling.
//!
//! `cargo run --release -p threatstat-benches --bin markov_split_timing -- N`

use std::time::Instant;
use threatstat_core::Fit;
use threatstat_core::numerics::median;
use threatstat_markov::{MarkovModel, SessionType, WindowOptions};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let sessions = threatstat_benches::resampled_sessions(n, 7);
    for t in [
        SessionType::Cmds,
        SessionType::CmdsParams,
        SessionType::CmdsParamsValues,
    ] {
        let (mut fit, mut score) = (Vec::new(), Vec::new());
        for _ in 0..9 {
            let t0 = Instant::now();
            let m = MarkovModel::params()
                .session_type(t)
                .fit(&sessions)
                .unwrap();
            let t1 = Instant::now();
            let r = m.rarest_windows(&sessions, &WindowOptions::new(3)).unwrap();
            let t2 = Instant::now();
            std::hint::black_box(r);
            fit.push((t1 - t0).as_secs_f64());
            score.push((t2 - t1).as_secs_f64());
        }
        // 9 runs: the middle one, as the local copy this replaced took.
        let (f, s) = (median(&mut fit), median(&mut score));
        println!(
            "{}: {n} sessions, fit {:.1} ms, score {:.1} ms, total {:.1} ms, {:.2} M sessions/s",
            t.msticpy_name(),
            f * 1e3,
            s * 1e3,
            (f + s) * 1e3,
            n as f64 / (f + s) / 1e6
        );
    }
}
