//! `threatstat changepoint`: the CLI contract.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn book() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../threatstat-changepoint/tests/fixtures/txtdata.csv")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-cp-cli-{}-{name}", std::process::id()));
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

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn fit_exact_writes_the_posterior_and_a_figure() {
    let dir = tmpdir("exact");
    let (out, fig) = (dir.join("posterior.json"), dir.join("fig.png"));
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--method", "exact", "--out"])
        .arg(&out)
        .arg("--plot")
        .arg(&fig));
    assert!(ok, "{err}");
    let v = read_json(&out);
    let tau: Vec<f64> = serde_json::from_value(v["tau_posterior"].clone()).unwrap();
    assert_eq!(tau.len(), 74);
    assert!((tau.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(v["map_tau"], 45);
    assert_eq!(
        format!("{:.3}", v["lambda_1_mean"].as_f64().unwrap()),
        "17.758"
    );
    assert_eq!(
        format!("{:.3}", v["lambda_2_mean"].as_f64().unwrap()),
        "22.689"
    );
    assert!(v["log_bayes_factor"].as_f64().unwrap() > 4.0);
    assert!(std::fs::metadata(&fig).unwrap().len() > 10_000);
}

/// A headerless file's figure says "count" on its y axis (not the column's
/// number, "1") and names the file, not its path.
#[test]
fn fit_figure_of_a_headerless_file_is_labelled() {
    let dir = tmpdir("labels");
    let (out, fig) = (dir.join("posterior.json"), dir.join("fig.svg"));
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--method", "exact", "--out"])
        .arg(&out)
        .arg("--plot")
        .arg(&fig));
    assert!(ok, "{err}");
    let svg = std::fs::read_to_string(&fig).unwrap();
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")))
        .map(|(t, _)| t.trim())
        .collect();
    assert!(texts.contains(&"count"), "{texts:?}");
    assert!(!texts.contains(&"1"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.ends_with("of txtdata.csv")),
        "{texts:?}"
    );
    assert!(!svg.contains("fixtures/"), "the title holds the path");
}

#[test]
fn fit_mcmc_reports_convergence() {
    let dir = tmpdir("mcmc");
    for method in ["gibbs", "metropolis"] {
        let out = dir.join(format!("{method}.json"));
        let (ok, err) = run(bin()
            .args(["changepoint", "fit", "--input"])
            .arg(book())
            .args([
                "--method", method, "--draws", "5000", "--tune", "2000", "--seed", "9", "--out",
            ])
            .arg(&out));
        assert!(ok, "{err}");
        let v = read_json(&out);
        assert!(
            v["rhat"].as_f64().unwrap() < 1.01,
            "{method}: {}",
            v["rhat"]
        );
        assert!(v["ess_bulk"].as_f64().unwrap() > 400.0, "{method}");
        assert!(v["ess_tail"].as_f64().unwrap() > 400.0, "{method}");
        assert!(
            v["tv_distance_to_exact"].as_f64().unwrap() < 0.02,
            "{method}"
        );
        assert_eq!(v["map_tau"], 45, "{method}");
    }
}

#[test]
fn series_with_header_dates_and_named_column() {
    let dir = tmpdir("dates");
    let csv = dir.join("s.csv");
    let mut body = String::from("date,user,logons\n");
    for d in 0..40 {
        body.push_str(&format!(
            "2020-02-{:02},x,{}\n",
            d % 29 + 1,
            if d < 25 { 1 } else { 6 }
        ));
    }
    // Not consecutive after Feb 29: the 30th row repeats 2020-02-01.
    std::fs::write(&csv, &body).unwrap();
    let out = dir.join("p.json");
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(&csv)
        .args(["--column", "logons", "--out"])
        .arg(&out));
    assert!(
        !ok && err.contains("s.csv:31: field `date`") && err.contains("consecutive"),
        "{err}"
    );
    let mut body = String::from("date,user,logons\n");
    for d in 0..40 {
        let day = 18_000 + d;
        let (y, m, dd) = threatstat_core::time::civil_from_days(day);
        body.push_str(&format!(
            "{y}-{m:02}-{dd:02},x,{}\n",
            if d < 25 { 1 } else { 6 }
        ));
    }
    std::fs::write(&csv, &body).unwrap();
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(&csv)
        .args(["--out"])
        .arg(&out));
    assert!(!ok && err.contains("--column"), "{err}");
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(&csv)
        .args(["--column", "logons", "--out"])
        .arg(&out));
    assert!(ok, "{err}");
    let v = read_json(&out);
    assert_eq!(v["map_tau"], 25);
    let (y, m, d) = threatstat_core::time::civil_from_days(18_025);
    assert_eq!(v["map_tau_date"], format!("{y}-{m:02}-{d:02}"));
}

