//! `redteam.txt`: the red team's authentication events (the ground truth of
//! compromise).

use super::names::{ComputerId, Names, UserId};
use super::reader::{LanlReader, LanlRecord, req_name, uint};
use crate::DatasetError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::Path;
use threatstat_core::BadRowPolicy;

/// The real `redteam.txt` of LANL cyber1 (CC0), bundled from
/// `data/lanl/redteam.txt`: 749 rows, 104 users.
pub const BUNDLED_REDTEAM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/lanl/redteam.txt"
));

/// One line of `redteam.txt`: `time,user@domain,source computer,destination computer`.
///
/// All four fields are required (`?` is a bad line).
///
/// ```
/// use threatstat_datasets::lanl::RedTeamReader;
/// let mut r = RedTeamReader::from_reader("redteam.txt",
///     std::io::Cursor::new("150885,U620@DOM1,C17693,C1003\n"));
/// let e = r.next_event().unwrap().unwrap();
/// assert_eq!((e.time, r.names().user(e.user), r.names().computer(e.dst_computer)),
///            (150885, "U620@DOM1", "C1003"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RedTeamEvent {
    /// Seconds from the data set's epoch (the first second is 1).
    pub time: u64,
    /// The compromised `user@domain` whose credentials were used.
    pub user: UserId,
    /// The computer the red team acted from.
    pub src_computer: ComputerId,
    /// The computer the red team authenticated to.
    pub dst_computer: ComputerId,
}

impl LanlRecord for RedTeamEvent {
    const FILE: &'static str = "redteam.txt";
    const FIELDS: &'static [&'static str] = &[
        "time",
        "user@domain",
        "source computer",
        "destination computer",
    ];

    #[inline]
    fn parse(f: &[&[u8]], names: &mut Names) -> Result<Self, (usize, String)> {
        let time = uint(f[0]).map_err(|m| (0, m))?;
        let user = req_name(f[1], 1, |b| names.intern_user_bytes(b))?;
        let src_computer = req_name(f[2], 2, |b| names.intern_computer_bytes(b))?;
        let dst_computer = req_name(f[3], 3, |b| names.intern_computer_bytes(b))?;
        Ok(RedTeamEvent {
            time,
            user,
            src_computer,
            dst_computer,
        })
    }
}

/// One red-team row with its names as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedTeamRow {
    /// Seconds from the data set's epoch.
    pub time: u64,
    /// The compromised `user@domain`.
    pub user: String,
    /// The computer the red team acted from.
    pub src_computer: String,
    /// The computer the red team authenticated to.
    pub dst_computer: String,
}

/// A whole `redteam.txt` in memory (it is small: the real one has 749 rows),
/// with the compromised users and their first red-team times.
///
/// "Compromised users" are the distinct `user@domain` values of the file;
/// a user's *first compromise time* is the smallest time of a row naming
/// them. `U8777@C583` and `U8777@DOM1` are different users (LANL's
/// identities are the whole `user@domain`).
///
/// ```
/// use threatstat_datasets::lanl::RedTeam;
/// let rt = RedTeam::bundled();
/// assert_eq!((rt.len(), rt.users().len()), (749, 104));
/// assert_eq!(rt.first_time("U620@DOM1"), Some(150885));
/// assert!(rt.is_compromised("U8777@C583") && !rt.is_compromised("U1@DOM1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedTeam {
    rows: Vec<RedTeamRow>,
    first: BTreeMap<String, u64>,
    skipped: u64,
}

impl RedTeam {
    /// The rows, in file order; the users and their first times follow.
    ///
    /// ```
    /// use threatstat_datasets::lanl::{RedTeam, RedTeamRow};
    /// let row = |t, u: &str| RedTeamRow { time: t, user: u.into(), src_computer: "C1".into(), dst_computer: "C2".into() };
    /// let rt = RedTeam::from_rows(vec![row(9, "U1@DOM1"), row(5, "U1@DOM1")]);
    /// assert_eq!(rt.first_time("U1@DOM1"), Some(5));
    /// ```
    pub fn from_rows(rows: Vec<RedTeamRow>) -> Self {
        let mut first: BTreeMap<String, u64> = BTreeMap::new();
        for r in &rows {
            first
                .entry(r.user.clone())
                .and_modify(|t| *t = (*t).min(r.time))
                .or_insert(r.time);
        }
        RedTeam {
            rows,
            first,
            skipped: 0,
        }
    }

