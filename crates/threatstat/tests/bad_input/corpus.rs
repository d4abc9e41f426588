//! The corpus: valid sample inputs of each format and the kinds of bad input
//! derived from them. A bad input is a valid sample changed in one way, so a
//! failure can only come from that change.

use std::io::Write;

/// How a format lays out its records, which decides how a change is made.
#[derive(Clone, Copy, PartialEq)]
pub enum Shape {
    /// Comma-separated with a header row (fields named by the header).
    Csv,
    /// Comma-separated without a header (LANL lines; fields by position).
    Headerless,
    /// One number a line, no header.
    Lines,
    /// One JSON object a line.
    Jsonl,
    /// One JSON document (model files).
    Json,
}

/// How a date is written in a format.
#[derive(Clone, Copy)]
pub enum DateStyle {
    /// `2999-01-01T00:00:00Z`
    Iso,
    /// `2999-01-01`
    Day,
    /// CERT: `01/01/2999 00:00:00`
    Cert,
}

/// One input format: where its valid sample is and which field a change
/// touches. `number` and `date` name a field (CSV header name, JSON key or,
/// headerless, the 0-based position as text); `None`: the kind does not
/// apply to the format.
pub struct Format {
    /// Name used in the command templates (`@name`, `%name`).
    pub name: &'static str,
    /// File name of the input (its extension matters to some loaders).
    pub file: &'static str,
    pub shape: Shape,
    /// A required field (JSON: fields, comma-separated, of which one is
    /// required), removed by [`Kind::MissingColumn`].
    pub required: &'static str,
    /// A second field, swapped with `required` by [`Kind::Reordered`].
    pub other: &'static str,
    pub number: Option<&'static str>,
    pub date: Option<(&'static str, DateStyle)>,
}

/// Every format a command reads. Valid samples are files of the same name
/// under the fixtures directory (committed in `valid/` or made by setup).
pub const FORMATS: &[Format] = &[
    Format {
        name: "events",
        file: "events.csv",
        shape: Shape::Csv,
        required: "Operation",
        other: "UserId",
        number: None,
        date: Some(("TimeGenerated", DateStyle::Iso)),
    },
    Format {
        name: "sessions",
        file: "sessions.jsonl",
        shape: Shape::Jsonl,
        required: "cmds,events",
        other: "session_id",
        number: Some("session_id"),
        date: Some(("time_min", DateStyle::Iso)),
    },
    Format {
        name: "markov_model",
        file: "markov_model.json",
        shape: Shape::Json,
        required: "counts",
        other: "format",
        number: Some("n_sessions"),
        date: None,
    },
    Format {
        name: "scores",
        file: "scores.csv",
        shape: Shape::Csv,
        required: "session_id",
        other: "n_cmds",
        number: Some("rarest_window_likelihood"),
        date: None,
    },
    Format {
        name: "counts",
        file: "counts.csv",
        shape: Shape::Csv,
        required: "count",
        other: "date",
        number: Some("count"),
        date: Some(("date", DateStyle::Day)),
    },
    Format {
        name: "cert",
        file: "logon.csv",
        shape: Shape::Csv,
        required: "user",
        other: "date",
        number: None,
        date: Some(("date", DateStyle::Cert)),
    },
    Format {
        name: "numbers",
        file: "numbers.txt",
        shape: Shape::Lines,
        required: "",
        other: "",
        number: Some("0"),
        date: None,
    },
    Format {
        name: "series",
        file: "series.txt",
        shape: Shape::Lines,
        required: "",
        other: "",
        number: Some("0"),
        date: None,
    },
    Format {
        name: "weights",
        file: "weights.txt",
        shape: Shape::Lines,
        required: "",
        other: "",
        number: Some("0"),
        date: None,
    },
    Format {
        name: "ct_json",
        file: "cloudtrail.jsonl",
        shape: Shape::Jsonl,
        required: "eventName",
        other: "eventTime",
        number: None,
        date: Some(("eventTime", DateStyle::Iso)),
    },
    Format {
        name: "ct_csv",
        file: "cloudtrail.csv",
        shape: Shape::Csv,
        required: "eventname",
        other: "eventtime",
        number: None,
        date: Some(("eventtime", DateStyle::Iso)),
    },
    Format {
        name: "flows",
        file: "flows.jsonl",
        shape: Shape::Jsonl,
        required: "actions",
        other: "flow",
        number: None,
        date: None,
    },
    Format {
        name: "attack_model",
        file: "attack_model.json",
        shape: Shape::Json,
        required: "tactics",
        other: "format",
        number: Some("alpha"),
        date: None,
    },
    Format {
        name: "alerts",
        file: "alerts.csv",
        shape: Shape::Csv,
        required: "technique_or_tactic",
        other: "entity",
        number: Some("time"),
        date: Some(("time", DateStyle::Iso)),
    },
    Format {
        name: "otrf",
        file: "otrf.csv",
        shape: Shape::Csv,
        required: "technique",
        other: "id",
        number: Some("step"),
        date: None,
    },
    Format {
        name: "lanl_auth",
        file: "auth.txt",
        shape: Shape::Headerless,
        required: "",
        other: "",
        number: Some("0"),
        date: None,
    },
    Format {
        name: "lanl_flows",
        file: "flows.txt",
        shape: Shape::Headerless,
        required: "",
        other: "",
        number: Some("8"),
        date: None,
    },
    Format {
        name: "lanl_redteam",
        file: "redteam.txt",
        shape: Shape::Headerless,
        required: "",
        other: "",
        number: Some("0"),
        date: None,
    },
    Format {
        name: "features_auth",
        file: "cyberfl.csv",
        shape: Shape::Csv,
        required: "src_name",
        other: "secs",
        number: Some("secs"),
        date: None,
    },
];

/// The format called `name`.
pub fn format(name: &str) -> &'static Format {
    FORMATS
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no format {name} in FORMATS"))
}

