//! LSTM cell (PyTorch gate order i, f, g, o):
//! gates = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh; i, f, o = σ(·), g = tanh(·);
//! c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t).
//!
//! ```
//! use geosparse_engine::layers::rnn::{Rnn, RnnConfig, CellKind, State};
//! let mut rng = geosparse_moduli::seed::rng(1, "doc");
//! let cfg = RnnConfig { cell: CellKind::Lstm, input: 2, hidden: 3, layers: 1, bias: true, dropout: 0.0 };
//! let rnn = Rnn::new("rnn", cfg, &mut rng);
//! let c = rnn.forward(&[1.0; 4], 2, 1, &State::zeros(&cfg, 1), false, &mut rng);
//! assert!(c.output().iter().all(|&h| h.abs() < 1.0));
//! ```

use super::layer::{LayerCache, RnnLayer};
use crate::ops::{self, sigmoid, tanh};

/// x (T, B, I), h0, c0 (B, H) → cache with gates (T, B, 4H) activated, hs and cs (T+1, B, H).
pub fn forward(layer: &RnnLayer, x: Vec<f32>, t: usize, b: usize, h0: &[f32], c0: &[f32]) -> LayerCache {
    let _t = crate::profile::scope("lstm forward");
    let h = layer.weight_hh.shape[1];
    let (bh, g4) = (b * h, 4 * h);
    let mut gates = layer.project_input(&x, t * b, true); // (T·B, 4H) pre-activations, input part
    let mut hs = vec![0f32; (t + 1) * bh];
    let mut cs = vec![0f32; (t + 1) * bh];
    hs[..bh].copy_from_slice(h0);
    cs[..bh].copy_from_slice(c0);
    let packed = layer.pack_hh(b, t, false);
    for s in 0..t {
        let g = &mut gates[s * b * g4..(s + 1) * b * g4];
        layer.recur(g, &hs[s * bh..(s + 1) * bh], b, packed.as_ref()); // g (B, 4H) += h_s W_hhᵀ
        let (cprev, cnext) = cs.split_at_mut((s + 1) * bh);
        let cprev = &cprev[s * bh..];
        let cnext = &mut cnext[..bh];
        let hnext = &mut hs[(s + 1) * bh..(s + 2) * bh];
        ops::for_rows3(g, g4, cnext, h, hnext, h, |r, gr, cr, hr| {
            let cp = &cprev[r * h..(r + 1) * h];
            let (gi, rest) = gr.split_at_mut(h);
            let (gf, rest) = rest.split_at_mut(h);
            let (gg, go) = rest.split_at_mut(h);
            let cr = &mut cr[..h];
            for j in 0..h {
                let i = sigmoid(gi[j]);
                let f = sigmoid(gf[j]);
                let g = tanh(gg[j]);
                let o = sigmoid(go[j]);
                (gi[j], gf[j], gg[j], go[j]) = (i, f, g, o);
                cr[j] = f * cp[j] + i * g;
            }
            for ((hv, &ov), &cv) in hr.iter_mut().zip(go.iter()).zip(cr.iter()) {
                *hv = ov * tanh(cv);
            }
        });
    }
    LayerCache { x, hs, cs, gates, ..Default::default() }
}

