//! Writes the benches' resampled demo sessions as JSON Lines, so that a
//! Python peer can be timed on exactly the sessions criterion measures.
//!
//! `cargo run --release -p threatstat-benches --bin resample_sessions -- N SEED OUT.jsonl`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return Err("usage: resample_sessions N SEED OUT.jsonl".into());
    }
    let n: usize = args[1].parse()?;
    let seed: u64 = args[2].parse()?;
    let set = threatstat_benches::resampled_sessions(n, seed);
    threatstat_benches::write_sessions_jsonl(&set, std::path::Path::new(&args[3]))?;
    Ok(())
}
