//! A seeded generator of multi-week CloudTrail logs with human and
//! automated principals, and the ground truth of which (principal, API)
//! pairs are automated.
//!
//! No real multi-week CloudTrail log of one account could be bundled (the
//! public flaws.cloud logs were not reachable when this was written, and
//! the Stratus Red Team detonations last minutes), so the automation
//! detector is tested
//! on logs generated here: CloudTrail's own JSON (one `{"Records": [...]}`
//! file per day, optionally gzip) and the workshop notebook's CSV, with a
//! known answer.
//!
//! See [`CloudTrailGenerator`] for the model.

use super::load::Bucket;
use super::record::PrincipalKey;
use crate::DatasetError;
use crate::cert::{format_day, parse_day, weekday};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use threatstat_core::time::{NS_PER_S, days_from_civil, format_timestamp};

/// The `format` tag of [`CloudTrailTruth`] JSON.
pub const TRUTH_FORMAT: &str = "threatstat-cloudtrail-truth";
/// The version of [`CloudTrailTruth`] JSON.
pub const TRUTH_VERSION: u32 = 1;

const DAY_S: i64 = 86_400;

/// When an automated job runs.
///
/// ```
/// use threatstat_datasets::cloudtrail::Schedule;
/// assert_eq!(Schedule::Weekly.interval_hours(), 168.0);
/// assert_eq!(Schedule::Weekdays.period_hours(), 168.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Every hour, at a fixed minute.
    Hourly,
    /// Every day, at a fixed time.
    Daily,
    /// Once a week, on a fixed weekday and time.
    Weekly,
    /// Monday to Friday (holidays included: cron does not know them).
    Weekdays,
}

impl Schedule {
    /// The usual gap between runs, in hours (1, 24, 168, 24).
    pub fn interval_hours(self) -> f64 {
        match self {
            Schedule::Hourly => 1.0,
            Schedule::Daily | Schedule::Weekdays => 24.0,
            Schedule::Weekly => 168.0,
        }
    }

    /// The period after which the pattern of runs repeats, in hours (1,
    /// 24, 168, 168).
    pub fn period_hours(self) -> f64 {
        match self {
            Schedule::Hourly => 1.0,
            Schedule::Daily => 24.0,
            Schedule::Weekly | Schedule::Weekdays => 168.0,
        }
    }
}

/// How many times a run calls an API.
#[derive(Debug, Clone, Copy)]
enum Calls {
    /// This many times per run.
    Fixed(u32),
    /// This many times per resource (the workload of the day).
    PerUnit(u32),
}

/// Where an automated job runs, which decides its session name and agent.
#[derive(Debug, Clone, Copy)]
enum Host {
    Lambda,
    Ec2,
}

struct JobTemplate {
    name: &'static str,
    host: Host,
    schedule: Schedule,
    /// Hour (UTC) of daily, weekly and weekday runs.
    hour: u32,
    minute: u32,
    /// Weekday of weekly runs (0 = Monday).
    weekday: u32,
    apis: &'static [(&'static str, &'static str, Calls)],
}

const JOBS: &[JobTemplate] = &[
    JobTemplate {
        name: "inventory-collector",
        host: Host::Lambda,
        schedule: Schedule::Hourly,
        hour: 0,
        minute: 5,
        weekday: 0,
        apis: &[
            ("ec2.amazonaws.com", "DescribeInstances", Calls::PerUnit(1)),
            ("ec2.amazonaws.com", "DescribeVolumes", Calls::PerUnit(1)),
            (
                "ec2.amazonaws.com",
                "DescribeSecurityGroups",
                Calls::Fixed(1),
            ),
        ],
    },
    JobTemplate {
        name: "nightly-backup",
        host: Host::Lambda,
        schedule: Schedule::Daily,
        hour: 2,
        minute: 0,
        weekday: 0,
        apis: &[
            ("ec2.amazonaws.com", "DescribeSnapshots", Calls::Fixed(1)),
            ("ec2.amazonaws.com", "CreateSnapshot", Calls::PerUnit(1)),
            ("ec2.amazonaws.com", "DeleteSnapshot", Calls::PerUnit(1)),
        ],
    },
    JobTemplate {
        name: "iam-access-review",
        host: Host::Lambda,
        schedule: Schedule::Weekly,
        hour: 6,
        minute: 0,
        weekday: 0,
        apis: &[
            (
                "iam.amazonaws.com",
                "GenerateCredentialReport",
                Calls::Fixed(1),
            ),
            ("iam.amazonaws.com", "ListUsers", Calls::Fixed(1)),
            ("iam.amazonaws.com", "ListAccessKeys", Calls::PerUnit(1)),
        ],
    },
    JobTemplate {
        name: "cost-report",
        host: Host::Ec2,
        schedule: Schedule::Weekdays,
        hour: 7,
        minute: 30,
        weekday: 0,
        apis: &[
            ("ce.amazonaws.com", "GetCostAndUsage", Calls::Fixed(3)),
            ("ce.amazonaws.com", "GetCostForecast", Calls::Fixed(1)),
        ],
    },
    JobTemplate {
        name: "log-archiver",
        host: Host::Ec2,
        schedule: Schedule::Hourly,
        hour: 0,
        minute: 30,
        weekday: 0,
        apis: &[
            ("logs.amazonaws.com", "DescribeLogGroups", Calls::Fixed(1)),
            ("logs.amazonaws.com", "CreateExportTask", Calls::PerUnit(1)),
        ],
    },
    JobTemplate {
        name: "secrets-rotation",
        host: Host::Lambda,
        schedule: Schedule::Daily,
        hour: 4,
        minute: 15,
        weekday: 0,
        apis: &[
            (
                "secretsmanager.amazonaws.com",
                "ListSecrets",
                Calls::Fixed(1),
            ),
            (
                "secretsmanager.amazonaws.com",
                "RotateSecret",
                Calls::PerUnit(1),
            ),
        ],
    },
    JobTemplate {
        name: "drift-detector",
        host: Host::Lambda,
        schedule: Schedule::Weekly,
        hour: 23,
        minute: 0,
        weekday: 6,
        apis: &[
            (
                "cloudformation.amazonaws.com",
                "DescribeStacks",
                Calls::Fixed(1),
            ),
            (
                "cloudformation.amazonaws.com",
                "DetectStackDrift",
                Calls::PerUnit(1),
            ),
        ],
    },
    JobTemplate {
        name: "dns-sync",
        host: Host::Ec2,
        schedule: Schedule::Daily,
        hour: 0,
        minute: 10,
        weekday: 0,
        apis: &[
            ("route53.amazonaws.com", "ListHostedZones", Calls::Fixed(1)),
            (
                "route53.amazonaws.com",
                "ListResourceRecordSets",
                Calls::PerUnit(1),
            ),
        ],
    },
];

