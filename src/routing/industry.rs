//! Industry inference from the industries' names, synonyms and equipment words.
use super::lexicon::Lexicon;
use crate::jurisdiction::Pack;

pub(crate) struct IndustryMatcher {
    words: Lexicon<(usize, u32)>,
    keys: Vec<String>,
}

/// The industry inferred, with the words that pointed to it.
pub(crate) struct Inferred {
    pub key: String,
    pub score: u32,
    pub words: Vec<String>,
}

impl IndustryMatcher {
    pub fn new(pack: &Pack) -> Self {
        let w = pack.routing.industry_weights;
        let words = Lexicon::new(pack.industries.iter().enumerate().flat_map(|(i, ind)| {
            std::iter::once((ind.name.as_str(), (i, w.name)))
                .chain(
                    ind.synonyms
                        .iter()
                        .map(move |s| (s.as_str(), (i, w.synonym))),
                )
                .chain(
                    ind.equipment
                        .iter()
                        .map(move |s| (s.as_str(), (i, w.equipment))),
                )
        }));
        let keys = pack.industries.iter().map(|i| i.key.clone()).collect();
        IndustryMatcher { words, keys }
    }

    /// The highest-scoring industry; ties go to the one mentioned first.
    pub fn infer(&self, text: &str) -> Option<Inferred> {
        // (score, first position, words) per industry index.
        let mut scores: Vec<(u32, usize, Vec<String>)> =
            vec![(0, usize::MAX, Vec::new()); self.keys.len()];
        for hit in self.words.find(text) {
            for &(i, weight) in hit.payloads {
                let s = &mut scores[i];
                s.0 += weight;
                s.1 = s.1.min(hit.start);
                if !s.2.iter().any(|w| w == hit.word) {
                    s.2.push(hit.word.to_string());
                }
            }
        }
        let (i, best) = scores
            .iter()
            .enumerate()
            .filter(|(_, s)| s.0 > 0)
            .max_by(|(_, a), (_, b)| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))?;
        Some(Inferred {
            key: self.keys[i].clone(),
            score: best.0,
            words: best.2.clone(),
        })
    }
}
