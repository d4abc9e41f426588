//! Which users' daily activity changed: population baselines, one model
//! fitted to every user, users ranked by the Bayes factor, the ranking's
//! CSV, and the curves a figure of one user draws.
//!
//! `threatstat changepoint logons`, the `cert_logon_changepoint`
//! experiment and the notebook all chain these functions.
//!
//! ```
//! use threatstat_datasets::cert::{LogonGenerator, LogonLoader, Span};
//! use threatstat_workflow::changepoint::{RankParams, rank_users};
//! let mut csv = Vec::new();
//! LogonGenerator::new().users(20).days(120).planted(2).seed(3).generate(&mut csv).unwrap();
//! let daily = LogonLoader::new()
//!     .load_reader("logon.csv", std::io::Cursor::new(csv))
//!     .unwrap()
//!     .daily(Span::Global);
//! let ranking = rank_users(&daily, &RankParams::default()).unwrap();
//! assert_eq!(ranking.rows.len(), 20);
//! let lbf: Vec<f64> = ranking.rows.iter().map(|r| r.fit.log_bayes_factor).collect();
//! assert!(lbf.windows(2).all(|w| w[0] >= w[1]));   // most likely change first
//! ```

mod csv;

pub use csv::SEGMENT_HEADER;
use std::path::Path;
use threatstat_changepoint::baseline::{Baseline, BaselineKind};
use threatstat_changepoint::batch::{
    Method, ModelFit, ModelKind, ModelSpec, SeriesFit, fit_all, fit_models,
};
use threatstat_changepoint::prior_eb::EbPrior;
use threatstat_changepoint::{
    ChangeModel, ChangePosterior, ChangepointError, Direction, McmcParams, PriorRate,
};
use threatstat_core::atomic::Finished;
use threatstat_core::{Error, ParamGuard};
use threatstat_datasets::cert::DailyCounts;

/// Exposures of every user relative to the population of `daily`
/// (leave-one-out: a user's own counts are not in their baseline), in
/// `daily` order.
///
/// ```
/// use threatstat_changepoint::baseline::BaselineKind;
/// use threatstat_datasets::cert::DailyCounts;
/// use threatstat_workflow::changepoint::population_exposures;
/// let user = |u: &str, c: Vec<u32>| DailyCounts { user: u.into(), first_day: 0, counts: c };
/// let daily = [user("a", vec![1, 2, 4]), user("b", vec![1, 2, 4]), user("c", vec![2, 4, 8])];
/// let m = population_exposures(&daily, BaselineKind::Population).unwrap();
/// assert_eq!(m.len(), 3);
/// assert!(m[0][2] > m[0][0]);   // everyone was busier on day 2
/// ```
pub fn population_exposures(
    daily: &[DailyCounts],
    kind: BaselineKind,
) -> Result<Vec<Vec<f64>>, ChangepointError> {
    let series: Vec<(i64, &[u32])> = daily
        .iter()
        .map(|d| (d.first_day, d.counts.as_slice()))
        .collect();
    let base = Baseline::params().kind(kind).fit(&series)?;
    daily
        .iter()
        .map(|d| base.exposures_leave_one_out(d.first_day, &d.counts))
        .collect()
}

/// What a figure of one series draws: the bars (the posterior of the
/// change day, of the episode start, or the change probability per day:
/// [`ChangePosterior::change_marginal`]) and the expected count per day
/// (the rate curve times the exposure).
///
/// ```
/// use threatstat_changepoint::batch::ModelSpec;
/// use threatstat_workflow::changepoint::model_curves;
/// let (bars, expected) = model_curves(&ModelSpec::default(), &[1, 1, 0, 7, 8, 6], None).unwrap();
/// assert_eq!((bars.len(), expected.len()), (6, 6));
/// assert!(expected[5] > expected[0]);
/// ```
pub fn model_curves(
    spec: &ModelSpec,
    counts: &[u32],
    exposures: Option<&[f64]>,
) -> Result<(Vec<f64>, Vec<f64>), ChangepointError> {
    fn curves<P: ChangePosterior>(post: &P, m: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        let rate = post.rate_curve();
        let expected = match m {
            Some(m) => rate.iter().zip(m).map(|(r, x)| r * x).collect(),
            None => rate.to_vec(),
        };
        (post.change_marginal().to_vec(), expected)
    }
    let (spec, _) = spec.resolve(counts, exposures)?;
    Ok(match spec.model {
        ModelKind::Switchpoint => curves(
            &spec.switchpoint_params()?.fit_series(counts, exposures)?,
            exposures,
        ),
        ModelKind::Episode => curves(
            &spec.episode_params()?.fit_series(counts, exposures)?,
            exposures,
        ),
        ModelKind::Segments => curves(
            &spec.segmentation_params()?.fit_series(counts, exposures)?,
            exposures,
        ),
    })
}

