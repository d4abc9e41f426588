//! The Mann-Whitney U test: parameters, result, and the test itself.

use crate::exact::{self, Prob};
use crate::hl::PairDiffs;
use crate::normal::{log_ndtr, ndtr, ndtri};
use crate::permutation::permutation_p;
use crate::rank::{self, Ranked};
use crate::{RankSample, RankTestError};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use threatstat_core::{Error, ParamGuard};

/// The alternative hypothesis (SciPy's `alternative`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Alternative {
    /// The distributions differ (`p = 2·P(U >= max(U1, U2))`).
    #[default]
    #[serde(rename = "two-sided")]
    TwoSided,
    /// x is stochastically less than y (small U1 is evidence).
    #[serde(rename = "less")]
    Less,
    /// x is stochastically greater than y (large U1 is evidence).
    #[serde(rename = "greater")]
    Greater,
}

impl Alternative {
    /// The same hypothesis with the samples swapped (`Less` ↔ `Greater`).
    pub fn swapped(self) -> Self {
        match self {
            Alternative::TwoSided => Alternative::TwoSided,
            Alternative::Less => Alternative::Greater,
            Alternative::Greater => Alternative::Less,
        }
    }

    /// SciPy's spelling: `two-sided`, `less`, `greater`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alternative::TwoSided => "two-sided",
            Alternative::Less => "less",
            Alternative::Greater => "greater",
        }
    }
}

impl fmt::Display for Alternative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Alternative {
    type Err = RankTestError;
    /// `two-sided` (also `two_sided`, `two.sided`), `less`, `greater`; case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "two-sided" | "two_sided" | "two.sided" => Ok(Alternative::TwoSided),
            "less" => Ok(Alternative::Less),
            "greater" => Ok(Alternative::Greater),
            _ => Err(Error::param(
                "alternative",
                format!("`{s}`"),
                "two-sided, less or greater",
            )
            .into()),
        }
    }
}

/// How the p-value is computed (SciPy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// SciPy's rule: exact when one sample has at most 8 values and there
    /// are no ties, asymptotic otherwise. Where SciPy's rule picks exact but
    /// the sizes are beyond [`exact_supported`](crate::exact_supported)
    /// (one sample of ≤ 8 values against millions), the asymptotic method is
    /// used; the result says which method ran.
    #[default]
    Auto,
    /// The exact null distribution of U, ignoring ties (as SciPy: with ties,
    /// U may be a half-integer; SciPy truncates it to an integer and uses the
    /// distribution without ties, and so do we). Fails with
    /// [`RankTestError::ExactTooLarge`] beyond [`exact_supported`](crate::exact_supported).
    /// On heavily tied data that distribution is too wide and the test is
    /// conservative: with 6 against 8 Poisson(0.5) counts it rejected a true
    /// null in 1.3% of 20,000 runs at α = 0.05 (the asymptotic method: 4.0%;
    /// the `calibration` analysis of `threatstat reproduce`).
    Exact,
    /// Normal approximation with tie correction and (optionally) continuity
    /// correction.
    Asymptotic,
    /// A permutation test of U1 (see [`crate::permutation`] docs on the
    /// `(count + 1)/(n_resamples + 1)` p-value and exhaustive enumeration).
    Permutation {
        /// Number of random splits (all splits are enumerated when there are
        /// at most this many).
        n_resamples: u64,
        /// Seed of the random splits.
        seed: u64,
    },
}

impl FromStr for Method {
    type Err = RankTestError;
    /// `auto`, `exact` or `asymptotic` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Method::Auto),
            "exact" => Ok(Method::Exact),
            "asymptotic" => Ok(Method::Asymptotic),
            _ => Err(Error::param("method", format!("`{s}`"), "auto, exact or asymptotic").into()),
        }
    }
}

/// How the confidence interval of the Hodges–Lehmann shift is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CiMethod {
    /// R's rule: exact when both samples have fewer than 50 values and there
    /// are no ties, asymptotic otherwise.
    #[default]
    Auto,
    /// From the exact distribution of U (R `wilcox.test(exact = TRUE)`).
    /// With ties R falls back to the asymptotic interval, and so do we (the
    /// result's `ci_method` says so).
    Exact,
    /// From the normal approximation (R's interval, see [`MwuResult::ci_low`]).
    Asymptotic,
}

