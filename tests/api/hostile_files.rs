//! Hostile uploads (issue 13): decompression bombs of every accepted kind
//! leave the real server alive and small; a PDF with planted identifying
//! data is stored without any of it; the strippers survive thousands of
//! mutated files.
use crate::common;

use std::time::Duration;

use common::binary::{self, Server, free_port};
use common::{TestApp, TestDb, pdfs, samples};
use diesel::prelude::*;

/// Bombs built here, so every test knows exactly what it sends.
mod bombs {
    use super::pdfs;

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }

    /// The PNG: `w`×`h`, RGBA with 16 bits a channel, all zeros;
    /// under 1 MB, about 1 GB once decoded at 10950×10950.
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        let raw = (1 + w as usize * 8) * h as usize;
        chunk(&mut out, b"IDAT", &pdfs::zeros_zlib(raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// A real 16×16 JPEG whose frame header says 65000×65000.
    pub fn jpeg() -> Vec<u8> {
        let img = image::RgbImage::new(16, 16);
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .encode_image(&img)
            .unwrap();
        let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        out[sof + 5..sof + 7].copy_from_slice(&65000u16.to_be_bytes());
        out[sof + 7..sof + 9].copy_from_slice(&65000u16.to_be_bytes());
        out
    }

    /// A real lossless WebP whose header says 16383×16383 (1 GiB RGBA).
    pub fn webp() -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut out)
            .encode(&[0, 0, 0, 255], 1, 1, image::ExtendedColorType::Rgba8)
            .unwrap();
        assert_eq!(&out[12..16], b"VP8L");
        let bits = u32::from_le_bytes(out[21..25].try_into().unwrap());
        // Width and height less one, 14 bits each.
        let huge = (bits & 0xF000_0000) | 16382 | (16382 << 14);
        out[21..25].copy_from_slice(&huge.to_le_bytes());
        out
    }

    /// An MP4 whose `moov` claims a terabyte.
    pub fn mp4() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&20u32.to_be_bytes());
        out.extend_from_slice(b"ftypisom\0\0\x02\0isom");
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(b"moov");
        out.extend_from_slice(&(1u64 << 40).to_be_bytes());
        out.extend_from_slice(&[0u8; 64]);
        out
    }
}

fn upload(port: u16, bytes: &[u8]) -> String {
    binary::post(
        port,
        None,
        "/api/v1/uploads",
        "application/octet-stream",
        bytes,
        "",
    )
    .unwrap_or_else(|e| format!("no answer: {e}"))
}

