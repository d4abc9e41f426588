//! The CloudTrail loader: the bundled Stratus Red Team files, every JSON
//! shape, the notebook CSV, gzip, principals, windows, and bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use threatstat_core::BadRowPolicy;
use threatstat_datasets::cert::parse_day;
use threatstat_datasets::cloudtrail::{
    ApiKey, Bucket, CloudTrailLoader, InputFormat, PairCounts, PairTable, PrincipalKey, TimeZones,
    Window,
};

/// The bundled Stratus Red Team detonation logs (JSON arrays).
fn stratus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/cloudtrail/stratus-red-team/detonation-logs")
}

fn stratus_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(stratus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn stratus(name: &str) -> PathBuf {
    stratus_dir().join(name)
}

const ORG_LEAVE: &str = "aws.defense-evasion.organizations-leave.json";
const SERIAL: &str = "aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json";
const ADMIN: &str = "aws.persistence.iam-create-admin-user.json";

/// Writes `bytes` to a fresh file named `name` and returns its path.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("threatstat-cloudtrail-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn day(s: &str) -> i64 {
    parse_day(s).unwrap()
}

/// The series of `(principal, api)`.
fn pair<'a>(s: &'a [PairCounts], principal: &str, api: &str) -> &'a PairCounts {
    s.iter()
        .find(|p| p.principal == principal && p.api == api)
        .unwrap_or_else(|| panic!("no pair ({principal}, {api})"))
}

/// The count of a daily series on `date`.
fn on(p: &PairCounts, date: &str) -> u32 {
    p.counts[(day(date) - p.first_bucket) as usize]
}

fn load(paths: &[PathBuf]) -> PairTable {
    CloudTrailLoader::new().load(paths).unwrap()
}

fn load_err(loader: CloudTrailLoader, name: &str, text: &str) -> String {
    loader
        .load([file(name, text.as_bytes())])
        .unwrap_err()
        .to_string()
}

// The expected numbers below were computed with Python's json module from
// the same files (see data/cloudtrail/README.md).

