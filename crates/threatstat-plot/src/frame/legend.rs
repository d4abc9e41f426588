//! The legend of a figure: entries (a swatch and a text) laid out in rows
//! between the title and the plot, wrapping when a row is full. Figures
//! make one when they draw more than one series, so that every series is
//! named the same way in every figure.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::DrawResult;
use super::color::rgb;
use super::text::{font, text_width};

/// The marker of a legend entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A bar filled with the colour at the given opacity, with an opaque
    /// outline.
    Bar((u8, u8, u8), f64),
    /// A block filled with the colour at the given opacity, no outline.
    Block((u8, u8, u8), f64),
    /// A filled circle of the given colour, opacity and radius.
    Dot((u8, u8, u8), f64, f64),
    /// A ring of the given colour and radius.
    Ring((u8, u8, u8), f64),
    /// A line; dashed or solid.
    Line((u8, u8, u8), bool),
    /// A vertical dashed stroke, as marks a position on an axis.
    Marker((u8, u8, u8)),
}

/// A legend of one or more rows.
pub(crate) struct Legend {
    entries: Vec<(Swatch, String)>,
    /// Entry indices per row.
    pub rows: Vec<Vec<usize>>,
    px: f64,
    row_h: f64,
}

impl Legend {
    /// Lays out `entries` in rows no wider than `avail` pixels, text at
    /// `px` pixels.
    pub fn new(entries: Vec<(Swatch, String)>, px: f64, avail: f64) -> Self {
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut used = 0.0;
        for (k, (_, text)) in entries.iter().enumerate() {
            let w = Self::entry_w(px, text);
            match rows.last_mut() {
                Some(row) if row.is_empty() || used + w <= avail => row.push(k),
                _ => {
                    rows.push(vec![k]);
                    used = 0.0;
                }
            }
            used += w;
        }
        Legend {
            entries,
            rows,
            px,
            row_h: (px * 1.7).round(),
        }
    }

    /// Lays out `entries` one per row, for a boxed column beside a plot
    /// (see [`Legend::draw_boxed`]).
    pub fn column(entries: Vec<(Swatch, String)>, px: f64) -> Self {
        Legend {
            rows: (0..entries.len()).map(|k| vec![k]).collect(),
            entries,
            px,
            row_h: (px * 1.7).round(),
        }
    }

    /// Inner padding of a boxed legend.
    fn pad(&self) -> f64 {
        (self.px * 0.6).round()
    }

    /// Width of the widest row in a box: swatch, gap, text and padding.
    pub fn boxed_width(&self) -> f64 {
        let widest = self
            .entries
            .iter()
            .map(|(_, t)| text_width(t, self.px))
            .fold(0.0, f64::max);
        Self::swatch_w(self.px) + (self.px * 0.5).round() + widest + 2.0 * self.pad()
    }

    /// Height of the legend in a box: rows and padding.
    pub fn boxed_height(&self) -> f64 {
        self.row_h * self.rows.len() as f64 + 2.0 * self.pad()
    }

