//! The LANL loaders on small hand-written files: fields, `?`, gzip, line
//! ends, bad lines (with file:line:field messages and counted skips), the
//! red-team file, the owner map and the upload table.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::lanl::{
    AuthEvent, AuthReader, FlowEvent, FlowReader, LanlFiles, LanlGenerator, LanlReader, LanlRecord,
    LogonType, Names, Orientation, Outcome, OwnerMap, OwnerRule, OwnerSide, ParallelScan, Port,
    RedTeam, RedTeamReader, UploadAggregator, for_each_auth, read_redteam,
    upload_bytes_per_interval, upload_bytes_per_interval_with,
};

/// Writes `bytes` to a fresh file named `name` and returns its path.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatstat-lanl-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const AUTH: &str = "\
1,C625$@DOM1,U147@DOM1,C625,C625,Negotiate,Batch,LogOn,Success
1,ANONYMOUS LOGON@C586,ANONYMOUS LOGON@C586,C1250,C586,NTLM,Network,LogOn,Success
2,U22@DOM1,U22@DOM1,C506,C586,?,?,TGS,Success
2,U22@DOM1,?,?,C586,MICROSOFT_AUTHENTICATION_PACKAGE_V1_0,Interactive,AuthMap,?
3,U8@DOM1,U8@DOM1,C8,C8,Kerberos,CachedInteractive,LogOn,Fail
3,U8@DOM1,U8@DOM1,C8,C8,Kerberos,Unlock,ScreenUnlock,Success
4,U8@DOM1,U8@DOM1,C8,C8,Kerberos,RemoteInteractive,LogOff,Success
5,U9@C3521,U9@C3521,C3521,C3521,Negotiate,NewCredentials,TGT,Success
";

fn read_all<T: LanlRecord>(mut r: LanlReader<T>) -> (Vec<T>, Names) {
    let mut out = Vec::new();
    while let Some(e) = r.next_event().unwrap() {
        out.push(e);
    }
    (out, r.into_names())
}

#[test]
fn auth_fields_and_missing_values() {
    let (ev, n) = read_all(AuthReader::open(file("auth.txt", AUTH.as_bytes())).unwrap());
    assert_eq!(ev.len(), 8);
    let e = &ev[0];
    assert_eq!(e.time, 1);
    assert_eq!(n.user(e.src_user.unwrap()), "C625$@DOM1");
    assert_eq!(n.user(e.dst_user.unwrap()), "U147@DOM1");
    assert_eq!(e.src_computer, e.dst_computer);
    assert_eq!(n.computer(e.src_computer.unwrap()), "C625");
    assert_eq!(n.label(e.auth_type.unwrap()), "Negotiate");
    assert_eq!(e.logon_type, Some(LogonType::Batch));
    assert_eq!(e.orientation, Some(Orientation::LogOn));
    assert_eq!(e.outcome, Some(Outcome::Success));

    assert_eq!(n.user(ev[1].src_user.unwrap()), "ANONYMOUS LOGON@C586");
    // `?` fields are None.
    assert_eq!((ev[2].auth_type, ev[2].logon_type), (None, None));
    assert_eq!(ev[2].orientation, Some(Orientation::Tgs));
    assert_eq!(
        (ev[3].dst_user, ev[3].src_computer, ev[3].outcome),
        (None, None, None)
    );
    assert_eq!(ev[3].orientation, Some(Orientation::AuthMap));
    assert_eq!(ev[4].outcome, Some(Outcome::Fail));
    // An orientation this crate does not know is kept, not an error.
    match ev[5].orientation {
        Some(o @ Orientation::Other(_)) => assert_eq!(o.name(&n), "ScreenUnlock"),
        other => panic!("{other:?}"),
    }
    assert_eq!(ev[6].orientation, Some(Orientation::LogOff));
    assert_eq!(ev[7].logon_type, Some(LogonType::NewCredentials));
    assert_eq!(ev[7].orientation, Some(Orientation::Tgt));
    // The same name is one id in every field it appears in.
    assert_eq!(ev[4].src_user, ev[5].dst_user);
    assert_eq!(n.n_users(), 6);
}

