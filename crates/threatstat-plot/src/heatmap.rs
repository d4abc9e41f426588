//! Heat maps of labelled matrices (e.g. the tactic transition matrix of an
//! ATT&CK tactic chain, rows "from", columns "to") and chain diagrams (a
//! sequence of named states with the probability of each step, e.g. the
//! most probable path between two tactics).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::frame::{
    DrawResult, Drawing, Frame, draw_bar_scale, figure_format, fit_text, font, rgb, text_width,
    write_figure,
};
use crate::scale::{format_value, linear_ticks};
use crate::{PlotError, PlotReport};

/// The sequential colour map (matplotlib's "Blues"): light for small
/// values, dark blue for large ones.
const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];
/// Fill of cells without a value (NaN: e.g. impossible transitions).
const NO_VALUE: (u8, u8, u8) = (226, 226, 226);
/// Outline of highlighted cells.
const HIGHLIGHT: (u8, u8, u8) = (0xd6, 0x27, 0x28);

/// The colour of `f` in `[0, 1]` on the colour map.
fn blues(f: f64) -> (u8, u8, u8) {
    let f = if f.is_finite() {
        f.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = f * (BLUES.len() - 1) as f64;
    let i = (x.floor() as usize).min(BLUES.len() - 2);
    let t = x - i as f64;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * t).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Inputs of a heat map.
///
/// `values[r][c]` is drawn in row `r` (top to bottom) and column `c` (left
/// to right). Values must be finite and non-negative, or NaN for "no
/// value" (drawn grey with a dash, e.g. a transition the model forbids).
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapFigure<'a> {
    /// Figure title; may be empty. A title wider than the figure is drawn smaller.
    pub title: String,
    /// A second, smaller title line (e.g. what is outlined); may be empty.
    pub subtitle: String,
    /// One label per row (e.g. tactic names).
    pub row_labels: &'a [String],
    /// One label per column, drawn vertically below the matrix.
    pub column_labels: &'a [String],
    /// The matrix, `row_labels.len()` rows of `column_labels.len()` values.
    pub values: &'a [Vec<f64>],
    /// Title of the row axis (left), e.g. `from (current tactic)`.
    pub row_title: String,
    /// Title of the column axis (bottom), e.g. `to (next tactic)`.
    pub column_title: String,
    /// Label of the colour bar, e.g. `transition probability`.
    pub value_label: String,
    /// Write each value in its cell (two decimals).
    pub annotate: bool,
    /// Cells `(row, column)` outlined in red (e.g. the steps of a path).
    pub highlight: Vec<(usize, usize)>,
    /// Top of the colour scale; None = the largest value.
    pub max_value: Option<f64>,
    /// Width in pixels, clamped to `320..=16384`.
    pub width: u32,
    /// Height in pixels, clamped to `240..=16384`.
    pub height: u32,
}

impl<'a> HeatmapFigure<'a> {
    /// A figure with defaults: no title or subtitle, axis titles `row` / `column`,
    /// colour bar `value`, annotated, nothing highlighted, 1100 × 1000 pixels.
    pub fn new(
        row_labels: &'a [String],
        column_labels: &'a [String],
        values: &'a [Vec<f64>],
    ) -> Self {
        HeatmapFigure {
            title: String::new(),
            subtitle: String::new(),
            row_labels,
            column_labels,
            values,
            row_title: "row".to_string(),
            column_title: "column".to_string(),
            value_label: "value".to_string(),
            annotate: true,
            highlight: Vec::new(),
            max_value: None,
            width: 1100,
            height: 1000,
        }
    }
}

