//! Elman cell: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), act ∈ {ReLU, tanh}.
//!
//! Forward writes the input projection straight into h₁..h_T and adds the recurrent product
//! step by step, so the cache is just x and h₀..h_T (act' is read off h: ReLU h > 0, tanh 1 − h²).
//!
//! ```
//! use geosparse_engine::layers::rnn::{Rnn, RnnConfig, CellKind, Activation, State};
//! let mut rng = geosparse_moduli::seed::rng(1, "doc");
//! let cfg = RnnConfig { cell: CellKind::Elman(Activation::Relu), input: 2, hidden: 3, layers: 1, bias: false, dropout: 0.0 };
//! let rnn = Rnn::new("rnn", cfg, &mut rng);
//! let c = rnn.forward(&[1.0; 2 * 1 * 2], 2, 1, &State::zeros(&cfg, 1), false, &mut rng);
//! assert!(c.output().iter().all(|&h| h >= 0.0));
//! ```

use super::layer::{Activation, LayerCache, RnnLayer};
use crate::ops::{self, tanh};

/// x (T, B, I), h0 (B, H) → cache with hs (T+1, B, H).
pub fn forward(layer: &RnnLayer, x: Vec<f32>, t: usize, b: usize, h0: &[f32], act: Activation) -> LayerCache {
    let _t = crate::profile::scope("elman forward");
    let h = layer.weight_hh.shape[1];
    let bh = b * h;
    let mut hs = vec![0f32; (t + 1) * bh];
    hs[..bh].copy_from_slice(h0);
    layer.project_input_into(&mut hs[bh..], &x, t * b, true); // h₁..h_T ← x W_ihᵀ + b (T·B, H)
    let packed = layer.pack_hh(b, t, false);
    for s in 0..t {
        let (prev, cur) = hs.split_at_mut((s + 1) * bh);
        let prev = &prev[s * bh..];
        let cur = &mut cur[..bh];
        if let (Some(p), Activation::Relu) = (&packed, act) {
            p.gemm_relu(cur, prev, b, true); // cur (B, H) = max(0, cur + h_{s} W_hhᵀ)
            continue;
        }
        layer.recur(cur, prev, b, packed.as_ref()); // cur (B, H) += h_{s} W_hhᵀ
        match act {
            Activation::Relu => ops::for_rows(cur, h, |_, r| r.iter_mut().for_each(|v| *v = v.max(0.0))),
            Activation::Tanh => ops::for_rows(cur, h, |_, r| r.iter_mut().for_each(|v| *v = tanh(*v))),
        }
    }
    LayerCache { x, hs, ..Default::default() }
}

/// dout (T, B, H), dh_final (B, H) → (dx (T, B, I) if asked, dh0 (B, H)); adds parameter grads.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    layer: &mut RnnLayer,
    c: &LayerCache,
    dout: &[f32],
    t: usize,
    b: usize,
    mut dh: Vec<f32>,
    act: Activation,
    need_dx: bool,
) -> (Option<Vec<f32>>, Vec<f32>) {
    let _t = crate::profile::scope("elman backward");
    let h = layer.weight_hh.shape[1];
    let bh = b * h;
    let mut dpre = vec![0f32; t * bh]; // (T, B, H)
    let packed = layer.pack_hh(b, t, true);
    for s in (0..t).rev() {
        let hcur = &c.hs[(s + 1) * bh..(s + 2) * bh];
        let dp = &mut dpre[s * bh..(s + 1) * bh];
        let dh_ref = &dh;
        let dout_s = &dout[s * bh..(s + 1) * bh];
        // dpre_s = (dh + dout_s) ⊙ act'(h_{s+1})
        ops::for_rows(dp, h, |r, row| {
            let (g0, g1, hv) = (&dh_ref[r * h..(r + 1) * h], &dout_s[r * h..(r + 1) * h], &hcur[r * h..(r + 1) * h]);
            match act {
                Activation::Relu => {
                    for j in 0..h {
                        row[j] = if hv[j] > 0.0 { g0[j] + g1[j] } else { 0.0 };
                    }
                }
                Activation::Tanh => {
                    for j in 0..h {
                        row[j] = (g0[j] + g1[j]) * (1.0 - hv[j] * hv[j]);
                    }
                }
            }
        });
        // dh_{s} = dpre_s W_hh
        layer.recur_back(&mut dh, dp, b, false, packed.as_ref());
    }
    let dx = layer.accumulate_grads(&c.x, &c.hs[..t * bh], &dpre, &dpre, t * b, need_dx);
    (dx, dh)
}
