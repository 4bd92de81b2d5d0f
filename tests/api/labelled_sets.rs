//! The labelled sets beyond the tuned first one (issue 14), through exactly
//! what intake decides (`services::intake::propose`) against a registry of
//! 100,000 firms with same-name firms in other districts:
//! - tests/data/dispatcher_set.toml: 207 tips in hotline and phone voices,
//!   written before any change it measures; misses are printed;
//! - tests/data/holdout_set.toml: 128 tips in yet other voices, never tuned
//!   on; only its scores are printed, so that nobody tunes on its misses.
use std::collections::{BTreeMap, HashMap};

use crate::common;
use common::registry::Firm;
use serde::Deserialize;
use tipline::domain::tip::TipInput;
use tipline::matching::EnterpriseIndex;

const REGISTRY_SIZE: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Set {
    enterprise: Vec<Firm>,
    tip: Vec<Tip>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tip {
    id: String,
    voice: String,
    description: String,
    enterprise_name: Option<String>,
    address: Option<String>,
    district: Option<String>,
    code: Option<String>,
    expect_lead: String,
    expect_co: Vec<String>,
    expect_dimensions: Vec<String>,
    expect_industry: Option<String>,
    expect_district: Option<String>,
    expect_obsolete: Option<bool>,
    expect_rule: Option<String>,
    expect_enterprise: String,
    #[serde(default)]
    expect_candidates: Vec<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.right += usize::from(ok);
    }
    fn pct(&self) -> f64 {
        100.0 * self.right as f64 / self.total.max(1) as f64
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} % ({}/{})", self.pct(), self.right, self.total)
    }
}

/// Scores of one set: the tallies, then matching precision and recall.
struct Scores {
    t: BTreeMap<&'static str, Tally>,
    precision: f64,
    recall: f64,
}

impl Scores {
    fn pct(&self, what: &str) -> f64 {
        self.t[what].pct()
    }
}

