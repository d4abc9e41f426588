//! Fuzz targets (proptest) for the dataset parsers: CERT dates and logon
//! files, LANL auth/flows/red-team lines (sequential reader and parallel
//! scan), CloudTrail JSON and CSV. No input may panic; the parallel scan
//! must agree with the sequential reader.
//! `PROPTEST_CASES=100000 cargo test -p threatstat-datasets --test fuzz_parsers`
//! runs longer.

use proptest::prelude::*;
use std::io::Cursor;
use threatstat_core::BadRowPolicy;
use threatstat_core::fuzz::{config, token_lines};
use threatstat_datasets::cert::{LocalDateTime, LogonLoader, parse_cert_datetime, parse_day};
use threatstat_datasets::cloudtrail::{CloudTrailLoader, InputFormat};
use threatstat_datasets::lanl::{
    AuthEvent, FlowEvent, LanlReader, LanlRecord, ParallelScan, RedTeamEvent,
};

const LANL_TOKENS: &[&str] = &[
    "0",
    "1",
    "150885",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "1e3",
    "U620@DOM1",
    "C17693$@DOM1",
    "C1003",
    "C17693",
    "?",
    "Kerberos",
    "NTLM",
    "Network",
    "Interactive",
    "LogOn",
    "LogOff",
    "TGS",
    "Success",
    "Fail",
    "N41679",
    "80",
    "6",
    "123",
    "\u{feff}1",
    "\"",
    "ANONYMOUS LOGON@C586",
];

/// Reads every event of `text` as `T` sequentially (stopping at the first
/// error) and with the parallel scan; when both succeed they agree.
fn lanl<T: LanlRecord + Send + 'static>(name: &str, text: String) -> Result<(), TestCaseError> {
    let mut seq = LanlReader::<T>::from_reader(name, Cursor::new(text.clone().into_bytes()));
    let mut events = 0u64;
    let seq_ok = loop {
        match seq.next_event() {
            Ok(Some(_)) => events += 1,
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    for policy in [BadRowPolicy::Error, BadRowPolicy::Skip] {
        let par = ParallelScan::new()
            .threads(2)
            .block_bytes(16)
            .bad_rows(policy)
            .fold_reader::<T, u64>(name, text.as_bytes(), || 0, |n, _, _| *n += 1);
        if let (true, BadRowPolicy::Error, Ok(p)) = (seq_ok, policy, &par) {
            prop_assert_eq!(p.summary.events, events);
            prop_assert_eq!(p.parts.iter().map(|(_, n)| n).sum::<u64>(), events);
        }
        if policy == BadRowPolicy::Error {
            prop_assert_eq!(
                seq_ok,
                par.is_ok(),
                "sequential and parallel disagree on {:?}",
                text
            );
        }
    }
    let mut skipping = LanlReader::<T>::from_reader(name, Cursor::new(text.into_bytes()))
        .bad_rows(BadRowPolicy::Skip);
    while let Ok(Some(_)) = skipping.next_event() {}
    Ok(())
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn lanl_auth_lines_never_panic(text in token_lines(LANL_TOKENS, ",", 11)) {
        lanl::<AuthEvent>("auth.txt", text)?;
    }

    #[test]
    fn lanl_flow_lines_never_panic(text in token_lines(LANL_TOKENS, ",", 11)) {
        lanl::<FlowEvent>("flows.txt", text)?;
    }

    #[test]
    fn lanl_redteam_lines_never_panic(text in token_lines(LANL_TOKENS, ",", 6)) {
        lanl::<RedTeamEvent>("redteam.txt", text)?;
    }

    #[test]
    fn lanl_readers_never_panic_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&b).into_owned();
        lanl::<AuthEvent>("auth.txt", text.clone())?;
        lanl::<FlowEvent>("flows.txt", text.clone())?;
        lanl::<RedTeamEvent>("redteam.txt", text)?;
    }
}

