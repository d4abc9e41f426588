//! Numerical pieces shared by the models: the log of the regularized
//! incomplete beta function (the probability that one Gamma variable
//! exceeds another), Poisson–Gamma segment marginals over prefix sums with
//! exposures, log-sum-exp and Gauss–Legendre quadrature.

use crate::ChangepointError;
use crate::exact::ln_factorial;
use std::sync::OnceLock;
use threatstat_core::Error;

/// `ln B(a, b)` for whole-number `a, b >= 1`.
fn ln_beta_int(a: u64, b: u64) -> f64 {
    ln_factorial(a - 1) + ln_factorial(b - 1) - ln_factorial(a + b - 1)
}

/// `ln(x^a (1−x)^b / B(a, b))`, the term by which `I_x` changes when a
/// shape grows by one: `I_x(a, b+1) = I_x(a, b) + front / b` and
/// `I_x(a+1, b) = I_x(a, b) − front / a`.
pub(crate) fn ln_beta_front(a: u64, b: u64, x: f64) -> f64 {
    a as f64 * x.ln() + b as f64 * (-x).ln_1p() - ln_beta_int(a, b)
}

/// `ln Σ_{j=lo}^{hi} C(n, j) x^j (1−x)^(n−j)`, summed outward from the
/// largest term (binomial terms are unimodal), so nothing overflows.
fn ln_binomial_range(n: u64, lo: u64, hi: u64, x: f64) -> f64 {
    let (lx, l1x) = (x.ln(), (-x).ln_1p());
    let q = (lx - l1x).exp();
    let mode = (((n + 1) as f64 * x).floor() as u64).min(n);
    let top = mode.clamp(lo, hi);
    let ln_top = ln_factorial(n) - ln_factorial(top) - ln_factorial(n - top)
        + top as f64 * lx
        + (n - top) as f64 * l1x;
    let mut sum = 1.0;
    let mut t = 1.0;
    for j in top..hi {
        t *= (n - j) as f64 / (j + 1) as f64 * q;
        sum += t;
        if t < 1e-17 * sum {
            break;
        }
    }
    t = 1.0;
    for j in (lo + 1..=top).rev() {
        t *= j as f64 / ((n - j + 1) as f64 * q);
        sum += t;
        if t < 1e-17 * sum {
            break;
        }
    }
    ln_top + sum.ln()
}

/// `ln I_x(a, b)`, the log of the regularized incomplete beta function,
/// for whole-number shapes `a, b >= 1` (the shapes of Gamma posteriors
/// under an Exponential prior are counts + 1), accurate in log space also
/// when `I_x` underflows. With `n = a + b − 1`, `I_x(a, b) = P(Binomial(n,
/// x) >= a)`: summed directly when `a` is above the mode (every term
/// positive, decreasing from the first), else as one minus the lower tail
/// (then at most about one half, so no cancellation). Either sum stops
/// when its terms fall below 1e-17 of it, after about nine standard
/// deviations of the binomial.
pub(crate) fn ln_beta_reg(a: u64, b: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let n = a + b - 1;
    let mode = (((n + 1) as f64 * x).floor() as u64).min(n);
    if a > mode {
        ln_binomial_range(n, a, n, x)
    } else {
        (-ln_binomial_range(n, 0, a - 1, x).exp().min(1.0)).ln_1p()
    }
}

/// `ln P(X > Y)` for independent `X ~ Gamma(ax, rate bx)` and
/// `Y ~ Gamma(ay, rate by)` with whole-number shapes:
/// `P(X > Y) = I_{by/(bx+by)}(ay, ax)`.
pub(crate) fn ln_prob_greater(ax: u64, bx: f64, ay: u64, by: f64) -> f64 {
    ln_beta_reg(ay, ax, by / (bx + by))
}

/// Sufficient statistics of a count series with exposures: prefix sums of
/// counts and of exposures, and the terms of the log-likelihood that every
/// model shares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prefix {
    /// `s[k]` = sum of the counts of days `0..k`.
    pub s: Vec<u64>,
    /// `e[k]` = sum of the exposures of days `0..k` (`k` without exposures).
    pub e: Option<Vec<f64>>,
    /// `Σ_t (y_t ln m_t − ln y_t!)`, common to every model.
    pub common: f64,
}

