//! Distribution figures: histograms and ECDFs of several samples (e.g.
//! upload bytes of compromised users against all users), and points with a
//! kernel density estimate whose low-density points are flagged.

use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::layout::{PALETTE, Rect, text_width};
use crate::raster::{
    DrawResult, Drawing, Ticked, close_frame, draw_title, font, rgb, style_mesh, write_png,
    write_svg,
};
use crate::scale::{ValueAxis, format_value, pow10_label, value_axis, zero_based_axis};
use crate::{Format, PlotError, PlotReport, extension_of, format_of, register_fonts};

/// Label of the y axis of the ECDF panel.
const ECDF_LABEL: &str = "ECDF";
/// Labels of the y axis of the histogram panel (log and linear x axis).
const HIST_LABEL_LOG: &str = "density per decade";
const HIST_LABEL_LINEAR: &str = "density";
/// Opacity of histogram bar fills (the outlines are opaque).
const HIST_ALPHA: f64 = 0.28;
/// Longest population name shown in the legend (in characters).
const MAX_LEGEND_NAME: usize = 40;

/// Colours of the KDE figure: points that are not flagged, flagged points,
/// the truth rings, the 1-D density curve and the threshold.
const PLAIN_COLOR: (u8, u8, u8) = (0x4d, 0x4d, 0x4d);
const FLAG_COLOR: (u8, u8, u8) = PALETTE[3];
const TRUTH_COLOR: (u8, u8, u8) = (0, 0, 0);
const CURVE_COLOR: (u8, u8, u8) = PALETTE[0];
const THRESHOLD_COLOR: (u8, u8, u8) = (0x9e, 0x10, 0x10);
/// Opacity of point fills in the KDE figure.
const PLAIN_ALPHA: f64 = 0.55;
const FLAG_ALPHA: f64 = 0.9;
/// Ends of the colour ramp of the 2-D density bands (lowest, highest band).
const BAND_LIGHT: (u8, u8, u8) = (0xe6, 0xf0, 0xf9);
const BAND_DARK: (u8, u8, u8) = (0x4a, 0x8b, 0xc4);
/// Density bands reach down to this fraction of the largest density (or to
/// the threshold, if lower); below it the background stays white.
const BAND_RANGE: f64 = 1e-3;

/// Distributions of several samples: a histogram panel and an ECDF panel.
///
/// Build it with [`DistributionFigure::new`] and set the other fields with
/// struct update syntax; see [`distribution_figure`] for what is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionFigure<'a> {
    /// Figure title, drawn centred above the panels; may be empty (no title).
    pub title: String,
    /// (label, values) per population, e.g. ("all users", &all), ("compromised", &red).
    pub samples: Vec<(&'a str, &'a [f64])>,
    /// x-axis title, e.g. "upload bytes per user-day".
    pub x_label: String,
    /// Log-scaled x axis with log-spaced bins (non-positive values are skipped and counted in PlotReport.skipped).
    pub log_x: bool,
    /// Optional annotation drawn in the top panel, e.g. "Mann-Whitney U p = 3.2e-12".
    ///
    /// Drawn in a box in the upper left or right corner of the histogram
    /// panel (whichever the bars leave free); `\n` starts a new line.
    pub note: Option<String>,
    /// Figure width in pixels (PNG pixels; SVG user units). Values are
    /// clamped to `320..=16384`.
    pub width: u32,
    /// Figure height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> DistributionFigure<'a> {
    /// A figure of `samples` with the defaults: no title, x label `value`,
    /// log x axis, no note, 1000 × 700 pixels.
    pub fn new(samples: Vec<(&'a str, &'a [f64])>) -> Self {
        Self {
            title: String::new(),
            samples,
            x_label: "value".to_string(),
            log_x: true,
            note: None,
            width: 1000,
            height: 700,
        }
    }
}

/// Writes the distributions of [`DistributionFigure::samples`] as PNG or SVG
/// (chosen by the extension; anything else -> UnsupportedFormat).
///
/// The figure has two panels sharing the x axis ([`DistributionFigure::x_label`],
/// log10 with `10⁴`-style labels when [`DistributionFigure::log_x`]):
///
/// * top: a histogram of every population over the same bins, each normalised
///   to a density (area 1), so that populations of very different sizes are
///   comparable: semi-transparent bars with an opaque step outline, one
///   colour per population. On a log x axis the bins are log-spaced and the
///   density is per decade (per unit of log10 x), so the area under each
///   outline as drawn is 1. The bin width follows the Freedman–Diaconis rule
///   for the smallest population (8 to 120 bins).
/// * bottom: the empirical CDF of every population as a step line.
///
/// The legend (one row, or more if needed) between the title and the panels
/// names each population with its number of drawn values (`all users (n =
/// 20,000)`, plus the number skipped, if any); [`DistributionFigure::note`]
/// is written in a box in the histogram panel.
///
/// On a log x axis non-positive values are skipped and counted in the
/// returned [`PlotReport::skipped`]; [`PlotReport::drawn`] is the number of
/// values drawn (over all populations). The extension (`.png` or `.svg`,
/// case-insensitive) is checked first, then the inputs; nothing is written
/// when either is rejected. The parent directory must exist.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension (including
/// `.html`); [`PlotError::InvalidInput`] when there are no samples or more
/// than 10, when a sample is empty or holds a NaN or infinite value;
/// [`PlotError::NoPoints`] when every value is skipped (log x axis, all
/// values non-positive); [`PlotError::Io`] when the file cannot be written
/// and [`PlotError::Backend`] when plotters fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{DistributionFigure, distribution_figure};
///
/// // Upload bytes per user-day: all users and the (larger) compromised ones.
/// let all: Vec<f64> = (1..=2000).map(|i| 1e4 * (f64::from(i % 97) / 10.0).exp()).collect();
/// let compromised: Vec<f64> = (1..=60).map(|i| 3e5 * (f64::from(i % 11) / 4.0).exp()).collect();
/// let mut with_zero = compromised.clone();
/// with_zero.push(0.0); // not drawable on the log axis: skipped and counted
///
/// let fig = DistributionFigure {
///     title: "Upload bytes: compromised users vs all users".to_string(),
///     x_label: "upload bytes per user-day".to_string(),
///     note: Some("Mann-Whitney U p = 3.2e-12".to_string()),
///     ..DistributionFigure::new(vec![("all users", &all), ("compromised", &with_zero)])
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-dist-doc-{}.png", std::process::id()));
/// let report = distribution_figure(&fig, &path)?;
/// assert_eq!((report.drawn, report.skipped), (2060, 1));
/// assert!(path.exists());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn distribution_figure(fig: &DistributionFigure, path: &Path) -> Result<PlotReport, PlotError> {
    let format = format_of(path)?;
    if format == Format::Html {
        return Err(PlotError::UnsupportedFormat(extension_of(path)));
    }
    let pops = prepare_samples(fig)?;
    let drawn: usize = pops.iter().map(|p| p.values.len()).sum();
    let skipped: usize = pops.iter().map(|p| p.skipped).sum();
    if drawn == 0 {
        return Err(PlotError::NoPoints);
    }
    register_fonts();
    let layout = DistLayout::new(fig, pops);
    if format == Format::Svg {
        write_svg(&layout, path)?;
    } else {
        write_png(&layout, path)?;
    }
    Ok(PlotReport { drawn, skipped })
}

/// Points with a kernel density estimate, low-density points flagged.
///
/// Build it with [`KdeFlagFigure::new`] and set the other fields with struct
/// update syntax; see [`kde_flag_figure`] for what is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct KdeFlagFigure<'a> {
    /// Figure title, drawn centred above the plot; may be empty (no title).
    pub title: String,
    /// x coordinates of the points (e.g. log10 upload bytes per day).
    pub x: &'a [f64],
    /// y coordinates for a 2-D figure; None for 1-D (points drawn as a rug under the density curve).
    pub y: Option<&'a [f64]>,
    /// Points flagged as low density (drawn red).
    pub flagged: &'a [bool],
    /// Optional ground truth (e.g. compromised), drawn with a distinct marker (black ring) so hits and misses are visible.
    pub truth: Option<&'a [bool]>,
    /// 1-D: (grid x, density) curve. 2-D: a grid of densities drawn as a shaded background and/or contour-like bands.
    ///
    /// The 2-D grid is drawn as log-spaced bands (white below 1/1000 of the
    /// largest density, or below the threshold if that is lower) with a
    /// colour bar at the right.
    pub density: DensityOverlay<'a>,
    /// The density threshold used for flagging (points whose density is
    /// below it are flagged), if known: drawn as a dashed horizontal line
    /// (1-D) or as the contour of the grid at that level (2-D; also marked
    /// on the colour bar), and named with its value in the legend when drawn.
    pub threshold: Option<f64>,
    /// Title of the x axis; `x` when empty.
    pub x_label: String,
    /// Title of the y axis (2-D) or of the density axis (1-D); `y` (2-D) or
    /// `density` (1-D) when empty.
    pub y_label: String,
    /// Figure width in pixels (PNG pixels; SVG user units). Values are
    /// clamped to `320..=16384`.
    pub width: u32,
    /// Figure height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

