//! Fitting many series (one per user) in parallel.

use crate::model::{ChangeModel, ChangePosterior};
use crate::prior_eb::EbPrior;
use crate::{ChangepointError, McmcParams, PriorRate, SwitchpointParams};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::Serialize;

/// How each series is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    /// The exact posterior only.
    Exact,
    /// The exact posterior plus MCMC (for diagnostics and comparison).
    Mcmc(McmcParams),
}

/// One fitted series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesFit {
    /// Index of the series in the input.
    pub index: usize,
    /// Number of days.
    pub n_days: usize,
    /// MAP τ (day index of the first day of the new rate).
    pub map_tau: usize,
    /// P(τ = MAP).
    pub map_probability: f64,
    /// E\[λ1\].
    pub lambda_1_mean: f64,
    /// E\[λ2\].
    pub lambda_2_mean: f64,
    /// log Bayes factor of a change against no change.
    pub log_bayes_factor: f64,
    /// Largest R-hat (MCMC only).
    pub r_hat: Option<f64>,
    /// Smallest bulk ESS (MCMC only).
    pub ess_bulk: Option<f64>,
    /// Smallest tail ESS (MCMC only).
    pub ess_tail: Option<f64>,
    /// MCMC MAP τ (MCMC only).
    pub mcmc_map_tau: Option<usize>,
}

/// Fits every series in parallel; results are in input order, and MCMC
/// seeds are derived from (seed, series index), so results do not depend on
/// the thread count. `progress` is called once per finished series.
pub fn fit_all(
    series: &[Vec<u32>],
    params: &SwitchpointParams,
    method: Method,
    progress: &(dyn Fn() + Sync),
) -> Vec<Result<SeriesFit, ChangepointError>> {
    series
        .par_iter()
        .enumerate()
        .map(|(index, counts)| {
            let r = fit_one(index, counts, params, method);
            progress();
            r
        })
        .collect()
}

fn fit_one(
    index: usize,
    counts: &[u32],
    params: &SwitchpointParams,
    method: Method,
) -> Result<SeriesFit, ChangepointError> {
    let post = params.fit(counts)?;
    let mut fit = SeriesFit {
        index,
        n_days: counts.len(),
        map_tau: post.map_tau(),
        map_probability: post.map_probability(),
        lambda_1_mean: post.lambda_1_mean(),
        lambda_2_mean: post.lambda_2_mean(),
        log_bayes_factor: post.log_bayes_factor(),
        r_hat: None,
        ess_bulk: None,
        ess_tail: None,
        mcmc_map_tau: None,
    };
    if let Method::Mcmc(p) = method {
        let p = p.seed(crate::mcmc::splitmix(
            p.seed ^ (index as u64).wrapping_mul(0x9E37_79B9),
        ));
        let m = params.sample(counts, &p)?;
        fit.r_hat = Some(m.max_rhat());
        fit.ess_bulk = Some(m.min_ess_bulk());
        fit.ess_tail = Some(m.min_ess_tail());
        fit.mcmc_map_tau = Some(m.map_tau());
    }
    Ok(fit)
}

/// Which model [`fit_models`] fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// One change ([`crate::Switchpoint`]).
    #[default]
    Switchpoint,
    /// An interval at another rate ([`crate::Episode`]).
    Episode,
    /// Any number of changes ([`crate::Segmentation`]).
    Segments,
}

impl std::str::FromStr for ModelKind {
    type Err = ChangepointError;
    /// Parses `switchpoint`, `episode` or `segments`.
    ///
    /// ```
    /// use threatstat_changepoint::batch::ModelKind;
    /// assert_eq!("episode".parse::<ModelKind>().unwrap(), ModelKind::Episode);
    /// assert!("other".parse::<ModelKind>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "switchpoint" => Ok(ModelKind::Switchpoint),
            "episode" => Ok(ModelKind::Episode),
            "segments" => Ok(ModelKind::Segments),
            _ => Err(threatstat_core::Error::param(
                "model",
                format!("`{s}`"),
                "switchpoint, episode or segments",
            )
            .into()),
        }
    }
}

