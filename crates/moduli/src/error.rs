//! Errors of the geometry layer: each names the field, what was given and what is allowed.

/// A geometry or regularizer specification that cannot be built.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ModuliError {
    #[error("{field}: {given} is not allowed; {allowed}")]
    Invalid { field: &'static str, given: String, allowed: String },
    #[error("{field} does not apply to {context}; {hint}")]
    NotApplicable { field: &'static str, context: String, hint: String },
    #[error("{0}")]
    File(String),
}

impl ModuliError {
    pub fn invalid(field: &'static str, given: impl ToString, allowed: impl Into<String>) -> Self {
        ModuliError::Invalid { field, given: given.to_string(), allowed: allowed.into() }
    }
}
