//! The Gamma CDF of the credible intervals in O(1) for large shapes,
//! equal to statrs' value up to statrs' own rounding.
//!
//! The intervals of [`crate::ExactPosterior`] are quantiles of mixtures of
//! `Gamma(S + 1, days + α)` found by bisection on statrs' CDF. With 10^5
//! days the shapes reach 10^6 and statrs' series takes thousands of terms
//! per call. Worse, its value carries a rounding error of order 1e-9
//! relative: it multiplies by `exp(a ln x − x − ln Γ(a))`, an exponent
//! computed as the difference of terms near 10^7. The last bisection steps
//! of the old code therefore depend on that error, and a merely *more
//! accurate* CDF would move the last digits of the intervals.
//!
//! [`statrs_gamma_cdf`] keeps the intervals bit for bit: it computes the
//! true `P(a, x)` by Temme's uniform asymptotic expansion (absolute error
//! below 1.1e-17 for `a >= 10^3`, below 1e-18 from 2,000, `|x/a − 1| <=
//! 0.05`, against mpmath) and multiplies it by
//! `exp(ax_statrs − ax_true)`, where `ax_statrs` is statrs' exponent
//! evaluated with the same floating-point operations and `ax_true` the
//! exponent computed without cancellation (`−a·(t − ln(1+t)) + ½ ln(a/2π)
//! − μ(a)`, `t = x/a − 1`, `μ` Stirling's correction). What remains is the
//! rounding of statrs' series sum, about 1e-14 relative; the bisection
//! falls back to statrs wherever the mixture CDF is within
//! [`DECISION_MARGIN`] of the target probability.

use statrs::function::gamma::ln_gamma;

/// Smallest shape of the fast path (below it statrs is fast: its series
/// has about 6·sqrt(a) terms). 1,000 since 2026-12-07 (10^4 before): a
/// 1,000-day series has shapes of a few thousand, and statrs' series of
/// hundreds of terms per component made its HDIs 2 ms.
pub(crate) const FAST_SHAPE: f64 = 1_000.0;

/// Largest `|x/a − 1|` of the fast path (beyond it the exponent of statrs
/// is below −709 for the shapes that matter, or its series converges in
/// a few hundred terms).
const FAST_SPREAD: f64 = 0.05;

/// Largest difference between [`statrs_gamma_cdf`] and statrs' value that
/// a decision of the bisection tolerates: when the fast mixture CDF is
/// closer than this to the target probability, the bisection evaluates
/// statrs: 50× the largest difference measured (2e-13 for shapes 10^4 to
/// 10^7 within 6 standard deviations; 6e-14 for shapes 10^3 to 10^6,
/// `fast_cdf_equals_statrs_up_to_its_series_rounding`).
pub(crate) const DECISION_MARGIN: f64 = 1e-11;

// Temme's C_k(η) as Taylor polynomials in η, derived and checked against
// mpmath by tools/reference/temme_coefficients.py.
include!("gamma_cdf_coefficients.rs");

/// `t − ln(1 + t)` without cancellation, for `|t| <= 0.05`.
pub(crate) fn t_minus_ln1p(t: f64) -> f64 {
    // Σ_{k≥2} (−1)^k t^k / k, to below 1e-17 of the sum.
    let mut sum = 0.0;
    let mut pow = t * t;
    let mut k = 2.0;
    loop {
        let term = pow / k;
        sum += term;
        if term.abs() <= 1e-18 * sum {
            break;
        }
        pow *= -t;
        k += 1.0;
    }
    sum
}

