//! The calibration report: what each method promises, measured on simulated
//! data where the truth is known.
//!
//! * type-I error of Mann–Whitney ([`mann_whitney`]) and Ljung–Box
//!   ([`ljung_box`]) at α = 0.01 and 0.05;
//! * the false discovery rate of Benjamini–Hochberg, alone and inside the
//!   CloudTrail automation rule ([`fdr`]);
//! * coverage of the Hodges–Lehmann interval ([`hodges_lehmann`]), of the
//!   changepoint model's 94% intervals on data drawn from the prior
//!   ([`changepoint`]) and of the ROC AUC bootstrap interval ([`roc_auc`]);
//! * simulation-based calibration of the MCMC samplers ([`sbc`]).
//!
//! Each promise ([`Promise`]) carries the nominal rate, the observed one,
//! its Monte Carlo standard error, the number of runs and a verdict (holds
//! within [`promise::TOLERANCE`] standard errors, conservative, or misses;
//! expected misses carry the sentence their method's docs state). Every
//! simulation is seeded per run, so the numbers do not depend on the
//! number of threads.

pub mod changepoint;
pub mod fdr;
pub mod hodges_lehmann;
pub mod ljung_box;
pub mod mann_whitney;
pub mod prior_rate;
pub mod promise;
pub mod roc_auc;
pub mod sbc;

use crate::{Error, Summary, write_file, write_summary};
pub use promise::{Bound, Promise, Verdict};
use serde::Serialize;
use serde_json::json;
use std::path::Path;
use threatstat_plot::{
    CalibrationFigure, CalibrationRow, RankHistogramFigure, calibration_figure,
    rank_histogram_figure,
};

/// Directory name of this analysis under `results/`.
pub const NAME: &str = "calibration";

/// Replication counts of the report (chosen for about 10 s on 2 cores in a
/// release build; the Monte Carlo standard errors follow from them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// Pairs of samples per Mann–Whitney configuration.
    pub mwu_runs: usize,
    /// Series per Ljung–Box series kind.
    pub ljung_box_runs: usize,
    /// Runs of Benjamini–Hochberg on 100 z-tests.
    pub bh_runs: usize,
    /// Sparse null pairs per run of the automation rule.
    pub rule_pairs: usize,
    /// Runs of the automation rule.
    pub rule_runs: usize,
    /// Runs per Hodges–Lehmann configuration.
    pub hl_runs: usize,
    /// Series for the exact changepoint intervals.
    pub changepoint_runs: usize,
    /// Of which also sampled by Gibbs.
    pub gibbs_runs: usize,
    /// Test sets per ROC AUC configuration.
    pub auc_runs: usize,
    /// Bootstrap resamples per ROC AUC interval.
    pub auc_resamples: usize,
    /// Simulated series per sampler in SBC.
    pub sbc_replications: usize,
    /// Series from the prior for the prior-rate comparison
    /// ([`prior_rate`]).
    pub prior_rate_runs: usize,
    /// Seed of everything.
    pub seed: u64,
}

impl Settings {
    /// The report's settings.
    pub fn report() -> Settings {
        Settings {
            mwu_runs: 20_000,
            ljung_box_runs: 20_000,
            bh_runs: 20_000,
            rule_pairs: 1000,
            rule_runs: 200,
            hl_runs: 3000,
            changepoint_runs: 3000,
            gibbs_runs: 1000,
            auc_runs: 800,
            auc_resamples: 400,
            sbc_replications: 1000,
            prior_rate_runs: 1000,
            seed: 19,
        }
    }
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// The settings.
    pub settings: Settings,
    /// Every promise, grouped as in the figures.
    pub promises: Vec<Promise>,
    /// SBC of the samplers.
    pub sbc: Vec<sbc::SamplerSbc>,
    /// The prior rate α chosen by empirical Bayes against the fixed one.
    pub prior_rate: prior_rate::PriorRateCheck,
    /// Wall time of each part in seconds.
    pub seconds: Vec<(&'static str, f64)>,
}

/// Runs every simulation with `s`.
pub fn measure(s: &Settings) -> Result<Calibration, Error> {
    let seed = s.seed;
    let mut seconds = Vec::new();
    let mut promises = Vec::new();
    let mut timed = |name: &'static str, p: &mut Vec<Promise>, f: &dyn Fn() -> Vec<Promise>| {
        let t0 = std::time::Instant::now();
        p.extend(f());
        seconds.push((name, t0.elapsed().as_secs_f64()));
    };
    timed("mann_whitney", &mut promises, &|| {
        mann_whitney::promises(&mann_whitney::configs(), s.mwu_runs, seed)
    });
    timed("ljung_box", &mut promises, &|| {
        ljung_box::promises(&ljung_box::series(), s.ljung_box_runs, seed + 1)
    });
    timed("fdr", &mut promises, &|| {
        fdr::promises(s.bh_runs, s.rule_pairs, s.rule_runs, seed + 2)
    });
    timed("hodges_lehmann", &mut promises, &|| {
        hodges_lehmann::promises(&hodges_lehmann::configs(), s.hl_runs, seed + 3)
    });
    timed("changepoint", &mut promises, &|| {
        changepoint::promises(60, s.changepoint_runs, s.gibbs_runs, seed + 4)
    });
    timed("roc_auc", &mut promises, &|| {
        roc_auc::promises(&[5, 20, 100], 100, s.auc_resamples, s.auc_runs, seed + 5)
    });
    let t0 = std::time::Instant::now();
    let sbc = sbc::run(s.sbc_replications)?;
    promises.extend(sbc::promises(&sbc));
    seconds.push(("sbc", t0.elapsed().as_secs_f64()));
    let t0 = std::time::Instant::now();
    let prior_rate = prior_rate::check(60, s.prior_rate_runs, seed + 4)?;
    seconds.push(("prior_rate", t0.elapsed().as_secs_f64()));
    Ok(Calibration {
        settings: *s,
        promises,
        sbc,
        prior_rate,
        seconds,
    })
}