/// dout (T, B, H), dh, dc at the end (B, H) → (dx, dh0, dc0); adds parameter grads.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    layer: &mut RnnLayer,
    c: &LayerCache,
    dout: &[f32],
    t: usize,
    b: usize,
    mut dh: Vec<f32>,
    mut dc: Vec<f32>,
    need_dx: bool,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let _t = crate::profile::scope("lstm backward");
    let h = layer.weight_hh.shape[1];
    let (bh, g4) = (b * h, 4 * h);
    // (T, B, 4H) pre-activation grads; the cell below writes every entry
    let mut dgates = layer.dgates.take();
    dgates.resize(t * b * g4, 0.0);
    let packed = layer.pack_hh(b, t, true);
    for s in (0..t).rev() {
        let g = &c.gates[s * b * g4..(s + 1) * b * g4];
        let cprev = &c.cs[s * bh..(s + 1) * bh];
        let ccur = &c.cs[(s + 1) * bh..(s + 2) * bh];
        let dout_s = &dout[s * bh..(s + 1) * bh];
        let dg = &mut dgates[s * b * g4..(s + 1) * b * g4];
        let dh_ref = &dh;
        // dc is updated in place to dc_{s} (the gradient flowing to c_{s−1} ... c_prev)
        ops::for_rows2(dg, g4, &mut dc, h, |r, dgr, dcr| {
            let gr = &g[r * g4..(r + 1) * g4];
            let (gi, gf, gg, go) = (&gr[..h], &gr[h..2 * h], &gr[2 * h..3 * h], &gr[3 * h..]);
            let (cp, cc) = (&cprev[r * h..(r + 1) * h], &ccur[r * h..(r + 1) * h]);
            let (dhr, dor) = (&dh_ref[r * h..(r + 1) * h], &dout_s[r * h..(r + 1) * h]);
            let (di, rest) = dgr.split_at_mut(h);
            let (df, rest) = rest.split_at_mut(h);
            let (dgg, dgo) = rest.split_at_mut(h);
            let dcr = &mut dcr[..h];
            for j in 0..h {
                let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
                let tc = tanh(cc[j]);
                let dhv = dhr[j] + dor[j];
                let dcv = dcr[j] + dhv * o * (1.0 - tc * tc);
                di[j] = dcv * g * i * (1.0 - i);
                df[j] = dcv * cp[j] * f * (1.0 - f);
                dgg[j] = dcv * i * (1.0 - g * g);
                dgo[j] = dhv * tc * o * (1.0 - o);
                dcr[j] = dcv * f;
            }
        });
        layer.recur_back(&mut dh, dg, b, false, packed.as_ref()); // dh_{s} = dg W_hh
    }
    let dx = layer.accumulate_grads(&c.x, &c.hs[..t * bh], &dgates, &dgates, t * b, need_dx);
    layer.dgates.put(dgates);
    (dx, dh, dc)
}

#[cfg(test)]
mod tests {
    use crate::layers::rnn::{CellKind, Rnn, RnnConfig, State};
    use crate::param::Module;

    /// The backward's kept gradient buffer (`RnnLayer::dgates`) leaves no trace: a layer that
    /// has run a longer sequence gives the same gradients as a fresh one.
    #[test]
    fn reused_gradient_buffer_gives_fresh_results() {
        let mut rng = geosparse_moduli::seed::rng(5, "scratch");
        let cfg = RnnConfig { cell: CellKind::Lstm, input: 3, hidden: 5, layers: 2, bias: true, dropout: 0.0 };
        let fresh = Rnn::new("rnn", cfg, &mut rng);
        let mut used = fresh.clone();
        let b = 2;
        let run = |rnn: &mut Rnn, t: usize| {
            let mut rng = geosparse_moduli::seed::rng(6, "scratch");
            let x: Vec<f32> = (0..t * b * 3).map(|i| (i as f32 * 0.37).sin()).collect();
            let cache = rnn.forward(&x, t, b, &State::zeros(&cfg, b), true, &mut rng);
            let dout: Vec<f32> = (0..t * b * 5).map(|i| (i as f32 * 0.11).cos()).collect();
            rnn.zero_grad();
            let (dx, _) = rnn.backward(&cache, &dout, None, true);
            let grads: Vec<Vec<f32>> = rnn.params().iter().map(|p| p.grad.clone()).collect();
            (dx, grads)
        };
        run(&mut used, 9);
        let mut fresh = fresh;
        assert_eq!(run(&mut used, 4), run(&mut fresh, 4));
    }

    /// A gates buffer handed back by `Rnn::recycle` leaves no trace in the next forward pass.
    #[test]
    fn recycled_gates_buffer_gives_fresh_results() {
        let mut rng = geosparse_moduli::seed::rng(7, "recycle");
        let cfg = RnnConfig { cell: CellKind::Lstm, input: 3, hidden: 6, layers: 2, bias: true, dropout: 0.0 };
        let rnn = Rnn::new("rnn", cfg, &mut rng);
        let b = 3;
        let fwd = |rnn: &Rnn, t: usize, phase: f32| {
            let x: Vec<f32> = (0..t * b * 3).map(|i| (i as f32 * 0.29 + phase).sin()).collect();
            rnn.forward(&x, t, b, &State::zeros(&cfg, b), false, &mut geosparse_moduli::seed::rng(8, "recycle"))
        };
        let fresh = rnn.clone();
        for t in [7, 5, 9] {
            let first = fwd(&rnn, t, 1.0);
            rnn.recycle(first);
            let again = fwd(&rnn, t, 2.0);
            let want = fwd(&fresh, t, 2.0);
            assert_eq!(again.output(), want.output(), "T = {t}");
            assert_eq!(again.layers[1].gates, want.layers[1].gates, "T = {t}");
            rnn.recycle(again);
        }
    }
}
