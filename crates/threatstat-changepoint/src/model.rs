//! What every changepoint model shares: a fit of one daily count series
//! with optional exposures, and a posterior with its evidence, its Bayes
//! factor against "no change", the expected rate per day and the marginal
//! posterior of where the change is.
//!
//! [`Switchpoint`](crate::Switchpoint), [`Episode`](crate::Episode) and
//! [`Segmentation`](crate::Segmentation) params implement [`ChangeModel`];
//! their posteriors implement [`ChangePosterior`]. Code that ranks users,
//! draws a figure or fits many series ([`crate::batch::fit_rows`]) is
//! written once against these two traits.
//!
//! ```
//! use threatstat_changepoint::{ChangeModel, ChangePosterior, Episode, Switchpoint};
//! fn score<M: ChangeModel>(m: &M, y: &[u32], exposures: Option<&[f64]>) -> f64 {
//!     m.fit_series(y, exposures).unwrap().log_bayes_factor()
//! }
//! let y = [1, 0, 1, 1, 0, 1, 6, 7, 5, 6, 1, 0, 1, 1, 0];
//! // An episode explains an interval of more activity better than one change.
//! assert!(score(&Episode::params(), &y, None) > score(&Switchpoint::params(), &y, None));
//! // Relative to a population that was equally busy on those days, nothing changed.
//! let m: Vec<f64> = y.iter().map(|&c| if c > 3 { 10.0 } else { 1.0 }).collect();
//! assert!(score(&Episode::params(), &y, Some(&m)) < 0.0);
//! ```

use crate::ChangepointError;
use crate::params::Checked;
use serde::{Deserialize, Serialize};
use threatstat_core::ParamGuard;

/// A changepoint model: params that fit one series of daily counts.
pub trait ChangeModel {
    /// The posterior a fit gives.
    type Posterior: ChangePosterior;

    /// The posterior of `counts` (one count per day). With `exposures`
    /// (one positive factor per day, e.g. from [`crate::baseline`]) the
    /// counts are `y_t ~ Poisson(λ · m_t)`, so the rates are per unit of
    /// exposure; `None` is the same as every `m_t = 1`.
    fn fit_series(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<Self::Posterior, ChangepointError>;
}

/// Unchecked params fit too: [`ParamGuard::check`] first, then the
/// [`Checked`] params fit (one impl for switchpoint, episode and
/// segmentation params; the checked params hold the model).
///
/// ```
/// use threatstat_changepoint::{ChangeModel, Switchpoint};
/// use threatstat_core::ParamGuard;
/// let y = [1, 0, 1, 6, 7, 5];
/// let p = Switchpoint::params();
/// assert_eq!(p.fit_series(&y, None).unwrap(), p.check().unwrap().fit_series(&y, None).unwrap());
/// assert!(p.alpha(-1.0).fit_series(&y, None).is_err());
/// ```
impl<P> ChangeModel for P
where
    P: ParamGuard<Checked = Checked<P>, Error = ChangepointError>,
    Checked<P>: ChangeModel,
{
    type Posterior = <Checked<P> as ChangeModel>::Posterior;
    fn fit_series(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<Self::Posterior, ChangepointError> {
        self.check()?.fit_series(counts, exposures)
    }
}

/// The log evidence of a model and of "no change" (one rate), both with
/// the rates integrated out: what every posterior stores to give its
/// Bayes factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `ln p(y | model)`.
    pub log_marginal: f64,
    /// `ln p(y | no change)`, one rate ~ Exponential(α).
    pub log_marginal_no_change: f64,
}

impl Evidence {
    /// `ln p(y | model) − ln p(y | no change)`.
    pub fn log_bayes_factor(&self) -> f64 {
        self.log_marginal - self.log_marginal_no_change
    }
}

/// A fitted changepoint posterior.
pub trait ChangePosterior {
    /// The evidence of the model and of "no change".
    fn evidence(&self) -> Evidence;

    /// Number of days of the series.
    fn n_days(&self) -> usize;

    /// `E[λ_t | y]` for every day t (per unit of exposure): the rate curve
    /// drawn over the counts.
    fn rate_curve(&self) -> &[f64];

    /// The marginal posterior of where the change is, one value per day:
    /// `P(τ = t)` (switchpoint), `P(episode starts on t)` (episode),
    /// `P(a segment starts on t)` (segmentation; these sum to the expected
    /// number of changes, not to 1).
    fn change_marginal(&self) -> &[f64];

    /// `ln p(y | model)`: the log evidence, the rates and the change
    /// integrated out.
    fn log_marginal_likelihood(&self) -> f64 {
        self.evidence().log_marginal
    }

    /// `ln p(y | no change)` (one rate ~ Exponential(α)).
    fn log_marginal_likelihood_no_change(&self) -> f64 {
        self.evidence().log_marginal_no_change
    }

    /// The log Bayes factor of the model against "no change"; > 0 favours
    /// a change.
    fn log_bayes_factor(&self) -> f64 {
        self.evidence().log_bayes_factor()
    }
}
