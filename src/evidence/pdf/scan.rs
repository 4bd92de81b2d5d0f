//! The linear scan of the file: object headers, trailers and stream
//! boundaries, where each object is defined, and object streams inflated
//! within the budget.
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::rc::Rc;

use flate2::read::ZlibDecoder;
use lopdf::{Dictionary, Object, Stream};

use super::Refusal::{Bomb, Unrebuildable};
use super::syntax::{Limits, Parser, boundary, find, is_regular, is_ws, parse_or_null};
use super::{Budget, Res};

/// Nesting ceiling whatever the budget says: deeper recursion risks the stack.
const HARD_DEPTH: usize = 256;
const MAX_FLATE_LAYERS: usize = 4;

/// An `N G obj` header (`num` set) or a `trailer` keyword.
pub(super) struct Mark {
    start: usize,
    body: usize,
    pub(super) num: Option<u32>,
    /// A stream object's dictionary and data range, found by the scan.
    pub(super) stream: Option<(Dictionary, usize, usize)>,
}

impl Mark {
    fn new(start: usize, body: usize, num: Option<u32>) -> Self {
        Mark {
            start,
            body,
            num,
            stream: None,
        }
    }
}

fn scan(buf: &[u8], lim: &mut Limits) -> Res<Vec<Mark>> {
    let mut marks: Vec<Mark> = Vec::new();
    // Only the first `stream` after a header can belong to it (and its
    // dictionary is parsed once, however many `stream` words follow).
    let (mut i, mut open) = (0, false);
    while i < buf.len() {
        let rest = &buf[i..];
        i = match buf[i] {
            b'o' if rest.starts_with(b"obj") && boundary(buf, i + 3) => {
                if let Some((start, num)) = header_before(buf, i) {
                    marks.push(Mark::new(start, i + 3, Some(num)));
                    open = true;
                }
                i + 3
            }
            b't' if rest.starts_with(b"trailer")
                && (i == 0 || !is_regular(buf[i - 1]))
                && rest[7..].trim_ascii_start().starts_with(b"<<") =>
            {
                marks.push(Mark::new(i, i + 7, None));
                open = false;
                i + 7
            }
            b's' if rest.starts_with(b"stream") && i > 0 && !is_regular(buf[i - 1]) => {
                match data_start(buf, i + 6) {
                    Some(data) => {
                        let owner = marks.last_mut().filter(|_| std::mem::take(&mut open));
                        stream_at(buf, i, data, owner, lim)?
                    }
                    None => i + 6,
                }
            }
            _ => i + 1,
        };
    }
    Ok(marks)
}

/// The `N G` before an `obj` keyword at `at`: where the header starts, and N.
fn header_before(buf: &[u8], at: usize) -> Option<(usize, u32)> {
    fn spaces(buf: &[u8], j: &mut usize) -> bool {
        let end = *j;
        while *j > 0 && is_ws(buf[*j - 1]) {
            *j -= 1;
        }
        *j < end
    }
    fn digits(buf: &[u8], j: &mut usize, max: usize) -> Option<u64> {
        let end = *j;
        while *j > 0 && end - *j < max && buf[*j - 1].is_ascii_digit() {
            *j -= 1;
        }
        std::str::from_utf8(&buf[*j..end]).ok()?.parse().ok()
    }
    let mut j = at;
    if !spaces(buf, &mut j) {
        return None;
    }
    u16::try_from(digits(buf, &mut j, 5)?).ok()?;
    if !spaces(buf, &mut j) {
        return None;
    }
    let num = u32::try_from(digits(buf, &mut j, 10)?).ok()?;
    (j == 0 || !is_regular(buf[j - 1])).then_some((j, num))
}

/// Where the data of a stream begins: after the `stream` keyword's end of line.
fn data_start(buf: &[u8], mut at: usize) -> Option<usize> {
    while buf.get(at) == Some(&b' ') {
        at += 1;
    }
    match (buf.get(at), buf.get(at + 1)) {
        (Some(b'\r'), Some(b'\n')) => Some(at + 2),
        (Some(b'\r' | b'\n'), _) => Some(at + 1),
        _ => None,
    }
}

