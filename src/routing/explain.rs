//! A routing proposal told as Chinese sentences with the pack's names: what
//! a dispatcher reads on the case page (keys stay in the JSON).
use super::{Explanation, RoutingProposal, Step};
use crate::jurisdiction::Pack;

/// The name of a key, whichever list of the pack holds it; the key itself
/// when none does (an old record, a pack since changed).
fn name(pack: &Pack, key: &str) -> String {
    pack.dimension(key)
        .map(|x| x.name.clone())
        .or_else(|| pack.industry(key).map(|x| x.name.clone()))
        .or_else(|| pack.district(key).map(|x| x.name.clone()))
        .or_else(|| pack.bureau(key).map(|x| x.name.clone()))
        .unwrap_or_else(|| key.to_string())
}

fn names(pack: &Pack, keys: &[String], none: &str) -> String {
    match keys.iter().map(|k| name(pack, k)).collect::<Vec<_>>() {
        v if v.is_empty() => none.to_string(),
        v => v.join("、"),
    }
}

/// The proposal in one sentence: who leads, who helps, and why.
pub fn headline(p: &RoutingProposal, pack: &Pack) -> String {
    let one = |k: &Option<String>, none: &str| {
        k.as_deref()
            .map_or_else(|| none.to_string(), |k| name(pack, k))
    };
    format!(
        "牵头：{}；配合：{}。因为问题类型为{}，行业为{}，所在区为{}。",
        one(&p.lead_bureau, "待定"),
        names(pack, &p.co_bureaus, "无"),
        names(pack, &p.dimensions, "未定"),
        one(&p.industry, "未定"),
        one(&p.district, "未定"),
    )
}

/// One line of the explanation as a sentence.
pub fn sentence(e: &Explanation, pack: &Pack) -> String {
    let step = match e.step {
        Step::Field => "举报人填写",
        Step::Dimension => "问题类型",
        Step::Industry => "行业",
        Step::District => "所在区",
        Step::Figure => "数字",
        Step::Table5 => "表5",
        Step::Route => "分派",
    };
    // A form sends keys for its lists (cement, baoan): show their names.
    let matched = match (e.step, e.matched.as_str()) {
        (_, "") => String::new(),
        (Step::Field, m) => format!("“{}”", name(pack, m)),
        (_, m) => format!("“{m}”"),
    };
    // A Table 5 line names its rule by citation and a route line its
    // bureaus in the note; their keys add nothing.
    let to = match (e.step, &e.points_to) {
        (Step::Table5 | Step::Route | Step::Figure, _) | (_, None) => String::new(),
        (_, Some(k)) => format!(" → {}", name(pack, k)),
    };
    format!("{step}：{matched}{to}。{}", e.note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_routed_tip_reads_as_sentences_without_keys() {
        let pack = crate::jurisdiction::embedded_pack("shenzhen-2019").unwrap();
        let router = super::super::Router::new(&pack);
        let tip = super::super::TipInput {
            description: "宝安区福永街道有个小厂用中频炉熔炼废钢生产地条钢，晚上偷偷开工".into(),
            ..Default::default()
        };
        let p = router.route(&tip);
        let head = headline(&p, &pack);
        // A form's fields arrive as keys; they read as names.
        let form = router.route(&super::super::TipInput {
            description: "磨机能耗严重超标".into(),
            district: Some("baoan".into()),
            industry: Some("cement".into()),
            dimensions: vec!["energy".into()],
            ..Default::default()
        });
        let fields: Vec<String> = form
            .explanation
            .iter()
            .map(|e| sentence(e, &pack))
            .collect();
        assert!(
            fields.iter().any(|l| l.starts_with("举报人填写：“水泥”")),
            "{fields:?}"
        );
        assert!(!fields.join("").contains("cement"), "{fields:?}");
        assert!(head.starts_with("牵头：市"), "{head}");
        let lines: Vec<String> = p.explanation.iter().map(|e| sentence(e, &pack)).collect();
        let all = format!("{head}\n{}", lines.join("\n"));
        for key in pack
            .bureaus
            .iter()
            .map(|b| &b.key)
            .chain(pack.dimensions.iter().map(|d| &d.key))
            .chain(pack.districts.iter().map(|d| &d.key))
            .chain(pack.industries.iter().map(|d| &d.key))
        {
            assert!(!all.contains(key.as_str()), "key {key} in:\n{all}");
        }
        assert!(all.contains("宝安区"), "{all}");
        assert!(all.contains("依据"), "{all}");
    }
}
