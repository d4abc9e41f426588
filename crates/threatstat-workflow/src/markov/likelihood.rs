//! `markov likelihood`: each whole session's likelihood, geometric mean and
//! log-likelihood, as a CSV.

use super::{MarkovWorkflowError, ModelSource, load_sessions_for};
use std::path::PathBuf;
use threatstat_core::{BadRowPolicy, SkipReport};
use threatstat_markov::io::write_likelihoods_csv;

/// What to score, with which model, and where to write it.
#[derive(Debug, Clone)]
pub struct LikelihoodRequest {
    /// The sessions file (JSON Lines).
    pub input: PathBuf,
    /// The model: fitted on the sessions or a saved one.
    pub model: ModelSource,
    /// Use the start and end tokens (msticpy's default).
    pub start_end_tokens: bool,
    /// The likelihoods CSV to write (`-` for standard output).
    pub out: PathBuf,
    /// What to do with bad lines of `input`.
    pub bad_rows: BadRowPolicy,
}

/// What [`likelihood_file`] wrote.
#[derive(Debug, Clone)]
pub struct LikelihoodOutcome {
    /// Sessions written.
    pub sessions: usize,
    /// Bad lines skipped.
    pub skipped: SkipReport,
}

/// Writes the likelihood, geometric-mean likelihood and log-likelihood of
/// each session of `r.input` (msticpy's `session_lik_*.csv` format plus
/// `log_likelihood`) to `r.out`.
///
/// ```
/// use threatstat_markov::SessionType;
/// use threatstat_workflow::markov::{FitOptions, LikelihoodRequest, ModelSource, likelihood_file};
/// let dir = std::env::temp_dir();
/// let input = dir.join("threatstat-wf-doc-lik.jsonl");
/// std::fs::write(&input, "{\"cmds\": [\"A\", \"B\"]}\n{\"cmds\": [\"B\"]}\n").unwrap();
/// let r = LikelihoodRequest {
///     input,
///     model: ModelSource::Fit(FitOptions::new(SessionType::Cmds)),
///     start_end_tokens: true,
///     out: dir.join("threatstat-wf-doc-lik.csv"),
///     bad_rows: Default::default(),
/// };
/// assert_eq!(likelihood_file(&r).unwrap().sessions, 2);
/// ```
pub fn likelihood_file(r: &LikelihoodRequest) -> Result<LikelihoodOutcome, MarkovWorkflowError> {
    // The likelihoods are CSV only: a columnar name would get CSV bytes.
    if threatstat_markov::columnar::is_columnar(&r.out) {
        return Err(threatstat_core::Error::parse(
            threatstat_core::Location::file(&r.out),
            "markov likelihood writes CSV; give --out a .csv file \
             (Parquet/IPC output is `markov score --out scores.parquet`)",
        )
        .into());
    }
    let (file, skipped) = load_sessions_for(&r.input, r.bad_rows, r.model.session_type())?;
    let model = r.model.model_for(&file)?;
    let tokens = r.start_end_tokens;
    let lik = model.session_likelihoods(&file.sessions, tokens)?;
    let geo = model.geomean_likelihoods(&file.sessions, tokens)?;
    let log = model.session_log_likelihoods(&file.sessions, tokens)?;
    write_likelihoods_csv(&r.out, &file, &lik, &geo, &log)?;
    Ok(LikelihoodOutcome {
        sessions: lik.len(),
        skipped,
    })
}
