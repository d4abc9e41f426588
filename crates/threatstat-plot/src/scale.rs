//! Value axes: range padding, tick positions and tick labels (linear and log10).

/// A computed value axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    /// Lower end of the axis (positive when `log`).
    pub lo: f64,
    /// Upper end of the axis.
    pub hi: f64,
    /// Whether the axis is logarithmic (base 10).
    pub log: bool,
    /// Labelled ticks, ascending.
    pub ticks: Vec<(f64, String)>,
    /// Unlabelled minor grid positions, ascending (log axes: 2..9 × 10^k).
    pub minor: Vec<f64>,
}

impl ValueAxis {
    /// Position of `v` on the axis as a fraction: 0 at `lo`, 1 at `hi`.
    pub fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

/// Builds a value axis covering the data range `[vmin, vmax]` (finite, and
/// positive when `log`), with at most about `max_ticks` labelled ticks.
pub(crate) fn value_axis(vmin: f64, vmax: f64, log: bool, max_ticks: usize) -> ValueAxis {
    let max_ticks = max_ticks.max(2);
    if log {
        log_axis(vmin, vmax, max_ticks)
    } else {
        linear_axis(vmin, vmax, max_ticks)
    }
}

fn log_axis(vmin: f64, vmax: f64, max_ticks: usize) -> ValueAxis {
    let (mut l0, mut l1) = (vmin.log10(), vmax.log10());
    if l1 - l0 < 1e-9 {
        l0 -= 0.5;
        l1 += 0.5;
    }
    let pad = 0.05 * (l1 - l0);
    let (l0, l1) = (l0 - pad, l1 + pad);
    let lo = 10f64.powf(l0).max(f64::MIN_POSITIVE);
    let hi = 10f64.powf(l1).min(f64::MAX);
    let (l0, l1) = (lo.log10(), hi.log10());

    let k0 = l0.ceil() as i64;
    let k1 = l1.floor() as i64;
    let decades = (k1 - k0 + 1).max(0) as usize;
    if decades >= 2 {
        let stride = decades.div_ceil(max_ticks).max(1) as i64;
        let ticks = (k0..=k1)
            .filter(|k| k.rem_euclid(stride) == 0)
            .map(|k| (pow10(k), pow10_label(k)))
            .collect::<Vec<_>>();
        if ticks.len() >= 2 {
            let mut minor = Vec::new();
            if stride > 1 {
                // Unlabelled decades get grid lines.
                if decades <= 60 {
                    minor.extend((k0..=k1).filter(|k| k.rem_euclid(stride) != 0).map(pow10));
                }
            } else if decades <= 16 {
                for k in (k0 - 1)..=k1 {
                    for m in 2..=9 {
                        let v = f64::from(m) * pow10(k);
                        if v > lo && v < hi {
                            minor.push(v);
                        }
                    }
                }
            }
            return ValueAxis {
                lo,
                hi,
                log: true,
                ticks,
                minor,
            };
        }
    }
    // Less than about two decades: 1-2-5 ticks, or failing that linear ones.
    let mut ticks = Vec::new();
    for k in (k0 - 1)..=k1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * pow10(k);
            if v >= lo && v <= hi {
                ticks.push(v);
            }
        }
    }
    let ticks = if ticks.len() >= 3 {
        ticks
    } else {
        linear_ticks(lo, hi, max_ticks.min(8)).0
    };
    let ticks = ticks.into_iter().map(|v| (v, plain_label(v))).collect();
    ValueAxis {
        lo,
        hi,
        log: true,
        ticks,
        minor: Vec::new(),
    }
}

fn linear_axis(vmin: f64, vmax: f64, max_ticks: usize) -> ValueAxis {
    // Halve first so that extreme finite values cannot overflow to infinity.
    let (mut a, mut b) = (vmin / 2.0, vmax / 2.0);
    if b - a <= 0.0 {
        let d = if a == 0.0 { 0.5 } else { a.abs() * 0.1 };
        a -= d;
        b += d;
    }
    let pad = 0.05 * (b - a);
    let lo = ((a - pad) * 2.0).max(-f64::MAX);
    let hi = ((b + pad) * 2.0).min(f64::MAX);
    let (ticks, step) = linear_ticks(lo, hi, max_ticks);
    let ticks = ticks
        .into_iter()
        .map(|v| (v, stepped_label(v, step, lo.abs().max(hi.abs()))))
        .collect();
    ValueAxis {
        lo,
        hi,
        log: false,
        ticks,
        minor: Vec::new(),
    }
}

/// A linear axis for bar heights: from exactly 0 to a little (8 %) above
/// `vmax` (finite, `>= 0`; 0 gives the axis 0–1), with at most about
/// `max_ticks` labelled ticks.
pub(crate) fn zero_based_axis(vmax: f64, max_ticks: usize) -> ValueAxis {
    let hi = if vmax > 0.0 && vmax.is_finite() {
        (vmax * 1.08).min(f64::MAX)
    } else {
        1.0
    };
    let (ticks, step) = linear_ticks(0.0, hi, max_ticks.max(2));
    let ticks = ticks
        .into_iter()
        .map(|v| (v, stepped_label(v, step, hi)))
        .collect();
    ValueAxis {
        lo: 0.0,
        hi,
        log: false,
        ticks,
        minor: Vec::new(),
    }
}