/// What to do with NaN values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NanPolicy {
    /// Fail with [`RankTestError::NonFinite`] naming the first NaN.
    #[default]
    Raise,
    /// Drop NaNs from each sample; the result counts them
    /// (`nan_dropped_x`, `nan_dropped_y`). Like SciPy's `nan_policy='omit'`.
    Omit,
}

/// Entry point (linfa style): `MannWhitney::params()`.
pub struct MannWhitney;

impl MannWhitney {
    /// Parameters with SciPy's defaults: two-sided, `auto`, continuity
    /// correction on; 95% confidence interval; NaN is an error.
    pub fn params() -> MannWhitneyParams {
        MannWhitneyParams::default()
    }
}

/// Parameters of the Mann-Whitney U test (a builder; [`test`](Self::test)
/// validates them, or [`ParamGuard::check`] once for many tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitneyParams {
    alternative: Alternative,
    method: Method,
    continuity: bool,
    confidence: f64,
    nan_policy: NanPolicy,
    hodges_lehmann: bool,
    ci_method: CiMethod,
}

impl Default for MannWhitneyParams {
    fn default() -> Self {
        MannWhitneyParams {
            alternative: Alternative::TwoSided,
            method: Method::Auto,
            continuity: true,
            confidence: 0.95,
            nan_policy: NanPolicy::Raise,
            hodges_lehmann: true,
            ci_method: CiMethod::Auto,
        }
    }
}

impl MannWhitneyParams {
    /// The alternative hypothesis (default two-sided). It also chooses the
    /// kind of confidence interval, as in R: two-sided, or one-sided with an
    /// infinite end for `less` / `greater`.
    pub fn alternative(mut self, a: Alternative) -> Self {
        self.alternative = a;
        self
    }
    /// How the p-value is computed (default [`Method::Auto`]).
    pub fn method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }
    /// Continuity correction of the normal approximation (SciPy's
    /// `use_continuity`, R's `correct`; default true). It affects the
    /// asymptotic p-value and the asymptotic confidence interval only.
    pub fn continuity(mut self, on: bool) -> Self {
        self.continuity = on;
        self
    }
    /// Confidence level of the interval of the shift (default 0.95).
    pub fn confidence(mut self, level: f64) -> Self {
        self.confidence = level;
        self
    }
    /// What to do with NaN values (default: error).
    pub fn nan_policy(mut self, p: NanPolicy) -> Self {
        self.nan_policy = p;
        self
    }
    /// Whether to compute the Hodges–Lehmann shift and its interval (default
    /// true; when false those fields are NaN and the test is a little faster).
    pub fn hodges_lehmann(mut self, on: bool) -> Self {
        self.hodges_lehmann = on;
        self
    }
    /// How the confidence interval is computed (default R's rule).
    pub fn ci_method(mut self, m: CiMethod) -> Self {
        self.ci_method = m;
        self
    }

    /// Tests whether `x` and `y` come from the same distribution.
    ///
    /// ```
    /// use threatstat_ranktest::{Alternative, MannWhitney, Method};
    /// // SciPy's docstring example: ages at diagnosis.
    /// let males = [19.0, 22.0, 16.0, 29.0, 24.0];
    /// let females = [20.0, 11.0, 17.0, 12.0];
    /// let r = MannWhitney::params().method(Method::Exact).test(&males, &females).unwrap();
    /// assert_eq!(r.u, 17.0);
    /// assert!((r.p_value - 0.1111111111111111).abs() < 1e-15);
    /// let r = MannWhitney::params().method(Method::Asymptotic).test(&males, &females).unwrap();
    /// assert!((r.p_value - 0.11134688653314041).abs() < 1e-15);
    /// let r = MannWhitney::params()
    ///     .alternative(Alternative::Less)
    ///     .test(&females, &males)
    ///     .unwrap();
    /// assert_eq!(r.method, Method::Exact); // auto: small, no ties
    /// assert!((r.p_value - 0.05555555555555555).abs() < 1e-15);
    /// ```
    pub fn test(&self, x: &[f64], y: &[f64]) -> Result<MwuResult, RankTestError> {
        self.check()?.test(x, y)
    }

    /// [`test`](Self::test) on samples kept as distinct values and counts
    /// ([`RankSample`], mergeable across partitions): the same result as
    /// `test` on the values, NaN handled by the [`NanPolicy`].
    ///
    /// ```
    /// use threatstat_ranktest::{MannWhitney, NanPolicy, RankSample};
    /// let x = RankSample::from_values(&[4.0, 5.0, f64::NAN, 6.0]).unwrap();
    /// let y = RankSample::from_values(&[1.0, 2.0, 3.0]).unwrap();
    /// let e = MannWhitney::params().test_samples(&x, &y).unwrap_err();
    /// assert!(e.to_string().contains("1 NaN value(s)"));
    /// let r = MannWhitney::params().nan_policy(NanPolicy::Omit).test_samples(&x, &y).unwrap();
    /// assert_eq!((r.u, r.nan_dropped_x), (9.0, 1));
    /// ```
    pub fn test_samples(&self, x: &RankSample, y: &RankSample) -> Result<MwuResult, RankTestError> {
        self.check()?.test_samples(x, y)
    }
}

