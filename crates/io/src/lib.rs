//! How bytes reach the disk without ever leaving a half-written file.
//!
//! Every file geosparse writes goes through [`atomic_write`] (temp file in the same folder,
//! fsync, rename), and a set of files that belong together goes through [`AtomicDir`]
//! (everything is written into a hidden sibling folder that replaces the target in one rename).
//! `.npy` arrays are read and written with the `npyz` crate.
//!
//! ```
//! use geosparse_io::{atomic_write, npy};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("a.npy");
//! npy::write_f32(&path, &[2, 3], &[1., 2., 3., 4., 5., 6.]).unwrap();
//! let (shape, data) = npy::read_f32(&path).unwrap();
//! assert_eq!(shape, vec![2, 3]);
//! assert_eq!(data[5], 6.0);
//! atomic_write(&dir.path().join("note.txt"), b"hello").unwrap();
//! ```

mod atomic;
pub mod lock;
pub mod npy;

pub use atomic::{AtomicDir, DirState, atomic_write, dir_state};

/// Errors of file input and output, always naming the path.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
}

impl IoError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        IoError::Io { path: path.display().to_string(), source }
    }
    pub(crate) fn format(path: &std::path::Path, message: impl Into<String>) -> Self {
        IoError::Format { path: path.display().to_string(), message: message.into() }
    }
}
