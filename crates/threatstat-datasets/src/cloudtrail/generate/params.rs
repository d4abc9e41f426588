//! The generator's parameters: the [`CloudTrailGenerator`] builder, its
//! defaults, its validation and its JSON form (kept in the truth file, so a
//! log can be regenerated from its truth).
//!
//! # Why a file of its own
//!
//! What a caller may ask for, and what is refused, is one question; how a
//! log is simulated from accepted parameters is another
//! ([`generate`](CloudTrailGenerator::generate), in `simulate`).

use super::calendar::{holidays_in, us_federal_holidays};
use super::catalogue::NAMES;
use crate::DatasetError;
use crate::cert::{format_day, parse_day};
use crate::error::bad_param as bad;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use threatstat_core::ParamGuard;
use threatstat_core::time::days_from_civil;

mod day_as_date {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(day: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_day(*day))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_day(&s).map_err(serde::de::Error::custom)
    }
}

mod days_as_dates {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(days: &Option<Vec<i64>>, s: S) -> Result<S::Ok, S::Error> {
        match days {
            None => s.serialize_none(),
            Some(d) => s.collect_seq(d.iter().map(|&d| super::format_day(d))),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
        let v = Option::<Vec<String>>::deserialize(d)?;
        v.map(|v| {
            v.iter()
                .map(|s| super::parse_day(s).map_err(serde::de::Error::custom))
                .collect()
        })
        .transpose()
    }
}

/// Parameters of a generated CloudTrail log, as a builder;
/// [`generate`](Self::generate) validates them and simulates the log.
///
/// The same parameters give the same log, byte for byte (with the same
/// version of `rand`; `Cargo.lock` pins it).
///
/// # The model
///
/// **Humans** are IAM users (`arn:aws:iam::123456789012:user/alice`) or
/// IAM Identity Center (SSO) users, who act through a permission set's role
/// (`arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PowerUserAccess_<hex>/bob@example.com`;
/// several people share a role). Each has a time zone, working hours, and
/// 4–8 favourite APIs (weights ~ 1/rank). On a working day (Monday–Friday,
/// not a holiday, not in the person's vacation) a person is active with
/// probability [`active_prob`](CloudTrailGenerator::active_prob), on other
/// days with [`off_day_prob`](CloudTrailGenerator::off_day_prob); an active
/// day has 1 + Poisson(1.5) sessions (one on an off day) in working hours,
/// each 10–120 minutes with a Gamma–Poisson number of calls (mean
/// [`calls_per_session`](CloudTrailGenerator::calls_per_session),
/// over-dispersed) and, with probability
/// [`burst_prob`](CloudTrailGenerator::burst_prob), a burst of 30–150 calls
/// of one API (a script loop, a console page left refreshing). IAM users
/// who use the console sign in (`ConsoleLogin`) at the start of most
/// sessions. Holidays are the US federal holidays in the period (observed
/// dates) unless [given](CloudTrailGenerator::holidays); with probability
/// [`vacation_prob`](CloudTrailGenerator::vacation_prob) a person takes 5–10
/// consecutive days off.
///
/// **Automated principals** are roles assumed by a scheduled Lambda
/// function (session name = function name) or by a cron job on an EC2
/// instance (session name = instance id), so their session ARN is stable.
/// Each runs on a [`Schedule`](super::Schedule): hourly, daily, weekly, or on weekdays, at a
/// fixed minute, each run starting 0 to
/// [`jitter_s`](CloudTrailGenerator::jitter_s) seconds late, missed with
/// probability [`missed_run_prob`](CloudTrailGenerator::missed_run_prob),
/// and with probability [`outage_prob`](CloudTrailGenerator::outage_prob)
/// the job is broken for 1–3 consecutive days. A run calls a fixed list of
/// APIs; some a fixed number of times per run, others once per resource
/// (instances, volumes, users, ...), whose number drifts by ±1 on a day with
/// probability [`workload_drift`](CloudTrailGenerator::workload_drift).
/// Every (role, API) pair of an automated role is automated in the truth;
/// every pair of a human is not.
///
/// Note what the truth does *not* promise: a pair called a fixed number of
/// times every hour is automated, but its hourly or daily counts are
/// (nearly) constant and have no autocorrelation to detect;
/// [`AutomatedPair::has_pattern`](super::AutomatedPair::has_pattern) says which pairs have one.
///
/// ```
/// use threatstat_datasets::cloudtrail::{CloudTrailGenerator, PrincipalKey};
/// let log = CloudTrailGenerator::new().days(21).humans(4).automated(3).seed(7).generate().unwrap();
/// let t = log.truth();
/// assert_eq!((t.first_date.as_str(), t.last_date.as_str()), ("2024-01-01", "2024-01-21"));
/// assert_eq!(t.humans.len(), 4);
/// assert!(t.automated.len() >= 6);
/// assert!(t.is_automated(&t.automated[0].principal, &t.automated[0].api, PrincipalKey::Role));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudTrailGenerator {
    #[serde(rename = "start_date", with = "day_as_date")]
    pub(super) start_day: i64,
    pub(super) days: u32,
    pub(super) seed: u64,
    pub(super) account_id: String,
    pub(super) region: String,
    pub(super) humans: usize,
    pub(super) automated: usize,
    pub(super) active_prob: f64,
    pub(super) off_day_prob: f64,
    pub(super) calls_per_session: f64,
    pub(super) burst_prob: f64,
    pub(super) vacation_prob: f64,
    #[serde(with = "days_as_dates")]
    pub(super) holidays: Option<Vec<i64>>,
    pub(super) jitter_s: u32,
    pub(super) missed_run_prob: f64,
    pub(super) outage_prob: f64,
    pub(super) workload_drift: f64,
    pub(super) gzip: bool,
}