/// APIs people call (management events), roughly most used first.
const HUMAN_APIS: &[(&str, &str)] = &[
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("s3.amazonaws.com", "ListBuckets"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("logs.amazonaws.com", "FilterLogEvents"),
    ("cloudformation.amazonaws.com", "DescribeStacks"),
    ("lambda.amazonaws.com", "ListFunctions20150331"),
    ("monitoring.amazonaws.com", "GetMetricData"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups"),
    ("iam.amazonaws.com", "ListRoles"),
    ("s3.amazonaws.com", "GetBucketPolicy"),
    ("dynamodb.amazonaws.com", "DescribeTable"),
    ("rds.amazonaws.com", "DescribeDBInstances"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("ec2.amazonaws.com", "DescribeVpcs"),
    ("iam.amazonaws.com", "GetRole"),
    ("kms.amazonaws.com", "ListKeys"),
    ("logs.amazonaws.com", "DescribeLogGroups"),
    ("cloudformation.amazonaws.com", "UpdateStack"),
    ("ec2.amazonaws.com", "StartInstances"),
    ("ec2.amazonaws.com", "StopInstances"),
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"),
    ("iam.amazonaws.com", "ListAttachedRolePolicies"),
];

const CONSOLE_LOGIN: (&str, &str) = ("signin.amazonaws.com", "ConsoleLogin");

const NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken",
    "laura", "mike", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "ursula",
    "victor", "wendy", "xavier", "yvonne", "zach",
];

const PERMISSION_SETS: &[&str] = &["PowerUserAccess", "ReadOnlyAccess", "AdministratorAccess"];

const UA_CLI: &str =
    "aws-cli/2.15.17 Python/3.11.6 Linux/6.5.0-15-generic exe/x86_64.ubuntu.22 prompt/off";
const UA_CONSOLE: &str = "AWS Internal";
const UA_BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const UA_LAMBDA: &str = "Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.209-198.858.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.34";
const UA_EC2: &str =
    "aws-cli/2.13.0 Python/3.11.4 Linux/5.10.205-195.807.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off";

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
/// Each runs on a [`Schedule`]: hourly, daily, weekly, or on weekdays, at a
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
/// [`AutomatedPair::has_pattern`] says which pairs have one.
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
    start_day: i64,
    days: u32,
    seed: u64,
    account_id: String,
    region: String,
    humans: usize,
    automated: usize,
    active_prob: f64,
    off_day_prob: f64,
    calls_per_session: f64,
    burst_prob: f64,
    vacation_prob: f64,
    #[serde(with = "days_as_dates")]
    holidays: Option<Vec<i64>>,
    jitter_s: u32,
    missed_run_prob: f64,
    outage_prob: f64,
    workload_drift: f64,
    gzip: bool,
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

    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        crate::truth::to_json(self)
    }

    /// Reads JSON written by [`to_json`](Self::to_json), checking format and version.
    pub fn from_json(s: &str) -> Result<Self, DatasetError> {
        crate::truth::from_json(
            s,
            "ground truth",
            (TRUTH_FORMAT, TRUTH_VERSION),
            |t: &Self| (t.format.as_str(), t.version),
        )
    }

    /// Reads a ground truth file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        crate::truth::read(path.as_ref(), Self::from_json)
    }
}

