//! Resolving a spec's space: which fields apply to which space, their defaults, and the
//! [`Geometry`] they give (a distances file replaces the geometry altogether).
//!
//! ```
//! use geosparse_moduli::spec::{Geometry, InhibitorName, RegularizerSpec, SpaceName};
//! let r = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog).resolve(Some(4), 0).unwrap();
//! assert_eq!(r.spec.geometry, Geometry::Torus { dim: 2, side: 10.0 });
//! ```

use super::names::list;
use super::{Geometry, RegularizerSpec, SpaceName, positive};
use crate::error::ModuliError;

/// Refuses a field that does not apply to the space (the field, whether it is set, a hint).
type Reject<'a> = dyn Fn(&'static str, bool, &str) -> Result<(), ModuliError> + 'a;

impl RegularizerSpec {
    /// The geometry the spec names, every default filled in, and the name asked for.
    pub(super) fn resolve_geometry(&self) -> Result<(Geometry, String), ModuliError> {
        if let Some(file) = &self.distances {
            self.reject("space", self.space.is_some(), "a distances file", "the file replaces the geometry: drop space")?;
            self.reject("points", self.points.is_some(), "a distances file", "give points or distances, not both")?;
            for (f, set) in [("dim", self.dim.is_some()), ("side", self.side.is_some()), ("radius", self.radius.is_some()), ("scale", self.scale.is_some()), ("shape", self.shape.is_some())] {
                self.reject(f, set, "a distances file", "the file replaces the geometry")?;
            }
            return Ok((Geometry::Distances { file: file.clone() }, "custom".into()));
        }
        let name = self.space.ok_or_else(|| {
            ModuliError::invalid("space", "nothing", format!("valid spaces: {}", list(&SpaceName::ALL.map(|n| n.as_str()))))
        })?;
        let label = name.as_str();
        let ctx = format!("space '{label}'");
        let no = |f: &'static str, set: bool, hint: &str| self.reject(f, set, &ctx, hint);
        if name != SpaceName::Grid {
            no("shape", self.shape.is_some(), "shape applies to grid")?;
        }
        let g = match name {
            SpaceName::Grid => self.grid(&no)?,
            SpaceName::Circle | SpaceName::Sphere | SpaceName::S3 | SpaceName::Projective => self.round(name, &no)?,
            SpaceName::Torus | SpaceName::Torus6 | SpaceName::Klein => self.flat(name, &no)?,
            SpaceName::Euclidean => self.euclidean(&no)?,
        };
        Ok((g, label.to_string()))
    }

    /// A lattice: points per axis (`shape`), unit spacing.
    fn grid(&self, no: &Reject) -> Result<Geometry, ModuliError> {
        for (f, set) in [("dim", self.dim.is_some()), ("side", self.side.is_some()), ("radius", self.radius.is_some()), ("scale", self.scale.is_some())] {
            no(f, set, "a grid is given by its shape (points per axis, unit spacing)")?;
        }
        no("points", self.points.is_some(), "a grid's points are its lattice")?;
        match &self.shape {
            Some(shape) if !shape.is_empty() && shape.iter().all(|&s| s >= 1) => Ok(Geometry::Grid { shape: shape.clone() }),
            other => Err(ModuliError::invalid("shape", other.as_ref().map_or("nothing".to_string(), |v| format!("{v:?}")), "a grid needs its points per axis, each >= 1, e.g. shape = [5, 5, 4] (product = N)")),
        }
    }

    /// The round spaces: circle, sphere Sⁿ, S³ and the projective plane (a radius).
    fn round(&self, name: SpaceName, no: &Reject) -> Result<Geometry, ModuliError> {
        no("side", self.side.is_some(), "side applies to torus, torus6 and klein")?;
        no("scale", self.scale.is_some(), "scale applies to euclidean")?;
        let default_r = if name == SpaceName::S3 { 10.0 } else { 5.0 };
        let radius = positive("radius", self.radius.unwrap_or(default_r))?;
        match name {
            SpaceName::Sphere => {
                let dim = self.dim.unwrap_or(2);
                if dim == 0 {
                    return Err(ModuliError::invalid("dim", 0, "a sphere Sⁿ needs n >= 1"));
                }
                Ok(Geometry::Sphere { dim, radius })
            }
            _ => {
                no("dim", self.dim.is_some(), "the dimension is fixed (circle 1, s3 3, projective 2); use sphere with dim")?;
                Ok(match name {
                    SpaceName::Circle => Geometry::Sphere { dim: 1, radius },
                    SpaceName::S3 => Geometry::Sphere { dim: 3, radius },
                    _ => Geometry::Projective { radius },
                })
            }
        }
    }

    /// The flat, periodic spaces: torus Tᵏ, T⁶ and the Klein bottle (a side).
    fn flat(&self, name: SpaceName, no: &Reject) -> Result<Geometry, ModuliError> {
        no("radius", self.radius.is_some(), "radius applies to circle, sphere, s3 and projective")?;
        no("scale", self.scale.is_some(), "scale applies to euclidean")?;
        let side = positive("side", self.side.unwrap_or(10.0))?;
        match name {
            SpaceName::Torus => {
                let dim = self.dim.unwrap_or(2);
                if dim == 0 {
                    return Err(ModuliError::invalid("dim", 0, "a torus Tᵏ needs k >= 1"));
                }
                Ok(Geometry::Torus { dim, side })
            }
            _ => {
                no("dim", self.dim.is_some(), "the dimension is fixed (torus6 6, klein 2); use torus with dim")?;
                Ok(if name == SpaceName::Klein { Geometry::Klein { side } } else { Geometry::Torus { dim: 6, side } })
            }
        }
    }

    /// Rⁿ with Gaussian points of a scale.
    fn euclidean(&self, no: &Reject) -> Result<Geometry, ModuliError> {
        no("radius", self.radius.is_some(), "radius applies to circle, sphere, s3 and projective")?;
        no("side", self.side.is_some(), "side applies to torus, torus6 and klein")?;
        let dim = self.dim.unwrap_or(3);
        if dim == 0 {
            return Err(ModuliError::invalid("dim", 0, "Rⁿ needs n >= 1"));
        }
        Ok(Geometry::Euclidean { dim, scale: positive("scale", self.scale.unwrap_or(1.0))? })
    }
}
