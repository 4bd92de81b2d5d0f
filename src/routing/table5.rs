//! Table 5 checks: equipment words in the tip, figures paired with the
//! equipment they are about, each compared with the pack's thresholds.
use regex::Regex;

use super::figures::{self, Figure};
use super::lexicon::Lexicon;
use super::{ConditionCheck, Explanation, Finding, Step, ThresholdSpec};
use crate::jurisdiction::{BannedRule, Comparison, Pack, Quantity, ThresholdRule};
use crate::text::fold;

#[derive(Clone, Copy, PartialEq, Eq)]
enum RuleRef {
    Threshold(usize),
    Banned(usize),
}

struct Threshold {
    rule: ThresholdRule,
    conditions: Vec<(Quantity, Comparison, f64)>,
    exceptions: Vec<String>,
    requires: Vec<String>,
}

struct Banned {
    rule: BannedRule,
    exceptions: Vec<String>,
}

pub(crate) struct Table5Checker {
    equipment: Lexicon<RuleRef>,
    /// Equipment named in other word orders (蒸箱是铸铁的), per rule.
    patterns: Vec<(Regex, RuleRef)>,
    thresholds: Vec<Threshold>,
    banned: Vec<Banned>,
}

/// An equipment word found in the tip, with the rules it may concern.
struct EquipmentHit {
    start: usize,
    end: usize,
    word: String,
    rules: Vec<RuleRef>,
}

/// Byte ranges of sentences: a figure and its equipment are looked for in one.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in text.char_indices() {
        if matches!(ch, '。' | '!' | '?' | ';' | '\n' | '！' | '？' | '；') {
            out.push((start, i));
            start = i + ch.len_utf8();
        }
    }
    out.push((start, text.len()));
    out
}

fn sentence_at(sentences: &[(usize, usize)], pos: usize) -> usize {
    sentences
        .iter()
        .position(|&(s, e)| pos >= s && pos <= e)
        .unwrap_or(0)
}

impl Table5Checker {
    pub fn new(pack: &Pack) -> Self {
        let folded = |v: &[String]| v.iter().map(|w| fold(w)).collect::<Vec<_>>();
        let thresholds: Vec<Threshold> = pack
            .table5
            .thresholds
            .iter()
            .map(|r| Threshold {
                conditions: r
                    .conditions()
                    .into_iter()
                    .filter_map(|c| Some((c.quantity?, c.comparison?, c.threshold?)))
                    .collect(),
                exceptions: folded(&r.exceptions),
                requires: folded(&r.requires),
                rule: r.clone(),
            })
            .collect();
        let banned: Vec<Banned> = pack
            .table5
            .banned
            .iter()
            .map(|r| Banned {
                exceptions: folded(&r.exceptions),
                rule: r.clone(),
            })
            .collect();
        let equipment = Lexicon::new(
            thresholds
                .iter()
                .enumerate()
                .flat_map(|(i, t)| {
                    t.rule
                        .equipment
                        .iter()
                        .map(move |w| (w.as_str(), RuleRef::Threshold(i)))
                })
                .chain(banned.iter().enumerate().flat_map(|(i, b)| {
                    b.rule
                        .equipment
                        .iter()
                        .map(move |w| (w.as_str(), RuleRef::Banned(i)))
                })),
        );
        let compile = |ps: &[String], r: RuleRef| -> Vec<(Regex, RuleRef)> {
            ps.iter()
                .filter_map(|p| Regex::new(p).ok().map(|re| (re, r)))
                .collect()
        };
        let patterns = thresholds
            .iter()
            .enumerate()
            .flat_map(|(i, t)| compile(&t.rule.patterns, RuleRef::Threshold(i)))
            .chain(
                banned
                    .iter()
                    .enumerate()
                    .flat_map(|(i, b)| compile(&b.rule.patterns, RuleRef::Banned(i))),
            )
            .collect();
        Table5Checker {
            equipment,
            patterns,
            thresholds,
            banned,
        }
    }

    fn industry_of(&self, r: RuleRef) -> &str {
        match r {
            RuleRef::Threshold(i) => &self.thresholds[i].rule.industry,
            RuleRef::Banned(i) => &self.banned[i].rule.industry,
        }
    }

