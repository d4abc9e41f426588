//! The generated world: computers (servers, homes), users (red-team users
//! with their real names and homes taken from the red-team file, then
//! others), each user's byte medians; and the truth it ends with.
//!
//! # Why a file of its own
//!
//! Who exists and where they sit is decided once, before any event, and
//! has rules of its own (homes unique, red-team homes from the file, no
//! name of the red-team file reused); the events (`events`) only read it
//! and count.

use super::PORTS;
use super::params::LanlGenerator;
use super::truth::{CompromisedUser, LANL_TRUTH_FORMAT, LANL_TRUTH_VERSION, LanlTruth, UserTruth};
use crate::lanl::redteam::RedTeam;
use rand::RngExt;
use rand_distr::StandardNormal;
use std::collections::{BTreeSet, HashSet};
use threatstat_core::rng::SeededRng;

/// A user of the generated world.
pub(super) struct User {
    pub(super) name: String,
    pub(super) home: usize,
    /// 0-based second of the first red-team row, for compromised users.
    pub(super) compromise: Option<u64>,
    pub(super) up_mu: f64,
    pub(super) down_mu: f64,
    pub(super) home_logons: u64,
    pub(super) uploads_before: u64,
    pub(super) uploads_after: u64,
}

/// Users, computers and the per-event generators.
pub(super) struct World {
    pub(super) users: Vec<User>,
    /// Computer names (`C12`); servers are `0..n_servers`.
    pub(super) computers: Vec<String>,
    /// Computer accounts (`C12$@DOM1`), same indices.
    pub(super) accounts: Vec<String>,
    pub(super) n_servers: usize,
    pub(super) flow_sigma: f64,
    pub(super) port_cdf: [f64; PORTS.len()],
}

impl World {
    pub(super) fn new(g: &LanlGenerator, rt: &RedTeam, rng: &mut SeededRng) -> World {
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
}

impl World {
    pub(super) fn truth(
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

#[cfg(test)]
mod tests {
    use super::*;

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
