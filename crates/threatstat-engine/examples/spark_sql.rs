//! Writes every plan in Spark SQL to `crates/threatstat-engine/spark/`
//! (default parameters; the CERT window is the after-hours `18-7`), for
//! users who run Spark. `tests/spark_sql.rs` checks the files stay current.
//!
//! `cargo run -p threatstat-engine --example spark_sql`

use threatstat_engine::sql::spark_files;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spark");
    std::fs::create_dir_all(&dir)?;
    for (name, text) in spark_files() {
        std::fs::write(dir.join(&name), text)?;
        println!("wrote spark/{name}");
    }
    Ok(())
}