#[test]
fn bad_series_name_file_and_line() {
    let dir = tmpdir("bad");
    let cases = [
        (
            "neg.csv",
            "count\n3\n-2\n",
            "neg.csv:3: field `count`: counts must be non-negative",
        ),
        (
            "frac.csv",
            "3\n2.5\n",
            "frac.csv:2: field `1`: counts must be whole numbers",
        ),
        (
            "missing.csv",
            "count,date\n3,2020-01-01\n,2020-01-02\n",
            "missing.csv:3: field `count`: missing count",
        ),
        (
            "text.csv",
            "count\n3\nmany\n",
            "text.csv:3: field `count`: not a number",
        ),
        (
            "baddate.csv",
            "date,count\n2020-01-01,3\n2020-13-01,4\n",
            "baddate.csv:3: field `date`",
        ),
        ("empty.csv", "count\n", "the series is empty"),
        ("nocol.csv", "a,b,c\n1,2,3\n", "--column"),
    ];
    for (name, body, want) in cases {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        let (ok, err) = run(bin()
            .args(["changepoint", "fit", "--input"])
            .arg(&p)
            .args(["--out"])
            .arg(dir.join("o.json")));
        assert!(!ok && err.contains(want), "{name}: {err}");
    }
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--prior-rate=-1", "--out"])
        .arg(dir.join("o.json")));
    assert!(
        !ok && err.contains("'--prior-rate <PRIOR_RATE>': must be a finite number > 0"),
        "{err}"
    );
}

#[test]
fn logons_rank_the_planted_users_first() {
    let dir = tmpdir("logons");
    let (logon, truth, users) = (
        dir.join("logon.csv"),
        dir.join("truth.json"),
        dir.join("users.csv"),
    );
    let (ok, err) = run(bin()
        .args([
            "changepoint",
            "generate",
            "--users",
            "150",
            "--days",
            "400",
            "--planted",
            "6",
            "--seed",
            "3",
            "--out",
        ])
        .arg(&logon)
        .arg("--truth")
        .arg(&truth));
    assert!(ok, "{err}");
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(&logon)
        .args(["--hours", "18-7", "--out"])
        .arg(&users)
        .arg("--plot-dir")
        .arg(dir.join("plots"))
        .args(["--plot-top", "2"]));
    assert!(ok, "{err}");
    let t = read_json(&truth);
    let planted = planted_changes(&t);
    assert_eq!(planted.len(), 6);
    let text = std::fs::read_to_string(&users).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 150, "one row per user");
    for r in &rows[..6] {
        let change = planted
            .get(r[0])
            .unwrap_or_else(|| panic!("{} is not planted", r[0]));
        assert_eq!(r[5], change, "MAP change date of {}", r[0]);
    }
    // Two figures and the manifest of the run that wrote them.
    let mut names: Vec<String> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[..2].iter().all(|n| n.ends_with(".png")) && names[2] == "manifest.json");
}

#[test]
fn bad_logon_files_name_file_line_and_field() {
    let dir = tmpdir("badlogon");
    let cases = [
        (
            "act.csv",
            "id,date,user,pc,activity\n{A},01/02/2010 06:49:00,U1,PC-1,Login\n",
            "act.csv:2: field `activity`",
        ),
        (
            "date.csv",
            "date,user,pc,activity\n13/45/2010 06:49:00,U1,PC-1,Logon\n",
            "date.csv:2: field `date`",
        ),
        (
            // Issue 20 item 16: one sentinel date made a 361,219-day span.
            "sentinel.csv",
            "date,user,pc,activity\n01/02/2010 06:49:00,U1,PC-1,Logon\n01/01/2999 00:00:00,U1,PC-1,Logon\n",
            "sentinel.csv:3: field `date`: date 2999-01-01 is outside",
        ),
        (
            "nocol.csv",
            "date,pc,activity\n01/02/2010 06:49:00,PC-1,Logon\n",
            "no column `user`",
        ),
    ];
    for (name, body, want) in cases {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        let (ok, err) = run(bin()
            .args(["changepoint", "logons", "--input"])
            .arg(&p)
            .args(["--out"])
            .arg(dir.join("u.csv")));
        assert!(!ok && err.contains(want), "{name}: {err}");
    }
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(dir.join("act.csv"))
        .args(["--hours", "25-3", "--out"])
        .arg(dir.join("u.csv")));
    assert!(!ok && err.contains("25-3"), "{err}");
}

