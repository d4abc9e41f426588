//! `kde --method`: exact kernel sums or the binned FFT estimate. Which one
//! `auto` (the default) picks is the library's policy,
//! [`threatstat_kde::auto_uses_fft`], shared with the Python package; here
//! only the flags are parsed.

use clap::ValueEnum;

/// How `kde` computes the densities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub enum Method {
    /// The binned FFT estimate for --bandwidth normal-reference or isj on
    /// 1-D data of at least 10,000 points (at any --at points, error bound
    /// in the output), else the exact sums.
    #[default]
    Auto,
    /// Exact kernel sums at every point (SciPy gaussian_kde's values).
    Exact,
    /// The binned FFT estimate on the equidistant grid of --at (as --fft).
    Fft,
}

/// The method asked for: `--fft` is `--method fft`; `--kdepy` needs it.
pub fn resolve(method: Method, fft: bool, kdepy: bool) -> Result<Method, String> {
    let m = if fft { Method::Fft } else { method };
    if kdepy && m != Method::Fft {
        return Err("--kdepy is a mode of the FFT estimate: add --fft (or --method fft)".into());
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_flag_and_kdepy() {
        assert_eq!(resolve(Method::Auto, true, false), Ok(Method::Fft));
        assert_eq!(resolve(Method::Exact, false, false), Ok(Method::Exact));
        assert_eq!(resolve(Method::Fft, false, true), Ok(Method::Fft));
        assert!(resolve(Method::Auto, false, true).is_err());
    }

    #[test]
    fn auto_doc_matches_the_library_threshold() {
        // The flag's help says 10,000 points: the library's constant.
        assert_eq!(threatstat_kde::AUTO_FFT_MIN_POINTS, 10_000);
    }
}
