//! Bayesian online changepoint detection (Adams & MacKay 2007) for daily
//! counts, for streaming use.
//!
//! The model is the one of [`crate::Segmentation`]: a new segment starts
//! on each day with probability `hazard` (constant hazard, geometric
//! lengths), each segment's rate ~ Exponential(α), counts Poisson with an
//! optional exposure. The detector keeps the distribution of the current
//! run length (days since the current segment started, this day included)
//! given the counts so far; the predictive of a count under a run is a
//! negative binomial (the Poisson–Gamma mixture). Run lengths whose
//! probability falls below `prune` (at most 1e-6) are dropped, the most
//! probable one always kept, so the cost per day is the number of plausible
//! run lengths, not the number of days; the error this costs is measured in
//! [`OnlineParams::prune`]. Without pruning, the product of the predictives
//! is the segmentation model's exact marginal likelihood.
//!
//! ```
//! use threatstat_changepoint::OnlineDetector;
//! let mut d = OnlineDetector::params().alpha(0.5).hazard(0.01).start().unwrap();
//! for &y in &[1, 0, 2, 1, 1, 0, 1, 9, 8, 10, 9, 11, 9, 10] {
//!     d.update(y).unwrap();
//! }
//! assert_eq!(d.map_run_start(), 7);           // the current segment began on day 7
//! assert_eq!(d.detected_changes(), &[7]);
//! ```

use crate::ChangepointError;
use crate::exact::ln_factorial;
use serde::Serialize;
use threatstat_core::Error;

/// The largest [`OnlineParams::prune`] accepted (see there for what it costs).
pub const MAX_PRUNE: f64 = 1e-6;

/// Entry point: `OnlineDetector::params()`.
pub struct OnlineDetector;

impl OnlineDetector {
    /// Parameters with defaults: α = 1, hazard 1/100, prune 1e-12, no
    /// limit on run lengths kept, confirm 3 days.
    ///
    /// ```
    /// let d = threatstat_changepoint::OnlineDetector::params().start().unwrap();
    /// assert_eq!(d.days_seen(), 0);
    /// ```
    pub fn params() -> OnlineParams {
        OnlineParams::default()
    }
}

/// Parameters of the online detector.
///
/// ```
/// use threatstat_changepoint::OnlineDetector;
/// assert!(OnlineDetector::params().hazard(0.0).start().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OnlineParams {
    alpha: Option<f64>,
    hazard: f64,
    prune: f64,
    max_runs: usize,
    confirm: usize,
}

impl Default for OnlineParams {
    fn default() -> Self {
        OnlineParams {
            alpha: None,
            hazard: 0.01,
            prune: 1e-12,
            max_runs: usize::MAX,
            confirm: 3,
        }
    }
}

