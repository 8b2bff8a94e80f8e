//! The round sphere Sⁿ of radius r (the circle is S¹): unit vectors in Rⁿ⁺¹,
//! d = r·acos(clamp(⟨a,b⟩, −1, 1)) (computed stably, see `angle`).
//!
//! ```
//! use geosparse_moduli::space::{Space, Sphere};
//! let s = Sphere { dim: 2, radius: 5.0 };
//! let d = s.distance(&[0., 0., 1.], &[0., 0., -1.]);
//! assert!((d - 5.0 * std::f64::consts::PI).abs() < 1e-9);   // antipodes
//! ```

use super::{Space, angle, clamped_acos, normalize, sample_unit_vectors};
use crate::seed::GeoRng;

/// Sⁿ ⊂ Rⁿ⁺¹ with radius `radius`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sphere {
    pub dim: usize,
    pub radius: f64,
}

impl Space for Sphere {
    fn coord_dim(&self) -> usize {
        self.dim + 1
    }
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32> {
        sample_unit_vectors(n, self.dim + 1, rng)
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        self.radius * angle(a, b)
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        let t = super::angle_grad(a, b, grad);
        grad.iter_mut().for_each(|g| *g *= self.radius);
        self.radius * t
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        normalize(p)
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        let lon = (p[1] as f64).atan2(p[0] as f64);
        if self.dim == 1 {
            return [p[0] as f64, p[1] as f64];
        }
        let lat = clamped_acos(p[2] as f64).to_degrees();
        [lon.to_degrees(), 90.0 - lat]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        if self.dim == 1 { ["x", "y"] } else { ["longitude (deg)", "latitude (deg)"] }
    }
    fn chart_bounds(&self) -> Option<[(f64, f64); 2]> {
        // the circle's chart is its unit vectors; a sphere's is longitude × latitude (degrees)
        Some(if self.dim == 1 { [(-1.0, 1.0), (-1.0, 1.0)] } else { [(-180.0, 180.0), (-90.0, 90.0)] })
    }
    fn diameter(&self) -> Option<f64> {
        Some(self.radius * std::f64::consts::PI)
    }
}
