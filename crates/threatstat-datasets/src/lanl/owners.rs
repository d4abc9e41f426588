//! Which human user owns which computer, from `auth.txt`.

use super::auth::{AuthEvent, LogonType, Orientation, Outcome};
use super::names::{ComputerId, Names, UserId};
use super::par::ParallelScan;
use super::reader::LanlReader;
use crate::DatasetError;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::path::Path;
use threatstat_core::{BadRowPolicy, Error, Merge, ParamGuard};

/// Whether `name` is a human user: `U<digits>@<domain>` with a non-empty
/// domain.
///
/// This excludes computer accounts (`C625$@DOM1`), `ANONYMOUS LOGON@C586`,
/// `SYSTEM@C1`, `LOCAL SERVICE@...` and other service principals. The domain
/// may be `DOM1` or a computer: local accounts such as `U10379@C3521` are
/// people too (27 rows of the real red-team file use such accounts), and
/// `U10379@C3521` is a different user from `U10379@DOM1`.
///
/// ```
/// use threatstat_datasets::lanl::is_human_user;
/// assert!(is_human_user("U620@DOM1"));
/// assert!(is_human_user("U10379@C3521"));
/// assert!(!is_human_user("C625$@DOM1"));
/// assert!(!is_human_user("ANONYMOUS LOGON@C586"));
/// assert!(!is_human_user("U620"));
/// assert!(!is_human_user("U@DOM1"));
/// assert!(!is_human_user("U12$@DOM1"));
/// ```
pub fn is_human_user(name: &str) -> bool {
    let b = name.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (user, domain) = (&b[..at], &b[at + 1..]);
    user.len() >= 2
        && user[0] == b'U'
        && user[1..].iter().all(u8::is_ascii_digit)
        && !domain.is_empty()
}

/// Which computer of a counted logon is the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerSide {
    /// The source computer: where the person sits (for `Interactive` and
    /// `CachedInteractive` source and destination are the same computer;
    /// for `RemoteInteractive` the source is the client and the destination
    /// the remote desktop server).
    #[default]
    Source,
    /// The destination computer.
    Destination,
}

/// The rule that decides who owns a computer; [`OwnerRule::default`] is the
/// one the LANL upload analysis uses.
///
/// An auth event is a *counted logon* of its source user on a computer when
///
/// * its source user is human ([`is_human_user`]),
/// * its logon type is one of [`logon_types`](Self::logon_types) (default
///   `Interactive`, `RemoteInteractive`, `CachedInteractive`),
/// * its orientation is `LogOn` and it succeeded (`Success`),
/// * the computer on [`side`](Self::side) (default the source) is known (not `?`).
///
/// The *owner* of a computer is the user with the most counted logons on it;
/// ties go to the smallest `user@domain` in byte order. The owner must have
/// at least [`min_logons`](Self::min_logons) (default 1) counted logons
/// there and at least the fraction [`min_share`](Self::min_share) (default 0,
/// i.e. a plurality is enough) of all counted logons on the computer;
/// otherwise the computer has no owner. A user may own several computers.
///
/// ```
/// use threatstat_datasets::lanl::{LogonType, OwnerRule, OwnerSide};
/// let r = OwnerRule::default();
/// assert_eq!(r.logon_types, [LogonType::Interactive, LogonType::RemoteInteractive, LogonType::CachedInteractive]);
/// assert_eq!((r.side, r.min_logons, r.min_share), (OwnerSide::Source, 1, 0.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerRule {
    /// The logon types that count (only the named variants are meaningful:
    /// a [`LogonType::Other`] id depends on the reader's [`Names`]).
    pub logon_types: Vec<LogonType>,
    /// Which computer of a counted logon is the user's.
    pub side: OwnerSide,
    /// The fewest counted logons an owner must have on the computer.
    pub min_logons: u64,
    /// The smallest share (0 to 1) of the computer's counted logons the owner
    /// must have.
    pub min_share: f64,
}

impl Default for OwnerRule {
    fn default() -> Self {
        OwnerRule {
            logon_types: vec![
                LogonType::Interactive,
                LogonType::RemoteInteractive,
                LogonType::CachedInteractive,
            ],
            side: OwnerSide::Source,
            min_logons: 1,
            min_share: 0.0,
        }
    }
}

/// An [`OwnerRule`] that passed [`ParamGuard::check`] (`min_share` in
/// 0..=1); [`OwnerCounter::new`] checks its rule through it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedOwnerRule(OwnerRule);

