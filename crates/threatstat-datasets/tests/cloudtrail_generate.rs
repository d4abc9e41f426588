//! The CloudTrail generator: determinism, formats the loader reads back
//! exactly, the shape of human and automated activity, and the truth.

use std::collections::BTreeMap;
use std::path::PathBuf;
use threatstat_datasets::TruthFile;
use threatstat_datasets::cert::{format_day, parse_day, weekday};
use threatstat_datasets::cloudtrail::{
    Bucket, CloudTrailGenerator, CloudTrailLoader, CloudTrailTruth, GeneratedLog, InputFormat,
    PrincipalKey, Schedule,
};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "threatstat-cloudtrail-gen-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn csv_of(log: &GeneratedLog) -> Vec<u8> {
    let mut v = Vec::new();
    log.write_csv(&mut v).unwrap();
    v
}

fn small() -> CloudTrailGenerator {
    CloudTrailGenerator::new().days(21).humans(6).automated(4)
}

#[test]
fn same_seed_same_log_byte_for_byte() {
    let g = small().seed(11);
    let (a, b) = (g.generate().unwrap(), g.generate().unwrap());
    assert_eq!(a.truth(), b.truth());
    assert_eq!(csv_of(&a), csv_of(&b));
    for d in a.first_day()..=a.last_day() {
        assert_eq!(a.json_day(d), b.json_day(d));
        assert_eq!(a.file_name(d), b.file_name(d));
    }
    // Files on disk too (gzip included).
    let g = g.gzip(true);
    let (da, db) = (tmpdir("det-a"), tmpdir("det-b"));
    let pa = g.generate().unwrap().write_dir(&da).unwrap();
    let pb = g.generate().unwrap().write_dir(&db).unwrap();
    assert_eq!(pa.len(), 21);
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        assert!(x.to_str().unwrap().ends_with(".json.gz"));
    }
    for f in ["cloudtrail.csv", "truth.json"] {
        assert_eq!(
            std::fs::read(da.join(f)).unwrap(),
            std::fs::read(db.join(f)).unwrap()
        );
    }
    // Another seed, another log.
    let c = small().seed(12).generate().unwrap();
    assert_ne!(csv_of(&a), csv_of(&c));
}

#[test]
fn the_loader_reads_back_exactly_what_was_generated() {
    let log = CloudTrailGenerator::new()
        .days(14)
        .humans(8)
        .automated(8)
        .seed(5)
        .generate()
        .unwrap();
    let dir = tmpdir("readback");
    let json = log.write_dir(&dir).unwrap();
    let truth = CloudTrailTruth::read(dir.join("truth.json")).unwrap();
    assert_eq!(&truth, log.truth());
    assert_eq!(truth.records as usize, log.len());

    let by_role = CloudTrailLoader::new().load(&json).unwrap();
    let s = by_role.summary();
    assert_eq!(
        (s.files, s.json_files, s.records, s.counted, s.skipped),
        (14, 14, log.len() as u64, log.len() as u64, 0)
    );
    assert_eq!(
        s.window.unwrap().first_day,
        parse_day("2024-01-01").unwrap()
    );
    assert_eq!(s.window.unwrap().days(), 14);
    let totals = |t: &threatstat_datasets::cloudtrail::PairTable| -> Vec<(String, String, u64)> {
        t.series()
            .into_iter()
            .map(|p| {
                let n = p.total();
                (p.principal, p.api, n)
            })
            .collect()
    };
    assert_eq!(totals(&by_role), log.pair_totals(PrincipalKey::Role));
    for p in by_role.series().iter().take(10) {
        assert_eq!(
            p.counts,
            log.counts(&p.principal, &p.api, PrincipalKey::Role, Bucket::Day)
        );
    }

    // The notebook CSV is keyed by the session ARN; the JSON read with
    // PrincipalKey::Arn gives the same series, daily and hourly.
    let csv = dir.join("cloudtrail.csv");
    for bucket in [Bucket::Day, Bucket::Hour] {
        let from_csv = CloudTrailLoader::new().bucket(bucket).load([&csv]).unwrap();
        let from_json = CloudTrailLoader::new()
            .bucket(bucket)
            .principal(PrincipalKey::Arn)
            .load(&json)
            .unwrap();
        assert_eq!(from_csv.series(), from_json.series(), "{bucket}");
        assert_eq!(from_csv.summary().csv_files, 1);
    }
    let from_csv = CloudTrailLoader::new().load([&csv]).unwrap();
    assert_eq!(totals(&from_csv), log.pair_totals(PrincipalKey::Arn));
    // SSO users share their permission set's role: fewer principals by role.
    assert!(by_role.summary().principals < from_csv.summary().principals);
    for h in &truth.humans {
        if h.identity_type == "AssumedRole" {
            assert!(by_role.arns_of(&h.principal).contains(&h.arn.as_str()));
        }
    }

    // The JSON is CloudTrail's: fields and types as AWS writes them.
    let first = json[0].clone();
    let mut n = 0;
    CloudTrailLoader::new()
        .format(InputFormat::Json)
        .for_each_event(&first, |e| {
            n += 1;
            assert!(matches!(e.identity_type, Some("IAMUser" | "AssumedRole")));
            assert!(
                e.arn.starts_with("arn:aws:iam::123456789012:")
                    || e.arn.starts_with("arn:aws:sts::123456789012:")
            );
            assert!(e.event_source.unwrap().ends_with(".amazonaws.com"));
        })
        .unwrap();
    assert!(n > 0);
    let text = log.json_day(log.first_day());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let recs = v["Records"].as_array().unwrap();
    for r in recs {
        for k in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "eventID",
            "readOnly",
            "eventType",
            "recipientAccountId",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        let t = r["eventTime"].as_str().unwrap();
        assert!(
            t.starts_with("2024-01-01T") && t.ends_with('Z') && t.len() == 20,
            "{t}"
        );
        let ui = &r["userIdentity"];
        if ui["type"] == "AssumedRole" {
            let issuer = ui["sessionContext"]["sessionIssuer"]["arn"]
                .as_str()
                .unwrap();
            assert!(
                issuer.starts_with("arn:aws:iam::123456789012:role/"),
                "{issuer}"
            );
            assert!(
                ui["arn"]
                    .as_str()
                    .unwrap()
                    .starts_with("arn:aws:sts::123456789012:assumed-role/")
            );
        } else {
            assert!(
                ui["arn"]
                    .as_str()
                    .unwrap()
                    .starts_with("arn:aws:iam::123456789012:user/")
            );
        }
    }
    let names = log.file_name(log.first_day());
    assert!(
        names.starts_with("123456789012_CloudTrail_us-east-1_20240101T0000Z_")
            && names.ends_with(".json"),
        "{names}"
    );
}

