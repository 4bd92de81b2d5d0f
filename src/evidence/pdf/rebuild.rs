//! The whitelist copy: from the catalogue down through the page tree, what
//! draws the pages is copied under new numbers and written with lopdf.
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use lopdf::xref::XrefType;
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use super::Refusal::{Damaged, Unrebuildable};
use super::Res;
use super::scan::{Mark, Pdf};
use super::syntax::find;

/// Keys dropped at any depth of what is copied, with the label they earn.
const STRIPPED: &[(&[u8], &str)] = &[
    (b"Metadata", "xmp metadata"),
    (b"PieceInfo", "page piece info"),
    (b"LastModified", "modification dates"),
    (b"AA", "links/actions"),
    (b"A", "links/actions"),
    (b"URI", "links/actions"),
    (b"OpenAction", "open action"),
    (b"JS", "javascript"),
    (b"JavaScript", "javascript"),
    (b"EmbeddedFile", "embedded files"),
    (b"EmbeddedFiles", "embedded files"),
    (b"EF", "embedded files"),
    (b"AF", "embedded files"),
    (b"Ref", "external references"),
    (b"OPI", "external references"),
    (b"Annots", "annotations"),
    (b"StructParents", ""),
    (b"StructParent", ""),
];
/// Objects of these types become null wherever they are reached.
const DROPPED_TYPES: &[(&[u8], &str)] = &[
    (b"Metadata", "xmp metadata"),
    (b"EmbeddedFile", "embedded files"),
    (b"Filespec", "embedded files"),
    (b"Annot", "annotations"),
    (b"Action", "links/actions"),
    (b"Catalog", ""),
    (b"Pages", ""),
    (b"Page", ""),
    (b"ObjStm", ""),
    (b"XRef", ""),
    (b"Linearized", ""),
];
/// Catalogue entries worth telling staff about (all catalogue entries go).
const CATALOG_LABELS: &[(&[u8], &str)] = &[
    (b"Metadata", "xmp metadata"),
    (b"AcroForm", "forms"),
    (b"Outlines", "outlines"),
    (b"OpenAction", "open action"),
    (b"AA", "links/actions"),
    (b"URI", "links/actions"),
    (b"PieceInfo", "page piece info"),
    (b"AF", "embedded files"),
];
const PAGE_LABELS: &[(&[u8], &str)] = &[
    (b"PieceInfo", "page piece info"),
    (b"LastModified", "modification dates"),
    (b"Metadata", "xmp metadata"),
    (b"AA", "links/actions"),
];
const PAGE_KEYS: &[&[u8]] = &[
    b"Resources",
    b"MediaBox",
    b"CropBox",
    b"BleedBox",
    b"TrimBox",
    b"ArtBox",
    b"Rotate",
    b"UserUnit",
    b"Group",
    b"Contents",
];
const INHERITED: &[&[u8]] = &[b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The copy being made.
pub(super) struct Rebuild<'a, 'j> {
    pdf: Pdf<'a>,
    /// Old object number → new one.
    ids: HashMap<u32, u32>,
    /// Old objects never copied: the catalogue and the document info.
    banned: HashSet<u32>,
    /// Annotation objects already looked at for labels.
    inspected: HashSet<u32>,
    /// Objects still to copy: (old, new).
    work: Vec<(u32, u32)>,
    out: Vec<(u32, Object)>,
    next: u32,
    removed: Vec<&'static str>,
    clean_jpeg: &'j dyn Fn(&[u8]) -> Option<Vec<u8>>,
}

impl<'a, 'j> Rebuild<'a, 'j> {
    pub(super) fn new(pdf: Pdf<'a>, clean_jpeg: &'j dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Self {
        Rebuild {
            pdf,
            ids: HashMap::new(),
            banned: HashSet::new(),
            inspected: HashSet::new(),
            work: Vec::new(),
            out: Vec::new(),
            next: 3, // 1 is the catalogue, 2 the root of the page tree
            removed: Vec::new(),
            clean_jpeg,
        }
    }

    pub(super) fn run(
        mut self,
        root: u32,
        trailer: &Dictionary,
        version: &str,
    ) -> Res<(Vec<u8>, Vec<&'static str>)> {
        let catalog = self.pdf.load(root)?;
        let Object::Dictionary(catalog) = &*catalog else {
            return Err(Damaged);
        };
        self.banned.insert(root);
        self.inspect(trailer, catalog)?;
        let pages = catalog
            .get(b"Pages")
            .map_err(|_| Unrebuildable("no page tree"))?;
        self.page_tree(pages)?;
        while let Some((old, new)) = self.work.pop() {
            let copy = match self.pdf.take(old)? {
                Object::Stream(s) => self.stream(s)?,
                other => self.rewrite(&other),
            };
            self.out.push((new, copy));
        }
        let mut catalog = Dictionary::new();
        catalog.set("Type", "Catalog");
        catalog.set("Pages", Object::Reference((2, 0)));
        let mut doc = Document::with_version(version);
        doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
        doc.objects.insert((1, 0), Object::Dictionary(catalog));
        doc.objects
            .extend(self.out.into_iter().map(|(n, o)| ((n, 0), o)));
        doc.max_id = self.next - 1;
        doc.trailer.set("Root", Object::Reference((1, 0)));
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes)
            .map_err(|_| Unrebuildable("the rebuilt file could not be written"))?;
        Ok((bytes, self.removed))
    }

    fn note(&mut self, label: &'static str) {
        if !label.is_empty() && !self.removed.contains(&label) {
            self.removed.push(label);
        }
    }

    fn alloc(&mut self) -> u32 {
        self.next += 1;
        self.next - 1
    }

    fn is_js(&mut self, action: &Object) -> Res<bool> {
        Ok(matches!(&*self.pdf.resolve(action)?, Object::Dictionary(d)
            if d.get(b"S").and_then(Object::as_name).is_ok_and(|s| s == b"JavaScript")))
    }

    /// Labels for what the trailer and the catalogue carried.
    fn inspect(&mut self, trailer: &Dictionary, catalog: &Dictionary) -> Res<()> {
        if let Ok(info) = trailer.get(b"Info") {
            if let Object::Reference((n, _)) = info {
                self.banned.insert(*n);
            }
            if !matches!(*self.pdf.resolve(info)?, Object::Null) {
                self.note("document info");
            }
        }
        if trailer.has(b"ID") {
            self.note("document id");
        }
        let p = &self.pdf;
        let is_trailer = |m: &Mark| {
            m.num.is_none() || m.stream.as_ref().is_some_and(|(d, ..)| d.has_type(b"XRef"))
        };
        let trailers = p.marks.iter().filter(|m| is_trailer(m)).count();
        // A linearized file has a first-page trailer as well: one revision.
        let linearized = p
            .marks
            .iter()
            .position(|m| m.num.is_some())
            .is_some_and(|k| {
                let span = p.span(k);
                find(&span[..span.len().min(512)], b"/Linearized").is_some()
            });
        if p.redefined || (trailers > 1 && !linearized) {
            self.note("earlier revisions");
        }
        for (key, label) in CATALOG_LABELS {
            if catalog.has(key) {
                self.note(label);
            }
        }
        if let Ok(action) = catalog.get(b"OpenAction")
            && self.is_js(action)?
        {
            self.note("javascript");
        }
        if let Ok(names) = catalog.get(b"Names")
            && let Object::Dictionary(names) = &*self.pdf.resolve(names)?
        {
            if names.has(b"JavaScript") {
                self.note("javascript");
            }
            if names.has(b"EmbeddedFiles") {
                self.note("embedded files");
            }
        }
        Ok(())
    }

    fn inspect_page(&mut self, page: &Dictionary) -> Res<()> {
        for (key, label) in PAGE_LABELS {
            if page.has(key) {
                self.note(label);
            }
        }
        let Ok(annots) = page.get(b"Annots") else {
            return Ok(());
        };
        if let Object::Reference((n, _)) = annots
            && !self.inspected.insert(*n)
        {
            return Ok(());
        }
        let annots = self.pdf.resolve(annots)?;
        let Object::Array(annots) = &*annots else {
            return Ok(());
        };
        for annot in annots {
            if let Object::Reference((n, _)) = annot
                && !self.inspected.insert(*n)
            {
                continue;
            }
            let annot = self.pdf.resolve(annot)?;
            let Object::Dictionary(a) = &*annot else {
                continue;
            };
            self.note("annotations");
            self.note(match a.get(b"Subtype").and_then(Object::as_name) {
                Ok(b"Link") => "links/actions",
                Ok(b"Widget") => "forms",
                Ok(b"FileAttachment") => "embedded files",
                _ => "",
            });
            if a.has(b"AA") {
                self.note("links/actions");
            }
            if let Ok(action) = a.get(b"A") {
                self.note("links/actions");
                if self.is_js(action)? {
                    self.note("javascript");
                }
            }
        }
        Ok(())
    }

    /// Walks /Kids without recursion (each node once, so cycles end) and
    /// writes the new page tree under a fresh root, object 2.
    fn page_tree(&mut self, root: &Object) -> Res<()> {
        struct Node {
            new: u32,
            parent: usize,
            old: Option<Rc<Object>>,
            kids: Vec<Object>,
            count: i64,
        }
        let mut nodes = vec![Node {
            new: 2,
            parent: 0,
            old: None,
            kids: Vec::new(),
            count: 0,
        }];
        let (mut pages, mut seen, mut stack) =
            (Vec::new(), HashSet::new(), vec![(root.clone(), 0)]);
        while let Some((kid, parent)) = stack.pop() {
            let old = match kid {
                Object::Reference((n, _)) if self.banned.contains(&n) || !seen.insert(n) => {
                    continue;
                }
                Object::Reference((n, _)) => Some(n),
                _ => None,
            };
            let obj = self.pdf.resolve(&kid)?;
            let Object::Dictionary(dict) = &*obj else {
                continue;
            };
            let is_node = dict.has_type(b"Pages") || (!dict.has(b"Type") && dict.has(b"Kids"));
            if !is_node && dict.has(b"Type") && !dict.has_type(b"Page") {
                continue;
            }
            let new = self.alloc();
            if let Some(n) = old {
                self.ids.insert(n, new); // references to old pages lead to the new ones
            }
            nodes[parent].kids.push(Object::Reference((new, 0)));
            if is_node {
                let idx = nodes.len();
                // A shared /Kids array is walked once, not once per node.
                if let Ok(kids) = dict.get(b"Kids")
                    && !matches!(kids, Object::Reference((n, _)) if !seen.insert(*n))
                    && let Object::Array(kids) = &*self.pdf.resolve(kids)?
                {
                    stack.extend(kids.iter().rev().map(|k| (k.clone(), idx)));
                }
                nodes.push(Node {
                    new,
                    parent,
                    old: Some(obj.clone()),
                    kids: Vec::new(),
                    count: 0,
                });
            } else {
                nodes[parent].count += 1;
                pages.push((new, nodes[parent].new, obj.clone()));
            }
        }
        if pages.is_empty() {
            return Err(Unrebuildable("no pages"));
        }
        // Children come after their parents, so this sums bottom-up.
        for i in (1..nodes.len()).rev() {
            let (count, parent) = (nodes[i].count, nodes[i].parent);
            nodes[parent].count += count;
        }
        for (i, node) in nodes.iter().enumerate() {
            let mut dict = Dictionary::new();
            dict.set("Type", "Pages");
            dict.set("Kids", node.kids.clone());
            dict.set("Count", node.count);
            if i == 0 {
                dict.set("MediaBox", [0, 0, 612, 792].map(Object::Integer).to_vec());
            } else {
                dict.set("Parent", Object::Reference((nodes[node.parent].new, 0)));
            }
            if let Some(Object::Dictionary(old)) = node.old.as_deref() {
                for key in INHERITED {
                    if let Ok(value) = old.get(key) {
                        let value = self.rewrite(value);
                        dict.set(*key, value);
                    }
                }
            }
            self.out.push((node.new, Object::Dictionary(dict)));
        }
        for (new, parent, old) in pages {
            let Object::Dictionary(old) = &*old else {
                continue;
            };
            self.inspect_page(old)?;
            let mut dict = Dictionary::new();
            dict.set("Type", "Page");
            dict.set("Parent", Object::Reference((parent, 0)));
            for key in PAGE_KEYS {
                if let Ok(value) = old.get(key) {
                    let value = self.rewrite(value);
                    dict.set(*key, value);
                }
            }
            self.out.push((new, Object::Dictionary(dict)));
        }
        Ok(())
    }

    /// Whether a dictionary is of a type never copied (noting its label).
    fn dropped(&mut self, dict: &Dictionary) -> bool {
        let Ok(kind) = dict.get_type() else {
            return false;
        };
        let Some((_, label)) = DROPPED_TYPES.iter().find(|(t, _)| *t == kind) else {
            return false;
        };
        self.note(label);
        true
    }

    fn rewrite(&mut self, obj: &Object) -> Object {
        match obj {
            Object::Reference((n, _)) => self.reference(*n),
            Object::Array(items) => Object::Array(items.iter().map(|o| self.rewrite(o)).collect()),
            Object::Dictionary(d) if self.dropped(d) => Object::Null,
            Object::Dictionary(d) => Object::Dictionary(self.rewrite_dict(d)),
            Object::String(s, _) if s.iter().any(|b| b"()\\\r".contains(b)) => {
                Object::String(s.clone(), StringFormat::Hexadecimal)
            }
            Object::Stream(_) => Object::Null, // only indirect objects may be streams
            other => other.clone(),
        }
    }

    fn rewrite_dict(&mut self, dict: &Dictionary) -> Dictionary {
        let mut out = Dictionary::new();
        for (key, value) in dict.iter() {
            match STRIPPED.iter().find(|(k, _)| *k == key.as_slice()) {
                Some((_, label)) => self.note(label),
                None => {
                    let value = self.rewrite(value);
                    out.set(key.clone(), value);
                }
            }
        }
        out
    }

    /// The new number for an old object, queueing it for copying on first sight.
    fn reference(&mut self, old: u32) -> Object {
        if self.banned.contains(&old) || !self.pdf.defines(old) {
            return Object::Null;
        }
        let new = match self.ids.get(&old) {
            Some(&new) => new,
            None => {
                let new = self.alloc();
                self.ids.insert(old, new);
                self.work.push((old, new));
                new
            }
        };
        Object::Reference((new, 0))
    }

    fn stream(&mut self, mut s: Stream) -> Res<Object> {
        if self.dropped(&s.dict) {
            return Ok(Object::Null);
        }
        s.dict.remove(b"Length");
        for key in [b"F".as_slice(), b"FFilter", b"FDecodeParms"] {
            if s.dict.remove(key).is_some() {
                self.note("external references"); // data kept in another file
            }
        }
        // Filters are made direct, so that a JPEG cannot hide behind a reference.
        if let Ok(filter) = s.dict.get(b"Filter") {
            let mut filter = (*self.pdf.resolve(filter)?).clone();
            if let Object::Array(items) = &mut filter {
                for item in items.iter_mut() {
                    *item = (*self.pdf.resolve(item)?).clone();
                }
            }
            s.dict.set("Filter", filter);
        }
        let dct = |f: &Object| matches!(f, Object::Name(n) if n == b"DCTDecode");
        let jpeg = match s.dict.get(b"Filter") {
            Ok(Object::Array(a)) if a.len() > 1 && a.iter().any(dct) => {
                return Err(Unrebuildable(
                    "an embedded JPEG uses an unsupported filter chain",
                ));
            }
            Ok(Object::Array(a)) => a.first().is_some_and(dct),
            Ok(f) => dct(f),
            Err(_) => false,
        };
        if jpeg {
            let clean = (self.clean_jpeg)(&s.content)
                .ok_or(Unrebuildable("an embedded JPEG could not be cleaned"))?;
            if clean != s.content {
                self.note("jpeg metadata");
            }
            s.content = clean;
        }
        let dict = self.rewrite_dict(&s.dict);
        Ok(Object::Stream(Stream::new(dict, s.content)))
    }
}
