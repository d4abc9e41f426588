//! The CLI contract: names, formats, errors.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden(name: &str) -> PathBuf {
    root()
        .join("crates/threatstat-markov/tests/fixtures/msticpy")
        .join(name)
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sessionize(dir: &Path) -> PathBuf {
    let out = dir.join("sessions.jsonl");
    let (ok, err) = run(bin()
        .args(["markov", "sessionize", "--input"])
        .arg(root().join("data/msticpy/demo_exchange_data.csv"))
        .args([
            "--user-cols",
            "UserId,ClientIP",
            "--time-col",
            "TimeGenerated",
            "--event-col",
            "Operation",
            "--params-col",
            "Parameters",
            "--max-session-mins",
            "20",
            "--max-gap-mins",
            "2",
            "--out",
        ])
        .arg(&out));
    assert!(ok, "{err}");
    out
}

#[test]
fn sessionize_writes_the_golden_sessions_file_byte_for_byte() {
    let dir = tmpdir("sessionize");
    let out = sessionize(&dir);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(golden("sessions.jsonl")).unwrap()
    );
}

#[test]
fn score_writes_the_golden_rarest_files() {
    // cmds_only and cmds_params_values files are byte-identical; cmds_params_only
    // products follow Python set order, so compare its values numerically.
    let dir = tmpdir("score");
    let mut compared = 0;
    for e in std::fs::read_dir(golden("")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let Some(rest) = name.strip_prefix("rarest_") else {
            continue;
        };
        let rest = rest.trim_end_matches(".csv");
        let parts: Vec<&str> = rest.rsplitn(4, '_').collect();
        let (geo, tokens, w, t) = (
            parts[0] == "geoT",
            parts[1] == "tokensT",
            &parts[2][1..],
            parts[3],
        );
        let out = dir.join(&name);
        let mut cmd = bin();
        cmd.args(["markov", "score", "--input"])
            .arg(golden("sessions.jsonl"));
        cmd.args([
            "--session-type",
            t,
            "--window",
            w,
            "--format",
            "msticpy",
            "--out",
        ])
        .arg(&out);
        if !tokens {
            cmd.arg("--no-start-end-tokens");
        }
        if geo {
            cmd.arg("--geo-mean");
        }
        let (ok, err) = run(&mut cmd);
        assert!(ok, "{err}");
        let (a, b) = (
            std::fs::read_to_string(&out).unwrap(),
            std::fs::read_to_string(&p).unwrap(),
        );
        if t == "cmds_params_only" {
            assert_eq!(a.lines().count(), b.lines().count());
            for (x, y) in a.lines().zip(b.lines()) {
                let nums = |l: &str| -> Vec<f64> {
                    l.split([',', '[', ']', '"', ' '])
                        .filter_map(|f| f.parse::<f64>().ok())
                        .collect()
                };
                let (nx, ny) = (nums(x), nums(y));
                assert_eq!(nx.len(), ny.len(), "{name}");
                for (u, v) in nx.iter().zip(&ny) {
                    assert!(
                        (u - v).abs() <= 1e-12 * u.abs().max(v.abs()) || (u.is_nan() && v.is_nan()),
                        "{name}: {x} vs {y}"
                    );
                }
            }
        } else {
            assert_eq!(a, b, "{name}");
        }
        compared += 1;
    }
    assert_eq!(compared, 12);
}

/// The markov commands' old flag spellings (`--sessions`, `--model-out`,
/// plot's `--scores`) still work for one release, each with a note naming
/// the new flag, and write what the new spellings write.
#[test]
fn old_markov_flags_still_work_with_a_note() {
    let dir = tmpdir("old-flags");
    let sessions = golden("sessions.jsonl");
    let (old, new) = (dir.join("old.json"), dir.join("new.json"));
    let (ok, err) = run(bin()
        .args(["markov", "fit", "--sessions"])
        .arg(&sessions)
        .args(["--session-type", "cmds", "--model-out"])
        .arg(&old));
    assert!(ok, "{err}");
    assert!(
        err.contains("`markov fit --sessions` is deprecated") && err.contains("use `--input`"),
        "{err}"
    );
    assert!(
        err.contains("`markov fit --model-out` is deprecated"),
        "{err}"
    );
    let (ok, err) = run(bin()
        .args(["markov", "fit", "--input"])
        .arg(&sessions)
        .args(["--session-type", "cmds", "--out"])
        .arg(&new));
    assert!(ok && !err.contains("deprecated"), "{err}");
    assert_eq!(std::fs::read(&old).unwrap(), std::fs::read(&new).unwrap());
    let scores = dir.join("scores.csv");
    let (ok, err) = run(bin()
        .args(["markov", "score", "--sessions"])
        .arg(&sessions)
        .args(["--model"])
        .arg(&new)
        .args(["--quiet", "--out"])
        .arg(&scores));
    assert!(ok, "{err}");
    assert!(
        err.contains("`markov score --sessions` is deprecated"),
        "{err}"
    );
    assert!(!err.contains("scored"), "--quiet: {err}");
    let (ok, err) = run(bin()
        .args(["markov", "plot", "--scores"])
        .arg(&scores)
        .arg("--sessions")
        .arg(&sessions)
        .arg("--out")
        .arg(dir.join("t.svg")));
    assert!(ok, "{err}");
    assert!(
        err.contains("`markov plot --scores` is deprecated"),
        "{err}"
    );
}