/// The density drawn under the points of a [`KdeFlagFigure`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DensityOverlay<'a> {
    /// No density: only the points (1-D: spread over the whole panel).
    None,
    /// A 1-D density curve: `density[i]` at `grid[i]` (same length, at least
    /// 2, `grid` strictly increasing, densities finite and `>= 0`).
    Curve {
        /// Grid x positions, strictly increasing.
        grid: &'a [f64],
        /// Density at each grid position.
        density: &'a [f64],
    },
    /// A 2-D density on a grid of nodes: `z[j * xs.len() + i]` at
    /// `(xs[i], ys[j])`; each node is drawn as the cell around it.
    Grid {
        /// Node x positions (at least 2), strictly increasing.
        xs: &'a [f64],
        /// Node y positions (at least 2), strictly increasing.
        ys: &'a [f64],
        /// Densities, row-major, ys.len() rows × xs.len() columns; finite and `>= 0`.
        z: &'a [f64], /* row-major, ys.len() rows × xs.len() columns */
    },
}

impl<'a> KdeFlagFigure<'a> {
    /// A 1-D figure of the points `x` with their flags and the defaults: no
    /// title, no y (1-D), no truth, no density, no threshold, default axis
    /// titles, 1000 × 700 pixels.
    pub fn new(x: &'a [f64], flagged: &'a [bool]) -> Self {
        Self {
            title: String::new(),
            x,
            y: None,
            flagged,
            truth: None,
            density: DensityOverlay::None,
            threshold: None,
            x_label: String::new(),
            y_label: String::new(),
            width: 1000,
            height: 700,
        }
    }
}

/// Writes the KDE flagging figure as PNG or SVG (chosen by the extension;
/// anything else -> UnsupportedFormat).
///
/// * 1-D ([`KdeFlagFigure::y`] is `None`): the density curve (a line over a
///   light fill, y axis from 0) with the points as a jittered rug in a strip
///   below it; [`KdeFlagFigure::threshold`] is a dashed horizontal line.
/// * 2-D: a scatter of the points over the density grid, drawn as shaded
///   log-spaced bands with a colour bar at the right; the threshold is drawn
///   as the grid's contour at that level.
///
/// Points that are not flagged are grey, flagged points red and a little
/// larger, drawn on top. With [`KdeFlagFigure::truth`] every true point gets
/// a black ring, so red points with a ring are true positives, grey ones with
/// a ring are missed. The legend below the title names the markers with
/// their counts (`flagged (15)`, `not flagged (285)`, `ground truth (20): 12
/// true positives, 8 missed`), the density curve and the threshold.
///
/// The extension is checked first, then the inputs; nothing is written when
/// either is rejected. The returned [`PlotReport`] has `drawn` = number of
/// points and `skipped` = 0 (the axes are linear).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension than `.png` or
/// `.svg`; [`PlotError::InvalidInput`] when `x` is empty, when `y`,
/// `flagged` or `truth` has a different length than `x`, when a coordinate,
/// grid position, density or the threshold is NaN or infinite, a density or
/// the threshold negative, a grid not strictly increasing or shorter than 2,
/// `z` not `xs.len() × ys.len()` long, or when the overlay does not match the
/// dimension (a curve for 2-D points, a grid for 1-D points);
/// [`PlotError::Io`] when the file cannot be written and
/// [`PlotError::Backend`] when plotters fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{DensityOverlay, KdeFlagFigure, kde_flag_figure};
///
/// // 1-D: log10 upload bytes per day of 200 hosts, a density curve on a grid.
/// let x: Vec<f64> = (0..200).map(|i| 5.0 + f64::from(i % 41) / 20.0 - 1.0).collect();
/// let grid: Vec<f64> = (0..=100).map(|i| 3.0 + f64::from(i) * 0.04).collect();
/// let density: Vec<f64> = grid.iter().map(|g| (-(g - 5.0f64).powi(2) * 1.5).exp()).collect();
/// let flagged: Vec<bool> = x.iter().map(|v| (v - 5.0f64).abs() > 0.95).collect();
///
/// let fig = KdeFlagFigure {
///     title: "Hosts with unusual upload volume".to_string(),
///     density: DensityOverlay::Curve { grid: &grid, density: &density },
///     threshold: Some(0.25),
///     x_label: "log10 upload bytes per day".to_string(),
///     ..KdeFlagFigure::new(&x, &flagged)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-kde-doc-{}.svg", std::process::id()));
/// let report = kde_flag_figure(&fig, &path)?;
/// assert_eq!(report.drawn, 200);
/// assert!(std::fs::read_to_string(&path).unwrap().contains("flagged"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn kde_flag_figure(fig: &KdeFlagFigure, path: &Path) -> Result<PlotReport, PlotError> {
    let format = format_of(path)?;
    if format == Format::Html {
        return Err(PlotError::UnsupportedFormat(extension_of(path)));
    }
    validate_kde(fig)?;
    register_fonts();
    let layout = KdeLayout::new(fig);
    if format == Format::Svg {
        write_svg(&layout, path)?;
    } else {
        write_png(&layout, path)?;
    }
    Ok(PlotReport {
        drawn: fig.x.len(),
        skipped: 0,
    })
}

// ---------------------------------------------------------------------------
// Shared pieces: sizes, legends, axes.

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked<SafeLinear>, Ticked<SafeLinear>>>;

/// A linear coordinate from `.0` to `.1` that maps like plotters'
/// `RangedCoordf64` but cannot overflow, even for ranges wider than
/// `f64::MAX` (such as `-f64::MAX..f64::MAX`). Its key points come from
/// [`Ticked`].
struct SafeLinear(f64, f64);

impl Ranged for SafeLinear {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.1 / 2.0 - self.0 / 2.0;
        let f = (v / 2.0 - self.0 / 2.0) / span;
        if !f.is_finite() {
            return if f == f64::INFINITY { limit.1 } else { limit.0 };
        }
        // Far outside the range: clamp well inside i32.
        let px = (f64::from(limit.1 - limit.0) * f).clamp(-1e8, 1e8);
        if limit.1 >= limit.0 {
            limit.0 + (px + 1e-3).floor() as i32
        } else {
            limit.0 + (px - 1e-3).ceil() as i32
        }
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        Vec::new()
    }

    fn range(&self) -> Range<f64> {
        self.0..self.1
    }
}

/// Font sizes and spacing, scaled from the 1000 × 700 reference.
struct Sizes {
    width: u32,
    height: u32,
    s: f64,
    title_px: f64,
    desc_px: f64,
    tick_px: f64,
    legend_px: f64,
    margin: f64,
    title_h: f64,
    line_w: u32,
}

impl Sizes {
    fn new(width: u32, height: u32, title: &str) -> Self {
        let width = width.clamp(320, 16_384);
        let height = height.clamp(240, 16_384);
        let (w, h) = (f64::from(width), f64::from(height));
        let s = (w / 1000.0).min(h / 700.0).clamp(0.6, 4.0);
        let title_px = (24.0 * s).round();
        let margin = (12.0 * s).round();
        Sizes {
            width,
            height,
            s,
            title_px,
            desc_px: (17.0 * s).round(),
            tick_px: (15.0 * s).round(),
            legend_px: (15.0 * s).round(),
            margin,
            title_h: if title.is_empty() {
                margin
            } else {
                (title_px * 2.0).round()
            },
            line_w: (2.0 * s).round().max(2.0) as u32,
        }
    }

    fn w(&self) -> f64 {
        f64::from(self.width)
    }

    fn h(&self) -> f64 {
        f64::from(self.height)
    }

    /// Height of the area below a plot holding x tick labels and the x title.
    fn x_area(&self) -> f64 {
        (self.tick_px * 1.2 + 8.0 * self.s + self.desc_px * 1.6).round()
    }

