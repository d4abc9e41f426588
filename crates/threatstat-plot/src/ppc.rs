//! The posterior predictive check figure of a count model: the observed
//! daily counts over the band (5% to 95%) and the median of the counts
//! replicated from the posterior, with the verdict of the dispersion check
//! in the legend row.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::changepoint::day_ticks;
use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Rect, Swatch, close_frame, figure_format,
    label_at, linear, rgb, text_width, write_figure,
};
use crate::scale::{ValueAxis, zero_based_axis};
use crate::{PlotError, PlotReport};

const BAND_COLOR: (u8, u8, u8) = PALETTE[0];
const MEDIAN_COLOR: (u8, u8, u8) = PALETTE[0];
const OBSERVED_COLOR: (u8, u8, u8) = PALETTE[3];
const BAND_ALPHA: f64 = 0.3;

/// Inputs of the posterior predictive check figure.
#[derive(Debug, Clone, PartialEq)]
pub struct PpcFigure<'a> {
    /// Title above the panel (may be empty).
    pub title: String,
    /// Observed counts, one per day.
    pub counts: &'a [f64],
    /// Per day the 5%, 50% and 95% quantiles of the replicated counts.
    pub bands: &'a [[f64; 3]],
    /// Day labels (same length as counts); None numbers the days from 0.
    pub day_labels: Option<&'a [String]>,
    /// y-axis label.
    pub count_label: String,
    /// The check's verdict, written below the legend (may be empty).
    pub verdict: String,
    /// Width in pixels, clamped to `320..=16384`.
    pub width: u32,
    /// Height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> PpcFigure<'a> {
    /// A figure with the defaults: no title or verdict, days numbered from
    /// 0, y label `count per day`, 1000 × 600 pixels.
    pub fn new(counts: &'a [f64], bands: &'a [[f64; 3]]) -> Self {
        PpcFigure {
            title: String::new(),
            counts,
            bands,
            day_labels: None,
            count_label: "count per day".into(),
            verdict: String::new(),
            width: 1000,
            height: 600,
        }
    }
}

/// Writes the figure as PNG or SVG (by the extension).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension,
/// [`PlotError::InvalidInput`] when `counts` is empty, `bands` or
/// `day_labels` has another length, or a value is negative or not finite;
/// [`PlotError::Io`] / [`PlotError::Backend`] when writing fails.
///
/// ```
/// use threatstat_plot::{PpcFigure, ppc_figure};
/// let counts = [3.0, 5.0, 4.0, 9.0, 11.0, 10.0];
/// let bands = [[1.0, 4.0, 7.0], [1.0, 4.0, 7.0], [1.0, 4.0, 7.0], [5.0, 10.0, 15.0], [5.0, 10.0, 15.0], [5.0, 10.0, 15.0]];
/// let path = std::env::temp_dir().join(format!("threatstat-ppc-doc-{}.svg", std::process::id()));
/// let fig = PpcFigure { verdict: "consistent with Poisson".into(), ..PpcFigure::new(&counts, &bands) };
/// assert_eq!(ppc_figure(&fig, &path)?.drawn, 6);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn ppc_figure(fig: &PpcFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let n = fig.counts.len();
    if n == 0 {
        return Err(PlotError::InvalidInput("counts is empty".into()));
    }
    if fig.bands.len() != n || fig.day_labels.is_some_and(|l| l.len() != n) {
        return Err(PlotError::InvalidInput(format!(
            "bands ({}) and day_labels must have one entry per count ({n})",
            fig.bands.len()
        )));
    }
    let values = fig.counts.iter().chain(fig.bands.iter().flatten());
    if let Some(v) = values.clone().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(PlotError::InvalidInput(format!(
            "{v} is not a finite non-negative count"
        )));
    }
    write_figure(&Layout::new(fig), path)?;
    Ok(PlotReport {
        drawn: n,
        skipped: 0,
    })
}

struct Layout<'a> {
    frame: Frame,
    legend: Legend,
    fig: &'a PpcFigure<'a>,
    verdict_h: f64,
    panel: Rect,
    y_area: f64,
    x_area: f64,
    x_ticks: Vec<(f64, String)>,
    axis: ValueAxis,
    line_w: u32,
}

