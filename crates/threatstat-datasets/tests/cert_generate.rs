//! The CERT logon generator: determinism, format, and the planted change
//! as the loader sees it.

use std::collections::HashMap;
use std::io::Cursor;
use threatstat_datasets::TruthFile;
use threatstat_datasets::cert::{
    GroundTruth, HourWindow, LocalDateTime, LogonGenerator, LogonLoader, Span, format_day,
    parse_day,
};

fn generate(g: &LogonGenerator) -> (Vec<u8>, GroundTruth) {
    let mut csv = Vec::new();
    let truth = g.generate(&mut csv).unwrap();
    (csv, truth)
}

#[test]
fn same_seed_same_bytes() {
    let g = LogonGenerator::new().users(40).days(50).planted(3).seed(11);
    let (a, ta) = generate(&g);
    let (b, tb) = generate(&g);
    assert_eq!(a, b);
    assert_eq!(ta.to_json(), tb.to_json());
    let (c, _) = generate(&g.clone().seed(12));
    assert_ne!(a, c);

    // Through files too.
    let dir = std::env::temp_dir().join(format!("threatstat-datasets-gen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (p1, p2) = (dir.join("a.csv"), dir.join("b.csv"));
    let (j1, j2) = (dir.join("a.json"), dir.join("b.json"));
    g.write_files(&p1, &j1).unwrap();
    g.write_files(&p2, &j2).unwrap();
    assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
    assert_eq!(std::fs::read(&p1).unwrap(), a);
    assert_eq!(std::fs::read(&j1).unwrap(), std::fs::read(&j2).unwrap());
    assert_eq!(GroundTruth::read(&j1).unwrap(), ta);
}

#[test]
fn output_has_cert_format() {
    let g = LogonGenerator::new().users(30).days(21).planted(2).seed(5);
    let (csv, truth) = generate(&g);
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,date,user,pc,activity"));
    let mut prev: Option<LocalDateTime> = None;
    // Open sessions per (user, pc, day): each logon closed the same day.
    let mut open: HashMap<(String, String, i64), i64> = HashMap::new();
    let mut rows = 0;
    for line in lines {
        rows += 1;
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 5, "{line}");
        let id = f[0];
        assert!(id.starts_with('{') && id.ends_with('}'), "{id}");
        let parts: Vec<&str> = id[1..id.len() - 1].split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [4, 8, 8],
            "{id}"
        );
        assert_eq!(f[1].len(), 19, "{line}");
        let t = LocalDateTime::parse(f[1]).unwrap();
        assert_eq!(t.to_string(), f[1]);
        if let Some(p) = prev {
            assert!(p <= t, "rows not sorted by time: {p} then {t}");
        }
        prev = Some(t);
        let user = f[2].as_bytes();
        assert!(
            user.len() == 7
                && user[..3].iter().all(u8::is_ascii_uppercase)
                && user[3..].iter().all(u8::is_ascii_digit),
            "{line}"
        );
        assert!(f[3].len() == 7 && f[3].starts_with("PC-"), "{line}");
        let key = (f[2].to_string(), f[3].to_string(), t.day);
        match f[4] {
            "Logon" => *open.entry(key).or_default() += 1,
            "Logoff" => {
                let n = open.get_mut(&key).expect("logoff without a logon that day");
                assert!(*n > 0, "{line}");
                *n -= 1;
            }
            other => panic!("activity {other}"),
        }
    }
    assert!(open.values().all(|&n| n == 0), "a logon without its logoff");
    assert_eq!(rows, truth.rows);
    assert_eq!(truth.rows, 2 * truth.logons);
    assert_eq!(truth.first_date, "2010-01-02");
    assert_eq!(truth.last_date, "2010-01-22");
}

#[test]
fn without_id_column_same_events() {
    let g = LogonGenerator::new().users(25).days(40).planted(2).seed(3);
    let (with, t1) = generate(&g);
    let (without, t2) = generate(&g.clone().id_column(false));
    assert!(without.starts_with(b"date,user,pc,activity\n"));
    assert_eq!(t1.planted, t2.planted);
    let load = |csv: Vec<u8>| {
        LogonLoader::new()
            .load_reader("gen.csv", Cursor::new(csv))
            .unwrap()
    };
    let (a, b) = (load(with), load(without));
    assert_eq!(a.daily(Span::Global), b.daily(Span::Global));
    assert_eq!(a.summary(), b.summary());
}

