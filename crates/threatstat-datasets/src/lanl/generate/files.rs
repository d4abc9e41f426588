//! The data set on disk: [`LanlFiles`] (the paths), and writing
//! `auth.txt`, `flows.txt`, `redteam.txt` and `truth.json` into a
//! directory, plain or gzipped, each file whole or not at all.
//!
//! # Why a file of its own
//!
//! Atomic files, gzip threads and error targets are about the file
//! system, not the model: the simulation (`simulate`) writes to any
//! `Write` and knows nothing of paths.

use super::params::{CheckedLanlGenerator, LanlGenerator};
use super::truth::LanlTruth;
use crate::DatasetError;
use crate::TruthFile;
use std::io::Write;
use std::path::Path;
use threatstat_core::ParamGuard;
use threatstat_core::atomic::{AtomicFile, commit_all};
use threatstat_core::gz::GzWriter;

/// The paths [`LanlGenerator::write_files`] writes in its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanlFiles {
    /// `auth.txt`.
    pub auth: std::path::PathBuf,
    /// `flows.txt`.
    pub flows: std::path::PathBuf,
    /// `redteam.txt`.
    pub redteam: std::path::PathBuf,
    /// `truth.json`.
    pub truth: std::path::PathBuf,
}

impl LanlFiles {
    /// The four paths in `dir`.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlFiles;
    /// assert!(LanlFiles::in_dir("/tmp/x").flows.ends_with("flows.txt"));
    /// ```
    pub fn in_dir(dir: impl AsRef<Path>) -> Self {
        let d = dir.as_ref();
        LanlFiles {
            auth: d.join("auth.txt"),
            flows: d.join("flows.txt"),
            redteam: d.join("redteam.txt"),
            truth: d.join("truth.json"),
        }
    }

    /// The paths in `dir` of [`LanlGenerator::write_files_gzip`]: `auth.txt.gz`
    /// and `flows.txt.gz` (LANL's own distribution is gzipped), the others
    /// as [`in_dir`](Self::in_dir).
    ///
    /// ```
    /// # use threatstat_datasets::lanl::LanlFiles;
    /// assert!(LanlFiles::in_dir_gzip("/tmp/x").auth.ends_with("auth.txt.gz"));
    /// ```
    pub fn in_dir_gzip(dir: impl AsRef<Path>) -> Self {
        let d = dir.as_ref();
        LanlFiles {
            auth: d.join("auth.txt.gz"),
            flows: d.join("flows.txt.gz"),
            ..Self::in_dir(d)
        }
    }
}

impl LanlGenerator {
    /// Writes `auth.txt`, `flows.txt`, `redteam.txt` and `truth.json`
    /// into `dir` (created if missing); see [`LanlFiles::in_dir`].
    ///
    /// ```
    /// # use threatstat_datasets::TruthFile;
    /// # use threatstat_datasets::lanl::{LanlFiles, LanlGenerator, LanlTruth};
    /// let dir = std::env::temp_dir().join("threatstat-doc-lanl-gen");
    /// let truth = LanlGenerator::new().users(5).days(2).write_files(&dir).unwrap();
    /// assert_eq!(LanlTruth::read(LanlFiles::in_dir(&dir).truth).unwrap(), truth);
    /// ```
    pub fn write_files(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.check()?.write_files_as(dir.as_ref(), false)
    }

    /// [`write_files`](Self::write_files) with `auth.txt` and `flows.txt`
    /// gzipped (fastest level, each on its own thread), named as
    /// [`LanlFiles::in_dir_gzip`] says: a 10^9-event data set takes about
    /// 14 GB instead of 66 GB. The readers detect gzip by its magic bytes.
    ///
    /// ```
    /// # use threatstat_datasets::lanl::{AuthReader, LanlFiles, LanlGenerator};
    /// let dir = std::env::temp_dir().join("threatstat-doc-lanl-gen-gz");
    /// let truth = LanlGenerator::new().users(5).days(2).write_files_gzip(&dir).unwrap();
    /// let n = AuthReader::open(LanlFiles::in_dir_gzip(&dir).auth).unwrap().count();
    /// assert_eq!(n as u64, truth.auth_rows);
    /// ```
    pub fn write_files_gzip(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.check()?.write_files_as(dir.as_ref(), true)
    }
}

impl CheckedLanlGenerator {
    /// [`LanlGenerator::write_files`] of checked parameters.
    pub fn write_files(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.write_files_as(dir.as_ref(), false)
    }

    /// [`LanlGenerator::write_files_gzip`] of checked parameters.
    pub fn write_files_gzip(&self, dir: impl AsRef<Path>) -> Result<LanlTruth, DatasetError> {
        self.write_files_as(dir.as_ref(), true)
    }

    fn write_files_as(&self, dir: &Path, gzip: bool) -> Result<LanlTruth, DatasetError> {
        let werr = |p: &Path, e| DatasetError::Write {
            target: p.display().to_string(),
            source: e,
        };
        std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        let files = if gzip {
            LanlFiles::in_dir_gzip(dir)
        } else {
            LanlFiles::in_dir(dir)
        };
        // Each file appears whole or not at all (an interrupted run leaves
        // no truncated auth.txt that looks like data).
        let names = |p: &Path| p.display().to_string();
        let (auth, flows, mut redteam) = (
            AtomicFile::create(&files.auth)?,
            AtomicFile::create(&files.flows)?,
            AtomicFile::create(&files.redteam)?,
        );
        let (auth, flows, truth) = if gzip {
            let level = flate2::Compression::fast();
            let (mut ga, mut gf) = (GzWriter::new(auth, level), GzWriter::new(flows, level));
            let truth = self.generate_to(
                (&mut ga, &names(&files.auth)),
                (&mut gf, &names(&files.flows)),
                (&mut redteam, &names(&files.redteam)),
            )?;
            let done = |g: GzWriter<AtomicFile>, p: &Path| g.finish().map_err(|e| werr(p, e));
            (done(ga, &files.auth)?, done(gf, &files.flows)?, truth)
        } else {
            let (mut auth, mut flows) = (auth, flows);
            let truth = self.generate_to(
                (&mut auth, &names(&files.auth)),
                (&mut flows, &names(&files.flows)),
                (&mut redteam, &names(&files.redteam)),
            )?;
            (auth, flows, truth)
        };
        // The four files appear together, once all are complete.
        let mut done = Vec::new();
        for f in [auth, flows, redteam] {
            done.push(f.finish()?);
        }
        let mut t = AtomicFile::create(&files.truth)?;
        t.write_all(truth.to_json().as_bytes())
            .map_err(|e| werr(&files.truth, e))?;
        done.push(t.finish()?);
        commit_all(done)?;
        Ok(truth)
    }
}
