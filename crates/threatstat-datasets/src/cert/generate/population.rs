//! The users of a generated file: names, PCs, base rates (Gamma), and
//! who is planted, leaves, or works shifts.
//!
//! # Why a file of its own
//!
//! Who exists is decided once, before any day is simulated. Roles added
//! after the first version (episodes, leavers, shift workers) draw from
//! their own stream, so that files without them are unchanged.

use super::params::LogonGenerator;
use crate::DatasetError;
use rand::RngExt;
use rand_distr::{Distribution, Gamma, Poisson};
use std::collections::HashSet;
use threatstat_core::rng::SeededRng;

/// Mixed into the seed of the stream that picks user roles (leavers,
/// shift workers, episode lengths), so that files without them are
/// unchanged.
const MIX_STREAM: u64 = 0xD1B5_4A32_D192_ED03;

/// A user of the generated file.
pub(super) struct User {
    pub(super) name: String,
    pub(super) pc: u32,
    pub(super) weekday: Option<Poisson<f64>>,
    pub(super) weekend: Option<Poisson<f64>>,
    pub(super) change_day: Option<i64>,
    /// Last day of the planted change (inclusive) for episodes.
    pub(super) end_day: Option<i64>,
    /// First day without any activity (leavers).
    pub(super) leave_day: Option<i64>,
    /// Rate of ordinary logons on weekdays (for organisation events).
    pub(super) rate: f64,
    pub(super) shift: bool,
    pub(super) extra_logons: u64,
}

impl LogonGenerator {
    /// Users with names, PCs, rates and (for planted ones) change days.
    pub(super) fn make_users(&self, rng: &mut SeededRng) -> Result<Vec<User>, DatasetError> {
        let gamma = Gamma::new(self.rate_shape, self.rate_mean / self.rate_shape).map_err(|e| {
            threatstat_core::Error::param(
                "rate_shape",
                self.rate_shape,
                format!(
                    "a shape that with rate_mean {} gives a Gamma distribution ({e})",
                    self.rate_mean
                ),
            )
        })?;
        let mut seen = HashSet::with_capacity(self.users);
        let mut users = Vec::with_capacity(self.users);
        for _ in 0..self.users {
            let name = loop {
                let mut s = String::with_capacity(7);
                for _ in 0..3 {
                    s.push(char::from(b'A' + rng.random_range(0..26u8)));
                }
                s.push_str(&format!("{:04}", rng.random_range(0..10_000u32)));
                if seen.insert(s.clone()) {
                    break s;
                }
            };
            let rate: f64 = gamma.sample(rng);
            let poisson = |lambda: f64| (lambda > 0.0).then(|| Poisson::new(lambda).ok()).flatten();
            users.push(User {
                name,
                pc: rng.random_range(0..10_000),
                weekday: poisson(rate),
                weekend: poisson(rate * self.weekend_factor),
                change_day: None,
                end_day: None,
                leave_day: None,
                rate,
                shift: false,
                extra_logons: 0,
            });
        }
        let days = i64::from(self.days);
        let (a, b) = self.change_window;
        let lo = ((a * days as f64).floor() as i64).clamp(1, days - 1);
        let hi = ((b * days as f64).floor() as i64).clamp(lo, days - 1);
        for i in rand::seq::index::sample(rng, self.users, self.planted) {
            users[i].change_day = Some(self.start_day + rng.random_range(lo..=hi));
        }
        if self.episode_days.is_some() || self.leavers > 0 || self.shift_workers > 0 {
            let mut mix = threatstat_core::rng::seeded(self.seed ^ MIX_STREAM);
            if let Some((min, max)) = self.episode_days {
                for u in users.iter_mut() {
                    if let Some(c) = u.change_day {
                        let len = i64::from(mix.random_range(min..=max));
                        u.end_day = Some((c + len - 1).min(self.start_day + days - 1));
                    }
                }
            }
            let others: Vec<usize> = (0..self.users)
                .filter(|&i| users[i].change_day.is_none())
                .collect();
            let picked =
                rand::seq::index::sample(&mut mix, others.len(), self.leavers + self.shift_workers);
            for (k, j) in picked.into_iter().enumerate() {
                let u = &mut users[others[j]];
                if k < self.leavers {
                    u.leave_day = Some(self.start_day + mix.random_range(lo..=hi));
                } else {
                    u.shift = true;
                }
            }
        }
        Ok(users)
    }
}