impl CheckedOwnerRule {
    /// The rule checked.
    pub fn params(&self) -> &OwnerRule {
        &self.0
    }
}

impl ParamGuard for OwnerRule {
    type Checked = CheckedOwnerRule;
    type Error = DatasetError;

    /// At least one logon type (none would count no logon and own no
    /// computer), and `min_share` in 0..=1.
    ///
    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_datasets::{DatasetError, lanl::OwnerRule};
    /// let e = OwnerRule { min_share: 1.5, ..OwnerRule::default() }.check().unwrap_err();
    /// assert!(matches!(e, DatasetError::Core(Error::Param { name: "min_share", .. })));
    /// let e = OwnerRule { logon_types: vec![], ..OwnerRule::default() }.check().unwrap_err();
    /// assert!(matches!(e, DatasetError::Core(Error::Param { name: "logon_types", .. })));
    /// ```
    fn check(&self) -> Result<CheckedOwnerRule, DatasetError> {
        if self.logon_types.is_empty() {
            return Err(Error::param("logon_types", "[]", "at least one logon type").into());
        }
        if !(0.0..=1.0).contains(&self.min_share) {
            return Err(Error::param("min_share", self.min_share, "a share in 0..=1").into());
        }
        Ok(CheckedOwnerRule(self.clone()))
    }
}

/// One owned computer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    /// The computer.
    pub computer: String,
    /// Its owner (`user@domain`).
    pub user: String,
    /// The owner's counted logons on the computer.
    pub logons: u64,
    /// All users' counted logons on the computer.
    pub computer_logons: u64,
    /// How many users had counted logons on the computer.
    pub users: u64,
}

/// What building an [`OwnerMap`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerSummary {
    /// Auth events read.
    pub auth_events: u64,
    /// Counted logons (see [`OwnerRule`]).
    pub counted_logons: u64,
    /// Computers with at least one counted logon.
    pub computers_with_logons: u64,
    /// Of those, computers with an owner.
    pub owned_computers: u64,
    /// Bad lines skipped under [`BadRowPolicy::Skip`].
    pub skipped: u64,
    /// The first few skip messages.
    pub skip_examples: Vec<String>,
}

/// Counts the logons of an [`OwnerRule`] event by event; for callers that
/// read `auth.txt` in their own loop (e.g. to compute other things in the
/// same pass). [`OwnerMap::from_auth`] uses it.
///
/// ```
/// use threatstat_datasets::lanl::{AuthReader, OwnerCounter, OwnerRule};
/// let text = "1,U1@DOM1,U1@DOM1,C7,C7,Negotiate,Interactive,LogOn,Success\n";
/// let mut r = AuthReader::from_reader("auth.txt", std::io::Cursor::new(text));
/// let mut c = OwnerCounter::new(OwnerRule::default()).unwrap();
/// while let Some(e) = r.next_event().unwrap() { c.add(r.names(), &e); }
/// let owners = c.finish(r.names());
/// assert_eq!(owners.owner("C7"), Some("U1@DOM1"));
/// ```
#[derive(Debug, Clone)]
pub struct OwnerCounter {
    rule: OwnerRule,
    /// Per [`UserId`]: 0 not yet classified, 1 human, 2 not human.
    human: Vec<u8>,
    counts: FxHashMap<(ComputerId, UserId), u64>,
    events: u64,
    counted: u64,
}

impl OwnerCounter {
    /// A counter for `rule` (checked: `min_share` in 0..=1).
    pub fn new(rule: OwnerRule) -> Result<Self, DatasetError> {
        let CheckedOwnerRule(rule) = rule.check()?;
        Ok(OwnerCounter {
            rule,
            human: Vec::new(),
            counts: FxHashMap::default(),
            events: 0,
            counted: 0,
        })
    }

    /// Adds one event; `names` is the vocabulary its ids come from (the
    /// same for every call).
    #[inline]
    pub fn add(&mut self, names: &Names, ev: &AuthEvent) {
        self.events += 1;
        if ev.outcome != Some(Outcome::Success) || ev.orientation != Some(Orientation::LogOn) {
            return;
        }
        let Some(lt) = ev.logon_type else { return };
        if !self.rule.logon_types.contains(&lt) {
            return;
        }
        let computer = match self.rule.side {
            OwnerSide::Source => ev.src_computer,
            OwnerSide::Destination => ev.dst_computer,
        };
        let (Some(computer), Some(user)) = (computer, ev.src_user) else {
            return;
        };
        if !self.is_human(names, user) {
            return;
        }
        *self.counts.entry((computer, user)).or_insert(0) += 1;
        self.counted += 1;
    }