    /// Width of the area left of a plot holding the tick labels `labels`
    /// and the y title.
    fn y_area<'l>(&self, labels: impl Iterator<Item = &'l str>) -> f64 {
        let widest = labels
            .map(|l| text_width(l, self.tick_px))
            .fold(0.0, f64::max);
        (widest + 10.0 * self.s + self.desc_px * 2.0).round()
    }

    /// The area holding the plotting area `plot` and its label areas (left:
    /// y labels; below: x labels when `x_area` > 0).
    fn panel_area<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        plot: Rect,
        x_area: f64,
    ) -> DrawingArea<DB, Shift> {
        root.clone().shrink(
            (self.margin as i32, plot.top as i32),
            (
                (plot.right - self.margin) as i32,
                (plot.bottom - plot.top + x_area) as i32,
            ),
        )
    }
}

/// The marker of a legend entry.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Swatch {
    /// A semi-transparent bar with an opaque outline.
    Bar((u8, u8, u8)),
    /// A filled circle of the given colour, opacity and radius.
    Dot((u8, u8, u8), f64, f64),
    /// A black ring of the given radius.
    Ring(f64),
    /// A line; dashed or solid.
    Line((u8, u8, u8), bool),
}

/// A legend of one or more rows below the title.
struct Legend {
    entries: Vec<(Swatch, String)>,
    /// Entry indices per row.
    rows: Vec<Vec<usize>>,
    px: f64,
    row_h: f64,
}

impl Legend {
    /// Lays out `entries` in rows no wider than `avail` pixels.
    fn new(entries: Vec<(Swatch, String)>, px: f64, avail: f64) -> Self {
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut used = 0.0;
        for (k, (_, text)) in entries.iter().enumerate() {
            let w = Self::entry_w(px, text);
            match rows.last_mut() {
                Some(row) if row.is_empty() || used + w <= avail => row.push(k),
                _ => {
                    rows.push(vec![k]);
                    used = 0.0;
                }
            }
            used += w;
        }
        Legend {
            entries,
            rows,
            px,
            row_h: (px * 1.7).round(),
        }
    }

    fn swatch_w(px: f64) -> f64 {
        (px * 1.8).round()
    }

    /// Width of an entry including the gap after it.
    fn entry_w(px: f64, text: &str) -> f64 {
        Self::swatch_w(px) + (px * 0.5).round() + text_width(text, px) + (px * 1.8).round()
    }

    /// Total height, with some space below the last row.
    fn height(&self) -> f64 {
        (self.row_h * self.rows.len() as f64 + self.px * 0.4).round()
    }

    /// Draws the rows starting at (`left`, `top`) in figure pixels.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        left: f64,
        top: f64,
        line_w: u32,
    ) -> DrawResult<DB> {
        let px = self.px;
        let swatch = Self::swatch_w(px) as i32;
        let half_h = (px * 0.4).round() as i32;
        let style = font(px)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (r, row) in self.rows.iter().enumerate() {
            let cy = (top + self.row_h * (r as f64 + 0.5)).round() as i32;
            let mut x = left.round() as i32;
            for &k in row {
                let (sw, text) = &self.entries[k];
                let mid = x + swatch / 2;
                match *sw {
                    Swatch::Bar(c) => {
                        let corners = [(x, cy - half_h), (x + swatch, cy + half_h)];
                        root.draw(&Rectangle::new(
                            corners,
                            rgb(c).mix(HIST_ALPHA + 0.1).filled(),
                        ))?;
                        root.draw(&Rectangle::new(corners, rgb(c).stroke_width(line_w)))?;
                    }
                    Swatch::Dot(c, alpha, r) => {
                        root.draw(&Circle::new(
                            (mid, cy),
                            r.round() as i32,
                            rgb(c).mix(alpha).filled(),
                        ))?;
                    }
                    Swatch::Ring(r) => {
                        root.draw(&Circle::new(
                            (mid, cy),
                            r.round() as i32,
                            rgb(TRUTH_COLOR).stroke_width(line_w.max(2) - 1),
                        ))?;
                    }
                    Swatch::Line(c, dashed) => {
                        let style = rgb(c).stroke_width(line_w);
                        let pts = vec![(x, cy), (x + swatch, cy)];
                        if dashed {
                            let d = (px * 0.45).round().max(3.0) as i32;
                            root.draw(&DashedPathElement::new(pts, d, d * 2 / 3, style))?;
                        } else {
                            root.draw(&PathElement::new(pts, style))?;
                        }
                    }
                }
                let tx = x + swatch + (px * 0.5).round() as i32;
                root.draw_text(text, &style, (tx, cy))?;
                x += Self::entry_w(px, text) as i32;
            }
        }
        Ok(())
    }
}

/// The label of the tick at `v` among `ticks`, or empty.
fn label_at(ticks: &[(f64, String)], v: f64) -> String {
    ticks
        .iter()
        .find(|(t, _)| *t == v)
        .map(|(_, l)| l.clone())
        .unwrap_or_default()
}

/// A linear plotters coordinate from `lo` to `hi` with the given labelled
/// ticks and unlabelled grid lines.
fn ticked(lo: f64, hi: f64, ticks: &[(f64, String)], minor: &[f64]) -> Ticked<SafeLinear> {
    Ticked {
        inner: SafeLinear(lo, hi),
        bold: ticks.iter().map(|t| t.0).collect(),
        light: minor.to_vec(),
    }
}

/// An x axis for the data range `[vmin, vmax]` whose labels fit side by side
/// on `axis_px` pixels, with as many labels as fit (at most about 12).
fn fitting_axis(
    vmin: f64,
    vmax: f64,
    log: bool,
    axis_px: f64,
    width: &dyn Fn(&str) -> f64,
) -> ValueAxis {
    let fwd = |v: f64| if log { v.log10() } else { v };
    let mut last = None;
    for max_ticks in (2..=12).rev() {
        let axis = finite_ticks(value_axis(vmin, vmax, log, max_ticks));
        let (l0, l1) = (fwd(axis.lo), fwd(axis.hi));
        let px = |v: f64| (fwd(v) / 2.0 - l0 / 2.0) / (l1 / 2.0 - l0 / 2.0) * axis_px;
        let fits = axis
            .ticks
            .windows(2)
            .all(|w| (width(&w[0].1) + width(&w[1].1)) / 2.0 + 12.0 <= px(w[1].0) - px(w[0].0));
        if fits {
            return axis;
        }
        last = Some(axis);
    }
    last.unwrap_or_else(|| finite_ticks(value_axis(vmin, vmax, log, 2)))
}

/// `axis` without ticks outside its range (the shared tick helpers can
/// overflow to an infinite tick next to `f64::MAX`).
fn finite_ticks(mut axis: ValueAxis) -> ValueAxis {
    let (lo, hi) = (axis.lo, axis.hi);
    let inside = |v: f64| v.is_finite() && v >= lo && v <= hi;
    axis.ticks.retain(|(v, _)| inside(*v));
    axis.minor.retain(|v| inside(*v));
    axis
}

/// The axis in drawing coordinates: log10 of the values on a log axis.
struct DrawAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
    minor: Vec<f64>,
}

impl DrawAxis {
    fn new(axis: &ValueAxis) -> Self {
        let fwd = |v: f64| if axis.log { v.log10() } else { v };
        DrawAxis {
            lo: fwd(axis.lo),
            hi: fwd(axis.hi),
            ticks: axis
                .ticks
                .iter()
                .map(|(v, l)| (fwd(*v), l.clone()))
                .collect(),
            minor: axis.minor.iter().map(|v| fwd(*v)).collect(),
        }
    }

    fn coord(&self) -> Ticked<SafeLinear> {
        ticked(self.lo, self.hi, &self.ticks, &self.minor)
    }
}

/// `20000` as `20,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() > max {
        let mut s: String = name.chars().take(max - 1).collect();
        s.push('…');
        s
    } else {
        name.to_string()
    }
}

