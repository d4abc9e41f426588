//! Windows of hours of the day, such as "after hours" `18-7`.

use crate::DatasetError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A window of hours of the day: `start` inclusive, `end` exclusive,
/// wrapping past midnight when `start > end`.
///
/// Written `START-END`: `9-17` is 09:00 to 16:59:59 (`9 <= hour < 17`),
/// `18-7` is 18:00 to 06:59:59 of the next morning (`hour >= 18 || hour < 7`)
/// and `0-24` is the whole day. Hours are `0..=24`; a window starts at
/// `0..=23` and cannot be empty (`start == end` is rejected, write `0-24`
/// for the whole day). `18-0` and `18-24` are the same window.
///
/// The window classifies an event by the hour of its own local time stamp;
/// an after-hours logon at 02:00 counts on the calendar day it happened, not
/// on the evening before.
///
/// ```
/// use threatstat_datasets::cert::HourWindow;
/// let night: HourWindow = "18-7".parse().unwrap();
/// assert!(night.contains(18) && night.contains(23) && night.contains(0) && night.contains(6));
/// assert!(!night.contains(7) && !night.contains(17));
/// assert_eq!(night.hours(), 13);
/// assert_eq!(night.to_string(), "18-7");
/// let err = "9-9".parse::<HourWindow>().unwrap_err().to_string();
/// assert!(err.contains("0-24"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HourWindow {
    start: u8,
    end: u8,
}

impl HourWindow {
    /// The whole day, `0-24`.
    pub const ALL_DAY: HourWindow = HourWindow { start: 0, end: 24 };

    /// The window from hour `start` (inclusive) to hour `end` (exclusive).
    ///
    /// ```
    /// use threatstat_datasets::cert::HourWindow;
    /// assert_eq!(HourWindow::new(9, 17).unwrap(), "9-17".parse().unwrap());
    /// assert!(HourWindow::new(24, 7).is_err());
    /// assert!(HourWindow::new(7, 25).is_err());
    /// ```
    pub fn new(start: u32, end: u32) -> Result<Self, DatasetError> {
        let err = |message: String| DatasetError::HourWindow {
            text: format!("{start}-{end}"),
            message,
        };
        if start > 24 || end > 24 {
            let bad = if start > 24 { start } else { end };
            return Err(err(format!("hours are 0 to 24, found {bad}")));
        }
        if start == 24 {
            return Err(err(
                "a window starts at an hour 0 to 23 (24 is the end of the day; \
                 `24-7` would be `0-7`)"
                    .into(),
            ));
        }
        if start == end {
            return Err(err(format!(
                "start and end are both {start}, so the window is empty or ambiguous; \
                 write `0-24` for the whole day"
            )));
        }
        Ok(HourWindow {
            start: start as u8,
            end: end as u8,
        })
    }

    /// The first hour in the window.
    ///
    /// ```
    /// # use threatstat_datasets::cert::HourWindow;
    /// assert_eq!("18-7".parse::<HourWindow>().unwrap().start(), 18);
    /// ```
    pub fn start(&self) -> u32 {
        u32::from(self.start)
    }

    /// The first hour after the window.
    ///
    /// ```
    /// # use threatstat_datasets::cert::HourWindow;
    /// assert_eq!("18-7".parse::<HourWindow>().unwrap().end(), 7);
    /// ```
    pub fn end(&self) -> u32 {
        u32::from(self.end)
    }

    /// True when the window wraps past midnight (`start > end`).
    ///
    /// ```
    /// # use threatstat_datasets::cert::HourWindow;
    /// assert!("18-7".parse::<HourWindow>().unwrap().wraps());
    /// assert!(!"9-17".parse::<HourWindow>().unwrap().wraps());
    /// ```
    pub fn wraps(&self) -> bool {
        self.start > self.end
    }