#[test]
fn gzip_and_crlf_read_the_same() {
    let plain = read_all(AuthReader::open(file("a.txt", AUTH.as_bytes())).unwrap()).0;
    let gz = read_all(AuthReader::open(file("a.txt.gz", &gzip(AUTH.as_bytes()))).unwrap()).0;
    let crlf = AUTH.replace('\n', "\r\n");
    let crlf = read_all(AuthReader::open(file("crlf.txt", crlf.as_bytes())).unwrap()).0;
    // The last line without its newline.
    let nonl = read_all(AuthReader::open(file("nonl.txt", AUTH.trim_end().as_bytes())).unwrap()).0;
    assert_eq!(plain, gz);
    assert_eq!(plain, crlf);
    assert_eq!(plain, nonl);
}

const FLOWS: &str = "\
1,0,C1065,389,C3799,N10451,6,10,5323
1,0,C1423,N1136,C1707,N1,6,5,847
2,9,?,?,C586,445,17,0,0
3,3600,C3,N4294967295,C4,65535,1,18446744073709551615,12
";

#[test]
fn flow_fields() {
    let p = file("flows.txt.gz", &gzip(FLOWS.as_bytes()));
    let (ev, n) = read_all(FlowReader::open(&p).unwrap());
    assert_eq!(ev.len(), 4);
    let f = &ev[0];
    assert_eq!(
        (f.time, f.duration, f.protocol, f.packets, f.bytes),
        (1, 0, 6, 10, 5323)
    );
    assert_eq!(n.computer(f.src_computer.unwrap()), "C1065");
    assert_eq!(n.computer(f.dst_computer.unwrap()), "C3799");
    assert_eq!(f.src_port, Some(Port::Number(389)));
    assert_eq!(f.dst_port, Some(Port::Anonymised(10451)));
    assert_eq!((ev[2].src_computer, ev[2].src_port), (None, None));
    assert_eq!((ev[2].protocol, ev[2].duration), (17, 9));
    assert_eq!(ev[3].src_port, Some(Port::Anonymised(u32::MAX)));
    assert_eq!(ev[3].dst_port, Some(Port::Number(65535)));
    assert_eq!(ev[3].packets, u64::MAX);
}

/// The error message of reading `text` as `T` from a file named `name`.
fn error_of<T: LanlRecord>(name: &str, text: &str) -> String {
    let mut r = LanlReader::<T>::open(file(name, text.as_bytes())).unwrap();
    loop {
        match r.next_event() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error in {text:?}"),
            Err(e) => {
                // After an error the reader is exhausted.
                assert!(r.next_event().unwrap().is_none());
                return e.to_string();
            }
        }
    }
}

