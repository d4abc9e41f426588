//! Text in the bundled font for layout: font styles, text widths, and
//! fitting text into a width (shortening, wrapping, shrinking). Drawing
//! glyphs into PNGs is [`super::glyphs`].

use plotters::style::{FontDesc, FontFamily, FontStyle};

use crate::fonts::DEFAULT_FONT;

/// The bundled font at `px` pixels.
pub(crate) fn font(px: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(DEFAULT_FONT), px, FontStyle::Normal)
}

/// Width in pixels of `text` in the bundled font at `px` pixels.
pub(crate) fn text_width(text: &str, px: f64) -> f64 {
    crate::fonts::register_fonts();
    font(px)
        .box_size(text)
        .map(|(w, _)| f64::from(w))
        .unwrap_or(text.chars().count() as f64 * px * 0.62)
}

/// `name` cut to at most `max` characters, the last one `…` when cut.
pub(crate) fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() > max {
        let mut s: String = name.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        name.to_string()
    }
}

/// `text` shortened in the middle (`…`) to fit `avail` pixels at `px`;
/// never below 8 characters.
pub(crate) fn shorten(text: &str, px: f64, avail: f64) -> String {
    if text_width(text, px) <= avail {
        return text.to_string();
    }
    let c: Vec<char> = text.chars().collect();
    let mut keep = c.len();
    while keep > 8 {
        keep -= 1;
        let head = keep / 2;
        let t: String = c[..head]
            .iter()
            .chain(['…'].iter())
            .chain(c[c.len() - (keep - head)..].iter())
            .collect();
        if text_width(&t, px) <= avail {
            return t;
        }
    }
    c[..8].iter().collect()
}

/// `text` broken at spaces into at most `max_lines` lines no wider than
/// `avail` pixels at `px`; what does not fit goes into the last line,
/// shortened in the middle (see [`shorten`]). Long row labels stay
/// readable this way without taking the plot's width.
pub(crate) fn wrap(text: &str, px: f64, avail: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split(' ').peekable();
    while words.peek().is_some() {
        if lines.len() + 1 == max_lines.max(1) {
            let rest: Vec<&str> = words.collect();
            lines.push(shorten(&rest.join(" "), px, avail));
            break;
        }
        let mut line = words.next().unwrap_or_default().to_string();
        while let Some(w) = words.peek() {
            let longer = format!("{line} {w}");
            if text_width(&longer, px) > avail {
                break;
            }
            line = longer;
            words.next();
        }
        lines.push(shorten(&line, px, avail));
    }
    lines
}

/// `title` and a font size at which it fits `avail` pixels: `px` when it
/// fits, else a size down to 70% of `px`, and when even that is too wide,
/// the title shortened in the middle with `…` (see [`shorten`]).
pub(crate) fn fit_text(title: &str, px: f64, avail: f64) -> (String, f64) {
    let width = text_width(title, px);
    if width <= avail || title.is_empty() {
        return (title.to_string(), px);
    }
    let small = (px * (avail / width)).max(px * 0.7).floor();
    (shorten(title, small, avail), small)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }

    #[test]
    fn long_labels_wrap_into_two_lines() {
        crate::register_fonts();
        assert_eq!(wrap("short label", 15.0, 500.0, 2), ["short label"]);
        let long = "automation Rule::ljung_box() (CLI default, permutation p-values), complete null of 50 sparse pairs (90 days, rate 0.05–0.3), --fdr 0.05";
        let lines = wrap(long, 15.0, 500.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(
            lines.iter().all(|l| text_width(l, 15.0) <= 500.0),
            "{lines:?}"
        );
        assert!(lines[0].starts_with("automation Rule::ljung_box()"));
        assert!(lines[1].ends_with("--fdr 0.05"), "{lines:?}");
        let wide = wrap(long, 15.0, 2000.0, 2);
        assert_eq!(wide, [long]);
    }

    #[test]
    fn long_titles_shrink_then_shorten() {
        crate::register_fonts();
        let (t, px) = fit_text("short", 24.0, 500.0);
        assert_eq!((t.as_str(), px), ("short", 24.0));
        let long = "a rather long title ".repeat(10);
        let (t, px) = fit_text(&long, 24.0, 300.0);
        assert!(px < 24.0 && t.contains('…'), "{t} {px}");
        assert!(text_width(&t, px) <= 300.0);
    }
}
