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
