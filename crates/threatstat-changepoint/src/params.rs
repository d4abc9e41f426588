//! Checked params: every model's settings validated once, before a fit,
//! with errors naming the parameter ([`threatstat_core::Error::Param`]).
//!
//! [`SwitchpointParams`], [`EpisodeParams`], [`SegmentationParams`],
//! [`ModelSpec`] and [`McmcParams`] implement [`ParamGuard`]; `check` gives a [`Checked`]
//! wrapper, the only way to make one, and the checked params are the
//! [`ChangeModel`]s that fit (the unchecked params check, then fit).
//! What depends on the data (the default α = 1/mean, an episode length
//! that fits in the series) is checked by the fit.
//!
//! ```
//! use threatstat_changepoint::{ChangeModel, Episode};
//! use threatstat_core::{Error, Fit, ParamGuard};
//! let checked = Episode::params().tolerance(1e-9).check().unwrap();
//! assert!(checked.fit_series(&[1, 0, 6, 7, 0, 1], None).is_ok());
//! assert!(Fit::fit(&checked, &[1u32, 0, 6, 7, 0, 1][..]).is_ok());
//! let bad = Episode::params().tolerance(2.0).check().unwrap_err();
//! assert!(matches!(
//!     bad,
//!     threatstat_changepoint::ChangepointError::Core(Error::Param { name: "tolerance", .. })
//! ));
//! ```

use crate::batch::ModelSpec;
use crate::model::ChangeModel;
use crate::{
    ChangepointError, EpisodeParams, EpisodePosterior, ExactPosterior, McmcParams,
    SegmentationParams, SegmentationPosterior, SwitchpointParams,
};
use threatstat_core::{Error, Fit, ParamGuard};

/// Params that passed [`ParamGuard::check`]; only `check` makes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checked<P>(P);

impl<P> Checked<P> {
    /// The params inside.
    pub fn params(&self) -> &P {
        &self.0
    }
}

/// α, if set, is a finite number > 0.
pub(crate) fn check_alpha(alpha: Option<f64>) -> Result<(), ChangepointError> {
    match alpha {
        Some(a) if !(a.is_finite() && a > 0.0) => {
            Err(Error::param("alpha", a, "a finite number > 0").into())
        }
        _ => Ok(()),
    }
}

/// `x`, if set, is in (0, 1).
fn check_open_unit(name: &'static str, x: Option<f64>) -> Result<(), ChangepointError> {
    match x {
        Some(v) if !(v > 0.0 && v < 1.0) => Err(Error::param(name, v, "a number in (0, 1)").into()),
        _ => Ok(()),
    }
}

/// Tolerance and approximation are alternatives.
fn check_tolerance(
    tolerance: Option<f64>,
    approximate: Option<f64>,
) -> Result<(), ChangepointError> {
    check_open_unit("tolerance", tolerance)?;
    check_open_unit("approximate", approximate)?;
    if let (Some(_), Some(e)) = (tolerance, approximate) {
        return Err(Error::param(
            "approximate",
            e,
            "unset when tolerance is set (tolerance prunes, approximate prunes and \
             approximates: set one, not both)",
        )
        .into());
    }
    Ok(())
}

impl ParamGuard for SwitchpointParams {
    type Checked = Checked<SwitchpointParams>;
    type Error = ChangepointError;
    /// α finite and > 0 if set.
    fn check(&self) -> Result<Self::Checked, ChangepointError> {
        check_alpha(self.alpha)?;
        Ok(Checked(*self))
    }
}

impl ParamGuard for EpisodeParams {
    type Checked = Checked<EpisodeParams>;
    type Error = ChangepointError;
    /// α finite and > 0 if set, `min_len` at least 1, `max_len` at least
    /// `min_len`, tolerance and approximate in (0, 1) and not both.
    fn check(&self) -> Result<Self::Checked, ChangepointError> {
        let s = self;
        check_alpha(s.alpha)?;
        if s.min_len == 0 {
            return Err(Error::param("min_len", 0, "at least 1 day").into());
        }
        if let Some(m) = s.max_len
            && m < s.min_len
        {
            return Err(
                Error::param("max_len", m, format!("at least min_len = {}", s.min_len)).into(),
            );
        }
        check_tolerance(s.tolerance, s.approximate)?;
        Ok(Checked(*self))
    }
}

impl ParamGuard for SegmentationParams {
    type Checked = Checked<SegmentationParams>;
    type Error = ChangepointError;
    /// α finite and > 0 if set, the change probability in (0, 1) if set.
    fn check(&self) -> Result<Self::Checked, ChangepointError> {
        check_alpha(self.alpha)?;
        check_open_unit("change_prob", self.change_prob)?;
        Ok(Checked(*self))
    }
}

