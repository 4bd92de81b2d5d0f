//! Place and industry vocabularies the matcher reads names against. They are
//! pack data (places.toml, industries.toml) that `MatchConfig` carries; this
//! module compiles them into lookup tables.
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind, StartKind};
use serde::{Deserialize, Serialize};

use crate::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Country,
    Province,
    City,
    District,
    /// Streets and towns: used to place an address or a branch, never
    /// stripped from a name (凤凰, 石井 … are also trade names).
    Street,
}

/// One place, by its bare name (宝安, not 宝安区), with other spellings a
/// field may use (a pack key, a GB/T 2260 code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSpec {
    pub name: String,
    pub level: RegionLevel,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// One industry by its pack key, with the words that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndustrySpec {
    pub key: String,
    pub names: Vec<String>,
}

/// Suffixes that may follow a bare region name (深圳市, 宝安区, 大鹏新区 …).
pub const REGION_SUFFIXES: &[&str] = &[
    "特别合作区",
    "自治县",
    "新区",
    "街道",
    "省",
    "市",
    "区",
    "县",
    "镇",
];

/// Index of a region in the table; `NO_REGION` for none.
pub type RegionId = u16;
pub const NO_REGION: RegionId = RegionId::MAX;

/// Where a name, an address or a field puts an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub city: RegionId,
    pub district: RegionId,
}

impl Default for Place {
    fn default() -> Self {
        Place {
            city: NO_REGION,
            district: NO_REGION,
        }
    }
}

impl Place {
    pub fn is_empty(&self) -> bool {
        self.city == NO_REGION && self.district == NO_REGION
    }

    /// Fills what `self` lacks from `other`.
    pub fn or(self, other: Place) -> Place {
        Place {
            city: if self.city == NO_REGION {
                other.city
            } else {
                self.city
            },
            district: if self.district == NO_REGION {
                other.district
            } else {
                self.district
            },
        }
    }
}

/// Whether two places agree, conflict, or cannot be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceAgreement {
    SameDistrict,
    SameCity,
    Conflict,
    Unknown,
}

pub fn compare_places(a: Place, b: Place) -> PlaceAgreement {
    if a.district != NO_REGION && b.district != NO_REGION {
        return if a.district == b.district {
            PlaceAgreement::SameDistrict
        } else {
            PlaceAgreement::Conflict
        };
    }
    if a.city != NO_REGION && b.city != NO_REGION {
        return if a.city == b.city {
            PlaceAgreement::SameCity
        } else {
            PlaceAgreement::Conflict
        };
    }
    PlaceAgreement::Unknown
}

#[derive(Debug)]
struct Region {
    name: String,
    level: RegionLevel,
    parent: RegionId,
}

/// Places by name and alias, with an automaton to find them in free text.
#[derive(Debug)]
pub struct RegionTable {
    regions: Vec<Region>,
    by_name: HashMap<String, RegionId>,
    by_alias: HashMap<String, RegionId>,
    finder: AhoCorasick,
    finder_ids: Vec<RegionId>,
}

