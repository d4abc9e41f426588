//! Writers of a [`GeneratedLog`]: CloudTrail JSON as delivered to S3 (one
//! `{"Records": [...]}` file per day, optionally gzip, named as CloudTrail
//! names its objects), the workshop notebook's CSV, and the directory with
//! both and `truth.json`.
//!
//! # Why a file of its own
//!
//! The record layout (`userIdentity`, `sessionContext`, field names and
//! order) is CloudTrail's, not the simulation's: it changes when the
//! loader's formats change, and every byte of it is checked by the
//! loaders' round-trip tests. Record ids hash the seed and the record's
//! index, so writing does not draw from the simulation's generator.

use super::DAY_S;
use super::catalogue::{CONSOLE_LOGIN, UA_BROWSER};
use super::ids::{mix, uuid};
use super::log::GeneratedLog;
use crate::DatasetError;
use crate::TruthFile;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use threatstat_core::time::{NS_PER_S, format_timestamp};

#[derive(Serialize)]
struct SessionIssuerOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "principalId")]
    principal_id: &'a str,
    arn: &'a str,
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "userName")]
    user_name: &'a str,
}

#[derive(Serialize)]
struct AttributesOut {
    #[serde(rename = "creationDate")]
    creation_date: String,
    #[serde(rename = "mfaAuthenticated")]
    mfa_authenticated: &'static str,
}

#[derive(Serialize)]
struct SessionContextOut<'a> {
    #[serde(rename = "sessionIssuer")]
    session_issuer: SessionIssuerOut<'a>,
    #[serde(rename = "webIdFederationData")]
    web_id_federation_data: serde_json::Map<String, serde_json::Value>,
    attributes: AttributesOut,
}

#[derive(Serialize)]
struct IdentityOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "principalId")]
    principal_id: &'a str,
    arn: &'a str,
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "accessKeyId", skip_serializing_if = "Option::is_none")]
    access_key_id: Option<&'a str>,
    #[serde(rename = "userName", skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(rename = "sessionContext", skip_serializing_if = "Option::is_none")]
    session_context: Option<SessionContextOut<'a>>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "eventVersion")]
    event_version: &'static str,
    #[serde(rename = "userIdentity")]
    user_identity: IdentityOut<'a>,
    #[serde(rename = "eventTime")]
    event_time: String,
    #[serde(rename = "eventSource")]
    event_source: &'a str,
    #[serde(rename = "eventName")]
    event_name: &'a str,
    #[serde(rename = "awsRegion")]
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    #[serde(rename = "userAgent")]
    user_agent: &'a str,
    #[serde(rename = "requestParameters")]
    request_parameters: Option<()>,
    #[serde(rename = "responseElements")]
    response_elements: Option<serde_json::Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(rename = "eventID")]
    event_id: String,
    #[serde(rename = "readOnly")]
    read_only: bool,
    #[serde(rename = "eventType")]
    event_type: &'static str,
    #[serde(rename = "managementEvent")]
    management_event: bool,
    #[serde(rename = "recipientAccountId")]
    recipient_account_id: &'a str,
    #[serde(rename = "eventCategory")]
    event_category: &'static str,
}

impl GeneratedLog {
    /// The calls of `day` (a range of `self.calls`).
    fn day_range(&self, day: i64) -> std::ops::Range<usize> {
        let a = self.calls.partition_point(|c| c.second < day * DAY_S);
        let b = self.calls.partition_point(|c| c.second < (day + 1) * DAY_S);
        a..b
    }

