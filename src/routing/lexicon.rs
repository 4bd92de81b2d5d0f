//! A word list compiled once into an Aho–Corasick automaton, each word
//! carrying what it points to. Leftmost-longest, so 简易高炉 wins over 高炉
//! and 沙头角 over 沙头.
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::text::fold;

pub(crate) struct Lexicon<T> {
    ac: Option<AhoCorasick>,
    words: Vec<String>,
    payloads: Vec<Vec<T>>,
}

/// One occurrence of a word in the text.
pub(crate) struct Hit<'a, T> {
    pub start: usize,
    pub end: usize,
    pub word: &'a str,
    pub payloads: &'a [T],
}

impl<T: Clone + PartialEq> Lexicon<T> {
    /// Words are folded like the text they will be matched against.
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = (S, T)>) -> Self {
        let mut words: Vec<String> = Vec::new();
        let mut payloads: Vec<Vec<T>> = Vec::new();
        for (word, payload) in entries {
            let w = fold(word.as_ref().trim());
            if w.is_empty() {
                continue;
            }
            match words.iter().position(|x| *x == w) {
                Some(i) => {
                    if !payloads[i].contains(&payload) {
                        payloads[i].push(payload);
                    }
                }
                None => {
                    words.push(w);
                    payloads.push(vec![payload]);
                }
            }
        }
        let ac = (!words.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&words)
                .expect("word list automaton")
        });
        Lexicon {
            ac,
            words,
            payloads,
        }
    }

    pub fn find<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Hit<'a, T>> + 'a {
        self.ac.iter().flat_map(move |ac| {
            ac.find_iter(text).map(move |m| Hit {
                start: m.start(),
                end: m.end(),
                word: &self.words[m.pattern().as_usize()],
                payloads: &self.payloads[m.pattern().as_usize()],
            })
        })
    }
}
