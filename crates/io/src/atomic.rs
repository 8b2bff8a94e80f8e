//! Atomic file and directory writes.
//!
//! ```
//! use geosparse_io::{AtomicDir, dir_state, DirState};
//! let root = tempfile::tempdir().unwrap();
//! let target = root.path().join("out");
//! let mut dir = AtomicDir::begin(&target).unwrap();
//! std::fs::write(dir.path().join("x.txt"), b"1").unwrap();
//! dir.commit(false).unwrap();
//! assert_eq!(dir_state(&target).unwrap(), DirState::NonEmpty);
//! ```

use crate::IoError;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{}-{}", std::process::id(), n, nanos)
}

fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", unique_suffix()))
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, fsync, rename.
/// A reader sees either the old file or the complete new one, never a partial write.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let tmp = sibling(path, "tmp");
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| IoError::io(path, e))
}

/// What an output directory holds right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirState {
    Missing,
    Empty,
    NonEmpty,
    NotADirectory,
}

/// Looks at `path` without changing it.
pub fn dir_state(path: &Path) -> Result<DirState, IoError> {
    match fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DirState::Missing),
        Err(e) => Err(IoError::io(path, e)),
        Ok(m) if !m.is_dir() => Ok(DirState::NotADirectory),
        Ok(_) => {
            // a left-over lock file (see `lock`) is not content
            let mut it = fs::read_dir(path).map_err(|e| IoError::io(path, e))?.filter(|e| e.as_ref().map_or(true, |e| e.file_name() != crate::lock::LOCK_FILE));
            Ok(if it.next().is_some() { DirState::NonEmpty } else { DirState::Empty })
        }
    }
}

/// A directory that appears complete or not at all.
///
/// Files are written into a hidden staging folder beside the target; [`AtomicDir::commit`]
/// renames it into place (moving an old target aside first when `replace` is set, and deleting
/// it only after the new one is in place). Dropping without commit removes the staging folder.
pub struct AtomicDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl AtomicDir {
    /// Creates the staging folder (and the target's parents).
    pub fn begin(target: &Path) -> Result<Self, IoError> {
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(|e| IoError::io(parent, e))?;
        }
        let staging = sibling(target, "staging");
        fs::create_dir(&staging).map_err(|e| IoError::io(&staging, e))?;
        Ok(AtomicDir { target: target.to_path_buf(), staging, committed: false })
    }

    /// The folder to write the files into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Moves the staged folder into place. With `replace`, an existing target is swapped out;
    /// without it, a non-empty target is an error and nothing is touched.
    pub fn commit(&mut self, replace: bool) -> Result<(), IoError> {
        let state = dir_state(&self.target)?;
        let old = match state {
            DirState::Missing => None,
            DirState::Empty => {
                fs::remove_dir(&self.target).map_err(|e| IoError::io(&self.target, e))?;
                None
            }
            DirState::NotADirectory => {
                return Err(IoError::format(&self.target, "exists and is not a directory"));
            }
            DirState::NonEmpty if !replace => {
                return Err(IoError::format(&self.target, "already holds files"));
            }
            DirState::NonEmpty => {
                let old = sibling(&self.target, "old");
                fs::rename(&self.target, &old).map_err(|e| IoError::io(&self.target, e))?;
                Some(old)
            }
        };
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if let Some(old) = &old {
                let _ = fs::rename(old, &self.target);
            }
            return Err(IoError::io(&self.target, e));
        }
        self.committed = true;
        if let Some(old) = old {
            let _ = fs::remove_dir_all(old);
        }
        Ok(())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.txt");
        atomic_write(&p, b"first version").unwrap();
        atomic_write(&p, b"2").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"2");
        let names: Vec<_> = fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "temp files left behind: {names:?}");
    }

    #[test]
    fn atomic_dir_refuses_non_empty_target_and_keeps_it() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.txt"), b"old").unwrap();
        let mut a = AtomicDir::begin(&target).unwrap();
        fs::write(a.path().join("new.txt"), b"new").unwrap();
        assert!(a.commit(false).is_err());
        drop(a);
        assert_eq!(fs::read(target.join("keep.txt")).unwrap(), b"old");
        assert!(!target.join("new.txt").exists());
        // staging folder is gone
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_dir_replace_swaps_whole_folder() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("stale.txt"), b"old").unwrap();
        let mut a = AtomicDir::begin(&target).unwrap();
        fs::write(a.path().join("new.txt"), b"new").unwrap();
        a.commit(true).unwrap();
        assert!(!target.join("stale.txt").exists());
        assert_eq!(fs::read(target.join("new.txt")).unwrap(), b"new");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