fn rows(p: &[&Promise]) -> Vec<CalibrationRow> {
    p.iter()
        .map(|p| CalibrationRow {
            label: p.method.clone(),
            nominal: p.nominal,
            nominal_se: p.nominal_se,
            observed: p.observed,
            observed_se: p.mc_se,
            ok: p.verdict != Verdict::Misses,
        })
        .collect()
}

/// Writes the figures of `c` into `out_dir`; returns their file names.
pub fn figures(c: &Calibration, out_dir: &Path) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let groups: [(&str, &str, &str, &[&str]); 3] = [
        (
            "calibration_type1",
            "Type-I error under H0 (rate of p ≤ α)",
            "rejection rate when H0 is true",
            &["type-I error"],
        ),
        (
            "calibration_fdr",
            "False discovery rate",
            "false discovery rate (complete null: share of runs with a discovery)",
            &["FDR"],
        ),
        (
            "calibration_coverage",
            "Coverage of intervals; SBC central-80% rate",
            "share of runs whose interval contains the truth",
            &["coverage", "SBC"],
        ),
    ];
    for (file, title, x_label, kinds) in groups {
        let sel: Vec<&Promise> = c
            .promises
            .iter()
            .filter(|p| kinds.contains(&p.kind))
            .collect();
        let r = rows(&sel);
        let fig = CalibrationFigure {
            title: title.into(),
            x_label: x_label.into(),
            width: 1500,
            ..CalibrationFigure::new(&r)
        };
        for ext in ["png", "svg"] {
            calibration_figure(&fig, &out_dir.join(format!("{file}.{ext}")))?;
            names.push(format!("{file}.{ext}"));
        }
    }
    let panels: Vec<(String, &[usize])> = c
        .sbc
        .iter()
        .flat_map(|s| {
            s.result.histograms.iter().enumerate().map(move |(v, h)| {
                (
                    format!(
                        "{:?}: {} (χ² {})",
                        s.params.sampler,
                        sbc::VARIABLES[v],
                        threatstat_core::pvalue::p_text(s.chi2_p[v], None)
                    ),
                    &h[..],
                )
            })
        })
        .collect();
    let fig = RankHistogramFigure {
        title: format!(
            "SBC rank histograms ({} series from the prior each; band: uniform ± 2 s.d.)",
            c.settings.sbc_replications
        ),
        ..RankHistogramFigure::new(panels)
    };
    for ext in ["png", "svg"] {
        rank_histogram_figure(&fig, &out_dir.join(format!("calibration_sbc.{ext}")))?;
        names.push(format!("calibration_sbc.{ext}"));
    }
    Ok(names)
}

/// `promises` as CSV (kind, method, bound, nominal, observed, mc_se,
/// replications, verdict, known_miss).
pub fn promises_csv(promises: &[Promise]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out =
        String::from("kind,method,bound,nominal,observed,mc_se,replications,verdict,known_miss\n");
    for p in promises {
        out.push_str(&format!(
            "{},{},{:?},{},{},{},{},{:?},{}\n",
            q(p.kind),
            q(&p.method),
            p.bound,
            p.nominal,
            p.observed,
            p.mc_se,
            p.replications,
            p.verdict,
            q(p.known_miss.unwrap_or(""))
        ));
    }
    out
}

/// The analysis of `threatstat reproduce` (needs no bundled data).
pub fn run(_data_dir: &Path, out_dir: &Path) -> Result<Summary, Error> {
    run_with(&Settings::report(), out_dir)
}

