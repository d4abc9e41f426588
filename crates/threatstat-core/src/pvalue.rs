//! One way to print a p-value, in figures and on the terminal alike.
//!
//! A p-value that underflows `f64` (the rank tests keep `ln p` finite
//! where `p` is 0) is printed from `ln p`, so a figure never says
//! `p = 0.00e0` when `ln p = −1601`: mantissa and exponent come from
//! `ln p / ln 10` (`p = 4.97e-696`).
//!
//! ```
//! use threatstat_core::pvalue::p_text;
//! assert_eq!(p_text(0.4123, None), "p = 0.412");
//! assert_eq!(p_text(3.2e-12, None), "p = 3.20e-12");
//! assert_eq!(p_text(0.0, Some(-1601.0)), "p = 4.95e-696");
//! assert_eq!(p_text(0.0, None), "p < 1e-300");
//! ```

/// Smallest p printed from `p` itself; below it (and for subnormals and
/// 0) `ln p` is used when given.
const SMALLEST: f64 = 1e-300;

/// `p = …` for a p-value `p`, with `ln_p` (its natural logarithm, finite
/// where `p` underflows) when the test provides it.
///
/// Three decimals from 0.001 up (`p = 0.412`), three significant digits in
/// scientific notation below (`p = 3.20e-12`), from `ln p` below 1e-300
/// (`p = 4.95e-696`), and `p < 1e-300` when `p` underflowed and no finite
/// `ln p` is known. NaN prints as `p = NaN`.
pub fn p_text(p: f64, ln_p: Option<f64>) -> String {
    if p.is_nan() {
        return "p = NaN".into();
    }
    if p >= 0.001 {
        return format!("p = {p:.3}");
    }
    if p >= SMALLEST {
        return format!("p = {p:.2e}");
    }
    match ln_p.filter(|l| l.is_finite() && *l <= 0.0) {
        Some(ln_p) => {
            let log10 = ln_p / std::f64::consts::LN_10;
            let mut exp = log10.floor();
            let mut mantissa = 10f64.powf(log10 - exp);
            // 9.996 prints as 10.00: carry into the exponent.
            if (mantissa * 100.0).round() >= 1000.0 {
                mantissa /= 10.0;
                exp += 1.0;
            }
            format!("p = {mantissa:.2}e{exp:.0}")
        }
        None => format!("p < {SMALLEST:e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_p_values() {
        assert_eq!(p_text(1.0, None), "p = 1.000");
        assert_eq!(p_text(0.05, Some(0.05f64.ln())), "p = 0.050");
        assert_eq!(p_text(0.000_999, None), "p = 9.99e-4");
        assert_eq!(p_text(f64::NAN, None), "p = NaN");
    }

    /// The figure's defect: p underflowed to 0 printed `p = 0.00e0`.
    #[test]
    fn underflowed_p_values_come_from_ln_p() {
        assert_eq!(p_text(0.0, Some(-1601.0)), "p = 4.95e-696");
        // Consistent with p itself where both are representable.
        let p = 3.7e-250f64;
        assert_eq!(p_text(1e-301, Some(p.ln())), "p = 3.70e-250");
        assert_eq!(p_text(0.0, Some(f64::NEG_INFINITY)), "p < 1e-300");
        assert_eq!(p_text(0.0, None), "p < 1e-300");
        // Mantissa rounding carries into the exponent.
        let ln_p = -1000.0 * std::f64::consts::LN_10 + 9.999f64.ln();
        assert_eq!(p_text(0.0, Some(ln_p)), "p = 1.00e-999");
    }
}