    /// The real LANL `redteam.txt` bundled with threatstat
    /// ([`BUNDLED_REDTEAM`]).
    pub fn bundled() -> Self {
        Self::from_reader(
            "data/lanl/redteam.txt",
            std::io::Cursor::new(BUNDLED_REDTEAM),
            BadRowPolicy::Error,
        )
        .expect("the bundled redteam.txt is valid")
    }

    /// Reads the `redteam.txt` at `path` (plain or gzip); any bad line is an
    /// error naming file, line and field.
    ///
    /// ```
    /// use threatstat_datasets::lanl::RedTeam;
    /// let p = std::env::temp_dir().join("threatstat-doc-redteam.txt");
    /// std::fs::write(&p, "150885,U620@DOM1,C17693,C1003\n151036,U748@DOM1,C17693,C305\n").unwrap();
    /// assert_eq!(RedTeam::read(&p).unwrap().users(), ["U620@DOM1", "U748@DOM1"]);
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        Self::read_with(path, BadRowPolicy::Error)
    }

    /// Reads the `redteam.txt` at `path`, bad lines handled as `policy` says
    /// (see [`skipped`](Self::skipped)).
    pub fn read_with(path: impl AsRef<Path>, policy: BadRowPolicy) -> Result<Self, DatasetError> {
        Self::collect(LanlReader::<RedTeamEvent>::open(path)?.bad_rows(policy))
    }

    /// Reads red-team rows from `reader` (not decompressed); `name` is used
    /// in messages.
    ///
    /// ```
    /// use threatstat_core::BadRowPolicy;
    /// use threatstat_datasets::lanl::RedTeam;
    /// let text = "150885,U620@DOM1,C17693,C1003\n150886,U1@DOM1,?,C1\n";
    /// let e = RedTeam::from_reader("rt.txt", std::io::Cursor::new(text), BadRowPolicy::Error).unwrap_err();
    /// assert_eq!(e.to_string(), "rt.txt:2: field `source computer`: expected a name, found `?`");
    /// let rt = RedTeam::from_reader("rt.txt", std::io::Cursor::new(text), BadRowPolicy::Skip).unwrap();
    /// assert_eq!((rt.len(), rt.skipped()), (1, 1));
    /// ```
    pub fn from_reader(
        name: impl AsRef<Path>,
        reader: impl BufRead + Send + 'static,
        policy: BadRowPolicy,
    ) -> Result<Self, DatasetError> {
        Self::collect(LanlReader::<RedTeamEvent>::from_reader(name, reader).bad_rows(policy))
    }

    fn collect(mut r: LanlReader<RedTeamEvent>) -> Result<Self, DatasetError> {
        let mut rows = Vec::new();
        while let Some(e) = r.next_event()? {
            let n = r.names();
            rows.push(RedTeamRow {
                time: e.time,
                user: n.user(e.user).to_string(),
                src_computer: n.computer(e.src_computer).to_string(),
                dst_computer: n.computer(e.dst_computer).to_string(),
            });
        }
        let mut rt = Self::from_rows(rows);
        rt.skipped = r.skip_report().skipped;
        Ok(rt)
    }

    /// The rows in file order.
    pub fn rows(&self) -> &[RedTeamRow] {
        &self.rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bad lines skipped when reading (under [`BadRowPolicy::Skip`]).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The compromised users (distinct `user@domain`), sorted (byte order).
    pub fn users(&self) -> Vec<&str> {
        self.first.keys().map(String::as_str).collect()
    }

    /// Each compromised user's first red-team time, by user.
    pub fn first_times(&self) -> &BTreeMap<String, u64> {
        &self.first
    }

    /// `user`'s first red-team time, or `None` if `user` is not in the file.
    pub fn first_time(&self, user: &str) -> Option<u64> {
        self.first.get(user).copied()
    }

    /// Whether `user` is in the file.
    pub fn is_compromised(&self, user: &str) -> bool {
        self.first.contains_key(user)
    }

    /// Every computer named (source or destination), sorted.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::RedTeam;
    /// assert_eq!(RedTeam::bundled().computers().len(), 305);
    /// ```
    pub fn computers(&self) -> BTreeSet<&str> {
        self.rows
            .iter()
            .flat_map(|r| [r.src_computer.as_str(), r.dst_computer.as_str()])
            .collect()
    }

    /// The computers the red team authenticated to as `user`, with how many
    /// rows, most rows first (ties in order of first appearance).
    ///
    /// ```
    /// # use threatstat_datasets::lanl::RedTeam;
    /// let rt = RedTeam::bundled();
    /// assert_eq!(rt.dst_computers("U620@DOM1")[0], ("C1003", 1));
    /// ```
    pub fn dst_computers(&self, user: &str) -> Vec<(&str, u64)> {
        let mut out: Vec<(&str, u64)> = Vec::new();
        for r in self.rows.iter().filter(|r| r.user == user) {
            match out.iter_mut().find(|(c, _)| *c == r.dst_computer) {
                Some((_, n)) => *n += 1,
                None => out.push((&r.dst_computer, 1)),
            }
        }
        // Stable: ties keep first-appearance order.
        out.sort_by_key(|c| std::cmp::Reverse(c.1));
        out
    }

    /// The rows with `time <= last_time` (e.g. those inside a shorter
    /// generated period), users recomputed.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::RedTeam;
    /// let early = RedTeam::bundled().until(86_400 * 3);
    /// assert_eq!(early.len(), 25);
    /// ```
    pub fn until(&self, last_time: u64) -> RedTeam {
        Self::from_rows(
            self.rows
                .iter()
                .filter(|r| r.time <= last_time)
                .cloned()
                .collect(),
        )
    }

    /// Writes the rows in LANL's format (`time,user@domain,source,destination`,
    /// LF line ends, no header). The bundled file is written back byte for byte.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::{RedTeam, BUNDLED_REDTEAM};
    /// let mut out = Vec::new();
    /// RedTeam::bundled().write(&mut out).unwrap();
    /// assert_eq!(out, BUNDLED_REDTEAM.as_bytes());
    /// ```
    pub fn write(&self, mut out: impl Write) -> std::io::Result<()> {
        for r in &self.rows {
            writeln!(
                out,
                "{},{},{},{}",
                r.time, r.user, r.src_computer, r.dst_computer
            )?;
        }
        Ok(())
    }
}

/// Reads the `redteam.txt` at `path` (plain or gzip): the compromised users,
/// their first red-team times, the computers and the rows.
/// The same as [`RedTeam::read`].
///
/// ```
/// use threatstat_datasets::lanl::read_redteam;
/// let e = read_redteam("/nonexistent/redteam.txt").unwrap_err();
/// assert!(e.to_string().starts_with("/nonexistent/redteam.txt"));
/// ```
pub fn read_redteam(path: impl AsRef<Path>) -> Result<RedTeam, DatasetError> {
    RedTeam::read(path)
}

/// Calls `f` with the vocabulary and each event of the `redteam.txt` at
/// `path` (plain or gzip); bad lines stop the read or are skipped as
/// `policy` says.
pub fn for_each_redteam(
    path: impl AsRef<Path>,
    policy: BadRowPolicy,
    f: impl FnMut(&Names, &RedTeamEvent),
) -> Result<super::ReadSummary, DatasetError> {
    LanlReader::<RedTeamEvent>::open(path)?
        .bad_rows(policy)
        .visit(f)
}
