//! The files that must stay private (the SQLite database and its WAL and
//! shared-memory files, the secret key, the evidence store): made with mode
//! 0600 in a 0700 directory whatever the umask, and checked at start.
//!
//! SQLite creates `-wal` and `-shm` with the permissions of the database
//! file itself, so making that file 0600 before SQLite opens it is what
//! keeps the other two private.
use std::io;
use std::path::{Path, PathBuf};

/// Owner-only from here on, for everything this process creates (exports,
/// files SQLite makes). The explicit modes below hold even without it.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Make `dir` (and its missing parents) with mode 0700 for the last part.
pub fn make_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Make an empty file with mode 0600 if none is there yet.
pub fn make_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        make_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// A file or directory that others than its owner may read or enter.
#[derive(Debug, PartialEq, Eq)]
pub struct Loose {
    pub path: PathBuf,
    pub mode: u32,
}

/// The paths among these whose group or other bits are set (missing paths
/// are skipped). Start-up warns about each.
pub fn loose(paths: &[PathBuf]) -> Vec<Loose> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        paths
            .iter()
            .filter_map(|p| {
                let mode = std::fs::metadata(p).ok()?.permissions().mode() & 0o777;
                (mode & 0o077 != 0).then(|| Loose {
                    path: p.clone(),
                    mode,
                })
            })
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = paths;
        Vec::new()
    }
}

/// The SQLite file and the two SQLite makes beside it.
pub fn sqlite_family(db: &Path) -> Vec<PathBuf> {
    let mut out = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        out.push(PathBuf::from(name));
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn made_private_and_looseness_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/data");
        let file = dir.join("x.db");
        make_file(&file).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert!(loose(&[dir.clone(), file.clone()]).is_empty());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            loose(&sqlite_family(&file)),
            vec![Loose {
                path: file,
                mode: 0o644
            }]
        );
    }
}
