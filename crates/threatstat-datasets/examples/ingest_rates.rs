//! Ingestion throughput of the CERT and CloudTrail loaders beside the
//! practical limit of counting line ends in the same bytes (what `wc -l`
//! does), with CPU time and peak memory.
//!
//! ```sh
//! # write the inputs once: CERT logon.csv (users, days) and CloudTrail JSON (humans, automated roles, days)
//! cargo run --release -p threatstat-datasets --example ingest_rates -- gen /tmp/rates 4000 500 26 50 90
//! # then one loader per process (peak memory is the process's)
//! cargo run --release -p threatstat-datasets --example ingest_rates -- cert /tmp/rates/logon.csv
//! cargo run --release -p threatstat-datasets --example ingest_rates -- cloudtrail /tmp/rates/cloudtrail
//! ```
//! Run each twice: the first run pages the files into the cache.

mod util;

use std::path::{Path, PathBuf};
use std::time::Instant;
use threatstat_datasets::cert::{LogonGenerator, LogonLoader};
use threatstat_datasets::cloudtrail::{CloudTrailGenerator, CloudTrailLoader};
use util::{cpu_secs, line_ends, peak_mib};

fn report(what: &str, units: u64, unit: &str, bytes: u64, t: Instant, cpu0: f64) {
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{what:<26} {units:>11} {unit} {secs:>7.3} s {:>7.2} M {unit}/s {:>7.1} MB/s | {:>6.2} s CPU",
        units as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
        cpu_secs() - cpu0
    );
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    Ok(files)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: ingest_rates gen DIR [users days humans(<=26) automated(<=999) ct_days] | cert FILE | cloudtrail DIR";
    let arg = |i: usize, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
        Ok(args.get(i).map_or(Ok(default), |s| s.parse())?)
    };
    match args.first().map(String::as_str) {
        Some("gen") => {
            let dir = PathBuf::from(args.get(1).ok_or(usage)?);
            std::fs::create_dir_all(&dir)?;
            let t = Instant::now();
            LogonGenerator::new()
                .users(arg(2, 4000)? as usize)
                .days(arg(3, 500)? as u32)
                .seed(1)
                .write_files(dir.join("logon.csv"), dir.join("logon_truth.json"))?;
            println!(
                "CERT logon.csv written in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            let t = Instant::now();
            CloudTrailGenerator::new()
                .humans(arg(4, 26)? as usize)
                .automated(arg(5, 50)? as usize)
                .days(arg(6, 90)? as u32)
                .seed(1)
                .generate()?
                .write_json_dir(dir.join("cloudtrail"))?;
            println!(
                "CloudTrail JSON written in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        Some("cert") => {
            let file = PathBuf::from(args.get(1).ok_or(usage)?);
            let (t, c) = (Instant::now(), cpu_secs());
            let (lines, bytes) = line_ends(std::slice::from_ref(&file))?;
            report("line ends only (wc -l)", lines, "lines", bytes, t, c);
            let (t, c) = (Instant::now(), cpu_secs());
            let counts = LogonLoader::new().load(&file)?;
            let s = counts.summary();
            report("CERT LogonLoader", s.rows, "rows", bytes, t, c);
            println!(
                "{} users, {} logons, {} skipped; peak RSS {:.0} MiB for {:.0} MiB of text",
                counts.daily(threatstat_datasets::cert::Span::User).len(),
                s.logons,
                s.skipped,
                peak_mib(),
                bytes as f64 / (1 << 20) as f64
            );
        }
        Some("cloudtrail") => {
            let files = json_files(Path::new(args.get(1).ok_or(usage)?))?;
            let (t, c) = (Instant::now(), cpu_secs());
            let (lines, bytes) = line_ends(&files)?;
            report("line ends only (wc -l)", lines, "lines", bytes, t, c);
            let (t, c) = (Instant::now(), cpu_secs());
            let table = CloudTrailLoader::new().load(&files)?;
            let s = table.summary();
            report(
                "CloudTrailLoader, 1 thread",
                s.records,
                "records",
                bytes,
                t,
                c,
            );
            let (t, c) = (Instant::now(), cpu_secs());
            let par = CloudTrailLoader::new().load_parallel(&files, 0)?;
            report(
                "  load_parallel, all cores",
                par.summary().records,
                "records",
                bytes,
                t,
                c,
            );
            assert_eq!(par.series(), table.series());
            println!(
                "{} files, {} principals, {} skipped; peak RSS {:.0} MiB for {:.0} MiB of text",
                s.files,
                s.principals,
                s.skipped,
                peak_mib(),
                bytes as f64 / (1 << 20) as f64
            );
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}
