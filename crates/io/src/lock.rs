//! One writer per folder: an advisory lock on `DIR/.lock` held for as long as the writer runs.
//!
//! A run folder or a sweep folder is locked before anything in it is written; a second
//! process that tries to write the same folder is refused at once instead of interleaving its
//! files with the first one's. The lock is the operating system's (`flock`), so it disappears
//! with the process that held it, even after `kill -9`: a stale `.lock` file is harmless.
//!
//! ```
//! use geosparse_io::lock::{LOCK_FILE, lock_dir};
//! let dir = tempfile::tempdir().unwrap();
//! let held = lock_dir(dir.path()).unwrap();
//! assert!(dir.path().join(LOCK_FILE).exists());
//! assert!(lock_dir(dir.path()).is_err()); // a second writer is refused
//! drop(held);
//! assert!(lock_dir(dir.path()).is_ok());
//! ```

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name inside a locked folder.
pub const LOCK_FILE: &str = ".lock";

/// A held folder lock; dropping it releases the folder.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    dir: PathBuf,
}

impl DirLock {
    /// The locked folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{dir}: another geosparse process is writing this folder (it holds {dir}/{LOCK_FILE}); wait for it to finish or stop it")]
    Busy { dir: String },
    #[error("{dir}/{LOCK_FILE}: {source}")]
    Io { dir: String, source: std::io::Error },
}

/// Takes the lock of `dir` (which must exist) without waiting.
pub fn lock_dir(dir: &Path) -> Result<DirLock, LockError> {
    let shown = dir.display().to_string();
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|source| LockError::Io { dir: shown.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(DirLock { _file: file, dir: dir.to_path_buf() }),
        Err(TryLockError::WouldBlock) => Err(LockError::Busy { dir: shown }),
        Err(TryLockError::Error(source)) => Err(LockError::Io { dir: shown, source }),
    }
}
