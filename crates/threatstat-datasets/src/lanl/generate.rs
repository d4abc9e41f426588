//! A seeded generator of LANL-format `auth.txt`, `flows.txt` and
//! `redteam.txt` with the real red-team users planted as the compromised
//! population.
//!
//! The real `auth.txt` and `flows.txt` are not available here, so the
//! upload-bytes analysis runs on files generated in LANL's exact formats,
//! whose compromised users are the **real** red-team users of the bundled
//! `redteam.txt` and whose effect (how much more they upload after their
//! first red-team event) is a parameter: the power of a test and the
//! precision/recall of a detector can be measured against a known truth.

use super::redteam::{RedTeam, RedTeamRow};
use crate::DatasetError;
use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::io::{BufWriter, Write};
use std::path::Path;
use threatstat_core::atomic::{AtomicFile, commit_all};
use threatstat_core::gz::GzWriter;
use threatstat_core::rng::SeededRng;

/// The `format` tag of [`LanlTruth`] JSON.
pub const LANL_TRUTH_FORMAT: &str = "threatstat-lanl-truth";
/// The version of [`LanlTruth`] JSON.
pub const LANL_TRUTH_VERSION: u32 = 1;

const DAY: u64 = 86_400;
const OK: &[u8] = b"Success";
const KERB: &[u8] = b"Kerberos";
const NEGO: &[u8] = b"Negotiate";
const NET: &[u8] = b"Network";
const INTER: &[u8] = b"Interactive";
const ON: &[u8] = b"LogOn";
const OFF: &[u8] = b"LogOff";
const Q: &[u8] = b"?";
const HOUR: u64 = 3_600;
/// Probability that a user is active on a weekday / on a weekend day.
const ACTIVE_WEEKDAY: f64 = 0.9;
const ACTIVE_WEEKEND: f64 = 0.15;
/// Destination ports of user flows to servers and their weights.
const PORTS: [(u16, f64); 8] = [
    (443, 0.50),
    (445, 0.20),
    (80, 0.15),
    (389, 0.05),
    (88, 0.04),
    (53, 0.03),
    (135, 0.02),
    (139, 0.01),
];

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
    users: usize,
    servers: usize,
    days: u32,
    seed: u64,
    auth_per_user_day: f64,
    flows_per_user_day: f64,
    server_auth_per_hour: f64,
    server_flows_per_hour: f64,
    upload_median: f64,
    download_median: f64,
    user_sigma: f64,
    flow_sigma: f64,
    upload_effect: f64,
    #[serde(skip, default = "RedTeam::bundled")]
    redteam: RedTeam,
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
    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        crate::truth::to_json(self)
    }

    /// Reads JSON written by [`LanlTruth::to_json`], checking format and version.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlTruth;
    /// assert!(LanlTruth::from_json("{}").is_err());
    /// ```
    pub fn from_json(s: &str) -> Result<Self, DatasetError> {
        crate::truth::from_json(
            s,
            "LANL ground truth",
            (LANL_TRUTH_FORMAT, LANL_TRUTH_VERSION),
            |t: &Self| (t.format.as_str(), t.version),
        )
    }

    /// Reads a ground truth file.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        crate::truth::read(path.as_ref(), Self::from_json)
    }

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

/// The paths [`LanlGenerator::write_files`] writes in its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanlFiles {
    /// `auth.txt`.
    pub auth: std::path::PathBuf,
    /// `flows.txt`.
    pub flows: std::path::PathBuf,
    /// `redteam.txt`.
    pub redteam: std::path::PathBuf,
    /// `truth.json`.
    pub truth: std::path::PathBuf,
}

