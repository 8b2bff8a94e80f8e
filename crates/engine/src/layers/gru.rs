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

use super::rnn::{LayerCache, RnnLayer};
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
    for s in 0..t {
        // gh (B, 3H) = h_s W_hhᵀ + b_hh
        match &layer.bias_hh {
            Some(bias) => gh.chunks_mut(g3).for_each(|r| r.copy_from_slice(&bias.value)),
            None => gh.fill(0.0),
        }
        layer.recur(&mut gh, &hs[s * bh..(s + 1) * bh], b);
        let gi = &mut gates[s * b * g3..(s + 1) * b * g3];
        let ghn_s = &mut ghn[s * bh..(s + 1) * bh];
        let gh_ref = &gh;
        ops::for_rows2(gi, g3, ghn_s, h, |r, gr, nr| {
            let ghr = &gh_ref[r * g3..(r + 1) * g3];
            for j in 0..h {
                let rr = sigmoid(gr[j] + ghr[j]);
                let z = sigmoid(gr[h + j] + ghr[h + j]);
                let n = tanh(gr[2 * h + j] + rr * ghr[2 * h + j]);
                gr[j] = rr;
                gr[h + j] = z;
                gr[2 * h + j] = n;
                nr[j] = ghr[2 * h + j];
            }
        });
        let (prev, cur) = hs.split_at_mut((s + 1) * bh);
        let prev = &prev[s * bh..];
        let g = &gates[s * b * g3..(s + 1) * b * g3];
        ops::for_rows(&mut cur[..bh], h, |r, hr| {
            for j in 0..h {
                let z = g[r * g3 + h + j];
                let n = g[r * g3 + 2 * h + j];
                hr[j] = (1.0 - z) * n + z * prev[r * h + j];
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
    for s in (0..t).rev() {
        let g = &c.gates[s * b * g3..(s + 1) * b * g3];
        let ghn = &c.ghn[s * bh..(s + 1) * bh];
        let hprev = &c.hs[s * bh..(s + 1) * bh];
        let dout_s = &dout[s * bh..(s + 1) * bh];
        let dgi_s = &mut dgi[s * b * g3..(s + 1) * b * g3];
        let dgh_s = &mut dgh[s * b * g3..(s + 1) * b * g3];
        // dh becomes the direct part dh ⊙ z; the W_hh part is added below.
        ops::for_rows2(dgi_s, g3, dgh_s, g3, |r, di, dhh| {
            for j in 0..h {
                let k = r * h + j;
                let (rr, z, n) = (g[r * g3 + j], g[r * g3 + h + j], g[r * g3 + 2 * h + j]);
                let dhv = dh[k] + dout_s[k];
                let dn = dhv * (1.0 - z) * (1.0 - n * n);
                let dz = dhv * (hprev[k] - n) * z * (1.0 - z);
                let dr = dn * ghn[k] * rr * (1.0 - rr);
                di[j] = dr;
                di[h + j] = dz;
                di[2 * h + j] = dn;
                dhh[j] = dr;
                dhh[h + j] = dz;
                dhh[2 * h + j] = dn * rr;
            }
        });
        let g_ref = &c.gates;
        ops::for_rows(&mut dh, h, |r, row| {
            for j in 0..h {
                let z = g_ref[s * b * g3 + r * g3 + h + j];
                row[j] = (row[j] + dout_s[r * h + j]) * z;
            }
        });
        layer.recur_back(&mut dh, &dgh[s * b * g3..(s + 1) * b * g3], b, true);
    }
    let dx = layer.accumulate_grads(&c.x, &c.hs[..t * bh], &dgi, &dgh, t * b, need_dx);
    (dx, dh)
}
