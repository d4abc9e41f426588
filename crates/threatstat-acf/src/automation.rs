//! Automated-role detection: which (principal, API) pairs call the API on a
//! schedule?
//!
//! Each pair is a series of counts per period (for CloudTrail: calls per day
//! of one role to one API). A script or scheduled job leaves a regular
//! pattern, hence autocorrelation; a human does not. Two rules decide:
//!
//! * [`Rule::Notebook`], the published CloudTrail notebook's rule: flagged
//!   when `max |r_k| ≥ threshold` over lags `k = 1..=lags` (7 and 0.5), with
//!   `r_k` pandas' `Series.autocorr(k)`. Simple, but it is not a test: the
//!   spread of `r_k` under "no pattern" is about `1/√n`, so the same
//!   threshold is 4.7 standard errors at 90 days and 1.6 at 10 days; short
//!   series are flagged most of the time (26 of 30 random series of 1–11
//!   days in the reference fixture, against 1 of 30 by the Ljung–Box rule),
//!   and nothing controls the number of false alarms over 10^5 pairs.
//! * [`Rule::LjungBox`], a test with error control: the Ljung–Box test of
//!   "no autocorrelation up to lag `lags`" for every pair, Benjamini–Hochberg
//!   q-values over all pairs, flagged when `q ≤ fdr`. With the default
//!   [`PValues::Permutation`] the p-values are permutation p-values of Q
//!   ([`crate::permutation`]): exact for a pair whose days are exchangeable
//!   under "no automation" (independent, identically distributed counts),
//!   whatever its rate, so the expected share of false discoveries among the
//!   flagged pairs is at most `fdr` (times the share of such pairs), and
//!   over pairs with no automation at all the chance of flagging anything
//!   is at most `fdr`. Measured on sparse people's pairs (Poisson 0.05–0.3
//!   a day, 30–120 days, 2,000 pairs a run, FDR 5%): a flag in 22 of 400
//!   runs (5.5%, within the binomial uncertainty of 5%; seed 77, the
//!   `--ignored` test), against 269 of 400 with the χ² p-values. The
//!   default test of `tests/sparse_calibration.rs` checks 24 runs against
//!   the upper 0.1% of Binomial(24, 0.05). [`PValues::ChiSquare`] keeps
//!   statsmodels' χ² p-values (its parity), which are not valid on sparse
//!   counts: a series of 4 calls in 90 days can get p = 1e-13.
//!
//! Both rules report the same measurements ([`Detection`]): the notebook's
//! max |autocorrelation| and its lag, Ljung–Box Q and its χ² p at `lags`
//! (statsmodels `acorr_ljungbox(x, lags)` convention), the rule's p-value
//! and BH q-value, the dominant period of the periodogram
//! ([`crate::periodogram`]), the length and the total.
//!
//! Degenerate series are never flagged: a constant series (including all
//! zeros) has no autocorrelation (NaN), and a series of at most `lags`
//! values has no Ljung–Box test at that lag (NaN). Unlike pandas and
//! statsmodels, a constant part is treated as constant even when NumPy's
//! rounding of its mean is inexact (a constant 0.1 series gets pandas'
//! autocorrelation 1.0 and a statsmodels Ljung–Box p of 1e-21, and would be
//! flagged by both rules); on integer counts the results are pandas' and
//! statsmodels' own.
//!
//! Missing values (NaN) are dropped pairwise by the notebook's
//! autocorrelation, as pandas does; the Ljung–Box test is then NaN (as
//! statsmodels' `missing="none"`) and there is no dominant period.
//!
//! Counts (whole numbers up to 2^20, series up to 2^13 periods) take an
//! exact path: integer moments and one lagged product sum per lag, rounded
//! once at the end, which is both faster and at least as accurate as the
//! pandas/statsmodels arithmetic it reproduces: the autocorrelations and Q
//! agree with it to 4e-15 relative, the p-values to 1e-12 (tested).
//!
//! The work is spread over rayon's threads and is deterministic: every pair
//! is computed on its own (its permutations come from a stream keyed by its
//! principal, API and counts), the q-values and the ranking depend neither
//! on the threads nor on the input order.
//!
//! ```
//! use threatstat_acf::automation::{PairSeries, Rule, detect};
//! let weekly: Vec<f64> = (0..90).map(|d| if d % 7 == 0 { 24.0 } else { 0.0 }).collect();
//! // An irregular human: pseudo-random counts 0..15 (SplitMix64 bits).
//! let human: Vec<f64> = (1..=90u64).map(|d| {
//!     let z = d.wrapping_mul(0x9E37_79B9_7F4A_7C15);
//!     let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
//!     ((z ^ (z >> 27)) >> 60) as f64
//! }).collect();
//! let pairs = vec![
//!     PairSeries { principal: "alice".into(), api: "GetObject".into(), counts: human },
//!     PairSeries { principal: "backup-role".into(), api: "PutObject".into(), counts: weekly },
//!     PairSeries { principal: "bob".into(), api: "ListBuckets".into(), counts: vec![0.0; 90] },
//! ];
//! let d = detect(&pairs, &Rule::notebook());
//! assert_eq!(d[0].principal, "backup-role");
//! assert!(d[0].flagged && d[0].best_lag == 7 && d[0].max_abs_acf == 1.0);
//! // 90/13 days: the Fourier frequency of 90 days nearest to 1/7.
//! assert!((d[0].dominant_period.unwrap() - 90.0 / 13.0).abs() < 1e-12);
//! assert!(!d[1].flagged && d[1].principal == "alice");
//! assert!(!d[2].flagged && d[2].max_abs_acf.is_nan());   // constant: never flagged
//! let d = detect(&pairs, &Rule::ljung_box());
//! assert!(d[0].flagged && d[0].q_value <= 0.05 && d[0].principal == "backup-role");
//! assert!(!d[1].flagged && d[1].ljung_box_p > 0.05);
//! ```