#[test]
fn stratus_files_counts() {
    let files = stratus_files();
    assert_eq!(files.len(), 4);
    let t = load(&files);
    let s = t.summary();
    assert_eq!(
        (
            s.files,
            s.json_files,
            s.csv_files,
            s.records,
            s.counted,
            s.skipped
        ),
        (4, 4, 0, 12, 12, 0)
    );
    assert_eq!((s.principals, s.arns, s.apis, s.pairs), (6, 6, 9, 9));
    assert_eq!((s.offset_times, s.naive_times), (0, 0));
    let w = s.window.unwrap();
    assert_eq!(w, "2024-08-01..2024-11-30".parse::<Window>().unwrap());
    assert_eq!(w.days(), 122);

    let series = t.series();
    assert_eq!(series.len(), 9);
    assert!(
        series
            .iter()
            .all(|p| p.counts.len() == 122 && p.first_bucket == w.first_day)
    );
    assert_eq!(series.iter().map(PairCounts::total).sum::<u64>(), 12);
    // Sorted by principal, then API.
    let keys: Vec<(&str, &str)> = series
        .iter()
        .map(|p| (p.principal.as_str(), p.api.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // AssumedRole: keyed by the issuing role (an SSO role with a path).
    let sso = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_account-admin_599c9e90e350d2ff";
    let p = pair(&series, sso, "SendSerialConsoleSSHPublicKey");
    assert_eq!((on(p, "2024-11-26"), p.total()), (3, 3));
    assert_eq!(pair(&series, sso, "EnableSerialConsoleAccess").total(), 1);
    assert_eq!(
        t.arns_of(sso),
        ["arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com"]
    );
    let leave = "arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role";
    assert_eq!(
        on(pair(&series, leave, "LeaveOrganization"), "2024-08-02"),
        1
    );
    // IAMUser: its own ARN; the same name in another (anonymised) account
    // is another principal.
    let p = pair(
        &series,
        "arn:aws:iam::307578594326:user/christophe",
        "AssumeRole",
    );
    assert_eq!((on(p, "2024-08-02"), p.total()), (2, 2));
    for api in ["AttachUserPolicy", "CreateAccessKey", "CreateUser"] {
        let p = pair(&series, "arn:aws:iam::229654561268:user/christophe", api);
        assert_eq!(on(p, "2024-08-01"), 1);
    }
    // FederatedUser: its own federated-user ARN, not the issuing IAM user.
    let fed = "arn:aws:sts::742491224508:federated-user/stratus_red_team";
    assert_eq!(on(pair(&series, fed, "GetCallerIdentity"), "2024-11-30"), 1);
    let issuer = "arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user";
    assert_eq!(pair(&series, issuer, "GetFederationToken").total(), 1);
    // Days without records in between are zeros.
    let zero_days = series[0].counts.iter().filter(|&&c| c == 0).count();
    assert!(zero_days >= 121);
}

#[test]
fn stratus_identity_types_and_raw_arns() {
    let loader = CloudTrailLoader::new();
    let mut types = std::collections::BTreeMap::<String, u32>::new();
    let mut arns = std::collections::BTreeSet::new();
    for f in stratus_files() {
        let r = loader
            .for_each_event(&f, |e| {
                *types
                    .entry(e.identity_type.unwrap().to_string())
                    .or_default() += 1;
                arns.insert(e.arn.to_string());
                if e.identity_type == Some("AssumedRole") {
                    assert!(e.principal.starts_with("arn:aws:iam::"), "{}", e.principal);
                    assert!(e.arn.starts_with("arn:aws:sts::"), "{}", e.arn);
                } else {
                    assert_eq!(e.principal, e.arn);
                }
                assert!(e.event_source.unwrap().ends_with(".amazonaws.com"));
            })
            .unwrap();
        assert_eq!(r.format, InputFormat::Json);
        assert_eq!(r.records, r.events);
    }
    let types: Vec<(&str, u32)> = types.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        types,
        [("AssumedRole", 5), ("FederatedUser", 1), ("IAMUser", 6)]
    );
    assert_eq!(arns.len(), 6);

    // Keyed by the raw ARN: the SSO session instead of its role.
    let t = CloudTrailLoader::new()
        .principal(PrincipalKey::Arn)
        .load(stratus_files())
        .unwrap();
    let s = t.series();
    let session =
        "arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com";
    assert_eq!(
        pair(&s, session, "SendSerialConsoleSSHPublicKey").total(),
        3
    );
    assert_eq!(t.summary().pairs, 9);

    // eventSource:eventName.
    let t = CloudTrailLoader::new()
        .api(ApiKey::SourceAndName)
        .load([stratus(SERIAL)])
        .unwrap();
    let apis: Vec<String> = t.series().into_iter().map(|p| p.api).collect();
    assert_eq!(
        apis,
        [
            "ec2-instance-connect.amazonaws.com:SendSerialConsoleSSHPublicKey",
            "ec2.amazonaws.com:EnableSerialConsoleAccess"
        ]
    );
}

#[test]
fn hourly_buckets_and_explicit_window() {
    let t = CloudTrailLoader::new()
        .bucket(Bucket::Hour)
        .load([stratus(ORG_LEAVE), stratus(ADMIN)])
        .unwrap();
    let s = t.series();
    // 2024-08-01 and 2024-08-02: 48 hours.
    assert!(s.iter().all(|p| p.counts.len() == 48));
    let p = pair(
        &s,
        "arn:aws:iam::307578594326:user/christophe",
        "AssumeRole",
    );
    // 08:29:59 and 08:30:00 on the second day.
    assert_eq!(p.counts[24 + 8], 2);
    assert_eq!(p.labels()[24 + 8], "2024-08-02T08:00Z");
    let p = pair(
        &s,
        "arn:aws:iam::229654561268:user/christophe",
        "CreateUser",
    );
    assert_eq!(p.counts[13], 1); // 13:33:28

    // An explicit window: records outside are counted apart.
    let w: Window = "2024-08-01..2024-08-07".parse().unwrap();
    let t = CloudTrailLoader::new()
        .window(w)
        .load(stratus_files())
        .unwrap();
    let sum = t.summary();
    assert_eq!((sum.records, sum.counted, sum.outside_window), (12, 6, 6));
    assert_eq!(sum.window, Some(w));
    assert!(t.series().iter().all(|p| p.counts.len() == 7));
}

/// The Stratus records of all four files as one JSON array value.
fn all_records() -> Vec<serde_json::Value> {
    stratus_files()
        .iter()
        .flat_map(|f| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v.as_array().unwrap().clone()
        })
        .collect()
}

