//! One-hot encoding of categorical features and removal of low-information
//! features, as featuretools' `encode_features` (top 10 values per feature
//! plus an `is unknown` column; missing counts as unknown) and
//! `remove_low_information_features` (drop a feature whose values, counting
//! missing as a value, are all the same, or that is missing everywhere).
//!
//! featuretools fits both on the whole feature matrix, test rows included.
//! [`Encoder::fit`] and [`Design::informative`] take the rows to learn
//! from, so that an evaluation can fit them on its training rows only
//! ([`fit_design`]); a level seen only in test rows then lands in
//! `is unknown`, and a column constant on the training rows is dropped
//! even if the test rows vary.

use crate::FeaturesError;
use crate::dfs::{FeatureKind, FeatureMatrix, Value};
use ndarray::{Array2, ArrayView2, Axis};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// A numeric design matrix: one row per session, one named column per
/// feature, NaN for missing.
///
/// The fields are private so that the number of names always equals the
/// number of columns; [`Design::x`] is a view of the values.
///
/// ```
/// use threatstat_features::encode::Design;
/// let d = Design::from_rows(vec!["a".into(), "b".into()], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!((d.n_rows(), d.n_cols(), d.get(1, 0)), (2, 2, 3.0));
/// assert_eq!(d.x().column(1).to_vec(), [2.0, 4.0]);
/// assert!(Design::from_rows(vec!["a".into(), "b".into()], vec![1.0]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    names: Vec<String>,
    x: Array2<f64>,
}

impl Design {
    /// The design with columns `names` and values `x` (rows are sessions);
    /// a shape error unless `x` has one column per name.
    pub fn new(names: Vec<String>, x: Array2<f64>) -> Result<Design, FeaturesError> {
        if x.ncols() != names.len() {
            return Err(threatstat_core::Error::shape(
                "design matrix columns",
                names.len().to_string(),
                x.ncols().to_string(),
            )
            .into());
        }
        Ok(Design { names, x })
    }

    /// The design with columns `names` and row-major `values`
    /// (`rows × names.len()` of them).
    pub fn from_rows(names: Vec<String>, values: Vec<f64>) -> Result<Design, FeaturesError> {
        let c = names.len();
        if !values.len().is_multiple_of(c) {
            return Err(threatstat_core::Error::shape(
                "design matrix values",
                format!("a multiple of {c}"),
                values.len().to_string(),
            )
            .into());
        }
        let n = values.len().checked_div(c).unwrap_or(0);
        let x = Array2::from_shape_vec((n, c), values).expect("length checked");
        Ok(Design { names, x })
    }

    /// Column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values, `n_rows × n_cols` (rows are sessions).
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.x[[i, j]]
    }

    /// Column `j` as a vector.
    pub fn col(&self, j: usize) -> Vec<f64> {
        self.x.column(j).to_vec()
    }

    /// The rows `idx` (in that order), all columns.
    pub fn rows(&self, idx: &[usize]) -> Design {
        Design {
            names: self.names.clone(),
            x: self.x.select(Axis(0), idx),
        }
    }

    /// Column `j`, mutable (the shape and names stay as they are).
    pub(crate) fn col_mut(&mut self, j: usize) -> ndarray::ArrayViewMut1<'_, f64> {
        self.x.column_mut(j)
    }

    /// Keeps the columns whose index `keep` returns `true` for.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> Design {
        let cols: Vec<usize> = (0..self.n_cols()).filter(|&j| keep(j)).collect();
        Design {
            names: cols.iter().map(|&j| self.names[j].clone()).collect(),
            x: self.x.select(Axis(1), &cols),
        }
    }

    /// Whether each column varies on `rows` (missing counts as a value:
    /// a column of 1 and NaN varies) and is not missing on all of them.
    ///
    /// ```
    /// use threatstat_features::encode::Design;
    /// let d = Design::from_rows(vec!["a".into()], vec![1.0, 1.0, 2.0]).unwrap();
    /// assert_eq!(d.informative(&[0, 1]), [false]);
    /// assert_eq!(d.informative(&[0, 2]), [true]);
    /// ```
    pub fn informative(&self, rows: &[usize]) -> Vec<bool> {
        (0..self.n_cols())
            .map(|j| {
                let mut c = rows.iter().map(|&i| self.get(i, j));
                let Some(first) = c.next() else {
                    return false;
                };
                let mut any = !first.is_nan();
                let mut varies = false;
                for v in c {
                    any |= !v.is_nan();
                    varies |= if first.is_nan() {
                        !v.is_nan()
                    } else {
                        v.is_nan() || v != first
                    };
                }
                any && varies
            })
            .collect()
    }

    /// Drops constant and all-missing columns (missing counts as a value:
    /// a column of 1 and NaN is kept), judged on all rows.
    ///
    /// ```
    /// use threatstat_features::encode::Design;
    /// let nan = f64::NAN;
    /// let d = Design::from_rows(vec!["a".into(), "b".into(), "c".into(), "d".into()],
    ///     vec![1.0, 2.0, nan, 1.0,
    ///          1.0, 3.0, nan, nan]).unwrap();
    /// assert_eq!(d.remove_low_information().names(), ["b", "d"]);
    /// ```
    pub fn remove_low_information(&self) -> Design {
        let all: Vec<usize> = (0..self.n_rows()).collect();
        let keep = self.informative(&all);
        self.select(|j| keep[j])
    }
}

