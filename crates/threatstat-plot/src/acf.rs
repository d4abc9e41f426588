//! The autocorrelation figure of a count series (e.g. one CloudTrail
//! principal's calls of one API per day): the series above, bars of its
//! autocorrelation by lag below, with the white-noise band and an optional
//! decision threshold.

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

/// Legend texts.
const COUNT_LEGEND: &str = "count";
const ACF_LEGEND: &str = "autocorrelation";
const BEST_LEGEND: &str = "largest |r|";
const BAND_LEGEND: &str = "±1.96/√n";
const THRESHOLD_LEGEND: &str = "threshold";

/// At most this many labelled positions on an x axis.
const MAX_X_LABELS: usize = 10;

/// Colours: count bars, autocorrelation bars, the highlighted lag, the
/// white-noise band, the threshold.
const COUNT_COLOR: (u8, u8, u8) = PALETTE[0];
const ACF_COLOR: (u8, u8, u8) = PALETTE[9];
const BEST_COLOR: (u8, u8, u8) = PALETTE[3];
const BAND_COLOR: (u8, u8, u8) = (0x60, 0x60, 0x60);
const THRESHOLD_COLOR: (u8, u8, u8) = PALETTE[1];
/// Opacity of the bars.
const BAR_ALPHA: f64 = 0.85;

/// Inputs of the autocorrelation figure.
///
/// Build it with [`AcfFigure::new`] and set the optional fields with struct
/// update syntax. See [`acf_figure`] for the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct AcfFigure<'a> {
    /// Figure title, drawn centred above the panels; may be empty.
    pub title: String,
    /// The series, one value per bucket (e.g. calls per day), in time order.
    pub counts: &'a [f64],
    /// Bucket labels (e.g. "2024-01-08"), same length as counts; if None,
    /// buckets are numbered from 0.
    pub labels: Option<&'a [String]>,
    /// Autocorrelations at lags 1, 2, ..., `acf.len()` (`acf[k - 1]` is lag
    /// k); NaN values (undefined, e.g. a constant part) are not drawn.
    pub acf: &'a [f64],
    /// Label of the counts panel's y axis, e.g. "calls per day".
    pub count_label: String,
    /// Label of the x axis of the series, e.g. "day (UTC)".
    pub time_label: String,
    /// Unit of a lag, e.g. "days" or "hours": the lag axis is `lag (unit)`.
    pub lag_unit: String,
    /// Ticks of both x axes are put on multiples of this many buckets (24
    /// for hourly series: midnights and whole days of lag); default 1.
    pub tick_every: usize,
    /// A lag to highlight (e.g. the lag of the largest |r|), 1-based.
    pub highlight_lag: Option<usize>,
    /// A decision threshold on |r| (e.g. the notebook's 0.5), drawn as
    /// lines at ±threshold.
    pub threshold: Option<f64>,
    /// Whether to draw the approximate 95% band of white noise, ±1.96/√n
    /// (n = number of finite counts).
    pub band: bool,
    /// Figure width in pixels (PNG pixels; SVG user units), clamped to
    /// `320..=16384`.
    pub width: u32,
    /// Figure height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> AcfFigure<'a> {
    /// A figure with the defaults: no title, buckets numbered from 0, y label
    /// `count`, x label `time`, lags in `buckets`, ticks on every bucket, no
    /// highlight, no threshold, the white-noise band, 1000 × 700 pixels.
    pub fn new(counts: &'a [f64], acf: &'a [f64]) -> Self {
        Self {
            title: String::new(),
            counts,
            labels: None,
            acf,
            count_label: "count".to_string(),
            time_label: "time".to_string(),
            lag_unit: "buckets".to_string(),
            tick_every: 1,
            highlight_lag: None,
            threshold: None,
            band: true,
            width: 1000,
            height: 700,
        }
    }
}