#[test]
fn logons_with_episode_segments_directions_and_baselines() {
    let dir = tmpdir("models");
    let (logon, truth) = (dir.join("logon.csv"), dir.join("truth.json"));
    let (ok, err) = run(bin()
        .args([
            "changepoint",
            "generate",
            "--users",
            "80",
            "--days",
            "300",
            "--planted",
            "4",
            "--seed",
            "5",
            "--out",
        ])
        .arg(&logon)
        .arg("--truth")
        .arg(&truth));
    assert!(ok, "{err}");
    let t = read_json(&truth);
    let planted = planted_changes(&t);
    let last = t["last_date"].as_str().unwrap().to_string();
    for (model, direction, baseline) in [
        ("episode", "up", "population"),
        ("episode", "up --against-stop", "none"),
        ("episode", "any", "none"),
        ("switchpoint", "up", "weekday-weekend"),
        ("segments", "any", "day-of-week"),
    ] {
        let out = dir.join(format!("{model}-{direction}-{baseline}.csv").replace(' ', "_"));
        let (ok, err) = run(bin()
            .args(["changepoint", "logons", "--input"])
            .arg(&logon)
            .args([
                "--hours",
                "18-7",
                "--span",
                "global",
                "--kind",
                model,
                "--baseline",
                baseline,
                "--direction",
            ])
            .args(direction.split(' '))
            .arg("--out")
            .arg(&out)
            .arg("--plot")
            .arg(dir.join(format!("{model}.png"))));
        assert!(ok, "{model} {direction} {baseline}: {err}");
        let text = std::fs::read_to_string(&out).unwrap();
        if model == "segments" {
            check_segment_rows(&text, &planted);
            continue;
        }
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header[5], "map_tau_date");
        assert_eq!(
            &header[header.len() - 3..],
            ["start_date", "end_date", "note"]
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 80);
        for r in &rows[..4] {
            let change = planted.get(r[0]).unwrap_or_else(|| {
                panic!("{model} {direction} {baseline}: {} is not planted", r[0])
            });
            // Background after-hours logons just before the planted date can
            // move the estimate by a day or two. An unrestricted episode may
            // also be the low stretch before the change: [0, change).
            let (start, end) = (r[header.len() - 3], r[header.len() - 2]);
            let near = |a: &str, b: &str| (day_number(a) - day_number(b)).abs() <= 3;
            if model == "episode" && direction == "any" && start == t["first_date"] {
                assert!(
                    (day_number(end) + 1 - day_number(change)).abs() <= 3,
                    "{model} {direction} {baseline}: {} episode {start}..{end}, planted {change}",
                    r[0]
                );
                continue;
            }
            assert!(
                near(start, change),
                "{model} {direction} {baseline}: start of {} {start}, planted {change}",
                r[0]
            );
            if model == "episode" {
                // The planted change runs to the end.
                assert!(
                    (0..=3).contains(&(day_number(&last) - day_number(end))),
                    "{model} {direction} {baseline}: end {end}, last day {last}"
                );
            }
        }
    }
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(&logon)
        .args(["--kind", "episode", "--method", "gibbs", "--out"])
        .arg(dir.join("x.csv")));
    assert!(!ok && err.contains("MCMC"), "{err}");
}

