//! Ingestion throughput on a LANL `auth.txt` (plain or gzip): lines/s and
//! bytes/s of counting line ends alone (what `wc -l` does: the practical
//! limit), of the sequential reader, and of [`ParallelScan`] with 1..=N
//! workers, each folding logons per source user; on a plain file the
//! workers read their own blocks, and each count is repeated with a reading
//! thread feeding them (the path of gzip input).
//!
//! ```sh
//! cargo run --release -p threatstat-datasets --example lanl_scan -- auth.txt [max_threads [block_KiB]]
//! ```
//! Run it twice: the first run pages the file into the cache.

mod util;

use std::time::Instant;
use threatstat_datasets::lanl::{AuthEvent, AuthReader, Names, ParallelScan, UserId};
use util::{cpu_secs, line_ends};

/// Wall and CPU clocks started together.
struct Clock(Instant, f64);

impl Clock {
    fn start() -> Self {
        Clock(Instant::now(), cpu_secs())
    }
}

fn report(what: &str, lines: u64, bytes: u64, clock: Clock) {
    let secs = clock.0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - clock.1;
    println!(
        "{what:<32} {lines:>11} lines {secs:>7.3} s wall {:>7.2} M lines/s {:>7.1} MB/s | {cpu:>6.2} s CPU {:>6.2} M lines/CPU-s",
        lines as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
        lines as f64 / cpu / 1e6
    );
}

fn count(acc: &mut Vec<u64>, _: &Names, ev: &AuthEvent) {
    let Some(u) = ev.src_user else { return };
    if acc.len() <= u.index() {
        acc.resize(u.index() + 1, 0);
    }
    acc[u.index()] += 1;
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: lanl_scan AUTH_TXT [max_threads]")?;
    let max_threads: usize = args.get(2).map_or(Ok(2), |s| s.parse())?;
    // Optional block size in KiB (ParallelScan's default otherwise).
    let block_kib: Option<usize> = args.get(3).map(|s| s.parse()).transpose()?;
    let scan = |threads: usize| {
        let s = ParallelScan::new().threads(threads);
        match block_kib {
            Some(k) => s.block_bytes(k << 10),
            None => s,
        }
    };
    let bytes = std::fs::metadata(path)?.len();

    let t = Clock::start();
    let (lines, _) = line_ends(&[path.into()])?;
    report("line ends only (wc -l)", lines, bytes, t);

    let t = Clock::start();
    let mut reader = AuthReader::open(path)?;
    let mut per_user: Vec<u64> = Vec::new();
    let s = reader.visit(|_, ev: &AuthEvent| {
        if let Some(u) = ev.src_user {
            if per_user.len() <= u.index() {
                per_user.resize(u.index() + 1, 0);
            }
            per_user[u.index()] += 1;
        }
    })?;
    report("sequential reader", s.lines, bytes, t);
    let users = reader.names().n_users();

    for threads in 1..=max_threads {
        let t = Clock::start();
        let parts = scan(threads).fold::<AuthEvent, Vec<u64>>(path, Vec::new, count)?;
        let lines = parts.summary.lines;
        let (names, merged) = parts.merge(|into, from, map| {
            for (u, c) in from.into_iter().enumerate() {
                let v = map.user(UserId(u as u32)).index();
                if into.len() <= v {
                    into.resize(v + 1, 0);
                }
                into[v] += c;
            }
        });
        report(
            &format!("parallel scan, {threads} worker(s)"),
            lines,
            bytes,
            t,
        );
        assert_eq!(names.n_users(), users);
        assert_eq!(merged.iter().sum::<u64>(), per_user.iter().sum::<u64>());
        // The same scan fed by a reading thread (the path gzip input takes).
        let t = Clock::start();
        let input = threatstat_core::reader::open(std::path::Path::new(path))?;
        let parts =
            scan(threads).fold_reader::<AuthEvent, Vec<u64>>(path, input, Vec::new, count)?;
        report(
            &format!("  same, {threads} via a reading thread"),
            parts.summary.lines,
            bytes,
            t,
        );
    }
    Ok(())
}
