//! The per-user CSV of `changepoint logons`: switchpoint/episode columns, or
//! for the segments model the number of changes, their dates and the
//! posterior of their count.

use super::RankedUser;
use std::io::Write;
use std::path::Path;
use threatstat_changepoint::io::format_day;
use threatstat_core::Error;
use threatstat_core::atomic::Finished;
use threatstat_datasets::cert::DailyCounts;

type Res = std::io::Result<()>;

/// The table, written but not yet visible: `commit` it once the figures
/// were drawn (a failed figure leaves no table).
type Table = Result<Finished, Error>;

/// Users that could not be fitted are listed last with the reason, their
/// model columns empty (`empty` commas).
fn write_failed(
    w: &mut impl Write,
    daily: &[DailyCounts],
    failed: &[(usize, String)],
    empty: usize,
) -> Res {
    for (i, why) in failed {
        let d = &daily[*i];
        writeln!(
            w,
            "{},{},{},{}{},\"{}\"",
            d.user,
            format_day(d.first_day),
            format_day(d.last_day()),
            d.counts.len(),
            ",".repeat(empty),
            why.replace('"', "\"\"")
        )?;
    }
    Ok(())
}

/// Switchpoint and episode rows: the change (or episode) day, its
/// probability, the rates before and after, the log Bayes factor.
pub(crate) fn write_change_rows(
    out: &Path,
    daily: &[DailyCounts],
    rows: &[RankedUser],
    failed: &[(usize, String)],
    mcmc: bool,
) -> Table {
    let mut w = threatstat_core::atomic::AtomicFile::create(out)?;
    let io = |e| Error::io(out, e);
    let mut header = "user,first_day,last_day,n_days,map_tau,map_tau_date,p_map,lambda_1_mean,lambda_2_mean,log_bayes_factor".to_string();
    if mcmc {
        header.push_str(",rhat,ess_bulk,ess_tail,mcmc_map_tau_date");
    }
    header.push_str(",start_date,end_date,note");
    writeln!(w, "{header}").map_err(io)?;
    let opt = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
    for RankedUser {
        index: i,
        fit: r,
        mcmc: sf,
    } in rows
    {
        let d = &daily[*i];
        let date = |k: Option<usize>| {
            k.map(|k| format_day(d.first_day + k as i64))
                .unwrap_or_default()
        };
        write!(
            w,
            "{},{},{},{},{},{},{:.6},{:.6},{:.6},{:.6}",
            d.user,
            format_day(d.first_day),
            format_day(d.last_day()),
            r.n_days,
            r.start.map(|k| k.to_string()).unwrap_or_default(),
            date(r.start),
            r.map_probability,
            r.rate_before,
            r.rate_after,
            r.log_bayes_factor
        )
        .map_err(io)?;
        if let (true, Some(r)) = (mcmc, sf) {
            write!(
                w,
                ",{},{},{},{}",
                opt(r.r_hat),
                opt(r.ess_bulk),
                opt(r.ess_tail),
                r.mcmc_map_tau
                    .map(|t| format_day(d.first_day + t as i64))
                    .unwrap_or_default()
            )
            .map_err(io)?;
        }
        writeln!(w, ",{},{},", date(r.start), date(r.end)).map_err(io)?;
    }
    // Users that could not be fitted (e.g. no logon in the hour window, so
    // the default α = 1/mean is undefined) are listed, not dropped.
    write_failed(&mut w, daily, failed, if mcmc { 12 } else { 8 }).map_err(io)?;
    w.finish()
}

/// The header of the segments CSV.
pub const SEGMENT_HEADER: &str = "user,first_day,last_day,n_days,n_changes_map,n_changes_mean,\
change_dates,p_first_change,log_bayes_factor,change_count_posterior,change_count_tail_mass,note";

/// Segments rows: the number of changes of the MAP segmentation and its
/// posterior mean, the MAP change dates (`;`-separated), the probability of
/// a change on the first of them, the log Bayes factor, and the posterior of
/// the number of changes, `P(0 changes);P(1 change);…` as far as it has
/// mass, with the mass left beyond it.
pub(crate) fn write_segment_rows(
    out: &Path,
    daily: &[DailyCounts],
    rows: &[RankedUser],
    failed: &[(usize, String)],
) -> Table {
    let mut w = threatstat_core::atomic::AtomicFile::create(out)?;
    let io = |e| Error::io(out, e);
    writeln!(w, "{SEGMENT_HEADER}").map_err(io)?;
    for RankedUser {
        index: i, fit: r, ..
    } in rows
    {
        let d = &daily[*i];
        let dates: Vec<String> = r
            .changes
            .iter()
            .map(|&k| format_day(d.first_day + k as i64))
            .collect();
        let counts: Vec<String> = r
            .change_count_posterior
            .iter()
            .flatten()
            .map(|p| format!("{p:.4e}"))
            .collect();
        writeln!(
            w,
            "{},{},{},{},{},{:.6},{},{:.6},{:.6},{},{:.1e},",
            d.user,
            format_day(d.first_day),
            format_day(d.last_day()),
            r.n_days,
            r.changes.len(),
            r.expected_changes.unwrap_or(f64::NAN),
            dates.join(";"),
            r.map_probability,
            r.log_bayes_factor,
            counts.join(";"),
            r.change_count_tail_mass.unwrap_or(f64::NAN),
        )
        .map_err(io)?;
    }
    write_failed(&mut w, daily, failed, 7).map_err(io)?;
    w.finish()
}
