//! Temporary files and directories that an interrupted run removes.
//!
//! [`AtomicFile`](crate::atomic::AtomicFile) writes beside its target and
//! removes its temporary file when dropped, but a signal (Ctrl-C, `kill`)
//! ends the process without unwinding, which used to leave a
//! `.auth.txt.tmp-PID` of hundreds of megabytes behind. Every temporary
//! path is therefore [`register`]ed here while it exists, and a signal
//! handler (installed by the program, e.g. the CLI's `main`) calls
//! [`remove_all_and_exit`], which deletes them and ends the process.
//!
//! The registry's lock is held while a temporary file is renamed over its
//! target ([`settle`]) and while the handler deletes, so a file is either
//! renamed whole (and no longer registered) or deleted: never both, never
//! half.
//!
//! ```
//! use threatstat_core::cleanup;
//! let p = std::env::temp_dir().join(format!("threatstat-cleanup-doc-{}", std::process::id()));
//! std::fs::write(&p, "partial").unwrap();
//! cleanup::register(&p);
//! assert!(cleanup::registered().contains(&p));
//! cleanup::settle(&p, || std::fs::remove_file(&p)).unwrap();
//! assert!(!cleanup::registered().contains(&p));
//! ```

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn lock() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves a valid Vec: keep using it.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers a temporary file or directory to be removed if the process is
/// interrupted before it is [`settle`]d or [`unregister`]ed.
pub fn register(path: &Path) {
    lock().push(path.to_path_buf());
}

/// Forgets `path` (it was removed or renamed by its owner).
pub fn unregister(path: &Path) {
    let mut r = lock();
    if let Some(i) = r.iter().rposition(|p| p == path) {
        r.swap_remove(i);
    }
}

/// Runs `f` (typically the rename of `path` over its target) while no
/// signal handler can delete registered paths, then forgets `path`.
pub fn settle<T>(path: &Path, f: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    let mut r = lock();
    let out = f();
    if let Some(i) = r.iter().rposition(|p| p == path) {
        r.swap_remove(i);
    }
    out
}

/// The paths registered now.
pub fn registered() -> Vec<PathBuf> {
    lock().clone()
}

/// Removes every registered path (files, and directories with their
/// content) and ends the process with `code`, holding the registry's lock
/// so that no rename over a target can start or be half done.
pub fn remove_all_and_exit(code: i32) -> ! {
    let r = lock();
    for p in r.iter() {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => {
                let _ = std::fs::remove_dir_all(p);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(p);
            }
            Err(_) => {}
        }
    }
    std::process::exit(code)
}
