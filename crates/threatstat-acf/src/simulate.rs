//! Seeded count series with a known truth, for calibration and power
//! studies of the automation rules: people's sparse pairs with no
//! automation at all (independent Poisson days) and planted scheduled jobs.
//!
//! ```
//! use threatstat_acf::simulate::{Job, NullPairs, job_counts};
//! let null = NullPairs::sparse().pairs(100).generate(7);
//! assert_eq!(null.len(), 100);
//! assert!(null.iter().all(|p| (30..=120).contains(&p.counts.len())));
//! let weekly = job_counts(Job::Weekly, 70, 1);
//! let day = weekly.iter().position(|&c| c > 0.0).unwrap() % 7;
//! assert!(weekly.iter().enumerate().all(|(d, &c)| d % 7 == day || c == 0.0));
//! ```

use crate::automation::PairSeries;
use crate::rng::{SplitMix64, stream_seed};

/// Pairs of independent Poisson daily counts: no automation, no rhythm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NullPairs {
    /// Number of pairs.
    pub pairs: usize,
    /// Rates per day, drawn uniformly in `[low, high]` per pair.
    pub rates: (f64, f64),
    /// Days, drawn uniformly in `[low, high]` per pair.
    pub days: (usize, usize),
}

impl NullPairs {
    /// 2,000 sparse pairs: rates 0.05–0.3 calls a day, 30–120 days (most
    /// (principal, API) pairs of a real trail look like this).
    pub fn sparse() -> NullPairs {
        NullPairs {
            pairs: 2000,
            rates: (0.05, 0.3),
            days: (30, 120),
        }
    }

    /// Sets the number of pairs.
    pub fn pairs(mut self, pairs: usize) -> NullPairs {
        self.pairs = pairs;
        self
    }

    /// The pairs of run `seed` (principal `human-i`, API `Api`).
    pub fn generate(&self, seed: u64) -> Vec<PairSeries> {
        (0..self.pairs)
            .map(|i| {
                let mut rng = stream_seed(seed, i as u64);
                let (lo, hi) = self.rates;
                let rate = lo + (hi - lo) * rng.open01();
                let (dlo, dhi) = self.days;
                let days = dlo + rng.index(dhi.saturating_sub(dlo) + 1);
                PairSeries {
                    principal: format!("human-{i}"),
                    api: "Api".into(),
                    counts: (0..days).map(|_| poisson(rate, &mut rng)).collect(),
                }
            })
            .collect()
    }
}

/// A scheduled job, seen in daily counts. Each run makes 1 + Poisson(2)
/// calls and is skipped with probability 0.1 (a failed or paused run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Runs Monday to Friday (day 0 is a Monday), not at weekends.
    WeekdaysOnly,
    /// Runs one day a week.
    Weekly,
    /// Runs every second day.
    EveryOtherDay,
    /// Runs every hour at a fixed minute, each run skipped with probability
    /// 0.05: 24 − Binomial(24, 0.05) calls every day, independent from day
    /// to day. Its daily (and hourly) counts have no autocorrelation, so no
    /// test of autocorrelation can find it: a control of power.
    HourlyFixedMinute,
    /// Runs every hour at a fixed minute from 09:00 to 17:00 on weekdays.
    HourlyWorkingHours,
}

impl Job {
    /// Every kind, in declaration order.
    pub const ALL: [Job; 5] = [
        Job::WeekdaysOnly,
        Job::Weekly,
        Job::EveryOtherDay,
        Job::HourlyFixedMinute,
        Job::HourlyWorkingHours,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Job::WeekdaysOnly => "weekdays-only",
            Job::Weekly => "weekly",
            Job::EveryOtherDay => "every-other-day",
            Job::HourlyFixedMinute => "hourly-fixed-minute",
            Job::HourlyWorkingHours => "hourly-working-hours",
        }
    }
}

/// The daily counts of `job` over `days` days (stream `seed`).
pub fn job_counts(job: Job, days: usize, seed: u64) -> Vec<f64> {
    let mut rng = stream_seed(seed, 0x006a_6f62);
    let phase = rng.index(7);
    let run = |rng: &mut SplitMix64| {
        if rng.open01() < 0.1 {
            0.0
        } else {
            1.0 + poisson(2.0, rng)
        }
    };
    (0..days)
        .map(|d| match job {
            Job::WeekdaysOnly if d % 7 < 5 => run(&mut rng),
            Job::Weekly if d % 7 == phase => run(&mut rng),
            Job::EveryOtherDay if (d + phase).is_multiple_of(2) => run(&mut rng),
            Job::HourlyFixedMinute => (0..24).filter(|_| rng.open01() >= 0.05).count() as f64,
            Job::HourlyWorkingHours if d % 7 < 5 => {
                (0..9).filter(|_| rng.open01() >= 0.05).count() as f64
            }
            _ => 0.0,
        })
        .collect()
}

/// Poisson(`rate`) by multiplying uniforms (Knuth; fine for small rates).
fn poisson(rate: f64, rng: &mut SplitMix64) -> f64 {
    let limit = (-rate).exp();
    let (mut k, mut prod) = (0.0, rng.open01());
    while prod > limit {
        k += 1.0;
        prod *= rng.open01();
    }
    k
}
