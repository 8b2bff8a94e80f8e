//! Embedding table `(V, D)`, PyTorch's `nn.Embedding`: row lookup forward, scatter-add backward.
//!
//! ```
//! use geosparse_engine::layers::embedding::Embedding;
//! let mut rng = geosparse_moduli::seed::rng(0, "doc");
//! let e = Embedding::new("encoder", 10, 4, 0.1, &mut rng);
//! let y = e.forward(&[3, 3, 7]);               // (3, 4)
//! assert_eq!(&y[..4], &y[4..8]);
//! ```

use crate::param::{Module, Param, ParamKind};
use rand::Rng;

#[derive(Debug, Clone)]
pub struct Embedding {
    pub weight: Param,
}

impl Embedding {
    /// U(±bound) (the word-language-model example uses 0.1).
    pub fn new(prefix: &str, vocab: usize, dim: usize, bound: f32, rng: &mut impl Rng) -> Self {
        Embedding { weight: Param::uniform(&format!("{prefix}.weight"), &[vocab, dim], ParamKind::Embedding, bound, rng) }
    }

    pub fn dim(&self) -> usize {
        self.weight.shape[1]
    }

    /// ids (M) → (M, D). Ids must be < V (the caller's vocabulary guarantees it).
    pub fn forward(&self, ids: &[u32]) -> Vec<f32> {
        let d = self.dim();
        let mut y = Vec::with_capacity(ids.len() * d);
        for &id in ids {
            let r = id as usize * d;
            y.extend_from_slice(&self.weight.value[r..r + d]);
        }
        y
    }

    /// grad[id] += dy row, in order (deterministic); the rows are recorded in the gradient's
    /// row set (see [`Param::grad_rows`]).
    pub fn backward(&mut self, ids: &[u32], dy: &[f32]) {
        let d = self.dim();
        self.weight.add_grad_rows(ids.iter().copied());
        for (k, &id) in ids.iter().enumerate() {
            let r = id as usize * d;
            self.weight.grad[r..r + d].iter_mut().zip(&dy[k * d..(k + 1) * d]).for_each(|(g, v)| *g += v);
        }
    }
}

impl Module for Embedding {
    fn params(&self) -> Vec<&Param> {
        vec![&self.weight]
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        vec![&mut self.weight]
    }
}
