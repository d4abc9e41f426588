//! Bayesian Poisson changepoint ("switchpoint") models of daily counts.
//!
//! The model of the CERT logon analysis, after "Bayesian Methods for
//! Hackers", chapter 1:
//!
//! ```text
//! λ1, λ2 ~ Exponential(α)          α = 1 / mean(counts) by default
//! τ      ~ DiscreteUniform(0, n−1)
//! y_t    ~ Poisson(λ1 if t < τ else λ2)
//! ```
//!
//! PyMC samples it by MCMC. Because the Gamma prior is conjugate to the
//! Poisson, λ1 and λ2 integrate out and the posterior of τ is *exact*:
//! `P(τ = k | y) ∝ Γ(S1+1)/(k+α)^(S1+1) · Γ(S2+1)/(n−k+α)^(S2+1)` with `S1`
//! the counts before day k. [`ExactPosterior`] computes it in O(n) with
//! prefix sums in log space, along with posterior means and intervals of the
//! rates, the marginal likelihood and the Bayes factor against "no change"
//! (a calibrated "did this user's behaviour change?" score).
//!
//! MCMC is there to compare with PyMC and to check itself against the exact
//! answer: a Gibbs sampler ([`Sampler::Gibbs`]: conjugate λ draws, τ from its
//! full conditional) and a random-walk Metropolis sampler tuned like PyMC's
//! ([`Sampler::Metropolis`]), several chains in parallel, seeded per chain so
//! that results do not depend on the thread count, with ArviZ's diagnostics
//! ([`diagnostics`]: rank-normalised split R-hat, bulk and tail ESS, MCSE,
//! HDI).
//!
//! ```
//! use threatstat_changepoint::Switchpoint;
//! let counts = [3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14];
//! let post = Switchpoint::params().fit(&counts).unwrap();
//! assert_eq!(post.map_tau(), 6);            // the rate changes on day 6
//! assert!(post.log_bayes_factor() > 5.0);   // strong evidence of a change
//! assert!((post.tau_posterior().iter().sum::<f64>() - 1.0).abs() < 1e-12);
//! ```

pub mod baseline;
pub mod batch;
#[cfg(test)]
mod brute_force;
pub mod diagnostics;
mod direction;
mod episode;
mod exact;
pub mod io;
mod mcmc;
mod numerics;
mod online;
mod segments;

pub use direction::Direction;
pub use episode::{Episode, EpisodeParams, EpisodePosterior};
pub use exact::{ExactPosterior, Interval, Switchpoint, SwitchpointParams};
pub use mcmc::{ChainDraws, McmcParams, McmcPosterior, Sampler, VariableSummary};
pub use online::{Detector, OnlineDetector, OnlineParams, OnlineRun};
pub use segments::{Segmentation, SegmentationParams, SegmentationPosterior};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ChangepointError {
    /// Reading or parsing input failed (the message names file, line, field).
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// Invalid parameters or data.
    #[error("{0}")]
    Invalid(String),
}
