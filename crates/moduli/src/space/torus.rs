//! The flat torus Tᵏ = [0, L)ᵏ with periodic sides: d = ‖(min(|δᵢ| mod L, L − |δᵢ| mod L))ᵢ‖₂.
//!
//! ```
//! use geosparse_moduli::space::{Space, Torus};
//! let t = Torus { dim: 6, side: 10.0 };
//! let a = [1.0f32; 6];
//! let b = [6.0f32; 6];                        // half a side away on every axis
//! assert!((t.distance(&a, &b) - 5.0 * 6f64.sqrt()).abs() < 1e-9);
//! ```

use super::Space;
use crate::seed::GeoRng;
use rand::Rng;

/// Tᵏ with side `side`.
#[derive(Debug, Clone, PartialEq)]
pub struct Torus {
    pub dim: usize,
    pub side: f64,
}

/// Shortest signed-free offset between two coordinates on a circle of length `side`.
#[inline]
pub(crate) fn wrapped(a: f64, b: f64, side: f64) -> f64 {
    let d = (a - b).abs() % side;
    d.min(side - d)
}

impl Space for Torus {
    fn coord_dim(&self) -> usize {
        self.dim
    }
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32> {
        (0..n * self.dim).map(|_| (rng.random::<f64>() * self.side) as f32).collect()
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| {
                let d = wrapped(x as f64, y as f64, self.side);
                d * d
            })
            .sum::<f64>()
            .sqrt()
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        // the signed wrapped difference of each coordinate, in [−side/2, side/2]
        let mut d2 = 0.0;
        for ((g, &x), &y) in grad.iter_mut().zip(a).zip(b) {
            let s = x as f64 - y as f64;
            *g = s - self.side * (s / self.side).round();
            d2 += *g * *g;
        }
        let d = d2.sqrt();
        grad.iter_mut().for_each(|g| *g = if d > 0.0 { *g / d } else { 0.0 });
        d
    }
    fn distance_grad_pair(&self, a: &[f32], b: &[f32], ga: &mut [f64], gb: &mut [f64]) -> f64 {
        // ∇_b d(a, b) = −∇_a d(a, b) here, bit for bit (the signed differences negate exactly)
        let d = self.distance_grad(a, b, ga);
        gb.iter_mut().zip(ga.iter()).for_each(|(b, &a)| *b = -a);
        d
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        for x in p.iter_mut() {
            if !x.is_finite() {
                return Err(format!("coordinate {x} is not finite"));
            }
            *x = (*x as f64).rem_euclid(self.side) as f32;
        }
        Ok(())
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        [p[0] as f64, if self.dim > 1 { p[1] as f64 } else { 0.0 }]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        ["x1", "x2"]
    }
    fn chart_bounds(&self) -> Option<[(f64, f64); 2]> {
        Some([(0.0, self.side), if self.dim > 1 { (0.0, self.side) } else { (-0.5, 0.5) }])
    }
    fn diameter(&self) -> Option<f64> {
        Some(0.5 * self.side * (self.dim as f64).sqrt())
    }
}
