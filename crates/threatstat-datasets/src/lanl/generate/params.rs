//! The generator's parameters: the [`LanlGenerator`] builder (its doc
//! describes the model), defaults and validation.
//!
//! # Why a file of its own
//!
//! What may be asked for is one question; how the files are simulated
//! (`simulate`, `world`, `events`) and written (`files`, `lines`) are
//! others. The parameters are also kept in the truth file, so a data set
//! can be regenerated from its truth.

use crate::DatasetError;
use crate::error::bad_param as bad;
use crate::lanl::redteam::RedTeam;
use serde::{Deserialize, Serialize};
use threatstat_core::ParamGuard;

/// Parameters of generated LANL files, as a builder; [`generate`] validates
/// them and writes the files.
///
/// # The model
///
/// * **Computers.** [`servers`] servers (the first is the domain controller)
///   and one home computer per user, all named `C<n>`; computer accounts are
///   `C<n>$@DOM1`.
/// * **Users.** Every user of the red-team file with a row inside the
///   generated period (the *compromised* users, with their real names, e.g.
///   `U620@DOM1`, `U10379@C3521`), then [`users`] other users `U<k>@DOM1`
///   (numbers not used by a red-team user). A red-team user's home computer
///   is the computer the red team authenticated to most often as that user
///   (ties: the first in the file), unless another red-team user already has
///   it or it is one of the red team's source computers; then the next one,
///   else a fresh name. Other homes and servers get fresh names, never a
///   name of the red-team file.
/// * **Days.** Day `d` covers times `1 + 86400 d ..= 86400 (d + 1)`; days
///   with `d % 7` in {5, 6} are weekends. A user is active on a day with
///   probability 0.9 (weekend 0.15); an active user's session starts at a
///   uniform time from 07:00 to 10:00 and lasts 6 to 10 hours.
/// * **auth.txt.** Each session starts with an `Interactive` (85%) or
///   `CachedInteractive` (15%) `LogOn` at the home computer (source =
///   destination = home) and ends with its `LogOff`. During the session the
///   user makes on average [`auth_per_user_day`] more events (a Poisson
///   process): Kerberos `Network` logons to servers (with `LogOff`s), `TGS`
///   / `TGT` rows with `?` fields, computer-account logons, `Batch`,
///   `Unlock`, `NTLM` failures, `ANONYMOUS LOGON`s, `RemoteInteractive`
///   sessions from home to a server, rare (0.5%) `Interactive` visits to
///   another user's home, `AuthMap`, `NetworkCleartext`, `NewCredentials`.
///   Each server makes [`server_auth_per_hour`] service / computer-account
///   events an hour. Every red-team row is also an `auth.txt` row
///   (`NTLM`, `Network`, `LogOn`, `Success`, source and destination user the
///   red-team user), at the same time, as in the real data.
/// * **flows.txt.** During the session the home computer makes on average
///   [`flows_per_user_day`] flows, half uploads (home → server) and half
///   downloads (server → home). Bytes are lognormal per user: the user's
///   median upload is [`upload_median`] × exp([`user_sigma`] · Z), its median
///   download [`download_median`] × exp([`user_sigma`] · Z'), and a flow's
///   bytes are the median × exp([`flow_sigma`] · Z''). From a compromised
///   user's first red-team time on, that user's uploads have median ×
///   [`upload_effect`] (log-bytes shifted by ln(effect)); nothing else
///   changes. Servers exchange [`server_flows_per_hour`] flows an hour each.
/// * **redteam.txt** is the red-team file's rows inside the period (all of
///   the real file when `days >= 30`), written back byte for byte.
///
/// Rows of each file are sorted by time (ties in generation order). Files
/// are written hour by hour: memory is the users' state plus one hour of
/// events, so 10^9 events need no more memory than 10^7.
///
/// The same parameters (and red-team file) give byte-identical files: the
/// random bits come from [`threatstat_core::rng::SeededRng`], whose stream
/// is fixed; `rand_distr`'s samplers on top of it are pinned by `Cargo.lock`.
///
/// [`generate`]: LanlGenerator::generate
/// [`servers`]: LanlGenerator::servers
/// [`users`]: LanlGenerator::users
/// [`auth_per_user_day`]: LanlGenerator::auth_per_user_day
/// [`server_auth_per_hour`]: LanlGenerator::server_auth_per_hour
/// [`flows_per_user_day`]: LanlGenerator::flows_per_user_day
/// [`upload_median`]: LanlGenerator::upload_median
/// [`download_median`]: LanlGenerator::download_median
/// [`user_sigma`]: LanlGenerator::user_sigma
/// [`flow_sigma`]: LanlGenerator::flow_sigma
/// [`upload_effect`]: LanlGenerator::upload_effect
/// [`server_flows_per_hour`]: LanlGenerator::server_flows_per_hour
///
/// ```
/// use threatstat_datasets::lanl::{AuthReader, LanlGenerator};
/// let (mut auth, mut flows, mut rt) = (Vec::new(), Vec::new(), Vec::new());
/// let truth = LanlGenerator::new().users(20).days(3).seed(1)
///     .generate(&mut auth, &mut flows, &mut rt).unwrap();
/// assert_eq!(truth.compromised.len(), 5);   // red-team users of days 0..=2
/// assert_eq!(truth.users.len(), 25);
/// assert_eq!(truth.redteam_rows, 25);
/// let read = AuthReader::from_reader("auth.txt", std::io::Cursor::new(auth));
/// assert_eq!(read.count() as u64, truth.auth_rows);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanlGenerator {
    pub(super) users: usize,
    pub(super) servers: usize,
    pub(super) days: u32,
    pub(super) seed: u64,
    pub(super) auth_per_user_day: f64,
    pub(super) flows_per_user_day: f64,
    pub(super) server_auth_per_hour: f64,
    pub(super) server_flows_per_hour: f64,
    pub(super) upload_median: f64,
    pub(super) download_median: f64,
    pub(super) user_sigma: f64,
    pub(super) flow_sigma: f64,
    pub(super) upload_effect: f64,
    #[serde(skip, default = "RedTeam::bundled")]
    pub(super) redteam: RedTeam,
}