#[test]
fn humans_keep_office_hours_and_jobs_keep_schedules() {
    let log = CloudTrailGenerator::new()
        .seed(3)
        .vacation_prob(0.0)
        .outage_prob(0.0)
        .missed_run_prob(0.0)
        .generate()
        .unwrap();
    let truth = log.truth();
    assert_eq!(truth.humans.len(), 12);
    assert_eq!(
        truth.holidays,
        ["2024-01-01", "2024-01-15", "2024-02-19"] // New Year, MLK, Presidents' Day
    );
    let holidays: Vec<i64> = truth
        .holidays
        .iter()
        .map(|d| parse_day(d).unwrap())
        .collect();

    // People: per day, all their pairs together.
    let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
    for h in &truth.humans {
        for api in &h.apis {
            let c = log.counts(&h.arn, api, PrincipalKey::Arn, Bucket::Day);
            for (i, n) in c.iter().enumerate() {
                *per_day.entry(log.first_day() + i as i64).or_default() += u64::from(*n);
            }
        }
    }
    let mean = |f: &dyn Fn(i64) -> bool| {
        let v: Vec<u64> = per_day
            .iter()
            .filter(|(d, _)| f(**d))
            .map(|(_, n)| *n)
            .collect();
        v.iter().sum::<u64>() as f64 / v.len() as f64
    };
    let workday = mean(&|d| weekday(d) < 5 && !holidays.contains(&d));
    let weekend = mean(&|d| weekday(d) >= 5);
    let holiday = mean(&|d| holidays.contains(&d));
    assert!(weekend < 0.15 * workday, "{weekend} vs {workday}");
    assert!(holiday < 0.3 * workday, "{holiday} vs {workday}");
    // Human events sum to the truth's totals.
    let human_total: u64 = per_day.values().sum();
    assert_eq!(
        human_total,
        truth.humans.iter().map(|h| h.events).sum::<u64>()
    );

    // Jobs: every scheduled run happens (no misses, no outages).
    for a in &truth.automated {
        assert_eq!(a.missed_runs, 0);
        assert!(a.outage_dates.is_empty());
        let days = 56.0;
        let expected_runs = match a.schedule {
            Schedule::Hourly => 24.0 * days,
            Schedule::Daily => days,
            Schedule::Weekly => days / 7.0,
            Schedule::Weekdays => days / 7.0 * 5.0,
        };
        assert_eq!(a.scheduled_runs as f64, expected_runs, "{}", a.job);
        let daily = log.counts(&a.principal, &a.api, PrincipalKey::Role, Bucket::Day);
        assert_eq!(daily.iter().map(|&c| u64::from(c)).sum::<u64>(), a.events);
        if !a.per_resource {
            // A fixed number of calls per run: the same count every run day.
            let run_days: Vec<u32> = daily.iter().copied().filter(|&c| c > 0).collect();
            assert!(
                run_days.windows(2).all(|w| w[0] == w[1]),
                "{} {}",
                a.job,
                a.api
            );
        }
        match a.schedule {
            Schedule::Weekly => {
                let on: Vec<usize> = (0..daily.len()).filter(|&i| daily[i] > 0).collect();
                assert!(on.windows(2).all(|w| w[1] - w[0] == 7), "{on:?}");
            }
            Schedule::Weekdays => {
                for (i, &c) in daily.iter().enumerate() {
                    assert_eq!(c > 0, weekday(log.first_day() + i as i64) < 5);
                }
            }
            _ => assert!(daily.iter().all(|&c| c > 0)),
        }
        if a.schedule == Schedule::Hourly {
            let hourly = log.counts(&a.principal, &a.api, PrincipalKey::Role, Bucket::Hour);
            assert!(hourly.iter().all(|&c| c > 0), "every hour has a run");
        }
    }
    // Automated pairs in the truth are exactly the pairs of the jobs' roles.
    let roles: Vec<&str> = truth
        .automated
        .iter()
        .map(|a| a.principal.as_str())
        .collect();
    for (p, api, _) in log.pair_totals(PrincipalKey::Role) {
        assert_eq!(
            roles.contains(&p.as_str()),
            truth.is_automated(&p, &api, PrincipalKey::Role),
            "{p} {api}"
        );
    }
    assert_eq!(
        truth.automated_pairs(PrincipalKey::Role).len(),
        truth.automated.len()
    );
}

