//! `threatstat kde`: Gaussian kernel density estimate at grid points.

use crate::args;
use clap::Args;
use serde_json::json;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use threatstat_core::{Error as CoreError, Location};
use threatstat_kde::{
    Bandwidth, FftOptions, GaussianKde, MAX_INTERNAL_POINTS, Points, fft_kde_1d_with,
    fft_kde_on_grid,
};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

#[derive(Args)]
pub struct KdeArgs {
    /// Data: rows of d comma-separated numbers (a header row allowed).
    #[arg(long)]
    pub data: PathBuf,
    /// scott, silverman, normal-reference, isj, or a kernel standard deviation (1-D).
    #[arg(long)]
    pub bandwidth: Option<String>,
    /// Multiplies the data covariance, as SciPy's scalar bw_method.
    #[arg(long, value_parser = args::positive())]
    pub factor: Option<f64>,
    /// Weights, one a line.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Evaluation points: rows of d comma-separated numbers.
    #[arg(long)]
    pub at: PathBuf,
    /// Binned estimate by FFT at the points of --at (1-D; --at must be
    /// equidistant and contain the data): O(n + G log G) instead of the exact
    /// O(n·g) sums. The internal grid G has a spacing of at most 1/50
    /// bandwidth whatever --at asks for, and the kernel reaches 8 bandwidths
    /// at any scale: relative error below 1e-3 wherever the density is at
    /// least 1e-3 of its peak. The output's `fft` field gives the bound and
    /// the mass inside --at; a warning says when mass lies outside it.
    #[arg(long)]
    pub fft: bool,
    /// With --fft: KDEpy's `FFTKDE(bw).fit(data).evaluate(at)` exactly, on
    /// the grid of --at as given and with KDEpy's kernel cut-off (at a
    /// density of 1e-4: it depends on the units and drops mass for
    /// bandwidths above about 10). Its error grows as (spacing/bandwidth)²:
    /// a warning says when it may exceed 1e-3.
    #[arg(long, requires = "fft")]
    pub kdepy: bool,
}

/// Fits the KDE to `--data` and prints JSON: `density` (one value per row of
/// `--at`), `factor`, `kernel_covariance` (d×d), and `neff`, `n`, `d`,
/// `bandwidth`.
pub fn run(a: KdeArgs) -> Res {
    let bandwidth = parse_bandwidth(a.bandwidth.as_deref(), a.factor)?;
    let data = read_rows(&a.data)?;
    let d = data.dim();
    let at = read_rows(&a.at)?;
    if at.dim() != d {
        return Err(format!(
            "{}: the evaluation points have {} columns, the data ({}) have {d}",
            a.at.display(),
            at.dim(),
            a.data.display()
        )
        .into());
    }
    let mut params = GaussianKde::params().bandwidth(bandwidth);
    let mut weights = None;
    if let Some(wpath) = &a.weights {
        let w = read_weights(wpath)?;
        if w.len() != data.len() {
            return Err(format!(
                "{}: {} weights for {} data rows in {}",
                wpath.display(),
                w.len(),
                data.len(),
                a.data.display()
            )
            .into());
        }
        params = params.weights(w.clone());
        weights = Some(w);
    }
    let kde = params.fit(&data).map_err(|e| match (&e, bandwidth, d) {
        // Weights the fit cannot use: name the weights file (and line).
        (threatstat_kde::KdeError::Weights { index, .. }, _, _) => {
            let wpath = a.weights.as_deref().unwrap_or(&a.data);
            match index.map(|i| nth_data_line(wpath, i)) {
                Some(Ok(line)) => format!("{}:{line}: {e}", wpath.display()),
                _ => format!("{}: {e}", wpath.display()),
            }
        }
        (_, Bandwidth::StdDev(_), d) if d > 1 => format!(
            "--bandwidth NUMBER is the kernel standard deviation of 1-D data; the data have {d} \
             columns (use --factor): {e}"
        ),
        _ => format!("{}: {e}", a.data.display()),
    })?;
    let cov = kde.kernel_covariance();
    let (density, fft) = if a.fft {
        let (d, info) = fft_on_grid(&data, weights.as_deref(), cov[0].sqrt(), &at, &a)?;
        (d, Some(info))
    } else {
        (kde.evaluate(&at)?, None)
    };
    let mut out = json!({
        "n": kde.n(),
        "d": d,
        "bandwidth": bandwidth.name(),
        "factor": kde.factor(),
        "neff": kde.neff(),
        "kernel_covariance": cov.chunks(d).collect::<Vec<_>>(),
        "density": density,
    });
    if let Some(info) = fft {
        out["fft"] = info;
    }
    crate::print::print_json(&out)
}

