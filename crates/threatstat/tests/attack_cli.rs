//! `threatstat attack`: the CLI contract, on the bundled Attack Flow and OTRF data.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(p)
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-attack-cli-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// (success, stdout, stderr)
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The default model trained once on the bundled corpus.
fn model() -> &'static Path {
    static M: OnceLock<PathBuf> = OnceLock::new();
    M.get_or_init(|| {
        let d = tmpdir("model");
        let m = d.join("model.json");
        let (ok, _, err) = run(bin()
            .args(["attack", "train", "--input"])
            .arg(data("attack-flow/flows.jsonl"))
            .arg("--out")
            .arg(&m)
            .arg("--issues")
            .arg(d.join("issues.json")));
        assert!(ok, "{err}");
        assert!(err.contains("38 with ATT&CK Enterprise actions"), "{err}");
        assert!(
            err.contains("atlas_id 36") && err.contains("cycle 3"),
            "{err}"
        );
        let issues: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("issues.json")).unwrap()).unwrap();
        let first = &issues.as_array().unwrap()[0];
        assert!(first["line"].is_u64() && first["kind"].is_string() && first["field"].is_string());
        m
    })
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

#[test]
fn score_prints_probability_log_likelihood_and_steps() {
    let (ok, out, err) = run(bin()
        .args(["attack", "score", "--model"])
        .arg(model())
        .args(["--sequence", "TA0001,TA0002,TA0007"]));
    assert!(ok, "{err}");
    let v = json(&out);
    let p = v["probability"].as_f64().unwrap();
    let ll = v["log_likelihood"].as_f64().unwrap();
    assert!(p > 0.0 && p < 1.0 && (p.ln() - ll).abs() < 1e-12);
    let steps = v["steps"].as_array().unwrap();
    let pairs: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["from"].as_str().unwrap(), s["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("START", "TA0001"),
            ("TA0001", "TA0002"),
            ("TA0002", "TA0007"),
            ("TA0007", "END")
        ]
    );
    let prod: f64 = steps
        .iter()
        .map(|s| s["probability"].as_f64().unwrap())
        .product();
    assert!((prod - p).abs() < 1e-15);
    // --open drops the END step.
    let (ok, out, _) = run(bin()
        .args(["attack", "score", "--model"])
        .arg(model())
        .args(["--sequence", "initial-access,Execution,T1082", "--open"]));
    assert!(ok);
    let v = json(&out);
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["sequence"],
        serde_json::json!(["TA0001", "TA0002", "TA0007"])
    );
}

#[test]
fn next_lists_tactics_most_probable_first() {
    let (ok, out, err) = run(bin()
        .args(["attack", "next", "--model"])
        .arg(model())
        .args(["--after", "TA0001,TA0002"]));
    assert!(ok, "{err}");
    let v = json(&out);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 14); // 13 other tactics + END
    let probs: Vec<f64> = list
        .iter()
        .map(|x| x["probability"].as_f64().unwrap())
        .collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]));
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(list[0]["tactic"], "TA0005");
    assert_eq!(list[0]["name"], "Defense Evasion");
    let (ok, out, _) = run(bin()
        .args(["attack", "next", "--model"])
        .arg(model())
        .args(["--top", "2"]));
    assert!(ok);
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
}