impl Default for LanlGenerator {
    fn default() -> Self {
        LanlGenerator {
            users: 2000,
            servers: 50,
            days: 58,
            seed: 0,
            auth_per_user_day: 30.0,
            flows_per_user_day: 20.0,
            server_auth_per_hour: 2.0,
            server_flows_per_hour: 2.0,
            upload_median: 20_000.0,
            download_median: 100_000.0,
            user_sigma: 0.5,
            flow_sigma: 1.0,
            upload_effect: 3.0,
            redteam: RedTeam::bundled(),
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $t:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, v: $t) -> Self {
            self.$name = v;
            self
        }
    };
}

impl LanlGenerator {
    /// The defaults: 2,000 users besides the red-team users, 50 servers,
    /// 58 days (LANL's period), seed 0, 30 auth events and 20 flows per
    /// user per active day, 2 server auth events and 2 server flows per
    /// server per hour, upload median 20 kB, download median 100 kB, user
    /// spread 0.5, flow spread 1.0 (natural-log units), upload effect 3,
    /// the bundled red-team file: 3.95 million auth rows (264 MB) and
    /// 1.83 million flow rows (75 MB).
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlGenerator;
    /// assert_eq!(LanlGenerator::new(), LanlGenerator::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// Number of users besides the red-team users (default 2,000).
        users: usize
    );
    setter!(
        /// Number of servers (default 50, at least 1).
        servers: usize
    );
    setter!(
        /// Number of days (default 58).
        days: u32
    );
    setter!(
        /// The seed (default 0).
        seed: u64
    );
    setter!(
        /// Mean auth events per user per active day, besides the session's
        /// logon and logoff (default 30).
        auth_per_user_day: f64
    );
    setter!(
        /// Mean flows per user per active day (default 20).
        flows_per_user_day: f64
    );
    setter!(
        /// Mean auth events per server per hour (default 2).
        server_auth_per_hour: f64
    );
    setter!(
        /// Mean server-to-server flows per server per hour (default 2).
        server_flows_per_hour: f64
    );
    setter!(
        /// Median over users of the users' median upload bytes per flow
        /// (default 20,000).
        upload_median: f64
    );
    setter!(
        /// Median over users of the users' median download bytes per flow
        /// (default 100,000).
        download_median: f64
    );
    setter!(
        /// Standard deviation over users of the log of a user's median
        /// bytes (default 0.5).
        user_sigma: f64
    );
    setter!(
        /// Standard deviation of a flow's log bytes around its user's log
        /// median (default 1.0).
        flow_sigma: f64
    );
    setter!(
        /// The factor on compromised users' median upload bytes from their
        /// first red-team time on (default 3; 1 plants no effect).
        upload_effect: f64
    );

    /// The red-team file whose users are planted (default the bundled real
    /// one, [`RedTeam::bundled`]).
    pub fn redteam(mut self, redteam: RedTeam) -> Self {
        self.redteam = redteam;
        self
    }

    /// The number of days (for the sibling writers).
    pub(in crate::lanl) fn days_value(&self) -> u32 {
        self.days
    }

    /// The red-team file (for the sibling writers).
    pub(in crate::lanl) fn redteam_value(&self) -> &RedTeam {
        &self.redteam
    }
}

