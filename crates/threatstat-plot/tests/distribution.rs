//! End-to-end tests of `distribution_figure` and `kde_flag_figure`: files are
//! written in a per-test temporary directory; no network, no external tools.
//!
//! Set `THREATSTAT_PLOT_KEEP=/some/dir` to also keep the realistic figures
//! (LANL-like upload bytes, 1-D and 2-D KDE flagging) there for inspection.

use std::path::{Path, PathBuf};

use threatstat_plot::{
    DensityOverlay, DistributionFigure, KdeFlagFigure, PlotError, PlotReport, distribution_figure,
    kde_flag_figure,
};

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
    let dir = std::env::temp_dir().join(format!(
        "threatstat-plot-dist-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Copies `path` into `$THREATSTAT_PLOT_KEEP`, if set.
fn keep(path: &Path) {
    if let Some(dir) = std::env::var_os("THREATSTAT_PLOT_KEEP") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(path, dir.join(path.file_name().unwrap())).unwrap();
    }
}

/// A small deterministic generator (SplitMix64) with normal draws.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }
}

/// Upload bytes per user-day: all users lognormal(10, 1.5) × 20,000 (plus
/// 37 days without uploads), compromised lognormal(11, 1.5) × 500.
fn upload_bytes() -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng(7);
    let mut all: Vec<f64> = (0..20_000).map(|_| rng.lognormal(10.0, 1.5)).collect();
    all.extend(std::iter::repeat_n(0.0, 37));
    let red = (0..500).map(|_| rng.lognormal(11.0, 1.5)).collect();
    (all, red)
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

fn upload_figure<'a>(all: &'a [f64], red: &'a [f64]) -> DistributionFigure<'a> {
    DistributionFigure {
        title: "LANL upload bytes: compromised users vs all users".to_string(),
        x_label: "upload bytes per user-day".to_string(),
        note: Some("Mann-Whitney U p = 3.2e-12".to_string()),
        ..DistributionFigure::new(vec![("all users", all), ("compromised", red)])
    }
}

#[test]
fn defaults() {
    let v = [1.0, 2.0];
    let fig = DistributionFigure::new(vec![("a", &v)]);
    assert_eq!((fig.width, fig.height, fig.log_x), (1000, 700, true));
    assert!(fig.title.is_empty() && fig.note.is_none() && !fig.x_label.is_empty());
    let flags = [false, true];
    let fig = KdeFlagFigure::new(&v, &flags);
    assert_eq!((fig.width, fig.height), (1000, 700));
    assert_eq!(fig.density, DensityOverlay::None);
    assert!(fig.y.is_none() && fig.truth.is_none() && fig.threshold.is_none());
}

#[test]
fn distribution_png_with_requested_size() {
    let dir = out_dir("png");
    let (all, red) = upload_bytes();
    let path = dir.join("upload.png");
    let report = distribution_figure(&upload_figure(&all, &red), &path).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 20_500,
            skipped: 37
        }
    );
    assert_eq!(png_size(&path), (1000, 700));
    keep(&path);

    let fig = DistributionFigure {
        width: 800,
        height: 500,
        ..upload_figure(&all, &red)
    };
    let path = dir.join("small.PNG");
    distribution_figure(&fig, &path).unwrap();
    keep(&path);
    assert_eq!(png_size(&path), (800, 500));

    let tiny = DistributionFigure {
        width: 1,
        height: 1,
        ..upload_figure(&all, &red)
    };
    let path = dir.join("tiny.png");
    distribution_figure(&tiny, &path).unwrap();
    keep(&path);
    assert_eq!(png_size(&path), (320, 240));
}

