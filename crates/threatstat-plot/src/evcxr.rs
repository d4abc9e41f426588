//! Showing figures and tables inline in an [evcxr](https://github.com/evcxr/evcxr)
//! (Rust Jupyter) notebook.
//!
//! evcxr displays whatever a cell prints between a line
//! `EVCXR_BEGIN_CONTENT <mime type>` and a line `EVCXR_END_CONTENT` as the
//! cell's rich output of that type; binary content such as PNG is
//! base64-encoded. A cell has **one** rich output, holding at most one
//! content per MIME type (the last printed wins), and a notebook viewer
//! shows only the richest type of it (HTML before SVG before PNG before
//! text): show one figure or one table per cell.
//!
//! The figure functions of this crate write files; [`show`] hands one a
//! scratch path, prints the figure's display block and removes the file, so
//! a notebook never handles figure files:
//!
//! ```no_run
//! use threatstat_plot::{RecallFigure, evcxr, recall_figure};
//! let curve = [0.5, 1.0];
//! evcxr::show(|path| recall_figure(&RecallFigure::new("ranking", &curve), path))?;
//! # Ok::<(), threatstat_plot::PlotError>(())
//! ```
//!
//! A [`Table`] is shown as an HTML table: as a cell's last expression
//! (evcxr calls its `evcxr_display` method) or with [`Table::show`].
//!
//! Headless runs (`evcxr_repl`) swallow the blocks, so nothing is printed there.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{PlotError, extension_of};

mod table;

pub use table::Table;

/// The evcxr display block of PNG bytes: `EVCXR_BEGIN_CONTENT image/png`,
/// the base64 of `png`, `EVCXR_END_CONTENT`, each on its own line. Print it
/// at the start of a line.
///
/// ```
/// let s = threatstat_plot::evcxr::png(b"\x89PNG");
/// assert_eq!(s, "EVCXR_BEGIN_CONTENT image/png\niVBORw==\nEVCXR_END_CONTENT\n");
/// ```
pub fn png(png: &[u8]) -> String {
    format!(
        "EVCXR_BEGIN_CONTENT image/png\n{}\nEVCXR_END_CONTENT\n",
        base64(png)
    )
}

/// The evcxr display block of an SVG document (`image/svg+xml`, as text).
/// Print it at the start of a line.
///
/// ```
/// let s = threatstat_plot::evcxr::svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
/// assert!(s.starts_with("EVCXR_BEGIN_CONTENT image/svg+xml\n<svg"));
/// assert!(s.ends_with("\nEVCXR_END_CONTENT\n"));
/// ```
pub fn svg(svg: &str) -> String {
    format!(
        "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT\n",
        svg.trim_end()
    )
}

/// Reads a figure written by this crate (`.png` or `.svg`, by extension,
/// case-insensitive) and returns its evcxr display block ([`png`] or
/// [`svg`]).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension and
/// [`PlotError::Io`] when the file cannot be read.
///
/// ```
/// use threatstat_plot::{RecallFigure, evcxr, recall_figure};
/// let path = std::env::temp_dir().join(format!("threatstat-plot-evcxr-doc-{}.png", std::process::id()));
/// recall_figure(&RecallFigure::new("ranking", &[0.5, 1.0]), &path).unwrap();
/// let block = evcxr::figure(&path).unwrap();
/// assert!(block.starts_with("EVCXR_BEGIN_CONTENT image/png\niVBORw0KGgo"));
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn figure(path: &Path) -> Result<String, PlotError> {
    let ext = extension_of(path);
    let io = |source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    match ext.to_ascii_lowercase().as_str() {
        "png" => Ok(png(&std::fs::read(path).map_err(io)?)),
        "svg" => Ok(svg(&std::fs::read_to_string(path).map_err(io)?)),
        _ => Err(PlotError::UnsupportedFormat(ext)),
    }
}

