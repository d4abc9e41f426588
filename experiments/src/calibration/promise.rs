//! A measured promise: what a method promises (a rate), what a simulation
//! with known truth observed, its Monte Carlo standard error, and the
//! verdict.

use serde::Serialize;
use threatstat_core::rng::SeededRng;

/// How a promise reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The rate is at most the nominal one (type-I error, FDR).
    AtMost,
    /// The rate is at least the nominal one (frequentist coverage).
    AtLeast,
    /// The rate equals the nominal one (Bayesian coverage with data drawn
    /// from the prior, SBC).
    Equal,
}

/// What the simulation says about a promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The observed rate is within [`TOLERANCE`] standard errors of the
    /// nominal one.
    Holds,
    /// The promise holds with room to spare: more than [`TOLERANCE`]
    /// standard errors on the safe side (an exact test on a discrete
    /// statistic, a closed interval on tied data).
    Conservative,
    /// The observed rate is more than [`TOLERANCE`] standard errors on the
    /// wrong side (or, for [`Bound::Equal`], on either side).
    Misses,
}

/// How many Monte Carlo standard errors separate "holds" from "misses".
/// With a few dozen promises a calibrated method misses by chance with
/// probability about 30 × 6e-5 (two-sided normal tail beyond 4).
pub const TOLERANCE: f64 = 4.0;

/// One measured promise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Promise {
    /// The kind of promise, e.g. `type-I error`, `coverage`, `FDR`.
    pub kind: &'static str,
    /// The method and the simulated data, e.g. `Mann-Whitney exact, 6 vs 8,
    /// continuous, α = 0.05`.
    pub method: String,
    /// How the promise reads.
    pub bound: Bound,
    /// The promised rate.
    pub nominal: f64,
    /// The observed rate.
    pub observed: f64,
    /// Monte Carlo standard error of the observed rate.
    pub mc_se: f64,
    /// Monte Carlo standard error the observed rate would have if the rate
    /// were the nominal one (the width of the band in the figures; the
    /// verdict compares against the larger of the two errors).
    pub nominal_se: f64,
    /// Number of simulated data sets (runs).
    pub replications: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// Where a miss is expected and documented (the method's docs say so),
    /// the sentence that explains it; `None` for a promise that must hold.
    pub known_miss: Option<&'static str>,
}

/// Binomial standard error of a rate `p` estimated from `n` runs.
pub fn binomial_se(p: f64, n: usize) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

impl Promise {
    /// A promise on a rate estimated as `hits / replications` (binomial
    /// Monte Carlo error).
    pub fn rate(
        kind: &'static str,
        method: String,
        bound: Bound,
        nominal: f64,
        hits: usize,
        replications: usize,
    ) -> Promise {
        let observed = hits as f64 / replications as f64;
        Promise::mean(
            kind,
            method,
            bound,
            nominal,
            observed,
            binomial_se(observed, replications),
            replications,
        )
    }

    /// A promise on a mean over runs (e.g. the false discovery proportion)
    /// with its standard error `mc_se`; the nominal band is the binomial
    /// one (an upper bound for a mean of values in [0, 1]).
    pub fn mean(
        kind: &'static str,
        method: String,
        bound: Bound,
        nominal: f64,
        observed: f64,
        mc_se: f64,
        replications: usize,
    ) -> Promise {
        let nominal_se = binomial_se(nominal, replications);
        let se = nominal_se.max(mc_se).max(f64::MIN_POSITIVE);
        let z = (observed - nominal) / se;
        let verdict = match bound {
            Bound::AtMost if z > TOLERANCE => Verdict::Misses,
            Bound::AtMost if z < -TOLERANCE => Verdict::Conservative,
            Bound::AtLeast if z < -TOLERANCE => Verdict::Misses,
            Bound::AtLeast if z > TOLERANCE => Verdict::Conservative,
            Bound::Equal if z.abs() > TOLERANCE => Verdict::Misses,
            _ => Verdict::Holds,
        };
        Promise {
            kind,
            method,
            bound,
            nominal,
            observed,
            mc_se,
            nominal_se,
            replications,
            verdict,
            known_miss: None,
        }
    }

    /// The same promise with a documented explanation of an expected miss.
    pub fn known_miss(mut self, why: &'static str) -> Promise {
        self.known_miss = Some(why);
        self
    }

    /// Whether the promise is missed without a documented reason.
    pub fn unexpected_miss(&self) -> bool {
        self.verdict == Verdict::Misses && self.known_miss.is_none()
    }

    /// One line for the report, e.g. `nominal ≤ 0.050 · observed 0.0493 ±
    /// 0.0015 (MC s.e., 20000 runs) · holds`.
    pub fn describe(&self) -> String {
        let rel = match self.bound {
            Bound::AtMost => "≤",
            Bound::AtLeast => "≥",
            Bound::Equal => "=",
        };
        let verdict = match self.verdict {
            Verdict::Holds => "holds".to_string(),
            Verdict::Conservative => "holds (conservative)".to_string(),
            Verdict::Misses if self.known_miss.is_some() => "MISSES (documented)".to_string(),
            Verdict::Misses => "MISSES".to_string(),
        };
        format!(
            "nominal {rel} {:.3} · observed {:.4} ± {:.4} (MC s.e., {} runs) · {verdict}",
            self.nominal, self.observed, self.mc_se, self.replications
        )
    }
}

/// The random generator of run `run` of a simulation seeded `seed`: runs
/// are independent of each other and of the number of threads.
pub fn run_rng(seed: u64, run: usize) -> SeededRng {
    threatstat_core::rng::seeded(seed ^ (run as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_bound() {
        // 10,000 runs at 0.05: s.e. 0.0022, 4 s.e. = 0.0087.
        let v = |b, hits| Promise::rate("t", "m".into(), b, 0.05, hits, 10_000).verdict;
        assert_eq!(v(Bound::AtMost, 500), Verdict::Holds);
        assert_eq!(v(Bound::AtMost, 600), Verdict::Misses);
        assert_eq!(v(Bound::AtMost, 350), Verdict::Conservative);
        assert_eq!(v(Bound::AtLeast, 350), Verdict::Misses);
        assert_eq!(v(Bound::AtLeast, 600), Verdict::Conservative);
        assert_eq!(v(Bound::Equal, 350), Verdict::Misses);
        assert_eq!(v(Bound::Equal, 540), Verdict::Holds);
        let p = Promise::rate("t", "m".into(), Bound::AtMost, 0.05, 600, 10_000);
        assert!(p.unexpected_miss() && !p.known_miss("why").unexpected_miss());
    }
}