/// `erf(z)` to about 1e-14 absolute (statrs' `erf` is off by up to
/// 1e-10): `2/√π · e^(−z²) · Σ_n 2^n z^(2n+1) / (2n+1)!!`, a series of
/// positive terms (no cancellation), for `|z| < 6`; beyond, `±1` (the
/// difference is below 2e-17).
fn erf(z: f64) -> f64 {
    if z.abs() >= 6.0 {
        return 1.0f64.copysign(z);
    }
    let z2 = z * z;
    let (mut sum, mut term, mut n) = (0.0, z, 0.0);
    loop {
        sum += term;
        n += 1.0;
        term *= 2.0 * z2 / (2.0 * n + 1.0);
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    std::f64::consts::FRAC_2_SQRT_PI * (-z2).exp() * sum
}

/// Horner evaluation of a polynomial with coefficients in increasing order.
fn poly(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// Statrs' `Gamma::new(shape, rate).cdf(x)` (the lower regularised gamma
/// function at `x · rate`) for whole-number-valued `shape >= FAST_SHAPE`
/// and `|x·rate/shape − 1| <= 0.05` in O(1); `None` elsewhere (call
/// statrs). Equal to statrs' value up to the rounding of statrs' series
/// (about 1e-14 relative, see the module documentation).
pub(crate) fn statrs_gamma_cdf(shape: f64, rate: f64, x: f64) -> Option<f64> {
    if !(shape >= FAST_SHAPE && shape.is_finite() && rate.is_finite() && x > 0.0 && x.is_finite()) {
        return None;
    }
    let (a, y) = (shape, x * rate);
    let t = (y - a) / a;
    if t.abs() > FAST_SPREAD {
        return None;
    }
    // statrs::function::gamma::checked_gamma_lr, operation for operation.
    let ax_statrs = a * y.ln() - y - ln_gamma(a);
    if ax_statrs < -709.782_712_893_384 {
        return None;
    }
    let phi = t_minus_ln1p(t);
    let stirling = (1.0 / 12.0 - 1.0 / (360.0 * a * a)) / a;
    let ax_true = -a * phi + 0.5 * (a / (2.0 * std::f64::consts::PI)).ln() - stirling;
    let scale = (ax_statrs - ax_true).exp();
    // Temme: Q = erfc(η sqrt(a/2))/2 + R, P = erfc(−η sqrt(a/2))/2 − R.
    let eta = (2.0 * phi).sqrt().copysign(t);
    let inv_a = 1.0 / a;
    let series = poly(&C0, eta)
        + inv_a * (poly(&C1, eta) + inv_a * (poly(&C2, eta) + inv_a * poly(&C3, eta)));
    let r = (-a * phi).exp() / (2.0 * std::f64::consts::PI * a).sqrt() * series;
    let e = erf(eta * (0.5 * a).sqrt());
    Some(if y <= 1.0 || y <= a {
        // statrs: exp(ax) · Σ (series of the lower function) / a.
        (0.5 * (1.0 + e) - r) * scale
    } else {
        // statrs: 1 − exp(ax) · (continued fraction of the upper function).
        1.0 - (0.5 * (1.0 - e) + r) * scale
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Gamma};
    use threatstat_core::rng::SplitMix64;

    #[test]
    fn fast_cdf_equals_statrs_up_to_its_series_rounding() {
        let mut rng = SplitMix64::new(7);
        let mut worst: f64 = 0.0;
        for _ in 0..3000 {
            let a = (FAST_SHAPE * (1000.0f64).powf(rng.open01())).round();
            let rate = 1e3 * rng.open01() + 1.0;
            let sd = a.sqrt() / a;
            let t = (sd * 6.0).min(0.05) * (2.0 * rng.open01() - 1.0);
            let x = a * (1.0 + t) / rate;
            let want = Gamma::new(a, rate).unwrap().cdf(x);
            let got = statrs_gamma_cdf(a, rate, x).unwrap();
            worst = worst.max((got - want).abs());
        }
        eprintln!("largest difference to statrs: {worst:e}");
        assert!(worst * 20.0 <= DECISION_MARGIN, "{worst:e}");
    }

    #[test]
    fn erf_matches_mpmath() {
        // mpmath.erf at 40 digits, rounded to f64.
        for (z, want) in [
            (0.1, 0.1124629160182849),
            (0.648, 0.6405483113157969),
            (1.3, 0.9340079449406524),
            (2.5, 0.999593047982555),
            (4.0, 0.9999999845827421),
        ] {
            assert!((erf(z) - want).abs() < 1e-15, "{z}: {}", erf(z) - want);
            assert!((erf(-z) + want).abs() < 1e-15);
        }
    }

    #[test]
    fn fast_path_is_declined_outside_its_region() {
        assert!(statrs_gamma_cdf(999.0, 1.0, 999.0).is_none());
        assert!(statrs_gamma_cdf(1e5, 1.0, 1.06e5).is_none());
        assert!(statrs_gamma_cdf(1e5, 1.0, 0.94e5).is_none());
        assert!(statrs_gamma_cdf(1e5, 1.0, 1e5).is_some());
    }
}
