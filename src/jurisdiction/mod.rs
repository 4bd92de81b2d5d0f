//! Jurisdiction packs: the policy of one plan as data (see `seeds/`).
//!
//! A pack is a folder of TOML files. Loading is pure: it takes the files'
//! names and texts and returns a typed [`Pack`] or every problem found, each
//! with its file and line. The packs shipped in `seeds/` are embedded in the
//! binary; `tipline pack check DIR` loads one from disk.

mod check;
mod model;
mod source;

pub use model::*;
pub use source::{
    PackError, PackFile, check, embedded_files, embedded_pack, embedded_pack_names, load_dir,
    load_files,
};

/// The pack `tipline serve` uses when none is named.
pub const DEFAULT_PACK: &str = "shenzhen-2019";
