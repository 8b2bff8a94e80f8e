//! Finite-difference checks of every backward pass: each cell (1 and 2 layers, dropout between
//! them), linear and embedding layers, each loss, and the moduli + L1 penalties with a mask.
use geosparse_engine::layers::embedding::Embedding;
use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{Activation, CellKind, Rnn, RnnConfig, State};
use geosparse_engine::loss;
use geosparse_engine::param::{Module, Param};
use geosparse_engine::regularize::{Regularization, Term};
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use geosparse_moduli::{Penalty, Power, seed};
use rand::Rng;

#[derive(Clone, Copy, Debug)]
enum Head {
    SoftCe,
    Ce,
    MseLast,
}

/// Embedding → RNN stack → linear head → loss, plus penalties.
struct Net {
    emb: Embedding,
    rnn: Rnn,
    dec: Linear,
    reg: Regularization,
    head: Head,
    ids: Vec<u32>,
    soft: Vec<f32>,
    target: Vec<f32>,
    h0: State,
    t: usize,
    b: usize,
}

impl Net {
    fn new(cell: CellKind, layers: usize, head: Head, power: Power) -> Net {
        let (t, b, v, e, h, k) = (4, 3, 7, 5, 6, 4);
        let mut rng = seed::rng(42, "net");
        let emb = Embedding::new("encoder", v, e, 0.5, &mut rng);
        let cfg = RnnConfig { cell, input: e, hidden: h, layers, bias: true, dropout: 0.3 };
        let mut rnn = Rnn::with_bound("rnn", cfg, 0.5, &mut rng);
        let out = if matches!(head, Head::MseLast) { 1 } else { k };
        let mut dec = Linear::with_bounds("decoder", h, out, true, 0.5, 0.1, &mut rng);
        // masks on W_hh of layer 0 and on the decoder
        let gh = cell.gates() * h;
        rnn.layers[0].weight_hh.set_mask((0..gh * h).map(|i| (i % 4 != 1) as u8).collect());
        dec.weight.set_mask((0..out * h).map(|i| (i % 3 != 0) as u8).collect());
        let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
        spec.side = Some(2.0);
        spec.invert = true;
        let r = spec.resolve(Some(h), 3).unwrap().build().unwrap();
        let pen = Penalty::new(r.shared_matrix(), h, 0.7, power).unwrap();
        let mut terms = vec![Term::moduli("rnn.weight_hh_l0", pen), Term::l1("decoder.weight", 0.3)];
        if layers > 1 {
            let pen1 = Penalty::new(r.shared_matrix(), h, 0.2, power).unwrap();
            terms.push(Term::moduli("rnn.weight_hh_l1", pen1));
        }
        let ids = (0..t * b).map(|_| rng.random_range(0..v as u32)).collect();
        let soft: Vec<f32> = (0..t * b * k).map(|_| rng.random::<f32>()).collect();
        let target = (0..t * b).map(|_| rng.random_range(0..k) as f32).collect();
        let mut h0 = State::zeros(&cfg, b);
        h0.h.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
        if let Some(c) = &mut h0.c {
            c.iter_mut().for_each(|x| *x = rng.random::<f32>() - 0.5);
        }
        Net { emb, rnn, dec, reg: Regularization { terms }, head, ids, soft, target, h0, t, b }
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut v = self.emb.params_mut();
        v.extend(self.rnn.params_mut());
        v.extend(self.dec.params_mut());
        v
    }