/// `logons --model segments` writes the number of changes (MAP and
/// posterior mean), the change dates and the posterior of the count, not
/// switchpoint columns: the planted users rank first with a change near the
/// planted date, and the count posterior is a distribution whose mean is
/// the posterior mean number of changes.
fn check_segment_rows(text: &str, planted: &std::collections::HashMap<String, String>) {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header,
        [
            "user",
            "first_day",
            "last_day",
            "n_days",
            "n_changes_map",
            "n_changes_mean",
            "change_dates",
            "p_first_change",
            "log_bayes_factor",
            "change_count_posterior",
            "change_count_tail_mass",
            "note"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 80);
    for (rank, r) in rows.iter().enumerate() {
        if r[4].is_empty() {
            // Not fitted: the model columns are empty, the reason is the note.
            assert!(
                r[5..11].iter().all(|c| c.is_empty()) && !r[11].is_empty(),
                "{r:?}"
            );
            continue;
        }
        assert_eq!(r.len(), header.len(), "{r:?}");
        let n_map: usize = r[4].parse().unwrap();
        let mean: f64 = r[5].parse().unwrap();
        let dates: Vec<&str> = r[6].split(';').filter(|d| !d.is_empty()).collect();
        assert_eq!(dates.len(), n_map, "{r:?}");
        let k: Vec<f64> = r[9].split(';').map(|p| p.parse().unwrap()).collect();
        let tail: f64 = r[10].parse().unwrap();
        assert!(tail < 1e-9, "{r:?}");
        // Probabilities written to 5 significant digits.
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-4, "{r:?}");
        let k_mean: f64 = k.iter().enumerate().map(|(i, p)| i as f64 * p).sum();
        assert!(
            (k_mean - mean).abs() < 1e-3 * mean.max(1.0),
            "{k_mean} vs {mean}: {r:?}"
        );
        if rank < 4 {
            let change = planted
                .get(r[0])
                .unwrap_or_else(|| panic!("segments: {} is not planted", r[0]));
            assert!(
                dates
                    .iter()
                    .any(|d| (day_number(d) - day_number(change)).abs() <= 3),
                "segments: {} changes {dates:?}, planted {change}",
                r[0]
            );
        }
    }
}

fn day_number(date: &str) -> i64 {
    let p: Vec<u32> = date.split('-').map(|x| x.parse().unwrap()).collect();
    threatstat_core::time::days_from_civil(i64::from(p[0]), p[1], p[2])
}

/// user -> planted change date, from a ground-truth JSON.
fn planted_changes(truth: &serde_json::Value) -> std::collections::HashMap<String, String> {
    truth["planted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["user"].as_str().unwrap().to_string(),
                p["change_date"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fit_episode_segments_and_direction_on_the_book_series() {
    let dir = tmpdir("fitmodels");
    let out = dir.join("p.json");
    let fit = |extra: &[&str]| {
        let (ok, err) = run(bin()
            .args(["changepoint", "fit", "--input"])
            .arg(book())
            .args(extra)
            .arg("--out")
            .arg(&out)
            .arg("--plot")
            .arg(dir.join("f.png")));
        assert!(ok, "{extra:?}: {err}");
        read_json(&out)
    };
    // The increase is up: the up-restricted switchpoint keeps τ = 45, and
    // its Bayes factor exceeds the unrestricted one.
    let any = fit(&[]);
    let up = fit(&["--direction", "up"]);
    assert_eq!(up["map_tau"], 45);
    assert!(up["log_bayes_factor"].as_f64().unwrap() > any["log_bayes_factor"].as_f64().unwrap());
    let down = fit(&["--direction", "down"]);
    assert!(down["log_bayes_factor"].as_f64().unwrap() < 0.0);
    let ep = fit(&["--kind", "episode", "--direction", "up"]);
    assert_eq!(ep["model"], "episode");
    let start: Vec<f64> = serde_json::from_value(ep["start_posterior"].clone()).unwrap();
    assert_eq!(start.len(), 74);
    assert!((start.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(ep["log_bayes_factor"].as_f64().unwrap().is_finite());
    let seg = fit(&["--kind", "segments"]);
    assert_eq!(seg["model"], "segments");
    // The posterior of the number of segments is not cut at 10 (where it
    // held 4e-12 of the mass): it runs until the mass beyond is < 1e-9.
    let k: Vec<f64> = serde_json::from_value(seg["segment_count_posterior"].clone()).unwrap();
    let tail = seg["segment_count_tail_mass"].as_f64().unwrap();
    assert!(k.len() > 15 && tail < 1e-9, "{} {tail}", k.len());
    assert!((k.iter().sum::<f64>() + tail - 1.0).abs() < 1e-12);
    assert_eq!(seg["map_n_changes"], 14);
    let mean: f64 = k.iter().enumerate().map(|(i, p)| i as f64 * p).sum();
    assert!((mean - seg["expected_changes"].as_f64().unwrap()).abs() < 1e-6);
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--kind", "segments", "--method", "gibbs", "--out"])
        .arg(&out));
    assert!(!ok && err.contains("MCMC"), "{err}");
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--direction", "up", "--method", "gibbs", "--out"])
        .arg(&out));
    assert!(!ok && err.contains("unrestricted"), "{err}");
}

/// `--approximate ε` on 1,200-day users: every user's log Bayes factor is
/// within the bound's reach of the exact one (relative evidence error ≤ ε
/// on both sides of the factor's numerator), and it conflicts with
/// `--tolerance`.
#[test]
fn logons_episode_approximation_stays_within_its_bound() {
    let dir = tmpdir("approx");
    let (logon, truth) = (dir.join("logon.csv"), dir.join("truth.json"));
    let (ok, err) = run(bin()
        .args(["changepoint", "generate", "--users", "12", "--days", "1200"])
        .args(["--planted", "3", "--seed", "5", "--out"])
        .arg(&logon)
        .arg("--truth")
        .arg(&truth));
    assert!(ok, "{err}");
    let table = |extra: &[&str], name: &str| -> std::collections::HashMap<String, f64> {
        let out = dir.join(name);
        let (ok, err) = run(bin()
            .args(["changepoint", "logons", "--input"])
            .arg(&logon)
            .args(["--kind", "episode", "--out"])
            .arg(&out)
            .args(extra));
        assert!(ok, "{err}");
        let text = std::fs::read_to_string(&out).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        let k = head.iter().position(|h| *h == "log_bayes_factor").unwrap();
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[0].to_string(), f[k].parse::<f64>().unwrap())
            })
            .collect()
    };
    let exact = table(&[], "exact.csv");
    let approx = table(&["--approximate", "0.01"], "approx.csv");
    assert_eq!(exact.len(), 12);
    for (user, lbf) in &exact {
        // |ln Ẑ − ln Z| ≤ −ln(1 − 0.01) for the episode evidence.
        assert!(
            (approx[user] - lbf).abs() <= 0.0101,
            "{user}: {} vs {lbf}",
            approx[user]
        );
    }
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(&logon)
        .args([
            "--kind",
            "episode",
            "--approximate",
            "0.01",
            "--tolerance",
            "1e-6",
        ])
        .arg("--out")
        .arg(dir.join("x.csv")));
    assert!(!ok && err.contains("--tolerance"), "{err}");
}