    fn record(&self, i: usize) -> RecordOut<'_> {
        let c = &self.calls[i];
        let a = &self.actors[c.actor as usize];
        let (source, name) = self.apis[c.api as usize];
        let p = &self.params;
        let id = mix(p.seed ^ 0x5EED) ^ (i as u64);
        let login = (source, name) == CONSOLE_LOGIN;
        let read_only = ["Describe", "List", "Get", "Filter"]
            .iter()
            .any(|v| name.starts_with(v));
        RecordOut {
            event_version: "1.09",
            user_identity: IdentityOut {
                kind: a.identity_type,
                principal_id: &a.principal_id,
                arn: &a.arn,
                account_id: &p.account_id,
                access_key_id: (!login).then_some(a.access_key.as_str()),
                user_name: a.user_name.as_deref(),
                session_context: a.issuer.as_ref().map(|(arn, pid, name)| SessionContextOut {
                    session_issuer: SessionIssuerOut {
                        kind: "Role",
                        principal_id: pid,
                        arn,
                        account_id: &p.account_id,
                        user_name: name,
                    },
                    web_id_federation_data: serde_json::Map::new(),
                    attributes: AttributesOut {
                        creation_date: format_timestamp(c.session * NS_PER_S),
                        mfa_authenticated: "false",
                    },
                }),
            },
            event_time: format_timestamp(c.second * NS_PER_S),
            event_source: source,
            event_name: name,
            aws_region: if source == "iam.amazonaws.com" || login {
                "us-east-1"
            } else {
                &p.region
            },
            source_ip_address: &a.ip,
            user_agent: if login { UA_BROWSER } else { a.user_agent },
            request_parameters: None,
            response_elements: login.then(|| serde_json::json!({"ConsoleLogin": "Success"})),
            request_id: (!login).then(|| uuid(id, 1)),
            event_id: uuid(id, 2),
            read_only: read_only || login,
            event_type: if login {
                "AwsConsoleSignIn"
            } else {
                "AwsApiCall"
            },
            management_event: true,
            recipient_account_id: &p.account_id,
            event_category: "Management",
        }
    }

    /// The records of `day` as one CloudTrail delivery,
    /// `{"Records":[...]}` on one line (as S3 delivers), ending with a newline.
    pub fn json_day(&self, day: i64) -> String {
        let mut s = String::from("{\"Records\":[");
        for (k, i) in self.day_range(day).enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push_str(&serde_json::to_string(&self.record(i)).expect("serializable"));
        }
        s.push_str("]}\n");
        s
    }

    /// The name of `day`'s file, as CloudTrail names S3 objects:
    /// `123456789012_CloudTrail_us-east-1_20240101T0000Z_<16 hex>.json`
    /// (`.json.gz` when gzip).
    pub fn file_name(&self, day: i64) -> String {
        let (y, m, d) = threatstat_core::time::civil_from_days(day);
        let p = &self.params;
        format!(
            "{}_CloudTrail_{}_{y:04}{m:02}{d:02}T0000Z_{:016x}.json{}",
            p.account_id,
            p.region,
            mix(p.seed ^ (day as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)),
            if p.gzip { ".gz" } else { "" }
        )
    }

    /// Writes one file per day (every day of the period, an empty delivery
    /// on a day without records) into `dir`, created if needed; gzip if the
    /// generator says so. Returns the paths in day order.
    pub fn write_json_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, DatasetError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| DatasetError::Write {
            target: dir.display().to_string(),
            source: e,
        })?;
        let mut paths = Vec::new();
        for day in self.first_day()..=self.last_day() {
            let p = dir.join(self.file_name(day));
            let werr = |e| DatasetError::Write {
                target: p.display().to_string(),
                source: e,
            };
            // Each file appears whole or not at all.
            let mut f = threatstat_core::atomic::AtomicFile::create(&p)?;
            let text = self.json_day(day);
            if self.params.gzip {
                let mut gz = flate2::write::GzEncoder::new(&mut f, flate2::Compression::default());
                gz.write_all(text.as_bytes()).map_err(werr)?;
                gz.finish().map_err(werr)?;
            } else {
                f.write_all(text.as_bytes()).map_err(werr)?;
            }
            f.commit()?;
            paths.push(p);
        }
        Ok(paths)
    }

    /// Writes the workshop notebook's CSV: `eventtime,arn,eventname`, one
    /// row per record in time order, `arn` being `userIdentity.arn` (the
    /// session ARN of an assumed role).
    pub fn write_csv(&self, out: impl Write) -> Result<(), DatasetError> {
        let werr = |e| DatasetError::Write {
            target: "the CSV output".into(),
            source: e,
        };
        let mut w = BufWriter::new(out);
        w.write_all(b"eventtime,arn,eventname\n").map_err(werr)?;
        for c in &self.calls {
            let a = &self.actors[c.actor as usize];
            let (_, name) = self.apis[c.api as usize];
            writeln!(
                w,
                "{},{},{}",
                format_timestamp(c.second * NS_PER_S),
                a.arn,
                name
            )
            .map_err(werr)?;
        }
        w.flush().map_err(werr)
    }

    /// Writes `dir/cloudtrail/` (one JSON file per day, see
    /// [`write_json_dir`](Self::write_json_dir)), `dir/cloudtrail.csv` and
    /// `dir/truth.json`. Returns the JSON paths.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, DatasetError> {
        let dir = dir.as_ref();
        let paths = self.write_json_dir(dir.join("cloudtrail"))?;
        let csv = dir.join("cloudtrail.csv");
        let mut out = threatstat_core::atomic::AtomicFile::create(&csv)?;
        self.write_csv(&mut out)?;
        out.commit()?;
        threatstat_core::atomic::write_atomically(dir.join("truth.json"), |w| {
            w.write_all(self.truth.to_json().as_bytes())
        })?;
        Ok(paths)
    }
}
