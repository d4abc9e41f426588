//! Where an output path leads, decided once for every command.
//!
//! Writing by rename (see [`atomic`](crate::atomic)) is right for a regular
//! file and wrong for anything else: renaming over `/dev/null`, a FIFO or a
//! symlink would replace the node or the link itself. [`resolve`] therefore
//! looks at what `--out` names:
//!
//! * `-` and `/dev/stdout`: the process's standard output ([`Target::Stdout`],
//!   streamed, errors handled by [`stdout`](crate::stdout));
//! * an existing non-regular file (a character device such as `/dev/null`,
//!   a FIFO, a socket, `/dev/fd/N` of a pipe), also through symlinks:
//!   written in place, streamed ([`Target::Direct`]);
//! * a symlink to a regular file (or a dangling one): the link is followed
//!   and its final target is replaced atomically, so the link stays a link
//!   ([`Target::Replace`] of the resolved path);
//! * anything else: replaced atomically ([`Target::Replace`]);
//! * a directory: an error, before anything is computed or written.
//!
//! [`ensure_distinct`] refuses an output that is one of the inputs (same
//! device and inode), so a typo cannot overwrite the log being read, and
//! [`check`] validates an output path up front, so a command does not fail
//! on its second output after writing the first.
//!
//! ```
//! use threatstat_core::output::{Target, resolve};
//! assert_eq!(resolve("-".as_ref()).unwrap(), Target::Stdout);
//! assert!(matches!(resolve("/dev/null".as_ref()).unwrap(), Target::Direct(_)));
//! let f = std::env::temp_dir().join("threatstat-output-doc-new.csv");
//! assert_eq!(resolve(&f).unwrap(), Target::Replace(f.clone()));
//! ```

use crate::Error;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// What writing to an output path does; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The process's standard output (`-` or `/dev/stdout`).
    Stdout,
    /// An existing non-regular file (device, FIFO, socket), opened and
    /// written in place.
    Direct(PathBuf),
    /// A regular file (existing or not) replaced by rename; the path is the
    /// final target after following symlinks.
    Replace(PathBuf),
}

fn invalid(path: &Path, msg: &str) -> Error {
    Error::io(path, std::io::Error::new(ErrorKind::InvalidInput, msg))
}

/// Decides how `path` is written; see the [module docs](self).
///
/// Errors: `path` is a directory (also through a symlink), names no file
/// (empty or ending in `..`), or its metadata cannot be read (e.g.
/// permission denied); each error names `path`.
pub fn resolve(path: &Path) -> Result<Target, Error> {
    if path == Path::new("-") || path == Path::new("/dev/stdout") {
        return Ok(Target::Stdout);
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(invalid(path, "is a directory, not an output file")),
        Ok(m) if !m.is_file() => Ok(Target::Direct(path.to_path_buf())),
        Ok(_) => {
            let link = std::fs::symlink_metadata(path).map_err(|e| Error::io(path, e))?;
            if link.file_type().is_symlink() {
                let real = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
                Ok(Target::Replace(real))
            } else {
                Ok(Target::Replace(path.to_path_buf()))
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let resolved = follow_dangling(path)?;
            if resolved.file_name().is_none() {
                return Err(invalid(path, "an output path must name a file"));
            }
            Ok(Target::Replace(resolved))
        }
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The path a chain of symlinks ending nowhere leads to (`path` itself when
/// it is no symlink), so that writing creates the link's target.
fn follow_dangling(path: &Path) -> Result<PathBuf, Error> {
    let mut cur = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = std::fs::read_link(&cur).map_err(|e| Error::io(path, e))?;
                cur = match cur.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(cur),
        }
    }
    Err(invalid(path, "too many levels of symbolic links"))
}

/// Checks that `path` can be written before anything is computed: it
/// [`resolve`]s, and a file to be replaced has an existing directory.
///
/// ```
/// use threatstat_core::output::check;
/// assert!(check("-".as_ref()).is_ok());
/// let e = check("/no/such/dir/out.csv".as_ref()).unwrap_err();
/// assert!(e.to_string().contains("out.csv"));
/// ```
pub fn check(path: &Path) -> Result<Target, Error> {
    let t = resolve(path)?;
    if let Target::Replace(real) = &t {
        let dir = match real.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(invalid(path, "its parent is not a directory")),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(invalid(path, "its directory does not exist"));
            }
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    Ok(t)
}

/// The identity of an existing file (device and inode on Unix, the
/// canonical path elsewhere).
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

/// Refuses an output that is the same file as an input (same device and
/// inode, so also through symlinks, hard links and `./` spellings), before
/// anything is read or written. Outputs that do not exist yet, standard
/// output and non-regular files (devices, FIFOs) are never the same file.
///
/// ```
/// use threatstat_core::output::ensure_distinct;
/// let f = std::env::temp_dir().join(format!("threatstat-distinct-doc-{}", std::process::id()));
/// std::fs::write(&f, "a\n").unwrap();
/// let e = ensure_distinct(&[f.as_path()], &[f.as_path()]).unwrap_err();
/// assert!(e.to_string().contains("same file as the input"), "{e}");
/// assert!(ensure_distinct(&[f.as_path()], &["-".as_ref()]).is_ok());
/// # std::fs::remove_file(&f).unwrap();
/// ```
pub fn ensure_distinct(inputs: &[&Path], outputs: &[&Path]) -> Result<(), Error> {
    for out in outputs {
        if !matches!(resolve(out), Ok(Target::Replace(_))) {
            continue;
        }
        let Some(o) = identity(out) else { continue };
        for input in inputs {
            if identity(input).as_ref() == Some(&o) {
                return Err(invalid(
                    out,
                    &format!(
                        "is the same file as the input {}; refusing to overwrite an input \
                         (choose another output path)",
                        input.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("threatstat-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_resolve_to_their_target_and_devices_are_direct() {
        let d = dir("links");
        let real = d.join("real.csv");
        std::fs::write(&real, "old").unwrap();
        let link = d.join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        let real_c = std::fs::canonicalize(&real).unwrap();
        assert_eq!(resolve(&link).unwrap(), Target::Replace(real_c));
        let dangling = d.join("dangling.csv");
        std::os::unix::fs::symlink("new.csv", &dangling).unwrap();
        assert_eq!(
            resolve(&dangling).unwrap(),
            Target::Replace(d.join("new.csv"))
        );
        let null = d.join("null");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        assert_eq!(resolve(&null).unwrap(), Target::Direct(null.clone()));
        assert!(resolve(&d).unwrap_err().to_string().contains("directory"));
        // The same file under another name is refused.
        let e = ensure_distinct(&[real.as_path()], &[link.as_path()]).unwrap_err();
        assert!(e.to_string().contains("real.csv"), "{e}");
        assert!(ensure_distinct(&[real.as_path()], &[null.as_path()]).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
