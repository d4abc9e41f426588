//! Output files that appear whole or not at all.
//!
//! An analysis of a large log can run for minutes; if it is interrupted
//! (Ctrl-C, a full disk, an error half-way) a half-written `users.csv` or
//! `model.json` would look like a result. [`AtomicFile`] writes to a
//! temporary file beside the target (same directory, so the same file
//! system) and renames it over the target only on [`AtomicFile::commit`];
//! a rename within a file system is atomic, so readers see the old file or
//! the complete new one. Dropping an uncommitted `AtomicFile` (an error or
//! a panic unwinding) or a failed rename removes the temporary file, and so
//! does a signal when the program installed a handler that calls
//! [`cleanup::remove_all_and_exit`]
//! (the CLI does for SIGINT and SIGTERM). Only a process killed outright
//! (SIGKILL, power loss) can leave the temporary file (named
//! `.<name>.tmp-<pid>`), never a truncated target.
//!
//! What the target path is decides how it is written (see
//! [`output`](crate::output)): `-` streams to standard output, devices and
//! FIFOs are written in place, a symlink is followed and its target
//! replaced. Several outputs of one command can be made visible together:
//! [`AtomicFile::finish`] each, then [`commit_all`].
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
use crate::cleanup;
use crate::output::{Target, resolve};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where the bytes go.
#[derive(Debug)]
enum Sink {
    File(File),
    Stdout(crate::stdout::Stdout),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(buf),
            Sink::Stdout(s) => s.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
}

/// A buffered output written beside its target and renamed over it on
/// [`commit`](AtomicFile::commit); see the [module docs](self). Standard
/// output (`-`), devices and FIFOs are streamed instead (see
/// [`output`](crate::output)).
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    /// The temporary file and the file it replaces (None when streamed).
    rename: Option<(PathBuf, PathBuf)>,
    out: Option<BufWriter<Sink>>,
}

impl AtomicFile {
    /// Creates the temporary file for `target` (whose directory must
    /// exist); `-`, devices and FIFOs are opened for streaming instead, and
    /// a symlink is followed to the file it names.
    ///
    /// Errors name `target`.
    pub fn create(target: impl AsRef<Path>) -> Result<Self, Error> {
        let target = target.as_ref().to_path_buf();
        let (sink, rename) = match resolve(&target)? {
            Target::Stdout => (Sink::Stdout(crate::stdout::stdout()), None),
            Target::Direct(p) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .map_err(|e| Error::io(&target, e))?;
                (Sink::File(f), None)
            }
            Target::Replace(real) => {
                let name = real
                    .file_name()
                    .expect("resolve returns a file name")
                    .to_string_lossy()
                    .into_owned();
                let temp = real.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
                cleanup::register(&temp);
                let file = match File::create(&temp) {
                    Ok(f) => f,
                    Err(e) => {
                        cleanup::unregister(&temp);
                        return Err(Error::io(&target, e));
                    }
                };
                (Sink::File(file), Some((temp, real)))
            }
        };
        Ok(AtomicFile {
            target,
            rename,
            out: Some(BufWriter::with_capacity(1 << 16, sink)),
        })
    }

    /// The file this will become (as given: `-` for standard output, the
    /// symlink for a symlink).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes and syncs the content without making it visible yet: the
    /// returned [`Finished`] is renamed over the target by
    /// [`Finished::commit`] or [`commit_all`], and removed if dropped.
    /// Streamed outputs are only flushed.
    pub fn finish(mut self) -> Result<Finished, Error> {
        let out = self.out.take().expect("not yet committed");
        let rename = self.rename.take();
        let sink = match out.into_inner() {
            Ok(s) => s,
            Err(e) => {
                remove_temp(rename.as_ref());
                return Err(Error::io(&self.target, e.into_error()));
            }
        };
        if let (Sink::File(file), Some(_)) = (&sink, &rename)
            && let Err(e) = file.sync_all()
        {
            remove_temp(rename.as_ref());
            return Err(Error::io(&self.target, e));
        }
        drop(sink);
        Ok(Finished {
            target: std::mem::take(&mut self.target),
            rename,
        })
    }

    /// Flushes, syncs and renames the temporary file over the target. If
    /// anything fails the temporary file is removed and the target is left
    /// as it was.
    pub fn commit(self) -> Result<(), Error> {
        self.finish()?.commit()
    }
}

fn remove_temp(rename: Option<&(PathBuf, PathBuf)>) {
    if let Some((temp, _)) = rename {
        let _ = cleanup::settle(temp, || std::fs::remove_file(temp));
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
            remove_temp(self.rename.as_ref());
        }
    }
}

/// A complete output not yet renamed over its target (see
/// [`AtomicFile::finish`]); dropping it removes the temporary file.
#[derive(Debug)]
#[must_use = "a finished output appears only when committed"]
pub struct Finished {
    target: PathBuf,
    rename: Option<(PathBuf, PathBuf)>,
}

impl Finished {
    /// Renames the temporary file over the target (nothing to do for a
    /// streamed output); on failure the temporary file is removed.
    pub fn commit(mut self) -> Result<(), Error> {
        let Some((temp, real)) = self.rename.take() else {
            return Ok(());
        };
        let r = cleanup::settle(&temp, || std::fs::rename(&temp, &real));
        match r {
            Ok(()) => {
                crate::manifest::record(&real);
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                Err(Error::io(&self.target, e))
            }
        }
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        remove_temp(self.rename.as_ref());
    }
}

/// Commits several finished outputs one after the other, once all of them
/// are complete, so that a command fails before any of its outputs appears
/// rather than after the first. (A failure during the renames themselves,
/// e.g. a directory removed meanwhile, can still leave the earlier ones.)
pub fn commit_all(outputs: impl IntoIterator<Item = Finished>) -> Result<(), Error> {
    let mut first_err = None;
    for f in outputs {
        if first_err.is_some() {
            drop(f);
            continue;
        }
        if let Err(e) = f.commit() {
            first_err = Some(e);
        }
    }
    first_err.map_or(Ok(()), Err)
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

    #[test]
    fn a_failed_rename_leaves_no_temporary() {
        let d = dir("rename");
        let target = d.join("out.csv");
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"content").unwrap();
        // The target becomes a directory after the file was opened.
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), "x").unwrap();
        assert!(f.commit().is_err());
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.csv")]);
        assert!(
            crate::cleanup::registered()
                .iter()
                .all(|p| !p.starts_with(&d))
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_existing_directory_is_refused_before_writing() {
        let d = dir("isdir");
        let e = AtomicFile::create(&d).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_written_through_and_stays_a_link() {
        let d = dir("symlink");
        std::fs::write(d.join("real.json"), "old").unwrap();
        let link = d.join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomically(&link, |w| w.write_all(b"new")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(d.join("real.json")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn finished_outputs_appear_only_when_committed() {
        let d = dir("finish");
        let (a, b) = (d.join("a.csv"), d.join("b.csv"));
        let mut fa = AtomicFile::create(&a).unwrap();
        fa.write_all(b"a").unwrap();
        let fa = fa.finish().unwrap();
        assert!(!a.exists());
        let mut fb = AtomicFile::create(&b).unwrap();
        fb.write_all(b"b").unwrap();
        commit_all([fa, fb.finish().unwrap()]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b");
        // Dropped unfinished: nothing left.
        let mut fc = AtomicFile::create(d.join("c.csv")).unwrap();
        fc.write_all(b"c").unwrap();
        drop(fc.finish().unwrap());
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 2);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
