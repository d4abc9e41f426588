//! Figures of the session-classification analysis (threatstat-features):
//! ROC curves and a horizontal bar chart of feature importances.

use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Swatch, figure_format, rgb, shorten, text_width,
    write_figure,
};
use crate::{PlotError, PlotReport};

/// Inputs of [`roc_figure`].
#[derive(Debug, Clone, PartialEq)]
pub struct RocFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// Curves: a legend label (e.g. `test set (AUC 0.71)`) and the points
    /// (false positive rate, true positive rate), each in 0..=1, in order.
    pub curves: Vec<(String, &'a [(f64, f64)])>,
    /// Width in pixels (clamped to 320..=16384).
    pub width: u32,
    /// Height in pixels (clamped to 240..=16384).
    pub height: u32,
}

impl<'a> RocFigure<'a> {
    /// One curve, no title, 800 × 720 pixels.
    pub fn new(label: impl Into<String>, points: &'a [(f64, f64)]) -> Self {
        RocFigure {
            title: String::new(),
            curves: vec![(label.into(), points)],
            width: 800,
            height: 720,
        }
    }
}

/// Writes ROC curves as PNG or SVG (by extension): x axis `false positive
/// rate`, y axis `true positive rate`, both 0 to 1, the chance diagonal
/// dashed, a legend at the lower right naming each curve and the diagonal.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than png/svg,
/// [`PlotError::InvalidInput`] for no curves, an empty curve or a point
/// outside the unit square, [`PlotError::Io`] / [`PlotError::Backend`] when
/// writing fails.
///
/// ```
/// use threatstat_plot::{RocFigure, roc_figure};
/// let pts = [(0.0, 0.0), (0.1, 0.6), (0.4, 0.9), (1.0, 1.0)];
/// let fig = RocFigure { title: "ROC".into(), ..RocFigure::new("test (AUC 0.85)", &pts) };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-roc-doc-{}.png", std::process::id()));
/// assert_eq!(roc_figure(&fig, &path).unwrap().drawn, 4);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn roc_figure(fig: &RocFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    if fig.curves.is_empty() {
        return bad("no ROC curve to draw".into());
    }
    for (label, pts) in &fig.curves {
        if pts.is_empty() {
            return bad(format!("ROC curve `{label}` has no points"));
        }
        if let Some(p) = pts
            .iter()
            .find(|(x, y)| !((0.0..=1.0).contains(x) && (0.0..=1.0).contains(y)))
        {
            return bad(format!(
                "ROC curve `{label}` has a point outside the unit square: {p:?}"
            ));
        }
    }
    let frame = Frame::new(fig.width, fig.height, &fig.title, REFERENCE);
    write_figure(&Roc { fig, frame }, path)?;
    Ok(PlotReport {
        drawn: fig.curves.iter().map(|c| c.1.len()).sum(),
        skipped: 0,
    })
}

/// Inputs of [`importance_figure`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImportanceFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// (feature name, importance), drawn top to bottom in this order.
    pub bars: &'a [(String, f64)],
    /// The x-axis label, e.g. `mean ROC AUC drop when shuffled`.
    pub x_label: String,
    /// Width in pixels (clamped to 320..=16384).
    pub width: u32,
    /// Height in pixels (clamped to 240..=16384).
    pub height: u32,
}

impl<'a> ImportanceFigure<'a> {
    /// Bars with no title, x label `importance`, 1200 pixels wide and 40
    /// pixels per bar plus 160 high.
    pub fn new(bars: &'a [(String, f64)]) -> Self {
        ImportanceFigure {
            title: String::new(),
            bars,
            x_label: "importance".into(),
            width: 1200,
            height: 160 + 40 * bars.len() as u32,
        }
    }
}

/// Writes a horizontal bar chart of feature importances as PNG or SVG, the
/// feature names as the y-axis labels (long names shortened in the middle
/// with `…`), bars from 0 (negative importances to the left), x axis
/// [`ImportanceFigure::x_label`].
///
/// # Errors
///
/// As [`roc_figure`]; [`PlotError::InvalidInput`] for no bars or a
/// non-finite importance.
///
/// ```
/// use threatstat_plot::{ImportanceFigure, importance_figure};
/// let bars = vec![("MEAN(name_host_pairs.COUNT(log))".to_string(), 0.05), ("COUNT(log)".to_string(), -0.01)];
/// let fig = ImportanceFigure { title: "importances".into(), ..ImportanceFigure::new(&bars) };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-imp-doc-{}.svg", std::process::id()));
/// assert_eq!(importance_figure(&fig, &path).unwrap().drawn, 2);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn importance_figure(fig: &ImportanceFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    if fig.bars.is_empty() {
        return Err(PlotError::InvalidInput("no importance to draw".into()));
    }
    if let Some((n, v)) = fig.bars.iter().find(|b| !b.1.is_finite()) {
        return Err(PlotError::InvalidInput(format!(
            "importance of `{n}` is not finite: {v}"
        )));
    }
    // Tall lists scale by width only: the height counts as 600..=900.
    let s = Frame::new(fig.width, fig.height.clamp(600, 900), "", REFERENCE).s;
    let frame = Frame::scaled(fig.width, fig.height, &fig.title, s);
    write_figure(&Importance { fig, frame }, path)?;
    Ok(PlotReport {
        drawn: fig.bars.len(),
        skipped: 0,
    })
}