/// How [`rank_users`] scores each user.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RankParams {
    /// The model and its settings.
    pub spec: ModelSpec,
    /// MCMC beside the exact posterior (the published switchpoint on raw
    /// counts only: unrestricted, no baseline), for its diagnostics columns.
    pub mcmc: Option<McmcParams>,
    /// Score each user relative to the population (`None`: raw counts).
    pub baseline: Option<BaselineKind>,
}

/// [`RankParams`] that passed [`ParamGuard::check`]; only `check` makes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckedRankParams(RankParams);

impl CheckedRankParams {
    /// The params inside.
    pub fn params(&self) -> &RankParams {
        &self.0
    }
}

impl ParamGuard for RankParams {
    type Checked = CheckedRankParams;
    type Error = ChangepointError;
    /// Checks the model settings and the MCMC settings, and that MCMC is
    /// asked only where it applies.
    ///
    /// ```
    /// use threatstat_changepoint::batch::{ModelKind, ModelSpec};
    /// use threatstat_changepoint::{ChangepointError, McmcParams};
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_workflow::changepoint::RankParams;
    /// assert!(RankParams::default().check().is_ok());
    /// let episode = ModelSpec { model: ModelKind::Episode, ..Default::default() };
    /// let p = RankParams { spec: episode, mcmc: Some(McmcParams::default()), baseline: None };
    /// assert!(matches!(
    ///     p.check().unwrap_err(),
    ///     ChangepointError::Core(Error::Param { name: "mcmc", .. })
    /// ));
    /// ```
    fn check(&self) -> Result<CheckedRankParams, ChangepointError> {
        self.spec.check()?;
        if let Some(m) = &self.mcmc {
            m.check()?;
            if self.spec.prior_rate == PriorRate::EmpiricalBayes {
                return Err(Error::param(
                    "mcmc",
                    "MCMC settings",
                    "none with a per-series empirical-Bayes prior rate (MCMC takes one α for \
                     every series: use eb-pooled, mean or a number)",
                )
                .into());
            }
            if !self.published() {
                return Err(Error::param(
                    "mcmc",
                    "MCMC settings",
                    "none unless the model is the published one (MCMC samples the \
                     unrestricted switchpoint on raw counts; use the exact posterior with the \
                     episode or segments model, a direction or a baseline)",
                )
                .into());
            }
        }
        Ok(CheckedRankParams(*self))
    }
}

impl RankParams {
    /// The published model: the unrestricted switchpoint on raw counts.
    fn published(&self) -> bool {
        self.spec.model == ModelKind::Switchpoint
            && self.spec.direction == Direction::Any
            && self.baseline.is_none()
    }
}

/// One ranked user.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedUser {
    /// Index of the user in the daily series.
    pub index: usize,
    /// The fit.
    pub fit: ModelFit,
    /// The MCMC columns (with [`RankParams::mcmc`]).
    pub mcmc: Option<SeriesFit>,
}

/// Users ranked by the log Bayes factor of a change (largest first, ties
/// in input order), and those that could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// The fitted users, most likely change first.
    pub rows: Vec<RankedUser>,
    /// Users that could not be fitted: (index, reason).
    pub failed: Vec<(usize, String)>,
    /// The exposures used (with a baseline), in daily order.
    pub exposures: Option<Vec<Vec<f64>>>,
    /// The params (a pooled empirical-Bayes prior rate resolved to its α).
    pub params: RankParams,
    /// With [`PriorRate::EmpiricalBayesPooled`]: the pooled α and how the
    /// optimiser found it.
    pub prior: Option<EbPrior>,
}

/// Fits every user of `daily` and ranks them (see [`Ranking`]); an error
/// when the params are bad or no user could be fitted.
pub fn rank_users(daily: &[DailyCounts], params: &RankParams) -> Result<Ranking, ChangepointError> {
    rank_users_with_progress(daily, params, &|| {})
}