impl<'a> Layout<'a> {
    fn new(fig: &'a PpcFigure<'a>) -> Self {
        let n = fig.counts.len();
        let label = |k: usize| match fig.day_labels {
            Some(l) => l[k].clone(),
            None => k.to_string(),
        };
        let frame = Frame::new(fig.width, fig.height, &fig.title, (1000.0, 600.0));
        let (w, h, s) = (frame.w(), frame.h(), frame.s);
        let line_w = (2.0 * s).round().max(1.0) as u32;
        let legend = Legend::new(
            vec![
                (
                    Swatch::Dot(OBSERVED_COLOR, 1.0, 3.0 * s),
                    "observed count".into(),
                ),
                (
                    Swatch::Line(MEDIAN_COLOR, false),
                    "replicated median".into(),
                ),
                (
                    Swatch::Block(BAND_COLOR, BAND_ALPHA),
                    "replicated 5%–95%".into(),
                ),
            ],
            frame.legend_px,
            w - 2.0 * frame.margin,
        );
        let verdict_h = if fig.verdict.is_empty() {
            0.0
        } else {
            (frame.legend_px * 1.6).round()
        };
        let x_area = frame.x_area();
        let top = frame.title_h + legend.height() + verdict_h;
        let bottom = (h - frame.margin - x_area).max(top + 20.0);
        let top_value = fig
            .counts
            .iter()
            .chain(fig.bands.iter().flatten())
            .fold(0.0, |a: f64, &b| a.max(b));
        let axis = zero_based_axis(top_value, frame.max_ticks(bottom - top, 2.4, 10));
        let y_area = frame.y_area(axis.ticks.iter().map(|t| t.1.as_str()));
        let left = frame.margin + y_area;
        let right = w - frame.right_pad(&label(n - 1));
        let tick_px = frame.tick_px;
        let x_ticks = day_ticks(n, &label, (right - left).max(10.0), &|l| {
            text_width(l, tick_px)
        });
        Layout {
            legend,
            fig,
            verdict_h,
            panel: Rect {
                left,
                top,
                right,
                bottom,
            },
            y_area,
            x_area,
            x_ticks,
            axis,
            line_w,
            frame,
        }
    }
}

impl Drawing for Layout<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.frame.begin(root)?;
        self.legend
            .draw(root, self.panel.left, self.frame.title_h, self.line_w)?;
        if self.verdict_h > 0.0 {
            let style = crate::frame::font(self.frame.legend_px).color(&BLACK);
            let text = crate::frame::shorten(
                &self.fig.verdict,
                self.frame.legend_px,
                self.frame.w() - self.panel.left - self.frame.margin,
            );
            root.draw_text(
                &text,
                &style,
                (
                    self.panel.left as i32,
                    (self.frame.title_h + self.legend.height()) as i32,
                ),
            )?;
        }
        let n = self.fig.counts.len();
        let (x0, x1) = (-0.5, n as f64 - 0.5);
        let area = self.frame.panel_area(root, self.panel, self.x_area);
        let x = crate::frame::Ticked {
            inner: plotters::coord::types::RangedCoordf64::from(x0..x1),
            bold: self.x_ticks.iter().map(|t| t.0).collect(),
            light: Vec::new(),
        };
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(x, linear(&self.axis))?;
        let x_fmt = |v: &f64| label_at(&self.x_ticks, *v);
        let y_fmt = |v: &f64| label_at(&self.axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(&self.fig.count_label)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        self.frame.mesh(&mut mesh).draw()?;
        self.frame.x_title(root, &chart, "day", self.x_area)?;
        // The band as a polygon: the 95% line forward, the 5% line back.
        let b = self.fig.bands;
        let band: Vec<(f64, f64)> = (0..n)
            .map(|t| (t as f64, b[t][2]))
            .chain((0..n).rev().map(|t| (t as f64, b[t][0])))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            rgb(BAND_COLOR).mix(BAND_ALPHA).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            (0..n).map(|t| (t as f64, b[t][1])),
            rgb(MEDIAN_COLOR).stroke_width(self.line_w),
        ))?;
        let r = (3.0 * self.frame.s).round().max(1.0) as i32;
        chart.draw_series(
            self.fig
                .counts
                .iter()
                .enumerate()
                .map(|(t, &c)| Circle::new((t as f64, c), r, rgb(OBSERVED_COLOR).filled())),
        )?;
        close_frame(&chart, (x0, self.axis.hi), (x1, self.axis.lo), false)
    }
}
