//! Figures for threatstat analyses.
//!
//! The main entry point is [`timeline`]: a scatter of scored events over time
//! (x = event time in UTC, y = a score such as a likelihood, usually on a log
//! axis), coloured by group, written as PNG, SVG or a self-contained
//! interactive HTML file depending on the output path's extension.
//!
//! [`changepoint_figure`] draws the switchpoint figure of a Poisson
//! changepoint model of daily counts (counts with the posterior expected
//! rate above, the posterior of the change day below) as PNG or SVG.
//!
//! The other figures: [`acf_figure`], [`distribution_figure`],
//! [`kde_flag_figure`], [`heatmap_figure`], [`chain_figure`],
//! [`calibration_figure`], [`rank_histogram_figure`], [`roc_figure`],
//! [`importance_figure`] and [`recall_figure`].
//!
//! # One frame
//!
//! Every figure is drawn on the same frame (the private `frame` module), so
//! they share their conventions: the size is clamped to 320..=16384 by
//! 240..=16384 pixels and every length scales with it; the title is centred
//! in a band at the top (shrunk, then shortened with `…`, when wider than
//! the figure); a legend names the series when there is more than one;
//! axis titles sit in label areas sized to their tick labels and stay
//! inside the figure; the format comes from the extension (`.png` or
//! `.svg`, and `.html` for [`timeline`]), checked before the inputs; and a
//! file is written whole or not at all. Each figure's module holds only what
//! is particular to that figure.
//!
//! # Fonts
//!
//! Raster and vector output is drawn with [plotters], whose default text
//! support finds system fonts through fontconfig. Fresh CI machines and
//! minimal containers often have no fontconfig and no fonts, which makes
//! plotters fail or draw no text. This crate therefore uses plotters'
//! `ab_glyph` text backend (no system look-up at all) and bundles one font,
//! **DejaVu Sans 2.37** (`fonts/DejaVuSans.ttf`, embedded with
//! `include_bytes!`, ~740 KiB). DejaVu Sans was chosen because it is freely
//! redistributable (Bitstream Vera licence with public-domain DejaVu changes,
//! see `fonts/LICENSE-DejaVu.txt`), is the default sans-serif font of most
//! Linux distributions (so figures look the same as matplotlib's defaults),
//! and covers the glyphs we need beyond ASCII (superscript digits and minus
//! for `10⁻⁶` tick labels, `×`, `…`, accented user names).
//!
//! [`register_fonts`] registers it under the family name [`DEFAULT_FONT`]
//! (`"sans-serif"`); it is idempotent and called by every drawing function of
//! this crate. Code drawing other plotters figures should call it first too.
//!
//! SVG files reference the family `sans-serif` and so are rendered with the
//! viewer's sans-serif font; the HTML output does the same.
//!
//! # Example
//!
//! ```
//! use threatstat_plot::{TimelinePoint, TimelineSpec, format_unix_utc, timeline};
//!
//! let t0 = 1_587_168_000.0; // 2020-04-18 00:00:00 UTC
//! let points: Vec<TimelinePoint> = (0..24)
//!     .map(|i| {
//!         let t = t0 + f64::from(i) * 3600.0;
//!         TimelinePoint {
//!             time_unix_s: t,
//!             value: 10f64.powi(-(i % 5)),
//!             group: "alice".to_string(),
//!             hover: vec!["user: alice".to_string(), format!("time: {}", format_unix_utc(t))],
//!         }
//!     })
//!     .collect();
//! let path = std::env::temp_dir().join(format!("threatstat-plot-crate-doc-{}.html", std::process::id()));
//! let report = timeline(&points, &TimelineSpec::default(), &path).unwrap();
//! assert_eq!((report.drawn, report.skipped), (24, 0));
//! # std::fs::remove_file(&path).unwrap();
//! ```

mod acf;
mod calibration;
mod changepoint;
mod contour;
mod distribution;
pub mod evcxr;
mod features;
mod fonts;
mod frame;
mod heatmap;
mod html;
mod kde_flag;
mod layout;
mod ppc;
mod raster;
mod recall;
mod scale;
mod time;
mod trace;

use std::path::{Path, PathBuf};