/// "Nice" ticks (1, 2 or 5 × 10^k apart) within `[lo, hi]`; returns them and the step.
pub(crate) fn linear_ticks(lo: f64, hi: f64, max_ticks: usize) -> (Vec<f64>, f64) {
    let span = hi / 2.0 - lo / 2.0; // half span, overflow-safe
    let raw = span * 2.0 / max_ticks.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return (vec![lo, hi], hi - lo);
    }
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil();
    let mut out = Vec::new();
    let mut i = 0.0;
    while out.len() <= max_ticks + 1 {
        let v = (first + i) * step;
        if v > hi * (1.0 + f64::EPSILON * 4.0) + f64::MIN_POSITIVE {
            break;
        }
        // Snap values that are zero up to rounding noise.
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        i += 1.0;
    }
    (out, step)
}

fn pow10(k: i64) -> f64 {
    10f64.powi(k as i32)
}

/// `10⁻⁶`-style label of a power of ten.
pub(crate) fn pow10_label(k: i64) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if k < 0 {
        s.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        s.push(SUP[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

/// A compact label for a tick value of unknown spacing.
pub(crate) fn plain_label(v: f64) -> String {
    format_value(v)
}

/// Formats a value compactly: decimals for moderate magnitudes (up to 4
/// significant digits), scientific notation (`2.5e-7`) otherwise.
pub fn format_value(v: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if (1e-3..1e6).contains(&a) {
        let digits = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
        trim_zeros(format!("{v:.digits$}"))
    } else {
        let s = format!("{v:.3e}");
        match s.split_once('e') {
            Some((mant, exp)) => format!("{}e{exp}", trim_zeros(mant.to_string())),
            None => s,
        }
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Label of a linear tick `v` with spacing `step` on an axis reaching `max_abs`.
fn stepped_label(v: f64, step: f64, max_abs: f64) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    if step >= 1e-4 && max_abs < 1e7 {
        let digits = (-step.log10().floor()).clamp(0.0, 10.0) as usize;
        format!("{v:.digits$}")
    } else {
        format_value(v)
    }
}

/// `20000` as `20,000`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn log_axis_over_six_decades() {
        let ax = value_axis(1e-6, 1.0, true, 10);
        assert!(ax.lo < 1e-6 && ax.hi > 1.0);
        let labels: Vec<_> = ax.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]
        );
        assert!(!ax.minor.is_empty());
        assert!(ax.frac(1e-6) > 0.0 && ax.frac(1.0) < 1.0);
    }

    #[test]
    fn log_axis_many_decades_thins_labels() {
        let ax = value_axis(1e-300, 1e10, true, 8);
        assert!(ax.ticks.len() >= 2 && ax.ticks.len() <= 9, "{:?}", ax.ticks);
        assert!(ax.minor.is_empty());
        let ax = value_axis(1e-40, 1e10, true, 8);
        assert!(ax.ticks.len() >= 2 && ax.ticks.len() <= 9, "{:?}", ax.ticks);
        assert!(ax.minor.len() > 30 && ax.minor.iter().all(|v| *v > ax.lo && *v < ax.hi));
    }

    #[test]
    fn log_axis_narrow_and_degenerate() {
        let ax = value_axis(0.3, 0.7, true, 8);
        assert!(ax.ticks.len() >= 2, "{:?}", ax.ticks);
        assert!(ax.ticks.iter().all(|(v, _)| *v >= ax.lo && *v <= ax.hi));
        let ax = value_axis(1e-3, 1e-3, true, 8);
        assert!(
            ax.lo < 1e-3 && ax.hi > 1e-3 && ax.ticks.len() >= 2,
            "{ax:?}"
        );
        let ax = value_axis(f64::MIN_POSITIVE, f64::MAX, true, 8);
        assert!(ax.lo > 0.0 && ax.hi.is_finite() && ax.ticks.len() >= 2);
    }

    #[test]
    fn linear_axes() {
        let ax = value_axis(0.0, 1.0, false, 6);
        let labels: Vec<_> = ax.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let ax = value_axis(5.0, 5.0, false, 6);
        assert!(ax.lo < 5.0 && ax.hi > 5.0 && ax.ticks.len() >= 2);
        let ax = value_axis(-f64::MAX, f64::MAX, false, 6);
        assert!(ax.lo.is_finite() && ax.hi.is_finite() && !ax.ticks.is_empty());
        let ax = value_axis(0.0, 0.0, false, 6);
        assert!(ax.ticks.iter().any(|t| t.1 == "0.0"), "{:?}", ax.ticks);
    }

    #[test]
    fn zero_based_axes() {
        let ax = zero_based_axis(0.486, 6);
        assert_eq!(ax.lo, 0.0);
        assert!(ax.hi > 0.486 && ax.hi < 0.55, "{ax:?}");
        let labels: Vec<_> = ax.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
        let ax = zero_based_axis(74.0, 8);
        assert!(ax.ticks.iter().all(|(v, _)| *v >= 0.0 && *v <= ax.hi));
        assert_eq!(ax.ticks[0].1, "0");
        let ax = zero_based_axis(0.0, 6);
        assert_eq!((ax.lo, ax.hi), (0.0, 1.0));
        let ax = zero_based_axis(f64::MAX, 6);
        assert!(ax.hi.is_finite() && ax.ticks.len() >= 2, "{ax:?}");
    }

    #[test]
    fn value_formatting() {
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(2e-6), "2e-6");
        assert_eq!(format_value(1.23456e-7), "1.235e-7");
        assert_eq!(format_value(1500.0), "1500");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(pow10_label(-12), "10⁻¹²");
        assert_eq!(pow10_label(3), "10³");
    }
}
