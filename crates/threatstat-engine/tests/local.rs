//! DataFusion on one machine gives exactly the native results.
#![cfg(feature = "datafusion")]

mod common;

use threatstat_engine::{Engine, EngineError, Source};

#[test]
fn every_plan_equals_the_native_path() {
    common::check_all(&Engine::local_with_partitions(3).unwrap(), "local");
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let dir = common::temp_dir("bad");
    let e = Engine::local().unwrap();
    let missing = dir.join("nope.csv");
    let err = e
        .cert_daily_counts(&Source::csv(&missing), None, Default::default())
        .unwrap_err();
    assert!(
        matches!(err, EngineError::Io { .. }) && err.to_string().contains("nope.csv"),
        "{err}"
    );
    let bad = dir.join("logon.csv");
    std::fs::write(
        &bad,
        "id,date,user,pc,activity\n{1},01/04/2010 08:00:00,AAA0001,PC-1,Login\n",
    )
    .unwrap();
    let err = e
        .cert_daily_counts(&Source::csv(&bad), None, Default::default())
        .unwrap_err();
    assert!(
        matches!(err, EngineError::BadRows { count: 1, .. }),
        "{err}"
    );
    let events = common::exchange(&dir);
    let mut cols = common::exchange_columns();
    cols.event_col = "Command".into();
    let err = e
        .markov_counts(&Source::csv(&events), &cols, 0, None)
        .unwrap_err();
    assert!(err.to_string().contains("no column Command"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
