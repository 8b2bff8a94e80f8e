//! GRU cell (PyTorch gate order r, z, n):
//! r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
//! n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
//!
//! ```
//! use geosparse_engine::layers::rnn::{Rnn, RnnConfig, CellKind, State};
//! let mut rng = geosparse_moduli::seed::rng(1, "doc");
//! let cfg = RnnConfig { cell: CellKind::Gru, input: 2, hidden: 3, layers: 1, bias: true, dropout: 0.0 };
//! let rnn = Rnn::new("rnn", cfg, &mut rng);
//! let c = rnn.forward(&[1.0; 4], 2, 1, &State::zeros(&cfg, 1), false, &mut rng);
//! assert_eq!(c.output().len(), 6);
//! ```

use super::layer::{LayerCache, RnnLayer};
use crate::ops::{self, sigmoid, tanh};

/// x (T, B, I), h0 (B, H) → cache with gates r, z, n (T, B, 3H), ghn (T, B, H), hs.
pub fn forward(layer: &RnnLayer, x: Vec<f32>, t: usize, b: usize, h0: &[f32]) -> LayerCache {
    let _t = crate::profile::scope("gru forward");
    let h = layer.weight_hh.shape[1];
    let (bh, g3) = (b * h, 3 * h);
    let mut gates = layer.project_input(&x, t * b, false); // (T·B, 3H) = x W_ihᵀ + b_ih
    let mut ghn = vec![0f32; t * bh];
    let mut hs = vec![0f32; (t + 1) * bh];
    hs[..bh].copy_from_slice(h0);
    let mut gh = vec![0f32; b * g3];
    let packed = layer.pack_hh(b, t, false);
    for s in 0..t {
        // gh (B, 3H) = h_s W_hhᵀ + b_hh
        match &layer.bias_hh {
            Some(bias) => gh.chunks_mut(g3).for_each(|r| r.copy_from_slice(&bias.value)),
            None => gh.fill(0.0),
        }
        layer.recur(&mut gh, &hs[s * bh..(s + 1) * bh], b, packed.as_ref());
        let gi = &mut gates[s * b * g3..(s + 1) * b * g3];
        let ghn_s = &mut ghn[s * bh..(s + 1) * bh];
        let gh_ref = &gh;
        ops::for_rows2(gi, g3, ghn_s, h, |r, gr, nr| {
            let ghr = &gh_ref[r * g3..(r + 1) * g3];
            let (hr_, hz, hn) = (&ghr[..h], &ghr[h..2 * h], &ghr[2 * h..]);
            let (gir, rest) = gr.split_at_mut(h);
            let (giz, gin) = rest.split_at_mut(h);
            let nr = &mut nr[..h];
            for j in 0..h {
                let rr = sigmoid(gir[j] + hr_[j]);
                let z = sigmoid(giz[j] + hz[j]);
                let n = tanh(gin[j] + rr * hn[j]);
                (gir[j], giz[j], gin[j]) = (rr, z, n);
                nr[j] = hn[j];
            }
        });
        let (prev, cur) = hs.split_at_mut((s + 1) * bh);
        let prev = &prev[s * bh..];
        let g = &gates[s * b * g3..(s + 1) * b * g3];
        ops::for_rows(&mut cur[..bh], h, |r, hr| {
            let (z, n) = (&g[r * g3 + h..r * g3 + 2 * h], &g[r * g3 + 2 * h..(r + 1) * g3]);
            let p = &prev[r * h..(r + 1) * h];
            for j in 0..h {
                hr[j] = (1.0 - z[j]) * n[j] + z[j] * p[j];
            }
        });
    }
    LayerCache { x, hs, gates, ghn, ..Default::default() }
}

/// dout (T, B, H), dh at the end (B, H) → (dx, dh0); adds parameter grads.
#[allow(clippy::too_many_arguments)]
pub fn backward(
    layer: &mut RnnLayer,
    c: &LayerCache,
    dout: &[f32],
    t: usize,
    b: usize,
    mut dh: Vec<f32>,
    need_dx: bool,
) -> (Option<Vec<f32>>, Vec<f32>) {
    let _t = crate::profile::scope("gru backward");
    let h = layer.weight_hh.shape[1];
    let (bh, g3) = (b * h, 3 * h);
    let mut dgi = vec![0f32; t * b * g3];
    let mut dgh = vec![0f32; t * b * g3];
    let packed = layer.pack_hh(b, t, true);
    for s in (0..t).rev() {
        let g = &c.gates[s * b * g3..(s + 1) * b * g3];
        let ghn = &c.ghn[s * bh..(s + 1) * bh];
        let hprev = &c.hs[s * bh..(s + 1) * bh];
        let dout_s = &dout[s * bh..(s + 1) * bh];
        let dgi_s = &mut dgi[s * b * g3..(s + 1) * b * g3];
        let dgh_s = &mut dgh[s * b * g3..(s + 1) * b * g3];
        // dh becomes the direct part dh ⊙ z; the W_hh part is added below.
        ops::for_rows2(dgi_s, g3, dgh_s, g3, |r, di, dhh| {
            let gr = &g[r * g3..(r + 1) * g3];
            let (gr_, gz, gn) = (&gr[..h], &gr[h..2 * h], &gr[2 * h..]);
            let (ghr, hp) = (&ghn[r * h..(r + 1) * h], &hprev[r * h..(r + 1) * h]);
            let (dhr, dor) = (&dh[r * h..(r + 1) * h], &dout_s[r * h..(r + 1) * h]);
            let (dir, rest) = di.split_at_mut(h);
            let (diz, din) = rest.split_at_mut(h);
            let (dhr_, rest) = dhh.split_at_mut(h);
            let (dhz, dhn) = rest.split_at_mut(h);
            for j in 0..h {
                let (rr, z, n) = (gr_[j], gz[j], gn[j]);
                let dhv = dhr[j] + dor[j];
                let dn = dhv * (1.0 - z) * (1.0 - n * n);
                let dz = dhv * (hp[j] - n) * z * (1.0 - z);
                let dr = dn * ghr[j] * rr * (1.0 - rr);
                (dir[j], diz[j], din[j]) = (dr, dz, dn);
                (dhr_[j], dhz[j], dhn[j]) = (dr, dz, dn * rr);
            }
        });
        ops::for_rows(&mut dh, h, |r, row| {
            let z = &g[r * g3 + h..r * g3 + 2 * h];
            let dor = &dout_s[r * h..(r + 1) * h];
            for j in 0..h {
                row[j] = (row[j] + dor[j]) * z[j];
            }
        });
        layer.recur_back(&mut dh, &dgh[s * b * g3..(s + 1) * b * g3], b, true, packed.as_ref());
    }
    let dx = layer.accumulate_grads(&c.x, &c.hs[..t * bh], &dgi, &dgh, t * b, need_dx);
    (dx, dh)
}
