//! End-to-end tests of `changepoint_figure`: files are written in a per-test
//! temporary directory; no network, no external tools.

use std::path::{Path, PathBuf};

use threatstat_plot::{ChangepointFigure, PlotError, PlotReport, changepoint_figure};

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
    let dir =
        std::env::temp_dir().join(format!("threatstat-plot-cp-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// 40 days, rate 5 before day 25 and 12 from it on; posterior peaked there.
struct Sample {
    counts: Vec<f64>,
    tau: Vec<f64>,
    rate: Vec<f64>,
    labels: Vec<String>,
}

fn sample() -> Sample {
    let n = 40;
    let counts = (0..n)
        .map(|d| if d < 25 { 5.0 } else { 12.0 } + f64::from(d % 4) - 1.5)
        .map(|c: f64| c.max(0.0))
        .collect();
    let mut tau = vec![0.002; n as usize];
    tau[24] = 0.2;
    tau[25] = 0.6;
    tau[26] = 0.126;
    let mut cum = 0.0;
    let rate = tau
        .iter()
        .map(|p| {
            cum += p;
            5.0 * (1.0 - cum) + 12.0 * cum
        })
        .collect();
    let labels = (0..n)
        .map(|d| format!("2024-05-{:02}", d % 31 + 1))
        .collect();
    Sample {
        counts,
        tau,
        rate,
        labels,
    }
}

fn figure(s: &Sample) -> ChangepointFigure<'_> {
    ChangepointFigure {
        title: "Test changepoint title".to_string(),
        true_tau: Some(25),
        count_label: "logons per day".to_string(),
        ..ChangepointFigure::new(&s.counts, &s.tau, &s.rate)
    }
}

/// The text elements of an SVG written by plotters (one per line between
/// the `<text …>` and `</text>` lines).
fn svg_texts(svg: &str) -> Vec<&str> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(3)
        .filter(|w| w[0].starts_with("<text") && w[2] == "</text>")
        .map(|w| w[1])
        .collect()
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 1000, "PNG only {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (width, height)
}

#[test]
fn defaults() {
    let s = sample();
    let fig = ChangepointFigure::new(&s.counts, &s.tau, &s.rate);
    assert_eq!((fig.width, fig.height), (1000, 700));
    assert_eq!((fig.true_tau, fig.day_labels), (None, None));
    assert!(fig.title.is_empty() && !fig.count_label.is_empty());
}

#[test]
fn png_is_written_with_requested_size() {
    let dir = out_dir("png");
    let s = sample();
    let path = dir.join("cp.png");
    let report = changepoint_figure(&figure(&s), &path).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 40,
            skipped: 0
        }
    );
    assert_eq!(png_size(&path), (1000, 700));

    let fig = ChangepointFigure {
        width: 800,
        height: 500,
        day_labels: Some(&s.labels),
        ..figure(&s)
    };
    let path = dir.join("cp-labels.PNG");
    changepoint_figure(&fig, &path).unwrap();
    assert_eq!(png_size(&path), (800, 500));

    // Sizes below the minimum are clamped.
    let tiny = ChangepointFigure {
        width: 10,
        height: 10,
        ..figure(&s)
    };
    let path = dir.join("tiny.png");
    changepoint_figure(&tiny, &path).unwrap();
    assert_eq!(png_size(&path), (320, 240));
}

#[test]
fn svg_contains_title_axes_and_legend() {
    let dir = out_dir("svg");
    let s = sample();
    let path = dir.join("cp.svg");
    let fig = ChangepointFigure {
        day_labels: Some(&s.labels),
        ..figure(&s)
    };
    assert_eq!(changepoint_figure(&fig, &path).unwrap().drawn, 40);
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let texts = svg_texts(&svg);
    for text in [
        "Test changepoint title",
        "daily count",
        "expected rate",
        "logons per day",
        "P(change on day)",
        "day",
        "2024-05-01",
        // The planted day is named by its label.
        "planted change (2024-05-26)",
    ] {
        assert!(texts.contains(&text), "missing {text:?} in {texts:?}");
    }

    // Without labels days are numbered; without true_tau there is no marker.
    let fig = ChangepointFigure {
        title: "a <b> & c".to_string(),
        ..ChangepointFigure::new(&s.counts, &s.tau, &s.rate)
    };
    changepoint_figure(&fig, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.contains(&"10") && texts.contains(&"20"),
        "day numbers"
    );
    assert!(!svg.contains("planted change"));
    assert!(svg.contains("daily count") && svg.contains("expected rate"));
    assert!(svg.contains("a &lt;b&gt; &amp; c") && !svg.contains("<b>"));
}

#[test]
fn single_day_and_all_zero() {
    let dir = out_dir("edge");
    let one = [3.0];
    let fig = ChangepointFigure {
        true_tau: Some(0),
        ..ChangepointFigure::new(&one, &[1.0], &[3.0])
    };
    assert_eq!(
        changepoint_figure(&fig, &dir.join("one.svg"))
            .unwrap()
            .drawn,
        1
    );
    let zeros = vec![0.0; 10];
    let fig = ChangepointFigure::new(&zeros, &zeros, &zeros);
    assert_eq!(
        changepoint_figure(&fig, &dir.join("zeros.png"))
            .unwrap()
            .drawn,
        10
    );
}

