//! Posterior predictive check of the switchpoint model: does a Poisson
//! model fit these counts?
//!
//! For each of up to `replicates` posterior draws `(λ1, λ2, τ)` (evenly
//! thinned over all chains), a replicated series `y_rep_t ~ Poisson(λ1 if
//! t < τ else λ2)` is drawn. Within each regime of the draw (days before τ,
//! days from τ on) the dispersion `D = variance / mean` (variance with ddof
//! = 1) of the replicated counts is compared with that of the observed
//! counts over the same days: the posterior predictive p-value of a regime
//! is the share of draws with `D(y_rep) ≥ D(y)` (draws whose regime has
//! fewer than 2 days or no counts do not count). A Poisson series has
//! `D ≈ 1`; overdispersed counts (bursts, a mixture of users, a
//! negative-binomial process) have `D(y)` above almost every replicate, so
//! `p` near 0; counts more regular than Poisson give `p` near 1.
//!
//! The check is flagged when a regime's p-value is below [`LEVEL`] or above
//! `1 − LEVEL`. Variance/mean hardly depends on the Poisson rate, so under
//! a Poisson model its p-values are close to uniform and a Poisson series
//! is flagged about `4 · LEVEL` = 4% of the time (two regimes, two sides;
//! the seeded simulation test `tests/ppc.rs` measures 4% on 100 series of
//! 100 days, and negative-binomial counts with variance three times the
//! mean flagged in every one of 50 series).
//!
//! ```
//! use threatstat_changepoint::Switchpoint;
//! use threatstat_changepoint::ppc::{PpcParams, check};
//! let y: Vec<u32> = (0..60).map(|t| if t < 30 { [3, 5, 4, 2, 6][t % 5] } else { [9, 11, 10, 12, 8][t % 5] }).collect();
//! let post = Switchpoint::params().fit(&y).unwrap();
//! let draws = post.draws(4, 250, 1).unwrap();
//! let ppc = check(&y, &draws, &PpcParams::default()).unwrap();
//! assert_eq!(ppc.regimes.len(), 2);
//! assert!(ppc.flagged, "these counts are far more regular than Poisson");
//! assert!(ppc.regimes.iter().any(|r| r.p_value > 0.99));
//! ```

use crate::ChangepointError;
use crate::mcmc::{ChainDraws, splitmix};
use rand_distr::{Distribution, Poisson};
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// Two-sided level per regime and side of the dispersion check.
pub const LEVEL: f64 = 0.01;

/// Settings of the check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PpcParams {
    /// At most this many draws are replicated (default 1000).
    pub replicates: usize,
    /// Replicated series kept for the figure's bands (default 200).
    pub kept: usize,
    /// Seed of the replicated counts.
    pub seed: u64,
}

impl Default for PpcParams {
    fn default() -> Self {
        PpcParams {
            replicates: 1000,
            kept: 200,
            seed: 0,
        }
    }
}

/// The dispersion check of one regime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimeCheck {
    /// `before_change` (days before τ) or `after_change` (days from τ on).
    pub regime: String,
    /// Mean over the draws of the observed variance/mean ratio.
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    pub observed_dispersion: f64,
    /// Mean over the draws of the replicated ratio.
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    pub replicated_dispersion: f64,
    /// Share of draws with replicated ratio ≥ observed (null when no draw
    /// had a usable regime).
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    pub p_value: f64,
    /// Draws that counted.
    pub draws: usize,
}

/// The posterior predictive check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ppc {
    /// The statistic compared.
    pub statistic: String,
    /// Replicated series (posterior draws used).
    pub replicates: usize,
    /// Per regime.
    pub regimes: Vec<RegimeCheck>,
    /// The level of [`LEVEL`].
    pub level: f64,
    /// True when a regime's p-value is below `level` or above `1 − level`:
    /// the counts are not Poisson around the fitted rates.
    pub flagged: bool,
    /// What the flag means, for a reader of the file.
    pub verdict: String,
    /// Per day: the 5%, 50% and 95% quantiles of the kept replicated
    /// counts (the figure's band).
    #[serde(skip)]
    pub bands: Vec<[f64; 3]>,
}

/// Variance (ddof 1) / mean of `y`, None when undefined.
fn dispersion(sum: f64, sum_sq: f64, n: usize) -> Option<f64> {
    if n < 2 || sum <= 0.0 {
        return None;
    }
    let m = sum / n as f64;
    Some((sum_sq - sum * m) / (n as f64 - 1.0) / m)
}

