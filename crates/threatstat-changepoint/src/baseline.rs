//! Population baselines: each user's counts relative to everyone's on the
//! same days.
//!
//! An organisation-wide shift (a deadline crunch, a holiday, weekends)
//! changes every user's counts at once; scored on raw counts, every user
//! then has a "change". The fix is a day factor `m_t` estimated from all
//! users, and the model `y_ut ~ Poisson(λ_u · m_t)`: the conjugate formulas
//! carry through with exposures (`fit_with_exposures` of every model), and
//! λ_u becomes the user's rate relative to the population.
//!
//! `m_t = (S_t + c·μ) / ((N_t + c)·μ)` with `S_t` the population's count on
//! day t, `N_t` the number of users observed that day, `μ` the overall
//! count per user-day and `c` a pseudo-count of users (default 1) that
//! shrinks days with few users towards 1. [`BaselineKind::DayOfWeek`] and
//! [`BaselineKind::WeekdayWeekend`] pool days by weekday instead (a weekly
//! pattern without day-by-day estimates).
//!
//! ```
//! use threatstat_changepoint::baseline::{Baseline, BaselineKind};
//! use threatstat_changepoint::{ChangePosterior, Switchpoint};
//! // Everyone's count triples from day 10 (an organisation-wide shift).
//! let users: Vec<Vec<u32>> = (0..20u32)
//!     .map(|u| (0..20u32).map(|t| (1 + (u + t) % 3) * if t >= 10 { 3 } else { 1 }).collect())
//!     .collect();
//! let series: Vec<(i64, &[u32])> = users.iter().map(|c| (0, c.as_slice())).collect();
//! let base = Baseline::params().fit(&series).unwrap();
//! let m = base.exposures(0, 20).unwrap();
//! assert!(m[15] > 2.0 * m[5]);
//! let raw = Switchpoint::params().fit(&users[0]).unwrap();
//! let rel = Switchpoint::params().fit_with_exposures(&users[0], &m).unwrap();
//! assert!(raw.log_bayes_factor() > 3.0 && rel.log_bayes_factor() < 0.0);
//! ```

use crate::ChangepointError;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// How days are pooled into factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// One factor per calendar day (holidays and shifts included).
    #[default]
    Population,
    /// One factor per weekday (Monday to Sunday).
    DayOfWeek,
    /// Two factors: Monday–Friday and Saturday–Sunday.
    WeekdayWeekend,
}

/// Entry point: `Baseline::params()`.
pub struct Baseline;

impl Baseline {
    /// Parameters with defaults (per-day factors, pseudo-count 1 user).
    ///
    /// ```
    /// let p = threatstat_changepoint::baseline::Baseline::params();
    /// assert!(p.fit(&[(0, &[1, 2][..])]).is_ok());
    /// ```
    pub fn params() -> BaselineParams {
        BaselineParams::default()
    }
}

/// Parameters of a population baseline.
///
/// ```
/// use threatstat_changepoint::baseline::{Baseline, BaselineKind};
/// let p = Baseline::params().kind(BaselineKind::WeekdayWeekend).pseudo_users(5.0);
/// assert!(p.fit(&[(0, &[1, 2][..])]).is_ok());
/// assert!(Baseline::params().pseudo_users(-1.0).fit(&[(0, &[1][..])]).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaselineParams {
    kind: BaselineKind,
    pseudo_users: f64,
}

impl Default for BaselineParams {
    fn default() -> Self {
        BaselineParams {
            kind: BaselineKind::Population,
            pseudo_users: 1.0,
        }
    }
}

/// Monday = 0 ... Sunday = 6 of a day number, as an index.
fn weekday(day: i64) -> usize {
    threatstat_core::time::weekday(day) as usize
}

impl BaselineParams {
    /// How days are pooled (default: one factor per day).
    ///
    /// ```
    /// use threatstat_changepoint::baseline::{Baseline, BaselineKind};
    /// let b = Baseline::params().kind(BaselineKind::DayOfWeek).fit(&[(0, &[1; 14][..])]).unwrap();
    /// assert_eq!(b.kind(), BaselineKind::DayOfWeek);
    /// ```
    pub fn kind(mut self, kind: BaselineKind) -> Self {
        self.kind = kind;
        self
    }

    /// Pseudo-count of users at the overall mean added to every day
    /// (default 1; 0 uses the raw ratio, which is 0 on a day nobody was active).
    ///
    /// ```
    /// let b = threatstat_changepoint::baseline::Baseline::params().pseudo_users(0.0);
    /// ```
    pub fn pseudo_users(mut self, c: f64) -> Self {
        self.pseudo_users = c;
        self
    }