/// Writes the autocorrelation figure as PNG or SVG (chosen by the
/// extension; anything else -> [`PlotError::UnsupportedFormat`]).
///
/// Two panels, each with its own x axis:
///
/// * top: the series as bars (y axis [`AcfFigure::count_label`], x axis
///   [`AcfFigure::time_label`] labelled with [`AcfFigure::labels`], thinned
///   to at most ten labels on multiples of [`AcfFigure::tick_every`]);
/// * bottom: one bar per lag from the zero line, y axis `autocorrelation r`
///   from −1 to 1, x axis `lag (unit)`; the [highlighted
///   lag](AcfFigure::highlight_lag) in another colour; dashed lines at
///   ±1.96/√n (approximately where 95% of the autocorrelations of white
///   noise fall) and solid lines at ±[`threshold`](AcfFigure::threshold).
///
/// A legend row between the title and the panels names what is drawn.
/// The extension is checked first, then the inputs; nothing is written when
/// either is rejected. The parent directory must exist. The returned
/// [`PlotReport`] has `drawn` = number of buckets plus the number of finite
/// autocorrelations, `skipped` = the number of NaN autocorrelations.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension (including
/// `.html`); [`PlotError::InvalidInput`] when `counts` is empty, `acf` is
/// empty, a count is negative or not finite, an autocorrelation is infinite
/// or outside −1..=1 (beyond rounding), `labels` has another length than
/// `counts`, `tick_every` is 0, the highlighted lag is not in `1..=acf.len()`
/// or the threshold is not in 0..=1; [`PlotError::Io`] when the file cannot
/// be written and [`PlotError::Backend`] when plotters fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{AcfFigure, acf_figure};
///
/// // A weekly job: 8 weeks of calls per day.
/// let counts: Vec<f64> = (0..56).map(|d| if d % 7 == 0 { 12.0 } else { 0.0 }).collect();
/// let acf: Vec<f64> = (1..=14).map(|k| if k % 7 == 0 { 0.9 } else { -0.15 }).collect();
/// let labels: Vec<String> = (0..56).map(|d| format!("day {d}")).collect();
/// let fig = AcfFigure {
///     title: "backup-role: PutObject".to_string(),
///     labels: Some(&labels),
///     count_label: "calls per day".to_string(),
///     time_label: "day (UTC)".to_string(),
///     lag_unit: "days".to_string(),
///     highlight_lag: Some(7),
///     threshold: Some(0.5),
///     ..AcfFigure::new(&counts, &acf)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-acf-doc-{}.png", std::process::id()));
/// let report = acf_figure(&fig, &path)?;
/// assert_eq!((report.drawn, report.skipped), (56 + 14, 0));
/// assert!(path.exists());
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn acf_figure(fig: &AcfFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    validate(fig)?;
    write_figure(&Layout::new(fig), path)?;
    let nan = fig.acf.iter().filter(|r| r.is_nan()).count();
    Ok(PlotReport {
        drawn: fig.counts.len() + fig.acf.len() - nan,
        skipped: nan,
    })
}

fn validate(fig: &AcfFigure) -> Result<(), PlotError> {
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    let n = fig.counts.len();
    if n == 0 {
        return bad("counts is empty".to_string());
    }
    if fig.acf.is_empty() {
        return bad("acf is empty (no lag to draw)".to_string());
    }
    if let Some(l) = fig.labels
        && l.len() != n
    {
        return bad(format!("labels has {} entries but counts has {n}", l.len()));
    }
    if let Some((i, v)) = fig
        .counts
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return bad(format!(
            "counts[{i}] = {v} is not a finite non-negative number"
        ));
    }
    if let Some((i, r)) = fig
        .acf
        .iter()
        .enumerate()
        .find(|(_, r)| !r.is_nan() && r.abs() > 1.0 + 1e-9)
    {
        return bad(format!(
            "acf[{i}] (lag {}) = {r} is not an autocorrelation in -1..=1",
            i + 1
        ));
    }
    if fig.tick_every == 0 {
        return bad("tick_every must be at least 1".to_string());
    }
    if let Some(k) = fig.highlight_lag
        && !(1..=fig.acf.len()).contains(&k)
    {
        return bad(format!(
            "highlight_lag = {k} is not a lag of acf (1..={})",
            fig.acf.len()
        ));
    }
    if let Some(t) = fig.threshold
        && !(0.0..=1.0).contains(&t)
    {
        return bad(format!("threshold = {t} is not in 0..=1"));
    }
    Ok(())
}

