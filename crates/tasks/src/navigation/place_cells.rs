//! Place cells (SPEC §3.1): Np centres uniform in the box, difference-of-softmax tuning with
//! width σ and surround scale 2, shifted to be non-negative and normalised to sum 1:
//! u = softmax_k(−n_k²/(2σ²)) − softmax_k(−n_k²/(2·s·σ²)), u ← u + |min_k u|, c = u / Σ u.
//!
//! ```
//! use geosparse_tasks::navigation::place_cells::PlaceCells;
//! let pc = PlaceCells::new(64, 2.2, 0.12, 2.0, 0);
//! let c = pc.code(&[0.1, -0.3]);
//! assert!((c.iter().sum::<f32>() - 1.0).abs() < 1e-5);
//! assert!(c.iter().all(|&v| v >= 0.0));
//! ```

use geosparse_moduli::seed;
use rand::Rng;

#[derive(Debug, Clone)]
pub struct PlaceCells {
    /// Centres (Np, 2) in metres, uniform in [−box/2, box/2]².
    pub centres: Vec<f32>,
    pub sigma: f32,
    pub surround: f32,
    pub box_size: f32,
}

impl PlaceCells {
    /// Centres drawn from `(data_seed, "nav/place-cells")`.
    pub fn new(n: usize, box_size: f32, sigma: f32, surround: f32, data_seed: u64) -> Self {
        let mut r = seed::rng(data_seed, "nav/place-cells");
        let half = box_size as f64 / 2.0;
        let centres = (0..2 * n).map(|_| (r.random::<f64>() * 2.0 * half - half) as f32).collect();
        PlaceCells { centres, sigma, surround, box_size }
    }

    pub fn len(&self) -> usize {
        self.centres.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.centres.is_empty()
    }

    /// The normalised code c(x) (Np) of a position.
    pub fn code(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; self.len()];
        self.code_into(x, &mut out);
        out
    }

    /// [`Self::code`] into `out`.
    pub fn code_into(&self, x: &[f32], out: &mut [f32]) {
        let mut scratch = vec![0f32; self.len()];
        self.code_with(x, out, &mut scratch);
    }

    /// Codes of many positions (M, 2) into `out` (M, Np), rows in parallel.
    pub fn codes_into(&self, positions: &[f32], out: &mut [f32]) {
        use rayon::prelude::*;
        let n = self.len();
        assert_eq!(positions.len() / 2 * n, out.len(), "codes_into: out is not (M, Np)");
        out.par_chunks_mut(n * 16).enumerate().for_each(|(c, block)| {
            let mut scratch = vec![0f32; n];
            for (r, row) in block.chunks_mut(n).enumerate() {
                let i = c * 16 + r;
                self.code_with(&positions[2 * i..2 * i + 2], row, &mut scratch);
            }
        });
    }

    /// One code, f32 throughout with the engine's vectorised `exp` (the codes of a training
    /// batch, T·B·Np of them, are a large part of a small model's step).
    fn code_with(&self, x: &[f32], out: &mut [f32], eb: &mut [f32]) {
        use geosparse_engine::math::exp;
        let n = self.len();
        assert!(out.len() == n && eb.len() == n);
        let inv_a = -1.0 / (2.0 * self.sigma * self.sigma);
        let inv_b = inv_a / self.surround;
        let (px, py) = (x[0], x[1]);
        for (k, o) in out.iter_mut().enumerate() {
            let dx = px - self.centres[2 * k];
            let dy = py - self.centres[2 * k + 1];
            *o = dx * dx + dy * dy;
        }
        // max shift of both softmaxes: d² − min d² ≥ 0
        let dmin = out.iter().copied().fold(f32::INFINITY, f32::min);
        for (o, e) in out.iter_mut().zip(eb.iter_mut()) {
            let d = *o - dmin;
            *o = exp(d * inv_a);
            *e = exp(d * inv_b);
        }
        let ra = 1.0 / sum8(out);
        let rb = 1.0 / sum8(eb);
        for (o, e) in out.iter_mut().zip(eb.iter()) {
            *o = *o * ra - *e * rb;
        }
        let shift = out.iter().copied().fold(f32::INFINITY, f32::min).abs();
        let r = 1.0 / (sum8(out) + shift * n as f32);
        out.iter_mut().for_each(|u| *u = (*u + shift) * r);
    }

    /// Decoded position: the mean centre of the `k` largest scores (Sorscher et al.: k = 3).
    pub fn decode(&self, scores: &[f32], k: usize) -> [f32; 2] {
        let mut idx: Vec<usize> = (0..scores.len()).collect();
        let k = k.min(idx.len()).max(1);
        idx.select_nth_unstable_by(k - 1, |&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let (mut x, mut y) = (0f64, 0f64);
        for &i in &idx[..k] {
            x += self.centres[2 * i] as f64;
            y += self.centres[2 * i + 1] as f64;
        }
        [(x / k as f64) as f32, (y / k as f64) as f32]
    }
}

/// Σ x with 8 partial sums (vectorises; a fixed order, so deterministic).
fn sum8(x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let mut it = x.chunks_exact(8);
    for c in &mut it {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    acc.iter().sum::<f32>() + it.remainder().iter().sum::<f32>()
}
