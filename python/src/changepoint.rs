//! Bayesian switchpoint models of daily counts on `threatstat_changepoint`:
//! the exact posterior, Gibbs and Metropolis MCMC with ArviZ's diagnostics,
//! and the batch fit of many users.

use crate::errors::to_py;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use threatstat_changepoint::batch::{Method, fit_all};
use threatstat_changepoint::{
    ChangePosterior, Direction, ExactPosterior, McmcParams, PosteriorSummary, Sampler, Switchpoint,
    SwitchpointParams, VariableSummary,
};

fn params(alpha: Option<f64>, direction: &str) -> PyResult<SwitchpointParams> {
    let d: Direction = direction.parse().map_err(to_py)?;
    let mut p = Switchpoint::params().direction(d);
    if let Some(a) = alpha {
        p = p.alpha(a);
    }
    Ok(p)
}

fn mcmc(
    sampler: &str,
    chains: usize,
    draws: usize,
    tune: usize,
    seed: u64,
) -> PyResult<McmcParams> {
    let s: Sampler = sampler.parse().map_err(to_py)?;
    Ok(McmcParams::default()
        .sampler(s)
        .chains(chains)
        .draws(draws)
        .tune(tune)
        .seed(seed))
}

/// The exact posterior of the switchpoint model, held by Rust: its cheap
/// results are read at once ([`ExactFit::fields`]), the intervals, the
/// summary table and the expected rate only when Python asks for them
/// (at 10^5 days the posterior takes about 3 ms, the HDIs and the summary
/// as long again; a caller after `tau_posterior` should not pay for them).
#[pyclass(frozen, module = "threatstat._threatstat")]
struct ExactFit {
    post: ExactPosterior,
}

#[pymethods]
impl ExactFit {
    /// A dict with `alpha`, `tau_posterior`, `map_tau`, `map_probability`,
    /// `lambda_1_mean`, `lambda_2_mean`, `log_bayes_factor`.
    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let post = &self.post;
        let d = PyDict::new(py);
        d.set_item("alpha", post.alpha())?;
        d.set_item(
            "tau_posterior",
            post.tau_posterior().to_vec().into_pyarray(py),
        )?;
        d.set_item("map_tau", post.map_tau())?;
        d.set_item("map_probability", post.map_probability())?;
        d.set_item("lambda_1_mean", post.lambda_1_mean())?;
        d.set_item("lambda_2_mean", post.lambda_2_mean())?;
        d.set_item("log_bayes_factor", post.log_bayes_factor())?;
        Ok(d)
    }

    /// The `prob` highest density intervals of λ1 and λ2, `((low, high),
    /// (low, high))` (the library's and the CLI's one interval convention).
    fn hdis(&self, py: Python<'_>, prob: f64) -> PyResult<((f64, f64), (f64, f64))> {
        let post = &self.post;
        let (i1, i2) = py
            .detach(|| {
                Ok::<_, threatstat_changepoint::ChangepointError>((
                    post.lambda_1_hdi(prob)?,
                    post.lambda_2_hdi(prob)?,
                ))
            })
            .map_err(to_py)?;
        Ok(((i1.low, i1.high), (i2.low, i2.high)))
    }

    /// `E[λ_t | y]` for every day.
    fn expected_rate<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f64>> {
        let post = &self.post;
        py.detach(|| post.expected_rate().to_vec()).into_pyarray(py)
    }

    /// The library's exact summary table: per variable `az.summary`'s
    /// columns, 94% HDI, Monte Carlo columns NaN.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let post = &self.post;
        let s = py.detach(|| post.summary());
        summaries(py, &s)
    }
}

/// Fits the exact posterior ([`ExactFit`]); `prob` is checked here (the
/// intervals themselves are computed when first read).
#[pyfunction]
#[pyo3(signature = (counts, alpha, direction, prob))]
fn switchpoint_exact(
    py: Python<'_>,
    counts: PyReadonlyArray1<'_, u32>,
    alpha: Option<f64>,
    direction: &str,
    prob: f64,
) -> PyResult<ExactFit> {
    ExactPosterior::check_hdi_prob(prob).map_err(to_py)?;
    let p = params(alpha, direction)?;
    let c = counts.as_slice()?;
    let post = py.detach(|| p.fit(c)).map_err(to_py)?;
    Ok(ExactFit { post })
}

/// The summary table as a dict of rows (`lambda_1`, `lambda_2`, `tau`).
fn summaries<'py>(py: Python<'py>, s: &PosteriorSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, row) in s.rows() {
        d.set_item(name, summary(py, row)?)?;
    }
    Ok(d)
}

fn summary<'py>(py: Python<'py>, s: &VariableSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("mean", s.mean)?;
    d.set_item("sd", s.sd)?;
    d.set_item("hdi_3%", s.hdi_94.low)?;
    d.set_item("hdi_97%", s.hdi_94.high)?;
    d.set_item("mcse_mean", s.mcse_mean)?;
    d.set_item("mcse_sd", s.mcse_sd)?;
    d.set_item("ess_bulk", s.ess_bulk)?;
    d.set_item("ess_tail", s.ess_tail)?;
    d.set_item("r_hat", s.r_hat)?;
    Ok(d)
}

