//! Reading a pack's files, embedded or from disk, and checking them.
use std::fmt;
use std::path::Path;

use super::model::*;
use include_dir::{Dir, include_dir};

static SEEDS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seeds");

/// One file of a pack: its name inside the pack folder and its text.
#[derive(Debug, Clone)]
pub struct PackFile {
    pub name: String,
    pub text: String,
}

/// A problem found while loading a pack, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Names of the packs compiled into the binary.
pub fn embedded_pack_names() -> Vec<String> {
    let mut names: Vec<String> = SEEDS
        .dirs()
        .filter(|d| d.get_file(d.path().join("pack.toml")).is_some())
        .map(|d| d.path().display().to_string())
        .collect();
    names.sort();
    names
}

/// Load a pack compiled into the binary by name (`shenzhen-2019`).
pub fn embedded_pack(name: &str) -> Result<Pack, Vec<PackError>> {
    let files = embedded_files(name).ok_or_else(|| {
        vec![PackError {
            file: name.to_string(),
            line: None,
            message: format!(
                "no such pack; known packs: {}",
                embedded_pack_names().join(", ")
            ),
        }]
    })?;
    load_files(files)
}

/// The TOML files of a pack compiled into the binary.
pub fn embedded_files(name: &str) -> Option<Vec<PackFile>> {
    let dir = SEEDS.get_dir(name)?;
    Some(
        dir.files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
            .map(|f| PackFile {
                name: f.path().file_name().unwrap().to_string_lossy().into_owned(),
                text: String::from_utf8_lossy(f.contents()).into_owned(),
            })
            .collect(),
    )
}

/// Load a pack from a folder on disk.
pub fn load_dir(dir: &Path) -> Result<Pack, Vec<PackError>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![PackError {
            file: dir.display().to_string(),
            line: None,
            message: e.to_string(),
        }]
    })?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push(PackFile { name, text }),
                Err(e) => {
                    return Err(vec![PackError {
                        file: name,
                        line: None,
                        message: e.to_string(),
                    }]);
                }
            }
        }
    }
    load_files(files)
}

/// Parse and check a pack from its files. Returns every problem found.
pub fn load_files(files: Vec<PackFile>) -> Result<Pack, Vec<PackError>> {
    super::check::load(&files)
}

/// Every problem of a pack, each with its file and line; empty when it loads.
pub fn check(files: Vec<PackFile>) -> Vec<PackError> {
    load_files(files).err().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_pack_loads() {
        let names = embedded_pack_names();
        for pack in [
            "shenzhen-2019",
            "guangdong-2019",
            "zhanjiang-2020",
            "wuhu-2020",
            "jiangmen-2021",
        ] {
            assert!(
                names.contains(&pack.to_string()),
                "{pack} missing from {names:?}"
            );
        }
        for name in names {
            embedded_pack(&name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }

    #[test]
    fn resolves_districts_by_key_name_and_code() {
        let pack = embedded_pack("shenzhen-2019").unwrap();
        assert_eq!(pack.resolve_district("baoan").unwrap().key, "baoan");
        assert_eq!(pack.resolve_district("宝安区").unwrap().key, "baoan");
        assert_eq!(pack.resolve_district("440306").unwrap().key, "baoan");
        assert_eq!(pack.resolve_district("大鹏新区").unwrap().key, "dapeng");
        assert!(pack.resolve_district("440300").is_none());
        assert_eq!(pack.resolve_industry("钢铁").unwrap().key, "steel");
    }
}