    fn is_human(&mut self, names: &Names, user: UserId) -> bool {
        let i = user.index();
        if i >= self.human.len() {
            self.human.resize(i + 1, 0);
        }
        if self.human[i] == 0 {
            self.human[i] = if is_human_user(names.user(user)) {
                1
            } else {
                2
            };
        }
        self.human[i] == 1
    }

    /// The owners under the rule.
    pub fn finish(self, names: &Names) -> OwnerMap {
        // (computer, user, count), grouped by computer.
        let mut triples: Vec<(&str, &str, u64)> = self
            .counts
            .iter()
            .map(|(&(c, u), &n)| (names.computer(c), names.user(u), n))
            .collect();
        triples.sort_unstable();
        let mut entries = Vec::new();
        let mut computers = 0u64;
        for group in triples.chunk_by(|a, b| a.0 == b.0) {
            computers += 1;
            let total: u64 = group.iter().map(|t| t.2).sum();
            // Most logons; ties to the smallest user (the group is sorted by user).
            let best = group
                .iter()
                .fold(None::<&(&str, &str, u64)>, |b, t| match b {
                    Some(b) if b.2 >= t.2 => Some(b),
                    _ => Some(t),
                })
                .expect("groups are not empty");
            if best.2 >= self.rule.min_logons && best.2 as f64 >= self.rule.min_share * total as f64
            {
                entries.push(Ownership {
                    computer: best.0.to_string(),
                    user: best.1.to_string(),
                    logons: best.2,
                    computer_logons: total,
                    users: group.len() as u64,
                });
            }
        }
        let mut map = OwnerMap::from_entries(entries);
        map.summary = OwnerSummary {
            auth_events: self.events,
            counted_logons: self.counted,
            computers_with_logons: computers,
            owned_computers: map.entries.len() as u64,
            skipped: 0,
            skip_examples: Vec::new(),
        };
        map
    }
}

/// An [`OwnerCounter`] with the [`Names`] its ids refer to: the mergeable
/// form of a counter. Counters over parts of a file read by different
/// readers (each with its own names) merge into one over the whole:
/// `other`'s names are interned into `self`'s and its counts added under
/// the translated ids.
///
/// ```
/// use threatstat_core::Merge;
/// use threatstat_datasets::lanl::{AuthReader, OwnerCounter, OwnerCounts, OwnerRule};
/// let count = |text: &'static str| {
///     let mut r = AuthReader::from_reader("auth.txt", std::io::Cursor::new(text));
///     let mut c = OwnerCounter::new(OwnerRule::default()).unwrap();
///     while let Some(e) = r.next_event().unwrap() { c.add(r.names(), &e); }
///     OwnerCounts::new(r.names().clone(), c)
/// };
/// let mut a = count("1,U1@DOM1,U1@DOM1,C7,C7,Negotiate,Interactive,LogOn,Success\n");
/// a.merge(&count("2,U2@DOM1,U2@DOM1,C8,C8,Negotiate,Interactive,LogOn,Success\n")).unwrap();
/// let owners = a.finish();
/// assert_eq!((owners.owner("C7"), owners.owner("C8")), (Some("U1@DOM1"), Some("U2@DOM1")));
/// ```
#[derive(Debug, Clone)]
pub struct OwnerCounts {
    names: Names,
    counter: OwnerCounter,
}

impl OwnerCounts {
    /// `counter` whose ids come from `names`.
    pub fn new(names: Names, counter: OwnerCounter) -> Self {
        OwnerCounts { names, counter }
    }

    /// The owners under the counter's rule.
    pub fn finish(self) -> OwnerMap {
        self.counter.finish(&self.names)
    }

    /// (computer, user, logons), sorted: the counts by name, whatever the ids.
    fn by_name(&self) -> Vec<(&str, &str, u64)> {
        let mut v: Vec<_> = self
            .counter
            .counts
            .iter()
            .map(|(&(c, u), &n)| (self.names.computer(c), self.names.user(u), n))
            .collect();
        v.sort_unstable();
        v
    }
}

