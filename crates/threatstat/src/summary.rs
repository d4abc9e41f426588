//! The few lines a researcher reads first: a command's terminal summary.
//!
//! Every analysis command prints, on standard error, a headline, an
//! aligned table of what ranks first (sessions, users, pairs, lags) and its
//! warnings, the way `attack loo` prints its order × α table with
//! "<- best". Standard error, so that standard output stays the machine
//! output (JSON or CSV on `-`) whatever the command writes there; printed
//! once the result is written, so `| head` closing standard output stops a
//! command quietly. `--quiet` silences the summary (errors and skipped-row
//! counts still print).
//!
//! ```text
//! rarest 3 of 400 sessions (window 3):
//! rank  session_id  UserId  likelihood  rarest_window
//!    1         157  admin    1.234e-05  Set-Mailbox -> New-InboxRule
//! ```

use std::io::Write;

/// An aligned text table: numeric columns right-aligned, text columns
/// left-aligned, an optional note after a row (`<- best`).
#[derive(Debug, Clone, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    notes: Vec<Option<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new<S: AsRef<str>>(header: &[S]) -> Table {
        Table {
            header: header.iter().map(|s| s.as_ref().to_string()).collect(),
            ..Table::default()
        }
    }

    /// Appends a row (missing cells are blank, extra cells are dropped).
    pub fn row(&mut self, cells: Vec<String>) -> &mut Table {
        let mut cells = cells;
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
        self.notes.push(None);
        self
    }

    /// Puts `note` after the last row appended (e.g. `<- best`).
    pub fn note_last(&mut self, note: &str) -> &mut Table {
        if let Some(n) = self.notes.last_mut() {
            *n = Some(note.to_string());
        }
        self
    }

    /// Whether no row was appended.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as lines of text, each ending in a newline.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let numeric = |j: usize| {
            self.rows.iter().any(|r| !r[j].is_empty())
                && self
                    .rows
                    .iter()
                    .all(|r| r[j].is_empty() || r[j].parse::<f64>().is_ok())
        };
        let cols: Vec<(usize, bool)> = (0..self.header.len())
            .map(|j| {
                let w = self
                    .rows
                    .iter()
                    .map(|r| width(&r[j]))
                    .chain([width(&self.header[j])])
                    .max()
                    .unwrap_or(0);
                (w, numeric(j))
            })
            .collect();
        let mut out = String::new();
        let mut line = |cells: &[String], note: Option<&str>| {
            let mut l = String::new();
            for (j, (c, &(w, right))) in cells.iter().zip(&cols).enumerate() {
                if j > 0 {
                    l.push_str("  ");
                }
                let pad = " ".repeat(w - width(c));
                if right {
                    l.push_str(&pad);
                    l.push_str(c);
                } else {
                    l.push_str(c);
                    // No trailing blanks after the last column.
                    if j + 1 < cells.len() || note.is_some() {
                        l.push_str(&pad);
                    }
                }
            }
            if let Some(n) = note {
                l.push_str("  ");
                l.push_str(n);
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(&self.header, None);
        for (r, n) in self.rows.iter().zip(&self.notes) {
            line(r, n.as_deref());
        }
        out
    }
}

/// Where a command's summary goes: standard error, or nowhere with
/// `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    quiet: bool,
}

impl Summary {
    /// The summary of a command run with (`quiet = true`) or without
    /// `--quiet`.
    pub fn new(quiet: bool) -> Summary {
        Summary { quiet }
    }

    /// Prints one line (a newline is added).
    pub fn line(&self, text: &str) {
        self.text(&format!("{text}\n"));
    }

    /// Prints `warning: ` and `text`.
    pub fn warn(&self, text: &str) {
        self.line(&format!("warning: {text}"));
    }

    /// Prints a table (nothing when it has no row).
    pub fn table(&self, t: &Table) {
        if !t.is_empty() {
            self.text(&t.render());
        }
    }

    /// Prints text as given; a closed standard error is not an error (the
    /// result has been written).
    fn text(&self, text: &str) {
        if !self.quiet {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(text.as_bytes());
        }
    }
}

/// A number for a summary table: 4 significant digits, scientific below
/// 1e-3 and from 1e6 (so `1.234e-05`, `0.5`, `123.5`); NaN as `NaN`.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{x:.3e}");
    }
    let digits = 3 - a.log10().floor() as i32;
    let s = format!("{x:.*}", digits.max(0) as usize);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(max.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// `s` cut to its last `max` characters, with `…` first when cut (for
/// ARNs and paths, whose end names the thing).
pub fn clip_start(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        s.to_string()
    } else {
        let mut c = String::from("…");
        c.extend(s.chars().skip(n - max.saturating_sub(1)));
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_numbers_right_and_text_left_with_a_note() {
        let mut t = Table::new(&["rank", "user", "score"]);
        t.row(vec!["1".into(), "alice".into(), "0.5".into()]);
        t.row(vec!["10".into(), "bo".into(), "12.25".into()])
            .note_last("<- best");
        assert_eq!(
            t.render(),
            "rank  user   score\n   1  alice    0.5\n  10  bo     12.25  <- best\n"
        );
    }

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(123.456), "123.5");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.5e-5), "1.500e-5");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip_start("abcdef", 4), "…def");
    }
}
