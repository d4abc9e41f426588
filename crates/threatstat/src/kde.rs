//! `threatstat kde`: Gaussian kernel density estimate at grid points.

use crate::args;
use crate::kde_method::{self, Method};
use clap::Args;
use ndarray::{Array2, ArrayView2};
use serde_json::json;
use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use threatstat_core::numbers::{Header, NumberOptions, read_numbers};
use threatstat_core::{Error as CoreError, Location};
use threatstat_kde::{
    Bandwidth, GaussianKde, MAX_INTERNAL_POINTS, auto_uses_fft, binned_points_error_bound,
    equidistant_grid, fft_kde_at_points, fft_kde_kdepy_grid, fft_kde_on_grid,
};

type Res = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const EXAMPLES: &str = "Examples:
  # Density of the BMH daily message counts at 0, 10, ..., 70 (Scott's factor)
  threatstat kde --input data/bmh/txtdata.csv --at data/bmh/txtdata.csv
  # Improved Sheather-Jones bandwidth, the JSON written to a file
  threatstat kde --input data/bmh/txtdata.csv --at data/bmh/txtdata.csv --bandwidth isj --out kde.json
  # Likelihood cross-validated bandwidth (statsmodels' bw='cv_ml')
  threatstat kde --input data/bmh/txtdata.csv --at data/bmh/txtdata.csv --bandwidth cv-ml
  # The density table as Parquet (.arrow: Arrow IPC). Raw little-endian f64 input
  # (NumPy: x.astype('<f8').tofile('x.f64')) with --f64le: --input x.f64 --at at.f64 --f64le
  threatstat kde --input data/bmh/txtdata.csv --at data/bmh/txtdata.csv --bandwidth isj --table kde.parquet --out kde.json";

#[derive(Args)]
#[command(after_help = EXAMPLES)]
pub struct KdeArgs {
    /// Data: rows of d comma-separated numbers (a header line is detected;
    /// see --no-header), or a `.parquet`/`.arrow` file whose d numeric
    /// columns are the dimensions.
    #[arg(long = "input", alias = "data", value_name = "PATH")]
    pub input: PathBuf,
    /// scott, silverman, normal-reference, isj, cv-ml, or a kernel standard
    /// deviation (1-D). cv-ml: statsmodels' likelihood cross-validated
    /// bandwidths (bw='cv_ml'), one per column, kernel covariance diag(h²);
    /// the output's `cv_ml` gives them with the optimiser's state.
    #[arg(long)]
    pub bandwidth: Option<String>,
    /// Multiplies the data covariance, as SciPy's scalar bw_method.
    #[arg(long, value_parser = args::positive())]
    pub factor: Option<f64>,
    /// Weights, one a line.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Evaluation points: rows of d comma-separated numbers (or a
    /// `.parquet`/`.arrow` file, as --input).
    #[arg(long)]
    pub at: PathBuf,
    /// Binned estimate by FFT at the points of --at (1-D; --at must be
    /// equidistant and contain the data): O(n + G log G) instead of the exact
    /// O(n·g) sums. The internal grid G has a spacing of at most 1/50
    /// bandwidth whatever --at asks for, and the kernel reaches 8 bandwidths
    /// at any scale: relative error below 1e-3 wherever the density is at
    /// least 1e-3 of its peak. The output's `fft` field gives the bound and
    /// the mass inside --at; a warning says when mass lies outside it.
    /// The same as --method fft.
    #[arg(long, conflicts_with = "method")]
    pub fft: bool,
    /// exact, fft or auto: auto uses the binned FFT
    /// estimate (any --at points, relative error below 4e-4 where the
    /// density is at least 1e-3 of a kernel's peak; bound in the output's
    /// `fft`) for --bandwidth normal-reference or isj on 1-D data of at
    /// least 10,000 points, as statsmodels and KDEpy do; else the exact sums
    /// (SciPy's values). The output's `method` says which ran.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// With --fft: KDEpy's `FFTKDE(bw).fit(data).evaluate(at)` exactly, on
    /// the grid of --at as given and with KDEpy's kernel cut-off (at a
    /// density of 1e-4: it depends on the units and drops mass for
    /// bandwidths above about 10). Its error grows as (spacing/bandwidth)²:
    /// a warning says when it may exceed 1e-3.
    #[arg(long)]
    pub kdepy: bool,
    /// The JSON result: a file, or `-` for standard output (the default).
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// Also a tidy table of the evaluation points beside their density, one
    /// row per point of --at: `x,density` (1-D), `x,y,density` (2-D),
    /// `x1,...,xd,density` (more), all doubles. CSV, or Parquet/Arrow IPC
    /// by the extension (`.parquet`, `.arrow`/`.feather`); a file, or `-`
    /// for CSV on standard output (then --out must name a file).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// --input, --at and --weights are raw little-endian f64 values, one
    /// per point (1-D; NumPy: `x.astype('<f8').tofile(path)`; gzip allowed):
    /// read at memory speed, without parsing text.
    #[arg(long, conflicts_with = "no_header")]
    pub f64le: bool,
    /// The first line of every input file is data, not a header (by default
    /// a header is detected: every field a name, one not a number).
    #[arg(long)]
    pub no_header: bool,
    /// No summary or warnings on stderr (errors still print).
    #[arg(long)]
    pub quiet: bool,
}

