//! Tests of `rebuild`, on sample files built by `pdf_samples.rs`.
use std::time::Instant;

use lopdf::Document;

use super::Refusal::{Bomb, Unrebuildable};
use super::syntax::find;
use super::{Budget, Refusal, rebuild};

#[path = "../../../tests/api/common/pdfs.rs"]
mod samples;

/// The JPEG cleaner for tests: drops APP1..APP15, keeps everything else.
fn strip_app(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut out = jpeg.get(..2).filter(|soi| soi == b"\xFF\xD8")?.to_vec();
    let mut i = 2;
    loop {
        let marker = *jpeg.get(i + 1).filter(|_| jpeg[i] == 0xFF)?;
        if marker == 0xDA {
            out.extend_from_slice(&jpeg[i..]); // the scan and what follows
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        let segment = jpeg.get(i..i + 2 + len)?;
        if !(0xE1..=0xEF).contains(&marker) {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

fn page_count(pdf: &[u8]) -> usize {
    Document::load_mem(pdf)
        .expect("lopdf loads it")
        .get_pages()
        .len()
}

#[test]
fn planted_data_is_removed_and_pages_survive() {
    let expected: &[(&str, &[&str])] = &[
        ("info", &["document info", "document id"]),
        ("xmp", &["xmp metadata"]),
        ("incremental", &["earlier revisions"]),
        ("annotation", &["annotations"]),
        ("embedded file", &["embedded files"]),
        ("javascript", &["open action", "javascript"]),
        ("uri link", &["annotations", "links/actions"]),
        ("piece info", &["page piece info", "modification dates"]),
        ("object stream", &["document info"]),
        ("jpeg", &["jpeg metadata"]),
    ];
    let samples = samples::planted();
    assert_eq!(samples.len(), expected.len());
    for ((kind, pdf, planted), (want_kind, want)) in samples.iter().zip(expected) {
        assert_eq!(kind, want_kind);
        let before = samples::all_text(pdf);
        let (out, mut removed) = rebuild(pdf, &Budget::default(), &strip_app)
            .unwrap_or_else(|e| panic!("{kind}: {e:?}"));
        let after = samples::all_text(&out);
        for s in planted {
            assert!(contains(&before, s.as_bytes()), "{kind}: {s} not planted");
            assert!(!contains(&after, s.as_bytes()), "{kind}: {s} survived");
        }
        assert!(
            contains(&after, samples::PAGE_TEXT.as_bytes()),
            "{kind}: page text lost"
        );
        for gone in [
            &b"/Info"[..],
            b"/ID",
            b"/Annots",
            b"/Names",
            b"/Metadata",
            b"Producer",
        ] {
            assert!(
                !contains(&out, gone),
                "{kind}: {} in output",
                String::from_utf8_lossy(gone)
            );
        }
        assert_eq!(page_count(&out), page_count(pdf), "{kind}");
        let mut want = want.to_vec();
        removed.sort_unstable();
        want.sort_unstable();
        assert_eq!(removed, want, "{kind}");
    }
}

#[test]
fn objects_from_object_streams_are_kept() {
    let (_, pdf, _) = samples::planted()
        .into_iter()
        .find(|s| s.0 == "object stream")
        .unwrap();
    let (out, _) = rebuild(&pdf, &Budget::default(), &strip_app).unwrap();
    assert!(contains(&out, b"/BaseFont/Helvetica"));
}

#[test]
fn the_test_jpeg_cleaner_drops_exif() {
    let jpeg = samples::jpeg_with_exif("x");
    assert_eq!(strip_app(&jpeg).map(|j| contains(&j, b"Exif")), Some(false));
    assert_eq!(strip_app(b"\xFF\xD8\xFF\xE1\xFF"), None);
}

#[test]
fn a_clean_file_reports_nothing() {
    let (out, removed) = rebuild(&samples::clean(), &Budget::default(), &strip_app).unwrap();
    assert!(removed.is_empty(), "{removed:?}");
    assert_eq!(page_count(&out), 1);
}

#[test]
fn a_file_cut_before_its_trailer_is_rebuilt() {
    let pdf = samples::clean();
    let cut = &pdf[..find(&pdf, b"xref").unwrap()];
    let (out, _) = rebuild(cut, &Budget::default(), &strip_app).unwrap();
    assert_eq!(page_count(&out), 1);
}

#[test]
fn page_tree_cycles_and_missing_objects_are_tolerated() {
    let (out, _) = rebuild(&samples::cyclic_tree(), &Budget::default(), &strip_app).unwrap();
    assert_eq!(page_count(&out), 2);
}

#[test]
fn refusals() {
    let b = Budget::default();
    let r = |pdf: &[u8]| rebuild(pdf, &b, &strip_app).map(|_| ());
    assert_eq!(r(&samples::encrypted()), Err(Refusal::Encrypted));
    assert_eq!(r(b""), Err(Refusal::Damaged));
    assert_eq!(r(b"%PDF-1.7\n"), Err(Refusal::Damaged));
    assert_eq!(r(b"GIF89a 1 0 obj << >> endobj"), Err(Refusal::Damaged));
    assert_eq!(r(&samples::no_pages(true)), Err(Unrebuildable("no pages")));
    assert_eq!(
        r(&samples::no_pages(false)),
        Err(Unrebuildable("no page tree"))
    );
    let (_, jpeg, _) = samples::planted()
        .into_iter()
        .find(|s| s.0 == "jpeg")
        .unwrap();
    let refused = rebuild(&jpeg, &b, &|_| None).map(|_| ());
    assert_eq!(
        refused,
        Err(Unrebuildable("an embedded JPEG could not be cleaned"))
    );
    let small = Budget {
        max_inflated: 100,
        ..b
    };
    let (_, objstm, _) = samples::planted()
        .into_iter()
        .find(|s| s.0 == "object stream")
        .unwrap();
    assert_eq!(rebuild(&objstm, &small, &strip_app).map(|_| ()), Err(Bomb));
}

#[test]
fn parser_bombs_are_refused_quickly() {
    for (what, pdf) in [
        ("deep nesting", samples::deep_nesting(100_000)),
        ("many values", samples::many_values(3_000_000)),
        ("many filters", samples::objstm_many_filters()),
    ] {
        let t = Instant::now();
        let r = rebuild(&pdf, &Budget::default(), &strip_app).map(|_| ());
        println!("{what}: {} bytes → {r:?} in {:?}", pdf.len(), t.elapsed());
        assert_eq!(r, Err(Bomb), "{what}");
    }
}

#[test]
fn nesting_is_capped_whatever_the_budget() {
    let lax = Budget {
        max_depth: usize::MAX,
        ..Budget::default()
    };
    let (out, _) = rebuild(&samples::deep_nesting(250), &lax, &strip_app).unwrap();
    assert!(contains(&out, &[b'['; 250]));
    let refused = rebuild(&samples::deep_nesting(300), &lax, &strip_app);
    assert_eq!(refused.map(|_| ()), Err(Bomb));
}

#[test]
fn quadratic_traps_stay_linear() {
    for (what, pdf) in [
        ("shared kids", samples::shared_kids(100_000)),
        ("stream words", samples::stream_words(200_000)),
    ] {
        let t = Instant::now();
        let (out, _) = rebuild(&pdf, &Budget::default(), &strip_app).unwrap();
        println!("{what}: {} bytes rebuilt in {:?}", pdf.len(), t.elapsed());
        assert_eq!(page_count(&out), 1, "{what}");
    }
}

#[test]
fn xref_stream_bombs_are_never_decoded() {
    let pdf = samples::xref_stream_bomb();
    let t = Instant::now();
    let (out, _) = rebuild(&pdf, &Budget::default(), &strip_app).unwrap();
    println!(
        "xref stream bomb: {} bytes → rebuilt in {:?}",
        pdf.len(),
        t.elapsed()
    );
    assert_eq!(page_count(&out), 1);
}

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: 0 kB");
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Runs a test alone in a fresh process, so that its VmHWM is its own.
/// Returns true inside that process.
fn isolated(test: &str) -> bool {
    if std::env::var_os("PDF_TEST_ISOLATED").is_some() {
        return true;
    }
    let path = format!("{}::{test}", module_path!());
    let path = path.split_once("::").map_or(path.as_str(), |(_, p)| p);
    let exe = std::env::current_exe().unwrap();
    let run = std::process::Command::new(exe)
        .args([path, "--exact", "--nocapture", "--test-threads=1"])
        .env("PDF_TEST_ISOLATED", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    print!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.contains("VmHWM"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
    false
}

#[test]
fn objstm_bomb_is_refused_in_bounded_memory() {
    if !isolated("objstm_bomb_is_refused_in_bounded_memory") {
        return;
    }
    let pdf = samples::objstm_bomb(1 << 30);
    let before = vm_hwm_kib();
    let t = Instant::now();
    let r = rebuild(&pdf, &Budget::default(), &strip_app).map(|_| ());
    let (elapsed, after) = (t.elapsed(), vm_hwm_kib());
    println!(
        "objstm bomb ({} bytes, 1 GiB inside): {r:?} in {elapsed:?}; VmHWM {before} kB → {after} kB (+{} kB)",
        pdf.len(),
        after - before
    );
    assert_eq!(r, Err(Bomb));
    assert!(after - before < 32 * 1024);
}

#[test]
fn many_values_memory() {
    if !isolated("many_values_memory") {
        return;
    }
    let pdf = samples::many_values(3_000_000);
    let before = vm_hwm_kib();
    let r = rebuild(&pdf, &Budget::default(), &strip_app).map(|_| ());
    let after = vm_hwm_kib();
    println!(
        "many values (2M allowed): {r:?}; VmHWM {before} kB → {after} kB (+{} kB)",
        after - before
    );
    assert_eq!(r, Err(Bomb));
}

#[test]
fn mutated_files_never_panic() {
    let planted = samples::planted();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut rng = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    let (mut ok, mut refused, t) = (0, 0, Instant::now());
    let rounds = std::env::var("PDF_FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok());
    for round in 0..rounds.unwrap_or(4000) {
        let mut pdf = planted[round % planted.len()].1.clone();
        for _ in 0..1 + rng() % 4 {
            let at = rng() % pdf.len().max(1);
            match rng() % 6 {
                _ if pdf.is_empty() => break,
                0 => pdf[at] ^= 1 << (rng() % 8),
                1 => pdf.insert(at, rng() as u8),
                2 => drop(pdf.drain(at..(at + 1 + rng() % 64).min(pdf.len()))),
                3 => pdf.truncate(at),
                4 => pdf[at] = b"()<>[]/ \n0R%#\\"[rng() % 14],
                _ => {
                    let piece = pdf[at..(at + rng() % 32).min(pdf.len())].to_vec();
                    let to = rng() % pdf.len();
                    pdf.splice(to..to, piece);
                }
            }
        }
        match rebuild(&pdf, &Budget::default(), &strip_app) {
            Ok((out, _)) => {
                ok += 1;
                assert!(
                    Document::load_mem(&out).is_ok(),
                    "round {round}: output does not load"
                );
            }
            Err(_) => refused += 1,
        }
    }
    println!(
        "mutations: {ok} rebuilt, {refused} refused in {:?}",
        t.elapsed()
    );
    assert!(ok > 0 && refused > 0);
}
