//! The people of a simulated account: IAM users and SSO users, their
//! habits (favourite APIs, time zone, working hours, vacation), and their
//! sessions of calls on the days they are active.
//!
//! # Why a file of its own
//!
//! The human side of the model (see [`CloudTrailGenerator`](super::CloudTrailGenerator)) is the one
//! whose counts should *not* look automated: working days, holidays,
//! bursts and over-dispersed session sizes all live here. The draws are
//! made person by person, day by day, session by session, in the order of
//! the code; moving a draw changes every log.

use super::DAY_S;
use super::catalogue::{CONSOLE_LOGIN, HUMAN_APIS, NAMES, PERMISSION_SETS, UA_CLI, UA_CONSOLE};
use super::ids::{hex, key_chars};
use super::log::Actor;
use super::simulate::Simulation;
use super::truth::HumanPrincipal;
use crate::DatasetError;
use crate::cert::{format_day, weekday};
use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use threatstat_core::rng::SeededRng;

/// An SSO permission set's role: (ARN, principal id, name).
type Role = (String, String, String);

/// The distributions of a person's sessions.
struct SessionSizes {
    /// Mean calls of a session (Gamma, shape 1.5), before the Poisson draw.
    calls: Gamma<f64>,
    /// Sessions beyond the first on a working day.
    extra_sessions: Poisson<f64>,
}

/// A person's habits, drawn once.
struct Habits {
    /// The person's index in [`Simulation::actors`].
    me: u32,
    /// Favourite APIs, most used first, and their weights (1/rank).
    fav: Vec<u32>,
    weights: Vec<f64>,
    wsum: f64,
    /// `ConsoleLogin`, for console users.
    login: Option<u32>,
    utc_offset_hours: i32,
    /// Working hours, local time.
    work_start: i64,
    work_end: i64,
    /// First and last day of the vacation.
    vacation: Option<(i64, i64)>,
}

impl Habits {
    /// A favourite API, drawn by weight.
    fn pick(&self, rng: &mut SeededRng) -> u32 {
        let mut u = rng.random_range(0.0..self.wsum);
        for (i, w) in self.weights.iter().enumerate() {
            if u < *w {
                return self.fav[i];
            }
            u -= w;
        }
        self.fav[self.fav.len() - 1]
    }
}

