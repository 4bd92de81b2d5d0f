//! `tipline pack check|show|export`, `serve --pack` and `serve --pack-dir`.
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
    serve.pack.pack = "wuhu-2020".into();
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

/// A city that is not in the seeds: exported from a compiled pack, edited
/// (its name, a bureau's name, next year's holidays), served from the
/// folder with --pack-dir; a tip is routed to the edited bureau. A folder
/// that does not check stops the start with file:line.
#[test]
fn a_pack_folder_is_served_without_a_rebuild() {
    let db = common::TestDb::new();
    let dir = db.dir.path().join("dongguan-2026");
    let out = Command::new(BIN)
        .args(["pack", "export", "shenzhen-2019"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Exporting over a pack is refused.
    let again = Command::new(BIN)
        .args(["pack", "export", "shenzhen-2019"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let edit = |file: &str, from: &str, to: &str| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} lacks {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "pack.toml",
        "key = \"shenzhen-2019\"",
        "key = \"dongguan-2026\"",
    );
    edit(
        "pack.toml",
        "name = \"深圳市2019年度推动落后产能退出工作行动计划\"",
        "name = \"东莞市2026年推动落后产能退出工作方案（测试）\"",
    );
    edit(
        "bureaus.toml",
        "name = \"市工业和信息化局\"",
        "name = \"东莞市工业和信息化局\"",
    );

    // The new city's own place: a town of Dongguan (东莞 has towns, not
    // districts), for the router (districts.toml) and the matcher
    // (places.toml), with one of its communities.
    let append = |file: &str, text: &str| {
        let path = dir.join(file);
        let mut all = std::fs::read_to_string(&path).unwrap();
        all.push_str(text);
        std::fs::write(&path, all).unwrap();
    };
    append(
        "districts.toml",
        "\n[[district]]\nkey = \"changan\"\nname = \"长安镇\"\nshort_name = \"长安\"\ncode = \"441900\"\nstreets = [\"霄边\"]\ncitation = \"GB/T 2260 东莞市; 长安镇（测试）\"\n",
    );
    append(
        "places.toml",
        "\n[[place]]\nname = \"长安\"\nlevel = \"district\"\nparent = \"东莞\"\naliases = [\"changan\"]\n\n[[place]]\nname = \"霄边\"\nlevel = \"street\"\nparent = \"长安\"\n",
    );

    let mut serve = common::serve_args(30);
    serve.pack.pack_dir = Some(dir.clone());
    let state = tipline::startup::prepare(
        &common::db_args(&db.url),
        &common::secret_args(db.dir.path()),
        &serve,
    )
    .unwrap();
    assert_eq!(state.pack.meta.key, "dongguan-2026");
    assert_eq!(
        state.pack.bureau("industry_it").map(|b| b.name.as_str()),
        Some("东莞市工业和信息化局")
    );
    // A firm of the new town in the registry, before the server starts.
    let code = tipline::domain::credit_code::CreditCode::generate_valid(2026).to_string();
    let csv = format!(
        "credit_code,name,address,district,industry\n{code},东莞市宏远钢铁有限公司,东莞市长安镇霄边社区工业路3号,长安镇,steel\n"
    );
    let report = tipline::services::registry::import_csv(
        &state.db,
        &state.pack,
        csv.as_bytes(),
        "test",
        |_| {},
    )
    .unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    // The same folder through the binary's environment, and a tip routed by it.
    let server = common::binary::Server::start(
        &db,
        common::binary::free_port(),
        &[
            ("TIPLINE_PACK_DIR", dir.to_str().unwrap()),
            ("TIPLINE_INTAKE_LIMIT", "0"),
            ("RUST_LOG", "warn"),
        ],
    );
    let r = common::binary::post(
        server.port,
        None,
        "/api/v1/tips",
        "application/json",
        common::sample_tip().to_string().as_bytes(),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    {
        use diesel::prelude::*;
        use tipline::db::schema::cases;
        let store = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
        let lead: Option<String> = cases::table
            .select(cases::lead_bureau)
            .order(cases::id.desc())
            .first(&mut *store.read_conn().unwrap())
            .unwrap();
        assert_eq!(
            lead.as_deref(),
            Some("industry_it"),
            "a 地条钢 tip goes to the industry bureau"
        );
    }
    // A tip in the new town, naming the firm by its short name: routed to
    // the town and matched to the firm.
    let tip = serde_json::json!({
        "description": "霄边社区宏远钢铁晚上用中频炉熔废钢，生产地条钢。",
        "enterprise_name": "宏远钢铁",
    });
    let r = common::binary::post(
        server.port,
        None,
        "/api/v1/tips",
        "application/json",
        tip.to_string().as_bytes(),
        "",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    {
        use diesel::prelude::*;
        use tipline::db::schema::{cases, enterprises};
        let store = tipline::db::Db::connect(&tipline::db::DbUrl::parse(&db.url), 1).unwrap();
        let (district, firm): (Option<String>, Option<String>) = cases::table
            .left_join(enterprises::table)
            .select((cases::district, enterprises::credit_code.nullable()))
            .order(cases::id.desc())
            .first(&mut *store.read_conn().unwrap())
            .unwrap();
        assert_eq!(
            district.as_deref(),
            Some("changan"),
            "routed to the new town"
        );
        assert_eq!(
            firm.as_deref(),
            Some(code.as_str()),
            "matched to the town's firm"
        );
    }
    drop(server);

    // A mistake in the folder: the process refuses to start and says where.
    edit("districts.toml", "[[district]]", "[[district]\n");
    let out = Command::new(BIN)
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("TIPLINE_DATA_DIR", db.dir.path())
        .env("TIPLINE_PACK_DIR", &dir)
        .env(
            "TIPLINE_BIND",
            format!("127.0.0.1:{}", common::binary::free_port()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("districts.toml:"), "{stderr}");
    assert!(stderr.contains("TIPLINE_PACK_DIR"), "{stderr}");
}
