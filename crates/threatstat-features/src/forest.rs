//! A random forest classifier with class probabilities, on smartcore.
//!
//! smartcore 0.7's `RandomForestClassifier` votes but returns no
//! probabilities and keeps its trees private, so the forest here is
//! `n_trees` one-tree smartcore forests with seeds `seed, seed+1, ...` (each
//! a bootstrap sample and a Gini tree choosing among `m` random features at
//! every split, scikit-learn's defaults: `m = floor(sqrt(features))`, no
//! depth limit, leaves of one sample); the probability of the positive class
//! is the fraction of trees voting for it, as scikit-learn's
//! `predict_proba` is for fully grown trees. Missing values are replaced by
//! the training mean of their column (0 if the column is all missing), as the
//! demo's mean imputer. Trees are fitted in parallel; the result does not
//! depend on the number of threads. Importances are by permutation
//! ([`FittedForest::permutation_importance`]). A fitted forest saves and
//! loads as a `threatstat-forest` model file ([`ModelFile`]).

use crate::FeaturesError;
use crate::encode::Design;
use crate::metrics::roc_auc;
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use threatstat_core::{Error, ModelFile, ParamGuard};

type Tree = RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

/// Parameters of [`RandomForest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestParams {
    n_trees: usize,
    max_depth: Option<u16>,
    min_samples_leaf: usize,
    m: Option<usize>,
    seed: u64,
}

/// A random forest classifier; see the [module docs](self).
///
/// ```
/// use threatstat_features::encode::Design;
/// use threatstat_features::forest::RandomForest;
/// let x: Vec<f64> = (0..60).map(|i| (i % 30) as f64).collect();
/// let y: Vec<bool> = (0..60).map(|i| i % 30 >= 20).collect();
/// let d = Design::from_rows(vec!["a".into()], x).unwrap();
/// let f = RandomForest::params().n_trees(20).seed(1).fit(&d, &y).unwrap();
/// let p = f.predict_proba(&d).unwrap();
/// assert!(p[25] > 0.9 && p[5] < 0.1);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RandomForest;

impl RandomForest {
    /// Defaults: 100 trees, unlimited depth, leaves of at least 1 sample,
    /// `m = floor(sqrt(features))`, seed 0.
    pub fn params() -> ForestParams {
        ForestParams {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            m: None,
            seed: 0,
        }
    }
}

/// A fitted forest: the trees, the training means that impute missing
/// values and the names of the columns it was fitted on. Saved and loaded
/// through [`ModelFile`] (format `threatstat-forest`, version 1).
///
/// ```
/// use threatstat_core::ModelFile;
/// use threatstat_features::encode::Design;
/// use threatstat_features::forest::{FittedForest, RandomForest};
/// let x: Vec<f64> = (0..40).map(|i| (i % 20) as f64).collect();
/// let y: Vec<bool> = (0..40).map(|i| i % 20 >= 10).collect();
/// let d = Design::from_rows(vec!["a".into()], x).unwrap();
/// let f = RandomForest::params().n_trees(5).seed(1).fit(&d, &y).unwrap();
/// let back = FittedForest::from_json(&f.to_json().unwrap()).unwrap();
/// assert_eq!(back.predict_proba(&d).unwrap(), f.predict_proba(&d).unwrap());
/// assert_eq!(back.feature_names(), ["a"]);
/// ```
#[derive(Debug)]
pub struct FittedForest {
    trees: Vec<Tree>,
    means: Vec<f64>,
    names: Vec<String>,
}

impl ForestParams {
    /// Number of trees (default 100, at least 1).
    pub fn n_trees(mut self, n: usize) -> Self {
        self.n_trees = n;
        self
    }
    /// Maximum tree depth (default unlimited).
    pub fn max_depth(mut self, d: u16) -> Self {
        self.max_depth = Some(d);
        self
    }
    /// Minimum samples in a leaf (default 1).
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.min_samples_leaf = n;
        self
    }
    /// Features tried at each split (default `floor(sqrt(features))`).
    pub fn m(mut self, m: usize) -> Self {
        self.m = Some(m);
        self
    }
    /// Seed (default 0).
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Fits the forest to rows of `x` with labels `y` (the parameters are
    /// checked first: [`ParamGuard::check`]).
    pub fn fit(&self, x: &Design, y: &[bool]) -> Result<FittedForest, FeaturesError> {
        self.check()?.fit(x, y)
    }
}

