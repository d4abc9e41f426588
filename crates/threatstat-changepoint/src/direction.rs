//! Direction of a change: "started doing more" and "stopped" as separate
//! questions.

use crate::numerics::{ln_beta_front, ln_beta_reg, ln_prob_greater};
use serde::{Deserialize, Serialize};

/// Which changes a model considers.
///
/// `Up` restricts the prior to a new rate above the old one (for an
/// episode: the rate inside the episode above the baseline outside it);
/// `Down` to a new rate below the old one; `Any` is the unrestricted model.
///
/// With equal Exponential(α) priors the order has prior probability 1/2, so
/// for each change position the restricted marginal likelihood is exactly
/// the unrestricted one times `2 · P(λ_new > λ_old | data, position)`; that
/// probability is a regularized incomplete beta function of the two Gamma
/// posteriors. Hence `p_any(y) = (p_up(y) + p_down(y)) / 2`, and the
/// posterior probability of an increase under the unrestricted model is
/// `P(up | y) = p_up(y) / (2 p_any(y))`.
///
/// ```
/// use threatstat_changepoint::{ChangePosterior, Direction, Switchpoint};
/// let counts = [5, 6, 4, 5, 6, 1, 0, 1, 0, 1];
/// let down = Switchpoint::params().direction(Direction::Down).fit(&counts).unwrap();
/// let up = Switchpoint::params().direction(Direction::Up).fit(&counts).unwrap();
/// assert!(down.log_bayes_factor() > up.log_bayes_factor());
/// assert!(down.lambda_2_mean() < down.lambda_1_mean());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Any change (the unrestricted model).
    #[default]
    Any,
    /// The new (or episode) rate is above the old (or baseline) rate.
    Up,
    /// The new (or episode) rate is below the old (or baseline) rate.
    Down,
}

impl Direction {
    /// `ln` of the factor by which the restriction multiplies the marginal
    /// likelihood of one change position: `ln 2 + ln P(order | data)`, for
    /// `λ_new ~ Gamma(a_new, b_new)` and `λ_old ~ Gamma(a_old, b_old)`
    /// a posteriori; 0 for `Any`.
    #[inline]
    pub(crate) fn ln_factor(self, a_old: u64, b_old: f64, a_new: u64, b_new: f64) -> f64 {
        match self {
            Direction::Any => 0.0,
            Direction::Up => std::f64::consts::LN_2 + ln_prob_greater(a_new, b_new, a_old, b_old),
            Direction::Down => std::f64::consts::LN_2 + ln_prob_greater(a_old, b_old, a_new, b_new),
        }
    }

    /// Posterior means `(E[λ_old], E[λ_new])` of one change position under
    /// the restriction: with `X' ~ Gamma(a+1, b)` the size-biased version of
    /// `X`, `E[X · 1{X > Y}] = (a/b) · P(X' > Y)`, and `P(X' > Y)` follows
    /// from `P(X > Y)` by the incomplete beta recurrences.
    pub(crate) fn means(self, a_old: u64, b_old: f64, a_new: u64, b_new: f64) -> (f64, f64) {
        let r = self.factor_and_means(a_old, b_old, a_new, b_new);
        (r.1, r.2)
    }

    /// `(ln_factor, E[λ_old], E[λ_new])` with one incomplete beta evaluation.
    #[inline]
    pub(crate) fn factor_and_means(
        self,
        a_old: u64,
        b_old: f64,
        a_new: u64,
        b_new: f64,
    ) -> (f64, f64, f64) {
        let m_old = a_old as f64 / b_old;
        let m_new = a_new as f64 / b_new;
        let ln2 = std::f64::consts::LN_2;
        match self {
            Direction::Any => (0.0, m_old, m_new),
            Direction::Up => {
                // P(new > old) = I_x(a_old, a_new), x = b_old / (b_old + b_new).
                let x = b_old / (b_old + b_new);
                let ln_p = ln_beta_reg(a_old, a_new, x);
                let f = (ln_beta_front(a_old, a_new, x) - ln_p).exp();
                (
                    ln2 + ln_p,
                    m_old * (1.0 - f / a_old as f64).max(0.0),
                    m_new * (1.0 + f / a_new as f64),
                )
            }
            Direction::Down => {
                let x = b_new / (b_old + b_new);
                let ln_p = ln_beta_reg(a_new, a_old, x);
                let f = (ln_beta_front(a_new, a_old, x) - ln_p).exp();
                (
                    ln2 + ln_p,
                    m_old * (1.0 + f / a_old as f64),
                    m_new * (1.0 - f / a_new as f64).max(0.0),
                )
            }
        }
    }

    /// The name used on the command line and in JSON.
    ///
    /// ```
    /// assert_eq!(threatstat_changepoint::Direction::Up.name(), "up");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Direction::Any => "any",
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = crate::ChangepointError;
    /// Parses `any`, `up` or `down`.
    ///
    /// ```
    /// use threatstat_changepoint::Direction;
    /// assert_eq!("down".parse::<Direction>().unwrap(), Direction::Down);
    /// assert!("sideways".parse::<Direction>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "any" => Ok(Direction::Any),
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            _ => {
                Err(
                    threatstat_core::Error::param("direction", format!("`{s}`"), "any, up or down")
                        .into(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{Continuous, ContinuousCDF, Gamma};

    #[test]
    fn restricted_means_match_quadrature() {
        let (a0, b0, a1, b1) = (7u64, 3.5, 11u64, 4.0);
        let g0 = Gamma::new(a0 as f64, b0).unwrap();
        let g1 = Gamma::new(a1 as f64, b1).unwrap();
        // E[λ1 | λ1 > λ0] and E[λ0 | λ1 > λ0] by quadrature over λ1.
        let p = crate::numerics::integrate(|x| g1.pdf(x) * g0.cdf(x), 0.0, 30.0);
        let e1 = crate::numerics::integrate(|x| x * g1.pdf(x) * g0.cdf(x), 0.0, 30.0) / p;
        let e0 = crate::numerics::integrate(|x| g0.pdf(x) * x * (1.0 - g1.cdf(x)), 0.0, 30.0) / p;
        let (m0, m1) = Direction::Up.means(a0, b0, a1, b1);
        assert!(
            (m0 - e0).abs() < 1e-9 && (m1 - e1).abs() < 1e-9,
            "{m0} {e0} {m1} {e1}"
        );
        let lnf = Direction::Up.ln_factor(a0, b0, a1, b1);
        assert!((lnf.exp() - 2.0 * p).abs() < 1e-10);
        let d = Direction::Down.ln_factor(a0, b0, a1, b1).exp();
        assert!((d / 2.0 + p - 1.0).abs() < 1e-12);
    }
}
