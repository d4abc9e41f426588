//! The plot frame shared by every figure of the crate.
//!
//! A figure is a title band, optionally a legend, one or more panels with
//! axis label areas, and margins, drawn in the bundled font and written as
//! PNG or SVG. Before this module each figure computed its own font sizes,
//! margins, label areas, title band and output; they drifted apart (three
//! copies of `label_at`, a legend kit only one file used, x-axis titles cut
//! off at the right edge). Now each figure builds a [`Frame`] and takes
//! from it:
//!
//! * the size, scale and font sizes ([`Frame::new`], [`Frame::scaled`]),
//!   the title band ([`Frame::begin`], titles shrunk or shortened to fit),
//!   the label areas ([`Frame::x_area`], [`Frame::y_area`]) and panels
//!   ([`Frame::panel_area`]), the axis look ([`Frame::mesh`]) and x-axis
//!   titles that stay inside the figure ([`Frame::x_title`]);
//! * axes ([`axis`]: [`label_at`], [`Ticked`], [`fitting_axis`],
//!   [`close_frame`]), legends ([`legend`]), colours ([`color`]), text
//!   ([`text`]) and correctly placed glyphs in PNGs ([`glyphs`]);
//! * the output ([`output`]: [`write_figure`] picks PNG or SVG by the
//!   extension and writes whole or not at all).

pub(crate) mod axis;
pub(crate) mod color;
pub(crate) mod colour_bar;
pub(crate) mod glyphs;
pub(crate) mod legend;
pub(crate) mod output;
pub(crate) mod text;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub(crate) use axis::{
    DrawAxis, SafeLinear, Ticked, close_frame, finite_ticks, fitting_axis, label_at, linear,
};
pub(crate) use color::{PALETTE, lerp_color, rgb};
pub(crate) use colour_bar::draw_bar_scale;
pub(crate) use legend::{Legend, Swatch};
pub(crate) use output::{
    DrawResult, Drawing, core_err, figure_format, write_figure, write_png, write_svg, write_text,
};
pub(crate) use text::{fit_text, font, shorten, text_width, truncate, wrap};

/// A rectangle in figure pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// Smallest and largest figure sides accepted, in pixels.
const MIN_W: u32 = 320;
const MIN_H: u32 = 240;
const MAX_SIDE: u32 = 16_384;

/// Size, scale, fonts, margins and title band of one figure.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    /// Figure size in pixels, clamped to 320..=16384 by 240..=16384.
    pub width: u32,
    pub height: u32,
    /// Scale of every length (1 at the figure's reference size).
    pub s: f64,
    /// The title as drawn (trimmed; shortened if it would not fit).
    pub title: String,
    /// Font sizes in pixels: title, axis titles, tick labels, legend.
    pub title_px: f64,
    pub desc_px: f64,
    pub tick_px: f64,
    pub legend_px: f64,
    /// Outer margin.
    pub margin: f64,
    /// Height of the title band at the top (a margin without title).
    pub title_h: f64,
    /// Width of data lines.
    pub line_w: u32,
}

impl Frame {
    /// The frame of a `width` × `height` figure whose lengths are designed
    /// for `reference` (width, height): the scale is the smaller ratio,
    /// kept within 0.6..=4. An infinite reference side does not constrain
    /// (figures whose height grows with their rows scale by width only).
    pub fn new(width: u32, height: u32, title: &str, reference: (f64, f64)) -> Self {
        let (w, h) = Self::clamp(width, height);
        let ratio = |side: u32, r: f64| {
            if r.is_finite() {
                f64::from(side) / r
            } else {
                f64::INFINITY
            }
        };
        let s = ratio(w, reference.0)
            .min(ratio(h, reference.1))
            .clamp(0.6, 4.0);
        Self::scaled(width, height, title, s)
    }

