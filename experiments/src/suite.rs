//! Every analysis of the report, run one after another: a failure in one is
//! recorded (errors and panics alike) and does not stop the others.

use crate::{Error, Summary};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Duration;

/// One analysis of the report.
#[derive(Debug, Clone, Copy)]
pub struct Analysis {
    /// Directory name under `results/` (also the binary's name).
    pub name: &'static str,
    /// Runs it: `(data_dir, out_dir) -> summary`.
    pub run: fn(&Path, &Path) -> Result<Summary, Error>,
}

/// The analyses of `threatstat reproduce`, in report order.
///
/// ```
/// let names: Vec<_> = threatstat_experiments::suite::analyses().iter().map(|a| a.name).collect();
/// assert_eq!(names[0], "exchange_sequences");
/// ```
pub fn analyses() -> Vec<Analysis> {
    vec![
        Analysis {
            name: crate::exchange_sequences::NAME,
            run: crate::exchange_sequences::run,
        },
        Analysis {
            name: crate::cert_logon_changepoint::NAME,
            run: crate::cert_logon_changepoint::run,
        },
        Analysis {
            name: crate::lanl_upload_mwu_kde::NAME,
            run: crate::lanl_upload_mwu_kde::run,
        },
        Analysis {
            name: crate::attack_tactic_chains::NAME,
            run: crate::attack_tactic_chains::run,
        },
        Analysis {
            name: crate::cloudtrail_automation::NAME,
            run: crate::cloudtrail_automation::run,
        },
        Analysis {
            name: crate::lanl_auth_features::NAME,
            run: crate::lanl_auth_features::run,
        },
        Analysis {
            name: crate::calibration::NAME,
            run: crate::calibration::run,
        },
    ]
}

/// What one analysis came to.
#[derive(Debug)]
pub struct Outcome {
    /// The analysis.
    pub name: &'static str,
    /// Its summary, or the error (or panic message) that stopped it.
    pub result: Result<Summary, String>,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Runs `analyses` (all when `only` is empty, else those named) with
/// `data_dir` as the bundled data and `out_dir/<name>/` as each one's
/// output; shows a progress bar on standard error when `progress`.
pub fn run(
    analyses: &[Analysis],
    only: &[String],
    data_dir: &Path,
    out_dir: &Path,
    progress: bool,
) -> Result<Vec<Outcome>, Error> {
    for name in only {
        if !analyses.iter().any(|a| a.name == name) {
            let known: Vec<_> = analyses.iter().map(|a| a.name).collect();
            return Err(format!("unknown analysis {name:?} (known: {})", known.join(", ")).into());
        }
    }
    let chosen: Vec<&Analysis> = analyses
        .iter()
        .filter(|a| only.is_empty() || only.iter().any(|n| n == a.name))
        .collect();
    let bar = if progress {
        ProgressBar::new(chosen.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .map_err(|e| e.to_string())?,
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let mut outcomes = Vec::new();
    for a in chosen {
        bar.set_message(a.name);
        let t0 = std::time::Instant::now();
        let dir = out_dir.join(a.name);
        // manifest.json, written last, lists the files of this run of the
        // analysis (an interrupted rerun leaves none).
        let result = std::panic::catch_unwind(|| {
            let run = threatstat_core::manifest::Run::begin(&dir)?;
            let s = (a.run)(data_dir, &dir)?;
            run.finish()?;
            Ok::<_, Error>(s)
        });
        let result = match result {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.to_string()),
            Err(p) => Err(format!(
                "panicked: {}",
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".into())
            )),
        };
        let seconds = t0.elapsed().as_secs_f64();
        match &result {
            Ok(_) => bar.suspend(|| eprintln!("  ok      {:<24} {seconds:>6.1} s", a.name)),
            Err(e) => bar.suspend(|| eprintln!("  FAILED  {:<24} {seconds:>6.1} s: {e}", a.name)),
        }
        outcomes.push(Outcome {
            name: a.name,
            result,
            seconds,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(outcomes)
}

/// The body of each analysis's binary: runs the analysis `name` on `data/`
/// into `results/<name>/` (both relative to the working directory) and
/// prints its summary as JSON.
pub fn main_for(name: &str) -> std::process::ExitCode {
    let all = analyses();
    let outcome = run(
        &all,
        &[name.to_string()],
        Path::new("data"),
        Path::new("results"),
        true,
    );
    match outcome.map(|mut o| o.pop()) {
        Ok(Some(Outcome {
            result: Ok(summary),
            ..
        })) => print_summary(&summary),
        Ok(Some(Outcome { result: Err(e), .. })) => {
            eprintln!("error: {name}: {e}");
            std::process::ExitCode::FAILURE
        }
        Ok(None) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Prints an analysis's summary as JSON on standard output without
/// `println!` (which panics on a closed pipe): success, also when the
/// reader went away; an error message and failure when the write failed.
pub fn print_summary(summary: &Summary) -> std::process::ExitCode {
    let text = serde_json::to_string_pretty(summary).unwrap_or_default();
    match threatstat_core::stdout::print_line(&text) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) if threatstat_core::stdout::closed() => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: &Path, out: &Path) -> Result<Summary, Error> {
        Ok(Summary {
            name: out.file_name().unwrap().to_string_lossy().into(),
            title: "ok".into(),
            finding: String::new(),
            figures: vec![],
            interactive: vec![],
            key_numbers: vec![],
            comparisons: vec![],
            seconds: 0.0,
        })
    }
    fn fails(_: &Path, _: &Path) -> Result<Summary, Error> {
        Err("bad input".into())
    }
    fn panics(_: &Path, _: &Path) -> Result<Summary, Error> {
        panic!("boom")
    }

    #[test]
    fn one_failure_does_not_stop_the_others() {
        let a = [
            Analysis {
                name: "a",
                run: fails,
            },
            Analysis {
                name: "b",
                run: panics,
            },
            Analysis { name: "c", run: ok },
        ];
        let out = std::env::temp_dir().join(format!("threatstat-suite-{}", std::process::id()));
        let o = run(&a, &[], Path::new("data"), &out, false).unwrap();
        assert_eq!(o.len(), 3);
        assert_eq!(o[0].result.as_ref().unwrap_err(), "bad input");
        assert!(o[1].result.as_ref().unwrap_err().contains("boom"));
        assert_eq!(o[2].result.as_ref().unwrap().name, "c");
        // Only the analysis that succeeded has a manifest.
        let manifest = |n: &str| {
            out.join(n)
                .join(threatstat_core::manifest::MANIFEST)
                .exists()
        };
        assert!(manifest("c") && !manifest("a") && !manifest("b"));
        let only = run(&a, &["c".into()], Path::new("d"), &out, false).unwrap();
        assert_eq!(only.len(), 1);
        assert!(run(&a, &["zzz".into()], Path::new("d"), &out, false).is_err());
        std::fs::remove_dir_all(&out).unwrap();
    }
}