/// The size the lengths of both figures are designed for.
const REFERENCE: (f64, f64) = (800.0, 720.0);

struct Roc<'a> {
    fig: &'a RocFigure<'a>,
    /// Size, fonts, margins and title.
    frame: Frame,
}

impl Drawing for Roc<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let (s, tick_px, desc_px) = (fr.s, fr.tick_px, fr.desc_px);
        fr.begin(root)?;
        let mut chart = ChartBuilder::on(root)
            .margin_top(fr.title_h as i32)
            .margin_left(fr.margin as i32)
            .margin_right((28.0 * s) as i32)
            .margin_bottom(fr.margin as i32)
            .x_label_area_size(fr.x_area() as i32)
            .y_label_area_size((tick_px * 2.6 + desc_px * 1.8) as i32)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc("true positive rate (fraction of positives)")
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"));
        fr.mesh(&mut mesh).draw()?;
        fr.x_title(
            root,
            &chart,
            "false positive rate (fraction of negatives)",
            fr.x_area(),
        )?;
        let w = (2.5 * s).round().max(1.0) as u32;
        let d = (8.0 * s) as u32;
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            d,
            d,
            rgb(CHANCE_COLOR).stroke_width(w.div_ceil(2)),
        )))?;
        let mut entries = vec![(
            Swatch::Line(CHANCE_COLOR, true),
            "chance (AUC 0.5)".to_string(),
        )];
        for (k, (label, pts)) in self.fig.curves.iter().enumerate() {
            let c = PALETTE[k % PALETTE.len()];
            chart.draw_series(LineSeries::new(pts.iter().copied(), rgb(c).stroke_width(w)))?;
            entries.push((Swatch::Line(c, false), label.clone()));
        }
        // The legend in the lower right corner, which ROC curves leave free.
        let legend = Legend::column(entries, fr.legend_px);
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let right = f64::from(xr.end) - fr.margin;
        let top = f64::from(yr.end) - fr.margin - legend.boxed_height();
        legend.draw_boxed(root, right - legend.boxed_width(), top, right, fr.line_w)
    }
}

/// Colour of the chance diagonal.
const CHANCE_COLOR: (u8, u8, u8) = (0x80, 0x80, 0x80);

struct Importance<'a> {
    fig: &'a ImportanceFigure<'a>,
    /// Size, fonts, margins and title.
    frame: Frame,
}

impl Drawing for Importance<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let (s, tick_px) = (fr.s, fr.tick_px);
        fr.begin(root)?;
        let title_h = fr.title_h;
        let max_label = fr.w() * 0.55;
        let labels: Vec<String> = self
            .fig
            .bars
            .iter()
            .map(|(n, _)| shorten(n, tick_px, max_label))
            .collect();
        let label_w = labels
            .iter()
            .map(|l| text_width(l, tick_px))
            .fold(0.0, f64::max);
        let lo = self.fig.bars.iter().map(|b| b.1).fold(0.0, f64::min);
        let hi = self.fig.bars.iter().map(|b| b.1).fold(0.0, f64::max);
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let (x0, x1) = (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad);
        let n = self.fig.bars.len();
        let mut chart = ChartBuilder::on(root)
            .margin_top(title_h as i32)
            .margin_left(fr.margin as i32)
            .margin_right((24.0 * s) as i32)
            .margin_bottom(fr.margin as i32)
            .x_label_area_size(fr.x_area() as i32)
            .y_label_area_size((label_w + 12.0 * s) as i32)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))?;
        let y_fmt = |v: &f64| {
            let k = v.round();
            if (v - k).abs() < 1e-9 && k >= 0.0 && (k as usize) < n {
                labels[n - 1 - k as usize].clone()
            } else {
                String::new()
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.y_labels(n)
            .y_label_formatter(&y_fmt)
            .disable_y_mesh()
            .x_labels(6);
        fr.mesh(&mut mesh).draw()?;
        fr.x_title(root, &chart, &self.fig.x_label, fr.x_area())?;
        let c = rgb(PALETTE[0]);
        chart.draw_series(self.fig.bars.iter().enumerate().map(|(i, (_, v))| {
            let y = (n - 1 - i) as f64;
            Rectangle::new(
                [(0.0f64.min(*v), y - 0.35), (0.0f64.max(*v), y + 0.35)],
                c.mix(0.85).filled(),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.mix(0.6).stroke_width(1),
        )))?;
        Ok(())
    }
}