/// A model and its settings for [`fit_models`].
///
/// ```
/// use threatstat_changepoint::Direction;
/// use threatstat_changepoint::batch::{ModelKind, ModelSpec};
/// let spec = ModelSpec { model: ModelKind::Episode, direction: Direction::Up, ..ModelSpec::default() };
/// assert_eq!(spec.prior_rate, threatstat_changepoint::PriorRate::MeanRule);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ModelSpec {
    /// The model.
    pub model: ModelKind,
    /// Direction (switchpoint and episode; ignored by segments).
    pub direction: crate::Direction,
    /// How α of the rate priors is chosen (default 1/mean of each
    /// series; see [`PriorRate`]): [`fit_models`] and [`fit_model`]
    /// resolve the empirical-Bayes choices ([`ModelSpec::resolve`]).
    pub prior_rate: PriorRate,
    /// Episode: pruning tolerance (default exact).
    pub tolerance: Option<f64>,
    /// Episode: bounded-error approximation with total-variation error at
    /// most ε for series of 1,000 days or more (see
    /// [`crate::EpisodeParams::approximate`]; default exact). Not together
    /// with `tolerance`.
    pub approximate: Option<f64>,
    /// Segments: prior change probability per day (default 1/n).
    pub change_prob: Option<f64>,
    /// Episode: compare against "no change or stopped" instead of "no
    /// change": the log Bayes factor becomes `ln p(y | episode) −
    /// ln(p(y | no change) + p(y | switchpoint down))` (the two
    /// alternatives with equal prior odds), so that a user whose activity
    /// simply stops (a leaver) is explained by the decrease and does not
    /// rank as an episode. Meant with [`crate::Direction::Up`].
    pub against_stop: bool,
    /// Segments: also compute the posterior of the number of changes
    /// ([`ModelFit::change_count_posterior`]; about one segmentation per
    /// count, so off by default).
    pub segment_counts: bool,
}

impl ModelSpec {
    /// The switchpoint parameters of this spec; an empirical-Bayes prior
    /// rate not yet resolved to a number ([`ModelSpec::resolve`]) is an
    /// error.
    ///
    /// ```
    /// use threatstat_changepoint::PriorRate;
    /// use threatstat_changepoint::batch::ModelSpec;
    /// assert!(ModelSpec::default().switchpoint_params().unwrap().fit(&[1, 5]).is_ok());
    /// let eb = ModelSpec { prior_rate: PriorRate::EmpiricalBayes, ..Default::default() };
    /// assert!(eb.switchpoint_params().is_err());
    /// let (resolved, prior) = eb.resolve(&[1, 5], None).unwrap();
    /// assert_eq!(resolved.prior_rate, PriorRate::Fixed(prior.unwrap().alpha));
    /// ```
    pub fn switchpoint_params(&self) -> Result<crate::SwitchpointParams, ChangepointError> {
        let p = crate::Switchpoint::params().direction(self.direction);
        Ok(match self.prior_rate.fixed_alpha()? {
            Some(a) => p.alpha(a),
            None => p,
        })
    }

    /// The spec with its empirical-Bayes prior rate resolved for one
    /// series: [`PriorRate::EmpiricalBayes`] becomes the series' α
    /// ([`crate::prior_eb::eb_prior_rate`], returned beside), the mean
    /// rule and a fixed α stay; [`PriorRate::EmpiricalBayesPooled`] needs
    /// the population ([`ModelSpec::resolve_pooled`]) and is an error here.
    pub fn resolve(
        &self,
        counts: &[u32],
        exposures: Option<&[f64]>,
    ) -> Result<(ModelSpec, Option<EbPrior>), ChangepointError> {
        match self.prior_rate {
            PriorRate::EmpiricalBayes => {
                let eb = crate::prior_eb::eb_prior_rate(counts, exposures)?;
                let spec = ModelSpec {
                    prior_rate: PriorRate::Fixed(eb.alpha),
                    ..*self
                };
                Ok((spec, Some(eb)))
            }
            other => {
                other.fixed_alpha()?;
                Ok((*self, None))
            }
        }
    }