fn status(response: &str) -> u16 {
    response
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn bombs_are_refused_and_the_server_stays_alive_and_small() {
    let db = TestDb::new();
    let port = free_port();
    let mut server = Server::start(
        &db,
        port,
        &[("TIPLINE_INTAKE_LIMIT", "0"), ("TIPLINE_WORKERS", "2")],
    );
    let png = bombs::png(10950, 10950);
    let pdf = pdfs::objstm_bomb(1 << 30);
    println!(
        "PNG bomb {} KB, PDF bomb {} KB",
        png.len() / 1024,
        pdf.len() / 1024
    );
    let before = server.peak_rss_kib();

    // Four PNG bombs and two PDF bombs at once, /healthz asked meanwhile.
    let mut sends = Vec::new();
    for bomb in [&png, &png, &png, &png, &pdf, &pdf] {
        let bomb = bomb.clone();
        sends.push(std::thread::spawn(move || upload(port, &bomb)));
    }
    let health = binary::raw(
        port,
        None,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    for (i, send) in sends.into_iter().enumerate() {
        let r = send.join().unwrap();
        assert_eq!(status(&r), 413, "bomb {i}: {r}");
        assert!(r.contains("file_too_large"), "{r}");
    }
    // The other kinds one by one.
    for (what, bomb, expected) in [
        ("jpeg 65000×65000", bombs::jpeg(), 413),
        ("webp 16383×16383", bombs::webp(), 413),
        ("mp4 with a 1 TB box", bombs::mp4(), 415),
        ("pdf with 1000 filters", pdfs::objstm_many_filters(), 413),
        ("pdf xref stream bomb", pdfs::xref_stream_bomb(), 201),
    ] {
        let r = upload(port, &bomb);
        assert_eq!(status(&r), expected, "{what}: {r}");
    }
    let health = binary::raw(
        port,
        None,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(server.is_running());
    let after = server.peak_rss_kib();
    println!(
        "peak RSS of the server: {} MB before the bombs, {} MB after",
        before / 1024,
        after / 1024
    );
    assert!(after < 512 * 1024, "peak RSS {} MB", after / 1024);
}

/// The stored (decrypted) bytes of the upload a token names.
fn stored(app: &TestApp, token: &str) -> Vec<u8> {
    use sha2::Digest;
    use tipline::db::schema::attachments;
    let hash = sha2::Sha256::digest(token.as_bytes()).to_vec();
    let mut conn = app.state.db.read_conn().unwrap();
    let key: String = attachments::table
        .filter(attachments::token_hash.eq(hash))
        .select(attachments::storage_key)
        .first(&mut *conn)
        .unwrap();
    app.state.vault.get(&key).unwrap()
}

#[test]
fn planted_pdf_metadata_is_gone_from_the_stored_bytes() {
    let app = TestApp::spawn();
    for (kind, pdf, planted) in pdfs::planted() {
        let res = app.post("/api/v1/uploads", "application/pdf", &pdf);
        assert_eq!(res.status, 201, "{kind}: {}", res.body);
        let answer = res.json();
        let removed = answer["removed"].as_str().unwrap_or_default().to_string();
        let bytes = stored(&app, answer["token"].as_str().unwrap());
        // The raw bytes and every stream inflated: nothing planted survives.
        let all = pdfs::all_text(&bytes);
        for p in &planted {
            assert!(!samples::contains(&all, p), "{kind}: `{p}` survived");
        }
        assert!(
            samples::contains(&all, pdfs::PAGE_TEXT),
            "{kind}: the page itself was lost"
        );
        assert!(
            !removed.is_empty(),
            "{kind}: staff are told nothing was removed"
        );
        println!("{kind}: removed {removed}");
    }
}

#[test]
fn what_staff_are_told_was_removed_is_what_was_there() {
    let app = TestApp::spawn();
    let by_kind: std::collections::HashMap<_, _> = pdfs::planted()
        .into_iter()
        .map(|(kind, pdf, _)| (kind, pdf))
        .collect();
    for (kind, must) in [
        ("info", "document info"),
        ("annotation", "annotations"),
        ("embedded file", "embedded files"),
        ("javascript", "javascript"),
        ("uri link", "links/actions"),
        ("incremental", "earlier revisions"),
    ] {
        let pdf = by_kind
            .get(kind)
            .unwrap_or_else(|| panic!("no sample {kind}"));
        let res = app.post("/api/v1/uploads", "application/pdf", pdf);
        assert_eq!(res.status, 201, "{kind}: {}", res.body);
        let removed = res.json()["removed"].as_str().unwrap().to_string();
        assert!(removed.contains(must), "{kind}: {removed}");
    }
    // A clean PDF is not said to have lost anything it did not have.
    let res = app.post("/api/v1/uploads", "application/pdf", pdfs::clean());
    assert_eq!(res.status, 201, "{}", res.body);
    let removed = res.json()["removed"].as_str().unwrap().to_string();
    assert!(
        !removed.contains("info") && !removed.contains("xmp"),
        "{removed}"
    );
}

#[test]
fn encrypted_and_unreadable_pdfs_are_refused_with_a_reason() {
    let app = TestApp::spawn();
    let res = app.post("/api/v1/uploads", "application/pdf", pdfs::encrypted());
    assert_eq!(res.status, 422, "{}", res.body);
    let body = res.json();
    assert!(body["message"].as_str().unwrap().contains("加密"));
    assert!(body["message_en"].as_str().unwrap().contains("encrypted"));
    assert_eq!(app.stored_files(), 0);
}

#[test]
fn jfif_thumbnails_handler_names_and_gps_tracks() {
    let app = TestApp::spawn();
    // A JFIF header carrying a 2×2 thumbnail: twelve planted bytes.
    let jpeg = samples::jpeg();
    let app0 = jpeg.windows(2).position(|w| w == [0xFF, 0xE0]);
    let mut with_thumb = Vec::new();
    let rest = match app0 {
        Some(at) => {
            let len = u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]) as usize;
            with_thumb.extend_from_slice(&jpeg[..at]);
            &jpeg[at + 2 + len..]
        }
        None => {
            with_thumb.extend_from_slice(&jpeg[..2]);
            &jpeg[2..]
        }
    };
    let mut seg = b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x02\x02".to_vec();
    seg.extend_from_slice(b"PLANTEDTHUMB");
    with_thumb.extend_from_slice(&[0xFF, 0xE0]);
    with_thumb.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    with_thumb.extend_from_slice(&seg);
    with_thumb.extend_from_slice(rest);
    let res = app.post("/api/v1/uploads", "image/jpeg", &with_thumb);
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(
        res.json()["removed"]
            .as_str()
            .unwrap()
            .contains("jfif thumbnail")
    );
    let stored_jpeg = stored(&app, res.json()["token"].as_str().unwrap());
    assert!(!samples::contains(&stored_jpeg, "PLANTEDTHUMB"));
    assert!(samples::contains(&stored_jpeg, "JFIF"));
    image::load_from_memory(&stored_jpeg).expect("still a picture");

    // A handler name that names the phone's owner is blanked.
    let mut video = samples::mp4();
    let hdlr = video.windows(4).position(|w| w == b"hdlr").unwrap();
    let name_at = hdlr + 4 + 24;
    let name_len = video[name_at..].iter().position(|&b| b == 0).unwrap();
    assert!(name_len >= 8, "the sample's handler has a name");
    let planted = &b"PLANTED-HANDLER-NAME-OF-ZHANGWEI"[..name_len.min(32)];
    video[name_at..name_at + planted.len()].copy_from_slice(planted);
    let res = app.post("/api/v1/uploads", "video/mp4", &video);
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(
        res.json()["removed"]
            .as_str()
            .unwrap()
            .contains("handler name")
    );
    let stored_video = stored(&app, res.json()["token"].as_str().unwrap());
    assert!(!stored_video.windows(planted.len()).any(|w| w == planted));

    // A GoPro-style GPS track cannot be blanked safely: refused.
    let mut gps = samples::mp4();
    let stsd = gps.windows(4).position(|w| w == b"stsd").unwrap();
    let format_at = stsd + 4 + 12;
    gps[format_at..format_at + 4].copy_from_slice(b"gpmd");
    let res = app.post("/api/v1/uploads", "video/mp4", &gps);
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.json()["message"].as_str().unwrap().contains("GPS"));
}

