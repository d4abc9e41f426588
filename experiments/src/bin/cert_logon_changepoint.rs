//! Changepoint models on generated CERT-format logons with planted
//! episodes, and the book's switchpoint; writes
//! `results/cert_logon_changepoint/`.

fn main() -> Result<(), threatstat_experiments::Error> {
    let s = threatstat_experiments::cert_logon_changepoint::run(
        std::path::Path::new("data"),
        std::path::Path::new("results/cert_logon_changepoint"),
    )?;
    println!("{}", serde_json::to_string_pretty(&s)?);
    Ok(())
}
