//! Reading a sessions JSON Lines file in parallel blocks.
//!
//! The file is read in blocks of [`BLOCK`] bytes (gzip and a byte-order
//! mark handled by `threatstat_core::reader::open`); while one block is
//! parsed the next is read. A block is cut at line ends into chunks parsed
//! in parallel (rayon), each into a [`SessionSet`] of its own by the fast
//! scanner (`scan`), a line the scanner gives up on being read by the
//! general reader (`serde_json`, `io::read_session`) with the same result
//! or error. The chunks are then appended in file order: strings are
//! interned in the order a sequential read would meet them, so ids, fitted
//! counts and scores are those of a line-by-line read, and errors (line
//! numbers made global) are reported, or skipped and counted, in file
//! order.

use crate::MarkovError;
use crate::io::{Fields, SessionFile, SessionMeta, read_session};
use crate::scan::{Fallback, Need, Scratch, read_line};
use crate::session::SessionSet;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;
use threatstat_core::{BadRowPolicy, Error, Location, SkipReport};

/// Bytes read per block (a line longer than this grows the block).
const BLOCK: usize = 8 << 20;

/// Bytes per chunk parsed by one task.
const CHUNK: usize = 512 << 10;

/// What one chunk of lines gave.
struct ChunkOut {
    set: SessionSet,
    meta: Vec<SessionMeta>,
    /// Indices into `meta` of sessions without a `session_id`: theirs is
    /// their row within the chunk until the chunk is placed.
    unnumbered: Vec<usize>,
    /// Bad lines, with line numbers within the chunk, in order.
    errors: Vec<Error>,
    /// Lines (blank ones included) and non-blank lines read.
    lines: u64,
    rows: u64,
}

/// Reads `path` taking from each event what `need` says (see
/// `io::read_sessions_jsonl_for`).
pub(crate) fn read(
    path: &Path,
    policy: BadRowPolicy,
    need: Need,
) -> Result<(SessionFile, SkipReport), MarkovError> {
    read_sized(path, policy, need, BLOCK, CHUNK)
}

/// [`read`] in blocks of `block` bytes and chunks of `chunk` bytes.
fn read_sized(
    path: &Path,
    policy: BadRowPolicy,
    need: Need,
    block: usize,
    chunk: usize,
) -> Result<(SessionFile, SkipReport), MarkovError> {
    let mut reader = threatstat_core::reader::open(path)?;
    let mut set = SessionSet::new();
    let mut meta = Vec::new();
    let mut skips = SkipReport::default();
    let (mut line0, mut row0) = (0u64, 0u64);
    // The file's size (compressed, for gzip) sizes the first buffers.
    let mut left = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    let mut buf = Vec::new();
    // The next block is read into `spare` while `buf` is parsed; the two
    // are swapped and reused (fresh pages cost a fault each).
    let mut spare = Vec::new();
    let mut eof = fill(path, &mut reader, &mut buf, block, &mut left)?;
    loop {
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        if cut == 0 && !eof {
            // One line longer than a block.
            eof = fill(path, &mut reader, &mut buf, block, &mut left)?;
            continue;
        }
        spare.clear();
        spare.extend_from_slice(&buf[cut..]);
        let this = &buf[..cut];
        let (chunks, read) = rayon::join(
            || parse_block(path, this, need, chunk),
            || {
                if eof {
                    Ok(true)
                } else {
                    fill(path, &mut reader, &mut spare, block, &mut left)
                }
            },
        );
        for mut c in chunks {
            for mut e in c.errors {
                if let Error::Parse { location, .. } = &mut e
                    && let Some(l) = &mut location.line
                {
                    *l += line0;
                }
                if let Err(e) = skips.handle(policy, e) {
                    return Err(e.into());
                }
            }
            for &i in &c.unnumbered {
                c.meta[i].session_id += row0;
            }
            meta.append(&mut c.meta);
            set.append(c.set);
            line0 += c.lines;
            row0 += c.rows;
        }
        if eof {
            break;
        }
        eof = read?;
        std::mem::swap(&mut buf, &mut spare);
    }
    Ok((
        SessionFile {
            meta,
            sessions: set,
        },
        skips,
    ))
}

/// Appends up to `want` bytes from `r` to `buf` (reserving no more than
/// `*left`, the bytes the file is expected still to hold, so that a small
/// file costs no large buffer); true at the end of the file.
fn fill(
    path: &Path,
    r: &mut impl Read,
    buf: &mut Vec<u8>,
    want: usize,
    left: &mut usize,
) -> Result<bool, Error> {
    buf.reserve(want.min(*left + 1));
    let n = r
        .take(want as u64)
        .read_to_end(buf)
        .map_err(|e| Error::io(path, e))?;
    *left = left.saturating_sub(n);
    Ok(n < want)
}

/// Parses whole lines `bytes` in parallel chunks, returned in order.
fn parse_block(path: &Path, bytes: &[u8], need: Need, chunk: usize) -> Vec<ChunkOut> {
    let mut bounds = vec![0];
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + chunk).min(bytes.len());
        at = match memchr::memchr(b'\n', &bytes[end..]) {
            Some(i) => end + i + 1,
            None => bytes.len(),
        };
        bounds.push(at);
    }
    bounds
        .par_windows(2)
        .map(|w| parse_chunk(path, &bytes[w[0]..w[1]], need))
        .collect()
}

/// Parses whole lines `bytes` (line numbers from 1).
fn parse_chunk(path: &Path, bytes: &[u8], need: Need) -> ChunkOut {
    let mut out = ChunkOut {
        set: SessionSet::new(),
        meta: Vec::new(),
        unnumbered: Vec::new(),
        errors: Vec::new(),
        lines: 0,
        rows: 0,
    };
    // Checked once for the chunk; line by line only when it is not UTF-8.
    let text = std::str::from_utf8(bytes).ok();
    let mut scratch = Scratch::default();
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        pos = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i + 1);
        let raw = &bytes[start..pos];
        out.lines += 1;
        let body = raw.strip_suffix(b"\n").unwrap_or(raw);
        if body.first() != Some(&b'{') && raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let row = out.rows;
        out.rows += 1;
        let line = match text {
            Some(t) => Some(&t[start..start + body.len()]),
            None => std::str::from_utf8(body).ok(),
        };
        let fast = line
            .ok_or(Fallback)
            .and_then(|l| read_line(l, need, &mut out.set, &mut scratch));
        let (id, mut m) = match fast {
            Ok(x) => x,
            Err(Fallback) => {
                out.set.discard_open();
                match general_line(path, out.lines, raw, &mut out.set) {
                    Ok(x) => x,
                    Err(e) => {
                        out.set.discard_open();
                        out.errors.push(e);
                        continue;
                    }
                }
            }
        };
        match id {
            Some(id) => m.session_id = id,
            None => {
                m.session_id = row;
                out.unnumbered.push(out.meta.len());
            }
        }
        out.meta.push(m);
    }
    out
}

/// Reads line `line` (`raw`, with its line end) the general way: the
/// session's id (when given) and metadata, or the error.
fn general_line(
    path: &Path,
    line: u64,
    raw: &[u8],
    set: &mut SessionSet,
) -> Result<(Option<u64>, SessionMeta), Error> {
    let obj: Fields = serde_json::from_slice(raw).map_err(|e| {
        Error::parse(
            Location::file(path).at_line(line),
            format!("invalid JSON: {e}"),
        )
    })?;
    let given = obj.get("session_id").is_some();
    let m = read_session(path, line, &obj, 0, set)?;
    Ok((given.then_some(m.session_id), m))
}

#[cfg(test)]
mod tests;
