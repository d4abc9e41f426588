//! Ranking comparison: for several rankings of the same users, the fraction
//! of the true positives found among the top k, as k grows.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::layout::{PALETTE, text_width};
use crate::raster::{
    DrawResult, Drawing, begin_titled, clamp_size, font, rgb, style_mesh, write_png, write_svg,
};
use crate::{Format, PlotError, PlotReport, extension_of, format_of, register_fonts};

/// Inputs of [`recall_figure`].
#[derive(Debug, Clone, PartialEq)]
pub struct RecallFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// Curves: a legend label and the recall (0..=1) among the top
    /// k = 1, 2, ... users of that ranking.
    pub curves: Vec<(String, &'a [f64])>,
    /// A vertical dashed marker at this k (e.g. the number of positives).
    pub marker_k: Option<usize>,
    /// x-axis title.
    pub x_label: String,
    /// y-axis title.
    pub y_label: String,
    /// Width in pixels (clamped to 320..=8192).
    pub width: u32,
    /// Height in pixels (clamped to 240..=8192).
    pub height: u32,
}

impl<'a> RecallFigure<'a> {
    /// One curve, no title, axes `users inspected (top k)` and `fraction
    /// of planted users found`, 900 × 650 pixels.
    pub fn new(label: impl Into<String>, recall: &'a [f64]) -> Self {
        RecallFigure {
            title: String::new(),
            curves: vec![(label.into(), recall)],
            marker_k: None,
            x_label: "users inspected (top k by score)".into(),
            y_label: "fraction of planted users found".into(),
            width: 900,
            height: 650,
        }
    }
}

/// Writes recall-at-k curves as PNG or SVG (by extension): x axis k from
/// 1 to the longest curve, y axis 0 to 1, one coloured line per curve, and
/// an optional dashed marker at [`RecallFigure::marker_k`]. The legend (when
/// there is more than one entry) sits in a band between the title and the
/// plot, in as many columns as fit the width, so it never hides a curve:
/// poor rankings run along the bottom of the plot and good ones along its
/// top and left, so no corner is free in general.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than png/svg,
/// [`PlotError::InvalidInput`] for no curves, an empty curve or a value
/// outside 0..=1, [`PlotError::Io`] / [`PlotError::Backend`] when writing
/// fails.
///
/// ```
/// use threatstat_plot::{RecallFigure, recall_figure};
/// let a = [0.0, 0.5, 0.5, 1.0];
/// let b = [0.5, 1.0, 1.0, 1.0];
/// let fig = RecallFigure {
///     title: "Planted users found".into(),
///     curves: vec![("switchpoint".into(), &a[..]), ("episode".into(), &b[..])],
///     marker_k: Some(2),
///     ..RecallFigure::new("", &a)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-recall-doc-{}.png", std::process::id()));
/// assert_eq!(recall_figure(&fig, &path).unwrap().drawn, 8);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn recall_figure(fig: &RecallFigure, path: &Path) -> Result<PlotReport, PlotError> {
    let format = format_of(path)?;
    if format == Format::Html {
        return Err(PlotError::UnsupportedFormat(extension_of(path)));
    }
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    if fig.curves.is_empty() {
        return bad("no curve to draw".into());
    }
    for (label, v) in &fig.curves {
        if v.is_empty() {
            return bad(format!("curve `{label}` has no points"));
        }
        if let Some(x) = v.iter().find(|x| !(0.0..=1.0).contains(*x)) {
            return bad(format!("curve `{label}` has a value outside 0..=1: {x}"));
        }
    }
    register_fonts();
    let s = (f64::from(fig.width.clamp(320, 8192)) / 900.0)
        .min(f64::from(fig.height.clamp(240, 8192)) / 650.0)
        .clamp(0.6, 4.0);
    let drawing = Recall { fig, s };
    if format == Format::Svg {
        write_svg(&drawing, path)?;
    } else {
        write_png(&drawing, path)?;
    }
    Ok(PlotReport {
        drawn: fig.curves.iter().map(|c| c.1.len()).sum(),
        skipped: 0,
    })
}

struct Recall<'a> {
    fig: &'a RecallFigure<'a>,
    s: f64,
}