/// Who makes calls: the parts of `userIdentity` and the request context.
#[derive(Debug, Clone)]
struct Actor {
    identity_type: &'static str,
    arn: String,
    principal_id: String,
    user_name: Option<String>,
    /// Role of an assumed-role session: (ARN, principal id, name).
    issuer: Option<(String, String, String)>,
    access_key: String,
    user_agent: &'static str,
    ip: String,
}

/// One simulated call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    /// Seconds since the Unix epoch.
    second: i64,
    actor: u32,
    api: u32,
    /// Start of the credentials' session (for `sessionContext`), seconds.
    session: i64,
}

/// A simulated log: write it as JSON files and CSV, read its truth.
#[derive(Debug, Clone)]
pub struct GeneratedLog {
    params: CloudTrailGenerator,
    actors: Vec<Actor>,
    apis: Vec<(&'static str, &'static str)>,
    /// Sorted by time.
    calls: Vec<Call>,
    truth: CloudTrailTruth,
}

/// splitmix64: the ids and file names hash the seed and an index, so they
/// do not depend on the order of writing.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn uuid(a: u64, b: u64) -> String {
    let (a, b) = (mix(a), mix(b ^ 0xA5A5));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        0x8000 | ((b >> 48) & 0x3FFF),
        b & 0xFFFF_FFFF_FFFF
    )
}

/// `n` characters of `[A-Z0-9]` from `rng`.
fn key_chars(rng: &mut StdRng, n: usize) -> String {
    const A: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(A[rng.random_range(0..36)]))
        .collect()
}

fn hex(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// The `n`-th (1-based) `wd` (0 = Monday) of a month, as a day number.
fn nth_weekday(y: i64, m: u32, wd: u32, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let offset = (i64::from(wd) - i64::from(weekday(first))).rem_euclid(7);
    first + offset + 7 * (n - 1)
}

/// The last `wd` of a month.
fn last_weekday(y: i64, m: u32, wd: u32) -> i64 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = next - 1;
    last - (i64::from(weekday(last)) - i64::from(wd)).rem_euclid(7)
}