/// [`rank_users`], calling `progress` once per fitted user.
pub fn rank_users_with_progress(
    daily: &[DailyCounts],
    params: &RankParams,
    progress: &(dyn Fn() + Sync),
) -> Result<Ranking, ChangepointError> {
    let mut params = *params.check()?.params();
    let series: Vec<Vec<u32>> = daily.iter().map(|d| d.counts.clone()).collect();
    let exposures = params
        .baseline
        .map(|k| population_exposures(daily, k))
        .transpose()?;
    // One α for everyone, found once (an error if it cannot be).
    let (spec, prior) = params.spec.resolve_pooled(&series, exposures.as_deref())?;
    params.spec = spec;
    let per_series = params.spec.prior_rate == PriorRate::EmpiricalBayes;
    let fits: Vec<Result<(ModelFit, Option<SeriesFit>), String>> =
        if params.published() && !per_series {
            // The published model keeps its own path (and MCMC).
            let method = params.mcmc.map_or(Method::Exact, Method::Mcmc);
            let sp = params.spec.switchpoint_params()?;
            let alpha_of = |c: &[u32]| sp.resolve_alpha(c).unwrap_or(f64::NAN);
            fit_all(&series, &sp, method, progress)
                .into_iter()
                .map(|r| {
                    r.map(|f| {
                        let alpha = alpha_of(&series[f.index]);
                        (published_fit(&f, alpha), params.mcmc.map(|_| f))
                    })
                    .map_err(|e| e.to_string())
                })
                .collect()
        } else {
            fit_models(&series, exposures.as_deref(), &params.spec, progress)
                .into_iter()
                .map(|r| r.map(|f| (f, None)).map_err(|e| e.to_string()))
                .collect()
        };
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (index, f) in fits.into_iter().enumerate() {
        match f {
            Ok((fit, mcmc)) => rows.push(RankedUser { index, fit, mcmc }),
            Err(e) => failed.push((index, e)),
        }
    }
    if rows.is_empty()
        && let Some((_, why)) = failed.first()
    {
        return Err(Error::data(
            "users",
            format!(
                "no user could be fitted ({} users; the first: {why})",
                failed.len()
            ),
        )
        .into());
    }
    rows.sort_by(|x, y| {
        y.fit
            .log_bayes_factor
            .total_cmp(&x.fit.log_bayes_factor)
            .then(x.index.cmp(&y.index))
    });
    Ok(Ranking {
        rows,
        failed,
        exposures,
        params,
        prior,
    })
}

/// A switchpoint [`SeriesFit`] as a [`ModelFit`].
fn published_fit(f: &SeriesFit, alpha: f64) -> ModelFit {
    ModelFit {
        index: f.index,
        n_days: f.n_days,
        start: Some(f.map_tau),
        end: None,
        map_probability: f.map_probability,
        rate_before: f.lambda_1_mean,
        rate_after: f.lambda_2_mean,
        log_bayes_factor: f.log_bayes_factor,
        n_changes: None,
        changes: Vec::new(),
        expected_changes: None,
        change_count_posterior: None,
        change_count_tail_mass: None,
        alpha,
        prior: None,
    }
}

impl Ranking {
    /// Writes the ranking's CSV to `out` (one row per user, most likely
    /// change first, then the users that could not be fitted with the
    /// reason): switchpoint and episode columns, or for the segments model
    /// the number of changes, their dates and the posterior of their
    /// count ([`SEGMENT_HEADER`]). The file is finished but not yet
    /// visible: `commit` it (after the figures, so that a failed figure
    /// leaves no table).
    pub fn write_csv(
        &self,
        daily: &[DailyCounts],
        out: &Path,
    ) -> Result<Finished, threatstat_core::Error> {
        if self.params.spec.model == ModelKind::Segments {
            csv::write_segment_rows(out, daily, &self.rows, &self.failed)
        } else {
            csv::write_change_rows(
                out,
                daily,
                &self.rows,
                &self.failed,
                self.params.mcmc.is_some(),
            )
        }
    }

    /// The curves of the figure of user `index` (see [`model_curves`]),
    /// with the exposures the ranking used.
    pub fn curves(
        &self,
        daily: &[DailyCounts],
        index: usize,
    ) -> Result<(Vec<f64>, Vec<f64>), ChangepointError> {
        let m = self.exposures.as_ref().map(|e| e[index].as_slice());
        model_curves(&self.params.spec, &daily[index].counts, m)
    }
}
