//! What the simulated account contains: the job templates of the automated
//! roles, the APIs people call, the people's names, the SSO permission sets
//! and the user agents.
//!
//! # Why a file of its own
//!
//! This is data, not logic: changing what the account looks like (another
//! job, another favourite API) touches only this file, and the simulation
//! reads it without caring how long the lists are. The order of every list
//! matters: the simulation draws indices into them, so reordering a list
//! changes the generated logs.

use serde::{Deserialize, Serialize};

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
pub(super) enum Calls {
    /// This many times per run.
    Fixed(u32),
    /// This many times per resource (the workload of the day).
    PerUnit(u32),
}

/// Where an automated job runs, which decides its session name and agent.
#[derive(Debug, Clone, Copy)]
pub(super) enum Host {
    Lambda,
    Ec2,
}

pub(super) struct JobTemplate {
    pub(super) name: &'static str,
    pub(super) host: Host,
    pub(super) schedule: Schedule,
    /// Hour (UTC) of daily, weekly and weekday runs.
    pub(super) hour: u32,
    pub(super) minute: u32,
    /// Weekday of weekly runs (0 = Monday).
    pub(super) weekday: u32,
    pub(super) apis: &'static [(&'static str, &'static str, Calls)],
}

pub(super) const JOBS: &[JobTemplate] = &[
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
pub(super) const HUMAN_APIS: &[(&str, &str)] = &[
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

pub(super) const CONSOLE_LOGIN: (&str, &str) = ("signin.amazonaws.com", "ConsoleLogin");

pub(super) const NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "ken",
    "laura", "mike", "nina", "oscar", "peggy", "quinn", "rupert", "sybil", "trent", "ursula",
    "victor", "wendy", "xavier", "yvonne", "zach",
];

pub(super) const PERMISSION_SETS: &[&str] =
    &["PowerUserAccess", "ReadOnlyAccess", "AdministratorAccess"];

pub(super) const UA_CLI: &str =
    "aws-cli/2.15.17 Python/3.11.6 Linux/6.5.0-15-generic exe/x86_64.ubuntu.22 prompt/off";
pub(super) const UA_CONSOLE: &str = "AWS Internal";
pub(super) const UA_BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
pub(super) const UA_LAMBDA: &str = "Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.209-198.858.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.34";
pub(super) const UA_EC2: &str =
    "aws-cli/2.13.0 Python/3.11.4 Linux/5.10.205-195.807.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off";
