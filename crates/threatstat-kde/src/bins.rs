//! Mergeable linear bins: the sufficient statistic of the binned (FFT) KDE
//! for data that arrives in partitions.

use crate::KdeError;
use crate::fft::{KernelSupport, convolve_binned_1d, support};
use crate::numeric::np_linspace;
use threatstat_core::model::Merge;

/// Fixed-point unit of a bin share: each point's weight 1 is split between
/// its two grid nodes in multiples of 2^-52.
const UNIT: u64 = 1 << 52;

/// A sample's linear bins on a fixed equidistant grid, in exact fixed-point
/// arithmetic, so partitions binned separately (other files, threads or
/// machines) [merge](Self::merge) into exactly the bins of the whole
/// sample, whatever the partition or order. [`density`](Self::density)
/// then gives the binned Gaussian KDE on the grid, as
/// [`fft_kde_1d_with`](crate::fft_kde_1d_with) with the same grid bounds
/// (KDEpy's `FFTKDE`) does from the values; memory is the grid, not the
/// data.
///
/// Each point at `t = (x − lo)/dx` grid steps gives `1 − frac(t)` to node
/// `⌊t⌋` and `frac(t)` to the next, with `frac(t)` rounded to a multiple of
/// 2^-52 (below the spacing of `f64` values in `[0.5, 1)`); the sums are
/// integers, so the result does not depend on the order of the points. The
/// density differs from `fft_kde_1d_with`'s, which adds the shares in
/// floating point, by rounding only (about 1e-16 relative).
///
/// The grid must contain every point strictly, as in KDEpy: choose its
/// bounds ahead (e.g. from a first pass for the minimum and maximum, which
/// [`min`](Self::min) and [`max`](Self::max) also merge).
///
/// ```
/// use threatstat_kde::{FftOptions, LinearBins, Merge, fft_kde_1d_with};
/// let data: Vec<f64> = (0..1000).map(|i| ((i * 37 % 1000) as f64 / 250.0) - 2.0).collect();
/// let (lo, hi, points, bw) = (-3.0, 3.0, 256, 0.3);
/// // Two partitions binned separately, then merged.
/// let mut a = LinearBins::new(lo, hi, points).unwrap();
/// a.extend(&data[..400]).unwrap();
/// let mut b = LinearBins::new(lo, hi, points).unwrap();
/// b.extend(&data[400..]).unwrap();
/// a.merge(&b).unwrap();
/// let (grid, density) = a.density(bw).unwrap();
/// let opts = FftOptions::default().bounds(vec![(lo, hi)]);
/// let (grid2, want) = fft_kde_1d_with(&data, None, bw, points, &opts).unwrap();
/// assert_eq!(grid, grid2);
/// for (d, w) in density.iter().zip(&want) {
///     assert!((d - w).abs() <= 1e-13 * w.abs().max(1e-3));
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearBins {
    lo: f64,
    hi: f64,
    dx: f64,
    /// Shares per node in units of 2^-52 (one more than the grid points,
    /// as in KDEpy's binning: the last holds nothing for data inside).
    bins: Vec<u128>,
    n: u64,
    min: f64,
    max: f64,
    support: KernelSupport,
}

impl LinearBins {
    /// Empty bins on `points` equidistant nodes from `lo` to `hi`.
    ///
    /// ```
    /// use threatstat_kde::LinearBins;
    /// assert!(LinearBins::new(0.0, 1.0, 512).is_ok());
    /// assert!(LinearBins::new(1.0, 0.0, 512).is_err());
    /// assert!(LinearBins::new(0.0, 1.0, 1).is_err());
    /// ```
    pub fn new(lo: f64, hi: f64, points: usize) -> Result<Self, KdeError> {
        crate::checks::grid(lo, hi, "points", points)?;
        let grid = np_linspace(lo, hi, points);
        let (gmin, gmax) = (grid[0], grid[points - 1]);
        Ok(LinearBins {
            lo: gmin,
            hi: gmax,
            dx: (gmax - gmin) / (points - 1) as f64,
            bins: vec![0; points + 1],
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            support: KernelSupport::default(),
        })
    }