    /// True when hour `hour` (`0..=23`) is in the window.
    ///
    /// ```
    /// # use threatstat_datasets::cert::HourWindow;
    /// let work: HourWindow = "9-17".parse().unwrap();
    /// assert!(work.contains(9) && work.contains(16) && !work.contains(17) && !work.contains(8));
    /// ```
    #[inline]
    pub fn contains(&self, hour: u32) -> bool {
        let (s, e) = (u32::from(self.start), u32::from(self.end));
        if s < e {
            s <= hour && hour < e
        } else {
            hour >= s || hour < e
        }
    }

    /// How many hours of the day the window covers.
    ///
    /// ```
    /// # use threatstat_datasets::cert::HourWindow;
    /// assert_eq!(HourWindow::ALL_DAY.hours(), 24);
    /// assert_eq!("18-0".parse::<HourWindow>().unwrap().hours(), 6);
    /// ```
    pub fn hours(&self) -> u32 {
        (0..24).filter(|&h| self.contains(h)).count() as u32
    }
}

impl FromStr for HourWindow {
    type Err = DatasetError;

    /// Parses `START-END`, e.g. `18-7`, `9-17`, `0-24` (spaces around the
    /// numbers are allowed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |message: &str| DatasetError::HourWindow {
            text: s.to_string(),
            message: message.to_string(),
        };
        let (a, b) = s.split_once('-').ok_or_else(|| {
            err("expected START-END with hours 0 to 24, such as `18-7` (after hours) or `9-17`")
        })?;
        let hour = |t: &str| -> Result<u32, DatasetError> {
            let t = t.trim();
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err(&format!(
                    "expected an hour 0 to 24, found `{t}` (write START-END, such as `18-7`)"
                )));
            }
            Ok(t.parse().expect("one or two digits"))
        };
        let (start, end) = (hour(a)?, hour(b)?);
        HourWindow::new(start, end).map_err(|e| match e {
            DatasetError::HourWindow { message, .. } => DatasetError::HourWindow {
                text: s.to_string(),
                message,
            },
            other => other,
        })
    }
}

impl fmt::Display for HourWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl TryFrom<String> for HourWindow {
    type Error = DatasetError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<HourWindow> for String {
    fn from(w: HourWindow) -> String {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        let w = |s: &str| s.parse::<HourWindow>().unwrap();
        let night = w("18-7");
        let hours: Vec<u32> = (0..24).filter(|&h| night.contains(h)).collect();
        assert_eq!(hours, [0, 1, 2, 3, 4, 5, 6, 18, 19, 20, 21, 22, 23]);
        let work = w("9-17");
        let hours: Vec<u32> = (0..24).filter(|&h| work.contains(h)).collect();
        assert_eq!(hours, (9..17).collect::<Vec<_>>());
        assert!((0..24).all(|h| w("0-24").contains(h)));
        assert_eq!(w("18-0"), HourWindow::new(18, 0).unwrap());
        assert_eq!(w("18-0").hours(), w("18-24").hours());
        assert_eq!(w(" 18 - 7 "), night);
    }

    #[test]
    fn invalid_windows_say_why() {
        for (s, needle) in [
            ("", "expected START-END"),
            ("18", "expected START-END"),
            ("18-", "found ``"),
            ("a-7", "found `a`"),
            ("-1-7", "found ``"),
            ("25-7", "hours are 0 to 24, found 25"),
            ("7-25", "found 25"),
            ("100-7", "found `100`"),
            ("24-7", "starts at an hour 0 to 23"),
            ("7-7", "write `0-24`"),
            ("0-0", "write `0-24`"),
            ("24-24", "starts at an hour 0 to 23"),
        ] {
            let e = s.parse::<HourWindow>().unwrap_err().to_string();
            assert!(e.contains(needle), "{s}: {e}");
            assert!(e.contains(&format!("`{s}`")), "{s}: {e}");
        }
    }

    #[test]
    fn serde_as_text() {
        let w: HourWindow = "18-7".parse().unwrap();
        assert_eq!(serde_json::to_string(&w).unwrap(), "\"18-7\"");
        assert_eq!(serde_json::from_str::<HourWindow>("\"18-7\"").unwrap(), w);
        assert!(serde_json::from_str::<HourWindow>("\"7-7\"").is_err());
    }
}
