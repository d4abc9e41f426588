//! What the choice of the prior rate α does to calibration (issue 22).
//!
//! The calibration of the changepoint model ([`super::changepoint`],
//! [`super::sbc`]) needs a fixed α: the book's rule α = 1/mean of each
//! series makes the prior depend on the data, so data drawn "from the
//! prior" is drawn from no prior the fit uses. An empirical-Bayes α pooled
//! over a population ([`threatstat_changepoint::prior_eb`]) is one α for
//! everyone, estimated from the data: here it is fitted to the same series
//! from the prior (α = [`super::changepoint::ALPHA`]) that the coverage
//! check draws, and the exact 94% intervals of λ1 and λ2 are scored with
//! the true α, the pooled EB α, the per-series EB α and the 1/mean rule.

use super::changepoint::{ALPHA, PROB};
use super::promise::run_rng;
use rand_distr::Exp;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write as _;
use threatstat_changepoint::prior_eb::{eb_prior_rate, eb_prior_rate_pooled};
use threatstat_changepoint::sbc::{PriorDraw, draw_from_prior};
use threatstat_changepoint::{Interval, Switchpoint};

/// Coverage of one choice of α.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    /// `true α`, `eb-pooled`, `eb` or `1/mean`.
    pub rule: String,
    /// Share of series whose λ1 interval holds the true λ1.
    pub lambda_1: f64,
    /// The same for λ2.
    pub lambda_2: f64,
    /// Median α used.
    pub median_alpha: f64,
}

/// The prior-rate section of the calibration report.
#[derive(Debug, Clone, Serialize)]
pub struct PriorRateCheck {
    /// The α the series were drawn with.
    pub true_alpha: f64,
    /// Series (those that every rule could fit).
    pub runs: usize,
    /// Days per series.
    pub days: usize,
    /// The pooled EB α.
    pub pooled_alpha: f64,
    /// Brent iterations and termination of the pooled fit.
    pub pooled_solver: (u64, String),
    /// Monte Carlo standard error of a coverage of 0.94 over `runs`.
    pub mc_se: f64,
    /// Coverage per rule.
    pub coverage: Vec<RuleCoverage>,
}

fn inside(i: Interval, v: f64) -> bool {
    i.low <= v && v <= i.high
}

/// Draws `runs` series of `n` days from the prior (the coverage check's
/// draws with the same seed) and scores every rule.
pub fn check(n: usize, runs: usize, seed: u64) -> Result<PriorRateCheck, crate::Error> {
    let prior = Exp::new(ALPHA).expect("valid prior");
    let draws: Vec<PriorDraw> = (0..runs)
        .map(|r| draw_from_prior(&mut run_rng(seed, r), &prior, n))
        .collect();
    // A series of zeros has no 1/mean and no per-series EB α: left out.
    let draws: Vec<PriorDraw> = draws
        .into_iter()
        .filter(|d| d.counts.iter().any(|&c| c > 0))
        .collect();
    let series: Vec<Vec<u32>> = draws.iter().map(|d| d.counts.clone()).collect();
    let pooled = eb_prior_rate_pooled(&series, None)?;
    type Rule = (&'static str, Box<dyn Fn(&[u32]) -> f64 + Sync>);
    let pooled_alpha = pooled.alpha;
    let rules: Vec<Rule> = vec![
        ("true α", Box::new(|_| ALPHA)),
        ("eb-pooled", Box::new(move |_| pooled_alpha)),
        (
            "eb",
            Box::new(|y| eb_prior_rate(y, None).map_or(f64::NAN, |e| e.alpha)),
        ),
        (
            "1/mean",
            Box::new(|y| y.len() as f64 / y.iter().map(|&c| f64::from(c)).sum::<f64>()),
        ),
    ];
    let mut coverage = Vec::new();
    for (name, rule) in &rules {
        let hits: Vec<(bool, bool, f64)> = draws
            .par_iter()
            .map(|d| {
                let a = rule(&d.counts);
                let post = Switchpoint::params()
                    .alpha(a)
                    .fit(&d.counts)
                    .expect("a series with a count and a finite α");
                (
                    inside(post.lambda_1_interval(PROB).expect("valid"), d.lambda_1),
                    inside(post.lambda_2_interval(PROB).expect("valid"), d.lambda_2),
                    a,
                )
            })
            .collect();
        let share = |f: &dyn Fn(&(bool, bool, f64)) -> bool| {
            hits.iter().filter(|h| f(h)).count() as f64 / hits.len() as f64
        };
        let mut alphas: Vec<f64> = hits.iter().map(|h| h.2).collect();
        coverage.push(RuleCoverage {
            rule: (*name).into(),
            lambda_1: share(&|h| h.0),
            lambda_2: share(&|h| h.1),
            median_alpha: threatstat_core::numerics::median(&mut alphas),
        });
    }
    Ok(PriorRateCheck {
        true_alpha: ALPHA,
        runs: draws.len(),
        days: n,
        pooled_alpha,
        pooled_solver: (pooled.iterations, pooled.termination),
        mc_se: (PROB * (1.0 - PROB) / draws.len() as f64).sqrt(),
        coverage,
    })
}

impl PriorRateCheck {
    /// The section as markdown.
    pub fn markdown(&self) -> String {
        let mut t = format!(
            "Pooled empirical-Bayes α over {} series of {} days drawn with α = {}: {:.4} \
             ({} Brent iterations, {}). Coverage of the exact {PROB} intervals (Monte Carlo \
             s.e. {:.4}):\n\n| α | median α | λ1 coverage | λ2 coverage |\n| --- | --- | --- | --- |\n",
            self.runs,
            self.days,
            self.true_alpha,
            self.pooled_alpha,
            self.pooled_solver.0,
            self.pooled_solver.1,
            self.mc_se
        );
        for c in &self.coverage {
            let _ = writeln!(
                t,
                "| {} | {:.4} | {:.4} | {:.4} |",
                c.rule, c.median_alpha, c.lambda_1, c.lambda_2
            );
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pooled_alpha_recovers_the_population_alpha() {
        let c = check(60, 400, 4).unwrap();
        // The prior mean 1/α from 800 rates: within about 15%.
        assert!(
            (c.pooled_alpha / ALPHA - 1.0).abs() < 0.15,
            "{}",
            c.pooled_alpha
        );
        let pooled = &c.coverage[1];
        assert!((pooled.lambda_1 - PROB).abs() < 4.0 * c.mc_se, "{pooled:?}");
    }
}
