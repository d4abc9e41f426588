//! Calibration figures: measured rates against their nominal values with
//! Monte Carlo uncertainty ([`calibration_figure`]), and rank histograms of
//! simulation-based calibration ([`rank_histogram_figure`]).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::frame::{
    DrawResult, Drawing, Frame, Legend, Swatch, figure_format, finite_ticks, fitting_axis, font,
    label_at, linear, rgb, text_width, wrap, write_figure,
};
use crate::{PlotError, PlotReport};

/// Colour of a measurement that keeps its promise.
const OK: (u8, u8, u8) = (0x1f, 0x77, 0xb4);
/// Colour of a measurement that misses it.
const MISS: (u8, u8, u8) = (0xd6, 0x27, 0x28);
/// Colour of the band an exactly calibrated method's estimate falls in.
const BAND: (u8, u8, u8) = (0xcc, 0xcc, 0xcc);

/// One measured promise of a [`CalibrationFigure`].
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationRow {
    /// What was measured (drawn as the row's label).
    pub label: String,
    /// The promised rate (e.g. 0.05 for a type-I error, 0.95 for coverage).
    pub nominal: f64,
    /// Monte Carlo standard error of an observed rate when the true rate is
    /// `nominal` (`sqrt(nominal·(1 − nominal)/replications)`): the grey band
    /// is `nominal ± k·nominal_se`.
    pub nominal_se: f64,
    /// The observed rate.
    pub observed: f64,
    /// Its Monte Carlo standard error: the bar is `observed ± k·observed_se`.
    pub observed_se: f64,
    /// Whether the promise holds (blue) or is missed (red).
    pub ok: bool,
}

/// Inputs of [`calibration_figure`].
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// The rows, drawn top to bottom in this order.
    pub rows: &'a [CalibrationRow],
    /// x-axis title, e.g. `rejection rate under H0`.
    pub x_label: String,
    /// Number of standard errors drawn on each side (2 ≈ 95% bands).
    pub k: f64,
    /// Width in pixels (clamped to 320..=16384).
    pub width: u32,
    /// Height in pixels (clamped to 240..=16384).
    pub height: u32,
}

impl<'a> CalibrationFigure<'a> {
    /// No title, x label `observed rate`, ±2 standard errors, 1200 pixels
    /// wide and 44 pixels per row plus 240 high.
    pub fn new(rows: &'a [CalibrationRow]) -> Self {
        CalibrationFigure {
            title: String::new(),
            rows,
            x_label: "observed rate".into(),
            k: 2.0,
            width: 1200,
            height: 240 + 44 * rows.len() as u32,
        }
    }
}

/// Writes a calibration figure as PNG or SVG (by extension): one row per
/// measured promise, a black tick at the nominal rate inside a grey band of
/// ±k Monte Carlo standard errors around it (where an exactly calibrated
/// method's estimate falls), and the observed rate as a dot with a bar of
/// ±k standard errors, blue when the promise holds and red when it is
/// missed. A legend under the title says so.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than png/svg,
/// [`PlotError::InvalidInput`] for no rows, or a non-finite or negative
/// number in a row or in `k`; [`PlotError::Io`] / [`PlotError::Backend`]
/// when writing fails.
///
/// ```
/// use threatstat_plot::{CalibrationFigure, CalibrationRow, calibration_figure};
/// let rows = vec![CalibrationRow {
///     label: "Mann-Whitney, asymptotic, α = 0.05".into(),
///     nominal: 0.05, nominal_se: 0.0015, observed: 0.049, observed_se: 0.0015, ok: true,
/// }];
/// let fig = CalibrationFigure { title: "type-I error".into(), ..CalibrationFigure::new(&rows) };
/// let path = std::env::temp_dir().join(format!("threatstat-plot-calib-doc-{}.png", std::process::id()));
/// assert_eq!(calibration_figure(&fig, &path).unwrap().drawn, 1);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn calibration_figure(fig: &CalibrationFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    if fig.rows.is_empty() {
        return bad("no calibration row to draw".into());
    }
    if !(fig.k.is_finite() && fig.k >= 0.0) {
        return bad(format!("k must be finite and >= 0, found {}", fig.k));
    }
    for r in fig.rows {
        let v = [r.nominal, r.nominal_se, r.observed, r.observed_se];
        if v.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            return bad(format!(
                "row `{}` has a non-finite or negative number: {v:?}",
                r.label
            ));
        }
    }
    let frame = Frame::new(fig.width, fig.height, &fig.title, (1200.0, f64::INFINITY));
    write_figure(&Calibration { fig, frame }, path)?;
    Ok(PlotReport {
        drawn: fig.rows.len(),
        skipped: 0,
    })
}