/// The analysis with other settings (the tests use smaller ones).
pub fn run_with(settings: &Settings, out_dir: &Path) -> Result<Summary, Error> {
    let t0 = std::time::Instant::now();
    std::fs::create_dir_all(out_dir)?;
    let c = measure(settings)?;
    let names = figures(&c, out_dir)?;
    write_file(out_dir.join("promises.csv"), promises_csv(&c.promises))?;
    write_file(out_dir.join("prior_rate.md"), c.prior_rate.markdown())?;
    let count = |v: Verdict| c.promises.iter().filter(|p| p.verdict == v).count();
    let undocumented: Vec<&Promise> = c.promises.iter().filter(|p| p.unexpected_miss()).collect();
    let documented: Vec<&Promise> = c
        .promises
        .iter()
        .filter(|p| p.verdict == Verdict::Misses && p.known_miss.is_some())
        .collect();
    let mut key_numbers = vec![(
        "promises measured".to_string(),
        format!(
            "{}: {} hold, {} hold conservatively, {} missed as documented, {} missed without a documented reason",
            c.promises.len(),
            count(Verdict::Holds),
            count(Verdict::Conservative),
            documented.len(),
            undocumented.len()
        ),
    )];
    key_numbers.extend(
        c.promises
            .iter()
            .map(|p| (format!("{}: {}", p.kind, p.method), p.describe())),
    );
    let misses: Vec<String> = documented
        .iter()
        .chain(&undocumented)
        .map(|p| format!("{} ({:.4} against {})", p.method, p.observed, p.nominal))
        .collect();
    let finding = format!(
        "Of {} promises measured on simulated data with known truth, {} hold (within {} Monte Carlo \
         standard errors or on the safe side). Missed: {}. Each expected miss carries its explanation (`known_miss` in summary.json); the \
         Ljung-Box, ROC AUC bootstrap and exact Mann-Whitney docs state the measured rates.",
        c.promises.len(),
        c.promises.len() - documented.len() - undocumented.len(),
        promise::TOLERANCE,
        if misses.is_empty() {
            "none".to_string()
        } else {
            misses.join("; ")
        }
    );
    let summary = Summary {
        name: NAME.into(),
        title: "Calibration: type-I error, FDR, coverage and SBC on simulated data".into(),
        finding,
        figures: names
            .iter()
            .filter(|f| f.ends_with(".png"))
            .map(|f| format!("{NAME}/{f}"))
            .collect(),
        interactive: vec![],
        key_numbers,
        comparisons: vec![],
        seconds: t0.elapsed().as_secs_f64(),
    };
    let details = json!({
        "undocumented_misses": undocumented.len(),
        "documented_misses": documented.len(),
        "tolerance_standard_errors": promise::TOLERANCE,
        "settings": c.settings,
        "promises": c.promises,
        "sbc": c.sbc,
        "prior_rate": c.prior_rate,
        "prior_rate_markdown": c.prior_rate.markdown(),
        "seconds": c.seconds,
    });
    write_summary(out_dir, &summary, Some(details))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysis_writes_its_figures_summary_and_section() {
        let s = Settings {
            mwu_runs: 100,
            ljung_box_runs: 100,
            bh_runs: 100,
            rule_pairs: 50,
            rule_runs: 4,
            hl_runs: 50,
            changepoint_runs: 20,
            gibbs_runs: 10,
            auc_runs: 20,
            auc_resamples: 50,
            sbc_replications: 20,
            prior_rate_runs: 30,
            seed: 1,
        };
        let dir = crate::scratch_dir("calibration-test").unwrap();
        let out = dir.path().join(NAME);
        let summary = run_with(&s, &out).unwrap();
        for f in [
            "calibration_type1",
            "calibration_fdr",
            "calibration_coverage",
            "calibration_sbc",
        ] {
            for ext in ["png", "svg"] {
                let p = out.join(format!("{f}.{ext}"));
                assert!(std::fs::metadata(&p).unwrap().len() > 0, "{}", p.display());
            }
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let promises = json["details"]["promises"].as_array().unwrap();
        assert_eq!(promises.len(), summary.key_numbers.len() - 1);
        for p in promises {
            for k in [
                "nominal",
                "observed",
                "mc_se",
                "replications",
                "verdict",
                "known_miss",
            ] {
                assert!(p.get(k).is_some(), "{k} missing in {p}");
            }
        }
        assert!(json["details"]["undocumented_misses"].is_u64());
        let csv = std::fs::read_to_string(out.join("promises.csv")).unwrap();
        assert_eq!(csv.lines().count(), promises.len() + 1);
        crate::report::write_index(dir.path(), &[summary], &[]).unwrap();
        let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
        assert!(
            html.contains("id=\"calibration\"") && html.contains("calibration/calibration_sbc.png")
        );
    }
}
