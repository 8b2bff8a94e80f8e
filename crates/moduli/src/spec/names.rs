//! The names a user writes for spaces and inhibitors, parsed with a clear error.
//!
//! ```
//! use geosparse_moduli::spec::{InhibitorName, SpaceName};
//! assert_eq!(SpaceName::parse("klein").unwrap(), SpaceName::Klein);
//! assert_eq!(InhibitorName::parse("dog").unwrap().as_str(), "dog");
//! assert!(SpaceName::parse("donut").unwrap_err().to_string().contains("valid spaces"));
//! ```

use crate::error::ModuliError;
use serde::{Deserialize, Serialize};

/// Names of the built-in spaces (`s3` = S³ of radius 10, `torus6` = T⁶, as in the reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpaceName {
    Circle,
    Sphere,
    S3,
    Torus,
    Torus6,
    Klein,
    Euclidean,
    Projective,
    Grid,
}

impl SpaceName {
    pub const ALL: [SpaceName; 9] = [
        SpaceName::Circle, SpaceName::Sphere, SpaceName::S3, SpaceName::Torus,
        SpaceName::Torus6, SpaceName::Klein, SpaceName::Euclidean, SpaceName::Projective,
        SpaceName::Grid,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceName::Circle => "circle",
            SpaceName::Sphere => "sphere",
            SpaceName::S3 => "s3",
            SpaceName::Torus => "torus",
            SpaceName::Torus6 => "torus6",
            SpaceName::Klein => "klein",
            SpaceName::Euclidean => "euclidean",
            SpaceName::Projective => "projective",
            SpaceName::Grid => "grid",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ModuliError> {
        Self::ALL.into_iter().find(|n| n.as_str() == s).ok_or_else(|| {
            ModuliError::invalid("space", format!("'{s}'"), format!("valid spaces: {}", list(&Self::ALL.map(|n| n.as_str()))))
        })
    }
}

/// Names of the inhibitor functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InhibitorName {
    Square,
    Gauss,
    Dog,
    Ripple,
    Identity,
    Constant,
}

impl InhibitorName {
    pub const ALL: [InhibitorName; 6] = [
        InhibitorName::Square, InhibitorName::Gauss, InhibitorName::Dog,
        InhibitorName::Ripple, InhibitorName::Identity, InhibitorName::Constant,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InhibitorName::Square => "square",
            InhibitorName::Gauss => "gauss",
            InhibitorName::Dog => "dog",
            InhibitorName::Ripple => "ripple",
            InhibitorName::Identity => "identity",
            InhibitorName::Constant => "constant",
        }
    }
    pub fn parse(s: &str) -> Result<Self, ModuliError> {
        Self::ALL.into_iter().find(|n| n.as_str() == s).ok_or_else(|| {
            ModuliError::invalid("inhibitor", format!("'{s}'"), format!("valid inhibitors: {}", list(&Self::ALL.map(|n| n.as_str()))))
        })
    }
}

pub(crate) fn list(names: &[&str]) -> String {
    names.join(", ")
}
