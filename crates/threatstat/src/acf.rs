//! `threatstat acf`: autocorrelation and Ljung-Box of one series.
//!
//! Prints JSON: `acf` at lags 0..=L (statsmodels' `acf(x, nlags=L,
//! adjusted)`) or 1..=L (pandas' `Series.autocorr(k)`), and `ljung_box_q`,
//! `ljung_box_p` at lags 1..=L, always statsmodels'
//! `acorr_ljungbox(x, lags=L)` (global mean, denominators n, whatever the
//! convention of `acf`). NaN is printed as `null`. With NaN in the series,
//! statsmodels' default (`missing="none"`) makes its statistics NaN, while
//! pandas drops the NaN pairs.

use crate::args;
use crate::numbers_args::NumberArgs;
use clap::Args;
use std::path::PathBuf;
use threatstat_acf::autocorr::autocorrs;
use threatstat_acf::io::read_series_with;
use threatstat_acf::{Acf, ljung_box};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const EXAMPLES: &str = "Examples:
  # Autocorrelation and Ljung-Box of the BMH daily message counts, 7 lags
  threatstat acf --input data/bmh/txtdata.csv --lags 7
  # pandas' Series.autocorr convention, written to a file
  threatstat acf --input data/bmh/txtdata.csv --lags 7 --convention pandas --out acf.json";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct AcfArgs {
    /// The series: one number a line, or one column (--column); `nan` is a
    /// missing value; a blank line before the last value is an error.
    #[arg(long = "input", alias = "series", value_name = "PATH")]
    pub input: PathBuf,
    #[command(flatten)]
    pub numbers: NumberArgs,
    /// The JSON result: a file, or `-` for standard output (the default).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// No notes or reading bar on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
    /// Number of lags.
    #[arg(long, default_value_t = 30, value_parser = args::int::<usize>(1, 1_000_000))]
    pub lags: usize,
    /// pandas (Series.autocorr) or statsmodels (acf).
    #[arg(long, default_value = "statsmodels")]
    pub convention: String,
    /// statsmodels' adjusted denominator (n - k).
    #[arg(long)]
    pub adjusted: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Convention {
    Pandas,
    Statsmodels,
}

fn convention(s: &str) -> Result<Convention, String> {
    match s {
        "pandas" => Ok(Convention::Pandas),
        "statsmodels" => Ok(Convention::Statsmodels),
        other => Err(format!(
            "--convention must be pandas or statsmodels, found `{other}`"
        )),
    }
}

/// The output document (NaN serialises as `null`).
fn report(a: &AcfArgs, conv: Convention, x: &[f64]) -> Result<serde_json::Value, String> {
    let n = x.len();
    if a.lags == 0 {
        return Err("--lags must be at least 1".into());
    }
    if n <= a.lags {
        return Err(format!(
            "{}: --lags {} needs at least {} values, the series has {n}",
            a.input.display(),
            a.lags,
            a.lags.saturating_add(1)
        ));
    }
    let acf: Vec<f64> = match conv {
        Convention::Statsmodels => Acf::params()
            .nlags(a.lags)
            .adjusted(a.adjusted)
            .fit(x)
            .map_err(|e| e.to_string())?
            .acf()
            .to_vec(),
        Convention::Pandas => autocorrs(x, a.lags),
    };
    let lb = ljung_box(x, a.lags).map_err(|e| e.to_string())?;
    let nan = x.iter().filter(|v| v.is_nan()).count();
    Ok(serde_json::json!({
        "series": a.input.display().to_string(),
        "n": n,
        "nan": nan,
        "convention": if conv == Convention::Pandas { "pandas" } else { "statsmodels" },
        "adjusted": a.adjusted,
        "lags": a.lags,
        "acf": acf,
        "ljung_box_q": lb.lb_stat,
        "ljung_box_p": lb.lb_pvalue,
    }))
}

pub fn run(a: AcfArgs) -> Res {
    let conv = convention(&a.convention)?;
    if a.adjusted && conv == Convention::Pandas {
        return Err("--adjusted applies to the statsmodels convention only".into());
    }
    crate::outputs::prepare(&[Some(&a.input)], &[Some(&a.out)], &[])?;
    let x = read_series_with(&a.input, &a.numbers.options(Default::default()))?;
    let doc = report(&a, conv, &x)?;
    let nan = x.iter().filter(|v| v.is_nan()).count();
    if nan > 0 && !a.quiet {
        eprintln!(
            "note: {} has {nan} NaN values; statsmodels' acf and Ljung-Box propagate them \
             (missing=\"none\": null){}",
            a.input.display(),
            if conv == Convention::Pandas {
                "; pandas' autocorr drops the NaN pairs"
            } else {
                "; --convention pandas drops NaN pairs"
            }
        );
    }
    crate::print::write_json(&a.out, &doc)
}
