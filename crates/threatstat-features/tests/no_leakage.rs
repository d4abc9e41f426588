//! Rows at or after a session's cutoff cannot change any of its features.

use proptest::prelude::*;
use threatstat_features::dfs::Dfs;
use threatstat_features::entity::{EntitySet, LabelTimes};
use threatstat_features::log::{AuthLog, AuthRow};

const VALS: [&str; 4] = ["a", "b", "?", "C1"];

fn row(secs: i64, s: u8, f: [u8; 6], malicious: bool) -> AuthRow<'static> {
    const USERS: [&str; 4] = ["U1", "U2", "U3", "C9$"];
    let u = USERS[usize::from(s % 4)];
    let v = |k: usize| VALS[usize::from(f[k] % 4)];
    let result = if f[5].is_multiple_of(2) {
        "Success"
    } else {
        "Fail"
    };
    AuthRow {
        secs,
        fields: [u, u, v(0), v(1), v(2), v(3), v(4), result],
        malicious,
    }
}

type Raw = (i64, u8, [u8; 6], bool);

fn features(log: &AuthLog, lt: &LabelTimes, depth: usize) -> Vec<Vec<String>> {
    let es = EntitySet::new(log.clone());
    let fm = Dfs::params().depth(depth).compute(&es, lt).unwrap();
    (0..fm.n_rows())
        .map(|i| (0..fm.n_features()).map(|j| fm.text(i, j)).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn rows_at_or_after_the_cutoff_change_nothing(
        raw in proptest::collection::vec((0i64..40, 0u8..4, any::<[u8; 6]>(), any::<bool>()), 10..80),
        noise in proptest::collection::vec((any::<[u8; 6]>(), any::<bool>(), 0i64..5), 80),
        extra in proptest::collection::vec((0u8..4, any::<[u8; 6]>(), 0i64..10), 0..10),
        depth in 1usize..=3,
    ) {
        let mut raw: Vec<Raw> = raw;
        raw.sort_by_key(|r| r.0);
        let rows: Vec<AuthRow> = raw.iter().map(|&(t, s, f, m)| row(t, s, f, m)).collect();
        let log = AuthLog::from_rows(&rows);
        let es = EntitySet::new(log.clone());
        let lt = LabelTimes::params().min_observations(5).generate(&es).unwrap();
        prop_assume!(!lt.cutoffs.is_empty());
        let before = features(&log, &lt, depth);
        // Cutoff per user (sessions are (u, u), so per first field).
        let cut = |u: &str| {
            lt.cutoffs.iter().find(|c| es.session_id(c.session as usize).starts_with(&format!("{u} /")))
                .map(|c| c.time)
        };
        // Rewrite every row at or after its session's cutoff, and append
        // rows after the cutoffs.
        let mut changed: Vec<AuthRow> = Vec::new();
        for (k, (r, &(t, s, _, _))) in rows.iter().zip(&raw).enumerate() {
            let (f, m, dt) = noise[k % noise.len()];
            match cut(r.fields[0]) {
                Some(c) if r.secs >= c => {
                    let mut n = row(t + dt, s, f, m);
                    n.secs = n.secs.max(c);
                    changed.push(n);
                }
                _ => changed.push(r.clone()),
            }
        }
        for &(s, f, dt) in &extra {
            let r = row(0, s, f, true);
            if let Some(c) = cut(r.fields[0]) {
                changed.push(AuthRow { secs: c + dt, ..r });
            }
        }
        let after = features(&AuthLog::from_rows(&changed), &lt, depth);
        prop_assert_eq!(before, after);
    }
}
