//! The bundled font and its registration with plotters.

use std::sync::OnceLock;

use plotters::style::FontStyle;

/// Family name under which the bundled DejaVu Sans is registered with plotters.
///
/// Use it in any plotters text style, e.g. `(DEFAULT_FONT, 14)`; plotters' own
/// defaults (mesh labels, captions given as `"sans-serif"`) use the same name,
/// so they pick up the bundled font too.
pub const DEFAULT_FONT: &str = "sans-serif";

/// The complete contents of the bundled `DejaVuSans.ttf` (DejaVu Sans 2.37,
/// Bitstream Vera licence; see `fonts/LICENSE-DejaVu.txt` in this crate).
pub const DEJAVU_SANS_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the bundled DejaVu Sans with plotters as [`DEFAULT_FONT`]
/// (`"sans-serif"`, normal style; bold/oblique requests fall back to it).
///
/// Call this before drawing any text with plotters. It is idempotent and
/// thread-safe: the work happens once per process, later calls return
/// immediately. [`timeline`](crate::timeline) calls it itself.
///
/// # Panics
///
/// Never in practice: it would only panic if the font compiled into the crate
/// were not a valid TrueType file.
pub fn register_fonts() {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(DEFAULT_FONT, FontStyle::Normal, DEJAVU_SANS_TTF).is_ok()
    });
    assert!(ok, "the bundled DejaVuSans.ttf could not be parsed");
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    #[test]
    fn registration_is_idempotent() {
        register_fonts();
        register_fonts();
        let font = FontDesc::new(FontFamily::Name(DEFAULT_FONT), 20.0, FontStyle::Normal);
        let (w, h) = font.box_size("Hello").expect("font is registered");
        assert!(w > 20 && h > 5, "implausible text box {w}x{h}");
    }

    #[test]
    fn text_renders_into_a_bitmap() {
        register_fonts();
        let (w, h) = (200u32, 60u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            root.draw_text(
                "Hello 2020-04-18",
                &TextStyle::from((DEFAULT_FONT, 20).into_font()).color(&BLACK),
                (5, 20),
            )
            .expect("text draws");
            root.present().expect("present");
        }
        let dark = buf.chunks(3).filter(|px| px[0] < 128).count();
        assert!(dark > 100, "only {dark} dark pixels: text did not render");
    }
}
