//! Standard output that never panics and says when the reader went away.
//!
//! `println!` panics when standard output fails ("failed printing to
//! stdout: Broken pipe" after `| head`, "No space left on device" for
//! `>/dev/full`). Every result a command prints goes through [`stdout`]
//! instead: a failed write is an ordinary [`std::io::Error`] whose message
//! starts with `writing standard output:`, and a closed pipe (`EPIPE`) is
//! also recorded, so that the program can end quietly after
//! [`closed`] says the reader has gone (the reader asked for no more; that is
//! not an error to report).
//!
//! ```
//! use std::io::Write;
//! let mut out = threatstat_core::stdout::stdout();
//! writeln!(out, "{{\"n\": 3}}").unwrap();
//! out.flush().unwrap();
//! assert!(!threatstat_core::stdout::closed());
//! ```

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output whose errors name it and record a closed pipe; see the
/// [module docs](self).
#[derive(Debug)]
pub struct Stdout(io::Stdout);

/// The process's standard output, wrapped; see the [module docs](self).
pub fn stdout() -> Stdout {
    Stdout(io::stdout())
}

/// Whether a write to standard output found the reading end of its pipe
/// closed (`EPIPE`).
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// Whether `e`, or an error it wraps (its `source` chain), is a closed pipe.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(x) = cur {
        if let Some(io) = x.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        cur = x.source();
    }
    false
}

fn named(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CLOSED.store(true, Ordering::Relaxed);
    }
    io::Error::new(e.kind(), format!("writing standard output: {e}"))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(named)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf).map_err(named)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().map_err(named)
    }
}

/// Writes `text` and a newline to standard output and flushes (what
/// `println!` does, with errors returned instead of a panic).
pub fn print_line(text: &str) -> io::Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_found_in_a_wrapped_error() {
        let e = named(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(closed());
        assert!(e.to_string().starts_with("writing standard output:"), "{e}");
        let wrapped = crate::Error::io("-", e);
        assert!(is_broken_pipe(&wrapped));
        let other = crate::Error::io("x", io::Error::other("disk full"));
        assert!(!is_broken_pipe(&other));
    }
}