    /// Draws the legend in a white box with a light outline from `left` to
    /// `right` whose top is at `top` (figure pixels), beside a plot or over
    /// a free corner of it; draws nothing for no entries.
    pub fn draw_boxed<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        left: f64,
        top: f64,
        right: f64,
        line_w: u32,
    ) -> DrawResult<DB> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let pad = self.pad();
        let corners = [
            (left as i32, top as i32),
            (right as i32, (top + self.boxed_height()) as i32),
        ];
        root.draw(&Rectangle::new(corners, WHITE.mix(0.9).filled()))?;
        root.draw(&Rectangle::new(corners, BLACK.mix(0.25).stroke_width(1)))?;
        self.draw(root, left + pad, top + pad, line_w)
    }

    fn swatch_w(px: f64) -> f64 {
        (px * 1.8).round()
    }

    /// Width of an entry including the gap after it.
    fn entry_w(px: f64, text: &str) -> f64 {
        Self::swatch_w(px) + (px * 0.5).round() + text_width(text, px) + (px * 1.8).round()
    }

    /// Total height, with some space below the last row (0 without entries).
    pub fn height(&self) -> f64 {
        if self.entries.is_empty() {
            return 0.0;
        }
        (self.row_h * self.rows.len() as f64 + self.px * 0.4).round()
    }

    /// Draws the rows starting at (`left`, `top`) in figure pixels, lines
    /// `line_w` pixels wide.
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        left: f64,
        top: f64,
        line_w: u32,
    ) -> DrawResult<DB> {
        let px = self.px;
        let swatch = Self::swatch_w(px) as i32;
        let half_h = (px * 0.4).round() as i32;
        let style = font(px)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (r, row) in self.rows.iter().enumerate() {
            let cy = (top + self.row_h * (r as f64 + 0.5)).round() as i32;
            let mut x = left.round() as i32;
            for &k in row {
                let (sw, text) = &self.entries[k];
                let mid = x + swatch / 2;
                let corners = [(x, cy - half_h), (x + swatch, cy + half_h)];
                match *sw {
                    Swatch::Bar(c, alpha) => {
                        root.draw(&Rectangle::new(corners, rgb(c).mix(alpha).filled()))?;
                        root.draw(&Rectangle::new(corners, rgb(c).stroke_width(line_w)))?;
                    }
                    Swatch::Block(c, alpha) => {
                        root.draw(&Rectangle::new(corners, rgb(c).mix(alpha).filled()))?;
                    }
                    Swatch::Dot(c, alpha, r) => {
                        root.draw(&Circle::new(
                            (mid, cy),
                            r.round() as i32,
                            rgb(c).mix(alpha).filled(),
                        ))?;
                    }
                    Swatch::Ring(c, r) => {
                        root.draw(&Circle::new(
                            (mid, cy),
                            r.round() as i32,
                            rgb(c).stroke_width(line_w.max(2) - 1),
                        ))?;
                    }
                    Swatch::Line(c, dashed) => {
                        let style = rgb(c).stroke_width(line_w);
                        let pts = vec![(x, cy), (x + swatch, cy)];
                        if dashed {
                            let d = (px * 0.45).round().max(3.0) as i32;
                            root.draw(&DashedPathElement::new(pts, d, d * 2 / 3, style))?;
                        } else {
                            root.draw(&PathElement::new(pts, style))?;
                        }
                    }
                    Swatch::Marker(c) => {
                        let d = (px * 0.5).round().max(3.0) as i32;
                        let gap = (f64::from(d) * 0.7).round() as i32;
                        root.draw(&DashedPathElement::new(
                            vec![(mid, cy - 2 * half_h), (mid, cy + 2 * half_h)],
                            d,
                            gap,
                            rgb(c).stroke_width((line_w * 3 / 4).max(1)),
                        ))?;
                    }
                }
                let tx = x + swatch + (px * 0.5).round() as i32;
                root.draw_text(text, &style, (tx, cy))?;
                x += Self::entry_w(px, text) as i32;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::PALETTE;

    #[test]
    fn legend_wraps() {
        crate::register_fonts();
        let entries = vec![
            (
                Swatch::Bar(PALETTE[0], 0.4),
                "a long population name".to_string(),
            ),
            (
                Swatch::Bar(PALETTE[1], 0.4),
                "another long population".to_string(),
            ),
        ];
        let one = Legend::new(entries.clone(), 15.0, 2000.0);
        assert_eq!(one.rows, [vec![0, 1]]);
        let two = Legend::new(entries, 15.0, 300.0);
        assert_eq!(two.rows, [vec![0], vec![1]]);
        assert!(two.height() > one.height());
        assert_eq!(Legend::new(Vec::new(), 15.0, 300.0).height(), 0.0);
        let col = Legend::column(
            vec![
                (Swatch::Dot(PALETTE[0], 1.0, 5.0), "a".to_string()),
                (
                    Swatch::Dot(PALETTE[1], 1.0, 5.0),
                    "a longer name".to_string(),
                ),
            ],
            15.0,
        );
        assert_eq!(col.rows, [vec![0], vec![1]]);
        assert!(col.boxed_width() > text_width("a longer name", 15.0));
    }
}
