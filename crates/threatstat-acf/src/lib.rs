//! Autocorrelation (pandas and statsmodels conventions), partial
//! autocorrelation, Ljung–Box, periodograms and automated-role detection.
//!
//! Two conventions of "the autocorrelation at lag k" are in use and they
//! differ visibly on short series:
//!
//! * pandas' `Series.autocorr(k)` ([`autocorr::autocorr`]): the Pearson
//!   correlation of `x[k:]` and `x[:-k]`, each part with its own mean;
//!   NaN pairs dropped. The CloudTrail automation notebook uses it.
//! * statsmodels' `acf` ([`Acf`]): autocovariances with the global mean,
//!   divided by n (or `n − k`, `adjusted`), over the lag-0 autocovariance;
//!   NaN handled by the `missing` option ([`Missing`]). Direct sums or FFT.
//!
//! On top of them: partial autocorrelations ([`Pacf`], Yule–Walker and
//! Durbin–Levinson as statsmodels' `pacf`), the Ljung–Box and Box–Pierce
//! tests ([`ljung_box()`], statsmodels' `acorr_ljungbox`), all of them
//! per lag in one tidy table ([`lag_table`]), SciPy's
//! periodogram and the dominant period ([`periodogram`]),
//! Benjamini–Hochberg q-values ([`fdr`]), permutation p-values of the
//! Ljung–Box Q that are valid on sparse counts, with BH decisions over many
//! series ([`permutation`]), the detection of automated (principal, API)
//! pairs over many series ([`automation`]) and seeded simulations of such
//! pairs with a known truth ([`simulate`]).
//!
//! Parity: every function follows the Python function it names, including
//! NumPy's pairwise summation where a mean decides a degenerate case; the
//! tests compare against values computed by pandas 3.1.1, statsmodels 0.15.0
//! and SciPy 1.17.1 (`tools/reference/acf_reference.py`).
//!
//! ```
//! use threatstat_acf::{Acf, autocorr::autocorrs, ljung_box};
//! let x: Vec<f64> = (0..60).map(|d| if d % 7 < 5 { 20.0 + (d % 3) as f64 } else { 2.0 }).collect();
//! let sm = Acf::params().nlags(7).fit(&x).unwrap();   // statsmodels acf(x, nlags=7)
//! let pd = autocorrs(&x, 7);                           // [pd.Series(x).autocorr(k) for k in 1..=7]
//! assert!(sm.acf()[7] > 0.5 && pd[6] > 0.9);           // the weekly rhythm
//! let lb = ljung_box(&x, 7).unwrap();                  // acorr_ljungbox(x, lags=7)
//! assert!(lb.lb_pvalue[6] < 1e-10);
//! ```

pub mod acf;
pub mod autocorr;
pub mod automation;
pub mod fdr;
mod fft;
pub mod io;
pub mod lag_table;
pub mod ljung_box;
mod numeric;
pub mod pacf;
pub mod periodogram;
pub mod permutation;
mod rng;
pub mod simulate;

pub use acf::{Acf, AcfMethod, AcfParams, Autocorrelation, Missing};
pub use ljung_box::{LjungBox, QStat, chi2_ln_sf, chi2_sf, ljung_box, q_stat};
pub use pacf::{Pacf, PacfMethod, PacfParams};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum AcfError {
    /// Reading or parsing input failed (the message names file and line),
    /// a parameter is out of range ([`Error::Param`](threatstat_core::Error::Param):
    /// `nlags`, `lags`, `missing`, `method`, `rule`) or the series cannot
    /// be used (`Shape`: empty; `Data`: all NaN): match on the core variant.
    #[error(transparent)]
    Core(#[from] threatstat_core::Error),
    /// The series has missing values and `missing = "raise"`.
    #[error("the series has {count} missing values (NaN) among {len} and missing = \"raise\"")]
    MissingData {
        /// Number of NaN values.
        count: usize,
        /// Length of the series.
        len: usize,
    },
}
