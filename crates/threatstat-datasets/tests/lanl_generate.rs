//! The LANL generator: determinism, formats, the real red-team rows, and
//! the planted truth as the analysis helpers see it (owners recovered,
//! compromised users uploading more after their first red-team time).

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::TruthFile;
use threatstat_datasets::lanl::{
    AuthReader, BUNDLED_REDTEAM, FlowReader, LanlFiles, LanlGenerator, LanlTruth, OwnerMap,
    RedTeam, UploadTable, upload_bytes_per_interval,
};

struct Generated {
    auth: Vec<u8>,
    flows: Vec<u8>,
    redteam: Vec<u8>,
    truth: LanlTruth,
}

fn generate(g: &LanlGenerator) -> Generated {
    let (mut auth, mut flows, mut redteam) = (Vec::new(), Vec::new(), Vec::new());
    let truth = g.generate(&mut auth, &mut flows, &mut redteam).unwrap();
    Generated {
        auth,
        flows,
        redteam,
        truth,
    }
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("threatstat-lanl-gen-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A world big enough for the statistics and small enough for a debug
/// test: all 104 red-team users, 100 others, 40 days (the last red-team
/// user's first event is on day 29).
fn world() -> LanlGenerator {
    LanlGenerator::new()
        .users(100)
        .servers(20)
        .days(40)
        .auth_per_user_day(10.0)
        .flows_per_user_day(20.0)
        .seed(42)
}

#[test]
fn same_seed_same_bytes() {
    let g = LanlGenerator::new().users(30).days(12).seed(11);
    let a = generate(&g);
    let b = generate(&g);
    assert_eq!(a.auth, b.auth);
    assert_eq!(a.flows, b.flows);
    assert_eq!(a.redteam, b.redteam);
    assert_eq!(a.truth.to_json(), b.truth.to_json());
    let c = generate(&g.clone().seed(12));
    assert_ne!(a.auth, c.auth);
    assert_ne!(a.flows, c.flows);

    // Through files too.
    let (d1, d2) = (tmp_dir("det1"), tmp_dir("det2"));
    let t1 = g.write_files(&d1).unwrap();
    g.write_files(&d2).unwrap();
    let (f1, f2) = (LanlFiles::in_dir(&d1), LanlFiles::in_dir(&d2));
    for (p, q) in [
        (&f1.auth, &f2.auth),
        (&f1.flows, &f2.flows),
        (&f1.redteam, &f2.redteam),
        (&f1.truth, &f2.truth),
    ] {
        assert_eq!(
            std::fs::read(p).unwrap(),
            std::fs::read(q).unwrap(),
            "{p:?}"
        );
    }
    assert_eq!(std::fs::read(&f1.auth).unwrap(), a.auth);
    assert_eq!(LanlTruth::read(&f1.truth).unwrap(), t1);
    assert_eq!(t1, a.truth);
    std::fs::remove_dir_all(&d1).unwrap();
    std::fs::remove_dir_all(&d2).unwrap();
}

#[test]
fn redteam_output_is_the_real_file_or_its_prefix() {
    let full = generate(&LanlGenerator::new().users(3).days(30));
    assert_eq!(full.redteam, BUNDLED_REDTEAM.as_bytes());
    assert_eq!(full.truth.compromised.len(), 104);
    assert_eq!(full.truth.redteam_rows, 749);

    let short = generate(&LanlGenerator::new().users(3).days(9));
    let rt = RedTeam::from_reader(
        "redteam.txt",
        Cursor::new(short.redteam.clone()),
        BadRowPolicy::Error,
    )
    .unwrap();
    let last = 9 * 86_400;
    let want: Vec<&str> = BUNDLED_REDTEAM
        .lines()
        .filter(|l| l.split(',').next().unwrap().parse::<u64>().unwrap() <= last)
        .collect();
    assert_eq!(rt.len(), want.len());
    assert!(BUNDLED_REDTEAM.as_bytes().starts_with(&short.redteam));
    assert_eq!(short.truth.compromised_users(), rt.users());
}

#[test]
fn files_have_lanl_formats_and_read_back() {
    let g = LanlGenerator::new().users(40).days(31).seed(5);
    let out = generate(&g);
    let last = 31 * 86_400;
    let text = std::str::from_utf8(&out.auth).unwrap();
    let mut prev = 0;
    let mut logon_types = HashSet::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 9, "{line}");
        let t: u64 = f[0].parse().unwrap();
        assert!((1..=last).contains(&t) && t >= prev, "{line}");
        prev = t;
        assert!(f[1..].iter().all(|x| !x.is_empty()), "{line}");
        assert!(["Success", "Fail"].contains(&f[8]), "{line}");
        logon_types.insert(f[6].to_string());
    }
    for lt in [
        "Interactive",
        "RemoteInteractive",
        "CachedInteractive",
        "Network",
        "Batch",
        "Service",
        "Unlock",
        "NetworkCleartext",
        "NewCredentials",
        "?",
    ] {
        assert!(logon_types.contains(lt), "{lt}");
    }
    let text = std::str::from_utf8(&out.flows).unwrap();
    prev = 0;
    for line in text.lines() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 9, "{line}");
        let t: u64 = f[0].parse().unwrap();
        assert!((1..=last).contains(&t) && t >= prev, "{line}");
        prev = t;
        assert!(f[3].starts_with('N') || f[5].starts_with('N'), "{line}");
    }

    // The readers take every line.
    let auth = AuthReader::from_reader("auth.txt", Cursor::new(out.auth.clone()));
    assert_eq!(auth.map(Result::unwrap).count() as u64, out.truth.auth_rows);
    let flows = FlowReader::from_reader("flows.txt", Cursor::new(out.flows.clone()));
    assert_eq!(
        flows.map(Result::unwrap).count() as u64,
        out.truth.flow_rows
    );

    // Every red-team row is an auth row (time, user, source, destination).
    let auth_keys: HashSet<(&str, &str, &str, &str)> = std::str::from_utf8(&out.auth)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[1], f[3], f[4])
        })
        .collect();
    for l in BUNDLED_REDTEAM.lines() {
        let f: Vec<&str> = l.split(',').collect();
        assert!(auth_keys.contains(&(f[0], f[1], f[2], f[3])), "{l}");
    }
}

