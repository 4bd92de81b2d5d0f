//! Linking a tip to the enterprise it is about. Pure: the caller loads the
//! registry (`EnterpriseRecord`s) into an `EnterpriseIndex`, keeps it current
//! with `upsert`/`remove`, and stores the `MatchResult` as JSON.
//!
//! - `normalize`: names to their distinguishing part (places, forms stripped,
//!   branches kept);
//! - `index`: character-bigram inverted index over names and aliases;
//! - `score`: candidate scoring, threshold and ambiguity rules;
//! - `gazetteer`: the place and industry vocabularies (data, replaceable);
//! - `synth`: deterministic synthetic registries for tests and benches.

pub mod address;
pub mod gazetteer;
pub mod index;
pub mod normalize;
pub mod score;
pub mod synth;

use serde::{Deserialize, Serialize};

pub use gazetteer::{IndustrySpec, RegionLevel, RegionSpec};
pub use index::EnterpriseIndex;
pub use normalize::{NormalizedName, Normalizer};

/// One enterprise as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseRecord {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    /// Former names and other names people use.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Key, Chinese name or division code; resolved through `MatchConfig::regions`.
    #[serde(default)]
    pub district: Option<String>,
    /// Key or Chinese name; resolved through `MatchConfig::industries`.
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// What a tip says about the enterprise. Every field is optional but `text`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchQuery {
    /// The free description; searched for credit codes and, when
    /// `enterprise_name` is missing or finds nothing, for a name.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// Why a candidate scored what it did, for the dispatcher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The tip gives this enterprise's credit code (field or text).
    CreditCode {
        code: String,
    },
    /// The registered name (or alias) equals the tip's, character for character.
    ExactFullName,
    /// The normalised name equals the tip's.
    ExactName,
    /// Same trade name (宏达 in 宏达钢铁 and 宏达钢厂) and same industry.
    SameBrand,
    /// A business word in the tip's name was read as a typo (淘瓷 → 陶瓷).
    TypoCorrected {
        from: String,
        to: String,
    },
    /// IDF-weighted bigram similarity of names, 0–1.
    NameSimilarity {
        value: f64,
        matched: String,
    },
    /// The name was found in the tip's text rather than a name field.
    NameInText {
        coverage: f64,
        matched: String,
    },
    /// One side names a branch (分公司) the other does not.
    BranchMismatch,
    DistrictAgrees,
    CityAgrees,
    PlaceConflicts,
    IndustryAgrees,
    IndustryConflicts,
    AddressSimilarity {
        value: f64,
    },
    /// Places the tip names that the firm's registered address has (观澜, 桂花).
    SharedPlaces {
        names: Vec<String>,
    },
    /// The tip names no firm; this one is at the places it names (or at the
    /// very address it gives).
    AtPlaces {
        names: Vec<String>,
        exact_address: bool,
    },
}

