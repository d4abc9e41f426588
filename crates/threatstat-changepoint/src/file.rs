//! The posterior of one series as a file ([`ModelFile`]): what
//! `threatstat changepoint fit` writes to `posterior.json`, readable back
//! by [`ModelFile::load`].
//!
//! The file is JSON in the shared envelope, `{"format":
//! "threatstat-changepoint-posterior", "version": 2, "model": …, …}`.
//! Version 2 leaves out `exact.tau_posterior` when it equals the top-level
//! `tau_posterior` (the exact method: 10^5 days made the file hold the same
//! 10^5 numbers twice); reading fills it back in. Version 1 files (which
//! always hold both) are still read.
//! A switchpoint file holds the exact posterior's summary (and, when MCMC
//! ran, the sampler's, with its diagnostics); an episode or segmentation
//! file holds the whole posterior. Dates (`map_tau_date`, …) are present
//! when the series had a date column.
//!
//! ```
//! use threatstat_changepoint::file::PosteriorFile;
//! use threatstat_changepoint::{Episode, Switchpoint};
//! use threatstat_core::ModelFile;
//! let y = [3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14];
//! let post = Switchpoint::params().fit(&y).unwrap();
//! let file = PosteriorFile::switchpoint(&post, None, None).unwrap();
//! let json = file.to_json().unwrap();
//! assert!(json.contains(r#""format": "threatstat-changepoint-posterior""#));
//! let back = PosteriorFile::from_json(&json).unwrap();
//! // (The exact summary has NaN Monte Carlo columns: compare the JSON.)
//! assert_eq!(back.to_json().unwrap(), json);
//! let PosteriorFile::Switchpoint(s) = back else { panic!() };
//! assert_eq!(s.map_tau, 6);
//! let ep = PosteriorFile::episode(Episode::params().fit(&y).unwrap(), None);
//! assert_eq!(PosteriorFile::from_json(&ep.to_json().unwrap()).unwrap(), ep);
//! ```

use crate::io::format_day;
use crate::ppc::Ppc;
use crate::{
    ChangePosterior, ChangepointError, EpisodePosterior, ExactPosterior, McmcPosterior,
    PosteriorSummary, SegmentationPosterior,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::Arc;
use threatstat_core::ModelFile;

/// A fitted posterior of one series, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum PosteriorFile {
    /// One change ([`crate::Switchpoint`]).
    Switchpoint(SwitchpointFile),
    /// An interval at another rate ([`crate::Episode`]).
    Episode(EpisodeFile),
    /// Any number of changes ([`crate::Segmentation`]).
    Segments(SegmentsFile),
}

/// The switchpoint's posterior: the top-level `tau_posterior`, `map_tau`,
/// … are the method's (the exact posterior's, or the sampler's with
/// MCMC), `exact` always the exact posterior's. (Serialised by hand: the
/// file leaves out `exact.tau_posterior` when it equals `tau_posterior`.)
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SwitchpointFile {
    /// `exact`, `gibbs` or `metropolis`.
    pub method: String,
    /// Number of days.
    pub n_days: usize,
    /// α of the rate prior that was used.
    pub alpha: f64,
    /// `ln p(y | one change)`.
    pub log_marginal_likelihood: f64,
    /// `ln p(y | no change)`.
    pub log_marginal_likelihood_no_change: f64,
    /// Their difference.
    pub log_bayes_factor: f64,
    /// The exact posterior's summary.
    pub exact: ExactSummary,
    /// `P(τ = k)` (exact, or the share of MCMC draws). Shared with
    /// `exact.tau_posterior` by the exact method: one copy of n floats,
    /// not two.
    #[serde(deserialize_with = "shared")]
    pub tau_posterior: Arc<Vec<f64>>,
    /// The most probable τ.
    pub map_tau: usize,
    /// Its date, when the series has dates.
    pub map_tau_date: Option<String>,
    /// `P(τ = MAP)`.
    pub p_map: f64,
    /// E\[λ1\] (before the change).
    pub lambda_1_mean: f64,
    /// E\[λ2\] (from the change on).
    pub lambda_2_mean: f64,
    /// The interval convention of every summary in the file
    /// ([`crate::summary::INTERVAL`]: 94% HDI, `hdi_3%` and `hdi_97%`).
    pub interval: String,
    /// The method's summary table of λ1, λ2, τ (`az.summary`'s columns;
    /// the exact method's has no Monte Carlo columns).
    pub summary: PosteriorSummary,
    /// The posterior predictive check, when it was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppc: Option<Ppc>,
    /// The sampler's diagnostics (MCMC only).
    #[serde(flatten)]
    pub mcmc: Option<McmcFile>,
}

