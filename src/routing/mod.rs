//! Routing a tip at intake: dimensions, industry, district, Table 5 findings
//! and the lead and co-handling bureaus, with an explanation of what fired.
//!
//! Pure code over a loaded [`Pack`]: no database, no I/O. Build a [`Router`]
//! once per pack (it compiles the pack's word lists) and call
//! [`Router::route`] per tip.
mod classify;
mod district;
pub mod explain;
pub mod figures;
mod industry;
mod lexicon;
mod matrix;
mod table5;

#[cfg(test)]
mod accuracy_tests;
#[cfg(test)]
mod cross_pack_tests;
#[cfg(test)]
mod mechanism_tests;

use serde::{Deserialize, Serialize};

pub use figures::{Bound, Figure};

use crate::jurisdiction::{Comparison, Pack, Quantity};
use crate::text::fold;

/// What routing reads from a tip: the reporter's words and the optional
/// structured fields (keys, Chinese names or division codes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TipInput {
    pub description: String,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub dimensions: Vec<String>,
    /// The registry's industry for the enterprise the tip was matched to:
    /// it outranks what the words suggest, not what the reporter chose.
    #[serde(default)]
    pub registry_industry: Option<String>,
}

/// The routing proposal a dispatcher confirms; stored as JSON with the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingProposal {
    /// Dimension keys, the primary (leading) one first, then by pack priority.
    pub dimensions: Vec<String>,
    pub industry: Option<String>,
    pub district: Option<String>,
    pub lead_bureau: Option<String>,
    pub co_bureaus: Vec<String>,
    /// Table 5 findings (the case API's `obsolete_findings`).
    pub findings: Vec<Finding>,
    pub explanation: Vec<Explanation>,
    /// The matched enterprise's registered district when it differs from
    /// the district the tip itself gives (the tip's is kept; the dispatcher
    /// is shown both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_district: Option<String>,
}

impl RoutingProposal {
    /// The Table 5 verdict for the tip: Some(true) when any finding is
    /// obsolete, Some(false) when findings exist but none is, None otherwise.
    pub fn obsolete(&self) -> Option<bool> {
        (!self.findings.is_empty()).then(|| self.findings.iter().any(|f| f.obsolete))
    }
}

/// A Table 5 rule checked against the tip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub citation: String,
    pub industry: String,
    /// Dimension the rule belongs to (technology, or ditiaogang).
    pub dimension: String,
    /// The equipment word the finding is about, as found in the tip.
    pub equipment: String,
    /// Quantity of the first condition; None for equipment obsolete as such.
    pub quantity: Option<Quantity>,
    pub figure: Option<Figure>,
    pub threshold: Option<ThresholdSpec>,
    /// Every condition with its figure (more than one for 幅宽 … 并且车速 …).
    pub conditions: Vec<ConditionCheck>,
    pub obsolete: bool,
    /// The exception word that exempts the equipment, if any.
    pub exception: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdSpec {
    pub comparison: Comparison,
    pub value: f64,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionCheck {
    pub quantity: Quantity,
    pub figure: Figure,
    pub threshold: ThresholdSpec,
    pub holds: bool,
}

/// Which step of routing a line of explanation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Field,
    Dimension,
    Industry,
    District,
    Figure,
    Table5,
    Route,
}

/// One thing that fired: the words or figure matched and what it points to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub step: Step,
    pub matched: String,
    pub points_to: Option<String>,
    pub note: String,
}

/// The pack district a matched enterprise is registered in (see
/// `Router::place_by_enterprise`).
pub fn district_of_enterprise(pack: &Pack, firm: &crate::matching::Candidate) -> Option<String> {
    district::of_enterprise(pack, firm).map(|(key, _)| key)
}

/// A pack's routing rules, compiled once.
pub struct Router {
    pack: Pack,
    classifier: classify::Classifier,
    industries: industry::IndustryMatcher,
    districts: district::DistrictMatcher,
    table5: table5::Table5Checker,
    routes: matrix::RouteMatcher,
}

