//! Ranking comparison: for several rankings of the same users, the fraction
//! of the true positives found among the top k, as k grows. Recall is
//! defined at whole k only, so each curve is a step function (flat over
//! (k − 1, k]), with the range over repeated runs shaded behind it.

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
    /// k = 1, 2, ... users of that ranking (e.g. the mean over runs).
    pub curves: Vec<(String, &'a [f64])>,
    /// Per curve, in the order of `curves`, the recall curves of repeated
    /// runs (seeds, files) of that ranking: their range at each k is shaded
    /// behind the curve. Empty, or an empty entry, for no band.
    pub runs: Vec<Vec<&'a [f64]>>,
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
            runs: Vec::new(),
            marker_k: None,
            x_label: "users inspected (top k by score)".into(),
            y_label: "fraction of planted users found".into(),
            width: 900,
            height: 650,
        }
    }
}

/// Writes recall-at-k curves as PNG or SVG (by extension): x axis k from
/// 1 to the longest curve, y axis 0 to 1, one coloured step line per curve
/// (recall at k is the level over (k − 1, k]), the range of its
/// [`RecallFigure::runs`] shaded behind it, and an optional dashed marker
/// at [`RecallFigure::marker_k`]. The legend (when
/// there is more than one entry) sits in a band between the title and the
/// plot, in as many columns as fit the width, so it never hides a curve:
/// poor rankings run along the bottom of the plot and good ones along its
/// top and left, so no corner is free in general.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than png/svg,
/// [`PlotError::InvalidInput`] for no curves, an empty curve or a value
/// outside 0..=1 (in a curve or a run), more entries in `runs` than
/// curves, [`PlotError::Io`] / [`PlotError::Backend`] when writing
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
    if fig.runs.len() > fig.curves.len() {
        return bad(format!(
            "{} entries in runs for {} curves",
            fig.runs.len(),
            fig.curves.len()
        ));
    }
    for (i, (label, v)) in fig.curves.iter().enumerate() {
        if v.is_empty() {
            return bad(format!("curve `{label}` has no points"));
        }
        let runs = fig.runs.get(i).into_iter().flatten();
        if let Some(x) = v
            .iter()
            .chain(runs.flat_map(|r| r.iter()))
            .find(|x| !(0.0..=1.0).contains(*x))
        {
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
        for (i, runs) in self.fig.runs.iter().enumerate() {
            if let Some(band) = band(runs) {
                let c = rgb(PALETTE[i % PALETTE.len()]);
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    c.mix(BAND_ALPHA).filled(),
                )))?;
            }
        }
        for (i, (_, v)) in self.fig.curves.iter().enumerate() {
            let c = rgb(PALETTE[i % PALETTE.len()]);
            chart.draw_series(LineSeries::new(steps(v), c.stroke_width(w)))?;
        }
        Ok(())
    }
}

/// Opacity of the band of a curve's runs (low: six bands may overlap).
const BAND_ALPHA: f64 = 0.12;

/// The vertices of recall at k = 1, 2, … (`v[k - 1]`) as a step function
/// (matplotlib's `step`, `where="pre"`): the value at k is the level over
/// (k − 1, k], so the level just left of x = k is the recall at k, and the
/// curve ends at x = `v.len()`.
fn steps(v: &[f64]) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    for (i, &r) in v.iter().enumerate() {
        pts.push((i as f64, r));
        pts.push(((i + 1) as f64, r));
    }
    pts
}

/// The closed outline of the range (lowest to highest) of `runs` at each
/// k, as steps like [`steps`]; `None` for fewer than two non-empty runs.
fn band(runs: &[&[f64]]) -> Option<Vec<(f64, f64)>> {
    let runs: Vec<&[f64]> = runs.iter().copied().filter(|r| !r.is_empty()).collect();
    if runs.len() < 2 {
        return None;
    }
    let n = runs.iter().map(|r| r.len()).max().unwrap_or(0);
    let at = |k: usize, pick: fn(f64, f64) -> f64| {
        runs.iter()
            .filter_map(|r| r.get(k).copied())
            .reduce(pick)
            .unwrap_or(0.0)
    };
    let lo: Vec<f64> = (0..n).map(|k| at(k, f64::min)).collect();
    let hi: Vec<f64> = (0..n).map(|k| at(k, f64::max)).collect();
    let mut outline = steps(&hi);
    let mut bottom = steps(&lo);
    bottom.reverse();
    outline.extend(bottom);
    Some(outline)
}

impl Recall<'_> {
    /// The legend: the marker (dashed, grey) first, then one line per
    /// curve in its colour, then what a band shows (when one is drawn);
    /// empty for a single entry (one curve needs no legend).
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
        let runs = self.fig.runs.iter().map(Vec::len).max().unwrap_or(0);
        let band = (self.fig.runs.iter().any(|r| band(r).is_some())).then(|| {
            (
                Swatch::Block(MARKER_COLOR, 2.0 * BAND_ALPHA),
                format!("shaded: range over {runs} runs"),
            )
        });
        let mut entries: Vec<_> = marker.into_iter().chain(curves).chain(band).collect();
        if entries.len() < 2 {
            entries.clear();
        }
        let fr = &self.frame;
        Legend::new(entries, fr.legend_px, fr.w() - 4.0 * fr.margin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recall at k is the level over (k − 1, k]: no slope between whole k.
    #[test]
    fn curves_are_steps() {
        let pts = steps(&[0.0, 0.5, 0.5, 1.0]);
        assert_eq!(
            pts,
            [
                (0.0, 0.0),
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 0.5),
                (2.0, 0.5),
                (2.0, 0.5),
                (3.0, 0.5),
                (3.0, 1.0),
                (4.0, 1.0)
            ]
        );
        // Every segment is horizontal or vertical.
        assert!(pts.windows(2).all(|w| w[0].0 == w[1].0 || w[0].1 == w[1].1));
    }

    #[test]
    fn band_spans_the_runs() {
        let (a, b) = ([0.0, 0.5, 1.0], [0.5, 0.5, 0.5]);
        let outline = band(&[&a, &b]).unwrap();
        // Upper edge: the larger value at each k; then the lower edge back.
        assert_eq!(&outline[..7], &steps(&[0.5, 0.5, 1.0])[..]);
        let mut lower = steps(&[0.0, 0.5, 0.5]);
        lower.reverse();
        assert_eq!(&outline[7..], &lower[..]);
        assert!(band(&[&a]).is_none());
    }

    #[test]
    fn runs_are_checked() {
        let path = std::env::temp_dir().join("threatstat-recall-runs-check.png");
        let a = [0.5, 1.0];
        let wild = [0.5, 1.5];
        let fig = RecallFigure {
            runs: vec![vec![&a[..], &wild[..]]],
            ..RecallFigure::new("x", &a)
        };
        assert!(matches!(
            recall_figure(&fig, &path),
            Err(PlotError::InvalidInput(m)) if m.contains("1.5")
        ));
        let fig = RecallFigure {
            runs: vec![vec![], vec![]],
            ..RecallFigure::new("x", &a)
        };
        assert!(matches!(
            recall_figure(&fig, &path),
            Err(PlotError::InvalidInput(_))
        ));
    }
}