/// `markov fit` fits: it has no `--model` (a saved model is for scoring),
/// and every markov subcommand's help ends with examples.
#[test]
fn markov_fit_has_no_model_flag_and_every_help_has_examples() {
    let (ok, err) = run(bin()
        .args(["markov", "fit", "--input"])
        .arg(golden("sessions.jsonl"))
        .args(["--model", "m.json", "--out", "x.json"]));
    assert!(!ok && err.contains("--model"), "{err}");
    for c in [
        "sessionize",
        "fit",
        "score",
        "likelihood",
        "explain",
        "plot",
    ] {
        let out = bin().args(["markov", c, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Examples:\n"), "{c}: {help}");
        assert!(help.contains("data/msticpy/demo_exchange_data.csv"), "{c}");
    }
    let out = bin().args(["markov", "fit", "--help"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("--model "));
}

#[test]
fn fit_then_score_with_the_saved_model_equals_in_sample_scoring() {
    let dir = tmpdir("fit");
    let sessions = golden("sessions.jsonl");
    let model = dir.join("model.json");
    let (ok, err) = run(bin()
        .args(["markov", "fit", "--input"])
        .arg(&sessions)
        .args(["--session-type", "values", "--out"])
        .arg(&model));
    assert!(ok, "{err}");
    let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(&sessions)
        .args(["--model"])
        .arg(&model)
        .args(["--window", "3", "--format", "msticpy", "--out"])
        .arg(&a));
    assert!(ok, "{err}");
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(&sessions)
        .args([
            "--session-type",
            "values",
            "--window",
            "3",
            "--format",
            "msticpy",
            "--out",
        ])
        .arg(&b));
    assert!(ok, "{err}");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(golden("rarest_cmds_params_values_w3_tokensT_geoF.csv")).unwrap()
    );
    // A conflicting session type is refused.
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(&sessions)
        .args(["--model"])
        .arg(&model)
        .args(["--session-type", "cmds", "--out"])
        .arg(dir.join("c.csv")));
    assert!(!ok && err.contains("does not match"), "{err}");
}

#[test]
fn likelihood_explain_and_plot() {
    let dir = tmpdir("lik");
    let sessions = golden("sessions.jsonl");
    let lik = dir.join("lik.csv");
    let (ok, err) = run(bin()
        .args(["markov", "likelihood", "--input"])
        .arg(&sessions)
        .args(["--session-type", "cmds", "--out"])
        .arg(&lik));
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&lik).unwrap();
    assert!(text.starts_with("session_id,n_cmds,likelihood,geomean_likelihood,log_likelihood\n"));
    assert!(
        text.contains("0,13,0.0031740342842871533,0.6424158950114445,"),
        "{}",
        &text[..200]
    );
    let out = bin()
        .args(["markov", "explain", "--input"])
        .arg(&sessions)
        .args([
            "--session-type",
            "cmds",
            "--window",
            "3",
            "--session-id",
            "157",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        e["rarest"]["likelihood"].as_f64().unwrap(),
        0.000021190391428910476
    );
    assert_eq!(e["steps"].as_array().unwrap().len(), 3);
    let scores = dir.join("scores.csv");
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(&sessions)
        .args(["--session-type", "cmds", "--out"])
        .arg(&scores));
    assert!(ok, "{err}");
    for ext in ["png", "svg", "html"] {
        let fig = dir.join(format!("t.{ext}"));
        let (ok, err) = run(bin()
            .args(["markov", "plot", "--input"])
            .arg(&scores)
            .arg("--sessions")
            .arg(&sessions)
            .arg("--out")
            .arg(&fig));
        assert!(ok, "{err}");
        assert!(std::fs::metadata(&fig).unwrap().len() > 1000);
        assert!(
            err.contains("plotted 154 sessions (246 without a likelihood"),
            "{err}"
        );
    }
    let html = std::fs::read_to_string(dir.join("t.html")).unwrap();
    assert!(html.contains("rarest window: New-Mailbox → Set-Mailbox"));
}

