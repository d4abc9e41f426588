//! Markov hot paths: fit + window-3 rarest-window scoring of 10^6 sessions
//! resampled from the demo Exchange sessions, per session type;
//! sessionizing 10^7 events; reading 10^5 resampled sessions from JSON
//! Lines per session type, beside the floor of any JSONL reader (reading
//! the file and finding its line ends); reading the same sessions from
//! Parquet and Arrow IPC (`markov convert`'s layout) per session type.
//!
//! `cargo bench -p threatstat-benches --bench markov`
//! (`THREATSTAT_BENCH_SESSIONS` / `THREATSTAT_BENCH_EVENTS` /
//! `THREATSTAT_BENCH_READ_SESSIONS` change the sizes.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use threatstat_benches::{resampled_sessions, synthetic_events, write_sessions_jsonl};
use threatstat_core::BadRowPolicy;
use threatstat_core::{Fit, ParamGuard};
use threatstat_markov::columnar::{read_sessions as read_columnar_sessions, write_sessions};
use threatstat_markov::io::read_sessions_jsonl_for;
use threatstat_markov::sessionize::SessionizeParams;
use threatstat_markov::{MarkovModel, SessionType, WindowOptions};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fit_score(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_SESSIONS", 1_000_000);
    let sessions = resampled_sessions(n, 7);
    let mut g = c.benchmark_group(format!("markov_fit_score_w3_{n}_sessions"));
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.throughput(Throughput::Elements(n as u64));
    for t in [
        SessionType::Cmds,
        SessionType::CmdsParams,
        SessionType::CmdsParamsValues,
    ] {
        g.bench_function(t.msticpy_name(), |b| {
            b.iter(|| {
                let m = MarkovModel::params()
                    .session_type(t)
                    .fit(black_box(&sessions))
                    .unwrap();
                m.rarest_windows(&sessions, &WindowOptions::new(3)).unwrap()
            })
        });
    }
    g.finish();
}

fn sessionize(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_EVENTS", 10_000_000);
    let (users, times) = synthetic_events(n, 10_000, 11);
    let p = SessionizeParams::new(20.0, 2.0).check().unwrap();
    let mut g = c.benchmark_group(format!("markov_sessionize_{n}_events"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("split", |b| {
        b.iter(|| p.split(black_box(&users), black_box(&times)).unwrap())
    });
    g.finish();
}

fn read_sessions(c: &mut Criterion) {
    let n = size("THREATSTAT_BENCH_READ_SESSIONS", 100_000);
    let path = std::env::temp_dir().join(format!("threatstat-bench-sessions-{n}.jsonl"));
    write_sessions_jsonl(&resampled_sessions(n, 7), &path).expect("write the sessions");
    let bytes = std::fs::metadata(&path).expect("sessions file").len();
    let mut g = c.benchmark_group(format!("markov_read_sessions_jsonl_{n}_sessions"));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("floor_read_and_count_lines", |b| {
        b.iter(|| {
            let text = std::fs::read(black_box(&path)).unwrap();
            memchr::memchr_iter(b'\n', &text).count()
        })
    });
    for t in [
        SessionType::Cmds,
        SessionType::CmdsParams,
        SessionType::CmdsParamsValues,
    ] {
        g.bench_function(t.msticpy_name(), |b| {
            b.iter(|| read_sessions_jsonl_for(black_box(&path), BadRowPolicy::Error, t).unwrap())
        });
    }
    g.finish();
    read_columnar(c, n, &path);
    let _ = std::fs::remove_file(&path);
}

/// The sessions of the JSON Lines file `jsonl` (`n` of them) read from
/// Parquet and Arrow IPC copies, per session type.
fn read_columnar(c: &mut Criterion, n: usize, jsonl: &std::path::Path) {
    let file = threatstat_markov::io::read_sessions_jsonl(jsonl).expect("the sessions");
    for ext in ["parquet", "arrow"] {
        let path = jsonl.with_extension(ext);
        write_sessions(&path, &file).expect("write the columnar sessions");
        let bytes = std::fs::metadata(&path).expect("sessions file").len();
        let mut g = c.benchmark_group(format!("markov_read_sessions_{ext}_{n}_sessions"));
        g.sample_size(10).measurement_time(Duration::from_secs(10));
        g.throughput(Throughput::Bytes(bytes));
        for t in [
            SessionType::Cmds,
            SessionType::CmdsParams,
            SessionType::CmdsParamsValues,
        ] {
            g.bench_function(t.msticpy_name(), |b| {
                b.iter(|| read_columnar_sessions(black_box(&path), Some(t)).unwrap())
            });
        }
        g.finish();
        let _ = std::fs::remove_file(&path);
    }
}

criterion_group!(benches, fit_score, sessionize, read_sessions);
criterion_main!(benches);
