//! serde_json's `PrettyFormatter` (two-space indent), byte for byte, with
//! each line break and its indentation written in one piece: a posterior
//! file of 10^5 days has 2·10^5 array lines, and the formatter's write per
//! indentation level was a good part of writing it.

use std::io::{self, Write};

/// `",\n"` and the spaces of the deepest indentation written in one piece.
const BREAK: &[u8; 2 + 64] = b",\n                                                                ";

/// The formatter (see the module docs).
#[derive(Default)]
pub(crate) struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma unless `first`) and the indentation.
    fn line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        let from = usize::from(first);
        let spaces = 2 * self.level;
        if spaces <= BREAK.len() - 2 {
            return w.write_all(&BREAK[from..2 + spaces]);
        }
        w.write_all(&BREAK[from..2])?;
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(close)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
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

/// `value` as serde_json's `to_vec_pretty` writes it, into `out`.
pub(crate) fn write<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, Pretty::default());
    value.serialize(&mut ser)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of serde_json's pretty printer, at every depth (past the
    /// one-piece indentation too), for empty and full arrays and objects.
    #[test]
    fn writes_what_serde_json_writes() {
        let mut deep = serde_json::json!([1.5, [], {}, {"a": [0.0, null, 1e-300]}]);
        for i in 0..40 {
            deep = serde_json::json!({"k": deep, "i": i, "v": [[], [f64::MIN_POSITIVE, 2.0]]});
            if i % 13 == 0 {
                let mut out = Vec::new();
                write(&mut out, &deep).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json::to_string_pretty(&deep).unwrap()
                );
            }
        }
    }
}
