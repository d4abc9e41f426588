//! Coverage of the changepoint model's 94% intervals (threatstat-changepoint)
//! on data simulated from the prior with a fixed α: draw λ1, λ2 ~
//! Exponential(α) and τ ~ DiscreteUniform(0, n − 1), counts from Poisson,
//! and check whether the intervals contain the truth.
//!
//! Averaged over the prior, a Bayesian credible interval of probability
//! 0.94 contains the truth in exactly 94% of the runs: for the exact
//! posterior's equal-tailed intervals of λ1 and λ2, and for the Gibbs
//! sampler's highest-density intervals of λ1, λ2 and τ up to the error of
//! a finite number of draws (τ is discrete: its interval holds at least 94%
//! of the draws, so its coverage may exceed 0.94).

use super::promise::{Bound, Promise, run_rng};
use rand_distr::Exp;
use rayon::prelude::*;
use threatstat_changepoint::sbc::{PriorDraw, draw_from_prior};
use threatstat_changepoint::{Interval, McmcParams, Switchpoint};

/// The probability of the intervals.
pub const PROB: f64 = 0.94;
/// The prior's fixed α (prior mean rate 5 a day).
pub const ALPHA: f64 = 0.2;

fn inside(i: Interval, v: f64) -> bool {
    i.low <= v && v <= i.high
}

/// Which intervals contain the truth in one run: [exact λ1, exact λ2,
/// Gibbs λ1, Gibbs λ2, Gibbs τ] (Gibbs only when `gibbs`).
fn one_run(n: usize, seed: u64, r: usize, gibbs: bool) -> [bool; 5] {
    let mut rng = run_rng(seed, r);
    let prior = Exp::new(ALPHA).expect("valid prior");
    let PriorDraw {
        lambda_1: l1,
        lambda_2: l2,
        tau,
        counts,
    } = draw_from_prior(&mut rng, &prior, n);
    let model = Switchpoint::params().alpha(ALPHA);
    let exact = model.fit(&counts).expect("valid series");
    let mut hit = [
        inside(exact.lambda_1_interval(PROB).expect("valid prob"), l1),
        inside(exact.lambda_2_interval(PROB).expect("valid prob"), l2),
        false,
        false,
        false,
    ];
    if gibbs {
        let p = McmcParams::default()
            .chains(1)
            .draws(1000)
            .tune(300)
            .seed(r as u64);
        let m = model.sample(&counts, &p).expect("valid series");
        hit[2] = inside(m.lambda_1.hdi_94, l1);
        hit[3] = inside(m.lambda_2.hdi_94, l2);
        hit[4] = inside(m.tau.hdi_94, tau as f64);
    }
    hit
}

/// Coverage of the exact intervals over `runs` runs of `n` days, and of
/// the Gibbs intervals over the first `gibbs_runs` of them.
pub fn promises(n: usize, runs: usize, gibbs_runs: usize, seed: u64) -> Vec<Promise> {
    let hits: Vec<[bool; 5]> = (0..runs)
        .into_par_iter()
        .map(|r| one_run(n, seed, r, r < gibbs_runs))
        .collect();
    let names = [
        "exact posterior, equal-tailed, λ1",
        "exact posterior, equal-tailed, λ2",
        "Gibbs (1 chain, 1000 draws), HDI, λ1",
        "Gibbs (1 chain, 1000 draws), HDI, λ2",
        "Gibbs (1 chain, 1000 draws), HDI, τ",
    ];
    (0..5)
        .filter(|&v| v < 2 || gibbs_runs > 0)
        .map(|v| {
            let reps = if v < 2 { runs } else { gibbs_runs.min(runs) };
            let h = hits[..reps].iter().filter(|x| x[v]).count();
            Promise::rate(
                "coverage",
                format!(
                    "changepoint {PROB} interval, {}, data from the prior (α = {ALPHA}, {n} days)",
                    names[v]
                ),
                if v == 4 { Bound::AtLeast } else { Bound::Equal },
                PROB,
                h,
                reps,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changepoint_intervals_cover_the_truth() {
        for pr in &promises(40, 300, 150, 5) {
            assert!(!pr.unexpected_miss(), "{}: {}", pr.method, pr.describe());
        }
    }
}
