//! The simulation: [`LogonGenerator::generate`] and the day-by-day loop,
//! each user's ordinary logons and a planted user's extra after-hours
//! logons.
//!
//! # Why a file of its own
//!
//! The loop fixes the order of every random draw (day by day, user by
//! user: ordinary logons, then planted ones); users are drawn before it
//! (`population`) and rows are formatted after it (`rows`).

use super::params::{CheckedLogonGenerator, LogonGenerator};
use super::plant::{OrgEvent, PlantKind, SHIFT_AFTER_HOURS_PROB};
use super::population::User;
use super::rows::write_day;
use super::truth::GroundTruth;
use crate::DatasetError;
use crate::TruthFile;
use crate::cert::datetime::weekday;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use std::io::{BufWriter, Write};
use std::path::Path;
use threatstat_core::ParamGuard;
use threatstat_core::rng::SeededRng;

/// Mixed into the seed of the row-id stream.
const ID_STREAM: u64 = 0x9E37_79B9_7F4A_7C15;

/// The probability that an ordinary logon is on a PC other than the user's own.
const OTHER_PC_PROB: f64 = 0.05;

/// One event of a day, before sorting.
#[derive(Clone, Copy)]
pub(super) struct Event {
    pub(super) second: u32,
    pub(super) user: u32,
    pub(super) pc: u32,
    pub(super) logon: bool,
}

impl LogonGenerator {
    /// Writes the CSV to `out` and returns the ground truth.
    ///
    /// ```
    /// # use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().users(10).days(20).seed(3);
    /// let (mut a, mut b) = (Vec::new(), Vec::new());
    /// assert_eq!(g.generate(&mut a).unwrap(), g.generate(&mut b).unwrap());
    /// assert_eq!(a, b);
    /// ```
    pub fn generate(&self, out: impl Write) -> Result<GroundTruth, DatasetError> {
        self.check()?.generate(out)
    }

    /// Writes the CSV to `csv_path` and the ground truth JSON to `truth_path`.
    ///
    /// ```
    /// # use threatstat_datasets::TruthFile;
    /// # use threatstat_datasets::cert::{GroundTruth, LogonGenerator};
    /// let dir = std::env::temp_dir();
    /// let (csv, json) = (dir.join("threatstat-doc-logon.csv"), dir.join("threatstat-doc-truth.json"));
    /// let truth = LogonGenerator::new().users(10).days(20).write_files(&csv, &json).unwrap();
    /// assert_eq!(GroundTruth::read(&json).unwrap(), truth);
    /// ```
    pub fn write_files(
        &self,
        csv_path: impl AsRef<Path>,
        truth_path: impl AsRef<Path>,
    ) -> Result<GroundTruth, DatasetError> {
        self.check()?.write_files(csv_path, truth_path)
    }
}

impl CheckedLogonGenerator {
    /// [`LogonGenerator::generate`] of checked parameters.
    ///
    /// ```
    /// use threatstat_core::ParamGuard;
    /// use threatstat_datasets::cert::LogonGenerator;
    /// let g = LogonGenerator::new().users(10).days(20).check().unwrap();
    /// assert_eq!(g.generate(std::io::sink()).unwrap().params, *g.params());
    /// ```
    pub fn generate(&self, out: impl Write) -> Result<GroundTruth, DatasetError> {
        self.generate_to(out, "the output")
    }

    /// [`LogonGenerator::write_files`] of checked parameters.
    pub fn write_files(
        &self,
        csv_path: impl AsRef<Path>,
        truth_path: impl AsRef<Path>,
    ) -> Result<GroundTruth, DatasetError> {
        let (csv_path, truth_path) = (csv_path.as_ref(), truth_path.as_ref());
        // Files appear whole or not at all (an interrupted run leaves no
        // truncated logon.csv that looks like data).
        let mut csv = threatstat_core::atomic::AtomicFile::create(csv_path)?;
        let truth = self.generate_to(&mut csv, &csv_path.display().to_string())?;
        csv.commit()?;
        threatstat_core::atomic::write_atomically(truth_path, |w| {
            w.write_all(truth.to_json().as_bytes())
        })?;
        Ok(truth)
    }

