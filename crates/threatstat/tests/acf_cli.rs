//! `threatstat acf`: the CLI contract, against the statsmodels and pandas
//! values of `crates/threatstat-acf/tests/fixtures/acf_reference.json`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn reference() -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../threatstat-acf/tests/fixtures/acf_reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn tmpfile(name: &str, text: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-acf-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Writes the fixture series `case` one value a line (`nan` for null).
fn series_file(case: &str) -> PathBuf {
    let r = reference();
    let text: String = r["cases"][case]["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| match v.as_f64() {
            Some(x) => format!("{x:?}\n"),
            None => "nan\n".into(),
        })
        .collect();
    tmpfile(&format!("{case}.txt"), &text)
}

/// Runs the command; (success, stdout, stderr).
fn run(args: &[&str], series: &Path) -> (bool, String, String) {
    let out = bin()
        .arg("acf")
        .arg("--input")
        .arg(series)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn floats(v: &serde_json::Value) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(|u| u.as_f64()).collect()
}

fn assert_close(got: &[Option<f64>], want: &[Option<f64>], tol: f64, rel: bool, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        match (a, b) {
            (Some(a), Some(b)) => {
                let d = (a - b).abs();
                let d = if rel && d > 0.0 {
                    d / a.abs().max(b.abs())
                } else {
                    d
                };
                assert!(d <= tol, "{what}[{k}]: {a} vs {b}");
            }
            (None, None) => {}
            _ => panic!("{what}[{k}]: {a:?} vs {b:?}"),
        }
    }
}

/// The statsmodels run of the fixture with these options.
fn sm_run(case: &serde_json::Value, adjusted: bool) -> &serde_json::Value {
    case["acf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["missing"] == "none" && r["adjusted"] == adjusted && r["fft"] == true)
        .unwrap()
}

#[test]
fn statsmodels_convention_matches_acf_and_acorr_ljungbox() {
    let r = reference();
    for case in ["seasonal7_91", "ar1_0.7_500", "poisson_counts_90"] {
        let c = &r["cases"][case];
        let (ok, out, err) = run(&[], &series_file(case));
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["convention"], "statsmodels");
        assert_eq!(v["lags"], 30);
        let acf = floats(&v["acf"]);
        assert_eq!(acf.len(), 31, "lags 0..=30");
        assert_close(
            &acf,
            &floats(&sm_run(c, false)["result"]["acf"]),
            1e-12,
            false,
            case,
        );
        let lb = &c["ljung_box"];
        assert_eq!(lb["lags"], 30);
        assert_close(
            &floats(&v["ljung_box_q"]),
            &floats(&lb["lb_stat"]),
            1e-10,
            true,
            case,
        );
        assert_close(
            &floats(&v["ljung_box_p"]),
            &floats(&lb["lb_pvalue"]),
            1e-9,
            false,
            case,
        );
    }
}

#[test]
fn adjusted_denominators() {
    let r = reference();
    let c = &r["cases"]["random_normal_200"];
    let (ok, out, err) = run(
        &["--adjusted", "--lags", "30"],
        &series_file("random_normal_200"),
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["adjusted"], true);
    let want = floats(&sm_run(c, true)["result"]["acf"]);
    assert_close(&floats(&v["acf"]), &want, 1e-12, false, "adjusted");
}

