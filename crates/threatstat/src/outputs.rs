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

/// The most days a generator writes: ten years. Output grows linearly with
/// the days (`lanl generate` writes megabytes a day), so an unbounded
/// `--days 1000000000` filled gigabytes of temporary files in seconds.
pub const MAX_GENERATED_DAYS: u32 = 3650;

/// The `--days` parser of the generators: 1 to [`MAX_GENERATED_DAYS`]
/// (clap names the flag and the range in its message).
pub fn days_range() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(MAX_GENERATED_DAYS))
}