#[test]
fn correlate_ranks_entities() {
    let d = tmpdir("correlate");
    let alerts = d.join("alerts.csv");
    std::fs::write(
        &alerts,
        "entity,time,technique_or_tactic\n\
         alice,2024-05-01T10:00:00Z,T1566.001\n\
         bob,2024-05-01T09:00:00Z,TA0040\n\
         alice,2024-05-01T10:05:00Z,T1059.001\n\
         bob,2024-05-01T09:30:00Z,TA0043\n\
         alice,2024-05-01T10:09:00Z,T1082\n\
         bob,2024-05-01T09:40:00Z,Collection\n\
         alice,2024-05-01T11:00:00Z,T1486\n\
         carol,2024-05-01T08:00:00Z,TA0007\n",
    )
    .unwrap();
    let out = d.join("ranked.csv");
    let (ok, _, err) = run(bin()
        .args(["attack", "correlate", "--model"])
        .arg(model())
        .arg("--alerts")
        .arg(&alerts)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "entity,n_alerts,chain,log_probability,log_likelihood_ratio,rank"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "alice");
    assert_eq!(rows[0][1], "4");
    assert_eq!(rows[0][2], "TA0001>TA0002>TA0007>TA0040");
    assert_eq!(
        rows.iter().map(|r| r[5]).collect::<Vec<_>>(),
        ["1", "2", "3"]
    );
    let llr: Vec<f64> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(llr.windows(2).all(|w| w[0] >= w[1]));
    // With a benign baseline (bob's and carol's chains), to standard output.
    let benign = d.join("benign.csv");
    std::fs::write(
        &benign,
        "entity,time,technique_or_tactic\nh1,1,TA0040\nh1,2,TA0043\nh2,1,TA0007\n",
    )
    .unwrap();
    let (ok, stdout, err) = run(bin()
        .args(["attack", "correlate", "--model"])
        .arg(model())
        .arg("--alerts")
        .arg(&alerts)
        .arg("--benign")
        .arg(&benign));
    assert!(ok, "{err}");
    assert!(err.contains("fitted on 2 benign chains"), "{err}");
    assert!(
        stdout.lines().nth(1).unwrap().starts_with("alice,"),
        "{stdout}"
    );
}

#[test]
fn path_stationary_and_figures() {
    let d = tmpdir("figures");
    let fig = d.join("chain.png");
    let (ok, out, err) = run(bin()
        .args(["attack", "path", "--model"])
        .arg(model())
        .args(["--from", "TA0001", "--to", "TA0040", "--plot"])
        .arg(&fig));
    assert!(ok, "{err}");
    let v = json(&out);
    assert_eq!(v["tactics"][0], "TA0001");
    assert_eq!(v["tactics"].as_array().unwrap().last().unwrap(), "TA0040");
    assert!(std::fs::metadata(&fig).unwrap().len() > 5_000);
    let (ok, out, _) = run(bin().args(["attack", "stationary", "--model"]).arg(model()));
    assert!(ok);
    let pi = json(&out);
    let s: f64 = pi
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["probability"].as_f64().unwrap())
        .sum();
    assert!((s - 1.0).abs() < 1e-9);
    for ext in ["png", "svg"] {
        let h = d.join(format!("heatmap.{ext}"));
        let (ok, _, err) = run(bin()
            .args(["attack", "heatmap", "--model"])
            .arg(model())
            .arg("--out")
            .arg(&h)
            .args(["--path-from", "START", "--path-to", "TA0040", "--csv"])
            .arg(d.join("matrix.csv")));
        assert!(ok, "{err}");
        assert!(std::fs::metadata(&h).unwrap().len() > 20_000, "{ext}");
    }
    let svg = std::fs::read_to_string(d.join("heatmap.svg")).unwrap();
    assert!(
        svg.contains("Command and Control") && svg.contains("first-order transition probability")
    );
    let csv = std::fs::read_to_string(d.join("matrix.csv")).unwrap();
    assert!(csv.starts_with("from,TA0043,"));
    assert_eq!(csv.lines().count(), 16);
}

#[test]
fn loo_and_evaluate_report_the_figures() {
    let (ok, out, err) = run(bin()
        .args(["attack", "loo", "--input"])
        .arg(data("attack-flow/flows.jsonl")));
    assert!(ok, "{err}");
    let best = out.lines().find(|l| l.ends_with("<- best")).unwrap();
    let cols: Vec<&str> = best.split_whitespace().collect();
    assert_eq!((cols[0], cols[1], cols[3]), ("2", "16", "-2.2890"), "{out}");
    assert!(
        out.contains("uniform chain") && out.contains("perplexity 14.000"),
        "{out}"
    );
    let d = tmpdir("evaluate");
    let (ok, out, err) = run(bin()
        .args(["attack", "evaluate", "--model"])
        .arg(model())
        .arg("--otrf")
        .arg(data("otrf/attack_mappings.csv"))
        .arg("--out")
        .arg(d.join("eval.json")));
    assert!(ok, "{err}");
    assert!(out.contains("11 chains with >= 2 tactics"), "{out}");
    assert!(
        out.contains("mean percentile among own shuffles: 0.882 (11 of 11"),
        "{out}"
    );
    assert!(err.contains("T0000"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("eval.json")).unwrap()).unwrap();
    assert_eq!(v["evaluation"]["chains"].as_array().unwrap().len(), 11);
}

