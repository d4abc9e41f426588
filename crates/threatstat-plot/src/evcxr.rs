//! Showing figures inline in an [evcxr](https://github.com/evcxr/evcxr)
//! (Rust Jupyter) notebook.
//!
//! evcxr displays whatever a cell prints between a line
//! `EVCXR_BEGIN_CONTENT <mime type>` and a line `EVCXR_END_CONTENT` as rich
//! output of that type (the last such block per type and cell is shown);
//! binary content such as PNG is base64-encoded. The figure functions of
//! this crate write files, so a notebook draws into a temporary path and
//! prints [`figure`] of it:
//!
//! ```no_run
//! # let path = std::env::temp_dir().join("fig.png");
//! print!("{}", threatstat_plot::evcxr::figure(&path).unwrap());
//! ```
//!
//! Headless runs (`evcxr_repl`) swallow the block, so nothing is printed there.

use std::path::Path;

use crate::{PlotError, extension_of};

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
    fn unsupported_extension_is_refused() {
        match figure(Path::new("figure.html")) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, "html"),
            other => panic!("{other:?}"),
        }
    }
}
