//! Relay keys: what a relay sends as `Authorization: Bearer <key>`, and the
//! secret its call-backs are signed with.
//!
//! A key is `tlr_` and 64 hex digits (256 bits from the OS generator). The
//! database keeps only its SHA-256: a key that long cannot be guessed from
//! its hash, so no slow hash or server secret is needed to look it up.
//!
//! Call-backs are signed with a secret *derived* from the key,
//! `HMAC-SHA256(key = <the key's ASCII text>, "tipline-callback-v1")`, which
//! the relay can compute from the key it holds. The server keeps that
//! derived secret sealed under its master secret, so the key itself is never
//! stored, and a stolen database opens neither the API nor the signatures.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

pub const PREFIX: &str = "tlr_";
const SIGNING_LABEL: &[u8] = b"tipline-callback-v1";

/// A fresh key, shown once.
pub fn generate() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    format!("{PREFIX}{}", hex::encode(b))
}

/// True when `s` looks like a key; anything else is refused before a query.
pub fn well_formed(s: &str) -> bool {
    s.len() == PREFIX.len() + 64
        && s.starts_with(PREFIX)
        && s[PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// What the database stores to find a relay by its key.
pub fn hash(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The first characters, to tell keys apart in listings without revealing them.
pub fn display_prefix(key: &str) -> String {
    key.chars().take(PREFIX.len() + 6).collect()
}

/// The call-back signing secret of a key (see the module comment).
pub fn signing_secret(key: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(SIGNING_LABEL);
    mac.finalize().into_bytes().into()
}

/// `sha256=<hex>` of `HMAC-SHA256(secret, "<timestamp>.<body>")`: the value
/// of `X-Tipline-Signature`. The timestamp (`X-Tipline-Timestamp`, Unix
/// seconds) is signed too, so a receiver can refuse old replays.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Check a signature in constant time (what a relay does; used by tests).
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// The key from an `Authorization: Bearer …` header value.
pub fn from_bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|k| well_formed(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_well_formed_and_distinct() {
        let a = generate();
        let b = generate();
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed("tlr_xyz"));
        assert_eq!(from_bearer(&format!("Bearer {a}")), Some(a.as_str()));
        assert_eq!(from_bearer(&format!("bearer  {a} ")), Some(a.as_str()));
        assert_eq!(from_bearer("Basic abc"), None);
    }

    #[test]
    fn signatures_verify_and_bind_the_timestamp() {
        let secret = signing_secret(&generate());
        let sig = sign(&secret, 1_700_000_000, b"{\"a\":1}");
        assert!(verify(&secret, 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify(&secret, 1_700_000_001, b"{\"a\":1}", &sig));
        assert!(!verify(&secret, 1_700_000_000, b"{\"a\":2}", &sig));
        assert!(!verify(
            &signing_secret("other"),
            1_700_000_000,
            b"{\"a\":1}",
            &sig
        ));
    }
}