/// [`ForestParams`] that passed [`ParamGuard::check`]: at least one tree,
/// leaves of at least one sample, at least one feature per split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedForestParams(ForestParams);

impl ParamGuard for ForestParams {
    type Checked = CheckedForestParams;
    type Error = FeaturesError;

    /// ```
    /// use threatstat_core::{Error, ParamGuard};
    /// use threatstat_features::{FeaturesError, forest::RandomForest};
    /// assert!(RandomForest::params().check().is_ok());
    /// let e = RandomForest::params().n_trees(0).check().unwrap_err();
    /// assert!(matches!(e, FeaturesError::Core(Error::Param { name: "n_trees", .. })));
    /// ```
    fn check(&self) -> Result<CheckedForestParams, FeaturesError> {
        if self.n_trees == 0 {
            return Err(Error::param("n_trees", self.n_trees, "at least 1").into());
        }
        if self.min_samples_leaf == 0 {
            return Err(
                Error::param("min_samples_leaf", self.min_samples_leaf, "at least 1").into(),
            );
        }
        if self.m == Some(0) {
            return Err(Error::param("m", 0, "at least 1").into());
        }
        Ok(CheckedForestParams(*self))
    }
}

impl CheckedForestParams {
    /// Fits the forest to rows of `x` with labels `y`.
    pub fn fit(&self, x: &Design, y: &[bool]) -> Result<FittedForest, FeaturesError> {
        let q = &self.0;
        if x.n_rows() != y.len() {
            return Err(Error::shape(
                "labels",
                format!("one per design row ({})", x.n_rows()),
                y.len().to_string(),
            )
            .into());
        }
        if x.n_cols() == 0 {
            return Err(Error::shape("design matrix", "at least 1 feature column", "0").into());
        }
        let pos = y.iter().filter(|&&v| v).count();
        if pos == 0 || pos == y.len() {
            return Err(Error::data(
                "training labels",
                "a classifier needs both classes in the training labels",
            )
            .into());
        }
        let means: Vec<f64> = (0..x.n_cols())
            .map(|j| {
                let (s, n) = (0..x.n_rows())
                    .map(|i| x.get(i, j))
                    .filter(|v| !v.is_nan())
                    .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
                if n == 0 { 0.0 } else { s / n as f64 }
            })
            .collect();
        let m = imputed(x, &means)?;
        let yy: Vec<u32> = y.iter().map(|&v| u32::from(v)).collect();
        let mtry =
            q.m.unwrap_or_else(|| ((x.n_cols() as f64).sqrt().floor() as usize).max(1))
                .clamp(1, x.n_cols());
        let trees = (0..q.n_trees as u64)
            .into_par_iter()
            .map(|t| {
                let mut p = RandomForestClassifierParameters::default()
                    .with_n_trees(1)
                    .with_m(mtry)
                    .with_min_samples_leaf(q.min_samples_leaf)
                    .with_seed(q.seed.wrapping_add(t));
                if let Some(d) = q.max_depth {
                    p = p.with_max_depth(d);
                }
                Tree::fit(&m, &yy, p).map_err(|e| FeaturesError::Model(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FittedForest {
            trees,
            means,
            names: x.names().to_vec(),
        })
    }
}

fn imputed(x: &Design, means: &[f64]) -> Result<DenseMatrix<f64>, FeaturesError> {
    if x.n_cols() != means.len() {
        return Err(Error::shape(
            "design matrix columns",
            format!("the model's {} features", means.len()),
            x.n_cols().to_string(),
        )
        .into());
    }
    // smartcore gets its own row-major copy, with missing values imputed.
    let v: Vec<f64> = x
        .x()
        .indexed_iter()
        .map(|((_, j), &v)| if v.is_nan() { means[j] } else { v })
        .collect();
    DenseMatrix::new(x.n_rows(), x.n_cols(), v, false)
        .map_err(|e| FeaturesError::Model(e.to_string()))
}

/// The body of a forest file (borrowed for writing).
#[derive(Serialize)]
struct ForestFileRef<'a> {
    names: &'a [String],
    means: &'a [f64],
    trees: &'a [Tree],
}

/// The body of a forest file (owned, for reading).
#[derive(Deserialize)]
struct ForestFile {
    names: Vec<String>,
    means: Vec<f64>,
    trees: Vec<Tree>,
}

impl ModelFile for FittedForest {
    const FORMAT: &'static str = "threatstat-forest";
    const VERSION: u32 = 1;
    type Error = FeaturesError;
    // smartcore's trees serialise but do not clone: the body goes through
    // a JSON value.
    type File = serde_json::Value;

    fn to_file(&self) -> Result<serde_json::Value, FeaturesError> {
        serde_json::to_value(ForestFileRef {
            names: &self.names,
            means: &self.means,
            trees: &self.trees,
        })
        .map_err(|e| Error::model_file(None::<&str>, format!("serialising the forest: {e}")).into())
    }

    fn from_file(file: serde_json::Value) -> Result<Self, FeaturesError> {
        let f: ForestFile = serde_json::from_value(file)
            .map_err(|e| Error::model_file(None::<&str>, format!("invalid forest file: {e}")))?;
        if f.trees.is_empty() || f.names.len() != f.means.len() {
            return Err(Error::model_file(
                None::<&str>,
                format!(
                    "invalid forest file: expected at least 1 tree and one mean per feature \
                     name ({}), found {} trees and {} means",
                    f.names.len(),
                    f.trees.len(),
                    f.means.len()
                ),
            )
            .into());
        }
        if f.means.iter().any(|m| !m.is_finite()) {
            return Err(Error::model_file(
                None::<&str>,
                "invalid forest file: a training mean is not finite",
            )
            .into());
        }
        Ok(FittedForest {
            trees: f.trees,
            means: f.means,
            names: f.names,
        })
    }
}

impl FittedForest {
    /// The names of the columns the forest was fitted on (a design to score
    /// must have these columns in this order).
    pub fn feature_names(&self) -> &[String] {
        &self.names
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Probability of the positive class: the fraction of trees voting
    /// for it.
    pub fn predict_proba(&self, x: &Design) -> Result<Vec<f64>, FeaturesError> {
        let m = imputed(x, &self.means)?;
        let votes = self
            .trees
            .par_iter()
            .map(|t| {
                t.predict(&m)
                    .map_err(|e| FeaturesError::Model(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let nt = self.trees.len() as f64;
        Ok((0..x.n_rows())
            .map(|i| votes.iter().map(|v| f64::from(v[i])).sum::<f64>() / nt)
            .collect())
    }

    /// Permutation importance of each feature: the mean drop of ROC AUC on
    /// (`x`, `y`) when the feature's column is shuffled, over `repeats`
    /// seeded shuffles.
    pub fn permutation_importance(
        &self,
        x: &Design,
        y: &[bool],
        repeats: usize,
        seed: u64,
    ) -> Result<Vec<f64>, FeaturesError> {
        let base = roc_auc(&self.predict_proba(x)?, y)?;
        let mut rng = threatstat_core::rng::seeded(seed);
        let mut out = Vec::with_capacity(x.n_cols());
        for j in 0..x.n_cols() {
            let mut drop = 0.0;
            for _ in 0..repeats.max(1) {
                let mut perm: Vec<usize> = (0..x.n_rows()).collect();
                perm.shuffle(&mut rng);
                let mut xp = x.clone();
                for (dst, &src) in xp.col_mut(j).iter_mut().zip(&perm) {
                    *dst = x.get(src, j);
                }
                drop += base - roc_auc(&self.predict_proba(&xp)?, y)?;
            }
            out.push(drop / repeats.max(1) as f64);
        }
        Ok(out)
    }
}
