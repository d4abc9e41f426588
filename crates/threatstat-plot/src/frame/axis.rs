//! Axes on plotters charts: coordinates with exactly our tick positions
//! ([`Ticked`], over [`SafeLinear`] or any plotters coordinate), tick
//! labels looked up by position ([`label_at`]), x axes whose labels fit
//! ([`fitting_axis`]), and the closed box around a plotting area
//! ([`close_frame`]). Tick positions and labels themselves come from
//! `crate::scale` and `crate::time`.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::DrawResult;
use crate::scale::{ValueAxis, value_axis};

/// The label of the tick at `v` among `ticks`, or empty: the label
/// formatter of every mesh, so that a chart shows exactly our ticks.
pub(crate) fn label_at(ticks: &[(f64, String)], v: f64) -> String {
    ticks
        .iter()
        .find(|(t, _)| *t == v)
        .map(|(_, l)| l.clone())
        .unwrap_or_default()
}

/// A plotters coordinate that maps like `inner` but has exactly the given
/// labelled (`bold`) and unlabelled grid (`light`) key points, and formats
/// with the default formatter (overridden by our label formatters). Unlike
/// plotters' `WithKeyPoints` it can wrap linear `f64` coordinates and still
/// draw a mesh.
pub(crate) struct Ticked<R> {
    pub inner: R,
    pub bold: Vec<f64>,
    pub light: Vec<f64>,
}

impl<R> Ticked<R> {
    /// `inner` with the labelled ticks `ticks` and the grid lines `minor`.
    pub fn new(inner: R, ticks: &[(f64, String)], minor: &[f64]) -> Self {
        Ticked {
            inner,
            bold: ticks.iter().map(|t| t.0).collect(),
            light: minor.to_vec(),
        }
    }
}

impl<R: Ranged<ValueType = f64>> Ranged for Ticked<R> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }

    fn axis_pixel_range(&self, limit: (i32, i32)) -> Range<i32> {
        self.inner.axis_pixel_range(limit)
    }
}

/// A linear coordinate from `.0` to `.1` that maps like plotters'
/// `RangedCoordf64` but cannot overflow, even for ranges wider than
/// `f64::MAX` (such as `-f64::MAX..f64::MAX`). Its key points come from
/// [`Ticked`].
pub(crate) struct SafeLinear(pub f64, pub f64);

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

/// A linear coordinate from `lo` to `hi` with the given labelled ticks and
/// unlabelled grid lines.
pub(crate) fn ticked(
    lo: f64,
    hi: f64,
    ticks: &[(f64, String)],
    minor: &[f64],
) -> Ticked<SafeLinear> {
    Ticked::new(SafeLinear(lo, hi), ticks, minor)
}

/// The coordinate of a linear `axis` (its ticks labelled, no grid lines
/// between them).
pub(crate) fn linear(axis: &ValueAxis) -> Ticked<SafeLinear> {
    ticked(axis.lo, axis.hi, &axis.ticks, &[])
}

/// An x axis for the data range `[vmin, vmax]` whose labels fit side by side
/// on `axis_px` pixels, with as many labels as fit (at most about 12).
pub(crate) fn fitting_axis(
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
pub(crate) fn finite_ticks(mut axis: ValueAxis) -> ValueAxis {
    let (lo, hi) = (axis.lo, axis.hi);
    let inside = |v: f64| v.is_finite() && v >= lo && v <= hi;
    axis.ticks.retain(|(v, _)| inside(*v));
    axis.minor.retain(|v| inside(*v));
    axis
}

/// An axis in drawing coordinates: log10 of the values on a log axis, so
/// that it draws on a linear [`SafeLinear`] coordinate.
pub(crate) struct DrawAxis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<(f64, String)>,
    pub minor: Vec<f64>,
}

impl DrawAxis {
    pub fn new(axis: &ValueAxis) -> Self {
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

    pub fn coord(&self) -> Ticked<SafeLinear> {
        ticked(self.lo, self.hi, &self.ticks, &self.minor)
    }
}

/// Closes the frame around a chart's plotting area, whose corners are the
/// data points `top_left` and `bottom_right`: plotters draws the left and
/// bottom axis lines just outside the plotting area (when the chart has label
/// areas there); this adds the top and right sides to match, and the bottom
/// side too when `with_bottom` (for charts without an x label area).
pub(crate) fn close_frame<DB, X, Y>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
    top_left: (f64, f64),
    bottom_right: (f64, f64),
    with_bottom: bool,
) -> DrawResult<DB>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (l, t) = chart.backend_coord(&top_left);
    let (r, b) = chart.backend_coord(&bottom_right);
    let plot = chart.plotting_area().strip_coord_spec();
    let (bx, by) = plot.get_base_pixel();
    let mut path = vec![(l - 1 - bx, t - by), (r - bx, t - by), (r - bx, b + 1 - by)];
    if with_bottom {
        path.push((l - 1 - bx, b + 1 - by));
    }
    plot.draw(&PathElement::new(path, BLACK.mix(0.75).stroke_width(1)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_by_position() {
        let t = vec![(0.0, "0".to_string()), (0.5, "½".to_string())];
        assert_eq!(label_at(&t, 0.5), "½");
        assert_eq!(label_at(&t, 0.25), "");
    }

    #[test]
    fn safe_linear_does_not_overflow() {
        let c = SafeLinear(-f64::MAX, f64::MAX);
        assert_eq!(c.map(&0.0, (0, 100)), 50);
        assert_eq!(c.map(&f64::MAX, (0, 100)), 100);
        assert_eq!(c.map(&-f64::MAX, (100, 0)), 100);
    }
}
