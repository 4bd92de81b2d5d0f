//! Test PDFs written byte by byte: files with planted identifying data, and
//! hostile files. Test support only (it unwraps freely).
use std::io::{Read, Write};

use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::{Compress, Compression, FlushCompress};

/// Drawn on every sample's page; it must survive rebuilding.
pub const PAGE_TEXT: &str = "EVIDENCE-PAGE-TEXT";

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The raw bytes followed by every stream's data inflated (up to three
/// layers), so a search also sees what compression hides.
pub fn all_text(pdf: &[u8]) -> Vec<u8> {
    let mut text = pdf.to_vec();
    let mut i = 0;
    while let Some(k) = find(&pdf[i..], b"stream") {
        let mut start = i + k + 6;
        start += pdf[start..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let Some(len) = find(&pdf[start..], b"endstream") else {
            break;
        };
        let mut data = pdf[start..start + len].to_vec();
        for _ in 0..3 {
            let mut inflated = Vec::new();
            let _ = ZlibDecoder::new(&data[..])
                .take(64 << 20)
                .read_to_end(&mut inflated);
            if inflated.is_empty() {
                break;
            }
            text.extend_from_slice(&inflated);
            data = inflated;
        }
        i = start + len + 9;
    }
    text
}

/// A PDF being written: objects (their offsets recorded), then cross-reference sections.
pub struct Builder {
    out: Vec<u8>,
    offsets: Vec<(u32, usize)>,
    section: usize,
    last_xref: Option<usize>,
    size: u32,
}

impl Builder {
    pub fn new(version: &str) -> Self {
        let mut out = format!("%PDF-{version}\n").into_bytes();
        out.extend_from_slice(b"%\xE2\xE3\xCF\xD3\n");
        Builder {
            out,
            offsets: Vec::new(),
            section: 0,
            last_xref: None,
            size: 1,
        }
    }

    pub fn obj(&mut self, num: u32, body: &str) -> &mut Self {
        self.obj_bytes(num, body.as_bytes())
    }

    pub fn obj_bytes(&mut self, num: u32, body: &[u8]) -> &mut Self {
        self.offsets.push((num, self.out.len()));
        self.size = self.size.max(num + 1);
        writeln!(self.out, "{num} 0 obj").unwrap();
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
        self
    }

    pub fn stream(&mut self, num: u32, dict: &str, data: &[u8]) -> &mut Self {
        let mut body = format!("<<{dict} /Length {}>>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.obj_bytes(num, &body)
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.out.extend_from_slice(bytes);
        self
    }

    /// A classic cross-reference section for the objects written since the
    /// last one, with its trailer (/Size and /Prev are added).
    pub fn xref(&mut self, trailer: &str) -> &mut Self {
        let start = self.out.len();
        let mut entries = self.offsets[self.section..].to_vec();
        entries.sort();
        self.out.extend_from_slice(b"xref\n");
        if self.last_xref.is_none() {
            self.out.extend_from_slice(b"0 1\n0000000000 65535 f \n");
        }
        for (n, off) in entries {
            write!(self.out, "{n} 1\n{off:010} 00000 n \n").unwrap();
        }
        let prev = self
            .last_xref
            .map(|p| format!(" /Prev {p}"))
            .unwrap_or_default();
        let size = self.size;
        write!(
            self.out,
            "trailer\n<< /Size {size}{prev} {trailer} >>\nstartxref\n{start}\n%%EOF\n"
        )
        .unwrap();
        self.section = self.offsets.len();
        self.last_xref = Some(start);
        self
    }

    /// An uncompressed cross-reference stream as object `num`; `packed`
    /// lists (object, its object stream, index in it).
    pub fn xref_stream(&mut self, num: u32, dict: &str, packed: &[(u32, u32, u16)]) -> &mut Self {
        let start = self.out.len();
        self.offsets.push((num, start));
        let size = packed
            .iter()
            .map(|p| p.0 + 1)
            .fold(self.size.max(num + 1), u32::max);
        let mut data = Vec::new();
        for n in 0..size {
            let direct = self.offsets.iter().rev().find(|o| o.0 == n);
            match (direct, packed.iter().find(|p| p.0 == n)) {
                (_, Some(&(_, stm, idx))) => {
                    data.push(2);
                    data.extend_from_slice(&stm.to_be_bytes());
                    data.extend_from_slice(&idx.to_be_bytes());
                }
                (Some(&(_, off)), None) => {
                    data.push(1);
                    data.extend_from_slice(&(off as u32).to_be_bytes());
                    data.extend_from_slice(&[0, 0]);
                }
                (None, None) => data.extend_from_slice(&[0, 0, 0, 0, 0, 0xFF, 0xFF]),
            }
        }
        write!(
            self.out,
            "{num} 0 obj\n<< /Type /XRef /Size {size} /W [1 4 2] {dict} /Length {}>>\nstream\n",
            data.len()
        )
        .unwrap();
        self.out.extend_from_slice(&data);
        write!(self.out, "\nendstream\nendobj\nstartxref\n{start}\n%%EOF\n").unwrap();
        self
    }

    pub fn finish(&self) -> Vec<u8> {
        self.out.clone()
    }
}

/// Objects 1, 2, 3 and 5: catalogue, page tree, one page and its font.
/// Object 4 (the content) is written by `text`.
fn base(b: &mut Builder, catalog: &str, page: &str, resources: &str) {
    b.obj(1, &format!("<< /Type /Catalog /Pages 2 0 R {catalog} >>"));
    b.obj(
        2,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
    );
    b.obj(
        3,
        &format!(
            "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> {resources} >> /Contents 4 0 R {page} >>"
        ),
    );
    b.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
}

/// Object 4: the page content, drawing PAGE_TEXT (and `more`).
fn text(b: &mut Builder, more: &str, flate: bool) {
    let content = format!("BT /F1 24 Tf 72 720 Td ({PAGE_TEXT}) Tj ET\n{more}");
    if flate {
        b.stream(4, " /Filter /FlateDecode", &zlib(content.as_bytes()));
    } else {
        b.stream(4, "", content.as_bytes());
    }
}

fn simple(catalog: &str, page: &str, resources: &str) -> Builder {
    let mut b = Builder::new("1.4");
    base(&mut b, catalog, page, resources);
    text(&mut b, "", false);
    b
}

pub fn clean() -> Vec<u8> {
    simple("", "", "").xref("/Root 1 0 R").finish()
}

fn segment(jpeg: &mut Vec<u8>, marker: u8, body: &[u8]) {
    jpeg.extend_from_slice(&[0xFF, marker]);
    jpeg.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
    jpeg.extend_from_slice(body);
}

/// A structurally plausible (not decodable) JPEG with an EXIF segment.
pub fn jpeg_with_exif(planted: &str) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    segment(&mut j, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08GPS ".to_vec();
    exif.extend_from_slice(planted.as_bytes());
    segment(&mut j, 0xE1, &exif);
    segment(&mut j, 0xDB, &[0; 65]);
    segment(&mut j, 0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    segment(&mut j, 0xDA, &[1, 1, 0, 0, 63, 0]);
    j.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
    j
}

/// (kind, pdf, planted strings that must not survive).
pub fn planted() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let mut samples = Vec::new();

    let mut b = simple("", "", "");
    b.obj(
        6,
        "<< /Author (PLANTED-AUTHOR-7731 Zhang Wei) /Subject <FEFF5F204F1F> \
         /Creator (PLANTED-CREATOR-1024) /Producer (PLANTED-PRODUCER-2048) \
         /CreationDate (D:20240501120000+08'00') >>",
    );
    b.xref("/Root 1 0 R /Info 6 0 R /ID [(PLANTED-ID-4410) (PLANTED-ID-4410)]");
    let info = [
        "PLANTED-AUTHOR-7731",
        "PLANTED-CREATOR-1024",
        "PLANTED-PRODUCER-2048",
        "PLANTED-ID-4410",
    ];
    samples.push(("info", b.finish(), info.to_vec()));

    let xmp = |marker: &str| {
        format!(
            "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\
             <dc:creator>{marker}</dc:creator></x:xmpmeta><?xpacket end=\"w\"?>"
        )
    };
    let mut b = Builder::new("1.4");
    base(
        &mut b,
        "/Metadata 6 0 R",
        "/Metadata 7 0 R",
        "/XObject << /Fm1 8 0 R >>",
    );
    text(&mut b, "/Fm1 Do", true);
    b.stream(
        6,
        "/Type /Metadata /Subtype /XML",
        xmp("PLANTED-XMP-PLAIN-2209").as_bytes(),
    );
    let flate = zlib(xmp("PLANTED-XMP-FLATE-5518").as_bytes());
    b.stream(
        7,
        "/Type /Metadata /Subtype /XML /Filter /FlateDecode",
        &flate,
    );
    b.stream(
        8,
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Metadata 9 0 R",
        b"0 0 m 10 10 l S",
    );
    let flate = zlib(xmp("PLANTED-XMP-FORM-6161").as_bytes());
    b.stream(
        9,
        "/Type /Metadata /Subtype /XML /Filter /FlateDecode",
        &flate,
    );
    b.xref("/Root 1 0 R");
    let xmps = [
        "PLANTED-XMP-PLAIN-2209",
        "PLANTED-XMP-FLATE-5518",
        "PLANTED-XMP-FORM-6161",
    ];
    samples.push(("xmp", b.finish(), xmps.to_vec()));

    // Revision 1 had an info dictionary and a second content stream; revision 2 drops both.
    let mut b = Builder::new("1.4");
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    b.obj(
        2,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
    );
    let page = |contents: &str| {
        format!(
            "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents {contents} >>"
        )
    };
    b.obj(3, &page("[4 0 R 7 0 R]"));
    text(&mut b, "", false);
    b.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    b.obj(6, "<< /Author (PLANTED-OLD-AUTHOR-3307) >>");
    b.stream(
        7,
        "",
        b"BT /F1 12 Tf 72 600 Td (PLANTED-OLD-TEXT-8841) Tj ET",
    );
    b.xref("/Root 1 0 R /Info 6 0 R");
    b.obj(3, &page("4 0 R"));
    b.xref("/Root 1 0 R");
    samples.push((
        "incremental",
        b.finish(),
        vec!["PLANTED-OLD-AUTHOR-3307", "PLANTED-OLD-TEXT-8841"],
    ));

    let mut b = simple("", "/Annots [6 0 R 7 0 R]", "");
    b.obj(
        6,
        "<< /Type /Annot /Subtype /Text /Rect [100 100 200 200] /T (PLANTED-ANNOT-AUTHOR-6620) \
         /M (D:20240501PLANTED-DATE-1188) /Contents (PLANTED-ANNOT-TEXT-4471) /Popup 7 0 R >>",
    );
    b.obj(
        7,
        "<< /Type /Annot /Subtype /Popup /Parent 6 0 R /Rect [200 200 300 300] >>",
    );
    b.xref("/Root 1 0 R");
    let annot = [
        "PLANTED-ANNOT-AUTHOR-6620",
        "PLANTED-DATE-1188",
        "PLANTED-ANNOT-TEXT-4471",
    ];
    samples.push(("annotation", b.finish(), annot.to_vec()));

    let mut b = simple("/Names << /EmbeddedFiles 6 0 R >>", "", "");
    b.obj(6, "<< /Names [(PLANTED-NAMEKEY-3390) 7 0 R] >>");
    b.obj(
        7,
        "<< /Type /Filespec /F (PLANTED-FILENAME-2290.docx) /UF (PLANTED-FILENAME-2290.docx) \
         /Desc (C:\\\\Users\\\\zhangwei\\\\Desktop) /EF << /F 8 0 R >> >>",
    );
    b.stream(
        8,
        "/Type /EmbeddedFile /Params << /ModDate (D:20240501120000) >>",
        b"PLANTED-EMBEDDED-CONTENT-9921",
    );
    b.xref("/Root 1 0 R");
    let embedded = [
        "PLANTED-NAMEKEY-3390",
        "PLANTED-FILENAME-2290",
        "zhangwei",
        "PLANTED-EMBEDDED-CONTENT-9921",
    ];
    samples.push(("embedded file", b.finish(), embedded.to_vec()));

    let mut b = simple("/Names << /JavaScript 6 0 R >> /OpenAction 8 0 R", "", "");
    b.obj(6, "<< /Names [(PLANTED-JSNAME-1357) 7 0 R] >>");
    b.obj(
        7,
        "<< /S /JavaScript /JS (app.alert('PLANTED-JS-NAMES-3141');) >>",
    );
    b.obj(8, "<< /Type /Action /S /JavaScript /JS 9 0 R >>");
    b.stream(
        9,
        "",
        b"this.submitForm('https://example.invalid/PLANTED-JS-OPEN-2718');",
    );
    b.xref("/Root 1 0 R");
    let js = [
        "PLANTED-JSNAME-1357",
        "PLANTED-JS-NAMES-3141",
        "PLANTED-JS-OPEN-2718",
    ];
    samples.push(("javascript", b.finish(), js.to_vec()));

    let mut b = simple("", "/Annots [6 0 R]", "");
    b.obj(
        6,
        "<< /Type /Annot /Subtype /Link /Rect [72 700 300 730] /Border [0 0 0] \
         /A << /S /URI /URI (https://PLANTED-URI-1618.example/track?u=zhangwei) >> >>",
    );
    b.xref("/Root 1 0 R");
    samples.push(("uri link", b.finish(), vec!["PLANTED-URI-1618", "zhangwei"]));

    let mut b = simple(
        "",
        "/PieceInfo << /Illustrator << /LastModified (D:2024PLANTED-PIECE-DATE-9090) /Private 6 0 R >> >> \
         /LastModified (D:2024PLANTED-LASTMOD-5151)",
        "/XObject << /Fm1 7 0 R >>",
    );
    b.stream(
        6,
        " /Filter /FlateDecode",
        &zlib(b"PLANTED-PIECE-PRIVATE-7070"),
    );
    b.stream(
        7,
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10] \
         /PieceInfo << /App << /Private (PLANTED-FORM-PIECE-4040) >> >> /LastModified (D:2024PLANTED-FORM-DATE-3030)",
        b"0 0 m 10 10 l S",
    );
    b.xref("/Root 1 0 R");
    let piece = [
        "PLANTED-PIECE-DATE-9090",
        "PLANTED-LASTMOD-5151",
        "PLANTED-PIECE-PRIVATE-7070",
        "PLANTED-FORM-PIECE-4040",
        "PLANTED-FORM-DATE-3030",
    ];
    samples.push(("piece info", b.finish(), piece.to_vec()));

    // The font (5) and the info dictionary (7) sit in object stream 6.
    let mut b = Builder::new("1.5");
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    b.obj(
        2,
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
    );
    b.obj(
        3,
        "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    );
    text(&mut b, "", true);
    let font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
    let info =
        "<< /Author (PLANTED-OBJSTM-AUTHOR-5858) /Producer (PLANTED-OBJSTM-PRODUCER-6969) >>";
    let header = format!("5 0 7 {} ", font.len() + 1);
    let data = format!("{header}{font}\n{info}");
    let dict = format!(
        " /Type /ObjStm /N 2 /First {} /Filter /FlateDecode",
        header.len()
    );
    b.stream(6, &dict, &zlib(data.as_bytes()));
    b.xref_stream(8, "/Root 1 0 R /Info 7 0 R", &[(5, 6, 0), (7, 6, 1)]);
    let objstm = ["PLANTED-OBJSTM-AUTHOR-5858", "PLANTED-OBJSTM-PRODUCER-6969"];
    samples.push(("object stream", b.finish(), objstm.to_vec()));

    let mut b = Builder::new("1.4");
    base(&mut b, "", "", "/XObject << /Im1 6 0 R >>");
    text(&mut b, "q 100 0 0 100 72 500 cm /Im1 Do Q", false);
    b.stream(
        6,
        "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray \
         /BitsPerComponent 8 /Filter /DCTDecode",
        &jpeg_with_exif("PLANTED-EXIF-GPS-4242"),
    );
    b.xref("/Root 1 0 R");
    samples.push(("jpeg", b.finish(), vec!["PLANTED-EXIF-GPS-4242"]));

    samples
}

/// A zlib stream inflating to `n` zero bytes (rounded down to whole MiB),
/// built without compressing `n` bytes: after a full flush the compressor
/// starts afresh, so every further MiB compresses to the same bytes.
pub fn zeros_zlib(n: usize) -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let chunk = vec![0u8; MIB];
    let mut c = Compress::new(Compression::best(), true);
    let mut step = |input: &[u8], flush| {
        let mut out = Vec::with_capacity(MIB);
        let before = c.total_in();
        c.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!(c.total_in() - before, input.len() as u64);
        out
    };
    let first = step(&chunk, FlushCompress::Full);
    let again = step(&chunk, FlushCompress::Full);
    assert_eq!(again, step(&chunk, FlushCompress::Full));
    let mut tail = step(&[], FlushCompress::Finish);
    // The Adler-32 of n zeros: a stays 1, b is n (mod 65521).
    let n = n / MIB * MIB;
    let at = tail.len() - 4;
    tail[at..].copy_from_slice(&((((n % 65521) as u32) << 16) | 1).to_be_bytes());
    let mut out = first;
    for _ in 1..n / MIB {
        out.extend_from_slice(&again);
    }
    out.extend_from_slice(&tail);
    out
}

/// An otherwise valid PDF whose object stream is doubly Flate-compressed
/// and inflates to `inflated_bytes` zeros.
pub fn objstm_bomb(inflated_bytes: usize) -> Vec<u8> {
    let mut b = simple("", "", "");
    let data = zlib(&zeros_zlib(inflated_bytes));
    b.stream(
        6,
        " /Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode]",
        &data,
    );
    b.xref("/Root 1 0 R").finish()
}

/// A PDF whose only cross-reference data is an xref stream that inflates to
/// 1 GiB, with absurd /W and /Index.
pub fn xref_stream_bomb() -> Vec<u8> {
    let mut b = simple("", "", "");
    let start = b.out.len();
    let data = zlib(&zeros_zlib(1 << 30));
    b.stream(
        6,
        " /Type /XRef /Size 2000000000 /W [999999999 1 1] /Index [0 2000000000] /Root 1 0 R \
         /Filter [/FlateDecode /FlateDecode]",
        &data,
    );
    b.raw(format!("startxref\n{start}\n%%EOF\n").as_bytes());
    b.finish()
}

/// `depth` nested arrays in the page's resources (so they would be copied).
pub fn deep_nesting(depth: usize) -> Vec<u8> {
    let deep = format!("/Deep {}{}", "[".repeat(depth), "]".repeat(depth));
    simple("", "", &deep).xref("/Root 1 0 R").finish()
}

/// An array of `n` zeros in the page dictionary.
pub fn many_values(n: usize) -> Vec<u8> {
    let junk = format!("/Junk [{}]", "0 ".repeat(n));
    simple("", &junk, "").xref("/Root 1 0 R").finish()
}

/// An object stream behind a thousand Flate filters.
pub fn objstm_many_filters() -> Vec<u8> {
    let mut b = simple("", "", "");
    let mut data = b"6 0 << >>".to_vec();
    for _ in 0..1000 {
        data = zlib(&data);
    }
    let filters = "/FlateDecode ".repeat(1000);
    b.stream(
        6,
        &format!(" /Type /ObjStm /N 1 /First 4 /Filter [{filters}]"),
        &data,
    );
    b.xref("/Root 1 0 R").finish()
}

pub fn encrypted() -> Vec<u8> {
    simple("", "", "")
        .xref("/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >> /ID [<01> <01>]")
        .finish()
}

/// A catalogue whose page tree is empty (or missing).
pub fn no_pages(with_tree: bool) -> Vec<u8> {
    let mut b = Builder::new("1.4");
    if with_tree {
        b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
        b.obj(2, "<< /Type /Pages /Kids [] /Count 0 >>");
    } else {
        b.obj(1, "<< /Type /Catalog >>");
    }
    b.xref("/Root 1 0 R").finish()
}

/// A page tree with cycles, a page listed twice, and missing objects: two pages.
pub fn cyclic_tree() -> Vec<u8> {
    let mut b = Builder::new("1.4");
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    b.obj(
        2,
        "<< /Type /Pages /Kids [3 0 R 6 0 R 2 0 R 99 0 R] /Count 7 /MediaBox [0 0 595 842] >>",
    );
    b.obj(3, "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /X 98 0 R >> >> /Contents 4 0 R >>");
    text(&mut b, "", false);
    b.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    b.obj(
        6,
        "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 7 0 R 3 0 R 6 0 R] /Count 2 >>",
    );
    b.obj(7, "<< /Type /Page /Parent 6 0 R /Contents 4 0 R >>");
    b.raw(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n").finish()
}

/// `m` page-tree nodes that all share one /Kids array listing them all
/// (walking the array once per node would take m² steps).
pub fn shared_kids(m: u32) -> Vec<u8> {
    let mut b = Builder::new("1.4");
    b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    b.obj(
        2,
        "<< /Type /Pages /Kids 3 0 R /Count 1 /MediaBox [0 0 595 842] >>",
    );
    let kids: String = (10..10 + m).map(|n| format!("{n} 0 R ")).collect();
    b.obj(3, &format!("[4 0 R {kids}]"));
    b.obj(
        4,
        "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 6 0 R >>",
    );
    b.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    b.stream(
        6,
        "",
        format!("BT /F1 24 Tf 72 720 Td ({PAGE_TEXT}) Tj ET").as_bytes(),
    );
    for n in 10..10 + m {
        b.obj(n, "<< /Type /Pages /Parent 2 0 R /Kids 3 0 R >>");
    }
    b.xref("/Root 1 0 R").finish()
}

/// An object with a large dictionary that is not followed by its stream,
/// then `n` more `stream` keywords (re-parsing it for each would take n
/// times its size).
pub fn stream_words(n: usize) -> Vec<u8> {
    let mut b = simple("", "", "");
    let junk = format!(
        "<< /A ({}) >> X\n{}",
        "x".repeat(1 << 20),
        "stream\nendstream\n".repeat(n)
    );
    b.obj(9, &junk);
    b.xref("/Root 1 0 R").finish()
}