/// The exact posterior of the switchpoint in a [`SwitchpointFile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactSummary {
    /// `P(τ = k | y)` (in the file only when it differs from the
    /// top-level `tau_posterior`, i.e. with MCMC).
    #[serde(default, deserialize_with = "shared", serialize_with = "slice")]
    pub tau_posterior: Arc<Vec<f64>>,
    /// The most probable τ.
    pub map_tau: usize,
    /// Its date, when the series has dates.
    pub map_tau_date: Option<String>,
    /// `P(τ = MAP)`.
    pub p_map: f64,
    /// E\[λ1 | y\].
    pub lambda_1_mean: f64,
    /// E\[λ2 | y\].
    pub lambda_2_mean: f64,
    /// The exact summary table (mean, sd, 94% HDI of λ1, λ2, τ).
    pub summary: PosteriorSummary,
}

impl Serialize for SwitchpointFile {
    /// The derived form, except that `exact.tau_posterior` is left out
    /// when it equals the top-level `tau_posterior` (see the module docs).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Exact<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            tau_posterior: Option<&'a [f64]>,
            map_tau: usize,
            map_tau_date: &'a Option<String>,
            p_map: f64,
            lambda_1_mean: f64,
            lambda_2_mean: f64,
            summary: &'a PosteriorSummary,
        }
        #[derive(Serialize)]
        struct Wire<'a> {
            method: &'a str,
            n_days: usize,
            alpha: f64,
            log_marginal_likelihood: f64,
            log_marginal_likelihood_no_change: f64,
            log_bayes_factor: f64,
            exact: Exact<'a>,
            tau_posterior: &'a [f64],
            map_tau: usize,
            map_tau_date: &'a Option<String>,
            p_map: f64,
            lambda_1_mean: f64,
            lambda_2_mean: f64,
            interval: &'a str,
            summary: &'a PosteriorSummary,
            #[serde(skip_serializing_if = "Option::is_none")]
            ppc: Option<&'a Ppc>,
            #[serde(flatten)]
            mcmc: Option<&'a McmcFile>,
        }
        // Destructured without `..`: a field added to either struct is a
        // compile error here until the file writes it.
        let SwitchpointFile {
            method,
            n_days,
            alpha,
            log_marginal_likelihood,
            log_marginal_likelihood_no_change,
            log_bayes_factor,
            exact,
            tau_posterior,
            map_tau,
            map_tau_date,
            p_map,
            lambda_1_mean,
            lambda_2_mean,
            interval,
            summary,
            ppc,
            mcmc,
        } = self;
        let ExactSummary {
            tau_posterior: exact_tau,
            map_tau: exact_map_tau,
            map_tau_date: exact_map_tau_date,
            p_map: exact_p_map,
            lambda_1_mean: exact_lambda_1_mean,
            lambda_2_mean: exact_lambda_2_mean,
            summary: exact_summary,
        } = exact;
        let same = Arc::ptr_eq(exact_tau, tau_posterior) || exact_tau == tau_posterior;
        Wire {
            method,
            n_days: *n_days,
            alpha: *alpha,
            log_marginal_likelihood: *log_marginal_likelihood,
            log_marginal_likelihood_no_change: *log_marginal_likelihood_no_change,
            log_bayes_factor: *log_bayes_factor,
            exact: Exact {
                tau_posterior: (!same).then_some(&exact_tau[..]),
                map_tau: *exact_map_tau,
                map_tau_date: exact_map_tau_date,
                p_map: *exact_p_map,
                lambda_1_mean: *exact_lambda_1_mean,
                lambda_2_mean: *exact_lambda_2_mean,
                summary: exact_summary,
            },
            tau_posterior,
            map_tau: *map_tau,
            map_tau_date,
            p_map: *p_map,
            lambda_1_mean: *lambda_1_mean,
            lambda_2_mean: *lambda_2_mean,
            interval,
            summary,
            ppc: ppc.as_ref(),
            mcmc: mcmc.as_ref(),
        }
        .serialize(s)
    }
}