#[test]
fn owner_map_recovers_home_computers() {
    let dir = tmp_dir("owners");
    let truth = world().write_files(&dir).unwrap();
    let files = LanlFiles::in_dir(&dir);
    let owners = OwnerMap::from_auth(&files.auth, BadRowPolicy::Error).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(truth.users.len(), 204);
    let with_logons: Vec<_> = truth.users.iter().filter(|u| u.home_logons > 0).collect();
    assert_eq!(with_logons.len(), 204);
    for u in &with_logons {
        assert_eq!(
            owners.computers_of(&u.user),
            [u.home_computer.as_str()],
            "{}",
            u.user
        );
    }
    // Nothing else is owned: servers, visited homes and the red team's
    // computers have no owner of their own.
    assert_eq!(owners.len(), with_logons.len());
    for c in &truth.compromised {
        assert_eq!(owners.owner(&c.home_computer), Some(c.user.as_str()));
        assert_eq!(truth.home_of(&c.user), Some(c.home_computer.as_str()));
    }
    // Visits happen, so some homes have more than one user.
    assert!(owners.entries().iter().any(|o| o.users > 1));
}

/// Per compromised user: (median daily upload bytes before the day of the
/// first red-team event, median after it), over days with uploads.
fn before_after(truth: &LanlTruth, table: &UploadTable) -> Vec<(String, f64, f64)> {
    let median = |mut v: Vec<u64>| -> f64 {
        v.sort_unstable();
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2] as f64
        } else {
            (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
        }
    };
    let mut out = Vec::new();
    for c in &truth.compromised {
        let u = table.user_index(&c.user).unwrap();
        let day = table.interval_of(c.first_compromise_time);
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for r in table.user_rows(u).iter().filter(|r| r.upload_flows > 0) {
            if r.interval < day {
                before.push(r.upload_bytes);
            } else if r.interval > day {
                after.push(r.upload_bytes);
            }
        }
        if before.len() >= 3 && after.len() >= 3 {
            out.push((c.user.clone(), median(before), median(after)));
        }
    }
    out
}

fn table_of(g: &LanlGenerator, name: &str) -> (LanlTruth, UploadTable) {
    let dir = tmp_dir(name);
    let truth = g.write_files(&dir).unwrap();
    let files = LanlFiles::in_dir(&dir);
    let owners = OwnerMap::from_auth(&files.auth, BadRowPolicy::Error).unwrap();
    let table =
        upload_bytes_per_interval(&files.flows, &owners, 86_400, BadRowPolicy::Error).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (truth, table)
}

#[test]
fn compromised_users_upload_more_after_compromise() {
    let (truth, table) = table_of(&world().upload_effect(4.0), "effect");
    assert_eq!(truth.upload_effect, 4.0);
    let ba = before_after(&truth, &table);
    assert!(ba.len() >= 80, "{}", ba.len());
    let larger = ba.iter().filter(|(_, b, a)| a > b).count();
    assert!(larger * 10 >= ba.len() * 9, "{larger} of {}", ba.len());
    let mut ratios: Vec<f64> = ba.iter().map(|(_, b, a)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    let mid = ratios[ratios.len() / 2];
    assert!((2.5..6.5).contains(&mid), "median ratio {mid}");
    // Every compromised user has uploads before and after in the truth.
    for c in &truth.compromised {
        assert!(
            c.upload_flows_before > 0 && c.upload_flows_after > 0,
            "{c:?}"
        );
    }

    // Without an effect, about half are larger after.
    let (truth, table) = table_of(&world().upload_effect(1.0), "no-effect");
    let ba = before_after(&truth, &table);
    let larger = ba.iter().filter(|(_, b, a)| a > b).count();
    let share = larger as f64 / ba.len() as f64;
    assert!((0.3..0.7).contains(&share), "{larger} of {}", ba.len());

    // Other users: their computers' uploads are not affected.
    let compromised: HashSet<&str> = truth.compromised_users().into_iter().collect();
    let others: HashMap<&str, u64> = table
        .users()
        .iter()
        .enumerate()
        .filter(|(_, u)| !compromised.contains(u.as_str()))
        .map(|(i, u)| (u.as_str(), table.user_rows(i as u32).len() as u64))
        .collect();
    assert_eq!(others.len(), 100);
}
