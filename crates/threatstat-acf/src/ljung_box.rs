//! Ljung–Box and Box–Pierce tests: statsmodels'
//! `acorr_ljungbox(x, lags=L, boxpierce=True)` with `model_df=0`, and
//! `q_stat`.
//!
//! With `ρ_k` the statsmodels autocorrelation (global mean, denominator n)
//! and `n` the length of the series, for each lag `h = 1..=L`:
//!
//! ```text
//! Q_LB(h) = n (n + 2) Σ_{k ≤ h} ρ_k² / (n − k)      p = P(χ²_h > Q_LB(h))
//! Q_BP(h) = n Σ_{k ≤ h} ρ_k²                          p = P(χ²_h > Q_BP(h))
//! ```
//!
//! The χ² tail uses the closed forms for integer degrees of freedom (a
//! finite Poisson sum for even df, `erfc` plus a finite sum for odd df,
//! `erfc` from the series and continued fraction of the incomplete gamma
//! function), in log space when `e^{−x/2}` would underflow, so
//! [`chi2_ln_sf`] is accurate where the p-value itself is below
//! `f64::MIN_POSITIVE`. (statrs' `erfc` is off by 1e-10 relative at 0.5,
//! too much for p-values to 1e-9, hence the own implementation.)
//!
//! Calibration: the χ² p-value is statsmodels' and shares its finite-sample
//! error. Q's upper tail is heavier than χ²'s, so the test rejects a true
//! null more often than α in the tail: on 20,000 independent series of 90
//! values at 7 lags, the share with p ≤ 0.01 was 0.015 (Gaussian noise),
//! 0.015 (Poisson(5) counts) and 0.016 (sparse Poisson counts, rates
//! 0.05–0.3), and with p ≤ 0.001 it was 0.0032, 0.0024 and 0.0031; at
//! α = 0.05 it was 0.057, 0.056 and 0.047 (Monte Carlo s.e. ≤ 0.0016; the
//! `calibration` analysis of `threatstat reproduce`). On sparse counts the
//! χ² tail is worse still far out (p = 1e-13 for a series of 4 calls), where
//! Benjamini–Hochberg over many series acts.
//!
//! ```
//! use threatstat_acf::ljung_box;
//! // statsmodels: acorr_ljungbox([0, 1, 4], lags=1, boxpierce=True)
//! let lb = ljung_box(&[0.0, 1.0, 4.0], 1).unwrap();
//! assert!((lb.lb_stat[0] - 0.019723865877712).abs() < 1e-12);
//! assert!((lb.lb_pvalue[0] - 0.888311).abs() < 1e-6);
//! assert!((lb.bp_stat[0] - 0.007889546351085).abs() < 1e-12);
//! ```

use crate::AcfError;
use crate::acf::{AcfMethod, Missing, autocovariance};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

/// Ljung–Box and Box–Pierce statistics for lags `1..=L` (index 0 is lag 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LjungBox {
    /// Length of the series (statsmodels' `nobs`).
    pub nobs: usize,
    /// Ljung–Box Q at lags 1..=L (`lb_stat`).
    pub lb_stat: Vec<f64>,
    /// Its χ² p-values (`lb_pvalue`).
    pub lb_pvalue: Vec<f64>,
    /// Box–Pierce Q (`bp_stat`).
    pub bp_stat: Vec<f64>,
    /// Its χ² p-values (`bp_pvalue`).
    pub bp_pvalue: Vec<f64>,
}

/// statsmodels' `acorr_ljungbox(x, lags=lags, boxpierce=True)` (`model_df=0`).
///
/// Needs `1 ≤ lags ≤ n − 1` (statsmodels fails on more lags than that).
/// A NaN in the series makes every statistic NaN, as in statsmodels.
pub fn ljung_box(x: &[f64], lags: usize) -> Result<LjungBox, AcfError> {
    let n = x.len();
    if lags == 0 || lags >= n {
        return Err(threatstat_core::Error::param(
            "lags",
            lags,
            format!("1 <= lags <= n - 1 (Ljung-Box; n = {n})"),
        )
        .into());
    }
    let (acov, _) = autocovariance(x, Some(lags), false, Missing::None, AcfMethod::Auto)?;
    let rho: Vec<f64> = acov.iter().map(|g| g / acov[0]).collect();
    Ok(ljung_box_from_acf(&rho, n))
}

