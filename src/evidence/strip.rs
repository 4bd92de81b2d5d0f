//! Removing what a file says about its maker before anything is stored.
//!
//! Images keep only what is needed to draw the picture (a whitelist, so a
//! metadata block nobody anticipated is dropped too; JFIF keeps no
//! thumbnail); the PDF is rebuilt from what draws its pages (`pdf.rs`); the
//! MP4 loses its user-data, metadata and UUID atoms, its creation times and
//! its handler names, and a video with a GPS track is refused.
use bytes::Bytes;
use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::webp::{CHUNK_ICCP, CHUNK_XMP, WebP};
use img_parts::{ImageEXIF, ImageICC};

use crate::domain::file_kind::{FileKind, FileRefusal};

/// The longest side of a staff thumbnail.
pub const THUMB_SIDE: u32 = 320;

pub fn strip(
    kind: FileKind,
    bytes: &[u8],
    budget: &super::gate::Budget,
) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    match kind {
        FileKind::Jpeg => jpeg(bytes),
        FileKind::Png => png(bytes),
        FileKind::Webp => webp(bytes),
        FileKind::Pdf => pdf(bytes, budget),
        FileKind::Mp4 => mp4(bytes),
    }
}

/// JPEG: keep the frame, tables and scan; of the application segments only
/// JFIF (APP0) and Adobe's colour transform (APP14). That drops EXIF (with
/// GPS, maker notes and its embedded thumbnail), XMP, IPTC (APP13), ICC
/// profiles, MPF secondary images and comments. img-parts stops at EOI, so
/// trailers appended after the image are dropped as well.
fn jpeg(bytes: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    let mut image =
        Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| FileRefusal::Damaged)?;
    let mut removed = Vec::new();
    for s in image.segments_mut().iter_mut() {
        if s.marker() == markers::APP0
            && s.contents().starts_with(b"JFIF\0")
            && let Some(clean) = jfif_without_thumbnail(s.contents())
        {
            removed.push("jfif thumbnail");
            *s = img_parts::jpeg::JpegSegment::new_with_contents(markers::APP0, clean);
        }
    }
    image.segments_mut().retain(|s| {
        let m = s.marker();
        let keep = match m {
            markers::APP0 => s.contents().starts_with(b"JFIF\0"),
            markers::APP14 => s.contents().starts_with(b"Adobe"),
            markers::APP1..=markers::APP15 | markers::COM => false,
            _ => true,
        };
        if !keep {
            removed.push(match m {
                markers::APP1 if s.contents().starts_with(b"Exif") => "exif",
                markers::APP1 => "xmp",
                markers::APP13 => "iptc",
                markers::APP2 => "icc/mpf",
                markers::COM => "comment",
                _ => "app segment",
            });
        }
        keep
    });
    removed.dedup();
    let mut out = image.encoder().bytes().to_vec();
    if after_scans(&mut out) {
        removed.push("trailer");
    }
    Ok((out, removed))
}

/// JFIF's APP0 may carry an uncompressed thumbnail (Xthumbnail ×
/// Ythumbnail RGB pixels after the 14-byte header): a small copy of the
/// photo as it was before any crop or blur. Keep the header with a 0×0
/// thumbnail; None when there is none to drop.
fn jfif_without_thumbnail(contents: &[u8]) -> Option<Bytes> {
    if contents.len() < 14 || (contents[12] == 0 && contents[13] == 0 && contents.len() == 14) {
        return None;
    }
    let mut header = contents[..14].to_vec();
    header[12] = 0;
    header[13] = 0;
    Some(Bytes::from(header))
}

/// img-parts keeps everything after the first start-of-scan as one opaque
/// block: later scans of a progressive JPEG, but also application segments
/// between scans and whatever follows the end of image (MPF secondary
/// images with their own EXIF, appended motion-photo videos, vendor
/// trailers). Walk that block: keep entropy data and scan tables, drop
/// APPn/COM segments, and cut at the real EOI. Entropy-coded data never
/// holds a bare 0xFF (it is stuffed as FF 00), so markers are unambiguous.
/// Returns whether anything was removed.
fn after_scans(out: &mut Vec<u8>) -> bool {
    let seg_len = |b: &[u8], at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes([
            *b.get(at + 2)?,
            *b.get(at + 3)?,
        ])))
    };
    // Skip SOI and the header segments up to and including the first SOS.
    let mut at = 2;
    loop {
        if out.get(at) != Some(&0xFF) {
            return false;
        }
        let marker = out[at + 1];
        let Some(len) = seg_len(out, at) else {
            return false;
        };
        at += 2 + len;
        if marker == markers::SOS {
            break;
        }
    }
    let mut kept = out[..at].to_vec();
    let mut removed = false;
    while at < out.len() {
        let b = out[at];
        if b != 0xFF || at + 1 >= out.len() {
            kept.push(b);
            at += 1;
            continue;
        }
        let m = out[at + 1];
        match m {
            0x00 | markers::RST0..=markers::RST7 | 0xFF => {
                kept.push(b);
                at += 1;
            }
            markers::EOI => {
                kept.extend_from_slice(&[0xFF, markers::EOI]);
                removed |= at + 2 < out.len();
                break;
            }
            _ => {
                let Some(len) = seg_len(out, at) else { break };
                let end = (at + 2 + len).min(out.len());
                if matches!(m, markers::APP0..=markers::APP15 | markers::COM) {
                    removed = true;
                } else {
                    kept.extend_from_slice(&out[at..end]);
                }
                at = end;
            }
        }
    }
    if kept.len() != out.len() {
        *out = kept;
    }
    removed
}

