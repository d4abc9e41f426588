//! PNG and SVG output through plotters: the timeline renderer, and the
//! helpers shared with the other figures (file writing, tick coordinates,
//! fonts, colours).

use std::path::Path;

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::combinators::{IntoLogRange, LogCoord};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::PlotError;
use crate::fonts::DEFAULT_FONT;
use crate::layout::{Figure, POINT_ALPHA, X_LABEL};

pub(crate) type DrawResult<DB> =
    Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure that plotters can draw on any backend.
pub(crate) trait Drawing {
    /// Size of the output in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `root`.
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

impl Drawing for Figure {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self)
    }
}

fn backend_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Backend(e.to_string())
}

fn io_err(path: &Path, source: std::io::Error) -> PlotError {
    PlotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The [`PlotError`] of a failed output (an I/O error keeps its kind).
pub(crate) fn core_err(path: &Path, e: threatstat_core::Error) -> PlotError {
    match e {
        threatstat_core::Error::Io { source, .. } => io_err(path, source),
        other => io_err(path, std::io::Error::other(other.to_string())),
    }
}

/// Writes `bytes` to `path` through threatstat-core's `AtomicFile`: a
/// regular file appears whole or not at all, `-`, devices and FIFOs are
/// streamed, a symlink is written through to its target.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    threatstat_core::atomic::write_atomically(path, |w| std::io::Write::write_all(w, bytes))
        .map_err(|e| core_err(path, e))
}

/// Writes `text` to `path` (see [`write_bytes`]).
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), PlotError> {
    write_bytes(path, text.as_bytes())
}

/// Draws `fig` into a PNG file at `path`. plotters encodes PNG only into a
/// file, so the image is drawn into a scratch file in the temporary
/// directory (registered for removal on a signal), then written to `path`
/// by [`write_bytes`].
pub(crate) fn write_png<D: Drawing>(fig: &D, path: &Path) -> Result<(), PlotError> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    // Surface unwritable paths before drawing.
    threatstat_core::output::check(path).map_err(|e| core_err(path, e))?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let scratch =
        std::env::temp_dir().join(format!(".threatstat-figure-{}-{n}.png", std::process::id()));
    threatstat_core::cleanup::register(&scratch);
    let drawn = (|| {
        let root = BitMapBackend::new(&scratch, fig.size()).into_drawing_area();
        fig.draw_on(&root).map_err(backend_err)?;
        root.present().map_err(backend_err)?;
        drop(root);
        std::fs::read(&scratch).map_err(|e| io_err(path, e))
    })();
    let _ = threatstat_core::cleanup::settle(&scratch, || std::fs::remove_file(&scratch));
    write_bytes(path, &drawn?)
}

/// Draws `fig` into an SVG file at `path`.
pub(crate) fn write_svg<D: Drawing>(fig: &D, path: &Path) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        fig.draw_on(&root).map_err(backend_err)?;
        root.present().map_err(backend_err)?;
    }
    write_text(path, &svg)
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

/// The format of `path` for a figure that has no HTML output (PNG or SVG).
pub(crate) fn raster_format(path: &Path) -> Result<crate::Format, PlotError> {
    let f = crate::format_of(path)?;
    if f == crate::Format::Html {
        return Err(PlotError::UnsupportedFormat(crate::extension_of(path)));
    }
    Ok(f)
}

/// Writes `d` to `path` as SVG or (otherwise) PNG.
pub(crate) fn write<D: Drawing>(
    format: crate::Format,
    d: &D,
    path: &Path,
) -> Result<(), PlotError> {
    if format == crate::Format::Svg {
        write_svg(d, path)
    } else {
        write_png(d, path)
    }
}

pub(crate) fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

pub(crate) fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(DEFAULT_FONT), px, FontStyle::Normal)
}

/// Draws the whole timeline on `root`.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (band, body) = root.split_vertically(fig.title_h as i32);
    draw_title(&band, &fig.title, fig.title_px, fig.title_h)?;
    let (chart_area, legend_area) =
        body.split_horizontally((f64::from(fig.width) - fig.legend_w) as i32);

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

