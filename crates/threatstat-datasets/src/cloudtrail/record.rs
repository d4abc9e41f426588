//! One CloudTrail record: which fields are read, who the principal is, and
//! how times and zones are handled.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use threatstat_core::time::parse_timestamp;
use threatstat_core::{Error, Location};

use crate::DatasetError;

/// Which identity of a record is its principal (the key of the series).
///
/// CloudTrail's `userIdentity.arn` of an assumed role is the *session*,
/// `arn:aws:sts::123456789012:assumed-role/ROLE/SESSION`, whose session
/// name often changes from one use to the next (`aws-go-sdk-1722587398902687000`,
/// an instance id, a person's e-mail): counting per session would split
/// one automated role into many short series. [`PrincipalKey::Role`] (the
/// default) therefore keys `AssumedRole` records by the role that issued
/// the session, `userIdentity.sessionContext.sessionIssuer.arn`
/// (`arn:aws:iam::123456789012:role/ROLE`, with the role's path); every
/// other identity type by its own `userIdentity.arn`. A `FederatedUser`
/// keeps its `federated-user/NAME` ARN (the federated user acts; the IAM
/// user that called `GetFederationToken` is only its issuer), and an
/// `AWSService` identity, which has no ARN, is keyed by
/// `userIdentity.invokedBy` (e.g. `lambda.amazonaws.com`). An
/// `AssumedRole` record without a session issuer (rare: some cross-account
/// calls) falls back to its own ARN.
///
/// [`PrincipalKey::Arn`] keys every record by the raw `userIdentity.arn`,
/// as the workshop notebook's CSV (`arn` column) does; the raw ARN is
/// also always available as [`Event::arn`].
///
/// ```
/// use threatstat_datasets::cloudtrail::PrincipalKey;
/// assert_eq!(PrincipalKey::default(), PrincipalKey::Role);
/// assert_eq!("arn".parse::<PrincipalKey>().unwrap(), PrincipalKey::Arn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKey {
    /// The issuing role for `AssumedRole` records, `userIdentity.arn` otherwise.
    #[default]
    Role,
    /// Always `userIdentity.arn` (`invokedBy` for `AWSService`).
    Arn,
}

impl FromStr for PrincipalKey {
    type Err = DatasetError;
    /// `role` or `arn`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "role" => Ok(PrincipalKey::Role),
            "arn" => Ok(PrincipalKey::Arn),
            _ => Err(Error::param("principal_key", format!("`{s}`"), "`role` or `arn`").into()),
        }
    }
}

impl fmt::Display for PrincipalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrincipalKey::Role => "role",
            PrincipalKey::Arn => "arn",
        })
    }
}

/// What names the API of a record.
///
/// ```
/// use threatstat_datasets::cloudtrail::ApiKey;
/// assert_eq!(ApiKey::default(), ApiKey::EventName);
/// assert_eq!("source:name".parse::<ApiKey>().unwrap(), ApiKey::SourceAndName);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKey {
    /// `eventName`, e.g. `DescribeInstances` (as the notebook does).
    #[default]
    EventName,
    /// `eventSource:eventName`, e.g. `ec2.amazonaws.com:DescribeInstances`
    /// (tells apart the few names several services share, such as
    /// `ListTags`). A CSV input then needs an `eventsource` column.
    SourceAndName,
}

impl FromStr for ApiKey {
    type Err = DatasetError;
    /// `name` (or `event-name`) or `source:name` (or `source-and-name`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "name" | "event-name" | "eventName" => Ok(ApiKey::EventName),
            "source:name" | "source-and-name" | "eventSource:eventName" => {
                Ok(ApiKey::SourceAndName)
            }
            _ => Err(Error::param("api_key", format!("`{s}`"), "`name` or `source:name`").into()),
        }
    }
}

/// What to do with event times that are not written in UTC (`...Z`).
///
/// CloudTrail writes every `eventTime` in UTC with a `Z`. A time with an
/// offset (`2024-01-02T10:00:00+02:00`) or without a zone
/// (`2024-01-02 10:00:00`, e.g. from a spreadsheet or an Athena export)
/// means the file was rewritten by some other tool.
///
/// * [`TimeZones::Convert`] (the default): an offset is converted to UTC
///   (the instant is unambiguous, so `10:00+02:00` counts on the day and
///   hour of `08:00Z`), a time without a zone is taken as UTC; both are
///   counted in the summary (`offset_times`, `naive_times`) so that a
///   mixed file does not pass unnoticed.
/// * [`TimeZones::RequireUtc`]: anything but `Z` (or a zero offset such
///   as `+00:00`) is a bad record, an error naming the file, record and
///   field (or a counted skip).
///
/// ```
/// use threatstat_datasets::cloudtrail::TimeZones;
/// assert_eq!(TimeZones::default(), TimeZones::Convert);
/// assert_eq!("require-utc".parse::<TimeZones>().unwrap(), TimeZones::RequireUtc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeZones {
    /// Convert offsets to UTC, take zone-less times as UTC; count both.
    #[default]
    Convert,
    /// Reject every time that is not UTC.
    RequireUtc,
}