impl LanlFiles {
    /// The four paths in `dir`.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlFiles;
    /// assert!(LanlFiles::in_dir("/tmp/x").flows.ends_with("flows.txt"));
    /// ```
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        let d = dir.as_ref();
        LanlFiles {
            auth: d.join("auth.txt"),
            flows: d.join("flows.txt"),
            redteam: d.join("redteam.txt"),
            truth: d.join("truth.json"),
        }
    }

    /// The paths in `dir` of [`LanlGenerator::write_files_gzip`]: `auth.txt.gz`
    /// and `flows.txt.gz` (LANL's own distribution is gzipped), the others
    /// as [`in_dir`](Self::in_dir).
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlFiles;
    /// assert!(LanlFiles::in_dir_gzip("/tmp/x").auth.ends_with("auth.txt.gz"));
    /// ```
    pub fn in_dir_gzip(dir: impl AsRef<Path>) -> Self {
        let d = dir.as_ref();
        LanlFiles {
            auth: d.join("auth.txt.gz"),
            flows: d.join("flows.txt.gz"),
            ..Self::in_dir(d)
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
    pub(super) fn days_value(&self) -> u32 {
        self.days
    }

    /// The red-team file (for the sibling writers).
    pub(super) fn redteam_value(&self) -> &RedTeam {
        &self.redteam
    }

    /// Checks the parameters; [`generate`](Self::generate) does it too.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlGenerator;
    /// let e = LanlGenerator::new().servers(0).validate().unwrap_err();
    /// assert!(e.to_string().contains("servers"), "{e}");
    /// ```
    pub fn validate(&self) -> Result<(), DatasetError> {
        let bad = |m: String| Err(DatasetError::Invalid(m));
        if self.servers == 0 {
            return bad("servers must be at least 1, found 0".into());
        }
        if self.days == 0 {
            return bad("days must be at least 1, found 0".into());
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
                return bad(format!("{name} must be finite and 0 or more, found {v}"));
            }
        }
        for (name, v) in [
            ("upload_median", self.upload_median),
            ("download_median", self.download_median),
            ("upload_effect", self.upload_effect),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return bad(format!("{name} must be finite and positive, found {v}"));
            }
        }
        if self.users > 100_000_000 {
            return bad(format!(
                "users must be at most 100000000, found {}",
                self.users
            ));
        }
        Ok(())
    }

    /// Writes `auth.txt` to `auth`, `flows.txt` to `flows` and
    /// `redteam.txt` to `redteam`, and returns the ground truth.
    pub fn generate(
        &self,
        auth: impl Write,
        flows: impl Write,
        redteam: impl Write,
    ) -> Result<LanlTruth, DatasetError> {
        self.generate_to(
            (auth, "auth.txt"),
            (flows, "flows.txt"),
            (redteam, "redteam.txt"),
        )
    }

    /// Writes `auth.txt`, `flows.txt`, `redteam.txt` and `truth.json`
    /// into `dir` (created if missing); see [`LanlFiles::in_dir`].
    ///
    /// ```
    /// # use threatstat_datasets::lanl::{LanlFiles, LanlGenerator, LanlTruth};
    /// let dir = std::env::temp_dir().join("threatstat-doc-lanl-gen");
    /// let truth = LanlGenerator::new().users(5).days(2).write_files(&dir).unwrap();
    /// assert_eq!(LanlTruth::read(LanlFiles::in_dir(&dir).truth).unwrap(), truth);
    /// ```
    pub fn write_files(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.write_files_as(dir.as_ref(), false)
    }

    /// [`write_files`](Self::write_files) with `auth.txt` and `flows.txt`
    /// gzipped (fastest level, each on its own thread), named as
    /// [`LanlFiles::in_dir_gzip`] says: a 10^9-event data set takes about
    /// 14 GB instead of 66 GB. The readers detect gzip by its magic bytes.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::{AuthReader, LanlFiles, LanlGenerator};
    /// let dir = std::env::temp_dir().join("threatstat-doc-lanl-gen-gz");
    /// let truth = LanlGenerator::new().users(5).days(2).write_files_gzip(&dir).unwrap();
    /// let n = AuthReader::open(LanlFiles::in_dir_gzip(&dir).auth).unwrap().count();
    /// assert_eq!(n as u64, truth.auth_rows);
    /// ```
    pub fn write_files_gzip(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.write_files_as(dir.as_ref(), true)
    }

    fn write_files_as(&self, dir: &Path, gzip: bool) -> Result<LanlTruth, DatasetError> {
        self.validate()?;
        let werr = |p: &Path, e| DatasetError::Write {
            target: p.display().to_string(),
            source: e,
        };
        std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        let files = if gzip {
            LanlFiles::in_dir_gzip(dir)
        } else {
            LanlFiles::in_dir(dir)
        };
        // Each file appears whole or not at all (an interrupted run leaves
        // no truncated auth.txt that looks like data).
        let names = |p: &Path| p.display().to_string();
        let (auth, flows, mut redteam) = (
            AtomicFile::create(&files.auth)?,
            AtomicFile::create(&files.flows)?,
            AtomicFile::create(&files.redteam)?,
        );
        let (auth, flows, truth) = if gzip {
            let level = flate2::Compression::fast();
            let (mut ga, mut gf) = (GzWriter::new(auth, level), GzWriter::new(flows, level));
            let truth = self.generate_to(
                (&mut ga, &names(&files.auth)),
                (&mut gf, &names(&files.flows)),
                (&mut redteam, &names(&files.redteam)),
            )?;
            let done = |g: GzWriter<AtomicFile>, p: &Path| g.finish().map_err(|e| werr(p, e));
            (done(ga, &files.auth)?, done(gf, &files.flows)?, truth)
        } else {
            let (mut auth, mut flows) = (auth, flows);
            let truth = self.generate_to(
                (&mut auth, &names(&files.auth)),
                (&mut flows, &names(&files.flows)),
                (&mut redteam, &names(&files.redteam)),
            )?;
            (auth, flows, truth)
        };
        // The four files appear together, once all are complete.
        let mut done = Vec::new();
        for f in [auth, flows, redteam] {
            done.push(f.finish()?);
        }
        let mut t = AtomicFile::create(&files.truth)?;
        t.write_all(truth.to_json().as_bytes())
            .map_err(|e| werr(&files.truth, e))?;
        done.push(t.finish()?);
        commit_all(done)?;
        Ok(truth)
    }

    fn generate_to(
        &self,
        (auth, auth_name): (impl Write, &str),
        (flows, flows_name): (impl Write, &str),
        (redteam, redteam_name): (impl Write, &str),
    ) -> Result<LanlTruth, DatasetError> {
        self.validate()?;
        let werr = |name: &str| {
            let name = name.to_string();
            move |e| DatasetError::Write {
                target: name.clone(),
                source: e,
            }
        };
        let last_time = u64::from(self.days) * DAY;
        let rt = self.redteam.until(last_time);
        let mut rng = threatstat_core::rng::seeded(self.seed);
        let mut w = World::new(self, &rt, &mut rng);

        let mut auth = BufWriter::with_capacity(1 << 20, auth);
        let mut flows = BufWriter::with_capacity(1 << 20, flows);
        let mut sink = Sink::default();

        // Red-team rows by time (stable), as 0-based seconds.
        let mut rt_rows: Vec<&RedTeamRow> = rt.rows().iter().collect();
        rt_rows.sort_by_key(|r| r.time);
        let mut rt_next = 0;

        let ln_effect = self.upload_effect.ln();
        let n_users = w.users.len();
        let mut session = vec![(0u64, 0u64); n_users];
        for day in 0..u64::from(self.days) {
            let weekend = day % 7 >= 5;
            let p_active = if weekend {
                ACTIVE_WEEKEND
            } else {
                ACTIVE_WEEKDAY
            };
            for s in session.iter_mut() {
                *s = if rng.random_bool(p_active) {
                    let start = day * DAY + 7 * HOUR + rng.random_range(0..3 * HOUR);
                    (start, start + 6 * HOUR + rng.random_range(0..=4 * HOUR))
                } else {
                    (0, 0)
                };
            }
            for hour in 0..24 {
                let cs = day * DAY + hour * HOUR;
                let ce = cs + HOUR;
                sink.chunk_end = ce;
                while rt_next < rt_rows.len() && rt_rows[rt_next].time.saturating_sub(1) < ce {
                    let r = rt_rows[rt_next];
                    let s = r.time.saturating_sub(1);
                    let (u, src, dst) = (
                        r.user.as_bytes(),
                        r.src_computer.as_bytes(),
                        r.dst_computer.as_bytes(),
                    );
                    sink.auth(s, |b| {
                        auth_line(b, s, [u, u, src, dst, b"NTLM", NET, ON, OK])
                    });
                    rt_next += 1;
                }
                w.servers_hour(
                    &mut rng,
                    &mut sink,
                    cs,
                    (self.server_auth_per_hour, self.server_flows_per_hour),
                );
                for (u, &(start, end)) in session.iter().enumerate() {
                    if end <= cs || start >= ce {
                        continue;
                    }
                    let (lo, hi) = (start.max(cs), end.min(ce));
                    let frac = (hi - lo) as f64 / (end - start) as f64;
                    if (cs..ce).contains(&start) {
                        w.session_logon(&mut rng, &mut sink, u, start);
                    }
                    let n_auth = poisson(&mut rng, self.auth_per_user_day * frac);
                    for _ in 0..n_auth {
                        let s = rng.random_range(lo..hi);
                        w.user_auth(&mut rng, &mut sink, u, s);
                    }
                    let n_flows = poisson(&mut rng, self.flows_per_user_day * frac);
                    for _ in 0..n_flows {
                        let s = rng.random_range(lo..hi);
                        w.user_flow(&mut rng, &mut sink, u, s, ln_effect);
                    }
                    if (cs..ce).contains(&end) {
                        w.session_logoff(&mut sink, u, end);
                    }
                }
                sink.write_hour(&mut auth, &mut flows)
                    .map_err(|(which, e)| werr(if which { auth_name } else { flows_name })(e))?;
            }
        }
        auth.flush().map_err(werr(auth_name))?;
        flows.flush().map_err(werr(flows_name))?;
        let mut redteam = BufWriter::new(redteam);
        rt.write(&mut redteam).map_err(werr(redteam_name))?;
        redteam.flush().map_err(werr(redteam_name))?;

        Ok(w.truth(self, &rt, sink.auth_rows, sink.flow_rows, last_time))
    }
}

