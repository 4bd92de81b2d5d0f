//! The in-memory registry index: every name and alias, normalised, split
//! into character bigrams, interned to `u32` ids, with a sorted posting list
//! of name entries per bigram. IDF comes from the posting lengths, so it
//! stays right as records are added or changed.
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use regex::Regex;

use super::gazetteer::{IndustryTable, NO_INDUSTRY, Place};
use super::normalize::{NormalizedName, Normalizer};
use super::{EnterpriseRecord, MatchConfig};

/// A small multiplicative hasher: keys are our own bigrams and ids, so
/// SipHash's flood resistance buys nothing and costs a third of build time.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const FX_K: u64 = 0x517c_c1b7_2722_0a95;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        for &b in chunks.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(FX_K);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;

pub fn fx_hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// A bigram as one integer; a one-character name is its own "bigram".
pub fn gram_key(a: char, b: Option<char>) -> u64 {
    (u64::from(a) << 32) | u64::from(b.map_or(0, u32::from))
}

/// The distinct bigram keys of the core and the branch of a name.
pub fn name_grams(n: &NormalizedName) -> Vec<u64> {
    let mut keys = Vec::new();
    push_grams(&n.core, &mut keys);
    if let Some(b) = &n.branch {
        push_grams(b, &mut keys);
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

pub fn push_grams(s: &str, out: &mut Vec<u64>) {
    let mut it = s.chars();
    let Some(mut prev) = it.next() else { return };
    let mut any = false;
    for c in it {
        out.push(gram_key(prev, Some(c)));
        prev = c;
        any = true;
    }
    if !any {
        out.push(gram_key(prev, None));
    }
}

/// One name or alias of a record.
#[derive(Debug)]
pub(crate) struct Entry {
    pub rec: u32,
    pub key_hash: u64,
    /// Hash of the branch place; 0 for a name without a branch.
    pub branch_hash: u64,
    /// Sorted interned bigram ids; empty once the entry is dead.
    pub grams: Box<[u32]>,
    /// Where the name itself places the firm (its stripped prefix).
    pub name_place: Place,
    /// Hash of the unstripped folded name.
    pub full_hash: u64,
    /// Hash of the trade name (core less its industry word).
    pub brand_hash: u64,
    /// Which name: 0 the registered name, i the alias `aliases[i - 1]`.
    pub which: u16,
}

#[derive(Debug)]
pub(crate) struct Rec {
    pub id: i64,
    pub code: Box<str>,
    pub name: Box<str>,
    pub aliases: Box<[Box<str>]>,
    pub address: Option<Box<str>>,
    /// District field, else address, else the name's prefix.
    pub place: Place,
    pub industry: u8,
    /// Place names of the address (`address::tokens`), as token ids.
    pub tokens: Box<[u32]>,
    pub entries: Box<[u32]>,
    pub live: bool,
}

pub fn branch_hash(n: &NormalizedName) -> u64 {
    n.branch.as_deref().map_or(0, |b| fx_hash(b) | 1)
}

/// The index. Not internally synchronised: wrap it in an `RwLock` and take
/// the write lock for `upsert`/`remove` (an import batch, an edit).
#[derive(Debug)]
pub struct EnterpriseIndex {
    pub(crate) config: MatchConfig,
    pub(crate) norm: Normalizer,
    pub(crate) industries: IndustryTable,
    pub(crate) code_re: Regex,
    /// Two-character business words a query's last bigram may be a typo of.
    pub(crate) typo_vocab: Vec<[char; 2]>,
    pub(crate) gram_ids: HashMap<u64, u32, FxBuild>,
    pub(crate) postings: Vec<Vec<u32>>,
    pub(crate) entries: Vec<Entry>,
    pub(crate) records: Vec<Rec>,
    pub(crate) by_id: HashMap<i64, u32, FxBuild>,
    pub(crate) by_code: HashMap<Box<str>, u32, FxBuild>,
    pub(crate) live_entries: usize,
    /// Place names of addresses, to the firms that have them.
    pub(crate) addresses: super::address::AddressIndex,
}

/// A record's names and address, normalised (see `EnterpriseIndex::analyse`).
struct Analysed {
    names: Vec<AnalysedName>,
    place: Place,
    code: String,
    address: Option<String>,
    tokens: Vec<String>,
    industry: u8,
}

struct AnalysedName {
    gram_keys: Vec<u64>,
    key_hash: u64,
    full_hash: u64,
    brand_hash: u64,
    branch_hash: u64,
    place: Place,
    which: u16,
}

impl EnterpriseIndex {
    pub fn new(config: MatchConfig) -> EnterpriseIndex {
        let mut typo_vocab: Vec<[char; 2]> = config
            .industries
            .iter()
            .flat_map(|i| i.names.iter())
            .chain(config.generic_words.iter())
            .filter_map(|w| {
                let w: Vec<char> = crate::text::fold(w).chars().collect();
                (w.len() == 2).then(|| [w[0], w[1]])
            })
            .collect();
        typo_vocab.sort_unstable();
        typo_vocab.dedup();
        EnterpriseIndex {
            typo_vocab,
            norm: config.normalizer(),
            industries: IndustryTable::new(&config.industries).with_generic(&config.generic_words),
            config,
            // 18 letters or digits standing alone; validated after the find.
            code_re: Regex::new(r"[0-9A-Za-z]{18,}").expect("static regex"),
            gram_ids: HashMap::default(),
            postings: Vec::new(),
            entries: Vec::new(),
            records: Vec::new(),
            by_id: HashMap::default(),
            by_code: HashMap::default(),
            live_entries: 0,
            addresses: Default::default(),
        }
    }

    /// Builds the index from the whole registry. Normalising names and
    /// addresses is most of the work and needs only `&self`, so it runs on
    /// every core, a chunk at a time; linking into the postings follows on
    /// one thread, in registry order, so the result equals `upsert` one by one.
    pub fn build(config: MatchConfig, records: impl IntoIterator<Item = EnterpriseRecord>) -> Self {
        const CHUNK: usize = 16_384;
        let mut index = EnterpriseIndex::new(config);
        let mut records = records.into_iter();
        let (lower, _) = records.size_hint();
        index.records.reserve(lower);
        index.entries.reserve(lower + lower / 8);
        index.by_id.reserve(lower);
        index.by_code.reserve(lower);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        loop {
            let chunk: Vec<EnterpriseRecord> = records.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let per = chunk.len().div_ceil(threads);
            let analysed: Vec<Analysed> = std::thread::scope(|scope| {
                let this = &index;
                let handles: Vec<_> = chunk
                    .chunks(per)
                    .map(|part| {
                        scope
                            .spawn(move || part.iter().map(|r| this.analyse(r)).collect::<Vec<_>>())
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("analysis does not panic"))
                    .collect()
            });
            for (r, a) in chunk.into_iter().zip(analysed) {
                index.apply(r, a);
            }
        }
        index.shrink();
        index
    }

    /// Frees slack after a bulk build or import.
    pub fn shrink(&mut self) {
        for p in &mut self.postings {
            p.shrink_to_fit();
        }
        self.addresses.shrink();
        self.entries.shrink_to_fit();
        self.records.shrink_to_fit();
    }

    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    pub fn normalizer(&self) -> &Normalizer {
        &self.norm
    }

    /// Live records.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// The enterprise id holding a credit code (upper case, as stored).
    pub fn id_by_code(&self, code: &str) -> Option<i64> {
        self.by_code.get(code).map(|&r| self.records[r as usize].id)
    }

    fn intern(&mut self, key: u64) -> u32 {
        let next = self.postings.len() as u32;
        let id = *self.gram_ids.entry(key).or_insert(next);
        if id == next {
            self.postings.push(Vec::new());
        }
        id
    }

    /// Adds a record, or replaces the one with the same `id` (an import
    /// update or an edit).
    pub fn upsert(&mut self, r: EnterpriseRecord) {
        let analysed = self.analyse(&r);
        self.apply(r, analysed);
    }

    /// Everything about a record that depends only on its text.
    fn analyse(&self, r: &EnterpriseRecord) -> Analysed {
        let mut names = Vec::with_capacity(1 + r.aliases.len());
        let mut seen = Vec::with_capacity(1 + r.aliases.len());
        let mut name_place = Place::default();
        for (i, name) in std::iter::once(&r.name).chain(&r.aliases).enumerate() {
            let n = self.norm.normalize(name);
            if n.core.is_empty() {
                continue;
            }
            let key_hash = fx_hash(&n.key());
            if seen.contains(&key_hash) {
                continue;
            }
            seen.push(key_hash);
            let place = self.norm.place_of(&n);
            if i == 0 {
                name_place = place;
            }
            names.push(AnalysedName {
                gram_keys: name_grams(&n),
                key_hash,
                full_hash: fx_hash(&self.norm.full_key(name)),
                brand_hash: fx_hash(self.industries.brand(&n.core)),
                branch_hash: branch_hash(&n),
                place,
                which: i.min(u16::MAX as usize) as u16,
            });
        }
        let regions = self.norm.regions();
        let field_place = r
            .district
            .as_deref()
            .map(|d| regions.resolve_field(d))
            .unwrap_or_default();
        // Kept folded: it is only compared, never shown.
        let address = r
            .address
            .as_deref()
            .map(crate::text::fold)
            .filter(|a| !a.trim().is_empty());
        let address_place = address
            .as_deref()
            .map(|a| regions.scan(a))
            .unwrap_or_default();
        let tokens = address
            .as_deref()
            .map(super::address::tokens)
            .unwrap_or_default();
        Analysed {
            names,
            place: field_place.or(address_place).or(name_place),
            code: r.credit_code.trim().to_ascii_uppercase(),
            address,
            tokens,
            industry: r
                .industry
                .as_deref()
                .map_or(NO_INDUSTRY, |i| self.industries.resolve(i)),
        }
    }

    /// Links an analysed record into the index.
    fn apply(&mut self, r: EnterpriseRecord, a: Analysed) {
        let slot = match self.by_id.get(&r.id) {
            Some(&slot) => {
                self.unlink(slot);
                slot
            }
            None => {
                let slot = self.records.len() as u32;
                self.records.push(Rec {
                    id: r.id,
                    code: Box::from(""),
                    name: Box::from(""),
                    aliases: Box::new([]),
                    address: None,
                    place: Place::default(),
                    industry: NO_INDUSTRY,
                    tokens: Box::new([]),
                    entries: Box::new([]),
                    live: false,
                });
                self.by_id.insert(r.id, slot);
                slot
            }
        };
        let mut entry_ids = Vec::with_capacity(a.names.len());
        for name in a.names {
            let mut grams: Vec<u32> = name.gram_keys.into_iter().map(|k| self.intern(k)).collect();
            grams.sort_unstable();
            let eid = self.entries.len() as u32;
            for &g in &grams {
                // New entry ids only grow, so a push keeps the list sorted.
                self.postings[g as usize].push(eid);
            }
            self.entries.push(Entry {
                rec: slot,
                key_hash: name.key_hash,
                full_hash: name.full_hash,
                brand_hash: name.brand_hash,
                branch_hash: name.branch_hash,
                grams: grams.into_boxed_slice(),
                name_place: name.place,
                which: name.which,
            });
            entry_ids.push(eid);
        }
        self.live_entries += entry_ids.len();
        if !a.code.is_empty() {
            self.by_code.insert(Box::from(a.code.as_str()), slot);
        }
        let tokens = self.addresses.insert(slot, &a.tokens);
        let rec = &mut self.records[slot as usize];
        rec.tokens = tokens;
        rec.code = a.code.into_boxed_str();
        rec.name = r.name.into_boxed_str();
        rec.aliases = r.aliases.into_iter().map(String::into_boxed_str).collect();
        rec.address = a.address.map(String::into_boxed_str);
        rec.place = a.place;
        rec.industry = a.industry;
        rec.entries = entry_ids.into_boxed_slice();
        rec.live = true;
    }

    /// Removes a record (deleted from the registry).
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(slot) = self.by_id.remove(&id) else {
            return false;
        };
        self.unlink(slot);
        let rec = &mut self.records[slot as usize];
        rec.live = false;
        rec.name = Box::from("");
        rec.aliases = Box::new([]);
        rec.address = None;
        // The slot stays (ids in postings are never reused) but holds nothing.
        true
    }

    /// Takes a record's entries out of the postings and its code out of the map.
    fn unlink(&mut self, slot: u32) {
        let rec = &mut self.records[slot as usize];
        let entries = std::mem::take(&mut rec.entries);
        let tokens = std::mem::take(&mut rec.tokens);
        self.addresses.remove(slot, &tokens);
        if self.by_code.get(&rec.code) == Some(&slot) {
            self.by_code.remove(&rec.code);
        }
        for eid in entries.iter().copied() {
            let e = &mut self.entries[eid as usize];
            for &g in e.grams.iter() {
                let p = &mut self.postings[g as usize];
                if let Ok(i) = p.binary_search(&eid) {
                    p.remove(i);
                }
            }
            e.grams = Box::new([]);
            self.live_entries -= 1;
        }
    }

    /// Inverse document frequency of a bigram id, from its posting length.
    pub(crate) fn idf(&self, gram: u32) -> f64 {
        let df = self.postings[gram as usize].len();
        if df == 0 {
            return self.unknown_idf();
        }
        (1.0 + self.live_entries as f64 / df as f64).ln()
    }

    /// A bigram no name has: likely a typo or words around the name, so it
    /// weighs like a moderately rare bigram, not like the rarest.
    pub(crate) fn unknown_idf(&self) -> f64 {
        0.5 * (1.0 + self.live_entries as f64).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: i64, name: &str) -> EnterpriseRecord {
        EnterpriseRecord {
            id,
            credit_code: format!("CODE{id}"),
            name: name.to_string(),
            aliases: vec![],
            district: None,
            industry: None,
            address: None,
        }
    }

    #[test]
    fn upsert_replaces_and_remove_unlinks() {
        let mut ix = EnterpriseIndex::build(
            crate::matching::test_config(),
            vec![rec(1, "宏达钢铁有限公司"), rec(2, "宏大钢铁有限公司")],
        );
        assert_eq!(ix.len(), 2);
        let g = ix.gram_ids[&gram_key('宏', Some('达'))];
        assert_eq!(ix.postings[g as usize], vec![0]);
        ix.upsert(rec(1, "华美陶瓷有限公司"));
        assert_eq!(ix.len(), 2);
        assert!(ix.postings[g as usize].is_empty());
        assert_eq!(ix.id_by_code("CODE1"), Some(1));
        assert!(ix.remove(2));
        assert!(!ix.remove(2));
        assert_eq!(ix.id_by_code("CODE2"), None);
        assert_eq!(ix.live_entries, 1);
        for p in &ix.postings {
            assert!(p.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
