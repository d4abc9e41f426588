//! The fast path of the sessions reader: one line of a sessions file read
//! straight into a [`SessionSet`] by a scanner written for this one schema.
//!
//! It borrows every string it can from the line (only strings with escapes
//! are decoded, into a reused buffer), interns as it goes, and reads only
//! what the session type needs: for `cmds` the parameters are skipped (but
//! still checked to be well-formed JSON of the right shape), for `params`
//! the values are.
//!
//! It never reports an error: on anything it does not read the way the
//! general reader (`serde_json` through `io::read_session`) would, or on
//! any error, it gives up ([`Fallback`]) and the caller reads the line the
//! general way, which makes the error message or the result. So the fast
//! path must only succeed where the general reader succeeds with the same
//! session; it may give up more often than needed (escaped keys, repeated
//! keys, non-string parameter values, numbers with exponents).

use crate::io::SessionMeta;
use crate::model::SessionType;
use crate::session::{NO_VALUE, SessionSet};
use rustc_hash::FxHashMap;
use threatstat_core::time::parse_timestamp;

/// The line is not read by the fast path; read it the general way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fallback;

type R<T> = Result<T, Fallback>;

/// Deeper nesting is left to `serde_json` (whose limit is 128).
const MAX_DEPTH: usize = 100;

/// What is taken from each event's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Nothing: commands only.
    Nothing,
    /// Parameter names, values skipped (stored as no value).
    Names,
    /// Names and values.
    Values,
}

impl Need {
    /// What a model of `t` uses.
    pub(crate) fn of(t: SessionType) -> Need {
        match t {
            SessionType::Cmds => Need::Nothing,
            SessionType::CmdsParams => Need::Names,
            SessionType::CmdsParamsValues => Need::Values,
        }
    }
}

/// Buffers reused from line to line of a chunk: decoded strings, and the
/// value id of each parameter value with escapes met so far, by its text
/// as written (so a repeated escaped value is neither decoded nor hashed
/// twice).
#[derive(Debug, Default)]
pub(crate) struct Scratch<'a> {
    a: String,
    b: String,
    escaped: FxHashMap<&'a str, u32>,
}