/// A user of the generated world.
struct User {
    name: String,
    home: usize,
    /// 0-based second of the first red-team row, for compromised users.
    compromise: Option<u64>,
    up_mu: f64,
    down_mu: f64,
    home_logons: u64,
    uploads_before: u64,
    uploads_after: u64,
}

/// Users, computers and the per-event generators.
struct World {
    users: Vec<User>,
    /// Computer names (`C12`); servers are `0..n_servers`.
    computers: Vec<String>,
    /// Computer accounts (`C12$@DOM1`), same indices.
    accounts: Vec<String>,
    n_servers: usize,
    flow_sigma: f64,
    port_cdf: [f64; PORTS.len()],
}

impl World {
    fn new(g: &LanlGenerator, rt: &RedTeam, rng: &mut SeededRng) -> World {
        let reserved: HashSet<&str> = rt.computers().into_iter().collect();
        let attackers: HashSet<&str> = rt.rows().iter().map(|r| r.src_computer.as_str()).collect();
        let mut taken: HashSet<String> = HashSet::new();
        let mut fresh_n = 0u64;
        let mut fresh = |taken: &mut HashSet<String>| loop {
            fresh_n += 1;
            let name = format!("C{fresh_n}");
            if !reserved.contains(name.as_str()) && !taken.contains(&name) {
                taken.insert(name.clone());
                break name;
            }
        };
        let mut computers: Vec<String> = Vec::new();
        for _ in 0..g.servers {
            computers.push(fresh(&mut taken));
        }
        // Red-team users in order of first appearance.
        let mut seen = HashSet::new();
        let mut planted: Vec<&str> = Vec::new();
        for r in rt.rows() {
            if seen.insert(r.user.as_str()) {
                planted.push(&r.user);
            }
        }
        let mut users: Vec<User> = Vec::with_capacity(planted.len() + g.users);
        let user = |name: String, home: usize, compromise: Option<u64>, rng: &mut SeededRng| {
            let z1: f64 = rng.sample(StandardNormal);
            let z2: f64 = rng.sample(StandardNormal);
            User {
                name,
                home,
                compromise,
                up_mu: g.upload_median.ln() + g.user_sigma * z1,
                down_mu: g.download_median.ln() + g.user_sigma * z2,
                home_logons: 0,
                uploads_before: 0,
                uploads_after: 0,
            }
        };
        for name in &planted {
            let pick = rt
                .dst_computers(name)
                .into_iter()
                .map(|(c, _)| c)
                .find(|c| !attackers.contains(c) && !taken.contains(*c));
            let home = match pick {
                Some(c) => {
                    taken.insert(c.to_string());
                    c.to_string()
                }
                None => fresh(&mut taken),
            };
            computers.push(home);
            let first = rt.first_time(name).expect("a planted user has rows");
            users.push(user(
                name.to_string(),
                computers.len() - 1,
                Some(first.saturating_sub(1)),
                rng,
            ));
        }
        // Numbers of red-team users' `U<k>` parts are not reused.
        let used: BTreeSet<&str> = planted
            .iter()
            .map(|n| n.split('@').next().unwrap_or(n))
            .collect();
        let mut k = 0u64;
        for _ in 0..g.users {
            let name = loop {
                k += 1;
                let u = format!("U{k}");
                if !used.contains(u.as_str()) {
                    break format!("{u}@DOM1");
                }
            };
            computers.push(fresh(&mut taken));
            users.push(user(name, computers.len() - 1, None, rng));
        }
        let accounts = computers.iter().map(|c| format!("{c}$@DOM1")).collect();
        let mut port_cdf = [0.0; PORTS.len()];
        let mut acc = 0.0;
        for (i, (_, w)) in PORTS.iter().enumerate() {
            acc += w;
            port_cdf[i] = acc;
        }
        World {
            users,
            computers,
            accounts,
            n_servers: g.servers,
            flow_sigma: g.flow_sigma,
            port_cdf,
        }
    }