    /// The spec with a pooled empirical-Bayes prior rate resolved over a
    /// population ([`crate::prior_eb::eb_prior_rate_pooled`], returned
    /// beside); every other choice is returned as it is.
    pub fn resolve_pooled(
        &self,
        series: &[Vec<u32>],
        exposures: Option<&[Vec<f64>]>,
    ) -> Result<(ModelSpec, Option<EbPrior>), ChangepointError> {
        if self.prior_rate != PriorRate::EmpiricalBayesPooled {
            return Ok((*self, None));
        }
        let eb = crate::prior_eb::eb_prior_rate_pooled(series, exposures)?;
        let spec = ModelSpec {
            prior_rate: PriorRate::Fixed(eb.alpha),
            ..*self
        };
        Ok((spec, Some(eb)))
    }

    /// The episode parameters of this spec.
    ///
    /// ```
    /// use threatstat_changepoint::batch::ModelSpec;
    /// assert!(ModelSpec::default().episode_params().unwrap().fit(&[1, 5]).is_ok());
    /// ```
    pub fn episode_params(&self) -> Result<crate::EpisodeParams, ChangepointError> {
        let mut p = crate::Episode::params().direction(self.direction);
        if let Some(a) = self.prior_rate.fixed_alpha()? {
            p = p.alpha(a);
        }
        if let Some(t) = self.tolerance {
            p = p.tolerance(t);
        }
        if let Some(e) = self.approximate {
            p = p.approximate(e);
        }
        Ok(p)
    }

    /// The segmentation parameters of this spec.
    ///
    /// ```
    /// use threatstat_changepoint::batch::ModelSpec;
    /// assert!(ModelSpec::default().segmentation_params().unwrap().fit(&[1, 5]).is_ok());
    /// ```
    pub fn segmentation_params(&self) -> Result<crate::SegmentationParams, ChangepointError> {
        let mut p = crate::Segmentation::params();
        if let Some(a) = self.prior_rate.fixed_alpha()? {
            p = p.alpha(a);
        }
        if let Some(c) = self.change_prob {
            p = p.change_prob(c);
        }
        Ok(p)
    }
}

/// One series fitted by [`fit_models`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelFit {
    /// Index of the series in the input.
    pub index: usize,
    /// Number of days.
    pub n_days: usize,
    /// The most probable first changed day: the switchpoint τ, the episode
    /// start, or the first change of the MAP segmentation (none if it has
    /// no change).
    pub start: Option<usize>,
    /// The most probable last day of the episode (inclusive), or the last
    /// change of the MAP segmentation.
    pub end: Option<usize>,
    /// Posterior probability of the MAP (τ, the (start, end) pair, or for
    /// segments the probability of a change on `start`).
    pub map_probability: f64,
    /// Posterior mean rate before (switchpoint λ1, episode baseline λ0,
    /// segments: the first segment).
    pub rate_before: f64,
    /// Posterior mean rate after (switchpoint λ2, inside the episode,
    /// segments: the segment after `start`).
    pub rate_after: f64,
    /// log Bayes factor of the model against no change.
    pub log_bayes_factor: f64,
    /// Segments: the number of changes of the MAP segmentation.
    pub n_changes: Option<usize>,
    /// Segments: every change of the MAP segmentation (first day of each
    /// segment after the first); empty for the other models.
    pub changes: Vec<usize>,
    /// Segments: the posterior mean number of changes.
    pub expected_changes: Option<f64>,
    /// Segments with [`ModelSpec::segment_counts`]: `P(k changes | y)` for
    /// k = 0, 1, … as far as the posterior has mass (see
    /// [`crate::SegmentationParams::max_segments`]).
    pub change_count_posterior: Option<Vec<f64>>,
    /// The posterior mass on more changes than `change_count_posterior`
    /// lists (below [`crate::COUNT_TAIL_MASS`]).
    pub change_count_tail_mass: Option<f64>,
    /// The α of the rate priors that was used.
    pub alpha: f64,
    /// With [`PriorRate::EmpiricalBayes`]: how this series' α was found.
    pub prior: Option<EbPrior>,
}

