//! Dimension classification: the pack's keywords and patterns, weighted.
use regex::Regex;

use super::lexicon::Lexicon;
use crate::jurisdiction::Pack;
use crate::text::fold;

pub(crate) struct Classifier {
    words: Lexicon<usize>,
    patterns: Vec<(Regex, usize)>,
    rules: Vec<Rule>,
}

struct Rule {
    dimension: String,
    weight: u32,
    id: String,
    /// Folded `unless` words.
    unless: Vec<String>,
    displaces: Vec<String>,
}

/// A rule that fired: the word or pattern text, the rule and its dimension.
pub(crate) struct Evidence {
    pub matched: String,
    pub rule_id: String,
    pub dimension: String,
    pub weight: u32,
    /// Dimensions the rule keeps from firing.
    pub displaces: Vec<String>,
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
            .map(|r| Rule {
                dimension: r.dimension.clone(),
                weight: r.weight,
                id: r.id.clone(),
                unless: r.unless.iter().map(|w| fold(w)).collect(),
                displaces: r.displaces.clone(),
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
            let r = &self.rules[rule];
            if r.unless.iter().any(|w| text.contains(w.as_str())) {
                return;
            }
            if !out
                .iter()
                .any(|e| e.matched == matched && e.rule_id == r.id)
            {
                out.push(Evidence {
                    matched: matched.to_string(),
                    rule_id: r.id.clone(),
                    dimension: r.dimension.clone(),
                    weight: r.weight,
                    displaces: r.displaces.clone(),
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
