//! The posterior file's JSON layout: serde_json's `PrettyFormatter`
//! (two-space indent, one key per line), except that an array whose first
//! element is a number, `null` or a boolean is written on one line,
//! `[0.1, 0.2, null]`.
//!
//! Why: a switchpoint file of 10^5 days holds `tau_posterior` twice (the
//! method's and the exact one), 2·10^5 numbers. One per line, the
//! indentation alone made the file 2.1 MB and writing it was the largest
//! cost of `changepoint fit --method exact` after the posterior itself;
//! on one line the file is a quarter of that. Objects and arrays of
//! objects or strings keep one item per line, as before.

use serde_json::ser::{CompactFormatter, Formatter};
use std::io::{self, Write};

/// `"\n"` and the spaces of the deepest indentation written in one piece.
const BREAK: &[u8; 1 + 64] = b"\n                                                                ";

/// The formatter (see the module docs).
#[derive(Default)]
pub(crate) struct Pretty {
    level: usize,
    has_value: bool,
    /// One entry per open array: `None` until its first element shows
    /// whether it is written on one line (`Some(true)`).
    arrays: Vec<Option<bool>>,
    /// An array element has begun (`Some(first)`) and its separator is
    /// not yet written: it depends on the element's kind.
    pending: Option<bool>,
}

impl Pretty {
    /// A line break (after a comma unless `first`) and the indentation.
    fn line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        let spaces = 2 * self.level;
        if spaces < BREAK.len() {
            return w.write_all(&BREAK[..1 + spaces]);
        }
        w.write_all(b"\n")?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Writes the separator of a pending array element: `scalar` says
    /// whether the element is a number, null or boolean.
    fn separate<W: ?Sized + Write>(&mut self, w: &mut W, scalar: bool) -> io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        let inline = match self.arrays.last_mut() {
            Some(mode) => *mode.get_or_insert(scalar),
            None => false,
        };
        if inline {
            if first { Ok(()) } else { w.write_all(b", ") }
        } else {
            self.line(w, first)
        }
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(close)
    }

    /// A number in a one-line array: separator and value in one write
    /// (a 10^5-day file has 2·10^5 of them, mostly exact zeros).
    fn write_f64_fast<W: ?Sized + Write>(&mut self, w: &mut W, v: f64) -> io::Result<()> {
        let inline_next =
            self.pending == Some(false) && matches!(self.arrays.last(), Some(Some(true)));
        if !inline_next {
            self.separate(w, true)?;
            return CompactFormatter.write_f64(w, v);
        }
        self.pending = None;
        if v == 0.0 && v.is_sign_positive() {
            return w.write_all(b", 0.0");
        }
        let mut buf = [0u8; 40];
        buf[..2].copy_from_slice(b", ");
        let mut cursor = io::Cursor::new(&mut buf[2..]);
        CompactFormatter.write_f64(&mut cursor, v)?;
        let end = 2 + cursor.position() as usize;
        w.write_all(&buf[..end])
    }
}

/// The scalar writers: the pending separator, then serde_json's compact
/// (default) bytes of the value.
macro_rules! scalars {
    ($($name:ident: $t:ty),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, v: $t) -> io::Result<()> {
            self.separate(w, true)?;
            CompactFormatter.$name(w, v)
        }
    )*};
}

impl Formatter for Pretty {
    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.separate(w, true)?;
        w.write_all(b"null")
    }
    scalars!(
        write_bool: bool,
        write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128,
        write_f32: f32,
    );
    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, v: f64) -> io::Result<()> {
        self.write_f64_fast(w, v)
    }
    fn write_number_str<W: ?Sized + Write>(&mut self, w: &mut W, v: &str) -> io::Result<()> {
        self.separate(w, true)?;
        w.write_all(v.as_bytes())
    }
    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.separate(w, false)?;
        w.write_all(b"\"")
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.separate(w, false)?;
        self.level += 1;
        self.has_value = false;
        self.arrays.push(None);
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.arrays.pop() == Some(Some(true)) {
            self.level -= 1;
            self.has_value = true;
            return w.write_all(b"]");
        }
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, _w: &mut W, first: bool) -> io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.separate(w, false)?;
        self.level += 1;
        self.has_value = false;
        // Keys and values inside are not elements of the enclosing array.
        self.arrays.push(Some(false));
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.arrays.pop();
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `value` as JSON in the layout of the module docs, to `out`.
pub(crate) fn write<W: Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Pretty::default());
    value.serialize(&mut ser)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The layout, byte for byte, on a small document with every kind of
    /// array.
    #[test]
    fn layout() {
        let v = serde_json::json!({
            "p": [0.5, 0.25, null, 1e-300],
            "empty": [],
            "o": {},
            "names": ["a", "b"],
            "nested": [[1, 2], [], [true, false]],
            "objs": [{"k": [3]}, {}],
            "x": 1.5,
            "z": [0.0, -0.0, 0.0, 2.5e-7]
        });
        // (serde_json's maps are sorted by key.)
        let want = r#"{
  "empty": [],
  "names": [
    "a",
    "b"
  ],
  "nested": [
    [1, 2],
    [],
    [true, false]
  ],
  "o": {},
  "objs": [
    {
      "k": [3]
    },
    {}
  ],
  "p": [0.5, 0.25, null, 1e-300],
  "x": 1.5,
  "z": [0.0, -0.0, 0.0, 2.5e-7]
}"#;
        assert_eq!(text(&v), want);
    }

    /// At every depth (past the one-piece indentation too) the text reads
    /// back to the same value, and without number arrays it is serde_json's
    /// pretty printer's, byte for byte.
    #[test]
    fn reads_back_and_is_serde_json_pretty_without_number_arrays() {
        let mut deep = serde_json::json!([1.5, [], {}, {"a": [0.0, null, 1e-300]}]);
        let mut plain = serde_json::json!({"s": ["x", {}]});
        for i in 0..40 {
            deep = serde_json::json!({"k": deep, "i": i, "v": [[], [f64::MIN_POSITIVE, 2.0]]});
            plain = serde_json::json!({"k": plain, "i": i, "v": [["a"], {"b": null}]});
            if i % 13 == 0 {
                let t = text(&deep);
                assert_eq!(serde_json::from_str::<serde_json::Value>(&t).unwrap(), deep);
                assert_eq!(text(&plain), serde_json::to_string_pretty(&plain).unwrap());
            }
        }
    }
}
