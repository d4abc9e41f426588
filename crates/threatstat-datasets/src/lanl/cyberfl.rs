//! Authentication lines in the format of the featuretools demo's
//! `CyberFLTenDays.csv`, labelled from the planted red-team activity.
//!
//! The demo's file has the header
//! `secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label`
//! and one LANL `auth.txt` event per line; `label` is `N` (normal) or `A`
//! (attack: the event is in LANL's `redteam.txt`). The demo then kept every
//! `A` line and a random sample of 100,000 `N` lines before building its
//! sessions; [`CyberFlOptions::benign_keep`] does the same thinning here, so
//! a session's first observations are a sample of its activity and sessions
//! touched by the red team are not drowned in their benign history.

use super::generate::LanlGenerator;
use crate::DatasetError;
use rand::RngExt;
use std::collections::HashSet;
use std::io::Write;
use threatstat_core::rng::SeededRng;

/// The header of a `CyberFLTenDays.csv`-style file.
pub const CYBERFL_HEADER: &str =
    "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label";

/// How [`LanlGenerator::write_cyberfl`] thins and labels the auth lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CyberFlOptions {
    /// Probability of keeping a benign (`N`) line; `A` lines are always kept
    /// (default 1: keep everything).
    pub benign_keep: f64,
    /// Seed of the thinning and of the precursor times (default 0).
    pub seed: u64,
    /// Failed-logon precursors per compromised user (default 0: none).
    pub precursors: u32,
    /// Seconds before a user's first red-team row in which its precursors
    /// fall, uniformly (default 21,600: six hours).
    pub precursor_window: u64,
}

impl Default for CyberFlOptions {
    fn default() -> Self {
        CyberFlOptions {
            benign_keep: 1.0,
            seed: 0,
            precursors: 0,
            precursor_window: 21_600,
        }
    }
}

/// What [`LanlGenerator::write_cyberfl`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CyberFlSummary {
    /// Auth lines the generator produced.
    pub generated: u64,
    /// Lines written (after thinning), without the header.
    pub written: u64,
    /// Lines written with label `A`.
    pub malicious: u64,
    /// Precursor lines written (label `N`).
    pub precursors: u64,
}

impl LanlGenerator {
    /// Writes the generator's `auth.txt` events as a `CyberFLTenDays.csv`
    /// file (header [`CYBERFL_HEADER`]), labelling `A` the events of the
    /// planted red-team rows (same time, user, source and destination
    /// computer) and `N` the rest, keeping each `N` line with probability
    /// `opts.benign_keep`. Flows are generated and discarded.
    ///
    /// ```
    /// use threatstat_datasets::lanl::{CyberFlOptions, LanlGenerator};
    /// let mut out = Vec::new();
    /// let s = LanlGenerator::new().users(20).days(3).seed(1)
    ///     .write_cyberfl(&mut out, CyberFlOptions::default()).unwrap();
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("secs,src_name,dest_name,"));
    /// assert_eq!(text.lines().count() as u64, s.written + 1);
    /// assert_eq!(s.generated, s.written);
    /// assert!(s.malicious > 0);
    /// assert_eq!(text.lines().filter(|l| l.ends_with(",A")).count() as u64, s.malicious);
    /// ```
    pub fn write_cyberfl(
        &self,
        out: impl Write,
        opts: CyberFlOptions,
    ) -> Result<CyberFlSummary, DatasetError> {
        if !(0.0..=1.0).contains(&opts.benign_keep) {
            return Err(threatstat_core::Error::param(
                "benign_keep",
                opts.benign_keep,
                "a probability in [0, 1]",
            )
            .into());
        }
        let werr = |e| DatasetError::Write {
            target: "CyberFL auth lines".into(),
            source: e,
        };
        let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
        writeln!(out, "{CYBERFL_HEADER}").map_err(werr)?;
        let days = self.days_value();
        let rt = self.redteam_value().until(u64::from(days) * 86_400);
        let attacks: HashSet<String> = rt
            .rows()
            .iter()
            .map(|r| {
                format!(
                    "{},{},{},{},{}",
                    r.time, r.user, r.user, r.src_computer, r.dst_computer
                )
            })
            .collect();
        let mut rng = threatstat_core::rng::seeded(opts.seed);
        // Precursors: (time, line) sorted by time; times are 1-based like
        // the file's and at least 1.
        let mut firsts: Vec<(&str, u64, &str, &str)> = Vec::new();
        for r in rt.rows() {
            match firsts.iter_mut().find(|f| f.0 == r.user) {
                Some(f) if r.time < f.1 => *f = (&r.user, r.time, &r.src_computer, &r.dst_computer),
                Some(_) => {}
                None => firsts.push((&r.user, r.time, &r.src_computer, &r.dst_computer)),
            }
        }
        let mut precursors: Vec<(u64, String)> = Vec::new();
        for (user, first, src, dst) in firsts {
            for _ in 0..opts.precursors {
                let back = rng.random_range(1..=opts.precursor_window.max(1));
                let t = first.saturating_sub(back).max(1);
                precursors.push((
                    t,
                    format!("{t},{user},{user},{src},{dst},NTLM,Network,LogOn,Fail,N\n"),
                ));
            }
        }
        precursors.sort();
        precursors.reverse(); // popped from the end, earliest first
        let mut conv = Converter {
            out,
            pending: Vec::new(),
            attacks,
            precursors,
            rng,
            keep: opts.benign_keep,
            summary: CyberFlSummary::default(),
        };
        self.generate(&mut conv, std::io::sink(), std::io::sink())?;
        conv.flush_lines().map_err(werr)?;
        conv.write_precursors(u64::MAX).map_err(werr)?;
        conv.out.flush().map_err(werr)?;
        Ok(conv.summary)
    }
}

