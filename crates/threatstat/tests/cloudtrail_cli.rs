//! `threatstat cloudtrail`: the CLI contract, and the end-to-end check that
//! detection on a generated multi-week log recovers the planted automated
//! pairs.

use std::path::{Path, PathBuf};
use std::process::Command;
use threatstat_acf::automation::{PairSeries, Rule, detect};
use threatstat_datasets::TruthFile;
use threatstat_datasets::cloudtrail::{
    Bucket, CloudTrailGenerator, CloudTrailLoader, CloudTrailTruth, PrincipalKey,
};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-ct-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
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

/// pairs.csv as (header, rows of cells).
fn read_pairs(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(p).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// `generate` into `dir` (JSON per day, CSV, truth).
fn generate(dir: &Path, extra: &[&str]) {
    let (ok, err) = run(bin()
        .args(["cloudtrail", "generate", "--out"])
        .arg(dir)
        .args(extra));
    assert!(ok, "{err}");
}

#[test]
fn generate_then_automation_on_json_ranks_and_draws_flagged_pairs() {
    let dir = tmpdir("e2e");
    generate(&dir, &["--seed", "1", "--gzip"]);
    let json_files = std::fs::read_dir(dir.join("cloudtrail")).unwrap().count();
    assert_eq!(json_files, 56);
    let truth = CloudTrailTruth::read(dir.join("truth.json")).unwrap();

    let out = dir.join("out");
    // The permutation seed of the library's `Rule::ljung_box()`, the CLI's
    // default before `--seed` defaulted to 1 in every command: the numbers
    // below are this seed's. (With seed 1 the daily secrets-rotation job's
    // q-value lands just above 5%: 12 of the 13 pairs with a pattern.)
    let seed = threatstat_acf::permutation::DEFAULT_SEED.to_string();
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--seed", &seed, "--input"])
        .arg(dir.join("cloudtrail"))
        .args(["--rule", "ljung-box", "--figures", "svg", "--truth"])
        .arg(dir.join("truth.json"))
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    assert!(err.contains("precision"), "{err}");

    let (header, rows) = read_pairs(&out.join("pairs.csv"));
    assert_eq!(header, threatstat_workflow::automation::PAIRS_CSV_COLUMNS);
    // Ranked: flagged first, then by score.
    let flagged: Vec<bool> = rows.iter().map(|r| r[2] == "true").collect();
    assert!(flagged.windows(2).all(|w| w[0] >= w[1]));
    let n_flagged = flagged.iter().filter(|&&f| f).count();
    assert!(n_flagged > 0);
    let scores: Vec<f64> = rows[..n_flagged]
        .iter()
        .map(|r| r[3].parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for r in &rows {
        assert_eq!(r[10], "56");
        assert_eq!(r[12], "56");
        let q: f64 = r[8].parse().unwrap_or(f64::NAN);
        assert_eq!(r[2] == "true", q <= 0.05, "{r:?}");
    }
    // The principal of a role is the role, not the session.
    assert!(
        rows.iter()
            .any(|r| r[0].starts_with("arn:aws:iam::123456789012:role/service-role/"))
    );
    assert!(!rows.iter().any(|r| r[0].starts_with("arn:aws:sts::")));
    // One figure per flagged pair, named in pairs.csv.
    let figs = std::fs::read_dir(out.join("figures")).unwrap().count();
    assert_eq!(figs, n_flagged);
    for r in &rows[..n_flagged] {
        let f = out.join(&r[13]);
        assert!(
            f.extension().unwrap() == "svg" && std::fs::metadata(&f).unwrap().len() > 10_000,
            "{f:?}"
        );
    }
    assert!(rows[n_flagged..].iter().all(|r| r[13].is_empty()));

    let s = read_json(&out.join("summary.json"));
    assert_eq!(s["load"]["files"], 56);
    assert_eq!(s["load"]["records"], truth.records);
    assert_eq!(s["load"]["counted"], truth.records);
    assert_eq!(s["window"]["first_day"], "2024-01-01");
    assert_eq!(s["window"]["days"], 56);
    assert_eq!(s["rule"]["name"], "ljung-box");
    assert_eq!(s["rule"]["lags"], 7);
    assert_eq!(s["pairs"], rows.len());
    assert_eq!(s["flagged"], n_flagged);
    let ev = &s["evaluation"];
    assert_eq!(ev["automated_pairs"], truth.automated.len());
    assert_eq!(
        ev["true_positives"].as_u64().unwrap() + ev["false_positives"].as_u64().unwrap(),
        n_flagged as u64
    );
    // Seed 1, daily Ljung-Box at 7 lags, FDR 5%: 13 of the 15 automated
    // pairs (the two missed have constant daily counts), 4 people's pairs.
    assert!(ev["recall"].as_f64().unwrap() >= 0.85, "{ev}");
    assert_eq!(ev["recall_with_pattern"].as_f64().unwrap(), 1.0, "{ev}");
    assert!(ev["precision"].as_f64().unwrap() >= 0.75, "{ev}");
}

#[test]
fn automation_on_the_notebook_csv_hourly_with_svg_figures() {
    let dir = tmpdir("csv");
    generate(
        &dir,
        &[
            "--seed",
            "2",
            "--days",
            "28",
            "--humans",
            "6",
            "--automated",
            "6",
        ],
    );
    let out = dir.join("out");
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(dir.join("cloudtrail.csv"))
        .args([
            "--hourly",
            "--figures",
            "both",
            "--max-figures",
            "3",
            "--truth",
        ])
        .arg(dir.join("truth.json"))
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    let s = read_json(&out.join("summary.json"));
    assert_eq!(s["bucket"], "hour");
    assert_eq!(s["rule"]["name"], "notebook");
    assert_eq!(s["rule"]["lags"], 168);
    assert_eq!(s["window"]["buckets"], 28 * 24);
    assert_eq!(s["load"]["csv_files"], 1);
    assert_eq!(s["load"]["principal_key"], "role");
    let (_, rows) = read_pairs(&out.join("pairs.csv"));
    // The CSV has session ARNs: assumed roles are keyed by session there.
    assert!(
        rows.iter()
            .any(|r| r[0].starts_with("arn:aws:sts::123456789012:assumed-role/"))
    );
    assert!(rows.iter().all(|r| r[12] == "672" && r[10] == "28"));
    assert!(s["flagged"].as_u64().unwrap() >= 3);
    assert_eq!(s["figures"], 3);
    let mut figs: Vec<String> = std::fs::read_dir(out.join("figures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    figs.sort();
    assert_eq!(figs.len(), 6);
    assert!(figs[0].starts_with("001-") && figs[0].ends_with(".png") && figs[1].ends_with(".svg"));
    let svg = std::fs::read_to_string(out.join("figures").join(&figs[1])).unwrap();
    assert!(svg.contains("<svg") && svg.contains("autocorrelation"));
    let ev = &s["evaluation"];
    assert!(ev["precision"].as_f64().unwrap() >= 0.9, "{ev}");
}

#[test]
fn automation_reads_the_bundled_stratus_logs() {
    let dir = tmpdir("stratus");
    let data = root().join("data/cloudtrail/stratus-red-team/detonation-logs");
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(&data)
        .args(["--api", "source-name", "--out"])
        .arg(&dir));
    assert!(ok, "{err}");
    let s = read_json(&dir.join("summary.json"));
    assert_eq!(s["load"]["files"], 4);
    assert_eq!(s["load"]["records"], 12);
    assert_eq!(s["load"]["principals"], 6);
    assert_eq!(s["pairs"], 9);
    assert_eq!(s["window"]["first_day"], "2024-08-01");
    assert_eq!(s["window"]["last_day"], "2024-11-30");
    let (_, rows) = read_pairs(&dir.join("pairs.csv"));
    assert!(
        rows.iter()
            .any(|r| r[1] == "sts.amazonaws.com:GetFederationToken")
    );
    assert!(rows.iter().all(|r| r[10] == "122"));
}

#[test]
fn bad_input_is_reported_with_file_record_and_field() {
    let dir = tmpdir("bad");
    let good = r#"{"eventTime": "2024-01-02T10:00:00Z", "eventName": "ListBuckets", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"}}"#;
    let bad = good.replace("\"eventName\": \"ListBuckets\", ", "");
    let f = dir.join("delivery.json");
    std::fs::write(&f, format!("{{\"Records\": [\n{good},\n{bad}\n]}}")).unwrap();
    let out = dir.join("out");
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(&f)
        .arg("--out")
        .arg(&out));
    assert!(!ok);
    assert!(
        err.contains("delivery.json:3: field `Records[1].eventName`: missing"),
        "{err}"
    );
    // Ten days (the window), so that the default 7 lags fit the series.
    let ten_days = ["--dates", "2024-01-01..2024-01-10"];
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--skip-bad-rows", "--input"])
        .arg(&f)
        .args(ten_days)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    assert!(err.contains("skipped 1 bad row"), "{err}");
    let s = read_json(&out.join("summary.json"));
    assert_eq!(
        (s["load"]["records"].as_u64(), s["load"]["skipped"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        s["load"]["skipped_examples"][0]
            .as_str()
            .unwrap()
            .contains("Records[1].eventName")
    );
    // Mixed zones: converted and counted, or rejected with --require-utc.
    let f = dir.join("zones.json");
    std::fs::write(
        &f,
        format!("[{good},\n{}]", good.replace("10:00:00Z", "12:00:00+02:00")),
    )
    .unwrap();
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(&f)
        .args(ten_days)
        .arg("--out")
        .arg(&out));
    assert!(ok, "{err}");
    assert_eq!(
        read_json(&out.join("summary.json"))["load"]["offset_times_converted"],
        1
    );
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--require-utc", "--input"])
        .arg(&f)
        .arg("--out")
        .arg(&out));
    assert!(
        !ok && err.contains("zones.json:2: field `[1].eventTime`: expected a UTC time"),
        "{err}"
    );
    // Arguments.
    let (ok, err) = run(bin()
        .args([
            "cloudtrail",
            "automation",
            "--window",
            "2024-02-01..2024-01-01",
            "--input",
        ])
        .arg(&f)
        .arg("--out")
        .arg(&out));
    // `--window` is the old spelling of `--dates`: it works, with a note.
    assert!(
        !ok && err.contains("a last day on or after the first day"),
        "{err}"
    );
    assert!(err.contains("use `--dates`"), "{err}");
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(dir.join("missing.json"))
        .arg("--out")
        .arg(&out));
    assert!(!ok && err.contains("missing.json"), "{err}");
}

/// Precision and recall of a rule over generated logs of several seeds,
/// pooled: (true positives, false positives, false negatives, recall among
/// the automated pairs whose counts have a pattern).
fn pooled(seeds: std::ops::RangeInclusive<u64>, bucket: Bucket, rule: Rule) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fneg, mut pat, mut pat_tp) = (0u32, 0u32, 0u32, 0u32, 0u32);
    for seed in seeds {
        let log = CloudTrailGenerator::new().seed(seed).generate().unwrap();
        let mut csv = Vec::new();
        log.write_csv(&mut csv).unwrap();
        let loader = CloudTrailLoader::new().bucket(bucket);
        let mut t = loader.table();
        loader
            .load_reader_into("generated.csv", std::io::Cursor::new(csv), &mut t)
            .unwrap();
        let series: Vec<PairSeries> = t
            .series()
            .into_iter()
            .map(|p| PairSeries {
                counts: p.to_f64(),
                principal: p.principal,
                api: p.api,
            })
            .collect();
        for d in detect(&series, &rule) {
            // The CSV is keyed by session ARN.
            let auto = log
                .truth()
                .automated_pair(&d.principal, &d.api, PrincipalKey::Arn);
            match (d.flagged, auto) {
                (true, Some(_)) => tp += 1,
                (true, None) => fp += 1,
                (false, Some(_)) => fneg += 1,
                _ => {}
            }
            if let Some(a) = auto
                && a.has_pattern(bucket)
            {
                pat += 1;
                pat_tp += u32::from(d.flagged);
            }
        }
    }
    let f = f64::from;
    (f(tp) / f(tp + fp), f(tp) / f(tp + fneg), f(pat_tp) / f(pat))
}