impl ParamGuard for MannWhitneyParams {
    type Checked = CheckedMannWhitneyParams;
    type Error = RankTestError;
    /// The confidence level strictly between 0 and 1, at least one
    /// resample for the permutation method.
    ///
    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_ranktest::{MannWhitney, RankTestError};
    /// let checked = MannWhitney::params().check().unwrap();
    /// assert_eq!(checked.test(&[3.0, 4.0], &[1.0, 2.0]).unwrap().u, 4.0);
    /// let e = MannWhitney::params().confidence(1.0).check().unwrap_err();
    /// assert!(matches!(e, RankTestError::Core(Error::Param { name: "confidence", .. })));
    /// ```
    fn check(&self) -> Result<CheckedMannWhitneyParams, RankTestError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::param(
                "confidence",
                self.confidence,
                "a number strictly between 0 and 1",
            )
            .into());
        }
        if let Method::Permutation { n_resamples: 0, .. } = self.method {
            return Err(
                Error::param("n_resamples", 0, "at least 1 (the permutation method)").into(),
            );
        }
        Ok(CheckedMannWhitneyParams(*self))
    }
}

/// The samples of `n1` and `n2` values are beyond what the test counts.
fn too_large(n1: u64, n2: u64) -> RankTestError {
    Error::shape(
        "samples",
        "at most 2^32 − 2 values each and n_x·n_y < 2^63",
        format!("{n1} and {n2} values (too large)"),
    )
    .into()
}

/// [`MannWhitneyParams`] that passed [`ParamGuard::check`]; only `check`
/// makes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckedMannWhitneyParams(MannWhitneyParams);

impl CheckedMannWhitneyParams {
    /// The params inside.
    pub fn params(&self) -> &MannWhitneyParams {
        &self.0
    }

    /// [`MannWhitneyParams::test`] without checking the params again.
    pub fn test(&self, x: &[f64], y: &[f64]) -> Result<MwuResult, RankTestError> {
        let p = &self.0;
        let (x, nan_x) = clean(x, "x", p.nan_policy)?;
        let (y, nan_y) = clean(y, "y", p.nan_policy)?;
        let n1 = x.len() as u64;
        let n2 = y.len() as u64;
        if n1.max(n2) >= u64::from(u32::MAX) || n1 * n2 > u64::MAX / 2 {
            return Err(too_large(n1, n2));
        }
        let r = rank::rank(&x, &y);
        p.finish(&r, nan_x, nan_y)
    }