use crate::acf::direct_sums;
use crate::autocorr::autocorr_strict;
use crate::fdr::benjamini_hochberg;
use crate::fft::PlanCache;
use crate::ljung_box::chi2_ln_sf;
use crate::numeric::{dot, numpy_mean};
use crate::periodogram::dominant_period_with;
use crate::permutation::PermutationBh;
use crate::rng::{FNV_START, fnv1a};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use threatstat_core::model::ParamGuard;

/// The counts of one (principal, API) pair, one value per period (day).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PairSeries {
    /// The principal (user, role ARN, ...).
    pub principal: String,
    /// The API (CloudTrail `eventName`, or `eventSource:eventName`).
    pub api: String,
    /// Calls per period, in time order, zero periods included.
    pub counts: Vec<f64>,
}

/// A decision rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Rule {
    /// Flagged when max |pandas autocorrelation| over lags `1..=lags` is
    /// at least `threshold`.
    Notebook {
        /// Largest lag.
        lags: usize,
        /// Threshold on |autocorrelation|.
        threshold: f64,
    },
    /// Flagged when the Benjamini–Hochberg q-value of the Ljung–Box test at
    /// `lags` is at most `fdr`.
    LjungBox {
        /// Number of lags of the test (degrees of freedom).
        lags: usize,
        /// False discovery rate.
        fdr: f64,
        /// How the p-values are computed.
        p_values: PValues,
    },
}

/// The p-values of [`Rule::LjungBox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PValues {
    /// Permutation p-values of Q (module [`crate::permutation`]), seeded:
    /// valid at any count, the default.
    Permutation {
        /// Seed of the permutation streams.
        seed: u64,
    },
    /// The χ² approximation (statsmodels' `acorr_ljungbox`). Fast, but
    /// invalid in the far tail on sparse counts, where BH acts: on 2,000
    /// independent Poisson pairs of 0.05–0.3 calls a day BH at 5% flags
    /// something in almost every run. Kept for parity with statsmodels.
    ChiSquare,
}

impl Rule {
    /// The notebook's rule: lags 1–7, threshold 0.5.
    pub fn notebook() -> Rule {
        Rule::Notebook {
            lags: 7,
            threshold: 0.5,
        }
    }