    /// Loss (and gradients when `grad`). Dropout masks come from a fixed seed each call.
    fn run(&mut self, grad: bool) -> f64 {
        let (t, b) = (self.t, self.b);
        let mut rng = seed::rng(9, "dropout");
        let x = self.emb.forward(&self.ids);
        let cache = self.rnn.forward(&x, t, b, &self.h0, true, &mut rng);
        let h = self.rnn.cfg.hidden;
        let (rows, feats): (usize, &[f32]) = match self.head {
            Head::MseLast => (b, &cache.output()[(t - 1) * b * h..]),
            _ => (t * b, cache.output()),
        };
        let mut z = self.dec.forward(feats, rows);
        let k = self.dec.output();
        let task = match self.head {
            Head::SoftCe => loss::soft_cross_entropy(&mut z, &self.soft, k, grad),
            Head::Ce => loss::cross_entropy(&mut z, &self.target.iter().map(|&v| v as u32).collect::<Vec<_>>(), k, grad).loss,
            Head::MseLast => {
                let (l, g) = loss::mse(&z, &self.target[..b]);
                z = g;
                l
            }
        };
        let reg = self.reg.clone();
        let pen = reg.apply(self.params_mut(), grad).unwrap();
        if grad {
            let dfeat = self.dec.backward(feats, &z, rows, true).unwrap();
            let dout = match self.head {
                Head::MseLast => {
                    let mut d = vec![0f32; t * b * h];
                    d[(t - 1) * b * h..].copy_from_slice(&dfeat);
                    d
                }
                _ => dfeat,
            };
            let (dx, _) = self.rnn.backward(&cache, &dout, None, true);
            self.emb.backward(&self.ids, &dx.unwrap());
            self.params_mut().into_iter().for_each(|p| p.mask_grad());
        }
        task + pen
    }
}

fn gradcheck(cell: CellKind, layers: usize, head: Head, power: Power) {
    let mut net = Net::new(cell, layers, head, power);
    net.params_mut().into_iter().for_each(|p| p.zero_grad());
    net.run(true);
    let grads: Vec<(String, Vec<f32>)> = net.params_mut().into_iter().map(|p| (p.name.clone(), p.grad.clone())).collect();
    let eps = 2e-3f32;
    let mut pick = seed::rng(1, "entries");
    let mut checked = 0;
    let mut kinks = 0;
    for (pi, (name, g)) in grads.iter().enumerate() {
        let n = g.len();
        for _ in 0..12.min(n) {
            let i = pick.random_range(0..n);
            let (w, masked) = {
                let p = &net.params_mut()[pi];
                (p.value[i], p.mask.as_ref().is_some_and(|m| m[i] == 0))
            };
            if masked {
                assert_eq!(g[i], 0.0, "{name}[{i}] is pruned but has gradient {}", g[i]);
                continue;
            }
            if w.abs() < 2.0 * eps {
                continue; // |w| has a kink at 0
            }
            let mut eval = |v: f32| {
                net.params_mut()[pi].value[i] = v;
                net.run(false)
            };
            let (up, down, mid) = (eval(w + eps), eval(w - eps), eval(w)); // ends restored
            let fd = (up - down) / (2.0 * eps as f64);
            // A ReLU unit switching inside [w − eps, w + eps] makes the one-sided slopes
            // disagree: the loss is not differentiable there, so the point proves nothing.
            let (right, left) = ((up - mid) / eps as f64, (mid - down) / eps as f64);
            if (right - left).abs() > 0.05 * right.abs().max(left.abs()) + 1e-3 {
                kinks += 1;
                continue;
            }
            let an = g[i] as f64;
            assert!(
                (fd - an).abs() <= 2e-2 * an.abs().max(fd.abs()) + 2e-4,
                "{cell:?} {layers}L {head:?} p={power:?}: d/d {name}[{i}] finite diff {fd:.6} vs backward {an:.6}"
            );
            checked += 1;
        }
    }
    assert!(checked > 40 && kinks * 10 < checked, "only {checked} entries checked ({kinks} at kinks)");
}

#[test]
fn elman_relu_gradients() {
    gradcheck(CellKind::Elman(Activation::Relu), 1, Head::SoftCe, Power::One);
    gradcheck(CellKind::Elman(Activation::Relu), 2, Head::MseLast, Power::Two);
}

#[test]
fn elman_tanh_gradients() {
    gradcheck(CellKind::Elman(Activation::Tanh), 2, Head::Ce, Power::One);
}

#[test]
fn gru_gradients() {
    gradcheck(CellKind::Gru, 1, Head::Ce, Power::Two);
    gradcheck(CellKind::Gru, 2, Head::SoftCe, Power::One);
}

#[test]
fn lstm_gradients() {
    gradcheck(CellKind::Lstm, 1, Head::MseLast, Power::One);
    gradcheck(CellKind::Lstm, 2, Head::Ce, Power::Two);
}
