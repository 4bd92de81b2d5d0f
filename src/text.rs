//! Text folding shared by routing and matching: the forms a citizen types
//! (full-width digits, traditional characters, odd spacing) brought to one.
use unicode_normalization::UnicodeNormalization;

/// NFKC (full width → half width), traditional → simplified, ASCII lower case.
pub fn fold(input: &str) -> String {
    let nfkc: String = input.nfkc().collect();
    fast2s::convert(&nfkc).to_ascii_lowercase()
}

/// The first character nobody types into a field on purpose: NUL and the
/// other C0 and C1 control characters (newline, carriage return and tab
/// excepted), and the bidirectional overrides and isolates that make text
/// display as something other than what it says. PostgreSQL refuses NUL in
/// text outright, so letting one through would also fail on one backend only.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

/// The first `max` characters of a text on one line (runs of white space
/// made one space), with "…" when something was cut: a queue row's summary.
pub fn one_line(input: &str, max: usize) -> String {
    let words: Vec<&str> = input.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::{fold, forbidden_char, one_line};

    #[test]
    fn control_characters_are_named() {
        assert_eq!(forbidden_char("第一行\r\n第二行\t完"), None);
        assert_eq!(forbidden_char("a\0b"), Some('\0'));
        assert_eq!(forbidden_char("\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_char("\u{85}"), Some('\u{85}'));
        assert_eq!(forbidden_char("厂名\u{202E}gnp.exe"), Some('\u{202E}'));
        assert_eq!(forbidden_char("👩\u{200D}🔧"), None);
    }

    #[test]
    fn one_line_summaries_are_cut_by_characters() {
        assert_eq!(one_line("  工业园\n\n 三号厂房  ", 40), "工业园 三号厂房");
        assert_eq!(one_line("一二三四五六", 4), "一二三四…");
        assert_eq!(one_line("一二三四", 4), "一二三四");
    }

    #[test]
    fn folds_width_script_and_case() {
        assert_eq!(fold("中頻爐３００ＫＡ"), "中频炉300ka");
        assert_eq!(fold("宏達鋼鐵"), "宏达钢铁");
    }
}
