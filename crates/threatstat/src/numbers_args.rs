//! `--column` and `--no-header`: how every command that reads "numbers
//! from a file" (`acf`, `mwu`) picks the values, the same way everywhere
//! (README, "One CLI vocabulary").

use clap::Args;
use threatstat_core::numbers::{Column, Header, Missing, NumberOptions};

/// The column and header flags, flattened into a command's arguments.
#[derive(Args, Debug, Clone, Default)]
pub struct NumberArgs {
    /// Which comma-separated column holds the values: a header name or a
    /// 1-based position [default: the only column].
    #[arg(long, value_name = "NAME|N", value_parser = column)]
    pub column: Option<Column>,
    /// The first line is data, not a header (by default a header is
    /// detected: every field a name, one not a number).
    #[arg(long)]
    pub no_header: bool,
}

impl NumberArgs {
    /// The reader's options, `nan` meaning `missing`.
    pub fn options(&self, missing: Missing) -> NumberOptions {
        NumberOptions {
            header: if self.no_header {
                Header::No
            } else {
                Header::Auto
            },
            column: self.column.clone(),
            missing,
        }
    }
}

/// `--column`: a 1-based position (digits) or a header name.
fn column(s: &str) -> Result<Column, String> {
    if s.is_empty() {
        return Err("expected a column name or a 1-based position".into());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        match s.parse::<usize>() {
            Ok(i) if i >= 1 => Ok(Column::Index(i)),
            _ => Err(format!("must be a 1-based position from 1, found {s}")),
        }
    } else {
        Ok(Column::Name(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_names() {
        assert_eq!(column("2"), Ok(Column::Index(2)));
        assert_eq!(column("bytes"), Ok(Column::Name("bytes".into())));
        assert!(column("0").is_err());
        assert!(column("").is_err());
        assert!(column("99999999999999999999999").is_err());
    }
}
