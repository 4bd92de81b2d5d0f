//! The same tip routed under different packs: same bureau keys, each plan's
//! own bureau names, and leads that follow each plan's division of work.
use super::{Router, RoutingProposal, TipInput};
use crate::jurisdiction::embedded_pack;

fn route(pack: &str, description: &str) -> (RoutingProposal, Router) {
    let router = Router::new(&embedded_pack(pack).expect("pack"));
    let tip = TipInput {
        description: description.into(),
        ..TipInput::default()
    };
    (router.route(&tip), router)
}

fn lead_name(p: &RoutingProposal, r: &Router) -> String {
    let key = p.lead_bureau.as_deref().expect("lead");
    r.pack().bureau(key).expect("bureau").name.clone()
}

#[test]
fn ditiaogang_goes_to_each_plans_industry_bureau() {
    let tip = "有个小厂晚上用中频炉化废钢炼钢坯，拉出来直接卖";
    let (sz, szr) = route("shenzhen-2019", tip);
    let (wh, whr) = route("wuhu-2020", tip);
    let (zj, zjr) = route("zhanjiang-2020", tip);
    for p in [&sz, &wh, &zj] {
        assert_eq!(p.lead_bureau.as_deref(), Some("industry_it"));
        assert_eq!(p.dimensions[0], "ditiaogang");
        assert!(p.obsolete() == Some(true));
    }
    println!(
        "shenzhen: {}  wuhu: {}  zhanjiang: {}",
        lead_name(&sz, &szr),
        lead_name(&wh, &whr),
        lead_name(&zj, &zjr)
    );
    assert_eq!(lead_name(&sz, &szr), "市工业和信息化局");
    assert_eq!(lead_name(&wh, &whr), "市经济和信息化局");
    assert_eq!(lead_name(&zj, &zjr), "市工业和信息化局");
}

#[test]
fn energy_lead_differs_between_shenzhen_and_zhanjiang_and_wuhu() {
    let tip = "这家水泥厂能耗严重超标，单位产品能耗比标准高很多";
    let (sz, szr) = route("shenzhen-2019", tip);
    let (zj, zjr) = route("zhanjiang-2020", tip);
    let (wh, whr) = route("wuhu-2020", tip);
    assert_eq!(sz.lead_bureau.as_deref(), Some("industry_it"));
    assert_eq!(sz.co_bureaus, ["development_reform"]);
    assert_eq!(zj.lead_bureau.as_deref(), Some("development_reform"));
    assert_eq!(lead_name(&zj, &zjr), "市发展和改革局");
    assert_eq!(wh.lead_bureau.as_deref(), Some("development_reform"));
    assert_eq!(lead_name(&wh, &whr), "市发展改革委");
    println!(
        "shenzhen: {}  zhanjiang: {}  wuhu: {}",
        lead_name(&sz, &szr),
        lead_name(&zj, &zjr),
        lead_name(&wh, &whr)
    );
}

#[test]
fn coal_power_unit_goes_to_zhanjiang_development_reform() {
    let tip = "自备电厂的燃煤机组才5万千瓦";
    let (sz, _) = route("shenzhen-2019", tip);
    let (zj, _) = route("zhanjiang-2020", tip);
    let (gd, gdr) = route("guangdong-2019", tip);
    assert_eq!(sz.lead_bureau.as_deref(), Some("industry_it"));
    assert_eq!(zj.lead_bureau.as_deref(), Some("development_reform"));
    assert_eq!(lead_name(&gd, &gdr), "省能源局");
}

#[test]
fn districts_are_each_packs_own() {
    let (zj, _) = route("zhanjiang-2020", "东海岛有个钢厂高炉380立方米");
    assert_eq!(zj.district.as_deref(), Some("zhanjiang_etdz"));
    let (jm, _) = route("jiangmen-2021", "新会区会城有家印染厂偷排废水");
    assert_eq!(jm.district.as_deref(), Some("xinhui"));
    assert_eq!(jm.lead_bureau.as_deref(), Some("ecology_environment"));
    let (gd, _) = route("guangdong-2019", "英德有个水泥厂还在用机立窑");
    assert_eq!(gd.district.as_deref(), Some("qingyuan"));
}

#[test]
fn proposal_round_trips_through_json() {
    let (p, _) = route(
        "shenzhen-2019",
        "文化纸机幅宽1.6米，车速每分钟100米，在沙井",
    );
    let json = serde_json::to_string(&p).unwrap();
    let back: RoutingProposal = serde_json::from_str(&json).unwrap();
    assert_eq!(p, back);
    assert!(json.contains("\"rule_id\":\"paper-culture-machine\""));
}

#[test]
fn matrix_renders_every_dimension_with_its_citation() {
    for name in ["shenzhen-2019", "zhanjiang-2020"] {
        let pack = embedded_pack(name).unwrap();
        let text = pack.render_matrix();
        for d in &pack.dimensions {
            assert!(
                text.lines().any(|l| l.starts_with(&format!("{}\t", d.name))
                    && l.contains("牵头 ")
                    && l.contains("依据 ")),
                "{name}: {}\n{text}",
                d.name
            );
        }
    }
    let zj = embedded_pack("zhanjiang-2020").unwrap().render_matrix();
    assert!(
        zj.contains("能耗\t所有行业 (every industry)\t牵头 市发展和改革局\t协办 市工业和信息化局"),
        "{zj}"
    );
}