#[test]
fn loaded_totals_match_ground_truth() {
    let g = LogonGenerator::new().users(50).days(100).planted(4).seed(8);
    let (csv, truth) = generate(&g);
    let c = LogonLoader::new()
        .load_reader("gen.csv", Cursor::new(csv))
        .unwrap();
    let s = c.summary();
    assert_eq!(s.rows, truth.rows);
    assert_eq!(
        (s.logons, s.logoffs, s.counted_logons),
        (truth.logons, truth.logons, truth.logons)
    );
    assert_eq!(s.users, 50);
    assert_eq!(s.skipped, 0);
    assert!(s.first_day.unwrap() >= parse_day(&truth.first_date).unwrap());
    assert!(s.last_day.unwrap() <= parse_day(&truth.last_date).unwrap());
    let total: u64 = c.daily(Span::User).iter().map(|d| d.total()).sum();
    assert_eq!(total, truth.logons);
}

#[test]
fn planted_users_log_on_after_hours_after_their_change_date() {
    let g = LogonGenerator::new()
        .users(80)
        .days(240)
        .planted(6)
        .seed(2024);
    let (csv, truth) = generate(&g);
    let counts = LogonLoader::new()
        .hour_window("18-7".parse::<HourWindow>().unwrap())
        .load_reader("gen.csv", Cursor::new(csv))
        .unwrap();
    let first = parse_day(&truth.first_date).unwrap();
    let last = parse_day(&truth.last_date).unwrap();
    let series = counts.daily(Span::Global);
    assert!(
        series
            .iter()
            .all(|d| d.first_day == first && d.last_day() == last)
    );
    let mean = |d: &[u32]| d.iter().map(|&c| f64::from(c)).sum::<f64>() / d.len() as f64;
    let split = |d: &[u32], change: i64| {
        let k = (change - first) as usize;
        (mean(&d[..k]), mean(&d[k..]))
    };

    assert_eq!(truth.planted.len(), 6);
    let planted: HashMap<&str, i64> = truth
        .planted
        .iter()
        .map(|p| (p.user.as_str(), p.change_day))
        .collect();
    for p in &truth.planted {
        assert_eq!(format_day(p.change_day), p.change_date);
        assert!(p.change_day > first && p.change_day <= last);
        let d = series.iter().find(|d| d.user == p.user).unwrap();
        let (before, after) = split(&d.counts, p.change_day);
        // Extra logons are 1..=3 a day, mean 2; the background is ~0.06.
        assert!(
            after - before > 1.5 && before < 0.3,
            "{}: before {before:.3}, after {after:.3}",
            p.user
        );
        // Every day from the change date on has an after-hours logon.
        let k = (p.change_day - first) as usize;
        assert!(d.counts[k..].iter().all(|&c| c >= 1), "{}", p.user);
        assert!(p.extra_logons >= (last - p.change_day + 1) as u64);
    }

    // Ordinary users, split at each planted change date: no increase.
    let mut ordinary = 0;
    for d in series
        .iter()
        .filter(|d| !planted.contains_key(d.user.as_str()))
    {
        ordinary += 1;
        for p in &truth.planted {
            let (before, after) = split(&d.counts, p.change_day);
            assert!(
                (after - before).abs() < 0.3 && after < 0.5,
                "{} split at {}: before {before:.3}, after {after:.3}",
                d.user,
                p.change_date
            );
        }
    }
    assert_eq!(ordinary, 74);
}

#[test]
fn weekends_are_quieter() {
    let g = LogonGenerator::new().users(50).days(70).planted(0).seed(1);
    let (csv, _) = generate(&g);
    let c = LogonLoader::new()
        .load_reader("gen.csv", Cursor::new(csv))
        .unwrap();
    let (mut weekday, mut weekend) = ((0u64, 0u64), (0u64, 0u64));
    for d in c.daily(Span::Global) {
        for (day, n) in d.iter() {
            let acc = if threatstat_datasets::cert::weekday(day) >= 5 {
                &mut weekend
            } else {
                &mut weekday
            };
            acc.0 += u64::from(n);
            acc.1 += 1;
        }
    }
    let (wd, we) = (
        weekday.0 as f64 / weekday.1 as f64,
        weekend.0 as f64 / weekend.1 as f64,
    );
    assert!((0.9..1.5).contains(&wd), "weekday mean {wd}");
    assert!(we < 0.2 * wd, "weekend mean {we}, weekday mean {wd}");
}