/// Labelled positions `first, first + step, ...` up to `last` (inclusive),
/// for the smallest step among `unit` × 1, 2, 7, 14, 28, 56, ... (whole
/// weeks once past two units, calendar-friendly for days) giving at most
/// [`MAX_X_LABELS`] labels that fit side by side on `axis_px` pixels.
fn ticks(
    first: usize,
    last: usize,
    unit: usize,
    label: &dyn Fn(usize) -> String,
    axis_px: f64,
    width: &dyn Fn(&str) -> f64,
) -> Vec<(f64, String)> {
    let span = (last - first + 1) as f64;
    let per = axis_px / span;
    let start = first.div_ceil(unit) * unit;
    let multiples = [1usize, 2, 7, 14, 28]
        .into_iter()
        .chain((0..).map(|e| 56usize.saturating_mul(1 << e.min(58))));
    let mut best = Vec::new();
    for m in multiples {
        let step = unit.saturating_mul(m).max(1);
        let t: Vec<(f64, String)> = (start..=last)
            .step_by(step)
            .map(|k| (k as f64, label(k)))
            .collect();
        if t.len() <= MAX_X_LABELS {
            let fits = t
                .windows(2)
                .all(|w| (width(&w[0].1) + width(&w[1].1)) / 2.0 + 12.0 <= step as f64 * per);
            if fits || t.len() <= 1 {
                return t;
            }
        }
        best = t;
        if step > last {
            break;
        }
    }
    best.truncate(1);
    best
}

/// Everything needed to draw the figure.
struct Layout<'a> {
    /// Size, fonts, margins and title (reference size 1000 × 700).
    frame: Frame,
    /// The legend row below the title band.
    legend: Legend,
    counts: &'a [f64],
    acf: &'a [f64],
    highlight: Option<usize>,
    threshold: Option<f64>,
    band: Option<f64>,
    count_label: &'a str,
    time_label: &'a str,
    lag_label: String,
    y_area: f64,
    x_area: f64,
    upper: Rect,
    lower: Rect,
    time_x: (f64, f64),
    time_ticks: Vec<(f64, String)>,
    lag_x: (f64, f64),
    lag_ticks: Vec<(f64, String)>,
    count_axis: ValueAxis,
    acf_axis: ValueAxis,
    count_half: f64,
    lag_half: f64,
    line_w: u32,
}

