//! Runs the `calibration` analysis on `data/` and writes `results/calibration/`
//! (see `threatstat_experiments::calibration`).

fn main() -> std::process::ExitCode {
    threatstat_experiments::suite::main_for("calibration")
}
