//! Writes the benches' resampled demo sessions as JSON Lines, so that a
//! Python peer can be timed on exactly the sessions criterion measures.
//!
//! `cargo run --release -p threatstat-benches --bin resample_sessions -- N SEED OUT.jsonl`

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return Err("usage: resample_sessions N SEED OUT.jsonl".into());
    }
    let n: usize = args[1].parse()?;
    let seed: u64 = args[2].parse()?;
    let set = threatstat_benches::resampled_sessions(n, seed);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    for i in 0..set.len() {
        let events: Vec<serde_json::Value> = set
            .session_events(i)
            .map(|e| serde_json::json!({"cmd": e.cmd(), "params": e.params().collect::<Vec<_>>()}))
            .collect();
        writeln!(
            w,
            "{}",
            serde_json::json!({"session_id": i, "events": events})
        )?;
    }
    w.flush()?;
    Ok(())
}