impl OnlineParams {
    /// Rate α of the Exponential prior of each segment's rate (default 1
    /// for [`start`](Self::start); 1/mean for [`run`](Self::run), which
    /// sees the whole series).
    ///
    /// ```
    /// let d = threatstat_changepoint::OnlineDetector::params().alpha(0.2).start().unwrap();
    /// ```
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = Some(alpha);
        self
    }

    /// Probability that a new segment starts on a given day (default 0.01).
    ///
    /// ```
    /// let d = threatstat_changepoint::OnlineDetector::params().hazard(1.0 / 365.0).start().unwrap();
    /// ```
    pub fn hazard(mut self, h: f64) -> Self {
        self.hazard = h;
        self
    }

    /// Drop run lengths with posterior probability below this (default
    /// 1e-12; 0 keeps all, the exact posterior). Accepted range
    /// [0, [`MAX_PRUNE`]] = [0, 1e-6]; the most probable run is always kept.
    ///
    /// What it costs: the error grows about linearly with `prune`. Measured
    /// against the exact detector (`tests/online_prune.rs`: stationary,
    /// sparse and changing Poisson series of 300–400 days, hazard 0.01 and
    /// 0.1), the run-length posterior stays within 30·prune in total
    /// variation on every day and ln p(y) within 60·prune (the test
    /// enforces 100·prune); at 1e-4 the distance already reaches 0.016 and
    /// at 1e-3 0.19, which is why larger values are refused. To bound the
    /// cost per day use [`max_runs`](Self::max_runs) instead.
    ///
    /// ```
    /// use threatstat_changepoint::OnlineDetector;
    /// let d = OnlineDetector::params().prune(0.0).start().unwrap();
    /// let e = OnlineDetector::params().prune(0.9).start().unwrap_err();
    /// assert!(matches!(
    ///     e,
    ///     threatstat_changepoint::ChangepointError::Core(threatstat_core::Error::Param {
    ///         name: "prune",
    ///         ..
    ///     })
    /// ));
    /// ```
    pub fn prune(mut self, p: f64) -> Self {
        self.prune = p;
        self
    }

    /// Keep at most this many run lengths, the most probable (default: no
    /// limit); bounds the cost per day on long stationary stretches.
    ///
    /// ```
    /// let r = threatstat_changepoint::OnlineDetector::params().max_runs(20).run(&[3; 200]).unwrap();
    /// assert!(r.max_runs_kept <= 20);
    /// ```
    pub fn max_runs(mut self, k: usize) -> Self {
        self.max_runs = k;
        self
    }

    /// A segment start is reported as a change once it has been the most
    /// probable start of the current segment for this many consecutive
    /// days (default 3).
    ///
    /// ```
    /// let d = threatstat_changepoint::OnlineDetector::params().confirm(1).start().unwrap();
    /// ```
    pub fn confirm(mut self, days: usize) -> Self {
        self.confirm = days;
        self
    }

    fn check(&self, alpha: f64) -> Result<(), ChangepointError> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(Error::param("alpha", alpha, "a finite number > 0").into());
        }
        if !(self.hazard > 0.0 && self.hazard < 1.0) {
            return Err(Error::param("hazard", self.hazard, "a number in (0, 1)").into());
        }
        if !(0.0..=MAX_PRUNE).contains(&self.prune) {
            return Err(Error::param(
                "prune",
                self.prune,
                format!(
                    "a number in [0, {MAX_PRUNE:e}] (at 1e-4 the run-length posterior is \
                     already off by 0.016 in total variation; use max_runs to bound the cost)"
                ),
            )
            .into());
        }
        if self.max_runs == 0 {
            return Err(Error::param("max_runs", 0, "at least 1").into());
        }
        if self.confirm == 0 {
            return Err(Error::param("confirm", 0, "at least 1 day").into());
        }
        Ok(())
    }

    /// A detector in its initial state (no days seen).
    pub fn start(&self) -> Result<Detector, ChangepointError> {
        let alpha = self.alpha.unwrap_or(1.0);
        self.check(alpha)?;
        Ok(Detector {
            params: *self,
            alpha,
            runs: Vec::new(),
            t: 0,
            log_evidence: 0.0,
            candidate: (0, 0),
            detected: Vec::new(),
        })
    }

    /// Runs the detector over a whole series (α defaults to 1/mean of it)
    /// and returns each day's summary.
    ///
    /// ```
    /// use threatstat_changepoint::OnlineDetector;
    /// let r = OnlineDetector::params().run(&[1, 1, 0, 1, 8, 9, 8, 9, 8]).unwrap();
    /// assert_eq!(r.detected_changes, vec![4]);
    /// assert_eq!(r.map_run_start.len(), 9);
    /// ```
    pub fn run(&self, counts: &[u32]) -> Result<OnlineRun, ChangepointError> {
        let mut p = *self;
        if p.alpha.is_none() {
            let prefix = crate::numerics::Prefix::new(counts, None)?;
            p.alpha = Some(prefix.default_alpha()?);
        }
        let mut d = p.start()?;
        let mut run = OnlineRun {
            change_probability: Vec::with_capacity(counts.len()),
            map_run_start: Vec::with_capacity(counts.len()),
            detected_changes: Vec::new(),
            log_evidence: 0.0,
            max_runs_kept: 0,
        };
        for &y in counts {
            d.update(y)?;
            run.change_probability.push(d.change_probability());
            run.map_run_start.push(d.map_run_start());
            run.max_runs_kept = run.max_runs_kept.max(d.runs.len());
        }
        run.detected_changes = d.detected.clone();
        run.log_evidence = d.log_evidence;
        Ok(run)
    }
}

