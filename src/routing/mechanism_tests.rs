//! What routing does with the pack's words, beyond the words themselves:
//! weak evidence against the fallback, rules that displace a dimension,
//! Table 5 equipment named after its attribute.
use super::{Router, RoutingProposal, TipInput};
use crate::jurisdiction::embedded_pack;

fn route(description: &str, dimensions: &[&str]) -> RoutingProposal {
    let router = Router::new(&embedded_pack("shenzhen-2019").expect("pack"));
    router.route(&TipInput {
        description: description.into(),
        dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
        ..TipInput::default()
    })
}

#[test]
fn weak_evidence_outranks_the_fallback() {
    // 臭 alone is below the minimum, yet says more than nothing.
    let p = route("那个厂有点臭", &[]);
    assert_eq!(p.dimensions, ["environment"]);
    assert_eq!(p.lead_bureau.as_deref(), Some("ecology_environment"));
    // Nothing at all: the pack's fallback (二(五)4, the industry bureau triages).
    let p = route("这个厂有问题，请查一下", &[]);
    assert_eq!(p.dimensions, ["technology"]);
}

#[test]
fn a_planned_project_is_market_access_and_keeps_its_table5_verdict() {
    let p = route("听说有人准备新建一个水泥厂，用的是机立窑", &[]);
    assert_eq!(p.dimensions, ["market_access"]);
    assert_eq!(p.lead_bureau.as_deref(), Some("development_reform"));
    assert_eq!(p.obsolete(), Some(true));
    // What the reporter chose is never displaced.
    let p = route("听说有人准备新建一个水泥厂，用的是机立窑", &["technology"]);
    assert_eq!(p.dimensions, ["technology", "market_access"]);
}

#[test]
fn table5_equipment_is_found_when_the_attribute_follows_it() {
    let p = route("印染厂的水洗机是铸铁做的", &[]);
    assert!(
        p.findings
            .iter()
            .any(|f| f.rule_id == "dyeing-cast-iron-steamers" && f.obsolete),
        "{:?}",
        p.findings
    );
    assert_eq!(p.dimensions, ["technology"]);
}
