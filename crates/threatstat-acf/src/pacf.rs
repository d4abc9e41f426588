//! Partial autocorrelation: statsmodels' `pacf` (0.15.0) with its default
//! method (Yule–Walker with the adjusted autocovariance) and the
//! Durbin–Levinson methods `ld` and `ldb`.
//!
//! The partial autocorrelation at lag k is the last coefficient of the
//! AR(k) model fitted by the Yule–Walker equations `R φ = r` (R the
//! Toeplitz matrix of the autocovariances `r_0..r_{k−1}`):
//!
//! * [`PacfMethod::YuleWalkerAdjusted`] (`"yw"`, statsmodels' default):
//!   `r_j = Σ x_t x_{t+j} / (n − j)`, each order solved as statsmodels does
//!   (`np.linalg.solve`, LU with partial pivoting; an exactly singular
//!   system falls back to the pseudo-inverse, as statsmodels' `pinv`).
//! * [`PacfMethod::YuleWalkerMle`] (`"ywm"`): the same with `r_j / n`.
//! * [`PacfMethod::LevinsonDurbinAdjusted`] (`"ld"`) and
//!   [`PacfMethod::LevinsonDurbinBiased`] (`"ldb"`): the Durbin–Levinson
//!   recursion on the adjusted or biased autocovariances, step for step as
//!   statsmodels' `levinson_durbin`.
//!
//! In exact arithmetic `yw = ld` and `ywm = ldb`; they differ in rounding
//! and on degenerate series: for a constant series `yw` gives zeros (the
//! pseudo-inverse of a zero matrix) and `ld` NaN, exactly as statsmodels.
//!
//! ```
//! use threatstat_acf::{Pacf, PacfMethod};
//! // An AR(1)-like series: large lag-1 partial autocorrelation.
//! let x: Vec<f64> = (0..200).map(|i| ((i as f64) * 0.3).sin() + 0.1 * ((i * 7 % 11) as f64)).collect();
//! let p = Pacf::params().nlags(5).fit(&x).unwrap();
//! assert_eq!(p.len(), 6);
//! assert_eq!(p[0], 1.0);
//! let q = Pacf::params().nlags(5).method(PacfMethod::LevinsonDurbinAdjusted).fit(&x).unwrap();
//! for k in 0..6 {
//!     assert!((p[k] - q[k]).abs() < 1e-12);
//! }
//! ```

use crate::AcfError;
use crate::acf::direct_sums;
use crate::numeric::{numpy_mean, pairwise_sum};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use threatstat_core::Error;

/// Estimator of the partial autocorrelation (statsmodels' `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PacfMethod {
    /// `"yw"`, `"ywa"`, `"ywadjusted"`, `"yw_adjusted"`: statsmodels' default.
    #[default]
    YuleWalkerAdjusted,
    /// `"ywm"`, `"ywmle"`, `"yw_mle"`.
    YuleWalkerMle,
    /// `"ld"`, `"lda"`, `"ldadjusted"`, `"ld_adjusted"`.
    LevinsonDurbinAdjusted,
    /// `"ldb"`, `"ldbiased"`, `"ld_biased"`.
    LevinsonDurbinBiased,
}

impl PacfMethod {
    /// statsmodels' canonical name.
    pub fn statsmodels_name(self) -> &'static str {
        match self {
            PacfMethod::YuleWalkerAdjusted => "ywadjusted",
            PacfMethod::YuleWalkerMle => "ywmle",
            PacfMethod::LevinsonDurbinAdjusted => "ldadjusted",
            PacfMethod::LevinsonDurbinBiased => "ldbiased",
        }
    }

    fn adjusted(self) -> bool {
        matches!(
            self,
            PacfMethod::YuleWalkerAdjusted | PacfMethod::LevinsonDurbinAdjusted
        )
    }
}

impl FromStr for PacfMethod {
    type Err = AcfError;
    fn from_str(s: &str) -> Result<Self, AcfError> {
        Ok(match s {
            "yw" | "ywa" | "ywadjusted" | "yw_adjusted" => PacfMethod::YuleWalkerAdjusted,
            "ywm" | "ywmle" | "yw_mle" => PacfMethod::YuleWalkerMle,
            "ld" | "lda" | "ldadjusted" | "ld_adjusted" => PacfMethod::LevinsonDurbinAdjusted,
            "ldb" | "ldbiased" | "ld_biased" => PacfMethod::LevinsonDurbinBiased,
            other => {
                return Err(Error::param(
                    "method",
                    format!("`{other}`"),
                    "a pacf method: yw, ywm, ld, ldb or their statsmodels aliases",
                )
                .into());
            }
        })
    }
}

/// Entry point: `Pacf::params()`.
pub struct Pacf;

