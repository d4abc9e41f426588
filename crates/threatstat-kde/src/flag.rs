//! Low-density flagging: "which events are unusual for this population?".

use crate::numeric::np_quantile_sorted;
use serde::{Deserialize, Serialize};

/// How the density threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Threshold {
    /// This density value.
    Value(f64),
    /// The `q`-quantile of the densities themselves (`np.quantile(densities,
    /// q)`, linear interpolation), so that about a fraction `q` of the points
    /// fall below it. `q` must lie in `[0, 1]`.
    Contamination(f64),
}

/// Result of [`flag_low_density`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flags {
    /// `flags[i]` is true when `densities[i] < threshold` (strictly).
    pub flags: Vec<bool>,
    /// The threshold used.
    pub threshold: f64,
}

impl Flags {
    /// Number of flagged points.
    pub fn count(&self) -> usize {
        self.flags.iter().filter(|&&f| f).count()
    }

    /// Indices of the flagged points.
    pub fn indices(&self) -> Vec<usize> {
        (0..self.flags.len()).filter(|&i| self.flags[i]).collect()
    }
}

/// Flags the points whose density is strictly below the threshold.
///
/// With [`Threshold::Contamination`]`(q)` the threshold is NumPy's
/// `np.quantile(densities, q)`; ties at the threshold are not flagged, so at
/// most about `q·(n−1)` points are. Use leave-one-out densities
/// ([`GaussianKde::loo_density`](crate::GaussianKde::loo_density)) to score
/// the data a KDE was fitted on: in-sample densities include each point's own
/// kernel, which hides isolated points.
///
/// # Panics
///
/// If a contamination is outside `[0, 1]` or NaN, or a density is NaN.
///
/// ```
/// use threatstat_kde::{flag_low_density, Threshold};
/// // sorted: 0.002, 0.01, 0.2, 0.25, 0.3; the 0.3-quantile is 0.01 + 0.2·(0.2 − 0.01)
/// let f = flag_low_density(&[0.3, 0.01, 0.25, 0.2, 0.002], Threshold::Contamination(0.3));
/// assert_eq!(f.flags, vec![false, true, false, false, true]);
/// assert!((f.threshold - 0.048).abs() < 1e-15);
/// let f = flag_low_density(&[0.3, 0.01], Threshold::Value(0.05));
/// assert_eq!((f.count(), f.threshold), (1, 0.05));
/// ```
pub fn flag_low_density(densities: &[f64], threshold: Threshold) -> Flags {
    assert!(
        densities.iter().all(|d| !d.is_nan()),
        "flag_low_density: a density is NaN"
    );
    let t = match threshold {
        Threshold::Value(v) => v,
        Threshold::Contamination(q) => {
            assert!(
                (0.0..=1.0).contains(&q),
                "flag_low_density: the contamination must lie in [0, 1], found {q}"
            );
            let mut s = densities.to_vec();
            s.sort_unstable_by(f64::total_cmp);
            np_quantile_sorted(&s, q)
        }
    };
    Flags {
        flags: densities.iter().map(|&d| d < t).collect(),
        threshold: t,
    }
}
