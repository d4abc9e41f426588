//! The automated principals of a simulated account: roles assumed by a
//! scheduled Lambda function or a cron job on an EC2 instance, their runs
//! (late, missed, or down in an outage) and the calls of each run.
//!
//! # Why a file of its own
//!
//! This is the side of the model a detector should flag: every (role, API)
//! pair here is automated in the truth. The schedule, the outage and the
//! drifting workload decide whether a pair's counts have a pattern to find
//! (see [`AutomatedPair::has_pattern`]).

use super::DAY_S;
use super::catalogue::{Calls, Host, JOBS, JobTemplate, Schedule, UA_EC2, UA_LAMBDA};
use super::ids::{hex, key_chars};
use super::log::Actor;
use super::simulate::Simulation;
use super::truth::AutomatedPair;
use crate::cert::{format_day, weekday};
use rand::RngExt;

/// A job's run counts and its calls per API so far.
struct Tally {
    scheduled: u64,
    missed: u64,
    /// Calls per API of the template.
    events: Vec<u64>,
}

impl Simulation<'_> {
    /// Simulates the jobs; beyond the 8 templates, names are numbered.
    pub(super) fn jobs(&mut self) -> Vec<AutomatedPair> {
        let mut automated = Vec::new();
        for j in 0..self.g.automated {
            automated.extend(self.job(j));
        }
        automated
    }

    /// Simulates job number `j` and returns its pairs of the truth.
    fn job(&mut self, j: usize) -> Vec<AutomatedPair> {
        let tpl: &'static JobTemplate = &JOBS[j % JOBS.len()];
        let name = if j < JOBS.len() {
            tpl.name.to_string()
        } else {
            format!("{}-{}", tpl.name, j / JOBS.len() + 1)
        };
        let (role_arn, actor) = self.job_role(tpl, &name);
        let me = self.actors.len() as u32;
        let ids: Vec<u32> = tpl
            .apis
            .iter()
            .map(|&(s, n, _)| self.api_id((s, n)))
            .collect();
        let (start, end, days) = (self.start, self.end, self.g.days);
        let outage = self.rng.random_bool(self.g.outage_prob).then(|| {
            let len = self.rng.random_range(1..=3i64);
            let first = start + self.rng.random_range(0..i64::from(days));
            (first, (first + len - 1).min(end - 1))
        });
        let mut workload = self.rng.random_range(2..=8i64);
        let mut tally = Tally {
            scheduled: 0,
            missed: 0,
            events: vec![0; ids.len()],
        };
        for day in start..end {
            if day > start && self.rng.random_bool(self.g.workload_drift) {
                workload = (workload + if self.rng.random_bool(0.5) { 1 } else { -1 }).max(1);
            }
            let down = outage.is_some_and(|(a, b)| (a..=b).contains(&day));
            for r in run_hours(tpl, weekday(day)) {
                tally.scheduled += 1;
                if down || self.rng.random_bool(self.g.missed_run_prob) {
                    tally.missed += 1;
                    continue;
                }
                self.run(tpl, me, &ids, day * DAY_S + r, workload, &mut tally.events);
            }
        }
        let outage_dates: Vec<String> = outage
            .map(|(a, b)| (a..=b).map(format_day).collect())
            .unwrap_or_default();
        let pairs = tpl
            .apis
            .iter()
            .enumerate()
            .map(|(k, &(source, api, calls))| AutomatedPair {
                principal: role_arn.clone(),
                arn: actor.arn.clone(),
                api: api.to_string(),
                event_source: source.to_string(),
                job: name.clone(),
                schedule: tpl.schedule,
                interval_hours: tpl.schedule.interval_hours(),
                period_hours: tpl.schedule.period_hours(),
                per_resource: matches!(calls, Calls::PerUnit(_)),
                scheduled_runs: tally.scheduled,
                missed_runs: tally.missed,
                outage_dates: outage_dates.clone(),
                events: tally.events[k],
            })
            .collect();
        self.actors.push(actor);
        pairs
    }

    /// The job's role and its session: a Lambda's session is the function
    /// name, an EC2 job's the instance id. Returns the role ARN too.
    fn job_role(&mut self, tpl: &JobTemplate, name: &str) -> (String, Actor) {
        let acct = &self.g.account_id;
        let (role_name, role_path, session, agent) = match tpl.host {
            Host::Lambda => (
                format!("{name}-role"),
                "service-role/",
                name.to_string(),
                UA_LAMBDA,
            ),
            Host::Ec2 => (
                format!("{name}-ec2-role"),
                "",
                format!("i-0{}", hex(&mut self.rng, 16)),
                UA_EC2,
            ),
        };
        let role_arn = format!("arn:aws:iam::{acct}:role/{role_path}{role_name}");
        let role_id = format!("AROA{}", key_chars(&mut self.rng, 17));
        let actor = Actor {
            identity_type: "AssumedRole",
            arn: format!("arn:aws:sts::{acct}:assumed-role/{role_name}/{session}"),
            principal_id: format!("{role_id}:{session}"),
            user_name: None,
            issuer: Some((role_arn.clone(), role_id, role_name)),
            access_key: format!("ASIA{}", key_chars(&mut self.rng, 16)),
            user_agent: agent,
            ip: format!("198.51.100.{}", self.rng.random_range(1..255)),
        };
        (role_arn, actor)
    }

    /// One run starting at `at` (seconds, before the minute and jitter):
    /// each API of the template called its number of times, 0–2 s apart,
    /// with fresh credentials.
    fn run(
        &mut self,
        tpl: &JobTemplate,
        me: u32,
        ids: &[u32],
        at: i64,
        workload: i64,
        events: &mut [u64],
    ) {
        let jitter = i64::from(self.rng.random_range(0..=self.g.jitter_s));
        let mut t = at + i64::from(tpl.minute) * 60 + jitter;
        let session = t - 1;
        for (k, &(_, _, n)) in tpl.apis.iter().enumerate() {
            let count = match n {
                Calls::Fixed(c) => i64::from(c),
                Calls::PerUnit(c) => i64::from(c) * workload,
            };
            for _ in 0..count {
                self.push(t, me, ids[k], session);
                t += self.rng.random_range(0..=2i64);
            }
            events[k] += count as u64;
        }
    }
}

/// The start times of a job's runs on a day of weekday `wd` (0 = Monday),
/// in seconds after midnight UTC, before the minute and the jitter.
fn run_hours(tpl: &JobTemplate, wd: u32) -> Vec<i64> {
    let at_hour = vec![i64::from(tpl.hour) * 3600];
    match tpl.schedule {
        Schedule::Hourly => (0..24).map(|h| h * 3600).collect(),
        Schedule::Daily => at_hour,
        Schedule::Weekly if wd == tpl.weekday => at_hour,
        Schedule::Weekdays if wd < 5 => at_hour,
        _ => vec![],
    }
}
