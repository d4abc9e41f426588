//! Sessions of events in a compact, columnar form.
//!
//! A [`SessionSet`] stores millions of sessions without one allocation per
//! event: commands, parameter names and values are interned to `u32` ids and
//! laid out in flat arrays with offsets (a CSR layout). Any of the three
//! msticpy session types can be scored from the same set: the model decides
//! whether parameters and values are used.

use crate::MarkovError;
use threatstat_core::Interner;

/// The id stored for a parameter without a value (`None`).
pub const NO_VALUE: u32 = u32::MAX;

/// Sessions of events: each event is a command with optional named
/// parameters, each parameter with an optional value.
///
/// Parameter names are unique within an event: adding a name twice keeps its
/// first position and the last value (Python `dict` semantics).
///
/// ```
/// use threatstat_markov::SessionSet;
/// let mut s = SessionSet::new();
/// s.push_cmds(&["Set-User", "New-Mailbox"]).unwrap();
/// s.push_session([("Set-User", vec![("Identity", Some("bob"))])]).unwrap();
/// assert_eq!(s.len(), 2);
/// assert_eq!(s.session_len(0), 2);
/// assert_eq!(s.cmd_name(s.session_cmds(1)[0]), "Set-User");
/// assert!(s.push_cmds::<&str>(&[]).is_err()); // empty sessions are rejected
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionSet {
    pub(crate) cmds: Interner,
    pub(crate) params: Interner,
    pub(crate) values: Interner,
    /// `session_offsets[i]..session_offsets[i + 1]` are session i's events.
    pub(crate) session_offsets: Vec<usize>,
    pub(crate) event_cmd: Vec<u32>,
    /// `param_offsets[e]..param_offsets[e + 1]` are event e's parameters.
    pub(crate) param_offsets: Vec<usize>,
    pub(crate) param_ids: Vec<u32>,
    pub(crate) param_values: Vec<u32>,
    open: bool,
}

/// A read-only view of one event.
#[derive(Debug, Clone, Copy)]
pub struct EventRef<'a> {
    set: &'a SessionSet,
    index: usize,
}

impl<'a> EventRef<'a> {
    /// The command name.
    pub fn cmd(&self) -> &'a str {
        self.set.cmds.resolve(self.set.event_cmd[self.index])
    }
    /// The parameters as (name, value) pairs in order.
    pub fn params(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 'a {
        let set = self.set;
        let r = set.param_offsets[self.index]..set.param_offsets[self.index + 1];
        r.map(move |j| {
            let v = set.param_values[j];
            (
                set.params.resolve(set.param_ids[j]),
                (v != NO_VALUE).then(|| set.values.resolve(v)),
            )
        })
    }
}

impl SessionSet {
    /// An empty set.
    pub fn new() -> Self {
        SessionSet {
            session_offsets: vec![0],
            param_offsets: vec![0],
            ..Default::default()
        }
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.session_offsets.len().saturating_sub(1)
    }

    /// True when there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total number of events.
    pub fn n_events(&self) -> usize {
        self.event_cmd.len()
    }

    /// Number of events of session `i`.
    pub fn session_len(&self, i: usize) -> usize {
        self.session_offsets[i + 1] - self.session_offsets[i]
    }

    /// The command ids of session `i` (resolve with [`SessionSet::cmd_name`]).
    pub fn session_cmds(&self, i: usize) -> &[u32] {
        &self.event_cmd[self.session_offsets[i]..self.session_offsets[i + 1]]
    }

    /// The events of session `i`.
    pub fn session_events(&self, i: usize) -> impl ExactSizeIterator<Item = EventRef<'_>> + '_ {
        (self.session_offsets[i]..self.session_offsets[i + 1])
            .map(move |index| EventRef { set: self, index })
    }

    /// The name of command id `id`.
    pub fn cmd_name(&self, id: u32) -> &str {
        self.cmds.resolve(id)
    }

    /// Starts a new session; add events with [`SessionSet::add_event`] and
    /// close it with [`SessionSet::finish_session`].
    pub fn begin_session(&mut self) {
        if self.session_offsets.is_empty() {
            self.session_offsets.push(0);
            self.param_offsets.push(0);
        }
        if self.open {
            // An unfinished session is discarded, keeping the set consistent.
            self.truncate_open();
        }
        self.open = true;
    }

    /// Discards the open session, if any (a reader that skips a bad row
    /// after some of its events were added).
    pub(crate) fn discard_open(&mut self) {
        if self.open {
            self.truncate_open();
            self.open = false;
        }
    }

    fn truncate_open(&mut self) {
        let start = *self.session_offsets.last().expect("offsets start with 0");
        self.event_cmd.truncate(start);
        self.param_offsets.truncate(start + 1);
        let p = self.param_offsets[start];
        self.param_ids.truncate(p);
        self.param_values.truncate(p);
    }

    /// Adds an event with command `cmd` to the open session.
    ///
    /// # Panics
    /// If no session is open.
    pub fn add_event(&mut self, cmd: &str) {
        let id = self.cmds.intern(cmd);
        self.add_event_id(id);
    }

    /// The id of command `cmd`, adding it if new.
    pub(crate) fn intern_cmd(&mut self, cmd: &str) -> u32 {
        self.cmds.intern(cmd)
    }

    /// [`SessionSet::add_event`] with the command as an id of this set.
    pub(crate) fn add_event_id(&mut self, id: u32) {
        assert!(self.open, "add_event called without begin_session");
        self.event_cmd.push(id);
        self.param_offsets.push(self.param_ids.len());
    }