    /// How far the kernel reaches in [`density`](Self::density) (KDEpy's
    /// practical support by default).
    pub fn support(mut self, support: KernelSupport) -> Self {
        self.support = support;
        self
    }

    /// Adds one point; an error (naming the value) if it is not finite or
    /// not strictly inside the grid.
    ///
    /// ```
    /// let mut b = threatstat_kde::LinearBins::new(0.0, 10.0, 11).unwrap();
    /// b.push(2.5).unwrap();
    /// assert_eq!(b.len(), 1);
    /// assert!(b.push(10.0).is_err());
    /// assert!(b.push(f64::NAN).is_err());
    /// ```
    pub fn push(&mut self, x: f64) -> Result<(), KdeError> {
        self.push_point("point", x)
    }

    /// [`push`](Self::push), an error naming the point `what`.
    fn push_point(&mut self, what: &str, x: f64) -> Result<(), KdeError> {
        if !(x.is_finite() && x > self.lo && x < self.hi) {
            return Err(threatstat_core::Error::data(
                what,
                format!(
                    "value {x} is not strictly inside the grid [{}, {}]",
                    self.lo, self.hi
                ),
            )
            .into());
        }
        let t = (x - self.lo) / self.dx;
        // t > 0: truncation is floor (KDEpy's binning).
        let k = t as usize;
        let q = ((t - k as f64) * UNIT as f64).round() as u64;
        self.bins[k] += u128::from(UNIT - q);
        self.bins[k + 1] += u128::from(q);
        self.n += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        Ok(())
    }

    /// Adds every point of `xs` (stops at the first bad one, naming its
    /// 1-based position in `xs`).
    pub fn extend(&mut self, xs: &[f64]) -> Result<(), KdeError> {
        for (i, &x) in xs.iter().enumerate() {
            self.push_point(&format!("point {}", i + 1), x)?;
        }
        Ok(())
    }

    /// Number of points.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no point was added.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Smallest point (`+inf` when empty).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest point (`-inf` when empty).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The grid nodes.
    pub fn grid(&self) -> Vec<f64> {
        np_linspace(self.lo, self.hi, self.bins.len() - 1)
    }

    /// The grid and the Gaussian KDE with bandwidth (kernel standard
    /// deviation) `bw` on it.
    pub fn density(&self, bw: f64) -> Result<(Vec<f64>, Vec<f64>), KdeError> {
        if self.n == 0 {
            return Err(KdeError::Empty("no point was binned".into()));
        }
        crate::checks::kernel_std("bw", bw)?;
        let s = support(bw, self.support)?;
        let points = self.bins.len() - 1;
        let scale = self.n as f64 * UNIT as f64;
        let binned: Vec<f64> = self.bins[..points]
            .iter()
            .map(|&b| b as f64 / scale)
            .collect();
        Ok((self.grid(), convolve_binned_1d(&binned, self.dx, bw, s)))
    }
}

impl Merge for LinearBins {
    type Error = KdeError;

    /// Adds the bins of `other` (another partition of the same sample, on
    /// the same grid).
    ///
    /// ```
    /// use threatstat_kde::{LinearBins, Merge};
    /// let mut a = LinearBins::new(0.0, 1.0, 8).unwrap();
    /// let b = LinearBins::new(0.0, 2.0, 8).unwrap();
    /// assert!(a.merge(&b).is_err());
    /// ```
    fn merge(&mut self, other: &LinearBins) -> Result<(), KdeError> {
        if (self.lo, self.hi, self.bins.len()) != (other.lo, other.hi, other.bins.len()) {
            return Err(threatstat_core::Error::incompatible(
                "bins",
                format!(
                    "bins on [{}, {}] with {} points do not go into bins on [{}, {}] with {} \
                     points",
                    other.lo,
                    other.hi,
                    other.bins.len() - 1,
                    self.lo,
                    self.hi,
                    self.bins.len() - 1
                ),
            )
            .into());
        }
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        Ok(())
    }
}
