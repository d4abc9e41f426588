//! The KDE flagging figure: points with a kernel density estimate (a curve
//! in 1-D, shaded log-spaced bands with a colour bar in 2-D), the points
//! flagged as low-density in red, ground truth as rings. Its sizes,
//! legend, axes and output come from the shared [`frame`](crate::frame);
//! the threshold contour of a 2-D grid from [`contour`](crate::contour).

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::contour::contour;
use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Rect, SafeLinear, Swatch, Ticked, close_frame,
    draw_bar_scale, figure_format, finite_ticks, fitting_axis, font, label_at, lerp_color, linear,
    rgb, text_width, write_figure,
};
use crate::scale::{ValueAxis, format_value, pow10_label, thousands, value_axis, zero_based_axis};
use crate::{PlotError, PlotReport};

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Ticked<SafeLinear>, Ticked<SafeLinear>>>;

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
    figure_format(path)?;
    validate_kde(fig)?;
    write_figure(&KdeLayout::new(fig), path)?;
    Ok(PlotReport {
        drawn: fig.x.len(),
        skipped: 0,
    })
}

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

/// Everything needed to draw the KDE figure.
struct KdeLayout<'a> {
    sz: Frame,
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
        let sz = Frame::new(fig.width, fig.height, &fig.title, (1000.0, 700.0));
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
                Swatch::Ring(TRUTH_COLOR, ring_r),
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
        let max_y_ticks = sz.max_ticks(plot_h, 2.6, 12);

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
            .build_cartesian_2d(linear(xa), linear(ya))?;

        // Shading first, so that the grid lines stay visible over it.
        self.draw_bands(&mut chart)?;
        let x_fmt = |v: &f64| label_at(&xa.ticks, *v);
        let y_fmt = |v: &f64| label_at(&ya.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&x_fmt).y_label_formatter(&y_fmt);
        if !self.y_label.is_empty() {
            mesh.y_desc(self.y_label.as_str());
        }
        if ya.ticks.is_empty() {
            mesh.disable_y_mesh();
        }
        sz.mesh(&mut mesh).draw()?;
        sz.x_title(root, &chart, &self.x_label, self.x_area)?;

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
        let tick = (4.0 * sz.s).round() as i32;
        // Thin the labels so that they do not overlap.
        let every = ((sz.tick_px * 1.3) / step).ceil().max(1.0) as usize;
        draw_bar_scale(
            root,
            [
                (r.left as i32, r.top as i32),
                (r.right as i32, r.bottom as i32),
            ],
            b.labels.iter().enumerate().map(|(k, label)| {
                let y = (r.bottom - step * (k as f64 + 1.0)).round() as i32;
                (
                    y,
                    (m - 1 - k).is_multiple_of(every).then_some(label.as_str()),
                )
            }),
            tick,
            sz.tick_px,
        )?;
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
        self.sz.begin(root)?;
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
    fn cell_bounds_surround_nodes() {
        assert_eq!(cell_bounds(&[0.0, 1.0, 3.0]), [-0.5, 0.5, 2.0, 4.0]);
    }
}