    fn server(&self, rng: &mut SeededRng) -> usize {
        rng.random_range(0..self.n_servers)
    }

    fn session_logon(&mut self, rng: &mut SeededRng, sink: &mut Sink, u: usize, s: u64) {
        let user = &mut self.users[u];
        user.home_logons += 1;
        let (name, home) = (user.name.as_bytes(), self.computers[user.home].as_bytes());
        let cached = rng.random_bool(0.15);
        let auth_type: &[u8] = if rng.random_bool(0.5) {
            b"Negotiate"
        } else {
            b"Kerberos"
        };
        let lt: &[u8] = if cached {
            b"CachedInteractive"
        } else {
            b"Interactive"
        };
        sink.auth(s, |b| {
            auth_line(b, s, [name, name, home, home, auth_type, lt, ON, OK])
        });
    }

    fn session_logoff(&self, sink: &mut Sink, u: usize, s: u64) {
        let user = &self.users[u];
        let (name, home) = (user.name.as_bytes(), self.computers[user.home].as_bytes());
        sink.auth(s, |b| {
            auth_line(b, s, [name, name, home, home, Q, INTER, OFF, OK])
        });
    }

    fn user_auth(&self, rng: &mut SeededRng, sink: &mut Sink, u: usize, s: u64) {
        let user = &self.users[u];
        let name = user.name.as_bytes();
        let home = self.computers[user.home].as_bytes();
        let acct = self.accounts[user.home].as_bytes();
        let srv_i = self.server(rng);
        let srv = self.computers[srv_i].as_bytes();
        let dc = self.computers[0].as_bytes();
        let r: f64 = rng.random();
        if r < 0.40 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, srv, KERB, NET, ON, OK])
            });
            let t = s + rng.random_range(1..=1800);
            sink.auth(t, |b| {
                auth_line(b, t, [name, name, srv, srv, Q, NET, OFF, OK])
            });
        } else if r < 0.55 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, dc, KERB, Q, b"TGS", OK])
            });
        } else if r < 0.60 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, dc, KERB, Q, b"TGT", OK])
            });
        } else if r < 0.72 {
            sink.auth(s, |b| {
                auth_line(b, s, [acct, acct, home, srv, KERB, NET, ON, OK])
            });
        } else if r < 0.77 {
            sink.auth(s, |b| {
                auth_line(b, s, [acct, name, home, home, NEGO, b"Batch", ON, OK])
            });
        } else if r < 0.82 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, home, NEGO, b"Unlock", ON, OK])
            });
        } else if r < 0.86 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, srv, b"NTLM", NET, ON, b"Fail"])
            });
        } else if r < 0.90 {
            let mut anon = b"ANONYMOUS LOGON@".to_vec();
            anon.extend_from_slice(srv);
            sink.auth(s, |b| {
                auth_line(b, s, [&anon, &anon, home, srv, b"NTLM", NET, ON, OK])
            });
        } else if r < 0.93 {
            sink.auth(s, |b| {
                auth_line(
                    b,
                    s,
                    [name, name, home, srv, NEGO, b"RemoteInteractive", ON, OK],
                )
            });
            let t = s + rng.random_range(60..=1800);
            sink.auth(t, |b| {
                auth_line(
                    b,
                    t,
                    [name, name, srv, srv, Q, b"RemoteInteractive", OFF, OK],
                )
            });
        } else if r < 0.935 {
            // A visit to another user's home computer.
            let other = self.users[rng.random_range(0..self.users.len())].home;
            let oc = self.computers[other].as_bytes();
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, oc, oc, NEGO, INTER, ON, OK])
            });
            let t = s + rng.random_range(60..=1800);
            sink.auth(t, |b| {
                auth_line(b, t, [name, name, oc, oc, Q, INTER, OFF, OK])
            });
        } else if r < 0.96 {
            sink.auth(s, |b| {
                auth_line(b, s, [name, name, home, home, Q, Q, b"AuthMap", OK])
            });
        } else if r < 0.98 {
            sink.auth(s, |b| {
                auth_line(
                    b,
                    s,
                    [name, name, home, srv, NEGO, b"NetworkCleartext", ON, OK],
                )
            });
        } else {
            sink.auth(s, |b| {
                auth_line(
                    b,
                    s,
                    [name, name, home, home, NEGO, b"NewCredentials", ON, OK],
                )
            });
        }
    }

    fn user_flow(
        &mut self,
        rng: &mut SeededRng,
        sink: &mut Sink,
        u: usize,
        s: u64,
        ln_effect: f64,
    ) {
        let srv = self.server(rng);
        let z: f64 = rng.sample(StandardNormal);
        let upload = rng.random_bool(0.5);
        let port = self.port(rng);
        let eph = rng.random_range(1..=65_535u32);
        let user = &mut self.users[u];
        let mu = if upload {
            let after = user.compromise.is_some_and(|c| s >= c);
            if after {
                user.uploads_after += 1;
            } else if user.compromise.is_some() {
                user.uploads_before += 1;
            }
            user.up_mu + if after { ln_effect } else { 0.0 }
        } else {
            user.down_mu
        };
        let bytes = (mu + self.flow_sigma * z).exp().round().clamp(40.0, 1e15) as u64;
        let home = user.home;
        let (src, dst) = if upload { (home, srv) } else { (srv, home) };
        self.flow(rng, sink, s, src, dst, port, eph, upload, bytes);
    }

    #[allow(clippy::too_many_arguments)]
    fn flow(
        &self,
        rng: &mut SeededRng,
        sink: &mut Sink,
        s: u64,
        src: usize,
        dst: usize,
        port: u16,
        eph: u32,
        client_is_src: bool,
        bytes: u64,
    ) {
        let packets = bytes / rng.random_range(500..1400) + 1;
        let duration = bytes / rng.random_range(50_000..5_000_000);
        let protocol: u64 = if port == 53 { 17 } else { 6 };
        let (src, dst) = (
            self.computers[src].as_bytes(),
            self.computers[dst].as_bytes(),
        );
        sink.flow(s, |b| {
            push_u64(b, s + 1);
            b.push(b',');
            push_u64(b, duration);
            b.push(b',');
            b.extend_from_slice(src);
            b.push(b',');
            if client_is_src {
                b.push(b'N');
                push_u64(b, u64::from(eph));
            } else {
                push_u64(b, u64::from(port));
            }
            b.push(b',');
            b.extend_from_slice(dst);
            b.push(b',');
            if client_is_src {
                push_u64(b, u64::from(port));
            } else {
                b.push(b'N');
                push_u64(b, u64::from(eph));
            }
            b.push(b',');
            push_u64(b, protocol);
            b.push(b',');
            push_u64(b, packets);
            b.push(b',');
            push_u64(b, bytes);
            b.push(b'\n');
        });
    }

    fn port(&self, rng: &mut SeededRng) -> u16 {
        let r: f64 = rng.random();
        let i = self
            .port_cdf
            .iter()
            .position(|&c| r < c)
            .unwrap_or(PORTS.len() - 1);
        PORTS[i].0
    }

    /// The servers' own auth events and flows in hour `[cs, cs + 3600)`.
    fn servers_hour(
        &self,
        rng: &mut SeededRng,
        sink: &mut Sink,
        cs: u64,
        (auth_rate, flow_rate): (f64, f64),
    ) {
        for srv in 0..self.n_servers {
            let c = self.computers[srv].as_bytes();
            let acct = self.accounts[srv].as_bytes();
            for _ in 0..poisson(rng, auth_rate) {
                let s = cs + rng.random_range(0..HOUR);
                let r: f64 = rng.random();
                if r < 0.5 {
                    let other = self.computers[self.server(rng)].as_bytes();
                    sink.auth(s, |b| {
                        auth_line(b, s, [acct, acct, c, other, KERB, NET, ON, OK])
                    });
                } else if r < 0.8 {
                    let mut system = b"SYSTEM@".to_vec();
                    system.extend_from_slice(c);
                    sink.auth(s, |b| {
                        auth_line(b, s, [&system, &system, c, c, NEGO, b"Service", ON, OK])
                    });
                } else {
                    sink.auth(s, |b| auth_line(b, s, [acct, acct, c, c, Q, Q, b"TGS", OK]));
                }
            }
            for _ in 0..poisson(rng, flow_rate) {
                let s = cs + rng.random_range(0..HOUR);
                let other = self.server(rng);
                let z: f64 = rng.sample(StandardNormal);
                let bytes = (50_000f64.ln() + 1.5 * z).exp().round().clamp(40.0, 1e15) as u64;
                let port = self.port(rng);
                let eph = rng.random_range(1..=65_535u32);
                self.flow(rng, sink, s, srv, other, port, eph, true, bytes);
            }
        }
    }

    fn truth(
        self,
        g: &LanlGenerator,
        rt: &RedTeam,
        auth_rows: u64,
        flow_rows: u64,
        last_time: u64,
    ) -> LanlTruth {
        let mut users: Vec<UserTruth> = self
            .users
            .iter()
            .map(|u| UserTruth {
                user: u.name.clone(),
                home_computer: self.computers[u.home].clone(),
                compromised: u.compromise.is_some(),
                upload_median: u.up_mu.exp(),
                download_median: u.down_mu.exp(),
                home_logons: u.home_logons,
            })
            .collect();
        users.sort_by(|a, b| a.user.cmp(&b.user));
        let mut compromised: Vec<CompromisedUser> = self
            .users
            .iter()
            .filter_map(|u| {
                let first = rt.first_time(&u.name)?;
                Some(CompromisedUser {
                    user: u.name.clone(),
                    home_computer: self.computers[u.home].clone(),
                    first_compromise_time: first,
                    redteam_events: rt.rows().iter().filter(|r| r.user == u.name).count() as u64,
                    upload_flows_before: u.uploads_before,
                    upload_flows_after: u.uploads_after,
                })
            })
            .collect();
        compromised.sort_by(|a, b| a.user.cmp(&b.user));
        LanlTruth {
            format: LANL_TRUTH_FORMAT.to_string(),
            version: LANL_TRUTH_VERSION,
            params: g.clone(),
            seed: g.seed,
            upload_effect: g.upload_effect,
            upload_log_shift: g.upload_effect.ln(),
            first_time: 1,
            last_time,
            auth_rows,
            flow_rows,
            redteam_rows: rt.len() as u64,
            servers: self.computers[..self.n_servers].to_vec(),
            compromised,
            users,
        }
    }
}

