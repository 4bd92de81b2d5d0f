//! The place names inside registry addresses — streets, communities,
//! villages, parks, roads (松岗街道红星社区 → 松岗, 红星) — as tokens, and an
//! index from each to the firms whose address has it. A tip that says
//! "观澜桂花那边" agrees with a firm at 观澜街道桂花社区 without any word
//! segmenter: the tip's text is searched for the registry's own tokens.

use std::collections::HashMap;

use super::index::FxBuild;

/// What ends a place name in an address, longest first: the token is what
/// precedes it. Province, city and district names end at 省/市/区/县 and
/// are the gazetteer's business; they end a token without being one.
const MARKERS: &[(&str, bool)] = &[
    ("特别合作区", false),
    ("工业园区", true),
    ("工业区", true),
    ("工业园", true),
    ("科技园", true),
    ("产业园", true),
    ("新区", false),
    ("街道", true),
    ("社区", true),
    ("园区", true),
    ("大道", true),
    ("片区", true),
    ("新村", true),
    ("花园", true),
    ("村", true),
    ("镇", true),
    ("路", true),
    ("街", true),
    ("省", false),
    ("市", false),
    ("区", false),
    ("县", false),
];

/// Tokens longer than this are phrases, not names.
const LONGEST: usize = 4;

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The place-name tokens of a folded address, in order, each once.
pub fn tokens(folded: &str) -> Vec<String> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        if !is_han(chars[i]) {
            i += 1;
            start = i;
            continue;
        }
        let marker = MARKERS.iter().find(|(m, _)| {
            let m: Vec<char> = m.chars().collect();
            chars.get(i..i + m.len()) == Some(m.as_slice())
        });
        match marker {
            Some((m, keep)) => {
                let len = i - start;
                let word: String = chars[start..i].iter().collect();
                // 第二工业区 names no place; 一二村 neither.
                let numbered = word.starts_with('第')
                    || word.chars().all(|c| "一二三四五六七八九十".contains(c));
                if *keep && (2..=LONGEST).contains(&len) && !numbered && !out.contains(&word) {
                    out.push(word);
                }
                i += m.chars().count();
                start = i;
            }
            None => {
                // A run longer than any name: keep only its last characters.
                if i + 1 - start > LONGEST {
                    start = i + 1 - LONGEST;
                }
                i += 1;
            }
        }
    }
    out
}

/// Tokens to firms (record slots).
#[derive(Debug, Default)]
pub struct AddressIndex {
    ids: HashMap<Box<str>, u32, FxBuild>,
    postings: Vec<Vec<u32>>,
    names: Vec<Box<str>>,
}

impl AddressIndex {
    /// Record `slot` has these tokens; returns their ids.
    pub fn insert(&mut self, slot: u32, tokens: &[String]) -> Box<[u32]> {
        let mut ids = Vec::with_capacity(tokens.len());
        for t in tokens {
            let next = self.postings.len() as u32;
            let id = *self.ids.entry(Box::from(t.as_str())).or_insert(next);
            if id == next {
                self.postings.push(Vec::new());
                self.names.push(Box::from(t.as_str()));
            }
            // Slots only grow for new records; a replaced record keeps its
            // slot, so keep the list sorted either way.
            let p = &mut self.postings[id as usize];
            if let Err(at) = p.binary_search(&slot) {
                p.insert(at, slot);
            }
            ids.push(id);
        }
        ids.into_boxed_slice()
    }

    pub fn remove(&mut self, slot: u32, ids: &[u32]) {
        for &id in ids {
            let p = &mut self.postings[id as usize];
            if let Ok(at) = p.binary_search(&slot) {
                p.remove(at);
            }
        }
    }

    /// The ids of every known token found in the folded text.
    pub fn find_in(&self, folded: &str) -> Vec<u32> {
        let chars: Vec<char> = folded.chars().collect();
        let mut found: Vec<u32> = Vec::new();
        let mut buf = String::new();
        for i in 0..chars.len() {
            if !is_han(chars[i]) {
                continue;
            }
            for len in 2..=LONGEST.min(chars.len() - i) {
                if !is_han(chars[i + len - 1]) {
                    break;
                }
                buf.clear();
                buf.extend(&chars[i..i + len]);
                if let Some(&id) = self.ids.get(buf.as_str())
                    && !found.contains(&id)
                    && !self.postings[id as usize].is_empty()
                {
                    found.push(id);
                }
            }
        }
        found
    }

    /// Firms with this token.
    pub fn firms(&self, id: u32) -> &[u32] {
        &self.postings[id as usize]
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn shrink(&mut self) {
        for p in &mut self.postings {
            p.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_names_of_addresses() {
        assert_eq!(
            tokens("深圳市宝安区松岗街道红星社区第二工业区9号"),
            ["松岗", "红星"]
        );
        assert_eq!(
            tokens("深圳市龙华区观澜街道桂花社区桂月路33号"),
            ["观澜", "桂花", "桂月"]
        );
        assert_eq!(tokens("石岩街道官田社区工业区a栋"), ["石岩", "官田"]);
        assert_eq!(tokens("深汕特别合作区鹅埠镇上北村"), ["鹅埠", "上北"]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn finds_registry_tokens_in_free_text() {
        let mut ix = AddressIndex::default();
        ix.insert(0, &tokens("深圳市龙华区观澜街道桂花社区桂月路33号"));
        ix.insert(1, &tokens("深圳市宝安区松岗街道红星社区"));
        let found: Vec<&str> = ix
            .find_in("德信钢铁在观澜桂花那边晚上开工")
            .into_iter()
            .map(|id| ix.name(id))
            .collect();
        assert_eq!(found, ["观澜", "桂花"]);
        let id = ix.find_in("红星")[0];
        assert_eq!(ix.firms(id), [1]);
        ix.remove(1, &[id]);
        assert!(ix.find_in("红星").is_empty());
    }
}
