//! Engine errors: every one names the tensor or file involved.

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("tensor '{tensor}': expected shape {expected:?}, found {found:?}")]
    Shape { tensor: String, expected: Vec<usize>, found: Vec<usize> },
    #[error("tensor '{tensor}' is missing from {file}")]
    Missing { tensor: String, file: String },
    #[error("tensor '{tensor}': expected dtype {expected}, found {found}")]
    Dtype { tensor: String, expected: String, found: String },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error(transparent)]
    Io(#[from] geosparse_io::IoError),
}
