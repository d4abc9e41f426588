//! Runs the `cloudtrail_automation` analysis on `data/` and writes `results/cloudtrail_automation/`
//! (see `threatstat_experiments::cloudtrail_automation`).

fn main() -> std::process::ExitCode {
    threatstat_experiments::suite::main_for("cloudtrail_automation")
}
