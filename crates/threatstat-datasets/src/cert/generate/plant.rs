//! What is planted in a generated file: the kind of insider change
//! ([`PlantKind`]), organisation-wide periods ([`OrgEvent`]) and the
//! after-hours probability of shift workers.
//!
//! # Why a file of its own
//!
//! These are the behaviours a detector must find or must not be fooled
//! by; they are part of the parameters (and of the truth file) but each
//! has its own serialised form and documentation.

use serde::{Deserialize, Serialize};

/// How planted users change.
///
/// ```
/// use threatstat_datasets::cert::PlantKind;
/// let k = PlantKind::after_hours_logons(1, 3);
/// assert_eq!(serde_json::to_string(&k).unwrap(),
///     r#"{"kind":"after_hours_logons","min_extra":1,"max_extra":3}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlantKind {
    /// CERT scenario 1: from the change date on, every day, the user also
    /// logs on `min_extra..=max_extra` (uniform) extra times at hours 18-23
    /// or 0-6 (uniform over those 13 hours), each followed by a logoff
    /// later the same day.
    AfterHoursLogons {
        /// Fewest extra logons per day.
        min_extra: u32,
        /// Most extra logons per day.
        max_extra: u32,
    },
    /// From the change date on, every day, a Poisson number of extra
    /// after-hours logons with mean `rate` (an effect size that can be
    /// small next to the day-to-day noise).
    AfterHoursRate {
        /// Mean extra after-hours logons per day.
        rate: f64,
    },
}

impl PlantKind {
    /// [`PlantKind::AfterHoursLogons`] with `min..=max` extra logons per day.
    ///
    /// ```
    /// # use threatstat_datasets::cert::PlantKind;
    /// assert_eq!(PlantKind::after_hours_logons(1, 3),
    ///     PlantKind::AfterHoursLogons { min_extra: 1, max_extra: 3 });
    /// ```
    pub fn after_hours_logons(min: u32, max: u32) -> Self {
        PlantKind::AfterHoursLogons {
            min_extra: min,
            max_extra: max,
        }
    }
}

impl PlantKind {
    /// [`PlantKind::AfterHoursRate`] with mean `rate` extra logons per day.
    ///
    /// ```
    /// # use threatstat_datasets::cert::PlantKind;
    /// assert_eq!(PlantKind::after_hours_rate(0.5), PlantKind::AfterHoursRate { rate: 0.5 });
    /// ```
    pub fn after_hours_rate(rate: f64) -> Self {
        PlantKind::AfterHoursRate { rate }
    }
}

/// An organisation-wide period: from `start` (days after the first day)
/// for `days` days every user's ordinary logon rate is multiplied by
/// `rate_factor` (a holiday: e.g. 0.1), and, if set, the probability that
/// an ordinary logon is after hours becomes `after_hours_prob` (a deadline
/// crunch: e.g. 0.3).
///
/// ```
/// use threatstat_datasets::cert::OrgEvent;
/// let holiday = OrgEvent { start: 350, days: 10, rate_factor: 0.1, after_hours_prob: None };
/// assert!(serde_json::to_string(&holiday).unwrap().contains("\"rate_factor\":0.1"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrgEvent {
    /// First day of the period, as days after the generator's first day.
    pub start: u32,
    /// Length in days.
    pub days: u32,
    /// Factor of every user's ordinary rate.
    pub rate_factor: f64,
    /// After-hours probability of ordinary logons during the period.
    pub after_hours_prob: Option<f64>,
}

/// The probability that a shift worker's ordinary logon is after hours.
pub const SHIFT_AFTER_HOURS_PROB: f64 = 0.85;

impl Default for PlantKind {
    fn default() -> Self {
        PlantKind::after_hours_logons(1, 3)
    }
}