    /// Adds a parameter (with an optional value) to the last event. A name
    /// already present in the event keeps its position and takes the new value.
    ///
    /// # Panics
    /// If the open session has no event yet.
    pub fn add_param(&mut self, name: &str, value: Option<&str>) {
        let vid = value.map_or(NO_VALUE, |v| self.values.intern(v));
        self.add_param_id(name, vid);
    }

    /// The id of value `v`, adding it if new.
    pub(crate) fn intern_value(&mut self, v: &str) -> u32 {
        self.values.intern(v)
    }

    /// [`SessionSet::add_param`] with the value as an id of this set
    /// ([`NO_VALUE`] for none).
    pub(crate) fn add_param_id(&mut self, name: &str, vid: u32) {
        let pid = self.params.intern(name);
        self.add_param_ids(pid, vid);
    }

    /// The id of parameter name `name`, adding it if new.
    pub(crate) fn intern_param(&mut self, name: &str) -> u32 {
        self.params.intern(name)
    }

    /// [`SessionSet::add_param`] with the name and the value as ids of this
    /// set ([`NO_VALUE`] for no value).
    pub(crate) fn add_param_ids(&mut self, pid: u32, vid: u32) {
        let start = *self.session_offsets.last().expect("offsets start with 0");
        assert!(
            self.open && self.event_cmd.len() > start,
            "add_param called before add_event"
        );
        let first = self.param_offsets[self.event_cmd.len() - 1];
        if let Some(j) = self.param_ids[first..].iter().position(|&p| p == pid) {
            self.param_values[first + j] = vid;
        } else {
            self.param_ids.push(pid);
            self.param_values.push(vid);
            *self.param_offsets.last_mut().expect("non-empty") = self.param_ids.len();
        }
    }

    /// Closes the open session; an empty session is an error (and discarded).
    pub fn finish_session(&mut self) -> Result<(), MarkovError> {
        if !self.open {
            return Err(threatstat_core::Error::data(
                "session set",
                "finish_session called without begin_session",
            )
            .into());
        }
        self.open = false;
        if self.event_cmd.len() == *self.session_offsets.last().expect("non-empty") {
            return Err(MarkovError::EmptySession { index: self.len() });
        }
        self.session_offsets.push(self.event_cmd.len());
        Ok(())
    }

    /// Adds a session of commands only.
    pub fn push_cmds<S: AsRef<str>>(&mut self, cmds: &[S]) -> Result<(), MarkovError> {
        self.begin_session();
        for c in cmds {
            self.add_event(c.as_ref());
        }
        self.finish_session()
    }

    /// Adds a session of events given as (command, parameters).
    pub fn push_session<C, P, N, V>(
        &mut self,
        events: impl IntoIterator<Item = (C, P)>,
    ) -> Result<(), MarkovError>
    where
        C: AsRef<str>,
        P: IntoIterator<Item = (N, Option<V>)>,
        N: AsRef<str>,
        V: AsRef<str>,
    {
        self.begin_session();
        for (cmd, params) in events {
            self.add_event(cmd.as_ref());
            for (n, v) in params {
                self.add_param(n.as_ref(), v.as_ref().map(AsRef::as_ref));
            }
        }
        self.finish_session()
    }

    /// Appends session `i` of `other` (re-interning its strings).
    pub fn push_from(&mut self, other: &SessionSet, i: usize) -> Result<(), MarkovError> {
        self.begin_session();
        for e in other.session_events(i) {
            self.add_event(e.cmd());
            for (n, v) in e.params() {
                self.add_param(n, v);
            }
        }
        self.finish_session()
    }

    /// Appends all sessions of `other` after those of this set, interning
    /// `other`'s strings in its id order (its first-seen order), so that
    /// appending the sets read from consecutive parts of a file gives the
    /// ids a read of the whole file gives.
    ///
    /// # Panics
    /// If either set has an open session.
    pub(crate) fn append(&mut self, other: SessionSet) {
        assert!(!self.open && !other.open, "append with an open session");
        if self.event_cmd.is_empty()
            && self.cmds.is_empty()
            && self.params.is_empty()
            && self.values.is_empty()
        {
            *self = other;
            return;
        }
        fn ids(to: &mut Interner, from: &Interner) -> Vec<u32> {
            from.strings().map(|s| to.intern(s)).collect()
        }
        let cmd = ids(&mut self.cmds, &other.cmds);
        let param = ids(&mut self.params, &other.params);
        let value = ids(&mut self.values, &other.values);
        let (e0, p0) = (self.event_cmd.len(), self.param_ids.len());
        self.event_cmd
            .extend(other.event_cmd.iter().map(|&c| cmd[c as usize]));
        self.param_ids
            .extend(other.param_ids.iter().map(|&p| param[p as usize]));
        self.param_values.extend(
            other
                .param_values
                .iter()
                .map(|&v| if v == NO_VALUE { v } else { value[v as usize] }),
        );
        self.param_offsets
            .extend(other.param_offsets[1..].iter().map(|&o| o + p0));
        self.session_offsets
            .extend(other.session_offsets[1..].iter().map(|&o| o + e0));
    }

    /// Builds a set from sessions of commands.
    pub fn from_cmds<S: AsRef<str>>(sessions: &[Vec<S>]) -> Result<Self, MarkovError> {
        let mut s = SessionSet::new();
        for x in sessions {
            s.push_cmds(x)?;
        }
        Ok(s)
    }

    /// The sessions `range` of this set as a new set (for splitting data).
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        let mut s = SessionSet::new();
        for i in range {
            s.push_from(self, i)
                .expect("sessions of a set are non-empty");
        }
        s
    }
}