    /// The frame of a `width` × `height` figure at scale `s`.
    pub fn scaled(width: u32, height: u32, title: &str, s: f64) -> Self {
        let (width, height) = Self::clamp(width, height);
        let margin = (12.0 * s).round();
        let nominal = (24.0 * s).round();
        let (title, title_px) = fit_text(title.trim(), nominal, f64::from(width) - 2.0 * margin);
        Frame {
            width,
            height,
            s,
            title_h: if title.is_empty() {
                margin
            } else {
                (nominal * 2.0).round()
            },
            title,
            title_px,
            desc_px: (17.0 * s).round(),
            tick_px: (15.0 * s).round(),
            legend_px: (15.0 * s).round(),
            margin,
            line_w: (2.0 * s).round().max(2.0) as u32,
        }
    }

    fn clamp(width: u32, height: u32) -> (u32, u32) {
        (width.clamp(MIN_W, MAX_SIDE), height.clamp(MIN_H, MAX_SIDE))
    }

    /// Width in pixels.
    pub fn w(&self) -> f64 {
        f64::from(self.width)
    }

    /// Height in pixels.
    pub fn h(&self) -> f64 {
        f64::from(self.height)
    }

    /// Height of the area below a plot holding x tick labels and the x title.
    pub fn x_area(&self) -> f64 {
        (self.tick_px * 1.2 + 8.0 * self.s + self.desc_px * 1.6).round()
    }

    /// Width of the area left of a plot holding the tick labels `labels`
    /// and the y title.
    pub fn y_area<'l>(&self, labels: impl Iterator<Item = &'l str>) -> f64 {
        let widest = labels
            .map(|l| text_width(l, self.tick_px))
            .fold(0.0, f64::max);
        (widest + 10.0 * self.s + self.desc_px * 2.0).round()
    }

    /// Room right of a plot for half of its last x tick label `last`.
    pub fn right_pad(&self, last: &str) -> f64 {
        (text_width(last, self.tick_px) / 2.0 + 4.0)
            .min(self.w() * 0.25)
            .max(self.margin)
            .round()
    }

    /// How many ticks fit on an axis `px` long, `spacing` tick labels apart
    /// (between 2 and `max`).
    pub fn max_ticks(&self, px: f64, spacing: f64, max: usize) -> usize {
        ((px / (self.tick_px * spacing)).floor() as usize).clamp(2, max)
    }

    /// The area holding the plotting area `plot` and its label areas (left:
    /// y labels; below: x labels when `x_area` > 0).
    pub fn panel_area<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        plot: Rect,
        x_area: f64,
    ) -> DrawingArea<DB, Shift> {
        root.clone().shrink(
            (self.margin as i32, plot.top as i32),
            (
                (plot.right - self.margin) as i32,
                (plot.bottom - plot.top + x_area) as i32,
            ),
        )
    }

    /// Fills `root` white and draws the title centred in the title band.
    pub fn begin<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        draw_title(root, &self.title, self.title_px, self.title_h)
    }

    /// Applies the frame's axis look to a mesh (see [`style_mesh`]).
    pub fn mesh<'m, 'a, 'b, X, Y, DB>(
        &self,
        mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    ) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
    where
        X: Ranged,
        Y: Ranged,
        DB: DrawingBackend,
    {
        style_mesh(mesh, self.tick_px, self.desc_px)
    }

    /// Draws the x-axis title `text` under `chart`, at the bottom of its x
    /// label area `x_area` pixels high, centred under the plotting area
    /// but moved left or right as far as needed to stay inside `root` (the
    /// figure, or a panel of it; shrunk, or shortened, when wider). Use it
    /// instead of plotters' `x_desc`, which centres the title under the
    /// plotting area whatever its width and so cuts long titles off at
    /// the figure's edge when the plotting area is narrow or off-centre.
    pub fn x_title<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
        text: &str,
        x_area: f64,
    ) -> DrawResult<DB>
    where
        DB: DrawingBackend,
        X: Ranged,
        Y: Ranged,
    {
        if text.is_empty() {
            return Ok(());
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (bx, by) = root.get_base_pixel();
        let area_w = f64::from(root.dim_in_pixel().0);
        let avail = area_w - 2.0 * self.margin;
        let (text, px) = fit_text(text, self.desc_px, avail);
        let half = (text_width(&text, px) / 2.0).ceil();
        let centre = f64::from(xr.start + xr.end) / 2.0 - f64::from(bx);
        let lo = self.margin + half;
        let hi = (area_w - self.margin - half).max(lo);
        let cx = centre.clamp(lo, hi);
        let y = f64::from(yr.end - by) + x_area;
        let style = font(px)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        root.draw_text(&text, &style, (cx.round() as i32, y.round() as i32))
    }
}