impl FromStr for TimeZones {
    type Err = DatasetError;
    /// `convert` or `require-utc`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "convert" => Ok(TimeZones::Convert),
            "require-utc" | "utc" | "strict" => Ok(TimeZones::RequireUtc),
            _ => Err(
                Error::param("time_zones", format!("`{s}`"), "`convert` or `require-utc`").into(),
            ),
        }
    }
}

/// How an event time was written.
///
/// ```
/// use threatstat_datasets::cloudtrail::Zone;
/// assert_eq!(Zone::of("2024-01-02T10:00:00Z"), Zone::Utc);
/// assert_eq!(Zone::of("2024-01-02T10:00:00+00:00"), Zone::Utc);
/// assert_eq!(Zone::of("2024-01-02T10:00:00-05:00"), Zone::Offset);
/// assert_eq!(Zone::of("2024-01-02 10:00:00"), Zone::Naive);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// `Z` or a zero offset.
    Utc,
    /// A non-zero offset such as `+02:00` (converted to UTC).
    Offset,
    /// No zone (taken as UTC).
    Naive,
}

impl Zone {
    /// The zone of an ISO-8601 date-time text (not validated here).
    pub fn of(s: &str) -> Zone {
        let t = s.trim();
        if t.ends_with(['Z', 'z']) {
            return Zone::Utc;
        }
        // The date part `YYYY-MM-DD` has dashes; an offset sign comes after it.
        match t
            .get(10..)
            .and_then(|time| time.rfind(['+', '-']).map(|i| &time[i + 1..]))
        {
            Some(off) if off.bytes().all(|c| c == b'0' || c == b':') => Zone::Utc,
            Some(_) => Zone::Offset,
            None => Zone::Naive,
        }
    }
}

/// One event as the loader hands it over: when, who, which API.
///
/// The strings borrow from the record being read; copy what you keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// `eventTime` as nanoseconds since the Unix epoch, UTC.
    pub time_ns: i64,
    /// How `eventTime` was written.
    pub zone: Zone,
    /// The principal under the loader's [`PrincipalKey`].
    pub principal: &'a str,
    /// The raw `userIdentity.arn` (`invokedBy` for `AWSService`; the `arn`
    /// column of a CSV).
    pub arn: &'a str,
    /// `userIdentity.type` (`IAMUser`, `AssumedRole`, ...), if present
    /// (CSV: never).
    pub identity_type: Option<&'a str>,
    /// `eventSource` (`ec2.amazonaws.com`), if present.
    pub event_source: Option<&'a str>,
    /// `eventName` (`DescribeInstances`).
    pub event_name: &'a str,
    /// The API under the loader's [`ApiKey`].
    pub api: Cow<'a, str>,
}

/// The fields of a JSON record that are read; everything else is skipped
/// without being built.
#[derive(Deserialize)]
pub(crate) struct Fields {
    #[serde(rename = "eventTime")]
    event_time: Option<Value>,
    #[serde(rename = "eventName")]
    event_name: Option<Value>,
    #[serde(rename = "eventSource")]
    event_source: Option<Value>,
    #[serde(rename = "userIdentity")]
    user_identity: Option<Value>,
}

/// How the fields of records are read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordOptions {
    pub principal: PrincipalKey,
    pub api: ApiKey,
    pub zones: TimeZones,
}

/// Where a record is, for messages: file, start line and jq path.
pub(crate) struct At<'a> {
    pub file: &'a Path,
    pub line: u64,
    /// `Records[3]`, `[3]` or empty.
    pub path: &'a str,
}

impl At<'_> {
    pub fn field(&self, name: &str) -> Location {
        let f = if self.path.is_empty() {
            name.to_string()
        } else if name.is_empty() {
            self.path.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Location::file(self.file).at_line(self.line).in_field(f)
    }

    pub fn err(&self, name: &str, message: impl Into<String>) -> Error {
        Error::parse(self.field(name), message)
    }
}

/// A short description of a JSON value's type and (for scalars) value.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string `{s}`"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `v` as a non-empty string, or an error at field `name`.
fn string<'v>(v: Option<&'v Value>, at: &At, name: &str, what: &str) -> Result<&'v str, Error> {
    match v {
        None | Some(Value::Null) => Err(at.err(name, format!("missing ({what})"))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(at.err(name, format!("expected {what}, found an empty string")))
        }
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(at.err(
            name,
            format!("expected {what} (a string), found {}", describe(other)),
        )),
    }
}

