//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1,
//! 6 digits, 30-second steps): what every authenticator app speaks.
use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

/// RFC 4226 HOTP of `counter`.
pub fn hotp(secret: &[u8], counter: u64) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    bin % 10u32.pow(DIGITS)
}

/// The code for the Unix time `unix`.
pub fn code_at(secret: &[u8], unix: i64) -> u32 {
    hotp(secret, (unix.max(0) / STEP_SECONDS) as u64)
}

/// Whether `code` is valid at `unix`, allowing one step of clock drift
/// either way. Returns the step it matched, so a caller can refuse replays.
pub fn verify(secret: &[u8], code: &str, unix: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let step = unix.max(0) / STEP_SECONDS;
    // Compare every candidate, so timing does not tell which one matched.
    let mut found = None;
    for s in [step - 1, step, step + 1] {
        if s >= 0 && hotp(secret, s as u64) == wanted {
            found = Some(s);
        }
    }
    found
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The `otpauth://` URI an app reads from a QR code or a paste.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc4226_vectors() {
        let want = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (i, w) in want.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, i as u64), *w);
        }
    }

    #[test]
    fn rfc6238_sha1_vectors_as_six_digits() {
        // RFC 6238 appendix B gives 8 digits; the last 6 are the 6-digit code.
        for (t, eight) in [
            (59, 94287082u32),
            (1111111109, 7081804),
            (2000000000, 69279037),
        ] {
            assert_eq!(code_at(RFC_SECRET, t), eight % 1_000_000);
        }
    }

    #[test]
    fn verify_allows_one_step_of_drift() {
        let now = 1_700_000_000;
        let c = format!("{:06}", code_at(RFC_SECRET, now - 30));
        assert!(verify(RFC_SECRET, &c, now).is_some());
        let old = format!("{:06}", code_at(RFC_SECRET, now - 90));
        assert!(verify(RFC_SECRET, &old, now).is_none());
        assert!(verify(RFC_SECRET, "12345", now).is_none());
        assert!(verify(RFC_SECRET, "abcdef", now).is_none());
    }

    #[test]
    fn base32_rfc4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }
}
