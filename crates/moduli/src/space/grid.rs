//! An integer lattice in Rᵏ (seRNN's 5 × 5 × 4 box of neurons): the points are the lattice's
//! nodes, not drawn at random; d = ‖a − b‖₂.
//!
//! Point p has the mixed-radix digits of p over `shape`, the last axis fastest; `sample(n)` with
//! more points than the lattice holds carries on along the first axis (regularizers refuse that:
//! N must be the product of the shape).
//!
//! ```
//! use geosparse_moduli::space::{Grid, Space};
//! let g = Grid { shape: vec![5, 5, 4] };
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let pts = g.sample(100, &mut rng);
//! assert_eq!(&pts[3 * 21..3 * 22], &[1.0, 0.0, 1.0]);   // point 21 = (1, 0, 1)
//! assert_eq!(g.distance(&pts[0..3], &pts[3 * 99..3 * 100]), (16.0f64 + 16.0 + 9.0).sqrt());
//! ```

use super::{Euclidean, Space};
use crate::seed::GeoRng;

/// The lattice {0, …, shape₀ − 1} × … × {0, …, shape_k − 1}.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub shape: Vec<usize>,
}

impl Grid {
    /// The lattice's metric: Rᵏ's.
    fn metric(&self) -> Euclidean {
        Euclidean { dim: self.shape.len(), scale: 1.0 }
    }
}

impl Space for Grid {
    fn coord_dim(&self) -> usize {
        self.shape.len()
    }
    fn sample(&self, n: usize, _rng: &mut GeoRng) -> Vec<f32> {
        let k = self.shape.len();
        let mut out = vec![0f32; n * k];
        for p in 0..n {
            let mut rest = p;
            for axis in (0..k).rev() {
                let digit = if axis == 0 { rest } else { rest % self.shape[axis] };
                out[p * k + axis] = digit as f32;
                rest /= self.shape[axis];
            }
        }
        out
    }
    fn distance(&self, a: &[f32], b: &[f32]) -> f64 {
        self.metric().distance(a, b)
    }
    fn distance_grad(&self, a: &[f32], b: &[f32], grad: &mut [f64]) -> f64 {
        self.metric().distance_grad(a, b, grad)
    }
    fn distance_grad_pair(&self, a: &[f32], b: &[f32], ga: &mut [f64], gb: &mut [f64]) -> f64 {
        self.metric().distance_grad_pair(a, b, ga, gb)
    }
    fn canonicalize(&self, p: &mut [f32]) -> Result<(), String> {
        self.metric().canonicalize(p)
    }
    fn chart(&self, p: &[f32]) -> [f64; 2] {
        // the last axis is folded into the first, so a 5 × 5 × 4 box shows as 20 × 5 distinct spots
        let k = self.shape.len();
        let last = if k > 2 { p[k - 1] as f64 * self.shape[0] as f64 } else { 0.0 };
        [p[0] as f64 + last, if k > 1 { p[1] as f64 } else { 0.0 }]
    }
    fn chart_axes(&self) -> [&'static str; 2] {
        ["x1 (+ x_last · n1)", "x2"]
    }
    fn diameter(&self) -> Option<f64> {
        Some(self.shape.iter().map(|&s| ((s.max(1) - 1) as f64).powi(2)).sum::<f64>().sqrt())
    }
}