    /// Estimates the day factors from every user's series, each given as
    /// (day number of its first count, counts of consecutive days).
    pub fn fit(&self, series: &[(i64, &[u32])]) -> Result<BaselineModel, ChangepointError> {
        if !(self.pseudo_users.is_finite() && self.pseudo_users >= 0.0) {
            return Err(
                Error::param("pseudo_users", self.pseudo_users, "a finite number >= 0").into(),
            );
        }
        let first = series.iter().filter(|s| !s.1.is_empty()).map(|s| s.0).min();
        let last = series
            .iter()
            .filter(|s| !s.1.is_empty())
            .map(|s| s.0 + s.1.len() as i64)
            .max();
        let (Some(first), Some(end)) = (first, last) else {
            return Err(Error::shape(
                "series",
                "at least one non-empty series (a baseline)",
                "none",
            )
            .into());
        };
        let days = (end - first) as usize;
        let mut sum = vec![0u64; days];
        let mut users = vec![0u64; days];
        for &(d0, counts) in series {
            let off = (d0 - first) as usize;
            for (i, &c) in counts.iter().enumerate() {
                sum[off + i] += u64::from(c);
                users[off + i] += 1;
            }
        }
        let total: u64 = sum.iter().sum();
        let user_days: u64 = users.iter().sum();
        if total == 0 {
            return Err(Error::data(
                "counts",
                "all counts are zero: no population rate to scale by",
            )
            .into());
        }
        let mu = total as f64 / user_days as f64;
        let c = self.pseudo_users;
        let class = |d: i64| match self.kind {
            BaselineKind::Population => (d - first) as usize,
            BaselineKind::DayOfWeek => weekday(d),
            BaselineKind::WeekdayWeekend => usize::from(weekday(d) >= 5),
        };
        let n_class = match self.kind {
            BaselineKind::Population => days,
            BaselineKind::DayOfWeek => 7,
            BaselineKind::WeekdayWeekend => 2,
        };
        let mut cs = vec![0u64; n_class];
        let mut cn = vec![0u64; n_class];
        for i in 0..days {
            let k = class(first + i as i64);
            cs[k] += sum[i];
            cn[k] += users[i];
        }
        let factor_of = |s: u64, n: u64| (s as f64 + c * mu) / ((n as f64 + c) * mu);
        let factors = (0..days)
            .map(|i| {
                let k = class(first + i as i64);
                factor_of(cs[k], cn[k])
            })
            .collect();
        Ok(BaselineModel {
            kind: self.kind,
            first_day: first,
            factors,
            class_of: (0..days).map(|i| class(first + i as i64)).collect(),
            class_sum: cs,
            class_users: cn,
            mean: mu,
            pseudo_users: c,
        })
    }
}

/// Day factors of a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineModel {
    kind: BaselineKind,
    first_day: i64,
    factors: Vec<f64>,
    class_of: Vec<usize>,
    class_sum: Vec<u64>,
    class_users: Vec<u64>,
    mean: f64,
    pseudo_users: f64,
}

impl BaselineModel {
    /// How days were pooled.
    pub fn kind(&self) -> BaselineKind {
        self.kind
    }

    /// The first day covered.
    pub fn first_day(&self) -> i64 {
        self.first_day
    }

    /// The factor of every day from [`first_day`](Self::first_day).
    pub fn factors(&self) -> &[f64] {
        &self.factors
    }

    /// The overall count per user-day.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    fn range(&self, first_day: i64, len: usize) -> Result<usize, ChangepointError> {
        let off = first_day - self.first_day;
        if off < 0 || off as usize + len > self.factors.len() {
            return Err(Error::shape(
                "days",
                format!(
                    "days within the baseline's days {}..{}",
                    self.first_day,
                    self.first_day + self.factors.len() as i64
                ),
                format!("days {first_day}..{}", first_day + len as i64),
            )
            .into());
        }
        Ok(off as usize)
    }

    /// Exposures `m_t` for `len` days from `first_day`.
    ///
    /// ```
    /// use threatstat_changepoint::baseline::Baseline;
    /// let b = Baseline::params().fit(&[(10, &[1, 3][..]), (10, &[1, 3][..])]).unwrap();
    /// let m = b.exposures(10, 2).unwrap();
    /// assert!(m[1] > 1.0 && m[0] < 1.0);
    /// assert!(b.exposures(9, 2).is_err());
    /// ```
    pub fn exposures(&self, first_day: i64, len: usize) -> Result<Vec<f64>, ChangepointError> {
        let off = self.range(first_day, len)?;
        Ok(self.factors[off..off + len].to_vec())
    }

    /// Exposures for one of the users the baseline was fitted on, with
    /// that user's own counts left out of the day factors (leave-one-out),
    /// so that a user's own change does not dilute its score; matters for
    /// small populations.
    ///
    /// ```
    /// use threatstat_changepoint::baseline::Baseline;
    /// let (a, b) = ([1u32, 9], [1u32, 1]);
    /// let base = Baseline::params().fit(&[(0, &a[..]), (0, &b[..])]).unwrap();
    /// let m = base.exposures_leave_one_out(0, &a).unwrap();
    /// assert!((m[0] - m[1]).abs() < 1e-12);   // without user a, both days are alike
    /// ```
    pub fn exposures_leave_one_out(
        &self,
        first_day: i64,
        counts: &[u32],
    ) -> Result<Vec<f64>, ChangepointError> {
        let off = self.range(first_day, counts.len())?;
        let c = self.pseudo_users;
        let mu = self.mean;
        // Days pooled into one class lose the user's counts on all of them.
        let mut own_sum = vec![0u64; self.class_sum.len()];
        let mut own_days = vec![0u64; self.class_sum.len()];
        for (i, &y) in counts.iter().enumerate() {
            let k = self.class_of[off + i];
            own_sum[k] += u64::from(y);
            own_days[k] += 1;
        }
        Ok((0..counts.len())
            .map(|i| {
                let k = self.class_of[off + i];
                let s = self.class_sum[k].saturating_sub(own_sum[k]);
                let n = self.class_users[k].saturating_sub(own_days[k]);
                let f = (s as f64 + c * mu) / ((n as f64 + c) * mu);
                if f > 0.0 { f } else { 1.0 }
            })
            .collect())
    }
}