/// US federal holidays of year `y` (observed dates: Saturday -> Friday,
/// Sunday -> Monday).
fn us_federal_holidays(y: i64) -> Vec<i64> {
    let observed = |d: i64| match weekday(d) {
        5 => d - 1,
        6 => d + 1,
        _ => d,
    };
    let mut v = vec![
        observed(days_from_civil(y, 1, 1)),
        nth_weekday(y, 1, 0, 3),
        nth_weekday(y, 2, 0, 3),
        last_weekday(y, 5, 0),
        observed(days_from_civil(y, 6, 19)),
        observed(days_from_civil(y, 7, 4)),
        nth_weekday(y, 9, 0, 1),
        nth_weekday(y, 10, 0, 2),
        observed(days_from_civil(y, 11, 11)),
        nth_weekday(y, 11, 3, 4),
        observed(days_from_civil(y, 12, 25)),
    ];
    v.sort_unstable();
    v
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

    /// Whether [`GeneratedLog::write_dir`] gzips the JSON files (default false).
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

    /// Checks the parameters; [`generate`](Self::generate) does it too.
    ///
    /// ```
    /// # use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    /// assert!(CloudTrailGenerator::new().humans(27).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), DatasetError> {
        let bad = |m: String| Err(DatasetError::Invalid(m));
        if self.days == 0 || self.days > 3660 {
            return bad(format!("days must be 1 to 3660, found {}", self.days));
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
            return bad(format!(
                "the period of {} days from {} ends {}",
                self.days,
                format_day(self.start_day),
                threatstat_core::time::out_of_range().trim_end_matches(':')
            ));
        }
        if self.humans > NAMES.len() {
            return bad(format!(
                "humans must be at most {}, found {}",
                NAMES.len(),
                self.humans
            ));
        }
        if self.automated > 999 {
            return bad(format!(
                "automated must be at most 999, found {}",
                self.automated
            ));
        }
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|c| c.is_ascii_digit()) {
            return bad(format!(
                "account_id must be 12 digits, found `{}`",
                self.account_id
            ));
        }
        if self.region.is_empty() {
            return bad("region must not be empty".into());
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
                return bad(format!("{name} must be in 0..=1, found {p}"));
            }
        }
        if !(self.calls_per_session.is_finite() && self.calls_per_session >= 1.0) {
            return bad(format!(
                "calls_per_session must be at least 1, found {}",
                self.calls_per_session
            ));
        }
        if self.jitter_s > 3000 {
            return bad(format!(
                "jitter_s must be at most 3000 (50 minutes), found {}",
                self.jitter_s
            ));
        }
        Ok(())
    }

    fn holiday_days(&self) -> BTreeSet<i64> {
        let end = self.start_day + i64::from(self.days);
        match &self.holidays {
            Some(h) => h
                .iter()
                .copied()
                .filter(|d| (self.start_day..end).contains(d))
                .collect(),
            None => {
                let (y0, ..) = threatstat_core::time::civil_from_days(self.start_day);
                let (y1, ..) = threatstat_core::time::civil_from_days(end);
                (y0..=y1)
                    .flat_map(us_federal_holidays)
                    .filter(|d| (self.start_day..end).contains(d))
                    .collect()
            }
        }
    }

    /// Simulates the log.
    ///
    /// ```
    /// # use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    /// let g = CloudTrailGenerator::new().days(7).humans(2).automated(2).seed(3);
    /// let (a, b) = (g.generate().unwrap(), g.generate().unwrap());
    /// assert_eq!(a.truth(), b.truth());
    /// assert_eq!(a.json_day(a.first_day()), b.json_day(b.first_day()));
    /// ```
    pub fn generate(&self) -> Result<GeneratedLog, DatasetError> {
        self.validate()?;
        let mut rng = StdRng::seed_from_u64(self.seed);
        let acct = &self.account_id;
        let holidays = self.holiday_days();
        let (start, end) = (self.start_day, self.start_day + i64::from(self.days));
        let mut actors: Vec<Actor> = Vec::new();
        let mut apis: Vec<(&'static str, &'static str)> = Vec::new();
        let mut api_id = |a: (&'static str, &'static str)| -> u32 {
            match apis.iter().position(|&b| b == a) {
                Some(i) => i as u32,
                None => {
                    apis.push(a);
                    (apis.len() - 1) as u32
                }
            }
        };
        let mut calls: Vec<Call> = Vec::new();

        // People.
        let sso_roles: Vec<(String, String, String)> = PERMISSION_SETS
            .iter()
            .map(|ps| {
                let name = format!("AWSReservedSSO_{ps}_{}", hex(&mut rng, 16));
                (
                    format!("arn:aws:iam::{acct}:role/aws-reserved/sso.amazonaws.com/{name}"),
                    format!("AROA{}", key_chars(&mut rng, 17)),
                    name,
                )
            })
            .collect();
        let calls_gamma = Gamma::new(1.5, self.calls_per_session / 1.5)
            .map_err(|e| DatasetError::Invalid(format!("calls distribution: {e}")))?;
        let extra_sessions = Poisson::new(1.5).expect("valid rate");
        let mut humans = Vec::new();
        for (h, name) in NAMES.iter().take(self.humans).enumerate() {
            let sso = h % 2 == 1;
            let console = !sso && rng.random_bool(0.5);
            let actor = if sso {
                let (role_arn, role_id, role_name) = sso_roles[(h / 2) % sso_roles.len()].clone();
                let email = format!("{name}@example.com");
                Actor {
                    identity_type: "AssumedRole",
                    arn: format!("arn:aws:sts::{acct}:assumed-role/{role_name}/{email}"),
                    principal_id: format!("{role_id}:{email}"),
                    user_name: None,
                    issuer: Some((role_arn, role_id, role_name)),
                    access_key: format!("ASIA{}", key_chars(&mut rng, 16)),
                    user_agent: if rng.random_bool(0.5) {
                        UA_CONSOLE
                    } else {
                        UA_CLI
                    },
                    ip: format!("203.0.113.{}", rng.random_range(1..255)),
                }
            } else {
                Actor {
                    identity_type: "IAMUser",
                    arn: format!("arn:aws:iam::{acct}:user/{name}"),
                    principal_id: format!("AIDA{}", key_chars(&mut rng, 17)),
                    user_name: Some(name.to_string()),
                    issuer: None,
                    access_key: format!(
                        "{}{}",
                        if console { "ASIA" } else { "AKIA" },
                        key_chars(&mut rng, 16)
                    ),
                    user_agent: if console { UA_CONSOLE } else { UA_CLI },
                    ip: format!("203.0.113.{}", rng.random_range(1..255)),
                }
            };
            let me = actors.len() as u32;
            // Favourite APIs, weights 1/rank.
            let k = rng.random_range(4..=8usize);
            let picked: Vec<usize> =
                rand::seq::index::sample(&mut rng, HUMAN_APIS.len(), k).into_vec();
            let fav: Vec<u32> = picked.iter().map(|&i| api_id(HUMAN_APIS[i])).collect();
            let weights: Vec<f64> = (0..k).map(|r| 1.0 / (r as f64 + 1.0)).collect();
            let wsum: f64 = weights.iter().sum();
            let pick = |rng: &mut StdRng| -> u32 {
                let mut u = rng.random_range(0.0..wsum);
                for (i, w) in weights.iter().enumerate() {
                    if u < *w {
                        return fav[i];
                    }
                    u -= w;
                }
                fav[k - 1]
            };
            let login = console.then(|| api_id(CONSOLE_LOGIN));
            let offset_h: i32 = [-8, -5, -5, 0, 1][rng.random_range(0..5)];
            let work_start = rng.random_range(8..=10i64);
            let work_end = work_start + rng.random_range(8..=9i64);
            let vacation = rng.random_bool(self.vacation_prob).then(|| {
                let len = rng.random_range(5..=10i64);
                let first = start + rng.random_range(0..i64::from(self.days));
                (first, first + len - 1)
            });
            let mut events = 0u64;
            for day in start..end {
                let on_vacation = vacation.is_some_and(|(a, b)| (a..=b).contains(&day));
                let working = weekday(day) < 5 && !holidays.contains(&day) && !on_vacation;
                let p = if working {
                    self.active_prob
                } else {
                    self.off_day_prob
                };
                if !rng.random_bool(p) {
                    continue;
                }
                let sessions = if working {
                    1 + extra_sessions.sample(&mut rng) as u32
                } else {
                    1
                };
                for _ in 0..sessions {
                    let local = rng.random_range(work_start * 3600..work_end * 3600 - 1800);
                    let t0 = day * DAY_S + local - i64::from(offset_h) * 3600;
                    let dur = rng.random_range(600..=7200i64);
                    // Credentials obtained a little before the session.
                    let session = t0 - rng.random_range(0..=1800i64);
                    let mut push = |second: i64, api: u32| {
                        calls.push(Call {
                            second,
                            actor: me,
                            api,
                            session,
                        });
                        events += 1;
                    };
                    if let Some(l) = login
                        && rng.random_bool(0.7)
                    {
                        push(t0, l);
                    }
                    let lambda = calls_gamma.sample(&mut rng);
                    let n =
                        1 + Poisson::new(lambda.max(1e-9)).map_or(0, |p| p.sample(&mut rng) as u32);
                    for _ in 0..n {
                        let api = pick(&mut rng);
                        push(t0 + rng.random_range(0..dur), api);
                    }
                    if rng.random_bool(self.burst_prob) {
                        let api = pick(&mut rng);
                        let b0 = t0 + rng.random_range(0..dur);
                        let len = rng.random_range(60..=600i64);
                        for _ in 0..rng.random_range(30..=150u32) {
                            push(b0 + rng.random_range(0..len), api);
                        }
                    }
                }
            }
            let mut api_names: Vec<String> = picked
                .iter()
                .map(|&i| HUMAN_APIS[i].1.to_string())
                .collect();
            if console {
                api_names.push(CONSOLE_LOGIN.1.to_string());
            }
            humans.push(HumanPrincipal {
                name: name.to_string(),
                identity_type: actor.identity_type.to_string(),
                principal: actor
                    .issuer
                    .as_ref()
                    .map_or_else(|| actor.arn.clone(), |i| i.0.clone()),
                arn: actor.arn.clone(),
                apis: api_names,
                utc_offset_hours: offset_h,
                vacation: vacation.map(|(a, b)| (format_day(a), format_day(b))),
                events,
            });
            actors.push(actor);
        }

        // Automated jobs.
        let mut automated = Vec::new();
        for j in 0..self.automated {
            let tpl = &JOBS[j % JOBS.len()];
            let name = if j < JOBS.len() {
                tpl.name.to_string()
            } else {
                format!("{}-{}", tpl.name, j / JOBS.len() + 1)
            };
            let (role_name, role_path, session, agent) = match tpl.host {
                Host::Lambda => (
                    format!("{name}-role"),
                    "service-role/",
                    name.clone(),
                    UA_LAMBDA,
                ),
                Host::Ec2 => (
                    format!("{name}-ec2-role"),
                    "",
                    format!("i-0{}", hex(&mut rng, 16)),
                    UA_EC2,
                ),
            };
            let role_arn = format!("arn:aws:iam::{acct}:role/{role_path}{role_name}");
            let role_id = format!("AROA{}", key_chars(&mut rng, 17));
            let actor = Actor {
                identity_type: "AssumedRole",
                arn: format!("arn:aws:sts::{acct}:assumed-role/{role_name}/{session}"),
                principal_id: format!("{role_id}:{session}"),
                user_name: None,
                issuer: Some((role_arn.clone(), role_id, role_name.clone())),
                access_key: format!("ASIA{}", key_chars(&mut rng, 16)),
                user_agent: agent,
                ip: format!("198.51.100.{}", rng.random_range(1..255)),
            };
            let me = actors.len() as u32;
            let ids: Vec<u32> = tpl.apis.iter().map(|&(s, n, _)| api_id((s, n))).collect();
            let outage = rng.random_bool(self.outage_prob).then(|| {
                let len = rng.random_range(1..=3i64);
                let first = start + rng.random_range(0..i64::from(self.days));
                (first, (first + len - 1).min(end - 1))
            });
            let mut workload = rng.random_range(2..=8i64);
            let (mut scheduled, mut missed) = (0u64, 0u64);
            let mut events = vec![0u64; ids.len()];
            for day in start..end {
                if day > start && rng.random_bool(self.workload_drift) {
                    workload = (workload + if rng.random_bool(0.5) { 1 } else { -1 }).max(1);
                }
                let wd = weekday(day);
                let runs: Vec<i64> = match tpl.schedule {
                    Schedule::Hourly => (0..24).map(|h| h * 3600).collect(),
                    Schedule::Daily => vec![i64::from(tpl.hour) * 3600],
                    Schedule::Weekly if wd == tpl.weekday => vec![i64::from(tpl.hour) * 3600],
                    Schedule::Weekdays if wd < 5 => vec![i64::from(tpl.hour) * 3600],
                    _ => vec![],
                };
                let down = outage.is_some_and(|(a, b)| (a..=b).contains(&day));
                for r in runs {
                    scheduled += 1;
                    if down || rng.random_bool(self.missed_run_prob) {
                        missed += 1;
                        continue;
                    }
                    let jitter = i64::from(rng.random_range(0..=self.jitter_s));
                    let mut t = day * DAY_S + r + i64::from(tpl.minute) * 60 + jitter;
                    // Each run has fresh credentials.
                    let session = t - 1;
                    for (k, &(_, _, n)) in tpl.apis.iter().enumerate() {
                        let count = match n {
                            Calls::Fixed(c) => i64::from(c),
                            Calls::PerUnit(c) => i64::from(c) * workload,
                        };
                        for _ in 0..count {
                            calls.push(Call {
                                second: t,
                                actor: me,
                                api: ids[k],
                                session,
                            });
                            t += rng.random_range(0..=2i64);
                        }
                        events[k] += count as u64;
                    }
                }
            }
            for (k, &(source, api, _)) in tpl.apis.iter().enumerate() {
                automated.push(AutomatedPair {
                    principal: role_arn.clone(),
                    arn: actor.arn.clone(),
                    api: api.to_string(),
                    event_source: source.to_string(),
                    job: name.clone(),
                    schedule: tpl.schedule,
                    interval_hours: tpl.schedule.interval_hours(),
                    period_hours: tpl.schedule.period_hours(),
                    per_resource: matches!(tpl.apis[k].2, Calls::PerUnit(_)),
                    scheduled_runs: scheduled,
                    missed_runs: missed,
                    outage_dates: outage
                        .map(|(a, b)| (a..=b).map(format_day).collect())
                        .unwrap_or_default(),
                    events: events[k],
                });
            }
            actors.push(actor);
        }
        // Only calls inside the period (a person's evening in UTC-8 can
        // spill into the next UTC day; the last day's spill is dropped).
        calls.retain(|c| (start * DAY_S..end * DAY_S).contains(&c.second));
        calls.sort();
        // Recount events after the cut.
        for h in humans.iter_mut() {
            h.events = 0;
        }
        for a in automated.iter_mut() {
            a.events = 0;
        }
        for c in &calls {
            let actor = &actors[c.actor as usize];
            let (_, api) = apis[c.api as usize];
            if let Some(h) = humans.iter_mut().find(|h| h.arn == actor.arn) {
                h.events += 1;
            } else if let Some(a) = automated
                .iter_mut()
                .find(|a| a.arn == actor.arn && a.api == api)
            {
                a.events += 1;
            }
        }
        automated.sort_by(|a, b| (&a.principal, &a.api).cmp(&(&b.principal, &b.api)));
        let truth = CloudTrailTruth {
            format: TRUTH_FORMAT.into(),
            version: TRUTH_VERSION,
            params: self.clone(),
            first_date: format_day(start),
            last_date: format_day(end - 1),
            holidays: holidays.iter().map(|&d| format_day(d)).collect(),
            records: calls.len() as u64,
            automated,
            humans,
        };
        Ok(GeneratedLog {
            params: self.clone(),
            actors,
            apis,
            calls,
            truth,
        })
    }
}

