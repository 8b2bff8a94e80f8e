//! Inverted dropout: kept entries are scaled by 1/(1 − p) in training; identity in evaluation.
//!
//! ```
//! use geosparse_engine::layers::dropout::Dropout;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let mut x = vec![1.0f32; 1000];
//! let d = Dropout::forward(&mut x, 0.5, &mut rng).unwrap();
//! assert!(x.iter().all(|&v| v == 0.0 || v == 2.0));
//! let mut g = vec![1.0f32; 1000];
//! d.backward(&mut g);
//! assert_eq!(g, x);
//! ```

use rand::Rng;

/// The kept/scaled mask of one dropout application.
#[derive(Debug, Clone)]
pub struct Dropout {
    scale: Vec<f32>,
}

impl Dropout {
    /// Applies dropout with probability `p` in place; `None` when p = 0.
    pub fn forward(x: &mut [f32], p: f32, rng: &mut impl Rng) -> Option<Dropout> {
        if p <= 0.0 {
            return None;
        }
        let keep = 1.0 / (1.0 - p);
        let scale: Vec<f32> = (0..x.len()).map(|_| if rng.random::<f32>() < p { 0.0 } else { keep }).collect();
        x.iter_mut().zip(&scale).for_each(|(v, s)| *v *= s);
        Some(Dropout { scale })
    }

    /// The gradient through the same mask, in place.
    pub fn backward(&self, g: &mut [f32]) {
        g.iter_mut().zip(&self.scale).for_each(|(v, s)| *v *= s);
    }
}
