//! Parquet and Arrow IPC for the table commands: the declared column types
//! of each table (README, "Columnar formats"), and `--columnar` for the
//! commands that write a directory.
//!
//! A command whose table is one file (`changepoint logons --out`, `acf
//! --table`, `kde --table`) picks the format from the extension. A command that writes a
//! directory keeps its CSVs and, with `--columnar parquet|arrow`, writes the
//! same tables beside them (`users.parquet` beside `users.csv`), listed in
//! the run's `manifest.json`.
//!
//! Hook for a further table written by a CSV writer `f(path)`: declare its
//! schema here and call `threatstat_table::write_csv_as(out, &schema, f)`.

use clap::{Args, ValueEnum};
use std::path::Path;
use threatstat_core::Error;
use threatstat_table::{Kind, Schema};

/// The columnar format of `--columnar`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Columnar {
    /// Apache Parquet (`.parquet`, Snappy).
    Parquet,
    /// Arrow IPC file / Feather v2 (`.arrow`).
    Arrow,
}

/// `--columnar`, flattened into a directory command's arguments.
#[derive(Args, Debug, Clone, Default)]
pub struct ColumnarArgs {
    /// Also write each table in this columnar format beside its CSV
    /// (users.parquet beside users.csv), typed as README's "Columnar
    /// formats" lists.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub columnar: Option<Columnar>,
}

impl ColumnarArgs {
    /// Converts `dir/name.csv` to `dir/name.parquet` (or `.arrow`) when
    /// asked, typed by `schema`.
    pub fn convert(&self, dir: &Path, name: &str, schema: &Schema) -> Result<(), Error> {
        let Some(f) = self.columnar else {
            return Ok(());
        };
        let ext = match f {
            Columnar::Parquet => "parquet",
            Columnar::Arrow => "arrow",
        };
        let csv = dir.join(format!("{name}.csv"));
        threatstat_table::convert_csv_file(&csv, schema, &dir.join(format!("{name}.{ext}")))
    }

    /// Runs `f` (which writes the directory `dir`, its own manifest
    /// included) and then the conversions `after`, inside one more
    /// manifest run, so that `manifest.json` lists the columnar files too.
    /// Without `--columnar`, just `f`.
    pub fn around<T, E>(
        &self,
        dir: &Path,
        f: impl FnOnce() -> Result<T, E>,
        after: impl FnOnce(&Self) -> Result<(), Error>,
    ) -> Result<T, Box<dyn std::error::Error + Send + Sync>>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if self.columnar.is_none() {
            return f().map_err(Into::into);
        }
        let run = threatstat_core::manifest::Run::begin(dir)?;
        let out = f().map_err(Into::into)?;
        after(self)?;
        run.finish()?;
        Ok(out)
    }
}

/// `changepoint logons` users table (every model's columns; a run writes
/// the ones of its model).
pub fn changepoint_users() -> Schema {
    Schema::new(&[
        ("user", Kind::Utf8),
        ("first_day", Kind::Date),
        ("last_day", Kind::Date),
        ("n_days", Kind::I64),
        ("map_tau", Kind::I64),
        ("map_tau_date", Kind::Date),
        ("p_map", Kind::F64),
        ("lambda_1_mean", Kind::F64),
        ("lambda_2_mean", Kind::F64),
        ("log_bayes_factor", Kind::F64),
        ("rhat", Kind::F64),
        ("ess_bulk", Kind::F64),
        ("ess_tail", Kind::F64),
        ("mcmc_map_tau_date", Kind::Date),
        ("start_date", Kind::Date),
        ("end_date", Kind::Date),
        ("n_changes_map", Kind::I64),
        ("n_changes_mean", Kind::F64),
        ("change_dates", Kind::ListUtf8),
        ("p_first_change", Kind::F64),
        ("change_count_posterior", Kind::ListF64),
        ("change_count_tail_mass", Kind::F64),
        ("note", Kind::Utf8),
    ])
}

/// `lanl uploads` users.csv.
pub fn lanl_users() -> Schema {
    Schema::new(&[
        ("user", Kind::Utf8),
        ("compromised", Kind::Bool),
        ("intervals", Kind::I64),
        ("median_upload", Kind::F64),
        ("p95_upload", Kind::F64),
        ("loo_density", Kind::F64),
        ("flagged", Kind::Bool),
    ])
}

