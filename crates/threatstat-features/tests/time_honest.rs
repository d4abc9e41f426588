//! The time-honest evaluation: time split, train-only encoders, no
//! absolute-time features under the time split, no bootstrap interval from
//! a handful of positives, the predictions file.

use threatstat_features::dfs::encodes_absolute_time;
use threatstat_features::encode::one_hot;
use threatstat_features::entity::EntitySet;
use threatstat_features::log::{AuthLog, AuthRow};
use threatstat_features::pipeline::{MIN_CI_CLASS, Outcome, Pipeline, Split};

/// `users` sessions of 8 observations `spacing` s apart, user u starting at
/// u·50 s; every
/// `bad_every`-th user uses NTLM and turns malicious from observation 4.
/// Users from `late_from` on use the auth type `Late` (a level seen only in
/// the test period of a time split).
fn log(users: usize, bad_every: usize, late_from: usize) -> EntitySet {
    spaced(users, bad_every, late_from, 7)
}

fn spaced(users: usize, bad_every: usize, late_from: usize, spacing: i64) -> EntitySet {
    let names: Vec<String> = (0..users).map(|u| format!("U{u}")).collect();
    let mut log = AuthLog::default();
    for (u, name) in names.iter().enumerate() {
        let bad = u % bad_every == 0;
        for t in 0..8 {
            let kind = match (bad, u >= late_from) {
                (_, true) => "Late",
                (true, false) => "NTLM",
                (false, false) => "Kerberos",
            };
            let login = if bad && t % 2 == 0 {
                "Network"
            } else {
                "Interactive"
            };
            log.push(&AuthRow {
                secs: u as i64 * 50 + t * spacing,
                malicious: bad && t >= 4,
                fields: [name, name, "C1", "C2", kind, login, "LogOn", "Success"],
            });
        }
    }
    EntitySet::new(log)
}

fn quick(split: Split) -> Pipeline {
    Pipeline {
        n_trees: 10,
        folds: 3,
        bootstrap: 50,
        importance_repeats: 0,
        split,
        ..Pipeline::default()
    }
}

fn names(o: &Outcome) -> &[String] {
    o.design.names()
}

#[test]
fn time_split_tests_later_cutoffs_and_drops_absolute_time() {
    let es = log(200, 5, usize::MAX);
    let o = quick(Split::Time).run(&es).unwrap();
    let m = &o.metrics;
    assert_eq!(m.split, Split::Time);
    assert!(m.train_cutoffs[1] < m.test_cutoffs[0], "{m:?}");
    assert_eq!(m.n_test, 40);
    assert!(m.absolute_time_features_excluded);
    assert_eq!(m.n_absolute_time_features, 26);
    assert!(
        !names(&o).iter().any(|n| encodes_absolute_time(n)),
        "{:?}",
        names(&o)
    );
    // Forward chaining: the first of 4 blocks is never scored.
    assert_eq!(m.cv_roc_auc.len(), 3);
    assert_eq!(o.predictions.len(), 150);
    // The random split keeps them, as the demo did.
    let r = quick(Split::Random).run(&es).unwrap();
    assert!(!r.metrics.absolute_time_features_excluded);
    assert!(names(&r).iter().any(|n| n == "MAX(log.secs)"));
    assert_eq!(r.predictions.len(), 200);
    let json = serde_json::to_value(&r.metrics).unwrap();
    assert_eq!(json["split"], "random");
}

#[test]
fn a_level_seen_only_in_test_rows_gets_no_column() {
    // Users 180.. (the last 10 %, all in the time split's test set) use `Late`.
    let es = log(200, 5, 180);
    let o = quick(Split::Time).run(&es).unwrap();
    assert!(o.metrics.train_cutoffs[1] < o.metrics.test_cutoffs[0]);
    let late: Vec<&String> = names(&o).iter().filter(|n| n.contains("Late")).collect();
    assert!(late.is_empty(), "{late:?}");
    // Every training row has a known auth type, so `is unknown` is constant
    // on them and the filter (fitted on them) drops it; a test row of
    // `Late` is 0 in every auth-type column.
    let unknown = "MODE(log.auth_type) is unknown";
    assert!(!names(&o).iter().any(|n| n == unknown));
    let last = o.design.n_rows() - 1;
    let auth: Vec<usize> = (0..o.design.n_cols())
        .filter(|&j| names(&o)[j].starts_with("MODE(log.auth_type) = "))
        .collect();
    assert_eq!(auth.len(), 2);
    assert!(auth.iter().all(|&j| o.design.get(last, j) == 0.0));
    // Fitted on all rows (featuretools' way), the test-only level had its
    // own column.
    let all = one_hot(&o.features).remove_low_information();
    assert!(
        all.names()
            .iter()
            .any(|n| n == "MODE(log.auth_type) = Late")
    );
}

