//! One-hot encoding of categorical features and removal of low-information
//! features, as featuretools' `encode_features` (top 10 values per feature
//! plus an `is unknown` column; missing counts as unknown) and
//! `remove_low_information_features` (drop a feature whose values, counting
//! missing as a value, are all the same, or that is missing everywhere).

use crate::dfs::{FeatureKind, FeatureMatrix, Value};

/// A numeric design matrix (row-major, NaN for missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Column names.
    pub names: Vec<String>,
    /// Values, `n_rows × names.len()`, row-major.
    pub x: Vec<f64>,
    /// Number of rows.
    pub n_rows: usize,
}

impl Design {
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.x[i * self.names.len() + j]
    }

    /// Column `j` as a vector.
    pub fn col(&self, j: usize) -> Vec<f64> {
        (0..self.n_rows).map(|i| self.get(i, j)).collect()
    }

    /// Keeps the columns whose index `keep` returns `true` for.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Design {
        let cols: Vec<usize> = (0..self.n_cols()).filter(|&j| keep(j)).collect();
        let mut x = Vec::with_capacity(self.n_rows * cols.len());
        for i in 0..self.n_rows {
            x.extend(cols.iter().map(|&j| self.get(i, j)));
        }
        Design {
            names: cols.iter().map(|&j| self.names[j].clone()).collect(),
            x,
            n_rows: self.n_rows,
        }
    }

    /// Drops constant and all-missing columns (missing counts as a value:
    /// a column of 1 and NaN is kept).
    ///
    /// ```
    /// use threatstat_features::encode::Design;
    /// let nan = f64::NAN;
    /// let d = Design { names: vec!["a".into(), "b".into(), "c".into(), "d".into()],
    ///     x: vec![1.0, 2.0, nan, 1.0,
    ///             1.0, 3.0, nan, nan], n_rows: 2 };
    /// assert_eq!(d.remove_low_information().names, ["b", "d"]);
    /// ```
    pub fn remove_low_information(&self) -> Design {
        self.select(|j| {
            let c = self.col(j);
            let any = c.iter().any(|v| !v.is_nan());
            let first = c[0];
            let varies = c.iter().any(|&v| {
                if first.is_nan() {
                    !v.is_nan()
                } else {
                    v.is_nan() || v != first
                }
            });
            any && varies
        })
    }
}

/// How many values per categorical feature get their own column.
pub const TOP_N: usize = 10;

/// One-hot encodes the categorical features of `fm`: for each, columns
/// `name = value` for its [`TOP_N`] most frequent values (ties by value)
/// and `name is unknown`; numeric features are copied.
///
/// ```
/// use threatstat_features::dfs::{FeatureKind, FeatureMatrix, Value};
/// use threatstat_features::encode::one_hot;
/// let fm = FeatureMatrix { names: vec!["MODE(log.stage)".into()],
///     kinds: vec![FeatureKind::Categorical],
///     values: vec![Value::Cat(Some(0)), Value::Cat(Some(1)), Value::Cat(Some(0)), Value::Cat(None)],
///     levels: vec!["LogOn".into(), "LogOff".into()],
///     row_ids: vec!["a".into(); 4], row_times: vec![0; 4] };
/// let d = one_hot(&fm);
/// assert_eq!(d.names, ["MODE(log.stage) = LogOn", "MODE(log.stage) = LogOff", "MODE(log.stage) is unknown"]);
/// assert_eq!(d.col(2), [0.0, 0.0, 0.0, 1.0]);
/// ```
pub fn one_hot(fm: &FeatureMatrix) -> Design {
    let n = fm.n_rows();
    let mut cols: Vec<(String, Vec<f64>)> = Vec::new();
    for (j, name) in fm.names.iter().enumerate() {
        match fm.kinds[j] {
            FeatureKind::Numeric => cols.push((
                name.clone(),
                (0..n)
                    .map(|i| match fm.get(i, j) {
                        Value::Num(x) => x,
                        Value::Cat(_) => f64::NAN,
                    })
                    .collect(),
            )),
            FeatureKind::Categorical => {
                let codes: Vec<Option<u32>> = (0..n)
                    .map(|i| match fm.get(i, j) {
                        Value::Cat(c) => c,
                        Value::Num(_) => None,
                    })
                    .collect();
                let mut counts: Vec<(u32, usize)> = Vec::new();
                for c in codes.iter().flatten() {
                    match counts.iter_mut().find(|(k, _)| k == c) {
                        Some(e) => e.1 += 1,
                        None => counts.push((*c, 1)),
                    }
                }
                counts.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| fm.levels[a.0 as usize].cmp(&fm.levels[b.0 as usize]))
                });
                counts.truncate(TOP_N);
                for &(c, _) in &counts {
                    cols.push((
                        format!("{name} = {}", fm.levels[c as usize]),
                        codes.iter().map(|&v| f64::from(v == Some(c))).collect(),
                    ));
                }
                cols.push((
                    format!("{name} is unknown"),
                    codes
                        .iter()
                        .map(|v| f64::from(!v.is_some_and(|v| counts.iter().any(|k| k.0 == v))))
                        .collect(),
                ));
            }
        }
    }
    let mut x = Vec::with_capacity(n * cols.len());
    for i in 0..n {
        x.extend(cols.iter().map(|(_, c)| c[i]));
    }
    Design {
        names: cols.into_iter().map(|(n, _)| n).collect(),
        x,
        n_rows: n,
    }
}