/// [`LanlGenerator`] parameters that passed [`ParamGuard::check`]; only
/// `check` makes one, and only a checked generator writes files
/// ([`generate`](CheckedLanlGenerator::generate)). The unchecked builder's
/// `generate` and `write_files*` check first, then call these.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedLanlGenerator(LanlGenerator);

impl CheckedLanlGenerator {
    /// The parameters checked.
    pub fn params(&self) -> &LanlGenerator {
        &self.0
    }
}

impl ParamGuard for LanlGenerator {
    type Checked = CheckedLanlGenerator;
    type Error = DatasetError;

    /// Checks every parameter; errors are
    /// [`Error::Param`](threatstat_core::Error::Param) naming it.
    ///
    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_datasets::{DatasetError, lanl::LanlGenerator};
    /// let e = LanlGenerator::new().servers(0).check().unwrap_err();
    /// assert!(matches!(e, DatasetError::Core(Error::Param { name: "servers", .. })), "{e}");
    /// ```
    fn check(&self) -> Result<CheckedLanlGenerator, DatasetError> {
        if self.servers == 0 {
            return bad("servers", self.servers, "at least 1");
        }
        if self.days == 0 {
            return bad("days", self.days, "at least 1");
        }
        for (name, v) in [
            ("auth_per_user_day", self.auth_per_user_day),
            ("flows_per_user_day", self.flows_per_user_day),
            ("server_auth_per_hour", self.server_auth_per_hour),
            ("server_flows_per_hour", self.server_flows_per_hour),
            ("user_sigma", self.user_sigma),
            ("flow_sigma", self.flow_sigma),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(name, v, "a finite number >= 0");
            }
        }
        for (name, v) in [
            ("upload_median", self.upload_median),
            ("download_median", self.download_median),
            ("upload_effect", self.upload_effect),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(name, v, "a finite number > 0");
            }
        }
        if self.users > 100_000_000 {
            return bad("users", self.users, "at most 100000000");
        }
        Ok(CheckedLanlGenerator(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use threatstat_core::Error;

    #[test]
    fn invalid_params_are_rejected() {
        let g = LanlGenerator::new;
        for (bad, param) in [
            (g().servers(0), "servers"),
            (g().days(0), "days"),
            (g().auth_per_user_day(-1.0), "auth_per_user_day"),
            (g().flows_per_user_day(f64::NAN), "flows_per_user_day"),
            (g().upload_median(0.0), "upload_median"),
            (g().upload_effect(-2.0), "upload_effect"),
            (g().flow_sigma(f64::INFINITY), "flow_sigma"),
            (g().users(100_000_001), "users"),
        ] {
            let e = bad
                .generate(std::io::sink(), std::io::sink(), std::io::sink())
                .unwrap_err();
            assert!(
                matches!(&e, DatasetError::Core(Error::Param { name, .. }) if *name == param),
                "{param}: {e}"
            );
        }
        assert!(g().check().is_ok());
    }
}
