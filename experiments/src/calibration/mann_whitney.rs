//! Type-I error of the Mann–Whitney U test (threatstat-ranktest): both
//! samples from one distribution, two-sided test, the share of runs with
//! `p ≤ α` for the exact and the asymptotic method, on continuous data and
//! on heavily tied counts.

use super::promise::{Bound, Promise, run_rng};
use rand_distr::{Distribution, Normal, Poisson};
use rayon::prelude::*;
use threatstat_core::rng::SeededRng;
use threatstat_ranktest::{MannWhitney, Method};

/// The levels checked.
pub const ALPHAS: [f64; 2] = [0.01, 0.05];

/// Simulated data of a configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Data {
    /// Standard normal values (no ties).
    Continuous,
    /// Poisson counts with this mean (0.5: about 61% zeros, 30% ones —
    /// the tie pattern of per-host event counts).
    Counts(f64),
}

impl Data {
    fn draw(self, rng: &mut SeededRng, n: usize) -> Vec<f64> {
        match self {
            Data::Continuous => {
                let d = Normal::new(0.0, 1.0).expect("valid normal");
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Data::Counts(m) => {
                let d = Poisson::new(m).expect("valid Poisson mean");
                (0..n).map(|_| d.sample(rng)).collect()
            }
        }
    }

    fn label(self) -> String {
        match self {
            Data::Continuous => "continuous".into(),
            Data::Counts(m) => format!("Poisson({m}) counts, heavy ties"),
        }
    }
}

/// One configuration: method, sample sizes, data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// The p-value method.
    pub method: Method,
    /// Size of x.
    pub n_x: usize,
    /// Size of y.
    pub n_y: usize,
    /// The data.
    pub data: Data,
}

/// The configurations of the report: exact and asymptotic, small and
/// medium samples, continuous and tied data.
pub fn configs() -> Vec<Config> {
    let c = |method, n_x, n_y, data| Config {
        method,
        n_x,
        n_y,
        data,
    };
    vec![
        c(Method::Exact, 6, 8, Data::Continuous),
        c(Method::Exact, 20, 25, Data::Continuous),
        c(Method::Asymptotic, 6, 8, Data::Continuous),
        c(Method::Asymptotic, 30, 40, Data::Continuous),
        c(Method::Exact, 6, 8, Data::Counts(0.5)),
        c(Method::Asymptotic, 6, 8, Data::Counts(0.5)),
        c(Method::Asymptotic, 30, 40, Data::Counts(0.5)),
        c(Method::Asymptotic, 500, 700, Data::Counts(0.5)),
    ]
}

/// Measures the type-I error of each configuration at [`ALPHAS`] over
/// `runs` simulated pairs of samples (seeded; the same whatever the number
/// of threads).
pub fn promises(configs: &[Config], runs: usize, seed: u64) -> Vec<Promise> {
    let mut out = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let test = MannWhitney::params().method(c.method).hodges_lehmann(false);
        let p: Vec<f64> = (0..runs)
            .into_par_iter()
            .map(|r| {
                let mut rng = run_rng(seed.wrapping_add(i as u64 * 1_000_003), r);
                let x = c.data.draw(&mut rng, c.n_x);
                let y = c.data.draw(&mut rng, c.n_y);
                // Every value equal (possible with counts): no evidence.
                test.test(&x, &y).map(|t| t.p_value).unwrap_or(1.0)
            })
            .collect();
        let method = match c.method {
            Method::Exact => "exact",
            _ => "asymptotic",
        };
        for alpha in ALPHAS {
            let hits = p.iter().filter(|&&p| p <= alpha).count();
            out.push(Promise::rate(
                "type-I error",
                format!(
                    "Mann-Whitney {method}, {} vs {}, {}, α = {alpha}",
                    c.n_x,
                    c.n_y,
                    c.data.label()
                ),
                Bound::AtMost,
                alpha,
                hits,
                runs,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_whitney_keeps_its_level() {
        // The 500 vs 700 configuration is in the long version only.
        let c: Vec<Config> = configs().into_iter().filter(|c| c.n_x < 100).collect();
        let p = promises(&c, 1500, 19);
        for pr in &p {
            assert!(!pr.unexpected_miss(), "{}: {}", pr.method, pr.describe());
        }
    }

    #[test]
    #[ignore = "minutes in debug builds"]
    fn mann_whitney_keeps_its_level_long() {
        for pr in &promises(&configs(), 50_000, 20) {
            assert!(!pr.unexpected_miss(), "{}: {}", pr.method, pr.describe());
        }
    }
}
