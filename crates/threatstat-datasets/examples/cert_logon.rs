//! Generates a CERT-format `logon.csv` with planted insiders, loads it back
//! and times both steps.
//!
//! ```sh
//! cargo run --release -p threatstat-datasets --example cert_logon -- /tmp/cert 1000 500
//! ```
//!
//! Arguments: output directory (default the system temp dir), users
//! (default 1000), days (default 500), seed (default 0), mean daily logon
//! rate (default 1.2). Writes `logon.csv`, `logon.csv.gz` and `truth.json`
//! there.

use std::time::Instant;
use threatstat_datasets::cert::{HourWindow, LogonGenerator, LogonLoader, Span};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let users: usize = args.get(1).map_or(Ok(1000), |s| s.parse())?;
    let days: u32 = args.get(2).map_or(Ok(500), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(0), |s| s.parse())?;
    let rate: f64 = args.get(4).map_or(Ok(1.2), |s| s.parse())?;
    std::fs::create_dir_all(&dir)?;
    let (csv, json) = (dir.join("logon.csv"), dir.join("truth.json"));

    let t = Instant::now();
    let truth = LogonGenerator::new()
        .users(users)
        .days(days)
        .planted(users.min(10))
        .seed(seed)
        .rate_mean(rate)
        .write_files(&csv, &json)?;
    let secs = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&csv)?.len();
    println!(
        "generated {} rows ({:.1} MB) in {secs:.3} s ({:.2} M rows/s): {}",
        truth.rows,
        bytes as f64 / 1e6,
        truth.rows as f64 / secs / 1e6,
        csv.display()
    );

    let gz = dir.join("logon.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz)?, flate2::Compression::fast());
    std::io::copy(&mut std::fs::File::open(&csv)?, &mut enc)?;
    enc.finish()?;

    let after_hours = Some("18-7".parse::<HourWindow>()?);
    for (input, window) in [(&csv, None), (&csv, after_hours), (&gz, after_hours)] {
        let t = Instant::now();
        let counts = LogonLoader::new().hour_window(window).load(input)?;
        let load = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let series = counts.daily(Span::Global);
        let cut = t.elapsed().as_secs_f64();
        let s = counts.summary();
        println!(
            "loaded {} (window {}) {} rows in {load:.3} s ({:.2} M rows/s, {:.0} MB/s of CSV); \
             {} daily series of {} days cut in {:.1} ms",
            input.file_name().unwrap_or_default().display(),
            window.map_or("none".to_string(), |w| w.to_string()),
            s.rows,
            s.rows as f64 / load / 1e6,
            bytes as f64 / load / 1e6,
            series.len(),
            series.first().map_or(0, |d| d.counts.len()),
            cut * 1e3
        );
        println!("  {s}");
    }
    Ok(())
}
