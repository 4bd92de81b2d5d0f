//! Evidence attachments: every accepted kind is stored encrypted, under a
//! random name, without the metadata that would betray the reporter, and
//! still decodes; refused files leave nothing behind; staff see thumbnails
//! within their scope, every open audited.
use crate::common;

use common::TestApp;
use common::samples::{self, SECRETS, contains, multipart};
use diesel::prelude::*;
use tipline::db::schema::{attachments, audit_log, tips};

/// (storage key, kind, thumbnail key) of every attachment row.
fn rows(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let mut conn = app.state.db.read_conn().unwrap();
    attachments::table
        .order(attachments::id.asc())
        .select((
            attachments::storage_key,
            attachments::kind,
            attachments::thumb_key,
        ))
        .load(&mut *conn)
        .unwrap()
}

fn no_secrets(kind: &str, bytes: &[u8]) {
    for s in SECRETS {
        assert!(!contains(bytes, s), "{kind}: `{s}` survived");
    }
}

#[test]
fn every_kind_is_stored_without_its_metadata_and_still_decodes() {
    let app = TestApp::spawn();
    let originals = [
        ("IMG_0001.jpg", samples::jpeg()),
        ("IMG_0002.png", samples::png()),
        ("IMG_0003.webp", samples::webp()),
        ("delivery-note-zhangsan.pdf", samples::pdf()),
        ("VID_0004.mp4", samples::mp4()),
    ];
    let files: Vec<(&str, &[u8])> = originals.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let (ct, body) = multipart(&samples::form_fields(), &files);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("回执码"), "{}", res.body);

    let stored = rows(&app);
    let kinds: Vec<&str> = stored.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(kinds, ["jpeg", "png", "webp", "pdf", "mp4"]);
    for (key, kind, thumb) in &stored {
        // Random hex names; nothing of the upload's name.
        assert_eq!(key.len(), 32, "{key}");
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        // On disk: sealed, no plaintext at all.
        let raw = app.state.vault.raw(key).unwrap();
        no_secrets(kind, &raw);
        assert!(!contains(&raw, "JFIF") && !contains(&raw, "%PDF") && !contains(&raw, "ftyp"));
        // Decrypted: clean, and still what it was.
        let plain = app.state.vault.get(key).unwrap();
        no_secrets(kind, &plain);
        match kind.as_str() {
            "jpeg" | "png" | "webp" => {
                assert!(!contains(&plain, "Exif\0\0"), "{kind}: EXIF block left");
                assert!(
                    little_exif::metadata::Metadata::new_from_vec(
                        &plain,
                        match kind.as_str() {
                            "jpeg" => little_exif::filetype::FileExtension::JPEG,
                            "png" => little_exif::filetype::FileExtension::PNG {
                                as_zTXt_chunk: false
                            },
                            _ => little_exif::filetype::FileExtension::WEBP,
                        }
                    )
                    .map(|m| m.into_iter().count() == 0)
                    .unwrap_or(true),
                    "{kind}: EXIF tags readable after stripping"
                );
                let img = image::load_from_memory(&plain).expect("still an image");
                assert!(img.width() >= 32 && img.height() >= 30);
                let t = app
                    .state
                    .vault
                    .get(thumb.as_ref().expect("a thumbnail"))
                    .unwrap();
                image::load_from_memory(&t).expect("thumbnail decodes");
            }
            "pdf" => {
                let doc = lopdf::Document::load_mem(&plain).expect("still a PDF");
                assert_eq!(doc.get_pages().len(), 1);
                assert!(doc.trailer.get(b"Info").is_err(), "no /Info");
                assert!(thumb.is_none());
            }
            "mp4" => {
                let original = &originals[4].1;
                assert_eq!(
                    samples::mp4_first_samples(&plain),
                    samples::mp4_first_samples(original),
                    "sample offsets still point at the same media"
                );
                assert!(!samples::mp4_first_samples(&plain).is_empty());
                assert_eq!(samples::mp4_creation_time(&plain), 0);
                assert_eq!(plain.len(), original.len(), "sizes unchanged");
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    assert_eq!(app.stored_files(), 5 + 3, "five files and three thumbnails");
}

fn counts(app: &TestApp) -> (usize, i64, i64) {
    let mut conn = app.state.db.read_conn().unwrap();
    let a: i64 = attachments::table.count().get_result(&mut *conn).unwrap();
    let t: i64 = tips::table.count().get_result(&mut *conn).unwrap();
    (app.stored_files(), a, t)
}

#[test]
fn refused_files_leave_nothing_behind() {
    let app = TestApp::spawn();
    let fields = samples::form_fields();
    let before = counts(&app);

    // A renamed executable.
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0x90);
    let (ct, body) = multipart(&fields, &[("photo.jpg", &elf)]);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 415, "{}", res.body);
    assert!(res.body.contains("不支持的文件类型"), "{}", res.body);
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    exe.resize(4096, 0);
    let res = app.post("/api/v1/uploads", "image/jpeg", &exe);
    assert_eq!(res.status, 415, "{}", res.body);
    assert_eq!(res.json()["error"], "file_type_refused");

    // A zip bomb: 50 MiB of zeros deflated into a few KiB, named as a photo.
    let zip = zip_bomb();
    assert!(zip.len() < 200_000, "{}", zip.len());
    let (ct, body) = multipart(&fields, &[("IMG_0005.jpg", &zip)]);
    assert_eq!(app.post("/tips", &ct, body).status, 415);
    // An image bomb: a PNG that claims 100,000 × 100,000 pixels.
    let (ct, body) = multipart(&fields, &[("big.png", &png_bomb())]);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 413, "{}", res.body);

    // A 21 MB file (limit 20 MB): refused while streaming, both ways.
    let mut big = samples::jpeg();
    big.resize(21 * 1024 * 1024, 0);
    let (ct, body) = multipart(&fields, &[("big.jpg", &big)]);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 413, "{}", res.body);
    let res = app.post("/api/v1/uploads", "application/octet-stream", &big);
    assert_eq!(res.status, 413, "{}", res.body);

    // HEIC is refused with advice.
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08free".to_vec();
    let res = app.post("/api/v1/uploads", "image/heic", &heic);
    assert_eq!(res.status, 415);
    assert!(
        res.json()["message"]
            .as_str()
            .unwrap()
            .contains("兼容性最佳")
    );

    assert_eq!(counts(&app), before, "files on disk, attachment rows, tips");

    // A sixth file is refused by its number; the five before it are
    // cleaned and kept (as uploads, on no tip) for the form shown again,
    // so the reporter does not choose them again.
    let photo = samples::jpeg();
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("p.jpg", photo.as_slice())).collect();
    let (ct, body) = multipart(&fields, &six);
    let res = app.post("/tips", &ct, body);
    assert_eq!(res.status, 413, "{}", res.body);
    assert!(res.body.contains("附件数量超过上限"), "{}", res.body);
    assert!(res.body.contains("第6个文件未能接收"), "{}", res.body);
    let kept: Vec<String> = res
        .body
        .split("name=\"kept\" value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect();
    assert_eq!(kept.len(), 5, "{}", res.body);
    let after = counts(&app);
    assert_eq!(
        (after.1, after.2),
        (before.1 + 5, before.2),
        "kept, on no tip"
    );
    // Sent again without the sixth: one tip with the five kept files.
    let mut again: Vec<(&str, &str)> = fields.clone();
    for k in &kept {
        again.push(("kept", k));
    }
    let res = app.post_form("/tips", &again);
    assert_eq!(res.status, 200, "{}", res.body);
    let after = counts(&app);
    assert_eq!((after.1, after.2), (before.1 + 5, before.2 + 1));

    // Five files are fine.
    let five: Vec<(&str, &[u8])> = (0..5).map(|_| ("p.jpg", photo.as_slice())).collect();
    let (ct, body) = multipart(&fields, &five);
    assert_eq!(app.post("/tips", &ct, body).status, 200);
    assert_eq!(counts(&app).1, before.1 + 10);
}