/// What MCMC adds to a [`SwitchpointFile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McmcFile {
    /// Largest rank-normalised split R-hat (null if undefined).
    pub rhat: Option<f64>,
    /// Smallest bulk ESS (null if undefined).
    pub ess_bulk: Option<f64>,
    /// Smallest tail ESS (null if undefined).
    pub ess_tail: Option<f64>,
    /// Total-variation distance of the sampled τ posterior to the exact one.
    pub tv_distance_to_exact: f64,
    /// The sampler's warnings (R-hat, ESS).
    pub warnings: Vec<String>,
    /// The sampler's settings and acceptance rates.
    pub mcmc: McmcSettings,
}

/// The sampler's settings and per-chain acceptance rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McmcSettings {
    /// Chains.
    pub chains: usize,
    /// Draws kept per chain.
    pub draws: usize,
    /// Warm-up steps per chain.
    pub tune: usize,
    /// Seed.
    pub seed: u64,
    /// Acceptance rates per chain (λ1, λ2, τ moves; null when undefined).
    pub acceptance: Vec<[Option<f64>; 3]>,
}

/// The episode posterior with its Bayes factor and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeFile {
    /// The posterior.
    #[serde(flatten)]
    pub posterior: EpisodePosterior,
    /// First day of the MAP interval, when the series has dates.
    pub map_start_date: Option<String>,
    /// Last day (inclusive) of the MAP interval, when the series has dates.
    pub map_end_date: Option<String>,
    /// The log Bayes factor against no change.
    pub log_bayes_factor: f64,
}

/// The segmentation posterior with its summary and dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentsFile {
    /// The posterior.
    #[serde(flatten)]
    pub posterior: SegmentationPosterior,
    /// Dates of the MAP changes (null entries without dates).
    pub map_change_dates: Vec<Option<String>>,
    /// The log Bayes factor against no change.
    pub log_bayes_factor: f64,
    /// Posterior mean number of changes.
    pub expected_changes: f64,
    /// Number of changes of the MAP segmentation.
    pub map_n_changes: usize,
    /// The direction setting of the command (segmentations are not
    /// restricted: always `any`).
    pub direction: crate::Direction,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl PosteriorFile {
    /// Writes the file's JSON (what [`ModelFile::to_json`] returns) to `w`
    /// as it is serialised: the CLI streams a 10^5-day posterior to its
    /// output instead of holding a second megabyte of text.
    ///
    /// ```
    /// use threatstat_changepoint::Switchpoint;
    /// use threatstat_changepoint::file::PosteriorFile;
    /// use threatstat_core::ModelFile;
    /// let post = Switchpoint::params().fit(&[3, 4, 2, 5, 13, 12, 10, 14]).unwrap();
    /// let file = PosteriorFile::switchpoint(&post, None, None).unwrap();
    /// let mut out = Vec::new();
    /// file.write_json(&mut out).unwrap();
    /// assert_eq!(String::from_utf8(out).unwrap(), file.to_json().unwrap());
    /// ```
    pub fn write_json<W: std::io::Write>(&self, w: W) -> Result<(), ChangepointError> {
        #[derive(Serialize)]
        struct Envelope<'a> {
            format: &'static str,
            version: u32,
            #[serde(flatten)]
            body: &'a PosteriorFile,
        }
        let env = Envelope {
            format: <Self as ModelFile>::FORMAT,
            version: <Self as ModelFile>::VERSION,
            body: self,
        };
        crate::json_pretty::write(w, &env).map_err(|e| {
            threatstat_core::Error::model_file(
                None::<&std::path::Path>,
                format!("serialising a {} model: {e}", <Self as ModelFile>::FORMAT),
            )
            .into()
        })
    }

    /// The switchpoint's file (see [`SwitchpointFile::new`]).
    pub fn switchpoint(
        exact: &ExactPosterior,
        mcmc: Option<&McmcPosterior>,
        days: Option<&[i64]>,
    ) -> Result<Self, ChangepointError> {
        SwitchpointFile::new(exact, mcmc, days).map(PosteriorFile::Switchpoint)
    }

    /// The episode's file; `days` as in [`SwitchpointFile::new`].
    pub fn episode(posterior: EpisodePosterior, days: Option<&[i64]>) -> Self {
        let (start, end) = posterior.map_interval();
        let date = |k: usize| days.map(|d| format_day(d[k]));
        PosteriorFile::Episode(EpisodeFile {
            map_start_date: date(start),
            map_end_date: date(end - 1),
            log_bayes_factor: posterior.log_bayes_factor(),
            posterior,
        })
    }

    /// The segmentation's file; `days` as in [`SwitchpointFile::new`].
    pub fn segments(posterior: SegmentationPosterior, days: Option<&[i64]>) -> Self {
        let date = |k: usize| days.map(|d| format_day(d[k]));
        PosteriorFile::Segments(SegmentsFile {
            map_change_dates: posterior.map_changes().iter().map(|&k| date(k)).collect(),
            log_bayes_factor: posterior.log_bayes_factor(),
            expected_changes: posterior.expected_changes(),
            map_n_changes: posterior.map_changes().len(),
            direction: crate::Direction::Any,
            posterior,
        })
    }
}

