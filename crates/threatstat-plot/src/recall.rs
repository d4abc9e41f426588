//! Ranking comparison: for several rankings of the same users, the fraction
//! of the true positives found among the top k, as k grows.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::layout::PALETTE;
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
/// 1 to the longest curve, y axis 0 to 1, one coloured line per curve with
/// a legend at the lower right, and an optional dashed marker at
/// [`RecallFigure::marker_k`].
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
        let k_max = self.fig.curves.iter().map(|c| c.1.len()).max().unwrap_or(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin_top(title_h as i32)
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
            chart
                .draw_series(std::iter::once(DashedPathElement::new(
                    vec![(k as f64, 0.0), (k as f64, 1.02)],
                    d,
                    d,
                    BLACK.mix(0.5).stroke_width(w.div_ceil(2)),
                )))?
                .label(format!("k = {k} (number planted)"))
                .legend(move |(x, y)| {
                    DashedPathElement::new(
                        vec![(x, y), (x + 20, y)],
                        4,
                        4,
                        BLACK.mix(0.5).stroke_width(1),
                    )
                });
        }
        for (i, (label, v)) in self.fig.curves.iter().enumerate() {
            let c = rgb(PALETTE[i % PALETTE.len()]);
            let pts = std::iter::once((0.0, 0.0))
                .chain(v.iter().enumerate().map(|(k, &r)| ((k + 1) as f64, r)));
            chart
                .draw_series(LineSeries::new(pts, c.stroke_width(w)))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(15.0 * s))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    }
}
