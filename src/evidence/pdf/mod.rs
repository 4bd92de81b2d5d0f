//! Rebuilding an uploaded PDF from scratch, keeping only what draws its pages.
//!
//! lopdf's reader trusts the file (it inflates object and xref streams without
//! limit and sizes allocations from numbers in the file), so this module reads
//! PDF syntax itself and uses lopdf only for its object types and its writer.
//!
//! This file holds the interface ([`Budget`], [`Refusal`], [`rebuild()`]); each
//! part below names the file that does it.
//!
//! * Reading (`scan.rs`, `syntax.rs`). Cross-reference tables and streams are
//!   never read. One linear scan finds `N G obj` headers and `trailer`
//!   keywords and steps over stream data (by a direct /Length when `endstream`
//!   follows it, else to the next `endstream`), so bytes inside streams are
//!   not taken for objects. A later definition of an object number wins, as in
//!   an incremental update. An object is parsed only when reached, only within
//!   its span (up to the next header) and at most once (cached), so parsing
//!   stays linear in the file. /Root and /Encrypt come from the newest trailer
//!   dictionary or /Type /XRef stream naming a /Root; failing that, from the
//!   newest /Type /Catalog.
//! * Limits (`syntax.rs`, inflating in `scan.rs`). Every parsed value counts
//!   against `max_values` and nesting against `max_depth` (capped at 256),
//!   which also bounds every recursion over parsed values: copying, lopdf's
//!   writer and drop. No allocation is sized from a number in the file. Object
//!   streams are the only streams decoded: FlateDecode only, at most four
//!   layers (a longer chain exists only to multiply expansion, so it counts as
//!   a bomb). Each is inflated twice, first only counted through a fixed
//!   buffer against what is left of `max_inflated`, then into a buffer of the
//!   counted size, so a bomb costs no memory. Xref streams are never decoded,
//!   so their bombs are harmless.
//! * Whitelist (`rebuild.rs`). The new catalogue holds /Type and /Pages only;
//!   page-tree nodes keep /Kids /Count /Parent and the inheritable /Resources
//!   /MediaBox /CropBox /Rotate (under a new root that supplies a Letter
//!   /MediaBox for pages with none); pages keep the keys needed to draw them.
//!   What those reach is copied by a worklist (never recursion over
//!   references), minus `STRIPPED` keys at any depth and objects of
//!   `DROPPED_TYPES`. Everything else (/Info, XMP, annotations, forms,
//!   outlines, names, actions, earlier revisions, unreachable objects) is left
//!   behind. JPEG (/DCTDecode) data goes through `clean_jpeg`; other stream
//!   data is copied as it is.
//! * Writing (`rebuild.rs`). lopdf's `save_to` puts only /Size and /Root in
//!   the trailer (no /Info, /ID or producer). It defaults to an xref stream
//!   (we ask for a table), silently omits objects typed /ObjStm or /XRef or
//!   carrying /Linearized (those are nulled when copied) and escapes literal
//!   strings in quadratic time (strings needing escapes are written as hex).
//!
//! The tests are in `tests.rs`, on sample files built by `../pdf_samples.rs`.

mod rebuild;
mod scan;
mod syntax;
#[cfg(test)]
mod tests;

use lopdf::Object;

use rebuild::Rebuild;
use scan::Pdf;
use syntax::find;

/// Limits on the work one file may cause.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Bytes that all object streams together may inflate to.
    pub max_inflated: usize,
    /// Values (numbers, names, strings, arrays, dictionaries…) parsed in all.
    /// Each costs roughly 120 bytes while held, so this also bounds memory.
    pub max_values: usize,
    /// Nesting of arrays and dictionaries.
    pub max_depth: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_inflated: 64 << 20,
            max_values: 2_000_000,
            max_depth: 64,
        }
    }
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Inflating object streams would exceed the budget, or too many values / too deep: a decompression or parser bomb.
    Bomb,
    /// /Encrypt present: encrypted metadata cannot be inspected.
    Encrypted,
    /// Parsed, but could not be rebuilt safely (the reason, in English, short): e.g. "no page
    /// tree", "object stream uses an unsupported filter", "an embedded JPEG could not be cleaned".
    Unrebuildable(&'static str),
    /// Not a PDF we can parse at all.
    Damaged,
}

use Refusal::Damaged;
type Res<T> = Result<T, Refusal>;

/// Returns the rebuilt file and what was really removed, as short English labels for staff
/// (e.g. "document info", "xmp metadata", "annotations", "embedded files", "javascript", "open
/// action", "links/actions", "forms", "outlines", "earlier revisions", "document id", "page piece
/// info", "jpeg metadata"). Each label only when that thing was actually present.
pub fn rebuild(
    bytes: &[u8],
    budget: &Budget,
    clean_jpeg: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
) -> Result<(Vec<u8>, Vec<&'static str>), Refusal> {
    let head = &bytes[..bytes.len().min(1024)];
    let at = find(head, b"%PDF-").ok_or(Damaged)?;
    let version = if head.get(at + 5) == Some(&b'2') {
        "2.0"
    } else {
        "1.7"
    };
    let mut pdf = Pdf::new(bytes, budget)?;
    let trailer = pdf.trailer()?.unwrap_or_default();
    if trailer.has(b"Encrypt") {
        return Err(Refusal::Encrypted);
    }
    pdf.expand(budget.max_inflated)?;
    let root = match trailer.get(b"Root") {
        Ok(Object::Reference((n, _))) if matches!(&*pdf.load(*n)?, Object::Dictionary(_)) => *n,
        _ => pdf.find_catalog()?.ok_or(Damaged)?,
    };
    Rebuild::new(pdf, clean_jpeg).run(root, &trailer, version)
}
