//! The switchpoint figure of a Poisson changepoint model of daily counts (as
//! in chapter 1 of "Bayesian Methods for Hackers"): the daily counts with the
//! posterior expected rate, and below them the posterior of the change day.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Rect, Swatch, Ticked, close_frame, figure_format,
    label_at, rgb, text_width, write_figure,
};
use crate::scale::{ValueAxis, zero_based_axis};
use crate::{PlotError, PlotReport};

/// Label of the shared x axis.
const X_LABEL: &str = "day";
/// Label of the y axis of the posterior panel.
const TAU_LABEL: &str = "P(change on day)";
/// Legend texts.
const COUNT_LEGEND: &str = "daily count";
const RATE_LEGEND: &str = "expected rate";
const PLANTED_LEGEND: &str = "planted change";

/// At most this many labelled days on the x axis.
const MAX_X_LABELS: usize = 10;

/// Colours: count bars, expected-rate line, posterior bars, planted change.
const COUNT_COLOR: (u8, u8, u8) = PALETTE[0];
const RATE_COLOR: (u8, u8, u8) = PALETTE[3];
const TAU_COLOR: (u8, u8, u8) = PALETTE[4];
const PLANTED_COLOR: (u8, u8, u8) = (0x20, 0x20, 0x20);
/// Opacity of the bars.
const BAR_ALPHA: f64 = 0.8;

/// Inputs of the changepoint figure.
///
/// Build it with [`ChangepointFigure::new`] and set the optional fields with
/// struct update syntax, or fill in every field. All slices are indexed by
/// day and must have the same length (at least 1); see
/// [`changepoint_figure`] for the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangepointFigure<'a> {
    /// Figure title, drawn centred above the panels; may be empty (no title).
    pub title: String,
    /// Daily counts, one per day.
    pub counts: &'a [f64],
    /// Day labels (e.g. "2010-03-01"), same length as counts; if None, days are numbered 0..n.
    pub day_labels: Option<&'a [String]>,
    /// P(tau = k) for k = 0..n-1 (the day the new rate starts).
    pub tau_posterior: &'a [f64],
    /// Posterior expected rate E[lambda_t | data] for each day t.
    pub expected_rate: &'a [f64],
    /// Optional true change day (e.g. planted), drawn as a vertical marker.
    ///
    /// The dashed line goes through the middle of day `k` in both panels
    /// (through the bar of P(tau = k); over the count bars, under the
    /// posterior bars).
    pub true_tau: Option<usize>,
    /// y-axis label of the counts panel, e.g. "logons per day".
    pub count_label: String,
    /// Figure width in pixels (PNG pixels; SVG user units). Values are
    /// clamped to `320..=16384`.
    pub width: u32,
    /// Figure height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> ChangepointFigure<'a> {
    /// A figure of the given series with the defaults: no title, days
    /// numbered from 0, no planted change, y label `count per day`,
    /// 1000 × 700 pixels.
    pub fn new(counts: &'a [f64], tau_posterior: &'a [f64], expected_rate: &'a [f64]) -> Self {
        Self {
            title: String::new(),
            counts,
            day_labels: None,
            tau_posterior,
            expected_rate,
            true_tau: None,
            count_label: "count per day".to_string(),
            width: 1000,
            height: 700,
        }
    }
}