/// Writes a heat map as PNG or SVG (by the extension).
///
/// Row labels are right-aligned left of the matrix, column labels run
/// upwards below it, a colour bar with ticks stands at the right, and the
/// matrix cells are square. The returned report counts the cells drawn
/// with a value (`drawn`) and without (`skipped`: NaN cells).
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than `png` or
/// `svg`; [`PlotError::InvalidInput`] for an empty matrix, labels that do
/// not match its shape, a negative or infinite value, a highlighted cell
/// outside the matrix or a `max_value` that is not positive and finite;
/// [`PlotError::Io`] and [`PlotError::Backend`] when writing fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{HeatmapFigure, heatmap_figure};
/// let rows: Vec<String> = ["START", "Initial Access", "Execution"].map(String::from).to_vec();
/// let cols: Vec<String> = ["Initial Access", "Execution", "END"].map(String::from).to_vec();
/// let p = vec![vec![0.7, 0.3, f64::NAN], vec![f64::NAN, 0.8, 0.2], vec![0.1, f64::NAN, 0.9]];
/// let fig = HeatmapFigure {
///     title: "Tactic transitions".to_string(),
///     row_title: "from".to_string(),
///     column_title: "to".to_string(),
///     value_label: "probability".to_string(),
///     highlight: vec![(0, 0), (1, 1)],
///     ..HeatmapFigure::new(&rows, &cols, &p)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-heatmap-doc-{}.png", std::process::id()));
/// let r = heatmap_figure(&fig, &path)?;
/// assert_eq!((r.drawn, r.skipped), (6, 3));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn heatmap_figure(fig: &HeatmapFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let (drawn, skipped) = validate(fig)?;
    write_figure(&HeatLayout::new(fig), path)?;
    Ok(PlotReport { drawn, skipped })
}

fn validate(fig: &HeatmapFigure) -> Result<(usize, usize), PlotError> {
    let (nr, nc) = (fig.row_labels.len(), fig.column_labels.len());
    if nr == 0 || nc == 0 {
        return Err(PlotError::InvalidInput("the matrix is empty".into()));
    }
    if fig.values.len() != nr {
        return Err(PlotError::InvalidInput(format!(
            "values has {} rows but there are {nr} row labels",
            fig.values.len()
        )));
    }
    let (mut drawn, mut skipped) = (0, 0);
    for (r, row) in fig.values.iter().enumerate() {
        if row.len() != nc {
            return Err(PlotError::InvalidInput(format!(
                "row {r} has {} values but there are {nc} column labels",
                row.len()
            )));
        }
        for (c, &v) in row.iter().enumerate() {
            if v.is_nan() {
                skipped += 1;
            } else if !(v.is_finite() && v >= 0.0) {
                return Err(PlotError::InvalidInput(format!(
                    "values[{r}][{c}] = {v} is not a finite non-negative number (use NaN for no value)"
                )));
            } else {
                drawn += 1;
            }
        }
    }
    if let Some(&(r, c)) = fig.highlight.iter().find(|(r, c)| *r >= nr || *c >= nc) {
        return Err(PlotError::InvalidInput(format!(
            "highlighted cell ({r}, {c}) is outside the {nr} × {nc} matrix"
        )));
    }
    if let Some(m) = fig.max_value
        && !(m.is_finite() && m > 0.0)
    {
        return Err(PlotError::InvalidInput(format!(
            "max_value = {m} must be finite and > 0"
        )));
    }
    Ok((drawn, skipped))
}

/// Pixel layout of a heat map.
struct HeatLayout<'a> {
    fig: &'a HeatmapFigure<'a>,
    /// Size, fonts, margins and title (reference size 1100 × 1000).
    frame: Frame,
    subtitle: String,
    subtitle_px: f64,
    label_px: f64,
    desc_px: f64,
    cell_px: f64,
    tick_px: f64,
    /// Top-left corner of the matrix.
    x0: f64,
    y0: f64,
    cell: f64,
    vmax: f64,
    bar_x: f64,
    bar_w: f64,
    ticks: Vec<f64>,
}