impl Router {
    pub fn new(pack: &Pack) -> Router {
        Router {
            classifier: classify::Classifier::new(pack),
            industries: industry::IndustryMatcher::new(pack),
            districts: district::DistrictMatcher::new(pack),
            table5: table5::Table5Checker::new(pack),
            routes: matrix::RouteMatcher::new(pack),
            pack: pack.clone(),
        }
    }

    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// Route one tip.
    pub fn route(&self, tip: &TipInput) -> RoutingProposal {
        let mut explain = Vec::new();
        let description = fold(&tip.description);
        let name = tip.enterprise_name.as_deref().map(fold).unwrap_or_default();
        let address = tip.address.as_deref().map(fold).unwrap_or_default();
        let text = format!("{description}\n{name}\n{address}");

        let industry = self.industry(tip, &text, &mut explain);
        let findings = self.table5.check(&text, industry.as_deref(), &mut explain);
        let dimensions = self.dimensions(tip, &text, &findings, &mut explain);
        let district = self.district(tip, [&address, &name, &description], &mut explain);
        let (lead_bureau, co_bureaus) =
            self.routes
                .choose(&dimensions, industry.as_deref(), &text, &mut explain);

        RoutingProposal {
            dimensions,
            industry,
            district,
            lead_bureau,
            co_bureaus,
            findings,
            explanation: explain,
            registry_district: None,
        }
    }

    /// The district from the enterprise the tip was matched to, when the
    /// tip names no place: from the registry's district (its district field,
    /// else its address), else the division digits of its credit code. When
    /// the tip's place and the firm's disagree, the tip's stays and the
    /// firm's is noted for the dispatcher.
    pub fn place_by_enterprise(&self, p: &mut RoutingProposal, firm: &crate::matching::Candidate) {
        let Some((key, how)) = district::of_enterprise(&self.pack, firm) else {
            return;
        };
        match &p.district {
            None => {
                p.explanation.push(Explanation {
                    step: Step::District,
                    matched: firm.name.clone(),
                    points_to: Some(key.clone()),
                    note: format!("举报未写地点，按匹配到的企业的登记地（{how}）"),
                });
                p.district = Some(key);
            }
            Some(own) if *own != key => {
                p.explanation.push(Explanation {
                    step: Step::District,
                    matched: firm.name.clone(),
                    points_to: Some(key.clone()),
                    note: format!("匹配到的企业登记在另一个区（{how}），仍按举报所写的地点"),
                });
                p.registry_district = Some(key);
            }
            Some(_) => {}
        }
    }

    fn industry(
        &self,
        tip: &TipInput,
        text: &str,
        explain: &mut Vec<Explanation>,
    ) -> Option<String> {
        if let Some(field) = tip.industry.as_deref().filter(|s| !s.trim().is_empty()) {
            if let Some(i) = self.pack.resolve_industry(field) {
                explain.push(Explanation {
                    step: Step::Field,
                    matched: field.to_string(),
                    points_to: Some(i.key.clone()),
                    note: "举报人填写的行业".into(),
                });
                return Some(i.key.clone());
            }
            explain.push(Explanation {
                step: Step::Field,
                matched: field.to_string(),
                points_to: None,
                note: "本方案没有这个行业，改从举报文字推断".into(),
            });
        }
        if let Some(i) = tip
            .registry_industry
            .as_deref()
            .and_then(|k| self.pack.resolve_industry(k))
        {
            explain.push(Explanation {
                step: Step::Industry,
                matched: i.name.clone(),
                points_to: Some(i.key.clone()),
                note: "企业登记库中匹配企业的行业".into(),
            });
            return Some(i.key.clone());
        }
        let inferred = self.industries.infer(text)?;
        explain.push(Explanation {
            step: Step::Industry,
            matched: inferred.words.join("、"),
            points_to: Some(inferred.key.clone()),
            note: format!("举报文字中的行业用语，得分 {}", inferred.score),
        });
        Some(inferred.key)
    }

