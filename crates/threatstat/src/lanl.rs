//! `threatstat lanl ...`: the LANL upload-bytes analysis.

use crate::args;
use crate::summary::{Summary, Table, num};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use threatstat_core::BadRowPolicy;
use threatstat_core::pvalue::p_text;
use threatstat_datasets::lanl::LanlGenerator;
use threatstat_workflow::uploads::{UploadInputs, UploadParams, UploadSummary, run as run_uploads};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Subcommand)]
pub enum LanlCmd {
    /// Upload bytes of compromised vs all users: Mann-Whitney U and KDE flags.
    #[command(after_help = UPLOADS_EXAMPLES)]
    Uploads(UploadsArgs),
    /// Write LANL-format auth.txt, flows.txt, redteam.txt (the real red team) and truth.json.
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
}

const UPLOADS_EXAMPLES: &str = "Examples:
  threatstat lanl generate --users 200 --days 10 --out /tmp/lanl
  threatstat lanl uploads --auth /tmp/lanl/auth.txt --flows /tmp/lanl/flows.txt --redteam data/lanl/redteam.txt --out /tmp/lanl-uploads
  threatstat lanl uploads --auth /tmp/lanl/auth.txt --flows /tmp/lanl/flows.txt --redteam /tmp/lanl/redteam.txt --level 0.05 --quiet --out /tmp/lanl-uploads";

const GENERATE_EXAMPLES: &str = "Examples:
  threatstat lanl generate --users 200 --days 10 --out /tmp/lanl
  threatstat lanl generate --users 200 --days 10 --effect 5 --seed 7 --gzip --out /tmp/lanl-gz";

#[derive(Args)]
pub struct UploadsArgs {
    /// auth.txt (gzip allowed).
    #[arg(long)]
    auth: PathBuf,
    /// flows.txt (gzip allowed).
    #[arg(long)]
    flows: PathBuf,
    /// redteam.txt.
    #[arg(long)]
    redteam: PathBuf,
    /// Output directory (summary.json, users.csv, figures).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    columnar: crate::tables::ColumnarArgs,
    /// Interval of the upload sums, in seconds.
    #[arg(long, default_value_t = 86_400, value_parser = args::int::<u64>(1, 31_622_400))]
    interval_s: u64,
    /// Significance level of the Mann-Whitney U test, in (0, 1).
    #[arg(long = "level", alias = "alpha", default_value_t = 0.01, value_parser = args::open_unit())]
    alpha: f64,
    /// Share of users flagged by the KDE.
    #[arg(long, default_value_t = 0.05, value_parser = args::open_unit())]
    contamination: f64,
    /// Skip bad rows (counted) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// No progress bars (they are shown only on a terminal anyway).
    #[arg(long)]
    quiet: bool,
    /// Compute the upload sums with threatstat-engine instead of the
    /// native loaders: `local` (DataFusion on this machine), `loopback:N` (a
    /// Ballista scheduler and N executors started in this process), or a
    /// Ballista scheduler `df://HOST:PORT` whose executors all see the input
    /// paths. Inputs may be CSV (gzip on DataFusion only) or Parquet files
    /// or directories. The statistics run here either way; the results
    /// equal the native ones.
    #[cfg(feature = "engine")]
    #[arg(long, value_name = "local|loopback:N|df://HOST:PORT")]
    engine: Option<String>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Users besides the red-team users.
    #[arg(long, default_value_t = 2000, value_parser = args::int::<usize>(1, 1_000_000))]
    users: usize,
    /// Days (1 to 3650: each day is some megabytes of auth.txt).
    #[arg(long, default_value_t = 58, value_parser = args::int::<u32>(1, 3650))]
    days: u32,
    /// Factor on compromised users' median upload after their first red-team event.
    #[arg(long, default_value_t = 3.0, value_parser = args::positive())]
    effect: f64,
    /// Seed.
    #[arg(long, default_value_t = threatstat_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Write auth.txt.gz and flows.txt.gz (gzip, fastest level) instead of plain text.
    #[arg(long)]
    gzip: bool,
    /// No summary line on stderr (errors still print).
    #[arg(long)]
    quiet: bool,
}

impl UploadsArgs {
    fn inputs(&self) -> UploadInputs {
        UploadInputs {
            auth: self.auth.clone(),
            flows: self.flows.clone(),
            redteam: self.redteam.clone(),
        }
    }
}