/// Writes the figure as PNG or SVG (chosen by the extension; anything else -> UnsupportedFormat).
///
/// The figure has two panels sharing the x axis (`day`, labelled with
/// [`ChangepointFigure::day_labels`] or day numbers, thinned to at most ten
/// readable labels):
///
/// * top: the daily counts as bars with the expected rate E\[λₜ\] as a line
///   over them, y axis [`ChangepointFigure::count_label`];
/// * bottom: bars of P(τ = k), y axis `P(change on day)` from 0 to a bit
///   above the largest probability.
///
/// With [`ChangepointFigure::true_tau`] a dashed vertical line marks that day
/// in both panels. A legend row between the title and the panels names the
/// bars, the line and the planted change (with its day).
///
/// The extension (`.png` or `.svg`, case-insensitive) is checked first, then
/// the inputs; nothing is written when either is rejected. The parent
/// directory must exist. The returned [`PlotReport`] has `drawn` = number of
/// days and `skipped` = 0.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension (including
/// `.html`), [`PlotError::InvalidInput`] when `counts` is empty, when
/// `tau_posterior`, `expected_rate` or `day_labels` has a different length
/// than `counts`, when a count, rate or probability is negative or not
/// finite, or when `true_tau` is not a day index; [`PlotError::Io`] when the
/// file cannot be written and [`PlotError::Backend`] when plotters fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{ChangepointFigure, changepoint_figure};
///
/// // 30 days; the rate rises from 4 to 9 on day 18.
/// let counts: Vec<f64> = (0..30).map(|d| if d < 18 { 4.0 } else { 9.0 } + f64::from(d % 3)).collect();
/// let mut tau = vec![0.0; 30];
/// (tau[17], tau[18], tau[19]) = (0.2, 0.7, 0.1);
/// let rate: Vec<f64> = (0..30).map(|d| if d < 18 { 5.0 } else { 10.0 }).collect();
/// let labels: Vec<String> = (1..=30).map(|d| format!("2024-06-{d:02}")).collect();
///
/// let fig = ChangepointFigure {
///     title: "Logons per day: change of rate".to_string(),
///     day_labels: Some(&labels),
///     true_tau: Some(18),
///     count_label: "logons per day".to_string(),
///     ..ChangepointFigure::new(&counts, &tau, &rate)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-cp-doc-{}.png", std::process::id()));
/// let report = changepoint_figure(&fig, &path)?;
/// assert_eq!(report.drawn, 30);
/// assert!(path.exists());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn changepoint_figure(fig: &ChangepointFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    validate(fig)?;
    write_figure(&Layout::new(fig), path)?;
    Ok(PlotReport {
        drawn: fig.counts.len(),
        skipped: 0,
    })
}

/// Checks lengths, values and the planted day.
fn validate(fig: &ChangepointFigure) -> Result<(), PlotError> {
    let n = fig.counts.len();
    if n == 0 {
        return Err(PlotError::InvalidInput("counts is empty".to_string()));
    }
    let lengths = [
        ("tau_posterior", Some(fig.tau_posterior.len())),
        ("expected_rate", Some(fig.expected_rate.len())),
        ("day_labels", fig.day_labels.map(<[String]>::len)),
    ];
    for (name, len) in lengths {
        if let Some(len) = len
            && len != n
        {
            return Err(PlotError::InvalidInput(format!(
                "{name} has {len} entries but counts has {n}"
            )));
        }
    }
    let series = [
        ("counts", fig.counts),
        ("tau_posterior", fig.tau_posterior),
        ("expected_rate", fig.expected_rate),
    ];
    for (name, values) in series {
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(PlotError::InvalidInput(format!(
                "{name}[{i}] = {v} is not a finite non-negative number"
            )));
        }
    }
    if let Some(k) = fig.true_tau
        && k >= n
    {
        return Err(PlotError::InvalidInput(format!(
            "true_tau = {k} is not a day index (counts has {n} days)"
        )));
    }
    Ok(())
}