impl KdeArgs {
    /// `--input`/`--at` points: raw f64 (one column) with --f64le, else
    /// text rows or a Parquet/Arrow table.
    fn read_points(&self, path: &Path) -> Result<Array2<f64>, CoreError> {
        if self.f64le {
            let v = threatstat_core::numbers::read_f64le(path)?;
            Ok(Array2::from_shape_vec((v.len(), 1), v).expect("n × 1"))
        } else {
            threatstat_table::read_points(path, self.header())
        }
    }
    fn header(&self) -> Header {
        if self.no_header {
            Header::No
        } else {
            Header::Auto
        }
    }
    /// Prints a warning unless --quiet.
    fn warn(&self, message: &str) {
        crate::summary::Summary::new(self.quiet).warn(message);
    }
}

/// Fits the KDE to `--input` and writes JSON to `--out`: `density` (one value per row of
/// `--at`), `factor`, `kernel_covariance` (d×d), and `neff`, `n`, `d`,
/// `bandwidth`; with `--bandwidth cv-ml` also `cv_ml` (bandwidths,
/// leave-one-out log likelihood, start, solver, iterations, termination,
/// gradient norm, evaluations).
pub fn run(a: KdeArgs) -> Res {
    let bandwidth = parse_bandwidth(a.bandwidth.as_deref(), a.factor)?;
    let method = kde_method::resolve(a.method, a.fft, a.kdepy)?;
    if bandwidth == Bandwidth::CvMl && a.weights.is_some() {
        return Err(
            "--bandwidth cv-ml takes no --weights (statsmodels' cv_ml is unweighted)".into(),
        );
    }
    let dash = |p: &PathBuf| p.as_os_str() == "-";
    if a.table.as_ref().is_some_and(dash) && dash(&a.out) {
        return Err("--table - and --out - both write standard output: name a file for one".into());
    }
    crate::outputs::prepare(
        &[Some(&a.input), Some(&a.at), a.weights.as_deref()],
        &[Some(&a.out), a.table.as_deref()],
        &[],
    )?;
    let data = a.read_points(&a.input)?;
    let d = data.ncols();
    let n = data.nrows();
    let at = a.read_points(&a.at)?;
    if at.ncols() != d {
        return Err(format!(
            "{}: the evaluation points have {} columns, the data ({}) have {d}",
            a.at.display(),
            at.ncols(),
            a.input.display()
        )
        .into());
    }
    let mut params = GaussianKde::params().bandwidth(bandwidth);
    let mut weights = None;
    if let Some(wpath) = &a.weights {
        let w = if a.f64le {
            read_f64le_weights(wpath)?
        } else {
            read_weights(wpath, a.header())?
        };
        if w.len() != n {
            return Err(format!(
                "{}: {} weights for {n} data rows in {}",
                wpath.display(),
                w.len(),
                a.input.display()
            )
            .into());
        }
        params = params.weights(w.clone());
        weights = Some(w);
    }
    // The data move into the fit (no copy); `kde.data()` reads them.
    let kde = params.fit_owned(data).map_err(|e| match (&e, bandwidth, d) {
        // Weights the fit cannot use: name the weights file (and line).
        (threatstat_kde::KdeError::Weights { index, .. }, _, _) => {
            let wpath = a.weights.as_deref().unwrap_or(&a.input);
            if a.f64le {
                return match index {
                    Some(i) => format!("{}: value #{}: {e}", wpath.display(), i + 1),
                    None => format!("{}: {e}", wpath.display()),
                };
            }
            match index.map(|i| nth_data_line(wpath, i, a.header())) {
                Some(Ok(line)) => format!("{}:{line}: {e}", wpath.display()),
                _ => format!("{}: {e}", wpath.display()),
            }
        }
        (_, Bandwidth::StdDev(_), d) if d > 1 => format!(
            "--bandwidth NUMBER is the kernel standard deviation of 1-D data; the data have {d} \
             columns (use --factor): {e}"
        ),
        _ => format!("{}: {e}", a.input.display()),
    })?;
    let cov = kde.kernel_covariance();
    let data = kde.data();
    let fft_auto = method == Method::Auto
        && auto_uses_fft(bandwidth, d, n, || {
            let (lo, hi) = data
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            binned_points_error_bound(lo, hi, cov[[0, 0]].sqrt())
        });
    let (density, fft) = if method == Method::Fft {
        let (d, info) = fft_on_grid(data, weights.as_deref(), cov[[0, 0]].sqrt(), at.view(), &a)?;
        (d, Some(info))
    } else if fft_auto {
        let (x, p) = (column(data), column(at.view()));
        let e = fft_kde_at_points(&x, weights.as_deref(), cov[[0, 0]].sqrt(), &p)
            .map_err(|e| format!("{}: {e}", a.input.display()))?;
        let info = json!({
            "mode": "points",
            "internal_points": e.internal_points,
            "internal_spacing_bw": e.internal_spacing_bw,
            "relative_error_bound": e.relative_error_bound,
        });
        (e.density, Some(info))
    } else {
        (kde.evaluate(at.view())?, None)
    };
    let mut out = json!({
        "n": kde.n(),
        "d": d,
        "bandwidth": bandwidth.name(),
        "method": if fft.is_some() { "fft" } else { "exact" },
        "factor": kde.factor(),
        "neff": kde.neff(),
        "kernel_covariance": cov.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "density": density,
    });
    if let Some(info) = fft {
        out["fft"] = info;
    }
    if let Some(cv) = kde.cv_ml() {
        out["cv_ml"] = json!(cv);
    }
    if let Some(path) = &a.table {
        write_density_table(path, at.view(), &density)?;
    }
    crate::print::write_json(&a.out, &out)?;
    // After the result: a closed pipe (`| head`) stops the command quietly.
    summarise(&a, &kde, bandwidth, at.view(), &density);
    Ok(())
}