impl<'a> Layout<'a> {
    fn new(fig: &'a AcfFigure<'_>) -> Self {
        let n = fig.counts.len();
        let lags = fig.acf.len();
        let label = |k: usize| match fig.labels {
            Some(l) => l[k].clone(),
            None => k.to_string(),
        };
        let frame = Frame::new(fig.width, fig.height, &fig.title, (1000.0, 700.0));
        let (w, h, s) = (frame.w(), frame.h(), frame.s);
        let (tick_px, margin) = (frame.tick_px, frame.margin);
        let line_w = (2.0 * s).round().max(1.0) as u32;
        let band = fig
            .band
            .then(|| 1.96 / (fig.counts.len() as f64).sqrt())
            .filter(|b| *b < 1.0);
        let mut entries = vec![
            (
                Swatch::Block(COUNT_COLOR, BAR_ALPHA),
                COUNT_LEGEND.to_string(),
            ),
            (Swatch::Block(ACF_COLOR, BAR_ALPHA), ACF_LEGEND.to_string()),
        ];
        if fig.highlight_lag.is_some() {
            entries.push((
                Swatch::Block(BEST_COLOR, BAR_ALPHA),
                BEST_LEGEND.to_string(),
            ));
        }
        if band.is_some() {
            entries.push((Swatch::Line(BAND_COLOR, true), BAND_LEGEND.to_string()));
        }
        if let Some(t) = fig.threshold {
            entries.push((
                Swatch::Line(THRESHOLD_COLOR, false),
                format!("{THRESHOLD_LEGEND} |r| = {t}"),
            ));
        }
        let legend = Legend::new(entries, frame.legend_px, w - 2.0 * margin);

        // Vertical: title, legend, upper panel + its x axis, gap, lower panel + x axis.
        let x_area = frame.x_area();
        let top = frame.title_h + legend.height();
        let gap = (tick_px * 0.8).round();
        let avail = (h - margin - top - 2.0 * x_area - gap).max(40.0);
        let upper_h = (avail * 0.5).round();
        let upper = (top, top + upper_h);
        let lower_top = upper.1 + x_area + gap;
        let lower = (lower_top, (lower_top + 10.0).max(h - margin - x_area));

        let max_ticks = |px: f64| frame.max_ticks(px, 2.4, 10);
        let top_value = fig.counts.iter().fold(0.0, |a: f64, &b| a.max(b));
        let count_axis = zero_based_axis(top_value, max_ticks(upper.1 - upper.0));
        let acf_axis = ValueAxis {
            lo: -1.0,
            hi: 1.0,
            log: false,
            ticks: [-1.0, -0.5, 0.0, 0.5, 1.0]
                .into_iter()
                .map(|v: f64| (v, format!("{v}").replace('-', "−")))
                .collect(),
            minor: Vec::new(),
        };

        let y_area = frame.y_area(
            count_axis
                .ticks
                .iter()
                .chain(&acf_axis.ticks)
                .map(|t| t.1.as_str()),
        );
        let left = margin + y_area;
        let right = w - frame.right_pad(&label(n - 1));
        let axis_px = (right - left).max(10.0);
        let unit = fig.tick_every.max(1);
        let time_ticks = ticks(0, n - 1, unit, &label, axis_px, &|l| text_width(l, tick_px));
        let lag_ticks = ticks(1, lags, unit, &|k| k.to_string(), axis_px, &|l| {
            text_width(l, tick_px)
        });
        let half = |count: usize| {
            if axis_px / count as f64 >= 4.0 {
                0.4
            } else {
                0.5
            }
        };
        Layout {
            frame,
            legend,
            counts: fig.counts,
            acf: fig.acf,
            highlight: fig.highlight_lag,
            threshold: fig.threshold,
            band,
            count_label: &fig.count_label,
            time_label: &fig.time_label,
            lag_label: format!("lag ({})", fig.lag_unit),
            y_area,
            x_area,
            upper: Rect {
                left,
                top: upper.0,
                right,
                bottom: upper.1,
            },
            lower: Rect {
                left,
                top: lower.0,
                right,
                bottom: lower.1,
            },
            time_x: (-0.5, n as f64 - 0.5),
            time_ticks,
            lag_x: (0.5, lags as f64 + 0.5),
            lag_ticks,
            count_axis,
            acf_axis,
            count_half: half(n),
            lag_half: half(lags).min(0.35),
            line_w,
        }
    }

    fn coord(x: (f64, f64), ticks: &[(f64, String)]) -> Ticked<RangedCoordf64> {
        Ticked {
            inner: RangedCoordf64::from(x.0..x.1),
            bold: ticks.iter().map(|t| t.0).collect(),
            light: Vec::new(),
        }
    }

    fn dash(&self) -> (i32, i32) {
        let d = (self.frame.legend_px * 0.5).round().max(3.0) as i32;
        (d, (f64::from(d) * 0.7).round() as i32)
    }

