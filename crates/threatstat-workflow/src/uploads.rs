//! The LANL upload-bytes analysis: do compromised users upload differently,
//! and does a kernel density estimate single out their hosts?
//!
//! Following the published analysis of LANL's "Comprehensive, Multi-Source
//! Cyber-Security Events" data:
//!
//! 1. Human-owned computers come from successful interactive logons in
//!    `auth.txt` (`threatstat_datasets::lanl::OwnerMap`).
//! 2. Flows from such a computer are its owner's uploads, flows to it
//!    downloads; upload bytes are summed per user per interval (a day by
//!    default).
//! 3. The per-interval upload bytes of the compromised users (`redteam.txt`)
//!    are compared with those of the whole population by a Mann-Whitney U
//!    test at α = 0.01 (two-sided, as published, and one-sided "greater").
//! 4. The next step the analysis proposed: a Gaussian KDE over per-user
//!    features (log10 of the median and of the 95th percentile of the user's
//!    interval uploads); users in the lowest-density `contamination` share
//!    are flagged, and scored against the red-team list.

use crate::Error;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use threatstat_core::BadRowPolicy;
use threatstat_core::numerics::median;
use threatstat_datasets::lanl::{
    OwnerMap, OwnerRule, ParallelScan, RedTeam, UploadRow, upload_bytes_per_interval_with,
};
use threatstat_kde::{Bandwidth, Fit, GaussianKde, Threshold};
use threatstat_plot::{DensityOverlay, DistributionFigure, KdeFlagFigure};
use threatstat_ranktest::{Alternative, MannWhitney};

/// Settings of the analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UploadParams {
    /// Interval length in seconds (default one day).
    pub interval_s: u64,
    /// Significance level of the test (default 0.01, as published).
    pub alpha: f64,
    /// Share of users flagged as low density (default 0.05).
    pub contamination: f64,
    /// What to do with bad input rows.
    pub bad_rows: BadRowPolicy,
    /// Write the figures (default true).
    pub figures: bool,
    /// Show a progress bar with throughput on standard error while reading
    /// `auth.txt` and `flows.txt` (default false).
    pub progress: bool,
}

impl UploadParams {
    /// Checks the settings: `alpha` and `contamination` in (0, 1), a
    /// positive interval ([`run`] and [`analyse`] call it before any work).
    ///
    /// ```
    /// use threatstat_workflow::uploads::UploadParams;
    /// assert!(UploadParams::default().check().is_ok());
    /// let e = UploadParams { alpha: 1.5, ..Default::default() }.check().unwrap_err();
    /// assert!(matches!(e, threatstat_core::Error::Param { name: "alpha", .. }), "{e}");
    /// ```
    pub fn check(&self) -> Result<(), threatstat_core::Error> {
        use threatstat_core::Error;
        let in_unit = |x: f64| x > 0.0 && x < 1.0;
        if !in_unit(self.alpha) {
            return Err(Error::param("alpha", self.alpha, "a level in (0, 1)"));
        }
        if !in_unit(self.contamination) {
            return Err(Error::param(
                "contamination",
                self.contamination,
                "a share in (0, 1)",
            ));
        }
        if self.interval_s == 0 {
            return Err(Error::param("interval_s", 0, "at least 1 second"));
        }
        Ok(())
    }
}

impl Default for UploadParams {
    fn default() -> Self {
        UploadParams {
            interval_s: 86_400,
            alpha: 0.01,
            contamination: 0.05,
            bad_rows: BadRowPolicy::Error,
            figures: true,
            progress: false,
        }
    }
}

/// A Mann-Whitney U result, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// Alternative tested.
    pub alternative: String,
    /// U of the compromised sample.
    pub u: f64,
    /// p-value.
    pub p_value: f64,
    /// Natural log of the p-value (accurate when it underflows).
    pub ln_p_value: f64,
    /// Method used.
    pub method: String,
    /// Rank-biserial correlation (> 0: compromised upload more).
    pub rank_biserial: f64,
    /// P(X > Y) + P(X = Y)/2.
    pub cles: f64,
    /// Hodges–Lehmann shift in bytes (compromised − all).
    pub hodges_lehmann: f64,
    /// Its confidence interval.
    pub ci: [f64; 2],
    /// Whether p < α.
    pub reject: bool,
}

