//! Rows of `logon.csv`: CERT's date format, PC names and row ids,
//! formatted without allocating per row.
//!
//! # Why a file of its own
//!
//! The byte layout is CERT's, checked by the loader's tests, and is the
//! hot path of large files; it has nothing to do with the model.

use super::population::User;
use super::simulate::Event;
use rand::RngExt;
use std::io::Write;
use threatstat_core::rng::SeededRng;
use threatstat_core::time::civil_from_days;

/// Writes a day's sorted events as rows; with `ids`, each row starts with
/// an id drawn from that stream.
pub(super) fn write_day(
    out: &mut impl Write,
    line: &mut Vec<u8>,
    day: i64,
    events: &[Event],
    users: &[User],
    mut ids: Option<&mut SeededRng>,
) -> std::io::Result<()> {
    let (y, m, d) = civil_from_days(day);
    let date = format!("{m:02}/{d:02}/{y:04} ");
    for e in events {
        line.clear();
        if let Some(rng) = ids.as_deref_mut() {
            push_id(line, rng);
            line.push(b',');
        }
        line.extend_from_slice(date.as_bytes());
        push_2(line, e.second / 3600);
        line.push(b':');
        push_2(line, (e.second / 60) % 60);
        line.push(b':');
        push_2(line, e.second % 60);
        line.push(b',');
        line.extend_from_slice(users[e.user as usize].name.as_bytes());
        line.extend_from_slice(b",PC-");
        push_2(line, e.pc / 100);
        push_2(line, e.pc % 100);
        line.extend_from_slice(if e.logon { b",Logon\n" } else { b",Logoff\n" });
        out.write_all(line)?;
    }
    Ok(())
}

/// Two decimal digits of `v` (< 100).
fn push_2(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

/// A CERT-style row id, `{XXXX-XXXXXXXX-XXXXXXXX}` over `0-9A-Z`.
fn push_id(buf: &mut Vec<u8>, rng: &mut SeededRng) {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const POW10: u64 = 36u64.pow(10);
    let mut chars = [0u8; 20];
    for half in chars.chunks_mut(10) {
        let mut v = rng.random_range(0..POW10);
        for c in half {
            *c = ALPHABET[(v % 36) as usize];
            v /= 36;
        }
    }
    buf.push(b'{');
    buf.extend_from_slice(&chars[..4]);
    buf.push(b'-');
    buf.extend_from_slice(&chars[4..12]);
    buf.push(b'-');
    buf.extend_from_slice(&chars[12..]);
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_cert_shape() {
        let mut rng = threatstat_core::rng::seeded(1);
        let mut b = Vec::new();
        push_id(&mut b, &mut rng);
        let s = String::from_utf8(b).unwrap();
        assert_eq!(s.len(), 24);
        let parts: Vec<&str> = s.trim_matches(['{', '}']).split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 8, 8]);
        assert!(parts.iter().all(|p| {
            p.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }));
    }
}
