//! Python-compatible text for floats and JSON.
//!
//! The Python peers write floats with `repr` (shortest round-trip digits,
//! exponent below 1e-4 and from 1e16) and lists with `json.dumps`. Writing the
//! same text lets a researcher `diff` our output against theirs.

use std::fmt::Write;

/// `repr(x)` of a Python float: `0.06277653078978894`, `1.0`, `1.5e-05`,
/// `1e+16`, `nan`, `inf`.
///
/// ```
/// use threatstat_core::pyfmt::py_repr;
/// assert_eq!(py_repr(1.0), "1.0");
/// assert_eq!(py_repr(0.0001), "0.0001");
/// assert_eq!(py_repr(1.5e-5), "1.5e-05");
/// assert_eq!(py_repr(1e16), "1e+16");
/// assert_eq!(py_repr(123456.5), "123456.5");
/// assert_eq!(py_repr(-0.0), "-0.0");
/// ```
pub fn py_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "-6.2e-2".
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(24);
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    out
}

/// A float as Python's `json.dumps` writes it (`NaN`, `Infinity`, else `repr`).
pub fn py_json_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        py_repr(x)
    }
}

/// Appends `s` as a JSON string the way Python's `json.dumps` writes it
/// (`ensure_ascii=True`: non-ASCII as `\uXXXX`, surrogate pairs above U+FFFF).
///
/// ```
/// use threatstat_core::pyfmt::push_py_json_str;
/// let mut out = String::new();
/// push_py_json_str(&mut out, "a\"b\\é\n");
/// assert_eq!(out, r#""a\"b\\\u00e9\n""#);
/// ```
pub fn push_py_json_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json.dumps(list_of_str)`: `["a", "b"]`.
pub fn py_json_str_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_py_json_str(&mut out, s);
    }
    out.push(']');
    out
}

/// `json.dumps(list_of_float)`: `[0.5, NaN]`.
pub fn py_json_float_list(items: impl IntoIterator<Item = f64>) -> String {
    let mut out = String::from("[");
    for (i, x) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&py_json_float(x));
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn python_repr_examples() {
        // Values checked against CPython 3.11 `repr`.
        let cases = [
            (0.06277653078978894, "0.06277653078978894"),
            (0.002778732567736949, "0.002778732567736949"),
            (1e-05, "1e-05"),
            (1.2345e-7, "1.2345e-07"),
            (1e22, "1e+22"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-2.5, "-2.5"),
        ];
        for (x, s) in cases {
            assert_eq!(py_repr(x), s);
        }
        assert_eq!(py_json_float(f64::NAN), "NaN");
        assert_eq!(py_json_str_list(["a", "😀"]), r#"["a", "\ud83d\ude00"]"#);
        assert_eq!(py_json_float_list([0.5, f64::NAN]), "[0.5, NaN]");
    }

    proptest! {
        #[test]
        fn repr_round_trips(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            prop_assert_eq!(py_repr(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }
}