/// PNG: critical chunks and the few ancillary ones that change how pixels
/// look; text (tEXt/zTXt/iTXt, where XMP lives), eXIf, tIME, iCCP and any
/// private chunk go.
fn png(bytes: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    const KEEP: [&[u8; 4]; 9] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT",
    ];
    let mut image =
        Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| FileRefusal::Damaged)?;
    let mut removed = Vec::new();
    image.chunks_mut().retain(|c| {
        let keep = KEEP.iter().any(|k| **k == c.kind());
        if !keep {
            removed.push(match &c.kind() {
                b"eXIf" => "exif",
                b"tEXt" | b"zTXt" | b"iTXt" => "text/xmp",
                b"tIME" => "time",
                b"iCCP" => "icc",
                _ => "chunk",
            });
        }
        keep
    });
    removed.dedup();
    Ok((image.encoder().bytes().to_vec(), removed))
}

/// WebP: EXIF, XMP and ICC chunks go; img-parts rewrites the VP8X flags.
fn webp(bytes: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    let mut image =
        WebP::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| FileRefusal::Damaged)?;
    let mut removed = Vec::new();
    if image.exif().is_some() {
        removed.push("exif");
    }
    if image.has_chunk(CHUNK_XMP) {
        removed.push("xmp");
    }
    if image.has_chunk(CHUNK_ICCP) {
        removed.push("icc");
    }
    image.remove_chunks_by_id(CHUNK_XMP);
    image.set_icc_profile(None);
    image.set_exif(None);
    Ok((image.encoder().bytes().to_vec(), removed))
}

/// PDF: rebuilt from scratch by `super::pdf` (its doc says how), keeping
/// only what draws the pages; embedded JPEGs are cleaned like uploads.
fn pdf(
    bytes: &[u8],
    budget: &super::gate::Budget,
) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    use super::pdf::{self, Refusal};
    let limits = pdf::Budget {
        max_inflated: budget.pdf_inflated,
        // About 120 bytes each while held: 60 MB at most.
        max_values: 500_000,
        max_depth: 64,
    };
    let clean_jpeg = |data: &[u8]| jpeg(data).ok().map(|(clean, _)| clean);
    pdf::rebuild(bytes, &limits, &clean_jpeg).map_err(|r| match r {
        Refusal::Bomb => FileRefusal::Bomb,
        Refusal::Encrypted => FileRefusal::Encrypted,
        Refusal::Unrebuildable(why) => FileRefusal::Uncleanable(why),
        Refusal::Damaged => FileRefusal::Damaged,
    })
}

/// Containers whose children are walked (down to the sample description).
const MP4_CONTAINERS: [&[u8; 4]; 6] = [b"moov", b"trak", b"mdia", b"minf", b"edts", b"stbl"];
/// Sample formats of metadata tracks whose samples are a GPS route
/// (GoPro's `gpmd`, Google's camera-motion `camm`).
const MP4_GPS_FORMATS: [&[u8; 4]; 2] = [b"gpmd", b"camm"];
/// Atoms blanked wherever they appear: user data (©xyz location, ©mak/©mod
/// device, Apple's Xtra), ISO/QuickTime metadata, UUID boxes (XMP), and the
/// contents of free space (which may hold stale metadata).
const MP4_BLANK: [&[u8; 4]; 5] = [b"udta", b"meta", b"uuid", b"free", b"skip"];
/// Headers whose creation/modification times say when the video was taken.
const MP4_TIMED: [&[u8; 4]; 3] = [b"mvhd", b"tkhd", b"mdhd"];