impl<'a> HeatLayout<'a> {
    fn new(fig: &'a HeatmapFigure<'a>) -> Self {
        let frame = Frame::new(fig.width, fig.height, &fig.title, (1100.0, 1000.0));
        let (w, h, s) = (frame.w(), frame.h(), frame.s);
        let (desc_px, label_px, margin) = (frame.desc_px, frame.tick_px, frame.margin);
        let tick_px = (14.0 * s).round();
        // A subtitle wider than the figure is drawn smaller (or shortened).
        let (subtitle, subtitle_px) =
            fit_text(fig.subtitle.trim(), (16.0 * s).round(), w - 2.0 * margin);
        let mut title_h = frame.title_h;
        if !subtitle.is_empty() {
            title_h += (subtitle_px * 1.6).round();
        }
        let widest = |ls: &[String]| {
            ls.iter()
                .map(|l| text_width(l, label_px))
                .fold(0.0, f64::max)
        };
        let row_w = widest(fig.row_labels);
        let col_h = widest(fig.column_labels);
        let vmax = fig.max_value.unwrap_or_else(|| {
            fig.values
                .iter()
                .flatten()
                .filter(|v| v.is_finite())
                .fold(0.0, |a: f64, &b| a.max(b))
        });
        let vmax = if vmax > 0.0 { vmax } else { 1.0 };
        let (ticks, _) = linear_ticks(0.0, vmax, 6);
        let tick_w = ticks
            .iter()
            .map(|&t| text_width(&format_value(t), tick_px))
            .fold(0.0, f64::max);
        let bar_w = (22.0 * s).round();
        // Right: gap, bar, tick labels, bar title (rotated).
        let right_w = margin * 1.5 + bar_w + 8.0 * s + tick_w + desc_px * 1.8 + margin;
        // Left: margin, row title (rotated), gap, labels, gap.
        let left_w = margin + desc_px * 1.8 + row_w + 10.0 * s;
        // Bottom: gap, column labels, gap, column title, margin.
        let bottom_h = 10.0 * s + col_h + 10.0 * s + desc_px * 1.6 + margin;
        let (nr, nc) = (fig.row_labels.len() as f64, fig.column_labels.len() as f64);
        let avail_w = (w - left_w - right_w).max(nc * 4.0);
        let avail_h = (h - title_h - bottom_h).max(nr * 4.0);
        let cell = (avail_w / nc).min(avail_h / nr).floor().max(4.0);
        let mat_w = cell * nc;
        // Centre the block (labels + matrix + bar) horizontally.
        let block = left_w + mat_w + right_w;
        let x0 = ((w - block) / 2.0).max(0.0) + left_w;
        let y0 = title_h;
        let cell_px = (cell * 0.30).clamp(8.0, 15.0 * s).round();
        HeatLayout {
            fig,
            frame,
            subtitle,
            subtitle_px,
            label_px,
            desc_px,
            cell_px,
            tick_px,
            x0,
            y0,
            cell,
            vmax,
            bar_x: x0 + mat_w + margin * 1.5,
            bar_w,
            ticks,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let fr = &self.frame;
        fr.begin(root)?;
        let title_band = if fr.title.is_empty() { 0.0 } else { fr.title_h };
        if !self.subtitle.is_empty() {
            let style = font(self.subtitle_px)
                .color(&RGBColor(60, 60, 60))
                .pos(Pos::new(HPos::Center, VPos::Center));
            root.draw_text(
                &self.subtitle,
                &style,
                (
                    (fr.w() / 2.0) as i32,
                    (title_band.max(fr.title_px) * 0.85 + self.subtitle_px * 0.2) as i32,
                ),
            )?;
        }
        let fig = self.fig;
        let (nr, nc) = (fig.row_labels.len(), fig.column_labels.len());
        let c = self.cell;
        let px = |v: f64| v.round() as i32;
        // Cells.
        for (r, row) in fig.values.iter().enumerate() {
            for (k, &v) in row.iter().enumerate() {
                let (x, y) = (self.x0 + k as f64 * c, self.y0 + r as f64 * c);
                let fill = if v.is_nan() {
                    NO_VALUE
                } else {
                    blues(v / self.vmax)
                };
                root.draw(&Rectangle::new(
                    [(px(x), px(y)), (px(x + c), px(y + c))],
                    rgb(fill).filled(),
                ))?;
                if fig.annotate && c >= 14.0 {
                    let (text, color) = if v.is_nan() {
                        ("–".to_string(), RGBColor(130, 130, 130))
                    } else {
                        let t = if v >= 0.995 {
                            format!("{v:.1}")
                        } else {
                            format!("{v:.2}").trim_start_matches('0').to_string()
                        };
                        let dark = v / self.vmax > 0.55;
                        (t, if dark { WHITE } else { RGBColor(30, 30, 30) })
                    };
                    let style = font(self.cell_px)
                        .color(&color)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    root.draw_text(&text, &style, (px(x + c / 2.0), px(y + c / 2.0)))?;
                }
            }
        }
        // Thin white grid lines between cells.
        let grid = WHITE.stroke_width(1);
        for k in 1..nc {
            let x = self.x0 + k as f64 * c;
            root.draw(&PathElement::new(
                vec![(px(x), px(self.y0)), (px(x), px(self.y0 + nr as f64 * c))],
                grid,
            ))?;
        }
        for r in 1..nr {
            let y = self.y0 + r as f64 * c;
            root.draw(&PathElement::new(
                vec![(px(self.x0), px(y)), (px(self.x0 + nc as f64 * c), px(y))],
                grid,
            ))?;
        }
        // Frame.
        root.draw(&Rectangle::new(
            [
                (px(self.x0), px(self.y0)),
                (px(self.x0 + nc as f64 * c), px(self.y0 + nr as f64 * c)),
            ],
            BLACK.mix(0.6).stroke_width(1),
        ))?;
        // Highlighted cells.
        let hw = ((c / 14.0).round() as u32).clamp(2, 5);
        for &(r, k) in &fig.highlight {
            let (x, y) = (self.x0 + k as f64 * c, self.y0 + r as f64 * c);
            let inset = f64::from(hw) / 2.0;
            root.draw(&Rectangle::new(
                [
                    (px(x + inset), px(y + inset)),
                    (px(x + c - inset), px(y + c - inset)),
                ],
                rgb(HIGHLIGHT).stroke_width(hw),
            ))?;
        }
        // Row labels, right-aligned.
        let label = font(self.label_px).color(&BLACK);
        for (r, l) in fig.row_labels.iter().enumerate() {
            let y = self.y0 + (r as f64 + 0.5) * c;
            root.draw_text(
                l,
                &label.pos(Pos::new(HPos::Right, VPos::Center)),
                (px(self.x0 - 8.0), px(y)),
            )?;
        }
        // Column labels: vertical, reading upwards, ending just below the matrix.
        let bottom = self.y0 + nr as f64 * c;
        let col_style = font(self.label_px)
            .color(&BLACK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Right, VPos::Center));
        let mut col_h: f64 = 0.0;
        for (k, l) in fig.column_labels.iter().enumerate() {
            let x = self.x0 + (k as f64 + 0.5) * c;
            root.draw_text(l, &col_style, (px(x), px(bottom + 8.0)))?;
            col_h = col_h.max(text_width(l, self.label_px));
        }
        // Axis titles.
        let desc = font(self.desc_px).color(&BLACK);
        let mat_mid_x = self.x0 + nc as f64 * c / 2.0;
        root.draw_text(
            &fig.column_title,
            &desc.pos(Pos::new(HPos::Center, VPos::Top)),
            (px(mat_mid_x), px(bottom + 8.0 + col_h + 10.0)),
        )?;
        let row_w = fig
            .row_labels
            .iter()
            .map(|l| text_width(l, self.label_px))
            .fold(0.0, f64::max);
        let desc_v = font(self.desc_px)
            .color(&BLACK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(
            &fig.row_title,
            &desc_v,
            (
                px(self.x0 - 8.0 - row_w - 10.0 - self.desc_px * 0.6),
                px(self.y0 + nr as f64 * c / 2.0),
            ),
        )?;
        self.draw_colour_bar(root, nr as f64 * c)
    }

    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        mat_h: f64,
    ) -> DrawResult<DB> {
        let px = |v: f64| v.round() as i32;
        let (x, top) = (self.bar_x, self.y0);
        let bar_h = mat_h.min(self.frame.h() * 0.6).max(40.0);
        let top = top + (mat_h - bar_h) / 2.0;
        let steps = bar_h.round() as usize;
        for i in 0..steps {
            let f = 1.0 - (i as f64 + 0.5) / steps as f64;
            let y = top + i as f64;
            root.draw(&Rectangle::new(
                [(px(x), px(y)), (px(x + self.bar_w), px(y + 1.0))],
                rgb(blues(f)).filled(),
            ))?;
        }
        let labels: Vec<(i32, String)> = self
            .ticks
            .iter()
            .map(|&t| (px(top + bar_h * (1.0 - t / self.vmax)), format_value(t)))
            .collect();
        let widest = labels
            .iter()
            .map(|(_, l)| text_width(l, self.tick_px))
            .fold(0.0, f64::max);
        draw_bar_scale(
            root,
            [(px(x), px(top)), (px(x + self.bar_w), px(top + bar_h))],
            labels.iter().map(|(y, l)| (*y, Some(l.as_str()))),
            5,
            self.tick_px,
        )?;
        let desc_v = font(self.desc_px)
            .color(&BLACK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw_text(
            &self.fig.value_label,
            &desc_v,
            (
                px(x + self.bar_w + 8.0 + widest + 6.0 + self.desc_px * 0.6),
                px(top + bar_h / 2.0),
            ),
        )
    }
}

impl Drawing for HeatLayout<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.draw(root)
    }
}

