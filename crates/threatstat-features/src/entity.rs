//! The entity set of the featuretools demo and the cutoff-time labels.
//!
//! Three entities, as the demo normalises them:
//!
//! * `log`: one row per authentication event, time index `secs`;
//! * `name_host_pairs`: one per distinct
//!   (`src_name`, `dest_name`, `src_host`, `dest_host`), with the hosts as
//!   variables; parent of `log`;
//! * `sessions`: one per distinct (`src_name`, `dest_name`), with the names
//!   as variables; parent of `name_host_pairs`.
//!
//! # Cutoffs and labels ([`LabelTimes`])
//!
//! A session's observations are its log rows in time order (ties in `secs`
//! keep file order), numbered from 0 as the demo's `df.iloc` does. With
//! N = `after_n`, L = `lead`, W = `window`:
//!
//! * the cutoff time is the `secs` of observation N (0-based), that is,
//!   of the (N+1)-th observation: the session has been seen N times before
//!   it ("after a session's first N observations");
//! * the label is `true` if any of observations N+L, ..., N+L+W-1 (0-based;
//!   1-based N+L+1 ..= N+L+W, the demo's `iloc[N+L : N+L+W]`) is malicious;
//! * features use only rows with `secs` strictly before the cutoff time
//!   (featuretools itself includes rows *at* the cutoff; the issue asks for
//!   strictly before, so a row sharing the cutoff's second is left out);
//! * a session needs at least `min_observations` observations, by default
//!   N+L+2 as the demo's `count > N+L+1` filter; sessions with fewer are
//!   counted in [`LabelTimes::too_few`], not dropped silently.

use crate::FeaturesError;
use crate::log::AuthLog;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use threatstat_core::Error;

/// The log with its name/host pairs and sessions.
///
/// ```
/// use threatstat_features::entity::EntitySet;
/// use threatstat_features::log::{AuthLog, AuthRow};
/// let row = |secs, dest_host| AuthRow { secs, malicious: false,
///     fields: ["U1", "U1", "C1", dest_host, "NTLM", "Network", "LogOn", "Success"] };
/// let es = EntitySet::new(AuthLog::from_rows(&[row(3, "C2"), row(1, "C3"), row(2, "C2")]));
/// assert_eq!((es.n_pairs(), es.n_sessions()), (2, 1));
/// assert_eq!(es.session_rows(0), [1, 2, 0]); // time order
/// assert_eq!(es.session_id(0), "U1 / U1");
/// ```
#[derive(Debug, Clone)]
pub struct EntitySet {
    /// The log.
    pub log: AuthLog,
    /// The name/host pair of each log row.
    pub pair_of_row: Vec<u32>,
    /// The session of each name/host pair.
    pub session_of_pair: Vec<u32>,
    /// (`src_host`, `dest_host`) of each pair, as name ids.
    pub pair_hosts: Vec<[u32; 2]>,
    /// (`src_name`, `dest_name`) of each session, as name ids.
    pub session_names: Vec<[u32; 2]>,
    row_start: Vec<usize>,
    rows: Vec<u32>,
}

impl EntitySet {
    /// Normalises `log` into pairs and sessions (ids in order of first
    /// appearance in the file).
    pub fn new(log: AuthLog) -> Self {
        let n = log.len();
        let mut pairs: FxHashMap<[u32; 4], u32> = FxHashMap::default();
        let mut sessions: FxHashMap<[u32; 2], u32> = FxHashMap::default();
        let mut pair_of_row = Vec::with_capacity(n);
        let mut session_of_pair = Vec::new();
        let mut pair_hosts = Vec::new();
        let mut session_names = Vec::new();
        for i in 0..n {
            let k = [log.cat[0][i], log.cat[1][i], log.cat[2][i], log.cat[3][i]];
            let next = pairs.len() as u32;
            let p = *pairs.entry(k).or_insert_with(|| {
                let sk = [k[0], k[1]];
                let ns = sessions.len() as u32;
                let s = *sessions.entry(sk).or_insert_with(|| {
                    session_names.push(sk);
                    ns
                });
                session_of_pair.push(s);
                pair_hosts.push([k[2], k[3]]);
                next
            });
            pair_of_row.push(p);
        }
        // Rows of each session in (secs, file order).
        let ns = session_names.len();
        let mut row_start = vec![0usize; ns + 1];
        for &p in &pair_of_row {
            row_start[session_of_pair[p as usize] as usize + 1] += 1;
        }
        for s in 0..ns {
            row_start[s + 1] += row_start[s];
        }
        let mut fill = row_start.clone();
        let mut rows = vec![0u32; n];
        for (i, &p) in pair_of_row.iter().enumerate() {
            let s = session_of_pair[p as usize] as usize;
            rows[fill[s]] = i as u32;
            fill[s] += 1;
        }
        for s in 0..ns {
            rows[row_start[s]..row_start[s + 1]].sort_by_key(|&r| (log.secs[r as usize], r));
        }
        EntitySet {
            log,
            pair_of_row,
            session_of_pair,
            pair_hosts,
            session_names,
            row_start,
            rows,
        }
    }

