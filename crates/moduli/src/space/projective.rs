//! The real projective plane RP² of radius r: lines through the origin of R³, stored as unit
//! vectors with a non-negative last coordinate; d = r·acos|⟨a,b⟩| = r·min(θ, π − θ) (at most r·π/2).
//!
//! ```
//! use geosparse_moduli::space::{Space, Projective};
//! let p = Projective { radius: 1.0 };
//! assert!(p.distance(&[0., 0., 1.], &[0., 0., -1.]).abs() < 1e-12);  // a = −a
//! ```

use super::{Space, angle, normalize, sample_unit_vectors};
use crate::seed::GeoRng;

/// RP² with radius `radius`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projective {
    pub radius: f64,
}

fn upper(p: &mut [f32]) {
    if p[2] < 0.0 || (p[2] == 0.0 && p[1] < 0.0) || (p[2] == 0.0 && p[1] == 0.0 && p[0] < 0.0) {
        p.iter_mut().for_each(|x| *x = -*x);
    }
}

impl Space for Projective {
    fn coord_dim(&self) -> usize {
        3
    }
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32> {
        let mut v = sample_unit_vectors(n, 3, rng);
        v.chunks_mut(3).for_each(upper);
        v
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        {
        let t = angle(a, b);
        self.radius * t.min(std::f64::consts::PI - t)
    }
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        // d = r·min(θ, π − θ): past π/2 the nearer representative of b's line is −b
        let t = super::angle_grad(a, b, grad);
        let sign = if t <= std::f64::consts::FRAC_PI_2 { self.radius } else { -self.radius };
        grad.iter_mut().for_each(|g| *g *= sign);
        self.radius * t.min(std::f64::consts::PI - t)
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        normalize(p)?;
        upper(p);
        Ok(())
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        [p[0] as f64, p[1] as f64]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        ["x (upper hemisphere)", "y (upper hemisphere)"]
    }
    fn chart_bounds(&self) -> Option<[(f64, f64); 2]> {
        Some([(-1.0, 1.0), (-1.0, 1.0)])
    }
    fn diameter(&self) -> Option<f64> {
        Some(self.radius * std::f64::consts::FRAC_PI_2)
    }
}
