//! `threatstat kde`: the CLI contract, against SciPy's values
//! (crates/threatstat-kde/tests/fixtures/scipy_gaussian_kde.json); raw
//! little-endian f64 input (`--f64le`) and the density table as Parquet /
//! Arrow IPC against the text input and the JSON.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_threatstat"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-kde-cli-{}-{name}", std::process::id()));
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

fn scipy_case(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../threatstat-kde/tests/fixtures/scipy_gaussian_kde.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
        .clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Writes `values` as rows of `d` numbers (Rust's `{}` round-trips f64).
fn write_rows(path: &Path, header: Option<&str>, values: &[f64], d: usize) {
    let mut s = String::new();
    if let Some(h) = header {
        s.push_str(h);
        s.push('\n');
    }
    for row in values.chunks(d) {
        let r: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        s.push_str(&r.join(","));
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// Runs the case through the CLI and checks density, factor, covariance.
fn check_case(name: &str, extra: &[&str]) {
    let c = scipy_case(name);
    let d = c["d"].as_u64().unwrap() as usize;
    let dir = tmpdir(name);
    let (data, at) = (dir.join("data.csv"), dir.join("grid.csv"));
    let header = (0..d)
        .map(|k| format!("x{k}"))
        .collect::<Vec<_>>()
        .join(",");
    write_rows(&data, Some(&header), &floats(&c["data"]), d);
    write_rows(&at, None, &floats(&c["points"]), d);
    let mut cmd = bin();
    cmd.args(["kde", "--input"]).arg(&data).arg("--at").arg(&at);
    if !c["weights"].is_null() {
        let w = dir.join("w.txt");
        write_rows(&w, Some("weight"), &floats(&c["weights"]), 1);
        cmd.arg("--weights").arg(&w);
    }
    cmd.args(extra);
    let (ok, out, err) = run(&mut cmd);
    assert!(ok, "{name}: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(rel(v["factor"].as_f64().unwrap(), c["factor"].as_f64().unwrap()) < 1e-14);
    let dens = floats(&v["density"]);
    let want = floats(&c["pdf"]);
    assert_eq!(dens.len(), want.len());
    for (a, b) in dens.iter().zip(&want) {
        if *b > 1e-300 {
            assert!(rel(*a, *b) < 1e-10, "{name}: {a} vs {b}");
        }
    }
    let cov: Vec<f64> = v["kernel_covariance"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    for (a, b) in cov.iter().zip(floats(&c["kernel_covariance"])) {
        assert!(rel(*a, b) < 1e-12, "{name}: covariance {a} vs {b}");
    }
}

#[test]
fn scott_default_in_1d_2d_3d_matches_scipy() {
    check_case("d1_normal_scott", &[]);
    check_case("d2_scott", &["--bandwidth", "scott"]);
    check_case("d3_weighted_scott", &[]);
}

#[test]
fn silverman_factor_and_std_dev() {
    check_case("d2_weighted_silverman", &["--bandwidth", "silverman"]);
    check_case("d2_factor_0.5", &["--factor", "0.5"]);
    check_case("d1_std_dev_0.4", &["--bandwidth", "0.4"]);
    check_case("d1_std_dev_0.4_weighted", &["--bandwidth", "0.4"]);
    check_case("d1_normal_reference", &["--bandwidth", "normal-reference"]);
    check_case("d1_isj_weighted", &["--bandwidth", "isj"]);
}

fn expect_error(dir: &Path, data: &str, at: &str, extra: &[&str], needles: &[&str]) {
    let (dp, ap) = (dir.join("d.csv"), dir.join("g.csv"));
    std::fs::write(&dp, data).unwrap();
    std::fs::write(&ap, at).unwrap();
    let (ok, _, err) = run(bin()
        .args(["kde", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap)
        .args(extra));
    assert!(!ok, "expected a failure for {data:?}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
}

#[test]
fn bad_inputs_fail_with_file_and_line() {
    let dir = tmpdir("errors");
    let grid = "0\n1\n";
    expect_error(
        &dir,
        "x\n1\n2\nnan\n4\n",
        grid,
        &[],
        &["d.csv:4", "finite", "nan"],
    );
    expect_error(&dir, "1,2\n3,inf\n", "0,0\n", &[], &["d.csv:2", "column 2"]);
    expect_error(
        &dir,
        "1\n2\nabc\n",
        grid,
        &[],
        &["d.csv:3", "expected a number"],
    );
    expect_error(&dir, "1,2\n3\n", "0,0\n", &[], &["d.csv:2", "expected 2"]);
    expect_error(&dir, "x\n", grid, &[], &["d.csv", "no data rows"]);
    expect_error(&dir, "", grid, &[], &["no data rows"]);
    expect_error(
        &dir,
        "1,2\n2,1\n3,5\n",
        "0\n1\n",
        &[],
        &["g.csv", "1 columns", "have 2"],
    );
    expect_error(&dir, "1\n2\n3\n", "0\n1,2\n", &[], &["g.csv:2"]);
    expect_error(&dir, "2\n2\n2\n", grid, &[], &["singular", "equal"]);
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--bandwidth", "wide"],
        &["--bandwidth", "wide"],
    );
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--bandwidth=-1"],
        &["--bandwidth"],
    );
    expect_error(&dir, "1\n2\n4\n", grid, &["--factor", "0"], &["--factor"]);
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--factor", "0.5", "--bandwidth", "scott"],
        &["either"],
    );
    expect_error(
        &dir,
        "1,2\n2,1\n3,5\n",
        "0,0\n",
        &["--bandwidth", "0.5"],
        &["1-D", "--factor"],
    );
    // Weights: negative, wrong count, NaN.
    let w = dir.join("w.txt");
    std::fs::write(&w, "w\n1\n-2\n1\n").unwrap();
    let ws = w.to_str().unwrap();
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--weights", ws],
        &["w.txt:3", ">= 0"],
    );
    std::fs::write(&w, "1\n2\n").unwrap();
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--weights", ws],
        &["w.txt", "2 weights for 3"],
    );
    std::fs::write(&w, "1\nNaN\n2\n").unwrap();
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--weights", ws],
        &["w.txt:2", "finite"],
    );
    std::fs::write(&w, "0\n0\n0\n").unwrap();
    expect_error(
        &dir,
        "1\n2\n4\n",
        grid,
        &["--weights", ws],
        &["weights sum to 0"],
    );
}

#[test]
fn output_lists_one_density_per_grid_row() {
    let dir = tmpdir("shape");
    let (dp, ap) = (dir.join("d.csv"), dir.join("g.csv"));
    std::fs::write(&dp, "a,b\n0,0\n1,0.5\n0.2,1\n2,2\n\n").unwrap();
    std::fs::write(&ap, "0,0\n1,1\n5,5\n").unwrap();
    let (ok, out, err) = run(bin().args(["kde", "--input"]).arg(&dp).arg("--at").arg(&ap));
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["density"].as_array().unwrap().len(), 3);
    assert_eq!(v["d"], 2);
    assert_eq!(v["n"], 4);
    assert_eq!(v["bandwidth"], "scott");
    assert_eq!(v["kernel_covariance"].as_array().unwrap().len(), 2);
}

/// `--fft --kdepy` on KDEpy's own grid gives KDEpy's `FFTKDE(bw=150)`
/// densities (crates/threatstat-kde/tests/fixtures/kdepy_fftkde.json, case
/// `d1_bytes_bw150_512`); a grid that is not equidistant is refused.
#[test]
fn fft_matches_kdepy_on_its_grid() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../threatstat-kde/tests/fixtures/kdepy_fftkde.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let c = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "d1_bytes_bw150_512")
        .unwrap();
    let x = floats(&c["x"]);
    let (first, last) = (
        c["axes"][0]["first"].as_f64().unwrap(),
        c["axes"][0]["last"].as_f64().unwrap(),
    );
    let n = c["grid_points"][0].as_u64().unwrap() as usize;
    let step = (last - first) / (n - 1) as f64;
    let mut grid: Vec<f64> = (0..n).map(|k| first + k as f64 * step).collect();
    grid[n - 1] = last;
    let dir = tmpdir("fft");
    let (dp, ap) = (dir.join("d.csv"), dir.join("g.csv"));
    write_rows(&dp, Some("bytes"), &x, 1);
    write_rows(&ap, None, &grid, 1);
    let (ok, out, err) = run(bin()
        .args(["kde", "--bandwidth", "150", "--fft", "--kdepy", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ours = floats(&v["density"]);
    let want = floats(&c["density"]);
    let eps = c["eps_added"].as_f64().unwrap();
    let peak = want.iter().cloned().fold(0.0, f64::max);
    assert_eq!(ours.len(), want.len());
    for (i, (a, b)) in ours.iter().zip(&want).enumerate() {
        // KDEpy adds eps to every value.
        assert!(
            (a + eps - b).abs() <= 1e-12 * peak,
            "[{i}]: {a} + eps vs {b}"
        );
    }
    grid[7] += 0.3 * step;
    write_rows(&ap, None, &grid, 1);
    let (ok, _, err) = run(bin()
        .args(["kde", "--bandwidth", "150", "--fft", "--kdepy", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(!ok);
    assert!(
        err.contains("equidistant grid") && err.contains("point 8"),
        "{err}"
    );
}

#[test]
fn non_utf8_data_names_the_line() {
    // Issue 20 item 17: the message had no line number.
    let dir = tmpdir("utf8");
    let data = dir.join("data.csv");
    std::fs::write(&data, b"x\n1\n2\n\xff\xfe3\n").unwrap();
    let at = dir.join("at.csv");
    std::fs::write(&at, "0\n1\n").unwrap();
    let (ok, _, err) = run(bin()
        .arg("kde")
        .arg("--input")
        .arg(&data)
        .arg("--at")
        .arg(&at));
    assert!(
        !ok && err.contains("data.csv:4") && err.contains("UTF-8"),
        "{err}"
    );
}

/// `--fft` keeps its promise (relative error below 1e-3 wherever the
/// density is at least 1e-3 of its peak) on a 64-point grid and on
/// byte-scale data, against the exact sums of `kde` without `--fft`. With
/// `--kdepy` the same grid gives KDEpy's coarse estimate (an error of 29%
/// on the unit-scale data, the mass it drops on byte-scale data) and says so.
#[test]
fn fft_is_accurate_on_coarse_grids_and_byte_scale_data() {
    let dir = tmpdir("fft_accuracy");
    let (dp, ap) = (dir.join("d.csv"), dir.join("g.csv"));
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut u = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let base: Vec<f64> = (0..2000)
        .map(|i| {
            let z: f64 = (0..12).map(|_| u()).sum::<f64>() - 6.0;
            if i % 4 == 0 { 6.0 + 0.4 * z } else { z }
        })
        .collect();
    for scale in [1.0, 1e3, 1e6] {
        let x: Vec<f64> = base.iter().map(|v| (v + 10.0) * scale).collect();
        write_rows(&dp, Some("bytes"), &x, 1);
        let (lo, hi) = x.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &v| {
            (a.0.min(v), a.1.max(v))
        });
        let pad = 0.3 * (hi - lo);
        let grid: Vec<f64> = (0..64)
            .map(|k| lo - pad + k as f64 * (hi - lo + 2.0 * pad) / 63.0)
            .collect();
        write_rows(&ap, None, &grid, 1);
        let eval = |extra: &[&str]| {
            let (ok, out, err) = run(bin()
                .args(["kde", "--input"])
                .arg(&dp)
                .arg("--at")
                .arg(&ap)
                .args(extra));
            (
                ok.then(|| serde_json::from_str::<Value>(&out).unwrap()),
                err,
            )
        };
        let (exact, fft) = (eval(&[]).0.unwrap(), eval(&["--fft"]).0.unwrap());
        let want = floats(&exact["density"]);
        let peak = want.iter().copied().fold(0.0, f64::max);
        let worst = |got: &[f64]| {
            got.iter()
                .zip(&want)
                .filter(|(_, b)| **b >= 1e-3 * peak)
                .map(|(a, b)| (a - b).abs() / b)
                .fold(0.0, f64::max)
        };
        let w = worst(&floats(&fft["density"]));
        assert!(w < 1e-3, "scale {scale:e}: --fft error {w:e}");
        assert!(fft["fft"]["relative_error_bound"].as_f64().unwrap() < 1e-3);
        let mass = fft["fft"]["mass_on_grid"].as_f64().unwrap();
        assert!((mass - 1.0).abs() < 1e-4, "scale {scale:e}: mass {mass}");
        // KDEpy's grid as given: coarse, and said to be; beyond bw = 3989
        // KDEpy (and --kdepy) refuse.
        match eval(&["--fft", "--kdepy"]) {
            (Some(kdepy), warn) => {
                let wk = worst(&floats(&kdepy["density"]));
                assert!(wk > 0.05, "scale {scale:e}: --kdepy error {wk:e}");
                assert!(warn.contains("warning: --kdepy"), "{warn}");
            }
            (None, err) => {
                assert!(scale >= 1e6, "{err}");
                assert!(
                    err.contains("3989") && err.contains("without --kdepy"),
                    "{err}"
                );
            }
        }
    }
}

/// `--bandwidth cv-ml` gives statsmodels' `KDEMultivariate(bw='cv_ml')`
/// bandwidths (crates/threatstat-kde/tests/fixtures/statsmodels_cv_ml.json)
/// as the diagonal kernel covariance, with the optimiser's state; a column
/// of tied values is refused, naming the file and the column.
#[test]
fn cv_ml_bandwidth_matches_statsmodels() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../threatstat-kde/tests/fixtures/statsmodels_cv_ml.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let c = &v["sets"].as_array().unwrap()[1];
    assert_eq!(c["name"], "d2_correlated");
    let rows: Vec<f64> = c["data"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    let dir = tmpdir("cv-ml");
    let (dp, ap) = (dir.join("d.csv"), dir.join("g.csv"));
    write_rows(&dp, Some("x,y"), &rows, 2);
    std::fs::write(&ap, "0,10\n").unwrap();
    let (ok, out, err) = run(bin()
        .args(["kde", "--bandwidth", "cv-ml", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(ok, "{err}");
    let o: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(o["bandwidth"], "cv-ml");
    let bw = floats(&c["bw"]);
    let cov = o["kernel_covariance"].as_array().unwrap();
    for s in 0..2 {
        let row = floats(&cov[s]);
        assert!(rel(row[s].sqrt(), bw[s]) < 0.01, "{row:?} vs {bw:?}");
        assert_eq!(row[1 - s], 0.0);
    }
    assert_eq!(o["cv_ml"]["termination"], "Solver converged");
    assert!(o["cv_ml"]["iterations"].as_u64().unwrap() > 0);
    assert!(
        o["cv_ml"]["loo_log_likelihood"].as_f64().unwrap()
            >= c["loo_log_likelihood"].as_f64().unwrap() - 1e-9
    );

    // The second column takes 3 values, each many times.
    let tied: Vec<f64> = (0..30)
        .flat_map(|i| [i as f64 * 0.37, (i % 3) as f64])
        .collect();
    write_rows(&dp, None, &tied, 2);
    let (ok, _, err) = run(bin()
        .args(["kde", "--bandwidth", "cv-ml", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(!ok);
    assert!(
        err.contains("d.csv") && err.contains("data column 2"),
        "{err}"
    );
    assert!(err.contains("every value occurs at least twice"), "{err}");

    let (ok, _, err) = run(bin()
        .args(["kde", "--bandwidth", "cv-ml", "--weights"])
        .arg(&ap)
        .arg("--input")
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(!ok);
    assert!(err.contains("--weights"), "{err}");
}

/// `--method auto` (the default) uses the binned FFT estimate for the
/// statsmodels and KDEpy bandwidths from 10,000 1-D points, at any --at
/// points, within the error bound it reports; SciPy's rules, smaller
/// samples and `--method exact` keep the exact sums.
#[test]
fn auto_method_bins_the_statsmodels_and_kdepy_estimates_at_size() {
    let dir = tmpdir("auto");
    let (dp, ap) = (dir.join("d.csv"), dir.join("at.csv"));
    let mut s = 7u64;
    let mut u = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let data: Vec<f64> = (0..20_000)
        .map(|i| {
            let z = (0..12).map(|_| u()).sum::<f64>() - 6.0;
            if i % 3 == 0 { 4.0 + 0.5 * z } else { z }
        })
        .collect();
    // Unsorted, not equidistant, some beyond the data.
    let at: Vec<f64> = (0..300).map(|_| -6.0 + 13.0 * u()).collect();
    write_rows(&dp, None, &data, 1);
    write_rows(&ap, None, &at, 1);
    let eval = |n: usize, extra: &[&str]| -> Value {
        write_rows(&dp, None, &data[..n], 1);
        let (ok, out, err) = run(bin()
            .args(["kde", "--input"])
            .arg(&dp)
            .arg("--at")
            .arg(&ap)
            .args(extra));
        assert!(ok, "{extra:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    for bw in ["normal-reference", "isj"] {
        let auto = eval(20_000, &["--bandwidth", bw]);
        let exact = eval(20_000, &["--bandwidth", bw, "--method", "exact"]);
        assert_eq!(
            (auto["method"].as_str(), exact["method"].as_str()),
            (Some("fft"), Some("exact"))
        );
        assert_eq!(auto["kernel_covariance"], exact["kernel_covariance"]);
        let bound = auto["fft"]["relative_error_bound"].as_f64().unwrap();
        assert!(bound <= 4e-4, "{bw}: bound {bound}");
        let (a, e) = (floats(&auto["density"]), floats(&exact["density"]));
        let peak = e.iter().copied().fold(0.0, f64::max);
        for (x, y) in a.iter().zip(&e) {
            if *y >= 1e-3 * peak {
                assert!(rel(*x, *y) < bound, "{bw}: {x} vs {y}");
            }
        }
        assert_eq!(eval(9_999, &["--bandwidth", bw])["method"], "exact");
    }
    assert_eq!(eval(20_000, &["--bandwidth", "scott"])["method"], "exact");
    assert_eq!(
        eval(20_000, &["--bandwidth", "silverman"])["method"],
        "exact"
    );
    let (ok, _, err) = run(bin()
        .args(["kde", "--kdepy", "--input"])
        .arg(&dp)
        .arg("--at")
        .arg(&ap));
    assert!(!ok && err.contains("--fft"), "{err}");
}

fn f64le(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// `{:?}` prints the shortest text that reads back to the same f64.
fn text(v: &[f64]) -> String {
    v.iter().map(|x| format!("{x:?}\n")).collect()
}

/// Two modes, seeded: `n` values.
fn bimodal(n: usize) -> Vec<f64> {
    let mut s = 11u64;
    let mut u = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let z = (0..12).map(|_| u()).sum::<f64>() - 6.0;
            if i % 3 == 0 { 4.0 + 0.5 * z } else { z }
        })
        .collect()
}

fn kde_quiet(input: &Path, at: &Path, extra: &[&str]) -> String {
    let (ok, out, err) = run(bin()
        .args(["kde", "--quiet", "--input"])
        .arg(input)
        .arg("--at")
        .arg(at)
        .args(extra));
    assert!(ok, "{extra:?}: {err}");
    out
}

#[test]
fn f64le_input_gives_the_text_inputs_result_byte_for_byte() {
    let dir = tmpdir("same");
    let at: Vec<f64> = (0..257).map(|i| -5.0 + 12.0 * i as f64 / 256.0).collect();
    std::fs::write(dir.join("at.csv"), text(&at)).unwrap();
    std::fs::write(dir.join("at.f64"), f64le(&at)).unwrap();
    // Exact sums (small) and the binned FFT path of `--method auto`.
    for n in [500, 20_000] {
        let x = bimodal(n);
        std::fs::write(dir.join("x.csv"), text(&x)).unwrap();
        std::fs::write(dir.join("x.f64"), f64le(&x)).unwrap();
        let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
        std::fs::write(dir.join("w.csv"), text(&w)).unwrap();
        std::fs::write(dir.join("w.f64"), f64le(&w)).unwrap();
        for extra in [
            &["--bandwidth", "isj"][..],
            &["--bandwidth", "normal-reference"],
            &["--bandwidth", "isj", "--fft"],
            &["--bandwidth", "scott"],
        ] {
            let t = kde_quiet(&dir.join("x.csv"), &dir.join("at.csv"), extra);
            let b = kde_quiet(
                &dir.join("x.f64"),
                &dir.join("at.f64"),
                &[extra, &["--f64le"]].concat(),
            );
            assert_eq!(t, b, "n = {n}, {extra:?}");
            let tw = kde_quiet(
                &dir.join("x.csv"),
                &dir.join("at.csv"),
                &[extra, &["--weights", dir.join("w.csv").to_str().unwrap()]].concat(),
            );
            let bw = kde_quiet(
                &dir.join("x.f64"),
                &dir.join("at.f64"),
                &[
                    extra,
                    &["--f64le", "--weights", dir.join("w.f64").to_str().unwrap()],
                ]
                .concat(),
            );
            assert_eq!(tw, bw, "weighted, n = {n}, {extra:?}");
        }
    }
    let v: serde_json::Value = serde_json::from_str(&kde_quiet(
        &dir.join("x.f64"),
        &dir.join("at.f64"),
        &["--f64le", "--bandwidth", "isj"],
    ))
    .unwrap();
    assert_eq!(v["method"], "fft");
}

#[test]
fn bad_f64le_files_are_named_with_the_value() {
    let dir = tmpdir("bad");
    let at = dir.join("at.f64");
    std::fs::write(&at, f64le(&[0.0, 1.0, 2.0])).unwrap();
    let fail = |data: &[u8], weights: Option<&[u8]>, needles: &[&str]| {
        let p = dir.join("x.f64");
        std::fs::write(&p, data).unwrap();
        let mut cmd = bin();
        cmd.args(["kde", "--f64le", "--input"])
            .arg(&p)
            .arg("--at")
            .arg(&at);
        if let Some(w) = weights {
            let wp = dir.join("w.f64");
            std::fs::write(&wp, w).unwrap();
            cmd.arg("--weights").arg(&wp);
        }
        let (ok, _, err) = run(&mut cmd);
        assert!(!ok, "{needles:?}");
        for n in needles {
            assert!(err.contains(n), "{n:?} not in {err}");
        }
    };
    fail(&[0u8; 20], None, &["x.f64", "20 bytes", "8 bytes each"]);
    fail(
        &f64le(&[1.0, f64::NAN]),
        None,
        &["x.f64", "value #2", "NaN"],
    );
    fail(
        &f64le(&[1.0, 2.0, f64::INFINITY]),
        None,
        &["value #3", "infinite"],
    );
    fail(&[], None, &["x.f64", "no values"]);
    let ok = f64le(&[1.0, 2.0, 4.0]);
    fail(
        &ok,
        Some(&f64le(&[1.0, -1.0, 1.0])),
        &["w.f64", "value #2", ">= 0"],
    );
    fail(
        &ok,
        Some(&f64le(&[1.0, 1.0])),
        &["w.f64", "2 weights for 3"],
    );
    // --f64le reads no header: --no-header with it is refused by the parser.
    let (ok2, _, err) = run(bin()
        .args(["kde", "--f64le", "--no-header", "--input"])
        .arg(dir.join("x.f64"))
        .arg("--at")
        .arg(&at));
    assert!(!ok2 && err.contains("--no-header"), "{err}");
}

#[test]
fn density_table_as_parquet_and_arrow_holds_the_csvs_values() {
    let dir = tmpdir("table");
    let x = bimodal(400);
    std::fs::write(dir.join("x.csv"), text(&x)).unwrap();
    let at: Vec<f64> = (0..65).map(|i| -4.0 + 10.0 * i as f64 / 64.0).collect();
    std::fs::write(dir.join("at.csv"), text(&at)).unwrap();
    let csv = dir.join("kde.csv");
    kde_quiet(
        &dir.join("x.csv"),
        &dir.join("at.csv"),
        &[
            "--table",
            csv.to_str().unwrap(),
            "--out",
            dir.join("o.json").to_str().unwrap(),
        ],
    );
    let csv_rows = std::fs::read_to_string(&csv).unwrap().lines().count() - 1;
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("o.json")).unwrap()).unwrap();
    let density: Vec<f64> = json["density"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for name in ["kde.parquet", "kde.arrow"] {
        let p = dir.join(name);
        kde_quiet(
            &dir.join("x.csv"),
            &dir.join("at.csv"),
            &[
                "--table",
                p.to_str().unwrap(),
                "--out",
                dir.join("o2.json").to_str().unwrap(),
            ],
        );
        let t = threatstat_table::read(&p, None).unwrap();
        let names: Vec<&str> = t.columns().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["x", "density"], "{name}");
        assert_eq!(
            t.column("x").unwrap(),
            &threatstat_table::Column::f64s(at.iter().copied()),
            "{name}"
        );
        assert_eq!(
            t.column("density").unwrap(),
            &threatstat_table::Column::f64s(density.iter().copied()),
            "{name}: the JSON's densities, bit for bit"
        );
        assert_eq!(t.rows(), csv_rows);
    }
}
