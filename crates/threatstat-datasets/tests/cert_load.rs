//! The CERT logon loader: calendar order, zero days, columns, gzip, spans,
//! hour windows and bad rows.

use std::io::Write;
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_datasets::DatasetError;
use threatstat_datasets::cert::{
    DailyCounts, HourWindow, LogonCounts, LogonLoader, Span, format_day, parse_day,
};

/// Writes `text` to a fresh file named `name` and returns its path.
fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("threatstat-datasets-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn load(name: &str, text: &str) -> LogonCounts {
    LogonLoader::new()
        .load(file(name, text.as_bytes()))
        .unwrap()
}

fn day(s: &str) -> i64 {
    parse_day(s).unwrap()
}

/// The count on `date` in a series (panics if the date is outside it).
fn on(d: &DailyCounts, date: &str) -> u32 {
    let i = day(date) - d.first_day;
    assert!(
        i >= 0 && (i as usize) < d.counts.len(),
        "{date} not in series"
    );
    d.counts[i as usize]
}

/// Rows deliberately not in time order, across a year end, month ends and
/// the leap day of 2012, with days without logons in between.
const SHUFFLED: &str = "\
id,date,user,pc,activity
{A},01/10/2012 08:00:00,AAA0001,PC-0001,Logon
{B},02/29/2012 09:00:00,AAA0001,PC-0001,Logon
{C},12/30/2011 08:00:00,AAA0001,PC-0001,Logon
{D},01/02/2012 08:00:00,AAA0001,PC-0001,Logon
{E},03/01/2012 17:00:00,AAA0001,PC-0001,Logoff
{F},02/29/2012 10:00:00,AAA0001,PC-0001,Logon
{G},01/02/2012 12:00:00,AAA0001,PC-0001,Logon
{H},02/28/2012 08:00:00,AAA0001,PC-0001,Logon
{I},02/29/2012 23:59:59,AAA0001,PC-0001,Logon
{J},01/02/2012 12:30:00,AAA0001,PC-0001,Logoff
";

#[test]
fn counts_are_in_calendar_order_with_zero_days() {
    let c = load("shuffled.csv", SHUFFLED);
    let d = c.user_daily("AAA0001", Span::User).unwrap();
    // From the first to the last day with any event (the last is a logoff).
    assert_eq!(d.first_day, day("2011-12-30"));
    assert_eq!(d.last_day(), day("2012-03-01"));
    // 2 days of 2011, 31 of January, 29 of February (leap), 1 of March.
    assert_eq!(d.counts.len(), 2 + 31 + 29 + 1);
    let dates = d.dates();
    assert_eq!(dates[0], "2011-12-30");
    assert_eq!(dates[1], "2011-12-31");
    assert_eq!(dates[2], "2012-01-01");
    assert_eq!(dates[dates.len() - 3], "2012-02-28");
    assert_eq!(dates[dates.len() - 2], "2012-02-29");
    assert_eq!(dates[dates.len() - 1], "2012-03-01");
    // Consecutive calendar days, each exactly once.
    for (k, (dn, _)) in d.iter().enumerate() {
        assert_eq!(dn, d.first_day + k as i64);
        assert_eq!(format_day(dn), dates[k]);
    }
    let expected = [
        ("2011-12-30", 1),
        ("2012-01-02", 2),
        ("2012-01-10", 1),
        ("2012-02-28", 1),
        ("2012-02-29", 3),
        ("2012-03-01", 0),
    ];
    for (date, n) in expected {
        assert_eq!(on(&d, date), n, "{date}");
    }
    assert_eq!(d.total(), 8);
    let nonzero = d.counts.iter().filter(|&&n| n > 0).count();
    assert_eq!(nonzero, 5, "every other day is a zero");

    // The published analysis sorted CERT date strings: that order is not
    // calendar order (01/10 before 01/02 is false, 12/30/2011 comes last).
    let mut strings = vec!["01/10/2012", "12/30/2011", "01/02/2012", "02/29/2012"];
    strings.sort();
    assert_eq!(
        strings,
        ["01/02/2012", "01/10/2012", "02/29/2012", "12/30/2011"]
    );
    // Ours: strictly increasing day numbers among the days with logons.
    let days_with_logons: Vec<String> = d
        .iter()
        .filter(|&(_, n)| n > 0)
        .map(|(dn, _)| format_day(dn))
        .collect();
    assert_eq!(
        days_with_logons,
        [
            "2011-12-30",
            "2012-01-02",
            "2012-01-10",
            "2012-02-28",
            "2012-02-29"
        ]
    );
    let s = c.summary();
    assert_eq!((s.rows, s.logons, s.logoffs, s.skipped), (10, 8, 2, 0));
    assert_eq!(
        (s.first_day, s.last_day),
        (Some(day("2011-12-30")), Some(day("2012-03-01")))
    );
    assert_eq!(s.users, 1);
}

