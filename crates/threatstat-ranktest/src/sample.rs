//! Mergeable rank data: a sample kept as its distinct values and their
//! counts, for tests over data that arrives in partitions.

use crate::RankTestError;
use crate::rank::{Distinct, key, unkey};
use std::collections::HashMap;
use std::convert::Infallible;
use threatstat_core::model::Merge;

/// One sample of a rank test as its distinct values and how often each
/// occurs: the sufficient statistic of every rank-based result of this
/// crate (U, ties, exact, asymptotic and permutation p-values,
/// Hodges–Lehmann shift and interval).
///
/// Partitions of a sample can be counted independently (one `RankSample`
/// per file, thread or machine) and [merged](Self::merge); the test on the
/// merged samples ([`MannWhitneyParams::test_samples`]) equals the test on
/// the concatenated values exactly, whatever the partition. Memory grows
/// with the number of distinct values, not of values: byte counts, daily
/// counts and other integer-valued data repeat a lot.
///
/// Counts saturate at `u64::MAX` instead of wrapping; a test on a sample
/// that large is rejected as too large (at most 2^32 − 2 values a sample).
///
/// NaN values are counted (the test's [`NanPolicy`] decides what they
/// mean); infinite values are an error, as in
/// [`MannWhitneyParams::test`]. `-0.0` and `0.0` are one value.
///
/// [`MannWhitneyParams::test_samples`]: crate::MannWhitneyParams::test_samples
/// [`MannWhitneyParams::test`]: crate::MannWhitneyParams::test
/// [`NanPolicy`]: crate::NanPolicy
///
/// ```
/// use threatstat_ranktest::{MannWhitney, Merge, RankSample};
/// let x = [3.0, 5.0, 5.0, 9.0, 12.0, 14.0];
/// let y = [1.0, 2.0, 2.0, 4.0, 5.0, 6.0, 7.0];
/// // Two partitions of x, counted separately, then merged.
/// let mut sx = RankSample::from_values(&x[..2]).unwrap();
/// sx.merge(&RankSample::from_values(&x[2..]).unwrap()).unwrap(); // cannot fail
/// let sy = RankSample::from_values(&y).unwrap();
/// let params = MannWhitney::params();
/// let merged = params.test_samples(&sx, &sy).unwrap();
/// assert_eq!(merged, params.test(&x, &y).unwrap());
/// assert_eq!((sx.len(), sx.distinct_len()), (6, 5));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RankSample {
    /// Count per value, keyed by the order-preserving key of the value.
    counts: HashMap<u64, u64>,
    /// Non-NaN values.
    n: u64,
    /// NaN values.
    nan: u64,
}

impl RankSample {
    /// An empty sample.
    ///
    /// ```
    /// let s = threatstat_ranktest::RankSample::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The sample of `values` (NaN counted, ±inf an error naming its
    /// 0-based index).
    ///
    /// ```
    /// use threatstat_ranktest::RankSample;
    /// let s = RankSample::from_values(&[1.0, f64::NAN, 1.0]).unwrap();
    /// assert_eq!((s.len(), s.nan_count(), s.distinct_len()), (2, 1, 1));
    /// let e = RankSample::from_values(&[1.0, f64::INFINITY]).unwrap_err();
    /// assert!(e.to_string().starts_with("sample[1] is inf"));
    /// ```
    pub fn from_values(values: &[f64]) -> Result<Self, RankTestError> {
        let mut s = Self::new();
        for (i, &v) in values.iter().enumerate() {
            s.add(v, 1, i)?;
        }
        Ok(s)
    }

    /// Adds one value (NaN counted; ±inf is an error).
    ///
    /// ```
    /// let mut s = threatstat_ranktest::RankSample::new();
    /// s.push(2.5).unwrap();
    /// s.push(-0.0).unwrap();
    /// s.push(0.0).unwrap();
    /// assert_eq!((s.len(), s.distinct_len()), (3, 2));
    /// ```
    pub fn push(&mut self, value: f64) -> Result<(), RankTestError> {
        let index = usize::try_from(self.n + self.nan).unwrap_or(usize::MAX);
        self.add(value, 1, index)
    }

    /// Adds `count` copies of `value`.
    ///
    /// ```
    /// let mut s = threatstat_ranktest::RankSample::new();
    /// s.push_n(7.0, 1_000_000).unwrap();
    /// assert_eq!((s.len(), s.distinct_len()), (1_000_000, 1));
    /// ```
    pub fn push_n(&mut self, value: f64, count: u64) -> Result<(), RankTestError> {
        let index = usize::try_from(self.n + self.nan).unwrap_or(usize::MAX);
        self.add(value, count, index)
    }

    fn add(&mut self, value: f64, count: u64, index: usize) -> Result<(), RankTestError> {
        if value.is_nan() {
            self.nan = self.nan.saturating_add(count);
            return Ok(());
        }
        if value.is_infinite() {
            return Err(RankTestError::NonFinite {
                sample: "sample",
                index,
                value,
                message: "infinite values are not accepted (the shift estimate and its interval \
                          would be undefined); replace or remove them"
                    .into(),
            });
        }
        if count > 0 {
            let c = self.counts.entry(key(value)).or_insert(0);
            *c = c.saturating_add(count);
            self.n = self.n.saturating_add(count);
        }
        Ok(())
    }

    /// Number of values, NaN not included.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether the sample has no values other than NaN.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of NaN values.
    pub fn nan_count(&self) -> u64 {
        self.nan
    }

    /// Number of distinct values.
    pub fn distinct_len(&self) -> usize {
        self.counts.len()
    }

    /// The distinct values in ascending order with their counts.
    pub(crate) fn distinct(&self) -> Distinct {
        let mut kv: Vec<(u64, u64)> = self.counts.iter().map(|(&k, &c)| (k, c)).collect();
        kv.sort_unstable_by_key(|e| e.0);
        Distinct {
            values: kv.iter().map(|e| unkey(e.0)).collect(),
            counts: kv.iter().map(|e| e.1).collect(),
        }
    }
}

impl Merge for RankSample {
    type Error = Infallible;

    /// Adds the values of `other` (another partition of the same sample).
    ///
    /// ```
    /// use threatstat_ranktest::{Merge, RankSample};
    /// let mut a = RankSample::from_values(&[1.0, 2.0]).unwrap();
    /// a.merge(&RankSample::from_values(&[2.0, f64::NAN]).unwrap()).unwrap();
    /// assert_eq!(a, RankSample::from_values(&[1.0, 2.0, 2.0, f64::NAN]).unwrap());
    /// ```
    /// Never fails: counts saturate instead of overflowing.
    fn merge(&mut self, other: &RankSample) -> Result<(), Infallible> {
        for (&k, &c) in &other.counts {
            let e = self.counts.entry(k).or_insert(0);
            *e = e.saturating_add(c);
        }
        self.n = self.n.saturating_add(other.n);
        self.nan = self.nan.saturating_add(other.nan);
        Ok(())
    }
}
