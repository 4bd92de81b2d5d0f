//! PDF syntax: character classes and a recursive-descent parser for one
//! object, counting every value and nesting level against `Limits`.
use lopdf::{Dictionary, Object, StringFormat};

use super::Refusal::{Bomb, Damaged};
use super::Res;

pub(super) fn is_ws(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}
pub(super) fn is_regular(b: u8) -> bool {
    !is_ws(b) && !b"()<>[]{}/%".contains(&b)
}
/// Whether a keyword ending before `at` ends there.
pub(super) fn boundary(buf: &[u8], at: usize) -> bool {
    buf.get(at).is_none_or(|&b| !is_regular(b))
}
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// What parsing has used of the budget, and its bounds.
pub(super) struct Limits {
    pub(super) values: usize,
    pub(super) max_values: usize,
    pub(super) max_depth: usize,
}

/// A recursive-descent parser over one object's span.
pub(super) struct Parser<'s, 'l> {
    pub(super) s: &'s [u8],
    pub(super) i: usize,
    lim: &'l mut Limits,
}

impl<'s, 'l> Parser<'s, 'l> {
    pub(super) fn new(s: &'s [u8], lim: &'l mut Limits) -> Self {
        Parser { s, i: 0, lim }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'%' {
                while self.peek().is_some_and(|c| c != b'\n' && c != b'\r') {
                    self.i += 1;
                }
            } else if is_ws(b) {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn token(&mut self) -> &'s [u8] {
        let start = self.i;
        while self.peek().is_some_and(is_regular) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    pub(super) fn value(&mut self, depth: usize) -> Res<Object> {
        self.lim.values += 1;
        if self.lim.values > self.lim.max_values || depth > self.lim.max_depth {
            return Err(Bomb);
        }
        self.skip_ws();
        match self.peek().ok_or(Damaged)? {
            b'/' => {
                self.i += 1;
                Ok(Object::Name(self.name()))
            }
            b'(' => self.literal(),
            b'<' if self.s.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                self.dict(depth).map(Object::Dictionary)
            }
            b'<' => self.hex(),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek().ok_or(Damaged)? == b']' {
                        self.i += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number(),
            _ => match self.token() {
                b"true" => Ok(Object::Boolean(true)),
                b"false" => Ok(Object::Boolean(false)),
                b"null" => Ok(Object::Null),
                _ => Err(Damaged),
            },
        }
    }

    fn dict(&mut self, depth: usize) -> Res<Dictionary> {
        let mut dict = Dictionary::new();
        loop {
            self.skip_ws();
            match self.peek().ok_or(Damaged)? {
                b'>' if self.s.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    return Ok(dict);
                }
                b'/' => {
                    self.i += 1;
                    let key = self.name();
                    let value = self.value(depth + 1)?;
                    dict.set(key, value);
                }
                _ => return Err(Damaged),
            }
        }
    }

    fn name(&mut self) -> Vec<u8> {
        let raw = self.token();
        let mut out = Vec::new();
        let mut k = 0;
        while k < raw.len() {
            let hex = |at: usize| raw.get(at).copied().and_then(hex_digit);
            match (raw[k], hex(k + 1), hex(k + 2)) {
                (b'#', Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    k += 3;
                }
                (b, ..) => {
                    out.push(b);
                    k += 1;
                }
            }
        }
        out
    }

    fn literal(&mut self) -> Res<Object> {
        self.i += 1;
        let (mut out, mut open) = (Vec::new(), 0usize);
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'(' => open += 1,
                b')' if open == 0 => return Ok(Object::String(out, StringFormat::Literal)),
                b')' => open -= 1,
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.i += 1;
                    }
                    out.push(b'\n');
                    continue;
                }
                b'\\' => {
                    let e = self.peek().ok_or(Damaged)?;
                    self.i += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.i += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8); // overflow of \ddd is ignored, as specified
                        }
                        b'\r' if self.peek() == Some(b'\n') => self.i += 1, // line continuation
                        b'\r' | b'\n' => {}
                        other => out.push(other),
                    }
                    continue;
                }
                _ => {}
            }
            out.push(b);
        }
        Err(Damaged)
    }

    fn hex(&mut self) -> Res<Object> {
        self.i += 1;
        let (mut out, mut high) = (Vec::new(), None);
        while let Some(b) = self.peek() {
            self.i += 1;
            if b == b'>' {
                out.extend(high.map(|h: u8| h << 4));
                return Ok(Object::String(out, StringFormat::Hexadecimal));
            }
            if is_ws(b) {
                continue;
            }
            let v = hex_digit(b).ok_or(Damaged)?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        Err(Damaged)
    }

    fn number(&mut self) -> Res<Object> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_digit() || b"+-.".contains(&b))
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| Damaged)?;
        if let Ok(n) = text.parse::<i64>() {
            return Ok(self.reference(n).unwrap_or(Object::Integer(n)));
        }
        match text.parse::<f64>() {
            Ok(f) if (f as f32).is_finite() => Ok(Object::Real(f as f32)),
            _ => Err(Damaged),
        }
    }

    /// After an integer, `G R` makes a reference; otherwise nothing is consumed.
    fn reference(&mut self, num: i64) -> Option<Object> {
        let save = self.i;
        let found = (|| {
            let num = u32::try_from(num).ok()?;
            self.skip_ws();
            let generation = std::str::from_utf8(self.token())
                .ok()?
                .parse::<u16>()
                .ok()?;
            self.skip_ws();
            (self.token() == b"R").then_some(Object::Reference((num, generation)))
        })();
        if found.is_none() {
            self.i = save;
        }
        found
    }
}

/// Parses an object; one that does not parse is null (a missing object).
pub(super) fn parse_or_null(s: &[u8], lim: &mut Limits) -> Res<Object> {
    match Parser::new(s, lim).value(0) {
        Err(Bomb) => Err(Bomb),
        result => Ok(result.unwrap_or(Object::Null)),
    }
}
