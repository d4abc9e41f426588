//! The HTML timeline's zoom and pan in a real browser: headless Chromium
//! loads the page with `tests/browser/zoom_check.js` appended, which sends
//! wheel, pointer-drag and double-click events and writes its verdict into
//! the page; `--dump-dom` prints it.
//!
//! Ignored by default (it needs Chromium); CI runs it with
//! `apt-get install -y chromium` and
//! `cargo test -p threatstat-plot --test html_browser -- --ignored`.
//! `CHROMIUM` names another browser binary.

use std::process::Command;

use threatstat_plot::{TimelinePoint, TimelineSpec, timeline};

const T0: f64 = 1_587_168_000.0; // 2020-04-18 00:00:00 UTC

#[test]
#[ignore = "needs Chromium: cargo test -p threatstat-plot --test html_browser -- --ignored"]
fn wheel_zooms_drag_pans_and_double_click_resets_in_chromium() {
    let dir = std::env::temp_dir().join(format!("threatstat-plot-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("timeline.html");
    // Two weeks of hourly points in three groups.
    let points: Vec<TimelinePoint> = (0..336)
        .map(|i| TimelinePoint {
            time_unix_s: T0 + f64::from(i) * 3600.0,
            value: 1.0 + f64::from(i % 24),
            group: ["alice", "bob", "carol"][i as usize % 3].into(),
            hover: vec![],
        })
        .collect();
    let spec = TimelineSpec {
        title: "zoom check".into(),
        log_y: false,
        ..TimelineSpec::default()
    };
    timeline(&points, &spec, &page).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    let check = include_str!("browser/zoom_check.js");
    let html = html.replace("</body>", &format!("<script>\n{check}</script>\n</body>"));
    std::fs::write(&page, html).unwrap();

    let browser = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let out = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--window-size=1200,900",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {browser} (set CHROMIUM): {e}"));
    let dom = String::from_utf8_lossy(&out.stdout);
    let verdict = dom
        .lines()
        .find(|l| l.contains("id=\"ts-result\">ZOOM-CHECK"))
        .unwrap_or_else(|| {
            panic!(
                "no verdict in the page (script error?); stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(verdict.contains("ZOOM-CHECK PASSED"), "{verdict}");
    std::fs::remove_dir_all(&dir).unwrap();
}
