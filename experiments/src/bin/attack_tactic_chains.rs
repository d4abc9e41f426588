//! Runs the `attack_tactic_chains` analysis on `data/` and writes `results/attack_tactic_chains/`
//! (see `threatstat_experiments::attack_tactic_chains`).

fn main() -> std::process::ExitCode {
    threatstat_experiments::suite::main_for("attack_tactic_chains")
}
