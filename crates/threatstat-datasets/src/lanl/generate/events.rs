//! The events: a session's log-on and log-off, a user's other
//! authentication events and flows, the servers' own traffic, each as
//! LANL lines.
//!
//! # Why a file of its own
//!
//! The mix of event kinds and their probabilities is the part of the model
//! most likely to be tuned (see the list in [`LanlGenerator`]'s doc); it
//! is written here in one place, in the order of the draws.
//!
//! [`LanlGenerator`]: super::LanlGenerator

use super::lines::{Sink, auth_line, poisson, push_u64};
use super::world::World;
use super::{HOUR, INTER, KERB, NEGO, NET, OFF, OK, ON, PORTS, Q};
use rand::RngExt;
use rand_distr::StandardNormal;
use threatstat_core::rng::SeededRng;

impl World {
    fn server(&self, rng: &mut SeededRng) -> usize {
        rng.random_range(0..self.n_servers)
    }

    pub(super) fn session_logon(&mut self, rng: &mut SeededRng, sink: &mut Sink, u: usize, s: u64) {
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

    pub(super) fn session_logoff(&self, sink: &mut Sink, u: usize, s: u64) {
        let user = &self.users[u];
        let (name, home) = (user.name.as_bytes(), self.computers[user.home].as_bytes());
        sink.auth(s, |b| {
            auth_line(b, s, [name, name, home, home, Q, INTER, OFF, OK])
        });
    }

    pub(super) fn user_auth(&self, rng: &mut SeededRng, sink: &mut Sink, u: usize, s: u64) {
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

    pub(super) fn user_flow(
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
    pub(super) fn servers_hour(
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
}