impl SwitchpointFile {
    /// The switchpoint's file from its exact posterior and, if sampled,
    /// the MCMC posterior; `days` are the series' days (days since
    /// 1970-01-01) for the dates.
    pub fn new(
        exact: &ExactPosterior,
        mcmc: Option<&McmcPosterior>,
        days: Option<&[i64]>,
    ) -> Result<Self, ChangepointError> {
        let date = |k: usize| days.map(|d| format_day(d[k]));
        let summary = ExactSummary {
            tau_posterior: exact.tau_posterior_shared(),
            map_tau: exact.map_tau(),
            map_tau_date: date(exact.map_tau()),
            p_map: exact.map_probability(),
            lambda_1_mean: exact.lambda_1_mean(),
            lambda_2_mean: exact.lambda_2_mean(),
            summary: exact.summary(),
        };
        let mut f = SwitchpointFile {
            method: "exact".into(),
            n_days: exact.n_days(),
            alpha: exact.alpha(),
            log_marginal_likelihood: exact.log_marginal_likelihood(),
            log_marginal_likelihood_no_change: exact.log_marginal_likelihood_no_change(),
            log_bayes_factor: exact.log_bayes_factor(),
            tau_posterior: summary.tau_posterior.clone(),
            map_tau: summary.map_tau,
            map_tau_date: summary.map_tau_date.clone(),
            p_map: summary.p_map,
            lambda_1_mean: summary.lambda_1_mean,
            lambda_2_mean: summary.lambda_2_mean,
            interval: crate::summary::INTERVAL.into(),
            summary: summary.summary,
            ppc: None,
            exact: summary,
            mcmc: None,
        };
        if let Some(m) = mcmc {
            let tp = m.tau_posterior();
            let map = m.map_tau();
            f.method = match m.params.sampler {
                crate::Sampler::Gibbs => "gibbs",
                crate::Sampler::Metropolis => "metropolis",
            }
            .into();
            f.map_tau = map;
            f.map_tau_date = date(map);
            f.p_map = tp[map];
            f.lambda_1_mean = m.lambda_1.mean;
            f.lambda_2_mean = m.lambda_2.mean;
            f.summary = m.summary();
            f.mcmc = Some(McmcFile {
                rhat: finite(m.max_rhat()),
                ess_bulk: finite(m.min_ess_bulk()),
                ess_tail: finite(m.min_ess_tail()),
                tv_distance_to_exact: exact.tau_total_variation(&tp),
                warnings: m.warnings.clone(),
                mcmc: McmcSettings {
                    chains: m.params.chains,
                    draws: m.params.draws,
                    tune: m.params.tune,
                    seed: m.params.seed,
                    acceptance: m.chains.iter().map(|c| c.acceptance.map(finite)).collect(),
                },
            });
            f.tau_posterior = Arc::new(tp);
        }
        Ok(f)
    }
}

