//! What a staff member typed into the search box, checked; and the excerpt
//! of a matching tip shown in the queue row. Pure: the database side is
//! `db::search`.

use serde::Serialize;

/// Longest query accepted, in characters: long enough for a sentence a
/// caller used, short enough that no query makes an expensive pattern.
pub const MAX_CHARS: usize = 100;
/// At most this many words; every one must occur (AND).
pub const MAX_TERMS: usize = 5;

/// A checked query: one to [`MAX_TERMS`] words, each a literal substring
/// (no operators: `"`, `*`, `NEAR`, `)` are characters like any other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    terms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    TooLong,
    TooManyTerms,
    ControlCharacter,
}

impl QueryError {
    pub fn zh(self) -> &'static str {
        match self {
            QueryError::TooLong => "搜索词过长（最多 100 个字）",
            QueryError::TooManyTerms => "搜索词过多（最多 5 个，以空格分开）",
            QueryError::ControlCharacter => "搜索词含有控制字符",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            QueryError::TooLong => "the search is too long (100 characters at most)",
            QueryError::TooManyTerms => "too many search words (5 at most, separated by spaces)",
            QueryError::ControlCharacter => "the search contains a control character",
        }
    }
}

impl SearchText {
    /// `Ok(None)` for an empty or blank query (no search). Words are split
    /// on whitespace, the ideographic space (U+3000) included.
    pub fn parse(raw: &str) -> Result<Option<SearchText>, QueryError> {
        if raw.chars().count() > MAX_CHARS {
            return Err(QueryError::TooLong);
        }
        // The indexed document joins its fields with newlines; a query
        // without control characters cannot match across two fields.
        if raw.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err(QueryError::ControlCharacter);
        }
        let terms: Vec<String> = raw.split_whitespace().map(str::to_string).collect();
        if terms.len() > MAX_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        Ok((!terms.is_empty()).then_some(SearchText { terms }))
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

/// A short piece of a tip's indexed text around the first match: plain
/// text in three parts, so a template escapes each and marks only `hit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excerpt {
    pub before: String,
    pub hit: String,
    pub after: String,
}

/// Characters of context either side of the match.
const CONTEXT: usize = 24;

/// Characters compared without case (what FTS5's trigram tokenizer and
/// PostgreSQL's ILIKE do for the scripts that have case).
fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// The excerpt of `doc` (fields joined by newlines) around the first place
/// any term occurs, within the field it occurs in; the start of the first
/// field when no term is found (a match the database folded differently).
pub fn excerpt(doc: &str, text: &SearchText) -> Excerpt {
    for field in doc.split('\n') {
        let chars: Vec<char> = field.chars().collect();
        let folded: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
        for term in text.terms() {
            let t: Vec<char> = term.chars().map(fold).collect();
            if t.is_empty() || t.len() > folded.len() {
                continue;
            }
            if let Some(at) = folded.windows(t.len()).position(|w| w == t.as_slice()) {
                let end = at + t.len();
                let from = at.saturating_sub(CONTEXT);
                let to = (end + CONTEXT).min(chars.len());
                let mut before: String = chars[from..at].iter().collect();
                if from > 0 {
                    before.insert(0, '…');
                }
                let mut after: String = chars[end..to].iter().collect();
                if to < chars.len() {
                    after.push('…');
                }
                return Excerpt {
                    before,
                    hit: chars[at..end].iter().collect(),
                    after,
                };
            }
        }
    }
    let first = doc.split('\n').next().unwrap_or("");
    let mut before: String = first.chars().take(2 * CONTEXT).collect();
    if first.chars().count() > 2 * CONTEXT {
        before.push('…');
    }
    Excerpt {
        before,
        hit: String::new(),
        after: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> SearchText {
        SearchText::parse(s).unwrap().unwrap()
    }

    #[test]
    fn queries_are_checked_and_split() {
        assert_eq!(SearchText::parse("  "), Ok(None));
        assert_eq!(q("中频炉　沙井 ").terms(), ["中频炉", "沙井"]);
        assert_eq!(q("\"a*\" NEAR(").terms(), ["\"a*\"", "NEAR("]);
        assert_eq!(
            SearchText::parse(&"钢".repeat(10_000)),
            Err(QueryError::TooLong)
        );
        assert_eq!(
            SearchText::parse("a\u{0}b"),
            Err(QueryError::ControlCharacter)
        );
        assert_eq!(
            SearchText::parse("a b c d e f"),
            Err(QueryError::TooManyTerms)
        );
    }

    #[test]
    fn the_excerpt_marks_the_match_in_its_field() {
        let doc = "夜里用中频炉炼钢，烟囱冒黑烟\n沙井街道\n宏达钢铁\n\nGD-2026-001\n\n\n";
        let e = excerpt(doc, &q("gd-2026"));
        assert_eq!((e.before.as_str(), e.hit.as_str()), ("", "GD-2026"));
        assert_eq!(e.after, "-001");
        let e = excerpt(doc, &q("中频炉"));
        assert_eq!(e.before, "夜里用");
        assert_eq!(e.after, "炼钢，烟囱冒黑烟");
        let long = format!("{}中频炉{}", "甲".repeat(40), "乙".repeat(40));
        let e = excerpt(&long, &q("中频炉"));
        assert!(e.before.starts_with('…') && e.after.ends_with('…'));
        assert_eq!(e.before.chars().count(), CONTEXT + 1);
        let e = excerpt(doc, &q("不在"));
        assert_eq!(e.hit, "");
    }
}
