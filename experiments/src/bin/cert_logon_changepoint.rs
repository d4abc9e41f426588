//! Changepoint models on generated CERT-format logons with planted
//! episodes, and the book's switchpoint; writes
//! `results/cert_logon_changepoint/`.

fn main() -> std::process::ExitCode {
    match threatstat_experiments::cert_logon_changepoint::run(
        std::path::Path::new("data"),
        std::path::Path::new("results/cert_logon_changepoint"),
    ) {
        Ok(s) => threatstat_experiments::suite::print_summary(&s),
        Err(e) => {
            eprintln!("error: cert_logon_changepoint: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
