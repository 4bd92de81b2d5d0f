//! Evidence files: what kind a file is (from its bytes), the metadata that
//! would betray the reporter removed, a thumbnail for staff, and encrypted
//! storage behind a small trait. Everything here but `store` is pure.

pub mod sniff;
pub mod store;
pub mod strip;

use crate::domain::file_kind::{FileKind, FileRefusal};

/// A file ready to store: clean bytes, and a thumbnail for images.
pub struct CleanFile {
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub thumbnail: Option<Vec<u8>>,
    /// What was removed, in words for staff (`exif, xmp`).
    pub removed: Vec<&'static str>,
}

/// Sniff, strip and thumbnail one upload. CPU-bound: run it on a blocking thread.
pub fn clean(bytes: &[u8]) -> Result<CleanFile, FileRefusal> {
    let kind = sniff::kind(bytes)?;
    let (clean, removed) = strip::strip(kind, bytes)?;
    let thumbnail = if kind.is_image() {
        Some(strip::thumbnail(&clean)?)
    } else {
        None
    };
    Ok(CleanFile {
        kind,
        bytes: clean,
        thumbnail,
        removed,
    })
}