/// `cloudtrail automation` pairs.csv.
pub fn cloudtrail_pairs() -> Schema {
    Schema::new(&[
        ("principal", Kind::Utf8),
        ("api", Kind::Utf8),
        ("flagged", Kind::Bool),
        ("score", Kind::F64),
        ("max_abs_acf", Kind::F64),
        ("best_lag", Kind::I64),
        ("ljung_box_q", Kind::F64),
        ("ljung_box_p", Kind::F64),
        ("q_value", Kind::F64),
        ("dominant_period", Kind::F64),
        ("n_days", Kind::I64),
        ("total", Kind::F64),
        ("n_buckets", Kind::I64),
        ("figure", Kind::Utf8),
        ("p_value", Kind::F64),
        ("p_low", Kind::F64),
        ("permutations", Kind::I64),
    ])
}

/// `features run` feature_matrix.csv: session_id, time, one column per DFS
/// feature (numeric: double, categorical: string, as `features.csv` in
/// `dir` lists them), label.
pub fn feature_matrix(dir: &Path) -> Result<Schema, Error> {
    let list = dir.join("features.csv");
    let mut s = Schema::new(&[
        ("session_id", Kind::Utf8),
        ("time", Kind::I64),
        ("label", Kind::Bool),
    ]);
    let mut r =
        csv::Reader::from_path(&list).map_err(|e| Error::io(&list, std::io::Error::other(e)))?;
    for row in r.records() {
        let row = row.map_err(|e| Error::io(&list, std::io::Error::other(e)))?;
        let kind = match row.get(1) {
            Some("categorical") => Kind::Utf8,
            _ => Kind::F64,
        };
        s.push(row.get(0).unwrap_or_default(), kind);
    }
    Ok(s)
}

/// `features run` cutoffs.csv.
pub fn feature_cutoffs() -> Schema {
    Schema::new(&[
        ("session_id", Kind::Utf8),
        ("time", Kind::I64),
        ("label", Kind::Bool),
    ])
}

/// `features run` predictions.csv: the out-of-fold scores (fold is a
/// number, or `holdout` without folds, so a string).
pub fn feature_predictions() -> Schema {
    Schema::new(&[
        ("session_id", Kind::Utf8),
        ("user", Kind::Utf8),
        ("cutoff_time", Kind::I64),
        ("label", Kind::Bool),
        ("score", Kind::F64),
        ("fold", Kind::Utf8),
    ])
}

/// `features run` test_scores.csv: the test sessions scored by the fitted
/// model.
pub fn feature_test_scores() -> Schema {
    Schema::new(&[
        ("session_id", Kind::Utf8),
        ("time", Kind::I64),
        ("label", Kind::Bool),
        ("score", Kind::F64),
        ("flagged", Kind::Bool),
    ])
}

/// `acf --table`: lag (int64), acf, pacf, lb_stat, lb_pvalue (double; NaN
/// and a pacf beyond n/2 are nulls, as the CSV's empty cells).
pub fn lag_table(
    t: &threatstat_acf::lag_table::LagTable,
) -> Result<threatstat_table::Table, Error> {
    use threatstat_table::{Column, Table};
    let col = |v: &[f64]| Column::F64(v.iter().map(|x| (!x.is_nan()).then_some(*x)).collect());
    let mut out = Table::new();
    out.push("lag", Column::i64s(t.lag.iter().map(|&l| l as i64)))?;
    out.push("acf", col(&t.acf))?;
    out.push(
        "pacf",
        match &t.pacf {
            Some(p) => col(p),
            None => Column::F64(vec![None; t.lag.len()]),
        },
    )?;
    out.push("lb_stat", col(&t.lb_stat))?;
    out.push("lb_pvalue", col(&t.lb_pvalue))?;
    Ok(out)
}

/// `kde --table`: the coordinates (`x`; `x`, `y`; `x1..xd`) and `density`,
/// all double, one row per evaluation point.
pub fn kde_density(
    at: ndarray::ArrayView2<'_, f64>,
    density: &[f64],
) -> Result<threatstat_table::Table, Error> {
    use threatstat_table::{Column, Table};
    let mut out = Table::new();
    for (name, c) in crate::kde::coordinate_names(at.ncols())
        .iter()
        .zip(at.columns())
    {
        out.push(name, Column::f64s(c.iter().copied()))?;
    }
    out.push("density", Column::f64s(density.iter().copied()))?;
    Ok(out)
}