#[derive(Serialize)]
struct SessionIssuerOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "principalId")]
    principal_id: &'a str,
    arn: &'a str,
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "userName")]
    user_name: &'a str,
}

#[derive(Serialize)]
struct AttributesOut {
    #[serde(rename = "creationDate")]
    creation_date: String,
    #[serde(rename = "mfaAuthenticated")]
    mfa_authenticated: &'static str,
}

#[derive(Serialize)]
struct SessionContextOut<'a> {
    #[serde(rename = "sessionIssuer")]
    session_issuer: SessionIssuerOut<'a>,
    #[serde(rename = "webIdFederationData")]
    web_id_federation_data: serde_json::Map<String, serde_json::Value>,
    attributes: AttributesOut,
}

#[derive(Serialize)]
struct IdentityOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "principalId")]
    principal_id: &'a str,
    arn: &'a str,
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "accessKeyId", skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(rename = "userName", skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(rename = "sessionContext", skip_serializing_if = "Option::is_none")]
    session_context: Option<SessionContextOut<'a>>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "eventVersion")]
    event_version: &'static str,
    #[serde(rename = "userIdentity")]
    user_identity: IdentityOut<'a>,
    #[serde(rename = "eventTime")]
    event_time: String,
    #[serde(rename = "eventSource")]
    event_source: &'a str,
    #[serde(rename = "eventName")]
    event_name: &'a str,
    #[serde(rename = "awsRegion")]
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    #[serde(rename = "userAgent")]
    user_agent: &'a str,
    #[serde(rename = "requestParameters")]
    request_parameters: Option<()>,
    #[serde(rename = "responseElements")]
    response_elements: Option<serde_json::Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(rename = "eventID")]
    event_id: String,
    #[serde(rename = "readOnly")]
    read_only: bool,
    #[serde(rename = "eventType")]
    event_type: &'static str,
    #[serde(rename = "managementEvent")]
    management_event: bool,
    #[serde(rename = "recipientAccountId")]
    recipient_account_id: &'a str,
    #[serde(rename = "eventCategory")]
    event_category: &'static str,
}