/// Draws a figure into a scratch PNG file (in the temporary directory,
/// removed afterwards, also on a signal), prints its evcxr display block
/// ([`png`]) to standard output and returns what `draw` returned. `draw` is
/// one of this crate's figure functions given the path, e.g.
/// `|path| acf_figure(&fig, path)`. Make it the cell's only rich output.
///
/// # Errors
///
/// The error of `draw`, or [`PlotError::Io`] when the scratch file cannot
/// be read or standard output cannot be written.
///
/// ```
/// use threatstat_plot::{RecallFigure, evcxr, recall_figure};
/// let curve = [0.25, 0.5, 1.0];
/// evcxr::show(|path| recall_figure(&RecallFigure::new("ranking", &curve), path))?;
/// // The drawing function's error comes back unchanged.
/// let empty: [f64; 0] = [];
/// assert!(evcxr::show(|path| recall_figure(&RecallFigure::new("ranking", &empty), path)).is_err());
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn show<T>(draw: impl FnOnce(&Path) -> Result<T, PlotError>) -> Result<T, PlotError> {
    show_as("png", draw)
}

/// [`show`] through an SVG file: the figure is shown as `image/svg+xml`
/// (text stays text, drawn in the viewer's sans-serif font).
///
/// # Errors
///
/// As [`show`].
pub fn show_svg<T>(draw: impl FnOnce(&Path) -> Result<T, PlotError>) -> Result<T, PlotError> {
    show_as("svg", draw)
}

/// Prints the display block of a figure file that already exists (e.g. one
/// that an analysis wrote among its outputs): [`figure`] of `path`.
///
/// # Errors
///
/// As [`figure`], and [`PlotError::Io`] when standard output cannot be written.
pub fn show_file(path: &Path) -> Result<(), PlotError> {
    print_block(&figure(path)?)
}

/// Draws into a scratch file with extension `ext` and prints its block.
fn show_as<T>(ext: &str, draw: impl FnOnce(&Path) -> Result<T, PlotError>) -> Result<T, PlotError> {
    let scratch = scratch_path(ext);
    threatstat_core::cleanup::register(&scratch);
    let shown = (|| {
        let out = draw(&scratch)?;
        Ok((out, figure(&scratch)?))
    })();
    let _ = threatstat_core::cleanup::settle(&scratch, || match std::fs::remove_file(&scratch) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    });
    let (out, block) = shown?;
    print_block(&block)?;
    Ok(out)
}

/// A scratch figure path of this process, new at every call.
fn scratch_path(ext: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        ".threatstat-evcxr-{}-{n}.{ext}",
        std::process::id()
    ))
}

/// Prints a display block on a line of its own and flushes, so that evcxr
/// reads it before the cell ends.
fn print_block(block: &str) -> Result<(), PlotError> {
    let io = |source| PlotError::Io {
        path: PathBuf::from("-"),
        source,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(block.as_bytes()).map_err(io)?;
    out.flush().map_err(io)
}

/// Standard base64 (RFC 4648, with `=` padding), as evcxr and Jupyter expect.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn show_removes_its_scratch_file_and_returns_the_drawing_result() {
        let mut seen = None;
        let got = show(|path| {
            std::fs::write(path, b"\x89PNG").unwrap();
            seen = Some(path.to_path_buf());
            Ok(7)
        })
        .unwrap();
        assert_eq!(got, 7);
        let seen = seen.unwrap();
        assert_eq!(seen.extension().unwrap(), "png");
        assert!(!seen.exists(), "{} left behind", seen.display());
        assert!(!threatstat_core::cleanup::registered().contains(&seen));
    }

    #[test]
    fn show_svg_hands_out_an_svg_path_and_cleans_up_after_an_error() {
        let mut seen = None;
        let got: Result<(), _> = show_svg(|path| {
            std::fs::write(path, "<svg/>").unwrap();
            seen = Some(path.to_path_buf());
            Err(PlotError::NoPoints)
        });
        assert!(matches!(got, Err(PlotError::NoPoints)));
        let seen = seen.unwrap();
        assert_eq!(seen.extension().unwrap(), "svg");
        assert!(!seen.exists());
    }

    #[test]
    fn show_reports_a_figure_that_was_not_written() {
        assert!(matches!(show(|_| Ok(())), Err(PlotError::Io { .. })));
    }

    #[test]
    fn unsupported_extension_is_refused() {
        match figure(Path::new("figure.html")) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, "html"),
            other => panic!("{other:?}"),
        }
    }
}