/// One plausible run: the day it started, its posterior probability, and
/// the count and exposure of its days so far.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    start: usize,
    prob: f64,
    count: u64,
    exposure: f64,
}

/// The state of an online detector.
#[derive(Debug, Clone, PartialEq)]
pub struct Detector {
    params: OnlineParams,
    alpha: f64,
    runs: Vec<Run>,
    t: usize,
    log_evidence: f64,
    /// (most probable start, for how many consecutive days).
    candidate: (usize, usize),
    detected: Vec<usize>,
}

/// `ln p(y | run with count s, exposure e)` for exposure `m` today: the
/// negative binomial predictive of Gamma(s+1, e+α).
fn ln_predictive(y: u32, m: f64, s: u64, e: f64, alpha: f64) -> f64 {
    let (a, b) = ((s + 1) as f64, e + alpha);
    let y64 = u64::from(y);
    ln_factorial(s + y64) - ln_factorial(s) - ln_factorial(y64)
        + a * (b / (b + m)).ln()
        + f64::from(y) * (m / (b + m)).ln()
}

impl Detector {
    /// Adds one day's count (exposure 1).
    pub fn update(&mut self, y: u32) -> Result<(), ChangepointError> {
        self.update_with_exposure(y, 1.0)
    }

    /// Adds one day's count with its exposure.
    ///
    /// ```
    /// let mut d = threatstat_changepoint::OnlineDetector::params().start().unwrap();
    /// assert!(d.update_with_exposure(3, 0.0).is_err());
    /// d.update_with_exposure(3, 2.0).unwrap();
    /// ```
    pub fn update_with_exposure(&mut self, y: u32, m: f64) -> Result<(), ChangepointError> {
        if !(m.is_finite() && m > 0.0) {
            return Err(crate::numerics::bad_exposure(m, self.t));
        }
        let alpha = self.alpha;
        let h = self.params.hazard;
        let new_pred = ln_predictive(y, m, 0, 0.0, alpha);
        if self.t == 0 {
            self.log_evidence = new_pred;
            self.runs.push(Run {
                start: 0,
                prob: 1.0,
                count: u64::from(y),
                exposure: m,
            });
        } else {
            // log weights of: each run growing, and a new run starting today.
            let mut logw: Vec<f64> = self
                .runs
                .iter()
                .map(|r| {
                    r.prob.ln() + (-h).ln_1p() + ln_predictive(y, m, r.count, r.exposure, alpha)
                })
                .collect();
            logw.push(h.ln() + new_pred);
            let mx = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let z: f64 = logw.iter().map(|l| (l - mx).exp()).sum();
            self.log_evidence += mx + z.ln();
            let mut next = Vec::with_capacity(self.runs.len() + 1);
            for (r, l) in self.runs.iter().zip(&logw) {
                next.push(Run {
                    start: r.start,
                    prob: (l - mx).exp() / z,
                    count: r.count + u64::from(y),
                    exposure: r.exposure + m,
                });
            }
            next.push(Run {
                start: self.t,
                prob: (logw[logw.len() - 1] - mx).exp() / z,
                count: u64::from(y),
                exposure: m,
            });
            let prune = self.params.prune;
            if prune > 0.0 {
                // The most probable run always stays: when every run is below
                // `prune` (a long stationary stretch with a large hazard
                // spreads the mass thinly), dropping them all would restart
                // the state and report changes that are not in the data.
                let best = next
                    .iter()
                    .map(|r| r.prob)
                    .fold(f64::NEG_INFINITY, f64::max);
                next.retain(|r| r.prob >= prune || r.prob == best);
            }
            if next.len() > self.params.max_runs {
                next.sort_by(|a, b| b.prob.total_cmp(&a.prob));
                next.truncate(self.params.max_runs);
                next.sort_by_key(|r| r.start);
            }
            let kept: f64 = next.iter().map(|r| r.prob).sum();
            next.iter_mut().for_each(|r| r.prob /= kept);
            self.runs = next;
        }
        let start = self.map_run_start_now();
        if start == self.candidate.0 {
            self.candidate.1 += 1;
        } else {
            self.candidate = (start, 1);
        }
        if self.candidate.1 == self.params.confirm
            && start > 0
            && self.detected.last() != Some(&start)
        {
            self.detected.push(start);
        }
        self.t += 1;
        Ok(())
    }