#[test]
fn every_json_shape_gives_the_same_series() {
    let expected = load(&stratus_files()).series();
    let recs = all_records();
    let delivery = serde_json::json!({ "Records": recs }).to_string();
    let pretty = serde_json::to_string_pretty(&serde_json::json!({ "Records": recs })).unwrap();
    let jsonl: String = recs.iter().map(|r| r.to_string() + "\n").collect();
    let halves = format!(
        "{}\n{}\n",
        serde_json::json!({ "Records": recs[..5] }),
        serde_json::json!({ "Records": recs[5..] })
    );
    let array = serde_json::to_string(&recs).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("delivery.json", delivery.clone().into_bytes()),
        ("delivery.json.gz", gzip(delivery.as_bytes())),
        ("pretty.json", pretty.into_bytes()),
        ("records.jsonl", jsonl.clone().into_bytes()),
        ("records.jsonl.gz", gzip(jsonl.as_bytes())),
        ("two-deliveries.json", halves.into_bytes()),
        ("array.json", array.into_bytes()),
        (
            "bom.json",
            [b"\xEF\xBB\xBF  \n".as_slice(), delivery.as_bytes()].concat(),
        ),
    ];
    for (name, bytes) in cases {
        let t = load(&[file(name, &bytes)]);
        assert_eq!(t.series(), expected, "{name}");
        assert_eq!(
            (t.summary().records, t.summary().json_files),
            (12, 1),
            "{name}"
        );
    }
    // From a reader (not decompressed), e.g. an S3 object stream.
    let loader = CloudTrailLoader::new();
    let mut t = loader.table();
    loader
        .load_reader_into(
            "s3://bucket/key.json",
            std::io::Cursor::new(delivery),
            &mut t,
        )
        .unwrap();
    assert_eq!(t.series(), expected);
    // Many files aggregate as they are read.
    let mut t = loader.table();
    for f in stratus_files() {
        loader.load_into(&f, &mut t).unwrap();
    }
    assert_eq!(t.series(), expected);
    assert_eq!(t.summary().files, 4);
}

