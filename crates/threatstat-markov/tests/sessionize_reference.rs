//! `SessionizeParams::split` against a direct transcription of msticpy's
//! `sessionize_data`: sort by the user columns as strings (a missing value as
//! `"dummy_str"`), then time, then input row; cut on a new user, a long gap or
//! a long session.

use proptest::prelude::*;
use threatstat_markov::sessionize::{MISSING_USER, SessionizeParams, UserKeys};

/// Values chosen to share prefixes, to be empty, missing, the missing-value
/// stand-in itself, and to contain the unit separator that once joined the
/// columns of a key (so that `("a\u{1f}", "b")` and `("a", "\u{1f}b")` merged).
const VALUES: [Option<&str>; 8] = [
    None,
    Some(""),
    Some("a"),
    Some("ab"),
    Some("b"),
    Some(MISSING_USER),
    Some("a\u{1f}"),
    Some("\u{1f}b"),
];

type Rows = Vec<(Vec<Option<String>>, i64)>;

/// Sessions (rows, and the key's values) the way msticpy makes them.
#[allow(clippy::type_complexity)]
fn reference(rows: &Rows, max_session: i64, max_gap: i64) -> Vec<(Vec<u32>, Vec<Option<String>>)> {
    let keys: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| {
            r.0.iter()
                .map(|v| v.as_deref().unwrap_or(MISSING_USER))
                .collect()
        })
        .collect();
    let key = |r: usize| &keys[r];
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| (key(a), rows[a].1, a).cmp(&(key(b), rows[b].1, b)));
    let mut out: Vec<(Vec<u32>, Vec<Option<String>>)> = Vec::new();
    let mut start = 0;
    for (i, &r) in order.iter().enumerate() {
        let t = rows[r].1;
        let new = i == 0 || {
            let p = order[i - 1];
            key(p) != key(r) || t - rows[p].1 > max_gap || t - start > max_session
        };
        if new {
            let values = key(r)
                .iter()
                .map(|&v| (v != MISSING_USER).then(|| v.to_string()))
                .collect();
            out.push((Vec::new(), values));
            start = t;
        }
        out.last_mut().expect("pushed").0.push(r as u32);
    }
    out
}

#[allow(clippy::type_complexity)]
fn split(
    rows: &Rows,
    n_cols: usize,
    max_session: i64,
    max_gap: i64,
) -> Vec<(Vec<u32>, Vec<Option<String>>)> {
    let mut users = UserKeys::new(n_cols);
    for (values, _) in rows {
        let values: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        users.push(&values);
    }
    let times: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let p = SessionizeParams::new(max_session as f64, max_gap as f64).unwrap();
    const MIN: i64 = 60_000_000_000;
    let times_ns: Vec<i64> = times.iter().map(|t| t * MIN).collect();
    let s = p.split(&users, &times_ns).unwrap();
    (0..s.len())
        .map(|i| {
            (
                s.session(i).to_vec(),
                users
                    .values(s.key(i))
                    .map(|v| v.map(str::to_string))
                    .collect(),
            )
        })
        .collect()
}

fn rows_strategy() -> impl Strategy<Value = (usize, Rows)> {
    (0usize..4).prop_flat_map(|n_cols| {
        let row = (
            proptest::collection::vec(
                proptest::sample::select(&VALUES[..]).prop_map(|v| v.map(str::to_string)),
                n_cols,
            ),
            0i64..40,
        );
        (Just(n_cols), proptest::collection::vec(row, 0..60))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn split_matches_msticpy_order_and_cuts((n_cols, rows) in rows_strategy(), max_session in 0i64..20, max_gap in 0i64..6) {
        prop_assert_eq!(split(&rows, n_cols, max_session, max_gap), reference(&rows, max_session, max_gap));
    }
}

#[test]
fn separator_inside_values_does_not_merge_keys() {
    let rows: Rows = vec![
        (vec![Some("a\u{1f}".into()), Some("b".into())], 0),
        (vec![Some("a".into()), Some("\u{1f}b".into())], 0),
    ];
    assert_eq!(split(&rows, 2, 20, 2).len(), 2);
}

#[test]
fn many_distinct_keys_take_the_parallel_sorts_and_agree() {
    // Above the 100,000 distinct keys (and values of one column) where the
    // ranks are sorted in parallel.
    let mut x: u64 = 7;
    let rows: Rows = (0..150_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (u, ip, t) = ((x >> 20) % 400, (x >> 30) % (1 << 22), (x >> 56) % 50);
            let ip = format!("10.{}.{}.{}", ip >> 16, (ip >> 8) & 255, ip & 255);
            (vec![Some(format!("u{u}")), Some(ip)], t as i64)
        })
        .collect();
    let s = split(&rows, 2, 20, 2);
    assert!(s.len() > 100_000, "{}", s.len());
    assert_eq!(s, reference(&rows, 20, 2));
}
