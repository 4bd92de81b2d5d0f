//! `tipline pack check|show` and `serve --pack`.
use crate::common;

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tipline");

#[test]
fn every_shipped_pack_passes_the_check() {
    for pack in [
        "shenzhen-2019",
        "guangdong-2019",
        "zhanjiang-2020",
        "wuhu-2020",
        "jiangmen-2021",
    ] {
        let out = Command::new(BIN)
            .args(["pack", "check", &format!("seeds/{pack}")])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{pack}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn a_broken_pack_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("seeds/shenzhen-2019").unwrap().flatten() {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let bureaus = dir.path().join("bureaus.toml");
    let text = std::fs::read_to_string(&bureaus).unwrap();
    // Remove the first citation, and add an unknown key.
    let broken = text.replacen("citation = ", "citatoin = ", 1);
    std::fs::write(&bureaus, broken).unwrap();
    let out = Command::new(BIN)
        .args(["pack", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .position(|l| l.starts_with("citation = "))
        .unwrap()
        + 1;
    assert!(
        stdout.contains(&format!("bureaus.toml:{line}:")),
        "{stdout}"
    );
}

#[test]
fn pack_show_prints_the_plans_own_bureau_names() {
    let out = Command::new(BIN)
        .args(["pack", "show", "--pack", "wuhu-2020"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("市经济和信息化局"), "{text}");
    let out = Command::new(BIN).args(["pack", "show"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("市工业和信息化局"));
}

#[test]
fn serve_uses_the_named_pack() {
    let db = common::TestDb::new();
    let mut serve = common::serve_args(30);
    serve.pack = "wuhu-2020".into();
    let state = tipline::startup::prepare(
        &common::db_args(&db.url),
        &common::secret_args(db.dir.path()),
        &serve,
    )
    .unwrap();
    assert_eq!(state.pack.meta.key, "wuhu-2020");
    assert!(state.pack.resolve_district("镜湖区").is_some());
    assert!(state.pack.resolve_district("宝安区").is_none());
}
