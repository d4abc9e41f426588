//! The merge law of every mergeable loader result: random input split at
//! random points, each part loaded alone, the parts merged, equals the
//! whole loaded at once ([`check_merge_law`]). (`UploadAggregator`'s is in
//! its module: its test needs the module's direct-map oracle.)

use proptest::prelude::*;
use threatstat_core::model::check_merge_law;
use threatstat_datasets::cert::{Activity, LocalDateTime, LogonCounts};
use threatstat_datasets::cloudtrail::{Bucket, PairTable};
use threatstat_datasets::lanl::{AuthReader, OwnerCounter, OwnerCounts, OwnerRule};

/// `0..=len` cut into consecutive ranges at `cuts`.
fn ranges(len: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut c: Vec<usize> = cuts.iter().map(|&x| x.min(len)).collect();
    c.push(0);
    c.push(len);
    c.sort_unstable();
    c.windows(2).map(|w| (w[0], w[1])).collect()
}

fn law<T>(whole: &T, parts: &[T]) -> Result<(), TestCaseError>
where
    T: threatstat_core::Merge + Clone + PartialEq + std::fmt::Debug,
    T::Error: std::fmt::Display,
{
    check_merge_law(whole, parts).map_err(TestCaseError::fail)
}

proptest! {
    #[test]
    fn logon_counts_merge_law(
        ev in proptest::collection::vec((0u8..5, 0i64..30, 0u32..86_400, any::<bool>()), 0..80),
        cuts in proptest::collection::vec(0usize..80, 0..4),
        window in any::<bool>(),
    ) {
        let w = window.then(|| "18-7".parse().unwrap());
        let load = |ev: &[(u8, i64, u32, bool)]| {
            let mut c = LogonCounts::new(w);
            for &(u, d, s, on) in ev {
                let a = if on { Activity::Logon } else { Activity::Logoff };
                c.record(&format!("u{u}"), LocalDateTime::new(d, s), a);
            }
            c
        };
        let parts: Vec<_> = ranges(ev.len(), &cuts).into_iter().map(|(a, b)| load(&ev[a..b])).collect();
        law(&load(&ev), &parts)?;
    }

    #[test]
    fn pair_table_merge_law(
        ev in proptest::collection::vec((0u8..4, 0u8..3, 0u8..4, 0i64..(20 * 86_400)), 0..80),
        cuts in proptest::collection::vec(0usize..80, 0..4),
        hour in any::<bool>(),
    ) {
        let bucket = if hour { Bucket::Hour } else { Bucket::Day };
        let load = |ev: &[(u8, u8, u8, i64)]| {
            let mut t = PairTable::new(bucket, None);
            for &(p, r, a, s) in ev {
                t.add(&format!("p{p}"), &format!("p{p}/s{r}"), &format!("Api{a}"), s * 1_000_000_000);
            }
            t
        };
        let parts: Vec<_> = ranges(ev.len(), &cuts).into_iter().map(|(a, b)| load(&ev[a..b])).collect();
        law(&load(&ev), &parts)?;
    }

    #[test]
    fn owner_counts_merge_law(
        ev in proptest::collection::vec((0u8..4, 0u8..6, 0u8..3, any::<bool>()), 0..80),
        cuts in proptest::collection::vec(0usize..80, 0..4),
    ) {
        const TYPES: [&str; 3] = ["Interactive", "Network", "RemoteInteractive"];
        let load = |ev: &[(u8, u8, u8, bool)]| {
            let text: String = ev
                .iter()
                .enumerate()
                .map(|(i, &(u, c, t, ok))| {
                    let user = if u == 3 { "C9$@DOM1".to_string() } else { format!("U{u}@DOM1") };
                    let outcome = if ok { "Success" } else { "Fail" };
                    format!("{i},{user},{user},C{c},C{c},Negotiate,{},LogOn,{outcome}\n", TYPES[t as usize])
                })
                .collect();
            let mut r = AuthReader::from_reader("auth.txt", std::io::Cursor::new(text));
            let mut c = OwnerCounter::new(OwnerRule::default()).unwrap();
            while let Some(e) = r.next_event().unwrap() {
                c.add(r.names(), &e);
            }
            OwnerCounts::new(r.names().clone(), c)
        };
        let parts: Vec<_> = ranges(ev.len(), &cuts).into_iter().map(|(a, b)| load(&ev[a..b])).collect();
        let whole = load(&ev);
        law(&whole, &parts)?;
        // The merged counts give the same owners as the whole.
        let mut merged = parts[0].clone();
        for p in &parts[1..] {
            threatstat_core::Merge::merge(&mut merged, p).unwrap();
        }
        let (m, w) = (merged.finish(), whole.finish());
        prop_assert_eq!(m.entries(), w.entries());
        prop_assert_eq!(m.summary(), w.summary());
    }
}
