//! Sample evidence carrying the metadata a phone or a scanner leaves:
//! GPS position, device make/model/serial, time taken, author, XMP. Built
//! here with crates that write such metadata, so every test knows exactly
//! what must disappear.
use std::io::Write;

use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::WebP;
use little_exif::exif_tag::ExifTag;
use little_exif::filetype::FileExtension;
use little_exif::metadata::Metadata;
use little_exif::rational::uR64;

/// Strings that must not survive in any stored file.
pub const SECRETS: [&str; 9] = [
    "iPhone 15 Pro",
    "Apple",
    "SN-SECRET-1234",
    "SecretCam",
    "Zhang San",
    "+22.5431+114.0579",
    "TRAILER-SECRET",
    "2026:11:01 21:13:09",
    "ns.adobe.com/xap",
];

pub const XMP: &str = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:CreatorTool=\"SecretCam\"/></rdf:RDF></x:xmpmeta>";

fn exif() -> Metadata {
    let mut m = Metadata::new();
    m.set_tag(ExifTag::Make("Apple".into()));
    m.set_tag(ExifTag::Model("iPhone 15 Pro".into()));
    m.set_tag(ExifTag::SerialNumber("SN-SECRET-1234".into()));
    m.set_tag(ExifTag::DateTimeOriginal("2026:11:01 21:13:09".into()));
    m.set_tag(ExifTag::GPSLatitudeRef("N".into()));
    m.set_tag(ExifTag::GPSLatitude(vec![
        uR64 {
            nominator: 22,
            denominator: 1,
        },
        uR64 {
            nominator: 32,
            denominator: 1,
        },
        uR64 {
            nominator: 3516,
            denominator: 100,
        },
    ]));
    m.set_tag(ExifTag::GPSLongitudeRef("E".into()));
    m.set_tag(ExifTag::GPSLongitude(vec![
        uR64 {
            nominator: 114,
            denominator: 1,
        },
        uR64 {
            nominator: 3,
            denominator: 1,
        },
        uR64 {
            nominator: 2844,
            denominator: 100,
        },
    ]));
    m
}

fn picture(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 90]))
}

/// A JPEG with EXIF (GPS, make, model, serial, time), XMP, IPTC, a comment
/// and a trailer after the end of image.
pub fn jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture(64, 48))
        .unwrap();
    exif().write_to_vec(&mut out, FileExtension::JPEG).unwrap();
    let mut j = Jpeg::from_bytes(out.into()).unwrap();
    let xmp = [b"http://ns.adobe.com/xap/1.0/\0".as_slice(), XMP.as_bytes()].concat();
    let iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x10\x1c\x02\x50\0\x09Zhang San".to_vec();
    j.segments_mut()
        .insert(1, JpegSegment::new_with_contents(markers::APP1, xmp.into()));
    j.segments_mut().insert(
        1,
        JpegSegment::new_with_contents(markers::APP13, iptc.into()),
    );
    j.segments_mut().insert(
        1,
        JpegSegment::new_with_contents(markers::COM, b"shot by Zhang San".to_vec().into()),
    );
    let mut bytes = j.encoder().bytes().to_vec();
    bytes.extend_from_slice(b"TRAILER-SECRET");
    assert!(contains(&bytes, "iPhone 15 Pro") && contains(&bytes, "SecretCam"));
    bytes
}

/// A PNG with eXIf, a tEXt author, an iTXt XMP packet and tIME.
pub fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture(40, 30))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    exif()
        .write_to_vec(
            &mut out,
            FileExtension::PNG {
                as_zTXt_chunk: false,
            },
        )
        .unwrap();
    let mut p = Png::from_bytes(out.into()).unwrap();
    let n = p.chunks().len();
    p.chunks_mut().insert(
        n - 1,
        PngChunk::new(*b"tEXt", b"Author\0Zhang San".to_vec().into()),
    );
    let itxt = [b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), XMP.as_bytes()].concat();
    p.chunks_mut()
        .insert(n - 1, PngChunk::new(*b"iTXt", itxt.into()));
    let bytes = p.encoder().bytes().to_vec();
    assert!(contains(&bytes, "Zhang San") && contains(&bytes, "SecretCam"));
    bytes
}

/// A lossless WebP with EXIF and XMP chunks.
pub fn webp() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture(32, 32))
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::WebP,
        )
        .unwrap();
    exif().write_to_vec(&mut out, FileExtension::WEBP).unwrap();
    let mut w = WebP::from_bytes(out.into()).unwrap();
    w.chunks_mut().push(RiffChunk::new(
        *b"XMP ",
        RiffContent::Data(XMP.as_bytes().to_vec().into()),
    ));
    let bytes = w.encoder().bytes().to_vec();
    assert!(contains(&bytes, "iPhone 15 Pro") && contains(&bytes, "SecretCam"));
    bytes
}

