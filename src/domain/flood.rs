//! Near-identical tips: how alike two descriptions are, and when a burst of
//! them about one enterprise looks like a flood. Pure; the window and the
//! thresholds come from the jurisdiction pack.
use std::collections::HashSet;

/// Character bigrams of folded text, ignoring whitespace and punctuation, so
/// that "复制粘贴" floods with a changed comma or an extra space still match.
fn bigrams(folded: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of the two texts' bigram sets, 0.0–1.0.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    let common = x.intersection(&y).count();
    common as f64 / (x.len() + y.len() - common) as f64
}

/// How many of `recent` (the burst so far, this tip included) are
/// near-identical to `text`; the burst is a flood when that reaches `min_tips`.
pub fn near_identical(text: &str, recent: &[&str], threshold: f64) -> usize {
    recent
        .iter()
        .filter(|r| similarity(text, r) >= threshold)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_with_small_edits_are_near_identical() {
        let a = "宝安区沙井街道某厂晚上偷偷用中频炉炼钢，烟囱冒黑烟。";
        let b = "宝安区沙井街道某厂晚上偷偷用中频炉炼钢 烟囱冒黑烟!!";
        let c = "福田区一家印染厂白天直排污水，河水发红。";
        assert!(similarity(a, b) > 0.9, "{}", similarity(a, b));
        assert!(similarity(a, c) < 0.2, "{}", similarity(a, c));
        assert_eq!(similarity(a, a), 1.0);
        assert_eq!(near_identical(a, &[a, b, c], 0.8), 2);
    }
}