/// A requested figure size clamped to what the renderers accept
/// (320..=8192 by 240..=8192 pixels).
pub(crate) fn clamp_size(width: u32, height: u32) -> (u32, u32) {
    (width.clamp(320, 8192), height.clamp(240, 8192))
}

/// Fills `root` white and draws `title` at 22·`s` pixels in a band at the
/// top; returns the band's height (12·`s` when there is no title).
pub(crate) fn begin_titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    s: f64,
) -> Result<f64, DrawingAreaErrorKind<DB::ErrorType>> {
    let title_px = 22.0 * s;
    let title_h = if title.is_empty() {
        12.0 * s
    } else {
        title_px * 2.0
    };
    root.fill(&WHITE)?;
    draw_title(root, title, title_px, title_h)?;
    Ok(title_h)
}

/// Draws `title` (if not empty) centred in the band `area` at the top of a
/// figure, `band_h` pixels high, in the bundled font at `px` pixels.
pub(crate) fn draw_title<DB: DrawingBackend>(
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
    let right_pad = f64::from(fig.width) - fig.legend_w - fig.plot.right;
    let mut chart = ChartBuilder::on(area)
        .margin_top((fig.plot.top - fig.title_h) as i32)
        .margin_left(fig.margin as i32)
        .margin_right(right_pad as i32)
        .margin_bottom(fig.margin as i32)
        .x_label_area_size(fig.x_area as i32)
        .y_label_area_size(fig.y_area as i32)
        .build_cartesian_2d(x, y)?;

    let x_fmt = |t: &f64| fig.x_label(*t);
    let y_fmt = |v: &f64| fig.y_label_of(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(X_LABEL)
        .y_desc(fig.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    style_mesh(&mut mesh, fig.tick_px, fig.desc_px).draw()?;

    let r = fig.point_r.round() as i32;
    chart.draw_series(fig.points.iter().map(|p| {
        let color = rgb(fig.series[p.series].color);
        Circle::new((p.t, p.v), r, color.mix(POINT_ALPHA).filled())
    }))?;
    close_frame(&chart, (fig.x0, fig.y.hi), (fig.x1, fig.y.lo), false)
}

/// Applies the crate's axis look to a mesh: tick labels of `tick_px` and
/// axis titles of `desc_px` pixels in the bundled font, faint grid lines.
pub(crate) fn style_mesh<'m, 'a, 'b, X, Y, DB>(
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

fn draw_legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> DrawResult<DB> {
    let px = fig.legend_px;
    let row = (px * 1.7).round();
    let pad = (px * 0.6).round();
    let x0 = (fig.margin * 0.5).round();
    let top = fig.plot.top - fig.title_h;
    let height = row * fig.series.len() as f64 + 2.0 * pad;
    area.draw(&Rectangle::new(
        [
            (x0 as i32, top as i32),
            (
                (fig.legend_w - fig.margin * 0.5) as i32,
                (top + height) as i32,
            ),
        ],
        BLACK.mix(0.25).stroke_width(1),
    ))?;
    let style = font(px)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let r = (px * 0.4).round() as i32;
    for (k, s) in fig.series.iter().enumerate() {
        let cy = (top + pad + row * (k as f64 + 0.5)) as i32;
        let cx = (x0 + pad + f64::from(r)) as i32;
        area.draw(&Circle::new(
            (cx, cy),
            r,
            rgb(s.color).mix(POINT_ALPHA).filled(),
        ))?;
        area.draw_text(&s.label, &style, (cx + r + (px * 0.6) as i32, cy))?;
    }
    Ok(())
}

#[cfg(test)]
mod atomic_tests {
    use super::*;

    /// A failed write leaves neither the target nor a temporary file; a
    /// good one replaces the target.
    #[test]
    fn outputs_appear_whole_or_not_at_all() {
        let dir =
            std::env::temp_dir().join(format!("threatstat-plot-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("fig.svg");
        assert!(write_text(&dir.join("no/such/fig.svg"), "x").is_err());
        write_text(&target, "one").unwrap();
        write_text(&target, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
