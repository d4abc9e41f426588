//! Runs the `exchange_sequences` analysis on `data/` and writes `results/exchange_sequences/`
//! (see `threatstat_experiments::exchange_sequences`).

fn main() -> std::process::ExitCode {
    threatstat_experiments::suite::main_for("exchange_sequences")
}