#[test]
fn logons_with_no_fittable_user_fail_instead_of_writing_only_failures() {
    // Issue 20 item 4: a setting every fit rejects (here no logon in the
    // hour window, so no default α) "fitted" nobody and exited 0.
    let dir = tmpdir("nobody");
    let p = dir.join("l.csv");
    std::fs::write(
        &p,
        "date,user,pc,activity\n01/02/2010 09:00:00,U1,PC-1,Logon\n01/05/2010 10:00:00,U1,PC-1,Logon\n",
    )
    .unwrap();
    let out = dir.join("u.csv");
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(&p)
        .args(["--hours", "18-7", "--out"])
        .arg(&out));
    assert!(!ok && err.contains("no user could be fitted"), "{err}");
    assert!(!out.exists());
}

/// The old spellings (`--counts`, `--model`, `--alpha`; `--logon` in
/// `logons`) still work for one release and print a note naming the new flag.
#[test]
fn old_flag_names_still_work_with_a_note() {
    let dir = tmpdir("old-flags");
    let out = dir.join("posterior.json");
    let o = bin()
        .args(["changepoint", "fit", "--counts"])
        .arg(book())
        .args(["--model", "switchpoint", "--alpha", "0.05", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    for (old, new) in [
        ("counts", "input"),
        ("model", "kind"),
        ("alpha", "prior-rate"),
    ] {
        assert!(
            err.contains(&format!("`changepoint fit --{old}` is deprecated"))
                && err.contains(&format!("use `--{new}`")),
            "{old}: {err}"
        );
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["format"], "threatstat-changepoint-posterior");
    assert_eq!(v["alpha"], 0.05);
}

/// Issue 22: `--prior-rate eb` finds α per series and writes the solver
/// state; `eb-pooled` is for `logons` (one α for all users) and is refused
/// by `fit`, naming the flag; `mean` is the default.
#[test]
fn prior_rate_eb_reports_its_solver_state() {
    let dir = tmpdir("prior-eb");
    let fit = |rate: &str, out: &Path| {
        run(bin()
            .args(["changepoint", "fit", "--input"])
            .arg(book())
            .args(["--prior-rate", rate, "--out"])
            .arg(out))
    };
    let (mean, eb) = (dir.join("mean.json"), dir.join("eb.json"));
    assert!(fit("mean", &mean).0);
    let (ok, err) = fit("eb", &eb);
    assert!(ok, "{err}");
    let (m, e) = (read_json(&mean), read_json(&eb));
    assert!(m.get("empirical_bayes_prior").is_none());
    let p = &e["empirical_bayes_prior"];
    assert_eq!(p["termination"], "Solver converged");
    assert_eq!(e["alpha"], p["alpha"]);
    assert!(p["log_marginal"].as_f64().unwrap() >= p["log_marginal_mean_rule"].as_f64().unwrap());
    assert!(p["slope"].as_f64().unwrap().abs() < 1e-5);
    assert_eq!(m["alpha"], p["mean_rule_alpha"]);
    let (ok, err) = fit("eb-pooled", &dir.join("pooled.json"));
    assert!(!ok && err.contains("--prior-rate eb-pooled"), "{err}");
    let (ok, err) = fit("ebb", &dir.join("bad.json"));
    assert!(
        !ok && err.contains("'--prior-rate <PRIOR_RATE>'") && err.contains("eb-pooled"),
        "{err}"
    );
    // logons: one α for everyone, printed with the solver state.
    let (logon, users) = (dir.join("logon.csv"), dir.join("users.csv"));
    let (ok, err) = run(bin()
        .args([
            "changepoint",
            "generate",
            "--users",
            "30",
            "--days",
            "120",
            "--planted",
            "2",
        ])
        .args(["--seed", "5", "--out"])
        .arg(&logon)
        .arg("--truth")
        .arg(dir.join("truth.json")));
    assert!(ok, "{err}");
    let (ok, err) = run(bin()
        .args(["changepoint", "logons", "--input"])
        .arg(&logon)
        .args(["--prior-rate", "eb-pooled", "--out"])
        .arg(&users));
    assert!(
        ok && err.contains("pooled empirical-Bayes prior rate α =")
            && err.contains("Solver converged"),
        "{err}"
    );
}

/// `--draws-out`, `--ppc` and `--trace-plot` for every method: the tidy
/// table ArviZ loads (chains × draws rows), the summary table with its
/// interval's name on the terminal and in the file, the check's block and
/// figure, the trace and rank figure.
#[test]
fn draws_summary_and_posterior_predictive_check() {
    let dir = tmpdir("draws");
    for method in ["exact", "gibbs"] {
        let (out, draws, ppc, trace) = (
            dir.join(format!("{method}.json")),
            dir.join(format!("{method}.csv")),
            dir.join(format!("{method}.svg")),
            dir.join(format!("{method}_trace.png")),
        );
        let (ok, err) = run(bin()
            .args(["changepoint", "fit", "--input"])
            .arg(book())
            .args(["--method", method, "--chains", "3", "--draws", "200"])
            .arg("--out")
            .arg(&out)
            .arg("--draws-out")
            .arg(&draws)
            .arg("--ppc")
            .arg(&ppc)
            .arg("--trace-plot")
            .arg(&trace));
        assert!(ok, "{err}");
        assert!(std::fs::metadata(&trace).unwrap().len() > 10_000);
        assert!(err.contains("hdi_3%") && err.contains("lambda_2"), "{err}");
        let text = std::fs::read_to_string(&draws).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("chain,draw,lambda_1,lambda_2,tau"));
        assert_eq!(lines.count(), 600);
        let v = read_json(&out);
        assert!(v["interval"].as_str().unwrap().starts_with("hdi_94"));
        let s = &v["summary"]["lambda_1"];
        assert!(s["hdi_3%"].as_f64().unwrap() < s["mean"].as_f64().unwrap());
        assert_eq!(s["r_hat"].is_null(), method == "exact");
        // The book's text messages are far more dispersed than Poisson.
        assert_eq!(v["ppc"]["flagged"], true, "{}", v["ppc"]);
        assert!(std::fs::metadata(&ppc).unwrap().len() > 1000);
    }
    // Only the switchpoint has draws.
    let (ok, err) = run(bin()
        .args(["changepoint", "fit", "--input"])
        .arg(book())
        .args(["--kind", "episode", "--out"])
        .arg(dir.join("e.json"))
        .arg("--draws-out")
        .arg(dir.join("e.csv")));
    assert!(!ok && err.contains("--draws-out"), "{err}");
}