/// A zip whose one entry inflates to 50 MiB of zeros.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut deflated = Vec::new();
    {
        let mut enc =
            flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..50 {
            enc.write_all(&zeros).unwrap();
        }
        enc.finish().unwrap();
    }
    let mut z = b"PK\x03\x04\x14\0\0\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    z.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
    z.extend_from_slice(&(50u32 << 20).to_le_bytes());
    z.extend_from_slice(&8u16.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(b"zero.bin");
    z.extend_from_slice(&deflated);
    z
}

/// A PNG header claiming 100,000 × 100,000 pixels over a tiny IDAT.
fn png_bomb() -> Vec<u8> {
    use img_parts::png::{Png, PngChunk};
    let mut small = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(1, 1))
        .write_to(
            &mut std::io::Cursor::new(&mut small),
            image::ImageFormat::Png,
        )
        .unwrap();
    let mut p = Png::from_bytes(small.into()).unwrap();
    let mut ihdr = p.chunks()[0].contents().to_vec();
    ihdr[0..4].copy_from_slice(&100_000u32.to_be_bytes());
    ihdr[4..8].copy_from_slice(&100_000u32.to_be_bytes());
    p.chunks_mut()[0] = PngChunk::new(*b"IHDR", ihdr.into());
    p.encoder().bytes().to_vec()
}

