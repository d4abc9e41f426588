//! Output files that appear whole or not at all.
//!
//! An analysis of a large log can run for minutes; if it is interrupted
//! (Ctrl-C, a full disk, an error half-way) a half-written `users.csv` or
//! `model.json` would look like a result. [`AtomicFile`] writes to a
//! temporary file beside the target (same directory, so the same file
//! system) and renames it over the target only on [`AtomicFile::commit`];
//! a rename within a file system is atomic, so readers see the old file or
//! the complete new one. Dropping an uncommitted `AtomicFile` (an error or
//! a panic unwinding) removes the temporary file. A process killed outright
//! can leave the temporary file (named `.<name>.tmp-<pid>`), never a
//! truncated target.
//!
//! ```
//! use std::io::Write;
//! use threatstat_core::atomic::{AtomicFile, write_atomically};
//! let dir = std::env::temp_dir().join(format!("threatstat-atomic-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let target = dir.join("users.csv");
//! let mut f = AtomicFile::create(&target).unwrap();
//! writeln!(f, "user,score").unwrap();
//! assert!(!target.exists());            // nothing visible before commit
//! f.commit().unwrap();
//! assert_eq!(std::fs::read_to_string(&target).unwrap(), "user,score\n");
//! write_atomically(&target, |w| w.write_all(b"replaced\n")).unwrap();
//! assert_eq!(std::fs::read_to_string(&target).unwrap(), "replaced\n");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A buffered file written beside its target and renamed over it on
/// [`commit`](AtomicFile::commit); see the [module docs](self).
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file for `target` (whose directory must exist).
    ///
    /// Errors name `target`.
    pub fn create(target: impl AsRef<Path>) -> Result<Self, Error> {
        let target = target.as_ref().to_path_buf();
        let name = target
            .file_name()
            .ok_or_else(|| {
                Error::io(
                    &target,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "an output path must name a file",
                    ),
                )
            })?
            .to_string_lossy()
            .into_owned();
        let temp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&temp).map_err(|e| Error::io(&target, e))?;
        Ok(AtomicFile {
            target,
            temp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> Result<(), Error> {
        let out = self.out.take().expect("not yet committed");
        let file = out
            .into_inner()
            .map_err(|e| Error::io(&self.target, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.target, e))?;
        drop(file);
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.as_mut().expect("not yet committed").write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.as_mut().expect("not yet committed").write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.as_mut().expect("not yet committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `target` through an [`AtomicFile`]: `f` writes the content, and
/// the file appears only if `f` and the commit succeed.
pub fn write_atomically(
    target: impl AsRef<Path>,
    f: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut file = AtomicFile::create(target)?;
    f(&mut file).map_err(|e| Error::io(file.target(), e))?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("threatstat-atomic-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let d = dir("fail");
        let target = d.join("model.json");
        std::fs::write(&target, "old").unwrap();
        let e = write_atomically(&target, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(
            e.to_string().contains("model.json") && e.to_string().contains("disk full"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(&d).unwrap().count(),
            1,
            "temporary file left behind"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_panic_while_writing_leaves_no_temporary() {
        let d = dir("panic");
        let target = d.join("users.csv");
        let r = std::panic::catch_unwind(|| {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"partial").unwrap();
            panic!("interrupted");
        });
        assert!(r.is_err());
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_target() {
        let e = AtomicFile::create(dir("missing").join("no/such/dir/out.csv")).unwrap_err();
        assert!(e.to_string().contains("out.csv"), "{e}");
    }
}
