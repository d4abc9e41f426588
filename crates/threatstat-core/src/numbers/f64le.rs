//! Raw little-endian `f64` input (`--f64le`): the values as NumPy's
//! `x.astype("<f8").tofile(path)` writes them, gzip allowed (detected from
//! the content).
//!
//! The file is read in the reader's buffer-sized pieces straight into the
//! one output vector (allocated once from the file's size), so reading costs
//! one pass and no second copy of the bytes.

use crate::{Error, Location, Result};
use std::io::BufRead;
use std::path::Path;

/// The values of a raw little-endian `f64` file: finite, at least one.
/// Errors name the file and, for a bad value, its 1-based index and byte
/// offset; a size that is not a multiple of 8 bytes is an error.
///
/// ```
/// let path = std::env::temp_dir().join(format!("f64le-doc-{}.f64", std::process::id()));
/// let bytes: Vec<u8> = [1.5f64, -2.0, 1e300].iter().flat_map(|v| v.to_le_bytes()).collect();
/// std::fs::write(&path, bytes).unwrap();
/// let v = threatstat_core::numbers::read_f64le(&path).unwrap();
/// assert_eq!(v, vec![1.5, -2.0, 1e300]);
/// std::fs::write(&path, [0u8; 12]).unwrap();
/// let e = threatstat_core::numbers::read_f64le(&path).unwrap_err();
/// assert!(e.to_string().contains("12 bytes"));
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_f64le(path: &Path) -> Result<Vec<f64>> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut r = crate::reader::open_bytes(path)?;
    // A gzip file holds more values than its size says: the vector grows.
    let mut out: Vec<f64> = Vec::with_capacity(usize::try_from(size / 8).unwrap_or(0));
    let mut carry = [0u8; 8];
    let mut carried = 0usize;
    let mut total = 0u64;
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        total += len as u64;
        let mut rest = buf;
        if carried > 0 {
            let take = (8 - carried).min(rest.len());
            carry[carried..carried + take].copy_from_slice(&rest[..take]);
            carried += take;
            rest = &rest[take..];
            if carried == 8 {
                out.push(f64::from_le_bytes(carry));
                carried = 0;
            }
        }
        let mut chunks = rest.chunks_exact(8);
        out.extend((&mut chunks).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))));
        let tail = chunks.remainder();
        carry[..tail.len()].copy_from_slice(tail);
        carried += tail.len();
        r.consume(len);
    }
    if carried != 0 {
        return Err(Error::parse(
            Location::file(path),
            format!(
                "{total} bytes is not a whole number of little-endian f64 values (8 bytes each)"
            ),
        ));
    }
    if let Some(i) = out.iter().position(|v| !v.is_finite()) {
        let why = if out[i].is_nan() {
            "NaN is not accepted (remove the value)"
        } else {
            "infinite values are not accepted (remove or replace the value)"
        };
        return Err(Error::parse(
            Location::file(path),
            format!("value #{} (byte offset {}): {why}", i + 1, 8 * i),
        ));
    }
    if out.is_empty() {
        return Err(Error::parse(
            Location::file(path),
            "the file holds no values",
        ));
    }
    Ok(out)
}
