//! Clocks and the line-end count shared by the throughput examples
//! (Linux `/proc`).

#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// User + system CPU seconds of this process so far, to show work per
/// CPU second beside wall time on a shared machine.
pub fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let tick = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (tick(11) + tick(12)) / 100.0
}

/// Peak resident memory of this process (MiB, `VmHWM`).
pub fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Line ends and bytes of `files` (decompressed), read as the loaders
/// read them.
pub fn line_ends(files: &[PathBuf]) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let (mut lines, mut bytes) = (0u64, 0u64);
    let mut buf = vec![0u8; 1 << 20];
    for p in files {
        let mut input = threatstat_core::reader::open(p)?;
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        }
    }
    Ok((lines, bytes))
}