/// Equal when the rules, event counts and counts by name are (the ids may
/// differ).
impl PartialEq for OwnerCounts {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.counter, &other.counter);
        a.rule == b.rule
            && (a.events, a.counted) == (b.events, b.counted)
            && self.by_name() == other.by_name()
    }
}

impl Merge for OwnerCounts {
    type Error = DatasetError;

    /// Adds the counts of `other`; the result equals one counter over both
    /// parts. Both must count under the same rule.
    fn merge(&mut self, other: &OwnerCounts) -> Result<(), DatasetError> {
        if self.counter.rule != other.counter.rule {
            return Err(
                Error::incompatible("owner counts", "made under different owner rules").into(),
            );
        }
        let map = self.names.absorb(&other.names);
        let me = &mut self.counter;
        for (&(c, u), &n) in &other.counter.counts {
            *me.counts.entry((map.computer(c), map.user(u))).or_insert(0) += n;
        }
        me.events += other.counter.events;
        me.counted += other.counter.counted;
        Ok(())
    }
}

/// Human-owned computers: which user owns which computer, decided from
/// `auth.txt` by an [`OwnerRule`].
///
/// Users are indexed `0..users().len()` in byte order of their names (the
/// index [`UploadTable`](super::UploadTable) rows use).
///
/// ```
/// use threatstat_datasets::lanl::OwnerMap;
/// let p = std::env::temp_dir().join("threatstat-doc-owners-auth.txt");
/// std::fs::write(&p, "\
/// 1,U1@DOM1,U1@DOM1,C7,C7,Negotiate,Interactive,LogOn,Success
/// 2,U2@DOM1,U2@DOM1,C7,C7,Negotiate,Interactive,LogOn,Success
/// 3,U2@DOM1,U2@DOM1,C7,C7,Negotiate,CachedInteractive,LogOn,Success
/// 4,U2@DOM1,U2@DOM1,C8,C9,Negotiate,RemoteInteractive,LogOn,Success
/// 5,U1@DOM1,U1@DOM1,C5,C5,Negotiate,Interactive,LogOn,Fail
/// 6,C5$@DOM1,C5$@DOM1,C5,C5,Negotiate,Interactive,LogOn,Success
/// 7,U1@DOM1,U1@DOM1,C6,C6,Negotiate,Network,LogOn,Success
/// ").unwrap();
/// let m = OwnerMap::from_auth(&p, threatstat_core::BadRowPolicy::Error).unwrap();
/// assert_eq!(m.owner("C7"), Some("U2@DOM1"));
/// assert_eq!(m.computers_of("U2@DOM1"), ["C7", "C8"]);
/// assert_eq!(m.owner("C5"), None);   // a failure and a computer account
/// assert_eq!(m.owner("C6"), None);   // a network logon
/// assert_eq!(m.users(), ["U2@DOM1"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct OwnerMap {
    entries: Vec<Ownership>,
    by_computer: FxHashMap<String, usize>,
    users: Vec<String>,
    /// Per entry, the index of its user in `users`.
    entry_user: Vec<u32>,
    /// Per user, the indices of its entries.
    user_entries: Vec<Vec<usize>>,
    summary: OwnerSummary,
}

impl OwnerMap {
    /// Owners from the `auth.txt` at `path` (plain or gzip) under
    /// [`OwnerRule::default`]; bad lines stop the read or are skipped as
    /// `policy` says.
    pub fn from_auth(path: impl AsRef<Path>, policy: BadRowPolicy) -> Result<Self, DatasetError> {
        Self::from_auth_with(path, policy, &OwnerRule::default())
    }

    /// Owners from the `auth.txt` at `path` under `rule`.
    pub fn from_auth_with(
        path: impl AsRef<Path>,
        policy: BadRowPolicy,
        rule: &OwnerRule,
    ) -> Result<Self, DatasetError> {
        Self::from_auth_scan(path, rule, ParallelScan::new().bad_rows(policy))
    }

    /// [`OwnerMap::from_auth_with`] with the [`ParallelScan`]'s threads,
    /// block size and bad-row policy given: one [`OwnerCounter`] per worker,
    /// merged; the map equals one sequential pass's.
    pub fn from_auth_scan(
        path: impl AsRef<Path>,
        rule: &OwnerRule,
        scan: ParallelScan,
    ) -> Result<Self, DatasetError> {
        let mut counts = OwnerCounts::new(Names::default(), OwnerCounter::new(rule.clone())?);
        let parts = scan.fold(
            path,
            || OwnerCounter::new(rule.clone()).expect("rule checked above"),
            |c, names, ev: &AuthEvent| c.add(names, ev),
        )?;
        for (names, part) in parts.parts {
            counts.merge(&OwnerCounts::new(names, part))?;
        }
        let mut map = counts.finish();
        map.summary.skipped = parts.summary.skipped;
        map.summary.skip_examples = parts.summary.skip_examples;
        Ok(map)
    }

