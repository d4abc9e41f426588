//! Extreme label parameters are errors, not index panics or wrapped sums
//! (issue 20, items 5 and 6).

use threatstat_core::Error;
use threatstat_features::FeaturesError;
use threatstat_features::entity::{EntitySet, LabelTimes};
use threatstat_features::log::{AuthLog, AuthRow};

fn entity_set() -> EntitySet {
    let rows: Vec<_> = (0..8)
        .map(|t| AuthRow {
            secs: t * 10,
            malicious: t == 4,
            fields: [
                "U1", "U1", "C1", "C2", "NTLM", "Network", "LogOn", "Success",
            ],
        })
        .collect();
    EntitySet::new(AuthLog::from_rows(&rows))
}

#[test]
fn huge_after_n_lead_or_window_is_an_error() {
    let es = entity_set();
    let max = usize::MAX;
    for p in [
        LabelTimes::params().after_n(max),
        LabelTimes::params().lead(max),
        LabelTimes::params().window(max),
        LabelTimes::params().after_n(max / 2).lead(max / 2 + 2),
        LabelTimes::params().lead(max - 2),
    ] {
        let e = p.generate(&es).unwrap_err();
        assert!(
            matches!(
                &e,
                FeaturesError::Core(Error::Param {
                    name: "after_n + lead + window",
                    ..
                })
            ),
            "{e:?}"
        );
    }
    // Large but representable values leave every session out.
    let lt = LabelTimes::params().after_n(1 << 40).generate(&es).unwrap();
    assert_eq!((lt.cutoffs.len(), lt.too_few), (0, 1));
}