impl RegionTable {
    pub fn new(specs: &[RegionSpec]) -> RegionTable {
        let mut regions: Vec<Region> = Vec::with_capacity(specs.len());
        let mut by_name: HashMap<String, RegionId> = HashMap::new();
        for spec in specs.iter().take(NO_REGION as usize) {
            let id = regions.len() as RegionId;
            let name = fold(spec.name.trim());
            // On a clash (龙岗 the district and the street) the higher level wins.
            let keep = match by_name.get(&name) {
                Some(&old) => regions[old as usize].level > spec.level,
                None => true,
            };
            if keep {
                by_name.insert(name.clone(), id);
            }
            regions.push(Region {
                name,
                level: spec.level,
                parent: NO_REGION,
            });
        }
        for (i, spec) in specs.iter().enumerate().take(regions.len()) {
            if let Some(p) = &spec.parent {
                regions[i].parent = by_name.get(&fold(p)).copied().unwrap_or(NO_REGION);
            }
        }
        let mut by_alias = HashMap::new();
        for (i, spec) in specs.iter().enumerate().take(regions.len()) {
            for a in &spec.aliases {
                by_alias.insert(fold(a.trim()), i as RegionId);
            }
        }
        let mut names: Vec<(&String, RegionId)> = by_name.iter().map(|(n, &i)| (n, i)).collect();
        names.sort();
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Both)
            .build(names.iter().map(|(n, _)| n.as_str()))
            .expect("region names build an automaton");
        let finder_ids = names.iter().map(|&(_, i)| i).collect();
        RegionTable {
            regions,
            by_name,
            by_alias,
            finder,
            finder_ids,
        }
    }

    pub fn level(&self, id: RegionId) -> Option<RegionLevel> {
        self.regions.get(id as usize).map(|r| r.level)
    }

    pub fn name(&self, id: RegionId) -> Option<&str> {
        self.regions.get(id as usize).map(|r| r.name.as_str())
    }

    /// A region by bare name, or by name with a suffix (宝安区, 深圳市).
    pub fn by_name(&self, folded: &str) -> Option<RegionId> {
        if let Some(&id) = self.by_name.get(folded) {
            return Some(id);
        }
        REGION_SUFFIXES.iter().find_map(|s| {
            folded
                .strip_suffix(s)
                .and_then(|bare| self.by_name.get(bare).copied())
        })
    }

    /// The longest region name `s` starts with, followed by an optional
    /// suffix: (region, bytes consumed).
    pub fn prefix(&self, s: &str) -> Option<(RegionId, usize)> {
        let m = self
            .finder
            .find(aho_corasick::Input::new(s).anchored(aho_corasick::Anchored::Yes))?;
        let id = self.finder_ids[m.pattern().as_usize()];
        let mut end = m.end();
        if let Some(suf) = REGION_SUFFIXES
            .iter()
            .find(|suf| s[end..].starts_with(*suf))
        {
            end += suf.len();
        }
        Some((id, end))
    }

    /// The place a field value names: an alias (pack key, division code), a
    /// name with or without suffix, or else the most specific place found in it.
    pub fn resolve_field(&self, value: &str) -> Place {
        let folded = fold(value.trim());
        if folded.is_empty() {
            return Place::default();
        }
        if let Some(&id) = self.by_alias.get(&folded) {
            return self.place_of(id);
        }
        if let Some(id) = self.by_name(&folded) {
            return self.place_of(id);
        }
        self.scan(&folded)
    }

    /// The most specific place mentioned in folded free text (first mention
    /// per level wins: people name the place of the firm first).
    pub fn scan(&self, folded: &str) -> Place {
        let mut place = Place::default();
        for m in self.finder.find_iter(folded) {
            let id = self.finder_ids[m.pattern().as_usize()];
            place = place.or(self.place_of(id));
            if place.district != NO_REGION && place.city != NO_REGION {
                break;
            }
        }
        place
    }

    /// City and district of a region; a street gives its district.
    pub fn place_of(&self, id: RegionId) -> Place {
        let mut place = Place::default();
        let mut cur = id;
        // Walk up at most a few levels; parents never loop in sane data, but
        // a bad pack must not hang the matcher.
        for _ in 0..6 {
            let Some(r) = self.regions.get(cur as usize) else {
                break;
            };
            match r.level {
                RegionLevel::District if place.district == NO_REGION => place.district = cur,
                RegionLevel::City if place.city == NO_REGION => place.city = cur,
                _ => {}
            }
            cur = r.parent;
        }
        place
    }
}

/// Industries by key and by any of their names.
#[derive(Debug)]
pub struct IndustryTable {
    keys: Vec<String>,
    by_word: HashMap<String, u8>,
    words: Vec<(String, u8)>,
    /// Business words that may follow the trade name too (再生资源, 科技).
    generic: Vec<String>,
}

pub const NO_INDUSTRY: u8 = u8::MAX;

