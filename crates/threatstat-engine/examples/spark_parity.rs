//! Writes the inputs and the Spark SQL of the Spark parity cases
//! (`tests/spark/cases.rs`) into a directory, for
//! `tools/reference/spark_sql_reference.py`, which runs them on Spark and
//! writes the results that `tests/spark_parity.rs` compares with the
//! native path.
//!
//! `cargo run -p threatstat-engine --example spark_parity -- DIR`

#[path = "../tests/spark/cases.rs"]
mod cases;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: spark_parity DIR")?;
    let dir = std::path::Path::new(&dir);
    cases::write_inputs(dir);
    let q = dir.join("queries");
    std::fs::create_dir_all(&q)?;
    for (name, _, text) in cases::cases() {
        std::fs::write(q.join(format!("{name}.sql")), text + "\n")?;
    }
    println!(
        "wrote the inputs and {} queries to {}",
        cases::cases().len(),
        dir.display()
    );
    Ok(())
}
