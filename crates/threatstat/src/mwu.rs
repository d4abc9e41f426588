//! `threatstat mwu`: Mann-Whitney U test (SciPy conventions).

use crate::numbers_args::NumberArgs;
use clap::Args;
use std::path::{Path, PathBuf};
use threatstat_core::numbers::Missing;
use threatstat_ranktest::{Alternative, MannWhitney, Method};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const EXAMPLES: &str = "Examples:
  # Are the BMH daily message counts of the first 30 days lower than the rest? (bash)
  threatstat mwu --x <(head -n 30 data/bmh/txtdata.csv) --y <(tail -n +31 data/bmh/txtdata.csv) --alternative less
  # The asymptotic test without continuity correction, the JSON written to a file (bash)
  threatstat mwu --x <(head -n 37 data/bmh/txtdata.csv) --y <(tail -n 37 data/bmh/txtdata.csv) --method asymptotic --no-continuity --out mwu.json";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct MwuArgs {
    /// First sample: one number a line, or one column (--column); raw f64
    /// with --f64le; a `.parquet`/`.arrow` file's column --column (or its
    /// only one).
    #[arg(long)]
    pub x: PathBuf,
    /// Second sample, as the first.
    #[arg(long)]
    pub y: PathBuf,
    #[command(flatten)]
    pub numbers: NumberArgs,
    /// The JSON result: a file, or `-` for standard output (the default).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// two-sided, less or greater.
    #[arg(long, default_value = "two-sided")]
    pub alternative: String,
    /// auto, exact or asymptotic.
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// No continuity correction (asymptotic method).
    #[arg(long)]
    pub no_continuity: bool,
    /// Samples are raw little-endian f64 (gzip allowed).
    #[arg(long, conflicts_with_all = ["column", "no_header"])]
    pub f64le: bool,
    /// No summary or progress bar on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(a: MwuArgs) -> Res {
    let alternative: Alternative = a.alternative.parse()?;
    let method: Method = a.method.parse()?;
    crate::outputs::prepare(&[Some(&a.x), Some(&a.y)], &[Some(&a.out)], &[])?;
    let read = |p: &Path| {
        if a.f64le {
            threatstat_core::numbers::read_f64le(p)
        } else {
            threatstat_table::read_numbers(p, &a.numbers.options(Missing::Reject))
        }
    };
    let x = read(&a.x)?;
    let y = read(&a.y)?;
    let r = MannWhitney::params()
        .alternative(alternative)
        .method(method)
        .continuity(!a.no_continuity)
        .test(&x, &y)?;
    crate::print::write_json(&a.out, &r)?;
    // After the result: a closed pipe (`| head`) stops the command quietly.
    summarise(&a, x.len(), y.len(), &r);
    Ok(())
}

/// The test result and effect sizes, on stderr unless --quiet.
fn summarise(a: &MwuArgs, nx: usize, ny: usize, r: &threatstat_ranktest::MwuResult) {
    use crate::summary::{Summary, Table, num};
    use threatstat_core::pvalue::p_text;
    let s = Summary::new(a.quiet);
    let method = a.method_name(r);
    let corrected = r.continuity && method == "asymptotic";
    s.line(&format!(
        "Mann-Whitney U = {} ({}, {method}{}): {} (n_x = {nx}, n_y = {ny})",
        num(r.u),
        r.alternative,
        if corrected {
            ", continuity corrected"
        } else {
            ""
        },
        p_text(r.p_value, Some(r.ln_p_value))
    ));
    let mut t = Table::new(&["effect", "estimate"]);
    t.row(vec![
        "rank-biserial r (P(X>Y) - P(X<Y))".into(),
        num(r.rank_biserial),
    ]);
    t.row(vec![
        "common-language P(X>Y) + P(X=Y)/2".into(),
        num(r.cles),
    ]);
    t.row(vec![
        "Hodges-Lehmann shift x - y".into(),
        format!(
            "{} [{}, {}]",
            num(r.hodges_lehmann),
            num(r.ci_low),
            num(r.ci_high)
        ),
    ]);
    s.table(&t);
}

impl MwuArgs {
    /// The method that was used, as its JSON names it.
    fn method_name(&self, r: &threatstat_ranktest::MwuResult) -> String {
        serde_json::to_value(r.method)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| self.method.clone())
    }
}