/// MP4: atom headers are read with `mp4-atom`; metadata atoms are turned
/// into `free` atoms of the same size with zeroed contents, and creation
/// times are zeroed. Sizes never change, so every sample offset stays valid
/// whether `moov` comes before `mdat` or after it.
fn mp4(bytes: &[u8]) -> Result<(Vec<u8>, Vec<&'static str>), FileRefusal> {
    let mut out = bytes.to_vec();
    let mut removed = Vec::new();
    walk_mp4(&mut out, 0, bytes.len(), 0, &mut removed)?;
    removed.sort_unstable();
    removed.dedup();
    Ok((out, removed))
}

fn walk_mp4(
    buf: &mut [u8],
    start: usize,
    end: usize,
    depth: usize,
    removed: &mut Vec<&'static str>,
) -> Result<(), FileRefusal> {
    use mp4_atom::{DecodeMaybe, Header};
    if depth > 8 {
        return Err(FileRefusal::Damaged);
    }
    let mut at = start;
    let mut saw_moov = false;
    while at < end {
        let mut cursor = &buf[at..end];
        let before = cursor.len();
        let header = match Header::decode_maybe(&mut cursor) {
            Ok(Some(h)) => h,
            Ok(None) if end - at < 8 && depth > 0 => break,
            _ => return Err(FileRefusal::Damaged),
        };
        let header_len = before - cursor.len();
        let body_len = header.size.unwrap_or(end - at - header_len);
        let body = at + header_len;
        let next = body.checked_add(body_len).ok_or(FileRefusal::Damaged)?;
        if next > end {
            return Err(FileRefusal::Damaged);
        }
        let kind: [u8; 4] = header.kind.into();
        if depth == 0 && &kind == b"moov" {
            saw_moov = true;
        }
        if MP4_BLANK.iter().any(|k| **k == kind) {
            if &kind != b"free" && &kind != b"skip" {
                removed.push(match &kind {
                    b"udta" => "udta (location/device)",
                    b"meta" => "meta",
                    _ => "uuid/xmp",
                });
            }
            // The size field stays; the type becomes `free`, the body zeros.
            let type_at = at + 4;
            buf[type_at..type_at + 4].copy_from_slice(b"free");
            buf[body..next].fill(0);
        } else if MP4_CONTAINERS.iter().any(|k| **k == kind) {
            walk_mp4(buf, body, next, depth + 1, removed)?;
        } else if &kind == b"hdlr" && body_len > 24 {
            // version+flags, pre_defined, handler type, 12 reserved, then a
            // free-text name ("Core Media Video", or a vendor's or user's).
            let name = &mut buf[body + 24..next];
            if name.iter().any(|&b| b != 0) {
                name.fill(0);
                removed.push("handler name");
            }
        } else if &kind == b"stsd" && body_len >= 16 {
            // version+flags, entry count, then the first entry: size, format.
            let format = &buf[body + 12..body + 16];
            if MP4_GPS_FORMATS.iter().any(|f| f.as_slice() == format) {
                return Err(FileRefusal::GpsTrack);
            }
        } else if MP4_TIMED.iter().any(|k| **k == kind) && body_len >= 4 {
            // version 1: two 64-bit times after version+flags; version 0: two 32-bit.
            let width = if buf[body] == 1 { 16 } else { 8 };
            if body_len >= 4 + width {
                buf[body + 4..body + 4 + width].fill(0);
                removed.push("creation time");
            }
        }
        at = next;
    }
    if depth == 0 && !saw_moov {
        return Err(FileRefusal::Damaged);
    }
    Ok(())
}

/// The memory an image needs once decoded (width × height × bytes per
/// pixel of its colour type), read from its header without decoding.
pub fn decoded_size(bytes: &[u8]) -> Result<u64, FileRefusal> {
    use image::{ImageDecoder, ImageReader};
    let reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| FileRefusal::Damaged)?;
    let decoder = reader.into_decoder().map_err(|_| FileRefusal::Damaged)?;
    Ok(decoder.total_bytes())
}

/// Decode a cleaned image into a small JPEG for staff, refusing before any
/// allocation an image whose decoded buffer would exceed `budget` bytes
/// (the image crate checks its `Limits` against the header first).
/// Decoding also proves the stored file is still an image.
pub fn thumbnail(clean: &[u8], budget: u64) -> Result<Vec<u8>, FileRefusal> {
    use image::{ImageError, ImageReader};
    if decoded_size(clean)? > budget {
        return Err(FileRefusal::Bomb);
    }
    let mut reader = ImageReader::new(std::io::Cursor::new(clean))
        .with_guessed_format()
        .map_err(|_| FileRefusal::Damaged)?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(budget);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| match e {
        ImageError::Limits(_) => FileRefusal::Bomb,
        _ => FileRefusal::Damaged,
    })?;
    let small = picture.thumbnail(THUMB_SIDE, THUMB_SIDE).into_rgb8();
    drop(picture);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .map_err(|_| FileRefusal::Damaged)?;
    Ok(out)
}
