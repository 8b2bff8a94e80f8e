//! What a user asks for ([`RegularizerSpec`], flat optional fields as in a config file or on the
//! command line) and what it resolves to ([`ResolvedSpec`], every constant explicit, saved with
//! every run). Resolution checks everything once, before any work.
//!
//! ```
//! use geosparse_moduli::spec::{RegularizerSpec, SpaceName, InhibitorName};
//! let spec = RegularizerSpec {
//!     space: Some(SpaceName::Klein),
//!     inhibitor: Some(InhibitorName::Dog),
//!     invert: true,
//!     ..Default::default()
//! };
//! let resolved = spec.resolve(Some(64), 7).unwrap();
//! assert_eq!(resolved.spec.neurons, 64);
//! let r = resolved.build().unwrap();
//! assert_eq!(r.matrix().len(), 64 * 64);
//! ```

mod geometry;
mod names;
mod user_file;

pub use names::{InhibitorName, SpaceName};

use crate::error::ModuliError;
use crate::inhibitor::Inhibitor;
use crate::space::{Euclidean, Grid, Klein, Projective, Space, Sphere, Torus};
use names::list;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;


/// A regularizer as a user writes it. Unset fields take the reference defaults.
///
/// `space` names the space (and metric). With `points`, the neurons' coordinates come from that
/// `.npy` file (N × k) and are measured with `space`'s metric; with `distances`, an N × N `.npy`
/// matrix replaces the geometry altogether (then `space` must be unset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegularizerSpec {
    pub space: Option<SpaceName>,
    /// Manifold dimension: sphere Sⁿ (2), torus Tᵏ (2), euclidean Rⁿ (3).
    pub dim: Option<usize>,
    /// Side of torus and Klein bottle (10).
    pub side: Option<f64>,
    /// Radius of circle (5), sphere (5; s3: 10), projective plane (5).
    pub radius: Option<f64>,
    /// Scale of euclidean Gaussian points (1).
    pub scale: Option<f64>,
    /// Points per axis of a grid, e.g. [5, 5, 4] (seRNN's); their product must be N.
    pub shape: Option<Vec<usize>>,
    /// User coordinates, N × k `.npy`.
    pub points: Option<PathBuf>,
    /// User distance matrix, N × N `.npy`.
    pub distances: Option<PathBuf>,
    pub inhibitor: Option<InhibitorName>,
    /// square 1, gauss 100, dog 100, ripple 50, identity 1, constant 1 (the constant's value).
    pub amplitude: Option<f64>,
    /// gauss 3, dog 5 (the wide Gaussian).
    pub width: Option<f64>,
    /// dog 0.25 (the narrow Gaussian: e^(−4d²)).
    pub width2: Option<f64>,
    /// ripple 50.
    pub offset: Option<f64>,
    /// ripple 2.
    pub frequency: Option<f64>,
    /// R ← max R − R (the reference always ran DoG inverted).
    pub invert: bool,
    /// Shuffle all N² entries of R with the seed (the paper's control).
    pub permute: bool,
    /// Allow `constant` + `invert` (R = 0: the reference's navigation "L1", bug B1).
    pub compat_l1_inverted: bool,
}

/// The resolved geometry, with every constant explicit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Geometry {
    Sphere { dim: usize, radius: f64 },
    Torus { dim: usize, side: f64 },
    Klein { side: f64 },
    Euclidean { dim: usize, scale: f64 },
    Projective { radius: f64 },
    Grid { shape: Vec<usize> },
    Distances { file: PathBuf },
}

impl Geometry {
    /// The metric space, unless the geometry is a user distance matrix.
    pub fn space(&self) -> Option<Arc<dyn Space>> {
        Some(match self {
            Geometry::Sphere { dim, radius } => Arc::new(Sphere { dim: *dim, radius: *radius }),
            Geometry::Torus { dim, side } => Arc::new(Torus { dim: *dim, side: *side }),
            Geometry::Klein { side } => Arc::new(Klein { side: *side }),
            Geometry::Euclidean { dim, scale } => Arc::new(Euclidean { dim: *dim, scale: *scale }),
            Geometry::Projective { radius } => Arc::new(Projective { radius: *radius }),
            Geometry::Grid { shape } => Arc::new(Grid { shape: shape.clone() }),
            Geometry::Distances { .. } => return None,
        })
    }
}