    /// Ljung–Box at 7 lags, FDR 5%.
    ///
    /// Why 7 for 90 daily counts: a scheduled job shows up at lag 1 (daily
    /// jobs) or lag 7 (weekly jobs, the weekday/weekend rhythm of business
    /// automation), so the test must reach lag 7, and it is the notebook's
    /// window, so both rules look at the same lags. More lags buy some power
    /// against weekly patterns but cost calibration in the far tail, which
    /// is what Benjamini–Hochberg over 10^5 pairs acts on: χ² is a poor
    /// approximation of Q's tail when `lags` is not small against n. In a
    /// simulation of 40,000 null series (90 days of Poisson(3) counts), the
    /// share of p ≤ 0.001 was 0.0025 at 7 lags, 0.0048 at 14 and 0.0077 at
    /// 20 (0.001 nominal); the power at p ≤ 0.05 against a weekly job
    /// (5 extra calls on one weekday, skipped 30% of weeks, over Poisson(1)
    /// noise) was 0.77 at 7 lags and 0.85 at 14; against
    /// Poisson(4)/Poisson(2) weekdays/weekends, 0.31 and 0.42.
    /// The p-values are permutation p-values with
    /// [`DEFAULT_SEED`](crate::permutation::DEFAULT_SEED).
    pub fn ljung_box() -> Rule {
        Rule::LjungBox {
            lags: 7,
            fdr: 0.05,
            p_values: PValues::Permutation {
                seed: crate::permutation::DEFAULT_SEED,
            },
        }
    }

    /// [`Rule::ljung_box`] with statsmodels' χ² p-values (not valid on
    /// sparse counts; for parity).
    pub fn ljung_box_chi2() -> Rule {
        Rule::LjungBox {
            lags: 7,
            fdr: 0.05,
            p_values: PValues::ChiSquare,
        }
    }

    /// The rule's number of lags.
    pub fn lags(&self) -> usize {
        match *self {
            Rule::Notebook { lags, .. } | Rule::LjungBox { lags, .. } => lags,
        }
    }

    /// Checks the rule for series of `n` periods: its parameters
    /// ([`ParamGuard::check`]) and 1 ≤ lags < n (an autocorrelation at a
    /// lag near `n` rests on a handful of pairs and is often ±1, so such
    /// lags would flag nearly every pair). [`detect`] itself flags nothing
    /// on invalid parameters; call this first to get the reason, a
    /// [`threatstat_core::Error::Param`] naming `lags`, `threshold` or `fdr`.
    ///
    /// ```
    /// use threatstat_acf::automation::{PValues, Rule};
    /// use threatstat_acf::AcfError;
    /// use threatstat_core::Error;
    /// assert!(Rule::notebook().check_for(28).is_ok());
    /// let e = Rule::Notebook { lags: 1_000_000, threshold: 0.5 }.check_for(28).unwrap_err();
    /// assert!(matches!(e, AcfError::Core(Error::Param { name: "lags", .. })));
    /// let p_values = PValues::ChiSquare;
    /// let e = Rule::LjungBox { lags: 7, fdr: f64::NAN, p_values }.check_for(28).unwrap_err();
    /// assert!(matches!(e, AcfError::Core(Error::Param { name: "fdr", .. })));
    /// ```
    pub fn check_for(&self, n: usize) -> Result<CheckedRule, crate::AcfError> {
        let checked = ParamGuard::check(self)?;
        let lags = self.lags();
        if lags >= n {
            return Err(threatstat_core::Error::param(
                "lags",
                lags,
                format!("less than the number of periods ({n})"),
            )
            .into());
        }
        Ok(checked)
    }
}

/// A [`Rule`] whose parameters are in range; made by [`ParamGuard::check`]
/// (or [`Rule::check_for`], which also checks the lags against a length).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckedRule(Rule);

impl CheckedRule {
    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.0
    }
}

impl ParamGuard for Rule {
    type Checked = CheckedRule;
    type Error = crate::AcfError;

    /// lags ≥ 1, the threshold in [0, 1], the FDR in (0, 1]; each failure a
    /// [`threatstat_core::Error::Param`] naming the parameter.
    fn check(&self) -> Result<CheckedRule, crate::AcfError> {
        let param = |name, value: f64, expected: &str| -> crate::AcfError {
            threatstat_core::Error::param(name, value, expected).into()
        };
        if self.lags() == 0 {
            return Err(param("lags", 0.0, "at least 1"));
        }
        match *self {
            Rule::Notebook { threshold, .. } if !(0.0..=1.0).contains(&threshold) => {
                Err(param("threshold", threshold, "a number in [0, 1]"))
            }
            Rule::LjungBox { fdr, .. } if !(fdr > 0.0 && fdr <= 1.0) => {
                Err(param("fdr", fdr, "a number in (0, 1]"))
            }
            _ => Ok(CheckedRule(*self)),
        }
    }
}

