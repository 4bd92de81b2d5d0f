//! argon2id password hashes (PHC strings). Hashing costs ~70 ms: callers
//! run it on a blocking thread.
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 12;

pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A new random password to be read once from a screen and typed: four
/// groups of four from 56 characters without look-alikes (no 0/O/o,
/// 1/l/I), about 93 bits, joined by hyphens (which are part of it).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::new();
    let mut buf = [0u8; 1];
    while out.len() < 19 {
        if out.len() % 5 == 4 {
            out.push('-');
            continue;
        }
        getrandom::fill(&mut buf).expect("the OS random generator");
        // 256 = 4 × 56 + 32: draws at or above 224 are redrawn, so every
        // character is equally likely.
        if usize::from(buf[0]) < ALPHABET.len() * (256 / ALPHABET.len()) {
            out.push(ALPHABET[usize::from(buf[0]) % ALPHABET.len()] as char);
        }
    }
    out
}

/// Spend the same time as a real check when the user does not exist, so
/// the answer's timing does not tell which usernames are taken.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not a real password, only for timing"));
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_are_argon2id() {
        let h = super::hash("correct horse battery staple");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery staple", &h));
        assert!(!super::verify("wrong", &h));
        assert!(!super::verify("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (super::generate(), super::generate());
        assert_eq!(a.chars().count(), 19);
        assert!(a.chars().count() >= super::MIN_LENGTH);
        assert_eq!(a.matches('-').count(), 3);
        assert_ne!(a, b);
    }
}