/// A regularizer with every choice explicit: what `regularizer.json` and run configs record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolvedSpec {
    /// The name asked for (`s3`, `circle`, ...), or `custom` for a distance matrix.
    pub space: String,
    pub geometry: Geometry,
    /// Coordinates file, when the points were supplied.
    pub points: Option<PathBuf>,
    pub inhibitor: Inhibitor,
    pub invert: bool,
    pub permute: bool,
    pub neurons: usize,
    pub seed: u64,
}

/// A resolved spec plus the user data it read (points or distances), ready to build.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub spec: ResolvedSpec,
    pub(crate) coords: Option<Vec<f32>>,
    pub(crate) distances: Option<Vec<f32>>,
}

fn positive(field: &'static str, v: f64) -> Result<f64, ModuliError> {
    if v.is_finite() && v > 0.0 { Ok(v) } else { Err(ModuliError::invalid(field, v, "must be a finite number > 0")) }
}

fn finite(field: &'static str, v: f64) -> Result<f64, ModuliError> {
    if v.is_finite() { Ok(v) } else { Err(ModuliError::invalid(field, v, "must be a finite number")) }
}

impl RegularizerSpec {
    /// A spec from space and inhibitor names (other fields default).
    pub fn new(space: SpaceName, inhibitor: InhibitorName) -> Self {
        RegularizerSpec { space: Some(space), inhibitor: Some(inhibitor), ..Default::default() }
    }

    fn reject(&self, field: &'static str, set: bool, context: &str, hint: &str) -> Result<(), ModuliError> {
        if set {
            Err(ModuliError::NotApplicable { field, context: context.to_string(), hint: hint.to_string() })
        } else {
            Ok(())
        }
    }

    /// Checks every field and fills in defaults. `neurons` may be omitted when a points or
    /// distances file gives N. Reads (only) the user's `.npy` file.
    pub fn resolve(&self, neurons: Option<usize>, seed: u64) -> Result<Resolved, ModuliError> {
        let (geometry, space_label) = self.resolve_geometry()?;
        let inhibitor = self.resolve_inhibitor()?;
        if inhibitor.is_constant() && self.invert && !self.compat_l1_inverted {
            return Err(ModuliError::invalid(
                "invert",
                "true with inhibitor 'constant'",
                "inverting a constant gives R = max R − R = 0, no penalty at all (the reference's \
                 navigation \"L1\", bug B1); drop invert for a true L1, or set compat_l1_inverted = true",
            ));
        }
        let (coords, distances, n_file) = match (&self.points, &self.distances) {
            (Some(file), _) => {
                let (n, c) = user_file::read_points(file, &geometry, &space_label)?;
                (Some(c), None, Some(n))
            }
            (None, Some(file)) => {
                let (n, d) = user_file::read_distances(file)?;
                (None, Some(d), Some(n))
            }
            (None, None) => (None, None, None),
        };
        let neurons = match (neurons, n_file) {
            (Some(n), Some(f)) if n != f => {
                let field = if self.points.is_some() { "points" } else { "distances" };
                return Err(ModuliError::invalid(field, format!("a file with {f} rows"), format!("neurons is {n}; the file needs one row per neuron")));
            }
            (Some(n), _) => n,
            (None, Some(f)) => f,
            (None, None) => return Err(ModuliError::invalid("neurons", "nothing", "give the number of neurons (>= 1)")),
        };
        if neurons == 0 {
            return Err(ModuliError::invalid("neurons", 0, "must be >= 1"));
        }
        if let Geometry::Grid { shape } = &geometry {
            let points: usize = shape.iter().product();
            if points != neurons {
                return Err(ModuliError::invalid("shape", format!("{shape:?} ({points} points)"), format!("a grid needs one point per neuron: the product of shape must be N = {neurons}")));
            }
        }
        Ok(Resolved {
            spec: ResolvedSpec {
                space: space_label,
                geometry,
                points: self.points.clone(),
                inhibitor,
                invert: self.invert,
                permute: self.permute,
                neurons,
                seed,
            },
            coords,
            distances,
        })
    }