/// xorshift64*: a fixed sequence, so a failure names the round that failed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, file: &[u8]) -> Vec<u8> {
    let mut f = file.to_vec();
    for _ in 0..1 + rng.below(8) {
        match rng.below(5) {
            0 if !f.is_empty() => {
                let at = rng.below(f.len());
                f[at] ^= 1 << rng.below(8);
            }
            1 if !f.is_empty() => {
                let at = rng.below(f.len());
                f[at] = [0x00, 0xFF, 0x7F, 0x80][rng.below(4)];
            }
            2 => {
                let at = rng.below(f.len() + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                f.splice(at..at, bytes);
            }
            3 if f.len() > 16 => {
                let at = rng.below(f.len() - 8);
                let n = 1 + rng.below(8.min(f.len() - at));
                f.drain(at..at + n);
            }
            _ => {
                let keep = rng.below(f.len() + 1).max(8.min(f.len()));
                f.truncate(keep);
            }
        }
    }
    f
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_strippers_survive_thousands_of_mutated_files_in_bounded_memory() {
    // Alone in a fresh process, so that its peak memory is its own.
    if std::env::var_os("TIPLINE_FUZZ_CHILD").is_none() {
        let run = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "hostile_files::the_strippers_survive_thousands_of_mutated_files_in_bounded_memory",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("TIPLINE_FUZZ_CHILD", "1")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&run.stdout);
        println!(
            "{}",
            out.lines()
                .filter(|l| l.contains("mutat"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(
            run.status.success() && out.contains("1 passed"),
            "{out}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        return;
    }
    let budget = tipline::evidence::gate::Budget::default();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("jpeg", samples::jpeg()),
        ("png", samples::png()),
        ("webp", samples::webp()),
        ("mp4", samples::mp4()),
        ("pdf", pdfs::clean()),
        ("png bomb", bombs::png(4000, 4000)),
    ];
    let before = vm_hwm_kib();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut kept, mut refused) = (0, 0);
    let started = std::time::Instant::now();
    for round in 0..3000 {
        let (kind, seed) = &seeds[round % seeds.len()];
        let file = mutate(&mut rng, seed);
        let outcome = std::panic::catch_unwind(|| tipline::evidence::clean(&file, &budget));
        match outcome {
            Ok(Ok(_)) => kept += 1,
            Ok(Err(_)) => refused += 1,
            Err(_) => panic!("round {round} ({kind}): the stripper panicked"),
        }
        if started.elapsed() > Duration::from_secs(240) {
            break;
        }
    }
    let after = vm_hwm_kib();
    println!(
        "mutated files: {kept} cleaned, {refused} refused in {:?}; VmHWM {} MB → {} MB",
        started.elapsed(),
        before / 1024,
        after / 1024
    );
    assert!(kept > 0 && refused > 0);
    assert!(after < 512 * 1024, "peak {} MB", after / 1024);
}