/// How many values per categorical feature get their own column.
pub const TOP_N: usize = 10;

/// One column of an [`Encoder`]'s output, named by feature and level (not
/// by category codes, which belong to one feature matrix), so that an
/// encoder fitted on one log encodes another and saves with a fitted
/// pipeline ([`crate::fitted::FittedPipeline`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EncodedColumn {
    /// The numeric feature `feature`, copied (NaN when missing).
    Numeric {
        /// The DFS feature name.
        feature: String,
    },
    /// 1 where the categorical feature `feature` is `level`, else 0.
    Level {
        /// The DFS feature name.
        feature: String,
        /// The category.
        level: String,
    },
    /// 1 where the categorical feature `feature` is missing or none of
    /// `levels` (the feature's other columns), else 0.
    Unknown {
        /// The DFS feature name.
        feature: String,
        /// The levels that have their own column.
        levels: Vec<String>,
    },
}

impl EncodedColumn {
    /// The DFS feature the column is computed from.
    pub fn feature(&self) -> &str {
        match self {
            EncodedColumn::Numeric { feature }
            | EncodedColumn::Level { feature, .. }
            | EncodedColumn::Unknown { feature, .. } => feature,
        }
    }

    /// The column name: `feature`, `feature = level` or
    /// `feature is unknown`.
    pub fn name(&self) -> String {
        match self {
            EncodedColumn::Numeric { feature } => feature.clone(),
            EncodedColumn::Level { feature, level } => format!("{feature} = {level}"),
            EncodedColumn::Unknown { feature, .. } => format!("{feature} is unknown"),
        }
    }

    /// The kind of DFS feature the column reads.
    pub fn input_kind(&self) -> FeatureKind {
        match self {
            EncodedColumn::Numeric { .. } => FeatureKind::Numeric,
            _ => FeatureKind::Categorical,
        }
    }
}

/// A column resolved against one feature matrix: feature index and the
/// category codes that carry its level(s) there.
enum Resolved {
    Num(usize),
    Level(usize, Vec<u32>),
    Unknown(usize, Vec<u32>),
}

/// A fitted one-hot encoding: which features are kept and which levels of
/// each categorical feature get a column, learnt from chosen rows.
///
/// Levels are kept as strings: a category that was not among a feature's
/// top levels on the rows the encoder was fitted on — also one never seen
/// there, as in a new log — lands in the feature's `is unknown` column,
/// as a missing value does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Encoder {
    columns: Vec<EncodedColumn>,
}

