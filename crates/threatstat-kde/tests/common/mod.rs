//! Helpers shared by the integration tests: fixtures and the splitmix64
//! generator of `tools/reference/kde_reference.py`.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Floats, with JSON `NaN` (Python's `json.dumps(nan)`) mapped to NaN.
pub fn fv(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

pub fn opt_fv(v: &Value) -> Option<Vec<f64>> {
    if v.is_null() { None } else { Some(fv(v)) }
}

pub fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

pub use threatstat_core::rng::SplitMix64;

/// A uniform on [0, 1) from the next splitmix64 output (outputs 1, 2, ...
/// of the seed), `(x >> 11) * 2**-53` as the Python script draws it. Core's
/// `open01` is (x >> 11 + 0.5) * 2**-53, on the open interval: it would
/// move every generated value and the data would no longer be the data the
/// reference values were computed on.
pub fn uniform(g: &mut SplitMix64) -> f64 {
    (g.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
}

/// Irwin–Hall(12) − 6, shifted by 3 with probability 0.3.
pub fn mixture(g: &mut SplitMix64) -> f64 {
    let mut s = 0.0;
    for _ in 0..12 {
        s += uniform(g);
    }
    s -= 6.0;
    if uniform(g) < 0.3 { s + 3.0 } else { s }
}

/// `generated(n, d, seed)` of the Python script, row-major.
pub fn generated(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut g = SplitMix64::new(seed);
    (0..n * d).map(|_| mixture(&mut g)).collect()
}

pub fn generated_from(spec: &Value) -> Vec<f64> {
    generated(
        spec["n"].as_u64().unwrap() as usize,
        spec["d"].as_u64().unwrap() as usize,
        spec["seed"].as_u64().unwrap(),
    )
}

/// `generated_weights(n, seed)`: plain uniforms.
pub fn generated_weights(n: usize, seed: u64) -> Vec<f64> {
    let mut g = SplitMix64::new(seed);
    (0..n).map(|_| uniform(&mut g)).collect()
}

/// CPU seconds of this process (user + system), from /proc (Linux); for
/// the timing examples.
pub fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    if f.len() < 13 {
        return f64::NAN;
    }
    let ticks: f64 = f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0
}

/// The exact 1-D Gaussian KDE with kernel standard deviation `h` at `x`
/// (weights normalised), written out as the reference of the binned tests.
pub fn exact_kde_1d(data: &[f64], w: Option<&[f64]>, h: f64, x: f64) -> f64 {
    let c = 1.0 / (h * (2.0 * std::f64::consts::PI).sqrt());
    let k = |d: f64| (-0.5 * ((x - d) / h).powi(2)).exp();
    match w {
        None => data.iter().map(|&d| k(d)).sum::<f64>() * c / data.len() as f64,
        Some(w) => {
            let s: f64 = w.iter().sum();
            data.iter().zip(w).map(|(&d, &wi)| wi * k(d)).sum::<f64>() * c / s
        }
    }
}

/// The smallest and largest value.
pub fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &x| {
        (a.0.min(x), a.1.max(x))
    })
}
