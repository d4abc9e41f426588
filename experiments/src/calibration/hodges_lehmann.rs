//! Coverage of the Hodges–Lehmann 95% interval of the shift
//! (threatstat-ranktest, R's `wilcox.test(conf.int = TRUE)`): x is y's
//! distribution shifted by δ; the share of runs whose interval contains δ.

use super::promise::{Bound, Promise, run_rng};
use rand_distr::{Distribution, LogNormal, Poisson};
use rayon::prelude::*;
use threatstat_core::rng::SeededRng;
use threatstat_ranktest::{CiMethod, MannWhitney};

/// The confidence level checked.
pub const LEVEL: f64 = 0.95;

/// Simulated data of a configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Data {
    /// Log-normal (σ = 1) values, skewed like byte counts; shift 0.7.
    LogNormal,
    /// Poisson(2) counts (heavy ties); integer shift 1.
    Counts,
}

impl Data {
    fn shift(self) -> f64 {
        match self {
            Data::LogNormal => 0.7,
            Data::Counts => 1.0,
        }
    }

    fn draw(self, rng: &mut SeededRng, n: usize) -> Vec<f64> {
        match self {
            Data::LogNormal => {
                let d = LogNormal::new(0.0, 1.0).expect("valid log-normal");
                (0..n).map(|_| d.sample(rng)).collect()
            }
            Data::Counts => {
                let d = Poisson::new(2.0).expect("valid Poisson mean");
                (0..n).map(|_| d.sample(rng)).collect()
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            Data::LogNormal => "log-normal, shift 0.7",
            Data::Counts => "Poisson(2) counts (ties), shift 1",
        }
    }
}

/// The configurations: (interval method, n_x, n_y, data).
pub fn configs() -> Vec<(CiMethod, usize, usize, Data)> {
    vec![
        (CiMethod::Exact, 8, 10, Data::LogNormal),
        (CiMethod::Exact, 30, 40, Data::LogNormal),
        (CiMethod::Asymptotic, 30, 40, Data::LogNormal),
        (CiMethod::Asymptotic, 200, 300, Data::LogNormal),
        (CiMethod::Asymptotic, 30, 40, Data::Counts),
    ]
}

/// Coverage of each configuration over `runs` runs.
pub fn promises(
    configs: &[(CiMethod, usize, usize, Data)],
    runs: usize,
    seed: u64,
) -> Vec<Promise> {
    configs
        .iter()
        .enumerate()
        .map(|(i, &(ci, n_x, n_y, data))| {
            let test = MannWhitney::params().ci_method(ci).confidence(LEVEL);
            let delta = data.shift();
            let hits = (0..runs)
                .into_par_iter()
                .filter(|&r| {
                    let mut rng = run_rng(seed.wrapping_add(i as u64 * 104_729), r);
                    let x: Vec<f64> = data.draw(&mut rng, n_x).iter().map(|v| v + delta).collect();
                    let y = data.draw(&mut rng, n_y);
                    test.test(&x, &y)
                        .is_ok_and(|t| t.ci_low <= delta && delta <= t.ci_high)
                })
                .count();
            let name = match ci {
                CiMethod::Exact => "exact",
                _ => "asymptotic",
            };
            Promise::rate(
                "coverage",
                format!(
                    "Hodges-Lehmann {name} {LEVEL} interval, {n_x} vs {n_y}, {}",
                    data.label()
                ),
                Bound::AtLeast,
                LEVEL,
                hits,
                runs,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hodges_lehmann_interval_covers_the_shift() {
        let c: Vec<_> = configs().into_iter().filter(|c| c.1 < 100).collect();
        for pr in &promises(&c, 800, 11) {
            assert!(!pr.unexpected_miss(), "{}: {}", pr.method, pr.describe());
        }
    }
}
