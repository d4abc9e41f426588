//! The LANL upload analysis recovers the planted truth of generated data.

use std::path::PathBuf;
use threatstat_datasets::lanl::LanlGenerator;
use threatstat_experiments::lanl_upload::{UploadInputs, UploadParams, UploadSummary, run};

fn analyse(effect: f64, seed: u64, figures: bool) -> UploadSummary {
    let dir = std::env::temp_dir().join(format!(
        "threatstat-lanl-{}-{effect}-{seed}",
        std::process::id()
    ));
    LanlGenerator::new()
        .users(120)
        .days(16)
        .upload_effect(effect)
        .seed(seed)
        .write_files(&dir)
        .unwrap();
    let inputs = UploadInputs {
        auth: dir.join("auth.txt"),
        flows: dir.join("flows.txt"),
        redteam: dir.join("redteam.txt"),
    };
    let p = UploadParams {
        figures,
        ..UploadParams::default()
    };
    let s = run(&inputs, &dir.join("out"), &p).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    s
}

#[test]
fn power_at_the_planted_effect_and_level_without_one() {
    // Effect 3 (median upload x3 after compromise): the test should reject
    // at alpha = 0.01 for every seed. Without an effect it should rarely.
    let seeds = 1..=5u64;
    let rejected = seeds
        .clone()
        .filter(|&s| analyse(3.0, s, false).mwu_two_sided.reject)
        .count();
    assert_eq!(rejected, 5, "power at effect 3");
    let null = seeds
        .filter(|&s| analyse(1.0, s, false).mwu_two_sided.reject)
        .count();
    assert!(
        null <= 1,
        "{null} of 5 null data sets rejected at alpha = 0.01"
    );
}

#[test]
fn kde_flags_are_enriched_in_compromised_users() {
    let mut tp = 0;
    let mut flagged = 0;
    let mut base = 0.0;
    for seed in 1..=3u64 {
        let s = analyse(4.0, seed, seed == 1);
        tp += s.kde.true_positives;
        flagged += s.kde.flagged;
        base += s.kde.base_rate / 3.0;
        assert_eq!(s.kde.users, s.users);
    }
    let precision = tp as f64 / flagged as f64;
    // Flagging at random would give the base rate (about 0.45 here).
    assert!(
        precision > 1.3 * base,
        "precision {precision} vs base rate {base}"
    );
}

#[test]
fn figures_and_files_are_written() {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("threatstat-lanl-files-{}", std::process::id()));
    LanlGenerator::new()
        .users(60)
        .days(10)
        .upload_effect(3.0)
        .seed(9)
        .write_files(&dir)
        .unwrap();
    let inputs = UploadInputs {
        auth: dir.join("auth.txt"),
        flows: dir.join("flows.txt"),
        redteam: dir.join("redteam.txt"),
    };
    let out = dir.join("out");
    let s = run(&inputs, &out, &UploadParams::default()).unwrap();
    for f in [
        "summary.json",
        "users.csv",
        "upload_distributions.png",
        "upload_distributions.svg",
        "kde_flags.png",
        "kde_flags.svg",
    ] {
        assert!(std::fs::metadata(out.join(f)).unwrap().len() > 100, "{f}");
    }
    assert_eq!(s.figures.len(), 4);
    let users = std::fs::read_to_string(out.join("users.csv")).unwrap();
    assert_eq!(users.lines().count(), s.kde.users + 1);
    // Bad parameters and missing files are errors.
    assert!(
        run(
            &inputs,
            &out,
            &UploadParams {
                alpha: 2.0,
                ..UploadParams::default()
            }
        )
        .is_err()
    );
    let missing = UploadInputs {
        auth: dir.join("nope.txt"),
        ..inputs
    };
    let e = run(&missing, &out, &UploadParams::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.txt"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_interval_longer_than_the_data_says_so() {
    // Issue 20 item 17: --interval-s beyond the data's span said only "the
    // data covariance is singular".
    let dir = std::env::temp_dir().join(format!("threatstat-lanl-long-{}", std::process::id()));
    LanlGenerator::new()
        .users(60)
        .days(3)
        .seed(2)
        .write_files(&dir)
        .unwrap();
    let inputs = UploadInputs {
        auth: dir.join("auth.txt"),
        flows: dir.join("flows.txt"),
        redteam: dir.join("redteam.txt"),
    };
    let p = UploadParams {
        interval_s: 30 * 86_400,
        figures: false,
        ..UploadParams::default()
    };
    let e = run(&inputs, &dir.join("out"), &p).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        e.contains("more than one upload interval of 2592000 s") && e.contains("--interval-s"),
        "{e}"
    );
}
