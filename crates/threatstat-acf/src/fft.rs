//! FFT helpers: a shared plan cache, real transforms as half-length complex
//! ones, and the autocorrelation sums of statsmodels' `fft=True` path.

use crate::numeric::next_fast_even_len;
use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

type C = Complex<f64>;

fn global_planner() -> &'static Mutex<FftPlanner<f64>> {
    static P: OnceLock<Mutex<FftPlanner<f64>>> = OnceLock::new();
    P.get_or_init(|| Mutex::new(FftPlanner::new()))
}

/// A plan for `len` points (cached process-wide; planning is the expensive part).
pub(crate) fn plan(len: usize, inverse: bool) -> Arc<dyn Fft<f64>> {
    let mut p = global_planner()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if inverse {
        p.plan_fft_inverse(len)
    } else {
        p.plan_fft_forward(len)
    }
}

/// Plans looked up once per worker (no lock per series in batch work), and
/// buffers reused from one series to the next.
#[derive(Default)]
pub(crate) struct PlanCache {
    forward: HashMap<usize, Arc<dyn Fft<f64>>>,
    buf: Vec<C>,
    scratch: Vec<C>,
}

impl PlanCache {
    /// The DFT of `x − shift` (all bins), in a buffer owned by the cache.
    pub(crate) fn dft_shifted(&mut self, x: &[f64], shift: f64) -> &[C] {
        let n = x.len();
        self.buf.clear();
        self.buf.extend(x.iter().map(|&v| C::new(v - shift, 0.0)));
        if n > 0 {
            let fft = self.forward(n);
            let need = fft.get_inplace_scratch_len();
            if self.scratch.len() < need {
                self.scratch.resize(need, C::default());
            }
            fft.process_with_scratch(&mut self.buf, &mut self.scratch[..need]);
        }
        &self.buf
    }

    pub(crate) fn forward(&mut self, len: usize) -> Arc<dyn Fft<f64>> {
        self.forward
            .entry(len)
            .or_insert_with(|| plan(len, false))
            .clone()
    }
}

/// `e^{-2πik/n}` for `k = 0..=n/2`, from two short tables of `sin_cos`
/// (`w^k = w^{B·(k/B)} · w^{k mod B}`): two roundings instead of one, and
/// about 2√n trigonometric calls instead of n.
struct Twiddles {
    fine: Vec<C>,
    coarse: Vec<C>,
    shift: u32,
    mask: usize,
}

impl Twiddles {
    fn new(n: usize, kmax: usize) -> Self {
        // A power-of-two block ≈ √kmax: shifts and masks, no divisions.
        let block = (((kmax + 1) as f64).sqrt().ceil() as usize).next_power_of_two();
        let w = |k: usize| {
            let (s, c) = (std::f64::consts::TAU * k as f64 / n as f64).sin_cos();
            C::new(c, -s)
        };
        let fine = (0..block).map(w).collect();
        let coarse = (0..=kmax / block).map(|i| w(i * block)).collect();
        Twiddles {
            fine,
            coarse,
            shift: block.trailing_zeros(),
            mask: block - 1,
        }
    }

    #[inline]
    fn get(&self, k: usize) -> C {
        let (i, j) = (k >> self.shift, k & self.mask);
        if j == 0 {
            self.coarse[i]
        } else if i == 0 {
            self.fine[j]
        } else {
            self.coarse[i] * self.fine[j]
        }
    }
}

