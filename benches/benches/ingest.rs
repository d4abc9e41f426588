//! Ingestion hot paths: the LANL `auth.txt` parse (`ParallelScan` with 1
//! and 2 workers, positioned reads, a per-user count as the fold), the CERT
//! `logon.csv` loader, and the CloudTrail JSON loader on one thread and on
//! all cores (`load_parallel`). Inputs are generated once into the system
//! temp dir and read from the page cache.
//!
//! `cargo bench -p threatstat-benches --bench ingest`
//! (`THREATSTAT_BENCH_LANL_USERS`, default 400 users × 20 days, about 0.9 M
//! lines; `THREATSTAT_BENCH_CT_DAYS`, default 30 daily CloudTrail files.)
//! Whole-file rates beside `wc -l`: `examples/scan_ab`, `examples/lanl_scan`
//! and `examples/ingest_rates` of `threatstat-datasets`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;
use threatstat_datasets::cert::{LogonGenerator, LogonLoader};
use threatstat_datasets::cloudtrail::{CloudTrailGenerator, CloudTrailLoader};
use threatstat_datasets::lanl::{AuthEvent, LanlGenerator, Names, ParallelScan};

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-bench-ingest-{what}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn count(acc: &mut Vec<u64>, _: &Names, ev: &AuthEvent) {
    if let Some(u) = ev.src_user {
        if acc.len() <= u.index() {
            acc.resize(u.index() + 1, 0);
        }
        acc[u.index()] += 1;
    }
}

fn lanl(c: &mut Criterion) {
    let d = dir("lanl");
    let truth = LanlGenerator::new()
        .users(size("THREATSTAT_BENCH_LANL_USERS", 400))
        .days(20)
        .seed(1)
        .write_files(&d)
        .expect("generate LANL");
    let auth = d.join("auth.txt");
    let mut g = c.benchmark_group("lanl_auth_parse");
    g.throughput(Throughput::Elements(truth.auth_rows));
    g.measurement_time(Duration::from_secs(8));
    for threads in [1, 2] {
        g.bench_function(format!("{threads}_workers"), |b| {
            b.iter(|| {
                let p = ParallelScan::new()
                    .threads(threads)
                    .fold::<AuthEvent, Vec<u64>>(&auth, Vec::new, count)
                    .expect("scan");
                black_box(p.summary.lines)
            })
        });
    }
    g.finish();
}

fn cert(c: &mut Criterion) {
    let d = dir("cert");
    std::fs::create_dir_all(&d).expect("dir");
    let csv = d.join("logon.csv");
    LogonGenerator::new()
        .users(400)
        .days(200)
        .seed(1)
        .write_files(&csv, d.join("truth.json"))
        .expect("generate CERT");
    let rows = LogonLoader::new().load(&csv).expect("load").summary().rows;
    let mut g = c.benchmark_group("cert_logon_load");
    g.throughput(Throughput::Elements(rows));
    g.bench_function("load", |b| {
        b.iter(|| black_box(LogonLoader::new().load(&csv).expect("load").summary().rows))
    });
    g.finish();
}

fn cloudtrail(c: &mut Criterion) {
    let d = dir("cloudtrail");
    let files = CloudTrailGenerator::new()
        .days(size("THREATSTAT_BENCH_CT_DAYS", 30) as u32)
        .seed(1)
        .generate()
        .expect("generate CloudTrail")
        .write_json_dir(&d)
        .expect("write CloudTrail");
    let loader = CloudTrailLoader::new();
    let records = loader.load(&files).expect("load").summary().records;
    let mut g = c.benchmark_group("cloudtrail_load");
    g.throughput(Throughput::Elements(records));
    g.bench_function("one_thread", |b| {
        b.iter(|| black_box(loader.load(&files).expect("load").summary().records))
    });
    g.bench_function("load_parallel", |b| {
        b.iter(|| {
            black_box(
                loader
                    .load_parallel(&files, 0)
                    .expect("load")
                    .summary()
                    .records,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, lanl, cert, cloudtrail);
criterion_main!(benches);