impl Drawing for Recall<'_> {
    fn size(&self) -> (u32, u32) {
        clamp_size(self.fig.width, self.fig.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let s = self.s;
        let (tick_px, desc_px) = (15.0 * s, 17.0 * s);
        let title_h = begin_titled(root, &self.fig.title, s)?;
        let legend = self.legend();
        let (w, _) = self.size();
        let legend_h = draw_legend(root, &legend, s, title_h, f64::from(w))?;
        let k_max = self.fig.curves.iter().map(|c| c.1.len()).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin_top((title_h + legend_h) as i32)
            .margin_left((12.0 * s) as i32)
            .margin_right((28.0 * s) as i32)
            .margin_bottom((12.0 * s) as i32)
            .x_label_area_size((tick_px * 1.4 + desc_px * 1.8) as i32)
            .y_label_area_size((tick_px * 2.6 + desc_px * 1.8) as i32)
            .build_cartesian_2d(0.0..k_max, 0.0..1.02f64)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.fig.x_label.as_str())
            .y_desc(self.fig.y_label.as_str())
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.1}"));
        style_mesh(&mut mesh, tick_px, desc_px).draw()?;
        let w = (2.5 * s).round().max(1.0) as u32;
        if let Some(k) = self.fig.marker_k {
            let d = (8.0 * s) as u32;
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(k as f64, 0.0), (k as f64, 1.02)],
                d,
                d,
                BLACK.mix(0.5).stroke_width(w.div_ceil(2)),
            )))?;
        }
        for (i, (_, v)) in self.fig.curves.iter().enumerate() {
            let c = rgb(PALETTE[i % PALETTE.len()]);
            let pts = std::iter::once((0.0, 0.0))
                .chain(v.iter().enumerate().map(|(k, &r)| ((k + 1) as f64, r)));
            chart.draw_series(LineSeries::new(pts, c.stroke_width(w)))?;
        }
        Ok(())
    }
}

impl Recall<'_> {
    /// The legend entries: the marker (dashed, grey) first, then one per
    /// curve with its colour.
    fn legend(&self) -> Vec<(Option<RGBColor>, String)> {
        let marker = self
            .fig
            .marker_k
            .map(|k| (None, format!("k = {k} (number planted)")));
        let curves = self
            .fig
            .curves
            .iter()
            .enumerate()
            .map(|(i, (label, _))| (Some(rgb(PALETTE[i % PALETTE.len()])), label.clone()));
        marker.into_iter().chain(curves).collect()
    }
}

/// Draws `entries` (a line swatch — solid in the colour, or grey dashed for
/// `None` — and a label) in equal columns filled top to bottom, in a band
/// `width` pixels wide from `top` down; returns the band's height (none
/// when there are fewer than two entries: one curve needs no legend).
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[(Option<RGBColor>, String)],
    s: f64,
    top: f64,
    width: f64,
) -> Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
    if entries.len() < 2 {
        return Ok(0.0);
    }
    let px = 15.0 * s;
    let (swatch, gap, row_h) = (28.0 * s, 8.0 * s, (px * 1.6).round());
    let left = 24.0 * s;
    let col_w = entries
        .iter()
        .map(|(_, t)| swatch + gap + text_width(t, px) + 24.0 * s)
        .fold(0.0, f64::max);
    let cols = (((width - 2.0 * left) / col_w).floor() as usize).clamp(1, entries.len().max(1));
    let rows = entries.len().div_ceil(cols);
    let style = font(px)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (color, text)) in entries.iter().enumerate() {
        let x = (left + col_w * (i / rows) as f64).round() as i32;
        let y = (top + row_h * ((i % rows) as f64 + 0.5)).round() as i32;
        let line = vec![(x, y), (x + swatch as i32, y)];
        match color {
            Some(c) => root.draw(&PathElement::new(line, c.stroke_width((3.0 * s) as u32)))?,
            None => {
                let d = (5.0 * s) as u32;
                let style = BLACK
                    .mix(0.5)
                    .stroke_width((1.5 * s).round().max(1.0) as u32);
                root.draw(&DashedPathElement::new(line, d, d, style))?
            }
        }
        root.draw_text(text, &style, (x + (swatch + gap) as i32, y))?;
    }
    Ok(row_h * rows as f64 + 6.0 * s)
}