/// The tidy table of `kde --table`: the points' coordinates (`x`; `x,y`;
/// `x1..xd`) and `density`, one row per point; Parquet or Arrow IPC by the
/// extension, else CSV.
fn write_density_table(
    path: &Path,
    at: ArrayView2<'_, f64>,
    density: &[f64],
) -> Result<(), threatstat_core::Error> {
    use std::io::Write;
    if threatstat_table::Format::of(path).is_columnar() {
        return threatstat_table::write(&crate::tables::kde_density(at, density)?, path);
    }
    use threatstat_core::tidy::write_number;
    let d = at.ncols();
    threatstat_core::atomic::write_atomically(path, |w| {
        let mut w = std::io::BufWriter::new(w);
        for name in coordinate_names(d) {
            write!(w, "{name},")?;
        }
        w.write_all(b"density\n")?;
        for (p, &f) in at.rows().into_iter().zip(density) {
            for x in p {
                write_number(&mut w, *x)?;
                w.write_all(b",")?;
            }
            write_number(&mut w, f)?;
            w.write_all(b"\n")?;
        }
        w.flush()
    })
}

/// The coordinate columns of d-dimensional points: `x`; `x, y`; `x1..xd`.
pub(crate) fn coordinate_names(d: usize) -> Vec<String> {
    match d {
        1 => vec!["x".into()],
        2 => vec!["x".into(), "y".into()],
        _ => (1..=d).map(|j| format!("x{j}")).collect(),
    }
}