impl ModelFile for PosteriorFile {
    const FORMAT: &'static str = "threatstat-changepoint-posterior";
    const VERSION: u32 = 2;
    /// Version 1 held `exact.tau_posterior` always: still read.
    const OLDEST_VERSION: u32 = 1;
    const PRETTY: bool = true;
    type Error = ChangepointError;
    type File = PosteriorFile;
    fn to_file(&self) -> Result<PosteriorFile, ChangepointError> {
        Ok(self.clone())
    }
    /// The trait's JSON without its copy of the file ([`ModelFile::to_file`]
    /// clones two arrays of n floats), in the layout of the crate's
    /// `json_pretty` formatter (arrays of numbers on one line), into a
    /// buffer sized once: [`PosteriorFile::write_json`] into memory.
    fn to_json(&self) -> Result<String, ChangepointError> {
        let floats = match self {
            PosteriorFile::Switchpoint(s) => 2 * s.tau_posterior.len(),
            PosteriorFile::Episode(_) | PosteriorFile::Segments(_) => 0,
        };
        let mut out = Vec::with_capacity(4096 + 8 * floats);
        self.write_json(&mut out)?;
        // serde_json writes UTF-8.
        Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
    }
    fn from_file(mut file: PosteriorFile) -> Result<PosteriorFile, ChangepointError> {
        if let PosteriorFile::Segments(s) = &mut file {
            s.posterior.rebuild_rate_curve();
        }
        // Left out of the file when it equals the method's (exact method).
        if let PosteriorFile::Switchpoint(s) = &mut file
            && s.exact.tau_posterior.is_empty()
        {
            if s.method != "exact" {
                return Err(threatstat_core::Error::model_file(
                    None::<&std::path::Path>,
                    format!(
                        "invalid model file: `exact.tau_posterior` is missing (method `{}`)",
                        s.method
                    ),
                )
                .into());
            }
            s.exact.tau_posterior = Arc::clone(&s.tau_posterior);
        }
        Ok(file)
    }
}

/// A shared vector written as its array of numbers.
pub(crate) fn slice<S: serde::Serializer>(v: &Arc<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_slice().serialize(s)
}

/// An array of numbers read into a shared vector (serde's `rc` feature
/// would do it for the whole workspace).
fn shared<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Vec<f64>>, D::Error> {
    Vec::<f64>::deserialize(d).map(Arc::new)
}

/// A number that JSON may hold as `null` (serde writes NaN so): null
/// reads back as NaN.
pub(crate) fn nan_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{McmcParams, Switchpoint};

    const Y: [u32; 12] = [3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14];

    /// Version 2: the exact method's file holds p(τ) once and reads back
    /// whole; an MCMC file keeps `exact.tau_posterior` (it differs from the
    /// sampled one) and reads back equal.
    #[test]
    fn exact_tau_posterior_is_written_only_when_it_differs() {
        let post = Switchpoint::params().fit(&Y).unwrap();
        let exact = PosteriorFile::switchpoint(&post, None, None).unwrap();
        let json = exact.to_json().unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["version"], 2);
        assert!(v["exact"].get("tau_posterior").is_none());
        // (The exact summary has NaN Monte Carlo columns: compare the JSON.)
        let back = PosteriorFile::from_json(&json).unwrap();
        assert_eq!(back.to_json().unwrap(), json);
        let PosteriorFile::Switchpoint(b) = back else {
            panic!()
        };
        assert_eq!(*b.exact.tau_posterior, post.tau_posterior());

        let m = Switchpoint::params()
            .sample(&Y, &McmcParams::default().chains(2).draws(200).tune(100))
            .unwrap();
        let mcmc = PosteriorFile::switchpoint(&post, Some(&m), None).unwrap();
        let json = mcmc.to_json().unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let e: Vec<f64> = serde_json::from_value(v["exact"]["tau_posterior"].clone()).unwrap();
        assert_eq!(e, post.tau_posterior());
        let back = PosteriorFile::from_json(&json).unwrap().to_json().unwrap();
        assert_eq!(back, json);
    }

    /// A version 1 file (p(τ) at the top level and in `exact`, one number
    /// per line) still loads; a file that leaves `exact.tau_posterior` out
    /// of an MCMC fit is refused naming the field.
    #[test]
    fn version_1_files_load_and_a_missing_mcmc_exact_posterior_is_refused() {
        let post = Switchpoint::params().fit(&Y).unwrap();
        let file = PosteriorFile::switchpoint(&post, None, None).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&file.to_json().unwrap()).unwrap();
        v["version"] = 1.into();
        v["exact"]["tau_posterior"] = v["tau_posterior"].clone();
        let v1 = serde_json::to_string_pretty(&v).unwrap();
        let back = PosteriorFile::from_json(&v1).unwrap().to_json().unwrap();
        assert_eq!(back, file.to_json().unwrap());

        v["version"] = 2.into();
        v["method"] = "gibbs".into();
        v["exact"].as_object_mut().unwrap().remove("tau_posterior");
        let e = PosteriorFile::from_json(&v.to_string())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`exact.tau_posterior` is missing (method `gibbs`)"),
            "{e}"
        );
    }
}