/// Inputs of a chain diagram: named states top to bottom, joined by arrows
/// labelled with the probability of each step.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainFigure<'a> {
    /// Figure title; may be empty.
    pub title: String,
    /// The states in order (e.g. tactic names); at least one.
    pub nodes: &'a [String],
    /// A second, smaller line per state (e.g. tactic ids); same length as `nodes` when given.
    pub node_details: Option<&'a [String]>,
    /// Probability of each step: `nodes.len() - 1` values in `[0, 1]`.
    pub step_probabilities: &'a [f64],
    /// A line below the chain (e.g. the path probability); may be empty.
    pub caption: String,
    /// Width in pixels, clamped to `320..=16384`.
    pub width: u32,
    /// Height in pixels, clamped to `240..=16384`; [`ChainFigure::new`]
    /// sets it from the number of states.
    pub height: u32,
}

impl<'a> ChainFigure<'a> {
    /// A figure with defaults: no title, details or caption, 800 pixels
    /// wide and 150 + 95 per state high.
    pub fn new(nodes: &'a [String], step_probabilities: &'a [f64]) -> Self {
        ChainFigure {
            title: String::new(),
            nodes,
            node_details: None,
            step_probabilities,
            caption: String::new(),
            width: 800,
            height: (150 + 95 * nodes.len()).min(16_384) as u32,
        }
    }
}