impl ParamGuard for ModelSpec {
    type Checked = Checked<ModelSpec>;
    type Error = ChangepointError;
    /// The settings that do not depend on the data, so that a batch with
    /// a bad setting fails once, up front, instead of "fitting" no series:
    /// a fixed α finite and > 0, the tolerance, the approximation bound and the
    /// change probability in (0, 1), not both tolerance and approximate.
    ///
    /// ```
    /// use threatstat_changepoint::batch::ModelSpec;
    /// use threatstat_core::ParamGuard;
    /// assert!(ModelSpec::default().check().is_ok());
    /// use threatstat_changepoint::PriorRate;
    /// assert!(ModelSpec { prior_rate: PriorRate::Fixed(0.0), ..Default::default() }.check().is_err());
    /// assert!(ModelSpec { prior_rate: PriorRate::EmpiricalBayes, ..Default::default() }.check().is_ok());
    /// assert!(ModelSpec { change_prob: Some(1.0), ..Default::default() }.check().is_err());
    /// assert!(ModelSpec { tolerance: Some(f64::NAN), ..Default::default() }.check().is_err());
    /// ```
    fn check(&self) -> Result<Self::Checked, ChangepointError> {
        self.prior_rate.check()?;
        check_tolerance(self.tolerance, self.approximate)?;
        check_open_unit("change_prob", self.change_prob)?;
        Ok(Checked(*self))
    }
}

impl ParamGuard for McmcParams {
    type Checked = Checked<McmcParams>;
    type Error = ChangepointError;
    /// Checks the settings, so that a bad value is an error, not a panic
    /// or an allocation failure: `tau_jump_prob` in [0, 1], 1 to
    /// [`McmcParams::MAX_CHAINS`] chains, at least 4 draws, at most
    /// [`McmcParams::MAX_TOTAL_DRAWS`] draws over all chains (kept in
    /// memory), and at most [`McmcParams::MAX_STEPS`] steps (warm-up plus
    /// draws) per chain. Sampling calls it first.
    ///
    /// ```
    /// use threatstat_changepoint::{ChangepointError, McmcParams};
    /// use threatstat_core::{Error, ParamGuard};
    /// assert!(McmcParams::default().check().is_ok());
    /// let chains = |e| matches!(e, ChangepointError::Core(Error::Param { name: "chains", .. }));
    /// assert!(chains(McmcParams::default().chains(0).check().unwrap_err()));
    /// assert!(chains(McmcParams::default().chains(usize::MAX).check().unwrap_err()));
    /// assert!(McmcParams::default().draws(usize::MAX).check().is_err());
    /// assert!(McmcParams::default().tune(usize::MAX).check().is_err());
    /// ```
    fn check(&self) -> Result<Self::Checked, ChangepointError> {
        if !(0.0..=1.0).contains(&self.tau_jump_prob) {
            return Err(
                Error::param("tau_jump_prob", self.tau_jump_prob, "a number in [0, 1]").into(),
            );
        }
        if self.chains == 0 {
            return Err(Error::param("chains", 0, "at least 1").into());
        }
        if self.draws < 4 {
            return Err(Error::param("draws", self.draws, "at least 4").into());
        }
        if self.chains > McmcParams::MAX_CHAINS {
            return Err(Error::param(
                "chains",
                self.chains,
                format!("at most {}", McmcParams::MAX_CHAINS),
            )
            .into());
        }
        if self.chains.saturating_mul(self.draws) > McmcParams::MAX_TOTAL_DRAWS {
            return Err(Error::param(
                "draws",
                self.draws,
                format!(
                    "chains × draws at most {} (the draws are kept in memory; chains = {})",
                    McmcParams::MAX_TOTAL_DRAWS,
                    self.chains
                ),
            )
            .into());
        }
        if self.tune.saturating_add(self.draws) > McmcParams::MAX_STEPS {
            return Err(Error::param(
                "tune",
                self.tune,
                format!(
                    "tune + draws at most {} steps per chain (draws = {})",
                    McmcParams::MAX_STEPS,
                    self.draws
                ),
            )
            .into());
        }
        Ok(Checked(*self))
    }
}

/// `impl Fit<[u32]>` for a checked model: the fit without exposures.
macro_rules! fit_counts {
    ($params:ty, $post:ty) => {
        impl Fit<[u32]> for Checked<$params> {
            type Fitted = $post;
            type Error = ChangepointError;
            fn fit(&self, counts: &[u32]) -> Result<$post, ChangepointError> {
                self.fit_series(counts, None)
            }
        }
    };
}
fit_counts!(SwitchpointParams, ExactPosterior);
fit_counts!(EpisodeParams, EpisodePosterior);
fit_counts!(SegmentationParams, SegmentationPosterior);