#[test]
fn json_uploads_by_token_receipt_additions_and_staff_thumbnails() {
    let app = TestApp::spawn();
    app.add_user("dispatch1", "dispatcher", None, None);
    app.add_user("futian1", "district", None, Some("futian"));

    // The declared type is ignored: a JPEG sent as PNG is a JPEG.
    let res = app.post("/api/v1/uploads", "image/png", samples::jpeg());
    assert_eq!(res.status, 201, "{}", res.body);
    let up = res.json();
    assert_eq!(up["kind"], "jpeg");
    assert!(up["removed"].as_str().unwrap().contains("exif"), "{up}");
    let token = up["token"].as_str().unwrap().to_string();

    let mut tip = common::sample_tip();
    tip["attachments"] = serde_json::json!([token]);
    let res = app.post_json("/api/v1/tips", &tip);
    assert_eq!(res.status, 201, "{}", res.body);
    let receipt = res.json()["receipt"].as_str().unwrap().to_string();
    // A token is spent once.
    let res = app.post_json("/api/v1/tips", &tip);
    assert_eq!(res.status, 422, "{}", res.body);

    // The reporter adds a PDF later, with the receipt.
    let res = app.post("/api/v1/uploads", "application/pdf", samples::pdf());
    let pdf_token = res.json()["token"].as_str().unwrap().to_string();
    let res = app.post_json(
        "/api/v1/tips/attachments",
        &serde_json::json!({"receipt": receipt, "attachments": [pdf_token]}),
    );
    assert_eq!(res.status, 201, "{}", res.body);

    let (cookie, _) = app.login("dispatch1");
    let res = app.send("GET", "/api/v1/cases?limit=1", Some(&cookie), None, None);
    let case_id = res.json()["items"][0]["id"].as_i64().unwrap();
    let case = app
        .send(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&cookie),
            None,
            None,
        )
        .json();
    let files = case["tips"][0]["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2, "{case}");
    assert_eq!(files[0]["kind"], "jpeg");
    assert_eq!(files[1]["kind"], "pdf");
    assert!(files[1]["thumbnail_url"].is_null());
    assert_eq!(case["flood_suspected"], false);
    let thumb_url = files[0]["thumbnail_url"].as_str().unwrap().to_string();
    let file_url = files[0]["url"].as_str().unwrap().to_string();

    let (status, headers, body) = app.get_bytes(&thumb_url, &[("Cookie", &cookie)]);
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "image/jpeg")
    );
    image::load_from_memory(&body).expect("a thumbnail");
    let (status, _, body) = app.get_bytes(&file_url, &[("Cookie", &cookie)]);
    assert_eq!(status, 200);
    no_secrets("jpeg", &body);
    image::load_from_memory(&body).expect("the photo");

    // The thumbnail page staff see.
    let (status, _, page) = app.get_bytes(
        &format!("/staff/cases/{case_id}/attachments"),
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(&format!("src=\"{thumb_url}\"")), "{page}");

    // Outside the scope: not found; without a session: 401.
    let (eco, _) = app.login("futian1");
    assert_eq!(app.get_bytes(&file_url, &[("Cookie", &eco)]).0, 404);
    assert_eq!(app.get_bytes(&thumb_url, &[]).0, 401);

    // Every open is in the audit log, under the case.
    let mut conn = app.state.db.read_conn().unwrap();
    let actions: Vec<(String, String)> = audit_log::table
        .filter(audit_log::subject.eq(format!("case:{case_id}")))
        .select((audit_log::actor, audit_log::action))
        .load(&mut *conn)
        .unwrap();
    for wanted in ["attachment.thumbnail", "attachment.open"] {
        assert!(
            actions
                .iter()
                .any(|(who, what)| who == "user:dispatch1" && what == wanted),
            "{actions:?}"
        );
    }
    assert!(
        actions
            .iter()
            .any(|(who, what)| who == "reporter" && what == "attachment.added")
    );
    assert!(!actions.iter().any(|(who, _)| who == "user:futian1"));
}

/// Writes the browser test's photo (a JPEG with GPS, device and XMP
/// metadata): `cargo test --test evidence -- --ignored write_browser_fixture`.
#[test]
#[ignore]
fn write_browser_fixture() {
    std::fs::write("tests/fixtures/photo-gps.jpg", samples::jpeg()).unwrap();
}
