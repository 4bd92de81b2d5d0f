//! District inference from place names: district names, short names and the
//! pack's street list (沙井 → baoan).
use super::lexicon::Lexicon;
use crate::jurisdiction::Pack;

pub(crate) struct DistrictMatcher {
    words: Lexicon<usize>,
    keys: Vec<String>,
}

impl DistrictMatcher {
    pub fn new(pack: &Pack) -> Self {
        let words = Lexicon::new(pack.districts.iter().enumerate().flat_map(|(i, d)| {
            [d.name.as_str(), d.short_name.as_str()]
                .into_iter()
                .chain(d.streets.iter().map(String::as_str))
                .map(move |w| (w, i))
        }));
        let keys = pack.districts.iter().map(|d| d.key.clone()).collect();
        DistrictMatcher { words, keys }
    }

    /// The first place named in the folded text: (district key, word).
    pub fn find(&self, text: &str) -> Option<(String, String)> {
        let hit = self.words.find(text).next()?;
        Some((self.keys[hit.payloads[0]].clone(), hit.word.to_string()))
    }
}

/// The pack district an enterprise is registered in, and how that is known:
/// the registry's district (field or address, as the matcher placed it),
/// else the division code in its credit code (positions 3–8), when that
/// names a district rather than the city.
pub(crate) fn of_enterprise(
    pack: &Pack,
    firm: &crate::matching::Candidate,
) -> Option<(String, &'static str)> {
    if let Some(d) = firm.district.as_deref().and_then(|d| resolve(pack, d)) {
        return Some((d, "企业登记库的所在区"));
    }
    let division = firm.credit_code.get(2..8)?;
    pack.resolve_district(division)
        .map(|d| (d.key.clone(), "统一社会信用代码中的行政区划码"))
}

/// A district as the gazetteer names it (宝安区, 大鹏新区) in the pack.
fn resolve(pack: &Pack, name: &str) -> Option<String> {
    pack.resolve_district(name)
        .or_else(|| {
            pack.districts
                .iter()
                .find(|d| name.starts_with(d.short_name.as_str()) && !d.short_name.is_empty())
        })
        .map(|d| d.key.clone())
}