/// The `stream` keyword at `kw`: records the stream on its object (when the
/// object's dictionary ends right there) and returns where scanning resumes.
fn stream_at(
    buf: &[u8],
    kw: usize,
    data: usize,
    owner: Option<&mut Mark>,
    lim: &mut Limits,
) -> Res<usize> {
    let mut dict = None;
    if let Some(head) = owner.as_ref().and_then(|m| buf.get(m.body..kw)) {
        let mut p = Parser::new(head, lim);
        match p.value(0) {
            Ok(Object::Dictionary(d)) => {
                p.skip_ws();
                dict = (p.i == head.len()).then_some(d);
            }
            Err(Bomb) => return Err(Bomb),
            _ => {}
        }
    }
    let length = dict
        .as_ref()
        .and_then(|d| d.get(b"Length").ok()?.as_i64().ok());
    let by_length = length.and_then(|len| {
        let end = data.checked_add(usize::try_from(len).ok()?)?;
        let mut after = end;
        for eol in [b'\r', b'\n'] {
            if buf.get(after) == Some(&eol) {
                after += 1;
            }
        }
        buf.get(after..)?
            .starts_with(b"endstream")
            .then_some((end, after + 9))
    });
    let (end, resume) = by_length.unwrap_or_else(|| match find(&buf[data..], b"endstream") {
        Some(k) => {
            let mut end = data + k;
            for eol in [b'\n', b'\r'] {
                if end > data && buf[end - 1] == eol {
                    end -= 1;
                }
            }
            (end, data + k + 9)
        }
        None => (buf.len(), buf.len()),
    });
    if let (Some(m), Some(d)) = (owner, dict) {
        m.stream = Some((d, data, end));
    }
    Ok(resume)
}

#[derive(Clone, Copy)]
enum Loc {
    Direct(usize),
    Packed {
        stm: usize,
        start: usize,
        end: usize,
    },
}

/// The scanned file: where each object's newest definition is, parsed on demand.
pub(super) struct Pdf<'a> {
    buf: &'a [u8],
    pub(super) marks: Vec<Mark>,
    /// Where each mark's span ends: at the next mark.
    ends: Vec<usize>,
    /// Object number → (position of the definition in the file, where to parse it).
    index: HashMap<u32, (usize, Loc)>,
    stms: Vec<Vec<u8>>,
    cache: HashMap<u32, Rc<Object>>,
    lim: Limits,
    pub(super) redefined: bool,
}

impl<'a> Pdf<'a> {
    pub(super) fn new(buf: &'a [u8], budget: &Budget) -> Res<Self> {
        let max_depth = budget.max_depth.min(HARD_DEPTH);
        let mut lim = Limits {
            values: 0,
            max_values: budget.max_values,
            max_depth,
        };
        let marks = scan(buf, &mut lim)?;
        let ends = (0..marks.len()).map(|k| marks.get(k + 1).map_or(buf.len(), |m| m.start));
        let mut pdf = Pdf {
            buf,
            ends: ends.collect(),
            marks,
            index: HashMap::new(),
            stms: Vec::new(),
            cache: HashMap::new(),
            lim,
            redefined: false,
        };
        for k in 0..pdf.marks.len() {
            if let Some(num) = pdf.marks[k].num {
                pdf.define(num, pdf.marks[k].start, Loc::Direct(k));
            }
        }
        Ok(pdf)
    }