#[test]
fn bad_lines_name_file_line_and_field() {
    let ok = "1,0,C1,N1,C2,80,6,1,100\n";
    let p = |name: &str| {
        std::env::temp_dir()
            .join(format!("threatstat-lanl-load-{}", std::process::id()))
            .join(name)
            .display()
            .to_string()
    };
    let cases: [(&str, String, String); 9] = [
        (
            "ragged-short.txt",
            format!("{ok}1,0,C1,N1,C2,80,6,1\n"),
            "2: field `byte count`: expected 9 comma-separated fields (time,duration,source computer,\
             source port,destination computer,destination port,protocol,packet count,byte count), found 8"
                .to_string(),
        ),
        (
            "ragged-long.txt",
            format!("{ok}{ok}1,0,C1,N1,C2,80,6,1,100,7\n"),
            "3: field `byte count`: expected 9 comma-separated fields".to_string(),
        ),
        (
            "time.txt",
            format!("{ok}1.5,0,C1,N1,C2,80,6,1,100\n"),
            "2: field `time`: expected a non-negative integer, found `1.5`".to_string(),
        ),
        (
            "negative.txt",
            format!("{ok}1,0,C1,N1,C2,80,6,1,-5\n"),
            "2: field `byte count`: expected a non-negative integer, found `-5` (negative)".to_string(),
        ),
        (
            "port.txt",
            format!("{ok}1,0,C1,N1,C2,70000,6,1,5\n"),
            "2: field `destination port`: expected a port number (0 to 65535), `N` and a number, or `?`, found `70000`"
                .to_string(),
        ),
        (
            "anon-port.txt",
            format!("{ok}1,0,C1,Nx,C2,80,6,1,5\n"),
            "2: field `source port`: expected a port number".to_string(),
        ),
        (
            "protocol.txt",
            format!("{ok}1,0,C1,N1,C2,80,300,1,5\n"),
            "2: field `protocol`: expected an IP protocol number (0 to 255), found `300`".to_string(),
        ),
        (
            "empty-line.txt",
            format!("{ok}\n{ok}"),
            "2: field `time`: expected 9 comma-separated fields".to_string(),
        ),
        (
            "empty-computer.txt",
            format!("{ok}1,0,,N1,C2,80,6,1,5\n"),
            "2: field `source computer`: expected a name or `?`, found an empty field".to_string(),
        ),
    ];
    for (name, text, want) in cases {
        let msg = error_of::<FlowEvent>(name, &text);
        let want = format!("{}:{want}", p(name));
        assert!(msg.starts_with(&want), "\n got: {msg}\nwant: {want}");
    }

    let auth_cases = [
        (
            "outcome.txt",
            "1,U1@DOM1,U1@DOM1,C1,C1,?,?,LogOn,Failure\n",
            "1: field `success/failure`: expected `Success`, `Fail` or `?`, found `Failure`",
        ),
        (
            "utf8.txt",
            "1,U1@DOM1,U\u{fffd}@DOM1,C1,C1,?,?,LogOn,Success\n2,U1@DOM1,\u{0}\n",
            "2: field `source computer`: expected 9 comma-separated fields",
        ),
        (
            "time-text.txt",
            "x,U1@DOM1,U1@DOM1,C1,C1,?,?,LogOn,Success\n",
            "1: field `time`: expected a non-negative integer, found `x`",
        ),
    ];
    for (name, text, want) in auth_cases {
        let msg = error_of::<AuthEvent>(name, text);
        let want = format!("{}:{want}", p(name));
        assert!(msg.starts_with(&want), "\n got: {msg}\nwant: {want}");
    }

    // Invalid UTF-8 in a name.
    let mut bytes = b"1,U1@DOM1,U1@DOM1,C1,C".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b",?,?,LogOn,Success\n");
    let e = AuthReader::open(file("bad-utf8.txt", &bytes))
        .unwrap()
        .next()
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with(
            ":1: field `destination computer`: expected UTF-8 text, found `C\u{fffd}\u{fffd}`"
        ),
        "{e}"
    );

    let e = error_of::<threatstat_datasets::lanl::RedTeamEvent>(
        "rt-missing.txt",
        "150885,U620@DOM1,C17693,C1003\n150886,?,C17693,C1003\n",
    );
    assert!(
        e.ends_with("rt-missing.txt:2: field `user@domain`: expected a name, found `?`"),
        "{e}"
    );
}

#[test]
fn skip_policy_counts_bad_lines_and_keeps_going() {
    let text = "\
1,0,C1,N1,C2,80,6,1,100
1,0,C1,N1,C2,80,6,1
x,0,C1,N1,C2,80,6,1,100
2,0,C1,N1,C2,80,6,1,200
3,0,C1,N1,C2,80,6,1,-1

4,0,C1,N1,C2,80,6,1,400
";
    let p = file("skip.txt", text.as_bytes());
    let mut total = 0;
    let s =
        threatstat_datasets::lanl::for_each_flow(&p, BadRowPolicy::Skip, |_, f| total += f.bytes)
            .unwrap();
    assert_eq!(total, 700);
    assert_eq!((s.lines, s.events, s.skipped), (7, 3, 4));
    assert_eq!(s.skip_examples.len(), 4);
    assert!(s.skip_examples[0].contains("skip.txt:2: field `byte count`"));
    assert!(s.skip_examples[1].contains("skip.txt:3: field `time`"));
    assert!(s.skip_examples[2].contains("skip.txt:5: field `byte count`"));
    assert!(s.skip_examples[3].contains("skip.txt:6: field `time`"));

    // Error policy: stops at line 2.
    let e =
        threatstat_datasets::lanl::for_each_flow(&p, BadRowPolicy::Error, |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("skip.txt:2:"), "{e}");
}