    /// Findings for the folded text, given the tip's industry when known.
    pub fn check(
        &self,
        text: &str,
        industry: Option<&str>,
        explain: &mut Vec<Explanation>,
    ) -> Vec<Finding> {
        let sents = sentences(text);
        let scope = |a: usize, b: usize| {
            let (sa, sb) = (sents[sentence_at(&sents, a)], sents[sentence_at(&sents, b)]);
            (&text[sa.0..sa.1], &text[sb.0..sb.1])
        };
        let of_industry = |r: &RuleRef| industry.is_none_or(|i| i == self.industry_of(*r));
        let mut hits: Vec<EquipmentHit> = self
            .equipment
            .find(text)
            .filter_map(|h| {
                let rules: Vec<RuleRef> = h.payloads.iter().copied().filter(of_industry).collect();
                (!rules.is_empty()).then(|| EquipmentHit {
                    start: h.start,
                    end: h.end,
                    word: h.word.to_string(),
                    rules,
                })
            })
            .collect();
        for (re, r) in self.patterns.iter().filter(|(_, r)| of_industry(r)) {
            for m in re.find_iter(text) {
                hits.push(EquipmentHit {
                    start: m.start(),
                    end: m.end(),
                    word: m.as_str().to_string(),
                    rules: vec![*r],
                });
            }
        }
        let mut findings: Vec<Finding> = Vec::new();

        for h in &hits {
            for r in &h.rules {
                let RuleRef::Banned(i) = *r else { continue };
                let b = &self.banned[i];
                if findings.iter().any(|f| f.rule_id == b.rule.id) {
                    continue;
                }
                let (s, _) = scope(h.start, h.start);
                let exception = b
                    .exceptions
                    .iter()
                    .find(|e| s.contains(e.as_str()))
                    .cloned();
                findings.push(Finding {
                    rule_id: b.rule.id.clone(),
                    citation: b.rule.citation.clone(),
                    industry: b.rule.industry.clone(),
                    dimension: b.rule.dimension.clone(),
                    equipment: h.word.clone(),
                    quantity: None,
                    figure: None,
                    threshold: None,
                    conditions: Vec::new(),
                    obsolete: exception.is_none(),
                    exception,
                });
            }
        }

        let figs = figures::read(text);
        // Each figure goes to the nearest equipment word whose rules measure its quantity:
        // in its own sentence, else the closest one before it.
        let mut assigned: Vec<Vec<&Figure>> = vec![Vec::new(); hits.len()];
        for f in &figs {
            let mut best: Option<(usize, usize)> = None;
            for (hi, h) in hits.iter().enumerate() {
                let (hs, fs) = scope(h.start, f.start);
                let present = |w: &String| hs.contains(w.as_str()) || fs.contains(w.as_str());
                // (fits at all, fits a rule that is not exempted)
                let (mut fits, mut clean) = (false, false);
                for r in &h.rules {
                    let RuleRef::Threshold(i) = *r else { continue };
                    let t = &self.thresholds[i];
                    if t.conditions.iter().any(|c| f.quantities.contains(&c.0))
                        && (t.requires.is_empty() || t.requires.iter().any(present))
                    {
                        fits = true;
                        clean |= !t.exceptions.iter().any(present);
                    }
                }
                if !fits {
                    continue;
                }
                let same = sentence_at(&sents, h.start) == sentence_at(&sents, f.start);
                let penalty = if clean { 0 } else { 50_000 };
                let distance = penalty
                    + if same {
                        h.start.abs_diff(f.start)
                    } else if h.end <= f.start {
                        100_000 + f.start - h.end
                    } else {
                        continue;
                    };
                if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, hi));
                }
            }
            match best {
                Some((_, hi)) => assigned[hi].push(f),
                None => explain.push(Explanation {
                    step: Step::Figure,
                    matched: f.text.clone(),
                    points_to: None,
                    note: format!(
                        "读出 {} {}，但与举报中写到的表5装备无关",
                        f.normalised, f.normalised_unit
                    ),
                }),
            }
        }

        for (h, figs) in hits.iter().zip(&assigned) {
            if figs.is_empty() {
                continue;
            }
            for r in &h.rules {
                let RuleRef::Threshold(i) = *r else { continue };
                let t = &self.thresholds[i];
                let (hs, _) = scope(h.start, h.start);
                let fs: String = figs.iter().map(|f| scope(f.start, f.start).0).collect();
                let in_scope = |w: &String| hs.contains(w.as_str()) || fs.contains(w.as_str());
                if !t.requires.is_empty() && !t.requires.iter().any(in_scope) {
                    continue;
                }
                let exception = t.exceptions.iter().find(|w| in_scope(w)).cloned();
                let fits = |q: Quantity| figs.iter().filter(move |f| f.quantities.contains(&q));
                // One finding per figure for one-condition rules; one for all conditions otherwise.
                let groups: Vec<Vec<&Figure>> = if t.conditions.len() == 1 {
                    fits(t.conditions[0].0).map(|f| vec![*f]).collect()
                } else {
                    let picked: Vec<&Figure> = t
                        .conditions
                        .iter()
                        .filter_map(|c| fits(c.0).next().copied())
                        .collect();
                    if picked.len() == t.conditions.len() {
                        vec![picked]
                    } else {
                        if !picked.is_empty() {
                            explain.push(Explanation {
                                step: Step::Table5,
                                matched: h.word.clone(),
                                points_to: Some(t.rule.id.clone()),
                                note: format!(
                                    "{}：举报中缺少规则所需的数字，不作结论",
                                    t.rule.citation
                                ),
                            });
                        }
                        Vec::new()
                    }
                };
                for group in groups {
                    let checks: Vec<ConditionCheck> = t
                        .conditions
                        .iter()
                        .zip(&group)
                        .map(|(&(q, cmp, th), f)| ConditionCheck {
                            quantity: q,
                            figure: (*f).clone(),
                            threshold: ThresholdSpec {
                                comparison: cmp,
                                value: th,
                                unit: q.unit().to_string(),
                            },
                            holds: cmp.holds(f.compared_value(), th),
                        })
                        .collect();
                    let all = checks.iter().all(|c| c.holds);
                    let first = &checks[0];
                    if findings
                        .iter()
                        .any(|x| x.rule_id == t.rule.id && x.figure.as_ref() == Some(&first.figure))
                    {
                        continue;
                    }
                    findings.push(Finding {
                        rule_id: t.rule.id.clone(),
                        citation: t.rule.citation.clone(),
                        industry: t.rule.industry.clone(),
                        dimension: t.rule.dimension.clone(),
                        equipment: h.word.clone(),
                        quantity: Some(first.quantity),
                        figure: Some(first.figure.clone()),
                        threshold: Some(first.threshold.clone()),
                        obsolete: all && exception.is_none(),
                        exception: exception.clone(),
                        conditions: checks,
                    });
                }
            }
        }
        for f in &findings {
            let figures: Vec<String> = f
                .conditions
                .iter()
                .map(|c| {
                    let op = match c.threshold.comparison {
                        Comparison::Lt => "<",
                        Comparison::Le => "≤",
                        Comparison::Gt => ">",
                        Comparison::Ge => "≥",
                    };
                    let sign = if c.holds { "符合" } else { "不符合" };
                    format!(
                        "{} 即 {} {}，{sign} {op} {} {}",
                        c.figure.text,
                        c.figure.normalised,
                        c.figure.normalised_unit,
                        c.threshold.value,
                        c.threshold.unit
                    )
                })
                .collect();
            let verdict = match (&f.exception, f.obsolete) {
                (Some(e), _) => format!("属于例外（{e}），不作淘汰认定"),
                (None, true) => "属淘汰类".into(),
                (None, false) => "不属淘汰类".into(),
            };
            let figures = if figures.is_empty() {
                String::new()
            } else {
                format!("{}；", figures.join("；"))
            };
            explain.push(Explanation {
                step: Step::Table5,
                matched: f.equipment.clone(),
                points_to: Some(f.rule_id.clone()),
                note: format!("{figures}{verdict}（{}）", f.citation),
            });
        }
        findings
    }
}