/// Fits every series with `spec`, in parallel, in input order; with
/// `exposures` (one vector per series, e.g. from [`crate::baseline`]) the
/// counts are scored relative to them.
///
/// ```
/// use threatstat_changepoint::Direction;
/// use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_models};
/// let series = vec![vec![1, 0, 1, 7, 8, 7, 1, 0], vec![2, 2, 2, 2, 2, 2, 2, 2]];
/// let spec = ModelSpec { model: ModelKind::Episode, direction: Direction::Up, ..Default::default() };
/// let fits = fit_models(&series, None, &spec, &|| {});
/// let f = fits[0].as_ref().unwrap();
/// assert_eq!((f.start, f.end), (Some(3), Some(5)));
/// assert!(f.log_bayes_factor > fits[1].as_ref().unwrap().log_bayes_factor);
/// ```
pub fn fit_models(
    series: &[Vec<u32>],
    exposures: Option<&[Vec<f64>]>,
    spec: &ModelSpec,
    progress: &(dyn Fn() + Sync),
) -> Vec<Result<ModelFit, ChangepointError>> {
    match fit_population(series, exposures, spec, progress) {
        Ok((fits, _)) => fits,
        // A pooled α that cannot be found fails every series.
        Err(e) => {
            let why = e.to_string();
            (0..series.len())
                .map(|_| {
                    Err(threatstat_core::Error::data("the pooled prior rate", why.clone()).into())
                })
                .collect()
        }
    }
}

/// [`fit_models`], with [`PriorRate::EmpiricalBayesPooled`] resolved once
/// over all series (returned beside the fits; an error if it cannot be
/// found, naming the reason).
///
/// ```
/// use threatstat_changepoint::PriorRate;
/// use threatstat_changepoint::batch::{ModelSpec, fit_population};
/// let series = vec![vec![1, 0, 1, 7, 8, 7, 1, 0], vec![2, 2, 2, 2, 2, 2, 2, 2]];
/// let spec = ModelSpec { prior_rate: PriorRate::EmpiricalBayesPooled, ..Default::default() };
/// let (fits, prior) = fit_population(&series, None, &spec, &|| {}).unwrap();
/// let prior = prior.unwrap();
/// assert!(fits.iter().all(|f| f.as_ref().unwrap().alpha == prior.alpha));
/// ```
pub fn fit_population(
    series: &[Vec<u32>],
    exposures: Option<&[Vec<f64>]>,
    spec: &ModelSpec,
    progress: &(dyn Fn() + Sync),
) -> PopulationFits {
    let (spec, prior) = spec.resolve_pooled(series, exposures)?;
    let spec = &spec;
    let fits = series
        .par_iter()
        .enumerate()
        .map(|(index, counts)| {
            let m = exposures.map(|e| e.get(index).map(Vec::as_slice).unwrap_or(&[]));
            let r = fit_model(index, counts, m, spec);
            progress();
            r
        })
        .collect();
    Ok((fits, prior))
}

/// What [`fit_population`] returns: every series' fit, and the pooled
/// prior rate if one was found.
pub type PopulationFits =
    Result<(Vec<Result<ModelFit, ChangepointError>>, Option<EbPrior>), ChangepointError>;

