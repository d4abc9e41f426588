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

/// splitmix64 uniforms on [0, 1) (outputs 1, 2, ... of `seed`).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
    pub fn mixture(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.uniform();
        }
        s -= 6.0;
        if self.uniform() < 0.3 { s + 3.0 } else { s }
    }
}

/// `generated(n, d, seed)` of the Python script, row-major.
pub fn generated(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut g = SplitMix(seed);
    (0..n * d).map(|_| g.mixture()).collect()
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
    let mut g = SplitMix(seed);
    (0..n).map(|_| g.uniform()).collect()
}