pub use acf::{AcfFigure, acf_figure};
pub use calibration::{
    CalibrationFigure, CalibrationRow, RankHistogramFigure, calibration_figure,
    rank_histogram_figure,
};
pub use changepoint::{ChangepointFigure, changepoint_figure};
pub use distribution::{DistributionFigure, distribution_figure};
pub use features::{ImportanceFigure, RocFigure, importance_figure, roc_figure};
pub use fonts::{DEFAULT_FONT, DEJAVU_SANS_TTF, register_fonts};
pub use heatmap::{ChainFigure, HeatmapFigure, chain_figure, heatmap_figure};
pub use kde_flag::{DensityOverlay, KdeFlagFigure, kde_flag_figure};
pub use ppc::{PpcFigure, ppc_figure};
pub use recall::{RecallFigure, recall_figure};
pub use scale::format_value;
pub use time::format_unix_utc;
pub use trace::{TraceFigure, trace_figure};

/// One point of a timeline scatter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimelinePoint {
    /// Event time as Unix seconds (UTC). Non-finite times, and times outside
    /// the years 0000–9999, are not drawn and are counted as skipped.
    pub time_unix_s: f64,
    /// The plotted value (e.g. a likelihood); NaN/inf/non-positive values on a
    /// log axis are not drawn and are counted (on a linear axis only NaN and
    /// infinite values are skipped).
    pub value: f64,
    /// Series/group name used for colour and legend (e.g. the user); may be empty.
    pub group: String,
    /// Hover text lines for the HTML output (e.g. `["user: X", "time: ...",
    /// "window: [...]"]`). When empty, the HTML output shows the group, the
    /// time and the value instead. Ignored by PNG and SVG output.
    pub hover: Vec<String>,
}

/// Title, axis and size settings of a [`timeline`] figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineSpec {
    /// Figure title, drawn centred above the plot; may be empty (no title).
    pub title: String,
    /// Label of the y axis (the x axis is always labelled `time (UTC)`).
    pub y_label: String,
    /// Whether the y axis is logarithmic (base 10).
    pub log_y: bool,
    /// Figure width in pixels (PNG pixels; SVG/HTML user units). Values are
    /// clamped to `320..=16384`.
    pub width: u32,
    /// Figure height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl Default for TimelineSpec {
    /// Untitled, y label `value`, log y axis, 1000 × 600 pixels.
    fn default() -> Self {
        Self {
            title: String::new(),
            y_label: "value".to_string(),
            log_y: true,
            width: 1000,
            height: 600,
        }
    }
}

/// What was drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlotReport {
    /// Number of points drawn.
    pub drawn: usize,
    /// Number of points not drawn (non-finite or out-of-range time, NaN or
    /// infinite value, or non-positive value on a log axis).
    pub skipped: usize,
}

/// Why a figure could not be written.
#[derive(thiserror::Error, Debug)]
pub enum PlotError {
    /// Writing the output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The output path.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The plotting backend (plotters) failed.
    #[error("plotting backend error: {0}")]
    Backend(String),
    /// None of the points can be drawn (empty input, or every point skipped).
    #[error(
        "no drawable points (empty input, or all times/values non-finite or non-positive on a log axis)"
    )]
    NoPoints,
    /// The output path's extension is not one the figure supports (`png`,
    /// `svg` and, for [`timeline`] only, `html`/`htm`; compared
    /// case-insensitively); holds the extension found (empty if none).
    #[error("unsupported output format {0:?}: use a .png or .svg path (or .html for a timeline)")]
    UnsupportedFormat(String),
    /// The figure's input data are inconsistent or invalid (e.g. series of
    /// different lengths, or negative or non-finite values); says what is wrong.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Output file format, chosen from the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Svg,
    Html,
}

