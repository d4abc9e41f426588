//! Against pandas 3.1.1, statsmodels 0.15.0 and SciPy 1.17.1
//! (`tools/reference/acf_reference.py` wrote `fixtures/acf_reference.json`).

use serde_json::Value;
use std::sync::OnceLock;
use threatstat_acf::autocorr::autocorr;
use threatstat_acf::automation::{PairSeries, Rule, detect};
use threatstat_acf::fdr::benjamini_hochberg;
use threatstat_acf::periodogram::{dominant_period, periodogram};
use threatstat_acf::{Acf, AcfMethod, Missing, Pacf, PacfMethod, chi2_ln_sf, chi2_sf, ljung_box};

fn fixture() -> &'static Value {
    static F: OnceLock<Value> = OnceLock::new();
    F.get_or_init(|| {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/acf_reference.json");
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    })
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, found {v}"))
        .iter()
        .map(|u| u.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn cases() -> impl Iterator<Item = (&'static String, &'static Value)> {
    fixture()["cases"].as_object().unwrap().iter()
}

/// |a − b| ≤ tol (NaN only against NaN).
fn assert_abs(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        if b.is_nan() || a.is_nan() {
            assert!(a.is_nan() && b.is_nan(), "{what}[{k}]: {a} vs {b}");
        } else {
            assert!(
                (a - b).abs() <= tol,
                "{what}[{k}]: {a} vs {b} (diff {:e})",
                (a - b).abs()
            );
        }
    }
}

/// Relative difference ≤ tol (NaN only against NaN).
fn assert_rel(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        if b.is_nan() || a.is_nan() {
            assert!(a.is_nan() && b.is_nan(), "{what}[{k}]: {a} vs {b}");
        } else if a != b {
            let r = (a - b).abs() / a.abs().max(b.abs());
            assert!(r <= tol, "{what}[{k}]: {a} vs {b} (rel {r:e})");
        }
    }
}

#[test]
fn fixture_covers_the_required_cases() {
    let names: Vec<&String> = cases().map(|(n, _)| n).collect();
    for want in [
        "random_normal_200",
        "ar1_0.7_500",
        "seasonal7_91",
        "constant_3_30",
        "n1",
        "n2",
        "n3",
        "nan_60",
    ] {
        assert!(names.iter().any(|n| *n == want), "{want}");
    }
    assert_eq!(fixture()["versions"]["statsmodels"], "0.15.0");
    assert_eq!(fixture()["versions"]["pandas"], "3.1.1");
}

#[test]
fn pandas_autocorr_matches() {
    for (name, c) in cases() {
        let x = floats(&c["x"]);
        let want = floats(&c["pandas_autocorr"]);
        let got: Vec<f64> = (0..want.len()).map(|k| autocorr(&x, k)).collect();
        assert_abs(&got, &want, 1e-12, &format!("{name} pandas autocorr"));
    }
}

