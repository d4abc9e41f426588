//! MCMC diagnostics exactly as ArviZ 0.23 computes them (Vehtari et al.
//! 2021, "Rank-normalization, folding, and localization"): rank-normalised
//! split R-hat (the larger of bulk and folded-tail), bulk and tail effective
//! sample sizes, Monte Carlo standard error of the mean, and the highest
//! density interval.
//!
//! Draws are given per chain (`chains[c][i]`, all chains of equal length).
//! As in ArviZ, quantities that cannot be computed (fewer than 4 draws, or
//! fewer than 2 chains for R-hat, NaN draws) are NaN.
//!
//! ```
//! use threatstat_changepoint::diagnostics::{rhat, ess_bulk};
//! // Two chains stuck in different places: R-hat far above 1.
//! let a: Vec<f64> = (0..100).map(|i| (i % 7) as f64).collect();
//! let b: Vec<f64> = (0..100).map(|i| 10.0 + (i % 5) as f64).collect();
//! assert!(rhat(&[a.clone(), b]) > 1.5);
//! assert!(ess_bulk(&[a]) > 1.0);
//! ```

use crate::exact::Interval;
use statrs::distribution::{ContinuousCDF, Normal};
use threatstat_core::numerics;

fn valid(chains: &[Vec<f64>], min_chains: usize) -> bool {
    !chains.is_empty()
        && chains.len() >= min_chains
        && chains[0].len() >= 4
        && chains
            .iter()
            .all(|c| c.len() == chains[0].len() && c.iter().all(|x| !x.is_nan()))
}

/// Each chain split into its first and last halves (the middle draw of an
/// odd-length chain is dropped), as ArviZ's `_split_chains`.
fn split(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = chains[0].len();
    let half = n / 2;
    let mut out: Vec<Vec<f64>> = chains.iter().map(|c| c[..half].to_vec()).collect();
    out.extend(chains.iter().map(|c| c[n - half..].to_vec()));
    out
}

/// Rank-normalisation: average ranks over all draws, then the normal
/// quantile of (rank − 3/8) / (S + 1/4) (Blom).
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    let s = flat.len();
    let mut idx: Vec<usize> = (0..s).collect();
    idx.sort_by(|&a, &b| flat[a].total_cmp(&flat[b]));
    let mut rank = vec![0.0; s];
    let mut i = 0;
    while i < s {
        let mut j = i;
        while j + 1 < s && flat[idx[j + 1]] == flat[idx[i]] {
            j += 1;
        }
        // 1-based ranks i+1 ..= j+1 share their average.
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            rank[k] = avg;
        }
        i = j + 1;
    }
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    let mut out = Vec::with_capacity(chains.len());
    let mut pos = 0;
    for c in chains {
        out.push(
            (0..c.len())
                .map(|k| normal.inverse_cdf((rank[pos + k] - 0.375) / (s as f64 + 0.25)))
                .collect(),
        );
        pos += c.len();
    }
    out
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn var_ddof1(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

fn rhat_plain(chains: &[Vec<f64>]) -> f64 {
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let within = mean(&chains.iter().map(|c| var_ddof1(c)).collect::<Vec<_>>());
    let between = n * var_ddof1(&means);
    ((between / within + n - 1.0) / n).sqrt()
}

/// Rank-normalised split R-hat: the larger of the bulk R-hat and the
/// folded (tail) R-hat (ArviZ `rhat(method="rank")`). Needs 2+ chains.
pub fn rhat(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 2) {
        return f64::NAN;
    }
    let s = split(chains);
    let bulk = rhat_plain(&z_scale(&s));
    // ArviZ: np.median of all split draws.
    let med = numerics::median(&mut s.concat());
    let folded: Vec<Vec<f64>> = s
        .iter()
        .map(|c| c.iter().map(|x| (x - med).abs()).collect())
        .collect();
    let tail = rhat_plain(&z_scale(&folded));
    // Python's max(): a NaN first argument wins, a NaN second loses.
    if bulk.is_nan() || tail.is_nan() {
        return if bulk.is_nan() {
            bulk
        } else if tail > bulk {
            tail
        } else {
            bulk
        };
    }
    bulk.max(tail)
}

