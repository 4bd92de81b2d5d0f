//! Enterprise names brought to the part that tells firms apart: 深圳市宏達
//! 鋼鐵實業有限公司 → 宏达钢铁, with the place prefix kept aside as evidence
//! and a branch (…沙井分公司) kept, because a branch is another enterprise.
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::gazetteer::{NO_REGION, Place, RegionLevel, RegionTable};
use crate::text::fold;

/// What a name keeps after normalisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedName {
    /// Trade name and business words: 宏达钢铁.
    pub core: String,
    /// The branch's place (沙井 for …沙井分公司), `Some("")` for an unnamed branch.
    pub branch: Option<String>,
    /// Region names stripped from the front or from brackets, bare (深圳, 宝安).
    pub regions: Vec<String>,
}

impl NormalizedName {
    /// One string for equality: two names are the same enterprise name when
    /// their keys are equal.
    pub fn key(&self) -> String {
        match &self.branch {
            Some(b) => format!("{}|{}", self.core, b),
            None => self.core.clone(),
        }
    }
}

/// Normalises enterprise names against a region table and form lists.
#[derive(Debug)]
pub struct Normalizer {
    regions: RegionTable,
    forms: Vec<String>,
    branch_suffixes: Vec<String>,
    /// A core that is only one of these (钢铁, 水泥) is not a name: the place
    /// in front of it (光明, 南山) is then part of the name and stays.
    generic: HashSet<String>,
}

fn is_open(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '【' | '〔' | '〖' | '「' | '『' | '<' | '《'
    )
}

fn is_close(c: char) -> bool {
    matches!(
        c,
        ')' | ']' | '}' | '】' | '〕' | '〗' | '」' | '』' | '>' | '》'
    )
}

impl Normalizer {
    pub fn new(
        regions: RegionTable,
        forms: &[String],
        branch_suffixes: &[String],
        generic: impl IntoIterator<Item = String>,
    ) -> Normalizer {
        let mut forms: Vec<String> = forms.iter().map(|f| fold(f)).collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let mut branch_suffixes: Vec<String> = branch_suffixes.iter().map(|f| fold(f)).collect();
        branch_suffixes.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        Normalizer {
            regions,
            forms,
            branch_suffixes,
            generic: generic.into_iter().map(|g| fold(&g)).collect(),
        }
    }

    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }

    /// Folds and keeps letters and digits only; bracketed places (（深圳）)
    /// are taken out and returned, other bracketed text is kept.
    fn clean(&self, folded: &str, regions: &mut Vec<String>) -> String {
        let mut out = String::with_capacity(folded.len());
        let mut inner = String::new();
        let mut depth = 0usize;
        for c in folded.chars() {
            if is_open(c) {
                depth += 1;
            } else if is_close(c) {
                if depth > 0 {
                    depth -= 1;
                    if depth == 0 {
                        self.flush_bracket(&mut inner, &mut out, regions);
                    }
                }
            } else if c.is_alphanumeric() {
                if depth > 0 {
                    inner.push(c);
                } else {
                    out.push(c);
                }
            }
        }
        // An unclosed bracket: keep its text.
        out.push_str(&inner);
        out
    }

    fn flush_bracket(&self, inner: &mut String, out: &mut String, regions: &mut Vec<String>) {
        match self.regions.by_name(inner) {
            Some(id) if self.regions.level(id) != Some(RegionLevel::Street) => {
                regions.push(self.regions.name(id).unwrap_or_default().to_string());
            }
            _ => out.push_str(inner),
        }
        inner.clear();
    }

    fn strip_form(&self, s: &str) -> Option<usize> {
        self.forms
            .iter()
            .find(|f| s.ends_with(f.as_str()) && s[..s.len() - f.len()].chars().count() >= 2)
            .map(|f| s.len() - f.len())
    }

    fn is_name(&self, s: &str) -> bool {
        s.chars().count() >= 2 && !self.generic.contains(s)
    }

    /// The whole name folded to letters and digits, nothing stripped: equal
    /// full names are the strongest evidence short of a credit code.
    pub fn full_key(&self, raw: &str) -> String {
        fold(raw).chars().filter(|c| c.is_alphanumeric()).collect()
    }

    pub fn normalize(&self, raw: &str) -> NormalizedName {
        let mut regions = Vec::new();
        let mut s = self.clean(&fold(raw), &mut regions);

        let mut branch = None;
        if let Some(suf) = self
            .branch_suffixes
            .iter()
            .find(|b| s.ends_with(b.as_str()) && s.len() > b.len())
        {
            s.truncate(s.len() - suf.len());
            // The branch place follows the parent's form (…有限公司沙井分公司);
            // without a form, a known place or the last two characters.
            let split = self
                .forms
                .iter()
                .filter_map(|f| s.rfind(f.as_str()).map(|i| i + f.len()))
                .max()
                .filter(|&e| e < s.len())
                .or_else(|| trailing_numeral(&s))
                .or_else(|| self.trailing_place(&s))
                .or_else(|| {
                    s.char_indices()
                        .rev()
                        .nth(1)
                        .map(|(i, _)| i)
                        .filter(|&i| i > 0)
                })
                .unwrap_or(s.len());
            branch = Some(s[split..].to_string());
            s.truncate(split);
        }

        while let Some(end) = self.strip_form(&s) {
            s.truncate(end);
        }

        // Leading places: 广东省深圳市宝安区宏达 → 宏达, unless only a generic
        // word would be left (光明钢铁 stays as it is).
        while let Some((id, len)) = self.regions.prefix(&s) {
            if self.regions.level(id) == Some(RegionLevel::Street) || !self.is_name(&s[len..]) {
                break;
            }
            regions.push(self.regions.name(id).unwrap_or_default().to_string());
            s.drain(..len);
        }

        NormalizedName {
            core: s,
            branch,
            regions,
        }
    }

    /// Where a name's stripped regions put the firm.
    pub fn place_of(&self, name: &NormalizedName) -> Place {
        name.regions.iter().fold(Place::default(), |acc, r| {
            let p = self
                .regions
                .by_name(r)
                .map(|id| self.regions.place_of(id))
                .unwrap_or_default();
            // The most specific mention wins: 深圳 then 宝安 gives 宝安.
            Place {
                city: if p.city != NO_REGION {
                    p.city
                } else {
                    acc.city
                },
                district: if p.district != NO_REGION {
                    p.district
                } else {
                    acc.district
                },
            }
        })
    }

    /// A known place at the end of `s` (…绿源印染沙井), as a split point.
    fn trailing_place(&self, s: &str) -> Option<usize> {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        (2..=4.min(chars.len().saturating_sub(1)))
            .rev()
            .map(|n| chars[chars.len() - n].0)
            .find(|&i| self.regions.by_name(&s[i..]).is_some())
    }

    /// Branch places mentioned in free text (沙井分公司 → 沙井).
    pub fn branches_in_text(&self, folded: &str) -> Vec<String> {
        let mut found = Vec::new();
        for suf in &self.branch_suffixes {
            for (i, _) in folded.match_indices(suf.as_str()) {
                let before = &folded[..i];
                let place = self
                    .trailing_place(before)
                    .map(|j| before[j..].to_string())
                    .or_else(|| {
                        let tail: Vec<char> = before.chars().rev().take(2).collect();
                        (tail.len() == 2 && tail.iter().all(|c| c.is_alphanumeric()))
                            .then(|| tail.iter().rev().collect())
                    });
                if let Some(p) = place {
                    found.push(p);
                }
            }
        }
        found
    }
}

