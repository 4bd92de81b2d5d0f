//! A proof-of-work on the public form: the page carries a signed challenge,
//! `pow.js` finds a nonce whose SHA-256 with the challenge starts with
//! `bits` zero bits (about a second on a phone at 16–18 bits), and the
//! server checks it in microseconds. A form without a valid proof is still
//! accepted — JavaScript may be off — but under a lower per-client limit.
//!
//! The challenge is signed with a key derived from the master secret, so any
//! process of a deployment accepts it; spent challenges are remembered in
//! memory for their lifetime, so one proof buys one post per process.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::services::limiter::{SharedCounts, SpentProofs};

/// How long a rendered form's challenge stays valid.
pub const LIFETIME: Duration = Duration::from_secs(60 * 60);

pub struct Pow {
    bits: u8,
    key: [u8; 32],
    spent: SpentProofs,
}

/// What the form posts back.
pub struct Proof<'a> {
    pub challenge: &'a str,
    pub nonce: &'a str,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Leading zero bits of a digest.
fn zero_bits(digest: &[u8]) -> u32 {
    let mut n = 0;
    for b in digest {
        if *b == 0 {
            n += 8;
        } else {
            n += b.leading_zeros();
            break;
        }
    }
    n
}

/// Whether `nonce` solves `challenge` at `bits` (the client's work, checked).
pub fn solves(challenge: &str, nonce: &str, bits: u8) -> bool {
    let digest = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
    zero_bits(&digest) >= u32::from(bits)
}

impl Pow {
    /// `shared`: the deployment's spent proofs (PostgreSQL), so a proof
    /// is accepted once by all processes together.
    pub fn new(bits: u8, key: [u8; 32], shared: Option<Arc<SharedCounts>>) -> Pow {
        Pow {
            bits: bits.min(30),
            key,
            spent: SpentProofs::new(LIFETIME, shared),
        }
    }

    pub fn bits(&self) -> u8 {
        self.bits
    }

    fn mac(&self, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(body.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..12])
    }

    /// A fresh challenge for one rendered form: `time.random.mac`.
    pub fn challenge(&self) -> String {
        let mut r = [0u8; 12];
        getrandom::fill(&mut r).expect("the OS random generator failed");
        let body = format!("{}.{}", now_secs(), hex::encode(r));
        let mac = self.mac(&body);
        format!("{body}.{mac}")
    }

    /// True when the proof is ours, fresh, solved and not used before.
    /// A fresh challenge of ours, solved, and not used before.
    pub async fn verify(&self, proof: &Proof<'_>) -> bool {
        match self.solved(proof) {
            Some(body) => self.spent.spend(body).await,
            None => false,
        }
    }

    /// The challenge's body when it is ours, unexpired and solved.
    fn solved<'a>(&self, proof: &Proof<'a>) -> Option<&'a str> {
        let mut parts = proof.challenge.rsplitn(2, '.');
        let (Some(mac), Some(body)) = (parts.next(), parts.next()) else {
            return None;
        };
        let expected = self.mac(body);
        // Constant-time enough: compare digests of both.
        if Sha256::digest(mac.as_bytes()) != Sha256::digest(expected.as_bytes()) {
            return None;
        }
        let issued = body.split('.').next().and_then(|t| t.parse::<u64>().ok())?;
        if now_secs().saturating_sub(issued) > LIFETIME.as_secs() {
            return None;
        }
        if proof.nonce.len() > 20 || !solves(proof.challenge, proof.nonce, self.bits) {
            return None;
        }
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(challenge: &str, bits: u8) -> String {
        (0u64..)
            .map(|n| n.to_string())
            .find(|n| solves(challenge, n, bits))
            .unwrap()
    }

    #[actix_web::test]
    async fn a_solved_challenge_is_accepted_once() {
        let pow = Pow::new(8, [1; 32], None);
        let c = pow.challenge();
        let nonce = solve(&c, 8);
        assert!(
            pow.verify(&Proof {
                challenge: &c,
                nonce: &nonce
            })
            .await
        );
        assert!(
            !pow.verify(&Proof {
                challenge: &c,
                nonce: &nonce
            })
            .await,
            "replayed"
        );
        let other = Pow::new(8, [2; 32], None);
        let c2 = other.challenge();
        let n2 = solve(&c2, 8);
        assert!(
            !pow.verify(&Proof {
                challenge: &c2,
                nonce: &n2
            })
            .await,
            "foreign key"
        );
        let c3 = pow.challenge();
        let wrong = (0u64..)
            .map(|n| n.to_string())
            .find(|n| !solves(&c3, n, 8))
            .unwrap();
        assert!(
            !pow.verify(&Proof {
                challenge: &c3,
                nonce: &wrong
            })
            .await
        );
        assert!(
            !pow.verify(&Proof {
                challenge: "garbage",
                nonce: "1"
            })
            .await
        );
    }
}