    /// Where mark `k` may be parsed: up to the next mark.
    pub(super) fn span(&self, k: usize) -> &'a [u8] {
        self.buf
            .get(self.marks[k].body..self.ends[k])
            .unwrap_or_default()
    }

    /// Whether the file defines object `num`.
    pub(super) fn defines(&self, num: u32) -> bool {
        self.index.contains_key(&num)
    }

    /// The definition later in the file wins.
    fn define(&mut self, num: u32, pos: usize, loc: Loc) {
        let older = self.index.get(&num).map(|&(p, _)| p);
        self.redefined |= older.is_some();
        if older.is_none_or(|p| p <= pos) {
            self.index.insert(num, (pos, loc));
        }
    }

    /// The newest trailer (dictionary or xref stream) that names a /Root.
    pub(super) fn trailer(&mut self) -> Res<Option<Dictionary>> {
        for k in (0..self.marks.len()).rev() {
            let dict = match &self.marks[k] {
                Mark { num: None, .. } => match Parser::new(self.span(k), &mut self.lim).value(0) {
                    Ok(Object::Dictionary(d)) => d,
                    Err(Bomb) => return Err(Bomb),
                    _ => continue,
                },
                Mark {
                    stream: Some((d, ..)),
                    ..
                } if d.has_type(b"XRef") => d.clone(),
                _ => continue,
            };
            if let Ok(Object::Reference(_)) = dict.get(b"Root") {
                return Ok(Some(dict));
            }
        }
        Ok(None)
    }

    /// Without a usable trailer (say, a truncated file): the newest catalogue.
    pub(super) fn find_catalog(&mut self) -> Res<Option<u32>> {
        let mut found: Vec<(usize, u32)> = (self.index.iter())
            .filter_map(|(&n, &(pos, loc))| match loc {
                Loc::Direct(k) => find(self.span(k), b"/Catalog").map(|_| (pos, n)),
                Loc::Packed { .. } => None,
            })
            .collect();
        found.sort_unstable();
        for (_, n) in found.into_iter().rev() {
            if matches!(&*self.load(n)?, Object::Dictionary(d) if d.has_type(b"Catalog")) {
                return Ok(Some(n));
            }
        }
        Ok(None)
    }

    /// Inflates the object streams and indexes the objects inside them.
    pub(super) fn expand(&mut self, max_inflated: usize) -> Res<()> {
        let mut stms: Vec<(usize, usize)> = (self.index.values())
            .filter_map(|&(pos, loc)| match loc {
                Loc::Direct(k) => match &self.marks[k].stream {
                    Some((d, ..)) if d.has_type(b"ObjStm") => Some((pos, k)),
                    _ => None,
                },
                Loc::Packed { .. } => None,
            })
            .collect();
        stms.sort_unstable();
        let mut left = max_inflated;
        for (pos, k) in stms {
            let Some((dict, a, b)) = &self.marks[k].stream else {
                continue;
            };
            let layers = flate_layers(dict)?;
            let data = inflate(&self.buf[*a..*b], layers, left)?;
            if layers > 0 {
                left -= data.len();
            }
            let first = dict.get(b"First").and_then(Object::as_i64).ok();
            let Some(first) = first
                .and_then(|f| usize::try_from(f).ok())
                .filter(|&f| f <= data.len())
            else {
                continue;
            };
            // The header is pairs of object number and offset from /First.
            let mut p = Parser::new(&data[..first], &mut self.lim);
            let (mut entries, mut taken) = (Vec::new(), HashSet::new());
            while let (Some(num), Some(off)) = (header_int(&mut p)?, header_int(&mut p)?) {
                let start = usize::try_from(off).ok().and_then(|o| o.checked_add(first));
                if let (Ok(num), Some(start)) = (u32::try_from(num), start)
                    && start < data.len()
                    && taken.insert(start)
                {
                    entries.push((num, start));
                }
            }
            let mut starts: Vec<usize> = entries.iter().map(|e| e.1).collect();
            starts.sort_unstable();
            let stm = self.stms.len();
            for (num, start) in entries {
                let next = starts.partition_point(|&s| s <= start);
                let end = starts.get(next).copied().unwrap_or(data.len());
                self.define(num, pos, Loc::Packed { stm, start, end });
            }
            self.stms.push(data);
        }
        Ok(())
    }

    pub(super) fn load(&mut self, num: u32) -> Res<Rc<Object>> {
        if let Some(obj) = self.cache.get(&num) {
            return Ok(obj.clone());
        }
        let obj = match self.index.get(&num).map(|&(_, loc)| loc) {
            None => Object::Null,
            Some(Loc::Direct(k)) => match &self.marks[k].stream {
                Some((dict, a, b)) => {
                    Object::Stream(Stream::new(dict.clone(), self.buf[*a..*b].to_vec()))
                }
                None => parse_or_null(self.span(k), &mut self.lim)?,
            },
            Some(Loc::Packed { stm, start, end }) => {
                parse_or_null(&self.stms[stm][start..end], &mut self.lim)?
            }
        };
        let obj = Rc::new(obj);
        self.cache.insert(num, obj.clone());
        Ok(obj)
    }

    /// Loads an object to copy it; it is copied once, so the cache lets go of it.
    pub(super) fn take(&mut self, num: u32) -> Res<Object> {
        let obj = self.load(num)?;
        self.cache.remove(&num);
        Ok(Rc::try_unwrap(obj).unwrap_or_else(|rc| (*rc).clone()))
    }

    /// Follows references (a few hops at most).
    pub(super) fn resolve(&mut self, obj: &Object) -> Res<Rc<Object>> {
        let mut cur = Rc::new(obj.clone());
        for _ in 0..8 {
            let Object::Reference((num, _)) = *cur else {
                return Ok(cur);
            };
            cur = self.load(num)?;
        }
        Ok(Rc::new(Object::Null))
    }
}