    /// [`MannWhitneyParams::test_samples`] without checking the params again.
    pub fn test_samples(&self, x: &RankSample, y: &RankSample) -> Result<MwuResult, RankTestError> {
        let p = &self.0;
        let check = |s: &RankSample, name: &'static str| -> Result<usize, RankTestError> {
            let nan = usize::try_from(s.nan_count()).unwrap_or(usize::MAX);
            if nan > 0 && p.nan_policy == NanPolicy::Raise {
                return Err(RankTestError::NonFinite {
                    sample: name,
                    index: 0,
                    value: f64::NAN,
                    message: format!(
                        "{name} holds {nan} NaN value(s) (SciPy's default \
                         nan_policy='propagate' would return a NaN p-value); remove them or use \
                         NanPolicy::Omit to drop and count them"
                    ),
                });
            }
            if s.is_empty() {
                return Err(RankTestError::EmptySample {
                    sample: name,
                    nan_dropped: nan,
                });
            }
            Ok(nan)
        };
        let (nan_x, nan_y) = (check(x, "x")?, check(y, "y")?);
        let (n1, n2) = (x.len(), y.len());
        if n1.max(n2) >= u64::from(u32::MAX) || n1.checked_mul(n2).is_none_or(|m| m > u64::MAX / 2)
        {
            return Err(too_large(n1, n2));
        }
        let r = rank::rank_distinct(x.distinct(), y.distinct());
        p.finish(&r, nan_x, nan_y)
    }
}

/// The test's computations, on params that passed [`ParamGuard::check`].
impl MannWhitneyParams {
    fn finish(&self, r: &Ranked, nan_x: usize, nan_y: usize) -> Result<MwuResult, RankTestError> {
        let (n1, n2) = (r.n_x, r.n_y);
        let mn = n1 * n2;
        let mnf = mn as f64;
        let u1 = r.u1_twice as f64 / 2.0;
        let u2_twice = 2 * mn - r.u1_twice;
        let (stat_twice, factor) = match self.alternative {
            Alternative::Greater => (r.u1_twice, 1.0),
            Alternative::Less => (u2_twice, 1.0),
            Alternative::TwoSided => (r.u1_twice.max(u2_twice), 2.0),
        };
        let all_tied = r.x.values.len() == 1 && r.y.values.len() == 1 && r.x.values == r.y.values;

        let method = match self.method {
            Method::Auto => {
                if (n1 > 8 && n2 > 8) || r.ties || !exact::exact_supported(n1, n2) {
                    Method::Asymptotic
                } else {
                    Method::Exact
                }
            }
            Method::Exact if !exact::exact_supported(n1, n2) => {
                return Err(RankTestError::ExactTooLarge { n_x: n1, n_y: n2 });
            }
            m => m,
        };

        // SciPy's standard deviation of U with the tie correction, same
        // operation order.
        let sigma = sigma_u(n1, n2, r.tie_term);
        let mu = mnf / 2.0;
        let z = if all_tied {
            f64::NAN
        } else {
            (u1 - mu) / sigma
        };

        let mut permutations = None;
        let mut exhaustive = false;
        let prob = match method {
            Method::Asymptotic => {
                if all_tied {
                    // SciPy: p = 1 with the continuity correction (z = −∞),
                    // NaN without it (0/0). Every arrangement gives the same U,
                    // so the conditional p-value is 1; we return 1 in both cases.
                    Prob::one()
                } else {
                    let mut num = stat_twice as f64 / 2.0 - mu;
                    if self.continuity {
                        num -= 0.5;
                    }
                    let zz = num / sigma;
                    Prob {
                        p: ndtr(-zz),
                        ln_p: log_ndtr(-zz),
                    }
                }
            }
            Method::Exact => exact::sf(n1, n2, stat_twice / 2),
            Method::Permutation { n_resamples, seed } => {
                let ranks2 = r.doubled_ranks();
                // 2·R1 = 2·U1 + n1(n1 + 1) reaches n1·(2n − n1 + 1) > 2^64 for
                // n1 = n2 = 3e9: u128.
                let x_sum2 = u128::from(r.u1_twice) + u128::from(n1) * u128::from(n1 + 1);
                let o = permutation_p(&ranks2, n1, x_sum2, self.alternative, n_resamples, seed);
                permutations = Some(o.permutations);
                exhaustive = o.exhaustive;
                Prob {
                    p: o.p,
                    ln_p: o.p.ln(),
                }
            }
            Method::Auto => unreachable!("resolved above"),
        };
        let (p_value, ln_p_value) = if matches!(method, Method::Permutation { .. }) {
            (prob.p, prob.ln_p)
        } else {
            (
                (prob.p * factor).clamp(0.0, 1.0),
                (prob.ln_p + factor.ln()).min(0.0),
            )
        };

        let mut out = MwuResult {
            u: u1,
            p_value,
            ln_p_value,
            z,
            method,
            alternative: self.alternative,
            continuity: self.continuity,
            rank_biserial: 2.0 * u1 / mnf - 1.0,
            cles: u1 / mnf,
            hodges_lehmann: f64::NAN,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            ci_level: f64::NAN,
            ci_method: None,
            n_x: n1 as usize,
            n_y: n2 as usize,
            nan_dropped_x: nan_x,
            nan_dropped_y: nan_y,
            ties: r.ties,
            permutations,
            permutation_exhaustive: exhaustive,
        };
        if self.hodges_lehmann {
            self.shift(r, &mut out)?;
        }
        Ok(out)
    }