#[test]
fn truncated_gzip_stops_even_when_skipping() {
    let big: String = (1..=20_000)
        .map(|i| format!("{i},U{i}@DOM1,U{i}@DOM1,C{i},C{i},Negotiate,Interactive,LogOn,Success\n"))
        .collect();
    let gz = gzip(big.as_bytes());
    let p = file("truncated.txt.gz", &gz[..gz.len() / 2]);
    let e = for_each_auth(&p, BadRowPolicy::Skip, |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("truncated.txt.gz"), "{e}");
}

#[test]
fn readers_can_share_names() {
    let mut a = AuthReader::open(file("share-auth.txt", AUTH.as_bytes())).unwrap();
    while a.next_event().unwrap().is_some() {}
    let names = a.into_names();
    let c1065 = names.computer_id("C1065");
    assert!(c1065.is_none());
    let c586 = names.computer_id("C586").unwrap();
    let (flows, names) = read_all(
        FlowReader::open(file("share-flows.txt", FLOWS.as_bytes()))
            .unwrap()
            .with_names(names),
    );
    assert_eq!(flows[2].dst_computer, Some(c586));
    assert!(names.computer_id("C1065").is_some());
}

#[test]
fn redteam_file() {
    let text = "150885,U620@DOM1,C17693,C1003\n151036,U748@DOM1,C17693,C305\n\
                151648,U748@DOM1,C17693,C728\n726137,U10379@C3521,C17693,C3521\n";
    let plain = read_redteam(file("redteam.txt", text.as_bytes())).unwrap();
    let gz = read_redteam(file("redteam.txt.gz", &gzip(text.as_bytes()))).unwrap();
    assert_eq!(plain, gz);
    assert_eq!(plain.users(), ["U10379@C3521", "U620@DOM1", "U748@DOM1"]);
    assert_eq!(plain.first_time("U748@DOM1"), Some(151036));
    assert_eq!(plain.dst_computers("U748@DOM1"), [("C305", 1), ("C728", 1)]);
    assert_eq!(
        plain.computers().into_iter().collect::<Vec<_>>(),
        ["C1003", "C17693", "C305", "C3521", "C728"]
    );
    let mut out = Vec::new();
    plain.write(&mut out).unwrap();
    assert_eq!(out, text.as_bytes());

    let (ev, n) = read_all(RedTeamReader::open(file("rt2.txt", text.as_bytes())).unwrap());
    assert_eq!(n.user(ev[3].user), "U10379@C3521");
    assert_eq!(n.computer(ev[3].dst_computer), "C3521");
}

#[test]
fn bundled_redteam_is_the_data_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/lanl/redteam.txt");
    let read = RedTeam::read(&path).unwrap();
    assert_eq!(read, RedTeam::bundled());
    assert_eq!((read.len(), read.users().len()), (749, 104));
    let rows = read.rows();
    assert!(rows.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!((rows[0].time, rows[748].time), (150_885, 2_557_047));
    assert_eq!(read.first_times().values().min(), Some(&150_885));
}

const OWNERS_AUTH: &str = "\
1,U1@DOM1,U1@DOM1,C1,C1,Negotiate,Interactive,LogOn,Success
2,U1@DOM1,U1@DOM1,C1,C1,Negotiate,Interactive,LogOn,Success
3,U2@DOM1,U2@DOM1,C1,C1,Negotiate,Interactive,LogOn,Success
4,U3@DOM1,U3@DOM1,C2,C2,Negotiate,Interactive,LogOn,Success
5,U10@DOM1,U10@DOM1,C2,C2,Negotiate,CachedInteractive,LogOn,Success
6,U4@DOM1,U4@DOM1,C3,C9,Negotiate,RemoteInteractive,LogOn,Success
7,U5@DOM1,U5@DOM1,?,C4,Negotiate,Interactive,LogOn,Success
8,U6@DOM1,U6@DOM1,C5,C5,Negotiate,Interactive,LogOff,Success
9,U6@DOM1,U6@DOM1,C5,C5,Negotiate,Interactive,LogOn,Fail
10,U6@DOM1,U6@DOM1,C5,C5,Negotiate,Network,LogOn,Success
11,C5$@DOM1,C5$@DOM1,C5,C5,Negotiate,Interactive,LogOn,Success
12,ANONYMOUS LOGON@C5,ANONYMOUS LOGON@C5,C5,C5,NTLM,Interactive,LogOn,Success
13,U7@C6,U7@C6,C6,C6,Negotiate,Interactive,LogOn,Success
14,U1@DOM1,U1@DOM1,C7,C7,Negotiate,Interactive,LogOn,Success
15,U6@DOM1,U6@DOM1,C5,C5,?,Interactive,LogOn,?
";

