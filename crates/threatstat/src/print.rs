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

/// Writes `text` and a newline to standard output, flushed.
pub fn print_line(text: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    threatstat_core::stdout::print_line(text)?;
    Ok(())
}
