//! End-to-end tests of `timeline`: files are written in a per-test temporary
//! directory; no network, no external tools.

use std::path::{Path, PathBuf};

use threatstat_plot::{PlotError, PlotReport, TimelinePoint, TimelineSpec, timeline};

/// A fresh directory under the system temp dir, unique per test and process,
/// removed again when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn out_dir(test: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("threatstat-plot-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

const T0: f64 = 1_587_168_000.0; // 2020-04-18 00:00:00 UTC

fn point(i: usize, value: f64, group: &str) -> TimelinePoint {
    TimelinePoint {
        time_unix_s: T0 + i as f64 * 3600.0,
        value,
        group: group.to_string(),
        hover: vec![format!("user: {group}"), format!("index: {i}")],
    }
}

/// 30 drawable points in two groups, values from 1 down to 1e-6.
fn sample() -> Vec<TimelinePoint> {
    (0..30)
        .map(|i| {
            let v = 10f64.powf(-(i as f64) / 5.0);
            point(i, v, if i % 2 == 0 { "alice" } else { "bob" })
        })
        .collect()
}

fn spec() -> TimelineSpec {
    TimelineSpec {
        title: "Test timeline title".to_string(),
        y_label: "likelihood".to_string(),
        ..TimelineSpec::default()
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn png_is_written_with_requested_size() {
    let dir = out_dir("png");
    let path = dir.join("t.png");
    let spec = TimelineSpec {
        width: 900,
        height: 500,
        ..spec()
    };
    let report = timeline(&sample(), &spec, &path).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 30,
            skipped: 0
        }
    );
    let bytes = read(&path);
    assert!(bytes.len() > 1000, "PNG only {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (900, 500));
}

#[test]
fn svg_contains_title_and_axis_labels() {
    let dir = out_dir("svg");
    let path = dir.join("t.svg");
    let report = timeline(&sample(), &spec(), &path).unwrap();
    assert_eq!(report.drawn, 30);
    let svg = String::from_utf8(read(&path)).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("Test timeline title"));
    assert!(svg.contains("time (UTC)"));
    assert!(svg.contains("likelihood"));
    assert!(svg.contains("2020-04-"), "date tick labels");
    assert!(
        svg.contains("alice (15)") && svg.contains("bob (15)"),
        "legend"
    );
    assert!(svg.trim_end().ends_with("</svg>"));

    // Text is XML-escaped in SVG output too.
    let spec = TimelineSpec {
        title: "a <b> & c".to_string(),
        ..spec()
    };
    timeline(&sample(), &spec, &path).unwrap();
    let svg = String::from_utf8(read(&path)).unwrap();
    assert!(svg.contains("a &lt;b&gt; &amp; c"));
    assert!(!svg.contains("<b>"));
}

#[test]
fn html_has_one_circle_per_point_and_escapes_text() {
    let dir = out_dir("html");
    let path = dir.join("t.html");
    let mut points = sample();
    points[3].hover = vec![
        "user: <script>alert('x')</script>".to_string(),
        "note: a & b".to_string(),
    ];
    points[4].group = "<b>mallory</b>".to_string();
    points.push(point(40, f64::NAN, "alice"));
    let spec = TimelineSpec {
        title: "Scores <&> \"quoted\"".to_string(),
        ..spec()
    };
    let report = timeline(&points, &spec, &path).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 30,
            skipped: 1
        }
    );

    let html = String::from_utf8(read(&path)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<circle").count(), report.drawn);
    assert_eq!(html.matches("</circle>").count(), report.drawn);
    // Hover text, group names and the title are escaped.
    assert!(html.contains("user: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("note: a &amp; b"));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<b>mallory"));
    assert!(html.contains("&lt;b&gt;mallory&lt;/b&gt;"));
    assert!(html.contains("Scores &lt;&amp;&gt; &quot;quoted&quot;"));
    // Our own script is the only one, and nothing is loaded from elsewhere.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("src="));
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_ns.contains("http:") && !without_ns.contains("https:"));
    // Axis text.
    assert!(html.contains("time (UTC)") && html.contains("likelihood"));
    assert!(
        html.contains("10⁻⁶") || html.contains("10⁻⁵"),
        "log tick labels"
    );
}

