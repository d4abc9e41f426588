//! How the rate α of the Exponential(α) prior on the Poisson rates is
//! chosen: the book's rule (1/mean of each series), a fixed number, or by
//! empirical Bayes (type-II maximum likelihood, [`crate::prior_eb`]) per
//! series or pooled over a population of series.
//!
//! Every model of the crate that takes α (switchpoint, exact or MCMC;
//! episode; segmentation) takes one fixed α per series once it is chosen;
//! [`crate::batch::ModelSpec::prior_rate`] carries the choice and
//! [`crate::batch::fit_models`] resolves it.
//!
//! ```
//! use threatstat_changepoint::prior_rate::PriorRate;
//! assert_eq!("mean".parse::<PriorRate>().unwrap(), PriorRate::MeanRule);
//! assert_eq!("0.25".parse::<PriorRate>().unwrap(), PriorRate::Fixed(0.25));
//! assert_eq!("eb".parse::<PriorRate>().unwrap(), PriorRate::EmpiricalBayes);
//! assert_eq!("eb-pooled".parse::<PriorRate>().unwrap(), PriorRate::EmpiricalBayesPooled);
//! assert!("-1".parse::<PriorRate>().is_err());
//! assert!("median".parse::<PriorRate>().is_err());
//! ```

use crate::ChangepointError;
use serde::{Serialize, Serializer};
use threatstat_core::Error;

/// The choice of the prior rate α.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum PriorRate {
    /// α = 1/mean of each series (total exposure / total count with
    /// exposures): the published analysis' rule and the default. It is
    /// also the type-II maximum-likelihood α of the "no change" model.
    #[default]
    MeanRule,
    /// The same α for every series (finite, > 0).
    Fixed(f64),
    /// Per series, the α maximising the switchpoint model's marginal
    /// likelihood `p(y | α)` ([`crate::prior_eb::eb_prior_rate`]).
    EmpiricalBayes,
    /// One α for a population of series, maximising the sum of their log
    /// marginal likelihoods ([`crate::prior_eb::eb_prior_rate_pooled`]);
    /// only a fit of many series ([`crate::batch::fit_models`]) can
    /// resolve it.
    EmpiricalBayesPooled,
}

impl PriorRate {
    /// The command-line spelling: `mean`, the number, `eb` or `eb-pooled`.
    pub fn name(&self) -> String {
        match self {
            PriorRate::MeanRule => "mean".into(),
            PriorRate::Fixed(a) => a.to_string(),
            PriorRate::EmpiricalBayes => "eb".into(),
            PriorRate::EmpiricalBayesPooled => "eb-pooled".into(),
        }
    }

    /// Checks a fixed α (finite and > 0); the other choices are always
    /// valid settings.
    pub fn check(&self) -> Result<(), ChangepointError> {
        crate::params::check_alpha(match self {
            PriorRate::Fixed(a) => Some(*a),
            _ => None,
        })
    }

    /// The α a model builder takes without data: `None` for the mean rule,
    /// the number if fixed; an empirical-Bayes choice not yet resolved to
    /// a number is an error ([`Error::Param`] named `prior_rate`).
    pub fn fixed_alpha(&self) -> Result<Option<f64>, ChangepointError> {
        match self {
            PriorRate::MeanRule => Ok(None),
            PriorRate::Fixed(a) => Ok(Some(*a)),
            eb => Err(Error::param(
                "prior_rate",
                eb.name(),
                "resolved to a number first (batch::fit_models or ModelSpec::resolve \
                 resolve `eb` per series and `eb-pooled` over all series)",
            )
            .into()),
        }
    }
}

impl Serialize for PriorRate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PriorRate::Fixed(a) => s.serialize_f64(*a),
            other => s.serialize_str(&other.name()),
        }
    }
}

impl std::str::FromStr for PriorRate {
    type Err = ChangepointError;
    /// Parses `mean`, `eb`, `eb-pooled` or a finite number > 0.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "mean" => return Ok(PriorRate::MeanRule),
            "eb" => return Ok(PriorRate::EmpiricalBayes),
            "eb-pooled" => return Ok(PriorRate::EmpiricalBayesPooled),
            _ => {}
        }
        let expected = "mean, eb, eb-pooled or a finite number > 0";
        match t.parse::<f64>() {
            Ok(a) if a.is_finite() && a > 0.0 => Ok(PriorRate::Fixed(a)),
            _ => Err(Error::param("prior_rate", format!("`{s}`"), expected).into()),
        }
    }
}
