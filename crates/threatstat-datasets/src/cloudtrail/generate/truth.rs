//! The ground truth of a generated log: which (principal, API) pairs are
//! automated, who the people are, and the parameters that made the log;
//! its versioned JSON file.
//!
//! # Why a file of its own
//!
//! The truth is what a detector is scored against, and what a caller reads
//! back from `truth.json` long after the log was written: a file format
//! with a name and a version, independent of how the log was simulated.

use super::catalogue::Schedule;
use super::params::CloudTrailGenerator;
use crate::cloudtrail::load::Bucket;
use crate::cloudtrail::record::PrincipalKey;
use serde::{Deserialize, Serialize};

/// The `format` tag of [`CloudTrailTruth`] JSON.
pub const TRUTH_FORMAT: &str = "threatstat-cloudtrail-truth";
/// The version of [`CloudTrailTruth`] JSON.
pub const TRUTH_VERSION: u32 = 1;

/// One automated (principal, API) pair of the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomatedPair {
    /// The role ARN (the principal under [`PrincipalKey::Role`]).
    pub principal: String,
    /// The session ARN, `userIdentity.arn` (the principal under
    /// [`PrincipalKey::Arn`] and in the CSV).
    pub arn: String,
    /// `eventName`.
    pub api: String,
    /// `eventSource`.
    pub event_source: String,
    /// The job's name.
    pub job: String,
    /// The job's schedule.
    pub schedule: Schedule,
    /// Hours between runs (see [`Schedule::interval_hours`]).
    pub interval_hours: f64,
    /// Hours after which the pattern repeats ([`Schedule::period_hours`]).
    pub period_hours: f64,
    /// Whether a run calls the API once per resource (a workload that
    /// drifts from day to day) rather than a fixed number of times.
    pub per_resource: bool,
    /// Runs scheduled in the period.
    pub scheduled_runs: u64,
    /// Runs missed (at random or in an outage).
    pub missed_runs: u64,
    /// The days of the job's outage, if it had one.
    pub outage_dates: Vec<String>,
    /// Events of this pair written.
    pub events: u64,
}

impl AutomatedPair {
    /// Whether the pair's counts per `bucket` have a pattern to detect:
    /// a fixed number of calls per run of a job that runs in every bucket
    /// (hourly jobs; daily jobs counted by day) gives the same count in
    /// every bucket, a constant series without autocorrelation, unless an
    /// outage breaks it (isolated missed runs do not make a pattern).
    ///
    /// ```
    /// # use threatstat_datasets::cloudtrail::{Bucket, CloudTrailGenerator, Schedule};
    /// let log = CloudTrailGenerator::new().days(14).outage_prob(0.0).generate().unwrap();
    /// for a in &log.truth().automated {
    ///     let constant = !a.per_resource && matches!(a.schedule, Schedule::Hourly | Schedule::Daily);
    ///     assert_eq!(a.has_pattern(Bucket::Day), !constant);
    /// }
    /// ```
    pub fn has_pattern(&self, bucket: Bucket) -> bool {
        let every_bucket = match bucket {
            Bucket::Day => matches!(self.schedule, Schedule::Hourly | Schedule::Daily),
            Bucket::Hour => self.schedule == Schedule::Hourly,
        };
        self.per_resource || !every_bucket || !self.outage_dates.is_empty()
    }
}

/// One person of the truth (all of their pairs are human).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanPrincipal {
    /// The person's name.
    pub name: String,
    /// `IAMUser` or `AssumedRole` (SSO).
    pub identity_type: String,
    /// The principal under [`PrincipalKey::Role`] (the SSO role is shared).
    pub principal: String,
    /// `userIdentity.arn`.
    pub arn: String,
    /// The person's favourite APIs (`eventName`), most used first;
    /// `ConsoleLogin` too for console users.
    pub apis: Vec<String>,
    /// Offset of the person's time zone from UTC, in hours.
    pub utc_offset_hours: i32,
    /// First and last day of the vacation, if any.
    pub vacation: Option<(String, String)>,
    /// Events written.
    pub events: u64,
}

/// What a generator wrote: parameters, period and the answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudTrailTruth {
    /// Always [`TRUTH_FORMAT`].
    pub format: String,
    /// [`TRUTH_VERSION`] when written.
    pub version: u32,
    /// The generator's parameters (enough to regenerate the log).
    pub params: CloudTrailGenerator,
    /// The first day, `YYYY-MM-DD`.
    pub first_date: String,
    /// The last day.
    pub last_date: String,
    /// The holidays in the period.
    pub holidays: Vec<String>,
    /// Records written.
    pub records: u64,
    /// The automated pairs, sorted by principal then API.
    pub automated: Vec<AutomatedPair>,
    /// The people.
    pub humans: Vec<HumanPrincipal>,
}

impl CloudTrailTruth {
    /// Whether `(principal, api)` is an automated pair, with principals as
    /// `key` makes them (the CSV's `arn` column is [`PrincipalKey::Arn`]).
    pub fn is_automated(&self, principal: &str, api: &str, key: PrincipalKey) -> bool {
        self.automated.iter().any(|a| {
            a.api == api
                && match key {
                    PrincipalKey::Role => a.principal == principal,
                    PrincipalKey::Arn => a.arn == principal,
                }
        })
    }

    /// The automated `(principal, api)` pairs under `key`, sorted.
    pub fn automated_pairs(&self, key: PrincipalKey) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .automated
            .iter()
            .map(|a| {
                let p = match key {
                    PrincipalKey::Role => &a.principal,
                    PrincipalKey::Arn => &a.arn,
                };
                (p.clone(), a.api.clone())
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The automated pair of `(principal, api)` under `key`, if any.
    pub fn automated_pair(
        &self,
        principal: &str,
        api: &str,
        key: PrincipalKey,
    ) -> Option<&AutomatedPair> {
        self.automated.iter().find(|a| {
            a.api == api
                && match key {
                    PrincipalKey::Role => a.principal == principal,
                    PrincipalKey::Arn => a.arn == principal,
                }
        })
    }
}

impl crate::truth::TruthFile for CloudTrailTruth {
    const FORMAT: &'static str = TRUTH_FORMAT;
    const VERSION: u32 = TRUTH_VERSION;
    const LABEL: &'static str = "ground truth";
    fn format_version(&self) -> (&str, u32) {
        (&self.format, self.version)
    }
}
