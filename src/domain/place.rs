//! Comparing the places tips describe, for grouping tips that match no
//! enterprise: an address folded to a key, and a bigram Dice similarity.
use std::collections::HashSet;

/// The address as a comparable key: folded, without spaces or punctuation.
pub fn place_key(address: &str) -> Option<String> {
    let key: String = crate::text::fold(address)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    (key.chars().count() >= 4).then_some(key)
}

fn bigrams(s: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Character-bigram similarity, 0–1: the Dice coefficient, or the share of
/// the shorter address found in the longer one when that address is specific
/// enough (people drop the district or street: 福永凤凰第三工业区A栋 is
/// 宝安区福永街道凤凰第三工业区A栋).
pub fn similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let shared = x.intersection(&y).count() as f64;
    let dice = 2.0 * shared / (x.len() + y.len()) as f64;
    let shorter = x.len().min(y.len());
    let containment = if shorter >= 8 {
        shared / shorter as f64
    } else {
        0.0
    };
    dice.max(containment)
}

/// Two keyed dimension lists (`a,b`) share a dimension.
pub fn dimensions_overlap(stored: &str, new: &[String]) -> bool {
    stored
        .split(',')
        .any(|d| !d.is_empty() && new.iter().any(|n| n == d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_place_written_differently_is_similar() {
        let a = place_key("宝安区沙井街道 新桥工业区3栋").unwrap();
        let b = place_key("沙井街道新桥工业区３栋").unwrap();
        assert!(similarity(&a, &b) > 0.75, "{}", similarity(&a, &b));
        let c = place_key("龙岗区坪地街道高桥工业园").unwrap();
        assert!(similarity(&a, &c) < 0.3);
        assert!(place_key("宝安").is_none());
    }

    #[test]
    fn dimensions_overlap_by_key() {
        assert!(dimensions_overlap(
            "ditiaogang,environment",
            &["environment".into()]
        ));
        assert!(!dimensions_overlap("energy", &["ditiaogang".into()]));
        assert!(!dimensions_overlap("", &["energy".into()]));
    }
}