impl Simulation<'_> {
    /// Simulates the people, in the order of [`NAMES`].
    pub(super) fn people(&mut self) -> Result<Vec<HumanPrincipal>, DatasetError> {
        let acct = self.g.account_id.clone();
        let sso_roles: Vec<Role> = PERMISSION_SETS
            .iter()
            .map(|ps| {
                let name = format!("AWSReservedSSO_{ps}_{}", hex(&mut self.rng, 16));
                (
                    format!("arn:aws:iam::{acct}:role/aws-reserved/sso.amazonaws.com/{name}"),
                    format!("AROA{}", key_chars(&mut self.rng, 17)),
                    name,
                )
            })
            .collect();
        let sizes = SessionSizes {
            calls: Gamma::new(1.5, self.g.calls_per_session / 1.5).map_err(|e| {
                threatstat_core::Error::param(
                    "calls_per_session",
                    self.g.calls_per_session,
                    format!("a mean that gives a Gamma distribution ({e})"),
                )
            })?,
            extra_sessions: Poisson::new(1.5).expect("valid rate"),
        };
        let mut humans = Vec::new();
        for (h, name) in NAMES.iter().take(self.g.humans).enumerate() {
            humans.push(self.person(h, name, &sso_roles, &sizes));
        }
        Ok(humans)
    }

    /// Simulates person number `h`: odd ones are SSO users sharing the
    /// permission sets' roles, even ones IAM users (half of them on the
    /// console).
    fn person(
        &mut self,
        h: usize,
        name: &str,
        sso_roles: &[Role],
        sizes: &SessionSizes,
    ) -> HumanPrincipal {
        let sso = h % 2 == 1;
        let console = !sso && self.rng.random_bool(0.5);
        let actor = if sso {
            self.sso_user(name, sso_roles[(h / 2) % sso_roles.len()].clone())
        } else {
            self.iam_user(name, console)
        };
        let (picked, habits) = self.habits(console);
        let mut events = 0u64;
        for day in self.start..self.end {
            events += self.person_day(&habits, day, sizes);
        }
        let mut apis: Vec<String> = picked
            .iter()
            .map(|&i| HUMAN_APIS[i].1.to_string())
            .collect();
        if console {
            apis.push(CONSOLE_LOGIN.1.to_string());
        }
        let human = HumanPrincipal {
            name: name.to_string(),
            identity_type: actor.identity_type.to_string(),
            principal: actor
                .issuer
                .as_ref()
                .map_or_else(|| actor.arn.clone(), |i| i.0.clone()),
            arn: actor.arn.clone(),
            apis,
            utc_offset_hours: habits.utc_offset_hours,
            vacation: habits.vacation.map(|(a, b)| (format_day(a), format_day(b))),
            events,
        };
        self.actors.push(actor);
        human
    }

    /// An SSO user acting through a permission set's role.
    fn sso_user(&mut self, name: &str, (role_arn, role_id, role_name): Role) -> Actor {
        let acct = &self.g.account_id;
        let email = format!("{name}@example.com");
        Actor {
            identity_type: "AssumedRole",
            arn: format!("arn:aws:sts::{acct}:assumed-role/{role_name}/{email}"),
            principal_id: format!("{role_id}:{email}"),
            user_name: None,
            issuer: Some((role_arn, role_id, role_name)),
            access_key: format!("ASIA{}", key_chars(&mut self.rng, 16)),
            user_agent: if self.rng.random_bool(0.5) {
                UA_CONSOLE
            } else {
                UA_CLI
            },
            ip: format!("203.0.113.{}", self.rng.random_range(1..255)),
        }
    }

    /// An IAM user; console users have temporary keys.
    fn iam_user(&mut self, name: &str, console: bool) -> Actor {
        let acct = &self.g.account_id;
        Actor {
            identity_type: "IAMUser",
            arn: format!("arn:aws:iam::{acct}:user/{name}"),
            principal_id: format!("AIDA{}", key_chars(&mut self.rng, 17)),
            user_name: Some(name.to_string()),
            issuer: None,
            access_key: format!(
                "{}{}",
                if console { "ASIA" } else { "AKIA" },
                key_chars(&mut self.rng, 16)
            ),
            user_agent: if console { UA_CONSOLE } else { UA_CLI },
            ip: format!("203.0.113.{}", self.rng.random_range(1..255)),
        }
    }

    /// Draws the next person's habits; also returns the favourite APIs as
    /// indices into [`HUMAN_APIS`].
    fn habits(&mut self, console: bool) -> (Vec<usize>, Habits) {
        let me = self.actors.len() as u32;
        let k = self.rng.random_range(4..=8usize);
        let picked: Vec<usize> =
            rand::seq::index::sample(&mut self.rng, HUMAN_APIS.len(), k).into_vec();
        let fav: Vec<u32> = picked.iter().map(|&i| self.api_id(HUMAN_APIS[i])).collect();
        let weights: Vec<f64> = (0..k).map(|r| 1.0 / (r as f64 + 1.0)).collect();
        let wsum: f64 = weights.iter().sum();
        let login = console.then(|| self.api_id(CONSOLE_LOGIN));
        let utc_offset_hours: i32 = [-8, -5, -5, 0, 1][self.rng.random_range(0..5)];
        let work_start = self.rng.random_range(8..=10i64);
        let work_end = work_start + self.rng.random_range(8..=9i64);
        let (start, days) = (self.start, self.g.days);
        let vacation = self.rng.random_bool(self.g.vacation_prob).then(|| {
            let len = self.rng.random_range(5..=10i64);
            let first = start + self.rng.random_range(0..i64::from(days));
            (first, first + len - 1)
        });
        let habits = Habits {
            me,
            fav,
            weights,
            wsum,
            login,
            utc_offset_hours,
            work_start,
            work_end,
            vacation,
        };
        (picked, habits)
    }

    /// A person's day: active or not, then 1 + Poisson(1.5) sessions on a
    /// working day, one on another day. Returns the calls made.
    fn person_day(&mut self, p: &Habits, day: i64, sizes: &SessionSizes) -> u64 {
        let on_vacation = p.vacation.is_some_and(|(a, b)| (a..=b).contains(&day));
        let working = weekday(day) < 5 && !self.holidays.contains(&day) && !on_vacation;
        let prob = if working {
            self.g.active_prob
        } else {
            self.g.off_day_prob
        };
        if !self.rng.random_bool(prob) {
            return 0;
        }
        let sessions = if working {
            1 + sizes.extra_sessions.sample(&mut self.rng) as u32
        } else {
            1
        };
        let mut events = 0;
        for _ in 0..sessions {
            events += self.session(p, day, sizes);
        }
        events
    }

    /// One session in working hours: a console sign-in (usually), a
    /// Gamma–Poisson number of calls of favourite APIs, and maybe a burst.
    /// Returns the calls made.
    fn session(&mut self, p: &Habits, day: i64, sizes: &SessionSizes) -> u64 {
        let rng = &mut self.rng;
        let local = rng.random_range(p.work_start * 3600..p.work_end * 3600 - 1800);
        let t0 = day * DAY_S + local - i64::from(p.utc_offset_hours) * 3600;
        let dur = rng.random_range(600..=7200i64);
        // Credentials obtained a little before the session.
        let session = t0 - rng.random_range(0..=1800i64);
        let mut times: Vec<(i64, u32)> = Vec::new();
        if let Some(l) = p.login
            && rng.random_bool(0.7)
        {
            times.push((t0, l));
        }
        let lambda = sizes.calls.sample(rng);
        let n = 1 + Poisson::new(lambda.max(1e-9)).map_or(0, |d| d.sample(rng) as u32);
        for _ in 0..n {
            let api = p.pick(rng);
            times.push((t0 + rng.random_range(0..dur), api));
        }
        if rng.random_bool(self.g.burst_prob) {
            let api = p.pick(rng);
            let b0 = t0 + rng.random_range(0..dur);
            let len = rng.random_range(60..=600i64);
            for _ in 0..rng.random_range(30..=150u32) {
                times.push((b0 + rng.random_range(0..len), api));
            }
        }
        let events = times.len() as u64;
        for (second, api) in times {
            self.push(second, p.me, api, session);
        }
        events
    }
}