/// Effective sample size of `chains` as ArviZ's `_ess`: autocovariances
/// combined over chains, Geyer's initial positive and monotone sequences.
/// Autocovariances are computed lazily, only up to the lag the sequence needs.
fn ess_raw(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len();
    let (lo, hi) = chains
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if hi - lo < 1e-15 {
        return (m * n) as f64;
    }
    let centered: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| {
            let mu = mean(c);
            c.iter().map(|x| x - mu).collect()
        })
        .collect();
    // Mean over chains of the biased autocovariance at lag t.
    let acov = |t: usize| -> f64 {
        centered
            .iter()
            .map(|c| {
                c[..n - t]
                    .iter()
                    .zip(&c[t..])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / n as f64
            })
            .sum::<f64>()
            / m as f64
    };
    let nf = n as f64;
    let chain_means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let mean_var = acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var_ddof1(&chain_means);
    }
    let mut rho = vec![0.0; n];
    let mut rho_even = 1.0;
    rho[0] = rho_even;
    let mut rho_odd = 1.0 - (mean_var - acov(1)) / var_plus;
    rho[1] = rho_odd;
    let mut t = 1;
    while t + 3 < n && (rho_even + rho_odd) > 0.0 {
        rho_even = 1.0 - (mean_var - acov(t + 1)) / var_plus;
        rho_odd = 1.0 - (mean_var - acov(t + 2)) / var_plus;
        if rho_even + rho_odd >= 0.0 {
            rho[t + 1] = rho_even;
            rho[t + 2] = rho_odd;
        }
        t += 2;
    }
    let max_t = t as isize - 2;
    if rho_even > 0.0 {
        rho[(max_t + 1) as usize] = rho_even;
    }
    let mut t: isize = 1;
    while t <= max_t - 2 {
        let (a, b) = (t as usize, (t + 1) as usize);
        if rho[b] + rho[b + 1] > rho[a - 1] + rho[a] {
            rho[b] = (rho[a - 1] + rho[a]) / 2.0;
            rho[b + 1] = rho[b];
        }
        t += 2;
    }
    let total = (m * n) as f64;
    let upto = (max_t + 1) as usize;
    let mut tau_hat =
        -1.0 + 2.0 * rho[..upto].iter().sum::<f64>() + rho.get(upto).copied().unwrap_or(0.0);
    tau_hat = tau_hat.max(1.0 / total.log10());
    if rho.iter().any(|x| x.is_nan()) {
        return f64::NAN;
    }
    total / tau_hat
}

/// Bulk effective sample size (rank-normalised split chains).
pub fn ess_bulk(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 1) {
        return f64::NAN;
    }
    ess_raw(&z_scale(&split(chains)))
}

fn ess_quantile(chains: &[Vec<f64>], p: f64) -> f64 {
    // The R type-7 (NumPy "linear") quantile of all draws, as ArviZ's
    // `_quantile`; only the indicators `x <= q` below use it.
    let q = numerics::quantile(&mut chains.concat(), p);
    let ind: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|&x| if x <= q { 1.0 } else { 0.0 }).collect())
        .collect();
    ess_raw(&split(&ind))
}

/// Tail effective sample size: the smaller of the ESS of the 5% and 95%
/// quantile indicators.
pub fn ess_tail(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 1) {
        return f64::NAN;
    }
    let (a, b) = (ess_quantile(chains, 0.05), ess_quantile(chains, 0.95));
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// Effective sample size for the mean (split chains, not rank-normalised).
pub fn ess_mean(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 1) {
        return f64::NAN;
    }
    ess_raw(&split(chains))
}

/// Monte Carlo standard error of the mean: sd / sqrt(ESS of the mean).
pub fn mcse_mean(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 1) {
        return f64::NAN;
    }
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    var_ddof1(&flat).sqrt() / ess_mean(chains).sqrt()
}

/// Monte Carlo standard error of the standard deviation, as ArviZ 0.23's
/// `_mcse_sd`: with `d = (x − mean)²` over all draws, the ESS of the mean
/// of `d` (split chains) gives `Var(mean d) = (E[d²] − E[d]²) / ESS`, and
/// the delta method `sd = √E[d]` gives `mcse_sd = √(Var(mean d) / (4 E[d]))`.
pub fn mcse_sd(chains: &[Vec<f64>]) -> f64 {
    if !valid(chains, 1) {
        return f64::NAN;
    }
    let all = chains.concat();
    let m = mean(&all);
    let sq: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|x| (x - m) * (x - m)).collect())
        .collect();
    let ess = ess_raw(&split(&sq));
    let flat = sq.concat();
    let evar = mean(&flat);
    let varvar = (flat.iter().map(|d| d * d).sum::<f64>() / flat.len() as f64 - evar * evar) / ess;
    (varvar / evar / 4.0).sqrt()
}

/// Highest density interval of the pooled draws holding `prob` of them
/// (ArviZ `hdi`: the narrowest interval spanning floor(prob·n) sorted gaps).
pub fn hdi(draws: &[f64], prob: f64) -> Interval {
    let mut v: Vec<f64> = draws.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let inc = (prob * n as f64).floor() as usize;
    if n == 0 || inc >= n {
        return Interval {
            low: f64::NAN,
            high: f64::NAN,
        };
    }
    let mut best = 0;
    for i in 0..n - inc {
        if v[i + inc] - v[i] < v[best + inc] - v[best] {
            best = i;
        }
    }
    Interval {
        low: v[best],
        high: v[best + inc],
    }
}

/// Mean and sample standard deviation (ddof = 1) of the pooled draws.
pub fn mean_sd(chains: &[Vec<f64>]) -> (f64, f64) {
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    if flat.len() < 2 {
        return (flat.first().copied().unwrap_or(f64::NAN), f64::NAN);
    }
    (mean(&flat), var_ddof1(&flat).sqrt())
}
