//! Markov scoring of the msticpy demo Exchange sessions; writes
//! `results/exchange_sequences/`.

fn main() -> Result<(), threatstat_experiments::Error> {
    let s = threatstat_experiments::exchange_sequences::run(
        std::path::Path::new("data"),
        std::path::Path::new("results/exchange_sequences"),
    )?;
    println!("{}", serde_json::to_string_pretty(&s)?);
    Ok(())
}