impl Default for CloudTrailGenerator {
    fn default() -> Self {
        CloudTrailGenerator {
            start_day: days_from_civil(2024, 1, 1),
            days: 56,
            seed: 0,
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            humans: 12,
            automated: 6,
            active_prob: 0.85,
            off_day_prob: 0.04,
            calls_per_session: 12.0,
            burst_prob: 0.08,
            vacation_prob: 0.5,
            holidays: None,
            jitter_s: 90,
            missed_run_prob: 0.02,
            outage_prob: 0.3,
            workload_drift: 0.2,
            gzip: false,
        }
    }
}

impl CloudTrailGenerator {
    /// The defaults: 56 days (8 weeks) from Monday 2024-01-01, seed 0,
    /// account `123456789012` in `us-east-1`, 12 people and 6 automated
    /// jobs; people active on 85% of working days and 4% of other days,
    /// 12 calls per session on average, bursts in 8% of sessions, a
    /// vacation for half of them, US federal holidays; jobs up to 90 s late,
    /// 2% of runs missed, 30% of jobs with an outage, workloads changing on
    /// 20% of days; plain (not gzip) JSON.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first day (days since 1970-01-01; see [`parse_day`]).
    pub fn start_day(mut self, day: i64) -> Self {
        self.start_day = day;
        self
    }

    /// Number of days (default 56).
    pub fn days(mut self, n: u32) -> Self {
        self.days = n;
        self
    }