    fn generate_to(&self, out: impl Write, target: &str) -> Result<GroundTruth, DatasetError> {
        let g = self.params();
        let werr = |e| DatasetError::Write {
            target: target.to_string(),
            source: e,
        };
        let mut rng = threatstat_core::rng::seeded(g.seed);
        // Row ids come from their own stream, so that a file without the
        // `id` column has the same events as one with it.
        let mut id_rng = threatstat_core::rng::seeded(g.seed ^ ID_STREAM);
        let mut users = g.make_users(&mut rng)?;
        let mut out = BufWriter::with_capacity(1 << 16, out);
        out.write_all(if g.id_column {
            b"id,date,user,pc,activity\n"
        } else {
            b"date,user,pc,activity\n"
        })
        .map_err(werr)?;

        let (mut rows, mut logons) = (0u64, 0u64);
        let mut events: Vec<Event> = Vec::new();
        let mut line: Vec<u8> = Vec::with_capacity(96);
        for day in g.start_day..g.start_day + i64::from(g.days) {
            events.clear();
            g.day_events(&mut rng, &mut users, day, &mut events);
            // Stable: a logon and its logoff in the same second stay in order.
            events.sort_by_key(|e| e.second);
            let ids = g.id_column.then_some(&mut id_rng);
            write_day(&mut out, &mut line, day, &events, &users, ids).map_err(werr)?;
            rows += events.len() as u64;
            logons += events.iter().filter(|e| e.logon).count() as u64;
        }
        out.flush().map_err(werr)?;
        Ok(g.truth(&users, rows, logons))
    }
}

impl LogonGenerator {
    /// The events of `day`, user by user, unsorted.
    fn day_events(
        &self,
        rng: &mut SeededRng,
        users: &mut [User],
        day: i64,
        events: &mut Vec<Event>,
    ) {
        let weekend = weekday(day) >= 5;
        let offset = day - self.start_day;
        let event = self.org_events.iter().find(|e| {
            (i64::from(e.start)..i64::from(e.start) + i64::from(e.days)).contains(&offset)
        });
        for (uid, u) in users.iter_mut().enumerate() {
            let uid = uid as u32;
            if u.leave_day.is_some_and(|l| day >= l) {
                continue;
            }
            self.ordinary_logons(rng, u, uid, weekend, event, events);
            if u.change_day.is_some_and(|c| day >= c) && u.end_day.is_none_or(|e| day <= e) {
                self.planted_logons(rng, u, uid, events);
            }
        }
    }

    /// A user's ordinary sessions of a day: a Poisson number (the user's
    /// rate, or the organisation event's), mostly in working hours, mostly
    /// on the user's own PC.
    fn ordinary_logons(
        &self,
        rng: &mut SeededRng,
        u: &User,
        uid: u32,
        weekend: bool,
        event: Option<&OrgEvent>,
        events: &mut Vec<Event>,
    ) {
        let n = match event {
            None => {
                let dist = if weekend { &u.weekend } else { &u.weekday };
                dist.as_ref().map_or(0, |d| d.sample(rng) as u32)
            }
            Some(e) => {
                let f = if weekend { self.weekend_factor } else { 1.0 };
                let lambda = u.rate * f * e.rate_factor;
                Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u32)
            }
        };
        let after_prob = if u.shift {
            SHIFT_AFTER_HOURS_PROB
        } else {
            event
                .and_then(|e| e.after_hours_prob)
                .unwrap_or(self.after_hours_prob)
        };
        for _ in 0..n {
            let after = rng.random_bool(after_prob);
            let second = if after {
                after_hours_second(rng)
            } else {
                rng.random_range(7 * 3600..18 * 3600)
            };
            let pc = if rng.random_bool(OTHER_PC_PROB) {
                rng.random_range(0..10_000)
            } else {
                u.pc
            };
            let duration = rng.random_range(15 * 60..=9 * 3600);
            push_session(events, uid, pc, second, duration);
        }
    }

    /// A planted user's extra after-hours sessions of a day.
    fn planted_logons(&self, rng: &mut SeededRng, u: &mut User, uid: u32, events: &mut Vec<Event>) {
        let extra = match self.plant {
            PlantKind::AfterHoursLogons {
                min_extra,
                max_extra,
            } => rng.random_range(min_extra..=max_extra),
            PlantKind::AfterHoursRate { rate } => {
                Poisson::new(rate).map_or(0, |d| d.sample(rng) as u32)
            }
        };
        for _ in 0..extra {
            let second = after_hours_second(rng);
            let duration = rng.random_range(5 * 60..=3 * 3600);
            push_session(events, uid, u.pc, second, duration);
        }
        u.extra_logons += u64::from(extra);
    }
}