fn header_int(p: &mut Parser) -> Res<Option<i64>> {
    p.skip_ws();
    if p.i >= p.s.len() {
        return Ok(None);
    }
    match p.value(1) {
        Ok(Object::Integer(v)) => Ok(Some(v)),
        Err(Bomb) => Err(Bomb),
        _ => Ok(None),
    }
}

/// How many FlateDecode layers an object stream has; anything else is refused.
fn flate_layers(dict: &Dictionary) -> Res<usize> {
    let filters = match dict.get(b"Filter") {
        Err(_) | Ok(Object::Null) => Vec::new(),
        Ok(Object::Array(a)) if a.len() > MAX_FLATE_LAYERS => return Err(Bomb),
        Ok(Object::Array(a)) => a.iter().collect(),
        Ok(other) => vec![other],
    };
    if !filters
        .iter()
        .all(|f| matches!(f, Object::Name(n) if n == b"FlateDecode"))
    {
        return Err(Unrebuildable("object stream uses an unsupported filter"));
    }
    let predictor = |o: &Object| match o {
        Object::Dictionary(p) => p
            .get(b"Predictor")
            .and_then(Object::as_i64)
            .is_ok_and(|v| v > 1),
        Object::Null => false,
        _ => true, // indirect parameters: not worth resolving for object streams
    };
    match dict.get(b"DecodeParms") {
        Ok(Object::Array(a)) if a.iter().any(predictor) => {}
        Ok(Object::Array(_)) | Err(_) => return Ok(filters.len()),
        Ok(p) if !predictor(p) => return Ok(filters.len()),
        Ok(_) => {}
    }
    Err(Unrebuildable("object stream uses a predictor"))
}

/// Inflates through `layers` zlib decoders, refusing more than `limit` bytes.
/// The output is counted before it is kept, so a bomb allocates nothing.
fn inflate(data: &[u8], layers: usize, limit: usize) -> Res<Vec<u8>> {
    fn reader<'d>(data: &'d [u8], layers: usize) -> Box<dyn Read + 'd> {
        let mut r: Box<dyn Read + 'd> = Box::new(data);
        for _ in 0..layers {
            r = Box::new(ZlibDecoder::new(r));
        }
        r
    }
    if layers == 0 {
        return Ok(data.to_vec());
    }
    let (mut total, mut chunk) = (0usize, [0u8; 16 << 10]);
    let mut counting = reader(data, layers).take((limit as u64).saturating_add(1));
    // A corrupt stream ends where it breaks, as viewers do.
    while let Ok(n @ 1..) = counting.read(&mut chunk) {
        total += n;
    }
    if total > limit {
        return Err(Bomb);
    }
    let mut out = Vec::with_capacity(total);
    let _ = reader(data, layers)
        .take(total as u64)
        .read_to_end(&mut out);
    Ok(out)
}