/// The notebook CSV of the Stratus records: `eventtime,arn,eventname`
/// (`arn` = `userIdentity.arn`), columns in the given order.
fn notebook_csv(header: &[&str]) -> String {
    let mut s = header.join(",") + "\n";
    for r in all_records() {
        let row: Vec<String> = header
            .iter()
            .map(|h| {
                let v = match h.trim().to_ascii_lowercase().as_str() {
                    "eventtime" => r["eventTime"].as_str().unwrap().to_string(),
                    "arn" => r["userIdentity"]["arn"].as_str().unwrap().to_string(),
                    "eventname" => r["eventName"].as_str().unwrap().to_string(),
                    "eventsource" => r["eventSource"].as_str().unwrap().to_string(),
                    _ => "x, with a comma".to_string(),
                };
                format!("\"{v}\"")
            })
            .collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

#[test]
fn notebook_csv_in_any_column_order() {
    let json = CloudTrailLoader::new()
        .principal(PrincipalKey::Arn)
        .load(stratus_files())
        .unwrap()
        .series();
    for header in [
        &["eventtime", "arn", "eventname"][..],
        &["eventname", "eventtime", "arn"],
        &["ARN", "other", "EventName", "EventTime"],
        &[" eventName ", "useridentity", "eventTime", "arn"],
    ] {
        let csv = notebook_csv(header);
        for (name, bytes) in [
            ("nb.csv", csv.clone().into_bytes()),
            ("nb.csv.gz", gzip(csv.as_bytes())),
        ] {
            let t = CloudTrailLoader::new().load([file(name, &bytes)]).unwrap();
            assert_eq!(t.series(), json, "{header:?} {name}");
            let s = t.summary();
            assert_eq!((s.csv_files, s.records, s.counted), (1, 12, 12));
        }
    }
    // eventSource:eventName needs the eventsource column.
    let csv = notebook_csv(&["eventsource", "eventtime", "arn", "eventname"]);
    let t = CloudTrailLoader::new()
        .api(ApiKey::SourceAndName)
        .load([file("src.csv", csv.as_bytes())])
        .unwrap();
    assert!(
        t.series()
            .iter()
            .any(|p| p.api == "sts.amazonaws.com:GetFederationToken")
    );
    let csv = notebook_csv(&["eventtime", "arn", "eventname"]);
    let e = CloudTrailLoader::new()
        .api(ApiKey::SourceAndName)
        .load([file("nosrc.csv", csv.as_bytes())])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nosrc.csv:1: no column `eventsource`")
            && e.contains("columns are: eventtime, arn, eventname"),
        "{e}"
    );
    let e = load_err(
        CloudTrailLoader::new(),
        "noarn.csv",
        "eventtime,user,eventname\n",
    );
    assert!(e.contains("no column `arn`"), "{e}");
    // Forcing the format.
    let e = load_err(
        CloudTrailLoader::new().format(InputFormat::Csv),
        "forced.json",
        "{\"Records\": []}",
    );
    assert!(e.contains("no column `eventtime`"), "{e}");
}

const GOOD: &str = r#"{"eventTime": "2024-01-02T10:00:00Z", "eventName": "ListBuckets", "eventSource": "s3.amazonaws.com", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"}}"#;

/// A delivery of three records, one per line, the middle one `bad`.
fn delivery_with(bad: &str) -> String {
    format!("{{\"Records\": [\n{GOOD},\n{bad},\n{GOOD}\n]}}\n")
}

#[test]
fn bad_records_name_file_line_record_and_field() {
    let l = CloudTrailLoader::new;
    let cases = [
        (
            GOOD.replace("2024-01-02T10:00:00Z", "2024-13-02T10:00:00Z"),
            "bad-time.json:3: field `Records[1].eventTime`: expected an ISO-8601 timestamp",
        ),
        (
            GOOD.replace("\"eventName\": \"ListBuckets\", ", ""),
            "no-name.json:3: field `Records[1].eventName`: missing",
        ),
        (
            GOOD.replace(
                "\"arn\": \"arn:aws:iam::123456789012:user/alice\"",
                "\"userName\": \"alice\"",
            ),
            "no-arn.json:3: field `Records[1].userIdentity.arn`: missing (the caller's ARN; userIdentity type is `IAMUser`)",
        ),
        (
            "[\"not\", \"a record\"]".to_string(),
            "non-object.json:3: field `Records[1]`: expected a CloudTrail record (a JSON object), found an array",
        ),
        (
            "\"a string\"".to_string(),
            "string.json:3: field `Records[1]`: expected a CloudTrail record (a JSON object), found a string",
        ),
        (
            GOOD.replace("\"IAMUser\", ", "\"IAMUser\" "),
            "bad-json.json:3: field `Records[1]`: invalid JSON",
        ),
        (
            GOOD.replace(
                "{\"type\": \"IAMUser\", \"arn\": \"arn:aws:iam::123456789012:user/alice\"}",
                "\"alice\"",
            ),
            "ui.json:3: field `Records[1].userIdentity`: expected an object, found the string `alice`",
        ),
        (
            GOOD.replace("\"ListBuckets\"", "42"),
            "num.json:3: field `Records[1].eventName`: expected an API name (a string), found the number 42",
        ),
    ];
    for (bad, want) in &cases {
        let name = want.split(':').next().unwrap();
        let e = load_err(l(), name, &delivery_with(bad));
        assert!(
            e.ends_with(want) || e.contains(want),
            "got: {e}\nwant: {want}"
        );
        assert!(e.starts_with(std::env::temp_dir().to_str().unwrap()), "{e}");
        // Skipped and counted instead.
        let t = l()
            .bad_rows(BadRowPolicy::Skip)
            .load([file(name, delivery_with(bad).as_bytes())])
            .unwrap();
        let s = t.summary();
        assert_eq!((s.records, s.counted, s.skipped), (3, 2, 1), "{name}");
        assert_eq!(t.skip_report().skipped, 1);
        assert!(t.skip_report().examples[0].contains(want), "{name}");
        assert_eq!(t.series()[0].counts, [2]);
    }
    // In an array the path is `[i]`; in JSON Lines the line is the record's.
    let e = load_err(l(), "arr.json", &format!("[\n{GOOD},\n{GOOD},\n  5\n]"));
    assert!(
        e.contains(
            "arr.json:4: field `[2]`: expected a CloudTrail record (a JSON object), found `5`"
        ),
        "{e}"
    );
    let jsonl = format!("{GOOD}\n\n{}\n", GOOD.replace("10:00:00Z", "yesterday"));
    let e = load_err(l(), "lines.jsonl", &jsonl);
    assert!(
        e.contains("lines.jsonl:3: field `eventTime`: expected an ISO-8601"),
        "{e}"
    );
    // A Records value that is not an array.
    let e = load_err(l(), "rec.json", "{\"Records\": {\"a\": 1}}");
    assert!(
        e.contains("rec.json:1: field `Records`: expected an array"),
        "{e}"
    );
}

#[test]
fn mixed_time_zones_convert_or_error() {
    // A file of `Z` times with one record at +02:00 and one without a zone.
    let offset = GOOD.replace("2024-01-02T10:00:00Z", "2024-01-03T01:30:00+02:00");
    let naive = GOOD.replace("2024-01-02T10:00:00Z", "2024-01-02 23:59:59");
    let text = format!("[{GOOD},\n{offset},\n{naive}]");
    let t = CloudTrailLoader::new()
        .load([file("zones.json", text.as_bytes())])
        .unwrap();
    let s = t.summary();
    assert_eq!((s.counted, s.offset_times, s.naive_times), (3, 1, 1));
    // 01:30+02:00 on the 3rd is 23:30Z on the 2nd: all three on the 2nd.
    assert_eq!(t.series()[0].counts, [3]);
    assert_eq!(s.window.unwrap().first_day, day("2024-01-02"));
    assert!(
        s.to_string()
            .contains("1 times with an offset converted to UTC"),
        "{s}"
    );

    let strict = CloudTrailLoader::new().time_zones(TimeZones::RequireUtc);
    let e = load_err(strict, "zones.json", &text);
    assert!(
        e.contains("zones.json:2: field `[1].eventTime`: expected a UTC time ending in `Z`")
            && e.contains("2024-01-03T01:30:00+02:00")
            && e.contains("has a UTC offset"),
        "{e}"
    );
    let t = strict
        .bad_rows(BadRowPolicy::Skip)
        .load([file("zones.json", text.as_bytes())])
        .unwrap();
    assert_eq!((t.summary().counted, t.summary().skipped), (1, 2));
    assert!(t.skip_report().examples[1].contains("has no zone"));
    // A zero offset is UTC.
    let zero = GOOD.replace("10:00:00Z", "10:00:00+00:00");
    let t = strict.load([file("zero.json", zero.as_bytes())]).unwrap();
    assert_eq!(t.summary().offset_times, 0);
}

#[test]
fn structural_errors_stop_even_when_skipping() {
    let skip = CloudTrailLoader::new().bad_rows(BadRowPolicy::Skip);
    let truncated = format!("{{\"Records\": [\n{GOOD},\n{}", &GOOD[..40]);
    let e = load_err(skip, "truncated.json", &truncated);
    assert!(
        e.contains("truncated.json:1:") && e.contains("ends inside"),
        "{e}"
    );
    let e = load_err(skip, "garbage.json", &format!("[{GOOD}] ]"));
    assert!(
        e.contains("garbage.json:1:") && e.contains("found `]`"),
        "{e}"
    );
    // A truncated gzip is an I/O error.
    let gz = gzip(delivery_with(GOOD).as_bytes());
    let p = file("cut.json.gz", &gz[..gz.len() / 2]);
    assert!(skip.load([p]).is_err());
    // An empty file has no records.
    let t = CloudTrailLoader::new()
        .load([file("empty.json", b"")])
        .unwrap();
    assert_eq!((t.summary().records, t.summary().window), (0, None));
    assert!(t.series().is_empty());
}

#[test]
fn csv_bad_rows_name_line_and_column() {
    let csv = "eventtime,arn,eventname\n\
               2024-01-02T10:00:00Z,arn:aws:iam::1:user/a,ListBuckets\n\
               not a time,arn:aws:iam::1:user/a,ListBuckets\n\
               2024-01-02T11:00:00Z,,ListBuckets\n\
               2024-01-02T12:00:00Z,arn:aws:iam::1:user/a\n\
               2024-01-03T12:00:00Z,arn:aws:iam::1:user/a,\n\
               2024-01-03T12:00:00Z,arn:aws:iam::1:user/a,ListBuckets\n";
    let e = load_err(CloudTrailLoader::new(), "bad.csv", csv);
    assert!(
        e.contains("bad.csv:3: field `eventtime`: expected an ISO-8601 date and time"),
        "{e}"
    );
    let t = CloudTrailLoader::new()
        .bad_rows(BadRowPolicy::Skip)
        .load([file("bad.csv", csv.as_bytes())])
        .unwrap();
    let s = t.summary();
    assert_eq!((s.records, s.counted, s.skipped), (6, 2, 4));
    let ex = &t.skip_report().examples;
    assert!(
        ex[1].contains("bad.csv:4: field `arn`: expected the caller's ARN, found an empty field"),
        "{ex:?}"
    );
    assert!(
        ex[2].contains("bad.csv:5") && ex[2].contains("expected 3 fields"),
        "{ex:?}"
    );
    assert!(ex[3].contains("bad.csv:6: field `eventname`"), "{ex:?}");
    assert_eq!(t.series()[0].counts, [1, 1]);
}

#[test]
fn aws_service_identities_use_invoked_by() {
    let rec = r#"{"eventTime": "2024-01-02T10:00:00Z", "eventName": "AssumeRole",
        "userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}}"#;
    let t = load(&[file("svc.json", rec.as_bytes())]);
    assert_eq!(t.series()[0].principal, "lambda.amazonaws.com");
    let no = r#"{"eventTime": "2024-01-02T10:00:00Z", "eventName": "AssumeRole",
        "userIdentity": {"type": "AWSService"}}"#;
    let e = load_err(CloudTrailLoader::new(), "svc2.json", no);
    assert!(e.contains("field `userIdentity.invokedBy`: missing"), "{e}");
}

