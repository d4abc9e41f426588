//! A dense linear solver for the stationary distribution.
//!
//! # Why a file of its own
//!
//! Numerics, not model logic: Gaussian elimination with partial pivoting
//! on a small dense system. It is kept apart so that it can be replaced
//! by a library solver without touching the model.

/// Solves the augmented system `a` (n × (n+1)) by Gaussian elimination
/// with partial pivoting.
pub(super) fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty");
        a.swap(col, piv);
        let d = a[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        for x in &mut a[col][col..=n] {
            *x /= d;
        }
        let pivot = a[col].clone();
        for (i, row) in a.iter_mut().enumerate() {
            let f = row[col];
            if i != col && f != 0.0 {
                for (x, p) in row[col..=n].iter_mut().zip(&pivot[col..=n]) {
                    *x -= f * p;
                }
            }
        }
    }
    a.iter().map(|r| r[n]).collect()
}
