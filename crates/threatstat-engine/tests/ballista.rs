//! The same plans on a Ballista cluster (a scheduler and two executors on
//! loopback, shuffles over Arrow Flight) give exactly the single-machine
//! and native results.
#![cfg(feature = "ballista")]

mod common;

use threatstat_engine::Engine;

#[test]
fn loopback_cluster_equals_the_single_machine_path() {
    let engine = Engine::loopback(2, 2).unwrap();
    assert_eq!(engine.backend_name(), "ballista");
    common::check_all(&engine, "ballista");
}
