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
    assert!(
        matches!(
            &err,
            EngineError::Core(threatstat_core::Error::MissingColumn { column, .. }) if column == "Command"
        ),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Ties, unknown computers, machine accounts, failures, logoffs and other
/// logon types, on a hand-written `auth.txt`: the engine agrees with the
/// native counter.
#[test]
fn owner_rule_edge_cases_match_native() {
    let dir = common::temp_dir("edges");
    let auth = dir.join("auth.txt");
    let lines = [
        // C1: U2 and U10 tie with one logon each: the smaller in byte order ("U10@DOM1") wins.
        "1,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Interactive,LogOn,Success",
        "2,U10@DOM1,U10@DOM1,C1,C1,Kerberos,RemoteInteractive,LogOn,Success",
        // Not counted: failure, logoff, network logon, machine account, unknown computer.
        "3,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Interactive,LogOn,Fail",
        "4,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Interactive,LogOff,Success",
        "5,U2@DOM1,U2@DOM1,C1,C1,Kerberos,Network,LogOn,Success",
        "6,C1$@DOM1,C1$@DOM1,C1,C1,Kerberos,Interactive,LogOn,Success",
        "7,U3@DOM1,U3@DOM1,?,C2,Kerberos,Interactive,LogOn,Success",
        "8,ANONYMOUS LOGON@C2,U3@DOM1,C2,C2,NTLM,Interactive,LogOn,Success",
        // C3: a local account owns it.
        "9,U7@C3,U7@C3,C3,C3,Negotiate,CachedInteractive,LogOn,Success",
        "10,U7@C3,U7@C3,C3,C3,Negotiate,CachedInteractive,LogOn,Success",
        "11,U8@DOM1,U8@DOM1,C3,C3,Negotiate,CachedInteractive,LogOn,Success",
    ];
    std::fs::write(&auth, lines.join("\n") + "\n").unwrap();
    let e = Engine::local().unwrap();
    for rule in common::owner_rules() {
        let native = common::native_owners(&auth, &rule);
        let got = e.lanl_owners(&Source::csv(&auth), &rule).unwrap();
        assert_eq!(got.entries(), native.entries(), "{rule:?}");
    }
    let d = e
        .lanl_owners(&Source::csv(&auth), &Default::default())
        .unwrap();
    assert_eq!(
        (d.owner("C1"), d.owner("C2"), d.owner("C3")),
        (Some("U10@DOM1"), None, Some("U7@C3"))
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The Spark SQL texts parse in a Spark-family dialect (Databricks, as
/// sqlparser spells Spark SQL). CI has no Spark: `tests/spark_parity.rs`
/// compares results stored from a run on Spark with the native path.
#[test]
fn spark_sql_parses() {
    use datafusion::sql::sqlparser::dialect::DatabricksDialect;
    use datafusion::sql::sqlparser::parser::Parser;
    for (name, text) in threatstat_engine::sql::spark_files() {
        let statements = Parser::parse_sql(&DatabricksDialect {}, &text)
            .unwrap_or_else(|e| panic!("spark/{name} does not parse: {e}"));
        assert_eq!(statements.len(), 1, "{name}");
    }
}
