//! Trace and rank plots of MCMC draws (as ArviZ's `plot_trace` and
//! `plot_rank`): one row per variable, the draws of every chain against
//! the draw index on the left, and on the right each chain's histogram of
//! the ranks of its draws among all draws (a line per chain, with the
//! count expected when the chains mix, and its ±2 sd band). Chains that
//! sample the same distribution have flat, overlapping rank lines.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::frame::{
    DrawResult, Drawing, Frame, Legend, PALETTE, Swatch, figure_format, font, rgb, write_figure,
};
use crate::{PlotError, PlotReport};

/// Rank bins of the rank plot.
const BINS: usize = 20;

/// Inputs of the trace and rank figure.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceFigure<'a> {
    /// Title above the panels (may be empty).
    pub title: String,
    /// Per variable: its name and its draws per chain (every chain of
    /// every variable the same length, at least 2 draws).
    pub variables: Vec<(String, &'a [Vec<f64>])>,
    /// Width in pixels, clamped to `320..=16384`.
    pub width: u32,
    /// Height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> TraceFigure<'a> {
    /// No title; 1200 pixels wide, 60 + 280 per variable high.
    pub fn new(variables: Vec<(String, &'a [Vec<f64>])>) -> Self {
        let rows = variables.len().max(1) as u32;
        TraceFigure {
            title: String::new(),
            variables,
            width: 1200,
            height: 90 + 280 * rows,
        }
    }
}

/// Writes the figure as PNG or SVG (by the extension).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for another extension,
/// [`PlotError::InvalidInput`] for no variables, no chains, chains of
/// different lengths or shorter than 2 draws, more than 8 chains, or a
/// value that is not finite; [`PlotError::Io`] / [`PlotError::Backend`]
/// when writing fails.
///
/// ```
/// use threatstat_plot::{TraceFigure, trace_figure};
/// let a: Vec<Vec<f64>> = (0..2).map(|c| (0..100).map(|i| ((i * 7 + c) % 13) as f64).collect()).collect();
/// let fig = TraceFigure::new(vec![("λ1".into(), &a[..])]);
/// let path = std::env::temp_dir().join(format!("threatstat-trace-doc-{}.svg", std::process::id()));
/// assert_eq!(trace_figure(&fig, &path)?.drawn, 200);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn trace_figure(fig: &TraceFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let bad = |m: String| Err(PlotError::InvalidInput(m));
    if fig.variables.is_empty() {
        return bad("no variable to draw".into());
    }
    let mut drawn = 0;
    for (name, chains) in &fig.variables {
        let n = chains.first().map_or(0, Vec::len);
        if chains.is_empty() || chains.len() > PALETTE.len().min(8) {
            return bad(format!("`{name}` has {} chains (1 to 8)", chains.len()));
        }
        if n < 2 || chains.iter().any(|c| c.len() != n) {
            return bad(format!(
                "`{name}`: chains of different lengths or under 2 draws"
            ));
        }
        if chains.iter().flatten().any(|v| !v.is_finite()) {
            return bad(format!("`{name}` has a value that is not finite"));
        }
        drawn += n * chains.len();
    }
    let frame = Frame::new(fig.width, fig.height, &fig.title, (1200.0, f64::INFINITY));
    write_figure(&Traces { fig, frame }, path)?;
    Ok(PlotReport { drawn, skipped: 0 })
}

struct Traces<'a> {
    fig: &'a TraceFigure<'a>,
    frame: Frame,
}