impl Prefix {
    /// Checks the exposures (same length, finite, > 0) and builds the sums.
    pub fn new(counts: &[u32], exposures: Option<&[f64]>) -> Result<Self, ChangepointError> {
        if counts.is_empty() {
            return Err(empty_series());
        }
        if let Some(m) = exposures {
            if m.len() != counts.len() {
                return Err(Error::shape(
                    "exposures",
                    format!("{} values (one per day of the counts)", counts.len()),
                    format!("{} values", m.len()),
                )
                .into());
            }
            if let Some((t, x)) = m
                .iter()
                .enumerate()
                .find(|(_, x)| !(x.is_finite() && **x > 0.0))
            {
                return Err(bad_exposure(*x, t));
            }
        }
        let mut s = Vec::with_capacity(counts.len() + 1);
        s.push(0u64);
        let mut common = 0.0;
        let mut acc = 0u64;
        for &c in counts {
            acc += u64::from(c);
            s.push(acc);
            common -= ln_factorial(u64::from(c));
        }
        let e = exposures.map(|m| {
            let mut e = Vec::with_capacity(m.len() + 1);
            let mut acc = 0.0;
            e.push(0.0);
            for (&x, &c) in m.iter().zip(counts) {
                acc += x;
                e.push(acc);
                common += f64::from(c) * x.ln();
            }
            e
        });
        Ok(Prefix { s, e, common })
    }

    /// Number of days.
    pub fn n(&self) -> usize {
        self.s.len() - 1
    }

    /// Total count.
    pub fn total(&self) -> u64 {
        self.s[self.n()]
    }

    /// Exposure of days `0..k`.
    #[inline]
    pub fn exp_to(&self, k: usize) -> f64 {
        match &self.e {
            Some(e) => e[k],
            None => k as f64,
        }
    }

    /// (count, exposure) of days `a..b`.
    #[inline]
    pub fn seg(&self, a: usize, b: usize) -> (u64, f64) {
        (self.s[b] - self.s[a], self.exp_to(b) - self.exp_to(a))
    }

    /// The default α: total exposure / total count (1 / mean rate).
    pub fn default_alpha(&self) -> Result<f64, ChangepointError> {
        alpha_for(None, self.n(), self.exp_to(self.n()), self.total())
    }
}

/// Validates an explicit α or computes the default one.
pub(crate) fn resolve_alpha(alpha: Option<f64>, p: &Prefix) -> Result<f64, ChangepointError> {
    alpha_for(alpha, p.n(), p.exp_to(p.n()), p.total())
}

/// α of a series of `days` days with total `exposure` and `total` count:
/// `alpha` if set, else the default exposure / total (1 / mean rate);
/// either must be finite and > 0.
pub(crate) fn alpha_for(
    alpha: Option<f64>,
    days: usize,
    exposure: f64,
    total: u64,
) -> Result<f64, ChangepointError> {
    if days == 0 {
        return Err(empty_series());
    }
    let alpha = match alpha {
        Some(a) => a,
        None if total == 0 => {
            return Err(Error::data(
                "counts",
                "all counts are zero, so the default α = 1/mean is undefined; set α explicitly",
            )
            .into());
        }
        None => exposure / total as f64,
    };
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(Error::param("alpha", alpha, "a finite number > 0").into());
    }
    Ok(alpha)
}

/// The error of a series without a day.
pub(crate) fn empty_series() -> ChangepointError {
    Error::shape("the series", "at least 1 day", "0 days").into()
}