/// The labelled days of the x axis: every `step`-th day from day 0, for the
/// smallest step of 1, 2, 5, 10, 20, 50, … giving at most [`MAX_X_LABELS`]
/// labels that fit side by side on an axis of `axis_px` pixels.
pub(crate) fn day_ticks(
    n: usize,
    label: &dyn Fn(usize) -> String,
    axis_px: f64,
    width: &dyn Fn(&str) -> f64,
) -> Vec<(f64, String)> {
    let day_px = axis_px / n as f64;
    let steps = (0..).flat_map(|e| [1, 2, 5].map(|m| 10usize.saturating_pow(e).saturating_mul(m)));
    for step in steps {
        let count = (n - 1) / step + 1;
        if count <= MAX_X_LABELS {
            let ticks: Vec<(f64, String)> =
                (0..n).step_by(step).map(|k| (k as f64, label(k))).collect();
            // Neighbouring labels must not touch: half of each plus a gap.
            let fits = ticks
                .windows(2)
                .all(|w| (width(&w[0].1) + width(&w[1].1)) / 2.0 + 12.0 <= step as f64 * day_px);
            if fits || count == 1 {
                return ticks;
            }
        }
    }
    unreachable!("a step of usize::MAX leaves one label")
}

/// Everything needed to draw the figure.
struct Layout<'a> {
    /// Size, fonts, margins and title (reference size 1000 × 700).
    frame: Frame,
    /// The legend row below the title band.
    legend: Legend,
    counts: &'a [f64],
    tau: &'a [f64],
    rate: &'a [f64],
    true_tau: Option<usize>,
    count_label: &'a str,
    /// Width of the area left of the panels (y tick labels and titles).
    y_area: f64,
    /// Height of the area below the lower panel (x tick labels and title).
    x_area: f64,
    /// Plotting areas of the counts (upper) and posterior (lower) panels.
    upper: Rect,
    lower: Rect,
    /// Shared x range and labelled days.
    x0: f64,
    x1: f64,
    x_ticks: Vec<(f64, String)>,
    count_axis: ValueAxis,
    tau_axis: ValueAxis,
    /// Half the width of a bar, in days.
    bar_half: f64,
    line_w: u32,
}

impl<'a> Layout<'a> {
    /// Lays out a validated figure.
    fn new(fig: &'a ChangepointFigure<'_>) -> Self {
        let n = fig.counts.len();
        let label = |k: usize| match fig.day_labels {
            Some(l) => l[k].clone(),
            None => k.to_string(),
        };

        // Sizes scale with the figure; 1000 x 700 is the reference.
        let frame = Frame::new(fig.width, fig.height, &fig.title, (1000.0, 700.0));
        let (w, h, s) = (frame.w(), frame.h(), frame.s);
        let (tick_px, margin) = (frame.tick_px, frame.margin);
        let line_w = (2.5 * s).round().max(1.0) as u32;
        let planted_legend = match fig.true_tau {
            Some(k) if fig.day_labels.is_some() => format!("{PLANTED_LEGEND} ({})", label(k)),
            Some(k) => format!("{PLANTED_LEGEND} (day {k})"),
            None => String::new(),
        };
        let mut entries = vec![
            (
                Swatch::Block(COUNT_COLOR, BAR_ALPHA),
                COUNT_LEGEND.to_string(),
            ),
            (Swatch::Line(RATE_COLOR, false), RATE_LEGEND.to_string()),
        ];
        if fig.true_tau.is_some() {
            entries.push((Swatch::Marker(PLANTED_COLOR), planted_legend));
        }
        let legend = Legend::new(entries, frame.legend_px, w - 2.0 * margin);

        // Vertical: title, legend row, upper panel, gap, lower panel, x axis.
        let x_area = frame.x_area();
        let top = frame.title_h + legend.height();
        let bottom = h - margin - x_area;
        let gap = (tick_px * 1.2).round();
        let avail = (bottom - top - gap).max(20.0);
        let upper_h = (avail * 0.58).round();
        let (upper_top, upper_bottom) = (top, top + upper_h);
        let (lower_top, lower_bottom) =
            (upper_bottom + gap, (upper_bottom + gap + 8.0).max(bottom));

        let max_ticks = |px: f64| frame.max_ticks(px, 2.4, 10);
        let top_value = fig
            .counts
            .iter()
            .chain(fig.expected_rate)
            .fold(0.0, |a: f64, &b| a.max(b));
        let count_axis = zero_based_axis(top_value, max_ticks(upper_bottom - upper_top));
        let top_tau = fig.tau_posterior.iter().fold(0.0, |a: f64, &b| a.max(b));
        let tau_axis = zero_based_axis(top_tau, max_ticks(lower_bottom - lower_top));

        // Horizontal: one y area for both panels, so that they line up.
        let y_area = frame.y_area(
            count_axis
                .ticks
                .iter()
                .chain(&tau_axis.ticks)
                .map(|t| t.1.as_str()),
        );
        let left = margin + y_area;
        // Room right of the panels for half of the last x label.
        let right = w - frame.right_pad(&label(n - 1));

        let (x0, x1) = (-0.5, n as f64 - 0.5);
        let axis_px = (right - left).max(10.0);
        let x_ticks = day_ticks(n, &label, axis_px, &|l| text_width(l, tick_px));
        // Bars with gaps while days are wide enough, else touching.
        let bar_half = if axis_px / n as f64 >= 4.0 { 0.4 } else { 0.5 };

        Layout {
            frame,
            legend,
            counts: fig.counts,
            tau: fig.tau_posterior,
            rate: fig.expected_rate,
            true_tau: fig.true_tau,
            count_label: &fig.count_label,
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
            x0,
            x1,
            x_ticks,
            count_axis,
            tau_axis,
            bar_half,
            line_w,
        }
    }