/// The KDE flags scored against the red-team list.
#[derive(Debug, Clone, Serialize)]
pub struct KdeReport {
    /// Users with features.
    pub users: usize,
    /// Kernel factor (Scott's rule).
    pub factor: f64,
    /// Density threshold of the flags.
    pub threshold: f64,
    /// Users flagged.
    pub flagged: usize,
    /// Flagged users that are compromised.
    pub true_positives: usize,
    /// Compromised users with features.
    pub compromised: usize,
    /// true_positives / flagged.
    pub precision: f64,
    /// true_positives / compromised.
    pub recall: f64,
    /// Precision of flagging at random: compromised / users.
    pub base_rate: f64,
    /// Users whose leave-one-out density was computed exactly: all of them
    /// up to 20,000 users; above, those near or below the threshold, the
    /// others being grid estimates (`GaussianKde::flag_low_density_large`).
    pub exact_densities: usize,
    /// Largest relative error of the grid estimates, measured exactly on a
    /// sample of them (0 when all densities are exact).
    pub grid_max_rel_error: f64,
}

/// What the analysis found.
#[derive(Debug, Clone, Serialize)]
pub struct UploadSummary {
    /// Users owning at least one computer.
    pub owners: usize,
    /// Users with upload rows.
    pub users: usize,
    /// Red-team users.
    pub redteam_users: usize,
    /// Red-team users with upload rows.
    pub compromised_users: usize,
    /// (user, interval) rows of all users.
    pub intervals_all: usize,
    /// (user, interval) rows of compromised users.
    pub intervals_compromised: usize,
    /// Median upload bytes per interval: all users.
    pub median_all: f64,
    /// Median upload bytes per interval: compromised users.
    pub median_compromised: f64,
    /// The published test: two-sided.
    pub mwu_two_sided: TestReport,
    /// One-sided: compromised upload more.
    pub mwu_greater: TestReport,
    /// KDE flagging.
    pub kde: KdeReport,
    /// Figures written (file names).
    pub figures: Vec<String>,
    /// Interval length (s).
    pub interval_s: u64,
    /// α.
    pub alpha: f64,
    /// Bad lines skipped (under `BadRowPolicy::Skip` only; absent when bad
    /// lines stop the run, so there are none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_rows: Option<SkippedRows>,
}

/// Bad lines skipped per input file, with the first messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SkippedRows {
    /// Lines of `auth.txt`.
    pub auth: u64,
    /// Lines of `flows.txt`.
    pub flows: u64,
    /// Lines of `redteam.txt` (a skipped line may drop a compromised user).
    pub redteam: u64,
    /// The first skip messages of `auth.txt` and `flows.txt`.
    pub examples: Vec<String>,
}

impl SkippedRows {
    /// All lines skipped.
    pub fn total(&self) -> u64 {
        self.auth + self.flows + self.redteam
    }
}

impl std::fmt::Display for SkippedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "skipped {} bad line(s): auth {}, flows {}, redteam {}",
            self.total(),
            self.auth,
            self.flows,
            self.redteam
        )?;
        for e in &self.examples {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// The `q` quantile of sorted values, interpolated as `lo + t (hi - lo)`.
///
/// Not [`threatstat_core::numerics::np_quantile_sorted`]: NumPy computes
/// `hi - (1 - t)(hi - lo)` when `t >= 0.5`, which differs in the last
/// digit for some users (e.g. 378173.8 instead of 378173.79999999993 in
/// `users.csv`), and the outputs keep their numbers. (The median, `t` 0
/// or 0.5 on whole byte counts, is exact either way: it is core's.)
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn report(x: &[f64], y: &[f64], alt: Alternative, alpha: f64) -> Result<TestReport, Error> {
    let r = MannWhitney::params().alternative(alt).test(x, y)?;
    Ok(TestReport {
        alternative: alt.as_str().to_string(),
        u: r.u,
        p_value: r.p_value,
        ln_p_value: r.ln_p_value,
        method: format!("{:?}", r.method).to_lowercase(),
        rank_biserial: r.rank_biserial,
        cles: r.cles,
        hodges_lehmann: r.hodges_lehmann,
        ci: [r.ci_low, r.ci_high],
        reject: r.p_value < alpha,
    })
}

/// Runs `f` with `scan`, showing a progress bar of the bytes it reads
/// from `path` (a fraction of the file size unless gzip) and their rate,
/// when `show` is set.
fn with_progress<T>(
    show: bool,
    path: &Path,
    scan: ParallelScan,
    f: impl FnOnce(ParallelScan) -> T,
) -> T {
    if !show {
        return f(scan);
    }
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = if gz || size == 0 {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::new(size)
    };
    let template = if gz || size == 0 {
        "{spinner} {msg}: {bytes} inflated ({bytes_per_sec}) {elapsed}"
    } else {
        "{bar:30} {msg}: {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})"
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar.set_message(
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
    );
    let read = Arc::new(AtomicU64::new(0));
    let done = AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                bar.set_position(read.load(Ordering::Relaxed));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        let out = f(scan.progress(Arc::clone(&read)));
        done.store(true, Ordering::Relaxed);
        out
    });
    bar.set_position(read.load(Ordering::Relaxed));
    bar.finish();
    out
}

