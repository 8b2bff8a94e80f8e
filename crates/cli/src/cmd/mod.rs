//! Subcommands.

pub mod analyze;
pub mod bench;
pub mod data;
pub mod model;
pub mod regularizer;
pub mod report;
pub mod sweep;
pub mod train;

/// A mistake in what the user asked for (exit status 2), as opposed to a failure while working.
#[derive(Debug)]
pub struct UserError(pub String);

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Wraps any displayable error as a user error.
pub fn user<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::Error::new(UserError(e.to_string()))
}
