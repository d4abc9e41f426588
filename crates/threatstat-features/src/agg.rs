//! Aggregation primitives with pandas' conventions (as featuretools calls
//! them): missing values (NaN, `None`) are skipped; `STD` is the sample
//! standard deviation (ddof = 1, NaN below 2 values); `SKEW` is pandas'
//! bias-corrected sample skewness G1 (NaN below 3 values, 0 when the sum of
//! squared deviations is below 1e-14); `SUM` of nothing is 0; `MEAN`,
//! `MIN`, `MAX` of nothing are NaN; `MODE` is the most frequent value, ties
//! going to the smallest (pandas' `Series.mode()[0]`, which sorts);
//! `NUM_UNIQUE` counts distinct values; `COUNT` and `SUM` of an empty group
//! are 0, every other primitive of an empty group is missing (featuretools'
//! output for an instance without children before the cutoff).

/// The numeric aggregation primitives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumAgg {
    /// Largest value.
    Max,
    /// Arithmetic mean.
    Mean,
    /// Smallest value.
    Min,
    /// pandas' bias-corrected skewness.
    Skew,
    /// Sample standard deviation (ddof 1).
    Std,
    /// Sum (0 for no values).
    Sum,
}

impl NumAgg {
    /// All six, in featuretools' alphabetical order of names.
    pub const ALL: [NumAgg; 6] = [
        NumAgg::Max,
        NumAgg::Mean,
        NumAgg::Min,
        NumAgg::Skew,
        NumAgg::Std,
        NumAgg::Sum,
    ];

    /// The featuretools name (`MEAN`).
    pub fn name(self) -> &'static str {
        match self {
            NumAgg::Max => "MAX",
            NumAgg::Mean => "MEAN",
            NumAgg::Min => "MIN",
            NumAgg::Skew => "SKEW",
            NumAgg::Std => "STD",
            NumAgg::Sum => "SUM",
        }
    }

    /// Applies the primitive to `v`, skipping NaN.
    ///
    /// ```
    /// use threatstat_features::agg::NumAgg;
    /// let v = [1.0, 2.0, 4.0, f64::NAN];
    /// assert_eq!(NumAgg::Sum.apply(&v), 7.0);
    /// assert!((NumAgg::Std.apply(&v) - 1.5275252316519468).abs() < 1e-15);
    /// assert!((NumAgg::Skew.apply(&v) - 0.9352195295828246).abs() < 1e-12);
    /// assert!(NumAgg::Skew.apply(&[1.0, 2.0]).is_nan());
    /// assert_eq!(NumAgg::Skew.apply(&[3.0, 3.0, 3.0]), 0.0);
    /// assert_eq!(NumAgg::Sum.apply(&[]), 0.0);
    /// assert!(NumAgg::Mean.apply(&[]).is_nan());
    /// ```
    pub fn apply(self, v: &[f64]) -> f64 {
        let it = || v.iter().copied().filter(|x| !x.is_nan());
        let n = it().count();
        match self {
            NumAgg::Sum => it().sum(),
            _ if n == 0 => f64::NAN,
            NumAgg::Max => it().fold(f64::NEG_INFINITY, f64::max),
            NumAgg::Min => it().fold(f64::INFINITY, f64::min),
            NumAgg::Mean => it().sum::<f64>() / n as f64,
            NumAgg::Std => {
                if n < 2 {
                    return f64::NAN;
                }
                let m = it().sum::<f64>() / n as f64;
                (it().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt()
            }
            NumAgg::Skew => {
                if n < 3 {
                    return f64::NAN;
                }
                let nf = n as f64;
                let m = it().sum::<f64>() / nf;
                let zero = |x: f64| if x.abs() < 1e-14 { 0.0 } else { x };
                let m2 = zero(it().map(|x| (x - m).powi(2)).sum::<f64>());
                let m3 = zero(it().map(|x| (x - m).powi(3)).sum::<f64>());
                if m2 == 0.0 {
                    return 0.0;
                }
                (nf * (nf - 1.0).sqrt() / (nf - 2.0)) * (m3 / m2.powf(1.5))
            }
        }
    }
}

/// `MODE` of category codes: the most frequent, ties to the smallest
/// `rank` (the rank of each code in the sorted order of its string);
/// `None` for no values.
///
/// ```
/// use threatstat_features::agg::mode;
/// let rank = [2, 0, 1]; // code 1 sorts first
/// assert_eq!(mode([0, 1, 0, 1, 2].into_iter().map(Some), &rank), Some(1));
/// assert_eq!(mode([None, Some(2)].into_iter(), &rank), Some(2));
/// assert_eq!(mode(std::iter::empty(), &rank), None);
/// ```
pub fn mode(v: impl Iterator<Item = Option<u32>>, rank: &[u32]) -> Option<u32> {
    let mut counts: Vec<(u32, u32)> = Vec::new();
    for x in v.flatten() {
        match counts.iter_mut().find(|(c, _)| *c == x) {
            Some(e) => e.1 += 1,
            None => counts.push((x, 1)),
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(rank[b.0 as usize].cmp(&rank[a.0 as usize]))
        })
        .map(|(c, _)| c)
}

/// `NUM_UNIQUE`: distinct non-missing codes; NaN for no instances at all
/// (featuretools leaves the feature of an empty group missing).
///
/// ```
/// use threatstat_features::agg::num_unique;
/// assert_eq!(num_unique([Some(3), None, Some(3), Some(1)].into_iter()), 2.0);
/// assert_eq!(num_unique([None].into_iter()), 0.0);
/// assert!(num_unique(std::iter::empty()).is_nan());
/// ```
pub fn num_unique(v: impl Iterator<Item = Option<u32>>) -> f64 {
    let v: Vec<Option<u32>> = v.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    let mut seen: Vec<u32> = v.into_iter().flatten().collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn skew_flips_sign_and_ignores_shift(v in proptest::collection::vec(-1e3f64..1e3, 3..40), c in -1e3f64..1e3) {
            let s = NumAgg::Skew.apply(&v);
            let neg: Vec<f64> = v.iter().map(|x| -x).collect();
            let sh: Vec<f64> = v.iter().map(|x| x + c).collect();
            prop_assert!((s + NumAgg::Skew.apply(&neg)).abs() < 1e-6);
            let d = (s - NumAgg::Skew.apply(&sh)).abs();
            prop_assert!(d < 1e-4 || s == 0.0, "{} {}", s, d);
        }
    }
}