impl Encoder {
    /// Learns the [`TOP_N`] most frequent values (ties by value) of each
    /// categorical feature of `fm` on `rows`; features `j` with `drop(j)`
    /// are left out.
    ///
    /// ```
    /// use threatstat_features::dfs::{FeatureKind, FeatureMatrix, Value};
    /// use threatstat_features::encode::Encoder;
    /// let fm = FeatureMatrix { names: vec!["MODE(log.stage)".into()],
    ///     kinds: vec![FeatureKind::Categorical],
    ///     values: vec![Value::Cat(Some(0)), Value::Cat(Some(0)), Value::Cat(Some(1))],
    ///     levels: vec!["LogOn".into(), "LogOff".into()],
    ///     row_ids: vec!["a".into(); 3], row_times: vec![0; 3] };
    /// // Fitted on rows 0 and 1: LogOff, seen only in row 2, is unknown.
    /// let d = Encoder::fit(&fm, &[0, 1], |_| false).transform(&fm).unwrap();
    /// assert_eq!(d.names(), ["MODE(log.stage) = LogOn", "MODE(log.stage) is unknown"]);
    /// assert_eq!(d.col(1), [0.0, 0.0, 1.0]);
    /// ```
    pub fn fit(fm: &FeatureMatrix, rows: &[usize], drop: impl Fn(usize) -> bool) -> Encoder {
        let mut columns = Vec::new();
        for (j, name) in fm.names.iter().enumerate() {
            if drop(j) {
                continue;
            }
            match fm.kinds[j] {
                FeatureKind::Numeric => columns.push(EncodedColumn::Numeric {
                    feature: name.clone(),
                }),
                FeatureKind::Categorical => {
                    let mut counts: Vec<(u32, usize)> = Vec::new();
                    for &i in rows {
                        if let Value::Cat(Some(c)) = fm.get(i, j) {
                            match counts.iter_mut().find(|(k, _)| *k == c) {
                                Some(e) => e.1 += 1,
                                None => counts.push((c, 1)),
                            }
                        }
                    }
                    counts.sort_by(|a, b| {
                        b.1.cmp(&a.1)
                            .then_with(|| fm.levels[a.0 as usize].cmp(&fm.levels[b.0 as usize]))
                    });
                    counts.truncate(TOP_N);
                    let levels: Vec<String> = counts
                        .iter()
                        .map(|&(c, _)| fm.levels[c as usize].clone())
                        .collect();
                    for level in &levels {
                        columns.push(EncodedColumn::Level {
                            feature: name.clone(),
                            level: level.clone(),
                        });
                    }
                    columns.push(EncodedColumn::Unknown {
                        feature: name.clone(),
                        levels,
                    });
                }
            }
        }
        Encoder { columns }
    }

    /// The encoder with `columns`, in that order.
    pub fn from_columns(columns: Vec<EncodedColumn>) -> Encoder {
        Encoder { columns }
    }

    /// The output columns.
    pub fn columns(&self) -> &[EncodedColumn] {
        &self.columns
    }