/// One way of spoiling a valid input (or none: [`Kind::Valid`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    /// The sample unchanged: the command must succeed (checks the template).
    Valid,
    Empty,
    HeaderOnly,
    MissingColumn,
    ExtraColumn,
    Reordered,
    NonUtf8,
    Crlf,
    Bom,
    UnterminatedQuote,
    Nan,
    Inf,
    Overflow,
    Huge,
    Negative,
    LongLine,
    TruncatedGzip,
    Directory,
    Nonexistent,
    Year2999,
    Year9999,
    Year1600,
    /// The input is also the output (`--out` names it).
    SameFile,
}

/// A bad input as written to disk.
pub enum Made {
    /// File content, and the line an error must name (if it must name one).
    File(Vec<u8>, Option<usize>),
    /// A directory at the input path.
    Dir,
    /// Nothing at the input path.
    Missing,
}

/// The bad input of `kind` made from `valid`, or `None` when the kind does
/// not apply to the format (no header, no number field, ...).
pub fn make(f: &Format, kind: Kind, valid: &str, long_line: &str) -> Option<Made> {
    let text = |s: String, line: Option<usize>| Some(Made::File(s.into_bytes(), line));
    // First data line (1-based) and its index among the lines.
    let first = if f.shape == Shape::Csv { 2 } else { 1 };
    let lines: Vec<&str> = valid.lines().collect();
    match kind {
        Kind::Valid | Kind::SameFile => text(valid.to_string(), None),
        Kind::Empty => text(String::new(), None),
        Kind::HeaderOnly => (f.shape == Shape::Csv)
            .then(|| Made::File(format!("{}\n", lines[0]).into_bytes(), None)),
        Kind::Directory => Some(Made::Dir),
        Kind::Nonexistent => Some(Made::Missing),
        Kind::Crlf => text(valid.replace('\n', "\r\n"), None),
        Kind::Bom => text(format!("\u{feff}{valid}"), None),
        Kind::TruncatedGzip => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(valid.as_bytes()).unwrap();
            let mut bytes = gz.finish().unwrap();
            bytes.truncate(bytes.len() / 2);
            Some(Made::File(bytes, None))
        }
        Kind::LongLine => {
            // A 10 MB line after the first data line.
            let mut out: Vec<&str> = lines.clone();
            let at = if f.shape == Shape::Json {
                out.len()
            } else {
                first
            };
            out.insert(at.min(out.len()), long_line);
            let line = (f.shape != Shape::Json).then_some(first + 1);
            text(out.join("\n") + "\n", line)
        }
        Kind::NonUtf8 => {
            // 0xFF inside the first data line (in JSON, inside a string).
            let mut out = Vec::new();
            let target = if f.shape == Shape::Json {
                lines.len().min(2)
            } else {
                first
            };
            for (i, l) in lines.iter().enumerate() {
                if i + 1 == target {
                    let pos = match f.shape {
                        Shape::Json | Shape::Jsonl => l.find('"').map_or(0, |p| p + 1),
                        _ => 0,
                    };
                    out.extend_from_slice(&l.as_bytes()[..pos]);
                    out.push(0xFF);
                    out.extend_from_slice(&l.as_bytes()[pos..]);
                } else {
                    out.extend_from_slice(l.as_bytes());
                }
                out.push(b'\n');
            }
            Some(Made::File(out, Some(target)))
        }
        Kind::UnterminatedQuote => match f.shape {
            Shape::Csv | Shape::Headerless => {
                let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                out[first - 1] = format!("\"{}", out[first - 1]);
                text(out.join("\n") + "\n", Some(first))
            }
            Shape::Jsonl => {
                let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                out[0] = format!("{{\"{}", &out[0][2..]);
                let cut = out[0].len() / 2;
                out[0].truncate(cut);
                text(out.join("\n") + "\n", Some(1))
            }
            Shape::Json => text(valid[..valid.len() / 2].to_string(), None),
            Shape::Lines => {
                // On line 2: a first line that is not a number is a header.
                let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                out[1] = format!("\"{}", out[1]);
                text(out.join("\n") + "\n", Some(2))
            }
        },
        Kind::MissingColumn | Kind::ExtraColumn | Kind::Reordered => columns(f, kind, &lines),
        Kind::Nan | Kind::Inf | Kind::Overflow | Kind::Huge | Kind::Negative => {
            let field = f.number?;
            let value = match kind {
                Kind::Nan => "NaN",
                Kind::Inf => "inf",
                Kind::Overflow => "1e400",
                Kind::Huge => "99999999999999999999999",
                _ => "-1",
            };
            let made = set_field(f, &lines, field, value);
            // A value of a JSON document found wrong after parsing has no
            // line; only syntax errors (NaN, inf, 1e400) must name one.
            match made {
                Some(Made::File(b, _))
                    if f.shape == Shape::Json && value.starts_with(['-', '9']) =>
                {
                    Some(Made::File(b, None))
                }
                m => m,
            }
        }
        Kind::Year2999 | Kind::Year9999 | Kind::Year1600 => {
            let (field, style) = f.date?;
            let year = match kind {
                Kind::Year2999 => "2999",
                Kind::Year9999 => "9999",
                _ => "1600",
            };
            let value = match (style, year) {
                (DateStyle::Iso, y) => format!("{y}-01-01T00:00:00Z"),
                (DateStyle::Day, y) => format!("{y}-01-01"),
                (DateStyle::Cert, y) => format!("01/01/{y} 00:00:00"),
            };
            let value = if year == "9999" {
                value.replace("01-01", "12-31").replace("01/01/", "12/31/")
            } else {
                value
            };
            set_field(f, &lines, field, &value)
        }
    }
}

