//! Binned leave-one-out sums for the cross-validated bandwidths of large
//! samples: linear binning on a fixed grid, separable direct convolution
//! with the product Gaussian kernel, read back at the data points by linear
//! interpolation, each point's own binned mass removed exactly.
//!
//! The grid has spacing `δ_s` in coordinate `s` and stays fixed while the
//! bandwidths move, so the binned objective is a smooth function of `h`
//! whose gradient (the `r²`-weighted sums) is computed exactly for it, and
//! L-BFGS runs on it as on the exact one.
//!
//! **Variance correction.** Binning a point and interpolating at another
//! each move a term by a random shift of mean 0 and variance `t(1−t)δ²`
//! (`t` the fraction of a cell), `δ²/6` on average. The kernel convolved on
//! the grid therefore has standard deviation `σ_s = √(h_s² − δ_s²/3)`, so
//! that binned terms average to the kernel of width `h_s` (up to the factor
//! `σ_s/h_s`, taken out of the normalisation).
//!
//! **Error bound** (leading order in `δ/σ`): a term's binned value differs
//! from its kernel value by `(v − δ²/3)/2 · K''` with `v ∈ [0, δ²/2]` its
//! actual shift variance, at most `(δ_s/σ_s)²/6 · |r_s² − 1| · K`. Summed
//! over the terms of a point, `|ln S̃ᵢ − ln Sᵢ| ≤ Σ_s (δ_s/σ_s)²/6 · (1 +
//! T_is/S_i)` with `T_is = Σⱼ K_ij r_ijs²`, the gradient's own sum: the bound
//! on the log likelihood is the sum of these over the points
//! ([`BinnedSums::objective`] returns it).
//!
//! **Small sums.** The kernel is cut at [`RADIUS`] standard deviations
//! (terms below `e^−50` dropped) and the self term is subtracted from a sum
//! that holds it, so a point whose binned leave-one-out sum is below
//! [`SMALL_SUM`] (no neighbour within about 7 bandwidths) has its sums
//! computed exactly over all points instead (up to 10⁸ terms per
//! evaluation; beyond, as far from the optimum, they are held at
//! `SMALL_SUM`). Above it, the cut-off changes a sum by less than
//! `n·e^−50/1e-11 = 2e-11·n` relative and the subtraction loses at most 11 of 16
//! digits (relative error below 1e-5).

use rayon::prelude::*;

/// Kernel cut-off in standard deviations.
const RADIUS: f64 = 10.0;
/// Binned leave-one-out sums below this are recomputed exactly.
pub(crate) const SMALL_SUM: f64 = 1e-11;
/// The most terms the exact rows of small sums may take per evaluation.
const EXACT_ROW_TERMS: usize = 100_000_000;

/// Data binned on a fixed grid.
pub(crate) struct BinnedSums<'a> {
    x: &'a [f64],
    n: usize,
    d: usize,
    /// Grid spacing per coordinate (data units).
    pub(crate) delta: Vec<f64>,
    /// Nodes per coordinate.
    pub(crate) dims: Vec<usize>,
    /// Binned counts, row-major (last coordinate fastest).
    counts: Vec<f64>,
    /// Per point: the flat index of its lower corner node.
    corner: Vec<usize>,
    /// Per point and coordinate: its fraction of the cell, in [0, 1].
    frac: Vec<f64>,
}

/// The binned objective at one point: `−L̃`, its gradient with respect to
/// `ln h`, and the error bound on `L̃`.
pub(crate) struct BinnedValue {
    pub(crate) cost: f64,
    pub(crate) grad: Vec<f64>,
    pub(crate) error_bound: f64,
}