/// A uniform second in hours 18-23 or 0-6 (13 hours).
fn after_hours_second(rng: &mut SeededRng) -> u32 {
    let s = rng.random_range(0..13 * 3600);
    (s + 18 * 3600) % (24 * 3600)
}

/// A logon at `second` and its logoff `duration` seconds later, cut at 23:59:59.
fn push_session(events: &mut Vec<Event>, user: u32, pc: u32, second: u32, duration: u32) {
    events.push(Event {
        second,
        user,
        pc,
        logon: true,
    });
    events.push(Event {
        second: (second + duration).min(86_399),
        user,
        pc,
        logon: false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_hours_seconds_are_after_hours() {
        let mut rng = threatstat_core::rng::seeded(1);
        for _ in 0..10_000 {
            let h = after_hours_second(&mut rng) / 3600;
            assert!(!(7..18).contains(&h), "{h}");
        }
    }

    #[test]
    fn user_mixes_behave_as_described() {
        use crate::cert::{LogonLoader, OrgEvent, Span};
        let g = LogonGenerator::new()
            .users(60)
            .days(120)
            .planted(4)
            .plant(PlantKind::after_hours_rate(2.0))
            .episode_days(10, 20)
            .leavers(5)
            .shift_workers(5)
            .org_event(OrgEvent {
                start: 30,
                days: 10,
                rate_factor: 0.0,
                after_hours_prob: None,
            })
            .seed(4);
        let mut csv = Vec::new();
        let t = g.generate(&mut csv).unwrap();
        assert_eq!(
            (t.planted.len(), t.leavers.len(), t.shift_workers.len()),
            (4, 5, 5)
        );
        let mut roles: Vec<&str> = t.planted.iter().map(|p| p.user.as_str()).collect();
        roles.extend(t.leavers.iter().map(|l| l.user.as_str()));
        roles.extend(t.shift_workers.iter().map(String::as_str));
        roles.sort();
        roles.dedup();
        assert_eq!(roles.len(), 14, "roles are disjoint");
        let all = LogonLoader::new()
            .load_reader("g.csv", std::io::Cursor::new(csv.clone()))
            .unwrap();
        let night = LogonLoader::new()
            .hour_window("18-7".parse::<crate::cert::HourWindow>().unwrap())
            .load_reader("g.csv", std::io::Cursor::new(csv.clone()))
            .unwrap();
        for l in &t.leavers {
            let d = all.user_daily(&l.user, Span::Global).unwrap();
            assert!(
                d.iter().all(|(day, c)| day < l.leave_day || c == 0),
                "{}",
                l.user
            );
        }
        for p in &t.planted {
            let end = p.end_day.unwrap();
            assert!((10..=20).contains(&(end - p.change_day + 1)));
            let d = night.user_daily(&p.user, Span::Global).unwrap();
            let inside: u32 = d
                .iter()
                .filter(|&(day, _)| day >= p.change_day && day <= end)
                .map(|x| x.1)
                .sum();
            assert!(inside >= 10, "{}: {inside}", p.user);
        }
        for u in &t.shift_workers {
            let (a, n) = (
                all.user_daily(u, Span::Global).unwrap().total(),
                night.user_daily(u, Span::Global).unwrap().total(),
            );
            assert!(n as f64 > 0.6 * a as f64, "{u}: {n} of {a}");
        }
        // Nobody works during the holiday (rate factor 0) except planted extras.
        let start = t.params.start_day + 30;
        for d in all.daily(Span::Global) {
            if t.planted.iter().any(|p| p.user == d.user) {
                continue;
            }
            assert!(
                d.iter()
                    .all(|(day, c)| !(start..start + 10).contains(&day) || c == 0)
            );
        }
        let back = GroundTruth::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
    }
}
