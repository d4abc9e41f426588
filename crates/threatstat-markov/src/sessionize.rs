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
use crate::strpool::{IdTable, StrPool, hash_of};
use rayon::prelude::*;
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
///
/// Each column's values are interned once into a [`StrPool`] and a key is
/// the tuple of its columns' value ids, stored flat (`n_cols` ids per key):
/// a distinct key costs its new values' bytes plus about 16 bytes per
/// column and 8 of table, not a `Vec` of `String`s (see the measurement in
/// the [`crate::io`] docs).
#[derive(Debug, Clone)]
pub struct UserKeys {
    n_cols: usize,
    /// One pool per column; a missing value is interned as [`MISSING_USER`].
    cols: Vec<StrPool>,
    /// Key `k`'s value ids are `parts[k * n_cols..(k + 1) * n_cols]`.
    parts: Vec<u32>,
    n_keys: u32,
    keys: IdTable,
    row_key: Vec<u32>,
    scratch: Vec<u32>,
}

impl UserKeys {
    /// Keys made of `n_cols` user-identifier columns (0 is allowed: one user).
    pub fn new(n_cols: usize) -> Self {
        UserKeys {
            n_cols,
            cols: vec![StrPool::default(); n_cols],
            parts: Vec::new(),
            n_keys: 0,
            keys: IdTable::default(),
            row_key: Vec::new(),
            scratch: Vec::with_capacity(n_cols),
        }
    }

    /// Adds the next event's key; `None` is a missing value.
    ///
    /// # Panics
    /// If `values.len()` is not the number of columns.
    pub fn push(&mut self, values: &[Option<&str>]) {
        assert_eq!(values.len(), self.n_cols, "one value per user column");
        self.scratch.clear();
        for (pool, v) in self.cols.iter_mut().zip(values) {
            self.scratch.push(pool.intern(v.unwrap_or(MISSING_USER)));
        }
        let (n, parts, scratch) = (self.n_cols, &self.parts, &self.scratch);
        let (id, new) = self.keys.find_or_insert(
            hash_of(scratch.as_slice()),
            |k| parts[k as usize * n..(k as usize + 1) * n] == scratch[..],
            self.n_keys,
        );
        if new {
            self.parts.extend_from_slice(&self.scratch);
            self.n_keys += 1;
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

    /// Number of distinct keys; ids are `0..n_keys()` in first-seen order.
    ///
    /// ```
    /// use threatstat_markov::sessionize::UserKeys;
    /// let mut users = UserKeys::new(2);
    /// users.push(&[Some("bob"), Some("10.0.0.1")]);
    /// users.push(&[Some("bob"), None]);
    /// users.push(&[Some("bob"), Some("10.0.0.1")]);
    /// assert_eq!(users.n_keys(), 2);
    /// assert_eq!(users.row_key(2), 0);
    /// assert_eq!(users.values(1).collect::<Vec<_>>(), vec![Some("bob"), None]);
    /// ```
    pub fn n_keys(&self) -> usize {
        self.n_keys as usize
    }

    /// The key id of event `row`.
    ///
    /// # Panics
    /// If `row >= len()`.
    pub fn row_key(&self, row: usize) -> u32 {
        self.row_key[row]
    }

    /// The values of key `id`, `None` for missing (or `"dummy_str"`).
    ///
    /// # Panics
    /// If `id >= n_keys()`.
    pub fn values(&self, id: u32) -> impl Iterator<Item = Option<&str>> {
        assert!(id < self.n_keys, "user key {id} of {}", self.n_keys);
        let n = self.n_cols;
        self.parts[id as usize * n..(id as usize + 1) * n]
            .iter()
            .zip(&self.cols)
            .map(|(&v, pool)| {
                let s = pool.resolve(v);
                (s != MISSING_USER).then_some(s)
            })
    }

    /// Approximate heap bytes held (buffer capacities).
    pub fn heap_bytes(&self) -> usize {
        self.cols.iter().map(StrPool::heap_bytes).sum::<usize>()
            + (self.parts.capacity() + self.row_key.capacity()) * size_of::<u32>()
            + self.keys.heap_bytes()
    }

    /// Each key's rank in the order of its values compared as strings,
    /// column by column. Each column's values are ranked once, so keys are
    /// sorted as tuples of integers, in the order the strings give.
    fn key_ranks(&self) -> Vec<u32> {
        let n = self.n_cols;
        let col_rank: Vec<Vec<u32>> = self
            .cols
            .iter()
            .map(|pool| {
                let mut ids: Vec<u32> = (0..pool.len() as u32).collect();
                let by_text = |a: &u32, b: &u32| pool.resolve(*a).cmp(pool.resolve(*b));
                if ids.len() > 100_000 {
                    ids.par_sort_unstable_by(by_text);
                } else {
                    ids.sort_unstable_by(by_text);
                }
                ranks_of(&ids)
            })
            .collect();
        let ranked: Vec<u32> = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, &v)| col_rank[i % n][v as usize])
            .collect();
        let mut ids: Vec<u32> = (0..self.n_keys).collect();
        let by_ranks = |a: &u32, b: &u32| {
            let (a, b) = (*a as usize, *b as usize);
            ranked[a * n..(a + 1) * n].cmp(&ranked[b * n..(b + 1) * n])
        };
        if ids.len() > 100_000 {
            ids.par_sort_unstable_by(by_ranks);
        } else {
            ids.sort_unstable_by(by_ranks);
        }
        ranks_of(&ids)
    }
}

/// The inverse permutation of `ids`: `rank[ids[r]] = r`.
fn ranks_of(ids: &[u32]) -> Vec<u32> {
    let mut rank = vec![0u32; ids.len()];
    for (r, &id) in ids.iter().enumerate() {
        rank[id as usize] = r as u32;
    }
    rank
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