#[test]
fn owner_rule() {
    let p = file("owners-auth.txt", OWNERS_AUTH.as_bytes());
    let m = OwnerMap::from_auth(&p, BadRowPolicy::Error).unwrap();
    // Most logons wins.
    let c1 = m.ownership("C1").unwrap();
    assert_eq!(
        (c1.user.as_str(), c1.logons, c1.computer_logons, c1.users),
        ("U1@DOM1", 2, 3, 2)
    );
    // A tie goes to the smaller name in byte order (`U10` < `U3`).
    assert_eq!(m.owner("C2"), Some("U10@DOM1"));
    // RemoteInteractive: the source computer.
    assert_eq!(m.owner("C3"), Some("U4@DOM1"));
    assert_eq!(m.owner("C9"), None);
    // `?` computer, logoffs, failures, network logons, computer accounts,
    // anonymous logons and unknown outcomes do not count.
    assert_eq!(m.owner("C4"), None);
    assert_eq!(m.owner("C5"), None);
    // A local account is a person.
    assert_eq!(m.owner("C6"), Some("U7@C6"));
    assert_eq!(m.computers_of("U1@DOM1"), ["C1", "C7"]);
    // Byte order: `0` sorts before `@`.
    assert_eq!(m.users(), ["U10@DOM1", "U1@DOM1", "U4@DOM1", "U7@C6"]);
    let s = m.summary();
    assert_eq!((s.auth_events, s.counted_logons), (15, 8));
    assert_eq!((s.computers_with_logons, s.owned_computers), (5, 5));

    // Stricter rules.
    let strict = OwnerRule {
        min_share: 0.7,
        ..OwnerRule::default()
    };
    let m = OwnerMap::from_auth_with(&p, BadRowPolicy::Error, &strict).unwrap();
    assert_eq!(m.owner("C1"), None); // 2 of 3
    assert_eq!(m.owner("C2"), None); // 1 of 2
    assert_eq!(m.owner("C3"), Some("U4@DOM1"));
    let two = OwnerRule {
        min_logons: 2,
        ..OwnerRule::default()
    };
    let m = OwnerMap::from_auth_with(&p, BadRowPolicy::Error, &two).unwrap();
    assert_eq!(m.users(), ["U1@DOM1"]);
    let dest = OwnerRule {
        side: OwnerSide::Destination,
        ..OwnerRule::default()
    };
    let m = OwnerMap::from_auth_with(&p, BadRowPolicy::Error, &dest).unwrap();
    assert_eq!((m.owner("C9"), m.owner("C3")), (Some("U4@DOM1"), None));
    assert_eq!(m.owner("C4"), Some("U5@DOM1"));
    let bad = OwnerRule {
        min_share: 1.5,
        ..OwnerRule::default()
    };
    assert!(matches!(
        OwnerMap::from_auth_with(&p, BadRowPolicy::Error, &bad),
        Err(threatstat_datasets::DatasetError::Core(
            threatstat_core::Error::Param {
                name: "min_share",
                ..
            }
        ))
    ));
}

