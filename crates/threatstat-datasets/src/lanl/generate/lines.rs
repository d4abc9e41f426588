//! Lines of `auth.txt` and `flows.txt`: formatting (no allocation per
//! line) and the hour buffers that sort lines by time before writing.
//!
//! # Why a file of its own
//!
//! Files are written hour by hour so that memory does not grow with the
//! data set; the buffers and the byte-level formatting are the hot path of
//! a 10^9-event run and have nothing to do with the model.

use rand_distr::{Distribution, Poisson};
use std::io::Write;
use threatstat_core::rng::SeededRng;

/// One hour of lines of one file, sorted by time before writing.
#[derive(Default)]
pub(super) struct Lines {
    text: Vec<u8>,
    /// (0-based second, start, end) of each line in `text`.
    index: Vec<(u64, usize, usize)>,
}

impl Lines {
    #[inline]
    fn push(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        let start = self.text.len();
        f(&mut self.text);
        self.index.push((s, start, self.text.len()));
    }

    fn write(&mut self, out: &mut impl Write) -> std::io::Result<u64> {
        // Stable: ties keep generation order.
        self.index.sort_by_key(|e| e.0);
        for &(_, a, b) in &self.index {
            out.write_all(&self.text[a..b])?;
        }
        let n = self.index.len() as u64;
        self.text.clear();
        self.index.clear();
        Ok(n)
    }
}

/// The current hour of `auth.txt` and `flows.txt`, and the auth lines
/// (log-offs) that fall in the next hour.
#[derive(Default)]
pub(super) struct Sink {
    pub(super) chunk_end: u64,
    pub(super) auth: Lines,
    pub(super) auth_next: Lines,
    pub(super) flows: Lines,
    pub(super) auth_rows: u64,
    pub(super) flow_rows: u64,
}

impl Sink {
    #[inline]
    pub(super) fn auth(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        if s < self.chunk_end {
            self.auth.push(s, f);
        } else {
            self.auth_next.push(s, f);
        }
    }

    #[inline]
    pub(super) fn flow(&mut self, s: u64, f: impl FnOnce(&mut Vec<u8>)) {
        self.flows.push(s, f);
    }

    /// Writes the hour; the error says which file (`true`: auth).
    pub(super) fn write_hour(
        &mut self,
        auth: &mut impl Write,
        flows: &mut impl Write,
    ) -> Result<(), (bool, std::io::Error)> {
        self.auth_rows += self.auth.write(auth).map_err(|e| (true, e))?;
        self.flow_rows += self.flows.write(flows).map_err(|e| (false, e))?;
        std::mem::swap(&mut self.auth, &mut self.auth_next);
        Ok(())
    }
}

/// A Poisson draw (0 for a zero rate).
#[inline]
pub(super) fn poisson(rng: &mut SeededRng, lambda: f64) -> u64 {
    if lambda > 0.0 {
        Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
    } else {
        0
    }
}

/// Appends one `auth.txt` line (time written 1-based): the time, then
/// source user, destination user, source computer, destination computer,
/// authentication type, logon type, orientation, outcome.
#[inline]
pub(super) fn auth_line(b: &mut Vec<u8>, s: u64, fields: [&[u8]; 8]) {
    push_u64(b, s + 1);
    for f in fields {
        b.push(b',');
        b.extend_from_slice(f);
    }
    b.push(b'\n');
}

#[inline]
pub(super) fn push_u64(b: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_u64_formats() {
        let mut b = Vec::new();
        for v in [0, 7, 10, 12345, u64::MAX] {
            b.clear();
            push_u64(&mut b, v);
            assert_eq!(b, v.to_string().as_bytes());
        }
    }
}
