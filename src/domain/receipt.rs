//! The reporter's receipt (举报回执码): 20 decimal digits from the OS random
//! generator, about 66 bits, shown as four groups of five so it can be read
//! over the phone. It is never logged: `Debug` is redacted and there is no
//! `Display`.
use std::fmt;

use unicode_normalization::UnicodeNormalization;

pub const RECEIPT_DIGITS: usize = 20;

#[derive(Clone, PartialEq, Eq)]
pub struct Receipt([u8; RECEIPT_DIGITS]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("a receipt has 20 digits")]
    WrongLength,
    #[error("a receipt holds only digits")]
    NotDigits,
}

impl ReceiptError {
    pub fn zh(&self) -> &'static str {
        match self {
            ReceiptError::WrongLength => "回执码应为20位数字",
            ReceiptError::NotDigits => "回执码只能包含数字",
        }
    }
}

impl Receipt {
    /// A new receipt from the operating system's random generator.
    pub fn generate() -> Receipt {
        let mut digits = [0u8; RECEIPT_DIGITS];
        let mut filled = 0;
        let mut buf = [0u8; 32];
        while filled < RECEIPT_DIGITS {
            getrandom::fill(&mut buf).expect("the OS random generator failed");
            // Rejection sampling: 250 = 25 × 10 keeps every digit equally likely.
            for &b in buf.iter().filter(|&&b| b < 250) {
                if filled == RECEIPT_DIGITS {
                    break;
                }
                digits[filled] = b'0' + b % 10;
                filled += 1;
            }
        }
        Receipt(digits)
    }

    /// Accepts the receipt as people type it: with or without dashes or
    /// spaces, in full-width digits.
    pub fn parse(input: &str) -> Result<Receipt, ReceiptError> {
        let mut digits = [0u8; RECEIPT_DIGITS];
        let mut n = 0;
        for c in input.nfkc() {
            match c {
                '0'..='9' => {
                    if n == RECEIPT_DIGITS {
                        return Err(ReceiptError::WrongLength);
                    }
                    digits[n] = c as u8;
                    n += 1;
                }
                '-' | ' ' | '\t' => {}
                _ => return Err(ReceiptError::NotDigits),
            }
        }
        if n != RECEIPT_DIGITS {
            return Err(ReceiptError::WrongLength);
        }
        Ok(Receipt(digits))
    }

    /// The 20 digits, for hashing.
    pub fn digits(&self) -> &[u8] {
        &self.0
    }

    /// `12345-67890-12345-67890`, for showing to the reporter once.
    pub fn grouped(&self) -> String {
        self.0
            .chunks(5)
            .map(|c| std::str::from_utf8(c).expect("digits are ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_receipts_are_twenty_digits_and_differ() {
        let a = Receipt::generate();
        let b = Receipt::generate();
        assert_ne!(a, b);
        assert_eq!(a.grouped().len(), 23);
        assert!(a.digits().iter().all(u8::is_ascii_digit));
    }

    #[test]
    fn parses_what_people_type() {
        let r = Receipt::parse("12345-67890-12345-67890").unwrap();
        assert_eq!(r.grouped(), "12345-67890-12345-67890");
        assert_eq!(Receipt::parse("12345 67890 12345 67890").unwrap(), r);
        assert_eq!(
            Receipt::parse("１２３４５６７８９０１２３４５６７８９０").unwrap(),
            r
        );
        assert_eq!(Receipt::parse("1234"), Err(ReceiptError::WrongLength));
        assert_eq!(
            Receipt::parse("123456789012345678901"),
            Err(ReceiptError::WrongLength)
        );
        assert_eq!(
            Receipt::parse("12345-67890-12345-6789x"),
            Err(ReceiptError::NotDigits)
        );
    }

    #[test]
    fn debug_never_shows_digits() {
        let r = Receipt::parse("12345678901234567890").unwrap();
        assert!(!format!("{r:?}").contains("1234"));
    }
}