/// One hour of lines of one file, sorted by time before writing.
#[derive(Default)]
struct Lines {
    text: Vec<u8>,
    /// (0-based second, start, end) of each line in `text`.
    index: Vec<(u64, usize, usize)>,
}

impl Lines {
    #[inline]
    fn push(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.text.len();
        f(&mut self.text);
        self.index.push((s, start, self.text.len()));
    }

    fn write(&mut self, out: &mut impl Write) -> std::io::Result<u64> {
        // Stable: ties keep generation order.
        self.index.sort_by_key(|e| e.0);
        for &(_, a, b) in &self.index {
            out.write_all(&self.text[a..b])?;
        }
        let n = self.index.len() as u64;
        self.text.clear();
        self.index.clear();
        Ok(n)
    }
}

/// The current hour of `auth.txt` and `flows.txt`, and the auth lines
/// (log-offs) that fall in the next hour.
#[derive(Default)]
struct Sink {
    chunk_end: u64,
    auth: Lines,
    auth_next: Lines,
    flows: Lines,
    auth_rows: u64,
    flow_rows: u64,
}

impl Sink {
    #[inline]
    fn auth(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        if s < self.chunk_end {
            self.auth.push(s, f);
        } else {
            self.auth_next.push(s, f);
        }
    }

    #[inline]
    fn flow(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        self.flows.push(s, f);
    }