impl<'a> BinnedSums<'a> {
    /// Bins the row-major `n × d` points `x` with spacing `delta` (data
    /// units, each > 0).
    pub(crate) fn new(x: &'a [f64], n: usize, d: usize, delta: Vec<f64>) -> Self {
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for i in 0..n {
            for s in 0..d {
                lo[s] = lo[s].min(x[i * d + s]);
                hi[s] = hi[s].max(x[i * d + s]);
            }
        }
        let dims: Vec<usize> = (0..d)
            .map(|s| ((hi[s] - lo[s]) / delta[s]).floor() as usize + 2)
            .collect();
        let strides = strides(&dims);
        let total: usize = dims.iter().product();
        let mut counts = vec![0.0f64; total];
        let mut corner = vec![0usize; n];
        let mut frac = vec![0.0f64; n * d];
        for i in 0..n {
            let mut flat = 0;
            for s in 0..d {
                let t = (x[i * d + s] - lo[s]) / delta[s];
                let k = (t.floor() as usize).min(dims[s] - 2);
                frac[i * d + s] = (t - k as f64).clamp(0.0, 1.0);
                flat += k * strides[s];
            }
            corner[i] = flat;
            for (c, w) in corners(&frac[i * d..(i + 1) * d], &strides) {
                counts[flat + c] += w;
            }
        }
        BinnedSums {
            x,
            n,
            d,
            delta,
            dims,
            counts,
            corner,
            frac,
        }
    }

    /// `−L̃` and its gradient with respect to `u = ln h` (see the module
    /// documentation), with the error bound on `L̃`.
    pub(crate) fn objective(&self, u: &[f64]) -> BinnedValue {
        let (n, d) = (self.n, self.d);
        let h: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        // σ² = h² − δ²/3, kept at least h²/4 should the grid be coarse.
        let sigma: Vec<f64> = (0..d)
            .map(|s| (h[s] * h[s] - self.delta[s] * self.delta[s] / 3.0).max(0.25 * h[s] * h[s]))
            .map(f64::sqrt)
            .collect();
        // Taps a_k = exp(−½(kδ/σ)²) and b_k = a_k (kδ/σ)², k = 0..=K.
        let taps: Vec<(Vec<f64>, Vec<f64>)> = (0..d)
            .map(|s| {
                let step = self.delta[s] / sigma[s];
                let k_max = ((RADIUS / step).ceil() as usize).min(self.dims[s] - 1);
                let a: Vec<f64> = (0..=k_max)
                    .map(|k| (-0.5 * (k as f64 * step).powi(2)).exp())
                    .collect();
                let b = a
                    .iter()
                    .enumerate()
                    .map(|(k, v)| v * (k as f64 * step).powi(2))
                    .collect();
                (a, b)
            })
            .collect();
        // Separable passes: `clean` has only a-taps; `t[s]` has the b-taps
        // along s.
        let mut clean = self.counts.clone();
        let mut t: Vec<Vec<f64>> = Vec::with_capacity(d);
        for (s, (a, b)) in taps.iter().enumerate() {
            for ts in t.iter_mut() {
                *ts = convolve_axis(ts, &self.dims, s, a);
            }
            t.push(convolve_axis(&clean, &self.dims, s, b));
            clean = convolve_axis(&clean, &self.dims, s, a);
        }
        let strides = strides(&self.dims);
        let log_ratio: f64 = (0..d).map(|s| (sigma[s] / h[s]).ln()).sum();
        // d ln σ_s / d ln h_s: h²/σ², or 1 where σ is held at h/2.
        let gain: Vec<f64> = (0..d)
            .map(|s| {
                if sigma[s] <= 0.5 * h[s] {
                    1.0
                } else {
                    (h[s] / sigma[s]).powi(2)
                }
            })
            .collect();
        // Scaled coordinates for the rows summed exactly.
        let z: Vec<f64> = (0..n * d).map(|k| self.x[k] / h[k % d]).collect();
        let rel: Vec<f64> = (0..d)
            .map(|s| (self.delta[s] / sigma[s]).powi(2) / 6.0)
            .collect();
        // Per point: the binned leave-one-out sum and its b-weighted sums.
        let binned: Vec<(f64, Vec<f64>)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let f = &self.frac[i * d..(i + 1) * d];
                let mut sum = 0.0;
                let mut ts = vec![0.0f64; d];
                for (c, w) in corners(f, &strides) {
                    sum += w * clean[self.corner[i] + c];
                    for s in 0..d {
                        ts[s] += w * t[s][self.corner[i] + c];
                    }
                }
                let (self_sum, self_t) = self_terms(f, &taps);
                (sum - self_sum, (0..d).map(|s| ts[s] - self_t[s]).collect())
            })
            .collect();
        let small = binned.iter().filter(|b| b.0 < SMALL_SUM).count();
        // Far from the optimum (a line-search step to tiny bandwidths) many
        // sums are small: beyond EXACT_ROW_TERMS terms they are held at
        // SMALL_SUM rather than summed exactly.
        let exact_ok = small.saturating_mul(n) <= EXACT_ROW_TERMS;
        // Per point: ln S (kernel at h, unnormalised), ∂ln S/∂u_s, bound,
        // binned or not.
        let rows: Vec<(f64, Vec<f64>, f64, bool)> = binned
            .into_par_iter()
            .enumerate()
            .map(|(i, (sum, ts))| {
                if sum < SMALL_SUM {
                    if exact_ok {
                        let (ln_s, ratio) = super::cv_ml::shifted_row(&z, n, d, i);
                        return (ln_s, ratio, 0.0, false);
                    }
                    return (SMALL_SUM.ln() - log_ratio, vec![0.0; d], 0.0, true);
                }
                let ratio: Vec<f64> = ts.iter().map(|v| (v / sum).max(0.0)).collect();
                let bound = (0..d).map(|s| rel[s] * (1.0 + ratio[s])).sum();
                let dlog = (0..d).map(|s| gain[s] * ratio[s]).collect();
                (sum.ln() - log_ratio, dlog, bound, true)
            })
            .collect();
        // The binned sums approximate (σ/h)·S, hence the shift by ln(σ/h).
        // −L = −Σ ln S + n Σ ln h + n d ln√(2π); for binned rows ∂/∂u_s of
        // ln(σ/h) is gain − 1, giving n − Σ ∂ln S/∂u_s in all.
        let log_norm = u.iter().sum::<f64>() + d as f64 * super::cv_ml::LN_SQRT_2PI;
        let ln_f: Vec<f64> = rows.iter().map(|r| r.0 - log_norm).collect();
        let exact_rows = rows.iter().filter(|r| !r.3).count();
        let grad = (0..d)
            .map(|s| {
                let binned_shift = (n - exact_rows) as f64 * (gain[s] - 1.0);
                let dl: Vec<f64> = rows.iter().map(|r| r.1[s]).collect();
                n as f64 - crate::numeric::np_sum(&dl) + binned_shift
            })
            .collect();
        let bounds: Vec<f64> = rows.iter().map(|r| r.2).collect();
        BinnedValue {
            cost: -crate::numeric::np_sum(&ln_f),
            grad,
            error_bound: crate::numeric::np_sum(&bounds),
        }
    }
}

