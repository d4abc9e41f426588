//! One tidy table per series: `lag, acf, pacf, lb_stat, lb_pvalue`, one row
//! per lag from 0, the shape a DataFrame reader wants.
//!
//! The three statistics come from different functions with different index
//! conventions (statsmodels' `acf` starts at lag 0, pandas' `autocorr` at
//! lag 1, `acorr_ljungbox` at lag 1 and `pacf` at lag 0 again). Reading them
//! from separate JSON arrays, a user must know which array starts where;
//! one row per lag removes the question. Lag 0 has `acf = pacf = 1` and no
//! Ljung–Box test (NaN, written as an empty CSV field that pandas reads as
//! NaN).
//!
//! `pacf` is statsmodels' default `pacf(x, nlags)` (Yule–Walker, adjusted),
//! which statsmodels allows only up to `nlags = n/2`: beyond that the
//! column is `None` here and empty in the CSV, and [`LagTable::pacf_note`]
//! says why.
//!
//! ```
//! use threatstat_acf::lag_table::{Convention, LagTable};
//! let x: Vec<f64> = (0..60).map(|d| if d % 7 < 5 { 20.0 + (d % 3) as f64 } else { 2.0 }).collect();
//! let t = LagTable::compute(&x, 7, Convention::Statsmodels, false).unwrap();
//! assert_eq!(t.lag, (0..=7).collect::<Vec<_>>());
//! assert_eq!((t.acf[0], t.pacf.as_ref().unwrap()[0]), (1.0, 1.0));
//! assert!(t.lb_stat[0].is_nan() && t.lb_pvalue[7] < 1e-10);
//! let csv = t.to_csv();
//! assert!(csv.starts_with("lag,acf,pacf,lb_stat,lb_pvalue\n0,1,1,,\n1,"));
//! ```

use crate::autocorr::{autocorr, autocorrs};
use crate::{Acf, AcfError, Pacf, ljung_box};
use std::fmt::Write;

/// Which definition of "the autocorrelation at lag k" fills the `acf`
/// column (the crate docs compare them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// statsmodels' `acf(x, nlags, adjusted)`: global mean, denominators n
    /// (or n − k).
    Statsmodels,
    /// pandas' `Series.autocorr(k)`: the Pearson correlation of the two
    /// overlapping parts, NaN pairs dropped.
    Pandas,
}

impl Convention {
    /// The name used on the command line and in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Convention::Statsmodels => "statsmodels",
            Convention::Pandas => "pandas",
        }
    }
}

/// The per-lag statistics of one series, lags `0..=lags`.
#[derive(Debug, Clone, PartialEq)]
pub struct LagTable {
    /// The lags, `0..=lags`.
    pub lag: Vec<usize>,
    /// Autocorrelation under the chosen [`Convention`].
    pub acf: Vec<f64>,
    /// statsmodels' default `pacf`, or `None` when `lags > n/2`.
    pub pacf: Option<Vec<f64>>,
    /// Ljung–Box Q at each lag (NaN at lag 0): `acorr_ljungbox`'s `lb_stat`.
    pub lb_stat: Vec<f64>,
    /// Its χ² p-value (NaN at lag 0): `acorr_ljungbox`'s `lb_pvalue`.
    pub lb_pvalue: Vec<f64>,
    /// Why `pacf` is `None`, if it is.
    pub pacf_note: Option<String>,
}

impl LagTable {
    /// The table of `x` up to `lags` (at least 1, below the series length).
    /// `adjusted` (statsmodels only) divides by n − k.
    pub fn compute(
        x: &[f64],
        lags: usize,
        convention: Convention,
        adjusted: bool,
    ) -> Result<LagTable, AcfError> {
        let lb = ljung_box(x, lags)?;
        let acf = match convention {
            Convention::Statsmodels => Acf::params()
                .nlags(lags)
                .adjusted(adjusted)
                .fit(x)?
                .acf()
                .to_vec(),
            Convention::Pandas => {
                let mut v = Vec::with_capacity(lags + 1);
                v.push(autocorr(x, 0));
                v.extend(autocorrs(x, lags));
                v
            }
        };
        let n = x.len();
        let (pacf, pacf_note) = if lags <= n / 2 {
            (Some(Pacf::params().nlags(lags).fit(x)?), None)
        } else {
            let note = format!(
                "pacf needs lags <= n/2 = {} (statsmodels' limit); the series has n = {n}",
                n / 2
            );
            (None, Some(note))
        };
        let with_lag0 = |v: &[f64]| std::iter::once(f64::NAN).chain(v.iter().copied()).collect();
        Ok(LagTable {
            lag: (0..=lags).collect(),
            acf,
            pacf,
            lb_stat: with_lag0(&lb.lb_stat),
            lb_pvalue: with_lag0(&lb.lb_pvalue),
            pacf_note,
        })
    }

    /// The CSV text: header `lag,acf,pacf,lb_stat,lb_pvalue`, one row per
    /// lag, numbers in Rust's shortest round-trip form, NaN and a missing
    /// `pacf` as empty fields.
    pub fn to_csv(&self) -> String {
        let field = |v: f64| {
            if v.is_nan() {
                String::new()
            } else {
                v.to_string()
            }
        };
        let mut s = String::from("lag,acf,pacf,lb_stat,lb_pvalue\n");
        for (i, lag) in self.lag.iter().enumerate() {
            let pacf = self.pacf.as_ref().map_or(f64::NAN, |p| p[i]);
            let _ = writeln!(
                s,
                "{lag},{},{},{},{}",
                field(self.acf[i]),
                field(pacf),
                field(self.lb_stat[i]),
                field(self.lb_pvalue[i])
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly() -> Vec<f64> {
        (0..40)
            .map(|d| ((d * 7919) % 13) as f64 + if d % 7 < 5 { 10.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn columns_line_up_with_the_functions_they_name() {
        let x = weekly();
        let t = LagTable::compute(&x, 5, Convention::Statsmodels, false).unwrap();
        let lb = ljung_box(&x, 5).unwrap();
        let acf = Acf::params().nlags(5).fit(&x).unwrap();
        let pacf = Pacf::params().nlags(5).fit(&x).unwrap();
        assert_eq!(t.acf, acf.acf());
        assert_eq!(t.pacf.as_deref(), Some(&pacf[..]));
        assert_eq!(&t.lb_stat[1..], &lb.lb_stat[..]);
        assert_eq!(&t.lb_pvalue[1..], &lb.lb_pvalue[..]);
        let p = LagTable::compute(&x, 5, Convention::Pandas, false).unwrap();
        assert_eq!(&p.acf[1..], &autocorrs(&x, 5)[..]);
        assert!((p.acf[0] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn pacf_beyond_half_the_series_is_left_empty_with_a_reason() {
        let x = weekly();
        let t = LagTable::compute(&x, 25, Convention::Statsmodels, false).unwrap();
        assert!(t.pacf.is_none() && t.pacf_note.as_deref().unwrap().contains("n/2 = 20"));
        let csv = t.to_csv();
        assert_eq!(csv.lines().count(), 27);
        assert!(csv.lines().nth(3).unwrap().split(',').nth(2) == Some(""));
    }

    #[test]
    fn too_many_lags_is_the_ljung_box_parameter_error() {
        assert!(LagTable::compute(&[1.0, 2.0, 3.0], 3, Convention::Pandas, false).is_err());
    }
}
