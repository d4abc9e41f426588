//! The simulation: [`LanlGenerator::generate`] and the hour-by-hour loop
//! that writes the three files in time order.
//!
//! # Why a file of its own
//!
//! The loop fixes the order of every random draw (days, then hours; the
//! red team's rows, the servers, then each user's session) and the
//! memory bound (one hour of lines at a time, see `lines`). The world it
//! draws from is built in `world`; the events themselves are in `events`.

use super::lines::{Sink, auth_line, poisson};
use super::params::{CheckedLanlGenerator, LanlGenerator};
use super::truth::LanlTruth;
use super::world::World;
use super::{DAY, HOUR, NET, OK, ON};
use crate::DatasetError;
use crate::lanl::redteam::RedTeamRow;
use rand::RngExt;
use std::io::{BufWriter, Write};
use threatstat_core::ParamGuard;
use threatstat_core::rng::SeededRng;

/// Probability that a user is active on a weekday / on a weekend day.
const ACTIVE_WEEKDAY: f64 = 0.9;
const ACTIVE_WEEKEND: f64 = 0.15;

impl LanlGenerator {
    /// Checks the parameters ([`ParamGuard::check`]), then
    /// [`CheckedLanlGenerator::generate`].
    pub fn generate(
        &self,
        auth: impl Write,
        flows: impl Write,
        redteam: impl Write,
    ) -> Result<LanlTruth, DatasetError> {
        self.check()?.generate(auth, flows, redteam)
    }
}

impl CheckedLanlGenerator {
    /// Writes `auth.txt` to `auth`, `flows.txt` to `flows` and
    /// `redteam.txt` to `redteam`, and returns the ground truth.
    ///
    /// ```
    /// use threatstat_core::ParamGuard;
    /// use threatstat_datasets::lanl::LanlGenerator;
    /// let g = LanlGenerator::new().users(5).days(2).check().unwrap();
    /// let (mut auth, mut flows, mut rt) = (Vec::new(), Vec::new(), Vec::new());
    /// let truth = g.generate(&mut auth, &mut flows, &mut rt).unwrap();
    /// assert_eq!(truth.params, *g.params());
    /// ```
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

    pub(super) fn generate_to(
        &self,
        (auth, auth_name): (impl Write, &str),
        (flows, flows_name): (impl Write, &str),
        (redteam, redteam_name): (impl Write, &str),
    ) -> Result<LanlTruth, DatasetError> {
        let g = self.params();
        let werr = |name: &str| {
            let name = name.to_string();
            move |e| DatasetError::Write {
                target: name.clone(),
                source: e,
            }
        };
        let last_time = u64::from(g.days) * DAY;
        let rt = g.redteam.until(last_time);
        let mut rng = threatstat_core::rng::seeded(g.seed);
        let mut w = World::new(g, &rt, &mut rng);

        let mut auth = BufWriter::with_capacity(1 << 20, auth);
        let mut flows = BufWriter::with_capacity(1 << 20, flows);
        let mut sink = Sink::default();

        // Red-team rows by time (stable), as 0-based seconds.
        let mut rt_rows: Vec<&RedTeamRow> = rt.rows().iter().collect();
        rt_rows.sort_by_key(|r| r.time);
        let mut rt_next = 0;

        let ln_effect = g.upload_effect.ln();
        let n_users = w.users.len();
        let mut session = vec![(0u64, 0u64); n_users];
        for day in 0..u64::from(g.days) {
            day_sessions(&mut rng, day, &mut session);
            for hour in 0..24 {
                let cs = day * DAY + hour * HOUR;
                sink.chunk_end = cs + HOUR;
                red_team_hour(&rt_rows, &mut rt_next, &mut sink);
                w.servers_hour(
                    &mut rng,
                    &mut sink,
                    cs,
                    (g.server_auth_per_hour, g.server_flows_per_hour),
                );
                g.users_hour(&mut w, &mut rng, &mut sink, &session, cs, ln_effect);
                sink.write_hour(&mut auth, &mut flows)
                    .map_err(|(which, e)| werr(if which { auth_name } else { flows_name })(e))?;
            }
        }
        auth.flush().map_err(werr(auth_name))?;
        flows.flush().map_err(werr(flows_name))?;
        let mut redteam = BufWriter::new(redteam);
        rt.write(&mut redteam).map_err(werr(redteam_name))?;
        redteam.flush().map_err(werr(redteam_name))?;

        Ok(w.truth(g, &rt, sink.auth_rows, sink.flow_rows, last_time))
    }
}

impl LanlGenerator {
    /// The users' events in hour `[cs, cs + 3600)`: the part of each
    /// session that falls in it (log-on, Poisson numbers of auth events and
    /// flows in proportion, log-off).
    fn users_hour(
        &self,
        w: &mut World,
        rng: &mut SeededRng,
        sink: &mut Sink,
        session: &[(u64, u64)],
        cs: u64,
        ln_effect: f64,
    ) {
        let ce = cs + HOUR;
        for (u, &(start, end)) in session.iter().enumerate() {
            if end <= cs || start >= ce {
                continue;
            }
            let (lo, hi) = (start.max(cs), end.min(ce));
            let frac = (hi - lo) as f64 / (end - start) as f64;
            if (cs..ce).contains(&start) {
                w.session_logon(rng, sink, u, start);
            }
            let n_auth = poisson(rng, self.auth_per_user_day * frac);
            for _ in 0..n_auth {
                let s = rng.random_range(lo..hi);
                w.user_auth(rng, sink, u, s);
            }
            let n_flows = poisson(rng, self.flows_per_user_day * frac);
            for _ in 0..n_flows {
                let s = rng.random_range(lo..hi);
                w.user_flow(rng, sink, u, s, ln_effect);
            }
            if (cs..ce).contains(&end) {
                w.session_logoff(sink, u, end);
            }
        }
    }
}

/// Draws each user's session of `day` (start 07:00–10:00, 6–10 hours),
/// or `(0, 0)` for a user not active that day.
fn day_sessions(rng: &mut SeededRng, day: u64, session: &mut [(u64, u64)]) {
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
}

/// The red team's rows before the end of the sink's hour, as `auth.txt`
/// lines at their own times; `next` is the first row not yet written.
fn red_team_hour(rows: &[&RedTeamRow], next: &mut usize, sink: &mut Sink) {
    while *next < rows.len() && rows[*next].time.saturating_sub(1) < sink.chunk_end {
        let r = rows[*next];
        let s = r.time.saturating_sub(1);
        let (u, src, dst) = (
            r.user.as_bytes(),
            r.src_computer.as_bytes(),
            r.dst_computer.as_bytes(),
        );
        sink.auth(s, |b| {
            auth_line(b, s, [u, u, src, dst, b"NTLM", NET, ON, OK])
        });
        *next += 1;
    }
}