/// Writes a chain diagram as PNG or SVG (by the extension): boxes for the
/// states from top to bottom, an arrow between consecutive states with
/// `p = …` beside it, and the caption below. The report counts the states.
///
/// # Errors
///
/// [`PlotError::UnsupportedFormat`] for an extension other than `png` or
/// `svg`; [`PlotError::InvalidInput`] when there is no state, when the
/// number of probabilities is not one less than the number of states, when
/// a probability is outside `[0, 1]`, or when `node_details` has another
/// length; [`PlotError::Io`] and [`PlotError::Backend`] when writing fails.
///
/// # Example
///
/// ```
/// use threatstat_plot::{ChainFigure, chain_figure};
/// let nodes: Vec<String> = ["Initial Access", "Execution", "Impact"].map(String::from).to_vec();
/// let ids: Vec<String> = ["TA0001", "TA0002", "TA0040"].map(String::from).to_vec();
/// let p = [0.41, 0.09];
/// let fig = ChainFigure {
///     title: "Most probable path".to_string(),
///     node_details: Some(&ids),
///     caption: "path probability 0.037".to_string(),
///     ..ChainFigure::new(&nodes, &p)
/// };
/// let path = std::env::temp_dir().join(format!("threatstat-chain-doc-{}.svg", std::process::id()));
/// assert_eq!(chain_figure(&fig, &path)?.drawn, 3);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), threatstat_plot::PlotError>(())
/// ```
pub fn chain_figure(fig: &ChainFigure, path: &Path) -> Result<PlotReport, PlotError> {
    figure_format(path)?;
    let n = fig.nodes.len();
    if n == 0 {
        return Err(PlotError::InvalidInput("the chain has no state".into()));
    }
    if fig.step_probabilities.len() + 1 != n {
        return Err(PlotError::InvalidInput(format!(
            "{} states need {} step probabilities, found {}",
            n,
            n - 1,
            fig.step_probabilities.len()
        )));
    }
    if let Some((i, p)) = fig
        .step_probabilities
        .iter()
        .enumerate()
        .find(|(_, p)| !(p.is_finite() && (0.0..=1.0).contains(*p)))
    {
        return Err(PlotError::InvalidInput(format!(
            "step_probabilities[{i}] = {p} is not in [0, 1]"
        )));
    }
    if let Some(d) = fig.node_details
        && d.len() != n
    {
        return Err(PlotError::InvalidInput(format!(
            "node_details has {} entries but there are {n} states",
            d.len()
        )));
    }
    write_figure(&ChainLayout::new(fig), path)?;
    Ok(PlotReport {
        drawn: n,
        skipped: 0,
    })
}