    fn dimensions(
        &self,
        tip: &TipInput,
        text: &str,
        findings: &[Finding],
        explain: &mut Vec<Explanation>,
    ) -> Vec<String> {
        let pack = &self.pack;
        let mut fired: Vec<String> = Vec::new();
        for d in &tip.dimensions {
            match pack.dimension(d.trim()) {
                Some(dim) => {
                    fired.push(dim.key.clone());
                    explain.push(Explanation {
                        step: Step::Field,
                        matched: d.clone(),
                        points_to: Some(dim.key.clone()),
                        note: "举报人选择的问题类型".into(),
                    });
                }
                None => explain.push(Explanation {
                    step: Step::Field,
                    matched: d.clone(),
                    points_to: None,
                    note: "本方案没有这个问题类型，已忽略".into(),
                }),
            }
        }
        let rank = |k: &str| {
            pack.routing
                .priority
                .iter()
                .position(|p| p == k)
                .unwrap_or(usize::MAX)
        };
        let given = fired.clone();
        let evidence = self.classifier.evidence(text);
        // The strongest evidence below the minimum, ties to the pack's priority.
        let mut partial: Option<(u32, usize, &str, String)> = None;
        let mut displaced: Vec<&str> = Vec::new();
        for d in &pack.dimensions {
            let ev: Vec<_> = evidence.iter().filter(|e| e.dimension == d.key).collect();
            let score: u32 = ev.iter().map(|e| e.weight).sum();
            if score == 0 {
                continue;
            }
            let fires = score >= pack.routing.min_score;
            let matched = ev
                .iter()
                .map(|e| e.matched.clone())
                .collect::<Vec<_>>()
                .join("、");
            explain.push(Explanation {
                step: Step::Dimension,
                matched: matched.clone(),
                points_to: Some(d.key.clone()),
                note: if fires {
                    format!("举报文字命中，得分 {score}")
                } else {
                    format!(
                        "举报文字命中，得分 {score}，低于方案要求的 {}",
                        pack.routing.min_score
                    )
                },
            });
            if fires {
                if !fired.contains(&d.key) {
                    fired.push(d.key.clone());
                }
                displaced.extend(
                    ev.iter()
                        .flat_map(|e| e.displaces.iter().map(String::as_str)),
                );
            } else if partial
                .as_ref()
                .is_none_or(|(s, r, _, _)| score > *s || (score == *s && rank(&d.key) < *r))
            {
                partial = Some((score, rank(&d.key), d.key.as_str(), matched));
            }
        }
        for f in findings.iter().filter(|f| f.obsolete) {
            if !fired.contains(&f.dimension) {
                fired.push(f.dimension.clone());
                explain.push(Explanation {
                    step: Step::Dimension,
                    matched: f.equipment.clone(),
                    points_to: Some(f.dimension.clone()),
                    note: format!("按{}认定为淘汰类装备", f.citation),
                });
            }
        }
        // What the reporter chose stays; words and findings give way.
        fired.retain(|k| {
            let keep = given.contains(k) || !displaced.contains(&k.as_str());
            if !keep {
                explain.push(Explanation {
                    step: Step::Dimension,
                    matched: String::new(),
                    points_to: Some(k.clone()),
                    note: "被另一条命中的规则取代（表5 结论保留）".into(),
                });
            }
            keep
        });
        if fired.is_empty() {
            // Weak evidence still says more than none: the fallback is for
            // tips in which nothing at all points anywhere.
            if let Some((score, _, key, matched)) = partial {
                explain.push(Explanation {
                    step: Step::Dimension,
                    matched,
                    points_to: Some(key.to_string()),
                    note: format!("没有问题类型达到方案最低分，取证据最强的一项（得分 {score}）"),
                });
                fired.push(key.to_string());
            }
        }
        if fired.is_empty() {
            let fb = pack.routing.fallback_dimension.clone();
            explain.push(Explanation {
                step: Step::Dimension,
                matched: String::new(),
                points_to: Some(fb.clone()),
                note: "没有命中任何问题类型，按方案的兜底分派".into(),
            });
            fired.push(fb);
        }
        fired.sort_by_key(|k| rank(k));
        fired
    }

    fn district(
        &self,
        tip: &TipInput,
        texts: [&str; 3],
        explain: &mut Vec<Explanation>,
    ) -> Option<String> {
        if let Some(field) = tip.district.as_deref().filter(|s| !s.trim().is_empty()) {
            let found = self.pack.resolve_district(field);
            explain.push(Explanation {
                step: Step::Field,
                matched: field.to_string(),
                points_to: found.map(|d| d.key.clone()),
                note: match found {
                    Some(_) => "举报人填写的区".into(),
                    None => "本方案没有举报人填写的区，改从举报文字推断".into(),
                },
            });
            if let Some(d) = found {
                return Some(d.key.clone());
            }
        }
        for (text, source) in texts.iter().zip(["地址", "企业名称", "举报内容"]) {
            if let Some((key, word)) = self.districts.find(text) {
                explain.push(Explanation {
                    step: Step::District,
                    matched: word,
                    points_to: Some(key.clone()),
                    note: format!("{source}中写到的地名"),
                });
                return Some(key);
            }
        }
        None
    }
}
