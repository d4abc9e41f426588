//! Renders every figure of the crate from small deterministic inputs, as PNG
//! and SVG, so that a change to the shared frame can be looked at figure by
//! figure (before and after).
//!
//! ```text
//! cargo run -p threatstat-plot --example gallery -- [OUT_DIR]
//! ```
//!
//! Writes `<figure>.{png,svg}` into `OUT_DIR` (default: the system temporary
//! directory) and prints the paths.

use std::path::Path;

use threatstat_plot::{
    AcfFigure, CalibrationFigure, CalibrationRow, ChainFigure, ChangepointFigure, DensityOverlay,
    DistributionFigure, HeatmapFigure, ImportanceFigure, KdeFlagFigure, PlotError,
    RankHistogramFigure, RecallFigure, RocFigure, TimelinePoint, TimelineSpec, acf_figure,
    calibration_figure, chain_figure, changepoint_figure, distribution_figure, heatmap_figure,
    importance_figure, kde_flag_figure, rank_histogram_figure, recall_figure, roc_figure, timeline,
};

#[path = "common/lcg.rs"]
mod lcg;
use lcg::Lcg;

/// Approximately standard normal (sum of 12 uniforms).
fn normal(rng: &mut Lcg) -> f64 {
    (0..12).map(|_| rng.next()).sum::<f64>() - 6.0
}