/// `n` days, in words ("1 day", "3 days").
pub(crate) fn days(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The error of an exposure `m` on day `t` that is not finite and > 0.
pub(crate) fn bad_exposure(m: f64, t: usize) -> ChangepointError {
    Error::data(
        "exposures",
        format!("exposures must be finite and > 0, found {m} on day {t}"),
    )
    .into()
}

/// `ln ∫ Π_t Poisson(y_t; λ m_t) · Exponential(λ; α) dλ` of a segment with
/// count `s` and exposure `e`, without the common term
/// ([`Prefix::common`]): `ln α + ln s! − (s+1) ln(e + α)`.
#[inline]
pub(crate) fn ln_segment(s: u64, e: f64, alpha: f64, ln_alpha: f64) -> f64 {
    ln_segment_at(s, ln_alpha, (e + alpha).ln())
}

/// [`ln_segment`] with `ln(e + α)` given (the exact posterior tabulates it).
#[inline]
pub(crate) fn ln_segment_at(s: u64, ln_alpha: f64, ln_e_alpha: f64) -> f64 {
    ln_alpha + ln_factorial(s) - (s + 1) as f64 * ln_e_alpha
}

pub(crate) use threatstat_core::numerics::{log_add, log_sum_exp};

/// Nodes and weights of 96-point Gauss–Legendre quadrature on [-1, 1].
fn gauss_legendre() -> &'static [(f64, f64)] {
    static GL: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    GL.get_or_init(|| {
        const N: usize = 96;
        let mut out = Vec::with_capacity(N);
        for i in 1..=N {
            let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (N as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=N {
                    let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                    p0 = p1;
                    p1 = p2;
                }
                dp = N as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-16 {
                    break;
                }
            }
            out.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
        }
        out
    })
}

/// `∫_lo^hi f` by 96-point Gauss–Legendre quadrature on 8 equal panels.
pub(crate) fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return 0.0;
    }
    let panels = 8;
    let w = (hi - lo) / panels as f64;
    let mut total = 0.0;
    for p in 0..panels {
        let (a, b) = (lo + p as f64 * w, lo + (p + 1) as f64 * w);
        let (mid, half) = (0.5 * (a + b), 0.5 * (b - a));
        total += half
            * gauss_legendre()
                .iter()
                .map(|&(x, wt)| wt * f(mid + half * x))
                .sum::<f64>();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ln I_x(a, b) = ln P(Binomial(a+b-1, x) >= a)` for whole numbers.
    fn ln_binomial_tail(a: u64, b: u64, x: f64) -> f64 {
        let n = a + b - 1;
        let terms: Vec<f64> = (a..=n)
            .map(|j| {
                ln_factorial(n) - ln_factorial(j) - ln_factorial(n - j)
                    + j as f64 * x.ln()
                    + (n - j) as f64 * (-x).ln_1p()
            })
            .collect();
        log_sum_exp(&terms)
    }

    #[test]
    fn log_incomplete_beta_matches_the_binomial_tail() {
        for &(a, b) in &[
            (1, 1),
            (1, 7),
            (3, 2),
            (20, 30),
            (150, 90),
            (1000, 1200),
            (2, 3000),
        ] {
            for &x in &[1e-6, 0.01, 0.2, 0.45, 0.5, 0.55, 0.8, 0.99, 1.0 - 1e-9] {
                let (got, want) = (ln_beta_reg(a, b, x), ln_binomial_tail(a, b, x));
                let tol = 1e-10 * want.abs().max(1.0);
                assert!(
                    (got - want).abs() < tol,
                    "a={a} b={b} x={x}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn incomplete_beta_matches_statrs_where_representable() {
        for &(a, b, x) in &[
            (5u64, 9u64, 0.3),
            (40, 41, 0.5),
            (2, 2, 0.9),
            (900, 20, 0.97),
            (300, 280, 0.52),
            (1200, 1500, 0.45),
            (7, 3000, 0.002),
        ] {
            let s = statrs::function::beta::beta_reg(a as f64, b as f64, x);
            assert!(
                (ln_beta_reg(a, b, x).exp() - s).abs() < 1e-11,
                "{a} {b} {x}"
            );
        }
    }

    #[test]
    fn quadrature_integrates_a_gamma_density() {
        use statrs::distribution::{Continuous, Gamma};
        let g = Gamma::new(30.0, 2.0).unwrap();
        let v = integrate(|x| g.pdf(x), 0.0, 60.0);
        assert!((v - 1.0).abs() < 1e-12, "{v}");
    }
}