    /// Owners from the events of `reader` under `rule`.
    pub fn from_reader(
        mut reader: LanlReader<AuthEvent>,
        rule: &OwnerRule,
    ) -> Result<Self, DatasetError> {
        let mut c = OwnerCounter::new(rule.clone())?;
        while let Some(ev) = reader.next_event()? {
            c.add(reader.names(), &ev);
        }
        let mut map = c.finish(reader.names());
        map.summary.skipped = reader.skip_report().skipped;
        map.summary.skip_examples = reader.skip_report().examples.clone();
        Ok(map)
    }

    /// A map of the given ownerships (e.g. read back from JSON). A computer
    /// listed twice keeps its first entry.
    ///
    /// ```
    /// use threatstat_datasets::lanl::{OwnerMap, Ownership};
    /// let o = |c: &str, u: &str| Ownership { computer: c.into(), user: u.into(), logons: 1, computer_logons: 1, users: 1 };
    /// let m = OwnerMap::from_entries(vec![o("C2", "U9@DOM1"), o("C1", "U10@DOM1")]);
    /// assert_eq!(m.users(), ["U10@DOM1", "U9@DOM1"]);
    /// assert_eq!(m.user_index("U9@DOM1"), Some(1));
    /// assert_eq!(m.entries()[0].computer, "C1");
    /// ```
    pub fn from_entries(mut entries: Vec<Ownership>) -> Self {
        entries.sort_by(|a, b| a.computer.cmp(&b.computer));
        entries.dedup_by(|b, a| a.computer == b.computer);
        let mut users: Vec<String> = entries.iter().map(|e| e.user.clone()).collect();
        users.sort_unstable();
        users.dedup();
        let mut user_entries = vec![Vec::new(); users.len()];
        let mut entry_user = Vec::with_capacity(entries.len());
        let mut by_computer = FxHashMap::default();
        for (i, e) in entries.iter().enumerate() {
            let u = users.binary_search(&e.user).expect("user listed");
            user_entries[u].push(i);
            entry_user.push(u as u32);
            by_computer.insert(e.computer.clone(), i);
        }
        let summary = OwnerSummary {
            owned_computers: entries.len() as u64,
            ..Default::default()
        };
        OwnerMap {
            entries,
            by_computer,
            users,
            entry_user,
            user_entries,
            summary,
        }
    }

    /// Every owned computer, sorted by computer name.
    pub fn entries(&self) -> &[Ownership] {
        &self.entries
    }

    /// Number of owned computers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no computer has an owner.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The owner of `computer`, if it has one.
    pub fn owner(&self, computer: &str) -> Option<&str> {
        self.ownership(computer).map(|o| o.user.as_str())
    }

    /// The ownership record of `computer`, if it has an owner.
    pub fn ownership(&self, computer: &str) -> Option<&Ownership> {
        self.by_computer.get(computer).map(|&i| &self.entries[i])
    }

    /// The index (in [`users`](Self::users)) of the owner of `computer`.
    pub fn owner_index(&self, computer: &str) -> Option<u32> {
        self.by_computer.get(computer).map(|&i| self.entry_user[i])
    }

    /// The owners, sorted (byte order); a user's index is its position here.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The index of `user` in [`users`](Self::users), if it owns a computer.
    pub fn user_index(&self, user: &str) -> Option<u32> {
        self.users
            .binary_search_by(|u| u.as_str().cmp(user))
            .ok()
            .map(|i| i as u32)
    }

    /// The computers `user` owns, sorted (empty if none).
    pub fn computers_of(&self, user: &str) -> Vec<&str> {
        match self.user_index(user) {
            Some(u) => self.user_entries[u as usize]
                .iter()
                .map(|&i| self.entries[i].computer.as_str())
                .collect(),
            None => Vec::new(),
        }
    }

    /// What was read to build the map (zeros for [`from_entries`](Self::from_entries)).
    pub fn summary(&self) -> &OwnerSummary {
        &self.summary
    }
}
