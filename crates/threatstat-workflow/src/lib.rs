//! The analyses threatstat runs end to end, as library functions.
//!
//! A method crate fits one model; an analysis chains a loader, one or more
//! fits, a ranking or summary, its output files and its figures. Those
//! chains used to live in the CLI and in `experiments`, written once per
//! caller (the baseline → fit → rank pipeline three times), so a notebook
//! could not call what a command did. Each module here is one analysis; the
//! CLI parses arguments and calls one function of it, `reproduce`'s
//! experiments and the notebooks call the same functions, and the Python
//! package will too.
//!
//! This crate sits above the method crates and `threatstat-plot` (which
//! knows nothing of the methods): it is where a fitted model meets a file
//! format or a figure.

pub mod attack;
pub mod automation;
pub mod changepoint;
pub mod features;
pub mod files;
pub mod markov;
pub mod uploads;

/// Errors of an analysis (any of the method crates', I/O, figures).
pub type Error = Box<dyn std::error::Error + Send + Sync>;