/// Fits `model` to every row of `counts` (users × days), in parallel, in
/// row order; with `exposures` (the same shape) each row is scored
/// relative to its row of exposures. Rows are read in place when the
/// array is in standard (row-major) layout, copied otherwise; a shape
/// mismatch is an error before any fit.
///
/// ```
/// use ndarray::array;
/// use threatstat_changepoint::batch::fit_rows;
/// use threatstat_changepoint::{ChangePosterior, Direction, Episode};
/// let users = array![[1, 0, 1, 7, 8, 7, 1, 0], [2, 2, 2, 2, 2, 2, 2, 2]];
/// let model = Episode::params().direction(Direction::Up);
/// let fits = fit_rows(&model, users.view(), None, &|| {}).unwrap();
/// assert_eq!(fits[0].as_ref().unwrap().map_interval(), (3, 6));
/// assert!(fits[1].as_ref().unwrap().log_bayes_factor() < 0.0);
/// let wrong = ndarray::Array2::<f64>::ones((2, 7));
/// assert!(fit_rows(&model, users.view(), Some(wrong.view()), &|| {}).is_err());
/// ```
pub fn fit_rows<M>(
    model: &M,
    counts: ArrayView2<'_, u32>,
    exposures: Option<ArrayView2<'_, f64>>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Result<M::Posterior, ChangepointError>>, ChangepointError>
where
    M: ChangeModel + Sync,
    M::Posterior: Send,
{
    if let Some(m) = &exposures
        && m.dim() != counts.dim()
    {
        return Err(threatstat_core::Error::shape(
            "exposures",
            format!("{:?} (users × days, as the counts)", counts.dim()),
            format!("{:?}", m.dim()),
        )
        .into());
    }
    Ok((0..counts.nrows())
        .into_par_iter()
        .map(|i| {
            let row = counts.row(i);
            let owned;
            let c = match row.as_slice() {
                Some(c) => c,
                None => {
                    owned = row.to_vec();
                    &owned
                }
            };
            let m_row = exposures.as_ref().map(|m| m.row(i));
            let m_owned;
            let m = match &m_row {
                None => None,
                Some(r) => match r.as_slice() {
                    Some(m) => Some(m),
                    None => {
                        m_owned = r.to_vec();
                        Some(m_owned.as_slice())
                    }
                },
            };
            let r = model.fit_series(c, m);
            progress();
            r
        })
        .collect())
}

/// Fits the episode model with `params` (for settings that [`ModelSpec`]
/// does not carry, such as [`crate::EpisodeParams::approximate`]) to every
/// series, in parallel, in input order.
///
/// ```
/// use threatstat_changepoint::{Direction, Episode};
/// use threatstat_changepoint::batch::fit_episodes;
/// let series = vec![vec![1, 0, 1, 7, 8, 7, 1, 0], vec![2, 2, 2, 2, 2, 2, 2, 2]];
/// let p = Episode::params().direction(Direction::Up).approximate(0.01);
/// let fits = fit_episodes(&series, &p, &|| {});
/// let f = fits[0].as_ref().unwrap();
/// assert_eq!(f.map_interval(), (3, 6));
/// assert!(f.error_bound() <= 0.01);
/// ```
pub fn fit_episodes(
    series: &[Vec<u32>],
    params: &crate::EpisodeParams,
    progress: &(dyn Fn() + Sync),
) -> Vec<Result<crate::EpisodePosterior, ChangepointError>> {
    series
        .par_iter()
        .map(|counts| {
            let r = params.fit(counts);
            progress();
            r
        })
        .collect()
}

/// The log Bayes factor of a model against "no change or stopped" from
/// its log Bayes factor against no change and that of the downward
/// switchpoint: `lbf − ln(1 + e^stop)` (see [`ModelSpec::against_stop`]).
///
/// ```
/// use threatstat_changepoint::batch::against_stop;
/// assert!((against_stop(10.0, 0.0) - (10.0 - 2f64.ln())).abs() < 1e-12);
/// assert!((against_stop(10.0, 800.0) - (10.0 - 800.0)).abs() < 1e-9);
/// ```
pub fn against_stop(log_bayes_factor: f64, stop_log_bayes_factor: f64) -> f64 {
    let m = stop_log_bayes_factor.max(0.0);
    log_bayes_factor - (m + ((-m).exp() + (stop_log_bayes_factor - m).exp()).ln())
}

/// Fits one series with `spec` (see [`fit_models`]).
///
/// ```
/// use threatstat_changepoint::Direction;
/// use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_model};
/// // A leaver: steady, then nothing. As an "up" episode it is [0, 30);
/// // against stopping it scores low.
/// let leaver: Vec<u32> = (0..60).map(|t| if t < 30 { 3 } else { 0 }).collect();
/// let up = ModelSpec { model: ModelKind::Episode, direction: Direction::Up, ..Default::default() };
/// let vs_stop = ModelSpec { against_stop: true, ..up };
/// assert!(fit_model(0, &leaver, None, &up).unwrap().log_bayes_factor > 20.0);
/// assert!(fit_model(0, &leaver, None, &vs_stop).unwrap().log_bayes_factor < 1.0);
/// ```
///
/// ```
/// use threatstat_changepoint::batch::{ModelKind, ModelSpec, fit_model};
/// let spec = ModelSpec { model: ModelKind::Segments, change_prob: Some(0.05), ..Default::default() };
/// let f = fit_model(0, &[1, 1, 0, 1, 9, 9, 8, 9, 1, 0, 1, 1], None, &spec).unwrap();
/// assert_eq!((f.start, f.end, f.n_changes), (Some(4), Some(8), Some(2)));
/// assert_eq!(f.changes, vec![4, 8]);
/// let with_counts = ModelSpec { segment_counts: true, ..spec };
/// let f = fit_model(0, &[1, 1, 0, 1, 9, 9, 8, 9, 1, 0, 1, 1], None, &with_counts).unwrap();
/// let k = f.change_count_posterior.unwrap();
/// assert!(k[2] > 0.5 && f.change_count_tail_mass.unwrap() < 1e-9);
/// ```
pub fn fit_model(
    index: usize,
    counts: &[u32],
    exposures: Option<&[f64]>,
    spec: &ModelSpec,
) -> Result<ModelFit, ChangepointError> {
    let n_days = counts.len();
    let (resolved, prior) = spec.resolve(counts, exposures)?;
    let spec = &resolved;
    match spec.model {
        ModelKind::Switchpoint => {
            let post = spec.switchpoint_params()?.fit_series(counts, exposures)?;
            Ok(ModelFit {
                index,
                n_days,
                start: Some(post.map_tau()),
                end: None,
                map_probability: post.map_probability(),
                rate_before: post.lambda_1_mean(),
                rate_after: post.lambda_2_mean(),
                log_bayes_factor: post.log_bayes_factor(),
                n_changes: None,
                changes: Vec::new(),
                expected_changes: None,
                change_count_posterior: None,
                change_count_tail_mass: None,
                alpha: post.alpha(),
                prior: prior.clone(),
            })
        }
        ModelKind::Episode => {
            let post = spec.episode_params()?.fit_series(counts, exposures)?;
            let (a, b) = post.map_interval();
            let mut log_bayes_factor = post.log_bayes_factor();
            if spec.against_stop {
                let down = ModelSpec {
                    direction: crate::Direction::Down,
                    ..*spec
                }
                .switchpoint_params()?;
                let stop = down.fit_series(counts, exposures)?.log_bayes_factor();
                log_bayes_factor = against_stop(log_bayes_factor, stop);
            }
            Ok(ModelFit {
                index,
                n_days,
                start: Some(a),
                end: Some(b - 1),
                map_probability: post.map_probability(),
                rate_before: post.rate_outside_mean(),
                rate_after: post.rate_inside_mean(),
                log_bayes_factor,
                n_changes: None,
                changes: Vec::new(),
                expected_changes: None,
                change_count_posterior: None,
                change_count_tail_mass: None,
                alpha: post.alpha(),
                prior: prior.clone(),
            })
        }
        ModelKind::Segments => {
            let mut p = spec.segmentation_params()?;
            if spec.segment_counts {
                p = p.max_segments(1);
            }
            let post = p.fit_series(counts, exposures)?;
            let changes = post.map_changes();
            let rates = post.map_segment_rates();
            Ok(ModelFit {
                index,
                n_days,
                start: changes.first().copied(),
                end: changes.last().copied(),
                map_probability: changes
                    .first()
                    .map_or(0.0, |&t| post.change_probability()[t]),
                rate_before: rates[0],
                rate_after: rates.get(1).copied().unwrap_or(rates[0]),
                log_bayes_factor: post.log_bayes_factor(),
                n_changes: Some(changes.len()),
                changes: changes.to_vec(),
                expected_changes: Some(post.expected_changes()),
                change_count_posterior: post.segment_count_posterior().map(<[f64]>::to_vec),
                change_count_tail_mass: post.segment_count_tail_mass(),
                alpha: post.alpha(),
                prior,
            })
        }
    }
}