#[test]
fn distribution_svg_has_title_legend_axes_and_note() {
    let dir = out_dir("svg");
    let (all, red) = upload_bytes();
    let path = dir.join("upload.svg");
    distribution_figure(&upload_figure(&all, &red), &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let texts = svg_texts(&svg);
    for text in [
        "LANL upload bytes: compromised users vs all users",
        "all users (n = 20,000; 37 values ≤ 0 not on the log axis)",
        "compromised (n = 500)",
        "upload bytes per user-day",
        "density per decade",
        "ECDF",
        "Mann-Whitney U p = 3.2e-12",
        "10⁴",
    ] {
        assert!(texts.contains(&text), "missing {text:?} in {texts:?}");
    }
    keep(&path);

    // Linear axis: plain numbers, density label, escaped text.
    let a = [1.0, 2.0, 2.5, 3.0, 4.0, -1.0];
    let b = [2.0, 3.5, 5.0];
    let fig = DistributionFigure {
        title: "a <b> & c".to_string(),
        log_x: false,
        ..DistributionFigure::new(vec![("x", &a), ("", &b)])
    };
    let path = dir.join("linear.svg");
    let report = distribution_figure(&fig, &path).unwrap();
    assert_eq!((report.drawn, report.skipped), (9, 0));
    keep(&path);
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"density"), "{texts:?}");
    assert!(texts.contains(&"x (n = 6)") && texts.contains(&"sample 2 (n = 3)"));
    assert!(svg.contains("a &lt;b&gt; &amp; c") && !svg.contains("<b>"));
    assert!(!svg.contains("Mann-Whitney"));
}

#[test]
fn non_positive_values_are_skipped_on_log_axes() {
    let dir = out_dir("skip");
    let a = [0.0, -3.0, 10.0, 100.0, 1000.0];
    let b = [-1.0, 5.0, 50.0];
    let fig = DistributionFigure::new(vec![("a", &a), ("b", &b)]);
    let report = distribution_figure(&fig, &dir.join("log.svg")).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 5,
            skipped: 3
        }
    );
    let svg = std::fs::read_to_string(dir.join("log.svg")).unwrap();
    let texts = svg_texts(&svg);
    assert!(
        texts.contains(&"a (n = 3; 2 values ≤ 0 not on the log axis)"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"b (n = 2; 1 value ≤ 0 not on the log axis)"),
        "{texts:?}"
    );

    // Linear: nothing is skipped.
    let lin = DistributionFigure {
        log_x: false,
        ..fig.clone()
    };
    let report = distribution_figure(&lin, &dir.join("lin.png")).unwrap();
    assert_eq!((report.drawn, report.skipped), (8, 0));

    // A population with nothing drawable is still listed.
    let z = [0.0, 0.0];
    let fig = DistributionFigure::new(vec![("a", &a), ("zeros", &z)]);
    let report = distribution_figure(&fig, &dir.join("zeros.png")).unwrap();
    assert_eq!((report.drawn, report.skipped), (3, 4));

    // Nothing drawable at all.
    let fig = DistributionFigure::new(vec![("zeros", &z), ("neg", &[-1.0][..])]);
    assert!(matches!(
        distribution_figure(&fig, &dir.join("none.png")),
        Err(PlotError::NoPoints)
    ));
    assert!(!dir.join("none.png").exists());
}

#[test]
fn degenerate_samples_draw() {
    let dir = out_dir("degenerate");
    let one = [42.0];
    let same = [7.0; 50];
    for log_x in [true, false] {
        let fig = DistributionFigure {
            log_x,
            ..DistributionFigure::new(vec![("one", &one)])
        };
        assert_eq!(
            distribution_figure(&fig, &dir.join("one.png"))
                .unwrap()
                .drawn,
            1
        );
        let fig = DistributionFigure {
            log_x,
            ..DistributionFigure::new(vec![("same", &same), ("one", &one)])
        };
        assert_eq!(
            distribution_figure(&fig, &dir.join("same.svg"))
                .unwrap()
                .drawn,
            51
        );
    }
    // Ten populations, a long name and a multi-line note.
    let data: Vec<Vec<f64>> = (0..10)
        .map(|k| (1..=30).map(|i| f64::from(i * (k + 1))).collect())
        .collect();
    let long = "a very long population name that goes on and on and on";
    let samples = data
        .iter()
        .enumerate()
        .map(|(k, v)| (if k == 0 { long } else { "p" }, v.as_slice()))
        .collect();
    let fig = DistributionFigure {
        note: Some("first line\nsecond line".to_string()),
        ..DistributionFigure::new(samples)
    };
    let path = dir.join("ten.svg");
    assert_eq!(distribution_figure(&fig, &path).unwrap().drawn, 300);
    keep(&path);
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("first line") && svg.contains("second line"));
    assert!(svg.contains("…") && !svg.contains("on and on and on"));
}