/// The terminal summary: the fit, and the points of highest density.
fn summarise(
    a: &KdeArgs,
    kde: &GaussianKde,
    bandwidth: Bandwidth,
    at: ArrayView2<'_, f64>,
    density: &[f64],
) {
    use crate::summary::{Summary, Table, num};
    let s = Summary::new(a.quiet);
    s.line(&format!(
        "Gaussian KDE of {} points in {} dimension(s): bandwidth {}, factor {}, \
         effective n {}; density at {} points",
        kde.n(),
        at.ncols(),
        bandwidth.name(),
        num(kde.factor()),
        num(kde.neff()),
        density.len()
    ));
    let mut order: Vec<usize> = (0..density.len()).collect();
    order.sort_by(|&i, &j| density[j].total_cmp(&density[i]).then(i.cmp(&j)));
    let mut head: Vec<String> = vec!["rank".into()];
    head.extend(coordinate_names(at.ncols()));
    head.push("density".into());
    let mut t = Table::new(&head);
    for (rank, &i) in order.iter().take(5).enumerate() {
        let mut r = vec![(rank + 1).to_string()];
        r.extend(at.row(i).iter().map(|&x| num(x)));
        r.push(num(density[i]));
        t.row(r);
    }
    if order.len() > 1 {
        s.line("highest densities:");
        s.table(&t);
    }
}

/// The binned FFT density on the equidistant 1-D grid `at`.
fn fft_on_grid(
    data: ArrayView2<'_, f64>,
    weights: Option<&[f64]>,
    bw: f64,
    at: ArrayView2<'_, f64>,
    a: &KdeArgs,
) -> Result<(Vec<f64>, serde_json::Value), Box<dyn std::error::Error + Send + Sync>> {
    if data.ncols() != 1 {
        return Err(format!(
            "--fft is for 1-D data; {} has {} columns",
            a.input.display(),
            data.ncols()
        )
        .into());
    }
    let (x, g) = (column(data), column(at));
    let (lo, hi, n) =
        equidistant_grid(&g).map_err(|e| format!("{}: --fft: {e}", a.at.display()))?;
    let context =
        |e: threatstat_kde::KdeError| format!("{}, {}: {e}", a.input.display(), a.at.display());
    if a.kdepy {
        let e = fft_kde_kdepy_grid(&x, weights, bw, lo, hi, n).map_err(|e| {
            context(e) + " (without --kdepy the kernel is cut at 8 bandwidths at any scale)"
        })?;
        if e.relative_error_bound > 1e-3 {
            a.warn(&format!(
                "--kdepy: the grid of {} spaces its points {:.3} bandwidths apart; \
                 the binning error may reach {:.1e} of the density (drop --kdepy for a grid \
                 refined to 1/50 bandwidth)",
                a.at.display(),
                e.spacing_bw,
                e.relative_error_bound.min(1.0)
            ));
        }
        warn_mass(e.mass_on_grid, a);
        let info = json!({
            "mode": "kdepy",
            "spacing_bw": e.spacing_bw,
            "relative_error_bound": e.relative_error_bound,
            "mass_on_grid": e.mass_on_grid,
        });
        return Ok((e.density, info));
    }
    let e = fft_kde_on_grid(&x, weights, bw, lo, hi, n).map_err(context)?;
    if e.relative_error_bound > 1e-3 {
        a.warn(&format!(
            "{} is too wide for the internal grid ({} points at most): spacing {:.3} \
             bandwidths, binning error up to {:.1e}; use fewer or closer --at points",
            a.at.display(),
            MAX_INTERNAL_POINTS,
            e.internal_spacing_bw,
            e.relative_error_bound
        ));
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
        a.warn(&format!(
            "{:.2}% of the estimate's mass lies outside the range of {} (the densities \
             at its points are unaffected; widen it to see the tails)",
            100.0 * (1.0 - mass),
            a.at.display()
        ));
    }
}