struct Calibration<'a> {
    fig: &'a CalibrationFigure<'a>,
    /// Size, fonts, margins and title (reference width 1200).
    frame: Frame,
}

impl Calibration<'_> {
    /// The x range: every band and bar, padded by 5% on each side, starting
    /// at 0 when it would come within 30% of it.
    fn x_range(&self) -> (f64, f64) {
        let k = self.fig.k;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in self.fig.rows {
            lo = lo
                .min(r.nominal - k * r.nominal_se)
                .min(r.observed - k * r.observed_se);
            hi = hi
                .max(r.nominal + k * r.nominal_se)
                .max(r.observed + k * r.observed_se);
        }
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let (mut lo, hi) = ((lo - pad).max(0.0), (hi + pad).min(1.0));
        if lo < 0.3 * (hi - lo) {
            lo = 0.0;
        }
        (lo, hi)
    }
}

impl Drawing for Calibration<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let s = fr.s;
        let tick_px = fr.tick_px;
        fr.begin(root)?;
        // Legend band under the title.
        let k = self.fig.k;
        let legend = Legend::new(
            vec![
                (Swatch::Block(BAND, 1.0), format!("nominal ± {k} MC s.e.")),
                (
                    Swatch::Block(OK, 1.0),
                    format!("observed ± {k} s.e.: holds"),
                ),
                (Swatch::Block(MISS, 1.0), "observed: misses".to_string()),
            ],
            fr.legend_px,
            fr.w() - 4.0 * fr.margin,
        );
        legend.draw(root, 2.0 * fr.margin, fr.title_h, fr.line_w)?;
        let (title_h, legend_h) = (fr.title_h, legend.height());
        let n = self.fig.rows.len();
        // Row labels in up to two lines, together at most 45% of the width.
        let labels: Vec<Vec<String>> = self
            .fig
            .rows
            .iter()
            .map(|r| wrap(&r.label, tick_px, fr.w() * 0.45, 2))
            .collect();
        let label_w = labels
            .iter()
            .flatten()
            .map(|l| text_width(l, tick_px))
            .fold(0.0, f64::max);
        let y_area = label_w + 14.0 * s;
        let right_pad = (28.0 * s).round();
        let (x0, x1) = self.x_range();
        // As many x ticks as have room for their labels.
        let plot_w = fr.w() - 2.0 * fr.margin - right_pad - y_area;
        let mut x_axis = fitting_axis(x0, x1, false, plot_w.max(10.0), &|l| text_width(l, tick_px));
        (x_axis.lo, x_axis.hi) = (x0, x1);
        let x_axis = finite_ticks(x_axis);
        let mut chart = ChartBuilder::on(root)
            .margin_top((title_h + legend_h) as i32)
            .margin_left(fr.margin as i32)
            .margin_right(right_pad as i32)
            .margin_bottom(fr.margin as i32)
            .x_label_area_size(fr.x_area() as i32)
            .y_label_area_size(y_area as i32)
            .build_cartesian_2d(linear(&x_axis), -0.5..(n as f64 - 0.5))?;
        let rows = self.fig.rows;
        let x_fmt = |v: &f64| label_at(&x_axis.ticks, *v);
        let mut mesh = chart.configure_mesh();
        mesh.y_labels(n)
            .y_label_formatter(&|_| String::new())
            .x_label_formatter(&x_fmt)
            .disable_y_mesh();
        fr.mesh(&mut mesh).draw()?;
        fr.x_title(root, &chart, &self.fig.x_label, fr.x_area())?;
        // The row labels, right-aligned left of the plot, centred on the row.
        let style = font(tick_px)
            .color(&RGBColor(40, 40, 40))
            .pos(Pos::new(HPos::Right, VPos::Center));
        let line_h = (tick_px * 1.2).round();
        for (i, lines) in labels.iter().enumerate() {
            let (left, yc) = chart.backend_coord(&(x0, (n - 1 - i) as f64));
            let x = left - (10.0 * s).round() as i32;
            let first = f64::from(yc) - line_h * (lines.len() as f64 - 1.0) / 2.0;
            for (j, line) in lines.iter().enumerate() {
                let y = (first + line_h * j as f64).round() as i32;
                root.draw_text(line, &style, (x, y))?;
            }
        }
        let w = (2.5 * s).round().max(1.0) as u32;
        let r_px = (5.0 * s).round() as i32;
        for (i, r) in rows.iter().enumerate() {
            let yc = (n - 1 - i) as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    ((r.nominal - k * r.nominal_se).max(x0), yc - 0.32),
                    ((r.nominal + k * r.nominal_se).min(x1), yc + 0.32),
                ],
                rgb(BAND).filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(r.nominal, yc - 0.38), (r.nominal, yc + 0.38)],
                BLACK.stroke_width(w),
            )))?;
            let c = rgb(if r.ok { OK } else { MISS });
            let (a, b) = (
                (r.observed - k * r.observed_se).max(x0),
                (r.observed + k * r.observed_se).min(x1),
            );
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(a, yc), (b, yc)],
                c.stroke_width(w),
            )))?;
            for e in [a, b] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(e, yc - 0.15), (e, yc + 0.15)],
                    c.stroke_width(w),
                )))?;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (r.observed.clamp(x0, x1), yc),
                r_px,
                c.filled(),
            )))?;
        }
        Ok(())
    }
}