fn lerp_color(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> (u8, u8, u8) {
    let f = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    (f(a.0, b.0), f(a.1, b.1), f(a.2, b.2))
}

// ---------------------------------------------------------------------------
// Distribution figure.

/// One population, ready to draw.
struct Population {
    /// Legend text, e.g. `all users (n = 20,000)`.
    legend: String,
    color: (u8, u8, u8),
    /// Drawable values in drawing coordinates (log10 on a log axis), sorted.
    values: Vec<f64>,
    /// Values not drawable on a log axis.
    skipped: usize,
    /// Density per bin (filled in by the layout).
    density: Vec<f64>,
}

/// Validates the samples and keeps the drawable values of each.
fn prepare_samples(fig: &DistributionFigure) -> Result<Vec<Population>, PlotError> {
    if fig.samples.is_empty() {
        return Err(PlotError::InvalidInput("samples is empty".to_string()));
    }
    if fig.samples.len() > PALETTE.len() {
        return Err(PlotError::InvalidInput(format!(
            "{} samples given, at most {} can be drawn",
            fig.samples.len(),
            PALETTE.len()
        )));
    }
    let mut pops = Vec::with_capacity(fig.samples.len());
    for (k, (label, values)) in fig.samples.iter().enumerate() {
        if values.is_empty() {
            return Err(PlotError::InvalidInput(format!(
                "sample {k} ({label:?}) is empty"
            )));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(PlotError::InvalidInput(format!(
                "sample {k} ({label:?}): value [{i}] = {v} is not finite"
            )));
        }
        let mut kept: Vec<f64> = if fig.log_x {
            values
                .iter()
                .filter(|v| **v > 0.0)
                .map(|v| v.log10())
                .collect()
        } else {
            values.to_vec()
        };
        kept.sort_by(f64::total_cmp);
        let skipped = values.len() - kept.len();
        let name = if label.trim().is_empty() {
            format!("sample {}", k + 1)
        } else {
            truncate(label.trim(), MAX_LEGEND_NAME)
        };
        let legend = if skipped > 0 {
            format!(
                "{name} (n = {}; {} {} ≤ 0 not on the log axis)",
                thousands(kept.len()),
                thousands(skipped),
                if skipped == 1 { "value" } else { "values" }
            )
        } else {
            format!("{name} (n = {})", thousands(kept.len()))
        };
        pops.push(Population {
            legend,
            color: PALETTE[k],
            values: kept,
            skipped,
            density: Vec::new(),
        });
    }
    Ok(pops)
}

/// The `q`-quantile (0..=1) of sorted `v` (not empty), interpolated.
fn quantile(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    let f = pos - i as f64;
    v[i] * (1.0 - f) + v[j] * f
}

/// Number of histogram bins over `[t0, t1]`: Freedman–Diaconis with the
/// pooled interquartile range and the size of the smallest population, so
/// that the noisiest histogram stays readable; 8 to 120 bins, at least
/// 3 pixels each.
fn bin_count(pops: &[Population], t0: f64, t1: f64, axis_px: f64) -> usize {
    let mut pooled: Vec<f64> = pops.iter().flat_map(|p| p.values.iter().copied()).collect();
    pooled.sort_by(f64::total_cmp);
    let n_min = pops
        .iter()
        .map(|p| p.values.len())
        .filter(|n| *n > 0)
        .min()
        .unwrap_or(1);
    // Halves throughout, so that extreme values cannot overflow.
    let half_iqr = quantile(&pooled, 0.75) / 2.0 - quantile(&pooled, 0.25) / 2.0;
    let range = t1 / 2.0 - t0 / 2.0;
    let h = 2.0 * half_iqr / (n_min as f64).cbrt();
    let raw = if h > 0.0 && h.is_finite() {
        (range / h).ceil()
    } else {
        (n_min as f64).sqrt().ceil()
    };
    let max = (axis_px / 3.0).floor().clamp(8.0, 120.0);
    if raw.is_finite() {
        raw.clamp(8.0, max) as usize
    } else {
        8
    }
}

/// Everything needed to draw the distribution figure.
struct DistLayout {
    sz: Sizes,
    title: String,
    x_label: String,
    hist_label: &'static str,
    note: Vec<String>,
    legend: Legend,
    pops: Vec<Population>,
    /// Bin edges in drawing coordinates.
    edges: Vec<f64>,
    x: DrawAxis,
    hist_axis: ValueAxis,
    ecdf_axis: ValueAxis,
    y_area: f64,
    x_area: f64,
    upper: Rect,
    lower: Rect,
    /// Whether the note goes in the upper left corner (else upper right).
    note_left: bool,
}

impl DistLayout {
    /// Lays out the validated populations (at least one value in all).
    fn new(fig: &DistributionFigure, mut pops: Vec<Population>) -> Self {
        let title = fig.title.trim().to_string();
        let sz = Sizes::new(fig.width, fig.height, &title);
        let (w, h) = (sz.w(), sz.h());
        let right_pad = (sz.tick_px * 2.5).round().max(sz.margin);
        let legend = Legend::new(
            pops.iter()
                .map(|p| (Swatch::Bar(p.color), p.legend.clone()))
                .collect(),
            sz.legend_px,
            w - 2.0 * sz.margin,
        );
        let note: Vec<String> = fig
            .note
            .as_deref()
            .map(|n| {
                n.lines()
                    .map(str::to_string)
                    .filter(|l| !l.trim().is_empty())
                    .collect()
            })
            .unwrap_or_default();

        // Vertical: title, legend, histogram, gap, ECDF, x axis.
        let x_area = sz.x_area();
        let top = sz.title_h + legend.height();
        let bottom = h - sz.margin - x_area;
        let gap = (sz.tick_px * 1.2).round();
        let avail = (bottom - top - gap).max(20.0);
        let upper_h = (avail * 0.55).round();
        let (upper_top, upper_bottom) = (top, top + upper_h);
        let (lower_top, lower_bottom) =
            (upper_bottom + gap, (upper_bottom + gap + 8.0).max(bottom));
        let max_ticks = |px: f64| ((px / (sz.tick_px * 2.4)).floor() as usize).clamp(2, 10);

        // Bins over the drawable range, shared by all populations.
        let (mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY);
        for p in &pops {
            if let (Some(a), Some(b)) = (p.values.first(), p.values.last()) {
                t0 = t0.min(*a);
                t1 = t1.max(*b);
            }
        }
        let inv = |t: f64| if fig.log_x { 10f64.powf(t) } else { t };
        let est_px = w - 2.0 * sz.margin - right_pad - 80.0 * sz.s;
        let edges: Vec<f64> = if t1 > t0 {
            let k = bin_count(&pops, t0, t1, est_px);
            (0..=k)
                .map(|i| {
                    // Interpolated so that even ±f64::MAX cannot overflow.
                    let f = i as f64 / k as f64;
                    if i == k { t1 } else { t0 * (1.0 - f) + t1 * f }
                })
                .collect()
        } else {
            // One value: a single bar, 1/20 of the axis wide.
            let axis = DrawAxis::new(&value_axis(inv(t0), inv(t1), fig.log_x, 8));
            let d = (axis.hi / 2.0 - axis.lo / 2.0) / 20.0;
            vec![t0 - d, t0 + d]
        };
        let nb = edges.len() - 1;
        let mut max_d: f64 = 0.0;
        for p in &mut pops {
            let mut counts = vec![0usize; nb];
            for &v in &p.values {
                let f = (v / 2.0 - edges[0] / 2.0) / (edges[nb] / 2.0 - edges[0] / 2.0);
                let i = (f * nb as f64).floor();
                counts[(i.max(0.0) as usize).min(nb - 1)] += 1;
            }
            let n = p.values.len().max(1) as f64;
            p.density = counts
                .iter()
                .enumerate()
                .map(|(i, c)| *c as f64 / n / (edges[i + 1] - edges[i]))
                .collect();
            max_d = p.density.iter().fold(max_d, |a, &b| a.max(b));
        }

        let ecdf_axis = value_axis(0.0, 1.0, false, max_ticks(lower_bottom - lower_top));
        let hist_axis = finite_ticks(zero_based_axis(max_d, max_ticks(upper_h)));
        let y_area = sz.y_area(
            hist_axis
                .ticks
                .iter()
                .chain(&ecdf_axis.ticks)
                .map(|t| t.1.as_str()),
        );
        let left = sz.margin + y_area;
        let right = w - right_pad;
        let axis_px = (right - left).max(10.0);
        let x_axis = fitting_axis(inv(edges[0]), inv(edges[nb]), fig.log_x, axis_px, &|l| {
            text_width(l, sz.tick_px)
        });
        let x = DrawAxis::new(&x_axis);

        // The note goes in the upper corner with the lower bars; the axis is
        // raised when the bars would still reach into its box.
        let mut hist_axis = hist_axis;
        let mut note_left = false;
        if !note.is_empty() {
            let (bw, bh) = note_box(&note, sz.legend_px);
            let f = ((bw + sz.margin) / axis_px).min(1.0);
            let corner_max = |a: f64, b: f64| {
                pops.iter()
                    .flat_map(|p| {
                        p.density
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| edges[*i + 1] > a && edges[*i] < b)
                            .map(|(_, d)| *d)
                    })
                    .fold(0.0, f64::max)
            };
            let left_max = corner_max(x.lo, x.lo * (1.0 - f) + x.hi * f);
            let right_max = corner_max(x.lo * f + x.hi * (1.0 - f), x.hi);
            note_left = left_max < right_max;
            let highest = left_max.min(right_max);
            let free = 1.0 - (bh + sz.margin * 1.5) / upper_h;
            if free > 0.2 && highest > hist_axis.hi * free {
                hist_axis = finite_ticks(zero_based_axis(
                    (highest / free / 1.08).max(max_d),
                    max_ticks(upper_h),
                ));
            }
        }
        let y_area = y_area.max(sz.y_area(hist_axis.ticks.iter().map(|t| t.1.as_str())));
        let left = sz.margin + y_area;

        DistLayout {
            title,
            x_label: fig.x_label.clone(),
            hist_label: if fig.log_x {
                HIST_LABEL_LOG
            } else {
                HIST_LABEL_LINEAR
            },
            note,
            legend,
            pops,
            edges,
            x,
            hist_axis,
            ecdf_axis,
            y_area,
            x_area,
            upper: Rect {
                left,
                top: upper_top,
                right,
                bottom: upper_bottom,
            },
            lower: Rect {
                left,
                top: lower_top,
                right,
                bottom: lower_bottom,
            },
            note_left,
            sz,
        }
    }

    /// Upper panel: histogram fills, then the outlines on top, then the note.
    fn draw_hist<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sz = &self.sz;
        let area = sz.panel_area(root, self.upper, 0.0);
        let axis = &self.hist_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .build_cartesian_2d(self.x.coord(), ticked(axis.lo, axis.hi, &axis.ticks, &[]))?;
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.hist_label).y_label_formatter(&y_fmt);
        style_mesh(&mut mesh, sz.tick_px, sz.desc_px).draw()?;

        let e = &self.edges;
        for p in &self.pops {
            let fill = rgb(p.color).mix(HIST_ALPHA).filled();
            chart.draw_series(
                p.density
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| **d > 0.0)
                    .map(|(i, &d)| Rectangle::new([(e[i], 0.0), (e[i + 1], d)], fill)),
            )?;
        }
        for p in &self.pops {
            // The outline spans the population's own bins, not the empty
            // ones at either end (they would hide the other outlines).
            let (Some(first), Some(last)) = (
                p.density.iter().position(|d| *d > 0.0),
                p.density.iter().rposition(|d| *d > 0.0),
            ) else {
                continue;
            };
            let mut path = Vec::with_capacity(2 * (last - first) + 4);
            path.push((e[first], 0.0));
            for (i, &d) in p.density.iter().enumerate().take(last + 1).skip(first) {
                path.push((e[i], d));
                path.push((e[i + 1], d));
            }
            path.push((e[last + 1], 0.0));
            chart.draw_series(std::iter::once(PathElement::new(
                path,
                rgb(p.color).stroke_width(sz.line_w),
            )))?;
        }
        close_frame(&chart, (self.x.lo, axis.hi), (self.x.hi, axis.lo), true)?;
        self.draw_note(root)
    }

    /// The note in a white box in an upper corner of the histogram panel.
    fn draw_note<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        if self.note.is_empty() {
            return Ok(());
        }
        let px = self.sz.legend_px;
        let (bw, bh) = note_box(&self.note, px);
        let inset = (self.sz.margin * 0.75).round();
        let x0 = if self.note_left {
            self.upper.left + inset
        } else {
            self.upper.right - inset - bw
        };
        let y0 = self.upper.top + inset;
        root.draw(&Rectangle::new(
            [(x0 as i32, y0 as i32), ((x0 + bw) as i32, (y0 + bh) as i32)],
            WHITE.mix(0.9).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(x0 as i32, y0 as i32), ((x0 + bw) as i32, (y0 + bh) as i32)],
            BLACK.mix(0.3).stroke_width(1),
        ))?;
        let style = font(px)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let pad = (px * 0.6).round();
        for (k, line) in self.note.iter().enumerate() {
            let cy = y0 + pad + px * 1.4 * (k as f64 + 0.5);
            root.draw_text(line, &style, ((x0 + pad) as i32, cy.round() as i32))?;
        }
        Ok(())
    }

    /// Lower panel: one ECDF step line per population, the x axis.
    fn draw_ecdf<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sz = &self.sz;
        let area = sz.panel_area(root, self.lower, self.x_area);
        let axis = &self.ecdf_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(self.x.coord(), ticked(axis.lo, axis.hi, &axis.ticks, &[]))?;
        let x_fmt = |v: &f64| label_at(&self.x.ticks, *v);
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_label.as_str())
            .y_desc(ECDF_LABEL)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        style_mesh(&mut mesh, sz.tick_px, sz.desc_px).draw()?;

        // Steps closer than half a pixel are merged.
        let tol =
            (self.x.hi / 2.0 - self.x.lo / 2.0) / (self.lower.right - self.lower.left).max(1.0);
        for p in &self.pops {
            if p.values.is_empty() {
                continue;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                ecdf_path(&p.values, self.x.lo, self.x.hi, tol),
                rgb(p.color).stroke_width(sz.line_w),
            )))?;
        }
        close_frame(&chart, (self.x.lo, axis.hi), (self.x.hi, axis.lo), false)
    }
}

