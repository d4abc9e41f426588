//! `threatstat features`: the CLI contract (generate, run, bad input).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-features-cli-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `features run ARGS --input AUTH --out OUT`, which must succeed.
fn run_ok(args: &[&str], auth: &Path, out: &Path) -> std::process::Output {
    let o = bin()
        .args(["features", "run"])
        .args(args)
        .arg("--input")
        .arg(auth)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn generate_then_run_writes_the_contract_files() {
    let d = tmpdir("run");
    let auth = d.join("auth.csv");
    let st = bin()
        .args([
            "features", "generate", "--users", "500", "--days", "5", "--out",
        ])
        .arg(&auth)
        .status()
        .unwrap();
    assert!(st.success());
    let out = d.join("out");
    let o = run_ok(&["--trees", "20", "--folds", "2"], &auth, &out);
    for f in [
        "feature_matrix.csv",
        "cutoffs.csv",
        "features.csv",
        "predictions.csv",
        "metrics.json",
        "roc.png",
        "importances.png",
    ] {
        assert!(out.join(f).metadata().unwrap().len() > 0, "{f}");
    }
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let auc = m["roc_auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc));
    // A few test positives: no bootstrap interval, and a note saying why.
    assert_eq!(m["split"], "random");
    if m["n_test_pos"].as_u64().unwrap() < 20 {
        assert!(m["roc_auc_ci"].is_null());
        let note = m["roc_auc_ci_note"].as_str().unwrap();
        assert!(String::from_utf8_lossy(&o.stderr).contains(note));
    } else {
        let ci = m["roc_auc_ci"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() <= ci[1].as_f64().unwrap());
    }
    assert!(m["pr_auc"].as_f64().unwrap() >= 0.0);
    // The ROC legend gives the test curve its own counts, not the count of
    // every session scored out of fold.
    let roc = std::fs::read_to_string(out.join("roc.svg")).unwrap();
    let test_counts = format!(
        "test set of {} sessions, {} positive",
        m["n_test"], m["n_test_pos"]
    );
    assert!(roc.contains(&test_counts), "{test_counts} not in roc.svg");
    let (pos, neg) = (m["n_pos"].as_u64().unwrap(), m["n_neg"].as_u64().unwrap());
    assert!(pos > 0 && neg > pos);
    assert!(m["n_features"].as_u64().unwrap() > 0);
    // One cutoff row per labelled session, plus the header.
    let cutoffs = std::fs::read_to_string(out.join("cutoffs.csv")).unwrap();
    assert_eq!(cutoffs.lines().count() as u64, pos + neg + 1);
}

/// 200 sessions of 8 lines, every 5th turning malicious from its 5th line,
/// in the CyberFLTenDays.csv format.
fn small_auth(p: &Path) {
    let mut text = String::from(
        "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label\n",
    );
    let mut rows = Vec::new();
    for u in 0..200i64 {
        let bad = u % 5 == 0;
        for t in 0..8i64 {
            let kind = if bad { "NTLM" } else { "Kerberos" };
            let label = if bad && t >= 4 { "A" } else { "N" };
            rows.push((
                u * 50 + t * 7,
                format!("U{u},U{u},C1,C2,{kind},Network,LogOn,Success,{label}"),
            ));
        }
    }
    rows.sort_by_key(|r| r.0);
    for (secs, rest) in rows {
        text.push_str(&format!("{secs},{rest}\n"));
    }
    std::fs::write(p, text).unwrap();
}

#[test]
fn time_split_writes_predictions_and_says_which_split() {
    let d = tmpdir("time");
    let auth = d.join("auth.csv");
    small_auth(&auth);
    let out = d.join("out");
    let o = run_ok(
        &[
            "--split",
            "time",
            "--trees",
            "10",
            "--folds",
            "3",
            "--importance-repeats",
            "0",
        ],
        &auth,
        &out,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("split: time") && err.contains("no bootstrap interval"),
        "{err}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["split"], "time");
    assert!(m["roc_auc_ci"].is_null());
    let ends = (
        m["train_cutoffs"][1].as_i64(),
        m["test_cutoffs"][0].as_i64(),
    );
    assert!(ends.0.unwrap() < ends.1.unwrap());
    let pred = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    assert!(pred.starts_with("session_id,user,cutoff_time,label,score,fold\n"));
    assert_eq!(pred.lines().count(), 151);
    assert_aucs_recompute(&out, &m);
}

/// Rows of a CSV file without quoted fields, by column name.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (head, rows)
}

/// ROC AUC as the Mann-Whitney probability: P(score of a positive > score
/// of a negative) + P(equal)/2.
fn auc(scored: &[(bool, f64)]) -> f64 {
    let (mut num, mut pairs) = (0.0, 0.0);
    for &(_, sp) in scored.iter().filter(|r| r.0) {
        for &(_, sn) in scored.iter().filter(|r| !r.0) {
            pairs += 1.0;
            num += if sp > sn {
                1.0
            } else if sp == sn {
                0.5
            } else {
                0.0
            };
        }
    }
    num / pairs
}

/// predictions.csv holds the out-of-fold scores the pooled CV AUC is
/// computed from, test_scores.csv the test AUC's: both recomputed from
/// the files, and each row's user is its session's source name.
fn assert_aucs_recompute(out: &Path, m: &serde_json::Value) {
    let (head, rows) = table(&out.join("predictions.csv"));
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (id, user, label, score) = (col("session_id"), col("user"), col("label"), col("score"));
    let scored: Vec<(bool, f64)> = rows
        .iter()
        .map(|r| (r[label] == "True", r[score].parse().unwrap()))
        .collect();
    let pooled = m["cv_pooled_roc_auc"].as_f64().unwrap();
    assert!(
        (auc(&scored) - pooled).abs() < 1e-12,
        "{} vs {pooled}",
        auc(&scored)
    );
    for r in &rows {
        assert_eq!(r[id].split(" / ").next(), Some(r[user].as_str()));
    }
    let (head, rows) = table(&out.join("test_scores.csv"));
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let scored: Vec<(bool, f64)> = rows
        .iter()
        .map(|r| (r[col("label")] == "True", r[col("score")].parse().unwrap()))
        .collect();
    assert_eq!(rows.len() as u64, m["n_test"].as_u64().unwrap());
    let test = m["roc_auc"].as_f64().unwrap();
    assert!(
        (auc(&scored) - test).abs() < 1e-12,
        "{} vs {test}",
        auc(&scored)
    );
}

#[test]
fn random_split_predictions_recompute_the_aucs_and_quiet_prints_only_json() {
    let d = tmpdir("oof");
    let auth = d.join("auth.csv");
    small_auth(&auth);
    let out = d.join("out");
    let args = ["--trees", "10", "--folds", "3", "--importance-repeats", "0"];
    let o = run_ok(&args, &auth, &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("CV ROC AUC, pooled") && err.contains("highest out-of-fold scores"),
        "{err}"
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let (_, rows) = table(&out.join("predictions.csv"));
    // Stratified folds over every cutoff: each scored once.
    assert_eq!(
        rows.len() as u64,
        m["n_pos"].as_u64().unwrap() + m["n_neg"].as_u64().unwrap()
    );
    assert_aucs_recompute(&out, &m);
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let o = run_ok(&quiet, &auth, &d.join("quiet"));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["roc_auc"], m["roc_auc"]);
}

#[test]
fn out_of_range_split_options_name_the_flag() {
    for (flag, value) in [
        ("--threshold", "1.5"),
        ("--test-fraction", "1"),
        ("--threshold", "x"),
    ] {
        let o = bin()
            .args([
                "features", "run", "--input", "a.csv", "--out", "o", flag, value,
            ])
            .output()
            .unwrap();
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(flag) && err.contains(value), "{err}");
    }
    let o = bin()
        .args([
            "features", "run", "--input", "a.csv", "--out", "o", "--split", "weekly",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("time"));
}

#[test]
fn an_unknown_label_names_file_line_and_field() {
    let d = tmpdir("bad");
    let p = d.join("bad.csv");
    std::fs::write(
        &p,
        "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label\n\
         1,a,b,c,d,e,f,g,h,X\n",
    )
    .unwrap();
    let o = bin()
        .args(["features", "run", "--input"])
        .arg(&p)
        .arg("--out")
        .arg(d.join("o"))
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:2") && err.contains("label"), "{err}");
}

/// The old spellings `--auth` and `--window` still work for one release,
/// each with a note naming the new flag; `--save-model` writes a
/// `threatstat-features` model file.
#[test]
fn old_flag_names_work_with_a_note_and_the_model_is_saved() {
    let d = tmpdir("old-flags");
    let auth = d.join("auth.csv");
    small_auth(&auth);
    let (out, model) = (d.join("out"), d.join("model.json"));
    let o = bin()
        .args([
            "features",
            "run",
            "--trees",
            "5",
            "--folds",
            "0",
            "--importance-repeats",
            "0",
        ])
        .args(["--window", "10", "--auth"])
        .arg(&auth)
        .arg("--out")
        .arg(&out)
        .arg("--save-model")
        .arg(&model)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("`features run --auth` is deprecated") && err.contains("use `--input`"),
        "{err}"
    );
    assert!(err.contains("use `--label-window`"), "{err}");
    let m = std::fs::read_to_string(&model).unwrap();
    assert!(
        m.starts_with(r#"{"format":"threatstat-features","version":1,"#),
        "{}",
        &m[..60.min(m.len())]
    );
}

/// `features score` with the model `features run --save-model` wrote
/// gives the run's test sessions their test scores, exactly; it writes to
/// standard output with `--out -`, is silent with `--quiet`, range-checks
/// `--threshold` and refuses a file that is not a features model.
#[test]
fn score_reproduces_the_run_test_scores() {
    let d = tmpdir("score");
    let auth = d.join("auth.csv");
    small_auth(&auth);
    let (out, model) = (d.join("out"), d.join("model.json"));
    let o = bin()
        .args([
            "features", "run", "--trees", "10", "--folds", "2", "--quiet",
        ])
        .arg("--input")
        .arg(&auth)
        .arg("--out")
        .arg(&out)
        .arg("--save-model")
        .arg(&model)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let score = |model: &Path, out: &Path, extra: &[&str]| {
        bin()
            .args(["features", "score"])
            .args(extra)
            .arg("--model")
            .arg(model)
            .arg("--input")
            .arg(&auth)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let o = score(&model, Path::new("-"), &["--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let all = String::from_utf8(o.stdout).unwrap();
    let mut lines = all.lines();
    assert_eq!(lines.next(), Some("session_id,time,label,score,flagged"));
    let scored: std::collections::HashMap<&str, &str> =
        lines.map(|l| (l.split(',').next().unwrap(), l)).collect();
    assert_eq!(scored.len(), 200);
    let test = std::fs::read_to_string(out.join("test_scores.csv")).unwrap();
    let mut n = 0;
    for l in test.lines().skip(1) {
        let id = l.split(',').next().unwrap();
        assert_eq!(scored[id], l);
        n += 1;
    }
    assert_eq!(n, 40);
    // A summary line without --quiet; the threshold is range-checked.
    let scores = d.join("scores.csv");
    let o = score(&model, &scores, &["--threshold", "0.5"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("200 of 200 sessions scored"), "{err}");
    assert!(err.contains("threshold 0.5"), "{err}");
    let o = score(&model, &scores, &["--threshold", "1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--threshold"));
    // The log is not a model file: the error names it.
    let o = score(&auth, &scores, &[]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("auth.csv") && err.contains("not JSON"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// Every line of `features score --help`'s examples runs (in a scratch
/// directory instead of /tmp).
#[test]
fn score_help_examples_run() {
    let d = tmpdir("score-examples");
    let o = bin()
        .args(["features", "score", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(o.stdout).unwrap();
    let examples = help.split("Examples:").nth(1).expect("examples");
    let exe = env!("CARGO_BIN_EXE_threatstat");
    let lines: Vec<String> = examples
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("threatstat "))
        .map(|l| {
            l.replacen("threatstat ", &format!("{exe} "), 1)
                .replace("/tmp/", &format!("{}/", d.display()))
        })
        .collect();
    assert!(lines.len() >= 4);
    for line in lines {
        let o = Command::new("bash")
            .args(["-o", "pipefail", "-c"])
            .arg(&line)
            .output()
            .unwrap();
        // `| head` may close the pipe early (SIGPIPE): only the others must
        // succeed.
        assert!(
            o.status.success() || line.contains("| head"),
            "{line}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(d.join("scores.csv").metadata().unwrap().len() > 0);
    std::fs::remove_dir_all(&d).unwrap();
}
