//! Splitting events into sessions, exactly as msticpy's `sessionize_data`.
//!
//! Events are ordered by user key (the user-identifier columns compared as
//! strings, column by column, a missing value acting as the string
//! `"dummy_str"` as in msticpy), then time, then input row (pandas' stable
//! sort). A new session starts when the user key changes, when the gap to the
//! previous event is greater than the maximum gap, or when the time since the
//! session's first event is greater than the maximum session length (both
//! strict: an event exactly at the limit stays).

use crate::MarkovError;
use rayon::prelude::*;
use threatstat_core::Interner;
use threatstat_core::time::NS_PER_MIN;

/// msticpy's stand-in for a missing user-identifier value; a real value
/// equal to it is treated the same (msticpy quirk Q3).
pub const MISSING_USER: &str = "dummy_str";

/// Session limits (msticpy `max_session_time_mins`, `max_event_separation_mins`).
///
/// ```
/// use threatstat_markov::sessionize::{SessionizeParams, UserKeys};
/// let p = SessionizeParams::new(20.0, 2.0).unwrap();
/// let mut users = UserKeys::new(1);
/// for u in ["bob", "bob", "alice", "bob"] {
///     users.push(&[Some(u)]);
/// }
/// let min = 60_000_000_000i64;
/// let s = p.split(&users, &[0, min, 5 * min, 10 * min]).unwrap();
/// // alice first (sorted by user), then bob's two sessions (gap of 9 minutes > 2).
/// assert_eq!(s.sessions().collect::<Vec<_>>(), vec![&[2u32][..], &[0, 1], &[3]]);
/// assert!(SessionizeParams::new(-1.0, 2.0).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionizeParams {
    max_session_ns: i64,
    max_gap_ns: i64,
}

impl SessionizeParams {
    /// The largest limit [`SessionizeParams::new`] accepts, in minutes
    /// (about 285 years; the limits are held in nanoseconds as `i64`).
    pub const MAX_MINUTES: f64 = 1.5e8;

    /// Limits in minutes (fractions allowed); both must be finite, ≥ 0 and
    /// at most [`SessionizeParams::MAX_MINUTES`].
    ///
    /// ```
    /// use threatstat_markov::sessionize::SessionizeParams;
    /// let e = SessionizeParams::new(20.0, 1e9).unwrap_err().to_string();
    /// assert!(e.contains("at most 150000000 minutes"), "{e}");
    /// ```
    pub fn new(max_session_mins: f64, max_gap_mins: f64) -> Result<Self, MarkovError> {
        let ns = |m: f64, what: &str| {
            if !(m.is_finite() && m >= 0.0) {
                Err(MarkovError::Invalid(format!(
                    "{what} must be a finite number of minutes >= 0, found {m}"
                )))
            } else if m > Self::MAX_MINUTES {
                Err(MarkovError::Invalid(format!(
                    "{what} must be at most {} minutes (about 285 years), found {m}",
                    Self::MAX_MINUTES
                )))
            } else {
                Ok((m * NS_PER_MIN as f64).round() as i64)
            }
        };
        Ok(SessionizeParams {
            max_session_ns: ns(max_session_mins, "max session length")?,
            max_gap_ns: ns(max_gap_mins, "max gap between events")?,
        })
    }

    /// Splits events into sessions. `users` holds each event's user key and
    /// `times` its time (ns); both are indexed by event row.
    pub fn split(&self, users: &UserKeys, times: &[i64]) -> Result<Sessions, MarkovError> {
        if users.row_key.len() != times.len() {
            return Err(MarkovError::Invalid(format!(
                "{} user keys but {} times",
                users.row_key.len(),
                times.len()
            )));
        }
        let n = times.len();
        let rank = users.key_ranks();
        let mut order: Vec<(u32, i64, u32)> = (0..n)
            .map(|i| (rank[users.row_key[i] as usize], times[i], i as u32))
            .collect();
        if n > 100_000 {
            order.par_sort_unstable();
        } else {
            order.sort_unstable();
        }
        let mut offsets = Vec::with_capacity(n / 2 + 2);
        let mut session_key = Vec::new();
        let mut start_t = 0i64;
        for (i, &(k, t, row)) in order.iter().enumerate() {
            let new = i == 0 || {
                let (pk, pt, _) = order[i - 1];
                pk != k
                    || t.saturating_sub(pt) > self.max_gap_ns
                    || t.saturating_sub(start_t) > self.max_session_ns
            };
            if new {
                offsets.push(i);
                session_key.push(users.row_key[row as usize]);
                start_t = t;
            }
        }
        offsets.push(n);
        Ok(Sessions {
            rows: order.into_iter().map(|x| x.2).collect(),
            offsets,
            session_key,
        })
    }
}

/// The user key of every event, interned.
#[derive(Debug, Clone)]
pub struct UserKeys {
    n_cols: usize,
    keys: Interner,
    parts: Vec<Vec<String>>,
    row_key: Vec<u32>,
    scratch: String,
}

impl UserKeys {
    /// Keys made of `n_cols` user-identifier columns (0 is allowed: one user).
    pub fn new(n_cols: usize) -> Self {
        UserKeys {
            n_cols,
            keys: Interner::default(),
            parts: Vec::new(),
            row_key: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Adds the next event's key; `None` is a missing value.
    ///
    /// # Panics
    /// If `values.len()` is not the number of columns.
    pub fn push(&mut self, values: &[Option<&str>]) {
        assert_eq!(values.len(), self.n_cols, "one value per user column");
        self.scratch.clear();
        for v in values {
            self.scratch.push_str(v.unwrap_or(MISSING_USER));
            self.scratch.push('\u{1f}');
        }
        let before = self.keys.len();
        let id = self.keys.intern(&self.scratch);
        if self.keys.len() > before {
            self.parts.push(
                values
                    .iter()
                    .map(|v| v.unwrap_or(MISSING_USER).to_string())
                    .collect(),
            );
        }
        self.row_key.push(id);
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.row_key.len()
    }

    /// True when no event was added.
    pub fn is_empty(&self) -> bool {
        self.row_key.is_empty()
    }

    /// The values of key `id`, `None` for missing (or `"dummy_str"`).
    pub fn values(&self, id: u32) -> impl Iterator<Item = Option<&str>> {
        self.parts[id as usize]
            .iter()
            .map(|s| (s != MISSING_USER).then_some(s.as_str()))
    }

    fn key_ranks(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.parts.len() as u32).collect();
        ids.sort_by(|&a, &b| self.parts[a as usize].cmp(&self.parts[b as usize]));
        let mut rank = vec![0u32; ids.len()];
        for (r, &id) in ids.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    }
}

/// Sessions as lists of event rows, in msticpy's output order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions {
    rows: Vec<u32>,
    offsets: Vec<usize>,
    session_key: Vec<u32>,
}

impl Sessions {
    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    /// True when there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The event rows of each session, in session order.
    pub fn sessions(&self) -> impl ExactSizeIterator<Item = &[u32]> {
        self.offsets.windows(2).map(|w| &self.rows[w[0]..w[1]])
    }
    /// The event rows of session `i`.
    pub fn session(&self, i: usize) -> &[u32] {
        &self.rows[self.offsets[i]..self.offsets[i + 1]]
    }
    /// The user key id of session `i` (see [`UserKeys::values`]).
    pub fn key(&self, i: usize) -> u32 {
        self.session_key[i]
    }
}
