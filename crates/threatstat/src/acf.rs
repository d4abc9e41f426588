//! `threatstat acf`: autocorrelation and Ljung-Box of one series.
//!
//! Prints JSON: `acf` at lags 0..=L (statsmodels' `acf(x, nlags=L,
//! adjusted)`) or 1..=L (pandas' `Series.autocorr(k)`), and `ljung_box_q`,
//! `ljung_box_p` at lags 1..=L, always statsmodels'
//! `acorr_ljungbox(x, lags=L)` (global mean, denominators n, whatever the
//! convention of `acf`). NaN is printed as `null`. With NaN in the series,
//! statsmodels' default (`missing="none"`) makes its statistics NaN, while
//! pandas drops the NaN pairs. `pacf` (statsmodels' default `pacf`) is
//! `null` when the lags exceed n/2. `--table FILE` writes the same numbers
//! as a tidy CSV, `lag,acf,pacf,lb_stat,lb_pvalue`, one row per lag
//! ([`threatstat_acf::lag_table`]).

use crate::args;
use crate::numbers_args::NumberArgs;
use clap::Args;
use std::path::PathBuf;
use threatstat_acf::io::read_series_with;
use threatstat_acf::lag_table::{Convention, LagTable};
use threatstat_core::numbers::Missing;
use threatstat_table::Format;

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const EXAMPLES: &str = "Examples:
  # Autocorrelation and Ljung-Box of the BMH daily message counts, 7 lags
  threatstat acf --input data/bmh/txtdata.csv --lags 7
  # pandas' Series.autocorr convention, written to a file
  threatstat acf --input data/bmh/txtdata.csv --lags 7 --convention pandas --out acf.json
  # One row per lag (lag,acf,pacf,lb_stat,lb_pvalue) for pandas.read_csv
  threatstat acf --input data/bmh/txtdata.csv --lags 7 --table acf.csv --out acf.json";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct AcfArgs {
    /// The series: one number a line, or one column (--column); `nan` is a
    /// missing value; a blank line before the last value is an error. A
    /// `.parquet`/`.arrow` file: its column --column (or its only one), null
    /// meaning missing.
    #[arg(long = "input", alias = "series", value_name = "PATH")]
    pub input: PathBuf,
    #[command(flatten)]
    pub numbers: NumberArgs,
    /// The JSON result: a file, or `-` for standard output (the default).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// Also a tidy CSV, one row per lag from 0: `lag,acf,pacf,lb_stat,lb_pvalue`
    /// (lag 0: acf = pacf = 1, no test; NaN and a pacf beyond n/2 empty);
    /// Parquet or Arrow IPC by the extension (`.parquet`, `.arrow`; empty
    /// cells are nulls).
    /// A file, or `-` for standard output (then --out must name a file).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// No summary, notes or reading bar on stderr (errors still print).
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
fn report(
    a: &AcfArgs,
    conv: Convention,
    x: &[f64],
) -> Result<(serde_json::Value, LagTable), String> {
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
    let t = LagTable::compute(x, a.lags, conv, a.adjusted).map_err(|e| e.to_string())?;
    // The JSON keeps its arrays' historical starts: acf at lag 0
    // (statsmodels) or 1 (pandas), Ljung-Box at lag 1.
    let acf = match conv {
        Convention::Statsmodels => &t.acf[..],
        Convention::Pandas => &t.acf[1..],
    };
    let nan = x.iter().filter(|v| v.is_nan()).count();
    let doc = serde_json::json!({
        "series": a.input.display().to_string(),
        "n": n,
        "nan": nan,
        "convention": conv.name(),
        "adjusted": a.adjusted,
        "lags": a.lags,
        "acf": acf,
        "ljung_box_q": &t.lb_stat[1..],
        "ljung_box_p": &t.lb_pvalue[1..],
        "pacf": t.pacf,
    });
    Ok((doc, t))
}

pub fn run(a: AcfArgs) -> Res {
    let conv = convention(&a.convention)?;
    if a.adjusted && conv == Convention::Pandas {
        return Err("--adjusted applies to the statsmodels convention only".into());
    }
    let dash = |p: &PathBuf| p.as_os_str() == "-";
    if a.table.as_ref().is_some_and(dash) && dash(&a.out) {
        return Err("--table - and --out - both write standard output: name a file for one".into());
    }
    crate::outputs::prepare(&[Some(&a.input)], &[Some(&a.out), a.table.as_deref()], &[])?;
    let opts = a.numbers.options(Missing::Nan);
    let x = if Format::of(&a.input).is_columnar() {
        threatstat_table::read_numbers(&a.input, &opts)?
    } else {
        read_series_with(&a.input, &opts)?
    };
    let (doc, table) = report(&a, conv, &x)?;
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
    if let Some(note) = table.pacf_note.as_ref().filter(|_| !a.quiet) {
        eprintln!("note: {note}: the pacf column is empty");
    }
    if let Some(path) = &a.table {
        if Format::of(path).is_columnar() {
            threatstat_table::write(&crate::tables::lag_table(&table)?, path)?;
        } else {
            threatstat_core::atomic::write_atomically(path, |w| {
                std::io::Write::write_all(w, table.to_csv().as_bytes())
            })?;
        }
    }
    crate::print::write_json(&a.out, &doc)?;
    // After the result: a closed pipe (`| head`) stops the command quietly.
    summarise(&a, x.len(), &table);
    Ok(())
}

/// The Ljung-Box result at the last lag and the first lags as a table, on
/// stderr unless --quiet.
fn summarise(a: &AcfArgs, n: usize, t: &LagTable) {
    use crate::summary::{Summary, Table, num};
    use threatstat_core::pvalue::p_text;
    let s = Summary::new(a.quiet);
    let last = t.lag.len() - 1;
    s.line(&format!(
        "{}: n = {n}; Ljung-Box Q({}) = {}, {}",
        a.input.display(),
        t.lag[last],
        num(t.lb_stat[last]),
        p_text(t.lb_pvalue[last], Some(t.lb_pvalue[last].ln()))
    ));
    let mut table = Table::new(&["lag", "acf", "pacf", "lb_stat", "lb_pvalue"]);
    let shown = t.lag.len().min(11);
    let top = (1..shown).max_by(|&i, &j| t.acf[i].abs().total_cmp(&t.acf[j].abs()));
    for i in 1..shown {
        let opt = |v: f64| if v.is_nan() { String::new() } else { num(v) };
        table.row(vec![
            t.lag[i].to_string(),
            opt(t.acf[i]),
            t.pacf.as_ref().map_or_else(String::new, |p| opt(p[i])),
            opt(t.lb_stat[i]),
            opt(t.lb_pvalue[i]),
        ]);
        if Some(i) == top {
            table.note_last("<- largest |acf|");
        }
    }
    s.table(&table);
    if t.lag.len() > shown {
        s.line(&format!(
            "({} more lags in the JSON{})",
            t.lag.len() - shown,
            if a.table.is_some() {
                " and the table"
            } else {
                ""
            }
        ));
    }
}