#[test]
fn lexicographically_misordered_january_days() {
    // "01/10/2010" < "01/02/2010" as strings; by calendar 01/02 comes first.
    let c = load(
        "jan.csv",
        "date,user,pc,activity\n\
         01/10/2010 09:00:00,U,PC-1,Logon\n\
         01/02/2010 09:00:00,U,PC-1,Logon\n\
         01/02/2010 10:00:00,U,PC-1,Logon\n",
    );
    let d = c.user_daily("U", Span::User).unwrap();
    assert_eq!(d.first_day, day("2010-01-02"));
    assert_eq!(d.counts, [2, 0, 0, 0, 0, 0, 0, 0, 1]);
}

#[test]
fn with_and_without_id_column_and_any_order() {
    let with_id = load("with_id.csv", SHUFFLED);
    let without: String = SHUFFLED
        .lines()
        .map(|l| l.split_once(',').unwrap().1)
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(without.starts_with("date,user,pc,activity\n"));
    let without_id = load("without_id.csv", &without);
    // Columns in another order: activity,pc,user,date,id.
    let reordered: String = SHUFFLED
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{},{}\n", f[4], f[3], f[2], f[1], f[0])
        })
        .collect();
    let reordered = load("reordered.csv", &reordered);
    for span in [Span::User, Span::Global] {
        assert_eq!(with_id.daily(span), without_id.daily(span));
        assert_eq!(with_id.daily(span), reordered.daily(span));
    }
    assert_eq!(with_id.summary(), without_id.summary());
    // Windows line ends and a byte-order mark, as spreadsheet exports have.
    let crlf = format!("\u{feff}{}", SHUFFLED.replace('\n', "\r\n"));
    let crlf = load("crlf.csv", &crlf);
    assert_eq!(with_id.daily(Span::User), crlf.daily(Span::User));
}

#[test]
fn gzip_input() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(SHUFFLED.as_bytes()).unwrap();
    let p = file("logon.csv.gz", &enc.finish().unwrap());
    let gz = LogonLoader::new().load(&p).unwrap();
    let plain = load("plain.csv", SHUFFLED);
    assert_eq!(gz.daily(Span::User), plain.daily(Span::User));
    assert_eq!(gz.summary(), plain.summary());
}

