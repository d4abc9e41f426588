//! Exact posteriors against an independent SciPy implementation and the
//! published "Bayesian Methods for Hackers" values; diagnostics against ArviZ.

use std::path::{Path, PathBuf};
use threatstat_changepoint::ChangePosterior;
use threatstat_changepoint::Switchpoint;
use threatstat_changepoint::VariableSummary;
use threatstat_changepoint::diagnostics;
use threatstat_changepoint::io::read_count_series;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn book_text_message_series_matches_the_published_posterior() {
    let s = read_count_series(&fixture("txtdata.csv"), None).unwrap();
    assert_eq!(s.counts.len(), 74);
    let p = Switchpoint::params().fit(&s.counts).unwrap();
    let t = p.tau_posterior();
    // Published (3 decimals): P(τ=45) = 0.486, P(τ=44) = 0.365, P(τ=43) = 0.108.
    assert_eq!(format!("{:.3}", t[45]), "0.486");
    assert_eq!(format!("{:.3}", t[44]), "0.365");
    assert_eq!(format!("{:.3}", t[43]), "0.108");
    assert_eq!(format!("{:.3}", p.lambda_1_mean()), "17.758");
    assert_eq!(format!("{:.3}", p.lambda_2_mean()), "22.689");
    assert_eq!(p.map_tau(), 45);
}

#[test]
fn exact_posteriors_match_scipy() {
    let cases = json("exact_reference.json");
    let cases = cases.as_object().unwrap();
    assert!(cases.len() >= 7);
    for (name, c) in cases {
        let counts: Vec<u32> = serde_json::from_value(c["counts"].clone()).unwrap();
        let p = Switchpoint::params()
            .alpha(f(&c["alpha"]))
            .fit(&counts)
            .unwrap();
        let want: Vec<f64> = serde_json::from_value(c["tau_posterior"].clone()).unwrap();
        for (k, (a, b)) in p.tau_posterior().iter().zip(&want).enumerate() {
            assert!((a - b).abs() <= 1e-12, "{name}: P(tau={k}) {a} vs {b}");
        }
        assert_eq!(p.map_tau() as u64, c["map_tau"].as_u64().unwrap(), "{name}");
        assert!(
            rel(p.log_marginal_likelihood(), f(&c["log_marginal"])) < 1e-12,
            "{name}"
        );
        assert!(
            rel(
                p.log_marginal_likelihood_no_change(),
                f(&c["log_marginal_no_change"])
            ) < 1e-12,
            "{name}"
        );
        assert!(
            (p.log_bayes_factor() - f(&c["log_bayes_factor"])).abs() < 1e-9,
            "{name}"
        );
        assert!(
            rel(p.lambda_1_mean(), f(&c["lambda_1_mean"])) < 1e-12,
            "{name}"
        );
        assert!(
            rel(p.lambda_2_mean(), f(&c["lambda_2_mean"])) < 1e-12,
            "{name}"
        );
        let (i1, i2) = (
            p.lambda_1_interval(0.94).unwrap(),
            p.lambda_2_interval(0.94).unwrap(),
        );
        assert!(
            rel(i1.low, f(&c["lambda_1_eti94"][0])) < 1e-8,
            "{name}: {i1:?}"
        );
        assert!(
            rel(i1.high, f(&c["lambda_1_eti94"][1])) < 1e-8,
            "{name}: {i1:?}"
        );
        assert!(
            rel(i2.low, f(&c["lambda_2_eti94"][0])) < 1e-8,
            "{name}: {i2:?}"
        );
        assert!(
            rel(i2.high, f(&c["lambda_2_eti94"][1])) < 1e-8,
            "{name}: {i2:?}"
        );
        let rate: Vec<f64> = serde_json::from_value(c["expected_rate"].clone()).unwrap();
        for (a, b) in p.expected_rate().iter().zip(&rate) {
            assert!(rel(*a, *b) < 1e-12, "{name}: rate {a} vs {b}");
        }
    }
}

#[test]
fn diagnostics_match_arviz() {
    let cases = json("arviz_diagnostics.json");
    let cases = cases.as_object().unwrap();
    assert!(cases.len() >= 7);
    for (name, c) in cases {
        let chains: Vec<Vec<f64>> = serde_json::from_value(c["chains"].clone()).unwrap();
        let check = |what: &str, got: f64, want: &serde_json::Value| match want.as_f64() {
            Some(w) => assert!(rel(got, w) < 1e-9, "{name} {what}: {got} vs {w}"),
            None => assert!(got.is_nan(), "{name} {what}: {got} vs NaN"),
        };
        check("ess_bulk", diagnostics::ess_bulk(&chains), &c["ess_bulk"]);
        check("ess_tail", diagnostics::ess_tail(&chains), &c["ess_tail"]);
        check("ess_mean", diagnostics::ess_mean(&chains), &c["ess_mean"]);
        check(
            "mcse_mean",
            diagnostics::mcse_mean(&chains),
            &c["mcse_mean"],
        );
        check("rhat", diagnostics::rhat(&chains), &c["rhat"]);
        let flat: Vec<f64> = chains.iter().flatten().copied().collect();
        let h = diagnostics::hdi(&flat, 0.94);
        assert_eq!(
            [h.low, h.high],
            [f(&c["hdi94"][0]), f(&c["hdi94"][1])],
            "{name} hdi"
        );
    }
}

/// The draws table `--draws-out` writes, read back per variable and chain.
fn read_draws(name: &str) -> Vec<threatstat_changepoint::ChainDraws> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("chain,draw,lambda_1,lambda_2,tau"));
    let mut chains: Vec<threatstat_changepoint::ChainDraws> = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        let c: usize = f[0].parse().unwrap();
        if c == chains.len() {
            chains.push(threatstat_changepoint::ChainDraws {
                lambda_1: vec![],
                lambda_2: vec![],
                tau: vec![],
                acceptance: [1.0; 3],
            });
        }
        assert_eq!(f[1].parse::<usize>().unwrap(), chains[c].tau.len());
        chains[c].lambda_1.push(f[2].parse().unwrap());
        chains[c].lambda_2.push(f[3].parse().unwrap());
        chains[c].tau.push(f[4].parse().unwrap());
    }
    chains
}

/// `az.summary(idata, round_to="none")` of ArviZ 0.23.4 on the draws
/// tables written by `changepoint fit --draws-out` (Gibbs, Metropolis that
/// has not converged, independent exact draws): every cell agrees to 1e-9
/// relative (the HDI ends exactly: they are draws).
#[test]
fn summary_matches_arviz_summary() {
    let want = json("arviz_summary.json");
    let cases = want["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 3);
    for (name, vars) in cases {
        let chains = read_draws(name);
        for (var, cols) in vars.as_object().unwrap() {
            let got = VariableSummary::of(
                &threatstat_changepoint::draws::variable(&chains, var).unwrap(),
            );
            let row = serde_json::to_value(got).unwrap();
            let cols = cols.as_object().unwrap();
            assert_eq!(
                row.as_object().unwrap().keys().collect::<Vec<_>>(),
                cols.keys().collect::<Vec<_>>(),
                "az.summary's columns"
            );
            for (col, w) in cols {
                let (g, w) = (f(&row[col]), f(w));
                if col.starts_with("hdi") {
                    assert_eq!(g, w, "{name} {var} {col}");
                } else {
                    assert!(rel(g, w) < 1e-9, "{name} {var} {col}: {g} vs {w}");
                }
            }
        }
    }
}