/// Index of a CSV field by header name (or position for headerless data).
fn col(f: &Format, header: &str, field: &str) -> usize {
    match f.shape {
        Shape::Csv => header
            .split(',')
            .position(|h| h == field)
            .unwrap_or_else(|| panic!("{}: no column {field} in `{header}`", f.name)),
        _ => field.parse().unwrap(),
    }
}

/// Field `field` of the first record set to `value` (a raw token: JSON
/// values are written unquoted, as careless writers do).
fn set_field(f: &Format, lines: &[&str], field: &str, value: &str) -> Option<Made> {
    let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    let line = match f.shape {
        Shape::Lines => {
            out[0] = value.to_string();
            1
        }
        Shape::Csv | Shape::Headerless => {
            let i = usize::from(f.shape == Shape::Csv);
            let c = col(f, lines[0], field);
            let mut cells: Vec<&str> = lines[i].split(',').collect();
            cells[c] = value;
            out[i] = cells.join(",");
            i + 1
        }
        Shape::Jsonl | Shape::Json => {
            let key = format!("\"{field}\":");
            let (i, l) = lines.iter().enumerate().find(|(_, l)| l.contains(&key))?;
            let start = l.find(&key).unwrap() + key.len();
            let rest = &l[start..];
            let ws = rest.len() - rest.trim_start().len();
            let v = &rest[ws..];
            let len = if let Some(s) = v.strip_prefix('"') {
                s.find('"').unwrap() + 2
            } else {
                v.find([',', '}', ']']).unwrap_or(v.len())
            };
            // Dates are strings, numbers raw tokens.
            let value = if v.starts_with('"') && !value.starts_with(char::is_alphabetic) {
                format!("\"{value}\"")
            } else {
                value.to_string()
            };
            out[i] = format!("{}{}{}", &l[..start + ws], value, &v[len..]);
            i + 1
        }
    };
    Some(Made::File((out.join("\n") + "\n").into_bytes(), Some(line)))
}

