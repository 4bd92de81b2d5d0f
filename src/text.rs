//! Text folding shared by routing and matching: the forms a citizen types
//! (full-width digits, traditional characters, odd spacing) brought to one.
use unicode_normalization::UnicodeNormalization;

/// NFKC (full width → half width), traditional → simplified, ASCII lower case.
pub fn fold(input: &str) -> String {
    let nfkc: String = input.nfkc().collect();
    fast2s::convert(&nfkc).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_width_script_and_case() {
        assert_eq!(fold("中頻爐３００ＫＡ"), "中频炉300ka");
        assert_eq!(fold("宏達鋼鐵"), "宏达钢铁");
    }
}
