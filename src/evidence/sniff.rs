//! The kind of a file from its first bytes (the `infer` crate's signatures),
//! never from its name or the declared content type.
use crate::domain::file_kind::{FileKind, FileRefusal};

pub fn kind(bytes: &[u8]) -> Result<FileKind, FileRefusal> {
    let Some(found) = infer::get(bytes) else {
        return Err(FileRefusal::UnsupportedType);
    };
    match found.mime_type() {
        "image/jpeg" => Ok(FileKind::Jpeg),
        "image/png" => Ok(FileKind::Png),
        "image/webp" => Ok(FileKind::Webp),
        "application/pdf" => Ok(FileKind::Pdf),
        "video/mp4" => Ok(FileKind::Mp4),
        "image/heif"
        | "image/heic"
        | "image/heif-sequence"
        | "image/heic-sequence"
        | "image/avif" => Err(FileRefusal::Heic),
        _ => Err(FileRefusal::UnsupportedType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kinds_by_content() {
        assert_eq!(kind(b"%PDF-1.7\n%..."), Ok(FileKind::Pdf));
        assert_eq!(
            kind(b"MZ\x90\x00\x03\x00\x00\x00"),
            Err(FileRefusal::UnsupportedType)
        );
        assert_eq!(
            kind(b"PK\x03\x04\x14\x00\x00\x00"),
            Err(FileRefusal::UnsupportedType)
        );
        assert_eq!(
            kind(b"\x7fELF\x02\x01\x01\x00"),
            Err(FileRefusal::UnsupportedType)
        );
        assert_eq!(kind(b"plain text"), Err(FileRefusal::UnsupportedType));
        let heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic";
        assert_eq!(kind(heic), Err(FileRefusal::Heic));
    }
}