/// Row-major strides of an array of shape `dims`.
fn strides(dims: &[usize]) -> Vec<usize> {
    let mut st = vec![1usize; dims.len()];
    for s in (0..dims.len().saturating_sub(1)).rev() {
        st[s] = st[s + 1] * dims[s + 1];
    }
    st
}

/// The `2^d` corners of a cell, as flat offsets from its lower corner, with
/// the linear-binning weights of a point at fractions `f`.
fn corners<'f>(f: &'f [f64], strides: &'f [usize]) -> impl Iterator<Item = (usize, f64)> + 'f {
    (0..1usize << f.len()).map(move |bits| {
        let mut off = 0;
        let mut w = 1.0;
        for (s, &fs) in f.iter().enumerate() {
            if bits >> s & 1 == 1 {
                off += strides[s];
                w *= fs;
            } else {
                w *= 1.0 - fs;
            }
        }
        (off, w)
    })
}

/// A point's own binned mass read back at its interpolated position: the
/// sum and the b-weighted sums, `Σ_{c,c'} w_c w_c' Π_s tap(|c_s − c'_s|)`.
fn self_terms(f: &[f64], taps: &[(Vec<f64>, Vec<f64>)]) -> (f64, Vec<f64>) {
    let d = f.len();
    // Per coordinate, the 1-D factors: Σ over corner pairs of that
    // coordinate of w w' a(|e − e'|), and the same with b.
    let mut fa = vec![0.0f64; d];
    let mut fb = vec![0.0f64; d];
    for s in 0..d {
        let (a, b) = &taps[s];
        let (a1, b1) = (
            a.get(1).copied().unwrap_or(0.0),
            b.get(1).copied().unwrap_or(0.0),
        );
        let (p, q) = (1.0 - f[s], f[s]);
        fa[s] = (p * p + q * q) * a[0] + 2.0 * p * q * a1;
        fb[s] = (p * p + q * q) * b[0] + 2.0 * p * q * b1;
    }
    let all: f64 = fa.iter().product();
    let t = (0..d)
        .map(|s| (0..d).map(|r| if r == s { fb[r] } else { fa[r] }).product())
        .collect();
    (all, t)
}

