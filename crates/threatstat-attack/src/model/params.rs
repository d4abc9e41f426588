//! The parameters of a tactic chain: the [`TacticChain::params`] entry
//! point, the [`ChainParams`] builder and its check, and the defaults
//! chosen by leave-one-flow-out on the bundled corpus.
//!
//! # Why a file of its own
//!
//! What a caller may ask for (order, α, collapsing) is checked once here;
//! fitting (`fit`), model selection (`select`) and loading (`persist`)
//! all go through [`ChainParams::check`] (the core [`ParamGuard`]), which
//! returns the [`CheckedChainParams`] every model is built from.

use crate::AttackError;
use serde::{Deserialize, Serialize};
use threatstat_core::{Error, ParamGuard};

/// Default Markov order, chosen by leave-one-flow-out log-likelihood on
/// the bundled Attack Flow corpus (see `threatstat attack loo`).
pub const DEFAULT_ORDER: usize = 2;

/// Default smoothing strength α, chosen with [`DEFAULT_ORDER`] by
/// leave-one-flow-out log-likelihood on the bundled corpus.
pub const DEFAULT_ALPHA: f64 = 16.0;

/// Entry point (linfa style): `TacticChain::params()`.
pub struct TacticChain;

impl TacticChain {
    /// Parameters with defaults: order [`DEFAULT_ORDER`], α = [`DEFAULT_ALPHA`], repeats collapsed.
    pub fn params() -> ChainParams {
        ChainParams::default()
    }
}

/// Parameters of a tactic-chain fit (a builder; `fit` validates them
/// through [`ParamGuard::check`]).
///
/// ```
/// use threatstat_attack::{TacticChain, Catalogue};
/// use threatstat_core::{Error, ParamGuard};
/// let tactics = Catalogue::bundled().tactics();
/// // Two chains over the 14 tactics: IA -> EX, IA -> EX -> DI.
/// let (ia, ex, di) = (2, 3, 8);
/// let m = TacticChain::params().order(1).alpha(1.0)
///     .fit_sequences(tactics, &[vec![ia, ex], vec![ia, ex, di]]).unwrap();
/// // p(EX | IA) = (2 + 1/14) / (2 + 1): IA has 13 other tactics + END allowed.
/// assert!((m.transition(None, Some(ia), Some(ex)) - (2.0 + 1.0 / 14.0) / 3.0).abs() < 1e-12);
/// assert!(TacticChain::params().alpha(0.0).fit_sequences(tactics, &[vec![ia]]).is_err());
/// // A bad parameter is a typed error naming it.
/// let e = TacticChain::params().order(3).check().unwrap_err();
/// assert!(matches!(e, threatstat_attack::AttackError::Core(Error::Param { name: "order", .. })));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChainParams {
    pub(super) order: usize,
    pub(super) alpha: f64,
    pub(super) collapse_repeats: bool,
}

impl Default for ChainParams {
    fn default() -> Self {
        ChainParams {
            order: DEFAULT_ORDER,
            alpha: DEFAULT_ALPHA,
            collapse_repeats: true,
        }
    }
}

impl ChainParams {
    /// Markov order: 1 or 2 (default [`DEFAULT_ORDER`]).
    pub fn order(mut self, order: usize) -> Self {
        self.order = order;
        self
    }

    /// Dirichlet smoothing strength α > 0 (default [`DEFAULT_ALPHA`]).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Merge consecutive repeats of a tactic (default true).
    pub fn collapse_repeats(mut self, yes: bool) -> Self {
        self.collapse_repeats = yes;
        self
    }

    /// The order set.
    pub fn get_order(&self) -> usize {
        self.order
    }

    /// The α set.
    pub fn get_alpha(&self) -> f64 {
        self.alpha
    }

    /// Whether repeats are collapsed.
    pub fn get_collapse_repeats(&self) -> bool {
        self.collapse_repeats
    }
}

/// [`ChainParams`] that passed [`ParamGuard::check`]: the only params a
/// [`TacticChainModel`](super::TacticChainModel) is built from (fit,
/// refit, load). Only `check` constructs one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckedChainParams(ChainParams);

impl CheckedChainParams {
    /// The params checked.
    pub fn params(&self) -> ChainParams {
        self.0
    }
}

impl ParamGuard for ChainParams {
    type Checked = CheckedChainParams;
    type Error = AttackError;

    /// Checks the order (1 or 2) and α (finite, > 0); errors are
    /// [`Error::Param`] naming the parameter.
    fn check(&self) -> Result<CheckedChainParams, AttackError> {
        if !(1..=2).contains(&self.order) {
            return Err(Error::param("order", self.order, "1 or 2").into());
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::param(
                "alpha",
                self.alpha,
                "a finite Dirichlet smoothing strength > 0",
            )
            .into());
        }
        Ok(CheckedChainParams(*self))
    }
}