fn both(
    dir: &Path,
    name: &str,
    f: &dyn Fn(&Path) -> Result<(), PlotError>,
) -> Result<(), PlotError> {
    for ext in ["png", "svg"] {
        let path = dir.join(format!("{name}.{ext}"));
        f(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)?;
    let mut rng = Lcg(7);

    // Timeline: three users over two months.
    let start = 1_583_020_800.0; // 2020-03-01 00:00:00 UTC
    let users = ["alice@corp.example", "bob@corp.example", "svc-backup"];
    let points: Vec<TimelinePoint> = (0..150)
        .map(|i| TimelinePoint {
            time_unix_s: start + rng.next() * 61.0 * 86_400.0,
            value: 10f64.powf(-5.0 * rng.next()),
            group: users[i % 3].to_string(),
            hover: Vec::new(),
        })
        .collect();
    let spec = TimelineSpec {
        title: "Session likelihoods".to_string(),
        y_label: "likelihood".to_string(),
        ..TimelineSpec::default()
    };
    both(&dir, "timeline", &|p| {
        timeline(&points, &spec, p).map(|_| ())
    })?;

    // Changepoint: 60 days, rate 4 then 9 from day 38.
    let counts: Vec<f64> = (0..60)
        .map(|d| {
            let lam: f64 = if d < 38 { 4.0 } else { 9.0 };
            (lam + lam.sqrt() * normal(&mut rng)).round().max(0.0)
        })
        .collect();
    let tau: Vec<f64> = (0..60)
        .map(|d| (-(f64::from(d) - 38.0).powi(2) / 3.0).exp())
        .collect();
    let total: f64 = tau.iter().sum();
    let tau: Vec<f64> = tau.iter().map(|t| t / total).collect();
    let rate: Vec<f64> = (0..60).map(|d| if d < 38 { 4.1 } else { 8.8 }).collect();
    let cp = ChangepointFigure {
        title: "Logons of user ACM2278 per day".to_string(),
        true_tau: Some(38),
        count_label: "logons per day".to_string(),
        ..ChangepointFigure::new(&counts, &tau, &rate)
    };
    both(&dir, "changepoint", &|p| {
        changepoint_figure(&cp, p).map(|_| ())
    })?;

    // ACF: a weekly series.
    let series: Vec<f64> = (0..70)
        .map(|d| 20.0 + if d % 7 == 0 { 30.0 } else { 0.0 } + 3.0 * normal(&mut rng))
        .collect();
    let acf: Vec<f64> = (1..=20)
        .map(|k| if k % 7 == 0 { 0.8 } else { -0.1 })
        .collect();
    let af = AcfFigure {
        title: "API calls of role deploy-bot".to_string(),
        count_label: "calls per day".to_string(),
        time_label: "day (UTC)".to_string(),
        lag_unit: "days".to_string(),
        highlight_lag: Some(7),
        threshold: Some(0.5),
        ..AcfFigure::new(&series, &acf)
    };
    both(&dir, "acf", &|p| acf_figure(&af, p).map(|_| ()))?;

    // Distribution: two log-normal populations.
    let all: Vec<f64> = (0..3000)
        .map(|_| 10f64.powf(4.0 + 0.6 * normal(&mut rng)))
        .collect();
    let red: Vec<f64> = (0..80)
        .map(|_| 10f64.powf(5.2 + 0.5 * normal(&mut rng)))
        .collect();
    let df = DistributionFigure {
        title: "Upload bytes: compromised users vs all users".to_string(),
        x_label: "upload bytes per user-day".to_string(),
        note: Some("Mann-Whitney U p = 3.2e-12".to_string()),
        ..DistributionFigure::new(vec![("all users", &all), ("compromised", &red)])
    };
    both(&dir, "distribution", &|p| {
        distribution_figure(&df, p).map(|_| ())
    })?;

    // KDE 1-D.
    let x: Vec<f64> = (0..300).map(|_| 5.0 + 0.5 * normal(&mut rng)).collect();
    let grid: Vec<f64> = (0..=120).map(|i| 3.0 + f64::from(i) * 0.035).collect();
    let dens: Vec<f64> = grid
        .iter()
        .map(|g| (-(g - 5.0f64).powi(2) * 2.0).exp() * 0.8)
        .collect();
    let flagged: Vec<bool> = x.iter().map(|v| (v - 5.0f64).abs() > 0.9).collect();
    let truth: Vec<bool> = x.iter().map(|v| *v > 5.8).collect();
    let k1 = KdeFlagFigure {
        title: "Hosts with unusual upload volume".to_string(),
        density: DensityOverlay::Curve {
            grid: &grid,
            density: &dens,
        },
        truth: Some(&truth),
        threshold: Some(0.15),
        x_label: "log10 upload bytes per day".to_string(),
        ..KdeFlagFigure::new(&x, &flagged)
    };
    both(&dir, "kde_1d", &|p| kde_flag_figure(&k1, p).map(|_| ()))?;

    // KDE 2-D.
    let y: Vec<f64> = (0..300).map(|_| 2.0 + 0.7 * normal(&mut rng)).collect();
    let xs: Vec<f64> = (0..=40).map(|i| 3.0 + f64::from(i) * 0.1).collect();
    let ys: Vec<f64> = (0..=40).map(|j| -1.0 + f64::from(j) * 0.15).collect();
    let z: Vec<f64> = ys
        .iter()
        .flat_map(|yy| {
            xs.iter()
                .map(move |xx| (-(xx - 5.0f64).powi(2) * 2.0 - (yy - 2.0f64).powi(2)).exp() * 0.45)
        })
        .collect();
    let flag2: Vec<bool> = x
        .iter()
        .zip(&y)
        .map(|(a, b)| (a - 5.0f64).powi(2) * 2.0 + (b - 2.0f64).powi(2) > 4.0)
        .collect();
    let k2 = KdeFlagFigure {
        title: "Hosts: upload volume and destinations".to_string(),
        y: Some(&y),
        density: DensityOverlay::Grid {
            xs: &xs,
            ys: &ys,
            z: &z,
        },
        threshold: Some(0.45 * (-4.0f64).exp()),
        x_label: "log10 upload bytes per day".to_string(),
        y_label: "distinct destinations".to_string(),
        ..KdeFlagFigure::new(&x, &flag2)
    };
    both(&dir, "kde_2d", &|p| kde_flag_figure(&k2, p).map(|_| ()))?;

    // Heatmap and chain.
    let tactics: Vec<String> = ["Initial Access", "Execution", "Persistence", "Exfiltration"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let values: Vec<Vec<f64>> = (0..4)
        .map(|i| (0..4).map(|j| if i == j { 0.1 } else { 0.3 }).collect())
        .collect();
    let hm = HeatmapFigure {
        title: "Tactic transition probabilities".to_string(),
        subtitle: "first-order Markov chain, add-one smoothing".to_string(),
        row_title: "from tactic".to_string(),
        column_title: "to tactic".to_string(),
        value_label: "P(next | current)".to_string(),
        highlight: vec![(0, 1)],
        ..HeatmapFigure::new(&tactics, &tactics, &values)
    };
    both(&dir, "heatmap", &|p| heatmap_figure(&hm, p).map(|_| ()))?;
    let steps = [0.31, 0.22, 0.4];
    let ch = ChainFigure {
        title: "Most likely tactic chain".to_string(),
        caption: "P(chain) = 0.027".to_string(),
        ..ChainFigure::new(&tactics, &steps)
    };
    both(&dir, "chain", &|p| chain_figure(&ch, p).map(|_| ()))?;

    // Calibration (with a long x label, as in calibration_fdr).
    let rows: Vec<CalibrationRow> = (0..5)
        .map(|i| CalibrationRow {
            label: if i < 2 {
                format!("Benjamini-Hochberg, independent z-tests, π0 = 0.{}, q = 0.05", 8 + i)
            } else {
                format!(
                    "automation rule {i}, complete null of 2000 sparse pairs (90 days, rate 0.05–0.3), --fdr 0.05"
                )
            },
            nominal: 0.05,
            nominal_se: 0.004,
            observed: 0.04 + 0.005 * f64::from(i),
            observed_se: 0.004,
            ok: i != 4,
        })
        .collect();
    let cf = CalibrationFigure {
        title: "False discovery rate".to_string(),
        x_label: "false discovery rate (complete null: share of runs with a discovery)".to_string(),
        width: 1500,
        ..CalibrationFigure::new(&rows)
    };
    both(&dir, "calibration", &|p| {
        calibration_figure(&cf, p).map(|_| ())
    })?;
    let h1 = [9usize, 11, 10, 12, 8, 10, 9, 11, 10, 10];
    let h2 = [12usize, 9, 8, 10, 11, 10, 12, 9, 9, 10];
    let rh = RankHistogramFigure {
        title: "SBC rank histograms".to_string(),
        ..RankHistogramFigure::new(vec![
            ("Gibbs: λ1".to_string(), &h1[..]),
            ("Gibbs: λ2".to_string(), &h2[..]),
            ("Gibbs: τ".to_string(), &h1[..]),
            ("Exact: τ".to_string(), &h2[..]),
        ])
    };
    both(&dir, "rank_histogram", &|p| {
        rank_histogram_figure(&rh, p).map(|_| ())
    })?;

    // Features: ROC and importance.
    let roc_a: Vec<(f64, f64)> = (0..=50)
        .map(|i| {
            let f = f64::from(i) / 50.0;
            (f, f.powf(0.35))
        })
        .collect();
    let roc_b: Vec<(f64, f64)> = (0..=50)
        .map(|i| {
            let f = f64::from(i) / 50.0;
            (f, f.powf(0.6))
        })
        .collect();
    let rf = RocFigure {
        title: "ROC of the red-team classifier".to_string(),
        curves: vec![
            ("test set (AUC 0.74)".to_string(), &roc_a[..]),
            ("train set (AUC 0.62)".to_string(), &roc_b[..]),
        ],
        ..RocFigure::new("", &roc_a)
    };
    both(&dir, "roc", &|p| roc_figure(&rf, p).map(|_| ()))?;
    let bars: Vec<(String, f64)> = ["distinct_dst", "logons", "failures", "night_share"]
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), 0.4 / (i as f64 + 1.0)))
        .collect();
    let imf = ImportanceFigure {
        title: "Feature importance".to_string(),
        ..ImportanceFigure::new(&bars)
    };
    both(&dir, "importance", &|p| {
        importance_figure(&imf, p).map(|_| ())
    })?;

    // Recall at k: 10 planted users, three runs (seeds) per ranking; the
    // curves are the means (steps), the bands the ranges over the runs.
    let recall = |ranks: &dyn Fn(f64) -> f64, run: f64| -> Vec<f64> {
        let hits: Vec<f64> = (1..=10)
            .map(|i| ranks(f64::from(i)) * (1.0 + 0.2 * run))
            .collect();
        (1..=40)
            .map(|k| hits.iter().filter(|&&r| r.round() <= f64::from(k)).count() as f64 / 10.0)
            .collect()
    };
    let runs_a: Vec<Vec<f64>> = (0..3)
        .map(|j| recall(&|i| i.powf(1.6), f64::from(j)))
        .collect();
    let runs_b: Vec<Vec<f64>> = (0..3).map(|j| recall(&|i| 1.5 * i, f64::from(j))).collect();
    let mean = |runs: &[Vec<f64>]| -> Vec<f64> {
        (0..runs[0].len())
            .map(|k| runs.iter().map(|r| r[k]).sum::<f64>() / runs.len() as f64)
            .collect()
    };
    let (rec_a, rec_b) = (mean(&runs_a), mean(&runs_b));
    let rc = RecallFigure {
        title: "Recall of planted insiders (mean of 3 runs)".to_string(),
        curves: vec![
            ("switchpoint".to_string(), &rec_a[..]),
            ("episode".to_string(), &rec_b[..]),
        ],
        runs: vec![
            runs_a.iter().map(Vec::as_slice).collect(),
            runs_b.iter().map(Vec::as_slice).collect(),
        ],
        marker_k: Some(10),
        ..RecallFigure::new("", &rec_a)
    };
    both(&dir, "recall", &|p| recall_figure(&rc, p).map(|_| ()))?;
    Ok(())
}