    /// Hodges–Lehmann shift and its interval, in R's conventions.
    fn shift(&self, r: &Ranked, out: &mut MwuResult) -> Result<(), RankTestError> {
        let (n1, n2) = (r.n_x, r.n_y);
        let mn = n1 * n2;
        let ci = match self.ci_method {
            CiMethod::Auto if n1 < 50 && n2 < 50 && !r.ties => CiMethod::Exact,
            CiMethod::Auto => CiMethod::Asymptotic,
            CiMethod::Exact if r.ties => CiMethod::Asymptotic,
            CiMethod::Exact if !exact::exact_supported(n1, n2) => {
                return Err(RankTestError::ExactTooLarge { n_x: n1, n_y: n2 });
            }
            m => m,
        };
        let alpha = 1.0 - self.confidence;
        let (lo_k, hi_k, level) = if ci == CiMethod::Exact {
            exact_ci_ranks(n1, n2, alpha, self.alternative, self.confidence)
        } else {
            let sigma = sigma_u(n1, n2, r.x.tie_term() + r.y.tie_term());
            let k = |zq: f64| asymptotic_ci_rank(mn, sigma, zq, self.alternative, self.continuity);
            let (lo, hi) = match self.alternative {
                Alternative::TwoSided => {
                    (Some(k(-ndtri(alpha / 2.0))), Some(k(ndtri(alpha / 2.0))))
                }
                Alternative::Greater => (Some(k(-ndtri(alpha))), None),
                Alternative::Less => (None, Some(k(ndtri(alpha)))),
            };
            (lo, hi, self.confidence)
        };
        // The median and the interval ends in one selection: they share
        // their first rounds.
        let d = PairDiffs::new(&r.x.values, &r.x.counts, &r.y.values, &r.y.counts);
        let ends: Vec<u64> = lo_k.into_iter().chain(hi_k).collect();
        let (median, at) = d.median_and(&ends);
        out.hodges_lehmann = median;
        let mut at = at.into_iter();
        out.ci_low = lo_k.map_or(f64::NEG_INFINITY, |_| at.next().expect("asked for"));
        out.ci_high = hi_k.map_or(f64::INFINITY, |_| at.next().expect("asked for"));
        out.ci_level = level;
        out.ci_method = Some(ci);
        Ok(())
    }
}

/// SciPy's standard deviation of U with the tie correction `tie_term` =
/// Σ(t³ − t), same operation order as SciPy:
/// `sqrt(n1·n2/12 · ((n + 1) − tie_term/(n(n − 1))))`.
///
/// `n(n − 1)` is formed in u128: with the sizes [`RankSample`] accepts
/// (up to 2^32 − 2 each) it exceeds 2^64, and a u64 product would wrap
/// silently in release builds (n1 = n2 = 3e9 gave z = −4.88 instead of
/// −4.38). Below 2^64 the u128 → f64 rounding equals the u64 → f64 one, so
/// results at ordinary sizes are unchanged to the bit.
fn sigma_u(n1: u64, n2: u64, tie_term: f64) -> f64 {
    let mnf = (u128::from(n1) * u128::from(n2)) as f64;
    let n = u128::from(n1) + u128::from(n2);
    (mnf / 12.0 * ((n + 1) as f64 - tie_term / ((n * (n - 1)) as f64))).sqrt()
}

