//! The ground truth of a generated LANL data set: the compromised users
//! with their planted upload shift, every user's home and medians, and the
//! parameters; its versioned JSON file.
//!
//! # Why a file of its own
//!
//! The truth is what an analysis is scored against and what is read back
//! from `truth.json`: a file format with a name and a version,
//! independent of how the data were simulated.

use super::params::LanlGenerator;
use serde::{Deserialize, Serialize};

/// The `format` tag of [`LanlTruth`] JSON.
pub const LANL_TRUTH_FORMAT: &str = "threatstat-lanl-truth";
/// The version of [`LanlTruth`] JSON.
pub const LANL_TRUTH_VERSION: u32 = 1;

/// A compromised (red-team) user in a [`LanlTruth`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompromisedUser {
    /// The `user@domain`, as in the red-team file.
    pub user: String,
    /// The user's home computer.
    pub home_computer: String,
    /// The time of the user's first red-team row; uploads from this time on
    /// have the effect.
    pub first_compromise_time: u64,
    /// Red-team rows naming the user (inside the period).
    pub redteam_events: u64,
    /// Upload flows written before the first compromise time.
    pub upload_flows_before: u64,
    /// Upload flows written from the first compromise time on.
    pub upload_flows_after: u64,
}

/// One user in a [`LanlTruth`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserTruth {
    /// The `user@domain`.
    pub user: String,
    /// The user's home computer.
    pub home_computer: String,
    /// Whether the user is a (planted) red-team user.
    pub compromised: bool,
    /// The median bytes of the user's uploads (before any compromise).
    pub upload_median: f64,
    /// The median bytes of the user's downloads.
    pub download_median: f64,
    /// `Interactive`/`CachedInteractive` session logons written at home.
    pub home_logons: u64,
}

/// What a [`LanlGenerator`] wrote: its parameters, the effect, the users
/// with their home computers, and the compromised users with their first
/// compromise times.
///
/// ```
/// use threatstat_datasets::TruthFile;
/// use threatstat_datasets::lanl::{LanlGenerator, LanlTruth};
/// let truth = LanlGenerator::new().users(5).days(2).generate(std::io::sink(), std::io::sink(), std::io::sink()).unwrap();
/// assert_eq!(LanlTruth::from_json(&truth.to_json()).unwrap(), truth);
/// assert_eq!(truth.upload_log_shift, truth.upload_effect.ln());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanlTruth {
    /// Always [`LANL_TRUTH_FORMAT`].
    pub format: String,
    /// [`LANL_TRUTH_VERSION`] when written.
    pub version: u32,
    /// The generator's parameters (with the bundled red-team file, enough
    /// to regenerate the files).
    pub params: LanlGenerator,
    /// The seed.
    pub seed: u64,
    /// The factor on compromised users' median upload bytes after their
    /// first compromise time.
    pub upload_effect: f64,
    /// `ln(upload_effect)`: the shift of their log upload bytes.
    pub upload_log_shift: f64,
    /// The first time of the period (1).
    pub first_time: u64,
    /// The last time of the period (`86400 * days`).
    pub last_time: u64,
    /// Rows written to `auth.txt`.
    pub auth_rows: u64,
    /// Rows written to `flows.txt`.
    pub flow_rows: u64,
    /// Rows written to `redteam.txt`.
    pub redteam_rows: u64,
    /// The servers; the first is the domain controller.
    pub servers: Vec<String>,
    /// The compromised users, sorted by user.
    pub compromised: Vec<CompromisedUser>,
    /// All users with their home computers, sorted by user.
    pub users: Vec<UserTruth>,
}

impl LanlTruth {
    /// The compromised users' names, sorted.
    pub fn compromised_users(&self) -> Vec<&str> {
        self.compromised.iter().map(|c| c.user.as_str()).collect()
    }

    /// The home computer of `user`.
    pub fn home_of(&self, user: &str) -> Option<&str> {
        self.users
            .binary_search_by(|u| u.user.as_str().cmp(user))
            .ok()
            .map(|i| self.users[i].home_computer.as_str())
    }
}

impl crate::truth::TruthFile for LanlTruth {
    const FORMAT: &'static str = LANL_TRUTH_FORMAT;
    const VERSION: u32 = LANL_TRUTH_VERSION;
    const LABEL: &'static str = "LANL ground truth";
    fn format_version(&self) -> (&str, u32) {
        (&self.format, self.version)
    }
}