/// `load_parallel` equals `load`: the same series, summary and skip
/// messages on many files with bad records (skipped), and the same error
/// (the first bad file's, in path order) when stopping.
#[test]
fn parallel_load_equals_sequential() {
    use threatstat_datasets::cloudtrail::CloudTrailGenerator;
    let dir = std::env::temp_dir().join(format!("threatstat-ct-parallel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut files = CloudTrailGenerator::new()
        .days(12)
        .seed(9)
        .generate()
        .unwrap()
        .write_json_dir(&dir)
        .unwrap();
    // Bad deliveries among the good ones (the later two with a different
    // bad field, so the messages tell them apart).
    for (at, bad) in [
        (
            3,
            GOOD.replace("2024-01-02T10:00:00Z", "2024-13-02T10:00:00Z"),
        ),
        (7, GOOD.replace("\"ListBuckets\"", "42")),
        (10, GOOD.replace("\"eventName\": \"ListBuckets\", ", "")),
    ] {
        let p = dir.join(format!("bad-{at}.json"));
        // The first bad file is long, so that threads finish the later
        // ones first: their messages must still come after its message.
        let text = if at == 3 {
            let good = vec![GOOD; 5_000].join(",\n");
            format!("{{\"Records\": [\n{good},\n{bad}\n]}}\n")
        } else {
            delivery_with(&bad)
        };
        std::fs::write(&p, text).unwrap();
        files.insert(at, p);
    }
    for policy in [BadRowPolicy::Skip, BadRowPolicy::Error] {
        for bucket in [Bucket::Day, Bucket::Hour] {
            let l = CloudTrailLoader::new().bad_rows(policy).bucket(bucket);
            let seq = l.load(&files);
            for threads in [0, 1, 3] {
                let par = l.load_parallel(&files, threads);
                match (&seq, par) {
                    (Ok(a), Ok(b)) => {
                        assert!(a.summary().counted > 1_000);
                        assert_eq!(a.series(), b.series(), "{policy:?} {bucket:?} {threads}");
                        assert_eq!(a.summary(), b.summary());
                        assert_eq!(a.skip_report().examples, b.skip_report().examples);
                        assert_eq!(b.skip_report().skipped, 3);
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string());
                        assert!(b.to_string().contains("bad-3.json"), "{b}");
                    }
                    (a, b) => panic!("{policy:?}: load {a:?} but load_parallel {b:?}"),
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