/// Inputs of [`rank_histogram_figure`].
#[derive(Debug, Clone, PartialEq)]
pub struct RankHistogramFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// Panels: a title (e.g. `Gibbs: λ1`) and the count of replications in
    /// each rank bin (all panels with the same number of bins).
    pub panels: Vec<(String, &'a [usize])>,
    /// Panels per row.
    pub columns: usize,
    /// Width in pixels (clamped to 320..=16384).
    pub width: u32,
    /// Height in pixels (clamped to 240..=16384).
    pub height: u32,
}

impl<'a> RankHistogramFigure<'a> {
    /// No title, three panels per row, 1200 pixels wide and 330 per row of
    /// panels plus 60 high.
    pub fn new(panels: Vec<(String, &'a [usize])>) -> Self {
        let rows = panels.len().div_ceil(3).max(1) as u32;
        RankHistogramFigure {
            title: String::new(),
            panels,
            columns: 3,
            width: 1200,
            height: 60 + 330 * rows,
        }
    }
}

/// Writes simulation-based-calibration rank histograms as PNG or SVG (by
/// extension): one bar chart per panel, with the count expected in each bin
/// for uniform ranks as a black line inside a grey band of ±2 binomial
/// standard deviations (`sqrt(R·p·(1 − p))`, `p` = 1/bins, `R` the
/// replications of the panel): a calibrated sampler's bars scatter within
/// the band (about 1 bin in 20 outside it).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than png/svg,
/// [`PlotError::InvalidInput`] for no panels, `columns == 0`, a panel with
/// fewer than 2 bins or no replications, or panels with different numbers
/// of bins; [`PlotError::Io`] / [`PlotError::Backend`] when writing fails.
///
/// ```
/// use threatstat_plot::{RankHistogramFigure, rank_histogram_figure};
/// let h = [9usize, 11, 10, 12, 8];
/// let fig = RankHistogramFigure::new(vec![("λ1".into(), &h[..]), ("τ".into(), &h[..])]);
/// let path = std::env::temp_dir().join(format!("threatstat-plot-sbc-doc-{}.svg", std::process::id()));
/// assert_eq!(rank_histogram_figure(&fig, &path).unwrap().drawn, 10);
/// # std::fs::remove_file(&path).unwrap();
/// ```
pub fn rank_histogram_figure(
    fig: &RankHistogramFigure,
    path: &Path,
) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    if fig.panels.is_empty() || fig.columns == 0 {
        return bad("no rank histogram to draw (or zero columns)".into());
    }
    let bins = fig.panels[0].1.len();
    for (t, h) in &fig.panels {
        if h.len() != bins || bins < 2 {
            return bad(format!(
                "panel `{t}` has {} bins; every panel needs the same number, at least 2",
                h.len()
            ));
        }
        if h.iter().sum::<usize>() == 0 {
            return bad(format!("panel `{t}` has no replications"));
        }
    }
    let frame = Frame::new(fig.width, fig.height, &fig.title, (1200.0, f64::INFINITY));
    write_figure(&RankHistograms { fig, frame }, path)?;
    Ok(PlotReport {
        drawn: fig.panels.len() * bins,
        skipped: 0,
    })
}

struct RankHistograms<'a> {
    fig: &'a RankHistogramFigure<'a>,
    /// Size, fonts, margins and title (reference width 1200).
    frame: Frame,
}

