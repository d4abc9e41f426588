//! The scale of a colour bar: its outline, tick marks and tick labels.
//!
//! The heat map's continuous bar and the KDE figure's density bands fill
//! their bars differently but draw the same scale beside them; it is drawn
//! here once.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{DrawResult, font};

/// Draws the outline of the bar `[(left, top), (right, bottom)]` and, for
/// each tick `(y, label)`, a mark `tick_len` pixels long to the right of
/// the bar and the label (if any) 3 pixels after it, in `tick_px` text.
pub(crate) fn draw_bar_scale<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    outline: [(i32, i32); 2],
    ticks: impl IntoIterator<Item = (i32, Option<&'a str>)>,
    tick_len: i32,
    tick_px: f64,
) -> DrawResult<DB> {
    let line = BLACK.mix(0.6).stroke_width(1);
    root.draw(&Rectangle::new(outline, line))?;
    let style = font(tick_px)
        .color(&RGBColor(40, 40, 40))
        .pos(Pos::new(HPos::Left, VPos::Center));
    let right = outline[1].0;
    for (y, label) in ticks {
        root.draw(&PathElement::new(
            vec![(right, y), (right + tick_len, y)],
            line,
        ))?;
        if let Some(l) = label {
            root.draw_text(l, &style, (right + tick_len + 3, y))?;
        }
    }
    Ok(())
}