/// `Σ_t xo[t]·xo[t+k]` for `k = 0..=nlags` by FFT: zero padding to an even
/// 5-smooth length N ≥ n + nlags, `|X|²`, inverse transform. The circular
/// correlation of length N equals the linear one at every lag k with
/// N − k ≥ n, so lags up to `nlags` need no more padding than that
/// (statsmodels pads to `_next_regular(2n+1)` because it computes all n
/// lags; the sums agree up to rounding). Both real transforms are complex
/// ones of half the length.
pub(crate) fn autocorrelation_sums(xo: &[f64], nlags: usize) -> Vec<f64> {
    let n = xo.len();
    let big_n = next_fast_even_len(n + nlags);
    let m = big_n / 2;
    let fwd = plan(m, false);
    let inv = plan(m, true);
    let mut scratch = vec![
        C::default();
        fwd.get_inplace_scratch_len()
            .max(inv.get_inplace_scratch_len())
    ];
    let mut z: Vec<C> = Vec::with_capacity(m);
    let pairs = xo.chunks_exact(2);
    let odd = pairs.remainder().first().copied();
    z.extend(pairs.map(|p| C::new(p[0], p[1])));
    if let Some(v) = odd {
        z.push(C::new(v, 0.0));
    }
    z.resize(m, C::default());
    fwd.process_with_scratch(&mut z, &mut scratch);
    let tw = Twiddles::new(big_n, m);
    // Bin k of the real transform from Z[k] and conj(Z[m−k]):
    // X[k] = E + w^k O with E = (Z[k] + conj Z[m−k])/2, O = (Z[k] − conj Z[m−k])/(2i).
    let power = |zk: C, zmk: C, k: usize| {
        let zc = zmk.conj();
        let e = (zk + zc) * 0.5;
        let o = (zk - zc) * C::new(0.0, -0.5);
        (e + tw.get(k) * o).norm_sqr()
    };
    // The inverse of the real, even power spectrum P (P[k] = P[N−k]) as a
    // half-length complex transform: Z'[k] = E + iO with E = (P[k] + P[m−k])/2,
    // O = (P[k] − P[m−k])/2 · e^{+2πik/N}; z = IFFT_m(Z')/m holds r[2j] + i·r[2j+1].
    let inverse_input = |pk: f64, pmk: f64, k: usize| {
        let e = 0.5 * (pk + pmk);
        let o = tw.get(k).conj() * (0.5 * (pk - pmk));
        C::new(e - o.im, o.re)
    };
    // Bins k and m−k depend on each other only: transform them pairwise in place.
    for k in 0..=m / 2 {
        let j = m - k;
        let (zk, zj) = (z[k], z[j % m]);
        if k == 0 {
            // P[0] and P[m] both come from Z[0].
            let (p0, pm) = (power(zk, zk, 0), power(zk, zk, m));
            z[0] = inverse_input(p0, pm, 0);
        } else if k == j {
            let pk = power(zk, zk, k);
            z[k] = inverse_input(pk, pk, k);
        } else {
            let (pk, pj) = (power(zk, zj, k), power(zj, zk, j));
            z[k] = inverse_input(pk, pj, k);
            z[j] = inverse_input(pj, pk, j);
        }
    }
    inv.process_with_scratch(&mut z, &mut scratch);
    let scale = 1.0 / m as f64;
    (0..=nlags)
        .map(|t| {
            let v = z[t / 2];
            if t % 2 == 0 { v.re } else { v.im }
        })
        .map(|v| v * scale)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(x: &[f64], nlags: usize) -> Vec<f64> {
        (0..=nlags)
            .map(|k| (0..x.len() - k).map(|t| x[t] * x[t + k]).sum())
            .collect()
    }

    #[test]
    fn fft_sums_equal_direct_sums() {
        for n in [1usize, 2, 3, 4, 5, 7, 8, 31, 90, 101, 1000] {
            let x: Vec<f64> = (0..n)
                .map(|i| ((i * 7919 % 101) as f64 - 50.0) / 13.0)
                .collect();
            for nl in [n - 1, n / 2, 3.min(n - 1), 0] {
                // Little padding when few lags are asked for: wrap-around must not leak.
                let a = autocorrelation_sums(&x, nl);
                let b = direct(&x, nl);
                let scale = b[0].abs().max(1e-300);
                for k in 0..=nl {
                    assert!((a[k] - b[k]).abs() <= 1e-13 * scale, "n={n} nl={nl} k={k}");
                }
            }
        }
    }

    #[test]
    fn twiddles_are_accurate() {
        let n = 1 << 20;
        let t = Twiddles::new(n, n / 2);
        for k in [0, 1, 2, 1023, 1024, 1025, 77_777, n / 4, n / 2] {
            let (s, c) = (std::f64::consts::TAU * k as f64 / n as f64).sin_cos();
            let w = t.get(k);
            assert!((w.re - c).abs() < 1e-15 && (w.im + s).abs() < 1e-15, "{k}");
        }
    }
}