/// Ljung–Box and Box–Pierce from `ρ_0..=ρ_L` of a series of `n` values.
pub(crate) fn ljung_box_from_acf(rho: &[f64], n: usize) -> LjungBox {
    let lags = rho.len() - 1;
    let nf = n as f64;
    let factor = (n as f64) * ((n + 2) as f64);
    let (mut lb, mut bp) = (Vec::with_capacity(lags), Vec::with_capacity(lags));
    let (mut c_lb, mut c_bp) = (0.0, 0.0);
    for (k, r) in rho.iter().enumerate().skip(1) {
        let r2 = r * r;
        c_lb += r2 / (n - k) as f64;
        c_bp += r2;
        lb.push(factor * c_lb);
        bp.push(nf * c_bp);
    }
    let p = |q: &[f64]| -> Vec<f64> {
        q.iter()
            .enumerate()
            .map(|(i, &s)| chi2_sf(s, i as u64 + 1))
            .collect()
    };
    LjungBox {
        nobs: n,
        lb_pvalue: p(&lb),
        bp_pvalue: p(&bp),
        lb_stat: lb,
        bp_stat: bp,
    }
}

/// Ljung–Box statistics with their p-values (statsmodels' `q_stat`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QStat {
    /// Q at lags 1..=L.
    pub statistic: Vec<f64>,
    /// χ² p-values.
    pub pvalue: Vec<f64>,
}

/// statsmodels' `q_stat(acf, nobs)`: `acf` holds `ρ_1..=ρ_L` (no lag 0).
pub fn q_stat(acf: &[f64], nobs: usize) -> QStat {
    let factor = (nobs as f64) * ((nobs + 2) as f64);
    let mut c = 0.0;
    let statistic: Vec<f64> = acf
        .iter()
        .enumerate()
        .map(|(i, r)| {
            c += (1.0 / (nobs as f64 - (i + 1) as f64)) * (r * r);
            factor * c
        })
        .collect();
    let pvalue = statistic
        .iter()
        .enumerate()
        .map(|(i, &q)| chi2_sf(q, i as u64 + 1))
        .collect();
    QStat { statistic, pvalue }
}

/// `P(χ²_df > x)` for integer `df ≥ 1` (SciPy's `chi2.sf`). NaN for NaN x.
pub fn chi2_sf(x: f64, df: u64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let h = x / 2.0;
    if h <= 700.0 {
        chi2_sf_direct(h, df)
    } else {
        chi2_ln_sf(x, df).exp()
    }
}

/// `ln P(χ²_df > x)`, accurate also where the probability underflows
/// (SciPy's `chi2.logsf` returns −inf there) and where it is close to 1.
pub fn chi2_ln_sf(x: f64, df: u64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return f64::NEG_INFINITY;
    }
    let h = x / 2.0;
    let a = df as f64 / 2.0;
    if h < a + 1.0 {
        // Near 1, ln(1 − P) with the lower tail P from its own series, so
        // that a small P is not lost in 1 − P.
        let p = lower_regularized_gamma_series(a, h);
        if p < 0.1 {
            return (-p).ln_1p();
        }
    }
    if h <= 700.0 {
        return chi2_sf_direct(h, df).ln();
    }
    // e^{−h} underflows: the same sums in log space.
    let ln_h = h.ln();
    let mut ln_terms = Vec::new();
    if df.is_multiple_of(2) {
        // Σ_{j<df/2} h^j / j!
        let mut t = 0.0;
        for j in 0..df / 2 {
            if j > 0 {
                t += ln_h - (j as f64).ln();
            }
            ln_terms.push(t);
        }
    } else {
        // Σ_{j=1}^{(df−1)/2} h^{j−1/2} / Γ(j + 1/2), and erfc(√h) = e^{−h}·(…).
        let mut t = (2.0f64).ln() + 0.5 * (ln_h - std::f64::consts::PI.ln());
        for j in 1..=(df - 1) / 2 {
            if j > 1 {
                t += ln_h - (j as f64 - 0.5).ln();
            }
            ln_terms.push(t);
        }
        ln_terms.push(ln_erfc_sqrt(h) + h);
    }
    -h + log_sum_exp(&ln_terms)
}

