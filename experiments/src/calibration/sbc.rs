//! Simulation-based calibration of the changepoint samplers
//! ([`threatstat_changepoint::sbc`]), shown as rank histograms and as a
//! promise: the truth lies in the central 80% of the posterior draws (rank
//! bins 2–9 of 10) in 80% of the runs.

use super::promise::{Bound, Promise};
use serde::Serialize;
use threatstat_acf::chi2_sf;
use threatstat_changepoint::Sampler;
use threatstat_changepoint::sbc::{SbcParams, SbcResult, simulation_based_calibration};

/// The variables, in the order of [`SbcResult::histograms`].
pub const VARIABLES: [&str; 3] = ["λ1", "λ2", "τ"];

/// SBC of one sampler.
#[derive(Debug, Clone, Serialize)]
pub struct SamplerSbc {
    /// The settings.
    pub params: SbcParams,
    /// The rank histograms and χ² statistics.
    pub result: SbcResult,
    /// P(χ² > statistic) for uniform ranks, per variable.
    pub chi2_p: [f64; 3],
}

/// Runs SBC of the Gibbs and Metropolis samplers with `replications`
/// simulated series each (the crate tests' other settings).
pub fn run(replications: usize) -> Result<Vec<SamplerSbc>, crate::Error> {
    [Sampler::Gibbs, Sampler::Metropolis]
        .into_iter()
        .map(|s| {
            let params = SbcParams {
                replications,
                ..SbcParams::new(s)
            };
            let result = simulation_based_calibration(&params)?;
            let df = params.bins as u64 - 1;
            let chi2_p = result.chi2.map(|c| chi2_sf(c, df));
            Ok(SamplerSbc {
                params,
                result,
                chi2_p,
            })
        })
        .collect()
}

/// The central-80% promise of each sampler and variable.
pub fn promises(sbc: &[SamplerSbc]) -> Vec<Promise> {
    let mut out = Vec::new();
    for s in sbc {
        let bins = s.params.bins;
        for (v, h) in s.result.histograms.iter().enumerate() {
            let inner: usize = h[1..bins - 1].iter().sum();
            let total: usize = h.iter().sum();
            out.push(Promise::rate(
                "SBC",
                format!(
                    "{:?} sampler, {}: truth in the central {:.0}% of draws (χ² uniformity {})",
                    s.params.sampler,
                    VARIABLES[v],
                    100.0 * (bins - 2) as f64 / bins as f64,
                    threatstat_core::pvalue::p_text(s.chi2_p[v], None)
                ),
                Bound::Equal,
                (bins - 2) as f64 / bins as f64,
                inner,
                total,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_pass_sbc_in_the_central_80_percent() {
        // 150 series each: s.e. of the 0.8 rate 0.033.
        let s = run(150).unwrap();
        let p = promises(&s);
        assert_eq!(p.len(), 6);
        for pr in &p {
            assert!(!pr.unexpected_miss(), "{}: {}", pr.method, pr.describe());
        }
    }
}