    fn x_coord(&self) -> Ticked<RangedCoordf64> {
        Ticked {
            inner: RangedCoordf64::from(self.x0..self.x1),
            bold: self.x_ticks.iter().map(|t| t.0).collect(),
            light: Vec::new(),
        }
    }

    fn y_coord(axis: &ValueAxis) -> Ticked<RangedCoordf64> {
        Ticked {
            inner: RangedCoordf64::from(axis.lo..axis.hi),
            bold: axis.ticks.iter().map(|t| t.0).collect(),
            light: Vec::new(),
        }
    }

    /// Dash length and gap of the planted-change line, in pixels.
    fn dash(&self) -> (i32, i32) {
        let d = (self.frame.legend_px * 0.5).round().max(3.0) as i32;
        (d, (f64::from(d) * 0.7).round() as i32)
    }

    fn planted_style(&self) -> ShapeStyle {
        rgb(PLANTED_COLOR).stroke_width((self.line_w * 3 / 4).max(1))
    }

    /// Upper panel: count bars, expected-rate line, planted change.
    fn draw_counts<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = self.frame.panel_area(root, self.upper, 0.0);
        let axis = &self.count_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .build_cartesian_2d(self.x_coord(), Self::y_coord(axis))?;
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.count_label).y_label_formatter(&y_fmt);
        self.frame.mesh(&mut mesh).draw()?;

        let bar = rgb(COUNT_COLOR).mix(BAR_ALPHA).filled();
        chart.draw_series(
            self.counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0.0)
                .map(|(k, &c)| {
                    let k = k as f64;
                    Rectangle::new([(k - self.bar_half, 0.0), (k + self.bar_half, c)], bar)
                }),
        )?;
        self.draw_planted(&mut chart, axis)?;
        chart.draw_series(LineSeries::new(
            self.rate.iter().enumerate().map(|(k, &r)| (k as f64, r)),
            rgb(RATE_COLOR).stroke_width(self.line_w),
        ))?;
        close_frame(&chart, (self.x0, axis.hi), (self.x1, axis.lo), true)
    }

    /// Lower panel: planted change, bars of P(tau = k), the x axis.
    fn draw_posterior<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = self.frame.panel_area(root, self.lower, self.x_area);
        let axis = &self.tau_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(self.x_coord(), Self::y_coord(axis))?;
        let x_fmt = |v: &f64| label_at(&self.x_ticks, *v);
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(TAU_LABEL)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        self.frame.mesh(&mut mesh).draw()?;
        self.frame.x_title(root, &chart, X_LABEL, self.x_area)?;

        // The marker goes under the bars here: narrow bars of a long series
        // would disappear under it.
        self.draw_planted(&mut chart, axis)?;
        let bar = rgb(TAU_COLOR).mix(BAR_ALPHA).filled();
        chart.draw_series(self.tau.iter().enumerate().filter(|(_, p)| **p > 0.0).map(
            |(k, &p)| {
                let k = k as f64;
                Rectangle::new([(k - self.bar_half, 0.0), (k + self.bar_half, p)], bar)
            },
        ))?;
        close_frame(&chart, (self.x0, axis.hi), (self.x1, axis.lo), false)
    }

    /// The dashed vertical line at the planted change, if any.
    fn draw_planted<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<
            '_,
            DB,
            Cartesian2d<Ticked<RangedCoordf64>, Ticked<RangedCoordf64>>,
        >,
        axis: &ValueAxis,
    ) -> DrawResult<DB> {
        let Some(k) = self.true_tau else {
            return Ok(());
        };
        let (dash, gap) = self.dash();
        let k = k as f64;
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(k, axis.hi), (k, axis.lo)],
            dash,
            gap,
            self.planted_style(),
        )))?;
        Ok(())
    }
}