    /// The seed (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The 12-digit account id (default `123456789012`).
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = id.into();
        self
    }

    /// The region (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Number of people (default 12, at most 26).
    pub fn humans(mut self, n: usize) -> Self {
        self.humans = n;
        self
    }

    /// Number of automated jobs (default 6; the 8 job kinds are reused
    /// with a numbered name beyond 8).
    pub fn automated(mut self, n: usize) -> Self {
        self.automated = n;
        self
    }

    /// Probability that a person is active on a working day (default 0.85).
    pub fn active_prob(mut self, p: f64) -> Self {
        self.active_prob = p;
        self
    }

    /// Probability that a person is active on a weekend day, holiday or
    /// vacation day (default 0.04).
    pub fn off_day_prob(mut self, p: f64) -> Self {
        self.off_day_prob = p;
        self
    }

    /// Mean calls of a session, bursts aside (default 12).
    pub fn calls_per_session(mut self, mean: f64) -> Self {
        self.calls_per_session = mean;
        self
    }

    /// Probability of a burst in a session (default 0.08).
    pub fn burst_prob(mut self, p: f64) -> Self {
        self.burst_prob = p;
        self
    }

    /// Probability that a person takes a vacation (default 0.5).
    pub fn vacation_prob(mut self, p: f64) -> Self {
        self.vacation_prob = p;
        self
    }

    /// The holidays (day numbers); default: US federal holidays.
    pub fn holidays(mut self, days: impl Into<Option<Vec<i64>>>) -> Self {
        self.holidays = days.into();
        self
    }

    /// Most seconds a run starts late (default 90).
    pub fn jitter_s(mut self, s: u32) -> Self {
        self.jitter_s = s;
        self
    }

    /// Probability that a run is missed (default 0.02).
    pub fn missed_run_prob(mut self, p: f64) -> Self {
        self.missed_run_prob = p;
        self
    }

    /// Probability that a job has a 1–3 day outage (default 0.3).
    pub fn outage_prob(mut self, p: f64) -> Self {
        self.outage_prob = p;
        self
    }

    /// Probability that a job's workload changes by ±1 on a day (default 0.2).
    pub fn workload_drift(mut self, p: f64) -> Self {
        self.workload_drift = p;
        self
    }

    /// Whether [`GeneratedLog::write_dir`](super::GeneratedLog::write_dir) gzips the JSON files (default false).
    pub fn gzip(mut self, yes: bool) -> Self {
        self.gzip = yes;
        self
    }

    /// US federal holidays of a year (observed dates: a Saturday holiday
    /// on the Friday, a Sunday one on the Monday), as sorted day numbers.
    ///
    /// ```
    /// # use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    /// # use threatstat_datasets::cert::format_day;
    /// let h: Vec<String> = CloudTrailGenerator::us_federal_holidays(2024).into_iter().map(format_day).collect();
    /// assert_eq!(h[..3], ["2024-01-01", "2024-01-15", "2024-02-19"]);
    /// assert!(h.contains(&"2024-11-28".to_string())); // Thanksgiving
    /// ```
    pub fn us_federal_holidays(year: i64) -> Vec<i64> {
        us_federal_holidays(year)
    }

    pub(super) fn holiday_days(&self) -> BTreeSet<i64> {
        let end = self.start_day + i64::from(self.days);
        holidays_in(self.start_day, end, self.holidays.as_deref())
    }
}

/// [`CloudTrailGenerator`] parameters that passed [`ParamGuard::check`];
/// only `check` makes one, and only a checked generator simulates a log
/// ([`generate`](CheckedCloudTrailGenerator::generate)). The unchecked
/// builder's `generate` checks first, then calls it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCloudTrailGenerator(CloudTrailGenerator);

impl CheckedCloudTrailGenerator {
    /// The parameters checked.
    pub fn params(&self) -> &CloudTrailGenerator {
        &self.0
    }
}

impl ParamGuard for CloudTrailGenerator {
    type Checked = CheckedCloudTrailGenerator;
    type Error = DatasetError;

