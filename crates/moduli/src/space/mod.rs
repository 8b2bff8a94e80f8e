//! Moduli spaces: where the hidden neurons live.
//!
//! Each space is a small type implementing [`Space`]: draw points uniformly for the space's own
//! measure from a seeded generator, and measure the geodesic distance between two of them.
//! Points are rows of `coord_dim()` f32 coordinates.
//!
//! ```
//! use geosparse_moduli::space::{Space, Torus};
//! let t = Torus { dim: 2, side: 10.0 };
//! let d = t.distance(&[0.5, 0.5], &[9.5, 9.5]);
//! assert!((d - 2f64.sqrt()).abs() < 1e-6);   // wraps around both ways
//! ```

mod euclidean;
mod grid;
mod klein;
mod projective;
mod sphere;
mod torus;

pub use euclidean::Euclidean;
pub use grid::Grid;
pub use klein::Klein;
pub use projective::Projective;
pub use sphere::Sphere;
pub use torus::Torus;

use crate::seed::GeoRng;

/// A metric space neurons can be placed on.
pub trait Space: Send + Sync + std::fmt::Debug {
    /// Coordinates stored per point.
    fn coord_dim(&self) -> usize;
    /// Draws `n` points uniformly for the space's measure; `(n, coord_dim)` row-major.
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32>;
    /// Geodesic distance between two points given by their coordinates.
    fn distance(&self, a: &[f32], b: &[f32]) -> f64;
    /// d(a, b) and its gradient in a, written to `grad` (`coord_dim` entries): the coordinate
    /// gradient on flat spaces (torus and Klein bottle through the nearest image), the
    /// Riemannian one on spheres (tangent at a; a step is followed by [`Space::canonicalize`],
    /// the retraction). 0 where d is not differentiable (a = b; antipodes).
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64;
    /// d(a, b) with both gradients: ∇_a d into `ga`, ∇_b d into `gb` (one pair of a pass over
    /// unordered pairs). Two [`Space::distance_grad`] calls by default; the flat metrics whose
    /// gradient is exactly antisymmetric (torus, Rⁿ, grid) override it with one.
    fn distance_grad_pair(&self, a: &[f32], b: &[f32], ga: &mut [f64], gb: &mut [f64]) -> f64 {
        let d = self.distance_grad(a, b, ga);
        self.distance_grad(b, a, gb);
        d
    }
    /// Brings user-supplied coordinates onto the space (wrap into the fundamental domain,
    /// normalise onto the sphere). Errors name the offending row.
    fn canonicalize(&self, point: &mut [f32]) -> Result<(), String>;
    /// Two numbers for a flat picture of a point.
    fn chart(&self, p: &[f32]) -> [f64; 2];
    /// Names of the two chart axes.
    fn chart_axes(&self) -> [&'static str; 2];
    /// The whole chart, [(x0, x1), (y0, y1)], when the space is bounded (pictures of a space
    /// show all of it, not just where the points happen to fall).
    fn chart_bounds(&self) -> Option<[(f64, f64); 2]> {
        None
    }
    /// Largest possible distance, when the space is bounded.
    fn diameter(&self) -> Option<f64>;
}

/// Unit-norm Gaussian draws: uniform points on S^(k-1).
pub(crate) fn sample_unit_vectors(n: usize, k: usize, rng: &mut GeoRng) -> Vec<f32> {
    use rand_distr::{Distribution, StandardNormal};
    let mut out = Vec::with_capacity(n * k);
    let mut g = vec![0f64; k];
    for _ in 0..n {
        loop {
            for x in g.iter_mut() {
                *x = StandardNormal.sample(rng);
            }
            let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 1e-12 {
                out.extend(g.iter().map(|x| (x / norm) as f32));
                break;
            }
        }
    }
    out
}

/// Normalises a user point onto the unit sphere.
pub(crate) fn normalize(p: &mut [f32]) -> Result<(), String> {
    let norm = p.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>().sqrt();
    if !norm.is_finite() || norm < 1e-12 {
        return Err(format!("a point on a sphere needs a finite non-zero vector, got norm {norm}"));
    }
    for x in p.iter_mut() {
        *x = (*x as f64 / norm) as f32;
    }
    Ok(())
}

/// `acos` of a cosine clamped to [-1, 1]. NaN stays NaN: it is never turned into 0.
pub(crate) fn clamped_acos(c: f64) -> f64 {
    if c.is_nan() { f64::NAN } else { c.clamp(-1.0, 1.0).acos() }
}

/// The angle between two stored unit vectors, `acos(clamp(⟨a, b⟩, −1, 1))` computed the
/// stable way, `2·atan2(‖a − b‖, ‖a + b‖)` in f64: exactly 0 for equal points and π for
/// antipodes, where the plain `acos` of an f32 dot product is off by ~1e-3 (its slope is
/// infinite at ±1). Points are unit vectors to f32 rounding (sampling and `canonicalize`
/// normalise them), which changes the angle by < 1e-7. NaN coordinates give NaN, never 0.
#[inline]
pub(crate) fn angle(a: &[f32], b: &[f32]) -> f64 {
    let (mut diff, mut sum) = (0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (u, v) = (x as f64, y as f64);
        diff += (u - v) * (u - v);
        sum += (u + v) * (u + v);
    }
    2.0 * diff.sqrt().atan2(sum.sqrt())
}

/// Riemannian gradient in a of θ(a, b) = the angle between unit vectors a and b:
/// −(b − cos θ · a) / sin θ (0 when sin θ vanishes). Returns θ.
pub(crate) fn angle_grad(a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
    let t = angle(a, b);
    let (c, s) = (t.cos(), t.sin());
    for ((g, &x), &y) in grad.iter_mut().zip(a).zip(b) {
        *g = if s > 1e-12 { -(y as f64 - c * x as f64) / s } else { 0.0 };
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamped_acos_keeps_nan_and_clamps_rounding() {
        assert!(clamped_acos(f64::NAN).is_nan());
        assert_eq!(clamped_acos(1.0000001), 0.0);
        assert!((clamped_acos(-1.0000001) - std::f64::consts::PI).abs() < 1e-15);
    }

    #[test]
    fn angle_is_the_clamped_acos_but_exact_at_the_ends() {
        let a = [0.6f32, 0.8, 0.0];
        let b = [0.0f32, 0.6, 0.8];
        let dot: f64 = a.iter().zip(&b).map(|(&x, &y)| x as f64 * y as f64).sum();
        assert!((angle(&a, &b) - clamped_acos(dot)).abs() < 1e-7);
        assert_eq!(angle(&a, &a), 0.0);
        assert_eq!(angle(&a, &[-0.6, -0.8, 0.0]), std::f64::consts::PI);
        assert!(angle(&[f32::NAN, 0.0, 1.0], &a).is_nan());
    }

    #[test]
    fn every_sampled_point_lies_inside_its_chart_bounds() {
        let spaces: Vec<Box<dyn Space>> = vec![
            Box::new(torus::Torus { dim: 2, side: 7.0 }),
            Box::new(klein::Klein { side: 10.0 }),
            Box::new(sphere::Sphere { dim: 1, radius: 5.0 }),
            Box::new(sphere::Sphere { dim: 2, radius: 5.0 }),
            Box::new(projective::Projective { radius: 3.0 }),
        ];
        for s in &spaces {
            let [(x0, x1), (y0, y1)] = s.chart_bounds().expect("bounded");
            let mut rng = crate::seed::rng(1, "chart");
            let pts = s.sample(200, &mut rng);
            for p in pts.chunks(s.coord_dim()) {
                let [x, y] = s.chart(p);
                assert!(x >= x0 - 1e-9 && x <= x1 + 1e-9 && y >= y0 - 1e-9 && y <= y1 + 1e-9, "{x}, {y} outside {:?}", s.chart_bounds());
            }
        }
        assert!(euclidean::Euclidean { dim: 2, scale: 1.0 }.chart_bounds().is_none());
    }
}