struct ChainLayout<'a> {
    fig: &'a ChainFigure<'a>,
    /// Size, fonts, margins and title (reference width 800).
    frame: Frame,
    name_px: f64,
    detail_px: f64,
    prob_px: f64,
    box_w: f64,
    box_h: f64,
    gap: f64,
    top: f64,
}

impl<'a> ChainLayout<'a> {
    fn new(fig: &'a ChainFigure<'a>) -> Self {
        let frame = Frame::new(fig.width, fig.height, &fig.title, (800.0, f64::INFINITY));
        let (w, h, s, title_h) = (frame.w(), frame.h(), frame.s, frame.title_h);
        let n = fig.nodes.len() as f64;
        let caption_h = if fig.caption.trim().is_empty() {
            14.0 * s
        } else {
            40.0 * s
        };
        // Boxes and gaps share the height left: box:gap = 1 : 0.9.
        let avail = (h - title_h - caption_h).max(20.0);
        let unit = avail / (n + 0.9 * (n - 1.0).max(0.0));
        let box_h = unit.min(70.0 * s).max(12.0);
        let gap = if n > 1.0 {
            ((avail - box_h * n) / (n - 1.0)).min(box_h * 1.3).max(8.0)
        } else {
            0.0
        };
        let name_px = (box_h * 0.34).clamp(9.0, 20.0 * s).round();
        let detail_px = (name_px * 0.75).round();
        let prob_px = (name_px * 0.9).round();
        let widest = fig
            .nodes
            .iter()
            .map(|l| text_width(l, name_px))
            .fold(0.0, f64::max);
        let box_w = (widest + 40.0 * s).clamp(160.0 * s, w * 0.6);
        let used = box_h * n + gap * (n - 1.0).max(0.0);
        let top = title_h + ((avail - used) / 2.0).max(0.0);
        ChainLayout {
            fig,
            frame,
            name_px,
            detail_px,
            prob_px,
            box_w,
            box_h,
            gap,
            top,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.frame.begin(root)?;
        let px = |v: f64| v.round() as i32;
        let w = self.frame.w();
        let cx = w / 2.0;
        let fill = rgb(blues(0.25));
        let edge = rgb(BLUES[7]);
        for (i, name) in self.fig.nodes.iter().enumerate() {
            let y = self.top + i as f64 * (self.box_h + self.gap);
            let (l, r) = (cx - self.box_w / 2.0, cx + self.box_w / 2.0);
            root.draw(&Rectangle::new(
                [(px(l), px(y)), (px(r), px(y + self.box_h))],
                fill.filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(px(l), px(y)), (px(r), px(y + self.box_h))],
                edge.stroke_width(2),
            ))?;
            let detail = self.fig.node_details.map(|d| d[i].as_str()).unwrap_or("");
            let name_y = if detail.is_empty() {
                y + self.box_h / 2.0
            } else {
                y + self.box_h * 0.38
            };
            root.draw_text(
                name,
                &font(self.name_px)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
                (px(cx), px(name_y)),
            )?;
            if !detail.is_empty() {
                root.draw_text(
                    detail,
                    &font(self.detail_px)
                        .color(&RGBColor(60, 60, 60))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                    (px(cx), px(y + self.box_h * 0.72)),
                )?;
            }
            if let Some(&p) = self.fig.step_probabilities.get(i) {
                let (a, b) = (y + self.box_h + 3.0, y + self.box_h + self.gap - 3.0);
                let head = (self.gap * 0.3).clamp(5.0, 14.0);
                let stroke = edge.stroke_width(2);
                root.draw(&PathElement::new(
                    vec![(px(cx), px(a)), (px(cx), px(b - head * 0.8))],
                    stroke,
                ))?;
                root.draw(&Polygon::new(
                    vec![
                        (px(cx - head * 0.6), px(b - head)),
                        (px(cx + head * 0.6), px(b - head)),
                        (px(cx), px(b)),
                    ],
                    edge.filled(),
                ))?;
                root.draw_text(
                    &format!("p = {}", format_probability(p)),
                    &font(self.prob_px)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                    (px(cx + 12.0), px((a + b) / 2.0)),
                )?;
            }
        }
        let caption = self.fig.caption.trim();
        if !caption.is_empty() {
            let n = self.fig.nodes.len() as f64;
            let y = self.top + n * self.box_h + (n - 1.0) * self.gap + self.prob_px * 1.4;
            root.draw_text(
                caption,
                &font(self.prob_px)
                    .color(&RGBColor(40, 40, 40))
                    .pos(Pos::new(HPos::Center, VPos::Top)),
                (px(cx), px(y)),
            )?;
        }
        Ok(())
    }
}