    /// The output column names.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(EncodedColumn::name).collect()
    }

    /// Keeps the output columns `j` with `keep[j]`.
    pub fn select(&self, keep: &[bool]) -> Encoder {
        Encoder {
            columns: self
                .columns
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.clone())
                .collect(),
        }
    }

    /// Encodes every row of `fm`; a shape error when `fm` lacks a feature
    /// the encoder reads or has it with another kind. Categories are
    /// matched by their string, so `fm` may come from another log than
    /// the one the encoder was fitted on.
    pub fn transform(&self, fm: &FeatureMatrix) -> Result<Design, FeaturesError> {
        let mut wanted: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for c in &self.columns {
            match c {
                EncodedColumn::Numeric { .. } => {}
                EncodedColumn::Level { level, .. } => {
                    wanted.entry(level.as_str()).or_default();
                }
                EncodedColumn::Unknown { levels, .. } => {
                    for l in levels {
                        wanted.entry(l.as_str()).or_default();
                    }
                }
            }
        }
        for (code, l) in fm.levels.iter().enumerate() {
            if let Some(codes) = wanted.get_mut(l.as_str()) {
                codes.push(code as u32);
            }
        }
        let codes_of = |levels: &mut dyn Iterator<Item = &String>| -> Vec<u32> {
            levels
                .flat_map(|l| wanted[l.as_str()].iter().copied())
                .collect()
        };
        let mut resolved = Vec::with_capacity(self.columns.len());
        for c in &self.columns {
            let j = fm
                .column(c.feature())
                .filter(|&j| fm.kinds[j] == c.input_kind())
                .ok_or_else(|| {
                    threatstat_core::Error::shape(
                        "feature matrix",
                        format!(
                            "a {} feature `{}`",
                            match c.input_kind() {
                                FeatureKind::Numeric => "numeric",
                                FeatureKind::Categorical => "categorical",
                            },
                            c.feature()
                        ),
                        "none",
                    )
                })?;
            resolved.push(match c {
                EncodedColumn::Numeric { .. } => Resolved::Num(j),
                EncodedColumn::Level { level, .. } => {
                    Resolved::Level(j, codes_of(&mut std::iter::once(level)))
                }
                EncodedColumn::Unknown { levels, .. } => {
                    Resolved::Unknown(j, codes_of(&mut levels.iter()))
                }
            });
        }
        let n = fm.n_rows();
        let code = |i: usize, j: usize| match fm.get(i, j) {
            Value::Cat(c) => c,
            Value::Num(_) => None,
        };
        let mut x = Vec::with_capacity(n * resolved.len());
        for i in 0..n {
            x.extend(resolved.iter().map(|c| match c {
                Resolved::Num(j) => match fm.get(i, *j) {
                    Value::Num(v) => v,
                    Value::Cat(_) => f64::NAN,
                },
                Resolved::Level(j, ls) => f64::from(code(i, *j).is_some_and(|v| ls.contains(&v))),
                Resolved::Unknown(j, ls) => {
                    f64::from(!code(i, *j).is_some_and(|v| ls.contains(&v)))
                }
            }));
        }
        let x = Array2::from_shape_vec((n, resolved.len()), x).expect("n rows of all columns");
        Ok(Design {
            names: self.names(),
            x,
        })
    }
}

/// The encoder fitted on `train` (levels from those rows, columns constant
/// or missing on them dropped) and the design matrix of all rows of `fm`
/// it gives; features `j` with `drop(j)` are left out.
pub fn fit_encoder(
    fm: &FeatureMatrix,
    train: &[usize],
    drop: impl Fn(usize) -> bool,
) -> (Encoder, Design) {
    let e = Encoder::fit(fm, train, drop);
    let d = e.transform(fm).expect("fitted on the features of fm");
    let keep = d.informative(train);
    (e.select(&keep), d.select(|j| keep[j]))
}

/// The design matrix of all rows of `fm` with the encoder and the
/// low-information filter fitted on `train` only; features `j` with
/// `drop(j)` are left out.
///
/// ```
/// use threatstat_features::dfs::{FeatureKind, FeatureMatrix, Value};
/// use threatstat_features::encode::fit_design;
/// let fm = FeatureMatrix { names: vec!["n".into(), "t".into()],
///     kinds: vec![FeatureKind::Numeric; 2],
///     values: vec![Value::Num(1.0), Value::Num(5.0), Value::Num(1.0), Value::Num(6.0),
///                  Value::Num(2.0), Value::Num(7.0)],
///     levels: vec![], row_ids: vec!["a".into(); 3], row_times: vec![0; 3] };
/// // `n` is constant on the training rows 0 and 1: dropped; `t` dropped by request.
/// assert_eq!(fit_design(&fm, &[0, 1], |j| j == 1).n_cols(), 0);
/// assert_eq!(fit_design(&fm, &[0, 2], |j| j == 1).names(), ["n"]);
/// ```
pub fn fit_design(fm: &FeatureMatrix, train: &[usize], drop: impl Fn(usize) -> bool) -> Design {
    fit_encoder(fm, train, drop).1
}

/// One-hot encodes the categorical features of `fm` learning the levels
/// from all rows (featuretools' `encode_features`): for each, columns
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
/// assert_eq!(d.names(), ["MODE(log.stage) = LogOn", "MODE(log.stage) = LogOff", "MODE(log.stage) is unknown"]);
/// assert_eq!(d.col(2), [0.0, 0.0, 0.0, 1.0]);
/// ```
pub fn one_hot(fm: &FeatureMatrix) -> Design {
    let all: Vec<usize> = (0..fm.n_rows()).collect();
    Encoder::fit(fm, &all, |_| false)
        .transform(fm)
        .expect("fitted on the features of fm")
}
