//! The timeline drawn with plotters (PNG and SVG): the prepared
//! [`Figure`] on the shared [`frame`](crate::frame), with a legend column
//! at the right. The HTML renderer draws the same `Figure` by hand.

use plotters::coord::Shift;
use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::frame::{DrawResult, Drawing, Legend, Swatch, Ticked, close_frame, label_at, rgb};
use crate::layout::{Figure, POINT_ALPHA, X_LABEL};

impl Drawing for Figure {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self)
    }
}

/// Draws the whole timeline on `root`.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> DrawResult<DB> {
    fig.frame.begin(root)?;
    let (_, body) = root.split_vertically(fig.frame.title_h as i32);
    let (chart_area, legend_area) =
        body.split_horizontally((f64::from(fig.frame.width) - fig.legend_w) as i32);

    let x = Ticked {
        inner: RangedCoordf64::from(fig.x0..fig.x1),
        bold: fig.x_ticks.iter().map(|t| t.0).collect(),
        light: fig.x_minor.clone(),
    };
    let bold: Vec<f64> = fig.y.ticks.iter().map(|t| t.0).collect();
    let light = fig.y.minor.clone();
    if fig.y.log {
        let inner: LogCoord<f64> = (fig.y.lo..fig.y.hi).log_scale().into();
        draw_chart(&chart_area, fig, x, Ticked { inner, bold, light })?;
    } else {
        let inner = RangedCoordf64::from(fig.y.lo..fig.y.hi);
        draw_chart(&chart_area, fig, x, Ticked { inner, bold, light })?;
    }
    if fig.legend {
        draw_legend(&legend_area, fig)?;
    }
    Ok(())
}

fn draw_chart<DB, Y>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    x: Ticked<RangedCoordf64>,
    y: Ticked<Y>,
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64>,
{
    let right_pad = f64::from(fig.frame.width) - fig.legend_w - fig.plot.right;
    let mut chart = ChartBuilder::on(area)
        .margin_top((fig.plot.top - fig.frame.title_h) as i32)
        .margin_left(fig.frame.margin as i32)
        .margin_right(right_pad as i32)
        .margin_bottom(fig.frame.margin as i32)
        .x_label_area_size(fig.x_area as i32)
        .y_label_area_size(fig.y_area as i32)
        .build_cartesian_2d(x, y)?;

    let x_fmt = |t: &f64| label_at(&fig.x_ticks, *t);
    let y_fmt = |v: &f64| label_at(&fig.y.ticks, *v);
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(fig.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    fig.frame.mesh(&mut mesh).draw()?;
    fig.frame.x_title(area, &chart, X_LABEL, fig.x_area)?;

    let r = fig.point_r.round() as i32;
    chart.draw_series(fig.points.iter().map(|p| {
        let color = rgb(fig.series[p.series].color);
        Circle::new((p.t, p.v), r, color.mix(POINT_ALPHA).filled())
    }))?;
    close_frame(&chart, (fig.x0, fig.y.hi), (fig.x1, fig.y.lo), false)
}

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> DrawResult<DB> {
    let px = fig.frame.legend_px;
    let r = (px * 0.4).round();
    let legend = Legend::column(
        fig.series
            .iter()
            .map(|s| (Swatch::Dot(s.color, POINT_ALPHA, r), s.label.clone()))
            .collect(),
        px,
    );
    let half_margin = (fig.frame.margin * 0.5).round();
    legend.draw_boxed(
        area,
        half_margin,
        fig.plot.top - fig.frame.title_h,
        fig.legend_w - half_margin,
        fig.frame.line_w,
    )
}