impl Pacf {
    /// Parameters with statsmodels' defaults (Yule–Walker adjusted,
    /// `nlags = max(min(⌊10·log10 n⌋, n/2 − 1), 1)`).
    pub fn params() -> PacfParams {
        PacfParams::default()
    }
}

/// Parameters of the partial autocorrelation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacfParams {
    nlags: Option<usize>,
    method: PacfMethod,
}

impl PacfParams {
    /// Largest lag; statsmodels requires `nlags ≤ n/2`.
    pub fn nlags(mut self, nlags: usize) -> Self {
        self.nlags = Some(nlags);
        self
    }

    /// The estimator (default [`PacfMethod::YuleWalkerAdjusted`]).
    pub fn method(mut self, method: PacfMethod) -> Self {
        self.method = method;
        self
    }

    /// statsmodels' default: `max(min(int(10·log10 n), n // 2 − 1), 1)`.
    pub fn default_nlags(n: usize) -> usize {
        let a = if n == 0 {
            0
        } else {
            (10.0 * (n as f64).log10()) as i64
        };
        let b = (n / 2) as i64 - 1;
        a.min(b).max(1) as usize
    }

    /// Partial autocorrelations at lags `0..=nlags` (`pacf[0] = 1`). NaN in
    /// the series propagates (statsmodels' `pacf` has no `missing` option).
    pub fn fit(&self, x: &[f64]) -> Result<Vec<f64>, AcfError> {
        let n = x.len();
        let nlags = self.nlags.unwrap_or_else(|| Self::default_nlags(n));
        if nlags == 0 || nlags > n / 2 {
            return Err(Error::param(
                "nlags",
                nlags,
                format!(
                    "1 <= nlags <= n/2 = {} (statsmodels' limit; n = {n})",
                    n / 2
                ),
            )
            .into());
        }
        let adjusted = self.method.adjusted();
        match self.method {
            PacfMethod::YuleWalkerAdjusted | PacfMethod::YuleWalkerMle => {
                Ok(yule_walker_pacf(x, nlags, adjusted))
            }
            PacfMethod::LevinsonDurbinAdjusted | PacfMethod::LevinsonDurbinBiased => {
                let mean = numpy_mean(x);
                let xo: Vec<f64> = x.iter().map(|v| v - mean).collect();
                let sums = direct_sums(&xo, nlags);
                let acov: Vec<f64> = sums
                    .iter()
                    .enumerate()
                    .map(|(k, s)| s / if adjusted { (n - k) as f64 } else { n as f64 })
                    .collect();
                Ok(levinson_durbin_pacf(&acov, nlags))
            }
        }
    }
}

/// statsmodels' `levinson_durbin(acov, nlags, isacov=True).pacf`.
pub(crate) fn levinson_durbin_pacf(s: &[f64], order: usize) -> Vec<f64> {
    // phi[j][k]: coefficient j of the AR(k) model.
    let mut phi = vec![vec![0.0f64; order + 1]; order + 1];
    let mut sig = vec![0.0f64; order + 1];
    phi[1][1] = s[1] / s[0];
    sig[1] = s[0] - phi[1][1] * s[1];
    for k in 2..=order {
        let mut acc = 0.0;
        for j in 1..k {
            acc += phi[j][k - 1] * s[k - j];
        }
        phi[k][k] = (s[k] - acc) / sig[k - 1];
        for j in 1..k {
            phi[j][k] = phi[j][k - 1] - phi[k][k] * phi[k - j][k - 1];
        }
        sig[k] = sig[k - 1] * (1.0 - phi[k][k] * phi[k][k]);
    }
    let mut out: Vec<f64> = (0..=order).map(|k| phi[k][k]).collect();
    out[0] = 1.0;
    out
}

/// statsmodels' `pacf_yw`: `yule_walker(x, k, method)[0][-1]` for each k.
fn yule_walker_pacf(x: &[f64], nlags: usize, adjusted: bool) -> Vec<f64> {
    let n = x.len();
    let mean = numpy_mean(x);
    let xo: Vec<f64> = x.iter().map(|v| v - mean).collect();
    // r_j as yule_walker computes it: (x[:-j] * x[j:]).sum() / (n - j·adj).
    let mut prod = Vec::with_capacity(n);
    let r: Vec<f64> = (0..=nlags)
        .map(|j| {
            prod.clear();
            prod.extend(xo[..n - j].iter().zip(&xo[j..]).map(|(a, b)| a * b));
            let d = if adjusted && j > 0 { n - j } else { n };
            pairwise_sum(&prod) / d as f64
        })
        .collect();
    let mut out = vec![1.0];
    for k in 1..=nlags {
        let a: Vec<Vec<f64>> = (0..k)
            .map(|i| (0..k).map(|j| r[i.abs_diff(j)]).collect())
            .collect();
        let b = &r[1..=k];
        let rho = lu_solve(a.clone(), b).unwrap_or_else(|| pinv_solve_symmetric(&a, b));
        out.push(rho[k - 1]);
    }
    out
}