    /// Number of name/host pairs.
    pub fn n_pairs(&self) -> usize {
        self.pair_hosts.len()
    }

    /// Number of sessions.
    pub fn n_sessions(&self) -> usize {
        self.session_names.len()
    }

    /// The log rows of session `s` in time order.
    pub fn session_rows(&self, s: usize) -> &[u32] {
        &self.rows[self.row_start[s]..self.row_start[s + 1]]
    }

    /// The rows of session `s` strictly before time `cutoff`.
    pub fn rows_before(&self, s: usize, cutoff: i64) -> &[u32] {
        let r = self.session_rows(s);
        let k = r.partition_point(|&i| self.log.secs[i as usize] < cutoff);
        &r[..k]
    }

    /// The demo's `session_id`: `src_name / dest_name`.
    pub fn session_id(&self, s: usize) -> String {
        let [a, b] = self.session_names[s];
        format!(
            "{} / {}",
            self.log.names.resolve(a),
            self.log.names.resolve(b)
        )
    }
}

/// One prediction point: a session, its cutoff time and its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cutoff {
    /// The session index in the [`EntitySet`].
    pub session: u32,
    /// The cutoff time (`secs`).
    pub time: i64,
    /// Whether any observation of the label window is malicious.
    pub label: bool,
}

/// Parameters of [`LabelTimes`]; see the [module docs](self) for the
/// exact index convention. Their serde form (`after_n`, `lead`, `window`,
/// `min_observations`) is part of a fitted pipeline's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelParams {
    after_n: usize,
    lead: usize,
    window: usize,
    min_observations: Option<usize>,
}

impl Default for LabelParams {
    fn default() -> Self {
        LabelParams {
            after_n: 2,
            lead: 2,
            window: 10,
            min_observations: None,
        }
    }
}

/// Cutoff times and labels of the sessions that have enough observations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelTimes {
    /// The cutoffs, sorted by (time, session).
    pub cutoffs: Vec<Cutoff>,
    /// Sessions in the entity set.
    pub sessions: usize,
    /// Sessions left out because they have fewer than `min_observations`
    /// observations.
    pub too_few: usize,
    /// The minimum number of observations that was applied.
    pub min_observations: usize,
}

impl LabelTimes {
    /// The default parameters: N = 2, L = 2, W = 10, at least N+L+2
    /// observations.
    ///
    /// ```
    /// use threatstat_features::entity::{EntitySet, LabelTimes};
    /// use threatstat_features::log::{AuthLog, AuthRow};
    /// let rows: Vec<_> = (0..8).map(|t| AuthRow { secs: t * 10, malicious: t == 4,
    ///     fields: ["U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success"] }).collect();
    /// let es = EntitySet::new(AuthLog::from_rows(&rows));
    /// let lt = LabelTimes::params().generate(&es).unwrap();
    /// assert_eq!(lt.cutoffs.len(), 1);
    /// assert_eq!(lt.cutoffs[0].time, 20);  // observation 2 (0-based)
    /// assert!(lt.cutoffs[0].label);        // observation 4 = N + L is in the window
    /// let lt = LabelTimes::params().lead(3).generate(&es).unwrap();
    /// assert!(!lt.cutoffs[0].label);
    /// let lt = LabelTimes::params().after_n(5).generate(&es).unwrap();
    /// assert_eq!((lt.cutoffs.len(), lt.too_few), (0, 1)); // needs 5 + 2 + 2 = 9 > 8
    /// ```
    pub fn params() -> LabelParams {
        LabelParams::default()
    }

    /// Number of positive cutoffs.
    pub fn n_pos(&self) -> usize {
        self.cutoffs.iter().filter(|c| c.label).count()
    }

