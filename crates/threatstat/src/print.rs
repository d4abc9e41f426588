//! Printing a command's result to standard output without `println!`
//! (which panics on a closed pipe or a full disk; see
//! `threatstat_core::stdout`).

use std::io::Write;

/// Writes `v` as pretty JSON and a newline to standard output, flushed.
pub fn print_json<T: serde::Serialize + ?Sized>(
    v: &T,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut out = std::io::BufWriter::new(threatstat_core::stdout::stdout());
    serde_json::to_writer_pretty(&mut out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes `v` as pretty JSON and a newline to `out` (`-` is standard
/// output; a file is written whole or not at all).
pub fn write_json<T: serde::Serialize + ?Sized>(
    out: &std::path::Path,
    v: &T,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if out == std::path::Path::new("-") {
        return print_json(v);
    }
    threatstat_core::atomic::write_atomically(out, |w| {
        serde_json::to_writer_pretty(&mut *w, v)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// Writes `text` and a newline to standard output, flushed.
pub fn print_line(text: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    threatstat_core::stdout::print_line(text)?;
    Ok(())
}