fn evaluate(raw: &str, name: &str, show_misses: bool) -> Scores {
    let set: Set = toml::from_str(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(set.tip.len() >= 80);
    let pack = tipline::jurisdiction::embedded_pack("shenzhen-2019").expect("pack");
    let router = tipline::routing::Router::new(&pack);
    let (records, keys) = common::registry::build(
        &set.enterprise,
        set.tip.iter().filter_map(|t| t.enterprise_name.as_deref()),
        REGISTRY_SIZE,
    );
    let index = EnterpriseIndex::build(common::pack_match_config(), records);
    let key_of: HashMap<i64, &str> = keys.iter().map(|(k, id)| (*id, k.as_str())).collect();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();

    let mut t: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let (mut predicted, mut correct, mut positives) = (0usize, 0usize, 0usize);
    let mut misses: Vec<String> = Vec::new();
    for tip in &set.tip {
        let input = TipInput {
            description: tip.description.clone(),
            enterprise_name: tip.enterprise_name.clone(),
            enterprise_credit_code: tip.code.clone(),
            address: tip.address.clone(),
            district: tip.district.clone(),
            ..TipInput::default()
        };
        let draft = input
            .into_draft(&pack, today)
            .unwrap_or_else(|e| panic!("{}: {e:?}", tip.id));
        let (p, m) = tipline::services::intake::propose(&router, |q| index.match_tip(q), &draft);
        let mut miss = |what: &str, got: String, want: String| {
            misses.push(format!(
                "{} [{}] {what}: got {got}, want {want} — {}",
                tip.id,
                tip.voice,
                tip.description.chars().take(40).collect::<String>()
            ))
        };
        let lead = p.lead_bureau.clone().unwrap_or_default();
        t.entry("lead").or_default().add(lead == tip.expect_lead);
        if lead != tip.expect_lead {
            miss("lead", lead, tip.expect_lead.clone());
        }
        let mut co = p.co_bureaus.clone();
        co.sort();
        let mut want_co = tip.expect_co.clone();
        want_co.sort();
        t.entry("co-bureaus").or_default().add(co == want_co);
        if co != want_co {
            miss("co", format!("{co:?}"), format!("{want_co:?}"));
        }
        t.entry("primary dimension")
            .or_default()
            .add(p.dimensions.first() == tip.expect_dimensions.first());
        if tip.expect_industry.is_some() {
            t.entry("industry")
                .or_default()
                .add(p.industry == tip.expect_industry);
        }
        let district = p.district.clone();
        t.entry("district")
            .or_default()
            .add(district == tip.expect_district);
        if district != tip.expect_district {
            miss(
                "district",
                format!("{district:?}"),
                format!("{:?}", tip.expect_district),
            );
        }
        if let Some(want) = tip.expect_obsolete {
            let ok = p.obsolete() == Some(want)
                && p.findings
                    .iter()
                    .any(|f| Some(&f.rule_id) == tip.expect_rule.as_ref());
            t.entry("Table 5 verdict").or_default().add(ok);
            if !ok {
                miss(
                    "table5",
                    format!(
                        "{:?} {:?}",
                        p.obsolete(),
                        p.findings.iter().map(|f| &f.rule_id).collect::<Vec<_>>()
                    ),
                    format!("{want} {:?}", tip.expect_rule),
                );
            }
        }
        // Matching: precision over links made, recall over links expected.
        let want = (tip.expect_enterprise != "none").then(|| {
            *keys
                .get(&tip.expect_enterprise)
                .unwrap_or_else(|| panic!("{}: unknown firm {}", tip.id, tip.expect_enterprise))
        });
        let got = m.best.as_ref().map(|b| b.enterprise_id);
        positives += usize::from(want.is_some());
        if got.is_some() {
            predicted += 1;
            correct += usize::from(got == want);
        }
        if got != want {
            let top: Vec<String> = m
                .candidates
                .iter()
                .take(3)
                .map(|c| {
                    let key = key_of.get(&c.enterprise_id).unwrap_or(&"generated");
                    format!("{key} {:.2}", c.score)
                })
                .collect();
            miss(
                "enterprise",
                got.map_or("none".into(), |id| {
                    key_of.get(&id).unwrap_or(&"generated").to_string()
                }),
                format!("{} (top: {})", tip.expect_enterprise, top.join(", ")),
            );
        }
        if !tip.expect_candidates.is_empty() {
            let top3: Vec<i64> = m
                .candidates
                .iter()
                .take(3)
                .map(|c| c.enterprise_id)
                .collect();
            let ok = tip
                .expect_candidates
                .iter()
                .all(|k| top3.contains(&keys[k]));
            t.entry("ambiguous: right firms in the top 3")
                .or_default()
                .add(ok);
            if !ok {
                miss(
                    "candidates",
                    format!(
                        "{:?}",
                        top3.iter()
                            .map(|id| key_of.get(id).unwrap_or(&"generated"))
                            .collect::<Vec<_>>()
                    ),
                    format!("{:?}", tip.expect_candidates),
                );
            }
        }
    }
    let precision = correct as f64 / predicted.max(1) as f64;
    let recall = correct as f64 / positives.max(1) as f64;
    if show_misses {
        println!("misses ({}):", misses.len());
        for m in &misses {
            println!("  {m}");
        }
    }
    println!("{name}, {} tips:", set.tip.len());
    for (what, tally) in &t {
        println!("  {what:>36}: {tally}");
    }
    println!(
        "  {:>36}: precision {precision:.3}, recall {recall:.3} ({correct} right of {predicted} links, {positives} expected)",
        "matching"
    );
    Scores {
        t,
        precision,
        recall,
    }
}

#[test]
fn the_dispatcher_set_routes_and_matches_as_a_careful_dispatcher_would() {
    let s = evaluate(
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/dispatcher_set.toml"
        )),
        "dispatcher set",
        true,
    );
    // A ratchet: raised as routing and matching improve, never lowered; the
    // issue's targets are lead, co-bureaus and district 95 %, Table 5 98 %,
    // precision 0.98, recall 0.95, every ambiguous tip's firms in the top 3.
    let floor = |what: &str, min: f64| {
        assert!(s.pct(what) >= min, "{what} {} < {min} %", s.t[what]);
    };
    floor("lead", 99.0);
    // Below 100: seven water-price labels leave out industry_it, which the
    // plan's 二(一)3 names with the water bureau (routing.toml).
    floor("co-bureaus", 96.0);
    floor("district", 97.0);
    floor("Table 5 verdict", 98.0);
    floor("ambiguous: right firms in the top 3", 100.0);
    assert!(s.precision >= 0.98, "matching precision {:.3}", s.precision);
    assert!(s.recall >= 0.97, "matching recall {:.3}", s.recall);
}

/// Never tuned on: the floors are what it measured when first run, less a
/// margin, so a change that makes unseen tips worse fails here.
#[test]
fn the_holdout_set_is_measured_not_tuned() {
    let s = evaluate(
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/holdout_set.toml"
        )),
        "holdout set",
        false,
    );
    let floor = |what: &str, min: f64| {
        assert!(s.pct(what) >= min, "{what} {} < {min} %", s.t[what]);
    };
    floor("lead", 78.0);
    floor("co-bureaus", 77.0);
    floor("district", 90.0);
    floor("Table 5 verdict", 72.0);
    assert!(s.precision >= 0.94, "matching precision {:.3}", s.precision);
    assert!(s.recall >= 0.90, "matching recall {:.3}", s.recall);
}
