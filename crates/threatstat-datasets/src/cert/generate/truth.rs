//! The ground truth of a generated file: planted users and their change
//! (and end) days, leavers, shift workers, counts, and the parameters; its
//! versioned JSON file.
//!
//! # Why a file of its own
//!
//! The truth is what a detector is scored against and what is read back
//! from its file: a format with a name and a version, independent of how
//! the file was simulated.

use super::params::LogonGenerator;
use super::population::User;
use crate::cert::datetime::format_day;
use serde::{Deserialize, Serialize};

/// The `format` tag of [`GroundTruth`] JSON.
pub const TRUTH_FORMAT: &str = "threatstat-cert-logon-truth";
/// The version of [`GroundTruth`] JSON.
pub const TRUTH_VERSION: u32 = 1;

/// A planted user and when the change starts.
///
/// ```
/// # use threatstat_datasets::cert::LogonGenerator;
/// let truth = LogonGenerator::new().users(5).days(30).planted(1).generate(std::io::sink()).unwrap();
/// let p = &truth.planted[0];
/// assert_eq!(threatstat_datasets::cert::format_day(p.change_day), p.change_date);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedUser {
    /// The user id.
    pub user: String,
    /// The user's own PC.
    pub pc: String,
    /// The first day of the change, `YYYY-MM-DD`.
    pub change_date: String,
    /// The first day of the change, days since 1970-01-01.
    pub change_day: i64,
    /// How many planted (extra) logons were written for this user.
    pub extra_logons: u64,
    /// The last day of the change (inclusive), `YYYY-MM-DD`, when it is an
    /// episode that stops (see [`LogonGenerator::episode_days`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// The last day of the change (inclusive), days since 1970-01-01.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_day: Option<i64>,
}

/// A user whose activity stops for good (they left the organisation).
///
/// ```
/// # use threatstat_datasets::cert::LogonGenerator;
/// let t = LogonGenerator::new().users(20).days(60).planted(1).leavers(2).generate(std::io::sink()).unwrap();
/// assert_eq!(t.leavers.len(), 2);
/// assert!(t.leavers.iter().all(|l| t.planted.iter().all(|p| p.user != l.user)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaver {
    /// The user id.
    pub user: String,
    /// The first day without activity, `YYYY-MM-DD`.
    pub leave_date: String,
    /// The first day without activity, days since 1970-01-01.
    pub leave_day: i64,
}

/// What a generator wrote: its parameters, the period, and the planted users.
///
/// ```
/// use threatstat_datasets::TruthFile;
/// use threatstat_datasets::cert::{GroundTruth, LogonGenerator};
/// let truth = LogonGenerator::new().users(5).days(30).planted(1).generate(std::io::sink()).unwrap();
/// let back = GroundTruth::from_json(&truth.to_json()).unwrap();
/// assert_eq!(back, truth);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Always [`TRUTH_FORMAT`].
    pub format: String,
    /// [`TRUTH_VERSION`] when written.
    pub version: u32,
    /// The generator's parameters (enough to regenerate the file).
    pub params: LogonGenerator,
    /// The first day of the period, `YYYY-MM-DD`.
    pub first_date: String,
    /// The last day of the period, `YYYY-MM-DD`.
    pub last_date: String,
    /// Data rows written.
    pub rows: u64,
    /// Logon rows written (as many logoffs were written).
    pub logons: u64,
    /// The planted users, sorted by user id.
    pub planted: Vec<PlantedUser>,
    /// Users who left (see [`LogonGenerator::leavers`]), sorted by user id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leavers: Vec<Leaver>,
    /// Shift workers (see [`LogonGenerator::shift_workers`]), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shift_workers: Vec<String>,
}

impl LogonGenerator {
    /// The truth of a simulated file: `users` after the simulation, and
    /// the rows and logons written.
    pub(super) fn truth(&self, users: &[User], rows: u64, logons: u64) -> GroundTruth {
        let mut planted: Vec<PlantedUser> = users
            .iter()
            .filter_map(|u| {
                u.change_day.map(|c| PlantedUser {
                    user: u.name.clone(),
                    pc: format!("PC-{:04}", u.pc),
                    change_date: format_day(c),
                    change_day: c,
                    extra_logons: u.extra_logons,
                    end_date: u.end_day.map(format_day),
                    end_day: u.end_day,
                })
            })
            .collect();
        planted.sort_by(|a, b| a.user.cmp(&b.user));
        let mut leavers: Vec<Leaver> = users
            .iter()
            .filter_map(|u| {
                u.leave_day.map(|l| Leaver {
                    user: u.name.clone(),
                    leave_date: format_day(l),
                    leave_day: l,
                })
            })
            .collect();
        leavers.sort_by(|a, b| a.user.cmp(&b.user));
        let mut shift_workers: Vec<String> = users
            .iter()
            .filter(|u| u.shift)
            .map(|u| u.name.clone())
            .collect();
        shift_workers.sort();
        GroundTruth {
            format: TRUTH_FORMAT.to_string(),
            version: TRUTH_VERSION,
            params: self.clone(),
            first_date: format_day(self.start_day),
            last_date: format_day(self.start_day + i64::from(self.days) - 1),
            rows,
            logons,
            planted,
            leavers,
            shift_workers,
        }
    }
}

impl crate::truth::TruthFile for GroundTruth {
    const FORMAT: &'static str = TRUTH_FORMAT;
    const VERSION: u32 = TRUTH_VERSION;
    const LABEL: &'static str = "ground truth";
    fn format_version(&self) -> (&str, u32) {
        (&self.format, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TruthFile;

    #[test]
    fn defaults_write_no_new_truth_fields() {
        let t = LogonGenerator::new()
            .users(5)
            .days(10)
            .planted(1)
            .generate(std::io::sink())
            .unwrap();
        let j = t.to_json();
        for key in [
            "end_date",
            "leavers",
            "shift_workers",
            "episode_days",
            "org_events",
        ] {
            assert!(!j.contains(key), "{key} in {j}");
        }
    }
}
