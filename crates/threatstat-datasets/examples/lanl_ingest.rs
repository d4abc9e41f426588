//! LANL-scale ingestion: the two reading phases of the upload analysis
//! (`threatstat lanl uploads`), timed on their own. Phase 1 folds
//! `auth.txt` into the owner of every computer (interactive logons per
//! user and computer); phase 2 folds `flows.txt` into upload bytes per user
//! and day (or `interval_s`) through those owners. Prints per phase: events, wall time,
//! events/s, bytes/s of the file as stored, and the process's peak resident
//! memory so far.
//!
//! ```sh
//! cargo run --release -p threatstat-datasets --example lanl_ingest -- auth.txt[.gz] flows.txt[.gz] [interval_s]
//! ```

use std::time::Instant;
use threatstat_datasets::lanl::{
    OwnerMap, OwnerRule, ParallelScan, upload_bytes_per_interval_with,
};

/// Peak resident set size of this process so far, in MiB (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn report(phase: &str, path: &str, events: u64, secs: f64) {
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    println!(
        "{phase:<22} {events:>14} events {secs:>9.1} s {:>8.2} M events/s {:>8.1} MB/s stored   peak RSS {:>8.0} MiB",
        events as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
        peak_rss_mib()
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (auth, flows, interval_s) = match &args[..] {
        [a, f] => (a, f, 86_400),
        [a, f, i] => (a, f, i.parse()?),
        _ => return Err("usage: lanl_ingest AUTH FLOWS [INTERVAL_S]".into()),
    };
    let scan = ParallelScan::new();
    let t = Instant::now();
    let owners = OwnerMap::from_auth_scan(auth, &OwnerRule::default(), scan.clone())?;
    let secs = t.elapsed().as_secs_f64();
    report("auth -> owners", auth, owners.summary().auth_events, secs);
    let t = Instant::now();
    let table = upload_bytes_per_interval_with(flows, &owners, interval_s, scan)?;
    let secs2 = t.elapsed().as_secs_f64();
    report("flows -> uploads", flows, table.summary().flows, secs2);
    println!(
        "total {:.1} s; {} users with uploads, {} user-intervals",
        secs + secs2,
        table.users().len(),
        table.rows().len()
    );
    Ok(())
}
