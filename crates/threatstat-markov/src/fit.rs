//! Fitting: the params builder, its check and the fit itself (the shared
//! vocabulary of `threatstat_core::model`: `ParamGuard` → `Fit`).

use crate::MarkovError;
use crate::counts::PartialCounts;
use crate::model::{MarkovModel, SessionType};
use crate::session::SessionSet;
use rayon::prelude::*;
use threatstat_core::{Error, Fit, ParamGuard};

/// Parameters of a [`MarkovModel`] fit: a builder; `fit` (the
/// [`Fit`] trait) checks them first ([`ParamGuard::check`]).
///
/// ```
/// use threatstat_markov::prelude::*;
/// let sessions = SessionSet::from_cmds(&[vec!["A", "B", "A"], vec!["A"]]).unwrap();
/// let model = MarkovModel::params().session_type(SessionType::Cmds).fit(&sessions).unwrap();
/// // msticpy's worked example (spec §13): P(B | A) = 2/7.
/// assert_eq!(model.transition_prob("A", "B"), 2.0 / 7.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MarkovParams {
    session_type: SessionType,
    modellable_params: Option<Vec<String>>,
    parallel: bool,
}

impl Default for MarkovParams {
    fn default() -> Self {
        MarkovParams {
            session_type: SessionType::Cmds,
            modellable_params: None,
            parallel: true,
        }
    }
}

impl MarkovParams {
    /// Which parts of events are modelled (default: commands only).
    pub fn session_type(mut self, t: SessionType) -> Self {
        self.session_type = t;
        self
    }
    /// Overrides msticpy's heuristic choice of the parameters whose values
    /// are modelled ([`SessionType::CmdsParamsValues`] only).
    pub fn modellable_params<S: Into<String>>(mut self, p: impl IntoIterator<Item = S>) -> Self {
        self.modellable_params = Some(p.into_iter().map(Into::into).collect());
        self
    }
    /// Count in parallel with rayon (default true); results are identical.
    pub fn parallel(mut self, yes: bool) -> Self {
        self.parallel = yes;
        self
    }
}

/// [`MarkovParams`] that passed [`ParamGuard::check`]; they fit sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedMarkovParams(MarkovParams);

impl CheckedMarkovParams {
    /// The params checked.
    pub fn params(&self) -> &MarkovParams {
        &self.0
    }
}

/// `modellable_params` is allowed only with the values session type.
///
/// ```
/// use threatstat_markov::prelude::*;
/// use threatstat_core::Error;
/// let e = MarkovModel::params().modellable_params(["x"]).check().unwrap_err();
/// assert!(matches!(e, MarkovError::Core(Error::Param { name: "modellable_params", .. })));
/// ```
impl ParamGuard for MarkovParams {
    type Checked = CheckedMarkovParams;
    type Error = MarkovError;
    fn check(&self) -> Result<CheckedMarkovParams, MarkovError> {
        if let Some(p) = &self.modellable_params
            && self.session_type != SessionType::CmdsParamsValues
        {
            return Err(Error::param(
                "modellable_params",
                p.join(","),
                format!(
                    "unset unless the session type is cmds_params_values (it is {})",
                    self.session_type.msticpy_name()
                ),
            )
            .into());
        }
        Ok(CheckedMarkovParams(self.clone()))
    }
}

/// Fits the model on sessions (at least one).
impl Fit<SessionSet> for CheckedMarkovParams {
    type Fitted = MarkovModel;
    type Error = MarkovError;
    fn fit(&self, sessions: &SessionSet) -> Result<MarkovModel, MarkovError> {
        let p = &self.0;
        if sessions.is_empty() {
            return Err(Error::shape("sessions", "at least one session", "zero sessions").into());
        }
        let params = p.session_type != SessionType::Cmds;
        let values = p.session_type == SessionType::CmdsParamsValues;
        let n = sessions.len();
        let chunks = if p.parallel && n >= 20_000 {
            (rayon::current_num_threads() * 4).min(n / 5_000).max(1)
        } else {
            1
        };
        let partials: Vec<PartialCounts> = (0..chunks)
            .into_par_iter()
            .map(|k| {
                PartialCounts::count(
                    sessions,
                    n * k / chunks..n * (k + 1) / chunks,
                    params,
                    values,
                )
            })
            .collect();
        let merged = partials
            .into_iter()
            .reduce(PartialCounts::absorb)
            .expect("at least one chunk");
        MarkovModel::from_counts(
            p.session_type,
            p.modellable_params.clone(),
            merged.into_counts(sessions),
        )
    }
}
