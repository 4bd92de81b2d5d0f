//! The unified social credit code (统一社会信用代码, GB 32100-2015): 18
//! characters from a 31-character set, the GB 11714 organisation code in
//! positions 9–17 with its own check, and a check character at position 18.
//!
//! `CreditCode` always holds a code whose two checks pass. Real registries
//! hold codes that fail them; `CreditCode::parse_lenient` keeps those as a
//! `RegistryCode::CheckFailed`, so an import can store them with a warning
//! instead of dropping them.
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

pub const CREDIT_CODE_LEN: usize = 18;

/// GB 32100-2015 character set, valued 0–30: no I, O, S, V or Z.
pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights 3^(i−1) mod 31 for positions 1–17.
const WEIGHTS: [u32; 17] = {
    let mut w = [0u32; 17];
    let mut i = 0;
    let mut p = 1u32;
    while i < 17 {
        w[i] = p;
        p = p * 3 % 31;
        i += 1;
    }
    w
};

/// GB 11714 weights over the eight body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum CreditCodeError {
    #[error("the credit code is empty")]
    Empty,
    #[error("a credit code has 18 characters, this one has {len}")]
    WrongLength { len: usize },
    #[error(
        "character {position} ('{found}') is not allowed: only digits and capital letters without I, O, S, V or Z"
    )]
    InvalidChar { position: usize, found: char },
    #[error("the organisation code check (position 17) should be '{expected}', not '{found}'")]
    OrgCodeCheck { expected: char, found: char },
    #[error("the check character (position 18) should be '{expected}', not '{found}'")]
    CheckChar { expected: char, found: char },
}

impl CreditCodeError {
    /// The reason in Chinese; `Display` gives the English one.
    pub fn zh(&self) -> String {
        match self {
            CreditCodeError::Empty => "统一社会信用代码为空".to_string(),
            CreditCodeError::WrongLength { len } => {
                format!("统一社会信用代码应为18位，实际为{len}位")
            }
            CreditCodeError::InvalidChar { position, found } => format!(
                "第{position}位字符“{found}”无效：只能是数字或大写字母（不含I、O、S、V、Z）"
            ),
            CreditCodeError::OrgCodeCheck { expected, found } => {
                format!("组织机构代码校验码（第17位）应为“{expected}”，实际为“{found}”")
            }
            CreditCodeError::CheckChar { expected, found } => {
                format!("校验码（第18位）应为“{expected}”，实际为“{found}”")
            }
        }
    }

    pub fn en(&self) -> String {
        self.to_string()
    }

    /// Whether only a check character is wrong (the code is otherwise well
    /// formed): such codes exist in real registries and are imported flagged.
    pub fn is_check_failure(&self) -> bool {
        matches!(
            self,
            CreditCodeError::OrgCodeCheck { .. } | CreditCodeError::CheckChar { .. }
        )
    }
}

/// A well-formed credit code whose GB 11714 and GB 32100 checks both pass.
/// Stored upper case, exactly 18 ASCII characters.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode([u8; CREDIT_CODE_LEN]);

/// A code as a registry holds it: valid, or well formed with a failing check
/// (kept, flagged, with the reason for the import warning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RegistryCode {
    Valid {
        code: CreditCode,
    },
    CheckFailed {
        code: String,
        warning: CreditCodeError,
    },
}

impl RegistryCode {
    pub fn as_str(&self) -> &str {
        match self {
            RegistryCode::Valid { code } => code.as_str(),
            RegistryCode::CheckFailed { code, .. } => code,
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, RegistryCode::Valid { .. })
    }

    pub fn warning(&self) -> Option<&CreditCodeError> {
        match self {
            RegistryCode::Valid { .. } => None,
            RegistryCode::CheckFailed { warning, .. } => Some(warning),
        }
    }
}

fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|v| v as u32)
}

/// GB 11714 value: digits 0–9, letters A–Z = 10–35.
fn org_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        _ => u32::from(c - b'A') + 10,
    }
}

/// The GB 11714 check character for the eight body characters (positions 9–16).
fn org_check(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&c, w)| org_value(c) * w)
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    }
}

/// The GB 32100 check character over positions 1–17 (already in `CHARSET`).
fn code_check(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
        .sum();
    CHARSET[((31 - sum % 31) % 31) as usize]
}

/// Folds what people type (full width via NFKC, spaces anywhere, lower case)
/// and checks length and character set; the checks are left to the caller.
fn well_formed(input: &str) -> Result<[u8; CREDIT_CODE_LEN], CreditCodeError> {
    let folded: Vec<char> = input
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if folded.is_empty() {
        return Err(CreditCodeError::Empty);
    }
    if folded.len() != CREDIT_CODE_LEN {
        return Err(CreditCodeError::WrongLength { len: folded.len() });
    }
    let mut out = [0u8; CREDIT_CODE_LEN];
    for (i, &c) in folded.iter().enumerate() {
        if !c.is_ascii() || value_of(c as u8).is_none() {
            return Err(CreditCodeError::InvalidChar {
                position: i + 1,
                found: c,
            });
        }
        out[i] = c as u8;
    }
    Ok(out)
}

