//! Output checks every command runs before it computes anything.

use std::path::Path;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Fails, before any work, when an output cannot be written (a directory,
/// a missing directory), a figure has no `.png`/`.svg` extension, or an
/// output is one of the inputs (same file; it would be overwritten).
/// Optional paths are given as `Option`s and skipped when absent.
pub fn prepare(
    inputs: &[Option<&Path>],
    outputs: &[Option<&Path>],
    figures: &[Option<&Path>],
) -> Result<(), BoxError> {
    let inputs: Vec<&Path> = inputs.iter().flatten().copied().collect();
    for o in outputs.iter().flatten() {
        threatstat_core::output::check(o)?;
    }
    for f in figures.iter().flatten() {
        threatstat_plot::check_output(f, false)?;
    }
    let all: Vec<&Path> = outputs.iter().chain(figures).flatten().copied().collect();
    threatstat_core::output::ensure_distinct(&inputs, &all)?;
    Ok(())
}
