//! Range-checked value parsers for the numeric options: a value out of
//! range is refused while the command line is parsed, and clap names the
//! flag, e.g. `error: invalid value '0' for '--chains <CHAINS>': must be an
//! integer from 1 to 1024` (exit 2). The caps are generous but keep every
//! option below what would overflow, abort an allocation or run for ever.
//!
//! Use them as `#[arg(long, value_parser = args::int::<usize>(1, 1024))]`.

/// An integer in `lo..=hi` (written in decimal; no sign, fraction or
/// exponent), as any integer type that holds `hi`.
pub fn int<T>(lo: u64, hi: u64) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: TryFrom<u64>,
{
    move |s: &str| {
        let range = || format!("must be an integer from {lo} to {hi}");
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(range());
        }
        // Digits only: a parse failure is an overflow of u64.
        let v: u64 = t.parse().map_err(|_| range())?;
        if v < lo || v > hi {
            return Err(range());
        }
        T::try_from(v).map_err(|_| range())
    }
}

/// A finite number in the interval from `lo` to `hi`, each end open or
/// closed (`lo_open`, `hi_open`); NaN, infinities and values that overflow
/// (`1e400`) are refused.
pub fn float(
    lo: f64,
    lo_open: bool,
    hi: f64,
    hi_open: bool,
) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    move |s: &str| {
        let range = || {
            if hi == f64::INFINITY {
                format!(
                    "must be a finite number {} {lo}",
                    if lo_open { ">" } else { ">=" }
                )
            } else {
                format!(
                    "must be a finite number in {}{lo}, {hi}{}",
                    if lo_open { '(' } else { '[' },
                    if hi_open { ')' } else { ']' }
                )
            }
        };
        let v: f64 = s.trim().parse().map_err(|_| range())?;
        let above = if lo_open { v > lo } else { v >= lo };
        let below = if hi_open { v < hi } else { v <= hi };
        if v.is_finite() && above && below {
            Ok(v)
        } else {
            Err(range())
        }
    }
}

/// A probability strictly between 0 and 1 (significance levels, shares,
/// error bounds).
pub fn open_unit() -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    float(0.0, true, 1.0, true)
}

/// A finite number > 0 (rates, smoothing strengths, factors).
pub fn positive() -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync {
    float(0.0, true, f64::INFINITY, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_range_and_nothing_else() {
        let p = int::<usize>(1, 1024);
        assert_eq!(p("1"), Ok(1));
        assert_eq!(p("1024"), Ok(1024));
        for bad in [
            "0",
            "1025",
            "-1",
            "+3",
            "NaN",
            "1e3",
            "2.0",
            "",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            let e = p(bad).unwrap_err();
            assert_eq!(e, "must be an integer from 1 to 1024", "{bad}");
        }
        assert_eq!(int::<u32>(0, 10)("0"), Ok(0));
    }

    #[test]
    fn floats_finite_and_in_range() {
        let p = open_unit();
        assert_eq!(p("0.5"), Ok(0.5));
        for bad in ["0", "1", "-0.5", "NaN", "inf", "1e400", "x", ""] {
            assert_eq!(p(bad).unwrap_err(), "must be a finite number in (0, 1)");
        }
        let q = float(0.0, false, 1.0, false);
        assert_eq!((q("0"), q("1")), (Ok(0.0), Ok(1.0)));
        assert_eq!(positive()("1e300"), Ok(1e300));
        for bad in ["0", "-1e-300", "inf", "1e400", "NaN"] {
            assert_eq!(positive()(bad).unwrap_err(), "must be a finite number > 0");
        }
    }
}
