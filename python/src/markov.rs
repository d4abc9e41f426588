//! msticpy's `anomalous_sequence` (`sessionize_data`, `Model`,
//! `score_sessions`) on `threatstat_markov`.

use crate::errors::to_py;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use threatstat_core::{Fit, ModelFile, ParamGuard};
use threatstat_markov::sessionize::{SessionizeParams, UserKeys};
use threatstat_markov::{MarkovModel, SessionSet, SessionType, WindowOptions};

/// One event as the Python layer hands it over: the command and its
/// parameters (name, value or `None`).
type Event = (String, Vec<(String, Option<String>)>);

/// Sessions from the Python layer's normalised events.
fn session_set(sessions: &[Vec<Event>]) -> PyResult<SessionSet> {
    let mut set = SessionSet::new();
    for s in sessions {
        set.push_session(s.iter().map(|(c, p)| {
            (
                c.as_str(),
                p.iter().map(|(n, v)| (n.as_str(), v.as_deref())),
            )
        }))
        .map_err(to_py)?;
    }
    Ok(set)
}

/// msticpy's `create_session_col` split: rows grouped into sessions, in
/// msticpy's order (user key as strings, then time, then row). `users`
/// holds one list per user-identifier column (`None` for a missing value),
/// `times` nanoseconds. Returns `(rows, offsets)`: session `i` is
/// `rows[offsets[i]..offsets[i+1]]`.
#[pyfunction]
fn sessionize<'py>(
    py: Python<'py>,
    users: Vec<Vec<Option<String>>>,
    times: PyReadonlyArray1<'py, i64>,
    max_session_mins: f64,
    max_gap_mins: f64,
) -> PyResult<crate::Pair<'py, PyArray1<u32>, PyArray1<u64>>> {
    let times = times.as_slice()?;
    let n = times.len();
    if users.iter().any(|c| c.len() != n) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "user-identifier columns and the time column differ in length",
        ));
    }
    let params = SessionizeParams::new(max_session_mins, max_gap_mins)
        .check()
        .map_err(to_py)?;
    let (rows, offsets) = py
        .detach(|| {
            let mut keys = UserKeys::new(users.len());
            let mut row: Vec<Option<&str>> = Vec::with_capacity(users.len());
            for i in 0..n {
                row.clear();
                row.extend(users.iter().map(|c| c[i].as_deref()));
                keys.push(&row);
            }
            let s = params.split(&keys, times)?;
            let mut rows = Vec::with_capacity(n);
            let mut offsets = Vec::with_capacity(s.len() + 1);
            offsets.push(0u64);
            for sess in s.sessions() {
                rows.extend_from_slice(sess);
                offsets.push(rows.len() as u64);
            }
            Ok::<_, threatstat_markov::MarkovError>((rows, offsets))
        })
        .map_err(to_py)?;
    Ok((rows.into_pyarray(py), offsets.into_pyarray(py)))
}

/// A fitted Markov model of sessions (`threatstat_markov::MarkovModel`).
#[pyclass(frozen, module = "threatstat._threatstat")]
struct MarkovFit {
    inner: MarkovModel,
}

fn window_options(window: usize, tokens: bool, geo_mean: bool, keep: bool) -> WindowOptions {
    WindowOptions::new(window)
        .start_end_tokens(tokens)
        .geo_mean(geo_mean)
        .keep_window_likelihoods(keep)
}

#[pymethods]
impl MarkovFit {
    /// Fits the model: `session_type` cmds_only, cmds_params_only or
    /// cmds_params_values; `modellable_params` overrides msticpy's rule.
    #[new]
    #[pyo3(signature = (sessions, session_type, modellable_params=None))]
    fn new(
        py: Python<'_>,
        sessions: Vec<Vec<Event>>,
        session_type: &str,
        modellable_params: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let t: SessionType = session_type.parse().map_err(to_py)?;
        let set = session_set(&sessions)?;
        let mut params = MarkovModel::params().session_type(t);
        if let Some(p) = modellable_params {
            params = params.modellable_params(p);
        }
        let inner = py.detach(|| params.fit(&set)).map_err(to_py)?;
        Ok(MarkovFit { inner })
    }

