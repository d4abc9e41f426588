//! Renders a demo timeline (~200 fake events, 3 users, two months, log y
//! from 1e-6 to 1) as PNG, SVG and HTML.
//!
//! ```text
//! cargo run -p threatstat-plot --example timeline_demo -- [OUT_DIR]
//! ```
//!
//! Writes `timeline_demo.{png,svg,html}` into `OUT_DIR` (default: the system
//! temporary directory) and prints the paths.

use threatstat_plot::{TimelinePoint, TimelineSpec, format_unix_utc, format_value, timeline};

#[path = "common/lcg.rs"]
mod lcg;
use lcg::Lcg;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let start = 1_583_020_800.0; // 2020-03-01 00:00:00 UTC
    let span = 61.0 * 86_400.0;
    let users = ["alice@corp.example", "bob@corp.example", "svc-backup"];
    let mut rng = Lcg(42);
    let mut points = Vec::new();
    for i in 0..200 {
        let user = users[i % 3];
        let t = start + rng.next() * span;
        // Mostly ordinary sessions, a few very unlikely ones.
        let exponent = if rng.next() < 0.08 {
            -6.0 + rng.next()
        } else {
            -3.5 * rng.next()
        };
        let value = 10f64.powf(exponent);
        let window = 10 + (rng.next() * 20.0) as u32;
        points.push(TimelinePoint {
            time_unix_s: t,
            value,
            group: user.to_string(),
            hover: vec![
                format!("user: {user}"),
                format!("time: {} UTC", format_unix_utc(t)),
                format!("likelihood: {}", format_value(value)),
                format!("window: [{window} events]"),
            ],
        });
    }
    let spec = TimelineSpec {
        title: "Session likelihood by user (demo data)".to_string(),
        y_label: "geometric-mean likelihood".to_string(),
        ..TimelineSpec::default()
    };
    for ext in ["png", "svg", "html"] {
        let path = dir.join(format!("timeline_demo.{ext}"));
        let report = timeline(&points, &spec, &path)?;
        println!(
            "{} ({} drawn, {} skipped)",
            path.display(),
            report.drawn,
            report.skipped
        );
    }
    Ok(())
}