#[test]
fn user_span_and_global_span() {
    let c = load(
        "spans.csv",
        "id,date,user,pc,activity\n\
         {1},01/04/2010 09:00:00,BBB0002,PC-2,Logon\n\
         {2},01/01/2010 09:00:00,AAA0001,PC-1,Logon\n\
         {3},01/02/2010 09:00:00,AAA0001,PC-1,Logon\n\
         {4},01/06/2010 19:00:00,BBB0002,PC-2,Logoff\n\
         {5},01/08/2010 09:00:00,CCC0003,PC-3,Logoff\n",
    );
    let user = c.daily(Span::User);
    let names: Vec<&str> = user.iter().map(|d| d.user.as_str()).collect();
    assert_eq!(names, ["AAA0001", "BBB0002", "CCC0003"]);
    assert_eq!(
        (user[0].first_day, user[0].counts.clone()),
        (day("2010-01-01"), vec![1, 1])
    );
    assert_eq!(
        (user[1].first_day, user[1].counts.clone()),
        (day("2010-01-04"), vec![1, 0, 0])
    );
    // A user with only a logoff has a one-day series of zero logons.
    assert_eq!(
        (user[2].first_day, user[2].counts.clone()),
        (day("2010-01-08"), vec![0])
    );

    let global = c.daily(Span::Global);
    for d in &global {
        assert_eq!(d.first_day, day("2010-01-01"));
        assert_eq!(d.last_day(), day("2010-01-08"));
    }
    assert_eq!(global[0].counts, [1, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(global[1].counts, [0, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(global[2].counts, [0; 8]);
    assert_eq!(c.summary().days(), 8);
}

const HOURS: &str = "\
date,user,pc,activity
01/04/2010 17:59:59,U,PC-1,Logon
01/04/2010 18:00:00,U,PC-1,Logon
01/04/2010 23:59:59,U,PC-1,Logon
01/05/2010 00:00:00,U,PC-1,Logon
01/05/2010 06:59:59,U,PC-1,Logon
01/05/2010 07:00:00,U,PC-1,Logon
01/05/2010 19:00:00,U,PC-1,Logoff
01/06/2010 08:59:59,U,PC-1,Logon
01/06/2010 09:00:00,U,PC-1,Logon
01/06/2010 16:59:59,U,PC-1,Logon
01/06/2010 17:00:00,U,PC-1,Logon
01/07/2010 12:00:00,U,PC-1,Logon
";

fn windowed(window: &str) -> LogonCounts {
    LogonLoader::new()
        .hour_window(window.parse::<HourWindow>().unwrap())
        .load(file(&format!("hours-{window}.csv"), HOURS.as_bytes()))
        .unwrap()
}

#[test]
fn after_hours_window_counts_only_after_hours_logons() {
    let c = windowed("18-7");
    let d = c.user_daily("U", Span::User).unwrap();
    // 01/04: 18:00, 23:59:59; 01/05: 00:00, 06:59:59 (not 07:00, and the
    // 19:00 row is a logoff); 01/06: none of 08:59:59..17:00; 01/07: none,
    // but the day is still in the series as a real zero.
    assert_eq!(d.first_day, day("2010-01-04"));
    assert_eq!(d.counts, [2, 2, 0, 0]);
    let s = c.summary();
    assert_eq!((s.logons, s.counted_logons, s.logoffs), (11, 4, 1));
    assert_eq!(s.hour_window, Some("18-7".parse().unwrap()));
}

#[test]
fn working_hours_window() {
    let d = windowed("9-17").user_daily("U", Span::User).unwrap();
    // 01/04 17:59:59 no; 01/05 07:00 no; 01/06 09:00 and 16:59:59; 01/07 12:00.
    assert_eq!(d.counts, [0, 0, 2, 1]);
    let all = windowed("0-24").user_daily("U", Span::User).unwrap();
    assert_eq!(all.counts, [3, 3, 4, 1]);
    assert_eq!(
        all,
        load("hours-none.csv", HOURS)
            .user_daily("U", Span::User)
            .unwrap()
    );
}

#[test]
fn invalid_hour_windows_are_errors() {
    for s in ["7-7", "25-3", "3-25", "24-5", "18", "18-x", "", "-5"] {
        let e = s.parse::<HourWindow>().unwrap_err();
        assert!(matches!(e, DatasetError::HourWindow { .. }), "{s}");
        assert!(e.to_string().contains(&format!("`{s}`")), "{e}");
    }
}

#[test]
fn iso_dates_are_accepted() {
    let c = load(
        "iso.csv",
        "date,user,pc,activity\n\
         2010-01-02T06:49:00,U,PC-1,Logon\n\
         01/03/2010 06:49:00,U,PC-1,Logon\n\
         2010-01-04 20:00:00,U,PC-1,Logon\n",
    );
    assert_eq!(c.user_daily("U", Span::User).unwrap().counts, [1, 1, 1]);
}

#[test]
fn header_only_file_is_empty() {
    let c = load("empty.csv", "id,date,user,pc,activity\n");
    assert!(c.daily(Span::Global).is_empty());
    assert_eq!(c.summary().rows, 0);
    assert_eq!(c.summary().days(), 0);
}

/// A file with one good row and then `bad` at line 3.
fn with_bad_row(name: &str, bad: &str) -> PathBuf {
    let text = format!(
        "id,date,user,pc,activity\n\
         {{1}},01/02/2010 06:49:00,NGF0157,PC-6056,Logon\n\
         {bad}\n\
         {{3}},01/03/2010 06:49:00,NGF0157,PC-6056,Logon\n"
    );
    file(name, text.as_bytes())
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let cases = [
        (
            "bad_date.csv",
            "{2},13/45/2010 06:49:00,NGF0157,PC-6056,Logon",
            Some("date"),
            "13/45/2010",
        ),
        (
            "bad_time.csv",
            "{2},01/02/2010 6:49 PM,NGF0157,PC-6056,Logon",
            Some("date"),
            "%m/%d/%Y %H:%M:%S",
        ),
        (
            "empty_user.csv",
            "{2},01/02/2010 06:49:00,,PC-6056,Logon",
            Some("user"),
            "empty",
        ),
        (
            "login.csv",
            "{2},01/02/2010 06:49:00,NGF0157,PC-6056,Login",
            Some("activity"),
            "found `Login`",
        ),
        (
            "lowercase.csv",
            "{2},01/02/2010 06:49:00,NGF0157,PC-6056,logon",
            Some("activity"),
            "expected `Logon` or `Logoff`",
        ),
        (
            "ragged.csv",
            "{2},01/02/2010 06:49:00,NGF0157,Logon",
            None,
            "expected 5 fields",
        ),
    ];
    for (name, row, field, needle) in cases {
        let p = with_bad_row(name, row);
        let e = LogonLoader::new().load(&p).unwrap_err().to_string();
        let at = format!("{}:3", p.display());
        assert!(e.contains(&at), "{name}: {e}");
        if let Some(f) = field {
            assert!(e.contains(&format!("{at}: field `{f}`")), "{name}: {e}");
        }
        assert!(e.contains(needle), "{name}: {e}");

        // Skipped and counted under the Skip policy.
        let c = LogonLoader::new()
            .bad_rows(BadRowPolicy::Skip)
            .load(&p)
            .unwrap();
        let s = c.summary();
        assert_eq!((s.rows, s.logons, s.skipped), (3, 2, 1), "{name}");
        assert_eq!(c.skip_report().skipped, 1);
        assert!(c.skip_report().examples[0].contains(&at), "{name}");
        assert_eq!(
            c.user_daily("NGF0157", Span::User).unwrap().counts,
            [1, 1],
            "{name}"
        );
    }
}

#[test]
fn skip_policy_counts_every_bad_row() {
    let text = "date,user,pc,activity\n\
                01/02/2010 06:49:00,A,PC-1,Logon\n\
                01/02/2010,A,PC-1,Logon\n\
                01/02/2010 07:00:00,,PC-1,Logon\n\
                01/02/2010 07:00:00,A,PC-1,Login\n\
                01/02/2010 07:00:00,A,PC-1\n\
                01/02/2010 08:00:00,A,PC-1,Logoff\n";
    let c = LogonLoader::new()
        .bad_rows(BadRowPolicy::Skip)
        .load(file("many_bad.csv", text.as_bytes()))
        .unwrap();
    let s = c.summary();
    assert_eq!((s.rows, s.logons, s.logoffs, s.skipped), (6, 1, 1, 4));
    let report = c.skip_report().to_string();
    assert!(report.starts_with("skipped 4 bad row(s)"), "{report}");
    for (line, what) in [
        (3, "`date`"),
        (4, "`user`"),
        (5, "`activity`"),
        (6, "fields"),
    ] {
        assert!(report.contains(&format!("many_bad.csv:{line}")), "{report}");
        assert!(report.contains(what), "{report}");
    }
    // Users from bad rows are not users.
    assert_eq!(c.users(), ["A"]);
}

#[test]
fn missing_column_names_file_and_column() {
    for (name, header, missing) in [
        ("no_activity.csv", "id,date,user,pc", "activity"),
        ("no_user.csv", "id,date,pc,activity", "user"),
        ("no_date.csv", "id,time,user,pc,activity", "date"),
    ] {
        let p = file(name, format!("{header}\n").as_bytes());
        let e = LogonLoader::new()
            .bad_rows(BadRowPolicy::Skip)
            .load(&p)
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            matches!(
                e,
                DatasetError::Core(threatstat_core::Error::MissingColumn { .. })
            ),
            "{msg}"
        );
        assert!(msg.contains(&format!("{}:1", p.display())), "{msg}");
        assert!(msg.contains(&format!("`{missing}`")), "{msg}");
    }
}

#[test]
fn corrupt_gzip_stops_even_when_skipping() {
    // An I/O or decompression error is not a bad row: the CSV reader stops
    // after it, so "skipping" it would silently lose the rest of the file.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"date,user,pc,activity\n").unwrap();
    for i in 0..5000 {
        writeln!(enc, "01/02/2010 06:49:00,U{i},PC-1,Logon").unwrap();
    }
    let mut gz = enc.finish().unwrap();
    gz.truncate(gz.len() / 2);
    let p = file("truncated.csv.gz", &gz);
    let r = LogonLoader::new().bad_rows(BadRowPolicy::Skip).load(&p);
    let e = r.unwrap_err().to_string();
    // An I/O error naming the file (flate2: "incomplete deflate stream").
    assert!(
        e.contains("truncated.csv.gz") && e.contains("deflate"),
        "{e}"
    );
}
