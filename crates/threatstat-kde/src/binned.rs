//! Leave-one-out kernel sums of a large sample on a grid (one or two
//! dimensions): the approximate first pass of
//! [`GaussianKde::flag_low_density_large`](crate::GaussianKde::flag_low_density_large).
//!
//! In the scaled coordinates of [`KernelSums`] a kernel term is
//! `2^(−|Δ|²)`. The data are linearly binned on a grid of spacing `δ`, the
//! grid is convolved with the sampled kernel (separable: rows, then columns,
//! truncated where a term falls below 2^-53 of the peak) and the result is
//! interpolated back at each point with the same linear weights. A point's
//! own contribution, as the grid represents it, is subtracted exactly, so
//! the result is the grid estimate of the other points' sum. Its error is
//! that of linear binning and interpolation, about `δ²/8 · |S''/S|`: small
//! where the density is smooth, larger for isolated points, which the
//! caller recomputes exactly.

use crate::sums::KernelSums;
use rayon::prelude::*;

/// Grid estimate of each point's leave-one-out raw sum.
pub(crate) struct GridSums {
    /// Per data point (original order); may be inaccurate or even negative
    /// where the point's own term dominates (isolated points).
    pub sums: Vec<f64>,
    /// Each point's own term as the grid represents it (about its weight).
    pub own: Vec<f64>,
    /// The spacing used, in kernel standard deviations.
    pub spacing_sd: f64,
    /// Grid cells.
    pub cells: usize,
}

/// Kernel standard deviation in scaled coordinates: `2^(−Δ²) = exp(−Δ²/2σ²)`.
fn sigma() -> f64 {
    1.0 / (2.0 * std::f64::consts::LN_2).sqrt()
}

/// `None` for d > 2 or an empty sample. The spacing grows from
/// `spacing_sd` (in kernel standard deviations) until the grid has at most
/// `max_cells` cells.
pub(crate) fn grid_loo_sums(
    ks: &KernelSums,
    spacing_sd: f64,
    max_cells: usize,
) -> Option<GridSums> {
    let (d, n) = (ks.dim(), ks.len());
    if d > 2 || n == 0 {
        return None;
    }
    let pts: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let p = ks.data_point(i);
            [p[0], if d == 2 { p[1] } else { 0.0 }]
        })
        .collect();
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for p in &pts {
        for k in 0..d {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    // Terms beyond r are below 2^-53 of the peak.
    let r = 53f64.sqrt();
    let mut delta = spacing_sd * sigma();
    let (size, taps) = loop {
        let t = (r / delta).ceil() as usize;
        let mut size = [1usize; 2];
        for k in 0..d {
            size[k] = ((hi[k] - lo[k]) / delta).ceil() as usize + 2 * t + 3;
        }
        if size[0].saturating_mul(size[1]) <= max_cells {
            break (size, t);
        }
        delta *= 1.25;
    };
    for l in lo.iter_mut().take(d) {
        *l -= (taps + 1) as f64 * delta;
    }
    let kernel: Vec<f64> = (0..=taps)
        .map(|t| (-((t as f64 * delta).powi(2))).exp2())
        .collect();
    let (nx, ny) = (size[0], size[1]);
    // Linear binning weights of a point: its lower-left node and fractions.
    let locate = |p: &[f64; 2]| {
        let mut cell = [0usize; 2];
        let mut frac = [0.0f64; 2];
        for k in 0..d {
            let f = (p[k] - lo[k]) / delta;
            let c = f.floor();
            cell[k] = c as usize;
            frac[k] = f - c;
        }
        (cell, frac)
    };
    let corners = |frac: [f64; 2]| {
        let (a, b) = (frac[0], frac[1]);
        [
            ((0usize, 0usize), (1.0 - a) * (1.0 - b)),
            ((1, 0), a * (1.0 - b)),
            ((0, 1), (1.0 - a) * b),
            ((1, 1), a * b),
        ]
    };
    let mut grid = vec![0.0f64; nx * ny];
    for (i, p) in pts.iter().enumerate() {
        let w = ks.weight_of(i);
        let (c, f) = locate(p);
        for ((dx, dy), v) in corners(f) {
            if v != 0.0 {
                grid[(c[1] + dy) * nx + c[0] + dx] += w * v;
            }
        }
    }
    // Rows.
    let mut tmp = vec![0.0f64; nx * ny];
    tmp.par_chunks_mut(nx)
        .zip(grid.par_chunks(nx))
        .for_each(|(out, row)| convolve_row(row, &kernel, out));
    // Columns: each output row is a weighted sum of nearby input rows.
    if ny > 1 {
        grid.par_chunks_mut(nx).enumerate().for_each(|(y, out)| {
            out.fill(0.0);
            let from = y.saturating_sub(taps);
            let to = (y + taps).min(ny - 1);
            for yy in from..=to {
                let k = kernel[y.abs_diff(yy)];
                for (o, &v) in out.iter_mut().zip(&tmp[yy * nx..(yy + 1) * nx]) {
                    *o += k * v;
                }
            }
        });
    } else {
        grid.copy_from_slice(&tmp);
    }
    let mut sums = vec![0.0f64; n];
    let mut own = vec![0.0f64; n];
    sums.par_iter_mut()
        .zip(own.par_iter_mut())
        .enumerate()
        .for_each(|(i, (s, o))| {
            let (c, f) = locate(&pts[i]);
            let cs = corners(f);
            let mut total = 0.0;
            let mut me = 0.0;
            for &((ax, ay), va) in &cs {
                if va == 0.0 {
                    // Also keeps one-dimensional grids (a single row) in bounds.
                    continue;
                }
                total += va * grid[(c[1] + ay) * nx + c[0] + ax];
                for &((bx, by), vb) in &cs {
                    let k = kernel[ax.abs_diff(bx)] * kernel[ay.abs_diff(by)];
                    me += va * vb * k;
                }
            }
            let own_term = ks.weight_of(i) * me;
            *s = total - own_term;
            *o = own_term;
        });
    Some(GridSums {
        sums,
        own,
        spacing_sd: delta / sigma(),
        cells: nx * ny,
    })
}

/// `out[x] = Σ_t kernel[|t|] · row[x + t]`.
fn convolve_row(row: &[f64], kernel: &[f64], out: &mut [f64]) {
    let n = row.len();
    let taps = kernel.len() - 1;
    out.fill(0.0);
    for (x, &v) in row.iter().enumerate() {
        if v == 0.0 {
            continue;
        }
        let from = x.saturating_sub(taps);
        let to = (x + taps).min(n - 1);
        for (y, o) in out.iter_mut().enumerate().take(to + 1).skip(from) {
            *o += v * kernel[x.abs_diff(y)];
        }
    }
}
