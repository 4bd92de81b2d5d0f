//! A registry for the labelled sets: their firms (ids 1…) among a generated
//! registry of look-alikes, whose trade names avoid every character of the
//! set's own names so that the set's look-alikes are the only ones of their
//! kind.
use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use tipline::domain::credit_code::CreditCode;
use tipline::matching::EnterpriseRecord;
use tipline::matching::synth::{SynthConfig, SynthRegistry};

/// A firm as the labelled sets write it.
#[derive(Debug, Clone, Deserialize)]
pub struct Firm {
    pub key: String,
    pub name: String,
    pub code: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub address: Option<String>,
}

/// The records and each firm's id by key. `names` are further names whose
/// characters the generated firms avoid (the names tips use).
pub fn build<'a>(
    firms: &[Firm],
    names: impl Iterator<Item = &'a str>,
    size: usize,
) -> (Vec<EnterpriseRecord>, HashMap<String, i64>) {
    let mut reserved: HashSet<char> = HashSet::new();
    for f in firms {
        reserved.extend(f.name.chars());
        f.aliases.iter().for_each(|a| reserved.extend(a.chars()));
    }
    names.for_each(|n| reserved.extend(n.chars()));
    let mut keys = HashMap::new();
    let mut records = Vec::new();
    for (i, f) in firms.iter().enumerate() {
        let id = i as i64 + 1;
        assert!(
            keys.insert(f.key.clone(), id).is_none(),
            "duplicate key {}",
            f.key
        );
        records.push(EnterpriseRecord {
            id,
            credit_code: f
                .code
                .clone()
                .unwrap_or_else(|| CreditCode::generate_valid(10_000 + id as u64).to_string()),
            name: f.name.clone(),
            aliases: f.aliases.clone(),
            district: f.district.clone(),
            industry: f.industry.clone(),
            address: f.address.clone(),
        });
    }
    let synth = SynthRegistry::new(SynthConfig {
        seed: 20_190_701,
        count: size,
        first_id: 1_000,
        reserved_chars: reserved,
        industries: super::pack_match_config().industries,
        regions: super::pack_match_config().regions,
    });
    records.extend(synth.map(|s| s.record));
    (records, keys)
}
