//! Explicit, counted skipping of bad input rows.

use crate::Error;

/// What a reader does with a row it cannot use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadRowPolicy {
    /// Stop with an error naming file, line and field (the default).
    #[default]
    Error,
    /// Skip the row, count it and keep the first few errors for the report.
    Skip,
}

/// How many rows were skipped under [`BadRowPolicy::Skip`], with examples.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipReport {
    /// Rows skipped.
    pub skipped: u64,
    /// The first errors (at most [`SkipReport::KEPT`]), as messages.
    pub examples: Vec<String>,
}

impl SkipReport {
    /// How many example messages are kept.
    pub const KEPT: usize = 5;

    /// Applies `policy` to `err`: returns it under [`BadRowPolicy::Error`],
    /// counts it and returns `Ok(())` under [`BadRowPolicy::Skip`].
    ///
    /// ```
    /// use threatstat_core::{BadRowPolicy, Error, SkipReport};
    /// let mut r = SkipReport::default();
    /// assert!(r.handle(BadRowPolicy::Skip, Error::Invalid("x".into())).is_ok());
    /// assert_eq!(r.skipped, 1);
    /// assert!(r.handle(BadRowPolicy::Error, Error::Invalid("y".into())).is_err());
    /// ```
    pub fn handle(&mut self, policy: BadRowPolicy, err: Error) -> Result<(), Error> {
        match policy {
            BadRowPolicy::Error => Err(err),
            BadRowPolicy::Skip => {
                self.skipped += 1;
                if self.examples.len() < Self::KEPT {
                    self.examples.push(err.to_string());
                }
                Ok(())
            }
        }
    }
}

impl std::fmt::Display for SkipReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped {} bad row(s)", self.skipped)?;
        for e in &self.examples {
            write!(f, "\n  {e}")?;
        }
        if self.skipped as usize > self.examples.len() {
            write!(f, "\n  ...")?;
        }
        Ok(())
    }
}