/// R's `qwilcox(x, m, n)` from the probabilities `pmf` (with R's 10·ε fuzz).
fn qwilcox(pmf: &[f64], x: f64) -> u64 {
    let mn = (pmf.len() - 1) as u64;
    let mut p = 0.0;
    if x <= 0.5 {
        let x = x - 10.0 * f64::EPSILON;
        for (q, &v) in pmf.iter().enumerate() {
            p += v;
            if p >= x {
                return q as u64;
            }
        }
        mn
    } else {
        let x = 1.0 - x + 10.0 * f64::EPSILON;
        for (q, &v) in pmf.iter().enumerate() {
            p += v;
            if p > x {
                return mn - q as u64;
            }
        }
        0
    }
}

/// Ranks (1-based) of the order statistics of the differences that bound
/// R's exact interval, and the confidence level R reports.
fn exact_ci_ranks(
    n1: u64,
    n2: u64,
    alpha: f64,
    alt: Alternative,
    level: f64,
) -> (Option<u64>, Option<u64>, f64) {
    let mn = n1 * n2;
    let pmf = exact::pmf_all(n1, n2);
    let pwilcox = |q: u64| pmf[..=q as usize].iter().sum::<f64>();
    let a = if alt == Alternative::TwoSided {
        alpha / 2.0
    } else {
        alpha
    };
    let qu = qwilcox(&pmf, a).max(1);
    let ql = mn - qu;
    let mut achieved = pwilcox(qu - 1);
    if alt == Alternative::TwoSided {
        achieved *= 2.0;
    }
    let level = if achieved - alpha > alpha / 2.0 {
        1.0 - achieved
    } else {
        level
    };
    match alt {
        Alternative::TwoSided => (Some(qu), Some(ql + 1), level),
        Alternative::Greater => (Some(qu), None, level),
        Alternative::Less => (None, Some(ql + 1), level),
    }
}

