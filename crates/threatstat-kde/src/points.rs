//! [`Points`]: n points of dimension d, row-major.

use crate::KdeError;
use serde::{Deserialize, Serialize};

/// `n` points in `d` dimensions stored row by row (`data[i * d + k]` is
/// coordinate `k` of point `i`). Every coordinate is finite: the
/// constructors reject NaN and ±inf, naming the row and column.
///
/// ```
/// use threatstat_kde::Points;
/// let p = Points::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
/// assert_eq!((p.len(), p.dim()), (2, 2));
/// assert_eq!(p.row(1), &[3.0, 4.0]);
/// assert_eq!(Points::new(2, vec![1.0, 2.0, 3.0, 4.0]).unwrap(), p);
/// assert!(Points::new(1, vec![1.0, f64::NAN]).unwrap_err().to_string().contains("row 2"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PointsRepr")]
pub struct Points {
    d: usize,
    data: Vec<f64>,
}

#[derive(Deserialize)]
struct PointsRepr {
    d: usize,
    data: Vec<f64>,
}

impl TryFrom<PointsRepr> for Points {
    type Error = KdeError;
    fn try_from(r: PointsRepr) -> Result<Self, KdeError> {
        Points::new(r.d, r.data)
    }
}

impl Points {
    /// Points of dimension `d` from row-major `data` (`data.len()` must be a
    /// multiple of `d`; zero points are allowed).
    pub fn new(d: usize, data: Vec<f64>) -> Result<Self, KdeError> {
        if d == 0 {
            return Err(KdeError::Invalid("the dimension must be at least 1".into()));
        }
        if !data.len().is_multiple_of(d) {
            return Err(KdeError::Invalid(format!(
                "{} values do not make rows of {d} coordinates",
                data.len()
            )));
        }
        if let Some(i) = data.iter().position(|x| !x.is_finite()) {
            return Err(KdeError::Invalid(format!(
                "row {}, column {}: expected a finite number, found {}",
                i / d + 1,
                i % d + 1,
                data[i]
            )));
        }
        Ok(Points { d, data })
    }

    /// One-dimensional points.
    pub fn from_1d(data: Vec<f64>) -> Result<Self, KdeError> {
        Points::new(1, data)
    }

    /// Points from rows, which must all have the same, non-zero length.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, KdeError> {
        let Some(first) = rows.first() else {
            return Err(KdeError::Invalid(
                "no rows, so the dimension is unknown; use Points::new(d, vec![])".into(),
            ));
        };
        let d = first.len();
        let mut data = Vec::with_capacity(d * rows.len());
        for (i, r) in rows.iter().enumerate() {
            if r.len() != d {
                return Err(KdeError::Invalid(format!(
                    "row {} has {} coordinates, row 1 has {d}",
                    i + 1,
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Points::new(d, data)
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The number of points n.
    pub fn len(&self) -> usize {
        self.data.len() / self.d
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Point `i` (its d coordinates).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// The points one by one.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f64> {
        self.data.chunks_exact(self.d)
    }

    /// The row-major values.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Coordinate `k` of every point.
    pub fn column(&self, k: usize) -> Vec<f64> {
        self.rows().map(|r| r[k]).collect()
    }

    /// The row-major values, consuming the points.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }
}
