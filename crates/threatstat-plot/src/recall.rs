//! Ranking comparison: for several rankings of the same users, the fraction
//! of the true positives found among the top k, as k grows.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Swatch, figure_format, rgb, write_figure,
};
use crate::{PlotError, PlotReport};

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
    /// Width in pixels (clamped to 320..=16384).
    pub width: u32,
    /// Height in pixels (clamped to 240..=16384).
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
    figure_format(path)?;
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
    let frame = Frame::new(fig.width, fig.height, &fig.title, (900.0, 650.0));
    write_figure(&Recall { fig, frame }, path)?;
    Ok(PlotReport {
        drawn: fig.curves.iter().map(|c| c.1.len()).sum(),
        skipped: 0,
    })
}

/// Colour of the dashed marker at `marker_k`.
const MARKER_COLOR: (u8, u8, u8) = (0x80, 0x80, 0x80);

struct Recall<'a> {
    fig: &'a RecallFigure<'a>,
    /// Size, fonts, margins and title (reference size 900 × 650).
    frame: Frame,
}

impl Drawing for Recall<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let (s, tick_px, desc_px) = (fr.s, fr.tick_px, fr.desc_px);
        fr.begin(root)?;
        let title_h = fr.title_h;
        let legend = self.legend();
        legend.draw(root, 2.0 * fr.margin, title_h, fr.line_w)?;
        let legend_h = legend.height();
        let k_max = self.fig.curves.iter().map(|c| c.1.len()).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin_top((title_h + legend_h) as i32)
            .margin_left(fr.margin as i32)
            .margin_right((28.0 * s) as i32)
            .margin_bottom(fr.margin as i32)
            .x_label_area_size(fr.x_area() as i32)
            .y_label_area_size((tick_px * 2.6 + desc_px * 1.8) as i32)
            .build_cartesian_2d(0.0..k_max, 0.0..1.02f64)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.fig.y_label.as_str())
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.1}"));
        fr.mesh(&mut mesh).draw()?;
        fr.x_title(root, &chart, &self.fig.x_label, fr.x_area())?;
        let w = (2.5 * s).round().max(1.0) as u32;
        if let Some(k) = self.fig.marker_k {
            let d = (8.0 * s) as u32;
            chart.draw_series(std::iter::once(DashedPathElement::new(
                vec![(k as f64, 0.0), (k as f64, 1.02)],
                d,
                d,
                rgb(MARKER_COLOR).stroke_width(w.div_ceil(2)),
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
    /// The legend: the marker (dashed, grey) first, then one line per
    /// curve in its colour; empty for a single entry (one curve needs no
    /// legend).
    fn legend(&self) -> Legend {
        let marker = self.fig.marker_k.map(|k| {
            (
                Swatch::Line(MARKER_COLOR, true),
                format!("k = {k} (number planted)"),
            )
        });
        let curves = self.fig.curves.iter().enumerate().map(|(i, (label, _))| {
            (
                Swatch::Line(PALETTE[i % PALETTE.len()], false),
                label.clone(),
            )
        });
        let mut entries: Vec<_> = marker.into_iter().chain(curves).collect();
        if entries.len() < 2 {
            entries.clear();
        }
        let fr = &self.frame;
        Legend::new(entries, fr.legend_px, fr.w() - 4.0 * fr.margin)
    }
}
