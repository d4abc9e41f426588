//! The committed Spark SQL files are what the code generates.

#[test]
fn spark_files_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spark");
    for (name, text) in threatstat_engine::sql::spark_files() {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert_eq!(
            on_disk, text,
            "spark/{name} is stale: run `cargo run -p threatstat-engine --example spark_sql`"
        );
    }
}
