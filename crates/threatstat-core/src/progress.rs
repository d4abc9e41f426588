//! Process-wide ingestion progress: how many bytes of the input files
//! opened through [`crate::reader::open`] have been read, out of how many.
//!
//! Every loader of the workspace opens its files through `reader::open`, so
//! one counter covers all of them; a front end (the command line's progress
//! bar) polls [`snapshot`] from another thread. Counting is off until
//! [`enable`] is called, and costs one relaxed atomic add per 64 KiB read.
//! Bytes are counted as stored on disk (compressed for gzip), so the share
//! read is the share of the work done.
//!
//! ```
//! use threatstat_core::progress;
//! let p = std::env::temp_dir().join("threatstat-doc-progress.txt");
//! std::fs::write(&p, "a\nb\n").unwrap();
//! progress::enable();
//! let before = progress::snapshot();
//! let mut r = threatstat_core::reader::open(&p).unwrap();
//! std::io::copy(&mut r, &mut std::io::sink()).unwrap();
//! let after = progress::snapshot();
//! assert!(after.read >= before.read + 4 && after.total >= before.total + 4);
//! ```

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
static READ: AtomicU64 = AtomicU64::new(0);
static TOTAL: AtomicU64 = AtomicU64::new(0);

/// Bytes read so far and the total size of the files opened so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Bytes read from input files.
    pub read: u64,
    /// Sizes of the input files opened, summed.
    pub total: u64,
}

/// Starts counting (for files opened from now on).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether counting is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The counters now.
pub fn snapshot() -> Snapshot {
    Snapshot {
        read: READ.load(Ordering::Relaxed),
        total: TOTAL.load(Ordering::Relaxed),
    }
}

/// A reader that adds what it reads to the process-wide counter.
pub(crate) struct Counted<R>(pub R);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        READ.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Registers a file of `len` bytes about to be read.
pub(crate) fn opened(len: u64) {
    TOTAL.fetch_add(len, Ordering::Relaxed);
}

/// Registers a file of `len` bytes that a reader of one's own (not
/// [`crate::reader::open`]) is about to read; nothing when counting is off.
///
/// ```
/// use threatstat_core::progress;
/// progress::enable();
/// let before = progress::snapshot();
/// progress::register_file(10);
/// progress::add_read(4);
/// let after = progress::snapshot();
/// assert!(after.total >= before.total + 10 && after.read >= before.read + 4);
/// ```
pub fn register_file(len: u64) {
    if enabled() {
        opened(len);
    }
}

/// Adds `n` bytes read by a reader of one's own; nothing when counting is off.
pub fn add_read(n: u64) {
    if enabled() {
        READ.fetch_add(n, Ordering::Relaxed);
    }
}
