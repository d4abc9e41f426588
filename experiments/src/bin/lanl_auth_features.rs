//! Runs the `lanl_auth_features` analysis on `data/` and writes
//! `results/lanl_auth_features/` (see `threatstat_experiments::lanl_auth_features`).

fn main() -> std::process::ExitCode {
    let out =
        std::path::Path::new("results").join(threatstat_experiments::lanl_auth_features::NAME);
    match threatstat_experiments::lanl_auth_features::run(std::path::Path::new("data"), &out) {
        Ok(s) => threatstat_experiments::suite::print_summary(&s),
        Err(e) => {
            eprintln!("error: lanl_auth_features: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