/// `lanl uploads --engine SPEC`: the upload sums from threatstat-engine's
/// plan, then the same statistics as the native path.
#[cfg(feature = "engine")]
fn uploads_on_engine(
    spec: &str,
    a: &UploadsArgs,
    p: &threatstat_workflow::uploads::UploadParams,
) -> Result<threatstat_workflow::uploads::UploadSummary, Box<dyn std::error::Error + Send + Sync>> {
    use threatstat_datasets::lanl::OwnerRule;
    use threatstat_engine::{Engine, Source};
    use threatstat_workflow::uploads::{UploadSums, analyse};
    p.check()?;
    if a.skip_bad_rows {
        return Err(
            "--skip-bad-rows works with the native loaders only: the engine stops at \
                    the first bad row (drop --engine, or clean the input)"
                .into(),
        );
    }
    let engine = match spec {
        "local" => Engine::local()?,
        s if s.starts_with("loopback:") => {
            let n: usize = s["loopback:".len()..]
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    format!("--engine {s}: expected loopback:N with N >= 1 executors")
                })?;
            Engine::loopback(n, 1)?
        }
        s if s.starts_with("df://") => Engine::remote(s)?,
        s => {
            return Err(
                format!("--engine {s}: expected local, loopback:N or df://HOST:PORT").into(),
            );
        }
    };
    if !a.quiet {
        eprintln!(
            "computing the upload sums on {} ({spec})...",
            engine.backend_name()
        );
    }
    let t = std::time::Instant::now();
    let up = engine.lanl_uploads(
        &Source::from_path(&a.auth),
        &Source::from_path(&a.flows),
        &OwnerRule::default(),
        a.interval_s,
    )?;
    if !a.quiet {
        eprintln!(
            "{} upload rows of {} users in {:.1} s",
            up.rows.len(),
            up.owners.users().len(),
            t.elapsed().as_secs_f64()
        );
    }
    let sums = UploadSums {
        owners: up.owners.users().len(),
        users: up.owners.users(),
        rows: &up.rows,
        skipped: None,
    };
    analyse(&sums, &a.redteam, &a.out, p)
}

pub fn run(c: LanlCmd) -> Res {
    match c {
        LanlCmd::Uploads(a) => {
            let p = UploadParams {
                interval_s: a.interval_s,
                alpha: a.alpha,
                contamination: a.contamination,
                bad_rows: if a.skip_bad_rows {
                    BadRowPolicy::Skip
                } else {
                    BadRowPolicy::Error
                },
                figures: true,
                progress: !a.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            // No output may be one of the inputs; manifest.json, written
            // last, lists this run's files.
            let names = ["summary.json", "users.csv"].map(|n| a.out.join(n));
            threatstat_core::output::ensure_distinct(
                &[a.auth.as_path(), a.flows.as_path(), a.redteam.as_path()],
                &names.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
            )?;
            let run = threatstat_core::manifest::Run::begin(&a.out)?;
            #[cfg(feature = "engine")]
            let s = match &a.engine {
                Some(spec) => uploads_on_engine(spec, &a, &p)?,
                None => run_uploads(&a.inputs(), &a.out, &p)?,
            };
            #[cfg(not(feature = "engine"))]
            let s = run_uploads(&a.inputs(), &a.out, &p)?;
            a.columnar
                .convert(&a.out, "users", &crate::tables::lanl_users())?;
            run.finish()?;
            crate::print::print_json(&s)?;
            if let Some(k) = &s.skipped_rows {
                eprintln!("{k}");
            }
            summarise_uploads(&s, &a.out, Summary::new(a.quiet));
            Ok(())
        }
        LanlCmd::Generate(a) => {
            let g = LanlGenerator::new()
                .users(a.users)
                .days(a.days)
                .upload_effect(a.effect)
                .seed(a.seed);
            let run = threatstat_core::manifest::Run::begin(&a.out)?;
            let t = if a.gzip {
                g.write_files_gzip(&a.out)?
            } else {
                g.write_files(&a.out)?
            };
            run.finish()?;
            if a.quiet {
                return Ok(());
            }
            eprintln!(
                "wrote {} auth, {} flow and {} red-team rows ({} compromised users) -> {}",
                t.auth_rows,
                t.flow_rows,
                t.redteam_rows,
                t.compromised.len(),
                a.out.display()
            );
            Ok(())
        }
    }
}

/// The test results as a table (p from ln p when it underflows) and the
/// KDE flags, on stderr unless --quiet.
fn summarise_uploads(s: &UploadSummary, out: &std::path::Path, sum: Summary) {
    sum.line(&format!(
        "{} users ({} compromised), {} user-intervals ({} compromised); median upload {} vs {} \
         bytes per interval (all vs compromised) -> {}",
        s.users,
        s.compromised_users,
        s.intervals_all,
        s.intervals_compromised,
        num(s.median_all),
        num(s.median_compromised),
        out.display()
    ));
    let mut t = Table::new(&[
        "alternative",
        "U",
        "p",
        "rank_biserial",
        "hodges_lehmann [CI]",
        "reject",
    ]);
    for r in [&s.mwu_two_sided, &s.mwu_greater] {
        t.row(vec![
            r.alternative.clone(),
            num(r.u),
            p_text(r.p_value, Some(r.ln_p_value))
                .trim_start_matches("p = ")
                .to_string(),
            num(r.rank_biserial),
            format!(
                "{} [{}, {}]",
                num(r.hodges_lehmann),
                num(r.ci[0]),
                num(r.ci[1])
            ),
            format!("{} at α = {}", r.reject, s.alpha),
        ]);
    }
    sum.table(&t);
    let k = &s.kde;
    sum.line(&format!(
        "KDE flags: {} of {} users flagged, {} compromised: precision {}, recall {} \
         (of {} compromised users with features)",
        k.flagged,
        k.users,
        k.true_positives,
        num(k.precision),
        num(k.recall),
        k.compromised
    ));
}
