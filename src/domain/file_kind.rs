//! The kinds of evidence file the service accepts, named by what their bytes
//! are, never by the name or type the browser declared.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Mp4,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Webp,
        FileKind::Pdf,
        FileKind::Mp4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpeg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Mp4 => "mp4",
        }
    }

    /// What a reporter calls it.
    pub fn label_zh(self) -> &'static str {
        match self {
            FileKind::Jpeg => "JPEG 图片",
            FileKind::Png => "PNG 图片",
            FileKind::Webp => "WebP 图片",
            FileKind::Pdf => "PDF 文件",
            FileKind::Mp4 => "MP4 视频",
        }
    }

    pub fn parse(s: &str) -> Option<FileKind> {
        FileKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Mp4 => "video/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Mp4 => "mp4",
        }
    }

    /// Images get a staff thumbnail.
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png | FileKind::Webp)
    }
}

/// Why a file is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    /// Not one of the accepted kinds (an executable, an archive …).
    #[error("file type not accepted")]
    UnsupportedType,
    /// HEIC/HEIF: no maintained pure-Rust crate can remove its metadata yet.
    #[error("HEIC/HEIF is not accepted")]
    Heic,
    /// Larger than the per-file limit.
    #[error("file too large")]
    TooLarge,
    /// The tip's files together exceed the per-tip limit.
    #[error("files too large together")]
    TipTooLarge,
    /// More files than one tip may carry.
    #[error("too many files")]
    TooMany,
    /// Would need more memory than its budget once decoded or inflated (a
    /// decompression bomb, or simply too many pixels).
    #[error("too large when decoded")]
    Bomb,
    /// A video with a GPS metadata track (GoPro `gpmd`, `camm`): its
    /// samples are the route, and cannot be blanked safely.
    #[error("video with a GPS track")]
    GpsTrack,
    /// An encrypted PDF: its metadata cannot be inspected, so not removed.
    #[error("encrypted PDF")]
    Encrypted,
    /// A PDF that could be read but not rebuilt safely (the reason).
    #[error("PDF cannot be cleaned: {0}")]
    Uncleanable(&'static str),
    /// Claims to be an accepted kind but cannot be read as one.
    #[error("file damaged")]
    Damaged,
}

impl FileRefusal {
    /// A file of an accepted kind whose content cannot be made safe (422).
    pub fn is_content(&self) -> bool {
        matches!(
            self,
            FileRefusal::GpsTrack | FileRefusal::Encrypted | FileRefusal::Uncleanable(_)
        )
    }

    /// 413 for sizes, 415 for kinds (the contract).
    pub fn is_size(&self) -> bool {
        matches!(
            self,
            FileRefusal::TooLarge
                | FileRefusal::TipTooLarge
                | FileRefusal::TooMany
                | FileRefusal::Bomb
        )
    }

    pub fn zh(&self) -> &'static str {
        match self {
            FileRefusal::UnsupportedType => {
                "不支持的文件类型：只接受 JPEG、PNG、WebP 图片，MP4 视频和 PDF 文件"
            }
            FileRefusal::Heic => {
                "暂不接受 HEIC/HEIF 照片（无法可靠清除其中的位置信息）：请在手机相机设置中选择“兼容性最佳”，或截图后上传 JPEG"
            }
            FileRefusal::TooLarge => "单个文件超过大小上限",
            FileRefusal::TipTooLarge => "附件总大小超过上限",
            FileRefusal::TooMany => "附件数量超过上限",
            FileRefusal::Bomb => "文件解码后过大（像素过多或压缩炸弹），无法处理",
            FileRefusal::GpsTrack => {
                "视频含有GPS定位轨迹，无法安全清除：请用手机相册的编辑功能另存一份，或录屏后再上传"
            }
            FileRefusal::Encrypted => "PDF 已加密，无法检查并清除其中的信息：请去除密码后再上传",
            FileRefusal::Uncleanable(_) => {
                "PDF 无法安全清理：请用“打印为 PDF”另存一份，或截图后再上传"
            }
            FileRefusal::Damaged => "文件已损坏，无法读取",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            FileRefusal::UnsupportedType => {
                "File type not accepted: only JPEG, PNG and WebP images, MP4 videos and PDF files"
            }
            FileRefusal::Heic => {
                "HEIC/HEIF photos are not accepted (their location data cannot be removed reliably): set the camera to \"Most Compatible\" or upload a JPEG"
            }
            FileRefusal::TooLarge => "A file is larger than the limit",
            FileRefusal::TipTooLarge => "The files together are larger than the limit",
            FileRefusal::TooMany => "Too many files",
            FileRefusal::Bomb => {
                "The file is too large once decoded (too many pixels, or a decompression bomb)"
            }
            FileRefusal::GpsTrack => {
                "The video carries a GPS track that cannot be removed safely: save a copy with the phone's editor, or record the screen, and upload that"
            }
            FileRefusal::Encrypted => {
                "The PDF is encrypted, so its metadata cannot be checked and removed: remove the password and upload again"
            }
            FileRefusal::Uncleanable(_) => {
                "The PDF cannot be cleaned safely: \"print\" it to a new PDF, or upload screenshots"
            }
            FileRefusal::Damaged => "The file is damaged and cannot be read",
        }
    }
}

/// The limits of one deployment (configurable; defaults from the issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_tip_bytes: u64,
    pub max_files: usize,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_file_bytes: 20 * 1024 * 1024,
            max_tip_bytes: 50 * 1024 * 1024,
            max_files: 5,
        }
    }
}

impl UploadLimits {
    /// Check one more file of `size` bytes against a tip that already has
    /// `count` files totalling `total` bytes.
    pub fn admit(&self, count: usize, total: u64, size: u64) -> Result<(), FileRefusal> {
        if count >= self.max_files {
            return Err(FileRefusal::TooMany);
        }
        if size > self.max_file_bytes {
            return Err(FileRefusal::TooLarge);
        }
        if total + size > self.max_tip_bytes {
            return Err(FileRefusal::TipTooLarge);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_within_limits_only() {
        let l = UploadLimits::default();
        assert!(l.admit(0, 0, 1).is_ok());
        assert_eq!(l.admit(5, 0, 1), Err(FileRefusal::TooMany));
        assert_eq!(l.admit(0, 0, 21 << 20), Err(FileRefusal::TooLarge));
        assert_eq!(
            l.admit(3, 40 << 20, 15 << 20),
            Err(FileRefusal::TipTooLarge)
        );
        assert!(FileRefusal::TooMany.is_size() && !FileRefusal::Heic.is_size());
        for k in FileKind::ALL {
            assert_eq!(FileKind::parse(k.as_str()), Some(k));
        }
    }
}