/// Gaussian elimination with partial pivoting (LAPACK `dgesv`'s choice of
/// pivot: the first largest |a|); `None` when a pivot is exactly zero
/// (LAPACK's "singular" report).
fn lu_solve(mut a: Vec<Vec<f64>>, b: &[f64]) -> Option<Vec<f64>> {
    let k = b.len();
    let mut b = b.to_vec();
    for c in 0..k {
        let mut p = c;
        for i in c + 1..k {
            if a[i][c].abs() > a[p][c].abs() {
                p = i;
            }
        }
        if a[p][c] == 0.0 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let (top, rest) = a.split_at_mut(c + 1);
        let pivot_row = &top[c];
        for (i, row) in rest.iter_mut().enumerate() {
            let f = row[c] / pivot_row[c];
            if f != 0.0 {
                for (x, &pv) in row[c..].iter_mut().zip(&pivot_row[c..]) {
                    *x -= f * pv;
                }
                b[c + 1 + i] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let mut s = b[i];
        for j in i + 1..k {
            s -= a[i][j] * x[j];
        }
        x[i] = s / a[i][i];
    }
    Some(x)
}

/// `pinv(A) @ b` for symmetric A, as NumPy's `pinv` (singular values below
/// `1e-15 · max` dropped), from a cyclic Jacobi eigendecomposition.
fn pinv_solve_symmetric(a: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let k = b.len();
    let mut m: Vec<Vec<f64>> = a.to_vec();
    let mut v: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i][j] * m[i][j])
            .sum();
        if off == 0.0 || !off.is_finite() {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                if m[p][q] == 0.0 {
                    continue;
                }
                let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in m.iter_mut() {
                    let (mrp, mrq) = (row[p], row[q]);
                    row[p] = c * mrp - s * mrq;
                    row[q] = s * mrp + c * mrq;
                }
                let (head, tail) = m.split_at_mut(q);
                let (row_p, row_q) = (&mut head[p], &mut tail[0]);
                for (mpr, mqr) in row_p.iter_mut().zip(row_q.iter_mut()) {
                    let (u, w) = (*mpr, *mqr);
                    *mpr = c * u - s * w;
                    *mqr = s * u + c * w;
                }
                for row in v.iter_mut() {
                    let (vp, vq) = (row[p], row[q]);
                    row[p] = c * vp - s * vq;
                    row[q] = s * vp + c * vq;
                }
            }
        }
    }
    let eig: Vec<f64> = (0..k).map(|i| m[i][i]).collect();
    let smax = eig.iter().fold(0.0f64, |a, e| a.max(e.abs()));
    let cutoff = 1e-15 * smax;
    let mut x = vec![0.0; k];
    for (i, &l) in eig.iter().enumerate() {
        if l.abs() > cutoff {
            let proj: f64 = (0..k).map(|r| v[r][i] * b[r]).sum();
            for (r, xr) in x.iter_mut().enumerate() {
                *xr += v[r][i] * proj / l;
            }
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_series_follow_statsmodels() {
        let x = [3.0; 20];
        let yw = Pacf::params().nlags(4).fit(&x).unwrap();
        assert_eq!(yw, vec![1.0, 0.0, 0.0, 0.0, 0.0]);
        let ld = Pacf::params()
            .nlags(4)
            .method(PacfMethod::LevinsonDurbinBiased)
            .fit(&x)
            .unwrap();
        assert!(ld[1..].iter().all(|v| v.is_nan()));
    }

    #[test]
    fn pinv_of_a_rank_one_matrix() {
        // All-equal matrix: minimum-norm solution spreads evenly.
        let a = vec![vec![2.0; 3]; 3];
        let x = pinv_solve_symmetric(&a, &[2.0, 2.0, 2.0]);
        for v in x {
            assert!((v - 1.0 / 3.0).abs() < 1e-14);
        }
    }

    #[test]
    fn limits_follow_statsmodels() {
        assert_eq!(PacfParams::default_nlags(2), 1);
        assert_eq!(PacfParams::default_nlags(90), 19);
        assert_eq!(PacfParams::default_nlags(1000), 30);
        assert!(Pacf::params().fit(&[1.0]).is_err());
        assert!(
            Pacf::params()
                .nlags(3)
                .fit(&[1.0, 2.0, 3.0, 4.0, 5.0])
                .is_err()
        );
        assert_eq!(
            "ldb".parse::<PacfMethod>().unwrap(),
            PacfMethod::LevinsonDurbinBiased
        );
    }
}