/// Draws `title` (if not empty) centred in the band `area` at the top of a
/// figure, `band_h` pixels high, in the bundled font at `px` pixels.
fn draw_title<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    px: f64,
    band_h: f64,
) -> DrawResult<DB> {
    if title.is_empty() {
        return Ok(());
    }
    let style = font(px)
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let (w, _) = area.dim_in_pixel();
    area.draw_text(title, &style, ((w / 2) as i32, (band_h * 0.55) as i32))
}

/// Applies the crate's axis look to a mesh: tick labels of `tick_px` and
/// axis titles of `desc_px` pixels in the bundled font, faint grid lines.
fn style_mesh<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    tick_px: f64,
    desc_px: f64,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged,
    Y: Ranged,
    DB: DrawingBackend,
{
    mesh.label_style(font(tick_px).color(&RGBColor(40, 40, 40)))
        .axis_desc_style(font(desc_px).color(&BLACK))
        .bold_line_style(BLACK.mix(0.13))
        .light_line_style(BLACK.mix(0.05))
        .axis_style(BLACK.mix(0.75))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_with_the_figure() {
        crate::register_fonts();
        let f = Frame::new(1000, 700, "A title", (1000.0, 700.0));
        assert_eq!(
            (f.s, f.tick_px, f.title_h, f.margin),
            (1.0, 15.0, 48.0, 12.0)
        );
        let g = Frame::new(2000, 1400, "", (1000.0, 700.0));
        assert_eq!((g.s, g.tick_px, g.title_h), (2.0, 30.0, 24.0));
        let wide = Frame::new(2400, 300, "", (1200.0, f64::INFINITY));
        assert_eq!(wide.s, 2.0);
        let tiny = Frame::new(10, 10, "", (1000.0, 700.0));
        assert_eq!((tiny.width, tiny.height, tiny.s), (320, 240, 0.6));
    }

    /// The x title of a chart whose plotting area sits at the right edge
    /// stays inside the figure (calibration_fdr.png lost its end).
    #[test]
    fn x_titles_stay_inside_the_figure() {
        crate::register_fonts();
        let (w, h) = (600u32, 200u32);
        let frame = Frame::new(w, h, "", (1000.0, 700.0));
        let text = "a long axis title that is wider than the plotting area";
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            let chart = ChartBuilder::on(&root)
                .margin_left(400)
                .margin_right(10)
                .x_label_area_size(frame.x_area() as i32)
                .build_cartesian_2d(0.0..1.0, 0.0..1.0)
                .unwrap();
            frame.x_title(&root, &chart, text, frame.x_area()).unwrap();
            root.present().unwrap();
        }
        let ink: Vec<usize> = (0..w as usize)
            .filter(|&x| (0..h as usize).any(|y| buf[(y * w as usize + x) * 3] < 128))
            .collect();
        let (first, last) = (ink[0], *ink.last().unwrap());
        assert!(last < w as usize - 5, "title ends at {last} of {w}");
        // All of it was drawn: as wide as the text.
        let tw = text_width(text, frame.desc_px);
        assert!(
            (last - first) as f64 >= tw - 4.0,
            "{first}..{last} for {tw}"
        );
    }
}
