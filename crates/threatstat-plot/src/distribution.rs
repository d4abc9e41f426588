//! The distribution figure: histograms and ECDFs of several samples on a
//! shared x axis (e.g. upload bytes of compromised users against all
//! users). One figure per file: its sizes, legend, axes and output come from
//! the shared [`frame`](crate::frame); this file holds only what is
//! particular to it (binning, densities, the note box, ECDF steps).

use std::path::Path;
use threatstat_core::numerics::np_quantile_sorted;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::frame::{
    DrawAxis, DrawResult, Drawing, Frame, Legend, PALETTE, Rect, Swatch, close_frame,
    figure_format, finite_ticks, fitting_axis, font, label_at, linear, rgb, text_width, truncate,
    write_figure,
};
use crate::scale::{ValueAxis, thousands, value_axis, zero_based_axis};
use crate::{PlotError, PlotReport};

/// Label of the y axis of the ECDF panel.
const ECDF_LABEL: &str = "ECDF";
/// Labels of the y axis of the histogram panel (log and linear x axis).
const HIST_LABEL_LOG: &str = "density per decade";
const HIST_LABEL_LINEAR: &str = "density";
/// Opacity of histogram bar fills (the outlines are opaque).
const HIST_ALPHA: f64 = 0.28;
/// Longest population name shown in the legend (in characters).
const MAX_LEGEND_NAME: usize = 40;

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
    figure_format(path)?;
    let pops = prepare_samples(fig)?;
    let drawn: usize = pops.iter().map(|p| p.values.len()).sum();
    let skipped: usize = pops.iter().map(|p| p.skipped).sum();
    if drawn == 0 {
        return Err(PlotError::NoPoints);
    }
    write_figure(&DistLayout::new(fig, pops), path)?;
    Ok(PlotReport { drawn, skipped })
}

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
    let half_iqr =
        np_quantile_sorted(&pooled, 0.75) / 2.0 - np_quantile_sorted(&pooled, 0.25) / 2.0;
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
    sz: Frame,
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
        let sz = Frame::new(fig.width, fig.height, &fig.title, (1000.0, 700.0));
        let (w, h) = (sz.w(), sz.h());
        let right_pad = (sz.tick_px * 2.5).round().max(sz.margin);
        let legend = Legend::new(
            pops.iter()
                .map(|p| (Swatch::Bar(p.color, HIST_ALPHA + 0.1), p.legend.clone()))
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
        let max_ticks = |px: f64| sz.max_ticks(px, 2.4, 10);

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
            .build_cartesian_2d(self.x.coord(), linear(axis))?;
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.hist_label).y_label_formatter(&y_fmt);
        sz.mesh(&mut mesh).draw()?;

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
            .build_cartesian_2d(self.x.coord(), linear(axis))?;
        let x_fmt = |v: &f64| label_at(&self.x.ticks, *v);
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(ECDF_LABEL)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        sz.mesh(&mut mesh).draw()?;
        sz.x_title(root, &chart, &self.x_label, self.x_area)?;

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
        self.sz.begin(root)?;
        self.legend
            .draw(root, self.upper.left, self.sz.title_h, self.sz.line_w)?;
        self.draw_hist(root)?;
        self.draw_ecdf(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