#[test]
fn bad_input_is_reported() {
    // Unknown tactic: named, with the closest ids.
    let (ok, _, err) = run(bin()
        .args(["attack", "score", "--model"])
        .arg(model())
        .args(["--sequence", "TA0001,TA0099"]));
    assert!(!ok);
    assert!(
        err.contains("unknown tactic `TA0099`") && err.contains("TA0009 (Collection)"),
        "{err}"
    );
    // Empty sequence and empty items.
    let (ok, _, err) = run(bin()
        .args(["attack", "score", "--model"])
        .arg(model())
        .args(["--sequence", ""]));
    assert!(!ok && err.contains("empty"), "{err}");
    let (ok, _, err) = run(bin()
        .args(["attack", "score", "--model"])
        .arg(model())
        .args(["--sequence", "TA0001,,TA0002"]));
    assert!(!ok && err.contains("item 2"), "{err}");
    // A foreign id in a look-up.
    let (ok, _, err) = run(bin().args(["attack", "lookup", "AML.T0051"]));
    assert!(!ok && err.contains("ATLAS"), "{err}");
    let (ok, out, _) = run(bin().args(["attack", "lookup", "T1076", "TA0005"]));
    assert!(ok);
    let v = json(&out);
    assert_eq!(v["results"][0]["revoked"], true);
    assert_eq!(v["results"][0]["probable_replacement"], "T1021.001");
    assert_eq!(v["results"][1]["name"], "Defense Evasion");
    // --strict refuses the real corpus, which has foreign ids and cycles.
    let d = tmpdir("strict");
    let (ok, _, err) = run(bin()
        .args(["attack", "train", "--strict", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .arg("--out")
        .arg(d.join("m.json")));
    assert!(!ok && err.contains("--strict"), "{err}");
    // A cyclic flow is broken, reported, and trained on.
    let flows = d.join("cyclic.jsonl");
    std::fs::write(
        &flows,
        r#"{"flow": "loop", "actions": [{"name": "a", "tactic_id": "TA0001"}, {"name": "b", "tactic_id": "TA0002"}, {"name": "c", "tactic_id": "TA0007"}], "edges": [[0, 1], [1, 2], [2, 1]]}"#,
    )
    .unwrap();
    let (ok, _, err) = run(bin()
        .args(["attack", "train", "--input"])
        .arg(&flows)
        .arg("--out")
        .arg(d.join("m.json")));
    assert!(ok, "{err}");
    assert!(
        err.contains("cyclic.jsonl:1: field `edges[2]`: cycle 1 → 2 → 1"),
        "{err}"
    );
    // A bad alert names file, line and column.
    let alerts = d.join("alerts.csv");
    std::fs::write(
        &alerts,
        "entity,time,technique_or_tactic\nu,2024-01-01,T1566.01\n",
    )
    .unwrap();
    let (ok, _, err) = run(bin()
        .args(["attack", "correlate", "--model"])
        .arg(model())
        .arg("--alerts")
        .arg(&alerts));
    assert!(!ok);
    assert!(
        err.contains("alerts.csv:2: field `technique_or_tactic`") && err.contains("T1566.001"),
        "{err}"
    );
}

/// Issue 21: `attack train --flows` and `--alpha` were renamed `--input` and
/// `--smoothing`; the old spellings keep working for one release, with a
/// note on stderr, and give the same model.
#[test]
fn old_train_flags_still_work_with_a_note() {
    let d = tmpdir("old-flags");
    let old = d.join("old.json");
    let (ok, _, err) = run(bin()
        .args(["attack", "train", "--flows"])
        .arg(data("attack-flow/flows.jsonl"))
        .args(["--alpha", "16", "--out"])
        .arg(&old));
    assert!(ok, "{err}");
    assert!(
        err.contains("`attack train --flows` is deprecated") && err.contains("use `--input`"),
        "{err}"
    );
    assert!(
        err.contains("`attack train --alpha` is deprecated") && err.contains("use `--smoothing`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&old).unwrap(),
        std::fs::read(model()).unwrap(),
        "the old flags give the default model"
    );
}

/// Every attack subcommand's --help ends with examples.
#[test]
fn every_attack_help_has_examples() {
    for sub in [
        "train",
        "score",
        "next",
        "path",
        "stationary",
        "heatmap",
        "loo",
        "correlate",
        "evaluate",
        "lookup",
    ] {
        let (ok, out, err) = run(bin().args(["attack", sub, "--help"]));
        assert!(ok, "{sub}: {err}");
        assert!(
            out.contains("Examples (from the repository root):\n  threatstat attack"),
            "{sub}: {out}"
        );
    }
}

/// `attack loo --alphas` was renamed `--smoothings` (the smoothing
/// vocabulary of `attack train --smoothing`); the old spelling still works,
/// with a note, and gives the same table.
#[test]
fn old_loo_alphas_flag_still_works_with_a_note() {
    let loo = |flag: &str| {
        run(bin()
            .args(["attack", "loo", "--quiet", "--orders", "1", "--input"])
            .arg(data("attack-flow/flows.jsonl"))
            .args([flag, "8,16"]))
    };
    let (ok, new, err) = loo("--smoothings");
    assert!(ok, "{err}");
    assert!(!err.contains("deprecated"), "{err}");
    let (ok, old, err) = loo("--alphas");
    assert!(ok, "{err}");
    assert!(
        err.contains("`attack loo --alphas` is deprecated") && err.contains("use `--smoothings`"),
        "{err}"
    );
    assert_eq!(old, new);
    assert_eq!(
        new.lines().filter(|l| l.starts_with("    1  ")).count(),
        2,
        "{new}"
    );
}

/// `attack loo --out -` gives standard output to the CSV alone (the table
/// moves to standard error), so the CSV can be piped into a reader.
#[test]
fn loo_out_dash_keeps_the_table_off_the_csv() {
    let (ok, csv, err) = run(bin()
        .args(["attack", "loo", "--quiet", "--orders", "1", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .args(["--smoothings", "8,16", "--out", "-"]));
    assert!(ok, "{err}");
    let mut lines = csv.lines();
    assert!(
        lines.next().is_some_and(|h| h.starts_with("order,alpha,")),
        "{csv}"
    );
    assert_eq!(lines.count(), 2, "{csv}");
    assert!(err.contains("<- best"), "{err}");
}

/// `attack train --out -` writes the model to standard output, the same
/// bytes as the file; with `--quiet` stderr keeps only the warnings.
#[test]
fn train_writes_the_model_to_stdout_and_quiet_keeps_only_warnings() {
    let out = bin()
        .args(["attack", "train", "--quiet", "--out", "-", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(out.stdout, std::fs::read(model()).unwrap());
    assert!(
        err.lines().all(|l| l.starts_with("  warning (")) && err.contains("atlas_id"),
        "{err}"
    );
}

/// Every attack subcommand that prints summary lines on stderr takes
/// `--quiet` and then prints none.
#[test]
fn quiet_silences_every_summary_line() {
    let d = tmpdir("quiet");
    let m = model().to_str().unwrap().to_string();
    let alerts = data("../crates/threatstat/tests/bad_input/valid/alerts.csv");
    let otrf = data("otrf/attack_mappings.csv");
    let flows = data("attack-flow/flows.jsonl");
    let p = |name: &str| d.join(name).to_str().unwrap().to_string();
    let (alerts, otrf, flows) = (
        alerts.to_str().unwrap(),
        otrf.to_str().unwrap(),
        flows.to_str().unwrap(),
    );
    for args in [
        vec![
            "train",
            "--input",
            flows,
            "--out",
            &p("m.json"),
            "--issues",
            &p("i.json"),
            "--plot",
            &p("t.svg"),
        ],
        vec![
            "loo",
            "--input",
            flows,
            "--orders",
            "1",
            "--smoothings",
            "16",
            "--out",
            &p("loo.csv"),
        ],
        vec![
            "heatmap",
            "--model",
            &m,
            "--out",
            &p("h.svg"),
            "--csv",
            &p("h.csv"),
        ],
        vec![
            "path",
            "--model",
            &m,
            "--to",
            "TA0040",
            "--plot",
            &p("path.svg"),
        ],
        vec![
            "correlate",
            "--model",
            &m,
            "--alerts",
            alerts,
            "--benign",
            alerts,
            "--out",
            &p("r.csv"),
        ],
        vec![
            "evaluate",
            "--model",
            &m,
            "--otrf",
            otrf,
            "--shuffles",
            "10",
            "--random",
            "10",
            "--out",
            &p("e.json"),
        ],
    ] {
        let loud = run(bin().arg("attack").args(&args));
        assert!(loud.0, "{args:?}: {}", loud.2);
        assert!(loud.2.contains(" -> "), "{args:?}: {}", loud.2);
        let (ok, _, err) = run(bin().arg("attack").args(&args).arg("--quiet"));
        assert!(ok, "{args:?}: {err}");
        let summary: Vec<&str> = err
            .lines()
            .filter(|l| !l.starts_with("  warning (") && !l.starts_with("note: "))
            .collect();
        assert!(summary.is_empty(), "{args:?}: {err}");
    }
}

/// `attack loo` keeps the grid table (the curve, "<- best" on it) and adds
/// per order the argmin optimum with its interval; a `.json` --out holds the
/// optimum with the solver's state.
#[test]
fn loo_adds_the_argmin_optimum_of_each_order() {
    let d = tmpdir("loo-opt");
    let (ok, out, err) = run(bin()
        .args(["attack", "loo", "--quiet", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .arg("--out")
        .arg(d.join("loo.json")));
    assert!(ok, "{err}");
    // The grid rows are unchanged: the best grid row is still order 2, 16.
    let best = out.lines().find(|l| l.ends_with("<- best")).unwrap();
    let cols: Vec<&str> = best.split_whitespace().collect();
    assert_eq!((cols[0], cols[1], cols[3]), ("2", "16", "-2.2890"), "{out}");
    let opt: Vec<&str> = out.lines().filter(|l| l.starts_with("opt ")).collect();
    assert_eq!(opt.len(), 2, "{out}");
    let o2: Vec<&str> = opt[1].split_whitespace().collect();
    assert_eq!((o2[1], o2[2]), ("2", "18.6753"), "{out}");
    assert!(opt[1].contains("solver converged"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("loo.json")).unwrap()).unwrap();
    let o = &v["optimum"][1];
    assert_eq!(o["order"], 2);
    assert_eq!(o["solver"]["termination"], "Solver converged");
    assert!(o["solver"]["iterations"].as_u64().unwrap() > 0);
    assert!(o["curvature"].as_f64().unwrap() > 0.0);
    assert!(o["boundary"].is_null());
    // The optimum beats every grid row of its order.
    let ll = o["log_likelihood"].as_f64().unwrap();
    for r in v["table"].as_array().unwrap() {
        if r["order"] == 2 {
            assert!(r["log_likelihood"].as_f64().unwrap() <= ll);
        }
    }
}

/// `attack train --smoothing opt` fits with the argmin α (the same as
/// `attack loo`'s `opt` row of that order); the search range is checked.
#[test]
fn train_with_the_optimal_smoothing() {
    let d = tmpdir("train-opt");
    let m = d.join("opt.json");
    let (ok, _, err) = run(bin()
        .args(["attack", "train", "--smoothing", "opt", "--input"])
        .arg(data("attack-flow/flows.jsonl"))
        .arg("--out")
        .arg(&m));
    assert!(ok, "{err}");
    assert!(
        err.contains("--smoothing opt") && err.contains("18.6753"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&m).unwrap()).unwrap();
    let alpha = v["alpha"].as_f64().unwrap();
    assert_eq!(format!("{alpha:.4}"), "18.6753", "{v}");
    // Bad values name the flag.
    for (flag, value) in [
        ("--smoothing", "0"),
        ("--smoothing", "best"),
        ("--min-smoothing", "0"),
        ("--max-smoothing", "inf"),
    ] {
        let (ok, _, err) = run(bin()
            .args(["attack", "train", "--smoothing", "opt", "--input"])
            .arg(data("attack-flow/flows.jsonl"))
            .arg("--out")
            .arg(&m)
            .args([flag, value]));
        assert!(!ok && err.contains(flag), "{flag} {value}: {err}");
    }
    let (ok, _, err) = run(bin()
        .args([
            "attack",
            "loo",
            "--min-smoothing",
            "10",
            "--max-smoothing",
            "5",
            "--input",
        ])
        .arg(data("attack-flow/flows.jsonl")));
    assert!(
        !ok && err.contains("--max-smoothing (5) must be greater than --min-smoothing (10)"),
        "{err}"
    );
}