#[test]
fn no_bootstrap_interval_from_a_few_positives() {
    let few = quick(Split::Random).run(&log(200, 10, usize::MAX)).unwrap();
    assert!(few.metrics.n_test_pos < MIN_CI_CLASS);
    assert!(few.metrics.roc_auc_ci.is_none());
    let note = few.metrics.roc_auc_ci_note.as_deref().unwrap();
    assert!(note.contains("fewer than 20"), "{note}");
    let json = serde_json::to_value(&few.metrics).unwrap();
    assert!(json["roc_auc_ci"].is_null());
    let many = quick(Split::Random).run(&log(500, 4, usize::MAX)).unwrap();
    assert!(
        many.metrics.n_test_pos >= MIN_CI_CLASS,
        "{:?}",
        many.metrics
    );
    let [lo, hi] = many.metrics.roc_auc_ci.unwrap();
    assert!(lo <= many.metrics.roc_auc && many.metrics.roc_auc <= hi);
    assert!(many.metrics.roc_auc_ci_note.is_none());
}

#[test]
fn predictions_csv_has_one_scored_row_per_out_of_fold_cutoff() {
    let es = log(200, 5, usize::MAX);
    let o = quick(Split::Time).run(&es).unwrap();
    let dir = std::env::temp_dir().join(format!("threatstat-time-honest-{}", std::process::id()));
    o.write(&dir).unwrap();
    let text = std::fs::read_to_string(dir.join("predictions.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("session_id,user,cutoff_time,label,score,fold")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), o.predictions.len());
    for r in &rows {
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].split(" / ").next(), Some(r[1]));
        let s: f64 = r[4].parse().unwrap();
        assert!((0.0..=1.0).contains(&s));
        assert!(r[3] == "True" || r[3] == "False");
        let f: usize = r[5].parse().unwrap();
        assert!(f < 3);
    }
    let feats = std::fs::read_to_string(dir.join("features.csv")).unwrap();
    assert!(feats.starts_with("feature,kind,absolute_time,excluded\n"));
    assert!(feats.contains("\nMAX(log.secs),numeric,True,True\n"));
    assert!(feats.contains("\nSTD(log.secs),numeric,False,False\n"));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["split"], "time");
    assert!(m["threshold"]["true_positives"].is_u64());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_given_threshold_is_reported() {
    let es = log(200, 5, usize::MAX);
    let p = Pipeline {
        threshold: Some(0.3),
        ..quick(Split::Random)
    };
    let t = p.run(&es).unwrap().metrics.threshold;
    assert_eq!(t.threshold, 0.3);
    assert!(t.chosen_by.contains("given"));
    assert_eq!(
        t.true_positives + t.false_positives + t.true_negatives + t.false_negatives,
        40
    );
    let bad = Pipeline {
        threshold: Some(1.5),
        ..quick(Split::Random)
    };
    let e = bad.run(&es).unwrap_err();
    assert!(
        matches!(
            e,
            threatstat_features::FeaturesError::Core(threatstat_core::Error::Param {
                name: "threshold",
                ..
            })
        ),
        "{e:?}"
    );
}

#[test]
fn labels_determined_in_the_test_period_are_not_trained_on() {
    // Observations 100 s apart: user u's label is determined at u·50 + 400
    // (positive, observation 4) or u·50 + 700 (negative, the last). The test
    // period starts at user 160's cutoff, 160·50 + 200 = 8,200.
    let es = spaced(200, 5, usize::MAX, 100);
    let o = quick(Split::Time).run(&es).unwrap();
    let m = &o.metrics;
    assert_eq!(m.test_cutoffs[0], 8200);
    // The 8 negatives of users 150..160 are purged; the positives 150 and
    // 155, determined at 7,900 and 8,150, are kept.
    assert_eq!((m.n_purged, m.n_train), (8, 152));
    assert!(m.purge);
    let all = Pipeline {
        purge: false,
        ..quick(Split::Time)
    }
    .run(&es)
    .unwrap();
    assert_eq!((all.metrics.n_purged, all.metrics.n_train), (0, 160));
    assert!(!all.metrics.purge);
}