impl Reason {
    /// The reason as a dispatcher reads it.
    pub fn label_zh(&self) -> String {
        let pct = |v: f64| format!("{:.0}%", v * 100.0);
        match self {
            Reason::CreditCode { code } => format!("举报给出了统一社会信用代码 {code}"),
            Reason::ExactFullName => "名称与登记名称完全相同".into(),
            Reason::ExactName => "名称规范化后相同".into(),
            Reason::SameBrand => "字号相同且行业相同".into(),
            Reason::TypoCorrected { from, to } => format!("按错别字更正后相同（{from}→{to}）"),
            Reason::NameSimilarity { value, matched } => {
                format!("名称相似 {}（{matched}）", pct(*value))
            }
            Reason::NameInText { coverage, matched } => {
                format!("举报内容中写到了名称（{matched}，覆盖 {}）", pct(*coverage))
            }
            Reason::BranchMismatch => "一方是分公司，另一方不是".into(),
            Reason::DistrictAgrees => "所在区一致".into(),
            Reason::CityAgrees => "所在市一致".into(),
            Reason::PlaceConflicts => "地点不一致".into(),
            Reason::IndustryAgrees => "行业一致".into(),
            Reason::IndustryConflicts => "行业不一致".into(),
            Reason::AddressSimilarity { value } => format!("地址相似 {}", pct(*value)),
            Reason::SharedPlaces { names } => format!("登记地址也有 {}", names.join("、")),
            Reason::AtPlaces {
                names,
                exact_address,
            } => match exact_address {
                true => "就在举报所写的地址".into(),
                false => format!("位于举报所写的地点（{}）", names.join("、")),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub enterprise_id: i64,
    pub credit_code: String,
    pub name: String,
    /// The district the registry places the firm in (its district field,
    /// else its address, else its name), as the gazetteer names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// The registry's industry key for the firm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Confidence, 0–1.
    pub score: f64,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    CreditCode,
    Name,
    Text,
    /// The registered address the tip gives.
    Address,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    /// The enterprise, when one candidate is above the threshold and clearly
    /// ahead of the next; `None` rather than a guess.
    pub best: Option<Candidate>,
    /// Up to `MatchConfig::max_candidates` (5), best first, for the dispatcher.
    pub candidates: Vec<Candidate>,
    pub method: MatchMethod,
}

/// Score weights and thresholds. The defaults were tuned on
/// tests/data/matching_variants.toml against a 100,000-firm registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreWeights {
    /// Below this confidence there is no best match.
    pub threshold: f64,
    /// The best must lead the next enterprise by this much.
    pub margin: f64,
    /// A firm of the same trade name and industry within this much of the
    /// best makes the match ambiguous unless place or full name decide.
    pub twin_window: f64,
    pub exact_full_name: f64,
    pub exact_name: f64,
    pub same_brand: f64,
    pub branch_mismatch: f64,
    pub same_district: f64,
    pub same_city: f64,
    pub place_conflict: f64,
    pub same_industry: f64,
    pub industry_conflict: f64,
    /// Multiplies the address bigram similarity (0–1).
    pub address: f64,
    /// Per registry place name (street, community, road) the tip also names, at most two.
    pub address_token: f64,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            threshold: 0.6,
            margin: 0.05,
            twin_window: 0.5,
            exact_full_name: 0.1,
            exact_name: 0.1,
            same_brand: 0.1,
            branch_mismatch: 0.45,
            same_district: 0.1,
            same_city: 0.04,
            place_conflict: 0.35,
            same_industry: 0.05,
            industry_conflict: 0.15,
            address: 0.1,
            address_token: 0.1,
        }
    }
}

/// Everything policy-like the matcher reads: vocabularies and weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchConfig {
    pub regions: Vec<RegionSpec>,
    pub industries: Vec<IndustrySpec>,
    pub org_forms: Vec<String>,
    pub branch_suffixes: Vec<String>,
    /// Business words that are not a name on their own (塑料, 五金); with
    /// the industry words they stop a place being stripped (光明塑料).
    pub generic_words: Vec<String>,
    pub weights: ScoreWeights,
    pub max_candidates: usize,
}

/// No places and no naming vocabulary: a pack supplies them
/// (`Pack::match_config`, from places.toml, industries.toml and naming.toml).
impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            regions: Vec::new(),
            industries: Vec::new(),
            org_forms: Vec::new(),
            branch_suffixes: Vec::new(),
            generic_words: Vec::new(),
            weights: ScoreWeights::default(),
            max_candidates: 5,
        }
    }
}

/// The default pack's vocabulary, for the matcher's own unit tests.
#[cfg(test)]
pub(crate) fn test_config() -> MatchConfig {
    crate::jurisdiction::embedded_pack(crate::jurisdiction::DEFAULT_PACK)
        .expect("the default pack loads")
        .match_config()
}

impl MatchConfig {
    pub fn normalizer(&self) -> Normalizer {
        let industries = gazetteer::IndustryTable::new(&self.industries);
        let generic: Vec<String> = industries
            .words()
            .map(str::to_string)
            .chain(self.generic_words.iter().cloned())
            .collect();
        Normalizer::new(
            gazetteer::RegionTable::new(&self.regions),
            &self.org_forms,
            &self.branch_suffixes,
            generic,
        )
    }
}