impl std::str::FromStr for Rule {
    type Err = crate::AcfError;
    /// `notebook` or `ljung-box` (also `ljung_box`, `ljungbox`), with defaults.
    fn from_str(s: &str) -> Result<Rule, crate::AcfError> {
        match s {
            "notebook" => Ok(Rule::notebook()),
            "ljung-box" | "ljung_box" | "ljungbox" => Ok(Rule::ljung_box()),
            other => Err(threatstat_core::Error::param(
                "rule",
                format!("`{other}`"),
                "notebook or ljung-box",
            )
            .into()),
        }
    }
}

/// The verdict and measurements of one pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// The principal.
    pub principal: String,
    /// The API.
    pub api: String,
    /// Whether the rule flags the pair as automated.
    pub flagged: bool,
    /// The rule's score, larger is more automated: `max_abs_acf` for
    /// [`Rule::Notebook`], `−log10(ljung_box_p)` for [`Rule::LjungBox`]
    /// (computed in log space, finite where p underflows). NaN when
    /// undefined.
    pub score: f64,
    /// max over lags `1..=lags` of |pandas autocorrelation| (NaN lags
    /// skipped; NaN when all are NaN).
    pub max_abs_acf: f64,
    /// The lag of `max_abs_acf` (0 when it is NaN).
    pub best_lag: usize,
    /// Ljung–Box Q at `lags`.
    pub ljung_box_q: f64,
    /// Its χ² p-value (`lags` degrees of freedom; statsmodels'), not valid
    /// on sparse counts.
    pub ljung_box_p: f64,
    /// The p-value the rule uses: the permutation p-value (or, when BH's
    /// decision was settled before it was fully sampled, the upper end of
    /// the interval that holds it) with [`PValues::Permutation`];
    /// `ljung_box_p` otherwise.
    pub p_value: f64,
    /// The lower end of that interval (`p_value` when exact).
    pub p_low: f64,
    /// Orderings sampled for `p_value` (0 for the χ² p-value).
    pub permutations: u64,
    /// Benjamini–Hochberg q-value of `p_value` over all testable pairs.
    pub q_value: f64,
    /// 1 / frequency of the periodogram's largest non-zero-frequency power.
    pub dominant_period: Option<f64>,
    /// Number of periods.
    pub n: usize,
    /// Sum of the counts (NaN skipped).
    pub total: f64,
}

struct Measured {
    max_abs_acf: f64,
    best_lag: usize,
    q: f64,
    p: f64,
    ln_p: f64,
    dominant_period: Option<f64>,
    total: f64,
}

fn measure(x: &[f64], lags: usize, cache: &mut PlanCache) -> Measured {
    if exact_integer_counts(x) {
        measure_integer(x, lags, cache)
    } else {
        measure_general(x, lags, cache)
    }
}

/// Whole numbers of at most 2^20 in absolute value, at most 2^13 of them:
/// every sum of values, squares and lagged products is then exact in f64
/// (≤ 2^53) and in i64, and the moments below are exact in i128.
fn exact_integer_counts(x: &[f64]) -> bool {
    const MAX: f64 = (1u64 << 20) as f64;
    x.len() <= 1 << 13 && x.iter().all(|&v| v.fract() == 0.0 && v.abs() <= MAX)
}

/// Q, p and ln p; p from ln p (one evaluation of the χ² tail; exp/ln
/// round trip costs ~1e-16 relative, plus |ln p|·1e-16 for tiny p).
fn ljung_box_tail(q: f64, lags: usize) -> (f64, f64, f64) {
    let ln_p = chi2_ln_sf(q, lags as u64);
    (q, ln_p.exp(), ln_p)
}