    /// Writes the hour; the error says which file (`true`: auth).
    fn write_hour(
        &mut self,
        auth: &mut impl Write,
        flows: &mut impl Write,
    ) -> Result<(), (bool, std::io::Error)> {
        self.auth_rows += self.auth.write(auth).map_err(|e| (true, e))?;
        self.flow_rows += self.flows.write(flows).map_err(|e| (false, e))?;
        std::mem::swap(&mut self.auth, &mut self.auth_next);
        Ok(())
    }
}

/// A Poisson draw (0 for a zero rate).
#[inline]
fn poisson(rng: &mut SeededRng, lambda: f64) -> u64 {
    if lambda > 0.0 {
        Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
    } else {
        0
    }
}

/// Appends one `auth.txt` line (time written 1-based): the time, then
/// source user, destination user, source computer, destination computer,
/// authentication type, logon type, orientation, outcome.
#[inline]
fn auth_line(b: &mut Vec<u8>, s: u64, fields: [&[u8]; 8]) {
    push_u64(b, s + 1);
    for f in fields {
        b.push(b',');
        b.extend_from_slice(f);
    }
    b.push(b'\n');
}

#[inline]
fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_u64_formats() {
        let mut b = Vec::new();
        for v in [0, 7, 10, 12345, u64::MAX] {
            b.clear();
            push_u64(&mut b, v);
            assert_eq!(b, v.to_string().as_bytes());
        }
    }

    #[test]
    fn invalid_params_are_rejected() {
        let g = LanlGenerator::new;
        for (bad, needle) in [
            (g().servers(0), "servers"),
            (g().days(0), "days"),
            (g().auth_per_user_day(-1.0), "auth_per_user_day"),
            (g().flows_per_user_day(f64::NAN), "flows_per_user_day"),
            (g().upload_median(0.0), "upload_median"),
            (g().upload_effect(-2.0), "upload_effect"),
            (g().flow_sigma(f64::INFINITY), "flow_sigma"),
        ] {
            let e = bad
                .generate(std::io::sink(), std::io::sink(), std::io::sink())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn homes_are_unique_and_red_team_homes_come_from_the_file() {
        let g = LanlGenerator::new().users(300).days(58);
        let rt = g.redteam.clone();
        let mut rng = threatstat_core::rng::seeded(0);
        let w = World::new(&g, &rt, &mut rng);
        let homes: HashSet<usize> = w.users.iter().map(|u| u.home).collect();
        assert_eq!(homes.len(), w.users.len());
        assert!(w.users.iter().all(|u| u.home >= g.servers));
        let names: HashSet<&String> = w.computers.iter().collect();
        assert_eq!(names.len(), w.computers.len(), "computer names are unique");
        let from_file = w
            .users
            .iter()
            .filter(|u| u.compromise.is_some())
            .filter(|u| {
                rt.dst_computers(&u.name)
                    .iter()
                    .any(|(c, _)| *c == w.computers[u.home])
            })
            .count();
        // 91 of the 104: the others only reached computers already taken
        // (e.g. three local accounts of C2519, several users only of C2388).
        assert_eq!(from_file, 91);
        let u620 = w.users.iter().find(|u| u.name == "U620@DOM1").unwrap();
        assert_eq!(w.computers[u620.home], "C1003");
    }
}