/// Width and height in pixels of the box around the note lines.
fn note_box(lines: &[String], px: f64) -> (f64, f64) {
    let pad = (px * 0.6).round();
    let widest = lines.iter().map(|l| text_width(l, px)).fold(0.0, f64::max);
    (
        (widest + 2.0 * pad).round(),
        (px * 1.4 * lines.len() as f64 + 2.0 * pad).round(),
    )
}

/// The ECDF of sorted `v` (not empty) as a step path from `(lo, 0)` to
/// `(hi, 1)`; runs of values within `tol` of the run's first value become
/// one step.
fn ecdf_path(v: &[f64], lo: f64, hi: f64, tol: f64) -> Vec<(f64, f64)> {
    let n = v.len() as f64;
    let mut path = vec![(lo, 0.0)];
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut j = i + 1;
        while j < v.len() && v[j] - start <= tol {
            j += 1;
        }
        path.push((start, i as f64 / n));
        path.push((start, j as f64 / n));
        i = j;
    }
    path.push((hi, 1.0));
    path
}

impl Drawing for DistLayout {
    fn size(&self) -> (u32, u32) {
        (self.sz.width, self.sz.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        draw_title(root, &self.title, self.sz.title_px, self.sz.title_h)?;
        self.legend
            .draw(root, self.upper.left, self.sz.title_h, self.sz.line_w)?;
        self.draw_hist(root)?;
        self.draw_ecdf(root)
    }
}

// ---------------------------------------------------------------------------
// KDE flag figure.

/// Checks lengths, values and that the overlay fits the dimension.
fn validate_kde(fig: &KdeFlagFigure) -> Result<(), PlotError> {
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    let n = fig.x.len();
    if n == 0 {
        return bad("x is empty".to_string());
    }
    let lengths = [
        ("y", fig.y.map(<[f64]>::len)),
        ("flagged", Some(fig.flagged.len())),
        ("truth", fig.truth.map(<[bool]>::len)),
    ];
    for (name, len) in lengths {
        if let Some(len) = len
            && len != n
        {
            return bad(format!("{name} has {len} entries but x has {n}"));
        }
    }
    let finite = |name: &str, v: &[f64]| match v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((i, v)) => bad(format!("{name}[{i}] = {v} is not finite")),
        None => Ok(()),
    };
    let non_negative = |name: &str, v: &[f64]| {
        finite(name, v)?;
        match v.iter().enumerate().find(|(_, v)| **v < 0.0) {
            Some((i, v)) => bad(format!("{name}[{i}] = {v} is negative")),
            None => Ok(()),
        }
    };
    let increasing = |name: &str, v: &[f64]| {
        finite(name, v)?;
        if v.len() < 2 {
            return bad(format!(
                "{name} has {} entries, at least 2 are needed",
                v.len()
            ));
        }
        match v.windows(2).position(|w| w[1] <= w[0]) {
            Some(i) => bad(format!(
                "{name} is not strictly increasing at [{}] = {}",
                i + 1,
                v[i + 1]
            )),
            None => Ok(()),
        }
    };
    finite("x", fig.x)?;
    if let Some(y) = fig.y {
        finite("y", y)?;
    }
    if let Some(t) = fig.threshold
        && !(t.is_finite() && t >= 0.0)
    {
        return bad(format!(
            "threshold = {t} is not a finite non-negative number"
        ));
    }
    match (fig.density, fig.y.is_some()) {
        (DensityOverlay::None, _) => Ok(()),
        (DensityOverlay::Curve { .. }, true) => {
            bad("a density curve needs 1-D points (y = None); use DensityOverlay::Grid".to_string())
        }
        (DensityOverlay::Grid { .. }, false) => {
            bad("a density grid needs 2-D points (y = Some); use DensityOverlay::Curve".to_string())
        }
        (DensityOverlay::Curve { grid, density }, false) => {
            if grid.len() != density.len() {
                return bad(format!(
                    "density has {} entries but grid has {}",
                    density.len(),
                    grid.len()
                ));
            }
            increasing("grid", grid)?;
            non_negative("density", density)
        }
        (DensityOverlay::Grid { xs, ys, z }, true) => {
            increasing("xs", xs)?;
            increasing("ys", ys)?;
            let cells = xs.len().saturating_mul(ys.len());
            if z.len() != cells {
                return bad(format!(
                    "z has {} entries but xs.len() × ys.len() = {} × {} = {cells}",
                    z.len(),
                    xs.len(),
                    ys.len()
                ));
            }
            non_negative("z", z)
        }
    }
}