#[test]
fn html_default_hover_when_point_has_none() {
    let dir = out_dir("html-default-hover");
    let path = dir.join("t.html");
    let points = vec![TimelinePoint {
        time_unix_s: T0,
        value: 0.5,
        group: "carol".to_string(),
        hover: Vec::new(),
    }];
    timeline(&points, &spec(), &path).unwrap();
    let html = String::from_utf8(read(&path)).unwrap();
    assert!(html.contains("group: carol\ntime: 2020-04-18 00:00:00 UTC\nvalue: 0.5"));
}

#[test]
fn log_axis_skips_and_counts_nan_and_non_positive() {
    let dir = out_dir("skip");
    let mut points = sample();
    points.push(point(31, f64::NAN, "alice"));
    points.push(point(32, 0.0, "alice"));
    points.push(point(33, -1e-3, "bob"));
    points.push(point(34, f64::INFINITY, "bob"));
    points.push(TimelinePoint {
        time_unix_s: f64::NAN,
        ..point(35, 0.5, "bob")
    });
    for ext in ["png", "svg", "html"] {
        let report = timeline(&points, &spec(), &dir.join(format!("t.{ext}"))).unwrap();
        assert_eq!(
            report,
            PlotReport {
                drawn: 30,
                skipped: 5
            },
            "{ext}"
        );
    }
    // On a linear axis zero and negative values are drawn.
    let linear = TimelineSpec {
        log_y: false,
        ..spec()
    };
    let report = timeline(&points, &linear, &dir.join("lin.png")).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 32,
            skipped: 3
        }
    );
    let html_path = dir.join("lin.html");
    let report = timeline(&points, &linear, &html_path).unwrap();
    let html = String::from_utf8(read(&html_path)).unwrap();
    assert_eq!(html.matches("<circle").count(), report.drawn);
}

#[test]
fn unknown_extension_is_unsupported() {
    let dir = out_dir("ext");
    for (name, ext) in [("t.jpg", "jpg"), ("t", ""), ("t.pdf", "pdf")] {
        match timeline(&sample(), &spec(), &dir.join(name)) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, ext),
            other => panic!("{name}: expected UnsupportedFormat, got {other:?}"),
        }
        assert!(!dir.join(name).exists());
    }
    // Upper-case extensions are fine.
    assert!(timeline(&sample(), &spec(), &dir.join("t.SVG")).is_ok());
}

#[test]
fn no_drawable_points_is_an_error() {
    let dir = out_dir("empty");
    let path = dir.join("t.png");
    assert!(matches!(
        timeline(&[], &spec(), &path),
        Err(PlotError::NoPoints)
    ));
    let bad = vec![
        point(0, 0.0, "a"),
        point(1, f64::NAN, "a"),
        point(2, -3.0, "b"),
    ];
    for ext in ["png", "svg", "html"] {
        let path = dir.join(format!("bad.{ext}"));
        assert!(matches!(
            timeline(&bad, &spec(), &path),
            Err(PlotError::NoPoints)
        ));
        assert!(!path.exists(), "nothing written for {ext}");
    }
}

#[test]
fn unwritable_path_is_an_io_error() {
    let dir = out_dir("io");
    for ext in ["png", "svg", "html"] {
        let path = dir.join("missing-subdir").join(format!("t.{ext}"));
        match timeline(&sample(), &spec(), &path) {
            Err(PlotError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{ext}: expected Io error, got {other:?}"),
        }
    }
}

#[test]
fn many_groups_single_group_and_tiny_sizes() {
    let dir = out_dir("variants");
    // 25 groups: legend capped, the rest merged into "other".
    let points: Vec<_> = (0..250)
        .map(|i| {
            point(
                i,
                0.01 + (i % 17) as f64 / 20.0,
                &format!("user{:02}", i % 25),
            )
        })
        .collect();
    let svg_path = dir.join("many.svg");
    let report = timeline(&points, &spec(), &svg_path).unwrap();
    assert_eq!(report.drawn, 250);
    let svg = String::from_utf8(read(&svg_path)).unwrap();
    assert!(
        svg.contains("other: 15 groups (150)"),
        "merged legend entry"
    );
    // One group, one point, a size below the minimum.
    let one = vec![point(0, 1e-4, "")];
    let tiny = TimelineSpec {
        width: 10,
        height: 10,
        ..spec()
    };
    let png = dir.join("one.png");
    assert_eq!(
        timeline(&one, &tiny, &png).unwrap(),
        PlotReport {
            drawn: 1,
            skipped: 0
        }
    );
    let bytes = read(&png);
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (320, 240), "clamped to the minimum size");
}