fn invalid_dist(fig: &DistributionFigure, path: &Path) -> String {
    match distribution_figure(fig, path) {
        Err(PlotError::InvalidInput(msg)) => {
            assert!(!path.exists(), "nothing written for {msg}");
            msg
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn invalid_distribution_inputs_are_errors() {
    let dir = out_dir("invalid-dist");
    let path = dir.join("bad.png");
    let ok = [1.0, 2.0, 3.0];
    let msg = invalid_dist(&DistributionFigure::new(vec![]), &path);
    assert_eq!(msg, "samples is empty");
    let msg = invalid_dist(
        &DistributionFigure::new(vec![("a", &ok), ("b", &[])]),
        &path,
    );
    assert!(msg.contains("sample 1 (\"b\") is empty"), "{msg}");
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let v = [1.0, 2.0, bad];
        for log_x in [true, false] {
            let fig = DistributionFigure {
                log_x,
                ..DistributionFigure::new(vec![("a", &ok), ("b", &v)])
            };
            let msg = invalid_dist(&fig, &path);
            assert!(
                msg.contains("value [2]") && msg.contains("not finite"),
                "{msg}"
            );
            assert!(matches!(
                distribution_figure(&fig, &dir.join("bad.svg")),
                Err(PlotError::InvalidInput(_))
            ));
        }
    }
    let eleven = vec![("p", &ok[..]); 11];
    let msg = invalid_dist(&DistributionFigure::new(eleven), &path);
    assert!(msg.contains("11 samples"), "{msg}");
    let err = distribution_figure(&DistributionFigure::new(vec![]), &path).unwrap_err();
    assert_eq!(err.to_string(), "invalid input: samples is empty");
}

#[test]
fn unknown_extensions_are_unsupported() {
    let dir = out_dir("ext");
    let v = [1.0, 2.0];
    let flags = [false, true];
    let dist = DistributionFigure::new(vec![("a", &v)]);
    let kde = KdeFlagFigure::new(&v, &flags);
    for (name, ext) in [
        ("t.jpg", "jpg"),
        ("t", ""),
        ("t.html", "html"),
        ("t.HTM", "HTM"),
    ] {
        match distribution_figure(&dist, &dir.join(name)) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, ext),
            other => panic!("{name}: expected UnsupportedFormat, got {other:?}"),
        }
        match kde_flag_figure(&kde, &dir.join(name)) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, ext),
            other => panic!("{name}: expected UnsupportedFormat, got {other:?}"),
        }
        assert!(!dir.join(name).exists());
    }
    // The extension is checked before the inputs.
    assert!(matches!(
        distribution_figure(&DistributionFigure::new(vec![]), &dir.join("t.gif")),
        Err(PlotError::UnsupportedFormat(_))
    ));
    assert!(matches!(
        kde_flag_figure(&KdeFlagFigure::new(&[], &[]), &dir.join("t.gif")),
        Err(PlotError::UnsupportedFormat(_))
    ));
    assert!(distribution_figure(&dist, &dir.join("t.SVG")).is_ok());
    assert!(kde_flag_figure(&kde, &dir.join("t.Png")).is_ok());
}