/// A numbered branch (二分厂, 第3分公司): where its numeral starts.
fn trailing_numeral(s: &str) -> Option<usize> {
    let is_num = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    let mut start = s.len();
    for (i, c) in s.char_indices().rev() {
        if !is_num(c) {
            break;
        }
        start = i;
    }
    if start == s.len() {
        return None;
    }
    let start = s[..start].strip_suffix('第').map_or(start, str::len);
    (start > 0).then_some(start)
}

#[cfg(test)]
mod tests {

    use super::*;

    fn n() -> Normalizer {
        crate::matching::test_config().normalizer()
    }

    fn core(s: &str) -> String {
        n().normalize(s).key()
    }

    #[test]
    fn strips_places_forms_width_and_script() {
        assert_eq!(core("深圳市宏达钢铁有限公司"), "宏达钢铁");
        assert_eq!(core("广东省深圳市宝安区宏達鋼鐵實業有限公司"), "宏达钢铁");
        assert_eq!(core("深圳市 宏达 钢铁"), "宏达钢铁");
        assert_eq!(core("ＴＣＬ宏达钢铁股份有限公司"), "tcl宏达钢铁");
        assert_eq!(core("宏达钢铁（深圳）有限公司"), "宏达钢铁");
        assert_eq!(core("宏达钢铁集团"), "宏达钢铁");
        assert_eq!(core("宏达塑料制品厂"), "宏达塑料");
        let name = n().normalize("深圳市宝安区宏达钢铁有限公司");
        assert_eq!(name.regions, vec!["深圳", "宝安"]);
    }

    #[test]
    fn keeps_a_place_that_is_the_name() {
        assert_eq!(core("光明钢铁有限公司"), "光明钢铁");
        assert_eq!(core("南山铝业"), "南山铝业");
        // A street is never stripped from the front.
        assert_eq!(core("凤凰陶瓷厂"), "凤凰陶瓷");
    }

    #[test]
    fn keeps_the_branch() {
        assert_eq!(core("绿源印染有限公司沙井分公司"), "绿源印染|沙井");
        assert_eq!(core("深圳市绿源印染沙井分公司"), "绿源印染|沙井");
        assert_eq!(core("绿源印染沙井分厂"), "绿源印染|沙井");
        assert_eq!(core("绿源印染有限公司"), "绿源印染");
        assert_eq!(core("宏达钢铁厂二分厂"), "宏达钢铁|二");
    }

    #[test]
    fn finds_branches_in_text() {
        let t = fold("他们绿源印染沙井分公司晚上偷排");
        assert_eq!(n().branches_in_text(&t), vec!["沙井"]);
    }
}
