//! Runs the `lanl_upload_mwu_kde` analysis on `data/` and writes `results/lanl_upload_mwu_kde/`
//! (see `threatstat_experiments::lanl_upload_mwu_kde`).

fn main() -> std::process::ExitCode {
    threatstat_experiments::suite::main_for("lanl_upload_mwu_kde")
}