/// The shaded bands of a 2-D density grid and its colour bar.
struct Bands<'a> {
    xs: &'a [f64],
    ys: &'a [f64],
    z: &'a [f64],
    /// Cell boundaries around the nodes (one more than nodes).
    bx: Vec<f64>,
    by: Vec<f64>,
    /// Lower bounds of the bands, ascending; below the first: no shading.
    levels: Vec<f64>,
    labels: Vec<String>,
    colors: Vec<(u8, u8, u8)>,
    /// The colour bar in figure pixels.
    bar: Rect,
}

impl Bands<'_> {
    /// Band index of density `v`, if shaded.
    fn band(&self, v: f64) -> Option<usize> {
        self.levels.iter().rposition(|l| v >= *l)
    }

    /// Vertical pixel position on the colour bar of density `v` (levels are
    /// equally spaced; log interpolation in between).
    fn bar_y(&self, v: f64) -> Option<f64> {
        let m = self.levels.len();
        let step = (self.bar.bottom - self.bar.top) / (m as f64 + 1.0);
        let k = self.band(v)?;
        let frac = if k + 1 < m {
            (v.log10() - self.levels[k].log10())
                / (self.levels[k + 1].log10() - self.levels[k].log10())
        } else {
            0.0
        };
        Some(self.bar.bottom - step * (k as f64 + 1.0 + frac))
    }
}

/// Cell boundaries around strictly increasing nodes (at least 2).
fn cell_bounds(nodes: &[f64]) -> Vec<f64> {
    let n = nodes.len();
    let mut b = Vec::with_capacity(n + 1);
    // Halves, clamped: extreme nodes cannot overflow.
    b.push((nodes[0] - (nodes[1] / 2.0 - nodes[0] / 2.0)).max(-f64::MAX));
    b.extend(nodes.windows(2).map(|w| w[0] / 2.0 + w[1] / 2.0));
    b.push((nodes[n - 1] + (nodes[n - 1] / 2.0 - nodes[n - 2] / 2.0)).min(f64::MAX));
    b
}

/// Band levels below `zmax` (> 0): decades, or 1-2-5 steps when that gives
/// fewer than four levels, from `BAND_RANGE × zmax` (or the threshold, when
/// lower) up.
fn band_levels(zmax: f64, threshold: Option<f64>) -> (Vec<f64>, Vec<String>) {
    let mut lo = zmax * BAND_RANGE;
    if let Some(t) = threshold
        && t > 0.0
        && t < lo
    {
        lo = t.max(zmax * 1e-8);
    }
    let k0 = lo.log10().floor() as i32;
    let k1 = zmax.log10().ceil() as i32;
    let decades: Vec<i32> = (k0..=k1)
        .filter(|k| {
            let v = 10f64.powi(*k);
            v >= lo * (1.0 - 1e-9) && v < zmax
        })
        .collect();
    if decades.len() >= 4 {
        let levels = decades.iter().map(|k| 10f64.powi(*k)).collect();
        let labels = decades.iter().map(|k| pow10_label(i64::from(*k))).collect();
        return (levels, labels);
    }
    let mut levels = Vec::new();
    for k in (k0 - 1)..=k1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(k);
            if v >= lo * (1.0 - 1e-9) && v < zmax {
                levels.push(v);
            }
        }
    }
    if levels.is_empty() {
        levels.push(lo);
    }
    let labels = levels.iter().map(|v| format_value(*v)).collect();
    (levels, labels)
}