/// `P(a, h) = γ(a, h)/Γ(a) = e^{−h} h^a / Γ(a+1) · Σ_k h^k / ((a+1)…(a+k))`;
/// converges fast for `h < a + 1`.
fn lower_regularized_gamma_series(a: f64, h: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let mut d = a;
    for _ in 0..10_000 {
        d += 1.0;
        term *= h / d;
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    (a * h.ln() - h - ln_gamma(a + 1.0)).exp() * sum
}

/// `ln erfc(√h) = ln Q(1/2, h)`: 1 − the series of P(1/2, h) for small h,
/// else the Legendre continued fraction of Q (modified Lentz), whose
/// prefactor `e^{−h} √h / Γ(1/2)` stays in log space.
fn ln_erfc_sqrt(h: f64) -> f64 {
    if h < 1.5 {
        // P(1/2, h) = erf(√h) = 2√(h/π) e^{−h} Σ h^k / ((3/2)(5/2)…(k+1/2))
        let (mut term, mut sum) = (1.0f64, 1.0f64);
        let mut d = 0.5;
        for _ in 0..200 {
            d += 1.0;
            term *= h / d;
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        let erf = 2.0 * (h / std::f64::consts::PI).sqrt() * (-h).exp() * sum;
        return (-erf).ln_1p();
    }
    const TINY: f64 = 1e-300;
    let a = 0.5;
    let mut b = h + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut f = d;
    for i in 1..1000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        f *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    -h + 0.5 * h.ln() - 0.5 * std::f64::consts::PI.ln() + f.ln()
}

/// `erfc(√h)`.
fn erfc_sqrt(h: f64) -> f64 {
    ln_erfc_sqrt(h).exp()
}

use threatstat_core::numerics::log_sum_exp;

/// The closed forms for integer df (`h = x/2 ≤ 700`, so `e^{−h}` is normal).
fn chi2_sf_direct(h: f64, df: u64) -> f64 {
    let e = (-h).exp();
    if df.is_multiple_of(2) {
        // e^{−h} Σ_{j=0}^{df/2−1} h^j / j!
        let (mut term, mut sum) = (1.0f64, 1.0f64);
        for j in 1..df / 2 {
            term *= h / j as f64;
            sum += term;
            if (j as f64) > h && term < sum * 1e-17 {
                break;
            }
        }
        e * sum
    } else {
        // erfc(√h) + e^{−h} Σ_{j=1}^{(df−1)/2} h^{j−1/2} / Γ(j + 1/2)
        let mut sum = 0.0f64;
        if df >= 3 {
            // term_1 = h^{1/2}/Γ(3/2) = 2√(h/π); term_{j+1} = term_j · h/(j + 1/2)
            let mut term = 2.0 * (h / std::f64::consts::PI).sqrt();
            sum = term;
            for j in 1..(df - 1) / 2 {
                term *= h / (j as f64 + 0.5);
                sum += term;
                if (j as f64) > h && term < sum * 1e-17 {
                    break;
                }
            }
        }
        erfc_sqrt(h) + e * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tails_of_small_df() {
        // chi2(2).sf(x) = e^{-x/2}; chi2(1).sf(x) = erfc(sqrt(x/2)).
        for x in [0.1, 1.0, 5.0, 30.0, 200.0] {
            assert!((chi2_sf(x, 2) - (-x / 2.0_f64).exp()).abs() <= 1e-15 * (-x / 2.0_f64).exp());
            assert!((chi2_sf(x, 1) - erfc_sqrt(x / 2.0)).abs() < 1e-300);
        }
        assert_eq!(chi2_sf(0.0, 3), 1.0);
        assert!(chi2_sf(f64::NAN, 3).is_nan());
        assert_eq!(chi2_sf(f64::INFINITY, 3), 0.0);
    }

    #[test]
    fn log_tail_is_continuous_across_the_switch() {
        for df in [1u64, 2, 3, 7, 8, 30, 31] {
            let below = chi2_sf_direct(699.999, df).ln();
            let above = chi2_ln_sf(2.0 * 700.001, df);
            assert!((below - above).abs() < 0.01, "{df}: {below} {above}");
            // d ln sf / dx ≈ −1/2 + (df/2 − 1)/x.
            let a = chi2_ln_sf(2000.0, df);
            let b = chi2_ln_sf(2002.0, df);
            let slope = 0.5 - (df as f64 / 2.0 - 1.0) / 2001.0;
            assert!((a - b - 2.0 * slope).abs() < 1e-3, "{df}");
        }
    }

    #[test]
    fn too_many_lags_is_an_error() {
        assert!(ljung_box(&[1.0, 2.0], 2).is_err());
        assert!(ljung_box(&[1.0, 2.0], 0).is_err());
        assert!(ljung_box(&[1.0, 2.0], 1).is_ok());
    }
}
