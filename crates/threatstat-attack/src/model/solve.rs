//! A dense linear solver for the stationary distribution.
//!
//! # Why a file of its own
//!
//! Numerics, not model logic: Gauss-Jordan elimination with partial
//! pivoting on a small dense system (at most 211 unknowns: the state pairs
//! of a second-order chain over 14 tactics).
//!
//! # Why not a library solver
//!
//! The system is an `ndarray::Array2` (issue 21: ndarray at the data
//! boundary), but ndarray has no solver without LAPACK, which would be a
//! system dependency for a 211 × 211 system solved once per query. An LU
//! factorisation would also change the order of the floating-point
//! operations, and with it the last bits of the stationary distribution
//! that `reproduce` writes. So this is the same elimination as before, on
//! an `Array2`, in the same operation order: the results are bit-identical
//! (the test below checks it against the former `Vec<Vec<f64>>` version).

use ndarray::{Array1, Array2};

/// Solves the augmented system `a` (n × (n+1), the last column is the
/// right-hand side) by Gauss-Jordan elimination with partial pivoting.
/// A column without a usable pivot (|pivot| < 1e-300) is skipped.
pub(super) fn solve(mut a: Array2<f64>) -> Array1<f64> {
    let n = a.nrows();
    debug_assert_eq!(a.ncols(), n + 1, "an augmented n x (n+1) system");
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[[i, col]].abs().total_cmp(&a[[j, col]].abs()))
            .expect("non-empty");
        if piv != col {
            for c in 0..=n {
                a.swap([col, c], [piv, c]);
            }
        }
        let d = a[[col, col]];
        if d.abs() < 1e-300 {
            continue;
        }
        // (Iterators, not `s![..]`: the macro expands to `unsafe`, which
        // the workspace forbids.)
        a.row_mut(col).iter_mut().skip(col).for_each(|x| *x /= d);
        let pivot: Vec<f64> = a.row(col).iter().skip(col).copied().collect();
        for (i, mut row) in a.rows_mut().into_iter().enumerate() {
            let f = row[col];
            if i != col && f != 0.0 {
                for (x, p) in row.iter_mut().skip(col).zip(&pivot) {
                    *x -= f * p;
                }
            }
        }
    }
    a.column(n).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_core::rng::SplitMix64;

    /// The solver as it was on `Vec<Vec<f64>>` (kept as the reference the
    /// `Array2` version must match bit for bit).
    fn solve_vecs(mut a: Vec<Vec<f64>>) -> Vec<f64> {
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

    #[test]
    fn bit_identical_to_the_vec_solver_and_solves() {
        let mut rng = SplitMix64::new(7);
        for n in [1usize, 2, 3, 8, 40, 211] {
            for sparse in [false, true] {
                let rows: Vec<Vec<f64>> = (0..n)
                    .map(|_| {
                        (0..=n)
                            .map(|_| {
                                let v = rng.open01() * 2.0 - 1.0;
                                if sparse && rng.open01() < 0.7 { 0.0 } else { v }
                            })
                            .collect()
                    })
                    .collect();
                let want = solve_vecs(rows.clone());
                let a = Array2::from_shape_fn((n, n + 1), |(i, j)| rows[i][j]);
                let got = solve(a);
                let same = got
                    .iter()
                    .zip(&want)
                    .all(|(g, w)| g.to_bits() == w.to_bits());
                assert!(same, "n {n} sparse {sparse}: {got:?} vs {want:?}");
            }
        }
        // And it solves: [[2, 1], [1, 3]] x = [3, 5] has x = [0.8, 1.4].
        let a = ndarray::array![[2.0, 1.0, 3.0], [1.0, 3.0, 5.0]];
        let x = solve(a);
        assert!(
            (x[0] - 0.8).abs() < 1e-15 && (x[1] - 1.4).abs() < 1e-15,
            "{x}"
        );
    }
}