#[test]
fn errors_name_file_line_and_field_and_exit_nonzero() {
    let dir = tmpdir("errors");
    let csv = dir.join("bad.csv");
    std::fs::write(
        &csv,
        "TimeGenerated,UserId,Operation\n2020-01-01T00:00:00Z,u,A\nnot-a-time,u,B\n",
    )
    .unwrap();
    let base = |c: &mut Command| {
        c.args(["markov", "sessionize", "--input"])
            .arg(&csv)
            .args([
                "--user-cols",
                "UserId",
                "--time-col",
                "TimeGenerated",
                "--event-col",
                "Operation",
                "--out",
            ])
            .arg(dir.join("s.jsonl"));
    };
    let mut c = bin();
    base(&mut c);
    let (ok, err) = run(&mut c);
    assert!(!ok);
    assert!(
        err.contains("bad.csv:3: field `TimeGenerated`") && err.contains("not-a-time"),
        "{err}"
    );
    let mut c = bin();
    base(&mut c);
    let (ok, err) = run(c.arg("--skip-bad-rows"));
    assert!(ok, "{err}");
    assert!(
        err.contains("skipped 1 bad row(s)") && err.contains("1 events -> 1 sessions"),
        "{err}"
    );
    let mut c = bin();
    c.args(["markov", "sessionize", "--input"])
        .arg(&csv)
        .args([
            "--user-cols",
            "Nope",
            "--time-col",
            "TimeGenerated",
            "--event-col",
            "Operation",
            "--out",
        ])
        .arg(dir.join("s.jsonl"));
    let (ok, err) = run(&mut c);
    assert!(
        !ok && err.contains("no column `Nope`") && err.contains("bad.csv:1"),
        "{err}"
    );
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(dir.join("missing.jsonl"))
        .args(["--session-type", "cmds", "--out"])
        .arg(dir.join("x.csv")));
    assert!(!ok && err.contains("missing.jsonl"), "{err}");
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(golden("sessions.jsonl"))
        .args(["--session-type", "bogus", "--out"])
        .arg(dir.join("x.csv")));
    assert!(
        !ok && err.contains("--session-type") && err.contains("found `bogus`"),
        "{err}"
    );
    let (ok, err) = run(bin()
        .args(["markov", "score", "--input"])
        .arg(golden("sessions.jsonl"))
        .args(["--session-type", "cmds", "--window", "0", "--out"])
        .arg(dir.join("x.csv")));
    // Issue 20 item 17: the flag is named.
    assert!(!ok && err.contains("'--window <WINDOW>'"), "{err}");
}

/// `--skip-bad-rows` on the commands that read sessions: without it a bad
/// line stops the command naming file, line and field; with it the line is
/// skipped, counted on stderr and in the summary line, and the other
/// sessions are used.
#[test]
fn model_commands_skip_bad_session_lines_when_asked() {
    let dir = tmpdir("skip");
    let sessions = dir.join("bad.jsonl");
    std::fs::write(
        &sessions,
        "{\"session_id\": 0, \"cmds\": [\"A\", \"B\"]}\n\
         {\"session_id\": 1, \"cmds\": [\"A\", 7]}\n\
         {\"session_id\": 2, \"cmds\": [\"B\", \"A\"]}\n",
    )
    .unwrap();
    let commands: [(&str, &[&str], &str); 4] = [
        (
            "fit",
            &["--out", "m.json"],
            "2 sessions (4 events, 2 commands; 1 bad row(s) skipped)",
        ),
        (
            "score",
            &["--window", "2", "--out", "s.csv"],
            "(0 without a full window of 2; 1 bad row(s) skipped)",
        ),
        (
            "likelihood",
            &["--out", "l.csv"],
            "wrote likelihoods of 2 sessions; 1 bad row(s) skipped",
        ),
        ("explain", &["--session-id", "2"], ""),
    ];
    for (c, rest, summary) in commands {
        let args = |skip: bool| {
            let mut cmd = bin();
            cmd.current_dir(&dir)
                .args(["markov", c, "--input"])
                .arg(&sessions)
                .args(["--session-type", "cmds"])
                .args(rest);
            if skip {
                cmd.arg("--skip-bad-rows");
            }
            cmd
        };
        let (ok, err) = run(&mut args(false));
        assert!(
            !ok && err.contains("bad.jsonl:2: field `cmds`: element 1 is not a string"),
            "{c}: {err}"
        );
        let (ok, err) = run(&mut args(true));
        assert!(ok, "{c}: {err}");
        assert!(
            err.contains("bad.jsonl: skipped 1 bad row(s)\n  ")
                && err.contains("bad.jsonl:2: field `cmds`")
                && err.contains(summary),
            "{c}: {err}"
        );
    }
    let scores = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    let ids: Vec<&str> = scores.lines().skip(1).map(|l| &l[..1]).collect();
    assert_eq!(ids, ["0", "2"]);
    // Every line bad: an error, with the examples.
    std::fs::write(&sessions, "{\"cmds\": 1}\n").unwrap();
    let (ok, err) = run(bin()
        .args([
            "markov",
            "score",
            "--skip-bad-rows",
            "--session-type",
            "cmds",
            "--input",
        ])
        .arg(&sessions)
        .args(["--out"])
        .arg(dir.join("x.csv")));
    assert!(
        !ok && err.contains("no sessions left (every line was skipped; skipped 1 bad row(s)"),
        "{err}"
    );
}