/// A required column removed, a column added, or two columns swapped.
fn columns(f: &Format, kind: Kind, lines: &[&str]) -> Option<Made> {
    let text = |v: Vec<String>, line| Some(Made::File((v.join("\n") + "\n").into_bytes(), line));
    match f.shape {
        Shape::Lines => None,
        Shape::Csv | Shape::Headerless => {
            let (a, b) = match f.shape {
                Shape::Csv => (col(f, lines[0], f.required), col(f, lines[0], f.other)),
                // Time and a name: swapped, the time is not a number.
                _ => (0, 2),
            };
            let out = lines
                .iter()
                .map(|l| {
                    // Only fields before any quoted one are touched (scores
                    // end in quoted lists), so splitting on commas is exact.
                    let mut cells: Vec<&str> = l.split(',').collect();
                    match kind {
                        Kind::MissingColumn => {
                            let last = cells.len() - 1;
                            cells.remove(if f.shape == Shape::Csv { a } else { last });
                        }
                        Kind::ExtraColumn => cells.push("extra"),
                        _ => cells.swap(a, b),
                    }
                    cells.join(",")
                })
                .collect();
            let line = match (f.shape, kind) {
                (_, Kind::ExtraColumn) | (Shape::Csv, Kind::Reordered) => None,
                (Shape::Csv, _) => Some(1),
                _ => Some(1),
            };
            text(out, line)
        }
        Shape::Jsonl | Shape::Json => {
            let docs: Vec<String> = if f.shape == Shape::Json {
                vec![lines.join("\n")]
            } else {
                lines.iter().map(|s| s.to_string()).collect()
            };
            let out = docs
                .iter()
                .map(|d| {
                    let serde_json::Value::Object(mut m) = serde_json::from_str(d).unwrap() else {
                        panic!("{}: not an object", f.name)
                    };
                    match kind {
                        Kind::MissingColumn => {
                            for k in f.required.split(',') {
                                m.remove(k);
                            }
                        }
                        Kind::ExtraColumn => {
                            m.insert("zz_extra".into(), 1.into());
                        }
                        _ => {}
                    }
                    // Keys written in reverse order (Reordered) or as read.
                    let mut items: Vec<String> = m
                        .iter()
                        .map(|(k, v)| format!("{}: {v}", serde_json::Value::from(k.as_str())))
                        .collect();
                    if kind == Kind::Reordered {
                        items.reverse();
                    }
                    format!("{{{}}}", items.join(", "))
                })
                .collect();
            // A JSON document misses a field as a whole, not at a line.
            let line = (kind == Kind::MissingColumn && f.shape == Shape::Jsonl).then_some(1);
            text(out, line)
        }
    }
}
