//! [`GlyphFix`], the PNG backend wrapper that places glyphs where the font
//! says.
//!
//! plotters 0.3.7's `ab_glyph` text renderer drops each glyph's left side
//! bearing and rounds every pen position down to a whole pixel, so glyphs
//! sit up to two pixels off their place and words read `tim e (U TC)`.
//! [`GlyphFix`] wraps the bitmap backend and draws text itself, with
//! ab_glyph directly: each glyph outlined at its fractional pen position
//! (advance plus kerning), so its pixel bounds include the bearing. Widths
//! and vertical placement are unchanged (the same advances and the same
//! baseline as plotters'), so layouts computed with
//! [`text_width`](super::text_width) still hold. SVG output is unaffected:
//! it writes `<text>` elements.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    text_anchor::{HPos, VPos},
};

use crate::fonts::{DEFAULT_FONT, DEJAVU_SANS_TTF};

/// The bundled font, parsed once.
fn dejavu() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(DEJAVU_SANS_TTF).expect("the bundled DejaVuSans.ttf parses")
    })
}

/// A drawing backend that passes everything to the wrapped backend except
/// text in the bundled font, which it rasterises itself with correct glyph
/// positions (see the module documentation).
pub(crate) struct GlyphFix<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for GlyphFix<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if style.family().as_str() != DEFAULT_FONT {
            return self.0.draw_text(text, style, pos);
        }
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        // The box and anchor exactly as plotters' default `draw_text`.
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let size = style.size() as f32;
        let font = dejavu();
        let scaled = font.as_scaled(size);
        let mut caret = 0f32;
        let mut prev = None;
        let mut result = Ok(());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scaled.scale(), point(caret, 0.0));
            caret += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let b = outline.px_bounds();
            // Same baseline as plotters: half the size below the box top,
            // rounded down for every glyph alike (plotters' `as i32` rounds
            // tall glyphs down and short ones, such as `.` and `-`, up).
            let (gx, gy) = (b.min.x as i32, (size / 2.0 + b.min.y).floor() as i32);
            outline.draw(|x, y, coverage| {
                if result.is_err() {
                    return;
                }
                let (x, y) =
                    trans.transform(gx + x as i32 + dx - min_x, gy + y as i32 + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    result = self.0.draw_pixel((x, y), color.mix(f64::from(coverage)));
                }
            });
            #[allow(clippy::question_mark)] // `result` is moved out, not borrowed
            if result.is_err() {
                return result;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::font;

    /// Width and height of [`render`]'s image.
    const W: usize = 400;
    const H: usize = 40;

    /// The red channel of `text` drawn at (10, 10) through `GlyphFix` (or
    /// plotters' own renderer), 15 px, black on white.
    fn render(text: &str, fixed: bool) -> Vec<u8> {
        crate::register_fonts();
        let (w, h) = (W as u32, H as u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let style = font(15.0).color(&BLACK);
            if fixed {
                let root =
                    GlyphFix(BitMapBackend::with_buffer(&mut buf, (w, h))).into_drawing_area();
                root.draw_text(text, &style, (10, 10)).unwrap();
                root.present().unwrap();
            } else {
                let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
                root.draw_text(text, &style, (10, 10)).unwrap();
                root.present().unwrap();
            }
        }
        buf.chunks(3).map(|px| px[0]).collect()
    }

    /// Which columns of `text` (see [`render`]) hold ink.
    fn ink_columns(text: &str, fixed: bool) -> Vec<bool> {
        let red = render(text, fixed);
        (0..W)
            .map(|x| (0..H).any(|y| red[y * W + x] < 160))
            .collect()
    }

    /// The lowest row of `text` (see [`render`]) that holds ink.
    fn bottom_row(text: &str, fixed: bool) -> usize {
        let red = render(text, fixed);
        (0..H)
            .rev()
            .find(|&y| (0..W).any(|x| red[y * W + x] < 160))
            .unwrap()
    }

    /// Glyphs that sit on the baseline end on the same pixel row, short
    /// ones (`.`, `_` excluded: it hangs below) as tall ones; plotters'
    /// rounding puts a full stop one row above a capital at 15 px.
    #[test]
    fn glyphs_share_one_baseline() {
        let t = bottom_row("T", true);
        for g in [".", "x", "e", "m", "1", "H"] {
            assert_eq!(bottom_row(g, true), t, "{g:?} vs \"T\"");
        }
        assert_ne!(bottom_row(".", false), bottom_row("T", false));
    }

    /// Widest run of blank columns between ink, i.e. the widest visual gap.
    fn widest_gap(cols: &[bool]) -> usize {
        let first = cols.iter().position(|c| *c).unwrap();
        let last = cols.iter().rposition(|c| *c).unwrap();
        cols[first..=last]
            .split(|c| *c)
            .map(<[bool]>::len)
            .max()
            .unwrap_or(0)
    }

    /// "time" has no space: plotters' renderer opens a gap in it at least
    /// as wide as a space, the fixed one keeps the letters together.
    #[test]
    fn words_are_not_torn_apart() {
        let space = widest_gap(&ink_columns("a b", true));
        for word in ["time", "UTC", "(UTC)", "maximum"] {
            let fixed = widest_gap(&ink_columns(word, true));
            assert!(
                fixed * 2 < space,
                "gap in '{word}' {fixed} px, space {space} px"
            );
        }
        // The defect this guards against: plotters' own renderer tears
        // "time" apart (so this test fails without GlyphFix).
        let torn = widest_gap(&ink_columns("time", false));
        assert!(
            torn * 2 >= space,
            "plotters' gap {torn} px, space {space} px"
        );
        // The same text lies in the same box as before.
        let a = ink_columns("time (UTC)", true);
        let b = ink_columns("time (UTC)", false);
        let span = |c: &[bool]| {
            (
                c.iter().position(|v| *v).unwrap(),
                c.iter().rposition(|v| *v).unwrap(),
            )
        };
        let (sa, sb) = (span(&a), span(&b));
        assert!(
            sa.0.abs_diff(sb.0) <= 2 && sa.1.abs_diff(sb.1) <= 3,
            "{sa:?} vs {sb:?}"
        );
    }
}
