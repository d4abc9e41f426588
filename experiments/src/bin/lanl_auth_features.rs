//! Runs the `lanl_auth_features` analysis on `data/` and writes
//! `results/lanl_auth_features/` (see `threatstat_experiments::lanl_auth_features`).

fn main() -> std::process::ExitCode {
    let out =
        std::path::Path::new("results").join(threatstat_experiments::lanl_auth_features::NAME);
    match threatstat_experiments::lanl_auth_features::run(std::path::Path::new("data"), &out) {
        Ok(s) => {
            println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: lanl_auth_features: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