/// The rank k (1-based) of the difference where R's asymptotic interval
/// equation `(U(d) − mn/2 − correction)/σ = zq` changes sign (R finds it with
/// `uniroot(tol = 1e-4)`; this is the exact root). Between consecutive
/// differences, `U(d) = mn − k` where k differences are `<= d`.
fn asymptotic_ci_rank(mn: u64, sigma: f64, zq: f64, alt: Alternative, continuity: bool) -> u64 {
    let half = mn as f64 / 2.0;
    let f = |k: u64| -> f64 {
        let dz = (mn - k) as f64 - half;
        let corr = if !continuity {
            0.0
        } else {
            match alt {
                Alternative::TwoSided => {
                    if dz > 0.0 {
                        0.5
                    } else if dz < 0.0 {
                        -0.5
                    } else {
                        0.0
                    }
                }
                Alternative::Greater => 0.5,
                Alternative::Less => -0.5,
            }
        };
        (dz - corr) / sigma - zq
    };
    // f is non-increasing in k: the smallest k in 1..=mn with f(k) <= 0.
    let (mut lo, mut hi) = (1u64, mn);
    if f(hi) > 0.0 {
        return mn;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f(mid) <= 0.0 {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// Checks a sample for NaN and infinities; drops NaNs under
/// [`NanPolicy::Omit`].
fn clean<'a>(
    v: &'a [f64],
    name: &'static str,
    policy: NanPolicy,
) -> Result<(Cow<'a, [f64]>, usize), RankTestError> {
    let mut nan = 0usize;
    let mut first_nan = None;
    for (i, &x) in v.iter().enumerate() {
        if x.is_nan() {
            nan += 1;
            first_nan.get_or_insert(i);
        } else if x.is_infinite() {
            return Err(RankTestError::NonFinite {
                sample: name,
                index: i,
                value: x,
                message: "infinite values are not accepted (the shift estimate and its interval \
                          would be undefined); replace or remove them"
                    .into(),
            });
        }
    }
    let out: Cow<'a, [f64]> = if nan == 0 {
        Cow::Borrowed(v)
    } else if policy == NanPolicy::Raise {
        return Err(RankTestError::NonFinite {
            sample: name,
            index: first_nan.unwrap_or(0),
            value: f64::NAN,
            message: format!(
                "{name} holds {nan} NaN value(s) (SciPy's default nan_policy='propagate' would \
                 return a NaN p-value); remove them or use NanPolicy::Omit to drop and count them"
            ),
        });
    } else {
        Cow::Owned(v.iter().copied().filter(|x| !x.is_nan()).collect())
    };
    if out.is_empty() {
        return Err(RankTestError::EmptySample {
            sample: name,
            nan_dropped: nan,
        });
    }
    Ok((out, nan))
}

/// The outcome of a Mann-Whitney U test.
///
/// Infinite interval ends (one-sided alternatives) and NaN fields are
/// written as `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MwuResult {
    /// U1, the statistic of the first sample x: the number of pairs with
    /// `x_i > y_j` plus half the number of ties (SciPy's `statistic`).
    /// U2 = n_x·n_y − U1.
    pub u: f64,
    /// The p-value, clipped to [0, 1] (as SciPy).
    pub p_value: f64,
    /// ln of the p-value, accurate where `p_value` underflows to 0
    /// (asymptotic: log of the normal tail; exact: from the scaled counts).
    pub ln_p_value: f64,
    /// (U1 − n_x·n_y/2)/σ with SciPy's tie-corrected σ and no continuity
    /// correction: positive when x tends to be larger. NaN when every value
    /// is the same.
    pub z: f64,
    /// The method used (never `Auto`).
    pub method: Method,
    /// The alternative tested.
    pub alternative: Alternative,
    /// Whether the continuity correction was asked for.
    pub continuity: bool,
    /// Rank-biserial correlation `2·U1/(n_x·n_y) − 1`, in [−1, 1]: +1 when
    /// every x is above every y, −1 when every x is below (= P(X > Y) −
    /// P(X < Y)).
    pub rank_biserial: f64,
    /// Common-language effect size `U1/(n_x·n_y)` = P(X > Y) + ½·P(X = Y).
    pub cles: f64,
    /// Hodges–Lehmann shift: the median of the n_x·n_y differences x_i − y_j
    /// (mean of the two middle ones when n_x·n_y is even).
    pub hodges_lehmann: f64,
    /// Lower end of the confidence interval of the shift (−∞ for `less`).
    ///
    /// Exact (R `wilcox.test(x, y, conf.int = TRUE)` for n < 50 without
    /// ties): the `qu`-th smallest difference with `qu = qwilcox(α/2)` (at
    /// least 1). Asymptotic: the difference at which R's normal-approximation
    /// equation changes sign (R locates it with `uniroot(tol = 1e-4)`, we
    /// exactly), with the tie correction of the two samples and R's
    /// continuity correction when `continuity` is on.
    pub ci_low: f64,
    /// Upper end of the confidence interval (+∞ for `greater`); exact: the
    /// `(n_x·n_y − qu + 1)`-th smallest difference.
    pub ci_high: f64,
    /// Confidence level of the interval: the one asked for, or, when R would
    /// warn that it is not achievable (small samples), the achieved one.
    pub ci_level: f64,
    /// How the interval was computed (`None` when the shift was not asked for).
    pub ci_method: Option<CiMethod>,
    /// Size of x (after dropping NaNs).
    pub n_x: usize,
    /// Size of y (after dropping NaNs).
    pub n_y: usize,
    /// NaNs dropped from x ([`NanPolicy::Omit`]).
    pub nan_dropped_x: usize,
    /// NaNs dropped from y.
    pub nan_dropped_y: usize,
    /// Whether the combined sample has ties.
    pub ties: bool,
    /// Permutation method: number of splits in the null distribution.
    pub permutations: Option<u64>,
    /// Permutation method: whether every split was enumerated (exact
    /// conditional test, `p = count/C(n, n_x)`).
    pub permutation_exhaustive: bool,
}