fn draws<'py>(py: Python<'py>, chains: Vec<Vec<f64>>) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let (c, n) = (chains.len(), chains.first().map_or(0, Vec::len));
    let flat: Vec<f64> = chains.into_iter().flatten().collect();
    let a = ndarray::Array2::from_shape_vec((c, n), flat)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    Ok(a.into_pyarray(py))
}

/// MCMC samples of (λ1, λ2, τ): a dict with `alpha`, `posterior` (arrays
/// chains × draws per variable), `summary` (per variable: ArviZ's
/// `az.summary` columns), `acceptance` (per chain), `warnings`.
#[pyfunction]
#[pyo3(signature = (counts, alpha, sampler, chains, draws_per_chain, tune, seed))]
#[allow(clippy::too_many_arguments)]
fn switchpoint_mcmc<'py>(
    py: Python<'py>,
    counts: PyReadonlyArray1<'py, u32>,
    alpha: Option<f64>,
    sampler: &str,
    chains: usize,
    draws_per_chain: usize,
    tune: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let p = params(alpha, "any")?;
    let m = mcmc(sampler, chains, draws_per_chain, tune, seed)?;
    let c = counts.as_slice()?;
    let post = py.detach(|| p.sample(c, &m)).map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("alpha", post.alpha)?;
    let posterior = PyDict::new(py);
    let get = |f: &dyn Fn(&threatstat_changepoint::ChainDraws) -> Vec<f64>| {
        post.chains.iter().map(f).collect::<Vec<_>>()
    };
    posterior.set_item("lambda_1", draws(py, get(&|c| c.lambda_1.clone()))?)?;
    posterior.set_item("lambda_2", draws(py, get(&|c| c.lambda_2.clone()))?)?;
    posterior.set_item(
        "tau",
        draws(py, get(&|c| c.tau.iter().map(|&t| f64::from(t)).collect()))?,
    )?;
    d.set_item("posterior", posterior)?;
    d.set_item("summary", summaries(py, &post.summary())?)?;
    let acc: Vec<[f64; 3]> = post.chains.iter().map(|c| c.acceptance).collect();
    d.set_item("acceptance", acc)?;
    d.set_item("warnings", post.warnings.clone())?;
    d.set_item("map_tau", post.map_tau())?;
    Ok(d)
}

/// Fits every series (exact posterior, plus MCMC diagnostics when
/// `sampler` is given), in parallel: a dict of columns (`n_days`, `map_tau`,
/// `map_probability`, `lambda_1_mean`, `lambda_2_mean`, `log_bayes_factor`,
/// `r_hat`, `ess_bulk`, `ess_tail`, `mcmc_map_tau`), one row per series in
/// input order. The first failing series raises, naming its index.
#[pyfunction]
#[pyo3(signature = (series, alpha, sampler, chains, draws_per_chain, tune, seed))]
#[allow(clippy::too_many_arguments)]
fn switchpoint_batch<'py>(
    py: Python<'py>,
    series: Vec<Vec<u32>>,
    alpha: Option<f64>,
    sampler: Option<&str>,
    chains: usize,
    draws_per_chain: usize,
    tune: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let p = params(alpha, "any")?;
    let method = match sampler {
        None => Method::Exact,
        Some(s) => Method::Mcmc(mcmc(s, chains, draws_per_chain, tune, seed)?),
    };
    let fits = py.detach(|| fit_all(&series, &p, method, &|| {}));
    let mut rows = Vec::with_capacity(fits.len());
    for (i, f) in fits.into_iter().enumerate() {
        rows.push(
            f.map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("series {i}: {e}")))?,
        );
    }
    let d = PyDict::new(py);
    let nan = f64::NAN;
    crate::column(&d, "n_days", &rows, |r| r.n_days)?;
    crate::column(&d, "map_tau", &rows, |r| r.map_tau)?;
    crate::column(&d, "map_probability", &rows, |r| r.map_probability)?;
    crate::column(&d, "lambda_1_mean", &rows, |r| r.lambda_1_mean)?;
    crate::column(&d, "lambda_2_mean", &rows, |r| r.lambda_2_mean)?;
    crate::column(&d, "log_bayes_factor", &rows, |r| r.log_bayes_factor)?;
    if sampler.is_some() {
        crate::column(&d, "r_hat", &rows, |r| r.r_hat.unwrap_or(nan))?;
        crate::column(&d, "ess_bulk", &rows, |r| r.ess_bulk.unwrap_or(nan))?;
        crate::column(&d, "ess_tail", &rows, |r| r.ess_tail.unwrap_or(nan))?;
        crate::column(&d, "mcmc_map_tau", &rows, |r| r.mcmc_map_tau)?;
    }
    Ok(d)
}

/// Adds this file's functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ExactFit>()?;
    m.add_function(wrap_pyfunction!(switchpoint_exact, m)?)?;
    m.add_function(wrap_pyfunction!(switchpoint_mcmc, m)?)?;
    m.add_function(wrap_pyfunction!(switchpoint_batch, m)?)
}