/// A one-page PDF with /Author, /Producer, /Creator in /Info and an XMP stream.
pub fn pdf() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 20 50 Td (delivery note) Tj ET".to_vec(),
    ));
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "MediaBox" => vec![0.into(), 0.into(), 200.into(), 100.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let xmp = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        XMP.as_bytes().to_vec(),
    ));
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Metadata" => xmp,
    });
    let info = doc.add_object(dictionary! {
        "Author" => Object::string_literal("Zhang San"),
        "Producer" => Object::string_literal("SecretCam Scanner for iPhone 15 Pro"),
        "Creator" => Object::string_literal("Apple"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    assert!(contains(&out, "Zhang San") && contains(&out, "SecretCam"));
    out
}

fn atom(kind: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn text_item(kind: &[u8], text: &str) -> Vec<u8> {
    let mut body = (text.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(&0x15c7u16.to_be_bytes());
    body.extend_from_slice(text.as_bytes());
    atom(kind, &body)
}

/// A small MP4 (tests/fixtures: mp4-atom's uncompressed sample) given what a
/// phone adds: a `udta` with the ISO 6709 location (©xyz), make and model,
/// a creation time, and a trailing XMP `uuid` box. Sample offsets are
/// corrected, so the file is a valid video.
pub fn mp4() -> Vec<u8> {
    use mp4_atom::{Decode, Encode, Ftyp, Moov};
    let base: &[u8] = include_bytes!("../../fixtures/mp4-atom-uncompressed.mp4");
    let mut cursor = base;
    let ftyp = Ftyp::decode(&mut cursor).unwrap();
    let moov_start = base.len() - cursor.len();
    let mut moov = Moov::decode(&mut cursor).unwrap();
    let rest_start = base.len() - cursor.len();
    let old_moov_len = rest_start - moov_start;
    let udta = atom(
        b"udta",
        &[
            text_item(b"\xa9xyz", "+22.5431+114.0579/"),
            text_item(b"\xa9mak", "Apple"),
            text_item(b"\xa9mod", "iPhone 15 Pro"),
        ]
        .concat(),
    );
    moov.udta = None;
    moov.mvhd.creation_time = 3_846_000_000;
    let mut probe = Vec::new();
    moov.encode(&mut probe).unwrap();
    let shift = (probe.len() + udta.len()) as i64 - old_moov_len as i64;
    for trak in &mut moov.trak {
        if let Some(stco) = &mut trak.mdia.minf.stbl.stco {
            for e in &mut stco.entries {
                *e = (*e as i64 + shift) as u32;
            }
        }
    }
    let mut out = Vec::new();
    ftyp.encode(&mut out).unwrap();
    let mut moov_bytes = Vec::new();
    moov.encode(&mut moov_bytes).unwrap();
    let size = moov_bytes.len() + udta.len();
    moov_bytes[..4].copy_from_slice(&(size as u32).to_be_bytes());
    moov_bytes.extend_from_slice(&udta);
    out.extend_from_slice(&moov_bytes);
    out.extend_from_slice(&base[rest_start..]);
    let mut uuid = b"\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xac".to_vec();
    uuid.extend_from_slice(XMP.as_bytes());
    out.extend_from_slice(&atom(b"uuid", &uuid));
    assert!(contains(&out, "+22.5431+114.0579") && contains(&out, "iPhone 15 Pro"));
    out
}

/// The first sample chunk of each track: (offset, bytes) read through the
/// file's own `stco`, to show a stripped video still points at its media.
pub fn mp4_first_samples(file: &[u8]) -> Vec<Vec<u8>> {
    use mp4_atom::{Decode, Ftyp, Moov};
    let mut cursor = file;
    Ftyp::decode(&mut cursor).expect("ftyp");
    let moov = Moov::decode(&mut cursor).expect("moov decodes");
    moov.trak
        .iter()
        .filter_map(|t| {
            let off = *t.mdia.minf.stbl.stco.as_ref()?.entries.first()? as usize;
            Some(file[off..(off + 8).min(file.len())].to_vec())
        })
        .collect()
}

/// The creation time in `mvhd`.
pub fn mp4_creation_time(file: &[u8]) -> u64 {
    use mp4_atom::{Decode, Ftyp, Moov};
    let mut cursor = file;
    Ftyp::decode(&mut cursor).unwrap();
    Moov::decode(&mut cursor).unwrap().mvhd.creation_time
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A multipart/form-data body: (content type, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----tiplineTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
        .unwrap();
    }
    for (filename, bytes) in files {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The tip form's fields.
pub fn form_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "description",
            "宝安区沙井街道某厂晚上偷偷用中频炉炼钢，烟囱冒黑烟，附照片。",
        ),
        ("enterprise_name", "深圳市宏达钢铁有限公司"),
        ("district", "baoan"),
        ("industry", "steel"),
    ]
}
