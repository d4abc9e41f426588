//! Inputs for threatstat's criterion benches, generated from a seed so every
//! run measures the same work.

use rand::RngExt;
use std::path::Path;
use threatstat_markov::SessionSet;
use threatstat_markov::io::read_sessions_jsonl;
use threatstat_markov::sessionize::UserKeys;

/// The 400 demo Exchange sessions (msticpy's notebook sessionization).
pub fn demo_sessions() -> SessionSet {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/threatstat-markov/tests/fixtures/msticpy/sessions.jsonl");
    read_sessions_jsonl(&p)
        .expect("demo sessions fixture")
        .sessions
}

/// `n` sessions drawn with replacement from the demo sessions (the msticpy
/// performance anchor's workload: 3.34 events per session on average).
pub fn resampled_sessions(n: usize, seed: u64) -> SessionSet {
    let demo = demo_sessions();
    let mut rng = threatstat_core::rng::seeded(seed);
    let mut out = SessionSet::new();
    for _ in 0..n {
        let i = rng.random_range(0..demo.len());
        out.push_from(&demo, i)
            .expect("demo sessions are non-empty");
    }
    out
}

/// Writes `set` as sessions JSON Lines (`session_id` and `events`, as the
/// resample_sessions binary writes them for the Python peer).
pub fn write_sessions_jsonl(set: &SessionSet, path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for i in 0..set.len() {
        let events: Vec<serde_json::Value> = set
            .session_events(i)
            .map(|e| serde_json::json!({"cmd": e.cmd(), "params": e.params().collect::<Vec<_>>()}))
            .collect();
        writeln!(
            w,
            "{}",
            serde_json::json!({"session_id": i, "events": events})
        )?;
    }
    w.flush()
}

/// `n` events of `users` users over 30 days, in random order: user keys and
/// times (ns) ready for sessionizing.
pub fn synthetic_events(n: usize, users: usize, seed: u64) -> (UserKeys, Vec<i64>) {
    let mut rng = threatstat_core::rng::seeded(seed);
    let names: Vec<String> = (0..users).map(|u| format!("user{u:06}")).collect();
    let mut keys = UserKeys::new(1);
    let mut times = Vec::with_capacity(n);
    let span = 30 * 86_400i64 * 1_000_000_000;
    for _ in 0..n {
        keys.push(&[Some(&names[rng.random_range(0..users)])]);
        times.push(rng.random_range(0..span));
    }
    (keys, times)
}

/// `users` daily-count series of `days` days (rates drawn per user; every
/// other user's rate doubles at a random day), for the changepoint benches.
pub fn synthetic_count_series(users: usize, days: usize, seed: u64) -> Vec<Vec<u32>> {
    use rand_distr::{Distribution, Poisson};
    let mut rng = threatstat_core::rng::seeded(seed);
    (0..users)
        .map(|u| {
            let rate: f64 = rng.random_range(1.0..20.0);
            let tau = if u % 2 == 0 {
                rng.random_range(0..days)
            } else {
                days
            };
            let (a, b) = (
                Poisson::new(rate).expect("rate > 0"),
                Poisson::new(2.0 * rate).expect("rate > 0"),
            );
            (0..days)
                .map(|t| if t < tau { a.sample(&mut rng) } else { b.sample(&mut rng) } as u32)
                .collect()
        })
        .collect()
}