#[test]
fn unwritable_path_is_an_io_error() {
    let dir = out_dir("io");
    let v = [1.0, 2.0];
    let flags = [false, true];
    for ext in ["png", "svg"] {
        let path = dir.join("missing-subdir").join(format!("t.{ext}"));
        match distribution_figure(&DistributionFigure::new(vec![("a", &v)]), &path) {
            Err(PlotError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{ext}: expected Io error, got {other:?}"),
        }
        match kde_flag_figure(&KdeFlagFigure::new(&v, &flags), &path) {
            Err(PlotError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{ext}: expected Io error, got {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// KDE figures.

/// Gaussian kernel density of `data` (1-D) at `at` with bandwidth `h`.
fn kde_1d(data: &[f64], h: f64, at: f64) -> f64 {
    let norm = 1.0 / (data.len() as f64 * h * (2.0 * std::f64::consts::PI).sqrt());
    data.iter()
        .map(|d| (-0.5 * ((at - d) / h).powi(2)).exp())
        .sum::<f64>()
        * norm
}

/// Product-kernel Gaussian density of 2-D `data` at `(x, y)`.
fn kde_2d(data: &[(f64, f64)], (hx, hy): (f64, f64), (x, y): (f64, f64)) -> f64 {
    let norm = 1.0 / (data.len() as f64 * 2.0 * std::f64::consts::PI * hx * hy);
    data.iter()
        .map(|(a, b)| (-0.5 * (((x - a) / hx).powi(2) + ((y - b) / hy).powi(2))).exp())
        .sum::<f64>()
        * norm
}

fn std_dev(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// The density threshold below which the `k` lowest-density points lie.
fn threshold_for(dens: &[f64], k: usize) -> f64 {
    let mut sorted = dens.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[k - 1] / 2.0 + sorted[k] / 2.0
}

struct Kde2d {
    x: Vec<f64>,
    y: Vec<f64>,
    flagged: Vec<bool>,
    truth: Vec<bool>,
    xs: Vec<f64>,
    ys: Vec<f64>,
    z: Vec<f64>,
    threshold: f64,
}

/// 300 hosts: log10 upload bytes per day and log10 distinct destinations,
/// correlated; the last 12 are planted outliers (ground truth). The 15
/// lowest-density hosts are flagged.
fn kde_2d_sample() -> Kde2d {
    let mut rng = Rng(11);
    let mut pts: Vec<(f64, f64)> = (0..288)
        .map(|_| {
            let a = rng.normal();
            let b = 0.6 * a + 0.8 * rng.normal();
            (5.0 + 0.45 * a, 1.4 + 0.35 * b)
        })
        .collect();
    for _ in 0..12 {
        let t = rng.uniform() * std::f64::consts::TAU;
        let r = 1.3 + 0.6 * rng.uniform();
        pts.push((
            5.0 + r * 0.45 * 2.2 * t.cos(),
            1.4 + r * 0.35 * 2.2 * t.sin(),
        ));
    }
    let x: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let y: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let n = pts.len() as f64;
    let f = n.powf(-1.0 / 6.0); // Scott, d = 2
    let h = (std_dev(&x) * f, std_dev(&y) * f);
    let dens: Vec<f64> = pts.iter().map(|p| kde_2d(&pts, h, *p)).collect();
    let threshold = threshold_for(&dens, 15);
    let flagged = dens.iter().map(|d| *d < threshold).collect();
    let truth = (0..pts.len()).map(|i| i >= 288).collect();
    let (nx, ny) = (160, 120);
    let xs: Vec<f64> = (0..nx)
        .map(|i| 2.6 + 4.8 * f64::from(i) / f64::from(nx - 1))
        .collect();
    let ys: Vec<f64> = (0..ny)
        .map(|j| -0.2 + 3.2 * f64::from(j) / f64::from(ny - 1))
        .collect();
    let z = ys
        .iter()
        .flat_map(|&yv| xs.iter().map(move |&xv| (xv, yv)))
        .map(|p| kde_2d(&pts, h, p))
        .collect();
    Kde2d {
        x,
        y,
        flagged,
        truth,
        xs,
        ys,
        z,
        threshold,
    }
}

fn figure_2d(s: &Kde2d) -> KdeFlagFigure<'_> {
    KdeFlagFigure {
        title: "Hosts with low upload density (2-D KDE)".to_string(),
        y: Some(&s.y),
        truth: Some(&s.truth),
        density: DensityOverlay::Grid {
            xs: &s.xs,
            ys: &s.ys,
            z: &s.z,
        },
        threshold: Some(s.threshold),
        x_label: "log10 upload bytes per day".to_string(),
        y_label: "log10 distinct destinations per day".to_string(),
        ..KdeFlagFigure::new(&s.x, &s.flagged)
    }
}

#[test]
fn kde_2d_png_and_svg() {
    let dir = out_dir("kde2d");
    let s = kde_2d_sample();
    assert_eq!(s.flagged.iter().filter(|f| **f).count(), 15);
    let hits = s
        .flagged
        .iter()
        .zip(&s.truth)
        .filter(|(f, t)| **f && **t)
        .count();
    let fig = figure_2d(&s);
    let path = dir.join("kde2d.png");
    let report = kde_flag_figure(&fig, &path).unwrap();
    assert_eq!(
        report,
        PlotReport {
            drawn: 300,
            skipped: 0
        }
    );
    assert_eq!(png_size(&path), (1000, 700));
    keep(&path);

    let path = dir.join("kde2d.svg");
    kde_flag_figure(&fig, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    let truth_text = format!(
        "ground truth (12): {hits} true positives, {} missed",
        12 - hits
    );
    for text in [
        "Hosts with low upload density (2-D KDE)",
        "not flagged (285)",
        "flagged (15)",
        truth_text.as_str(),
        "log10 upload bytes per day",
        "log10 distinct destinations per day",
        "KDE density",
    ] {
        assert!(texts.contains(&text), "missing {text:?} in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.starts_with("threshold: density ")),
        "{texts:?}"
    );
    keep(&path);

    // Without grid, truth or threshold: only the scatter; default y title.
    let plain = KdeFlagFigure {
        y: Some(&s.y),
        ..KdeFlagFigure::new(&s.x, &s.flagged)
    };
    let path = dir.join("plain.svg");
    assert_eq!(kde_flag_figure(&plain, &path).unwrap().drawn, 300);
    keep(&path);
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"x") && texts.contains(&"y"), "{texts:?}");
    assert!(!svg.contains("ground truth") && !svg.contains("threshold"));
    assert!(!svg.contains("KDE density"));

    // Small size and an all-zero grid.
    let zeros = vec![0.0; s.z.len()];
    let small = KdeFlagFigure {
        width: 500,
        height: 400,
        density: DensityOverlay::Grid {
            xs: &s.xs,
            ys: &s.ys,
            z: &zeros,
        },
        ..figure_2d(&s)
    };
    let path = dir.join("small.png");
    kde_flag_figure(&small, &path).unwrap();
    keep(&path);
    assert_eq!(png_size(&path), (500, 400));
    // Nothing shaded and no contour: no colour bar, no threshold entry.
    let path = dir.join("small.svg");
    kde_flag_figure(&small, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("flagged (15)") && svg.contains("ground truth (12)"));
    assert!(!svg.contains("KDE density") && !svg.contains("threshold"));
}

struct Kde1d {
    x: Vec<f64>,
    flagged: Vec<bool>,
    truth: Vec<bool>,
    grid: Vec<f64>,
    density: Vec<f64>,
    threshold: f64,
}

/// 300 hosts' log10 upload bytes per day (the last 10 exfiltrating, far
/// above the rest); the 15 lowest-density hosts flagged.
fn kde_1d_sample() -> Kde1d {
    let mut rng = Rng(3);
    let mut x: Vec<f64> = (0..290).map(|_| 5.0 + 0.5 * rng.normal()).collect();
    x.extend((0..10).map(|_| 7.0 + 0.4 * rng.normal()));
    let h = 1.06 * std_dev(&x) * (x.len() as f64).powf(-0.2);
    let dens: Vec<f64> = x.iter().map(|v| kde_1d(&x, h, *v)).collect();
    let threshold = threshold_for(&dens, 15);
    let flagged = dens.iter().map(|d| *d < threshold).collect();
    let truth = (0..x.len()).map(|i| i >= 290).collect();
    let grid: Vec<f64> = (0..512).map(|i| 2.5 + 6.5 * f64::from(i) / 511.0).collect();
    let density = grid.iter().map(|g| kde_1d(&x, h, *g)).collect();
    Kde1d {
        x,
        flagged,
        truth,
        grid,
        density,
        threshold,
    }
}

fn figure_1d(s: &Kde1d) -> KdeFlagFigure<'_> {
    KdeFlagFigure {
        title: "Hosts with low upload density (1-D KDE)".to_string(),
        truth: Some(&s.truth),
        density: DensityOverlay::Curve {
            grid: &s.grid,
            density: &s.density,
        },
        threshold: Some(s.threshold),
        x_label: "log10 upload bytes per day".to_string(),
        ..KdeFlagFigure::new(&s.x, &s.flagged)
    }
}

#[test]
fn kde_1d_png_and_svg() {
    let dir = out_dir("kde1d");
    let s = kde_1d_sample();
    let fig = figure_1d(&s);
    let path = dir.join("kde1d.png");
    assert_eq!(kde_flag_figure(&fig, &path).unwrap().drawn, 300);
    assert_eq!(png_size(&path), (1000, 700));
    keep(&path);

    let path = dir.join("kde1d.svg");
    kde_flag_figure(&fig, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    let texts = svg_texts(&svg);
    for text in [
        "Hosts with low upload density (1-D KDE)",
        "flagged (15)",
        "not flagged (285)",
        "KDE density",
        "density",
        "log10 upload bytes per day",
    ] {
        assert!(texts.contains(&text), "missing {text:?} in {texts:?}");
    }
    assert!(
        texts.iter().any(|t| t.starts_with("ground truth (10): ")),
        "{texts:?}"
    );
    let threshold = format!(
        "threshold: density {}",
        threatstat_plot::format_value(s.threshold)
    );
    assert!(texts.contains(&threshold.as_str()), "{texts:?}");
    keep(&path);

    // Without a curve: only the rug; no threshold, no truth.
    let bare = KdeFlagFigure::new(&s.x, &s.flagged);
    let path = dir.join("bare.png");
    assert_eq!(kde_flag_figure(&bare, &path).unwrap().drawn, 300);
    keep(&path);
    assert_eq!(png_size(&path), (1000, 700));
    // A threshold without a curve is not drawn, so not in the legend.
    let path = dir.join("bare.svg");
    let bare = KdeFlagFigure {
        threshold: Some(s.threshold),
        ..bare
    };
    kde_flag_figure(&bare, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("not flagged (285)") && !svg.contains("threshold"));
    // A single point.
    let fig = KdeFlagFigure::new(&[3.0], &[true]);
    assert_eq!(
        kde_flag_figure(&fig, &dir.join("one.svg")).unwrap().drawn,
        1
    );
}

fn invalid_kde(fig: &KdeFlagFigure, path: &Path) -> String {
    match kde_flag_figure(fig, path) {
        Err(PlotError::InvalidInput(msg)) => {
            assert!(!path.exists(), "nothing written for {msg}");
            msg
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn invalid_kde_inputs_are_errors() {
    let dir = out_dir("invalid-kde");
    let path = dir.join("bad.png");
    let x = [1.0, 2.0, 3.0];
    let y = [1.0, 2.0, 3.0];
    let flags = [false, true, false];
    let ok = KdeFlagFigure::new(&x, &flags);

    assert_eq!(
        invalid_kde(&KdeFlagFigure::new(&[], &[]), &path),
        "x is empty"
    );
    let msg = invalid_kde(&KdeFlagFigure::new(&x, &flags[..2]), &path);
    assert_eq!(msg, "flagged has 2 entries but x has 3");
    let msg = invalid_kde(
        &KdeFlagFigure {
            y: Some(&y[..1]),
            ..ok.clone()
        },
        &path,
    );
    assert_eq!(msg, "y has 1 entries but x has 3");
    let msg = invalid_kde(
        &KdeFlagFigure {
            truth: Some(&[true; 4]),
            ..ok.clone()
        },
        &path,
    );
    assert_eq!(msg, "truth has 4 entries but x has 3");

    let nan_x = [1.0, f64::NAN, 3.0];
    let msg = invalid_kde(&KdeFlagFigure::new(&nan_x, &flags), &path);
    assert!(msg.starts_with("x[1] = NaN"), "{msg}");
    let inf_y = [1.0, 2.0, f64::INFINITY];
    let msg = invalid_kde(
        &KdeFlagFigure {
            y: Some(&inf_y),
            ..ok.clone()
        },
        &path,
    );
    assert!(msg.starts_with("y[2] = inf"), "{msg}");
    for t in [f64::NAN, -1.0, f64::INFINITY] {
        let msg = invalid_kde(
            &KdeFlagFigure {
                threshold: Some(t),
                ..ok.clone()
            },
            &path,
        );
        assert!(msg.starts_with("threshold = "), "{msg}");
    }

    // Curves.
    let grid = [0.0, 1.0, 2.0, 3.0];
    let dens = [0.1, 0.3, 0.2, 0.0];
    let curve = |grid: &'static [f64], density: &'static [f64]| KdeFlagFigure {
        density: DensityOverlay::Curve { grid, density },
        ..KdeFlagFigure::new(&[1.0, 2.0, 3.0], &[false, true, false])
    };
    let _ = (grid, dens);
    let msg = invalid_kde(&curve(&[0.0, 1.0, 2.0, 3.0], &[0.1, 0.3, 0.2]), &path);
    assert_eq!(msg, "density has 3 entries but grid has 4");
    let msg = invalid_kde(&curve(&[0.0, 1.0, 1.0], &[0.1, 0.3, 0.2]), &path);
    assert!(
        msg.contains("grid is not strictly increasing at [2]"),
        "{msg}"
    );
    let msg = invalid_kde(&curve(&[0.0], &[0.1]), &path);
    assert!(msg.contains("at least 2"), "{msg}");
    let msg = invalid_kde(&curve(&[0.0, 1.0, 2.0], &[0.1, -0.3, 0.2]), &path);
    assert_eq!(msg, "density[1] = -0.3 is negative");
    let msg = invalid_kde(&curve(&[0.0, 1.0, 2.0], &[0.1, f64::NAN, 0.2]), &path);
    assert_eq!(msg, "density[1] = NaN is not finite");
    let msg = invalid_kde(
        &KdeFlagFigure {
            y: Some(&y),
            ..curve(&[0.0, 1.0], &[0.1, 0.2])
        },
        &path,
    );
    assert!(msg.contains("needs 1-D points"), "{msg}");

    // Grids.
    let xs = [0.0, 1.0, 2.0];
    let ys = [0.0, 1.0];
    let z = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    let grid_fig = |xs: &'static [f64], ys: &'static [f64], z: &'static [f64]| KdeFlagFigure {
        y: Some(&[1.0, 2.0, 3.0]),
        density: DensityOverlay::Grid { xs, ys, z },
        ..KdeFlagFigure::new(&[1.0, 2.0, 3.0], &[false, true, false])
    };
    let _ = (xs, ys, z);
    let ok_grid = grid_fig(
        &[0.0, 1.0, 2.0],
        &[0.0, 1.0],
        &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    );
    assert!(kde_flag_figure(&ok_grid, &dir.join("ok.svg")).is_ok());
    let msg = invalid_kde(
        &grid_fig(&[0.0, 1.0, 2.0], &[0.0, 1.0], &[0.1, 0.2, 0.3, 0.4, 0.5]),
        &path,
    );
    assert!(msg.starts_with("z has 5 entries"), "{msg}");
    let msg = invalid_kde(
        &grid_fig(
            &[0.0, 2.0, 1.0],
            &[0.0, 1.0],
            &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        ),
        &path,
    );
    assert!(msg.starts_with("xs is not strictly increasing"), "{msg}");
    let msg = invalid_kde(&grid_fig(&[0.0, 1.0, 2.0], &[0.0], &[0.1, 0.2, 0.3]), &path);
    assert!(msg.starts_with("ys has 1 entries"), "{msg}");
    let msg = invalid_kde(
        &grid_fig(
            &[0.0, 1.0, 2.0],
            &[0.0, 1.0],
            &[0.1, 0.2, 0.3, 0.4, -0.5, 0.6],
        ),
        &path,
    );
    assert_eq!(msg, "z[4] = -0.5 is negative");
    let msg = invalid_kde(
        &grid_fig(
            &[0.0, 1.0, 2.0],
            &[0.0, 1.0],
            &[0.1, 0.2, f64::INFINITY, 0.4, 0.5, 0.6],
        ),
        &path,
    );
    assert_eq!(msg, "z[2] = inf is not finite");
    let msg = invalid_kde(
        &KdeFlagFigure {
            y: None,
            ..ok_grid.clone()
        },
        &path,
    );
    assert!(msg.contains("needs 2-D points"), "{msg}");
    for ext in ["svg", "png"] {
        let p = dir.join(format!("bad.{ext}"));
        assert!(matches!(
            kde_flag_figure(&KdeFlagFigure::new(&nan_x, &flags), &p),
            Err(PlotError::InvalidInput(_))
        ));
        assert!(!p.exists());
    }
}

#[test]
fn extreme_values_draw() {
    let dir = out_dir("extreme");
    let huge = [-f64::MAX, 0.0, f64::MAX];
    let tiny = [f64::MIN_POSITIVE, 1.0, f64::MAX];
    let wide = [1e-300, 1e300];
    for (k, (log_x, v)) in [(false, &huge[..]), (true, &tiny[..]), (true, &wide[..])]
        .into_iter()
        .enumerate()
    {
        let fig = DistributionFigure {
            log_x,
            ..DistributionFigure::new(vec![("a", v), ("b", &[1.0, 2.0][..])])
        };
        for ext in ["png", "svg"] {
            let path = dir.join(format!("extreme-d{k}.{ext}"));
            let report = distribution_figure(&fig, &path).unwrap();
            keep(&path);
            assert_eq!(report.drawn, v.len() + 2);
        }
    }
    let flags = [true, false, true];
    let y = [f64::MAX, -f64::MAX, 0.0];
    let curve_x = [-f64::MAX, f64::MAX];
    let dens = [f64::MAX, 0.0];
    for (k, fig) in [
        KdeFlagFigure::new(&huge, &flags),
        KdeFlagFigure {
            y: Some(&y),
            ..KdeFlagFigure::new(&huge, &flags)
        },
        KdeFlagFigure {
            density: DensityOverlay::Curve {
                grid: &curve_x,
                density: &dens,
            },
            threshold: Some(f64::MAX),
            ..KdeFlagFigure::new(&huge, &flags)
        },
    ]
    .into_iter()
    .enumerate()
    {
        for ext in ["png", "svg"] {
            let path = dir.join(format!("extreme-k{k}.{ext}"));
            assert_eq!(kde_flag_figure(&fig, &path).unwrap().drawn, 3);
            keep(&path);
        }
    }
}
