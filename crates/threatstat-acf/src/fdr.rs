//! Benjamini–Hochberg false discovery rate control.
//!
//! q-values as statsmodels' `multipletests(p, method="fdr_bh")[1]`: sort the
//! m p-values, `q_(i) = min_{j ≥ i} p_(j) / (j/m)`, capped at 1. Rejecting
//! every hypothesis with `q ≤ α` controls the false discovery rate at α
//! (for independent or positively dependent tests).
//!
//! NaN p-values (tests that could not be computed) are left out: they get a
//! NaN q-value and do not count in m. statsmodels does not handle NaN.
//!
//! ```
//! use threatstat_acf::fdr::benjamini_hochberg;
//! let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
//! // statsmodels: [0.04, 0.05333333, 0.05333333, 0.5]
//! assert!((q[0] - 0.04).abs() < 1e-15);
//! assert!((q[1] - 0.16 / 3.0).abs() < 1e-15 && q[1] == q[2]);
//! assert_eq!(q[3], 0.5);
//! ```

/// Benjamini–Hochberg q-values, in the order of `p`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let m = idx.len();
    let mut q = vec![f64::NAN; p.len()];
    let mut running = f64::INFINITY;
    for (rank, &i) in idx.iter().enumerate().rev() {
        let ecdf = (rank + 1) as f64 / m as f64;
        running = running.min(p[i] / ecdf);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_left_out() {
        let q = benjamini_hochberg(&[0.02, f64::NAN, 0.01]);
        assert!(q[1].is_nan());
        assert!((q[0] - 0.02).abs() < 1e-16 && (q[2] - 0.02).abs() < 1e-16);
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