impl IndustryTable {
    pub fn new(specs: &[IndustrySpec]) -> IndustryTable {
        let mut keys = Vec::new();
        let mut by_word = HashMap::new();
        let mut words = Vec::new();
        for (i, spec) in specs.iter().enumerate().take(NO_INDUSTRY as usize) {
            keys.push(spec.key.clone());
            by_word.insert(fold(&spec.key), i as u8);
            for n in &spec.names {
                by_word.insert(fold(n), i as u8);
                words.push((fold(n), i as u8));
            }
        }
        // Longest first, so 铅蓄电池 is found before 电池.
        words.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
        IndustryTable {
            keys,
            by_word,
            words,
            generic: Vec::new(),
        }
    }

    /// Also strip these business words when finding a trade name.
    pub fn with_generic(mut self, generic: &[String]) -> IndustryTable {
        self.generic = generic.iter().map(|w| fold(w)).collect();
        self.generic
            .sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        self
    }

    pub fn key(&self, id: u8) -> Option<&str> {
        self.keys.get(id as usize).map(String::as_str)
    }

    /// The industry a field names (key or word), or one named inside it.
    pub fn resolve(&self, value: &str) -> u8 {
        let folded = fold(value.trim());
        if let Some(&id) = self.by_word.get(&folded) {
            return id;
        }
        self.words
            .iter()
            .find(|(w, _)| folded.contains(w.as_str()))
            .map_or(NO_INDUSTRY, |&(_, id)| id)
    }

    /// The trade name (字号): the core without the industry and business
    /// words that end it (鑫源特钢 → 鑫源, 永利有色金属冶炼 → 永利), or the
    /// whole core when none ends it or fewer than two characters would remain.
    pub fn brand<'a>(&self, core: &'a str) -> &'a str {
        let mut rest = core;
        loop {
            let next = self
                .words
                .iter()
                .map(|(w, _)| w)
                .chain(self.generic.iter())
                .find_map(|w| {
                    rest.strip_suffix(w.as_str())
                        .filter(|r| r.chars().count() >= 2)
                });
            match next {
                Some(r) => rest = r,
                None => return rest,
            }
        }
    }

    /// Every industry word, for the generic-remainder guard of the normaliser.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|(w, _)| w.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_fields_keys_codes_and_names() {
        let t = RegionTable::new(&crate::matching::test_config().regions);
        let baoan = t.resolve_field("宝安区");
        assert_eq!(t.name(baoan.district), Some("宝安"));
        assert_eq!(t.name(baoan.city), Some("深圳"));
        assert_eq!(t.resolve_field("baoan"), baoan);
        assert_eq!(t.resolve_field("440306"), baoan);
        assert_eq!(t.resolve_field("深圳市宝安区沙井街道"), baoan);
        // A street places its district.
        assert_eq!(t.resolve_field("沙井"), baoan);
        assert_eq!(t.name(t.resolve_field("龙岗").district), Some("龙岗"));
        assert!(t.resolve_field("北京").is_empty());
    }

    #[test]
    fn prefix_takes_an_optional_suffix() {
        let t = RegionTable::new(&crate::matching::test_config().regions);
        let (id, n) = t.prefix("深圳市宏达").unwrap();
        assert_eq!(t.name(id), Some("深圳"));
        assert_eq!(n, "深圳市".len());
        assert!(t.prefix("宏达深圳").is_none());
    }

    #[test]
    fn industries_by_key_and_word() {
        let t = IndustryTable::new(&crate::matching::test_config().industries);
        assert_eq!(t.key(t.resolve("steel")), Some("steel"));
        assert_eq!(t.key(t.resolve("鋼鐵")), Some("steel"));
        assert_eq!(t.key(t.resolve("铅蓄电池制造")), Some("battery"));
        assert_eq!(t.resolve("餐饮"), NO_INDUSTRY);
        assert_eq!(t.brand("鑫源特钢"), "鑫源");
        assert_eq!(t.brand("福星纸"), "福星");
        assert_eq!(t.brand("宏达"), "宏达");
        assert_eq!(t.brand("光明钢"), "光明");
        assert_eq!(t.brand("钢铁"), "钢铁");
    }
}
