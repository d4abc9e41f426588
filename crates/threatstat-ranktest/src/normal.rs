//! The standard normal distribution: CDF, its logarithm far into the tail,
//! and quantiles, accurate to a few ulps relative to the value near the
//! centre and to about 5e-15 relative in the far tail (checked against exact
//! values: ndtr(−1) 3 ulps, ndtr(−10) 21 ulps, log_ndtr at −10, −38, −40 and
//! ndtri at 0.025, 0.975 within 2 ulps; the test allows 4 ulps, and 32 for
//! ndtr in the tail). statrs' `erfc` loses about 1e-10 relative near
//! |x| = 1, too much for p-values that must match SciPy's to 1e-9.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// `exp(−z²)` without the rounding error of `z·z` (which would cost about
/// `2z²·ε` relative far in the tail): split `z = h + l` with `h` short
/// enough that `h²` is exact.
fn exp_neg_sq(z: f64) -> f64 {
    let h = (z * 1048576.0).trunc() / 1048576.0;
    let l = z - h;
    (-h * h).exp() * (-(l * (z + h))).exp()
}

/// erfc(z) for z >= 1 by the continued fraction
/// `erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...))))`
/// (modified Lentz).
fn erfc_cf(z: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = z;
    let mut c = z;
    let mut d = 0.0;
    for k in 1..5000 {
        let a = k as f64 / 2.0;
        d = z + a * d;
        if d == 0.0 {
            d = tiny;
        }
        c = z + a / c;
        if c == 0.0 {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-17 {
            break;
        }
    }
    exp_neg_sq(z) / (PI.sqrt() * f)
}

/// erf(z) for |z| < 1 by the series with positive terms
/// `erf(z) = 2/√π · exp(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1))`.
fn erf_series(z: f64) -> f64 {
    let z2 = 2.0 * z * z;
    let mut term = z;
    let mut sum = z;
    for n in 1..200 {
        term *= z2 / (2 * n + 1) as f64;
        sum += term;
        if term.abs() < sum.abs() * 1e-17 {
            break;
        }
    }
    2.0 / PI.sqrt() * exp_neg_sq(z) * sum
}

/// The complementary error function.
pub(crate) fn erfc(z: f64) -> f64 {
    if z.is_nan() {
        f64::NAN
    } else if z < -1.0 {
        2.0 - erfc_cf(-z)
    } else if z < 1.0 {
        1.0 - erf_series(z)
    } else if z > 27.3 {
        0.0
    } else {
        erfc_cf(z)
    }
}

/// Φ(x), as `scipy.special.ndtr`, accurate relative to the value in both
/// tails (it is 0 only below x ≈ −38.5).
pub(crate) fn ndtr(x: f64) -> f64 {
    0.5 * erfc(-x * FRAC_1_SQRT_2)
}

/// ln Φ(x), finite far beyond the point where Φ(x) underflows (as
/// `scipy.special.log_ndtr`).
pub(crate) fn log_ndtr(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x > 0.0 {
        // Φ(x) = 1 − Φ(−x): log1p keeps the tiny complement.
        return (-ndtr(-x)).ln_1p();
    }
    if x > -30.0 {
        return ndtr(x).ln();
    }
    if x == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    // Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + ...), x → −∞.
    let x2 = x * x;
    let mut term = 1.0;
    let mut s = 1.0;
    for k in 1..12 {
        term *= -((2 * k - 1) as f64) / x2;
        s += term;
    }
    -0.5 * x2 - (-x).ln() - 0.5 * (2.0 * PI).ln() + s.ln()
}

/// Φ⁻¹(p) (`qnorm`, `scipy.special.ndtri`) for 0 < p < 1: statrs' inverse
/// as a start, polished by Newton steps on the accurate Φ.
pub(crate) fn ndtri(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    // Work in the lower tail for accuracy.
    if p > 0.5 {
        return -ndtri(1.0 - p);
    }
    let mut x = -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p);
    for _ in 0..3 {
        let pdf = (-0.5 * x * x).exp() / (2.0 * PI).sqrt();
        if pdf == 0.0 {
            break;
        }
        let step = (ndtr(x) - p) / pdf;
        x -= step;
        if step.abs() <= 1e-16 * x.abs() {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// The module docs' bounds: at most 4 ulps from the exact values (32 for
    /// ndtr(−10), about 5e-15 relative)
    /// (correctly rounded, from 60-digit continued fractions by
    /// tools/reference/normal_exact.py; SciPy's ndtr(−10) is itself 30 ulps
    /// off, 7.61985302416047e-24).
    #[test]
    fn within_a_few_ulps_of_the_exact_values() {
        let cases = [
            (ndtr(-1.0), 0.15865525393145705),
            (ndtr(-10.0), 7.619853024160525e-24),
            (log_ndtr(-10.0), -53.23128515051247),
            (log_ndtr(-38.0), -726.5572160188201),
            (log_ndtr(-40.0), -804.6084420137538),
            (ndtri(0.025), -1.959963984540054),
            (ndtri(0.975), 1.959963984540054),
        ];
        for (i, (got, want)) in cases.into_iter().enumerate() {
            let allowed = if i == 1 { 32 } else { 4 };
            assert!(ulps(got, want) <= allowed, "case {i}: {got:e} vs {want:e}");
        }
    }

    #[test]
    fn known_values() {
        // scipy.special.ndtr / log_ndtr / ndtri (SciPy 1.17.1)
        assert!(
            rel(ndtr(-1.0), 0.15865525393145707) < 2e-15,
            "{:e}",
            ndtr(-1.0)
        );
        assert!(rel(ndtr(-10.0), 7.61985302416047e-24) < 1e-14);
        assert!(rel(log_ndtr(-40.0), -804.6084420137539) < 1e-15);
        assert!(rel(log_ndtr(-38.0), -726.5572160188201) < 1e-15);
        assert!(rel(log_ndtr(-10.0), -53.23128515051248) < 1e-15);
        // continuity of the two branches at −30
        let (a, b) = (log_ndtr(-30.0 + 1e-9), log_ndtr(-30.0 - 1e-9));
        assert!((a - b).abs() < 1e-7);
        assert!(rel(ndtri(0.025), -1.9599639845400545) < 1e-15);
        assert!(rel(ndtri(0.975), 1.959963984540054) < 1e-15);
    }
}