/// Input files of the analysis.
#[derive(Debug, Clone)]
pub struct UploadInputs {
    /// `auth.txt` (gzip allowed).
    pub auth: PathBuf,
    /// `flows.txt`.
    pub flows: PathBuf,
    /// `redteam.txt`.
    pub redteam: PathBuf,
}

/// Runs the analysis and writes `summary.json`, `users.csv` and the figures
/// into `out_dir`.
pub fn run(
    inputs: &UploadInputs,
    out_dir: &Path,
    p: &UploadParams,
) -> Result<UploadSummary, Error> {
    p.check()?;
    std::fs::create_dir_all(out_dir)?;
    let scan = ParallelScan::new().bad_rows(p.bad_rows);
    let owners = with_progress(p.progress, &inputs.auth, scan.clone(), |scan| {
        OwnerMap::from_auth_scan(&inputs.auth, &OwnerRule::default(), scan)
    })?;
    no_data_rows(&inputs.auth, owners.summary().auth_events)?;
    let table = with_progress(p.progress, &inputs.flows, scan, |scan| {
        upload_bytes_per_interval_with(&inputs.flows, &owners, p.interval_s, scan)
    })?;
    let (o, t) = (owners.summary(), table.summary());
    no_data_rows(&inputs.flows, t.flows)?;
    let skipped = SkippedRows {
        auth: o.skipped,
        flows: t.skipped,
        redteam: 0,
        examples: o
            .skip_examples
            .iter()
            .chain(&t.skip_examples)
            .cloned()
            .collect(),
    };
    let sums = UploadSums {
        owners: owners.users().len(),
        users: table.users(),
        rows: table.rows(),
        skipped: Some(&skipped),
    };
    analyse(&sums, &inputs.redteam, out_dir, p)
}

/// An input without a usable row is an error naming it: otherwise the
/// analysis fails later on "no upload intervals", naming no file.
fn no_data_rows(path: &Path, rows: u64) -> Result<(), Error> {
    if rows == 0 {
        return Err(
            threatstat_core::Error::data(path.display().to_string(), "no data rows").into(),
        );
    }
    Ok(())
}

/// Upload sums per user and interval, however they were computed: by the
/// native loaders ([`run`]) or by `threatstat-engine`'s `lanl_uploads` plan
/// on DataFusion or a Ballista cluster (`threatstat lanl uploads --engine`).
#[derive(Debug, Clone, Copy)]
pub struct UploadSums<'a> {
    /// Users who own at least one computer.
    pub owners: usize,
    /// User names; `rows[i].user` indexes them.
    pub users: &'a [String],
    /// Upload and download sums per user and interval.
    pub rows: &'a [UploadRow],
    /// Bad lines of `auth.txt` and `flows.txt` skipped computing them
    /// (`None`: none could be, bad lines stop the run).
    pub skipped: Option<&'a SkippedRows>,
}

