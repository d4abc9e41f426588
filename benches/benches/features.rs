//! Session-feature hot paths on 10^6 authentication lines (the featuretools
//! demo's `CyberFLTenDays.csv` format, generated with every benign line
//! kept; about 12,000 sessions):
//!
//! * reading the CSV text (parsing, interning, label checks);
//! * the entity set (name/host pairs and sessions, time-sorted);
//! * cutoff labels (N = 2, L = 2, W = 10), Deep Feature Synthesis at depth 3
//!   (featuretools 1.31's 116 features), one-hot encoding and removal of
//!   low-information columns: "feature computation", which the issue asks
//!   to finish in under 10 s on 2 cores (the featuretools demo took 26
//!   minutes on 10^5 rows).
//!
//! `cargo bench -p threatstat-benches --bench features`
//! (`THREATSTAT_BENCH_FEATURES_USERS` changes the number of generated users;
//! 2,860 users over 10 days give about 10^6 lines.)

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;
use std::time::Duration;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{CyberFlOptions, LanlGenerator};
use threatstat_features::dfs::Dfs;
use threatstat_features::encode::one_hot;
use threatstat_features::entity::{EntitySet, LabelTimes};
use threatstat_features::log::AuthLog;

fn users() -> usize {
    std::env::var("THREATSTAT_BENCH_FEATURES_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_860)
}

fn text(users: usize) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    let s = LanlGenerator::new()
        .users(users)
        .days(10)
        .seed(1)
        .write_cyberfl(&mut out, CyberFlOptions::default())
        .expect("generated lines");
    (out, s.written)
}

fn read(text: &[u8]) -> AuthLog {
    let reader = Box::new(Cursor::new(text.to_vec()));
    AuthLog::from_reader(Path::new("bench.csv"), reader, BadRowPolicy::Error)
        .expect("generated lines parse")
        .0
}

fn features(es: &EntitySet) -> usize {
    let labels = LabelTimes::params()
        .generate(es)
        .expect("default label params");
    let fm = Dfs::params()
        .depth(3)
        .compute(es, &labels)
        .expect("depth 3 DFS");
    one_hot(&fm).remove_low_information().n_cols()
}

fn bench(c: &mut Criterion) {
    let (text, rows) = text(users());
    let log = read(&text);
    let es = EntitySet::new(log.clone());
    eprintln!(
        "features bench: {rows} lines, {} sessions, {} design columns",
        es.n_sessions(),
        features(&es)
    );
    let mut g = c.benchmark_group(format!("features_{rows}_rows"));
    g.throughput(Throughput::Elements(rows));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("read_csv", |b| b.iter(|| black_box(read(&text)).len()));
    g.bench_function("entity_set", |b| {
        b.iter(|| EntitySet::new(black_box(log.clone())).n_sessions())
    });
    g.bench_function("labels_dfs_depth3_encode", |b| {
        b.iter(|| features(black_box(&es)))
    });
    g.bench_function("end_to_end_from_text", |b| {
        b.iter(|| features(&EntitySet::new(read(black_box(&text)))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