/// Three significant digits, scientific below 0.001.
fn format_probability(p: f64) -> String {
    if p >= 0.001 || p == 0.0 {
        let s = format!("{p:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{p:.2e}")
    }
}

impl Drawing for ChainLayout<'_> {
    fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.draw(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_map_ends_and_monotone_darkness() {
        assert_eq!(blues(0.0), BLUES[0]);
        assert_eq!(blues(1.0), BLUES[8]);
        assert_eq!(blues(f64::NAN), BLUES[0]);
        let lum = |c: (u8, u8, u8)| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        let mut prev = u32::MAX;
        for i in 0..=20 {
            let l = lum(blues(f64::from(i) / 20.0));
            assert!(l <= prev);
            prev = l;
        }
    }

    #[test]
    fn bad_inputs_are_rejected() {
        let r: Vec<String> = vec!["a".into()];
        let c: Vec<String> = vec!["x".into(), "y".into()];
        let v = vec![vec![0.1]];
        let e = heatmap_figure(&HeatmapFigure::new(&r, &c, &v), Path::new("x.png"));
        assert!(matches!(e, Err(PlotError::InvalidInput(_))));
        let v = vec![vec![0.1, -1.0]];
        let e = heatmap_figure(&HeatmapFigure::new(&r, &c, &v), Path::new("x.png"));
        assert!(matches!(e, Err(PlotError::InvalidInput(_))));
        let e = heatmap_figure(&HeatmapFigure::new(&r, &c, &v), Path::new("x.html"));
        assert!(matches!(e, Err(PlotError::UnsupportedFormat(_))));
        let n: Vec<String> = vec!["a".into(), "b".into()];
        let e = chain_figure(&ChainFigure::new(&n, &[]), Path::new("x.png"));
        assert!(matches!(e, Err(PlotError::InvalidInput(_))));
        let e = chain_figure(&ChainFigure::new(&n, &[1.5]), Path::new("x.png"));
        assert!(matches!(e, Err(PlotError::InvalidInput(_))));
    }

    #[test]
    fn probabilities_are_formatted_compactly() {
        assert_eq!(format_probability(0.41), "0.41");
        assert_eq!(format_probability(1.0), "1");
        assert_eq!(format_probability(0.0004), "4.00e-4");
    }
}
