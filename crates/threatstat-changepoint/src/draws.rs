//! Posterior draws of (λ1, λ2, τ) as a tidy table: what `changepoint fit
//! --draws-out FILE.csv` writes, one row per draw, columns `chain, draw,
//! lambda_1, lambda_2, tau` (numbers in Rust's shortest round-trip form, so
//! that a reader gets the very values the summaries were computed from).
//!
//! MCMC draws are the samplers' ([`crate::McmcPosterior::chains`]); for the
//! exact posterior [`ExactPosterior::draws`] gives independent draws, seeded
//! per chain, so that the same workflow (ArviZ, trace plots, posterior
//! predictive checks) applies to every method; their ESS is about the
//! number of draws and their R-hat about 1.
//!
//! Loading the table in ArviZ (0.23):
//!
//! ```python
//! import pandas as pd, arviz as az
//! df = pd.read_csv("draws.csv")
//! idata = az.from_dict(posterior={
//!     v: df.pivot(index="chain", columns="draw", values=v).to_numpy()
//!     for v in ["lambda_1", "lambda_2", "tau"]})
//! az.summary(idata)
//! ```

use crate::exact::ExactPosterior;
use crate::mcmc::{ChainDraws, splitmix};
use crate::{ChangepointError, Direction};
use rand::RngExt;
use rand_distr::{Distribution, Gamma};
use rayon::prelude::*;
use std::io::Write;
use threatstat_core::Error;

/// Proposals per draw of the restricted rates before giving up (the order
/// has posterior probability below 1e-4 for the drawn τ).
const MAX_TRIES: usize = 10_000;

impl ExactPosterior {
    /// `chains` × `draws` independent draws of (λ1, λ2, τ) from the exact
    /// posterior: τ from `P(τ | y)`, then the rates from their Gamma
    /// posteriors given τ (under a direction, pairs in the wrong order are
    /// rejected). Chain `c` uses a stream derived from (`seed`, `c`), as
    /// the samplers do; acceptance rates are 1.
    ///
    /// ```
    /// use threatstat_changepoint::Switchpoint;
    /// let post = Switchpoint::params().fit(&[3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14]).unwrap();
    /// let d = post.draws(2, 500, 7).unwrap();
    /// assert_eq!((d.len(), d[0].tau.len()), (2, 500));
    /// let share = d.iter().flat_map(|c| &c.tau).filter(|&&t| t == 6).count() as f64 / 1000.0;
    /// assert!((share - post.tau_posterior()[6]).abs() < 0.05);
    /// ```
    pub fn draws(
        &self,
        chains: usize,
        draws: usize,
        seed: u64,
    ) -> Result<Vec<ChainDraws>, ChangepointError> {
        let p = self.tau_posterior();
        let mut cdf = Vec::with_capacity(p.len());
        let mut total = 0.0;
        for &w in p {
            total += w;
            cdf.push(total);
        }
        let dir = self.direction();
        let run = |c: usize| -> Result<ChainDraws, ChangepointError> {
            let mut rng = threatstat_core::rng::seeded(splitmix(seed ^ splitmix(c as u64 + 1)));
            let mut out = ChainDraws {
                lambda_1: Vec::with_capacity(draws),
                lambda_2: Vec::with_capacity(draws),
                tau: Vec::with_capacity(draws),
                acceptance: [1.0; 3],
            };
            for _ in 0..draws {
                let u = rng.random::<f64>() * total;
                let k = cdf.partition_point(|&x| x <= u).min(p.len() - 1);
                let (a1, b1, a2, b2) = self.shapes_rates(k);
                let g1 = Gamma::new(a1 as f64, 1.0 / b1).expect("positive shape and rate");
                let g2 = Gamma::new(a2 as f64, 1.0 / b2).expect("positive shape and rate");
                let mut tries = 0;
                let (l1, l2) = loop {
                    let (l1, l2): (f64, f64) = (g1.sample(&mut rng), g2.sample(&mut rng));
                    let ok = match dir {
                        Direction::Any => true,
                        Direction::Up => l2 > l1,
                        Direction::Down => l2 < l1,
                    };
                    if ok {
                        break (l1, l2);
                    }
                    tries += 1;
                    if tries == MAX_TRIES {
                        return Err(Error::data(
                            "exact draws",
                            format!(
                                "no draw of the rates in the order of direction {} for τ = {k} \
                                 in {MAX_TRIES} proposals (the data contradict the direction)",
                                dir.name()
                            ),
                        )
                        .into());
                    }
                };
                out.lambda_1.push(l1);
                out.lambda_2.push(l2);
                out.tau.push(k as u32);
            }
            Ok(out)
        };
        (0..chains).into_par_iter().map(run).collect()
    }
}

/// Writes draws as the tidy CSV table `chain,draw,lambda_1,lambda_2,tau`
/// (chains and draws numbered from 0, as ArviZ's coordinates).
///
/// ```
/// use threatstat_changepoint::{ChainDraws, draws::write_csv};
/// let c = ChainDraws { lambda_1: vec![1.5], lambda_2: vec![2.25], tau: vec![3], acceptance: [1.0; 3] };
/// let mut out = Vec::new();
/// write_csv(&[c], &mut out).unwrap();
/// assert_eq!(String::from_utf8(out).unwrap(), "chain,draw,lambda_1,lambda_2,tau\n0,0,1.5,2.25,3\n");
/// ```
pub fn write_csv<W: Write>(chains: &[ChainDraws], w: W) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(w);
    writeln!(w, "chain,draw,lambda_1,lambda_2,tau")?;
    for (c, ch) in chains.iter().enumerate() {
        for i in 0..ch.tau.len() {
            writeln!(
                w,
                "{c},{i},{},{},{}",
                ch.lambda_1[i], ch.lambda_2[i], ch.tau[i]
            )?;
        }
    }
    w.flush()
}

/// The draws of one variable per chain (`"lambda_1"`, `"lambda_2"` or
/// `"tau"`), as the diagnostics take them.
pub fn variable(chains: &[ChainDraws], name: &str) -> Option<Vec<Vec<f64>>> {
    Some(match name {
        "lambda_1" => chains.iter().map(|c| c.lambda_1.clone()).collect(),
        "lambda_2" => chains.iter().map(|c| c.lambda_2.clone()).collect(),
        "tau" => chains
            .iter()
            .map(|c| c.tau.iter().map(|&t| f64::from(t)).collect())
            .collect(),
        _ => return None,
    })
}
