//! Encrypted file storage behind a small trait.
//!
//! `BlobStore` holds opaque sealed bytes under random names; `Vault` seals
//! and opens them with XChaCha20-Poly1305 under the file key derived from
//! the master secret (kept outside the database, see `secrets.rs`), with the
//! name as associated data so one sealed file cannot be swapped for another.
//! The local directory is the default; several processes need a shared
//! implementation (an object store speaking S3 behind the same trait).
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::secrets::Secrets;

pub trait BlobStore: Send + Sync {
    fn put(&self, name: &str, sealed: &[u8]) -> io::Result<()>;
    fn get(&self, name: &str) -> io::Result<Vec<u8>>;
    /// Deleting a name that is not there is not an error (retention may retry).
    fn delete(&self, name: &str) -> io::Result<()>;
}

/// Files in one directory, mode 0600, written to a temporary name and
/// renamed, so a crash never leaves half a file under a real name.
pub struct LocalDir {
    dir: PathBuf,
}

impl LocalDir {
    pub fn open(dir: &Path) -> io::Result<LocalDir> {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(LocalDir {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> io::Result<PathBuf> {
        // Names are ours (hex), but never let one leave the directory.
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad blob name"));
        }
        Ok(self.dir.join(name))
    }
}

impl BlobStore for LocalDir {
    fn put(&self, name: &str, sealed: &[u8]) -> io::Result<()> {
        let path = self.path(name)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        let written = file.write_all(sealed).and_then(|_| file.sync_all());
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &path)
    }

    fn get(&self, name: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(name)?)
    }

    fn delete(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(name)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("storage: {0}")]
    Io(#[from] io::Error),
    #[error("a stored file does not open with this key")]
    Open,
}

/// Sealing and opening evidence files.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn BlobStore>,
    secrets: Arc<Secrets>,
}

/// A new random stored name: 128 bits as hex, nothing from the upload.
pub fn random_name() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random generator failed");
    hex::encode(b)
}

impl Vault {
    pub fn new(store: Arc<dyn BlobStore>, secrets: Arc<Secrets>) -> Vault {
        Vault { store, secrets }
    }

    /// Seal and store `plain`; returns its new random name.
    pub fn put(&self, plain: &[u8]) -> Result<String, VaultError> {
        let name = random_name();
        let sealed = self.secrets.seal_file(&name, plain);
        self.store.put(&name, &sealed)?;
        Ok(name)
    }

    pub fn get(&self, name: &str) -> Result<Vec<u8>, VaultError> {
        let sealed = self.store.get(name)?;
        self.secrets
            .open_file(name, &sealed)
            .map_err(|_| VaultError::Open)
    }

    /// The sealed bytes as stored (for tests and integrity checks).
    pub fn raw(&self, name: &str) -> Result<Vec<u8>, VaultError> {
        Ok(self.store.get(name)?)
    }

    pub fn delete(&self, name: &str) -> Result<(), VaultError> {
        Ok(self.store.delete(name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_under_a_random_name_and_refuses_a_swap() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalDir::open(dir.path()).unwrap());
        let vault = Vault::new(store, Arc::new(Secrets::from_master(&[3; 32])));
        let a = vault.put(b"GPS 22.54N furnace photo").unwrap();
        let b = vault.put(b"another").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        let raw = vault.raw(&a).unwrap();
        assert!(!raw.windows(3).any(|w| w == b"GPS"));
        assert_eq!(vault.get(&a).unwrap(), b"GPS 22.54N furnace photo");
        // The same sealed bytes under another name do not open.
        std::fs::write(dir.path().join(&b), &raw).unwrap();
        assert!(vault.get(&b).is_err());
        vault.delete(&a).unwrap();
        vault.delete(&a).unwrap();
        assert!(vault.get(&a).is_err());
        assert!(vault.get("../secret.key").is_err());
    }
}
