//! The posterior summary table of the switchpoint model, the same for
//! every method: ArviZ's `az.summary` columns (`mean`, `sd`, `hdi_3%`,
//! `hdi_97%`, `mcse_mean`, `mcse_sd`, `ess_bulk`, `ess_tail`, `r_hat`) for
//! λ1, λ2 and τ.
//!
//! One interval convention for every method, ArviZ's default: the 94%
//! highest density interval ([`INTERVAL`]). MCMC rows are computed from the
//! draws exactly as `az.summary(idata, round_to="none")` does (checked
//! against ArviZ 0.23.4 in `tests/reference.rs`); the exact posterior's
//! rows have the exact mean, sd and HDI, and no Monte Carlo columns (NaN,
//! `null` in JSON, `–` on the terminal).
//!
//! ```
//! use threatstat_changepoint::Switchpoint;
//! let post = Switchpoint::params().fit(&[3, 4, 2, 5, 3, 4, 12, 11, 13, 12, 10, 14]).unwrap();
//! let s = post.summary();
//! assert!(s.lambda_1.hdi_94.low < s.lambda_1.mean && s.lambda_1.mean < s.lambda_1.hdi_94.high);
//! let table = s.table();
//! assert!(table.lines().next().unwrap().contains("hdi_3%"));
//! assert!(table.contains("lambda_2"));
//! ```

use crate::exact::Interval;
use crate::mcmc::VariableSummary;
use serde::{Deserialize, Serialize};

/// Probability mass of the reported interval (ArviZ's default `hdi_prob`).
pub const HDI_PROB: f64 = 0.94;

/// The name of the interval convention, as written in `posterior.json`
/// (`"interval"`) and on the terminal.
pub const INTERVAL: &str = "hdi_94 (94% highest density interval: hdi_3%, hdi_97%, as ArviZ)";

/// The summary rows of λ1, λ2 and τ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PosteriorSummary {
    /// λ1 (the rate before the change).
    pub lambda_1: VariableSummary,
    /// λ2 (the rate from the change on).
    pub lambda_2: VariableSummary,
    /// τ (the first day of the second rate).
    pub tau: VariableSummary,
}

impl PosteriorSummary {
    /// The rows with their variable names, in table order.
    pub fn rows(&self) -> [(&'static str, &VariableSummary); 3] {
        [
            ("lambda_1", &self.lambda_1),
            ("lambda_2", &self.lambda_2),
            ("tau", &self.tau),
        ]
    }

    /// The table as `az.summary` prints it (one header line, one line per
    /// variable; NaN columns as `–`).
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<9}{:>10}{:>9}{:>10}{:>10}{:>11}{:>9}{:>10}{:>10}{:>7}\n",
            "",
            "mean",
            "sd",
            "hdi_3%",
            "hdi_97%",
            "mcse_mean",
            "mcse_sd",
            "ess_bulk",
            "ess_tail",
            "r_hat"
        );
        let num = |x: f64, width: usize, prec: usize| {
            if x.is_nan() {
                format!("{:>width$}", "–")
            } else {
                format!("{x:>width$.prec$}")
            }
        };
        for (name, r) in self.rows() {
            out += &format!(
                "{name:<9}{}{}{}{}{}{}{}{}{}\n",
                num(r.mean, 10, 3),
                num(r.sd, 9, 3),
                num(r.hdi_94.low, 10, 3),
                num(r.hdi_94.high, 10, 3),
                num(r.mcse_mean, 11, 4),
                num(r.mcse_sd, 9, 4),
                num(r.ess_bulk, 10, 0),
                num(r.ess_tail, 10, 0),
                num(r.r_hat, 7, 3),
            );
        }
        out
    }
}

/// One row as stored: ArviZ's column names (a NaN is `null`).
#[derive(Serialize, Deserialize)]
pub(crate) struct SummaryRow {
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    mean: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    sd: f64,
    #[serde(rename = "hdi_3%", deserialize_with = "crate::file::nan_if_null")]
    hdi_3: f64,
    #[serde(rename = "hdi_97%", deserialize_with = "crate::file::nan_if_null")]
    hdi_97: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    mcse_mean: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    mcse_sd: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    ess_bulk: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    ess_tail: f64,
    #[serde(deserialize_with = "crate::file::nan_if_null")]
    r_hat: f64,
}

impl From<VariableSummary> for SummaryRow {
    fn from(s: VariableSummary) -> Self {
        SummaryRow {
            mean: s.mean,
            sd: s.sd,
            hdi_3: s.hdi_94.low,
            hdi_97: s.hdi_94.high,
            mcse_mean: s.mcse_mean,
            mcse_sd: s.mcse_sd,
            ess_bulk: s.ess_bulk,
            ess_tail: s.ess_tail,
            r_hat: s.r_hat,
        }
    }
}

impl From<SummaryRow> for VariableSummary {
    fn from(r: SummaryRow) -> Self {
        VariableSummary {
            mean: r.mean,
            sd: r.sd,
            hdi_94: Interval {
                low: r.hdi_3,
                high: r.hdi_97,
            },
            mcse_mean: r.mcse_mean,
            mcse_sd: r.mcse_sd,
            ess_bulk: r.ess_bulk,
            ess_tail: r.ess_tail,
            r_hat: r.r_hat,
        }
    }
}