/// The detector on generated 8-week logs (seeds 1-5: 75 automated pairs
/// and about 375 human pairs), read from the notebook CSV. Measured:
///
/// | bucket | rule | precision | recall | recall (pairs with a pattern) |
/// | --- | --- | --- | --- | --- |
/// | day | notebook, lags 1-7, 0.5 | 0.917 | 0.733 | 0.932 |
/// | day | Ljung-Box, 7 lags, FDR 5%, permutation p | 0.794 | 0.720 | 0.915 |
/// | day | Ljung-Box, 7 lags, FDR 5%, χ² p (statsmodels) | 0.781 | 0.760 | 0.966 |
/// | hour | notebook, lags 1-168, 0.5 | 0.939 | 0.827 | 0.925 |
///
/// Recall is bounded by pairs a job calls a fixed number of times per run
/// in every bucket (hourly jobs; daily jobs by day): constant counts have
/// no autocorrelation. Precision is bounded by people whose calls follow
/// the working week closely (sign-ins, shared SSO roles): a weekly rhythm
/// is autocorrelation too, which is why the Ljung-Box FDR (about "no
/// autocorrelation", not about "human") does not bound the share of
/// people among the flagged pairs. The χ² p-values find a few more jobs
/// here (short dense series), but they do not control anything on sparse
/// pairs (`threatstat-acf`'s `tests/sparse_calibration.rs`).
#[test]
fn detection_recovers_planted_automation() {
    let (p, r, rp) = pooled(1..=5, Bucket::Day, Rule::notebook());
    eprintln!("day notebook: precision {p:.3} recall {r:.3} recall(pattern) {rp:.3}");
    assert!(p >= 0.88 && r >= 0.70 && rp >= 0.90, "{p} {r} {rp}");
    let (p, r, rp) = pooled(1..=5, Bucket::Day, Rule::ljung_box());
    eprintln!("day ljung-box: precision {p:.3} recall {r:.3} recall(pattern) {rp:.3}");
    assert!(p >= 0.75 && r >= 0.70 && rp >= 0.90, "{p} {r} {rp}");
    let hourly = Rule::Notebook {
        lags: 168,
        threshold: 0.5,
    };
    let (p, r, rp) = pooled(1..=5, Bucket::Hour, hourly);
    eprintln!("hour notebook-168: precision {p:.3} recall {r:.3} recall(pattern) {rp:.3}");
    assert!(p >= 0.90 && r >= 0.80 && rp >= 0.90, "{p} {r} {rp}");
}