/// CERT dates: `MM/DD/YYYY HH:MM:SS`. Years stay in 1678..=2261 until
/// issue 20 item 1 is fixed; then widen to 0..=9999.
fn cert_date_like() -> impl Strategy<Value = String> {
    (
        0..=13u32,
        0..=32u32,
        1678..=2261u32,
        0..=25u32,
        0..=61u32,
        0..=61u32,
        "[ -~]{0,2}",
    )
        .prop_map(|(m, d, y, h, mi, s, tail)| {
            format!("{m:02}/{d:02}/{y} {h:02}:{mi:02}:{s:02}{tail}")
        })
}

const CERT_TOKENS: &[&str] = &[
    "{X1-Y2}",
    "01/02/2010 06:49:00",
    "12/31/2010 23:59:59",
    "02/29/2012 00:00:00",
    "13/45/2010 06:49:00",
    "NGF0157",
    "PC-6056",
    "Logon",
    "Logoff",
    "id",
    "date",
    "user",
    "pc",
    "activity",
    "\u{feff}id",
    "\"",
];

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn cert_dates_never_panic(s in prop_oneof![cert_date_like(), "\\PC{0,25}"]) {
        let _ = LocalDateTime::parse(&s);
        let _ = parse_cert_datetime(s.as_bytes());
        let _ = parse_day(&s);
    }

    #[test]
    fn cert_dates_round_trip(m in 1..=12u32, d in 1..=28u32, y in 1678..=2261u32, h in 0..24u32, mi in 0..60u32, s in 0..60u32) {
        let text = format!("{m:02}/{d:02}/{y} {h:02}:{mi:02}:{s:02}");
        let a = LocalDateTime::parse(&text);
        prop_assert!(a.is_ok(), "{text}: {a:?}");
        prop_assert_eq!(parse_cert_datetime(text.as_bytes()), a.ok());
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn cert_logon_files_never_panic(head in proptest::sample::select(&["id,date,user,pc,activity", "date,user,pc,activity", "date,user", ""][..]), body in token_lines(CERT_TOKENS, ",", 7)) {
        let text = format!("{head}\n{body}");
        for skip in [false, true] {
            let mut l = LogonLoader::new();
            if skip {
                l = l.bad_rows(BadRowPolicy::Skip);
            }
            let _ = l.load_reader("logon.csv", Cursor::new(text.clone().into_bytes()));
        }
    }
}

const CT_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"eventTime\": \"2024-01-02T10:00:00Z\"",
    "\"eventTime\": 5",
    "\"eventTime\": \"2024-01-02T10:00:00+02:00\"",
    "\"eventTime\": \"2024-01-02 10:00:00\"",
    "\"eventName\": \"ListBuckets\"",
    "\"eventSource\": \"s3.amazonaws.com\"",
    "\"userIdentity\": {\"type\": \"IAMUser\"",
    "\"arn\": \"arn:aws:iam::1:user/a\"}",
    "\"Records\": [",
    "null",
    "1e400",
    "\"\\u0000\"",
    "eventtime",
    "arn",
    "eventname",
    "2024-01-02T10:00:00Z",
    "arn:aws:sts::1:assumed-role/r/s",
    "GetObject",
    "\u{feff}",
];

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn cloudtrail_inputs_never_panic(text in token_lines(CT_TOKENS, ",", 8)) {
        for format in [InputFormat::Auto, InputFormat::Json, InputFormat::Csv] {
            for skip in [false, true] {
                let mut loader = CloudTrailLoader::new().format(format);
                if skip {
                    loader = loader.bad_rows(BadRowPolicy::Skip);
                }
                let mut table = loader.table();
                if loader.load_reader_into("ct.json", Cursor::new(text.clone().into_bytes()), &mut table).is_ok() {
                    let _ = table.series();
                }
            }
        }
    }

    #[test]
    fn cloudtrail_never_panics_on_arbitrary_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        let loader = CloudTrailLoader::new();
        let mut table = loader.table();
        let _ = loader.load_reader_into("ct.json", Cursor::new(b), &mut table);
    }
}