/// Any series: the pandas and statsmodels formulas as the library computes them.
fn measure_general(x: &[f64], lags: usize, cache: &mut PlanCache) -> Measured {
    let n = x.len();
    let total = x.iter().filter(|v| !v.is_nan()).sum();
    let (mut max_abs_acf, mut best_lag) = (f64::NAN, 0);
    for k in 1..=lags {
        let r = autocorr_strict(x, k).abs();
        if !r.is_nan() && (max_abs_acf.is_nan() || r > max_abs_acf) {
            max_abs_acf = r;
            best_lag = k;
        }
    }
    let constant = x.iter().all(|&v| v == x[0]);
    let (q, p, ln_p) = if lags >= 1 && n > lags && !constant {
        // statsmodels acorr_ljungbox: acf with the global mean, /n.
        let mean = numpy_mean(x);
        let xo: Vec<f64> = x.iter().map(|v| v - mean).collect();
        let s = direct_sums(&xo, lags);
        let g0 = s[0] / n as f64;
        let mut c = 0.0;
        for (k, sk) in s.iter().enumerate().skip(1) {
            let r = (sk / n as f64) / g0;
            c += r * r / (n - k) as f64;
        }
        ljung_box_tail((n as f64) * ((n + 2) as f64) * c, lags)
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    Measured {
        max_abs_acf,
        best_lag,
        q,
        p,
        ln_p,
        dominant_period: dominant_period_with(x, cache),
        total,
    }
}

/// Counts (see [`exact_integer_counts`]): the same statistics from exact
/// integer moments, one lagged product sum per lag, rounded once at the end.
///
/// pandas at lag k, with the m = n − k pairs `a = x[k:]`, `b = x[:-k]`:
/// `r = (mΣab − ΣaΣb) / √((mΣa² − (Σa)²)(mΣb² − (Σb)²))`, NaN when a
/// variance term is exactly 0 (a constant part: with integers pandas' mean
/// is exact, so pandas says NaN too). statsmodels' autocovariances times
/// n²: `D_k = n²Σ_t x_t x_{t+k} − nS(Σ_{t<n−k} x_t + Σ_{t≥k} x_t) + (n−k)S²`,
/// `ρ_k = D_k / D_0`.
fn measure_integer(x: &[f64], lags: usize, cache: &mut PlanCache) -> Measured {
    let n = x.len();
    // prefix[j] = Σ_{t<j} x_t, prefix2[j] = Σ_{t<j} x_t².
    let mut prefix = Vec::with_capacity(n + 1);
    let mut prefix2 = Vec::with_capacity(n + 1);
    let (mut s, mut s2) = (0i64, 0i64);
    prefix.push(0);
    prefix2.push(0);
    for &v in x {
        let v = v as i64;
        s += v;
        s2 += v * v;
        prefix.push(s);
        prefix2.push(s2);
    }
    let top = lags.min(n.saturating_sub(1));
    let lagged: Vec<i128> = (0..=top)
        .map(|k| {
            if n == 0 {
                0
            } else {
                dot(&x[..n - k], &x[k..]) as i128
            }
        })
        .collect();
    let (mut max_abs_acf, mut best_lag) = (f64::NAN, 0);
    for k in 1..=top {
        let m = (n - k) as i128;
        if m < 2 {
            break;
        }
        let (sa, sb) = (i128::from(s - prefix[k]), i128::from(prefix[n - k]));
        let (saa, sbb) = (i128::from(s2 - prefix2[k]), i128::from(prefix2[n - k]));
        let va = m * saa - sa * sa;
        let vb = m * sbb - sb * sb;
        if va == 0 || vb == 0 {
            continue;
        }
        let c = m * lagged[k] - sa * sb;
        let r = (c as f64 / ((va as f64).sqrt() * (vb as f64).sqrt()))
            .clamp(-1.0, 1.0)
            .abs();
        if max_abs_acf.is_nan() || r > max_abs_acf {
            max_abs_acf = r;
            best_lag = k;
        }
    }
    let (ni, si) = (n as i128, i128::from(s));
    let d0 = ni * ni * lagged.first().copied().unwrap_or(0) - ni * si * si;
    let constant = d0 == 0;
    let (q, p, ln_p) = if lags >= 1 && n > lags && !constant {
        let mut c = 0.0;
        for k in 1..=lags {
            let ends = i128::from(prefix[n - k]) + si - i128::from(prefix[k]);
            let dk = ni * ni * lagged[k] - ni * si * ends + (n - k) as i128 * si * si;
            let r = dk as f64 / d0 as f64;
            c += r * r / (n - k) as f64;
        }
        ljung_box_tail((n as f64) * ((n + 2) as f64) * c, lags)
    } else {
        (f64::NAN, f64::NAN, f64::NAN)
    };
    Measured {
        max_abs_acf,
        best_lag,
        q,
        p,
        ln_p,
        dominant_period: if constant || n < 2 {
            None
        } else {
            dominant_period_with(x, cache)
        },
        total: s as f64,
    }
}

/// Descending, NaN last.
fn desc(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => b.partial_cmp(&a).unwrap_or(Ordering::Equal),
    }
}