impl Drawing for Layout<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.frame.begin(root)?;
        self.legend
            .draw(root, self.upper.left, self.frame.title_h, self.line_w)?;
        self.draw_counts(root)?;
        self.draw_posterior(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(s: &str) -> f64 {
        s.chars().count() as f64 * 8.0
    }

    #[test]
    fn day_numbers_are_thinned() {
        let ticks = day_ticks(74, &|k| k.to_string(), 850.0, &px);
        let days: Vec<f64> = ticks.iter().map(|t| t.0).collect();
        assert_eq!(days, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]);
        assert_eq!(ticks[1].1, "10");
        let ticks = day_ticks(5, &|k| k.to_string(), 850.0, &px);
        assert_eq!(ticks.len(), 5);
        let ticks = day_ticks(1, &|k| k.to_string(), 850.0, &px);
        assert_eq!(ticks, [(0.0, "0".to_string())]);
        let ticks = day_ticks(1_000_000, &|k| k.to_string(), 850.0, &px);
        assert!((2..=MAX_X_LABELS).contains(&ticks.len()), "{ticks:?}");
    }

    #[test]
    fn long_labels_need_wider_steps() {
        let label = |k: usize| format!("2010-03-{k:04}");
        let ticks = day_ticks(500, &label, 850.0, &px);
        assert!(ticks.len() >= 3 && ticks.len() <= 8, "{ticks:?}");
        let step = ticks[1].0 - ticks[0].0;
        assert!(step * 850.0 / 500.0 >= 8.0 * 12.0 + 12.0);
        // Labels wider than the whole axis: only the first.
        let huge = |_: usize| "x".repeat(500);
        assert_eq!(day_ticks(3, &huge, 850.0, &px).len(), 1);
    }

    #[test]
    fn layout_panels_line_up() {
        let counts = [3.0, 0.0, 5.0, 8.0];
        let tau = [0.1, 0.2, 0.6, 0.1];
        let rate = [3.0, 3.0, 6.0, 6.0];
        let fig = ChangepointFigure {
            title: "t".to_string(),
            ..ChangepointFigure::new(&counts, &tau, &rate)
        };
        let l = Layout::new(&fig);
        assert_eq!((l.frame.width, l.frame.height), (1000, 700));
        assert_eq!((l.upper.left, l.upper.right), (l.lower.left, l.lower.right));
        assert!(l.upper.bottom < l.lower.top && l.lower.bottom < 700.0);
        assert!(l.upper.top > l.frame.title_h);
        assert_eq!(l.count_axis.lo, 0.0);
        assert!(l.count_axis.hi > 8.0 && l.tau_axis.hi > 0.6 && l.tau_axis.hi < 0.7);
        assert_eq!(l.x_ticks.len(), 4);
        assert_eq!(l.bar_half, 0.4);
    }
}