/// Convolves `v` (row-major, shape `dims`) along `axis` with the symmetric
/// taps `w[0..=K]`; lines that are all zero stay zero.
fn convolve_axis(v: &[f64], dims: &[usize], axis: usize, w: &[f64]) -> Vec<f64> {
    let len = dims[axis];
    let inner: usize = dims[axis + 1..].iter().product();
    let mut out = vec![0.0f64; v.len()];
    let k_max = w.len() - 1;
    // One task per outer index: its `len × inner` block.
    out.par_chunks_mut(len * inner)
        .zip(v.par_chunks(len * inner))
        .for_each(|(ob, ib)| {
            let mut line = vec![0.0f64; len];
            let mut res = vec![0.0f64; len];
            for c in 0..inner {
                let mut any = false;
                for (k, l) in line.iter_mut().enumerate() {
                    *l = ib[k * inner + c];
                    any |= *l != 0.0;
                }
                if !any {
                    continue;
                }
                for (r, &l) in res.iter_mut().zip(&line) {
                    *r = w[0] * l;
                }
                for (j, &wj) in w.iter().enumerate().take(k_max.min(len - 1) + 1).skip(1) {
                    // res[k] += wj (line[k − j] + line[k + j])
                    for (r, &l) in res[j..].iter_mut().zip(&line[..len - j]) {
                        *r += wj * l;
                    }
                    for (r, &l) in res[..len - j].iter_mut().zip(&line[j..]) {
                        *r += wj * l;
                    }
                }
                for (k, &r) in res.iter().enumerate() {
                    ob[k * inner + c] = r;
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut rng = threatstat_core::rng::SplitMix64::new(seed);
        (0..n * d)
            .map(|k| {
                let v = rng.open01() * 4.0 - 2.0 + rng.open01() * 2.0;
                if k % d == 0 {
                    v + (k % 3) as f64
                } else {
                    v * v
                }
            })
            .collect()
    }

    fn exact(x: &[f64], n: usize, d: usize, u: &[f64]) -> (f64, Vec<f64>) {
        let points = ndarray::ArrayView2::from_shape((n, d), x).unwrap();
        let h: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        (
            -crate::cv_ml::loo_log_likelihood(points, &h).unwrap(),
            crate::cv_ml::loo_gradient_log_h(points, &h).unwrap(),
        )
    }

    #[test]
    fn gradient_is_the_binned_objectives_own() {
        for d in 1..=3 {
            let n = 300;
            let x = data(n, d, 3);
            let u: Vec<f64> = (0..d).map(|s| -1.0 + 0.2 * s as f64).collect();
            let h: Vec<f64> = u.iter().map(|v: &f64| v.exp() / 3.0).collect();
            let grid = BinnedSums::new(&x, n, d, h);
            let f = |v: &[f64]| {
                let b = grid.objective(v);
                (b.cost, b.grad)
            };
            crate::cv_ml::check_gradient(&f, &u, &format!("binned, d={d}"));
        }
    }

    #[test]
    fn binned_objective_is_within_its_bound_of_the_exact_one() {
        for (d, m) in [(1, 16.0), (2, 8.0), (3, 3.0)] {
            let n = 500;
            let mut x = data(n, d, 5);
            // An isolated point: its sum is computed exactly.
            x[0] = 25.0;
            let u: Vec<f64> = (0..d).map(|s| -0.9 + 0.1 * s as f64).collect();
            let delta: Vec<f64> = u.iter().map(|v| v.exp() / m).collect();
            let grid = BinnedSums::new(&x, n, d, delta);
            let b = grid.objective(&u);
            let (cost, grad) = exact(&x, n, d, &u);
            let err = (b.cost - cost).abs();
            println!(
                "d={d}: binned {} exact {cost} error {err:.3e} bound {:.3e}; gradient {:?} vs {grad:?}",
                b.cost, b.error_bound, b.grad
            );
            assert!(
                err <= b.error_bound,
                "d={d}: error {err} above the bound {}",
                b.error_bound
            );
            assert!(
                b.error_bound < 0.2 * n as f64,
                "d={d}: bound {}",
                b.error_bound
            );
            for (g, want) in b.grad.iter().zip(&grad) {
                assert!((g - want).abs() < 0.02 * n as f64, "d={d}");
            }
        }
    }
}