    fn map_run_start_now(&self) -> usize {
        self.runs
            .iter()
            .fold((f64::NEG_INFINITY, 0), |best, r| {
                if r.prob > best.0 {
                    (r.prob, r.start)
                } else {
                    best
                }
            })
            .1
    }

    /// Number of days seen.
    pub fn days_seen(&self) -> usize {
        self.t
    }

    /// The most probable first day of the current segment.
    pub fn map_run_start(&self) -> usize {
        self.map_run_start_now()
    }

    /// `P(a new segment started on the latest day | counts so far)`.
    pub fn change_probability(&self) -> f64 {
        if self.t <= 1 {
            return 0.0;
        }
        self.runs
            .iter()
            .filter(|r| r.start + 1 == self.t)
            .map(|r| r.prob)
            .sum()
    }

    /// `(first day of the run, probability)` of every run length kept.
    pub fn run_length_posterior(&self) -> Vec<(usize, f64)> {
        self.runs.iter().map(|r| (r.start, r.prob)).collect()
    }

    /// `ln p(counts so far)` (exact without pruning).
    pub fn log_evidence(&self) -> f64 {
        self.log_evidence
    }

    /// Segment starts confirmed so far (see [`OnlineParams::confirm`]).
    pub fn detected_changes(&self) -> &[usize] {
        &self.detected
    }
}

/// The result of [`OnlineParams::run`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlineRun {
    /// Per day, the filtered probability that a segment started that day.
    pub change_probability: Vec<f64>,
    /// Per day, the most probable start of the current segment.
    pub map_run_start: Vec<usize>,
    /// Confirmed segment starts.
    pub detected_changes: Vec<usize>,
    /// `ln p(y)` (exact without pruning).
    pub log_evidence: f64,
    /// The largest number of run lengths kept on any day.
    pub max_runs_kept: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stationary series where, with a coarse `prune` (beyond the range
    /// [`OnlineParams::prune`] accepts, so set directly here), every run
    /// falls below the threshold: dropping them all restarted the state
    /// every few days and reported changes that are not there.
    #[test]
    fn the_most_probable_run_survives_any_prune() {
        let y: Vec<u32> = (0..120).map(|i| [3, 2, 4, 3, 1, 5, 3, 2][i % 8]).collect();
        let params = OnlineParams {
            alpha: Some(0.3),
            hazard: 0.1,
            prune: 0.9,
            ..OnlineParams::default()
        };
        let mut d = Detector {
            params,
            alpha: 0.3,
            runs: Vec::new(),
            t: 0,
            log_evidence: 0.0,
            candidate: (0, 0),
            detected: Vec::new(),
        };
        for &c in &y {
            d.update(c).unwrap();
            assert!(!d.runs.is_empty());
        }
        assert_eq!(d.detected_changes(), &[] as &[usize]);
        assert_eq!(d.map_run_start(), 0);
    }
}