    /// Number of negative cutoffs.
    pub fn n_neg(&self) -> usize {
        self.cutoffs.len() - self.n_pos()
    }
}

impl LabelParams {
    /// N: observations before the cutoff (default 2).
    pub fn after_n(mut self, n: usize) -> Self {
        self.after_n = n;
        self
    }
    /// L: lead, observations between the cutoff and the window (default 2).
    pub fn lead(mut self, l: usize) -> Self {
        self.lead = l;
        self
    }
    /// W: observations in the label window (default 10, at least 1).
    pub fn window(mut self, w: usize) -> Self {
        self.window = w;
        self
    }
    /// Minimum observations of a session (default N+L+2, as the demo; at
    /// least N+L+1 so the window is not empty).
    pub fn min_observations(mut self, k: usize) -> Self {
        self.min_observations = Some(k);
        self
    }

    /// When each cutoff's label becomes known, i.e. is determined by what
    /// has been observed: at the first malicious observation of its label
    /// window (positive), else when the window closes, at its last
    /// observation (negative; the session's last observation when the
    /// window runs past it). A model deployed at time t can only have been
    /// trained on labels known before t.
    ///
    /// ```
    /// use threatstat_features::entity::{EntitySet, LabelTimes};
    /// use threatstat_features::log::{AuthLog, AuthRow};
    /// let rows: Vec<_> = (0..20).map(|t| AuthRow { secs: t * 10, malicious: t == 6,
    ///     fields: ["U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success"] }).collect();
    /// let es = EntitySet::new(AuthLog::from_rows(&rows));
    /// let p = LabelTimes::params();
    /// let lt = p.generate(&es).unwrap();
    /// // Cutoff at observation 2, window 4..=13: positive once 6 is seen.
    /// assert_eq!((lt.cutoffs[0].time, p.label_known_at(&es, &lt)[0]), (20, 60));
    /// let lt = p.lead(5).generate(&es).unwrap();
    /// assert_eq!(p.lead(5).label_known_at(&es, &lt)[0], 160); // negative: window 7..=16
    /// ```
    pub fn label_known_at(&self, es: &EntitySet, labels: &LabelTimes) -> Vec<i64> {
        let start = self.after_n + self.lead;
        labels
            .cutoffs
            .iter()
            .map(|c| {
                let rows = es.session_rows(c.session as usize);
                let end = (start + self.window).min(rows.len()).max(1);
                let window = &rows[start.min(end - 1)..end];
                let at = window
                    .iter()
                    .find(|&&r| es.log.label[r as usize])
                    .unwrap_or(&rows[end - 1]);
                es.log.secs[*at as usize]
            })
            .collect()
    }

    /// Computes the cutoffs and labels of `es`.
    pub fn generate(&self, es: &EntitySet) -> Result<LabelTimes, FeaturesError> {
        if self.window == 0 {
            return Err(Error::param("window", 0, "at least 1").into());
        }
        // N + L + W must fit (no wraparound): a session never has more
        // observations than usize::MAX anyway.
        let too_big = || {
            FeaturesError::from(Error::param(
                "after_n + lead + window",
                format!(
                    "{} + {} + {} (overflows)",
                    self.after_n, self.lead, self.window
                ),
                "a sum below the largest usize - 2",
            ))
        };
        let start = self
            .after_n
            .checked_add(self.lead)
            .filter(|s| s.checked_add(self.window).is_some() && *s < usize::MAX - 2)
            .ok_or_else(too_big)?;
        let min = self.min_observations.unwrap_or(start + 2);
        if min < start + 1 {
            return Err(Error::param(
                "min_observations",
                min,
                format!("at least after_n + lead + 1 = {}", start + 1),
            )
            .into());
        }
        let mut cutoffs = Vec::new();
        let mut too_few = 0;
        for s in 0..es.n_sessions() {
            let rows = es.session_rows(s);
            if rows.len() < min {
                too_few += 1;
                continue;
            }
            let end = (start + self.window).min(rows.len());
            cutoffs.push(Cutoff {
                session: s as u32,
                time: es.log.secs[rows[self.after_n] as usize],
                label: rows[start..end].iter().any(|&r| es.log.label[r as usize]),
            });
        }
        cutoffs.sort_by_key(|c| (c.time, c.session));
        Ok(LabelTimes {
            cutoffs,
            sessions: es.n_sessions(),
            too_few,
            min_observations: min,
        })
    }
}
