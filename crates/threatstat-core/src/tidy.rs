//! Fields of tidy CSV tables, written straight to a writer (no allocation
//! per field): the output tables of `markov score`, `kde --table` and the
//! others share one number and one quoting rule.
//!
//! * numbers: the shortest decimal that reads back to the same `f64`,
//!   positional from 1e-4 to 1e16 and `{:e}` outside (`1.5e-5`), so
//!   pandas, R and Rust all parse them; NaN is an empty field (pandas reads
//!   it as NaN);
//! * text: as is, or quoted (inner quotes doubled) when it holds a comma,
//!   a quote, a line break, or leading or trailing blanks.
//!
//! ```
//! use threatstat_core::tidy::{write_field, write_number};
//! let mut v = Vec::new();
//! write_number(&mut v, 1.5e-5).unwrap();
//! v.push(b',');
//! write_field(&mut v, "a,b").unwrap();
//! assert_eq!(v, b"1.5e-5,\"a,b\"");
//! ```

use std::io::Write;

/// Writes `x` as the shortest decimal that reads back to it (empty for
/// NaN); see the module docs.
pub fn write_number(w: &mut impl Write, x: f64) -> std::io::Result<()> {
    if x.is_nan() {
        return Ok(());
    }
    let a = x.abs();
    if a == 0.0 || (1e-4..1e16).contains(&a) {
        write!(w, "{x}")
    } else {
        write!(w, "{x:e}")
    }
}

/// Writes a text field, quoted only when it must be.
pub fn write_field(w: &mut impl Write, s: &str) -> std::io::Result<()> {
    let special = |b: u8| matches!(b, b',' | b'"' | b'\n' | b'\r');
    let padded = s.starts_with(' ') || s.ends_with(' ');
    if !padded && !s.bytes().any(special) {
        return w.write_all(s.as_bytes());
    }
    w.write_all(b"\"")?;
    for (k, part) in s.split('"').enumerate() {
        if k > 0 {
            w.write_all(b"\"\"")?;
        }
        w.write_all(part.as_bytes())?;
    }
    w.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut v = Vec::new();
        f(&mut v).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn numbers_read_back_exactly() {
        for x in [
            0.04696207067845109,
            1.5e-5,
            1e-300,
            -3.25,
            0.0,
            1e20,
            123.0,
            -2e-7,
        ] {
            let s = text(|w| write_number(w, x));
            assert_eq!(s.parse::<f64>().unwrap(), x, "{s}");
        }
        assert_eq!(text(|w| write_number(w, 1.5e-5)), "1.5e-5");
        assert_eq!(text(|w| write_number(w, 0.25)), "0.25");
        assert_eq!(text(|w| write_number(w, f64::NAN)), "");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(text(|w| write_field(w, "Set-User")), "Set-User");
        assert_eq!(text(|w| write_field(w, "a,b")), "\"a,b\"");
        assert_eq!(text(|w| write_field(w, "say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(text(|w| write_field(w, " x")), "\" x\"");
    }
}