/// The first column of the points: the row-major values themselves for
/// `n × 1` points (no copy).
fn column(p: ArrayView2<'_, f64>) -> Cow<'_, [f64]> {
    match p.to_slice() {
        Some(s) if p.ncols() == 1 => Cow::Borrowed(s),
        _ => Cow::Owned(p.column(0).to_vec()),
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
            "cv-ml" | "cv_ml" => Ok(Bandwidth::CvMl),
            s => match s.parse::<f64>() {
                Ok(h) if h.is_finite() && h > 0.0 => Ok(Bandwidth::StdDev(h)),
                _ => Err(format!(
                    "--bandwidth: expected scott, silverman, normal-reference, isj, cv-ml or a \
                     kernel standard deviation > 0, found `{b}`"
                )
                .into()),
            },
        },
    }
}

/// Whether the first line's fields are a header, as
/// [`threatstat_core::numbers`] decides it under [`Header::Auto`].
fn is_header(line: &str) -> bool {
    let fs: Vec<&str> = line
        .split(',')
        .map(|f| f.trim().trim_matches('"').trim())
        .collect();
    fs.iter().all(|f| !f.is_empty()) && fs.iter().any(|f| f.parse::<f64>().is_err())
}

/// One non-negative finite weight a line (a header line allowed).
fn read_weights(path: &Path, header: Header) -> Result<Vec<f64>, CoreError> {
    let w = read_numbers(path, &NumberOptions::default().header(header))?;
    if let Some(i) = w.iter().position(|x| *x < 0.0) {
        let line = nth_data_line(path, i, header)?;
        return Err(CoreError::parse(
            Location::file(path).at_line(line),
            format!("weights must be >= 0, found {}", w[i]),
        ));
    }
    Ok(w)
}

/// `--weights` with --f64le: non-negative raw f64 values.
fn read_f64le_weights(path: &Path) -> Result<Vec<f64>, CoreError> {
    let w = threatstat_core::numbers::read_f64le(path)?;
    if let Some(i) = w.iter().position(|x| *x < 0.0) {
        return Err(CoreError::parse(
            Location::file(path),
            format!(
                "value #{} (byte offset {}): weights must be >= 0, found {}",
                i + 1,
                8 * i,
                w[i]
            ),
        ));
    }
    Ok(w)
}

/// The 1-based line number of data row `row` (skipping blank lines and a
/// header).
fn nth_data_line(path: &Path, row: usize, header: Header) -> Result<u64, CoreError> {
    let reader = threatstat_core::reader::open(path)?;
    let mut seen = 0usize;
    let mut first = true;
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CoreError::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        if std::mem::take(&mut first)
            && (header == Header::Yes || (header == Header::Auto && is_header(&line)))
        {
            continue;
        }
        if seen == row {
            return Ok(i as u64 + 1);
        }
        seen += 1;
    }
    Ok(0)
}
