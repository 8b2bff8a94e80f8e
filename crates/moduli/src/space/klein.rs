//! The flat Klein bottle of side L: R² modulo τ(x, y) = (x, y + L) and the glide reflection
//! γ(x, y) = (x + L, L − y), with fundamental domain [0, L)².
//!
//! The distance is the exact quotient distance: the minimum of ‖a − g(b)‖ over the nine images
//! g ∈ {id, γ, γ⁻¹, τ, τ⁻¹, γτ, γτ⁻¹, γ⁻¹τ, γ⁻¹τ⁻¹}. Those suffice on [0, L)²: any other
//! group element moves x by at least 2L − L = L, more than the diameter L/√2 (checked against a
//! brute force over γᵐτⁿ, |m|, |n| ≤ 4, in the tests).
//!
//! ```
//! use geosparse_moduli::space::{Space, Klein};
//! let k = Klein { side: 10.0 };
//! // (x, y) ~ (x + L, L − y): (9.9, 2) sits next to (0.1, 8)
//! assert!((k.distance(&[9.9, 2.0], &[0.1, 8.0]) - 0.2).abs() < 1e-5);
//! ```

use super::Space;
use crate::seed::GeoRng;
use rand::Rng;

/// Klein bottle with side `side`.
#[derive(Debug, Clone, PartialEq)]
pub struct Klein {
    pub side: f64,
}

impl Klein {
    /// The image γᵐ τⁿ (x, y): τ first, then m glides.
    pub fn image(&self, m: i32, n: i32, x: f64, y: f64) -> (f64, f64) {
        let l = self.side;
        let (mut x, mut y) = (x, y + n as f64 * l);
        if m >= 0 {
            for _ in 0..m {
                (x, y) = (x + l, l - y);
            }
        } else {
            for _ in 0..(-m) {
                (x, y) = (x - l, l - y);
            }
        }
        (x, y)
    }
}

impl Klein {
    /// The image of b nearest to a, and its squared distance (first found wins a tie).
    fn nearest_image(&self, a: &[f32], b: &[f32]) -> (f64, f64, f64) {
        let l = self.side;
        let (ax, ay) = (a[0] as f64, a[1] as f64);
        let (bx, by) = (b[0] as f64, b[1] as f64);
        let mut best = (bx, by, f64::INFINITY);
        let mut consider = |x: f64, y: f64| {
            let d2 = (ax - x).powi(2) + (ay - y).powi(2);
            if d2 < best.2 {
                best = (x, y, d2);
            }
        };
        // m = 0: translations in y (id, τ, τ⁻¹).
        for dy in [by, by + l, by - l] {
            consider(bx, dy);
        }
        // m = ±1: glides (γ, γτ, γτ⁻¹ and their γ⁻¹ twins) reflect y to L − y − nL.
        for gx in [bx + l, bx - l] {
            for gy in [l - by, -by, 2.0 * l - by] {
                consider(gx, gy);
            }
        }
        best
    }
}

impl Space for Klein {
    fn coord_dim(&self) -> usize {
        2
    }
    fn sample(&self, n: usize, rng: &mut GeoRng) -> Vec<f32> {
        (0..2 * n).map(|_| (rng.random::<f64>() * self.side) as f32).collect()
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        self.nearest_image(a, b).2.sqrt()
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        let (ix, iy, d2) = self.nearest_image(a, b);
        let d = d2.sqrt();
        let (dx, dy) = (a[0] as f64 - ix, a[1] as f64 - iy);
        grad[0] = if d > 0.0 { dx / d } else { 0.0 };
        grad[1] = if d > 0.0 { dy / d } else { 0.0 };
        d
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        let l = self.side;
        let (mut x, mut y) = (p[0] as f64, p[1] as f64);
        if !x.is_finite() || !y.is_finite() {
            return Err(format!("coordinates ({x}, {y}) are not finite"));
        }
        y = y.rem_euclid(l);
        let k = (x / l).floor();
        x -= k * l;
        if (k as i64).rem_euclid(2) == 1 {
            y = (l - y).rem_euclid(l);
        }
        p[0] = x as f32;
        p[1] = y as f32;
        Ok(())
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        [p[0] as f64, p[1] as f64]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        ["x", "y"]
    }
    fn chart_bounds(&self) -> Option<[(f64, f64); 2]> {
        Some([(0.0, self.side), (0.0, self.side)])
    }
    fn diameter(&self) -> Option<f64> {
        Some(self.side / std::f64::consts::SQRT_2)
    }
}
