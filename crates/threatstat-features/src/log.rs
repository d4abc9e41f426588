//! The authentication log in the format of the featuretools demo's
//! `CyberFLTenDays.csv`, read into columns.
//!
//! Header (any column order):
//! `secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label`.
//! `secs` is an integer number of seconds; `label` is `N` (normal) or `A`
//! (attack), the two values the demo maps to `False`/`True`; any other label
//! is an error naming `file:line: field `label``. An empty cell in any
//! column is a bad row: an error, or a counted skip under
//! [`BadRowPolicy::Skip`]. Other strings (including LANL's `?`) are values.

use crate::FeaturesError;
use std::io::BufRead;
use std::path::Path;
use threatstat_core::reader::CsvTable;
use threatstat_core::{BadRowPolicy, Error, Interner, Location, SkipReport};

/// The columns of a `CyberFLTenDays.csv` file, in the demo's order.
pub const COLUMNS: [&str; 10] = [
    "secs",
    "src_name",
    "dest_name",
    "src_host",
    "dest_host",
    "auth_type",
    "login_type",
    "stage",
    "result",
    "label",
];

/// One row as strings, for building logs in code.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthRow<'a> {
    /// Time in seconds.
    pub secs: i64,
    /// The eight string fields in [`COLUMNS`] order (`COLUMNS[1..9]`).
    pub fields: [&'a str; 8],
    /// `true` for an attack (`A`).
    pub malicious: bool,
}

/// An authentication log held in columns; strings are interned in
/// [`AuthLog::names`].
///
/// ```
/// use threatstat_features::log::{AuthLog, AuthRow};
/// let log = AuthLog::from_rows(&[AuthRow {
///     secs: 5,
///     fields: ["U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success"],
///     malicious: true,
/// }]);
/// assert_eq!(log.len(), 1);
/// assert_eq!(log.names.resolve(log.cat[4][0]), "NTLM");
/// ```
#[derive(Debug, Clone, Default)]
pub struct AuthLog {
    /// `secs` per row.
    pub secs: Vec<i64>,
    /// The string columns ([`COLUMNS`] order (`COLUMNS[1..9]`)), as ids into `names`.
    pub cat: [Vec<u32>; 8],
    /// `true` where the label is `A`.
    pub label: Vec<bool>,
    /// 1-based line of each row in its file (row number for built logs).
    pub line: Vec<u64>,
    /// The interned strings of all string columns.
    pub names: Interner,
}

impl AuthLog {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.secs.len()
    }

    /// `true` if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.secs.is_empty()
    }

    /// Appends one row.
    pub fn push(&mut self, row: &AuthRow<'_>) {
        self.secs.push(row.secs);
        for (c, f) in self.cat.iter_mut().zip(row.fields) {
            c.push(self.names.intern(f));
        }
        self.label.push(row.malicious);
        self.line.push(self.secs.len() as u64);
    }

    /// A log of `rows` (line numbers are the 1-based row numbers).
    pub fn from_rows(rows: &[AuthRow<'_>]) -> Self {
        let mut log = AuthLog::default();
        for r in rows {
            log.push(r);
        }
        log
    }

    /// Reads a (possibly gzip-compressed) `CyberFLTenDays.csv`-style file.
    ///
    /// ```
    /// use threatstat_core::BadRowPolicy;
    /// use threatstat_features::log::AuthLog;
    /// let dir = std::env::temp_dir().join("threatstat-features-doc-log");
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let p = dir.join("a.csv");
    /// std::fs::write(&p, "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label\n\
    ///     1,U1,U1,C1,C2,NTLM,Network,LogOn,Success,N\n\
    ///     2,U1,U1,C1,C2,NTLM,Network,LogOn,Success,X\n").unwrap();
    /// let e = AuthLog::read(&p, BadRowPolicy::Error).unwrap_err();
    /// assert!(e.to_string().contains("a.csv:3: field `label`"), "{e}");
    /// let (log, skipped) = AuthLog::read(&p, BadRowPolicy::Skip).unwrap();
    /// assert_eq!((log.len(), skipped.skipped), (1, 1));
    /// ```
    pub fn read(path: &Path, policy: BadRowPolicy) -> Result<(Self, SkipReport), FeaturesError> {
        Self::read_table(CsvTable::open(path)?, policy)
    }

    /// Reads CSV text from `reader`; `name` is used in messages.
    pub fn from_reader(
        name: &Path,
        reader: Box<dyn BufRead + Send>,
        policy: BadRowPolicy,
    ) -> Result<(Self, SkipReport), FeaturesError> {
        Self::read_table(CsvTable::from_reader(name, reader)?, policy)
    }

    fn read_table(
        mut t: CsvTable,
        policy: BadRowPolicy,
    ) -> Result<(Self, SkipReport), FeaturesError> {
        let mut idx = [0usize; 10];
        for (i, c) in COLUMNS.iter().enumerate() {
            idx[i] = t.column(c)?;
        }
        let mut log = AuthLog::default();
        let mut skipped = SkipReport::default();
        let mut rec = csv::ByteRecord::new();
        while let Some(line) = t.next_record_or_skip(&mut rec, policy, &mut skipped)? {
            match parse_row(&t, &rec, line, &idx) {
                Ok((secs, fields, label)) => {
                    log.secs.push(secs);
                    for (c, f) in log.cat.iter_mut().zip(fields) {
                        c.push(log.names.intern(f));
                    }
                    log.label.push(label);
                    log.line.push(line);
                }
                Err(e) => skipped.handle(policy, e)?,
            }
        }
        Ok((log, skipped))
    }
}