/// The extension of `path` (empty if none), as found.
fn extension_of(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn format_of(path: &Path) -> Result<Format, PlotError> {
    let ext = extension_of(path);
    match ext.to_ascii_lowercase().as_str() {
        "png" => Ok(Format::Png),
        "svg" => Ok(Format::Svg),
        "html" | "htm" => Ok(Format::Html),
        _ => Err(PlotError::UnsupportedFormat(ext)),
    }
}

/// Checks, before anything is computed, that `path` names a figure format
/// (`.png` or `.svg`, and `.html`/`.htm` when `html` is true) and can be
/// written (see `threatstat_core::output::check`), so a command does not
/// fail on its figure after writing its other outputs.
///
/// ```
/// use std::path::Path;
/// assert!(threatstat_plot::check_output(Path::new("fig.png"), false).is_ok());
/// assert!(threatstat_plot::check_output(Path::new("fig.txt"), false).is_err());
/// assert!(threatstat_plot::check_output(Path::new("fig.html"), false).is_err());
/// assert!(threatstat_plot::check_output(Path::new("/no/such/dir/fig.svg"), false).is_err());
/// ```
pub fn check_output(path: &Path, html: bool) -> Result<(), PlotError> {
    let format = format_of(path)?;
    if format == Format::Html && !html {
        return Err(PlotError::UnsupportedFormat(extension_of(path)));
    }
    threatstat_core::output::check(path).map_err(|e| frame::core_err(path, e))?;
    Ok(())
}

/// Writes a timeline scatter (x = time with date labels UTC, y = value) to
/// `path`; the format comes from the extension: `.png`, `.svg` or `.html`.
///
/// * PNG and SVG are drawn with plotters: title, x axis `time (UTC)` with
///   calendar-aligned date ticks (`2020-04-18`, with `HH:MM` when the span is
///   under three days), y axis labelled [`TimelineSpec::y_label`] (log10 when
///   [`TimelineSpec::log_y`]), one circle per point coloured by group, and a
///   legend at the right when there is more than one group. The legend lists
///   the 10 largest groups with their point counts; smaller ones are merged
///   into a grey `other` series.
/// * HTML is a single self-contained offline file (no external scripts,
///   styles or fonts): the same figure as an inline SVG with one `<circle>` per
///   drawn point; hovering a point shows its [`TimelinePoint::hover`] lines in
///   a tooltip (each circle also carries a `<title>` as a script-free
///   fallback). All text is escaped.
///
/// Points that cannot be drawn are skipped and counted in the returned
/// [`PlotReport`]. The extension is checked before the points, so an
/// unsupported extension is reported even for empty input. The parent
/// directory must exist.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension,
/// [`PlotError::NoPoints`] when no point can be drawn, [`PlotError::Io`] when
/// the file cannot be written and [`PlotError::Backend`] when plotters fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{TimelinePoint, TimelineSpec, timeline};
///
/// let start = 1_587_168_000.0; // 2020-04-18 00:00:00 UTC
/// let mut points: Vec<TimelinePoint> = (0..60)
///     .map(|i| TimelinePoint {
///         time_unix_s: start + f64::from(i) * 7200.0,
///         value: 10f64.powf(-f64::from(i % 7)),
///         group: if i % 3 == 0 { "alice" } else { "bob" }.to_string(),
///         hover: vec![format!("event #{i}")],
///     })
///     .collect();
/// // Not drawable on a log axis: skipped and counted.
/// points.push(TimelinePoint { time_unix_s: start, value: 0.0, ..Default::default() });
/// points.push(TimelinePoint { time_unix_s: start, value: f64::NAN, ..Default::default() });
///
/// let spec = TimelineSpec {
///     title: "Session likelihoods".to_string(),
///     y_label: "likelihood".to_string(),
///     ..TimelineSpec::default()
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-doc-{}.png", std::process::id()));
/// let report = timeline(&points, &spec, &path)?;
/// assert!(path.exists());
/// assert_eq!(report.drawn, 60);
/// assert_eq!(report.skipped, 2);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn timeline(
    points: &[TimelinePoint],
    spec: &TimelineSpec,
    path: &Path,
) -> Result<PlotReport, PlotError> {
    let format = format_of(path)?;
    register_fonts();
    let fig = layout::Figure::new(points, spec).ok_or(PlotError::NoPoints)?;
    match format {
        Format::Png => frame::write_png(&fig, path)?,
        Format::Svg => frame::write_svg(&fig, path)?,
        Format::Html => html::write_html(&fig, points, path)?,
    }
    Ok(PlotReport {
        drawn: fig.points.len(),
        skipped: fig.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extensions() {
        assert_eq!(format_of(Path::new("a/b.PNG")).unwrap(), Format::Png);
        assert_eq!(format_of(Path::new("b.svg")).unwrap(), Format::Svg);
        assert_eq!(format_of(Path::new("b.htm")).unwrap(), Format::Html);
        match format_of(Path::new("b.jpeg")) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, "jpeg"),
            other => panic!("{other:?}"),
        }
        match format_of(Path::new("noext")) {
            Err(PlotError::UnsupportedFormat(e)) => assert_eq!(e, ""),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn default_spec() {
        let s = TimelineSpec::default();
        assert_eq!((s.width, s.height, s.log_y), (1000, 600, true));
    }
}