impl Drawing for RankHistograms<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let (s, desc_px) = (fr.s, fr.desc_px);
        fr.begin(root)?;
        let title_h = fr.title_h;
        let cols = self.fig.columns;
        let rows = self.fig.panels.len().div_ceil(cols);
        let (_, body) = root.split_vertically(title_h as i32);
        let areas = body.split_evenly((rows, cols));
        for ((label, h), area) in self.fig.panels.iter().zip(areas) {
            let bins = h.len();
            let total: usize = h.iter().sum();
            let p = 1.0 / bins as f64;
            let expected = total as f64 * p;
            let sd = (total as f64 * p * (1.0 - p)).sqrt();
            let top = h
                .iter()
                .map(|&c| c as f64)
                .fold(expected + 2.0 * sd, f64::max)
                * 1.1;
            let mut chart = ChartBuilder::on(&area)
                .caption(label.as_str(), font(desc_px))
                .margin((8.0 * s) as i32)
                .margin_right(fr.right_pad(&bins.to_string()) as i32)
                .x_label_area_size(fr.x_area() as i32)
                .y_label_area_size(fr.y_area(std::iter::once(format!("{top:.0}").as_str())) as i32)
                .build_cartesian_2d(0.0..bins as f64, 0.0..top)?;
            let mut mesh = chart.configure_mesh();
            let y_fmt = |v: &f64| format!("{v:.0}");
            mesh.y_desc("replications")
                .x_labels(bins.min(10) + 1)
                .y_labels(5)
                .y_label_formatter(&y_fmt)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .disable_x_mesh();
            fr.mesh(&mut mesh).draw()?;
            fr.x_title(
                &area,
                &chart,
                "rank of the truth among the draws (bin)",
                fr.x_area(),
            )?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, (expected - 2.0 * sd).max(0.0)),
                    (bins as f64, expected + 2.0 * sd),
                ],
                rgb(BAND).mix(0.7).filled(),
            )))?;
            chart.draw_series(h.iter().enumerate().map(|(i, &c)| {
                Rectangle::new(
                    [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, c as f64)],
                    rgb(OK).mix(0.8).filled(),
                )
            }))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, expected), (bins as f64, expected)],
                BLACK.stroke_width((1.5 * s).round().max(1.0) as u32),
            )))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `<text>` of an SVG as (x, anchor, font size, text).
    fn texts(svg: &str) -> Vec<(f64, String, f64, String)> {
        let attr = |tag: &str, name: &str| {
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            let end = tag[start..].find('"')? + start;
            Some(tag[start..end].to_string())
        };
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let (tag, rest) = t.split_once('>').unwrap();
                let body = rest.split("</text>").next().unwrap().trim();
                let body = body
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&");
                (
                    attr(tag, "x").unwrap().parse().unwrap(),
                    attr(tag, "text-anchor").unwrap_or_else(|| "start".into()),
                    attr(tag, "font-size").unwrap().parse().unwrap(),
                    body,
                )
            })
            .collect()
    }

    /// The rows of calibration_fdr.png have labels of 130 characters; its
    /// x-axis title was cut off at the right edge. Every text must lie
    /// inside the figure, and no row label may be cut.
    #[test]
    fn long_row_labels_keep_every_text_inside() {
        crate::register_fonts();
        let label = |rule: &str| {
            format!(
                "automation {rule} (CLI default, permutation p-values), complete null of \
                 5000 sparse pairs (90 days, rate 0.05–0.3), --fdr 0.05"
            )
        };
        let rows: Vec<CalibrationRow> = ["Rule::ljung_box()", "Rule::ljung_box_chi2()"]
            .iter()
            .map(|r| CalibrationRow {
                label: label(r),
                nominal: 0.05,
                nominal_se: 0.01,
                observed: 0.2,
                observed_se: 0.1,
                ok: true,
            })
            .collect();
        let fig = CalibrationFigure {
            title: "False discovery rate".into(),
            x_label: "false discovery rate (complete null: share of runs with a discovery)".into(),
            width: 1500,
            ..CalibrationFigure::new(&rows)
        };
        let path = std::env::temp_dir().join(format!(
            "threatstat-plot-calib-inside-{}.svg",
            std::process::id()
        ));
        calibration_figure(&fig, &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let all = texts(&svg);
        assert!(all.iter().any(|t| t.3.starts_with("false discovery rate")));
        for (x, anchor, size, text) in &all {
            // plotters writes the font size divided by 1.24.
            let w = text_width(text, size * 1.24);
            let (l, r) = match anchor.as_str() {
                "middle" => (x - w / 2.0, x + w / 2.0),
                "end" => (x - w, *x),
                _ => (*x, x + w),
            };
            assert!(l >= 0.0 && r <= 1500.0, "{text:?} spans {l:.0}..{r:.0}");
        }
        // The labels are wrapped, not cut: every word is drawn.
        let drawn: String = all.iter().map(|t| format!("{} ", t.3)).collect();
        for word in label("Rule::ljung_box_chi2()").split(' ') {
            assert!(drawn.contains(word), "{word:?} missing");
        }
    }
}