#[test]
fn missed_runs_and_outages_are_in_the_truth() {
    let log = CloudTrailGenerator::new()
        .seed(8)
        .outage_prob(1.0)
        .missed_run_prob(0.1)
        .generate()
        .unwrap();
    for a in &log.truth().automated {
        assert!(!a.outage_dates.is_empty() && a.outage_dates.len() <= 3);
        assert!(
            a.missed_runs
                >= a.outage_dates.len() as u64
                    * match a.schedule {
                        Schedule::Hourly => 24,
                        _ => 0,
                    }
        );
        let daily = log.counts(&a.principal, &a.api, PrincipalKey::Role, Bucket::Day);
        for d in &a.outage_dates {
            let i = (parse_day(d).unwrap() - log.first_day()) as usize;
            assert_eq!(daily[i], 0, "{} down on {d}", a.job);
        }
        assert!(a.has_pattern(Bucket::Day) && a.has_pattern(Bucket::Hour));
        if !a.per_resource && a.schedule == Schedule::Hourly {
            // One call per run: events = runs that happened.
            assert_eq!(a.events, a.scheduled_runs - a.missed_runs);
        }
    }
    let first = log.truth().first_date.clone();
    assert_eq!(first, format_day(log.first_day()));
}

#[test]
fn explicit_holidays_and_other_accounts() {
    let log = CloudTrailGenerator::new()
        .days(10)
        .humans(2)
        .automated(1)
        .account_id("210987654321")
        .region("eu-west-1")
        .holidays(vec![
            parse_day("2024-01-03").unwrap(),
            parse_day("2025-01-01").unwrap(),
        ])
        .generate()
        .unwrap();
    assert_eq!(log.truth().holidays, ["2024-01-03"]);
    let csv = String::from_utf8(csv_of(&log)).unwrap();
    assert!(csv.starts_with("eventtime,arn,eventname\n"));
    assert!(csv.lines().skip(1).all(|l| l.contains(":210987654321:")));
    assert!(
        log.json_day(log.first_day())
            .contains("\"awsRegion\":\"eu-west-1\"")
    );
    assert!(
        log.file_name(log.first_day())
            .contains("_CloudTrail_eu-west-1_")
    );
    // More jobs than kinds: numbered names.
    let log = CloudTrailGenerator::new()
        .days(2)
        .humans(0)
        .automated(9)
        .generate()
        .unwrap();
    assert!(
        log.truth()
            .automated
            .iter()
            .any(|a| a.job == "inventory-collector-2")
    );
}
