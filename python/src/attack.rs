//! ATT&CK tactic-chain models (`threatstat_attack`) behind `threatstat
//! attack train / score / next / correlate`: the same library calls as the
//! CLI's subcommands, results as JSON text or CSV text that the Python
//! layer turns into dicts and DataFrames (the CLI's own serialisation, so
//! the numbers are the CLI's to the last digit).

use crate::errors::to_py;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;
use threatstat_attack::correlate::{
    AlertColumns, entity_chains, rank_entities, read_alerts, write_ranking_csv,
};
use threatstat_attack::{
    Catalogue, Ending, FlowCorpus, SmoothingSearch, TacticChain, TacticChainModel, TacticResolver,
};
use threatstat_core::{BadRowPolicy, Fit, ModelFile};

/// A fitted tactic-chain model (`threatstat_attack::TacticChainModel`).
#[pyclass(module = "threatstat._threatstat", frozen)]
pub struct AttackModel {
    inner: TacticChainModel,
}

fn json<T: serde::Serialize>(v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(to_py)
}

fn ending(open: bool) -> Ending {
    if open { Ending::Open } else { Ending::Complete }
}

/// Trains on an Attack Flow corpus (JSON Lines) as `threatstat attack
/// train`: `alpha = None` chooses the smoothing maximising the
/// leave-one-flow-out log-likelihood over `min_smoothing..max_smoothing`
/// (`--smoothing opt`). Returns the model, the flows' issues (JSON) and the
/// optimum (JSON, or None for a given alpha).
#[pyfunction]
#[pyo3(signature = (path, order, alpha, collapse_repeats, min_smoothing, max_smoothing))]
fn attack_train(
    py: Python<'_>,
    path: PathBuf,
    order: usize,
    alpha: Option<f64>,
    collapse_repeats: bool,
    min_smoothing: f64,
    max_smoothing: f64,
) -> PyResult<(AttackModel, String, Option<String>)> {
    if max_smoothing <= min_smoothing {
        return Err(PyValueError::new_err(format!(
            "max_smoothing ({max_smoothing}) must be greater than min_smoothing ({min_smoothing})"
        )));
    }
    let (model, issues, opt) = py.detach(|| {
        let flows = FlowCorpus::read_jsonl(&path)
            .map_err(to_py)?
            .extract(Catalogue::bundled());
        let params = TacticChain::params()
            .order(order)
            .collapse_repeats(collapse_repeats);
        let (model, opt) = match alpha {
            Some(a) => (params.alpha(a).fit(&flows).map_err(to_py)?, None),
            None => {
                let search = SmoothingSearch::default().range(min_smoothing, max_smoothing);
                let (m, o) = params
                    .fit_optimised(&flows, &search)
                    .map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))?;
                (m, Some(json(&o)?))
            }
        };
        PyResult::Ok((model, json(&flows.issues)?, opt))
    })?;
    Ok((AttackModel { inner: model }, issues, opt))
}

#[pymethods]
impl AttackModel {
    /// Markov order (1 or 2).
    #[getter]
    fn order(&self) -> usize {
        self.inner.order()
    }

    /// Dirichlet smoothing strength.
    #[getter]
    fn alpha(&self) -> f64 {
        self.inner.alpha()
    }

    /// Whether consecutive repeats of a tactic are merged.
    #[getter]
    fn collapse_repeats(&self) -> bool {
        self.inner.collapse_repeats()
    }

    /// `attack score`: probability, log-likelihood, steps (JSON).
    #[pyo3(signature = (labels, open))]
    fn score(&self, labels: Vec<String>, open: bool) -> PyResult<String> {
        let s = self
            .inner
            .score_labels(&labels, ending(open))
            .map_err(to_py)?;
        json(&s)
    }

    /// `attack next`: the next tactics, most probable first (JSON).
    fn next(&self, labels: Vec<String>) -> PyResult<String> {
        json(&self.inner.next_tactics_labels(&labels).map_err(to_py)?)
    }

    /// `attack correlate`: entities ranked by how attack-like their alert
    /// chains are, as the CLI's CSV text (`alerts`, `benign`: CSV files).
    #[pyo3(signature = (alerts, benign, open, entity_col, time_col, label_col, skip_bad_rows))]
    #[allow(clippy::too_many_arguments)]
    fn correlate(
        &self,
        py: Python<'_>,
        alerts: PathBuf,
        benign: Option<PathBuf>,
        open: bool,
        entity_col: String,
        time_col: String,
        label_col: String,
        skip_bad_rows: bool,
    ) -> PyResult<String> {
        let model = &self.inner;
        py.detach(|| {
            let cat = Catalogue::bundled();
            if cat.tactics() != model.tactics() {
                return Err(PyValueError::new_err(
                    "the model's tactics are not the bundled ATT&CK catalogue's",
                ));
            }
            let resolver = TacticResolver::new(cat, model.votes());
            let cols = AlertColumns {
                entity: entity_col,
                time: time_col,
                label: label_col,
            };
            let policy = if skip_bad_rows {
                BadRowPolicy::Skip
            } else {
                BadRowPolicy::Error
            };
            let (alerts_v, _) = read_alerts(&alerts, &cols, &resolver, policy).map_err(to_py)?;
            if alerts_v.is_empty() {
                return Err(PyValueError::new_err(format!(
                    "{}: no alerts",
                    alerts.display()
                )));
            }
            let chains = entity_chains(&alerts_v);
            let params = model.params();
            let baseline = match &benign {
                Some(b) => {
                    let (bv, _) = read_alerts(b, &cols, &resolver, policy).map_err(to_py)?;
                    let seqs: Vec<Vec<usize>> =
                        entity_chains(&bv).into_iter().map(|c| c.tactics).collect();
                    if seqs.is_empty() {
                        return Err(PyValueError::new_err(format!(
                            "{}: no benign alerts",
                            b.display()
                        )));
                    }
                    params
                        .fit_sequences(model.tactics(), &seqs)
                        .map_err(to_py)?
                }
                None => params.uniform(model.tactics()).map_err(to_py)?,
            };
            let ranked = rank_entities(&chains, model, &baseline, ending(open)).map_err(to_py)?;
            let mut buf = Vec::new();
            write_ranking_csv(&mut buf, &ranked).map_err(to_py)?;
            String::from_utf8(buf).map_err(to_py)
        })
    }

    /// The model file's JSON text (`ModelFile::to_json`).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py)
    }

    /// A model from its file's JSON text (`ModelFile::from_json`).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(Self {
            inner: TacticChainModel::from_json(text).map_err(to_py)?,
        })
    }

    /// Writes the model file (`ModelFile::save`), as `attack train --out`.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).map_err(to_py)
    }

    /// Reads a model file (`ModelFile::load`; the error names the file).
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        Ok(Self {
            inner: TacticChainModel::load(&path).map_err(to_py)?,
        })
    }
}

/// Registers this module's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AttackModel>()?;
    m.add_function(wrap_pyfunction!(attack_train, m)?)?;
    Ok(())
}
