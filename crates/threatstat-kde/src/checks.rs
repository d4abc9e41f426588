//! The parameter and data checks several estimators share, each returning
//! the typed core error (`Param`, `Shape`, `Data`) so callers match on the
//! parameter's name, not on a message.

use crate::KdeError;
use threatstat_core::Error;

/// `bw` (named `name`) is a kernel standard deviation: finite and > 0.
pub(crate) fn kernel_std(name: &'static str, bw: f64) -> Result<(), KdeError> {
    if bw.is_finite() && bw > 0.0 {
        Ok(())
    } else {
        Err(Error::param(
            name,
            bw,
            "a kernel standard deviation that is finite and > 0",
        )
        .into())
    }
}

/// A grid from `lo` to `hi` with `points` nodes (named `points_name`):
/// finite ends with `lo < hi`, at least 2 nodes.
pub(crate) fn grid(
    lo: f64,
    hi: f64,
    points_name: &'static str,
    points: usize,
) -> Result<(), KdeError> {
    if !lo.is_finite() {
        return Err(Error::param("lo", lo, "a finite number (the grid's low end)").into());
    }
    if !(hi.is_finite() && hi > lo) {
        return Err(Error::param("hi", hi, format!("a finite number > lo = {lo}")).into());
    }
    grid_points(points_name, points)
}

/// The inputs of a 1-D binned estimate on `points` equidistant nodes from
/// `lo` to `hi` with kernel standard deviation `bw`: at least 2 nodes, `bw`
/// finite and > 0, finite ends with `lo < hi` (in this order, so the first
/// problem found is named).
pub(crate) fn fft_grid(bw: f64, lo: f64, hi: f64, points: usize) -> Result<(), KdeError> {
    grid_points("points", points)?;
    kernel_std("bw", bw)?;
    grid(lo, hi, "points", points)
}

/// At least 2 grid nodes per dimension.
pub(crate) fn grid_points(name: &'static str, points: usize) -> Result<(), KdeError> {
    if points < 2 {
        return Err(Error::param(name, points, "at least 2 grid points per dimension").into());
    }
    Ok(())
}

/// One weight per data point.
pub(crate) fn weights_len(weights: usize, n: usize) -> Result<(), KdeError> {
    if weights != n {
        return Err(Error::shape(
            "weights",
            format!("{n} weights (one per data point)"),
            format!("{weights} weights"),
        )
        .into());
    }
    Ok(())
}

/// Every value of `data` finite; the first that is not is named by its
/// 1-based position.
pub(crate) fn finite_values(data: &[f64]) -> Result<(), KdeError> {
    match data.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::data(
            "data",
            format!("value {} is {}, expected a finite number", i + 1, data[i]),
        )
        .into()),
    }
}
