//! The one error type of the crate: every public function checks its input and refuses bad
//! input with one of these variants instead of panicking.
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, AnalysisError};
//!
//! let err = Cloud::new(vec![0.0, f64::NAN], 1, 2).unwrap_err();
//! assert!(matches!(err, AnalysisError::NonFinite { .. }));
//! assert!(err.to_string().contains("non-finite"));
//! ```

use thiserror::Error;

/// Why an analysis refused its input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnalysisError {
    /// A NaN or ±∞ where only finite numbers make sense.
    #[error("{what}: non-finite value {value} at flat index {index}")]
    NonFinite {
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// The data does not have the shape it claims or the function needs.
    #[error("{what}: expected {expected}, got {got}")]
    Shape {
        what: &'static str,
        expected: String,
        got: String,
    },
    /// Too few points, bins or nodes for the statistic to mean anything.
    #[error("{what}: need at least {need}, got {got}")]
    TooFew {
        what: &'static str,
        need: usize,
        got: usize,
    },
    /// Bigger than the bound this function accepts (time or memory); the hint says what to do.
    #[error("{what}: {got} exceeds the limit {limit}; {hint}")]
    TooLarge {
        what: &'static str,
        got: usize,
        limit: usize,
        hint: &'static str,
    },
    /// A parameter outside its valid range.
    #[error("parameter {name}: {reason}")]
    Parameter { name: &'static str, reason: String },
}

/// The first non-finite value of `data`, as an error naming `what`.
pub(crate) fn check_finite(what: &'static str, data: &[f64]) -> Result<(), AnalysisError> {
    match data.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(AnalysisError::NonFinite {
            what,
            index,
            value: data[index],
        }),
        None => Ok(()),
    }
}

/// `data.len() == expected`, else a shape error naming `what` and the claimed shape.
pub(crate) fn check_len(
    what: &'static str,
    data: &[f64],
    expected: usize,
    shape: &str,
) -> Result<(), AnalysisError> {
    if data.len() == expected {
        Ok(())
    } else {
        Err(AnalysisError::Shape {
            what,
            expected: format!("{expected} values ({shape})"),
            got: format!("{} values", data.len()),
        })
    }
}

/// A parameter error with a formatted reason.
pub(crate) fn param(name: &'static str, reason: impl Into<String>) -> AnalysisError {
    AnalysisError::Parameter {
        name,
        reason: reason.into(),
    }
}
