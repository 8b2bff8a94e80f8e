//! Euclidean space Rⁿ with Gaussian points of scale s (N(0, s²I)); d = ‖a − b‖₂.
//!
//! ```
//! use geosparse_moduli::space::{Space, Euclidean};
//! let e = Euclidean { dim: 3, scale: 1.0 };
//! assert_eq!(e.distance(&[0., 0., 0.], &[3., 4., 0.]), 5.0);
//! ```

use super::Space;
use crate::seed::GeoRng;
use rand_distr::{Distribution, StandardNormal};

/// Rⁿ with Gaussian sampling of scale `scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Euclidean {
    pub dim: usize,
    pub scale: f64,
}

impl Space for Euclidean {
    fn coord_dim(&self) -> usize {
        self.dim
    }
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32> {
        (0..n * self.dim)
            .map(|_| {
                let g: f64 = StandardNormal.sample(rng);
                (g * self.scale) as f32
            })
            .collect()
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).powi(2)).sum::<f64>().sqrt()
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        let d = self.distance(a, b);
        for ((g, &x), &y) in grad.iter_mut().zip(a).zip(b) {
            *g = if d > 0.0 { (x as f64 - y as f64) / d } else { 0.0 };
        }
        d
    }
    fn distance_grad_pair(&self, a: &[f32], b: &[f32], ga: &mut [f64], gb: &mut [f64]) -> f64 {
        // ∇_b d(a, b) = −∇_a d(a, b) here, bit for bit (the signed differences negate exactly)
        let d = self.distance_grad(a, b, ga);
        gb.iter_mut().zip(ga.iter()).for_each(|(b, &a)| *b = -a);
        d
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        match p.iter().find(|x| !x.is_finite()) {
            Some(x) => Err(format!("coordinate {x} is not finite")),
            None => Ok(()),
        }
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        [p[0] as f64, if self.dim > 1 { p[1] as f64 } else { 0.0 }]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        ["x1", "x2"]
    }
    fn diameter(&self) -> Option<f64> {
        None
    }
}
