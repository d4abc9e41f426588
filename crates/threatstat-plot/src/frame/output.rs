//! Where a figure goes: the output format chosen by the path's extension,
//! the plotters backend for it (PNG through [`super::glyphs::GlyphFix`], SVG
//! as a string) and writing the file whole or not at all through
//! `threatstat_core::atomic`.
//!
//! Every figure of the crate is a [`Drawing`] and is written by
//! [`write_figure`]; no figure opens a backend or a file itself.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::glyphs::GlyphFix;
use crate::{Format, PlotError};

/// The result of drawing on a plotters backend `DB`.
pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure that plotters can draw on any backend.
pub(crate) trait Drawing {
    /// Size of the output in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `root`.
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

fn backend_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Backend(e.to_string())
}

fn io_err(path: &Path, source: std::io::Error) -> PlotError {
    PlotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The [`PlotError`] of a failed output (an I/O error keeps its kind).
pub(crate) fn core_err(path: &Path, e: threatstat_core::Error) -> PlotError {
    match e {
        threatstat_core::Error::Io { source, .. } => io_err(path, source),
        other => io_err(path, std::io::Error::other(other.to_string())),
    }
}

/// Writes `bytes` to `path` through threatstat-core's `AtomicFile`: a
/// regular file appears whole or not at all, `-`, devices and FIFOs are
/// streamed, a symlink is written through to its target.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    threatstat_core::atomic::write_atomically(path, |w| std::io::Write::write_all(w, bytes))
        .map_err(|e| core_err(path, e))
}

/// Writes `text` to `path` (see [`write_bytes`]).
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), PlotError> {
    write_bytes(path, text.as_bytes())
}

/// The format of `path` for a figure that has no HTML output: PNG or SVG
/// (by the extension, case-insensitively), else
/// [`PlotError::UnsupportedFormat`]. Figures call it before they look at
/// their inputs, so a wrong extension is reported first.
pub(crate) fn figure_format(path: &Path) -> Result<Format, PlotError> {
    let f = crate::format_of(path)?;
    if f == Format::Html {
        return Err(PlotError::UnsupportedFormat(crate::extension_of(path)));
    }
    Ok(f)
}

/// Draws `fig` and writes it to `path` as SVG or PNG, by the extension
/// (see [`figure_format`]); the bundled font is registered first.
pub(crate) fn write_figure<D: Drawing>(fig: &D, path: &Path) -> Result<(), PlotError> {
    match figure_format(path)? {
        Format::Svg => write_svg(fig, path),
        _ => write_png(fig, path),
    }
}

/// Draws `fig` into a PNG file at `path`. plotters encodes PNG only into a
/// file, so the image is drawn into a scratch file in the temporary
/// directory (registered for removal on a signal), then written to `path`
/// by [`write_bytes`]. Text is drawn through [`GlyphFix`].
pub(crate) fn write_png<D: Drawing>(fig: &D, path: &Path) -> Result<(), PlotError> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    crate::register_fonts();
    // Surface unwritable paths before drawing.
    threatstat_core::output::check(path).map_err(|e| core_err(path, e))?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch =
        std::env::temp_dir().join(format!(".threatstat-figure-{}-{n}.png", std::process::id()));
    threatstat_core::cleanup::register(&scratch);
    let drawn = (|| {
        let root = GlyphFix(BitMapBackend::new(&scratch, fig.size())).into_drawing_area();
        fig.draw_on(&root).map_err(backend_err)?;
        root.present().map_err(backend_err)?;
        drop(root);
        std::fs::read(&scratch).map_err(|e| io_err(path, e))
    })();
    let _ = threatstat_core::cleanup::settle(&scratch, || std::fs::remove_file(&scratch));
    write_bytes(path, &drawn?)
}

/// Draws `fig` into an SVG file at `path` (text stays text: the viewer
/// renders it with its own sans-serif font).
pub(crate) fn write_svg<D: Drawing>(fig: &D, path: &Path) -> Result<(), PlotError> {
    crate::register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        fig.draw_on(&root).map_err(backend_err)?;
        root.present().map_err(backend_err)?;
    }
    write_text(path, &svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed write leaves neither the target nor a temporary file; a
    /// good one replaces the target.
    #[test]
    fn outputs_appear_whole_or_not_at_all() {
        let dir =
            std::env::temp_dir().join(format!("threatstat-plot-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("fig.svg");
        assert!(write_text(&dir.join("no/such/fig.svg"), "x").is_err());
        write_text(&target, "one").unwrap();
        write_text(&target, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn figures_are_png_or_svg() {
        assert_eq!(figure_format(Path::new("a.PNG")).unwrap(), Format::Png);
        assert_eq!(figure_format(Path::new("a.svg")).unwrap(), Format::Svg);
        for bad in ["a.html", "a.jpeg", "a"] {
            assert!(matches!(
                figure_format(Path::new(bad)),
                Err(PlotError::UnsupportedFormat(_))
            ));
        }
    }
}
