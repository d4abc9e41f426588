//! Backend-independent preparation of a timeline figure: which points are
//! drawn, the groups and their colours, axes, ticks and pixel layout. Both the
//! plotters renderer (PNG/SVG) and the HTML renderer draw from a [`Figure`].

use std::collections::HashMap;

use crate::frame::{Frame, Legend, PALETTE, Rect, Swatch, text_width, truncate as shorten};
use crate::scale::{ValueAxis, value_axis};
use crate::time::{MAX_UNIX_S, MIN_UNIX_S, time_ticks};
use crate::{TimelinePoint, TimelineSpec};

/// At most this many groups get their own colour and legend entry; the
/// rest are merged into one "other" series.
pub(crate) const MAX_LEGEND_GROUPS: usize = 10;

/// Longest group name shown in the legend (in characters) before truncation.
const MAX_LEGEND_NAME: usize = 28;

/// Label of the x axis.
pub(crate) const X_LABEL: &str = "time (UTC)";

/// Colour of the merged "other" series.
const OTHER_COLOR: (u8, u8, u8) = (0x9a, 0x9a, 0x9a);

/// Opacity of point fills (overlapping points stay visible).
pub(crate) const POINT_ALPHA: f64 = 0.75;

/// A drawable point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pt {
    /// Time, Unix seconds.
    pub t: f64,
    /// Value.
    pub v: f64,
    /// Index into [`Figure::series`].
    pub series: usize,
    /// Index into the caller's point slice.
    pub index: usize,
}

/// A coloured series (one group, or "other").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// Legend text, e.g. `alice (120)`.
    pub label: String,
    /// Fill colour.
    pub color: (u8, u8, u8),
}

/// Everything needed to draw a timeline.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    /// Size, fonts, margins and title (reference size 1000 × 600).
    pub frame: Frame,
    pub y_label: String,
    /// Drawable points in drawing order ("other" first, then the largest group first).
    pub points: Vec<Pt>,
    pub series: Vec<Series>,
    /// Whether a legend is drawn (more than one series).
    pub legend: bool,
    pub skipped: usize,
    /// Time axis range and ticks.
    pub x0: f64,
    pub x1: f64,
    pub x_ticks: Vec<(f64, String)>,
    /// Unlabelled time grid positions.
    pub x_minor: Vec<f64>,
    /// Value axis.
    pub y: ValueAxis,
    /// Point radius.
    pub point_r: f64,
    /// Width of the legend column at the right (0 without legend).
    pub legend_w: f64,
    /// Width of the area left of the plot holding y tick labels and the y title.
    pub y_area: f64,
    /// Height of the area below the plot holding x tick labels and the x title.
    pub x_area: f64,
    /// The plotting area.
    pub plot: Rect,
}

fn drawable(p: &TimelinePoint, log_y: bool) -> bool {
    p.time_unix_s.is_finite()
        && (MIN_UNIX_S..=MAX_UNIX_S).contains(&p.time_unix_s)
        && p.value.is_finite()
        && (!log_y || p.value > 0.0)
}

fn truncate(name: &str) -> String {
    if name.is_empty() {
        return "(empty)".to_string();
    }
    shorten(name, MAX_LEGEND_NAME)
}