fn verify(code: &[u8; CREDIT_CODE_LEN]) -> Result<(), CreditCodeError> {
    let org = org_check(&code[8..16]);
    if org != code[16] {
        return Err(CreditCodeError::OrgCodeCheck {
            expected: org as char,
            found: code[16] as char,
        });
    }
    let check = code_check(&code[..17]);
    if check != code[17] {
        return Err(CreditCodeError::CheckChar {
            expected: check as char,
            found: code[17] as char,
        });
    }
    Ok(())
}

impl CreditCode {
    /// Strict parse for input at the edge (a tip's field, an API call).
    /// Leading, trailing and inner whitespace is dropped, full-width
    /// characters are folded and lower case is accepted and upper-cased:
    /// people copy codes from licences and phones, and the meaning is the same.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let code = well_formed(input)?;
        verify(&code)?;
        Ok(CreditCode(code))
    }

    /// Parse for registry import: a well-formed code whose check characters
    /// fail is returned as `RegistryCode::CheckFailed` rather than rejected.
    /// Wrong length or characters outside the set are still errors.
    pub fn parse_lenient(input: &str) -> Result<RegistryCode, CreditCodeError> {
        let code = well_formed(input)?;
        match verify(&code) {
            Ok(()) => Ok(RegistryCode::Valid {
                code: CreditCode(code),
            }),
            Err(warning) => Ok(RegistryCode::CheckFailed {
                code: String::from_utf8_lossy(&code).into_owned(),
                warning,
            }),
        }
    }

    /// A valid enterprise code (registered by market regulation, type 1)
    /// derived from `seed`, for synthetic registries and tests. Different
    /// seeds give different codes for all practical purposes.
    pub fn generate_valid(seed: u64) -> CreditCode {
        let mut s = seed ^ 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            // splitmix64: every seed gives a well-mixed stream.
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let mut code = [0u8; CREDIT_CODE_LEN];
        code[0] = b'9';
        code[1] = b'1';
        // A Guangdong or Anhui division code (44xxxx / 34xxxx).
        code[2] = b'4';
        code[3] = if next() % 4 == 0 { b'3' } else { b'4' };
        for c in &mut code[4..8] {
            *c = b'0' + (next() % 10) as u8;
        }
        for c in &mut code[8..16] {
            *c = CHARSET[(next() % 31) as usize];
        }
        code[16] = org_check(&code[8..16]);
        code[17] = code_check(&code[..17]);
        CreditCode(code)
    }

    pub fn as_str(&self) -> &str {
        // Only CHARSET bytes are ever stored.
        std::str::from_utf8(&self.0).expect("credit code is ASCII")
    }

    /// Position 1: the registering authority (9 = market regulation).
    pub fn authority(&self) -> char {
        self.0[0] as char
    }

    /// Position 2: the organisation type within the authority.
    pub fn organisation_type(&self) -> char {
        self.0[1] as char
    }

    /// Positions 3–8: the administrative division code (GB/T 2260).
    pub fn division(&self) -> &str {
        &self.as_str()[2..8]
    }

    /// Positions 9–17: the GB 11714 organisation code.
    pub fn organisation_code(&self) -> &str {
        &self.as_str()[8..17]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.as_str())
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.as_str().to_string()
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_valid_codes() {
        for s in ["914403001922038216", "91350100M000100Y43"] {
            let c = CreditCode::parse(s).unwrap();
            assert_eq!(c.as_str(), s);
        }
        let c = CreditCode::parse("914403001922038216").unwrap();
        assert_eq!(c.authority(), '9');
        assert_eq!(c.organisation_type(), '1');
        assert_eq!(c.division(), "440300");
        assert_eq!(c.organisation_code(), "192203821");
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            CreditCode::parse("914403001922038217"),
            Err(CreditCodeError::CheckChar {
                expected: '6',
                found: '7'
            })
        );
    }

    #[test]
    fn rejects_wrong_organisation_code_check() {
        // Position 17 changed from 1 to 2: the inner GB 11714 check fails first.
        let e = CreditCode::parse("914403001922038226").unwrap_err();
        assert_eq!(
            e,
            CreditCodeError::OrgCodeCheck {
                expected: '1',
                found: '2'
            }
        );
        assert!(e.is_check_failure());
    }

    #[test]
    fn rejects_every_excluded_character() {
        for bad in ['I', 'O', 'S', 'V', 'Z', 'i', 'o', 's', 'v', 'z'] {
            for pos in [0, 8, 16, 17] {
                let mut s: Vec<char> = "914403001922038216".chars().collect();
                s[pos] = bad;
                let s: String = s.into_iter().collect();
                let e = CreditCode::parse(&s).unwrap_err();
                assert_eq!(
                    e,
                    CreditCodeError::InvalidChar {
                        position: pos + 1,
                        found: bad.to_ascii_uppercase()
                    },
                    "{s}"
                );
                // Not even the lenient import path takes them.
                assert!(CreditCode::parse_lenient(&s).is_err());
            }
        }
    }

    #[test]
    fn lower_case_full_width_and_spaces_are_folded() {
        let c = CreditCode::parse("91350100m000100y43").unwrap();
        assert_eq!(c.as_str(), "91350100M000100Y43");
        let c = CreditCode::parse("  ９１４４０３００１９２２０３８２１６\n").unwrap();
        assert_eq!(c.as_str(), "914403001922038216");
        let c = CreditCode::parse("91440300 192203821 6").unwrap();
        assert_eq!(c.as_str(), "914403001922038216");
    }

    #[test]
    fn rejects_wrong_length_and_empty() {
        assert_eq!(CreditCode::parse("   "), Err(CreditCodeError::Empty));
        assert_eq!(
            CreditCode::parse("91440300192203821"),
            Err(CreditCodeError::WrongLength { len: 17 })
        );
        assert_eq!(
            CreditCode::parse("9144030019220382160"),
            Err(CreditCodeError::WrongLength { len: 19 })
        );
        assert!(matches!(
            CreditCode::parse("91440300192203821中"),
            Err(CreditCodeError::InvalidChar {
                position: 18,
                found: '中'
            })
        ));
    }

    #[test]
    fn lenient_keeps_failing_checks_with_a_warning() {
        let r = CreditCode::parse_lenient("914403001922038217").unwrap();
        assert!(!r.is_valid());
        assert_eq!(r.as_str(), "914403001922038217");
        assert!(r.warning().unwrap().is_check_failure());
        let r = CreditCode::parse_lenient("914403001922038216").unwrap();
        assert!(r.is_valid());
        assert!(CreditCode::parse_lenient("12345").is_err());
        // The flagged form survives a JSON round trip as stored data.
        let r = CreditCode::parse_lenient("914403001922038217").unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<RegistryCode>(&json).unwrap(), r);
    }

    #[test]
    fn errors_speak_both_languages() {
        let e = CreditCode::parse("9144").unwrap_err();
        assert!(e.zh().contains("18位"));
        assert!(e.en().contains("18 characters"));
    }

    #[test]
    fn serde_is_a_plain_string_and_parses_strictly() {
        let c = CreditCode::parse("914403001922038216").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"914403001922038216\"");
        assert_eq!(
            serde_json::from_str::<CreditCode>("\"914403001922038216\"").unwrap(),
            c
        );
        assert!(serde_json::from_str::<CreditCode>("\"914403001922038217\"").is_err());
    }

    #[test]
    fn generated_codes_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..10_000u64 {
            let c = CreditCode::generate_valid(seed);
            assert_eq!(CreditCode::parse(c.as_str()).as_ref(), Ok(&c));
            seen.insert(c);
        }
        assert_eq!(seen.len(), 10_000);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = CreditCode::parse(&s);
            let _ = CreditCode::parse_lenient(&s);
        }

        #[test]
        fn parse_never_panics_near_codes(s in "[0-9A-Za-z ]{16,20}") {
            if let Ok(c) = CreditCode::parse(&s) {
                prop_assert_eq!(c.as_str().len(), CREDIT_CODE_LEN);
            }
        }

        #[test]
        fn generated_codes_round_trip(seed in any::<u64>()) {
            let c = CreditCode::generate_valid(seed);
            let lower = c.as_str().to_ascii_lowercase();
            prop_assert_eq!(CreditCode::parse(&lower), Ok(c.clone()));
            prop_assert_eq!(c.as_str().parse::<CreditCode>(), Ok(c));
        }

        #[test]
        fn any_single_change_is_caught(seed in any::<u64>(), pos in 0usize..18, delta in 1usize..31) {
            let c = CreditCode::generate_valid(seed);
            let mut bytes = c.as_str().as_bytes().to_vec();
            let v = CHARSET.iter().position(|&x| x == bytes[pos]).unwrap();
            bytes[pos] = CHARSET[(v + delta) % 31];
            let s = String::from_utf8(bytes).unwrap();
            // Mod 31 with weights coprime to 31 catches every single substitution.
            prop_assert!(CreditCode::parse(&s).is_err());
        }
    }
}