/// The key of a pair's permutation stream: its principal, API and counts
/// (FNV-1a), so that a pair gets the same permutations wherever it sits in
/// the input.
fn pair_key(principal: &str, api: &str, counts: &[f64]) -> u64 {
    let h = fnv1a(principal.bytes(), FNV_START);
    let h = fnv1a(std::iter::once(0xFF).chain(api.bytes()).chain([0xFF]), h);
    fnv1a(counts.iter().flat_map(|c| c.to_bits().to_le_bytes()), h)
}

/// Scores every pair with `rule` and ranks them: flagged first, then by
/// score (descending, NaN last), then by Ljung–Box Q (descending), then by
/// principal and API, then input order. Parallel and deterministic.
///
/// The score of [`Rule::LjungBox`] is −log10 of the χ² p-value, a ranking
/// of the strength of autocorrelation; the flags come from `p_value`.
///
/// Invalid rule parameters flag nothing (lags 0 gives NaN measurements; a
/// NaN threshold or FDR is never met).
pub fn detect(series: &[PairSeries], rule: &Rule) -> Vec<Detection> {
    let names: Vec<(&str, &str)> = series
        .iter()
        .map(|s| (s.principal.as_str(), s.api.as_str()))
        .collect();
    let counts: Vec<&[f64]> = series.iter().map(|s| s.counts.as_slice()).collect();
    detect_slices(&names, &counts, rule)
}

/// [`detect`] over a pairs × periods matrix: row `i` of `counts` is the
/// series of pair `names[i]` (principal, API). The batch form the
/// automation workflow uses: one array of counts instead of one vector per
/// pair, and a view, so a NumPy array can be passed without a copy. The
/// detections equal [`detect`]'s on the same pairs (tested).
///
/// Errors: `names` and the rows differ in number ([`threatstat_core::Error::Shape`]).
///
/// ```
/// use ndarray::array;
/// use threatstat_acf::automation::{Rule, detect_rows};
/// let counts = array![[24.0, 0.0, 0.0, 24.0, 0.0, 0.0, 24.0, 0.0, 0.0, 24.0, 0.0, 0.0],
///                     [1.0, 3.0, 0.0, 2.0, 2.0, 5.0, 0.0, 1.0, 4.0, 0.0, 2.0, 3.0]];
/// let names = [("cron".to_string(), "PutObject".to_string()), ("bob".into(), "GetObject".into())];
/// let d = detect_rows(&names, counts.view(), &Rule::Notebook { lags: 3, threshold: 0.5 }).unwrap();
/// assert_eq!((d[0].principal.as_str(), d[0].best_lag, d[0].flagged), ("cron", 3, true));
/// ```
pub fn detect_rows(
    names: &[(String, String)],
    counts: ArrayView2<'_, f64>,
    rule: &Rule,
) -> Result<Vec<Detection>, crate::AcfError> {
    if names.len() != counts.nrows() {
        return Err(threatstat_core::Error::shape(
            "counts",
            format!("{} rows (one per pair)", names.len()),
            format!("{} rows", counts.nrows()),
        )
        .into());
    }
    let counts = counts.as_standard_layout();
    let rows: Vec<&[f64]> = if counts.ncols() == 0 {
        vec![&[][..]; counts.nrows()]
    } else {
        counts
            .as_slice()
            .expect("standard layout")
            .chunks_exact(counts.ncols())
            .collect()
    };
    let names: Vec<(&str, &str)> = names
        .iter()
        .map(|(p, a)| (p.as_str(), a.as_str()))
        .collect();
    Ok(detect_slices(&names, &rows, rule))
}