#[test]
fn statsmodels_acf_matches_with_every_option() {
    let mut checked = 0;
    for (name, c) in cases() {
        let x = floats(&c["x"]);
        for run in c["acf"].as_array().unwrap() {
            let missing: Missing = run["missing"].as_str().unwrap().parse().unwrap();
            let adjusted = run["adjusted"].as_bool().unwrap();
            let nlags = run["nlags"].as_u64().unwrap() as usize;
            let res = &run["result"];
            let what = format!("{name} {missing} adjusted={adjusted} fft={}", run["fft"]);
            // Both of our methods against both of statsmodels' paths.
            for method in [AcfMethod::Direct, AcfMethod::Fft, AcfMethod::Auto] {
                let got = Acf::params()
                    .nlags(nlags)
                    .adjusted(adjusted)
                    .missing(missing)
                    .method(method)
                    .fit(&x);
                if res.get("error").is_some() {
                    assert!(
                        got.is_err(),
                        "{what}: statsmodels failed ({res}), we did not"
                    );
                    continue;
                }
                let got = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_abs(
                    got.acf(),
                    &floats(&res["acf"]),
                    1e-12,
                    &format!("{what} {method:?}"),
                );
                if let Some(q) = res.get("qstat") {
                    let qs = got.q_stat();
                    assert_rel(&qs.statistic, &floats(q), 1e-10, &format!("{what} qstat"));
                    assert_abs(
                        &qs.pvalue,
                        &floats(&res["qstat_p"]),
                        1e-9,
                        &format!("{what} qstat p"),
                    );
                }
                checked += 1;
            }
        }
        let def = &c["acf_default"];
        if def.get("error").is_none() {
            let got = Acf::params().fit(&x).unwrap();
            assert_abs(
                got.acf(),
                &floats(def),
                1e-12,
                &format!("{name} default nlags"),
            );
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn statsmodels_pacf_matches() {
    for (name, c) in cases() {
        let Some(p) = c.get("pacf") else { continue };
        let x = floats(&c["x"]);
        let nlags = p["nlags"].as_u64().unwrap() as usize;
        for (key, method) in [
            ("yw", PacfMethod::YuleWalkerAdjusted),
            ("ywm", PacfMethod::YuleWalkerMle),
            ("ld", PacfMethod::LevinsonDurbinAdjusted),
            ("ldb", PacfMethod::LevinsonDurbinBiased),
        ] {
            let want = &p[key];
            let got = Pacf::params().nlags(nlags).method(method).fit(&x);
            if want.get("error").is_some() {
                assert!(got.is_err(), "{name} {key}");
                continue;
            }
            assert_abs(
                &got.unwrap(),
                &floats(want),
                1e-10,
                &format!("{name} pacf {key}"),
            );
        }
        if let Some(d) = p.get("default_yw") {
            let got = Pacf::params().fit(&x);
            if d.get("error").is_some() {
                assert!(got.is_err(), "{name} default pacf");
            } else {
                assert_abs(
                    &got.unwrap(),
                    &floats(d),
                    1e-10,
                    &format!("{name} default pacf"),
                );
            }
        }
    }
}

#[test]
fn ljung_box_matches_acorr_ljungbox() {
    let mut checked = 0;
    for (name, c) in cases() {
        let Some(lb) = c.get("ljung_box") else {
            continue;
        };
        let x = floats(&c["x"]);
        let lags = lb["lags"].as_u64().unwrap() as usize;
        let got = ljung_box(&x, lags).unwrap();
        assert_rel(
            &got.lb_stat,
            &floats(&lb["lb_stat"]),
            1e-10,
            &format!("{name} lb_stat"),
        );
        assert_abs(
            &got.lb_pvalue,
            &floats(&lb["lb_pvalue"]),
            1e-9,
            &format!("{name} lb_p"),
        );
        assert_rel(
            &got.bp_stat,
            &floats(&lb["bp_stat"]),
            1e-10,
            &format!("{name} bp_stat"),
        );
        assert_abs(
            &got.bp_pvalue,
            &floats(&lb["bp_pvalue"]),
            1e-9,
            &format!("{name} bp_p"),
        );
        // Small p-values to 1e-9 relative as well, where they are normal numbers.
        for (a, b) in got.lb_pvalue.iter().zip(floats(&lb["lb_pvalue"])) {
            if b > 1e-300 {
                assert!((a - b).abs() <= 1e-9 * b, "{name}: p {a} vs {b}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 14);
}

#[test]
fn periodogram_matches_scipy() {
    for (name, c) in cases() {
        let x = floats(&c["x"]);
        let p = &c["periodogram"];
        let got = periodogram(&x);
        assert_eq!(got.frequencies, floats(&p["freqs"]), "{name} freqs");
        let want = floats(&p["power"]);
        let scale = want
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        assert_abs(&got.power, &want, 1e-10 * scale, &format!("{name} power"));
        let constant = x.iter().all(|&v| v == x[0]);
        let want_dom = p["dominant_period"].as_f64();
        if constant {
            // SciPy's arg-max of zero (or rounding-noise) power; we say None.
            assert_eq!(dominant_period(&x), None, "{name}");
        } else {
            assert_eq!(dominant_period(&x), want_dom, "{name} dominant period");
        }
    }
}

#[test]
fn chi2_tail_matches_scipy() {
    for row in fixture()["chi2"].as_array().unwrap() {
        let r = floats(row);
        let (x, df, sf, logsf) = (r[0], r[1] as u64, r[2], r[3]);
        let got = chi2_sf(x, df);
        assert!((got - sf).abs() <= 1e-12, "sf({x}, {df}) = {got} vs {sf}");
        if sf > 1e-300 {
            assert!(
                (got - sf).abs() <= 1e-12 * sf,
                "sf({x}, {df}) = {got} vs {sf} (relative)"
            );
        }
        let gl = chi2_ln_sf(x, df);
        if logsf.is_nan() {
            // SciPy's logsf is -inf there (log of an underflowed sf); ours is finite.
            assert!(gl.is_finite() && gl < -700.0, "logsf({x}, {df}) = {gl}");
        } else if logsf == 0.0 {
            assert!(gl.abs() < 1e-15, "logsf({x}, {df})");
        } else {
            assert!(
                (gl - logsf).abs() <= 1e-12 * logsf.abs(),
                "logsf({x}, {df}) = {gl} vs {logsf}"
            );
        }
    }
}

#[test]
fn benjamini_hochberg_matches_multipletests() {
    let bh = &fixture()["bh"];
    let got = benjamini_hochberg(&floats(&bh["p"]));
    assert_abs(&got, &floats(&bh["q"]), 1e-15, "bh");
}

fn automation_pairs() -> Vec<PairSeries> {
    fixture()["automation"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| PairSeries {
            principal: r["principal"].as_str().unwrap().into(),
            api: r["api"].as_str().unwrap().into(),
            counts: floats(&r["counts"]),
        })
        .collect()
}

/// Our ranking against Python's: the same scores position by position (to
/// 1e-12: pairs whose scores differ by rounding only, such as pandas' 1.0
/// and 0.9999999999999998 for two perfectly correlated short series, may
/// swap), the same flags, and the same measurements for every pair.
#[test]
fn detection_matches_the_python_rules() {
    let a = &fixture()["automation"];
    let rows = a["rows"].as_array().unwrap();
    let pairs = automation_pairs();
    let by_name = |p: &str, api: &str| {
        rows.iter()
            .find(|r| r["principal"] == p && r["api"] == api)
            .unwrap()
    };
    for (rule, key) in [
        (Rule::notebook(), "notebook"),
        (Rule::ljung_box_chi2(), "ljung_box"),
    ] {
        let d = detect(&pairs, &rule);
        let want = &a[key];
        let order: Vec<usize> = want["order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let flagged: Vec<bool> = want["flagged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        assert_eq!(d.len(), order.len());
        let score = |r: &Value| match key {
            "notebook" => f(&r["max_abs_acf"]),
            _ => {
                let q = f(&r["ljung_box_q"]);
                if q.is_nan() {
                    q
                } else {
                    -chi2_ln_sf(q, 7) / std::f64::consts::LN_10
                }
            }
        };
        let mut exact_positions = 0;
        for (pos, (det, &i)) in d.iter().zip(&order).enumerate() {
            let what = format!("{key} rank {pos}: {} {}", det.principal, det.api);
            assert_eq!(det.flagged, flagged[pos], "{what}");
            assert_rel(&[det.score], &[score(&rows[i])], 1e-12, &what);
            if det.principal == rows[i]["principal"] && det.api == rows[i]["api"] {
                exact_positions += 1;
            }
            let r = by_name(&det.principal, &det.api);
            assert_eq!(
                det.flagged,
                {
                    let s = score(r);
                    match key {
                        "notebook" => s >= 0.5,
                        _ => f(&r["q_value"]) <= 0.05,
                    }
                },
                "{what}"
            );
            assert_abs(&[det.max_abs_acf], &[f(&r["max_abs_acf"])], 1e-12, &what);
            let lags = floats(&r["acf_1_7"]);
            if det.best_lag == 0 {
                assert!(lags.iter().all(|v| v.is_nan()), "{what}");
            } else {
                let best = lags[det.best_lag - 1].abs();
                assert!((best - det.max_abs_acf).abs() <= 1e-12, "{what}: best lag");
                assert_eq!(
                    det.best_lag as u64,
                    r["best_lag"].as_u64().unwrap(),
                    "{what}: best lag (no near-tie here)"
                );
            }
            assert_rel(&[det.ljung_box_q], &[f(&r["ljung_box_q"])], 1e-10, &what);
            assert_abs(&[det.ljung_box_p], &[f(&r["ljung_box_p"])], 1e-9, &what);
            assert_abs(&[det.q_value], &[f(&r["q_value"])], 1e-9, &what);
            assert_eq!(det.dominant_period, r["dominant_period"].as_f64(), "{what}");
            assert_eq!(det.n as u64, r["n"].as_u64().unwrap(), "{what}");
            assert_eq!(det.total, f(&r["total"]), "{what}");
        }
        // Swaps are rare: nearly every position holds Python's pair.
        assert!(
            exact_positions * 10 >= d.len() * 9,
            "{key}: {exact_positions}"
        );
    }
}

#[test]
fn detection_does_not_depend_on_the_thread_count() {
    let pairs = automation_pairs();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| detect(&pairs, &Rule::ljung_box()))
    };
    let one = run(1);
    let three = run(3);
    assert_eq!(format!("{one:?}"), format!("{three:?}"));
}