/// Segments of the contour of the node grid `z` at `level` (marching
/// squares; saddles are resolved by the cell's mean).
fn contour(xs: &[f64], ys: &[f64], z: &[f64], level: f64) -> Vec<[(f64, f64); 2]> {
    let nx = xs.len();
    let at = |i: usize, j: usize| z[j * nx + i];
    let mut out = Vec::new();
    for j in 0..ys.len().saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            // Corners counter-clockwise from the lower left.
            let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
            let v = c.map(|(a, b)| at(a, b));
            let above = v.map(|x| x >= level);
            // Crossing on edge e (corner e to corner e+1), if any.
            let cross = |e: usize| {
                let f = (e + 1) % 4;
                if above[e] == above[f] {
                    return None;
                }
                let t = (level / 2.0 - v[e] / 2.0) / (v[f] / 2.0 - v[e] / 2.0);
                let (p, q) = (c[e], c[f]);
                Some((
                    xs[p.0] * (1.0 - t) + xs[q.0] * t,
                    ys[p.1] * (1.0 - t) + ys[q.1] * t,
                ))
            };
            let pts: Vec<(usize, (f64, f64))> =
                (0..4).filter_map(|e| cross(e).map(|p| (e, p))).collect();
            match pts.len() {
                2 => out.push([pts[0].1, pts[1].1]),
                4 => {
                    let centre_above = v.iter().sum::<f64>() / 4.0 >= level;
                    if centre_above == above[0] {
                        // Corners 1 and 3 are cut off.
                        out.push([pts[0].1, pts[1].1]);
                        out.push([pts[2].1, pts[3].1]);
                    } else {
                        out.push([pts[3].1, pts[0].1]);
                        out.push([pts[1].1, pts[2].1]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Everything needed to draw the KDE figure.
struct KdeLayout<'a> {
    sz: Sizes,
    title: String,
    legend: Legend,
    x_label: String,
    y_label: String,
    x: &'a [f64],
    y: Option<&'a [f64]>,
    flagged: &'a [bool],
    truth: Option<&'a [bool]>,
    curve: Option<(&'a [f64], &'a [f64])>,
    bands: Option<Bands<'a>>,
    threshold: Option<f64>,
    contour: Vec<[(f64, f64); 2]>,
    plot: Rect,
    y_area: f64,
    x_area: f64,
    x_axis: ValueAxis,
    /// The y axis; in 1-D its range reaches below 0 for the rug strip.
    y_axis: ValueAxis,
    /// 1-D: the y range of the rug strip.
    strip: Option<(f64, f64)>,
    point_r: f64,
    flag_r: f64,
    ring_r: f64,
}

impl<'a> KdeLayout<'a> {
    /// Lays out a validated figure.
    fn new(fig: &KdeFlagFigure<'a>) -> Self {
        let title = fig.title.trim().to_string();
        let sz = Sizes::new(fig.width, fig.height, &title);
        let (w, h) = (sz.w(), sz.h());
        let point_r = (3.5 * sz.s).max(2.0);
        let flag_r = (4.5 * sz.s).max(2.5);
        let ring_r = flag_r + (2.5 * sz.s).max(1.5);

        // Legend: markers with counts, the density curve, the threshold.
        let n_flag = fig.flagged.iter().filter(|f| **f).count();
        let mut entries = vec![
            (
                Swatch::Dot(PLAIN_COLOR, PLAIN_ALPHA, point_r),
                format!("not flagged ({})", thousands(fig.x.len() - n_flag)),
            ),
            (
                Swatch::Dot(FLAG_COLOR, FLAG_ALPHA, flag_r),
                format!("flagged ({})", thousands(n_flag)),
            ),
        ];
        if let Some(truth) = fig.truth {
            let n_true = truth.iter().filter(|t| **t).count();
            let hits = truth
                .iter()
                .zip(fig.flagged)
                .filter(|(t, f)| **t && **f)
                .count();
            let plural = if hits == 1 { "" } else { "s" };
            entries.push((
                Swatch::Ring(ring_r),
                format!(
                    "ground truth ({}): {} true positive{plural}, {} missed",
                    thousands(n_true),
                    thousands(hits),
                    thousands(n_true - hits)
                ),
            ));
        }
        let curve = match fig.density {
            DensityOverlay::Curve { grid, density } => Some((grid, density)),
            _ => None,
        };
        if curve.is_some() {
            entries.push((Swatch::Line(CURVE_COLOR, false), "KDE density".to_string()));
        }
        // The 2-D threshold is drawn as a contour, which may be empty.
        let contour_segments = match (fig.density, fig.threshold) {
            (DensityOverlay::Grid { xs, ys, z }, Some(t)) if t > 0.0 => contour(xs, ys, z, t),
            _ => Vec::new(),
        };
        if let Some(t) = fig.threshold
            && (curve.is_some() || !contour_segments.is_empty())
        {
            entries.push((
                Swatch::Line(THRESHOLD_COLOR, fig.y.is_none()),
                format!("threshold: density {}", format_value(t)),
            ));
        }
        let legend = Legend::new(entries, sz.legend_px, w - 2.0 * sz.margin);

        // Vertical: title, legend, plot, x axis.
        let x_area = sz.x_area();
        let top = sz.title_h + legend.height();
        let bottom = (h - sz.margin - x_area).max(top + 20.0);
        let plot_h = bottom - top;
        let max_y_ticks = ((plot_h / (sz.tick_px * 2.6)).floor() as usize).clamp(2, 12);

        // Data ranges.
        let range = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        };
        let (mut x0, mut x1) = range(fig.x);
        if let Some((grid, _)) = curve {
            x0 = x0.min(grid[0]);
            x1 = x1.max(grid[grid.len() - 1]);
        }
        let mut bands = None;
        let mut y_axis;
        let mut strip = None;
        let mut bar_w = 0.0;
        match fig.y {
            None => {
                let ymax = curve.map_or(0.0, |(_, d)| d.iter().fold(0.0, |a: f64, &b| a.max(b)));
                let ymax = ymax.max(fig.threshold.unwrap_or(0.0));
                if curve.is_some() {
                    // The rug strip takes the bottom fifth below y = 0.
                    y_axis = finite_ticks(zero_based_axis(ymax, max_y_ticks));
                    let frac = 0.2;
                    let lo = -y_axis.hi * frac / (1.0 - frac);
                    y_axis.lo = lo;
                    strip = Some((lo * 0.88, lo * 0.12));
                } else {
                    y_axis = ValueAxis {
                        lo: 0.0,
                        hi: 1.0,
                        log: false,
                        ticks: Vec::new(),
                        minor: Vec::new(),
                    };
                    strip = Some((0.1, 0.9));
                }
            }
            Some(y) => {
                let (mut y0, mut y1) = range(y);
                if let DensityOverlay::Grid { xs, ys, z } = fig.density {
                    let (bx, by) = (cell_bounds(xs), cell_bounds(ys));
                    x0 = x0.min(bx[0]);
                    x1 = x1.max(bx[bx.len() - 1]);
                    y0 = y0.min(by[0]);
                    y1 = y1.max(by[by.len() - 1]);
                    let zmax = z.iter().fold(0.0, |a: f64, &b| a.max(b));
                    if zmax > 0.0 {
                        let (levels, labels) = band_levels(zmax, fig.threshold);
                        let m = levels.len();
                        let colors = (0..m)
                            .map(|k| {
                                let t = if m > 1 {
                                    k as f64 / (m - 1) as f64
                                } else {
                                    1.0
                                };
                                lerp_color(BAND_LIGHT, BAND_DARK, t)
                            })
                            .collect();
                        let widest = labels.iter().map(|l| text_width(l, sz.tick_px)).fold(
                            text_width("KDE density", sz.tick_px) - sz.tick_px * 1.6,
                            f64::max,
                        );
                        let bar_px = (sz.legend_px * 1.3).round();
                        bar_w =
                            (sz.margin * 1.5 + bar_px + 6.0 * sz.s + widest + sz.margin).round();
                        let bar_left = w - bar_w + sz.margin * 1.5;
                        bands = Some(Bands {
                            xs,
                            ys,
                            z,
                            bx,
                            by,
                            levels,
                            labels,
                            colors,
                            bar: Rect {
                                left: bar_left,
                                top: top + sz.tick_px * 1.6,
                                right: bar_left + bar_px,
                                bottom,
                            },
                        });
                    }
                }
                y_axis = finite_ticks(value_axis(y0, y1, false, max_y_ticks));
            }
        }

        let y_label = match (fig.y_label.trim().is_empty(), fig.y.is_some()) {
            (false, _) => fig.y_label.clone(),
            (true, true) => "y".to_string(),
            (true, false) if curve.is_some() => "density".to_string(),
            (true, false) => String::new(),
        };
        let y_area = if y_axis.ticks.is_empty() && y_label.is_empty() {
            sz.margin
        } else {
            sz.y_area(y_axis.ticks.iter().map(|t| t.1.as_str()))
        };
        let left = sz.margin + y_area;
        let right_pad = (sz.tick_px * 2.5).round().max(sz.margin);
        let right = w - bar_w - right_pad;
        let x_axis = fitting_axis(x0, x1, false, (right - left).max(10.0), &|l| {
            text_width(l, sz.tick_px)
        });
        let x_label = if fig.x_label.trim().is_empty() {
            "x".to_string()
        } else {
            fig.x_label.clone()
        };

        KdeLayout {
            title,
            legend,
            x_label,
            y_label,
            x: fig.x,
            y: fig.y,
            flagged: fig.flagged,
            truth: fig.truth,
            curve,
            bands,
            threshold: fig.threshold,
            contour: contour_segments,
            plot: Rect {
                left,
                top,
                right,
                bottom,
            },
            y_area,
            x_area,
            x_axis,
            y_axis,
            strip,
            point_r,
            flag_r,
            ring_r,
            sz,
        }
    }

    /// The y coordinate at which point `i` is drawn.
    fn point_y(&self, i: usize) -> f64 {
        match (self.y, self.strip) {
            (Some(y), _) => y[i],
            (None, Some((a, b))) => {
                // Golden-ratio jitter: neighbours in input order spread out.
                let u = (i as f64 * 0.618_033_988_749_895).fract();
                a + (b - a) * u
            }
            (None, None) => 0.0,
        }
    }

    fn draw_plot<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let sz = &self.sz;
        let area = sz.panel_area(root, self.plot, self.x_area);
        let (xa, ya) = (&self.x_axis, &self.y_axis);
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(
                ticked(xa.lo, xa.hi, &xa.ticks, &[]),
                ticked(ya.lo, ya.hi, &ya.ticks, &[]),
            )?;

        // Shading first, so that the grid lines stay visible over it.
        self.draw_bands(&mut chart)?;
        let x_fmt = |v: &f64| label_at(&xa.ticks, *v);
        let y_fmt = |v: &f64| label_at(&ya.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        if !self.y_label.is_empty() {
            mesh.y_desc(self.y_label.as_str());
        }
        if ya.ticks.is_empty() {
            mesh.disable_y_mesh();
        }
        style_mesh(&mut mesh, sz.tick_px, sz.desc_px).draw()?;

        if !self.contour.is_empty() {
            let style = rgb(THRESHOLD_COLOR).stroke_width(sz.line_w);
            chart.draw_series(
                self.contour
                    .iter()
                    .map(|s| PathElement::new(vec![s[0], s[1]], style)),
            )?;
        }
        self.draw_curve(&mut chart)?;
        self.draw_points(&mut chart)?;
        close_frame(&chart, (xa.lo, ya.hi), (xa.hi, ya.lo), false)
    }

    /// 2-D: the density bands, one rectangle per run of equal cells in a row.
    fn draw_bands<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> DrawResult<DB> {
        let Some(b) = &self.bands else {
            return Ok(());
        };
        let nx = b.xs.len();
        let mut rects = Vec::new();
        for j in 0..b.ys.len() {
            let mut i = 0;
            while i < nx {
                let band = b.band(b.z[j * nx + i]);
                let mut k = i + 1;
                while k < nx && b.band(b.z[j * nx + k]) == band {
                    k += 1;
                }
                if let Some(band) = band {
                    rects.push(Rectangle::new(
                        [(b.bx[i], b.by[j]), (b.bx[k], b.by[j + 1])],
                        rgb(b.colors[band]).filled(),
                    ));
                }
                i = k;
            }
        }
        chart.draw_series(rects)?;
        Ok(())
    }

    /// 1-D: the density curve over a light fill, the zero line, the
    /// threshold.
    fn draw_curve<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> DrawResult<DB> {
        let Some((grid, density)) = self.curve else {
            return Ok(());
        };
        let sz = &self.sz;
        let pts: Vec<(f64, f64)> = grid.iter().copied().zip(density.iter().copied()).collect();
        chart.draw_series(std::iter::once(Polygon::new(
            std::iter::once((grid[0], 0.0))
                .chain(pts.iter().copied())
                .chain(std::iter::once((grid[grid.len() - 1], 0.0)))
                .collect::<Vec<_>>(),
            rgb(CURVE_COLOR).mix(0.12).filled(),
        )))?;
        let (xa, ya) = (&self.x_axis, &self.y_axis);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(xa.lo, 0.0), (xa.hi, 0.0)],
            BLACK.mix(0.45).stroke_width(1),
        )))?;
        if let Some(t) = self.threshold
            && t <= ya.hi
        {
            let d = (sz.legend_px * 0.45).round().max(3.0) as i32;
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(xa.lo, t), (xa.hi, t)],
                d,
                d * 2 / 3,
                rgb(THRESHOLD_COLOR).stroke_width(sz.line_w),
            )))?;
        }
        chart.draw_series(LineSeries::new(
            pts,
            rgb(CURVE_COLOR).stroke_width(sz.line_w),
        ))?;
        Ok(())
    }

    /// Points: not flagged, then flagged on top, then the truth rings.
    fn draw_points<DB: DrawingBackend>(&self, chart: &mut Chart<'_, DB>) -> DrawResult<DB> {
        let n = self.x.len();
        let plain = rgb(PLAIN_COLOR).mix(PLAIN_ALPHA).filled();
        let flag = rgb(FLAG_COLOR).mix(FLAG_ALPHA).filled();
        let (pr, fr) = (self.point_r.round() as i32, self.flag_r.round() as i32);
        chart.draw_series(
            (0..n)
                .filter(|&i| !self.flagged[i])
                .map(|i| Circle::new((self.x[i], self.point_y(i)), pr, plain)),
        )?;
        chart.draw_series(
            (0..n)
                .filter(|&i| self.flagged[i])
                .map(|i| Circle::new((self.x[i], self.point_y(i)), fr, flag)),
        )?;
        if let Some(truth) = self.truth {
            let ring = rgb(TRUTH_COLOR).stroke_width(self.sz.line_w.max(2) - 1);
            let rr = self.ring_r.round() as i32;
            chart.draw_series(
                (0..n)
                    .filter(|&i| truth[i])
                    .map(|i| Circle::new((self.x[i], self.point_y(i)), rr, ring)),
            )?;
        }
        Ok(())
    }

    /// 2-D: the colour bar of the density bands at the right.
    fn draw_color_bar<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let Some(b) = &self.bands else {
            return Ok(());
        };
        let sz = &self.sz;
        let r = b.bar;
        let m = b.levels.len();
        let step = (r.bottom - r.top) / (m as f64 + 1.0);
        // Bottom segment (below the first level) is white.
        for k in 0..=m {
            let y_hi = r.bottom - step * (k as f64 + 1.0);
            let y_lo = r.bottom - step * k as f64;
            let color = if k == 0 { WHITE } else { rgb(b.colors[k - 1]) };
            root.draw(&Rectangle::new(
                [
                    (r.left as i32, y_hi.round() as i32),
                    (r.right as i32, y_lo.round() as i32),
                ],
                color.filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [
                (r.left as i32, r.top as i32),
                (r.right as i32, r.bottom as i32),
            ],
            BLACK.mix(0.6).stroke_width(1),
        ))?;
        let style = font(sz.tick_px)
            .color(&RGBColor(40, 40, 40))
            .pos(Pos::new(HPos::Left, VPos::Center));
        let tick = (4.0 * sz.s).round() as i32;
        // Thin the labels so that they do not overlap.
        let every = ((sz.tick_px * 1.3) / step).ceil().max(1.0) as usize;
        for (k, label) in b.labels.iter().enumerate() {
            let y = (r.bottom - step * (k as f64 + 1.0)).round() as i32;
            root.draw(&PathElement::new(
                vec![(r.right as i32, y), (r.right as i32 + tick, y)],
                BLACK.mix(0.6).stroke_width(1),
            ))?;
            if (m - 1 - k).is_multiple_of(every) {
                root.draw_text(label, &style, (r.right as i32 + tick + 3, y))?;
            }
        }
        let title_style = font(sz.tick_px)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        root.draw_text(
            "KDE density",
            &title_style,
            (r.left as i32, (r.top - sz.tick_px * 0.5) as i32),
        )?;
        if let Some(t) = self.threshold
            && let Some(y) = b.bar_y(t)
        {
            let y = y.round() as i32;
            root.draw(&PathElement::new(
                vec![(r.left as i32 - tick, y), (r.right as i32 + tick, y)],
                rgb(THRESHOLD_COLOR).stroke_width(sz.line_w + 1),
            ))?;
        }
        Ok(())
    }
}

