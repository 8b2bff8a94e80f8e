//! Inverted dropout: kept entries are scaled by 1/(1 − p) in training; identity in evaluation.
//!
//! The mask is drawn in blocks of [`BLOCK`] entries, each from its own ChaCha8 stream keyed by
//! one draw of the caller's generator, so blocks fill in parallel and the mask depends on the
//! seed alone, not on the thread count.
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

use geosparse_moduli::seed::GeoRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Entries per independently seeded block of the mask.
pub const BLOCK: usize = 4096;

/// The kept/scaled mask of one dropout application.
#[derive(Debug, Clone)]
pub struct Dropout {
    scale: Vec<f32>,
}

impl Dropout {
    /// Applies dropout with probability `p` (0 ≤ p < 1) in place; `None` when p = 0. Takes one
    /// `u64` from `rng`.
    pub fn forward(x: &mut [f32], p: f32, rng: &mut impl Rng) -> Option<Dropout> {
        if p <= 0.0 {
            return None;
        }
        let _t = crate::profile::scope("dropout");
        let keep = 1.0 / (1.0 - p);
        // an entry is dropped when its uniform u32 falls below p·2³²
        let below = (f64::from(p) * 4_294_967_296.0).round() as u64;
        let key: u64 = rng.random();
        let mut scale = vec![0f32; x.len()];
        let fill = |(blk, (xs, ss)): (usize, (&mut [f32], &mut [f32]))| {
            let mut r = GeoRng::seed_from_u64(key);
            r.set_stream(blk as u64);
            let mut u = [0u32; BLOCK];
            let u = &mut u[..xs.len()];
            r.fill(u);
            for ((v, s), &u) in xs.iter_mut().zip(ss.iter_mut()).zip(u.iter()) {
                *s = if u64::from(u) < below { 0.0 } else { keep };
                *v *= *s;
            }
        };
        if x.len() <= BLOCK {
            x.chunks_mut(BLOCK).zip(scale.chunks_mut(BLOCK)).enumerate().for_each(fill);
        } else {
            x.par_chunks_mut(BLOCK).zip(scale.par_chunks_mut(BLOCK)).enumerate().for_each(fill);
        }
        Some(Dropout { scale })
    }

    /// The gradient through the same mask, in place.
    pub fn backward(&self, g: &mut [f32]) {
        let _t = crate::profile::scope("dropout");
        crate::ops::mul_assign(g, &self.scale);
    }
}