#[test]
fn many_days_with_labels() {
    let dir = out_dir("many");
    let n = 500;
    let counts: Vec<f64> = (0..n).map(|d| f64::from(30 + (d * 7) % 13)).collect();
    let tau: Vec<f64> = (0..n).map(|d| if d == 300 { 1.0 } else { 0.0 }).collect();
    let rate: Vec<f64> = (0..n).map(|d| if d < 300 { 35.0 } else { 40.0 }).collect();
    let labels: Vec<String> = (0..n).map(|d| format!("day-{d:04}")).collect();
    let fig = ChangepointFigure {
        day_labels: Some(&labels),
        true_tau: Some(300),
        ..ChangepointFigure::new(&counts, &tau, &rate)
    };
    let path = dir.join("many.svg");
    assert_eq!(changepoint_figure(&fig, &path).unwrap().drawn, 500);
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    let shown = labels
        .iter()
        .filter(|l| texts.contains(&l.as_str()))
        .count();
    assert!((3..=10).contains(&shown), "{shown} day labels shown");
    changepoint_figure(&fig, &dir.join("many.png")).unwrap();
}

fn invalid(fig: &ChangepointFigure, path: &Path) -> String {
    match changepoint_figure(fig, path) {
        Err(PlotError::InvalidInput(msg)) => {
            assert!(!path.exists(), "nothing written for {msg}");
            msg
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn invalid_inputs_are_errors() {
    let dir = out_dir("invalid");
    let path = dir.join("bad.png");
    let s = sample();
    let ok = figure(&s);

    let msg = invalid(&ChangepointFigure::new(&[], &[], &[]), &path);
    assert!(msg.contains("empty"), "{msg}");

    let msg = invalid(
        &ChangepointFigure {
            tau_posterior: &s.tau[1..],
            ..ok.clone()
        },
        &path,
    );
    assert!(msg.contains("tau_posterior has 39"), "{msg}");
    let msg = invalid(
        &ChangepointFigure {
            expected_rate: &s.rate[..5],
            ..ok.clone()
        },
        &path,
    );
    assert!(msg.contains("expected_rate has 5"), "{msg}");
    let msg = invalid(
        &ChangepointFigure {
            day_labels: Some(&s.labels[..39]),
            ..ok.clone()
        },
        &path,
    );
    assert!(msg.contains("day_labels"), "{msg}");

    for (name, bad) in [
        ("counts", f64::NAN),
        ("counts", -1.0),
        ("tau_posterior", f64::INFINITY),
        ("tau_posterior", -0.1),
        ("expected_rate", f64::NEG_INFINITY),
        ("expected_rate", -2.0),
    ] {
        let mut v = match name {
            "counts" => s.counts.clone(),
            "tau_posterior" => s.tau.clone(),
            _ => s.rate.clone(),
        };
        v[7] = bad;
        let fig = match name {
            "counts" => ChangepointFigure {
                counts: &v,
                ..ok.clone()
            },
            "tau_posterior" => ChangepointFigure {
                tau_posterior: &v,
                ..ok.clone()
            },
            _ => ChangepointFigure {
                expected_rate: &v,
                ..ok.clone()
            },
        };
        let msg = invalid(&fig, &path);
        assert!(msg.starts_with(&format!("{name}[7] = ")), "{msg}");
        for ext in ["svg", "png"] {
            let p = dir.join(format!("bad.{ext}"));
            assert!(matches!(
                changepoint_figure(&fig, &p),
                Err(PlotError::InvalidInput(_))
            ));
        }
    }

    let msg = invalid(
        &ChangepointFigure {
            true_tau: Some(40),
            ..ok.clone()
        },
        &path,
    );
    assert!(msg.contains("true_tau = 40"), "{msg}");
    // The error message names the problem.
    let err = changepoint_figure(&ChangepointFigure::new(&[], &[], &[]), &path).unwrap_err();
    assert_eq!(err.to_string(), "invalid input: counts is empty");
}

#[test]
fn unknown_extension_is_unsupported() {
    let dir = out_dir("ext");
    let s = sample();
    let fig = figure(&s);
    for (name, ext) in [
        ("t.jpg", "jpg"),
        ("t", ""),
        ("t.pdf", "pdf"),
        ("t.html", "html"),
        ("t.HTM", "HTM"),
    ] {
        match changepoint_figure(&fig, &dir.join(name)) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, ext),
            other => panic!("{name}: expected UnsupportedFormat, got {other:?}"),
        }
        assert!(!dir.join(name).exists());
    }
    // The extension is checked before the inputs.
    assert!(matches!(
        changepoint_figure(&ChangepointFigure::new(&[], &[], &[]), &dir.join("t.gif")),
        Err(PlotError::UnsupportedFormat(_))
    ));
    assert!(changepoint_figure(&fig, &dir.join("t.SVG")).is_ok());
}

#[test]
fn unwritable_path_is_an_io_error() {
    let dir = out_dir("io");
    let s = sample();
    for ext in ["png", "svg"] {
        let path = dir.join("missing-subdir").join(format!("t.{ext}"));
        match changepoint_figure(&figure(&s), &path) {
            Err(PlotError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{ext}: expected Io error, got {other:?}"),
        }
    }
}