/// The statistics of [`run`] on upload sums computed elsewhere: the
/// Mann-Whitney tests, the KDE flags, `users.csv`, the figures and
/// `summary.json` in `out_dir` (`p.bad_rows` applies to `redteam`).
///
/// ```
/// use threatstat_datasets::lanl::UploadRow;
/// use threatstat_workflow::uploads::{analyse, UploadParams, UploadSums};
/// let dir = std::env::temp_dir().join(format!("ts-doc-analyse-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("redteam.txt"), "1,U0@DOM1,C1,C2\n").unwrap();
/// let users: Vec<String> = (0..40).map(|u| format!("U{u}@DOM1")).collect();
/// let rows: Vec<UploadRow> = (0..40u32)
///     .flat_map(|u| (0..5u32).map(move |d| UploadRow {
///         user: u, interval: d, upload_bytes: 1000 + 37 * u64::from(u * 5 + d) + if u == 0 { 9000 } else { 0 },
///         download_bytes: 0, upload_flows: 1, download_flows: 0 }))
///     .collect();
/// let p = UploadParams { figures: false, ..Default::default() };
/// let s = analyse(&UploadSums { owners: 40, users: &users, rows: &rows, skipped: None }, &dir.join("redteam.txt"), &dir, &p).unwrap();
/// assert_eq!((s.users, s.compromised_users, s.intervals_compromised), (40, 1, 5));
/// assert!(dir.join("users.csv").exists());
/// ```
pub fn analyse(
    sums: &UploadSums<'_>,
    redteam: &Path,
    out_dir: &Path,
    p: &UploadParams,
) -> Result<UploadSummary, Error> {
    p.check()?;
    if let Some(r) = sums
        .rows
        .iter()
        .find(|r| r.user as usize >= sums.users.len())
    {
        return Err(threatstat_core::Error::shape(
            "upload sums",
            format!("user indices below the {} user names", sums.users.len()),
            format!("a row of user index {}", r.user),
        )
        .into());
    }
    std::fs::create_dir_all(out_dir)?;
    let red = RedTeam::read_with(redteam, p.bad_rows)?;
    no_data_rows(redteam, red.len() as u64)?;
    let names = sums.users;
    let compromised: Vec<bool> = names.iter().map(|u| red.is_compromised(u)).collect();
    // Per-interval upload bytes; per-user rows for the KDE features.
    let mut all = Vec::new();
    let mut comp = Vec::new();
    let mut per_user: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for r in sums.rows {
        let b = r.upload_bytes as f64;
        all.push(b);
        per_user[r.user as usize].push(b);
        if compromised[r.user as usize] {
            comp.push(b);
        }
    }
    if comp.is_empty() || all.is_empty() {
        return Err(threatstat_core::Error::data(
            "upload sums",
            format!(
                "no upload intervals for {} (compromised users with uploads: {}, all users: {})",
                if comp.is_empty() {
                    "the compromised users"
                } else {
                    "any user"
                },
                comp.len(),
                all.len()
            ),
        )
        .into());
    }
    let two = report(&comp, &all, Alternative::TwoSided, p.alpha)?;
    let greater = report(&comp, &all, Alternative::Greater, p.alpha)?;
    // KDE features per user: log10(1 + median), log10(1 + 95th percentile).
    let mut feat = Vec::new();
    let mut feat_user = Vec::new();
    for (u, v) in per_user.iter_mut().enumerate() {
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        feat.push((1.0 + quantile(v, 0.5)).log10());
        feat.push((1.0 + quantile(v, 0.95)).log10());
        feat_user.push(u);
    }
    let points = Array2::from_shape_vec((feat.len() / 2, 2), feat.clone())?;
    let most = per_user.iter().map(Vec::len).max().unwrap_or(0);
    let kde = GaussianKde::params()
        .bandwidth(Bandwidth::Scott)
        .fit(&points)
        .map_err(|e| -> Error {
            if most <= 1 {
                // One interval per user: median = 95th percentile for all.
                format!(
                    "no user has more than one upload interval of {} s, so each user's median \
                     and 95th percentile coincide and the KDE cannot be fitted ({e}); use a \
                     shorter interval (--interval-s)",
                    p.interval_s
                )
                .into()
            } else {
                e.into()
            }
        })?;
    // Exact flags; exact densities up to 20,000 users, beyond only where
    // they decide a flag (exact leave-one-out sums cost O(users²)).
    let large = kde.flag_low_density_large(Threshold::Contamination(p.contamination));
    let flags = &large.flags;
    let truth: Vec<bool> = feat_user.iter().map(|&u| compromised[u]).collect();
    let tp = flags
        .flags
        .iter()
        .zip(&truth)
        .filter(|(f, t)| **f && **t)
        .count();
    let n_flag = flags.count();
    let n_true = truth.iter().filter(|t| **t).count();
    let kde_report = KdeReport {
        users: feat_user.len(),
        factor: kde.factor(),
        threshold: flags.threshold,
        flagged: n_flag,
        true_positives: tp,
        compromised: n_true,
        precision: if n_flag > 0 {
            tp as f64 / n_flag as f64
        } else {
            f64::NAN
        },
        recall: if n_true > 0 {
            tp as f64 / n_true as f64
        } else {
            f64::NAN
        },
        base_rate: n_true as f64 / feat_user.len() as f64,
        exact_densities: large.refined,
        grid_max_rel_error: large.sampled_max_rel_error,
    };
    // users.csv
    let density = &large.densities;
    let mut csv =
        String::from("user,compromised,intervals,median_upload,p95_upload,loo_density,flagged\n");
    for (k, &u) in feat_user.iter().enumerate() {
        let v = &per_user[u];
        csv.push_str(&format!(
            "{},{},{},{},{},{:e},{}\n",
            names[u],
            compromised[u],
            v.len(),
            quantile(v, 0.5),
            quantile(v, 0.95),
            density[k],
            flags.flags[k]
        ));
    }
    crate::files::write_file(out_dir.join("users.csv"), csv)?;
    let mut figures = Vec::new();
    if p.figures {
        let note = format!(
            "Mann-Whitney U, two-sided: {}; rank-biserial r = {:.3}",
            threatstat_core::pvalue::p_text(two.p_value, Some(two.ln_p_value)),
            two.rank_biserial
        );
        let fig = DistributionFigure {
            title: "Upload bytes per user and interval".into(),
            x_label: format!("upload bytes per user per {} s", p.interval_s),
            note: Some(note),
            ..DistributionFigure::new(vec![("all users", &all), ("compromised (red team)", &comp)])
        };
        for ext in ["png", "svg"] {
            let f = format!("upload_distributions.{ext}");
            threatstat_plot::distribution_figure(&fig, &out_dir.join(&f))?;
            figures.push(f);
        }
        let (xs_pts, ys_pts): (Vec<f64>, Vec<f64>) = feat.chunks(2).map(|c| (c[0], c[1])).unzip();
        let grid = |v: &[f64]| {
            let (lo, hi) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let pad = 0.1 * (hi - lo).max(0.1);
            (0..120)
                .map(|i| lo - pad + (hi - lo + 2.0 * pad) * i as f64 / 119.0)
                .collect::<Vec<f64>>()
        };
        let (gx, gy) = (grid(&xs_pts), grid(&ys_pts));
        let mut g = Vec::with_capacity(gx.len() * gy.len() * 2);
        for &y in &gy {
            for &x in &gx {
                g.push(x);
                g.push(y);
            }
        }
        let z = kde.evaluate(Array2::from_shape_vec((g.len() / 2, 2), g)?.view())?;
        let fig = KdeFlagFigure {
            title: format!(
                "KDE of users' upload behaviour: {} flagged, {} of them red team",
                n_flag, tp
            ),
            y: Some(&ys_pts),
            truth: Some(&truth),
            density: DensityOverlay::Grid {
                xs: &gx,
                ys: &gy,
                z: &z,
            },
            threshold: Some(flags.threshold),
            x_label: "log10(1 + median upload bytes per interval)".into(),
            y_label: "log10(1 + 95th percentile)".into(),
            ..KdeFlagFigure::new(&xs_pts, &flags.flags)
        };
        for ext in ["png", "svg"] {
            let f = format!("kde_flags.{ext}");
            threatstat_plot::kde_flag_figure(&fig, &out_dir.join(&f))?;
            figures.push(f);
        }
    }
    let summary = UploadSummary {
        owners: sums.owners,
        users: names.len(),
        redteam_users: red.users().len(),
        compromised_users: compromised.iter().filter(|c| **c).count(),
        intervals_all: all.len(),
        intervals_compromised: comp.len(),
        median_all: median(&mut all.clone()),
        median_compromised: median(&mut comp.clone()),
        mwu_two_sided: two,
        mwu_greater: greater,
        kde: kde_report,
        figures,
        interval_s: p.interval_s,
        alpha: p.alpha,
        skipped_rows: (p.bad_rows == BadRowPolicy::Skip).then(|| SkippedRows {
            redteam: red.skipped(),
            ..sums.skipped.cloned().unwrap_or_default()
        }),
    };
    crate::files::write_file(
        out_dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)? + "\n",
    )?;
    Ok(summary)
}
