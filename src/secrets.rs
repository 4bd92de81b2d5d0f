//! Keys kept outside the database: the receipt HMAC key and the contact
//! sealing key, both derived from one 32-byte master secret that lives in a
//! file of the data directory (mode 0600, made on first start) or comes from
//! configuration, so every process of one deployment shares it.
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::receipt::Receipt;

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 24;
const CONTACT_AAD: &[u8] = b"tipline contact v1";
const FILE_AAD: &[u8] = b"tipline file v1:";

#[derive(Clone)]
pub struct Secrets {
    receipt_key: [u8; 32],
    contact: XChaCha20Poly1305,
    /// Evidence files (see `evidence::store`): a key of its own, so the
    /// contact key never encrypts attacker-chosen megabytes.
    file: XChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the secret must be 64 hexadecimal characters (32 bytes)")]
    Malformed,
    #[error("sealed data cannot be opened with this key")]
    Open,
}

/// Whether a secret someone sent equals the one expected, in time that
/// does not depend on where they differ (both are hashed first, so the
/// lengths do not leak either).
pub fn same_secret(sent: &[u8], expected: &[u8]) -> bool {
    use sha2::Digest;
    let a = Sha256::digest(sent);
    let b = Sha256::digest(expected);
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("any key length works");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Secrets {
    pub fn from_master(master: &[u8; 32]) -> Secrets {
        let contact_key = derive(master, b"tipline contact key v1");
        Secrets {
            receipt_key: derive(master, b"tipline receipt key v1"),
            contact: XChaCha20Poly1305::new((&contact_key).into()),
            file: XChaCha20Poly1305::new((&derive(master, b"tipline file key v1")).into()),
        }
    }

    pub fn from_hex(hex_text: &str) -> Result<Secrets, SecretError> {
        let bytes = hex::decode(hex_text.trim()).map_err(|_| SecretError::Malformed)?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| SecretError::Malformed)?;
        Ok(Secrets::from_master(&master))
    }

    /// Read the secret file, or make one with mode 0600 if there is none.
    pub fn load_or_create(path: &Path) -> Result<Secrets, SecretError> {
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Secrets::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    crate::private_files::make_dir(dir).map_err(io)?;
                }
                let mut master = [0u8; 32];
                getrandom::fill(&mut master).expect("the OS random generator failed");
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        file.write_all(hex::encode(master).as_bytes()).map_err(io)?;
                        file.sync_all().map_err(io)?;
                        Ok(Secrets::from_master(&master))
                    }
                    // Another process made it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Secrets::from_hex(&std::fs::read_to_string(path).map_err(io)?)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A fingerprint of the master secret (a keyed hash of a fixed label
    /// under a key derived from it), so processes can tell whether they
    /// share it without the secret ever leaving them.
    pub fn fingerprint(&self) -> String {
        hex::encode(self.keyed_hash(b"deployment fingerprint", b"tipline v1"))
    }

    /// HMAC-SHA256 of the receipt's digits: what the database stores.
    pub fn receipt_hash(&self, receipt: &Receipt) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.receipt_key).expect("32-byte key");
        mac.update(receipt.digits());
        mac.finalize().into_bytes().to_vec()
    }

    /// A keyed hash of `data` under `label`, for comparing confidential values
    /// (a relay's caller contact) without storing them or a guessable hash.
    pub fn keyed_hash(&self, label: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.receipt_key).expect("32-byte key");
        mac.update(label);
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// nonce ‖ XChaCha20-Poly1305 ciphertext.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random generator failed");
        let sealed = self
            .contact
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: CONTACT_AAD,
                },
            )
            .expect("encryption of a short text cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = self
            .contact
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: CONTACT_AAD,
                },
            )
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain).map_err(|_| SecretError::Open)
    }
}

impl Secrets {
    /// The key that signs proof-of-work challenges (shared by every process).
    pub fn pow_key(&self) -> [u8; 32] {
        derive(&self.receipt_key, b"tipline pow key v1")
    }

    /// nonce ‖ ciphertext of an evidence file, bound to its stored `name`.
    pub fn seal_file(&self, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random generator failed");
        let aad = [FILE_AAD, name.as_bytes()].concat();
        let sealed = self
            .file
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("encryption cannot fail below 256 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open_file(&self, name: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let aad = [FILE_AAD, name.as_bytes()].concat();
        self.file
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| SecretError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_detects_tampering() {
        let s = Secrets::from_master(&[7; 32]);
        let sealed = s.seal("微信 wx123");
        assert!(!sealed.windows(5).any(|w| w == b"wx123"));
        assert_eq!(s.open(&sealed).unwrap(), "微信 wx123");
        let mut bad = sealed.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(s.open(&bad).is_err());
        assert!(Secrets::from_master(&[8; 32]).open(&sealed).is_err());
    }

    #[test]
    fn secret_file_is_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let a = Secrets::load_or_create(&path).unwrap();
        let b = Secrets::load_or_create(&path).unwrap();
        let r = Receipt::generate();
        assert_eq!(a.receipt_hash(&r), b.receipt_hash(&r));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