/// [`detect`] on borrowed names and series.
fn detect_slices(names: &[(&str, &str)], series: &[&[f64]], rule: &Rule) -> Vec<Detection> {
    let lags = rule.lags();
    let measured: Vec<Measured> = series
        .par_iter()
        .with_min_len(64)
        .map_init(PlanCache::default, |cache, s| measure(s, lags, cache))
        .collect();
    let tested = match *rule {
        Rule::LjungBox {
            lags,
            fdr,
            p_values: PValues::Permutation { seed },
        } => {
            let keys: Vec<u64> = names
                .iter()
                .zip(series)
                .map(|(&(p, a), c)| pair_key(p, a, c))
                .collect();
            PermutationBh::new(lags, fdr)
                .seed(seed)
                .run_keyed(series, &keys)
                .pairs
                .into_iter()
                .map(|p| (p.p_value, p.p_low, p.permutations, p.q_value))
                .collect()
        }
        _ => {
            let pvals: Vec<f64> = measured.iter().map(|m| m.p).collect();
            let q = benjamini_hochberg(&pvals);
            pvals
                .into_iter()
                .zip(q)
                .map(|(p, q)| (p, p, 0, q))
                .collect::<Vec<_>>()
        }
    };
    let mut out: Vec<Detection> = names
        .iter()
        .zip(series)
        .zip(measured)
        .zip(tested)
        .map(
            |(((&(principal, api), s), m), (p_value, p_low, permutations, q_value))| {
                let (flagged, score) = match *rule {
                    Rule::Notebook { threshold, .. } => (m.max_abs_acf >= threshold, m.max_abs_acf),
                    Rule::LjungBox { fdr, .. } => {
                        (q_value <= fdr, -m.ln_p / std::f64::consts::LN_10)
                    }
                };
                Detection {
                    principal: principal.to_string(),
                    api: api.to_string(),
                    flagged,
                    score: if score == 0.0 { 0.0 } else { score },
                    max_abs_acf: m.max_abs_acf,
                    best_lag: m.best_lag,
                    ljung_box_q: m.q,
                    ljung_box_p: m.p,
                    p_value,
                    p_low,
                    permutations,
                    q_value,
                    dominant_period: m.dominant_period,
                    n: s.len(),
                    total: m.total,
                }
            },
        )
        .collect();
    out.sort_by(|a, b| {
        b.flagged
            .cmp(&a.flagged)
            .then_with(|| desc(a.score, b.score))
            .then_with(|| desc(a.ljung_box_q, b.ljung_box_q))
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| a.api.cmp(&b.api))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(p: &str, counts: Vec<f64>) -> PairSeries {
        PairSeries {
            principal: p.into(),
            api: "A".into(),
            counts,
        }
    }

    #[test]
    fn detect_rows_equals_detect_and_checks_the_shape() {
        let pairs: Vec<PairSeries> = (0..40u64)
            .map(|i| {
                let counts = (0..30u64)
                    .map(|d| {
                        ((d * 7 + i * 13) % (3 + i % 5) + u64::from(d % 7 == i % 7) * 9) as f64
                    })
                    .collect();
                PairSeries {
                    principal: format!("p{}", i % 6),
                    api: format!("api{i}"),
                    counts,
                }
            })
            .collect();
        let names: Vec<(String, String)> = pairs
            .iter()
            .map(|p| (p.principal.clone(), p.api.clone()))
            .collect();
        let flat: Vec<f64> = pairs.iter().flat_map(|p| p.counts.clone()).collect();
        let m = ndarray::Array2::from_shape_vec((40, 30), flat).unwrap();
        for rule in [Rule::notebook(), Rule::ljung_box(), Rule::ljung_box_chi2()] {
            let want = detect(&pairs, &rule);
            assert!(want.iter().any(|d| d.flagged), "{rule:?}");
            assert_eq!(detect_rows(&names, m.view(), &rule).unwrap(), want);
            // A column-major copy (a transposed NumPy array) gives the same.
            let f = m.t().to_owned();
            assert_eq!(detect_rows(&names, f.t(), &rule).unwrap(), want);
        }
        let e = detect_rows(&names[..3], m.view(), &Rule::notebook()).unwrap_err();
        assert!(
            matches!(
                e,
                crate::AcfError::Core(threatstat_core::Error::Shape { .. })
            ),
            "{e}"
        );
    }

    #[test]
    fn degenerate_series_are_never_flagged() {
        let pairs = vec![
            pair("empty", vec![]),
            pair("one", vec![5.0]),
            pair("zeros", vec![0.0; 90]),
            pair("tenth", vec![0.1; 90]),
            pair("short", vec![1.0, 5.0, 1.0, 5.0]),
        ];
        for rule in [Rule::notebook(), Rule::ljung_box()] {
            let d = detect(&pairs, &rule);
            for x in d.iter().filter(|x| x.principal != "short") {
                assert!(!x.flagged, "{rule:?} {x:?}");
            }
            let tenth = d.iter().find(|x| x.principal == "tenth").unwrap();
            assert!(tenth.max_abs_acf.is_nan() && tenth.ljung_box_q.is_nan());
            let short = d.iter().find(|x| x.principal == "short").unwrap();
            assert!(short.ljung_box_p.is_nan());
        }
    }

    #[test]
    fn ranking_is_deterministic_with_ties() {
        let s: Vec<f64> = (0..60).map(|d| f64::from(d % 7 == 0)).collect();
        let pairs: Vec<PairSeries> = ["c", "a", "b"].iter().map(|p| pair(p, s.clone())).collect();
        let d = detect(&pairs, &Rule::ljung_box());
        let names: Vec<&str> = d.iter().map(|x| x.principal.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn integer_path_equals_general_path() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 33
        };
        let mut cache = PlanCache::default();
        for case in 0..300 {
            let n = (next() % 120) as usize;
            let scale = [1, 3, 50, 1 << 20][case % 4];
            let mut x: Vec<f64> = (0..n).map(|_| (next() % (scale + 1)) as f64).collect();
            if case % 7 == 0 && n > 3 {
                x[n / 2] = x[0]; // ties, and below a constant run
                for v in x.iter_mut().skip(n / 3) {
                    *v = 2.0;
                }
            }
            if case % 11 == 0 {
                for v in x.iter_mut().step_by(3) {
                    *v = -*v;
                }
            }
            assert!(exact_integer_counts(&x));
            let a = measure_integer(&x, 7, &mut cache);
            let b = measure_general(&x, 7, &mut cache);
            // The module docs promise 4e-15 relative for the autocorrelation
            // and Q (measured: 1.3e-15), 1e-12 for p (measured: 1.4e-13; the
            // χ² tail amplifies Q's rounding by Q/2).
            let within = |u: f64, v: f64, rel: f64| {
                (u.is_nan() && v.is_nan()) || u == v || (u - v).abs() <= rel * v.abs()
            };
            let close = |u: f64, v: f64| within(u, v, 4e-15);
            assert!(
                close(a.max_abs_acf, b.max_abs_acf),
                "{case}: {} {}",
                a.max_abs_acf,
                b.max_abs_acf
            );
            if a.max_abs_acf < 1.0 - 1e-9 {
                assert_eq!(a.best_lag, b.best_lag, "{case}");
            }
            assert!(
                close(a.q, b.q) && within(a.p, b.p, 1e-12),
                "{case}: {} {}",
                a.q,
                b.q
            );
            assert_eq!(a.dominant_period, b.dominant_period, "{case}");
            assert_eq!(a.total, b.total, "{case}");
        }
        assert!(!exact_integer_counts(&[1.5]));
        assert!(!exact_integer_counts(&[f64::NAN]));
        assert!(!exact_integer_counts(&[2e6]));
    }

    #[test]
    fn rules_parse() {
        assert_eq!("notebook".parse::<Rule>().unwrap(), Rule::notebook());
        assert_eq!("ljung-box".parse::<Rule>().unwrap(), Rule::ljung_box());
        assert!("acf".parse::<Rule>().is_err());
        assert_eq!(Rule::ljung_box().lags(), 7);
    }
}