impl GeneratedLog {
    /// The ground truth.
    pub fn truth(&self) -> &CloudTrailTruth {
        &self.truth
    }

    /// The first day (days since 1970-01-01).
    pub fn first_day(&self) -> i64 {
        self.params.start_day
    }

    /// The last day.
    pub fn last_day(&self) -> i64 {
        self.params.start_day + i64::from(self.params.days) - 1
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The calls of `day` (a range of `self.calls`).
    fn day_range(&self, day: i64) -> std::ops::Range<usize> {
        let a = self.calls.partition_point(|c| c.second < day * DAY_S);
        let b = self.calls.partition_point(|c| c.second < (day + 1) * DAY_S);
        a..b
    }

    fn record(&self, i: usize) -> RecordOut<'_> {
        let c = &self.calls[i];
        let a = &self.actors[c.actor as usize];
        let (source, name) = self.apis[c.api as usize];
        let p = &self.params;
        let id = mix(p.seed ^ 0x5EED) ^ (i as u64);
        let login = (source, name) == CONSOLE_LOGIN;
        let read_only = ["Describe", "List", "Get", "Filter"]
            .iter()
            .any(|v| name.starts_with(v));
        RecordOut {
            event_version: "1.09",
            user_identity: IdentityOut {
                kind: a.identity_type,
                principal_id: &a.principal_id,
                arn: &a.arn,
                account_id: &p.account_id,
                access_key_id: (!login).then_some(a.access_key.as_str()),
                user_name: a.user_name.as_deref(),
                session_context: a.issuer.as_ref().map(|(arn, pid, name)| SessionContextOut {
                    session_issuer: SessionIssuerOut {
                        kind: "Role",
                        principal_id: pid,
                        arn,
                        account_id: &p.account_id,
                        user_name: name,
                    },
                    web_id_federation_data: serde_json::Map::new(),
                    attributes: AttributesOut {
                        creation_date: format_timestamp(c.session * NS_PER_S),
                        mfa_authenticated: "false",
                    },
                }),
            },
            event_time: format_timestamp(c.second * NS_PER_S),
            event_source: source,
            event_name: name,
            aws_region: if source == "iam.amazonaws.com" || login {
                "us-east-1"
            } else {
                &p.region
            },
            source_ip_address: &a.ip,
            user_agent: if login { UA_BROWSER } else { a.user_agent },
            request_parameters: None,
            response_elements: login.then(|| serde_json::json!({"ConsoleLogin": "Success"})),
            request_id: (!login).then(|| uuid(id, 1)),
            event_id: uuid(id, 2),
            read_only: read_only || login,
            event_type: if login {
                "AwsConsoleSignIn"
            } else {
                "AwsApiCall"
            },
            management_event: true,
            recipient_account_id: &p.account_id,
            event_category: "Management",
        }
    }

