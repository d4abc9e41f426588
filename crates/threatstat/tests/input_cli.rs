//! Input parsing at the CLI: out-of-range times, skipped-row counts, blank
//! lines in series, CRLF line numbers, byte-order marks (issue 20).

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-input-cli-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command; (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const EVENTS: &str = "TimeGenerated,UserId,Operation\r\n\
                      2020-01-01T00:00:00Z,u,A\r\n\
                      2020-01-01T00:01:00Z,u,B\r\n\
                      2999-01-01T00:00:00Z,u,C\r\n";

#[test]
fn sessionize_rejects_a_time_past_2262_on_its_crlf_line() {
    // Before: 2999-01-01 became 1829-11-23T00:50:52.580896768Z, exit 0;
    // and a CRLF file's errors named the line before.
    let d = tmpdir("sessionize");
    let input = write(&d, "events.csv", EVENTS.as_bytes());
    let out = d.join("sessions.jsonl");
    let (ok, _, err) = run(bin()
        .args(["markov", "sessionize", "--input"])
        .arg(&input)
        .args(["--user-cols", "UserId", "--time-col", "TimeGenerated"])
        .args(["--event-col", "Operation", "--out"])
        .arg(&out));
    assert!(!ok, "{err}");
    assert!(
        err.contains("events.csv:4: field `TimeGenerated`")
            && err.contains("outside the supported range"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn cloudtrail_generate_rejects_a_period_past_2262() {
    let d = tmpdir("ctgen");
    let (ok, _, err) = run(bin()
        .args([
            "cloudtrail",
            "generate",
            "--start",
            "9999-12-20",
            "--days",
            "30",
        ])
        .arg("--out")
        .arg(d.join("out")));
    assert!(!ok && err.contains("outside the supported range"), "{err}");
}

#[test]
fn blank_lines_inside_a_series_are_errors_naming_the_line() {
    let d = tmpdir("series");
    let counts: String = (0..20).map(|i| format!("{}\n", i % 7)).collect();
    // Line 4 blank: dropping it moved every later day (or lag) by one.
    let holed = counts.replacen("2\n", "2\n\n", 1);
    assert!(holed.starts_with("0\n1\n2\n\n3\n"), "{holed:?}");
    let series = write(&d, "series.txt", holed.as_bytes());
    let cell = write(
        &d,
        "cell.txt",
        counts.replacen("3\n", "\"\"\n", 1).as_bytes(),
    );
    let at = write(&d, "at.txt", b"1\n");
    let post = d.join("posterior.json");
    let (at, post) = (at.to_str().unwrap(), post.to_str().unwrap());
    let cases: Vec<(Vec<&str>, &Path, &str)> = vec![
        (
            vec!["acf", "--lags", "3", "--input"],
            &series,
            "series.txt:4: blank line",
        ),
        (
            vec!["kde", "--at", at, "--input"],
            &series,
            "series.txt:4: blank line",
        ),
        (
            vec!["changepoint", "fit", "--out", post, "--input"],
            &series,
            "series.txt:4: blank line",
        ),
        (
            vec!["changepoint", "fit", "--out", post, "--input"],
            &cell,
            "cell.txt:4: field `1`: missing count",
        ),
    ];
    for (args, input, want) in cases {
        let (ok, _, err) = run(bin().args(&args).arg(input));
        assert!(!ok && err.contains(want), "{args:?}: {err}");
    }
    // Blank lines at the end are fine.
    let tail = write(&d, "tail.txt", format!("{counts}\n\n").as_bytes());
    let (ok, _, err) = run(bin().args(["acf", "--lags", "3", "--input"]).arg(&tail));
    assert!(ok, "{err}");
}

#[test]
fn a_byte_order_mark_is_accepted_by_mwu() {
    // Before: "found `\u{feff}41`".
    let d = tmpdir("bom");
    let x = write(&d, "x.txt", b"\xEF\xBB\xBF41\n42\n43\n44\n");
    let y = write(&d, "y.txt", b"1\n2\n3\n4\n");
    let (ok, out, err) = run(bin().arg("mwu").arg("--x").arg(&x).arg("--y").arg(&y));
    assert!(ok, "{err}");
    assert!(out.contains("\"u\": 16"), "{out}");
}

#[test]
fn lanl_uploads_reports_every_skipped_line() {
    // Before: 1 in 3 auth lines replaced by garbage vanished, exit 0,
    // nothing on stderr or in summary.json.
    let d = tmpdir("lanl");
    let data = d.join("data");
    let (ok, _, err) = run(bin()
        .args(["lanl", "generate", "--users", "60", "--days", "6", "--out"])
        .arg(&data));
    assert!(ok, "{err}");
    let auth = std::fs::read_to_string(data.join("auth.txt")).unwrap();
    let mut garbled = 0u64;
    let text: String = auth
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i % 3 == 2 {
                garbled += 1;
                "garbage,line\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let bad_auth = write(&d, "auth.txt", text.as_bytes());
    let red = std::fs::read_to_string(data.join("redteam.txt")).unwrap();
    let bad_red = write(&d, "redteam.txt", format!("{red}nonsense\n").as_bytes());
    let out = d.join("out");
    let (ok, stdout, err) = run(bin()
        .args(["lanl", "uploads", "--quiet", "--skip-bad-rows", "--auth"])
        .arg(&bad_auth)
        .arg("--flows")
        .arg(data.join("flows.txt"))
        .arg("--redteam")
        .arg(&bad_red)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let want = format!(
        "skipped {} bad line(s): auth {garbled}, flows 0, redteam 1",
        garbled + 1
    );
    assert!(err.contains(&want), "{want}\n{err}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let s = &summary["skipped_rows"];
    assert_eq!(
        (s["auth"].as_u64(), s["redteam"].as_u64()),
        (Some(garbled), Some(1))
    );
    assert!(
        s["examples"][0].as_str().unwrap().contains("auth.txt:3"),
        "{s}"
    );
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["skipped_rows"], *s);
}

#[test]
fn features_run_skips_ragged_rows_and_counts_them_in_metrics() {
    // Before: a row with the wrong field count stopped the run even under
    // --skip-bad-rows, and metrics.json never said how many were skipped.
    let d = tmpdir("features");
    let auth = d.join("auth.csv");
    let (ok, _, err) = run(bin()
        .args([
            "features", "generate", "--users", "300", "--days", "4", "--out",
        ])
        .arg(&auth));
    assert!(ok, "{err}");
    let mut text = std::fs::read_to_string(&auth).unwrap();
    text.push_str("1,U1\n1,a,b,c,d,e,f,g,h,X\n");
    std::fs::write(&auth, text).unwrap();
    let out = d.join("out");
    let (ok, stdout, err) = run(bin()
        .args([
            "features",
            "run",
            "--trees",
            "10",
            "--folds",
            "2",
            "--skip-bad-rows",
        ])
        .arg("--auth")
        .arg(&auth)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    assert!(err.contains("skipped 2 bad row(s)"), "{err}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["skipped_rows"].as_u64(), Some(2));
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(printed["skipped_rows"].as_u64(), Some(2));
}

#[test]
fn raw_f64_data_that_starts_like_a_byte_order_mark_is_kept() {
    // Only text files lose a leading BOM: these bytes are 1.0000000000139...
    let d = tmpdir("f64le");
    let first = f64::from_le_bytes([0xEF, 0xBB, 0xBF, 0, 0, 0, 0xF0, 0x3F]);
    let x: Vec<u8> = [first, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let y: Vec<u8> = [4.0f64, 5.0, 6.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let (x, y) = (write(&d, "x.f64", &x), write(&d, "y.f64", &y));
    let (ok, out, err) = run(bin()
        .args(["mwu", "--f64le", "--x"])
        .arg(&x)
        .arg("--y")
        .arg(&y));
    assert!(ok, "{err}");
    assert!(out.contains("\"u\": 0"), "{out}");
}