/// Per chain, the count of its draws in each of [`BINS`] rank bins (ranks
/// over all chains' draws, ties averaged as ArviZ's rank plot).
fn rank_counts(chains: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let mut all: Vec<(f64, usize)> = chains
        .iter()
        .enumerate()
        .flat_map(|(c, v)| v.iter().map(move |&x| (x, c)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = all.len();
    let mut out = vec![vec![0usize; BINS]; chains.len()];
    let mut i = 0;
    while i < total {
        let mut j = i;
        while j + 1 < total && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Average 0-based rank of the tied run.
        let r = (i + j) as f64 / 2.0;
        let bin = ((r / total as f64) * BINS as f64) as usize;
        for &(_, c) in &all[i..=j] {
            out[c][bin.min(BINS - 1)] += 1;
        }
        i = j + 1;
    }
    out
}

impl Drawing for Traces<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        let s = fr.s;
        fr.begin(root)?;
        let chains = self.fig.variables[0].1.len();
        let line_w = (1.2 * s).round().max(1.0) as u32;
        let legend = Legend::new(
            (0..chains)
                .map(|c| (Swatch::Line(PALETTE[c], false), format!("chain {c}")))
                .collect(),
            fr.legend_px,
            fr.w() - 2.0 * fr.margin,
        );
        legend.draw(root, fr.margin, fr.title_h, line_w)?;
        let (_, body) = root.split_vertically((fr.title_h + legend.height()) as i32);
        let areas = body.split_evenly((self.fig.variables.len(), 2));
        for (row, (name, draws)) in self.fig.variables.iter().enumerate() {
            let n = draws[0].len();
            let (lo, hi) = draws
                .iter()
                .flatten()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let pad = ((hi - lo) * 0.05).max(1e-9 * hi.abs().max(1.0));
            let (lo, hi) = (lo - pad, hi + pad);
            let y_label = format!("{hi:.3}");
            let mut chart = ChartBuilder::on(&areas[2 * row])
                .caption(format!("{name}: trace"), font(fr.desc_px))
                .margin((8.0 * s) as i32)
                .margin_right(fr.right_pad(&n.to_string()) as i32)
                .x_label_area_size(fr.x_area() as i32)
                .y_label_area_size(fr.y_area(std::iter::once(y_label.as_str())) as i32)
                .build_cartesian_2d(0.0..(n - 1) as f64, lo..hi)?;
            let mut mesh = chart.configure_mesh();
            let x_fmt = |v: &f64| format!("{v:.0}");
            let y_fmt = |v: &f64| crate::format_value(*v);
            mesh.x_labels(6)
                .y_labels(5)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt);
            fr.mesh(&mut mesh).draw()?;
            fr.x_title(&areas[2 * row], &chart, "draw", fr.x_area())?;
            for (c, v) in draws.iter().enumerate() {
                chart.draw_series(LineSeries::new(
                    v.iter().enumerate().map(|(i, &x)| (i as f64, x)),
                    rgb(PALETTE[c]).mix(0.7).stroke_width(line_w),
                ))?;
            }

            // Rank plot: per chain, draws per rank bin.
            let counts = rank_counts(draws);
            let expected = n as f64 / BINS as f64;
            let p = 1.0 / BINS as f64;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            let top = counts
                .iter()
                .flatten()
                .map(|&c| c as f64)
                .fold(expected + 2.0 * sd, f64::max)
                * 1.1;
            let mut chart = ChartBuilder::on(&areas[2 * row + 1])
                .caption(format!("{name}: rank"), font(fr.desc_px))
                .margin((8.0 * s) as i32)
                .margin_right(fr.right_pad(&BINS.to_string()) as i32)
                .x_label_area_size(fr.x_area() as i32)
                .y_label_area_size(fr.y_area(std::iter::once(format!("{top:.0}").as_str())) as i32)
                .build_cartesian_2d(0.0..BINS as f64, 0.0..top)?;
            let mut mesh = chart.configure_mesh();
            let y_fmt = |v: &f64| format!("{v:.0}");
            mesh.y_desc("draws per bin")
                .x_labels(5)
                .y_labels(5)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .disable_x_mesh();
            fr.mesh(&mut mesh).draw()?;
            fr.x_title(
                &areas[2 * row + 1],
                &chart,
                "rank among all draws (bin)",
                fr.x_area(),
            )?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, (expected - 2.0 * sd).max(0.0)),
                    (BINS as f64, expected + 2.0 * sd),
                ],
                RGBColor(0xdd, 0xdd, 0xdd).mix(0.7).filled(),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, expected), (BINS as f64, expected)],
                BLACK.stroke_width(line_w),
            )))?;
            for (c, h) in counts.iter().enumerate() {
                // A step line: flat over each bin.
                let pts: Vec<(f64, f64)> = h
                    .iter()
                    .enumerate()
                    .flat_map(|(b, &k)| [(b as f64, k as f64), ((b + 1) as f64, k as f64)])
                    .collect();
                chart.draw_series(LineSeries::new(
                    pts,
                    rgb(PALETTE[c]).stroke_width(line_w + 1),
                ))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_of_mixed_chains_are_flat_and_of_separate_chains_are_not() {
        let a: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64).collect();
        let b: Vec<f64> = (0..200).map(|i| ((i * 53 + 7) % 101) as f64).collect();
        let mixed = rank_counts(&[a.clone(), b.clone()]);
        assert_eq!(mixed[0].iter().sum::<usize>(), 200);
        assert!(
            mixed.iter().flatten().all(|&k| (4..=16).contains(&k)),
            "{mixed:?}"
        );
        let shifted: Vec<f64> = b.iter().map(|x| x + 1000.0).collect();
        let apart = rank_counts(&[a, shifted]);
        assert_eq!(apart[0][..BINS / 2].iter().sum::<usize>(), 200);
        assert_eq!(apart[1][BINS / 2..].iter().sum::<usize>(), 200);
    }
}
