//! Parquet and Arrow IPC from the default build (issue 24 item 2): inputs
//! give the results of the same data as text; table outputs hold the
//! values of their CSV, typed; bad columnar inputs are errors naming the
//! file and the column.

use std::path::{Path, PathBuf};
use std::process::Command;
use threatstat_table::{Column, Kind, Schema, Table, read, write};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-columnar-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the command: (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let o = cmd.env("THREATSTAT_NO_PROGRESS", "1").output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Stdout of a successful run, with the input's path replaced by `IN`.
fn stdout(cmd: &mut Command, input: &Path) -> String {
    let (ok, out, err) = run(cmd);
    assert!(ok, "{err}");
    out.replace(&input.display().to_string(), "IN")
}

/// A series with a gap-free date column, as CSV and as Parquet/IPC.
fn series(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let counts: Vec<i64> = (0..60)
        .map(|d| (d * 7919 % 13) + if d > 40 { 9 } else { 2 })
        .collect();
    let days: Vec<i32> = (0..60).map(|d| 14_611 + d).collect();
    let csv = dir.join("series.csv");
    let mut text = String::from("date,count\n");
    for (d, c) in days.iter().zip(&counts) {
        text.push_str(&format!(
            "{},{c}\n",
            threatstat_core::time::format_day(i64::from(*d))
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let mut t = Table::new();
    t.push(
        "date",
        Column::Date(days.iter().map(|&d| Some(d)).collect()),
    )
    .unwrap();
    t.push("count", Column::i64s(counts)).unwrap();
    let pq = dir.join("series.parquet");
    write(&t, &pq).unwrap();
    let ipc = dir.join("series.arrow");
    write(&t, &ipc).unwrap();
    (csv, pq, ipc)
}

#[test]
fn numeric_inputs_from_parquet_and_ipc_give_the_csv_results() {
    let dir = tmpdir("inputs");
    let (csv, pq, ipc) = series(&dir);
    for columnar in [&pq, &ipc] {
        let acf = |p: &Path| {
            stdout(
                bin()
                    .args(["acf", "--lags", "5", "--column", "count", "--input"])
                    .arg(p),
                p,
            )
        };
        assert_eq!(acf(columnar), acf(&csv));
        let mwu = |p: &Path| {
            stdout(
                bin()
                    .args(["mwu", "--column", "count", "--x"])
                    .arg(p)
                    .arg("--y")
                    .arg(&csv),
                p,
            )
        };
        assert_eq!(mwu(columnar), mwu(&csv));
        let fit = |p: &Path| {
            stdout(
                bin()
                    .args(["changepoint", "fit", "--out", "-", "--input"])
                    .arg(p),
                p,
            )
        };
        let text = fit(&csv);
        assert!(text.contains("2010-02-1"), "{text}");
        assert_eq!(fit(columnar), text);
    }
    // KDE points: the numeric columns are the dimensions.
    let mut t = Table::new();
    t.push("x", Column::f64s((0..50).map(|i| (i as f64 * 0.37).sin())))
        .unwrap();
    let pts = dir.join("points.parquet");
    write(&t, &pts).unwrap();
    let text = dir.join("points.csv");
    let lines: Vec<String> = (0..50)
        .map(|i| format!("{:?}", (i as f64 * 0.37).sin()))
        .collect();
    std::fs::write(&text, lines.join("\n") + "\n").unwrap();
    let kde = |p: &Path| {
        stdout(
            bin()
                .args(["kde", "--out", "-", "--input"])
                .arg(p)
                .arg("--at")
                .arg(p),
            p,
        )
    };
    assert_eq!(kde(&pts), kde(&text));
}

#[test]
fn bad_columnar_inputs_name_the_file_and_the_column() {
    let dir = tmpdir("bad");
    let (_, pq, _) = series(&dir);
    let err = |cmd: &mut Command| {
        let (ok, _, err) = run(cmd);
        assert!(!ok);
        assert!(!err.contains("panicked"), "{err}");
        err
    };
    let e = err(bin().args(["acf", "--column", "calls", "--input"]).arg(&pq));
    assert!(
        e.contains("series.parquet") && e.contains("`calls`") && e.contains("date, count"),
        "{e}"
    );
    let e = err(bin()
        .args(["mwu", "--column", "date", "--x"])
        .arg(&pq)
        .arg("--y")
        .arg(&pq));
    assert!(
        e.contains("series.parquet: field `date`") && e.contains("numeric"),
        "{e}"
    );
    let e = err(bin()
        .args([
            "changepoint",
            "fit",
            "--out",
            "-",
            "--column",
            "nope",
            "--input",
        ])
        .arg(&pq));
    assert!(e.contains("series.parquet") && e.contains("`nope`"), "{e}");
    // A negative count and a gap in the dates.
    let mut t = Table::new();
    t.push("day", Column::Date(vec![Some(0), Some(1), Some(3)]))
        .unwrap();
    t.push("n", Column::i64s([1, -2, 3])).unwrap();
    let p = dir.join("neg.parquet");
    write(&t, &p).unwrap();
    let e = err(bin()
        .args(["changepoint", "fit", "--out", "-", "--input"])
        .arg(&p));
    assert!(
        e.contains("neg.parquet: field `n`") && e.contains("row 2"),
        "{e}"
    );
    let bytes = std::fs::read(&pq).unwrap();
    let cut = dir.join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    for cmd in [
        bin().args(["acf", "--input"]).arg(&cut),
        bin()
            .args(["kde", "--out", "-", "--input"])
            .arg(&cut)
            .arg("--at")
            .arg(&cut),
        bin()
            .args(["changepoint", "fit", "--out", "-", "--input"])
            .arg(&cut),
    ] {
        let e = err(cmd);
        assert!(
            e.contains("cut.parquet") && e.contains("not a readable Parquet file"),
            "{e}"
        );
    }
}

/// `csv` parsed with `schema` equals the columnar file `columnar`.
fn same_as_csv(csv: &Path, columnar: &Path, schema: &Schema) {
    let text = std::fs::read(csv).unwrap();
    let want = schema.table_from_csv(&text, csv).unwrap();
    let got = read(columnar, None).unwrap();
    assert_eq!(got.names(), want.names());
    for ((name, a), (_, b)) in got.columns().iter().zip(want.columns()) {
        match (a, b) {
            (Column::F64(a), Column::F64(b)) => {
                let bits = |v: &Vec<Option<f64>>| -> Vec<Option<u64>> {
                    v.iter().map(|x| x.map(f64::to_bits)).collect()
                };
                assert_eq!(bits(a), bits(b), "{name}");
            }
            _ => assert_eq!(a, b, "{name}"),
        }
    }
}

#[test]
fn table_outputs_hold_their_csv_values_typed() {
    let dir = tmpdir("outputs");
    // acf --table: full precision, NaN as null.
    let (csv, _, _) = series(&dir);
    let t_csv = dir.join("lags.csv");
    let t_pq = dir.join("lags.parquet");
    for t in [&t_csv, &t_pq] {
        let (ok, _, err) = run(bin()
            .args(["acf", "--lags", "4", "--column", "count", "--out"])
            .arg(dir.join("acf.json"))
            .arg("--table")
            .arg(t)
            .arg("--input")
            .arg(&csv));
        assert!(ok, "{err}");
    }
    let lags = read(&t_pq, None).unwrap();
    assert_eq!(lags.names(), "lag, acf, pacf, lb_stat, lb_pvalue");
    assert_eq!(lags.column("lag").unwrap(), &Column::i64s(0..=4));
    let Column::F64(q) = lags.column("lb_stat").unwrap() else {
        panic!()
    };
    assert!(q[0].is_none() && q[1].is_some());
    let acf = Schema::new(&[
        ("lag", Kind::I64),
        ("acf", Kind::F64),
        ("pacf", Kind::F64),
        ("lb_stat", Kind::F64),
        ("lb_pvalue", Kind::F64),
    ]);
    same_as_csv(&t_csv, &t_pq, &acf);

    // changepoint logons --out users.parquet / users.arrow.
    let logon = dir.join("logon.csv");
    let (ok, _, err) = run(bin()
        .args(["changepoint", "generate", "--users", "6", "--days", "200"])
        .args(["--planted", "2", "--seed", "5", "--out"])
        .arg(&logon)
        .arg("--truth")
        .arg(dir.join("truth.json")));
    assert!(ok, "{err}");
    for (model, ext) in [("switchpoint", "parquet"), ("segments", "arrow")] {
        let out_csv = dir.join(format!("{model}.csv"));
        let out_col = dir.join(format!("{model}.{ext}"));
        for o in [&out_csv, &out_col] {
            let (ok, _, err) = run(bin()
                .args([
                    "changepoint",
                    "logons",
                    "--quiet",
                    "--kind",
                    model,
                    "--input",
                ])
                .arg(&logon)
                .arg("--out")
                .arg(o));
            assert!(ok, "{err}");
        }
        let schema = Schema::new(
            &threatstat_table_schema_of(&out_csv)
                .iter()
                .map(|(n, k)| (n.as_str(), *k))
                .collect::<Vec<_>>(),
        );
        same_as_csv(&out_csv, &out_col, &schema);
        let t = read(&out_col, Some(&["user", "first_day"])).unwrap();
        assert!(matches!(t.column("first_day").unwrap(), Column::Date(_)));
        assert_eq!(t.rows(), 6);
    }
}

/// The declared types of the columns of a `changepoint logons` CSV.
fn threatstat_table_schema_of(csv: &Path) -> Vec<(String, Kind)> {
    let head = std::fs::read_to_string(csv).unwrap();
    let kind = |n: &str| match n {
        "user" | "note" => Kind::Utf8,
        "n_days" | "map_tau" | "n_changes_map" => Kind::I64,
        "first_day" | "last_day" | "map_tau_date" | "start_date" | "end_date" => Kind::Date,
        "change_dates" => Kind::ListUtf8,
        "change_count_posterior" => Kind::ListF64,
        _ => Kind::F64,
    };
    head.lines()
        .next()
        .unwrap()
        .split(',')
        .map(|n| (n.to_string(), kind(n)))
        .collect()
}

fn manifest_lists(dir: &Path, file: &str) -> bool {
    std::fs::read_to_string(dir.join("manifest.json"))
        .unwrap()
        .contains(&format!("\"{file}\""))
}

#[test]
fn directory_commands_write_columnar_tables_beside_their_csvs() {
    let dir = tmpdir("dirs");
    // lanl uploads --columnar parquet.
    let data = dir.join("lanl");
    let (ok, _, err) = run(bin()
        .args([
            "lanl", "generate", "--users", "40", "--days", "4", "--seed", "3", "--out",
        ])
        .arg(&data));
    assert!(ok, "{err}");
    let out = dir.join("uploads");
    let (ok, _, err) = run(bin()
        .args([
            "lanl",
            "uploads",
            "--quiet",
            "--columnar",
            "parquet",
            "--auth",
        ])
        .arg(data.join("auth.txt"))
        .arg("--flows")
        .arg(data.join("flows.txt"))
        .arg("--redteam")
        .arg(data.join("redteam.txt"))
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let users = Schema::new(&[
        ("user", Kind::Utf8),
        ("compromised", Kind::Bool),
        ("intervals", Kind::I64),
        ("median_upload", Kind::F64),
        ("p95_upload", Kind::F64),
        ("loo_density", Kind::F64),
        ("flagged", Kind::Bool),
    ]);
    same_as_csv(&out.join("users.csv"), &out.join("users.parquet"), &users);
    assert!(manifest_lists(&out, "users.parquet") && manifest_lists(&out, "users.csv"));

    // cloudtrail automation --columnar arrow.
    let ct = dir.join("ct");
    let (ok, _, err) = run(bin()
        .args(["cloudtrail", "generate", "--seed", "2", "--out"])
        .arg(&ct));
    assert!(ok, "{err}");
    let out = dir.join("automation");
    let (ok, _, err) = run(bin()
        .args([
            "cloudtrail",
            "automation",
            "--quiet",
            "--figures",
            "none",
            "--columnar",
            "arrow",
        ])
        .arg("--input")
        .arg(ct.join("cloudtrail"))
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let pairs = read(&out.join("pairs.arrow"), None).unwrap();
    assert!(pairs.rows() > 0);
    assert!(matches!(pairs.column("flagged").unwrap(), Column::Bool(_)));
    assert!(matches!(
        pairs.column("permutations").unwrap(),
        Column::I64(_)
    ));
    assert!(manifest_lists(&out, "pairs.arrow") && manifest_lists(&out, "pairs.csv"));
    assert!(manifest_lists(&out, "summary.json"));
    // Without --columnar, nothing but the CSV.
    let plain = dir.join("automation-plain");
    let (ok, _, err) = run(bin()
        .args([
            "cloudtrail",
            "automation",
            "--quiet",
            "--figures",
            "none",
            "--input",
        ])
        .arg(ct.join("cloudtrail"))
        .arg("--out")
        .arg(&plain));
    assert!(ok, "{err}");
    assert!(!plain.join("pairs.arrow").exists() && !plain.join("pairs.parquet").exists());
    assert_eq!(
        std::fs::read(plain.join("pairs.csv")).unwrap(),
        std::fs::read(out.join("pairs.csv")).unwrap()
    );
}

#[test]
fn features_run_writes_the_matrix_as_parquet() {
    let dir = tmpdir("features");
    let auth = dir.join("auth.csv");
    let (ok, _, err) = run(bin()
        .args([
            "features", "generate", "--users", "300", "--days", "4", "--out",
        ])
        .arg(&auth));
    assert!(ok, "{err}");
    let out = dir.join("out");
    let (ok, _, err) = run(bin()
        .args([
            "features", "run", "--quiet", "--trees", "10", "--folds", "2",
        ])
        .args(["--columnar", "parquet", "--input"])
        .arg(&auth)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let m = read(&out.join("feature_matrix.parquet"), None).unwrap();
    assert!(matches!(m.column("label").unwrap(), Column::Bool(_)));
    assert!(matches!(m.column("time").unwrap(), Column::I64(_)));
    assert!(m.columns().iter().any(|(_, c)| matches!(c, Column::F64(_))));
    assert!(
        manifest_lists(&out, "feature_matrix.parquet") && manifest_lists(&out, "cutoffs.parquet")
    );
    // The out-of-fold scores with their user, and the test set's scores.
    let p = read(&out.join("predictions.parquet"), None).unwrap();
    let names: Vec<&str> = p.columns().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "session_id",
            "user",
            "cutoff_time",
            "label",
            "score",
            "fold"
        ]
    );
    assert!(matches!(p.column("user").unwrap(), Column::Utf8(_)));
    assert!(matches!(p.column("cutoff_time").unwrap(), Column::I64(_)));
    assert!(matches!(p.column("score").unwrap(), Column::F64(_)));
    let csv_rows = std::fs::read_to_string(out.join("predictions.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(p.rows(), csv_rows - 1);
    let t = read(&out.join("test_scores.parquet"), None).unwrap();
    assert!(matches!(t.column("flagged").unwrap(), Column::Bool(_)));
    assert!(
        manifest_lists(&out, "predictions.parquet") && manifest_lists(&out, "test_scores.parquet")
    );
    assert!(manifest_lists(&out, "metrics.json"));
}

/// `markov convert` writes the sessions as Parquet/IPC; `markov score`
/// reads them and gives the JSON Lines run's table, as CSV and (typed) as
/// Parquet; `--long` follows its extension too.
#[test]
fn markov_sessions_and_scores_in_parquet_and_ipc() {
    let d = tmpdir("markov");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let jsonl = root.join("crates/threatstat-markov/tests/fixtures/msticpy/sessions.jsonl");
    let score = |input: &Path, out: &Path, long: Option<&Path>| {
        let mut c = bin();
        c.args([
            "markov",
            "score",
            "--quiet",
            "--session-type",
            "values",
            "--input",
        ])
        .arg(input)
        .arg("--out")
        .arg(out);
        if let Some(l) = long {
            c.arg("--long").arg(l);
        }
        let (ok, _, err) = run(&mut c);
        assert!(ok, "{err}");
    };
    score(&jsonl, &d.join("j.csv"), Some(&d.join("j-long.csv")));
    for ext in ["parquet", "arrow"] {
        let sessions = d.join(format!("sessions.{ext}"));
        let (ok, _, err) = run(bin()
            .args(["markov", "convert", "--input"])
            .arg(&jsonl)
            .arg("--out")
            .arg(&sessions));
        assert!(ok && err.contains("400 sessions (1334 events)"), "{err}");
        let (csv, pq, long) = (
            d.join(format!("{ext}.csv")),
            d.join(format!("scores.{ext}")),
            d.join(format!("long.{ext}")),
        );
        score(&sessions, &csv, None);
        assert_eq!(
            std::fs::read(d.join("j.csv")).unwrap(),
            std::fs::read(&csv).unwrap(),
            "{ext}"
        );
        score(&sessions, &pq, Some(&long));
        let t = read(&pq, None).unwrap();
        assert_eq!(t.rows(), 400);
        assert!(matches!(t.column("n_cmds").unwrap(), Column::I64(_)));
        assert_eq!(
            read(&long, None).unwrap().names(),
            "session_id, position, cmd"
        );
        // The timeline joins the scores to the columnar sessions too.
        let (ok, _, err) = run(bin()
            .args(["markov", "plot", "--input"])
            .arg(&csv)
            .arg("--sessions")
            .arg(&sessions)
            .arg("--out")
            .arg(d.join(format!("timeline-{ext}.svg"))));
        assert!(ok, "{err}");
    }
    // sessionize writes the same layout by the extension.
    let (ok, _, err) = run(bin()
        .args([
            "markov",
            "sessionize",
            "--quiet",
            "--user-cols",
            "UserId,ClientIP",
            "--time-col",
            "TimeGenerated",
            "--event-col",
            "Operation",
            "--params-col",
            "Parameters",
            "--input",
        ])
        .arg(root.join("data/msticpy/demo_exchange_data.csv"))
        .arg("--out")
        .arg(d.join("direct.parquet")));
    assert!(ok, "{err}");
    score(&d.join("direct.parquet"), &d.join("direct.csv"), None);
    assert_eq!(
        std::fs::read(d.join("j.csv")).unwrap(),
        std::fs::read(d.join("direct.csv")).unwrap()
    );
    // Outputs that cannot be columnar say so, naming the flag.
    let (ok, _, err) = run(bin()
        .args(["markov", "convert", "--input"])
        .arg(&jsonl)
        .arg("--out")
        .arg(d.join("x.csv")));
    assert!(!ok && err.contains("--out"), "{err}");
    let (ok, _, err) = run(bin()
        .args([
            "markov",
            "score",
            "--session-type",
            "cmds",
            "--format",
            "msticpy",
            "--input",
        ])
        .arg(&jsonl)
        .arg("--out")
        .arg(d.join("x.parquet")));
    assert!(!ok && err.contains("--format msticpy"), "{err}");
    // likelihood writes CSV only, and plot reads CSV scores only: a columnar
    // name is refused rather than given CSV bytes or read as CSV.
    let (ok, _, err) = run(bin()
        .args(["markov", "likelihood", "--session-type", "cmds", "--input"])
        .arg(&jsonl)
        .arg("--out")
        .arg(d.join("lik.parquet")));
    assert!(
        !ok && err.contains("--out") && err.contains(".csv"),
        "{err}"
    );
    assert!(!d.join("lik.parquet").exists());
    let (ok, _, err) = run(bin()
        .args(["markov", "plot", "--input"])
        .arg(d.join("scores.parquet"))
        .arg("--sessions")
        .arg(&jsonl)
        .arg("--out")
        .arg(d.join("t.svg")));
    assert!(
        !ok && err.contains("--input") && err.contains("CSV"),
        "{err}"
    );
}
