//! A table of rows of text shown as an HTML table in an evcxr notebook.

use std::fmt;

use crate::PlotError;
use crate::html::escape;

/// Rows of text under column names, shown in a notebook as an HTML table
/// (columns whose every non-empty cell is a number are right-aligned) and
/// as aligned plain text elsewhere ([`fmt::Display`]).
///
/// As a cell's last expression, evcxr shows it through
/// [`Table::evcxr_display`]; elsewhere in a cell, call [`Table::show`]. A
/// row with fewer cells than there are columns is padded with empty cells;
/// extra cells get columns without a name.
///
/// ```
/// use threatstat_plot::evcxr::Table;
/// let mut t = Table::new(["user", "score"]).caption("Top users");
/// t.row(["alice", "3.50"]);
/// t.row(["<bob>".to_string(), format!("{:.2}", 12.0)]);
/// let html = t.to_html();
/// assert!(html.contains("<caption>Top users</caption>"));
/// assert!(html.contains("<td>&lt;bob&gt;</td><td style=\"text-align:right\">12.00</td>"));
/// assert_eq!(t.to_string(), "Top users\nuser   score\nalice   3.50\n<bob>  12.00\n");
/// assert_eq!(t.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    caption: Option<String>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new<S: ToString>(columns: impl IntoIterator<Item = S>) -> Self {
        Self {
            columns: columns.into_iter().map(|c| c.to_string()).collect(),
            ..Self::default()
        }
    }

    /// The table with a caption, shown above it.
    #[must_use]
    pub fn caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Appends a row (format numbers as they should be shown, e.g.
    /// `format!("{x:.3}")`).
    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
        self
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of columns: the names, or the longest row when longer.
    fn width(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain([self.columns.len()])
            .max()
            .unwrap_or(0)
    }

    /// Cell `c` of a row, empty when the row is short.
    fn cell(row: &[String], c: usize) -> &str {
        row.get(c).map_or("", String::as_str)
    }

    /// Whether column `c` holds numbers only (and at least one).
    fn numeric(&self, c: usize) -> bool {
        let mut cells = self
            .rows
            .iter()
            .map(|r| Self::cell(r, c).trim())
            .filter(|s| !s.is_empty())
            .peekable();
        cells.peek().is_some() && cells.all(|s| s.parse::<f64>().is_ok())
    }

    /// The table as one HTML `<table>` element (all text escaped).
    pub fn to_html(&self) -> String {
        let width = self.width();
        let numeric: Vec<bool> = (0..width).map(|c| self.numeric(c)).collect();
        let mut h = String::from("<table>\n");
        if let Some(caption) = &self.caption {
            h.push_str(&format!("<caption>{}</caption>\n", escape(caption)));
        }
        h.push_str("<thead><tr>");
        for c in 0..width {
            h.push_str(&format!(
                "<th>{}</th>",
                escape(Self::cell(&self.columns, c))
            ));
        }
        h.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            h.push_str("<tr>");
            for (c, &right) in numeric.iter().enumerate() {
                let style = if right {
                    " style=\"text-align:right\""
                } else {
                    ""
                };
                h.push_str(&format!("<td{style}>{}</td>", escape(Self::cell(row, c))));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody>\n</table>");
        h
    }

    /// The evcxr display blocks of the table: `text/html` ([`Table::to_html`])
    /// and `text/plain` (the [`fmt::Display`] text).
    pub fn display_blocks(&self) -> String {
        format!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT text/plain\n{}\nEVCXR_END_CONTENT\n",
            self.to_html(),
            self.to_string().trim_end()
        )
    }

    /// Prints [`Table::display_blocks`]: the cell's rich output becomes the
    /// table (make it the cell's only one).
    ///
    /// # Errors
    ///
    /// [`PlotError::Io`] when standard output cannot be written.
    pub fn show(&self) -> Result<(), PlotError> {
        super::print_block(&self.display_blocks())
    }

    /// What evcxr calls on a cell's last expression: shows the table (a
    /// closed standard output is ignored, as `print!` would panic instead).
    pub fn evcxr_display(&self) {
        let _ = self.show();
    }
}

impl fmt::Display for Table {
    /// The caption, then the columns aligned with two spaces between them
    /// (numeric columns right-aligned), one line per row.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.width();
        let widths: Vec<usize> = (0..width)
            .map(|c| {
                self.rows
                    .iter()
                    .chain([&self.columns])
                    .map(|r| Self::cell(r, c).chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        if let Some(caption) = &self.caption {
            writeln!(f, "{caption}")?;
        }
        for row in [&self.columns].into_iter().chain(&self.rows) {
            let mut line = String::new();
            for (c, &w) in widths.iter().enumerate() {
                if c > 0 {
                    line.push_str("  ");
                }
                let s = Self::cell(row, c);
                if self.numeric(c) {
                    line.push_str(&format!("{s:>w$}"));
                } else {
                    line.push_str(&format!("{s:<w$}"));
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_rows_are_padded_and_extra_cells_get_unnamed_columns() {
        let mut t = Table::new(["a", "b"]);
        t.row(["1"]);
        t.row(["x", "y", "z"]);
        let html = t.to_html();
        assert!(html.contains("<thead><tr><th>a</th><th>b</th><th></th></tr></thead>"));
        assert!(html.contains("<tr><td>1</td><td></td><td></td></tr>"));
        assert!(html.contains("<tr><td>x</td><td>y</td><td>z</td></tr>"));
        assert_eq!(t.to_string(), "a  b\n1\nx  y  z\n");
    }

    #[test]
    fn numeric_columns_need_every_nonempty_cell_numeric() {
        let mut t = Table::new(["n", "mixed", "blank"]);
        t.row(["1e-3", "2", ""]);
        t.row(["-4", "two", " "]);
        assert!(t.numeric(0));
        assert!(!t.numeric(1));
        assert!(!t.numeric(2));
    }

    #[test]
    fn display_blocks_hold_html_then_plain_text() {
        let mut t = Table::new(["k"]);
        t.row([1]);
        assert_eq!(
            t.display_blocks(),
            "EVCXR_BEGIN_CONTENT text/html\n<table>\n<thead><tr><th>k</th></tr></thead>\n<tbody>\n\
             <tr><td style=\"text-align:right\">1</td></tr>\n</tbody>\n</table>\nEVCXR_END_CONTENT\n\
             EVCXR_BEGIN_CONTENT text/plain\nk\n1\nEVCXR_END_CONTENT\n"
        );
        assert!(Table::new(["k"]).is_empty());
    }
}