    /// The records of `day` as one CloudTrail delivery,
    /// `{"Records":[...]}` on one line (as S3 delivers), ending with a newline.
    pub fn json_day(&self, day: i64) -> String {
        let mut s = String::from("{\"Records\":[");
        for (k, i) in self.day_range(day).enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push_str(&serde_json::to_string(&self.record(i)).expect("serializable"));
        }
        s.push_str("]}\n");
        s
    }

    /// The name of `day`'s file, as CloudTrail names S3 objects:
    /// `123456789012_CloudTrail_us-east-1_20240101T0000Z_<16 hex>.json`
    /// (`.json.gz` when gzip).
    pub fn file_name(&self, day: i64) -> String {
        let (y, m, d) = threatstat_core::time::civil_from_days(day);
        let p = &self.params;
        format!(
            "{}_CloudTrail_{}_{y:04}{m:02}{d:02}T0000Z_{:016x}.json{}",
            p.account_id,
            p.region,
            mix(p.seed ^ (day as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)),
            if p.gzip { ".gz" } else { "" }
        )
    }

    /// Writes one file per day (every day of the period, an empty delivery
    /// on a day without records) into `dir`, created if needed; gzip if the
    /// generator says so. Returns the paths in day order.
    pub fn write_json_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, DatasetError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| DatasetError::Write {
            target: dir.display().to_string(),
            source: e,
        })?;
        let mut paths = Vec::new();
        for day in self.first_day()..=self.last_day() {
            let p = dir.join(self.file_name(day));
            let werr = |e| DatasetError::Write {
                target: p.display().to_string(),
                source: e,
            };
            // Each file appears whole or not at all.
            let mut f = threatstat_core::atomic::AtomicFile::create(&p)?;
            let text = self.json_day(day);
            if self.params.gzip {
                let mut gz = flate2::write::GzEncoder::new(&mut f, flate2::Compression::default());
                gz.write_all(text.as_bytes()).map_err(werr)?;
                gz.finish().map_err(werr)?;
            } else {
                f.write_all(text.as_bytes()).map_err(werr)?;
            }
            f.commit()?;
            paths.push(p);
        }
        Ok(paths)
    }

    /// Writes the workshop notebook's CSV: `eventtime,arn,eventname`, one
    /// row per record in time order, `arn` being `userIdentity.arn` (the
    /// session ARN of an assumed role).
    pub fn write_csv(&self, out: impl Write) -> Result<(), DatasetError> {
        let werr = |e| DatasetError::Write {
            target: "the CSV output".into(),
            source: e,
        };
        let mut w = BufWriter::new(out);
        w.write_all(b"eventtime,arn,eventname\n").map_err(werr)?;
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let (_, name) = self.apis[c.api as usize];
            writeln!(
                w,
                "{},{},{}",
                format_timestamp(c.second * NS_PER_S),
                a.arn,
                name
            )
            .map_err(werr)?;
        }
        w.flush().map_err(werr)
    }

    /// Writes `dir/cloudtrail/` (one JSON file per day, see
    /// [`write_json_dir`](Self::write_json_dir)), `dir/cloudtrail.csv` and
    /// `dir/truth.json`. Returns the JSON paths.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, DatasetError> {
        let dir = dir.as_ref();
        let paths = self.write_json_dir(dir.join("cloudtrail"))?;
        let csv = dir.join("cloudtrail.csv");
        let mut out = threatstat_core::atomic::AtomicFile::create(&csv)?;
        self.write_csv(&mut out)?;
        out.commit()?;
        threatstat_core::atomic::write_atomically(dir.join("truth.json"), |w| {
            w.write_all(self.truth.to_json().as_bytes())
        })?;
        Ok(paths)
    }

    /// The bucket-independent count of records per (principal, API) under
    /// `key`, for checks: `(principal, api, records)` sorted.
    pub fn pair_totals(&self, key: PrincipalKey) -> Vec<(String, String, u64)> {
        let mut m: std::collections::BTreeMap<(String, String), u64> = Default::default();
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let p = match (key, &a.issuer) {
                (PrincipalKey::Role, Some(i)) => i.0.clone(),
                _ => a.arn.clone(),
            };
            *m.entry((p, self.apis[c.api as usize].1.to_string()))
                .or_default() += 1;
        }
        m.into_iter().map(|((p, a), n)| (p, a, n)).collect()
    }

    /// Per-bucket counts of one pair (as the loader builds them), for checks.
    pub fn counts(
        &self,
        principal: &str,
        api: &str,
        key: PrincipalKey,
        bucket: Bucket,
    ) -> Vec<u32> {
        let per = bucket.per_day();
        let n = (i64::from(self.params.days) * per) as usize;
        let first = self.first_day() * per;
        let mut v = vec![0u32; n];
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let p = match (key, &a.issuer) {
                (PrincipalKey::Role, Some(i)) => &i.0,
                _ => &a.arn,
            };
            if p == principal && self.apis[c.api as usize].1 == api {
                v[(bucket.of(c.second * NS_PER_S) - first) as usize] += 1;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_2024() {
        let h: Vec<String> = us_federal_holidays(2024)
            .into_iter()
            .map(format_day)
            .collect();
        assert_eq!(
            h,
            [
                "2024-01-01",
                "2024-01-15",
                "2024-02-19",
                "2024-05-27",
                "2024-06-19",
                "2024-07-04",
                "2024-09-02",
                "2024-10-14",
                "2024-11-11",
                "2024-11-28",
                "2024-12-25"
            ]
        );
        // 2022-12-25 was a Sunday: observed on Monday the 26th; 2021-07-04 too.
        assert!(us_federal_holidays(2022).contains(&parse_day("2022-12-26").unwrap()));
        assert!(us_federal_holidays(2021).contains(&parse_day("2021-07-05").unwrap()));
    }

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
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn uuids_look_like_v4() {
        let u = uuid(1, 2);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
    }

    #[test]
    fn invalid_params_are_rejected() {
        let g = CloudTrailGenerator::new;
        for (bad, needle) in [
            (g().days(0), "days"),
            (g().humans(30), "humans"),
            (g().account_id("12"), "account_id"),
            (g().burst_prob(2.0), "burst_prob"),
            (g().calls_per_session(0.5), "calls_per_session"),
            (g().jitter_s(4000), "jitter_s"),
        ] {
            let e = bad.generate().unwrap_err().to_string();
            assert!(e.contains(needle), "{needle}: {e}");
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
