//! Throughput of the LANL generator, readers and analysis helpers on a
//! generated ~10^7-line `auth.txt` and ~10^7-line `flows.txt`. Ignored by
//! default (it writes about 1 GB); run it with
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-lanl cargo test --release -p threatstat-datasets \
//!     --test lanl_throughput -- --ignored --nocapture
//! ```
//!
//! `LANL_THROUGHPUT_DIR` (default: the system temp dir) is where the files
//! go, `LANL_THROUGHPUT_USERS` (default 5000) scales them; the files are
//! removed at the end unless `LANL_THROUGHPUT_KEEP` is set.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::time::Instant;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{
    AuthReader, FlowReader, LanlFiles, LanlGenerator, OwnerMap, upload_bytes_per_interval,
};

/// Wall-clock and process CPU time since `start`.
struct Timer {
    wall: Instant,
    cpu: Option<f64>,
}

/// User + system CPU seconds of this process (Linux; `None` elsewhere).
/// Reported beside wall time because a shared machine's wall time can be
/// several times the CPU time.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let f: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

impl Timer {
    fn start() -> Self {
        Timer {
            wall: Instant::now(),
            cpu: cpu_secs(),
        }
    }

    /// `"<wall> s wall (<rate>/s), <cpu> s CPU (<rate>/s)"` for `lines`.
    fn report(&self, lines: u64) -> String {
        let wall = self.wall.elapsed().as_secs_f64();
        let mut s = format!(
            "{wall:.2} s wall ({:.2} M lines/s)",
            lines as f64 / wall / 1e6
        );
        if let (Some(a), Some(b)) = (self.cpu, cpu_secs()) {
            s += &format!(
                ", {:.2} s CPU ({:.2} M lines/s)",
                b - a,
                lines as f64 / (b - a) / 1e6
            );
        }
        s
    }
}

#[test]
#[ignore = "writes ~1 GB; run with --release -- --ignored --nocapture"]
fn throughput() {
    let dir = std::env::var_os("LANL_THROUGHPUT_DIR")
        .map_or_else(std::env::temp_dir, Into::into)
        .join(format!("threatstat-lanl-throughput-{}", std::process::id()));
    let users: usize = std::env::var("LANL_THROUGHPUT_USERS")
        .ok()
        .map_or(5000, |s| s.parse().unwrap());
    let files = LanlFiles::in_dir(&dir);

    let t = Timer::start();
    let truth = LanlGenerator::new()
        .users(users)
        .flows_per_user_day(45.0)
        .seed(1)
        .write_files(&dir)
        .unwrap();
    let lines = truth.auth_rows + truth.flow_rows;
    let size = |p: &std::path::Path| std::fs::metadata(p).unwrap().len() as f64 / 1e6;
    println!(
        "generate: {} auth + {} flow rows ({:.0} + {:.0} MB): {}",
        truth.auth_rows,
        truth.flow_rows,
        size(&files.auth),
        size(&files.flows),
        t.report(lines)
    );

    let t = Timer::start();
    let mut n = 0u64;
    let s = AuthReader::open(&files.auth)
        .unwrap()
        .visit(|_, e| n += e.time & 1)
        .unwrap();
    assert_eq!(s.events, truth.auth_rows);
    println!("read auth.txt: {} lines: {}", s.lines, t.report(s.lines));

    let t = Timer::start();
    let mut bytes = 0u64;
    let s = FlowReader::open(&files.flows)
        .unwrap()
        .visit(|_, f| bytes += f.bytes)
        .unwrap();
    assert_eq!(s.events, truth.flow_rows);
    println!("read flows.txt: {} lines: {}", s.lines, t.report(s.lines));

    let gz = dir.join("flows.txt.gz");
    let mut enc = GzEncoder::new(std::fs::File::create(&gz).unwrap(), Compression::fast());
    std::io::copy(&mut std::fs::File::open(&files.flows).unwrap(), &mut enc).unwrap();
    enc.finish().unwrap();
    let t = Timer::start();
    let s = FlowReader::open(&gz).unwrap().visit(|_, _| {}).unwrap();
    println!(
        "read flows.txt.gz: {} lines: {}",
        s.lines,
        t.report(s.lines)
    );

    let t = Timer::start();
    let owners = OwnerMap::from_auth(&files.auth, BadRowPolicy::Error).unwrap();
    println!(
        "OwnerMap::from_auth: {} owned computers: {}",
        owners.len(),
        t.report(truth.auth_rows)
    );
    assert_eq!(owners.len(), truth.users.len());

    let t = Timer::start();
    let table =
        upload_bytes_per_interval(&files.flows, &owners, 86_400, BadRowPolicy::Error).unwrap();
    println!(
        "upload_bytes_per_interval: {} rows: {}",
        table.rows().len(),
        t.report(truth.flow_rows)
    );

    if std::env::var_os("LANL_THROUGHPUT_KEEP").is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