    /// Checks every parameter; errors are
    /// [`Error::Param`](threatstat_core::Error::Param) naming it.
    ///
    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_datasets::{DatasetError, cloudtrail::CloudTrailGenerator};
    /// let e = CloudTrailGenerator::new().humans(27).check().unwrap_err();
    /// assert!(matches!(e, DatasetError::Core(Error::Param { name: "humans", .. })), "{e}");
    /// ```
    fn check(&self) -> Result<CheckedCloudTrailGenerator, DatasetError> {
        if self.days == 0 || self.days > 3660 {
            return bad("days", self.days, "1 to 3660");
        }
        // Event times are nanoseconds in an i64: the whole period (and the
        // day after, where late runs may spill) must be representable, or
        // the times would wrap to the 19th century.
        let end = self.start_day.checked_add(i64::from(self.days) + 1);
        if threatstat_core::time::days_to_ns(self.start_day, 0).is_none()
            || end
                .and_then(|e| threatstat_core::time::days_to_ns(e, 0))
                .is_none()
        {
            return bad(
                "days",
                self.days,
                format!(
                    "a period from {} with no {}",
                    format_day(self.start_day),
                    threatstat_core::time::out_of_range().trim_end_matches(':')
                ),
            );
        }
        if self.humans > NAMES.len() {
            return bad("humans", self.humans, format!("at most {}", NAMES.len()));
        }
        if self.automated > 999 {
            return bad("automated", self.automated, "at most 999");
        }
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|c| c.is_ascii_digit()) {
            return bad("account_id", format!("`{}`", self.account_id), "12 digits");
        }
        if self.region.is_empty() {
            return bad("region", "``", "a region name (not empty)");
        }
        for (name, p) in [
            ("active_prob", self.active_prob),
            ("off_day_prob", self.off_day_prob),
            ("burst_prob", self.burst_prob),
            ("vacation_prob", self.vacation_prob),
            ("missed_run_prob", self.missed_run_prob),
            ("outage_prob", self.outage_prob),
            ("workload_drift", self.workload_drift),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(name, p, "a probability in 0..=1");
            }
        }
        if !(self.calls_per_session.is_finite() && self.calls_per_session >= 1.0) {
            return bad(
                "calls_per_session",
                self.calls_per_session,
                "a finite number >= 1",
            );
        }
        if self.jitter_s > 3000 {
            return bad("jitter_s", self.jitter_s, "at most 3000 (50 minutes)");
        }
        Ok(CheckedCloudTrailGenerator(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_core::Error;

    #[test]
    fn period_past_2262_is_rejected_not_wrapped() {
        // Before: --start 9999-12-20 --days 30 wrote dates in 1816.
        for (start, days) in [("9999-12-20", 30), ("2262-04-01", 30), ("1600-01-01", 5)] {
            let e = CloudTrailGenerator::new()
                .start_day(parse_day(start).unwrap())
                .days(days)
                .generate()
                .err()
                .unwrap_or_else(|| panic!("{start} + {days} days accepted"))
                .to_string();
            assert!(e.contains("outside the supported range"), "{e}");
        }
        assert!(
            CloudTrailGenerator::new()
                .start_day(parse_day("2262-03-01").unwrap())
                .days(7)
                .check()
                .is_ok()
        );
    }

    #[test]
    fn invalid_params_are_rejected() {
        let g = CloudTrailGenerator::new;
        for (bad, param) in [
            (g().days(0), "days"),
            (g().humans(30), "humans"),
            (g().automated(1000), "automated"),
            (g().account_id("12"), "account_id"),
            (g().region(""), "region"),
            (g().burst_prob(2.0), "burst_prob"),
            (g().calls_per_session(0.5), "calls_per_session"),
            (g().jitter_s(4000), "jitter_s"),
        ] {
            let e = bad.generate().err().unwrap();
            assert!(
                matches!(&e, DatasetError::Core(Error::Param { name, .. }) if *name == param),
                "{param}: {e}"
            );
        }
    }

    #[test]
    fn params_round_trip_through_json() {
        let g = CloudTrailGenerator::new()
            .seed(9)
            .holidays(vec![parse_day("2024-01-02").unwrap()]);
        let j = serde_json::to_string(&g).unwrap();
        assert!(j.contains("\"start_date\":\"2024-01-01\""), "{j}");
        assert!(j.contains("\"holidays\":[\"2024-01-02\"]"), "{j}");
        assert_eq!(serde_json::from_str::<CloudTrailGenerator>(&j).unwrap(), g);
    }
}