    fn draw_counts<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = self.frame.panel_area(root, self.upper, self.x_area);
        let axis = &self.count_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(
                Self::coord(self.time_x, &self.time_ticks),
                Self::coord((axis.lo, axis.hi), &axis.ticks),
            )?;
        let x_fmt = |v: &f64| label_at(&self.time_ticks, *v);
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(self.count_label)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        self.frame.mesh(&mut mesh).draw()?;
        self.frame
            .x_title(root, &chart, self.time_label, self.x_area)?;
        let bar = rgb(COUNT_COLOR).mix(BAR_ALPHA).filled();
        let hw = self.count_half;
        chart.draw_series(
            self.counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0.0)
                .map(|(k, &c)| {
                    let k = k as f64;
                    Rectangle::new([(k - hw, 0.0), (k + hw, c)], bar)
                }),
        )?;
        close_frame(
            &chart,
            (self.time_x.0, axis.hi),
            (self.time_x.1, axis.lo),
            false,
        )
    }

    fn draw_acf<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let area = self.frame.panel_area(root, self.lower, self.x_area);
        let axis = &self.acf_axis;
        let mut chart = ChartBuilder::on(&area)
            .y_label_area_size(self.y_area as i32)
            .x_label_area_size(self.x_area as i32)
            .build_cartesian_2d(
                Self::coord(self.lag_x, &self.lag_ticks),
                Self::coord((axis.lo, axis.hi), &axis.ticks),
            )?;
        let x_fmt = |v: &f64| label_at(&self.lag_ticks, *v);
        let y_fmt = |v: &f64| label_at(&axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_desc("autocorrelation r")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt);
        self.frame.mesh(&mut mesh).draw()?;
        self.frame
            .x_title(root, &chart, &self.lag_label, self.x_area)?;

        let (x0, x1) = self.lag_x;
        // The zero line.
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0, 0.0), (x1, 0.0)],
            BLACK.mix(0.6).stroke_width(1),
        )))?;
        if let Some(b) = self.band {
            let (dash, gap) = self.dash();
            for y in [b, -b] {
                chart.draw_series(std::iter::once(DashedPathElement::new(
                    vec![(x0, y), (x1, y)],
                    dash,
                    gap,
                    rgb(BAND_COLOR).stroke_width(self.line_w.max(1)),
                )))?;
            }
        }
        if let Some(t) = self.threshold {
            for y in [t, -t] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x0, y), (x1, y)],
                    rgb(THRESHOLD_COLOR).stroke_width(self.line_w),
                )))?;
            }
        }
        let hw = self.lag_half;
        chart.draw_series(
            self.acf
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.is_nan() && **r != 0.0)
                .map(|(i, &r)| {
                    let k = (i + 1) as f64;
                    let c = if self.highlight == Some(i + 1) {
                        BEST_COLOR
                    } else {
                        ACF_COLOR
                    };
                    let r = r.clamp(-1.0, 1.0);
                    Rectangle::new(
                        [(k - hw, r.min(0.0)), (k + hw, r.max(0.0))],
                        rgb(c).mix(BAR_ALPHA).filled(),
                    )
                }),
        )?;
        close_frame(&chart, (x0, axis.hi), (x1, axis.lo), false)
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
        self.draw_acf(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(s: &str) -> f64 {
        s.chars().count() as f64 * 8.0
    }

    #[test]
    fn day_ticks_are_weekly_once_thinned() {
        let label = |k: usize| format!("2024-01-{:02}", k + 1);
        let t = ticks(0, 55, 1, &label, 850.0, &px);
        let step = t[1].0 - t[0].0;
        assert!(step == 7.0 || step == 14.0, "{t:?}");
        let t = ticks(0, 6, 1, &|k| k.to_string(), 850.0, &px);
        assert_eq!(t.len(), 7);
        // Hourly: on midnights only.
        let t = ticks(0, 56 * 24 - 1, 24, &|k| k.to_string(), 850.0, &px);
        assert!(
            t.iter().all(|(v, _)| (*v as usize).is_multiple_of(24)) && t.len() <= MAX_X_LABELS,
            "{t:?}"
        );
        // Lags 1..=168 by day: 24, 48, ...
        let t = ticks(1, 168, 24, &|k| k.to_string(), 850.0, &px);
        assert_eq!(t[0].0, 24.0);
        assert_eq!(ticks(0, 0, 1, &|_| "x".into(), 850.0, &px).len(), 1);
    }

    #[test]
    fn invalid_inputs() {
        let c = [1.0, 2.0, 3.0];
        let r = [0.5, f64::NAN];
        let ok = AcfFigure::new(&c, &r);
        assert!(validate(&ok).is_ok());
        let bad_r = [1.5];
        for (fig, needle) in [
            (AcfFigure::new(&[], &r), "counts is empty"),
            (AcfFigure::new(&c, &[]), "acf is empty"),
            (AcfFigure::new(&c, &bad_r), "lag 1"),
            (
                AcfFigure {
                    highlight_lag: Some(3),
                    ..ok.clone()
                },
                "highlight_lag",
            ),
            (
                AcfFigure {
                    threshold: Some(2.0),
                    ..ok.clone()
                },
                "threshold",
            ),
            (
                AcfFigure {
                    tick_every: 0,
                    ..ok.clone()
                },
                "tick_every",
            ),
        ] {
            let e = validate(&fig).unwrap_err().to_string();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }
}