#[test]
fn pandas_convention_gives_lags_1_to_l() {
    let r = reference();
    let c = &r["cases"]["seasonal7_91"];
    let (ok, out, err) = run(
        &["--convention", "pandas", "--lags", "10"],
        &series_file("seasonal7_91"),
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let acf = floats(&v["acf"]);
    assert_eq!(acf.len(), 10, "lags 1..=10");
    let want = floats(&c["pandas_autocorr"]);
    assert_close(&acf, &want[1..=10], 1e-12, false, "pandas");
    assert_eq!(floats(&v["ljung_box_q"]).len(), 10);
}

#[test]
fn nan_is_null_for_statsmodels_and_dropped_by_pandas() {
    let r = reference();
    let c = &r["cases"]["nan_60"];
    let file = series_file("nan_60");
    let (ok, out, err) = run(&["--lags", "5"], &file);
    assert!(ok, "{err}");
    assert!(err.contains("NaN"), "a note about NaN: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["nan"], 8);
    assert!(v["acf"].as_array().unwrap().iter().all(|u| u.is_null()));
    assert!(
        v["ljung_box_p"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.is_null())
    );
    let (ok, out, err) = run(&["--lags", "5", "--convention", "pandas"], &file);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let want = floats(&c["pandas_autocorr"]);
    assert_close(&floats(&v["acf"]), &want[1..=5], 1e-12, false, "pandas nan");
}

#[test]
fn constant_series_give_null() {
    let file = tmpfile("constant.txt", &"3\n".repeat(20));
    let (ok, out, err) = run(&["--lags", "3"], &file);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["acf"].as_array().unwrap().iter().all(|u| u.is_null()));
}

#[test]
fn a_bad_line_names_the_file_and_line() {
    // (A blank line inside the series is an error of its own now: it
    // shifted every lag; see input_cli.rs.)
    let file = tmpfile("bad.txt", "1\n2\n3.5\nthree\n4\n");
    let (ok, _, err) = run(&[], &file);
    assert!(!ok);
    assert!(
        err.contains("bad.txt:4:") && err.contains("`three`"),
        "{err}"
    );
    let file = tmpfile("inf.txt", "1\ninf\n");
    let (ok, _, err) = run(&[], &file);
    assert!(!ok);
    assert!(err.contains("inf.txt:2:"), "{err}");
}

#[test]
fn invalid_arguments_are_explained() {
    let file = tmpfile("short.txt", "1\n2\n3\n");
    let (ok, _, err) = run(&[], &file);
    assert!(!ok);
    assert!(err.contains("--lags 30 needs at least 31 values"), "{err}");
    let (ok, out, err) = run(&["--lags", "2"], &file);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // statsmodels: acf([1, 2, 3], nlags=2) = [1, 0, -0.5]
    assert_close(
        &floats(&v["acf"]),
        &[Some(1.0), Some(0.0), Some(-0.5)],
        1e-15,
        false,
        "n = 3",
    );
    let (ok, _, err) = run(&["--convention", "scipy"], &file);
    assert!(!ok && err.contains("pandas or statsmodels"), "{err}");
    let (ok, _, err) = run(
        &["--convention", "pandas", "--adjusted", "--lags", "1"],
        &file,
    );
    assert!(!ok && err.contains("--adjusted"), "{err}");
    let (ok, _, err) = run(&["--lags", "0"], &file);
    assert!(!ok && err.contains("'--lags <LAGS>'"), "{err}");
    // Issue 20 item 17: this said "needs at least 0 values" (lags + 1 wrapped).
    let (ok, _, err) = run(&["--lags", "18446744073709551615"], &file);
    assert!(
        !ok && err.contains("'--lags <LAGS>': must be an integer"),
        "{err}"
    );
}

/// `--table`: one row per lag from 0, `lag,acf,pacf,lb_stat,lb_pvalue`,
/// the pacf column statsmodels' default `pacf` (the fixture's `yw`), the
/// other columns the JSON's numbers on their lags.
#[test]
fn table_is_one_tidy_row_per_lag() {
    let r = reference();
    let case = &r["cases"]["seasonal7_91"];
    let dir = tmpfile("table-probe", "").parent().unwrap().to_path_buf();
    let (csv, json) = (dir.join("t.csv"), dir.join("t.json"));
    let (ok, _, err) = run(
        &[
            "--lags",
            "20",
            "--table",
            csv.to_str().unwrap(),
            "--out",
            json.to_str().unwrap(),
        ],
        &series_file("seasonal7_91"),
    );
    assert!(ok, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lag,acf,pacf,lb_stat,lb_pvalue"));
    let rows: Vec<Vec<Option<f64>>> = lines
        .map(|l| l.split(',').map(|f| f.parse().ok()).collect())
        .collect();
    assert_eq!(rows.len(), 21);
    let col = |j: usize| rows.iter().map(|r| r[j]).collect::<Vec<_>>();
    assert_eq!(col(0), (0..=20).map(|k| Some(k as f64)).collect::<Vec<_>>());
    assert_close(&col(1), &floats(&v["acf"]), 0.0, false, "acf");
    assert_close(&col(2), &floats(&case["pacf"]["yw"]), 1e-10, false, "pacf");
    assert_close(&col(2), &floats(&v["pacf"]), 0.0, false, "pacf json");
    assert_eq!((rows[0][3], rows[0][4]), (None, None), "no test at lag 0");
    assert_close(
        &col(3)[1..],
        &floats(&v["ljung_box_q"]),
        0.0,
        false,
        "lb_stat",
    );
    assert_close(
        &col(4)[1..],
        &floats(&v["ljung_box_p"]),
        0.0,
        false,
        "lb_pvalue",
    );

    let (ok, _, err) = run(&["--table", "-"], &series_file("seasonal7_91"));
    assert!(!ok && err.contains("--table - and --out -"), "{err}");
}