impl Drawing for KdeLayout<'_> {
    fn size(&self) -> (u32, u32) {
        (self.sz.width, self.sz.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        draw_title(root, &self.title, self.sz.title_px, self.sz.title_h)?;
        self.legend
            .draw(root, self.plot.left, self.sz.title_h, self.sz.line_w)?;
        self.draw_plot(root)?;
        self.draw_color_bar(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn ecdf_path_merges_close_steps() {
        let v = [1.0, 2.0, 2.0, 3.0];
        let p = ecdf_path(&v, 0.0, 4.0, 0.1);
        assert_eq!(
            p,
            [
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 0.25),
                (2.0, 0.25),
                (2.0, 0.75),
                (3.0, 0.75),
                (3.0, 1.0),
                (4.0, 1.0)
            ]
        );
        let p = ecdf_path(&v, 0.0, 4.0, 5.0);
        assert_eq!(p, [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (4.0, 1.0)]);
    }

    #[test]
    fn levels_of_bands() {
        let (levels, labels) = band_levels(0.44, None);
        assert!(levels.len() >= 4 && levels.windows(2).all(|w| w[0] < w[1]));
        assert!(levels[0] >= 0.44e-3 && *levels.last().unwrap() < 0.44);
        assert_eq!(labels.len(), levels.len());
        // A low threshold extends the bands down to it.
        let (levels, labels) = band_levels(1.0, Some(1e-6));
        assert_eq!(levels[0], 1e-6);
        assert_eq!(labels[0], "10⁻⁶");
    }

    #[test]
    fn contour_of_a_bump() {
        let xs = [0.0, 1.0, 2.0];
        let ys = [0.0, 1.0, 2.0];
        let z = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let segs = contour(&xs, &ys, &z, 0.5);
        assert_eq!(segs.len(), 4);
        for s in &segs {
            for (x, y) in s {
                let d = (x - 1.0).abs() + (y - 1.0).abs();
                assert!((d - 0.5).abs() < 1e-12, "{s:?}");
            }
        }
        assert!(contour(&xs, &ys, &z, 2.0).is_empty());
    }

    #[test]
    fn cell_bounds_surround_nodes() {
        assert_eq!(cell_bounds(&[0.0, 1.0, 3.0]), [-0.5, 0.5, 2.0, 4.0]);
    }

    #[test]
    fn legend_wraps() {
        crate::register_fonts();
        let entries = vec![
            (
                Swatch::Bar(PALETTE[0]),
                "a long population name".to_string(),
            ),
            (
                Swatch::Bar(PALETTE[1]),
                "another long population".to_string(),
            ),
        ];
        let one = Legend::new(entries.clone(), 15.0, 2000.0);
        assert_eq!(one.rows, [vec![0, 1]]);
        let two = Legend::new(entries, 15.0, 300.0);
        assert_eq!(two.rows, [vec![0], vec![1]]);
        assert!(two.height() > one.height());
    }
}
