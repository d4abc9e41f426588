//! The tidy tables (`markov score --out/--long`, `kde --table`) read back:
//! columns, row counts, values recomputed; and the terminal summaries, with
//! `--quiet` silencing them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-tidy-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn ok(args: &[&str]) -> Output {
    let o = bin().args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The fields of one CSV line (quotes as `csv` writes them).
fn fields(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Header and rows of a CSV file.
fn read(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head = fields(lines.next().unwrap());
    (head, lines.map(fields).collect())
}

fn col(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {head:?}"))
}

fn number(s: &str) -> f64 {
    if s.is_empty() || s == "NaN" {
        f64::NAN
    } else {
        s.parse().unwrap()
    }
}

/// `markov score` on msticpy's sessions: one row per session with its
/// user columns and times; likelihoods bit for bit msticpy's golden
/// `rarest_*.csv` and the window columns its JSON lists; the long table
/// one row per window command; the summary lists the rarest sessions.
#[test]
fn markov_scores_are_tidy_and_identical_to_msticpy() {
    let d = tmpdir("markov");
    let fx = repo("crates/threatstat-markov/tests/fixtures/msticpy");
    let (scores, long) = (d.join("scores.csv"), d.join("long.csv"));
    let o = ok(&[
        "markov",
        "score",
        "--input",
        fx.join("sessions.jsonl").to_str().unwrap(),
        "--session-type",
        "cmds",
        "--window",
        "3",
        "--out",
        scores.to_str().unwrap(),
        "--long",
        long.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("rank  session_id  UserId / ClientIP") && err.contains("\n  10  "),
        "{err}"
    );
    let (head, rows) = read(&scores);
    assert_eq!(
        head,
        [
            "session_id",
            "UserId",
            "ClientIP",
            "time_min",
            "time_max",
            "n_cmds",
            "rarest_window_likelihood",
            "rarest_window_start",
            "window_1",
            "window_2",
            "window_3"
        ]
    );
    let (ghead, golden) = read(&fx.join("rarest_cmds_only_w3_tokensT_geoF.csv"));
    assert_eq!(rows.len(), 400);
    assert_eq!(rows.len(), golden.len());
    let sessions = std::fs::read_to_string(fx.join("sessions.jsonl")).unwrap();
    let mut long_rows = 0;
    for ((r, g), s) in rows.iter().zip(&golden).zip(sessions.lines()) {
        let s: serde_json::Value = serde_json::from_str(s).unwrap();
        assert_eq!(r[0], g[col(&ghead, "session_id")]);
        assert_eq!(r[0], s["session_id"].to_string());
        assert_eq!(r[1], s["UserId"].as_str().unwrap_or(""));
        assert_eq!(r[3], s["time_min"].as_str().unwrap());
        assert_eq!(r[4], s["time_max"].as_str().unwrap());
        let (a, b) = (
            number(&r[6]),
            number(&g[col(&ghead, "rarest_window_likelihood")]),
        );
        assert!(a == b || (a.is_nan() && b.is_nan()), "{a} vs {b}");
        let want: Vec<String> = serde_json::from_str(&g[col(&ghead, "rarest_window")]).unwrap();
        let got: Vec<&String> = r[8..].iter().filter(|c| !c.is_empty()).collect();
        assert_eq!(got, want.iter().collect::<Vec<_>>());
        let start = g[col(&ghead, "rarest_window_start")].clone();
        assert_eq!(r[7], if start == "-1" { String::new() } else { start });
        long_rows += want.len();
    }
    let (lhead, lrows) = read(&long);
    assert_eq!(lhead, ["session_id", "position", "cmd"]);
    assert_eq!(lrows.len(), long_rows);
    // The timeline reads the new table (and msticpy's format, tested in
    // threatstat-workflow).
    ok(&[
        "markov",
        "plot",
        "--input",
        scores.to_str().unwrap(),
        "--sessions",
        fx.join("sessions.jsonl").to_str().unwrap(),
        "--out",
        d.join("t.svg").to_str().unwrap(),
        "--quiet",
    ]);
    let o = ok(&[
        "markov",
        "score",
        "--input",
        fx.join("sessions.jsonl").to_str().unwrap(),
        "--session-type",
        "cmds",
        "--log",
        "--out",
        "-",
        "--quiet",
    ]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with(
        "session_id,UserId,ClientIP,time_min,time_max,n_cmds,rarest_window_log_likelihood,"
    ));
    std::fs::remove_dir_all(&d).unwrap();
}

/// `kde --table`: the points of --at beside the JSON's densities
/// (`x,density` in 1-D, `x,y,density` in 2-D).
#[test]
fn kde_table_puts_each_point_beside_its_density() {
    let d = tmpdir("kde");
    let data = d.join("data.csv");
    std::fs::write(&data, "1,2\n2,1\n3,3\n4,2.5\n2.5,2\n").unwrap();
    let at = d.join("at.csv");
    std::fs::write(&at, "1,1\n2,2\n3,2\n").unwrap();
    let (table, json) = (d.join("t.csv"), d.join("k.json"));
    let o = ok(&[
        "kde",
        "--input",
        data.to_str().unwrap(),
        "--at",
        at.to_str().unwrap(),
        "--table",
        table.to_str().unwrap(),
        "--out",
        json.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Gaussian KDE of 5 points") && err.contains("rank  x"),
        "{err}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (head, rows) = read(&table);
    assert_eq!(head, ["x", "y", "density"]);
    assert_eq!(rows.len(), 3);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0].parse::<f64>().unwrap(), [1.0, 2.0, 3.0][i]);
        assert_eq!(number(&r[2]), v["density"][i].as_f64().unwrap());
    }
    // 1-D, with --quiet: nothing on stderr, the table on stdout.
    let x = d.join("x.csv");
    std::fs::write(&x, "1\n2\n2\n5\n").unwrap();
    let o = ok(&[
        "kde",
        "--input",
        x.to_str().unwrap(),
        "--at",
        x.to_str().unwrap(),
        "--table",
        "-",
        "--out",
        json.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("x,density\n1,"), "{text}");
    assert_eq!(text.lines().count(), 5);
    let o = bin()
        .args(["kde", "--input", "x", "--at", "x", "--table", "-"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("--table - and --out -"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// mwu and acf print their test result first; `--quiet` leaves stderr
/// empty and stdout the same JSON.
#[test]
fn test_results_on_stderr_and_quiet_silences_them() {
    let d = tmpdir("tests");
    let (x, y) = (d.join("x.txt"), d.join("y.txt"));
    std::fs::write(&x, "1\n2\n3\n4\n5\n").unwrap();
    std::fs::write(&y, "6\n7\n8\n9\n10\n").unwrap();
    let args = [
        "mwu",
        "--x",
        x.to_str().unwrap(),
        "--y",
        y.to_str().unwrap(),
    ];
    let loud = ok(&args);
    let err = String::from_utf8_lossy(&loud.stderr);
    assert!(
        err.starts_with("Mann-Whitney U = 0 (two-sided, exact): p = 0.008")
            && err.contains("Hodges-Lehmann"),
        "{err}"
    );
    let quiet = ok(&[&args[..], &["--quiet"]].concat());
    assert!(quiet.stderr.is_empty());
    assert_eq!(quiet.stdout, loud.stdout);
    let bmh = repo("data/bmh/txtdata.csv");
    let args = ["acf", "--input", bmh.to_str().unwrap(), "--lags", "12"];
    let loud = ok(&args);
    let err = String::from_utf8_lossy(&loud.stderr);
    assert!(
        err.contains("Ljung-Box Q(12) = ")
            && err.contains("lag  ")
            && err.contains("<- largest |acf|")
            && err.contains("(2 more lags in the JSON)"),
        "{err}"
    );
    let quiet = ok(&[&args[..], &["--quiet"]].concat());
    assert!(quiet.stderr.is_empty());
    assert_eq!(quiet.stdout, loud.stdout);
    std::fs::remove_dir_all(&d).unwrap();
}

/// The directory-writing analyses print their top table (users, pairs, the
/// two tests) on stderr, and nothing there with `--quiet`.
#[test]
fn ranking_commands_print_their_top_table_unless_quiet() {
    let d = tmpdir("rank");
    let p = |name: &str| d.join(name).to_str().unwrap().to_string();
    ok(&[
        "changepoint",
        "generate",
        "--users",
        "20",
        "--days",
        "90",
        "--planted",
        "2",
        "--out",
        &p("logon.csv"),
        "--truth",
        &p("truth.json"),
        "--quiet",
    ]);
    ok(&[
        "cloudtrail",
        "generate",
        "--days",
        "21",
        "--out",
        &p("ct"),
        "--quiet",
    ]);
    ok(&[
        "lanl",
        "generate",
        "--users",
        "100",
        "--days",
        "6",
        "--out",
        &p("lanl"),
        "--quiet",
    ]);
    let runs: [(Vec<String>, &str); 3] = [
        (
            [
                "changepoint",
                "logons",
                "--input",
                &p("logon.csv"),
                "--out",
                &p("users.csv"),
            ]
            .map(String::from)
            .to_vec(),
            "rank  user  ",
        ),
        (
            [
                "cloudtrail",
                "automation",
                "--input",
                &p("ct/cloudtrail.csv"),
                "--figures",
                "none",
                "--out",
                &p("ct_out"),
            ]
            .map(String::from)
            .to_vec(),
            "rank  principal  ",
        ),
        (
            [
                "lanl",
                "uploads",
                "--auth",
                &p("lanl/auth.txt"),
                "--flows",
                &p("lanl/flows.txt"),
                "--redteam",
                &p("lanl/redteam.txt"),
                "--out",
                &p("lanl_out"),
            ]
            .map(String::from)
            .to_vec(),
            "alternative  ",
        ),
    ];
    for (args, head) in runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let loud = ok(&args);
        let err = String::from_utf8_lossy(&loud.stderr);
        assert!(
            err.contains(head) && err.lines().count() >= 3,
            "{args:?}: {err}"
        );
        let quiet = ok(&[&args[..], &["--quiet"]].concat());
        assert!(
            quiet.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&quiet.stderr)
        );
    }
    std::fs::remove_dir_all(&d).unwrap();
}
