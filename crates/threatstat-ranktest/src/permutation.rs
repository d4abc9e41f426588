//! Permutation p-values, as `scipy.stats.permutation_test` computes them for
//! `mannwhitneyu(..., method=PermutationMethod(n_resamples=N))`.
//!
//! The statistic is U1 (with average ranks, so ties are handled exactly: the
//! null distribution is the conditional one given the tie pattern). Like
//! SciPy:
//!
//! * when `N` is at least the number of distinct splits `C(n_x+n_y, n_x)`,
//!   every split is enumerated and `p = count / C` (an exact conditional
//!   test);
//! * otherwise `N` random splits are drawn and `p = (count + 1) / (N + 1)`,
//!   where `count` is the number of splits with U1 at least as extreme;
//! * `less` counts `U1* <= U1`, `greater` counts `U1* >= U1`, and
//!   `two-sided` is `2·min(p_less, p_greater)`, clipped to 1.
//!
//! (SciPy compares with a relative tolerance of 100·ε; U1 is a multiple of
//! 1/2 and we compare doubled ranks as integers, which is the same for
//! U1 < 2·10^13.)
//!
//! Resamples are split into blocks of 1024; block `b` uses its own generator
//! seeded from `(seed, b)`, so the p-value depends on the seed only, not on
//! the number of threads.

use crate::Alternative;
use rand::RngExt;
use rayon::prelude::*;

const BLOCK: u64 = 1024;

use threatstat_core::rng::splitmix;

/// `C(n, k)`, saturating at `u128::MAX`.
pub(crate) fn binom_sat(n: u64, k: u64) -> u128 {
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 1..=u128::from(k) {
        // c·(n−k+i)/i is an integer at every step.
        match c.checked_mul(u128::from(n - k) + i) {
            Some(v) => c = v / i,
            None => return u128::MAX,
        }
    }
    c
}

/// Result of a permutation test.
pub(crate) struct PermOutcome {
    pub p: f64,
    pub permutations: u64,
    pub exhaustive: bool,
}

/// `ranks2`: doubled average ranks of the combined sample (any order);
/// `x_sum2`: the sum of x's doubled ranks. Sums of ranks are u128: the
/// doubled ranks of n values sum to n(n + 1), beyond 2^64 for n > 2^32.
pub(crate) fn permutation_p(
    ranks2: &[u64],
    n_x: u64,
    x_sum2: u128,
    alternative: Alternative,
    n_resamples: u64,
    seed: u64,
) -> PermOutcome {
    let n = ranks2.len() as u64;
    let total: u128 = ranks2.iter().map(|&r| u128::from(r)).sum();
    // Draw the smaller side; the x sum follows.
    let (k, draw_x) = if n_x <= n - n_x {
        (n_x, true)
    } else {
        (n - n_x, false)
    };
    let to_x = |s: u128| if draw_x { s } else { total - s };
    let splits = binom_sat(n, k);
    let (le, ge, count, exhaustive) = if splits <= u128::from(n_resamples) {
        let (le, ge) = enumerate(ranks2, k as usize, x_sum2, &to_x);
        (le, ge, splits as u64, true)
    } else {
        let blocks = n_resamples.div_ceil(BLOCK);
        let (le, ge) = (0..blocks)
            .into_par_iter()
            .map(|b| {
                let m = BLOCK.min(n_resamples - b * BLOCK);
                let mut rng = threatstat_core::rng::seeded(splitmix(seed ^ splitmix(b + 1)));
                let mut v = ranks2.to_vec();
                let (mut le, mut ge) = (0u64, 0u64);
                for _ in 0..m {
                    let mut s = 0u128;
                    for t in 0..k as usize {
                        let j = rng.random_range(t..v.len());
                        v.swap(t, j);
                        s += u128::from(v[t]);
                    }
                    let sx = to_x(s);
                    le += u64::from(sx <= x_sum2);
                    ge += u64::from(sx >= x_sum2);
                }
                (le, ge)
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        (le, ge, n_resamples, false)
    };
    let adj = if exhaustive { 0.0 } else { 1.0 };
    let denom = count as f64 + adj;
    let p_less = (le as f64 + adj) / denom;
    let p_greater = (ge as f64 + adj) / denom;
    let p = match alternative {
        Alternative::Less => p_less,
        Alternative::Greater => p_greater,
        Alternative::TwoSided => 2.0 * p_less.min(p_greater),
    };
    PermOutcome {
        p: p.clamp(0.0, 1.0),
        permutations: count,
        exhaustive,
    }
}

/// Counts of the k-subsets whose x sum is `<=` and `>=` the observed one.
fn enumerate(r: &[u64], k: usize, obs: u128, to_x: &dyn Fn(u128) -> u128) -> (u64, u64) {
    fn rec(
        r: &[u64],
        start: usize,
        left: usize,
        sum: u128,
        obs: u128,
        to_x: &dyn Fn(u128) -> u128,
        acc: &mut (u64, u64),
    ) {
        if left == 0 {
            let sx = to_x(sum);
            acc.0 += u64::from(sx <= obs);
            acc.1 += u64::from(sx >= obs);
            return;
        }
        for i in start..=r.len() - left {
            rec(r, i + 1, left - 1, sum + u128::from(r[i]), obs, to_x, acc);
        }
    }
    let mut acc = (0, 0);
    rec(r, 0, k, 0, obs, to_x, &mut acc);
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials() {
        assert_eq!(binom_sat(5, 2), 10);
        assert_eq!(binom_sat(60, 30), 118264581564861424);
        assert_eq!(binom_sat(1000, 500), u128::MAX);
    }

    #[test]
    fn exhaustive_matches_exact_distribution_without_ties() {
        // x = 1..=3 below y = 4..=6: U1 = 0, P(U <= 0) = 1/20.
        let r: Vec<u64> = (1..=6).map(|i| 2 * i).collect();
        let o = permutation_p(&r, 3, 2 + 4 + 6, Alternative::Less, 100, 0);
        assert!(o.exhaustive);
        assert_eq!(o.permutations, 20);
        assert_eq!(o.p, 0.05);
        let o = permutation_p(&r, 3, 2 + 4 + 6, Alternative::TwoSided, 100, 0);
        assert_eq!(o.p, 0.1);
    }

    #[test]
    fn seeded_and_thread_count_independent() {
        let r: Vec<u64> = (1..=40).map(|i| 2 * i).collect();
        let obs = 840;
        let a = permutation_p(&r, 20, obs, Alternative::TwoSided, 5000, 7).p;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| permutation_p(&r, 20, obs, Alternative::TwoSided, 5000, 7).p);
        assert_eq!(a, b);
        let c = permutation_p(&r, 20, obs, Alternative::TwoSided, 5000, 8).p;
        assert_ne!(a, c);
    }
}