/// A `Write` that receives `auth.txt` text and writes labelled lines.
struct Converter<W: Write> {
    out: W,
    pending: Vec<u8>,
    attacks: HashSet<String>,
    precursors: Vec<(u64, String)>,
    rng: SeededRng,
    keep: f64,
    summary: CyberFlSummary,
}

impl<W: Write> Converter<W> {
    /// Writes the precursors at or before time `t`.
    fn write_precursors(&mut self, t: u64) -> std::io::Result<()> {
        while self.precursors.last().is_some_and(|p| p.0 <= t) {
            let (_, line) = self.precursors.pop().expect("checked");
            self.out.write_all(line.as_bytes())?;
            self.summary.written += 1;
            self.summary.precursors += 1;
        }
        Ok(())
    }

    fn flush_lines(&mut self) -> std::io::Result<()> {
        let mut start = 0;
        while let Some(nl) = self.pending[start..].iter().position(|&b| b == b'\n') {
            let line = self.pending[start..start + nl].to_vec();
            start += nl + 1;
            if line.is_empty() {
                continue;
            }
            self.summary.generated += 1;
            let text = String::from_utf8_lossy(&line).into_owned();
            // The red-team key is the first five fields.
            let key_end = text
                .match_indices(',')
                .nth(4)
                .map_or(text.len(), |(i, _)| i);
            let attack = self.attacks.contains(&text[..key_end]);
            if !attack && self.keep < 1.0 && !self.rng.random_bool(self.keep) {
                continue;
            }
            let time = text[..text.find(',').unwrap_or(0)].parse().unwrap_or(0);
            self.write_precursors(time)?;
            self.out.write_all(&line)?;
            self.out.write_all(if attack { b",A\n" } else { b",N\n" })?;
            self.summary.written += 1;
            self.summary.malicious += u64::from(attack);
        }
        self.pending.drain(..start);
        Ok(())
    }
}

impl<W: Write> Write for Converter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() > 1 << 16 {
            self.flush_lines()?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_lines()?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_every_attack_and_is_seeded() {
        let g = LanlGenerator::new().users(30).days(4).seed(2);
        let all = g
            .write_cyberfl(Vec::new(), CyberFlOptions::default())
            .unwrap();
        let opts = CyberFlOptions {
            benign_keep: 0.1,
            seed: 5,
            ..CyberFlOptions::default()
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let s1 = g.write_cyberfl(&mut a, opts).unwrap();
        let s2 = g.write_cyberfl(&mut b, opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(s1, s2);
        assert_eq!(s1.malicious, all.malicious);
        assert!(s1.written < all.written / 5, "{s1:?} {all:?}");
        let e = g
            .write_cyberfl(
                Vec::new(),
                CyberFlOptions {
                    benign_keep: 1.5,
                    ..CyberFlOptions::default()
                },
            )
            .unwrap_err();
        assert!(e.to_string().contains("benign_keep"), "{e}");
    }

    #[test]
    fn precursors_are_failed_logons_before_the_first_attack_in_time_order() {
        let g = LanlGenerator::new().users(30).days(4).seed(2);
        let opts = CyberFlOptions {
            precursors: 3,
            ..CyberFlOptions::default()
        };
        let mut out = Vec::new();
        let s = g.write_cyberfl(&mut out, opts).unwrap();
        let text = String::from_utf8(out).unwrap();
        let times: Vec<u64> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let rt = g.redteam_value().until(4 * 86_400);
        assert_eq!(s.precursors, 3 * rt.users().len() as u64);
        for user in rt.users() {
            let first = rt.first_time(user).unwrap();
            let row = rt
                .rows()
                .iter()
                .find(|r| r.user == user && r.time == first)
                .unwrap();
            let tail = format!(
                ",{user},{user},{},{},NTLM,Network,LogOn,Fail,N",
                row.src_computer, row.dst_computer
            );
            let n = text
                .lines()
                .filter(|l| l.ends_with(&tail))
                .filter(|l| {
                    let t: u64 = l.split(',').next().unwrap().parse().unwrap();
                    t < first && t + 21_600 >= first
                })
                .count();
            assert!(n >= 3, "{user}: {n}");
        }
    }
}