fn parse_row<'r>(
    t: &CsvTable,
    rec: &'r csv::ByteRecord,
    line: u64,
    idx: &[usize; 10],
) -> Result<(i64, [&'r str; 8], bool), Error> {
    let loc = |i: usize| Location::file(t.path()).at_line(line).in_field(COLUMNS[i]);
    let mut vals = [""; 10];
    for (i, v) in vals.iter_mut().enumerate() {
        *v = t.field(rec, idx[i], line)?;
        if v.trim().is_empty() {
            return Err(Error::parse(loc(i), "missing value (empty cell)"));
        }
    }
    let secs = vals[0].trim().parse::<i64>().map_err(|_| {
        Error::parse(
            loc(0),
            format!("expected an integer number of seconds, found `{}`", vals[0]),
        )
    })?;
    let label = match vals[9].trim() {
        "N" => false,
        "A" => true,
        other => {
            return Err(Error::parse(
                loc(9),
                format!("expected label `N` (normal) or `A` (attack), found `{other}`"),
            ));
        }
    };
    let mut fields = [""; 8];
    fields.copy_from_slice(&vals[1..9]);
    Ok((secs, fields, label))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, policy: BadRowPolicy) -> Result<(AuthLog, SkipReport), FeaturesError> {
        AuthLog::from_reader(
            Path::new("t.csv"),
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            policy,
        )
    }

    const H: &str =
        "secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result,label\n";

    #[test]
    fn bad_cells_name_line_and_field() {
        let cases = [
            ("x,U1,U1,C1,C1,a,b,c,d,N\n", "t.csv:2: field `secs`"),
            ("1,,U1,C1,C1,a,b,c,d,N\n", "t.csv:2: field `src_name`"),
            ("1,U1,U1,C1,C1,a,b,c,d,\n", "t.csv:2: field `label`"),
            ("1,U1,U1,C1,C1,a,b,c,d,N/A\n", "found `N/A`"),
        ];
        for (row, want) in cases {
            let e = read(&format!("{H}{row}"), BadRowPolicy::Error).unwrap_err();
            assert!(e.to_string().contains(want), "{e} !~ {want}");
            let (log, s) = read(&format!("{H}{row}"), BadRowPolicy::Skip).unwrap();
            assert_eq!((log.len(), s.skipped), (0, 1));
        }
        // A row with the wrong number of fields is skipped too (it stopped
        // the read before).
        let text = format!("{H}1,U1\n1,U1,U1,C1,C1,a,b,c,d,N\n");
        let e = read(&text, BadRowPolicy::Error).unwrap_err().to_string();
        assert!(e.contains("t.csv:2: expected 10 fields"), "{e}");
        let (log, s) = read(&text, BadRowPolicy::Skip).unwrap();
        assert_eq!((log.len(), s.skipped), (1, 1));
        let e = read("secs,src_name\n1,U1\n", BadRowPolicy::Error).unwrap_err();
        assert!(e.to_string().contains("no column `dest_name`"), "{e}");
    }

    #[test]
    fn reads_columns_in_any_order() {
        let text = "label,secs,src_name,dest_name,src_host,dest_host,auth_type,login_type,stage,result\n\
                    A,7,U1,U2,C1,C2,?,?,TGS,Success\n";
        let (log, _) = read(text, BadRowPolicy::Error).unwrap();
        assert_eq!(log.secs, [7]);
        assert_eq!(log.label, [true]);
        assert_eq!(log.names.resolve(log.cat[1][0]), "U2");
        assert_eq!(log.names.resolve(log.cat[6][0]), "TGS");
        assert_eq!(log.line, [2]);
    }
}
