//! Writing an analysis's output files whole or not at all.

use crate::Error;

/// Writes `data` to `path` through a temporary file renamed over it, so an
/// interrupted run leaves the previous file or none, never a truncated one
/// (every output of the analyses goes through this or an `AtomicFile`).
pub fn write_file(path: impl AsRef<std::path::Path>, data: impl AsRef<[u8]>) -> Result<(), Error> {
    threatstat_core::atomic::write_atomically(path, |w| {
        std::io::Write::write_all(w, data.as_ref())
    })?;
    Ok(())
}