/// The binned FFT density on the equidistant 1-D grid `at`.
fn fft_on_grid(
    data: &Points,
    weights: Option<&[f64]>,
    bw: f64,
    at: &Points,
    a: &KdeArgs,
) -> Result<(Vec<f64>, serde_json::Value), Box<dyn std::error::Error + Send + Sync>> {
    if data.dim() != 1 {
        return Err(format!(
            "--fft is for 1-D data; {} has {} columns",
            a.data.display(),
            data.dim()
        )
        .into());
    }
    let g = at.as_slice();
    if g.len() < 2 {
        return Err(format!(
            "{}: --fft needs a grid of at least 2 points",
            a.at.display()
        )
        .into());
    }
    let step = (g[g.len() - 1] - g[0]) / (g.len() - 1) as f64;
    let tol = 1e-6 * step.abs();
    if step.is_nan() || step <= 0.0 {
        return Err(format!(
            "{}: --fft needs an increasing equidistant grid",
            a.at.display()
        )
        .into());
    }
    if let Some(k) = (0..g.len()).find(|&k| (g[k] - (g[0] + k as f64 * step)).abs() > tol) {
        return Err(format!(
            "{}: --fft needs an equidistant grid (step {step}); point {} is {}",
            a.at.display(),
            k + 1,
            g[k]
        )
        .into());
    }
    let (lo, hi) = (g[0], g[g.len() - 1]);
    let context =
        |e: threatstat_kde::KdeError| format!("{}, {}: {e}", a.data.display(), a.at.display());
    if a.kdepy {
        let options = FftOptions::default().bounds(vec![(lo, hi)]);
        let (_, y) =
            fft_kde_1d_with(data.as_slice(), weights, bw, g.len(), &options).map_err(|e| {
                context(e) + " (without --kdepy the kernel is cut at 8 bandwidths at any scale)"
            })?;
        // What KDEpy's grid costs: the binning error bound of the module
        // threatstat_kde::fft_grid, and the mass on the grid.
        let spacing = step / bw;
        let bound = 1.6 * spacing * spacing;
        let mass = step * (y.iter().sum::<f64>() - (y[0] + y[y.len() - 1]) / 2.0);
        if bound > 1e-3 {
            eprintln!(
                "warning: --kdepy: the grid of {} spaces its points {spacing:.3} bandwidths apart; \
                 the binning error may reach {:.1e} of the density (drop --kdepy for a grid \
                 refined to 1/50 bandwidth)",
                a.at.display(),
                bound.min(1.0)
            );
        }
        warn_mass(mass, a);
        let info = json!({"mode": "kdepy", "spacing_bw": spacing, "relative_error_bound": bound, "mass_on_grid": mass});
        return Ok((y, info));
    }
    let e = fft_kde_on_grid(data.as_slice(), weights, bw, lo, hi, g.len()).map_err(context)?;
    if e.relative_error_bound > 1e-3 {
        eprintln!(
            "warning: {} is too wide for the internal grid ({} points at most): spacing {:.3} \
             bandwidths, binning error up to {:.1e}; use fewer or closer --at points",
            a.at.display(),
            MAX_INTERNAL_POINTS,
            e.internal_spacing_bw,
            e.relative_error_bound
        );
    }
    warn_mass(e.mass_on_grid, a);
    let info = json!({
        "mode": "refined",
        "spacing_bw": e.spacing_bw,
        "refinement": e.refinement,
        "internal_spacing_bw": e.internal_spacing_bw,
        "relative_error_bound": e.relative_error_bound,
        "mass_on_grid": e.mass_on_grid,
    });
    Ok((e.density, info))
}

/// Warns when more than 0.1% of the estimate's mass lies outside --at.
fn warn_mass(mass: f64, a: &KdeArgs) {
    if mass < 0.999 {
        eprintln!(
            "warning: {:.2}% of the estimate's mass lies outside the range of {} (the densities \
             at its points are unaffected; widen it to see the tails)",
            100.0 * (1.0 - mass),
            a.at.display()
        );
    }
}

fn parse_bandwidth(
    bandwidth: Option<&str>,
    factor: Option<f64>,
) -> Result<Bandwidth, Box<dyn std::error::Error + Send + Sync>> {
    match (bandwidth, factor) {
        (Some(_), Some(_)) => Err("give either --bandwidth or --factor, not both".into()),
        (None, Some(f)) => {
            if f.is_finite() && f > 0.0 {
                Ok(Bandwidth::Factor(f))
            } else {
                Err(format!("--factor must be a finite number > 0, found {f}").into())
            }
        }
        (None, None) => Ok(Bandwidth::Scott),
        (Some(b), None) => match b.to_ascii_lowercase().as_str() {
            "scott" => Ok(Bandwidth::Scott),
            "silverman" => Ok(Bandwidth::Silverman),
            "normal-reference" | "normal_reference" => Ok(Bandwidth::NormalReference),
            "isj" => Ok(Bandwidth::Isj),
            s => match s.parse::<f64>() {
                Ok(h) if h.is_finite() && h > 0.0 => Ok(Bandwidth::StdDev(h)),
                _ => Err(format!(
                    "--bandwidth: expected scott, silverman, normal-reference, isj or a kernel \
                     standard deviation > 0, found `{b}`"
                )
                .into()),
            },
        },
    }
}