    /// msticpy's `compute_rarest_windows`: `(likelihood, start (-1: none),
    /// length, window likelihoods or None)`.
    #[pyo3(signature = (sessions, window, start_end_tokens, geo_mean, keep_window_likelihoods=false, log=false))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn rarest_windows<'py>(
        &self,
        py: Python<'py>,
        sessions: Vec<Vec<Event>>,
        window: usize,
        start_end_tokens: bool,
        geo_mean: bool,
        keep_window_likelihoods: bool,
        log: bool,
    ) -> PyResult<(
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<i64>>,
        Bound<'py, PyArray1<i64>>,
        Option<Vec<Vec<f64>>>,
    )> {
        let set = session_set(&sessions)?;
        let o = window_options(window, start_end_tokens, geo_mean, keep_window_likelihoods);
        let r = py
            .detach(|| {
                if log {
                    self.inner.rarest_windows_log(&set, &o)
                } else {
                    self.inner.rarest_windows(&set, &o)
                }
            })
            .map_err(to_py)?;
        let lik: Vec<f64> = r.iter().map(|w| w.likelihood).collect();
        let start: Vec<i64> = r.iter().map(|w| w.start.map_or(-1, |s| s as i64)).collect();
        let len: Vec<i64> = r.iter().map(|w| w.len as i64).collect();
        let all =
            keep_window_likelihoods.then(|| r.into_iter().map(|w| w.window_likelihoods).collect());
        Ok((
            lik.into_pyarray(py),
            start.into_pyarray(py),
            len.into_pyarray(py),
            all,
        ))
    }

    /// msticpy's `compute_likelihoods_of_sessions` (or their logarithms).
    #[pyo3(signature = (sessions, start_end_tokens, log=false))]
    fn session_likelihoods<'py>(
        &self,
        py: Python<'py>,
        sessions: Vec<Vec<Event>>,
        start_end_tokens: bool,
        log: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let set = session_set(&sessions)?;
        let r = py
            .detach(|| {
                if log {
                    self.inner.session_log_likelihoods(&set, start_end_tokens)
                } else {
                    self.inner.session_likelihoods(&set, start_end_tokens)
                }
            })
            .map_err(to_py)?;
        Ok(r.into_pyarray(py))
    }

    /// msticpy's `compute_geomean_lik_of_sessions`.
    fn geomean_likelihoods<'py>(
        &self,
        py: Python<'py>,
        sessions: Vec<Vec<Event>>,
        start_end_tokens: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let set = session_set(&sessions)?;
        let r = py
            .detach(|| self.inner.geomean_likelihoods(&set, start_end_tokens))
            .map_err(to_py)?;
        Ok(r.into_pyarray(py))
    }

    /// The rarest window of session `i` of `sessions`, step by step: a dict
    /// with `likelihood`, `start`, `length`, `steps` (list of dicts) and
    /// `least_likely_step`.
    fn explain<'py>(
        &self,
        py: Python<'py>,
        sessions: Vec<Vec<Event>>,
        i: usize,
        window: usize,
        start_end_tokens: bool,
        geo_mean: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let set = session_set(&sessions)?;
        let o = window_options(window, start_end_tokens, geo_mean, false);
        let e = py
            .detach(|| self.inner.explain(&set, i, &o))
            .map_err(to_py)?;
        let d = PyDict::new(py);
        d.set_item("likelihood", e.rarest.likelihood)?;
        d.set_item("start", e.rarest.start)?;
        d.set_item("length", e.rarest.len)?;
        let steps = e
            .steps
            .iter()
            .map(|s| {
                let st = PyDict::new(py);
                st.set_item("position", s.position)?;
                st.set_item("from", s.from.as_deref())?;
                st.set_item("to", s.to.as_str())?;
                st.set_item("transition", s.transition)?;
                st.set_item("param_factor", s.param_factor)?;
                Ok(st)
            })
            .collect::<PyResult<Vec<_>>>()?;
        d.set_item("steps", steps)?;
        d.set_item("least_likely_step", e.least_likely_step)?;
        Ok(d)
    }

    /// msticpy's session type name.
    #[getter]
    fn session_type(&self) -> &'static str {
        self.inner.session_type().msticpy_name()
    }

    /// The modellable parameters (values are modelled for these).
    #[getter]
    fn modellable_params(&self) -> Vec<String> {
        self.inner.modellable_params().to_vec()
    }

    /// P(cmd) (msticpy `prior_probs`, smoothed; unknown commands get `##UNK##`'s).
    fn prior_prob(&self, cmd: &str) -> f64 {
        self.inner.prior_prob(cmd)
    }

    /// P(to | from) (msticpy `trans_probs`).
    fn transition_prob(&self, from: &str, to: &str) -> f64 {
        self.inner.transition_prob(from, to)
    }

    /// P(value | param) (msticpy `value_cond_param_probs`).
    fn value_prob(&self, param: &str, value: &str) -> f64 {
        self.inner.value_prob(param, value)
    }

    /// The model as the library's versioned JSON (format `threatstat-markov-model`).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    /// A model from the library's JSON.
    #[staticmethod]
    fn from_json(s: &str) -> PyResult<Self> {
        let inner = MarkovModel::from_json(s).map_err(to_py)?;
        Ok(MarkovFit { inner })
    }

    /// Saves the model file (the CLI's `markov fit --out` format).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).map_err(to_py)
    }

    /// Loads a model file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let inner = MarkovModel::load(&path).map_err(to_py)?;
        Ok(MarkovFit { inner })
    }
}

/// Adds this file's class and functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MarkovFit>()?;
    m.add_function(wrap_pyfunction!(sessionize, m)?)
}