#[test]
fn more_lags_than_periods_is_an_error_naming_the_flag() {
    // Issue 20 item 16: --lags 1000000 on 28 days exited 0 with NaN
    // statistics and most pairs flagged.
    let dir = tmpdir("lags");
    generate(&dir, &["--days", "28"]);
    let out = dir.join("out");
    for lags in ["28", "1000"] {
        let (ok, err) = run(bin()
            .args(["cloudtrail", "automation", "--input"])
            .arg(dir.join("cloudtrail.csv"))
            .args(["--lags", lags, "--out"])
            .arg(&out));
        assert!(!ok, "--lags {lags}: {err}");
        assert!(err.contains("--lags") && err.contains("28 days"), "{err}");
        assert!(!out.join("summary.json").exists());
    }
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(dir.join("cloudtrail.csv"))
        .args(["--lags", "27", "--figures", "none", "--out"])
        .arg(&out));
    assert!(ok, "{err}");
}

/// `--p-values` picks the rule's p-values and says so in summary.json; the
/// permutation p-values are seeded: the same seed gives the same pairs.csv.
#[test]
fn p_values_option_and_seed() {
    let dir = tmpdir("pvalues");
    generate(&dir, &["--seed", "2"]);
    let automation = |out: &str, extra: &[&str]| {
        let out = dir.join(out);
        let (ok, err) = run(bin()
            .args(["cloudtrail", "automation", "--input"])
            .arg(dir.join("cloudtrail.csv"))
            .args(["--rule", "ljung-box", "--figures", "none", "--out"])
            .arg(&out)
            .args(extra));
        assert!(ok, "{err}");
        (
            read_json(&out.join("summary.json")),
            read_pairs(&out.join("pairs.csv")).1,
        )
    };
    let (s1, a) = automation("a", &["--seed", "5"]);
    let (_, b) = automation("b", &["--seed", "5"]);
    assert_eq!(a, b);
    assert_eq!(s1["rule"]["p_values"], "permutation");
    assert_eq!(s1["rule"]["seed"], 5);
    assert!(s1["rule"]["permutations"].as_u64().unwrap() > 0);
    // p_low <= p_value, and q-values of p_value decide the flags.
    for r in &a {
        let (p, lo): (f64, f64) = (r[14].parse().unwrap(), r[15].parse().unwrap());
        assert!(p.is_nan() || (lo <= p && p > 0.0), "{r:?}");
    }
    let (s2, c) = automation("c", &["--p-values", "chi2"]);
    assert_eq!(s2["rule"]["p_values"], "chi2");
    assert!(c.iter().all(|r| r[16] == "0" && r[14] == r[7]), "{c:?}");
    let (ok, err) = run(bin()
        .args(["cloudtrail", "automation", "--input"])
        .arg(dir.join("cloudtrail.csv"))
        .args(["--rule", "ljung-box", "--p-values", "exact", "--out"])
        .arg(dir.join("d")));
    assert!(!ok && err.contains("--p-values"), "{err}");
}