#[test]
fn upload_table() {
    let m = OwnerMap::from_auth(
        file("upload-auth.txt", OWNERS_AUTH.as_bytes()),
        BadRowPolicy::Error,
    )
    .unwrap();
    let u1 = m.user_index("U1@DOM1").unwrap();
    let u4 = m.user_index("U4@DOM1").unwrap();
    let flows = "\
10,0,C1,N5,C99,443,6,3,1000
20,0,C99,443,C1,N5,6,9,5000
30,0,C7,N5,C1,445,6,2,70
86400,0,C1,N5,C99,443,6,2,300
86401,0,C3,N5,C99,443,6,2,11
86402,0,C99,N5,C98,443,6,2,999999
bad,0,C3,N5,C99,443,6,2,11
259300,0,C1,N5,C99,443,6,1,2
";
    let p = file("upload-flows.txt", flows.as_bytes());
    assert!(upload_bytes_per_interval(&p, &m, 86_400, BadRowPolicy::Error).is_err());
    assert!(upload_bytes_per_interval(&p, &m, 0, BadRowPolicy::Skip).is_err());
    let t = upload_bytes_per_interval(&p, &m, 86_400, BadRowPolicy::Skip).unwrap();
    assert_eq!(t.users(), m.users());
    let r1 = t.user_rows(u1);
    // Interval 0 holds times 1..=86400. C1 -> C7 is U1's upload and download.
    assert_eq!(r1.len(), 2);
    assert_eq!(
        (r1[0].interval, r1[0].upload_bytes, r1[0].download_bytes),
        (0, 1000 + 70 + 300, 5000 + 70)
    );
    assert_eq!(
        (r1[0].upload_flows, r1[0].download_flows, r1[0].flows()),
        (3, 2, 5)
    );
    // No row for U1's silent interval 1; interval 3 starts at 259201.
    assert_eq!((r1[1].interval, r1[1].upload_bytes), (3, 2));
    assert_eq!(t.upload_series(u1, 0, 4), [1370, 0, 0, 2]);
    assert_eq!(t.user_rows(u4)[0].interval, 1);
    assert_eq!(t.user_rows(u4)[0].upload_bytes, 11);
    // Owners without flows have no rows.
    assert!(t.user_rows(m.user_index("U7@C6").unwrap()).is_empty());
    let s = t.summary();
    assert_eq!(
        (s.flows, s.upload_flows, s.download_flows, s.unowned_flows),
        (7, 5, 2, 1)
    );
    assert_eq!(
        (s.first_time, s.last_time, s.n_intervals),
        (Some(10), Some(259_300), 4)
    );
    assert_eq!(s.skipped, 1);
    assert_eq!(t.interval_start(3), 259_201);
    assert_eq!(t.interval_of(259_200), 2);

    let mut csv = Vec::new();
    t.write_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("\nU1@DOM1,0,1,1370,5070,3,2\n"), "{csv}");
    assert!(csv.contains("\nU1@DOM1,3,259201,2,0,1,0\n"), "{csv}");

    // Hourly intervals.
    let h = upload_bytes_per_interval(&p, &m, 3_600, BadRowPolicy::Skip).unwrap();
    assert_eq!(h.user_rows(u1).len(), 3);
    assert_eq!(h.user_rows(u1)[1].interval, 23);
}

/// The parallel owner map and upload table (any thread count and block
/// size) equal one sequential pass over the generated files.
#[test]
fn parallel_upload_table_equals_one_sequential_pass() {
    let dir = std::env::temp_dir().join(format!("threatstat-lanl-par-{}", std::process::id()));
    LanlGenerator::new()
        .users(60)
        .days(4)
        .seed(3)
        .write_files(&dir)
        .unwrap();
    let files = LanlFiles::in_dir(&dir);
    let owners = OwnerMap::from_auth(&files.auth, BadRowPolicy::Error).unwrap();
    // The parallel owner map equals the sequential reader's.
    let seq = OwnerMap::from_reader(
        AuthReader::open(&files.auth).unwrap(),
        &OwnerRule::default(),
    )
    .unwrap();
    assert_eq!(owners.entries(), seq.entries());
    assert_eq!(owners.summary(), seq.summary());
    assert!(owners.len() > 50);
    let mut agg = UploadAggregator::new(&owners, 3_600).unwrap();
    let mut r = FlowReader::open(&files.flows).unwrap();
    while let Some(f) = r.next_event().unwrap() {
        agg.add(r.names(), &f);
    }
    let want = agg.finish();
    assert!(want.rows().len() > 100);
    for (threads, block) in [(1, 1 << 22), (2, 4096), (3, 777)] {
        let scan = ParallelScan::new().threads(threads).block_bytes(block);
        let got = upload_bytes_per_interval_with(&files.flows, &owners, 3_600, scan).unwrap();
        assert_eq!(got, want, "{threads} threads, {block}-byte blocks");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
