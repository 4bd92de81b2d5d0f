//! Evidence files: what kind a file is (from its bytes), the metadata that
//! would betray the reporter removed, a thumbnail for staff, and encrypted
//! storage behind a small trait. Everything here but `store` and `gate` is
//! pure; every decoder runs within a [`gate::Budget`] fixed before it starts.

pub mod gate;
pub mod pdf;
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

/// Sniff, strip and thumbnail one upload within `budget`. CPU-bound: run it
/// on a blocking thread, in a slot of the [`gate::Gate`].
pub fn clean(bytes: &[u8], budget: &gate::Budget) -> Result<CleanFile, FileRefusal> {
    let kind = sniff::kind(bytes)?;
    // Refuse an image bomb from its header, before even copying it.
    if kind.is_image() && strip::decoded_size(bytes)? > budget.image_bytes {
        return Err(FileRefusal::Bomb);
    }
    let (clean, removed) = strip::strip(kind, bytes, budget)?;
    let thumbnail = if kind.is_image() {
        Some(strip::thumbnail(&clean, budget.image_bytes)?)
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