/// The check of `counts` against replicates from `draws`.
pub fn check(counts: &[u32], draws: &[ChainDraws], p: &PpcParams) -> Result<Ppc, ChangepointError> {
    let n = counts.len();
    let all: Vec<(f64, f64, usize)> = draws
        .iter()
        .flat_map(|c| (0..c.tau.len()).map(|i| (c.lambda_1[i], c.lambda_2[i], c.tau[i] as usize)))
        .collect();
    if all.is_empty() || n == 0 || p.replicates == 0 {
        return Err(Error::data("posterior predictive check", "no draws or no days").into());
    }
    if let Some(&(_, _, t)) = all.iter().find(|d| d.2 >= n) {
        return Err(
            Error::shape("draws of tau", format!("days 0..{n}"), format!("day {t}")).into(),
        );
    }
    let m = p.replicates.min(all.len());
    let kept = p.kept.min(m);
    // Prefix sums of the observed counts and squares.
    let mut s = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for (t, &y) in counts.iter().enumerate() {
        let y = f64::from(y);
        s[t + 1] = s[t] + y;
        s2[t + 1] = s2[t] + y * y;
    }
    let mut rng = threatstat_core::rng::seeded(splitmix(p.seed ^ 0x5050_4343));
    // [observed sum, replicated sum, exceedances, draws] per regime.
    let mut acc = [[0.0f64; 4]; 2];
    let mut series: Vec<Vec<u32>> = Vec::with_capacity(kept);
    let mut y_rep = vec![0u32; n];
    for j in 0..m {
        let (l1, l2, tau) = all[j * all.len() / m];
        let mut rep = [[0.0f64; 2]; 2];
        for (r, (lo, hi, lambda)) in [(0, tau, l1), (tau, n, l2)].into_iter().enumerate() {
            let pois = (lambda > 0.0).then(|| Poisson::new(lambda).ok()).flatten();
            for slot in &mut y_rep[lo..hi] {
                let y = pois.as_ref().map_or(0.0, |d| d.sample(&mut rng));
                *slot = y as u32;
                rep[r][0] += y;
                rep[r][1] += y * y;
            }
            let obs = dispersion(s[hi] - s[lo], s2[hi] - s2[lo], hi - lo);
            let sim = dispersion(rep[r][0], rep[r][1], hi - lo);
            if let (Some(o), Some(x)) = (obs, sim) {
                acc[r][0] += o;
                acc[r][1] += x;
                acc[r][2] += f64::from(u8::from(x >= o));
                acc[r][3] += 1.0;
            }
        }
        if j * kept / m != (j + 1) * kept / m {
            series.push(y_rep.clone());
        }
    }
    let regimes: Vec<RegimeCheck> = ["before_change", "after_change"]
        .iter()
        .zip(acc)
        .map(|(name, [o, x, e, d])| RegimeCheck {
            regime: name.to_string(),
            observed_dispersion: o / d,
            replicated_dispersion: x / d,
            p_value: e / d,
            draws: d as usize,
        })
        .collect();
    let flagged = regimes
        .iter()
        .any(|r| r.p_value < LEVEL || r.p_value > 1.0 - LEVEL);
    let verdict = if flagged {
        let over = regimes.iter().any(|r| r.p_value < LEVEL);
        format!(
            "the counts are {} than a Poisson model with these rates allows \
             (a regime's posterior predictive p-value of variance/mean is {} {LEVEL}): \
             read the rates and intervals with care",
            if over {
                "more dispersed"
            } else {
                "more regular"
            },
            if over { "below" } else { "above 1 −" }
        )
    } else {
        "consistent with Poisson counts around the fitted rates".to_string()
    };
    Ok(Ppc {
        statistic: "variance/mean of the counts within each regime of a draw".into(),
        replicates: m,
        regimes,
        level: LEVEL,
        flagged,
        verdict,
        bands: bands(&series, n),
    })
}

/// Per day the 5%, 50%, 95% quantiles (NumPy "linear") of the series
/// (none without series).
fn bands(series: &[Vec<u32>], n: usize) -> Vec<[f64; 3]> {
    if series.is_empty() {
        return Vec::new();
    }
    let mut col = Vec::with_capacity(series.len());
    (0..n)
        .map(|t| {
            col.clear();
            col.extend(series.iter().map(|s| f64::from(s[t])));
            [0.05, 0.5, 0.95].map(|q| threatstat_core::numerics::quantile(&mut col, q))
        })
        .collect()
}