/// The fields of a line: comma-separated, trimmed, a pair of surrounding
/// quotes removed (an unpaired quote stays, and the field is no number).
fn fields(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|f| {
            let f = f.trim();
            f.strip_prefix('"')
                .and_then(|g| g.strip_suffix('"'))
                .map_or(f, str::trim)
        })
        .collect()
}

/// Whether the first line's fields are a header: every one a name (not
/// empty), some not a number. A line with an empty cell is data, and an
/// error, not a header to drop.
fn is_header(fs: &[&str]) -> bool {
    fs.iter().all(|f| !f.is_empty()) && fs.iter().any(|f| f.parse::<f64>().is_err())
}

/// Rows of d comma-separated finite numbers (gzip allowed); the first
/// non-empty line may be a header (see [`is_header`]); blank lines only at
/// the end.
fn read_rows(path: &Path) -> Result<Points, CoreError> {
    let reader = threatstat_core::reader::open(path)?;
    let mut values = Vec::new();
    let mut d: Option<(usize, u64)> = None;
    let mut first = true;
    let mut blank = threatstat_core::blank::BlankLines::default();
    for (i, line) in reader.lines().enumerate() {
        let lineno = i as u64 + 1;
        let line = line.map_err(|e| line_error(path, lineno, e))?;
        if blank.skip(path, lineno, &line)? {
            continue;
        }
        let fs = fields(&line);
        if first {
            first = false;
            if is_header(&fs) {
                continue;
            }
        }
        match d {
            None => d = Some((fs.len(), lineno)),
            Some((dim, at)) if dim != fs.len() => {
                return Err(CoreError::parse(
                    Location::file(path).at_line(lineno),
                    format!(
                        "expected {dim} comma-separated numbers (as on line {at}), found {}",
                        fs.len()
                    ),
                ));
            }
            _ => {}
        }
        for (k, f) in fs.iter().enumerate() {
            values.push(number(f, path, lineno, k)?);
        }
    }
    let Some((dim, _)) = d else {
        return Err(CoreError::parse(
            Location::file(path),
            "no data rows (expected rows of comma-separated numbers)",
        ));
    };
    Ok(Points::new(dim, values).expect("rows are complete and finite"))
}

/// A read error on line `line`: invalid UTF-8 names the line, other
/// errors (I/O, gzip) the file.
fn line_error(path: &Path, line: u64, e: std::io::Error) -> CoreError {
    // `BufRead::lines` reports invalid UTF-8 as InvalidData saying so.
    if e.kind() == std::io::ErrorKind::InvalidData && e.to_string().contains("UTF-8") {
        CoreError::parse(
            Location::file(path).at_line(line),
            "not UTF-8 text (expected comma-separated numbers)",
        )
    } else {
        CoreError::io(path, e)
    }
}

fn number(f: &str, path: &Path, line: u64, col: usize) -> Result<f64, CoreError> {
    let loc = || {
        Location::file(path)
            .at_line(line)
            .in_field(format!("column {}", col + 1))
    };
    match f.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(CoreError::parse(
            loc(),
            format!("expected a finite number, found `{f}` (NaN and infinities are not allowed)"),
        )),
        Err(_) => Err(CoreError::parse(
            loc(),
            format!("expected a number, found `{f}`"),
        )),
    }
}

/// One non-negative finite weight a line (a header line allowed).
fn read_weights(path: &Path) -> Result<Vec<f64>, CoreError> {
    let w = read_rows(path)?;
    if w.dim() != 1 {
        return Err(CoreError::parse(
            Location::file(path),
            format!("expected one weight a line, found {} columns", w.dim()),
        ));
    }
    // Line numbers for messages: re-scan to map row -> line.
    if let Some(i) = w.as_slice().iter().position(|x| *x < 0.0) {
        let line = nth_data_line(path, i)?;
        return Err(CoreError::parse(
            Location::file(path).at_line(line),
            format!("weights must be >= 0, found {}", w.as_slice()[i]),
        ));
    }
    Ok(w.into_vec())
}

/// The 1-based line number of data row `row` (skipping blank lines and a
/// header).
fn nth_data_line(path: &Path, row: usize) -> Result<u64, CoreError> {
    let reader = threatstat_core::reader::open(path)?;
    let mut seen = 0usize;
    let mut first = true;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CoreError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        if first {
            first = false;
            if is_header(&fields(&line)) {
                continue;
            }
        }
        if seen == row {
            return Ok(i as u64 + 1);
        }
        seen += 1;
    }
    Ok(0)
}
