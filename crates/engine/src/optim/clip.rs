//! `torch.nn.utils.clip_grad_norm_`: scale all gradients by min(1, max_norm / (‖g‖ + 1e-6)).
//!
//! ```
//! use geosparse_engine::optim::clip_grad_norm;
//! use geosparse_engine::param::{Param, ParamKind};
//! let mut p = Param::zeros("w", &[2], ParamKind::Weight);
//! p.grad = vec![3.0, 4.0];
//! let norm = clip_grad_norm(vec![&mut p], 1.0);
//! assert_eq!(norm, 5.0);
//! assert!((p.grad[0] - 0.6).abs() < 1e-6);
//! ```

use crate::ops;
use rayon::prelude::*;
use crate::param::Param;

/// Clips in place; returns the total norm before clipping (pruned entries count as 0).
pub fn clip_grad_norm(params: Vec<&mut Param>, max_norm: f32) -> f64 {
    let mut params = params;
    params.iter_mut().for_each(|p| p.mask_grad());
    let total = grad_norm(params.iter().map(|p| &**p));
    let coef = clip_coef(total, max_norm);
    if coef < 1.0 {
        params.into_iter().for_each(|p| ops::scale(&mut p.grad, coef)); // zero rows stay zero
    }
    total
}

/// ‖g‖₂ over all gradients (call `mask_grad` first so pruned entries count as 0).
pub fn grad_norm<'a>(params: impl Iterator<Item = &'a Param>) -> f64 {
    let _t = crate::profile::scope("grad norm");
    params
        .map(|p| match p.grad_row_spans() {
            // the other rows are exactly 0
            Some((d, rows)) => {
                let per: Vec<f64> = rows.par_iter().map(|&r| ops::sum_squares_seq(&p.grad[r as usize * d..(r as usize + 1) * d])).collect();
                per.iter().sum()
            }
            None => ops::sum_squares(&p.grad),
        })
        .sum::<f64>()
        .sqrt()
}

/// PyTorch's clip coefficient min(1, max_norm / (norm + 1e-6)), for
/// [`super::Optimizer::step_scaled`].
pub fn clip_coef(norm: f64, max_norm: f32) -> f32 {
    (max_norm as f64 / (norm + 1e-6)).min(1.0) as f32
}