    /// The same spec with every default that applies written out (what run configs save).
    pub fn with_defaults(&self) -> Result<RegularizerSpec, ModuliError> {
        let (g, _) = self.resolve_geometry()?;
        let mut s = self.clone();
        match g {
            Geometry::Sphere { dim, radius } => {
                if self.space == Some(SpaceName::Sphere) {
                    s.dim = Some(dim);
                }
                s.radius = Some(radius);
            }
            Geometry::Torus { dim, side } => {
                if self.space == Some(SpaceName::Torus) {
                    s.dim = Some(dim);
                }
                s.side = Some(side);
            }
            Geometry::Klein { side } => s.side = Some(side),
            Geometry::Euclidean { dim, scale } => {
                s.dim = Some(dim);
                s.scale = Some(scale);
            }
            Geometry::Projective { radius } => s.radius = Some(radius),
            Geometry::Grid { .. } | Geometry::Distances { .. } => {}
        }
        match self.resolve_inhibitor()? {
            Inhibitor::Square { amplitude } | Inhibitor::Identity { amplitude } => s.amplitude = Some(amplitude),
            Inhibitor::Constant { value } => s.amplitude = Some(value),
            Inhibitor::Gauss { amplitude, width } => (s.amplitude, s.width) = (Some(amplitude), Some(width)),
            Inhibitor::Dog { amplitude, width, width2 } => (s.amplitude, s.width, s.width2) = (Some(amplitude), Some(width), Some(width2)),
            Inhibitor::Ripple { offset, amplitude, frequency } => (s.offset, s.amplitude, s.frequency) = (Some(offset), Some(amplitude), Some(frequency)),
        }
        Ok(s)
    }

    fn resolve_inhibitor(&self) -> Result<Inhibitor, ModuliError> {
        let name = self.inhibitor.ok_or_else(|| {
            ModuliError::invalid("inhibitor", "nothing", format!("valid inhibitors: {}", list(&InhibitorName::ALL.map(|n| n.as_str()))))
        })?;
        let ctx = format!("inhibitor '{}'", name.as_str());
        let allowed: &[&str] = match name {
            InhibitorName::Square | InhibitorName::Identity | InhibitorName::Constant => &["amplitude"],
            InhibitorName::Gauss => &["amplitude", "width"],
            InhibitorName::Dog => &["amplitude", "width", "width2"],
            InhibitorName::Ripple => &["amplitude", "offset", "frequency"],
        };
        let given = [
            ("amplitude", self.amplitude.is_some()),
            ("width", self.width.is_some()),
            ("width2", self.width2.is_some()),
            ("offset", self.offset.is_some()),
            ("frequency", self.frequency.is_some()),
        ];
        for (field, set) in given {
            if set && !allowed.contains(&field) {
                return Err(ModuliError::NotApplicable {
                    field,
                    context: ctx.clone(),
                    hint: format!("its parameters are: {}", allowed.join(", ")),
                });
            }
        }
        let amp = |d: f64| finite("amplitude", self.amplitude.unwrap_or(d));
        Ok(match name {
            InhibitorName::Square => Inhibitor::Square { amplitude: amp(1.0)? },
            InhibitorName::Identity => Inhibitor::Identity { amplitude: amp(1.0)? },
            InhibitorName::Constant => Inhibitor::Constant { value: amp(1.0)? },
            InhibitorName::Gauss => Inhibitor::Gauss { amplitude: amp(100.0)?, width: positive("width", self.width.unwrap_or(3.0))? },
            InhibitorName::Dog => Inhibitor::Dog {
                amplitude: amp(100.0)?,
                width: positive("width", self.width.unwrap_or(5.0))?,
                width2: positive("width2", self.width2.unwrap_or(0.25))?,
            },
            InhibitorName::Ripple => Inhibitor::Ripple {
                offset: finite("offset", self.offset.unwrap_or(50.0))?,
                amplitude: amp(50.0)?,
                frequency: finite("frequency", self.frequency.unwrap_or(2.0))?,
            },
        })
    }
}
