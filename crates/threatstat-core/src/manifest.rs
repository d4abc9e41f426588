//! `manifest.json`: which files of an output directory belong to one run.
//!
//! Commands that write several files into a directory (`lanl uploads`,
//! `cloudtrail automation`, `features run`, `changepoint logons
//! --plot-dir`, each analysis of `reproduce`) write every file atomically,
//! but a run interrupted half-way used to leave its new `users.csv` beside
//! the previous run's `summary.json`: each file whole, the set
//! inconsistent, nothing saying so. A [`Run`] fixes that with a manifest
//! written last:
//!
//! 1. [`Run::begin`] creates the directory and deletes the previous run's
//!    `manifest.json` before anything else is written;
//! 2. every output committed under the directory while the run is open
//!    (through [`AtomicFile`](crate::atomic::AtomicFile), so any writer
//!    that uses it) is recorded;
//! 3. [`Run::finish`] writes `manifest.json` listing those files (relative
//!    path and size in bytes).
//!
//! So a directory with a `manifest.json` holds one complete run: the files
//! it lists, with the sizes it gives. A directory without one is the
//! remainder of an interrupted or failed run. Other files in the directory
//! (from older runs with other options, or the user's own) are not touched.
//!
//! ```
//! use std::io::Write;
//! use threatstat_core::{atomic::write_atomically, manifest::{Run, MANIFEST}};
//! let dir = std::env::temp_dir().join(format!("threatstat-manifest-doc-{}", std::process::id()));
//! let run = Run::begin(&dir).unwrap();
//! write_atomically(dir.join("users.csv"), |w| w.write_all(b"user\n")).unwrap();
//! assert!(!dir.join(MANIFEST).exists()); // not complete yet
//! run.finish().unwrap();
//! let m = std::fs::read_to_string(dir.join(MANIFEST)).unwrap();
//! assert!(m.contains("\"users.csv\""), "{m}");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::Error;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = "manifest.json";

/// Directories of the open runs and the files committed under each.
static OPEN: Mutex<Vec<(u64, PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn open() -> std::sync::MutexGuard<'static, Vec<(u64, PathBuf, Vec<PathBuf>)>> {
    OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// One run writing into a directory; see the [module docs](self).
#[derive(Debug)]
#[must_use = "the manifest is written by Run::finish"]
pub struct Run {
    id: u64,
    dir: PathBuf,
}

impl Run {
    /// Creates `dir` if needed, deletes its `manifest.json` and starts
    /// recording the files committed under it.
    pub fn begin(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let given = dir.as_ref();
        std::fs::create_dir_all(given).map_err(|e| Error::io(given, e))?;
        let dir = std::fs::canonicalize(given).map_err(|e| Error::io(given, e))?;
        match std::fs::remove_file(dir.join(MANIFEST)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(given.join(MANIFEST), e)),
        }
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        open().push((id, dir.clone(), Vec::new()));
        Ok(Run { id, dir })
    }

    /// Writes `manifest.json` (atomically) listing the files committed
    /// under the directory since [`begin`](Run::begin), sorted by path.
    pub fn finish(self) -> Result<(), Error> {
        let mut files = self.take();
        files.sort();
        files.dedup();
        let mut listed = Vec::new();
        for f in &files {
            let Ok(rel) = f.strip_prefix(&self.dir) else {
                continue;
            };
            if rel == Path::new(MANIFEST) {
                continue;
            }
            let bytes = std::fs::metadata(f).map_err(|e| Error::io(f, e))?.len();
            listed.push(serde_json::json!({
                "path": rel.to_string_lossy(),
                "bytes": bytes,
            }));
        }
        let doc = serde_json::json!({
            "written_by": concat!("threatstat ", env!("CARGO_PKG_VERSION")),
            "complete": true,
            "files": listed,
        });
        let text = serde_json::to_string_pretty(&doc).expect("JSON of strings and numbers");
        crate::atomic::write_atomically(self.dir.join(MANIFEST), |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")
        })
    }

    /// Stops recording and returns what was recorded.
    fn take(&self) -> Vec<PathBuf> {
        let mut o = open();
        match o.iter().position(|(id, _, _)| *id == self.id) {
            Some(i) => o.remove(i).2,
            None => Vec::new(),
        }
    }
}

impl Drop for Run {
    /// An unfinished run records nothing more and writes no manifest.
    fn drop(&mut self) {
        self.take();
    }
}

use std::io::Write as _;

/// Notes that `path` (just committed) is an output of every open run whose
/// directory holds it; called by [`AtomicFile`](crate::atomic::AtomicFile).
pub(crate) fn record(path: &Path) {
    let mut o = open();
    if o.is_empty() {
        return;
    }
    let Ok(real) = std::fs::canonicalize(path) else {
        return;
    };
    for (_, dir, files) in o.iter_mut() {
        if real.starts_with(dir.as_path()) {
            files.push(real.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_rerun_leaves_no_manifest() {
        let dir = std::env::temp_dir().join(format!("threatstat-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let run = Run::begin(&dir).unwrap();
        crate::atomic::write_atomically(dir.join("summary.json"), |w| w.write_all(b"{}")).unwrap();
        run.finish().unwrap();
        let m = std::fs::read_to_string(dir.join(MANIFEST)).unwrap();
        assert!(
            m.contains("summary.json") && m.contains("\"bytes\": 2"),
            "{m}"
        );
        // A second run that fails after its first file.
        let run = Run::begin(&dir).unwrap();
        crate::atomic::write_atomically(dir.join("users.csv"), |w| w.write_all(b"u\n")).unwrap();
        drop(run);
        assert!(!dir.join(MANIFEST).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
