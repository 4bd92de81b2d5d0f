//! Dimension classification: the pack's keywords and patterns, weighted.
use regex::Regex;

use super::lexicon::Lexicon;
use crate::jurisdiction::Pack;
use crate::text::fold;

pub(crate) struct Classifier {
    words: Lexicon<usize>,
    patterns: Vec<(Regex, usize)>,
    /// Per rule: dimension key, weight, rule id, folded `unless` words.
    rules: Vec<(String, u32, String, Vec<String>)>,
}

/// A rule that fired: the word or pattern text, the rule and its dimension.
pub(crate) struct Evidence {
    pub matched: String,
    pub rule_id: String,
    pub dimension: String,
    pub weight: u32,
}

impl Classifier {
    pub fn new(pack: &Pack) -> Self {
        let words = Lexicon::new(
            pack.classify
                .iter()
                .enumerate()
                .flat_map(|(i, r)| r.keywords.iter().map(move |k| (k.as_str(), i))),
        );
        let patterns = pack
            .classify
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.patterns
                    .iter()
                    .filter_map(move |p| Regex::new(p).ok().map(|re| (re, i)))
            })
            .collect();
        let rules = pack
            .classify
            .iter()
            .map(|r| {
                let unless = r.unless.iter().map(|w| fold(w)).collect();
                (r.dimension.clone(), r.weight, r.id.clone(), unless)
            })
            .collect();
        Classifier {
            words,
            patterns,
            rules,
        }
    }

    /// Every rule that fires on the folded text; a rule counts once per word.
    pub fn evidence(&self, text: &str) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = Vec::new();
        let mut push = |matched: &str, rule: usize| {
            let (dimension, weight, rule_id, unless) = &self.rules[rule];
            if unless.iter().any(|w| text.contains(w.as_str())) {
                return;
            }
            if !out
                .iter()
                .any(|e| e.matched == matched && e.rule_id == *rule_id)
            {
                out.push(Evidence {
                    matched: matched.to_string(),
                    rule_id: rule_id.clone(),
                    dimension: dimension.clone(),
                    weight: *weight,
                });
            }
        };
        for hit in self.words.find(text) {
            for &rule in hit.payloads {
                push(hit.word, rule);
            }
        }
        for (re, rule) in &self.patterns {
            if let Some(m) = re.find(text) {
                push(m.as_str(), *rule);
            }
        }
        out
    }
}