impl Figure {
    /// Prepares the figure; `None` when no point is drawable.
    pub fn new(points: &[TimelinePoint], spec: &TimelineSpec) -> Option<Figure> {
        let log = spec.log_y;
        let keep: Vec<usize> = (0..points.len())
            .filter(|&i| drawable(&points[i], log))
            .collect();
        if keep.is_empty() {
            return None;
        }
        let skipped = points.len() - keep.len();

        // Groups by size (ties: first appearance).
        let mut groups: HashMap<&str, (usize, usize)> = HashMap::new();
        for &i in &keep {
            let e = groups.entry(points[i].group.as_str()).or_insert((0, i));
            e.0 += 1;
        }
        let mut order: Vec<(&str, usize, usize)> = groups
            .iter()
            .map(|(g, &(n, first))| (*g, n, first))
            .collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        let named = order.len().min(MAX_LEGEND_GROUPS);
        let mut series: Vec<Series> = order[..named]
            .iter()
            .enumerate()
            .map(|(k, (g, n, _))| Series {
                label: format!("{} ({n})", truncate(g)),
                color: PALETTE[k],
            })
            .collect();
        let index_of: HashMap<&str, usize> = order[..named]
            .iter()
            .enumerate()
            .map(|(k, g)| (g.0, k))
            .collect();
        let other = named; // series index of "other", if any
        if order.len() > named {
            let n: usize = order[named..].iter().map(|g| g.1).sum();
            let k = order.len() - named;
            let plural = if k == 1 { "" } else { "s" };
            series.push(Series {
                label: format!("other: {k} group{plural} ({n})"),
                color: OTHER_COLOR,
            });
        }

        let mut pts: Vec<Pt> = keep
            .iter()
            .map(|&i| Pt {
                t: points[i].time_unix_s,
                v: points[i].value,
                series: *index_of.get(points[i].group.as_str()).unwrap_or(&other),
                index: i,
            })
            .collect();
        // "other" below everything, then the largest group first.
        pts.sort_by_key(|p| if p.series == other { 0 } else { p.series + 1 });

        let (mut tmin, mut tmax, mut vmin, mut vmax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in &pts {
            tmin = tmin.min(p.t);
            tmax = tmax.max(p.t);
            vmin = vmin.min(p.v);
            vmax = vmax.max(p.v);
        }

        // Sizes scale with the figure; 1000 x 600 is the reference.
        let frame = Frame::new(spec.width, spec.height, &spec.title, (1000.0, 600.0));
        let (w, h, s) = (frame.w(), frame.h(), frame.s);
        let (title_h, margin) = (frame.title_h, frame.margin);
        let (tick_px, legend_px) = (frame.tick_px, frame.legend_px);
        let point_r = (3.5 * s).max(2.0);
        let legend = series.len() > 1;
        let legend_w = if legend {
            let column = Legend::column(
                series
                    .iter()
                    .map(|s| (Swatch::Dot(s.color, POINT_ALPHA, 0.0), s.label.clone()))
                    .collect(),
                legend_px,
            );
            // Half a margin each side of the box, a margin to the plot.
            (column.boxed_width() + margin * 1.5).min(w * 0.35).round()
        } else {
            0.0
        };

        let x_area = frame.x_area();
        let top = title_h + (tick_px * 0.6).round();
        let bottom = h - margin - x_area;
        let plot_h = (bottom - top).max(10.0);
        let max_y_ticks = (plot_h / (tick_px * 2.6)).floor() as usize;
        let y = value_axis(vmin, vmax, log, max_y_ticks.clamp(2, 15));

        let y_area = frame.y_area(y.ticks.iter().map(|t| t.1.as_str()));
        let left = margin + y_area;
        // Time range, padded; at least one minute.
        let (mut t0, mut t1) = (tmin, tmax);
        if t1 - t0 < 60.0 {
            let mid = t0 / 2.0 + t1 / 2.0;
            t0 = mid - 30.0;
            t1 = mid + 30.0;
        }
        let pad = (t1 - t0) * 0.03;
        let x0 = (t0 - pad).max(MIN_UNIX_S);
        let x1 = (t1 + pad).min(MAX_UNIX_S);

        // Room right of the plot for half of the last x label (the legend
        // column provides it when there is a legend).
        let right_pad = if legend {
            margin
        } else {
            let sample = if x1 - x0 < 3.0 * 86_400.0 {
                "2020-04-18 00:00"
            } else {
                "2020-04-18"
            };
            (text_width(sample, tick_px) / 2.0 + 4.0)
                .round()
                .max(margin)
        };
        let right = w - legend_w - right_pad;
        let ticks = time_ticks(x0, x1, (right - left).max(10.0), &|l| {
            text_width(l, tick_px)
        });

        Some(Figure {
            y_label: spec.y_label.clone(),
            points: pts,
            series,
            legend,
            skipped,
            x0,
            x1,
            x_ticks: ticks.major,
            x_minor: ticks.minor,
            y,
            point_r,
            legend_w,
            y_area,
            x_area,
            plot: Rect {
                left,
                top,
                right,
                bottom,
            },
            frame,
        })
    }

    /// Horizontal pixel position of time `t`.
    pub fn px_x(&self, t: f64) -> f64 {
        self.plot.left + (t - self.x0) / (self.x1 - self.x0) * (self.plot.right - self.plot.left)
    }

    /// Vertical pixel position of value `v`.
    pub fn px_y(&self, v: f64) -> f64 {
        self.plot.bottom - self.y.frac(v) * (self.plot.bottom - self.plot.top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(t: f64, v: f64, g: &str) -> TimelinePoint {
        TimelinePoint {
            time_unix_s: t,
            value: v,
            group: g.to_string(),
            hover: vec![],
        }
    }

    #[test]
    fn skips_and_groups() {
        let mut pts = vec![
            pt(1e9, 0.5, "a"),
            pt(1e9 + 10.0, f64::NAN, "a"),
            pt(1e9 + 20.0, 0.0, "b"),
            pt(1e9 + 30.0, -1.0, "b"),
            pt(f64::INFINITY, 0.5, "b"),
            pt(1e9 + 40.0, 0.25, "b"),
        ];
        let fig = Figure::new(&pts, &TimelineSpec::default()).unwrap();
        assert_eq!((fig.points.len(), fig.skipped), (2, 4));
        assert!(fig.legend);
        // Linear axis: only NaN/inf are skipped.
        let lin = TimelineSpec {
            log_y: false,
            ..TimelineSpec::default()
        };
        let fig = Figure::new(&pts, &lin).unwrap();
        assert_eq!((fig.points.len(), fig.skipped), (4, 2));
        pts.truncate(0);
        assert!(Figure::new(&pts, &lin).is_none());
    }

    #[test]
    fn many_groups_are_capped() {
        let pts: Vec<_> = (0..30)
            .flat_map(|g| {
                (0..=g).map(move |k| pt(1e9 + f64::from(k) * 60.0, 0.1, &format!("user{g}")))
            })
            .collect();
        let fig = Figure::new(&pts, &TimelineSpec::default()).unwrap();
        assert_eq!(fig.series.len(), MAX_LEGEND_GROUPS + 1);
        assert_eq!(fig.series[0].label, "user29 (30)");
        assert!(
            fig.series[MAX_LEGEND_GROUPS]
                .label
                .starts_with("other: 20 groups")
        );
        // "other" is drawn first.
        assert_eq!(fig.points[0].series, MAX_LEGEND_GROUPS);
        assert_eq!(fig.points.last().unwrap().series, MAX_LEGEND_GROUPS - 1);
    }

    #[test]
    fn single_group_single_point() {
        let fig = Figure::new(&[pt(1e9, 1e-3, "")], &TimelineSpec::default()).unwrap();
        assert!(!fig.legend);
        assert!(fig.x0 < 1e9 && fig.x1 > 1e9);
        assert!(fig.x_ticks.len() >= 2, "{:?}", fig.x_ticks);
        let (x, y) = (fig.px_x(1e9), fig.px_y(1e-3));
        assert!(x > fig.plot.left && x < fig.plot.right);
        assert!(y > fig.plot.top && y < fig.plot.bottom);
    }
}