/// Reads one line (without its line end; it is valid UTF-8) into `set`
/// (left open on [`Fallback`]: the caller discards it). `session_id` is
/// `None` when the line has none.
pub(crate) fn read_line<'a>(
    line: &'a str,
    need: Need,
    set: &mut SessionSet,
    scratch: &mut Scratch<'a>,
) -> R<(Option<u64>, SessionMeta)> {
    let mut s = Scanner {
        s: line,
        b: line.as_bytes(),
        i: 0,
    };
    set.begin_session();
    let meta = s.object(need, set, scratch)?;
    s.ws();
    if s.i != s.b.len() {
        return Err(Fallback);
    }
    set.finish_session().map_err(|_| Fallback)?;
    Ok(meta)
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

/// Bit of each top-level key the reader acts on, to refuse repeated keys.
const K_ID: u8 = 1;
const K_TMIN: u8 = 2;
const K_TMAX: u8 = 4;
const K_EVENTS: u8 = 8;
const K_CMDS: u8 = 16;

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> R<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// After a value: `,` (true) or `close` (false).
    #[inline]
    fn next_or_close(&mut self, close: u8) -> R<bool> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(Fallback),
        }
    }

    /// True (and consumed) when the next token is `close`: an empty array
    /// or object.
    #[inline]
    fn empty(&mut self, close: u8) -> bool {
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8]) -> R<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// True (and consumed) when the next token is `null`.
    #[inline]
    fn null(&mut self) -> R<bool> {
        self.ws();
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The index of the first `"`, `\` or control byte at or after `i`.
    #[inline]
    fn special(&self, mut i: usize) -> usize {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let b = self.b;
        while i + 8 <= b.len() {
            let x = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
            let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
            // Each term's lowest set bit is exact, so the lowest of all is
            // the first special byte.
            let m = zero(x ^ (ONES * b'"' as u64))
                | zero(x ^ (ONES * b'\\' as u64))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
            if m != 0 {
                return i + (m.trailing_zeros() / 8) as usize;
            }
            i += 8;
        }
        while i < b.len() && !matches!(b[i], b'"' | b'\\' | 0..=0x1f) {
            i += 1;
        }
        i
    }

    /// A string (the next token), borrowed when it has no escapes, else
    /// decoded into `buf`.
    fn string<'s>(&mut self, buf: &'s mut String) -> R<&'s str>
    where
        'a: 's,
    {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(Fallback);
        }
        let start = self.i + 1;
        let mut i = self.special(start);
        match self.b.get(i) {
            Some(b'"') => {
                self.i = i + 1;
                let s: &'a str = self.s;
                return Ok(&s[start..i]);
            }
            Some(b'\\') => {}
            _ => return Err(Fallback),
        }
        buf.clear();
        buf.push_str(&self.s[start..i]);
        loop {
            match self.b.get(i) {
                Some(b'"') => {
                    self.i = i + 1;
                    return Ok(buf);
                }
                Some(b'\\') => {
                    let (c, n) = self.escape(i)?;
                    buf.push(c);
                    i += n;
                }
                _ => return Err(Fallback),
            }
            let j = self.special(i);
            buf.push_str(&self.s[i..j]);
            i = j;
        }
    }

    /// The escape at `i` (a backslash): the character and the bytes taken.
    /// Surrogates (pairs or lone) are left to the general reader.
    fn escape(&self, i: usize) -> R<(char, usize)> {
        let c = match self.b.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let hex = self.b.get(i + 2..i + 6).ok_or(Fallback)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return Err(Fallback);
                }
                let code = u32::from_str_radix(&self.s[i + 2..i + 6], 16).map_err(|_| Fallback)?;
                return Ok((char::from_u32(code).ok_or(Fallback)?, 6));
            }
            _ => return Err(Fallback),
        };
        Ok((c, 2))
    }

    /// Skips a string, checking it as [`Scanner::string`] would; true
    /// when it has escapes.
    fn skip_string(&mut self) -> R<bool> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(Fallback);
        }
        let mut i = self.i + 1;
        let mut escaped = false;
        loop {
            i = self.special(i);
            match self.b.get(i) {
                Some(b'"') => {
                    self.i = i + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    match self.b.get(i + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                        _ => i += self.escape(i)?.1,
                    }
                }
                _ => return Err(Fallback),
            }
        }
    }

    /// Skips a number (JSON grammar; exponents and very long numbers are
    /// left to the general reader, which may find them out of range).
    fn skip_number(&mut self) -> R<()> {
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let digits = |mut i: usize| {
            let s = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            (i, i - s)
        };
        let (j, n) = digits(i);
        if n == 0 || (n > 1 && b[i] == b'0') || n > 300 {
            return Err(Fallback);
        }
        i = j;
        if b.get(i) == Some(&b'.') {
            let (j, n) = digits(i + 1);
            if n == 0 {
                return Err(Fallback);
            }
            i = j;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            return Err(Fallback);
        }
        self.i = i;
        Ok(())
    }

    /// Skips any value, checking that it is well-formed.
    fn skip_value(&mut self, depth: usize) -> R<()> {
        if depth > MAX_DEPTH {
            return Err(Fallback);
        }
        self.ws();
        match self.peek() {
            Some(b'"') => self.skip_string().map(|_| ()),
            Some(b'n') => self.literal(b"null"),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'-' | b'0'..=b'9') => self.skip_number(),
            Some(b'[') => {
                self.i += 1;
                if self.empty(b']') {
                    return Ok(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if !self.next_or_close(b']')? {
                        return Ok(());
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                if self.empty(b'}') {
                    return Ok(());
                }
                loop {
                    self.skip_string()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    if !self.next_or_close(b'}')? {
                        return Ok(());
                    }
                }
            }
            _ => Err(Fallback),
        }
    }

    /// A key without escapes (keys with escapes are left to the general
    /// reader), then the colon.
    fn key(&mut self) -> R<&'a str> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(Fallback);
        }
        let start = self.i + 1;
        let end = self.special(start);
        if self.b.get(end) != Some(&b'"') {
            return Err(Fallback);
        }
        self.i = end + 1;
        self.eat(b':')?;
        let s: &'a str = self.s;
        Ok(&s[start..end])
    }

    /// A timestamp field: null or a string parsed as the general reader does.
    fn time(&mut self, buf: &mut String) -> R<Option<i64>> {
        if self.null()? {
            return Ok(None);
        }
        let s = self.string(buf)?;
        parse_timestamp(s).map(Some).map_err(|_| Fallback)
    }

    /// The top-level object.
    fn object(
        &mut self,
        need: Need,
        set: &mut SessionSet,
        scratch: &mut Scratch<'a>,
    ) -> R<(Option<u64>, SessionMeta)> {
        self.eat(b'{')?;
        if self.empty(b'}') {
            return Err(Fallback);
        }
        let mut seen = 0u8;
        let mut once = |bit: u8| {
            if seen & bit != 0 {
                return Err(Fallback);
            }
            seen |= bit;
            Ok(())
        };
        let mut meta = SessionMeta {
            session_id: 0,
            users: Vec::new(),
            time_min: None,
            time_max: None,
        };
        let mut session_id = None;
        let mut cmds_at = None;
        // Keys other than the known ones (the user columns among them), to
        // leave repeated keys to the general reader.
        let mut others: Vec<&str> = Vec::new();
        loop {
            let key = self.key()?;
            match key {
                "session_id" => {
                    once(K_ID)?;
                    session_id = Some(self.u64()?);
                }
                "time_min" => {
                    once(K_TMIN)?;
                    meta.time_min = self.time(&mut scratch.a)?;
                }
                "time_max" => {
                    once(K_TMAX)?;
                    meta.time_max = self.time(&mut scratch.a)?;
                }
                "events" => {
                    once(K_EVENTS)?;
                    self.events(need, set, scratch)?;
                }
                "cmds" => {
                    once(K_CMDS)?;
                    self.ws();
                    cmds_at = Some(self.i);
                    self.skip_value(1)?;
                }
                "duration_s" | "number_events" | "row_ids" => self.skip_value(1)?,
                _ => {
                    if others.contains(&key) {
                        return Err(Fallback);
                    }
                    others.push(key);
                    if self.null()? {
                        meta.users.push((key.to_string(), None));
                    } else if self.peek() == Some(b'"') {
                        let v = self.string(&mut scratch.a)?.to_string();
                        meta.users.push((key.to_string(), Some(v)));
                    } else {
                        self.skip_value(1)?;
                    }
                }
            }
            if !self.next_or_close(b'}')? {
                break;
            }
        }
        if seen & K_EVENTS == 0 {
            let end = self.i;
            self.i = cmds_at.ok_or(Fallback)?;
            self.cmds(set, scratch)?;
            self.i = end;
        }
        Ok((session_id, meta))
    }

    /// A non-negative integer that fits in `u64` (anything else is left to
    /// the general reader).
    fn u64(&mut self) -> R<u64> {
        self.ws();
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .ok_or(Fallback)?;
            self.i += 1;
        }
        let len = self.i - start;
        if len == 0
            || (len > 1 && self.b[start] == b'0')
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            return Err(Fallback);
        }
        Ok(n)
    }

    /// `cmds`: an array of command names.
    fn cmds(&mut self, set: &mut SessionSet, scratch: &mut Scratch<'a>) -> R<()> {
        self.eat(b'[')?;
        if self.empty(b']') {
            return Err(Fallback);
        }
        loop {
            let c = self.string(&mut scratch.a)?;
            set.add_event(c);
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// `events`: an array of `{"cmd": .., "params": [[name, value], ..]}`
    /// (other keys skipped; `cmd` must come before `params`).
    fn events(&mut self, need: Need, set: &mut SessionSet, scratch: &mut Scratch<'a>) -> R<()> {
        self.eat(b'[')?;
        if self.empty(b']') {
            return Err(Fallback);
        }
        loop {
            self.eat(b'{')?;
            if self.empty(b'}') {
                return Err(Fallback);
            }
            let (mut cmd, mut params) = (false, false);
            loop {
                match self.key()? {
                    "cmd" => {
                        if cmd {
                            return Err(Fallback);
                        }
                        cmd = true;
                        let c = self.string(&mut scratch.a)?;
                        set.add_event(c);
                    }
                    "params" => {
                        if params || !cmd {
                            return Err(Fallback);
                        }
                        params = true;
                        self.params(need, set, scratch)?;
                    }
                    _ => self.skip_value(3)?,
                }
                if !self.next_or_close(b'}')? {
                    break;
                }
            }
            if !cmd {
                return Err(Fallback);
            }
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }

    /// A string parameter value's id in `set`; escaped ones are decoded
    /// only the first time the chunk meets them (`escaped`).
    fn value_id(
        &mut self,
        set: &mut SessionSet,
        buf: &mut String,
        escaped: &mut FxHashMap<&'a str, u32>,
    ) -> R<u32> {
        self.ws();
        let at = self.i;
        let has_escapes = self.skip_string()?;
        let s: &'a str = self.s;
        let raw = &s[at + 1..self.i - 1];
        if !has_escapes {
            return Ok(set.intern_value(raw));
        }
        if let Some(&id) = escaped.get(raw) {
            return Ok(id);
        }
        let end = self.i;
        self.i = at;
        let id = set.intern_value(self.string(buf)?);
        self.i = end;
        escaped.insert(raw, id);
        Ok(id)
    }

    /// An event's `params`: null or an array of `[name, value]` pairs.
    fn params(&mut self, need: Need, set: &mut SessionSet, scratch: &mut Scratch<'a>) -> R<()> {
        if self.null()? {
            return Ok(());
        }
        self.eat(b'[')?;
        if self.empty(b']') {
            return Ok(());
        }
        loop {
            self.eat(b'[')?;
            match need {
                Need::Nothing => {
                    self.skip_string()?;
                    self.eat(b',')?;
                    self.skip_value(5)?;
                }
                Need::Names => {
                    let name = self.string(&mut scratch.a)?;
                    self.eat(b',')?;
                    self.skip_value(5)?;
                    set.add_param(name, None);
                }
                Need::Values => {
                    let name = self.string(&mut scratch.a)?;
                    self.eat(b',')?;
                    let value = if self.null()? {
                        NO_VALUE
                    } else {
                        // Non-string values are re-serialised by the
                        // general reader.
                        self.value_id(set, &mut scratch.b, &mut scratch.escaped)?
                    };
                    set.add_param_id(name, value);
                }
            }
            self.eat(b']')?;
            if !self.next_or_close(b']')? {
                return Ok(());
            }
        }
    }
}