/// Parses an event time under `zones`; `loc` names the field for errors.
pub(crate) fn parse_time(
    s: &str,
    zones: TimeZones,
    loc: impl Fn() -> Location,
) -> Result<(i64, Zone), Error> {
    let t = s.trim();
    // parse_timestamp accepts a date alone; an event time has a time.
    let ns = if t.len() <= 10 {
        Err(format!(
            "expected an ISO-8601 date and time such as 2024-01-02T10:00:00Z, found `{s}`"
        ))
    } else {
        parse_timestamp(t)
    };
    let ns = ns.map_err(|m| Error::parse(loc(), m))?;
    let zone = Zone::of(t);
    if zones == TimeZones::RequireUtc && zone != Zone::Utc {
        let how = match zone {
            Zone::Offset => "has a UTC offset",
            _ => "has no zone",
        };
        return Err(Error::parse(
            loc(),
            format!(
                "expected a UTC time ending in `Z` (CloudTrail writes UTC), found `{s}`, which {how} \
                 (times are required to be UTC; convert them to UTC to accept them)"
            ),
        ));
    }
    Ok((ns, zone))
}

/// Parses one JSON record (its raw bytes) into an [`Event`] borrowing from
/// `fields`, which is filled here.
pub(crate) fn parse_json<'v>(
    bytes: &[u8],
    at: &At,
    opts: RecordOptions,
    fields: &'v mut Option<Fields>,
) -> Result<Event<'v>, Error> {
    let first = bytes.first().copied().unwrap_or(b' ');
    if first != b'{' {
        let found = match first {
            b'[' => "an array".to_string(),
            b'"' => "a string".to_string(),
            _ => format!(
                "`{}`",
                String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
            ),
        };
        return Err(at.err(
            "",
            format!("expected a CloudTrail record (a JSON object), found {found}"),
        ));
    }
    let f = serde_json::from_slice::<Fields>(bytes).map_err(|e| {
        // serde_json counts lines and columns within the record.
        let line = at.line + e.line().saturating_sub(1) as u64;
        let mut message = e.to_string();
        if let Some(i) = message.rfind(" at line ") {
            message.truncate(i);
        }
        let mut loc = at.field("");
        loc.line = Some(line);
        Error::parse(
            loc,
            format!("invalid JSON at column {}: {message}", e.column()),
        )
    })?;
    let f: &'v Fields = fields.insert(f);

    let time_text = string(f.event_time.as_ref(), at, "eventTime", "an ISO-8601 time")?;
    let (time_ns, zone) = parse_time(time_text, opts.zones, || at.field("eventTime"))?;
    let event_name = string(f.event_name.as_ref(), at, "eventName", "an API name")?;
    let event_source = match (&f.event_source, opts.api) {
        (None | Some(Value::Null), ApiKey::EventName) => None,
        (v, _) => Some(string(
            v.as_ref(),
            at,
            "eventSource",
            "a service such as ec2.amazonaws.com",
        )?),
    };

    let ui = match &f.user_identity {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => {
            return Err(at.err("userIdentity", "missing (who made the call)"));
        }
        Some(other) => {
            return Err(at.err(
                "userIdentity",
                format!("expected an object, found {}", describe(other)),
            ));
        }
    };
    let identity_type = match ui.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(other) => {
            return Err(at.err(
                "userIdentity.type",
                format!("expected a string, found {}", describe(other)),
            ));
        }
    };
    let arn = match (ui.get("arn"), identity_type) {
        (None | Some(Value::Null), Some("AWSService")) => string(
            ui.get("invokedBy"),
            at,
            "userIdentity.invokedBy",
            "the calling service of an AWSService identity",
        )?,
        (v, t) => string(
            v,
            at,
            "userIdentity.arn",
            &format!(
                "the caller's ARN; userIdentity type is {}",
                t.map_or("not given".to_string(), |t| format!("`{t}`"))
            ),
        )?,
    };
    let principal = match (opts.principal, identity_type) {
        (PrincipalKey::Role, Some("AssumedRole")) => {
            let issuer = ui
                .get("sessionContext")
                .and_then(|c| c.get("sessionIssuer"))
                .and_then(|i| i.get("arn"));
            match issuer {
                None | Some(Value::Null) => arn,
                Some(Value::String(s)) if s.trim().is_empty() => arn,
                v => string(
                    v,
                    at,
                    "userIdentity.sessionContext.sessionIssuer.arn",
                    "the issuing role's ARN",
                )?,
            }
        }
        _ => arn,
    };
    let api = match opts.api {
        ApiKey::EventName => Cow::Borrowed(event_name),
        ApiKey::SourceAndName => {
            Cow::Owned(format!("{}:{event_name}", event_source.unwrap_or_default()))
        }
    };
    Ok(Event {
        time_ns,
        zone,
        principal,
        arn,
        identity_type,
        event_source,
        event_name,
        api,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> RecordOptions {
        RecordOptions {
            principal: PrincipalKey::Role,
            api: ApiKey::EventName,
            zones: TimeZones::Convert,
        }
    }

    fn parse(json: &str, opts: RecordOptions) -> Result<(String, String, String, i64), String> {
        let at = At {
            file: Path::new("f.json"),
            line: 7,
            path: "Records[2]",
        };
        let mut f = None;
        parse_json(json.as_bytes(), &at, opts, &mut f)
            .map(|e| {
                (
                    e.principal.to_string(),
                    e.arn.to_string(),
                    e.api.into_owned(),
                    e.time_ns,
                )
            })
            .map_err(|e| e.to_string())
    }

    const ROLE: &str = r#"{"eventTime": "2024-01-02T03:04:05Z", "eventName": "GetObject",
        "eventSource": "s3.amazonaws.com",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::1:role/r"}}}}"#;

    #[test]
    fn a_sentinel_date_is_an_error_not_1816() {
        let e = parse_time("9999-12-31T00:00:00Z", TimeZones::Convert, || {
            Location::file("ct.json").at_line(7)
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("ct.json:7:") && e.contains("outside the supported range"),
            "{e}"
        );
    }

    #[test]
    fn principal_keys() {
        let (p, a, api, t) = parse(ROLE, opts()).unwrap();
        assert_eq!(
            (p.as_str(), a.as_str()),
            ("arn:aws:iam::1:role/r", "arn:aws:sts::1:assumed-role/r/s")
        );
        assert_eq!(api, "GetObject");
        assert_eq!(t, parse_timestamp("2024-01-02T03:04:05Z").unwrap());
        let o = RecordOptions {
            principal: PrincipalKey::Arn,
            api: ApiKey::SourceAndName,
            ..opts()
        };
        let (p, _, api, _) = parse(ROLE, o).unwrap();
        assert_eq!(p, "arn:aws:sts::1:assumed-role/r/s");
        assert_eq!(api, "s3.amazonaws.com:GetObject");
        let svc = r#"{"eventTime": "2024-01-02T03:04:05Z", "eventName": "AssumeRole",
            "userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}}"#;
        assert_eq!(parse(svc, opts()).unwrap().0, "lambda.amazonaws.com");
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse(&ROLE.replace("\"eventName\": \"GetObject\",", ""), opts()).unwrap_err();
        assert_eq!(
            e,
            "f.json:7: field `Records[2].eventName`: missing (an API name)"
        );
        let e = parse(
            &ROLE.replace("\"arn\": \"arn:aws:iam::1:role/r\"", "\"arn\": 5"),
            opts(),
        )
        .unwrap_err();
        assert!(e.contains("`Records[2].userIdentity.sessionContext.sessionIssuer.arn`: expected the issuing role's ARN (a string), found the number 5"), "{e}");
        let e = parse("[1]", opts()).unwrap_err();
        assert!(
            e.contains(
                "field `Records[2]`: expected a CloudTrail record (a JSON object), found an array"
            ),
            "{e}"
        );
        let e = parse(
            "{\"eventTime\": \"2024-01-02T03:04:05Z\",\n \"eventName\" 1}",
            opts(),
        )
        .unwrap_err();
        assert!(
            e.starts_with("f.json:8: field `Records[2]`: invalid JSON at column 14: expected `:`"),
            "{e}"
        );
        let e = parse(
            &ROLE.replace("\"2024-01-02T03:04:05Z\"", "\"2024-01-02\""),
            opts(),
        )
        .unwrap_err();
        assert!(
            e.contains("eventTime`: expected an ISO-8601 date and time"),
            "{e}"
        );
        let strict = RecordOptions {
            zones: TimeZones::RequireUtc,
            ..opts()
        };
        let off = ROLE.replace("03:04:05Z", "05:04:05+02:00");
        assert_eq!(
            parse(&off, opts()).unwrap().3,
            parse(ROLE, opts()).unwrap().3
        );
        let e = parse(&off, strict).unwrap_err();
        assert!(e.contains("has a UTC offset"), "{e}");
    }

    #[test]
    fn zones() {
        for (s, z) in [
            ("2024-01-02T03:04:05Z", Zone::Utc),
            ("2024-01-02T03:04:05.123z", Zone::Utc),
            ("2024-01-02T03:04:05-0000", Zone::Utc),
            ("2024-01-02T03:04:05+0530", Zone::Offset),
            ("2024-01-02T03:04:05-07", Zone::Offset),
            ("2024-01-02T03:04:05", Zone::Naive),
            ("2024-01-02", Zone::Naive),
        ] {
            assert_eq!(Zone::of(s), z, "{s}");
        }
    }
}
