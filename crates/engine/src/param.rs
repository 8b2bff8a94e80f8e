//! A named parameter: value, gradient and optional pruning mask, with PyTorch's name and shape.
//!
//! A mask entry of 0 means "pruned": the value is exactly 0 after every optimizer step, the
//! gradient there is ignored and the optimizer state there stays 0.
//!
//! ```
//! use geosparse_engine::param::{Param, ParamKind};
//! let mut p = Param::zeros("rnn.weight_hh_l0", &[2, 2], ParamKind::Weight);
//! p.value = vec![1., 2., 3., 4.];
//! p.set_mask(vec![1, 0, 1, 1]);
//! assert_eq!(p.value, [1., 0., 3., 4.]);
//! assert_eq!(p.density(), 0.75);
//! ```

use rand::Rng;

/// What pruning and weight decay treat a parameter as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    /// A weight matrix (prunable by default).
    Weight,
    /// An embedding table (a weight matrix too, prunable by default).
    Embedding,
    /// A bias vector (never pruned).
    Bias,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub shape: Vec<usize>,
    pub kind: ParamKind,
    pub value: Vec<f32>,
    pub grad: Vec<f32>,
    pub mask: Option<Vec<u8>>,
    /// Bumped whenever the mask changes (caches of the sparsity pattern compare it).
    pub mask_version: u64,
    /// Rows of `grad` that may be non-zero, sorted, when only some can be; `None`: any row.
    /// An embedding's gradient touches only the rows of the ids it saw (700 of 10 000 in a
    /// word-LM step), and zeroing, clipping and plain SGD then skip the rest. Set to
    /// `Some(empty)` by [`Param::zero_grad`] for [`ParamKind::Embedding`] only; a writer that
    /// may touch any row of such a gradient calls [`Param::grad_any_rows`].
    pub grad_rows: Option<Vec<u32>>,
}

impl Param {
    pub fn zeros(name: &str, shape: &[usize], kind: ParamKind) -> Self {
        let n = shape.iter().product();
        Param { name: name.to_string(), shape: shape.to_vec(), kind, value: vec![0.0; n], grad: vec![0.0; n], mask: None, mask_version: 0, grad_rows: None }
    }

    /// U(−bound, bound), PyTorch's default for RNN and Linear layers with bound = 1/√fan.
    pub fn uniform(name: &str, shape: &[usize], kind: ParamKind, bound: f32, rng: &mut impl Rng) -> Self {
        let mut p = Self::zeros(name, shape, kind);
        p.value.iter_mut().for_each(|v| *v = (rng.random::<f32>() * 2.0 - 1.0) * bound);
        p
    }

    pub fn numel(&self) -> usize {
        self.value.len()
    }

    /// Rows and columns of a matrix (a vector is one row).
    pub fn dims2(&self) -> (usize, usize) {
        match self.shape.as_slice() {
            [r, c] => (*r, *c),
            [c] => (1, *c),
            s => (s[0], s[1..].iter().product()),
        }
    }

    pub fn zero_grad(&mut self) {
        let d = self.row_len();
        match &mut self.grad_rows {
            Some(rows) => {
                for &r in rows.iter() {
                    self.grad[r as usize * d..(r as usize + 1) * d].fill(0.0);
                }
                rows.clear();
            }
            None => {
                crate::ops::zero(&mut self.grad);
                if self.kind == ParamKind::Embedding {
                    self.grad_rows = Some(Vec::new());
                }
            }
        }
    }

    /// Entries per row (dim 0 indexes the rows).
    fn row_len(&self) -> usize {
        self.grad.len() / self.shape[0].max(1)
    }

    /// Records that the gradient may now be non-zero on any row.
    pub fn grad_any_rows(&mut self) {
        self.grad_rows = None;
    }

    /// Adds `rows` (any order, repeats allowed) to the rows that may be non-zero.
    pub fn add_grad_rows(&mut self, rows: impl IntoIterator<Item = u32>) {
        if let Some(have) = &mut self.grad_rows {
            have.extend(rows);
            have.sort_unstable();
            have.dedup();
        }
    }

    /// The gradient's rows that may be non-zero, as (row length, row indices); all rows when
    /// not tracked.
    pub fn grad_row_spans(&self) -> Option<(usize, &[u32])> {
        self.grad_rows.as_deref().map(|r| (self.row_len(), r))
    }

    /// Sets the mask and zeroes the pruned values ("bake").
    pub fn set_mask(&mut self, mask: Vec<u8>) {
        assert_eq!(mask.len(), self.numel(), "mask of {} does not fit {}", mask.len(), self.name);
        self.mask = Some(mask);
        self.mask_version += 1;
        self.apply_mask();
    }

    /// Zeroes pruned values.
    pub fn apply_mask(&mut self) {
        if let Some(m) = &self.mask {
            self.value.iter_mut().zip(m).for_each(|(v, &k)| {
                if k == 0 {
                    *v = 0.0
                }
            });
        }
    }

    /// Zeroes the gradient on pruned entries.
    pub fn mask_grad(&mut self) {
        let Some(m) = &self.mask else { return };
        let zero = |g: &mut [f32], m: &[u8]| {
            g.iter_mut().zip(m).for_each(|(g, &k)| {
                if k == 0 {
                    *g = 0.0
                }
            })
        };
        match &self.grad_rows {
            Some(rows) => {
                let d = self.row_len();
                for &r in rows {
                    let span = r as usize * d..(r as usize + 1) * d;
                    zero(&mut self.grad[span.clone()], &m[span]);
                }
            }
            None => zero(&mut self.grad, m),
        }
    }

    /// Fraction of entries kept (1 without a mask).
    pub fn density(&self) -> f64 {
        match &self.mask {
            None => 1.0,
            Some(m) => m.iter().filter(|&&k| k != 0).count() as f64 / m.len().max(1) as f64,
        }
    }

    /// Fraction of entries that are exactly zero.
    pub fn zero_fraction(&self) -> f64 {
        self.value.iter().filter(|&&v| v == 0.0).count() as f64 / self.numel().max(1) as f64
    }
}

/// Anything made of parameters. The order of `params` is stable: checkpoints and optimizer
/// state follow it.
pub trait Module {
    fn params(&self) -> Vec<&Param>;
    fn params_mut(&mut self) -> Vec<&mut Param>;

    fn zero_grad(&mut self) {
        let _t = crate::profile::scope("zero grad");
        self.params_mut().into_iter().for_each(Param::zero_grad);
    }

    fn param(&self, name: &str) -> Option<&Param> {
        self.params().into_iter().find(|p| p.name == name)
    }

    fn param_mut(&mut self, name: &str) -> Option<&mut Param> {
        self.params_mut().into_iter().find(|p| p.name == name)
    }

    fn num_params(&self) -> usize {
        self.params().iter().map(|p| p.numel()).sum()
    }
}
